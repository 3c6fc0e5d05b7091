//! The shared after-the-sale scenarios (`tests/scenarios/apply/*.json`), run through the Rust
//! API; the same files serve the C (via `cargo xtask gen`) and Python test suites.
//!
//! A scenario holds a rule set, a context and a basket; a starting punch card and points
//! account (a program and the events that built it; `null`: not presented); the hand-worked
//! points and card and account summaries after the sale (`after_sale`, or the error that
//! refused it, both sides left as they were); optional events applied `between` the sale and
//! the return; and a `refund`: the cumulative units returned, the refund's event id and time,
//! and the summaries after it.

use std::fs;
use std::path::{Path, PathBuf};

use retention_core::card::{Card, CardError, CardEvent, CardProgram, ProgramId};
use retention_core::customer::CustomerRecord;
use retention_core::points::{Account, AccountEvent, AccountProgram, Points};
use retention_core::rules::{
    ApplyError, Context, Line, Outcome, Returns, RuleSetDoc, evaluate, refund,
};
use retention_core::terminal::EventId;
use retention_core::time::{Day, Timestamp, UtcOffset};
use serde_json::Value;

/// A JSON integer as a narrower type (the scenario's values are in range).
fn narrow<T: TryFrom<u64>>(value: &Value) -> T {
    T::try_from(value.as_u64().unwrap()).unwrap_or_else(|_| panic!("{value} out of range"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn day(now: &Value) -> Day {
    Timestamp::from_unix(now.as_i64().unwrap())
        .local(UtcOffset::UTC)
        .unwrap()
        .day()
}

fn id(value: &Value, terminal: &str, sequence: &str) -> EventId {
    EventId::new(
        narrow::<u32>(&value[terminal]),
        narrow::<u32>(&value[sequence]),
    )
}

fn card_event(step: &Value, program: ProgramId) -> CardEvent {
    let id = id(step, "terminal", "sequence");
    match step["op"].as_str().unwrap() {
        "stamp" => CardEvent::Stamp {
            id,
            program,
            stamps: narrow::<u16>(&step["amount"]),
        },
        "redeem" => CardEvent::Redeem { id, program },
        op => panic!("unknown card op {op}"),
    }
}

fn account_event(step: &Value) -> AccountEvent {
    let id = id(step, "terminal", "sequence");
    let points = Points(step["amount"].as_u64().unwrap());
    match step["op"].as_str().unwrap() {
        "earn" => AccountEvent::Earn { id, points },
        "redeem" => AccountEvent::Redeem { id, points },
        op => panic!("unknown account op {op}"),
    }
}

fn start_card(value: &Value) -> Option<Card> {
    if value.is_null() {
        return None;
    }
    let p = &value["program"];
    let program = ProgramId(narrow::<u16>(&p["program"]));
    let mut card = Card::new(CardProgram {
        program,
        stamps_per_reward: narrow::<u8>(&p["stamps_per_reward"]),
        daily_limit: narrow::<u8>(&p["daily_limit"]),
        lapse_after_days: narrow::<u16>(&p["lapse_after_days"]),
        expires_on: None,
    })
    .unwrap();
    for step in value["events"].as_array().unwrap() {
        card = card
            .apply(&card_event(step, program), day(&step["now"]))
            .unwrap();
    }
    Some(card)
}

fn start_account(value: &Value) -> Option<Account> {
    if value.is_null() {
        return None;
    }
    let p = &value["program"];
    let mut account = Account::new(AccountProgram {
        expiry_months: narrow::<u8>(&p["expiry_months"]),
        pending_days: narrow::<u8>(&p["pending_days"]),
    })
    .unwrap();
    for step in value["events"].as_array().unwrap() {
        account = account
            .apply(&account_event(step), day(&step["now"]))
            .unwrap();
    }
    Some(account)
}

/// Checks the card and account against the expected summaries (`null`: not presented).
fn check(name: &str, card: Option<&Card>, account: Option<&Account>, expect: &Value, today: Day) {
    match card {
        None => assert!(expect["card"].is_null(), "{name}: a card was expected"),
        Some(card) => {
            let s = card.summary();
            let e = &expect["card"];
            let wanted = |key: &str| narrow::<u32>(&e[key]);
            assert_eq!(
                (
                    s.stamps,
                    s.rewards_available,
                    s.owed_stamps,
                    s.write_counter
                ),
                (
                    wanted("stamps"),
                    wanted("rewards_available"),
                    wanted("owed_stamps"),
                    wanted("write_counter")
                ),
                "{name}: card (stamps, rewards, owed, write counter)"
            );
        }
    }
    match account {
        None => assert!(
            expect["account"].is_null(),
            "{name}: an account was expected"
        ),
        Some(account) => {
            let s = account.summary(today).unwrap();
            let e = &expect["account"];
            let wanted = |key: &str| Points(e[key].as_u64().unwrap());
            assert_eq!(
                (s.available, s.pending, s.debt),
                (wanted("available"), wanted("pending"), wanted("debt")),
                "{name}: account (available, pending, debt)"
            );
        }
    }
}

fn error_name(error: ApplyError) -> String {
    match error {
        ApplyError::Card(CardError::DailyLimitReached { .. }) => "card_daily_limit_reached".into(),
        other => format!("{other:?}"),
    }
}

fn run(path: &Path) {
    let scenario: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let name = scenario["name"].as_str().unwrap();
    assert!(scenario["why"].as_str().unwrap().len() > 40, "{name}: why");
    let rules = RuleSetDoc::from_value(scenario["rule_set"].clone())
        .unwrap()
        .compile()
        .unwrap();
    let context: Context = serde_json::from_value(scenario["context"].clone()).unwrap();
    let basket: Vec<Line> = serde_json::from_value(scenario["basket"].clone()).unwrap();
    let today = context.now.local(context.offset).unwrap().day();
    let mut outcome = Box::new(Outcome::new());
    evaluate(
        &rules,
        &basket,
        &CustomerRecord::new(),
        &context,
        &mut outcome,
    )
    .unwrap();
    let after_sale = &scenario["after_sale"];
    assert_eq!(
        outcome.points.0,
        after_sale["points"].as_u64().unwrap(),
        "{name}: points"
    );
    let card = start_card(&scenario["card"]);
    let account = start_account(&scenario["account"]);
    let result = outcome.apply(card.as_ref(), account.as_ref(), today);
    if let Some(error) = after_sale.get("error") {
        assert_eq!(
            result.map_err(error_name).err().as_deref(),
            error.as_str(),
            "{name}: error"
        );
        // Both sides as they were.
        check(name, card.as_ref(), account.as_ref(), after_sale, today);
        return;
    }
    let applied = result.unwrap();
    check(
        name,
        applied.card.as_ref(),
        applied.account.as_ref(),
        after_sale,
        today,
    );
    // Applying the sale again changes nothing.
    assert_eq!(
        outcome
            .apply(applied.card.as_ref(), applied.account.as_ref(), today)
            .unwrap(),
        applied,
        "{name}: idempotent"
    );
    let (mut card, mut account) = (applied.card, applied.account);
    let between = &scenario["between"];
    if let (Some(c), Some(steps)) = (card.as_mut(), between["card"].as_array()) {
        for step in steps {
            let program = c.program().program;
            *c = c
                .apply(&card_event(step, program), day(&step["now"]))
                .unwrap();
        }
    }
    if let (Some(a), Some(steps)) = (account.as_mut(), between["account"].as_array()) {
        for step in steps {
            *a = a.apply(&account_event(step), day(&step["now"])).unwrap();
        }
    }
    let step = &scenario["refund"];
    if step.is_null() {
        return;
    }
    let returned: Vec<u32> = serde_json::from_value(step["returned"].clone()).unwrap();
    let (clawback, _) = refund(&outcome, &Returns::none(&outcome), &returned).unwrap();
    assert_eq!(
        clawback.points.0,
        step["points"].as_u64().unwrap(),
        "{name}: refund points"
    );
    let refund_day = day(&step["now"]);
    let refunded = clawback
        .apply(
            id(&step["event"], "terminal", "sequence"),
            card.as_ref(),
            account.as_ref(),
            refund_day,
        )
        .unwrap();
    check(
        name,
        refunded.card.as_ref(),
        refunded.account.as_ref(),
        step,
        refund_day,
    );
}

#[test]
fn apply_scenarios() {
    let mut paths: Vec<PathBuf> = fs::read_dir(root().join("tests/scenarios/apply"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4, "found {} apply scenarios", paths.len());
    for path in &paths {
        run(path);
    }
}
