//! A customer's day across two offline terminals: a punch card and a points account.
//!
//! Earn, stamp, redeem, a partial return, the two card copies and the two account copies
//! merged (a double redemption found in each), an old card image replayed and refused —
//! printing the card's and the account's bytes and state at each step. Run with
//! `cargo run -p retention-examples --bin cards` (the README's demo runs it).

use std::error::Error;

use retention_core::card::{Card, CardEvent, CardProgram, CardReadError, ProgramId};
use retention_core::envelope::Seal;
use retention_core::points::{Account, AccountEvent, AccountProgram, Points};
use retention_core::terminal::EventId;
use retention_core::time::{Date, Day};

const COFFEE: ProgramId = ProgramId(7);

/// The card as it would be written to the NFC tag: its length and its state.
fn show(step: &str, card: &Card, seal: Seal<'_>) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut tag = [0u8; retention_core::card::MAX_ENCODED_LEN];
    let used = card.encode(seal, &mut tag)?;
    let s = card.summary();
    let owed = if s.owed_stamps > 0 {
        format!(
            ", OWES {} stamps ({} reward overdrawn)",
            s.owed_stamps, s.overdrawn_rewards
        )
    } else {
        String::new()
    };
    let excess = if s.daily_excess > 0 {
        format!(", {} over the daily limit", s.daily_excess)
    } else {
        String::new()
    };
    println!(
        "  {step:<44} {used:>3} B  stamps {}/{} rewards {}{owed}{excess}  [terminals {}, write #{}]",
        s.stamps,
        card.program().stamps_per_reward,
        s.rewards_available,
        s.terminals,
        s.write_counter
    );
    Ok(tag[..used].to_vec())
}

/// The account as it would be stored: its length and its balances as of `today`.
fn points(step: &str, account: &Account, today: Day, seal: Seal<'_>) -> Result<(), Box<dyn Error>> {
    let mut blob = [0u8; retention_core::points::MAX_ENCODED_LEN];
    let used = account.encode(seal, &mut blob)?;
    let s = account.summary(today)?;
    let overdrawn = if s.overdrawn.0 > 0 {
        format!(" (OVERDRAWN {}: redeemed on two copies)", s.overdrawn.0)
    } else {
        String::new()
    };
    println!(
        "  {step:<44} {used:>3} B  points {} available, {} pending, {} owed{overdrawn}  [recent events {}, write #{}]",
        s.available.0, s.pending.0, s.debt.0, s.recent_events, s.write_counter
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let key = [0x5au8; 32]; // the operator's terminal key
    let uid = [0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6]; // the NFC tag's UID
    let seal = Seal::new(&key, &uid)?;
    let customer = Seal::new(&key, b"cust-0042")?; // the account's blob is bound to the customer
    let today = Date::new(2024, 3, 5)?.to_day();
    let stamp = |terminal, sequence, stamps| CardEvent::Stamp {
        id: EventId::new(terminal, sequence),
        program: COFFEE,
        stamps,
    };
    let redeem = |terminal, sequence| CardEvent::Redeem {
        id: EventId::new(terminal, sequence),
        program: COFFEE,
    };

    println!(
        "Coffee card: 5 stamps make a free coffee, at most 6 stamps a day; points pend 14 days."
    );
    let mut card = Card::new(CardProgram {
        program: COFFEE,
        stamps_per_reward: 5,
        daily_limit: 6,
        lapse_after_days: 90,
        expires_on: None,
    })?;
    let mut account = Account::new(AccountProgram {
        expiry_months: 12,
        pending_days: 14,
    })?
    .apply(
        &AccountEvent::Earn {
            id: EventId::new(9, 1),
            points: Points(500),
        },
        Date::new(2024, 1, 10)?.to_day(),
    )?;
    show("new card", &card, seal)?;
    points(
        "earlier visits: 500 points in January",
        &account,
        today,
        customer,
    )?;

    println!("Morning, terminal 1:");
    card = card.apply(&stamp(1, 1, 3), today)?;
    account = account.apply(
        &AccountEvent::Earn {
            id: EventId::new(1, 1),
            points: Points(120),
        },
        today,
    )?;
    show("coffee and croissant: 3 stamps", &card, seal)?;
    points("... and 120 points (pending)", &account, today, customer)?;

    println!("Terminal 2 goes offline with a copy of the card and of the account.");
    let mut copy = card.clone();
    let mut account_copy = account.clone();

    card = card.apply(&stamp(1, 2, 3), today)?;
    show("T1 lunch: 3 stamps (6 today)", &card, seal)?;
    match card.apply(&stamp(1, 3, 1), today) {
        Err(error) => println!("  T1 a 7th stamp today: refused ({error})"),
        Ok(_) => return Err("the daily limit was not enforced".into()),
    }
    card = card.apply(&redeem(1, 4), today)?;
    let old_image = show("T1 free coffee redeemed", &card, seal)?;
    account = account.apply(
        &AccountEvent::Redeem {
            id: EventId::new(1, 4),
            points: Points(300),
        },
        today,
    )?;
    points("T1 300 points off the bill", &account, today, customer)?;

    println!("Afternoon, terminal 2 (offline, its own copy):");
    copy = copy.apply(&stamp(2, 1, 2), today)?;
    show("T2 copy: 2 stamps", &copy, seal)?;
    account_copy = account_copy.apply(
        &AccountEvent::Earn {
            id: EventId::new(2, 1),
            points: Points(40),
        },
        today,
    )?;
    points("... and 40 points", &account_copy, today, customer)?;
    copy = copy.apply(&redeem(2, 2), today)?;
    show("T2 copy: free coffee redeemed (again!)", &copy, seal)?;
    account_copy = account_copy.apply(
        &AccountEvent::Redeem {
            id: EventId::new(2, 2),
            points: Points(250),
        },
        today,
    )?;
    points(
        "... and a 250-point voucher",
        &account_copy,
        today,
        customer,
    )?;
    copy = copy.apply(
        &CardEvent::Void {
            id: EventId::new(2, 3),
            program: COFFEE,
            original: EventId::new(1, 1),
            stamps: 1,
        },
        today,
    )?;
    show("T2 copy: partial return, 1 stamp back", &copy, seal)?;
    account_copy = account_copy.apply(
        &AccountEvent::Clawback {
            id: EventId::new(2, 3),
            original: EventId::new(1, 1),
            points: Points(30),
        },
        today,
    )?;
    points(
        "... and 30 points clawed back",
        &account_copy,
        today,
        customer,
    )?;

    println!("Evening sync: the two card copies merged, and the two account copies.");
    let merged = card.merge(&copy)?;
    let merged_image = show("merged card", &merged, seal)?;
    println!(
        "  the double redemption is visible: the card owes {} stamps",
        merged.summary().owed_stamps
    );
    let account = account.merge(&account_copy)?;
    points("merged account", &account, today, customer)?;
    println!(
        "  both tills spent the same points: 300 + 250 from 500, {} overdrawn and owed",
        account.summary(today)?.overdrawn.0
    );

    println!("Next morning, terminal 1 is handed its old image of the card:");
    match Card::decode(&old_image, seal, merged.write_counter()) {
        Err(CardReadError::OlderCopy {
            write_counter,
            min_write_counter,
        }) => println!(
            "  replay refused: write counter {write_counter} < {min_write_counter} seen at the merge"
        ),
        other => return Err(format!("an old image was not refused: {other:?}").into()),
    }
    let card = Card::decode(&merged_image, seal, merged.write_counter())?;
    let tomorrow = Date::new(2024, 3, 6)?.to_day();
    let card = card.apply(&stamp(1, 5, 4), tomorrow)?;
    show("T1 next day: 4 stamps pay the debt", &card, seal)?;
    let later = Date::new(2024, 3, 19)?.to_day();
    points(
        "two weeks later: 130 released, 50 repaid",
        &account,
        later,
        customer,
    )?;
    println!(
        "  tier qualification (12 months): {} points",
        account.qualifying_points(later, 12)?.0
    );
    Ok(())
}
