//! Win-back at the till: the churn summary lives in the customer record, the terminal scores the
//! record from the model blob and feeds the risk to the rules. A customer buys once, is gone a
//! year, comes back: the record says "lapsed one-time buyer", the default model (Pareto/NBD, the
//! published CDNOW fit) puts the risk at 767, and the shipped win-back program gives 300 points.
//! A regular at the next till does not get it. Run with
//! `cargo run -p retention-examples --bin winback` (the demo command runs it).

use std::error::Error;
use std::fs;
use std::path::Path;

use retention_core::churn::model::{ChurnModel, MODEL_MAX_LEN, PurchaseModel};
use retention_core::churn::pareto_nbd::ParetoNbd;
use retention_core::churn::summary::Periods;
use retention_core::customer::{CUSTOMER_MAX_LEN, CustomerRecord};
use retention_core::envelope::Seal;
use retention_core::rules::{Context, Line, Outcome, RuleSet, evaluate, explain};
use retention_core::terminal::EventId;
use retention_core::time::Timestamp;

const KEY: [u8; 32] = [0x5a; 32];
const DAY: i64 = 86_400;
/// Tuesday 2024-03-05 10:00 UTC.
const NOW: i64 = 1_709_632_800;

/// One sale at the till: score the stored record with the model, evaluate, store the update.
fn checkout(
    rules: &RuleSet,
    model: &ChurnModel,
    blob: &mut Vec<u8>,
    customer_id: &[u8],
    now: i64,
    event: EventId,
    quiet: bool,
) -> Result<(), Box<dyn Error>> {
    let seal = Seal::new(&KEY, customer_id)?;
    let record = CustomerRecord::decode(blob, seal)?;
    let context = Context {
        now: Timestamp::from_unix(now),
        event,
        ..Context::default()
    };
    let today = context.now.local(context.offset)?.day();
    let risk = model.risk_of(&record.churn, today)?;
    let context = Context {
        churn_risk: risk,
        ..context
    };
    let mut outcome = Box::new(Outcome::new());
    evaluate(
        rules,
        &[Line::new(1, 1, 1, 25_00)],
        &record,
        &context,
        &mut outcome,
    )?;
    let mut out = [0u8; CUSTOMER_MAX_LEN];
    let used = outcome.customer.encode(seal, &mut out)?;
    *blob = out[..used].to_vec();
    if !quiet {
        let churn = &outcome.customer.churn;
        let (name, date) = (String::from_utf8_lossy(customer_id), today.date());
        println!("--- {name} on {date}: a 25.00 basket, event {event}");
        println!(
            "  record before: {} visits; churn risk from the model blob: {}",
            record.visits,
            risk.map_or("unknown (no purchase yet)".to_string(), |r| r.to_string())
        );
        print!("{}", explain(rules, &outcome));
        println!(
            "  record after ({used} bytes): x = {} repeat days, repeat spend {}",
            churn.frequency(),
            churn.repeat_spend()
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs/winback.json");
    let rules = RuleSet::from_json(&fs::read_to_string(path)?)?;
    // The model blob the host wrote; the till loads it once.
    let pareto = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690)?;
    let mut model_blob = [0u8; MODEL_MAX_LEN];
    let used = ChurnModel::new(PurchaseModel::ParetoNbd(pareto), Periods::DAYS_IN_WEEKS)
        .encode(&mut model_blob)?;
    let model = ChurnModel::decode(&model_blob[..used])?;
    println!("model blob: {used} bytes (Pareto/NBD, CDNOW fit, days measured in weeks)");

    let mut fresh = [0u8; CUSTOMER_MAX_LEN];
    let seal_of = |id: &'static [u8]| Seal::new(&KEY, id);
    // Ann: one purchase 52 weeks ago, then nothing.
    let used = CustomerRecord::new().encode(seal_of(b"ann")?, &mut fresh)?;
    let mut ann = fresh[..used].to_vec();
    checkout(
        &rules,
        &model,
        &mut ann,
        b"ann",
        NOW - 364 * DAY,
        EventId::new(1, 1),
        false,
    )?;
    // Bob: every fortnight for 20 weeks, the last a week ago.
    let used = CustomerRecord::new().encode(seal_of(b"bob")?, &mut fresh)?;
    let mut bob = fresh[..used].to_vec();
    for visit in 0..=10u32 {
        let when = NOW - 147 * DAY + i64::from(visit) * 14 * DAY;
        checkout(
            &rules,
            &model,
            &mut bob,
            b"bob",
            when,
            EventId::new(2, 10 + visit),
            true,
        )?;
    }
    // Today both come back.
    checkout(
        &rules,
        &model,
        &mut ann,
        b"ann",
        NOW,
        EventId::new(3, 500),
        false,
    )?;
    checkout(
        &rules,
        &model,
        &mut bob,
        b"bob",
        NOW,
        EventId::new(3, 501),
        false,
    )?;
    Ok(())
}
