//! Account tests: the shared scenario, pinned bytes, bad input, and worked examples of the
//! replay, compaction and merge rules. Property tests against a reference model are in
//! `proptests.rs`.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::ledger::{Ledger, Lot, month_start};
use super::recent::{Recent, RecentKind};
use super::*;
use crate::envelope::{self, DecodeError, Kind, Seal};
use crate::terminal::TerminalId;
use crate::time::{Date, Day};

pub(super) const KEY: [u8; 32] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];
const CUSTOMER: &[u8] = b"cust-0042";
/// The account after the scenario's second partial return (cards.json `pinned_account`).
const PINNED: &str = "5254022155000c0e090000004c4d4b4d00000000320000000302020100000004000000020000000700000009000000010000008802f401000000008a82d20000d20000d200001200050000004c4d3c000011080000004c4d50000069e5d39a4e6796c975d1555335a45a6267fdef99";
/// A version-1 account (the first release's layout) written by that release: after the
/// back office replayed copy b's events onto copy a in its scenario.
const VERSION_1: &str = "5254012144000c0e070000004b4d0000000003020100000004000000020000000300000009000000010000008802f4010000c800000000000000008a02d2000000d2000000d2000000125c61634b617d8e19bca74840e6b70fdb4df93cfb";

pub(super) fn seal() -> Seal<'static> {
    Seal::new(&KEY, CUSTOMER).unwrap()
}

pub(super) fn day(year: i32, month: u8, day: u8) -> Day {
    Date::new(year, month, day).unwrap().to_day()
}

fn parse_day(text: &str) -> Day {
    let parts: Vec<u32> = text.split('-').map(|p| p.parse().unwrap()).collect();
    day(parts[0] as i32, parts[1] as u8, parts[2] as u8)
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// 12 months' expiry, 14 days pending: the shared scenario's program.
fn program() -> AccountProgram {
    AccountProgram {
        expiry_months: 12,
        pending_days: 14,
    }
}

pub(super) fn earn(terminal: u32, sequence: u32, points: u64) -> AccountEvent {
    AccountEvent::Earn {
        id: EventId::new(terminal, sequence),
        points: Points(points),
    }
}

pub(super) fn redeem(terminal: u32, sequence: u32, points: u64) -> AccountEvent {
    AccountEvent::Redeem {
        id: EventId::new(terminal, sequence),
        points: Points(points),
    }
}

pub(super) fn clawback(
    terminal: u32,
    sequence: u32,
    original: (u32, u32),
    points: u64,
) -> AccountEvent {
    AccountEvent::Clawback {
        id: EventId::new(terminal, sequence),
        original: EventId::new(original.0, original.1),
        points: Points(points),
    }
}

fn error_name(error: AccountError) -> &'static str {
    match error {
        AccountError::InvalidEventId => "invalid_event_id",
        AccountError::ZeroPoints => "zero_points",
        AccountError::InsufficientPoints { .. } => "insufficient_points",
        AccountError::UnknownTransaction => "unknown_transaction",
        AccountError::TerminalSlotsFull => "terminal_slots_full",
        AccountError::DateOutOfRange => "date_out_of_range",
        AccountError::InvalidWindow => "invalid_window",
        AccountError::Overflow => "overflow",
        AccountError::Internal => "internal",
    }
}

fn merge_error_name(error: AccountMergeError) -> &'static str {
    match error {
        AccountMergeError::ProgramMismatch => "program_mismatch",
        AccountMergeError::IncomparableCheckpoints => "incomparable_checkpoints",
        AccountMergeError::RecentEventsFull => "recent_events_full",
        AccountMergeError::TerminalSlotsFull => "terminal_slots_full",
        AccountMergeError::Diverged => "diverged",
        AccountMergeError::Overflow => "overflow",
        AccountMergeError::WriteCounterExhausted => "write_counter_exhausted",
        AccountMergeError::Internal => "internal",
    }
}

/// The account with its write counter zeroed: what the merge laws compare.
pub(super) fn content(account: &Account) -> Account {
    Account {
        write_counter: 0,
        ..account.clone()
    }
}

/// `(available, pending, debt, overdrawn)` as of `on`.
fn balances(account: &Account, on: Day) -> (u64, u64, u64, u64) {
    let s = account.summary(on).unwrap();
    (s.available.0, s.pending.0, s.debt.0, s.overdrawn.0)
}

/// `tests/vectors/cards.json`, the account's steps: the same day the C and Python tests replay.
#[test]
#[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
fn shared_scenario() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/vectors/cards.json")).unwrap();
    let key = unhex(doc["key_hex"].as_str().unwrap());
    let customer = unhex(doc["customer_id_hex"].as_str().unwrap());
    let seal = Seal::new(&key, &customer).unwrap();
    let p = &doc["account_program"];
    let program = AccountProgram {
        expiry_months: p["expiry_months"].as_u64().unwrap() as u8,
        pending_days: p["pending_days"].as_u64().unwrap() as u8,
    };
    assert_eq!(program, self::program());
    let pinned = unhex(doc["pinned_account"]["blob_hex"].as_str().unwrap());
    assert_eq!(pinned, unhex(PINNED));
    let mut copies: BTreeMap<String, Account> = BTreeMap::new();
    copies.insert("a".into(), Account::new(program).unwrap());
    let mut steps = 0;
    for step in doc["steps"].as_array().unwrap() {
        if step["kind"] != "account" {
            continue;
        }
        steps += 1;
        let name = |key: &str| step[key].as_str().unwrap().to_string();
        let num = |key: &str| step[key].as_u64().unwrap();
        let copy = name("copy");
        let id = || EventId::new(num("terminal") as u32, num("sequence") as u32);
        let on = step["date"].as_str().map(parse_day);
        let before = copies.get(&copy).cloned();
        let outcome: Result<(), &str> = match step["op"].as_str().unwrap() {
            op @ ("earn" | "redeem" | "clawback") => {
                let points = Points(num("amount"));
                let event = match op {
                    "earn" => AccountEvent::Earn { id: id(), points },
                    "redeem" => AccountEvent::Redeem { id: id(), points },
                    _ => AccountEvent::Clawback {
                        id: id(),
                        original: EventId::new(
                            num("original_terminal") as u32,
                            num("original_sequence") as u32,
                        ),
                        points,
                    },
                };
                copies[&copy]
                    .apply(&event, on.unwrap())
                    .map(|next| {
                        copies.insert(copy.clone(), next);
                    })
                    .map_err(error_name)
            }
            "expire" => copies[&copy]
                .expire(on.unwrap())
                .map(|next| {
                    copies.insert(copy.clone(), next);
                })
                .map_err(error_name),
            "fork" => {
                let from = copies[&name("from")].clone();
                copies.insert(copy.clone(), from);
                Ok(())
            }
            "merge" => copies[&copy]
                .merge(&copies[&name("with")])
                .map(|merged| {
                    copies.insert(copy.clone(), merged);
                })
                .map_err(merge_error_name),
            "save" => {
                let account = &copies[&copy];
                let mut blob = [0u8; MAX_ENCODED_LEN];
                let used = account.encode(seal, &mut blob).unwrap();
                assert_eq!(used, account.encoded_len());
                assert_eq!(step["blob"], "pinned");
                assert_eq!(&blob[..used], &pinned[..], "the account is the pinned blob");
                Ok(())
            }
            "query" => Ok(()),
            other => panic!("unknown op {other}"),
        };
        let note = step["note"].as_str().unwrap_or("");
        let expected = step["expect"].as_str().unwrap();
        assert_eq!(outcome.err().unwrap_or("ok"), expected, "{note}");
        if expected != "ok" {
            assert_eq!(
                copies.get(&copy),
                before.as_ref(),
                "a refusal changes nothing: {note}"
            );
        }
        if let Some(expected) = step.get("account") {
            let account = &copies[&copy];
            let on = on.expect("a step with expectations has a date");
            let s = account.summary(on).unwrap();
            let mut actual = serde_json::json!({
                "available": s.available.0, "pending": s.pending.0, "debt": s.debt.0,
                "overdrawn": s.overdrawn.0,
            });
            if let Some(window) = step["window_months"].as_u64() {
                actual["qualifying"] = account
                    .qualifying_points(on, window as u8)
                    .unwrap()
                    .0
                    .into();
            }
            if let Some(days) = step["expiring_days"].as_u64() {
                actual["expiring"] = account.expiring_within(on, days as u16).unwrap().0.into();
            }
            assert_eq!(&actual, expected, "{note}");
        }
    }
    assert_eq!(steps, 19, "every account step of the scenario ran");
}

/// The pinned account of the scenario, built field by field (see cards.json's `about`).
fn pinned_account() -> Account {
    let terminals = [(TerminalId(1), 4), (TerminalId(2), 7), (TerminalId(9), 1)];
    let lots = [
        Lot {
            month: 648,
            qualifying: 500,
            remaining: 0,
            pending: 0,
            pending_until: None,
        },
        Lot {
            month: 650,
            qualifying: 210,
            remaining: 210,
            pending: 210,
            pending_until: Some(day(2024, 3, 19)),
        },
    ];
    let recent = [
        Recent {
            id: EventId::new(1, 5),
            day: day(2024, 3, 6),
            kind: RecentKind::Earn,
            points: 60,
        },
        Recent {
            id: EventId::new(2, 8),
            day: day(2024, 3, 6),
            kind: RecentKind::Clawback,
            points: 80,
        },
    ];
    Account {
        program: program(),
        write_counter: 9,
        as_of: Some(day(2024, 3, 6)),
        terminals: heapless::Vec::from_slice(&terminals).unwrap(),
        checkpoint: Ledger {
            day: Some(day(2024, 3, 5)),
            debt: 0,
            overdrawn: 50,
            lots: heapless::Vec::from_slice(&lots).unwrap(),
        },
        recent: heapless::Vec::from_slice(&recent).unwrap(),
    }
}

#[test]
fn pinned_bytes_of_a_known_account() {
    // Computed with Python's struct, zlib and hmac from docs/formats.md (see cards.json).
    let expected = unhex(PINNED);
    let account = pinned_account();
    let mut blob = [0u8; MAX_ENCODED_LEN];
    let used = account.encode(seal(), &mut blob).unwrap();
    // 26 + 21 + 3 × 8 + 2 × 8 + 4 (one lot with pending points) + 2 × 10.
    assert_eq!(used, 111);
    assert_eq!(&blob[..used], &expected[..]);
    assert_eq!(Account::decode(&expected, seal(), 9).unwrap(), account);
    // Its balances: March's 190 pending after the return, 50 overdrawn still owed.
    assert_eq!(balances(&account, day(2024, 3, 6)), (0, 190, 50, 50));
}

/// `blob` with its version byte set to `version`, its checksum and tag recomputed.
fn resealed(blob: &[u8], version: u8) -> Vec<u8> {
    let mut blob = blob[..blob.len() - 20].to_vec();
    blob[2] = version;
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob);
    blob.extend_from_slice(&crc.to_le_bytes());
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&KEY).unwrap();
    mac.update(&[CUSTOMER.len() as u8]);
    mac.update(CUSTOMER);
    mac.update(&blob);
    blob.extend_from_slice(&mac.finalize().into_bytes()[..16]);
    blob
}

#[test]
fn version_1_blobs_are_read_as_a_checkpoint() {
    let old = unhex(VERSION_1);
    assert_eq!(resealed(&old, 1), old, "the helper reproduces a real blob");
    let account = Account::decode(&old, seal(), 7).unwrap();
    // Its lots, debt and sequences became the checkpoint, settled to its day (2024-03-05).
    assert_eq!(account.recent_events(), 0);
    assert_eq!(account.checkpoint.day, Some(day(2024, 3, 5)));
    assert_eq!(account.write_counter(), 7);
    assert_eq!(
        account.last_events().collect::<Vec<_>>(),
        [EventId::new(1, 4), EventId::new(2, 3), EventId::new(9, 1)]
    );
    // January holds 200 of 500, March 210 pending until 2024-03-19.
    assert_eq!(balances(&account, day(2024, 3, 5)), (200, 210, 0, 0));
    assert_eq!(balances(&account, day(2024, 3, 19)), (410, 0, 0, 0));
    assert_eq!(
        account.qualifying_points(day(2024, 3, 19), 12),
        Ok(Points(710))
    );
    // Written again, it is a version-2 blob of the same account.
    let mut blob = [0u8; MAX_ENCODED_LEN];
    let used = account.encode(seal(), &mut blob).unwrap();
    assert_eq!(blob[2], 2);
    assert_eq!(Account::decode(&blob[..used], seal(), 7).unwrap(), account);
    // A version-1 lot beyond 2^24 − 1 points does not fit the checkpoint.
    let mut big = old.clone();
    big[6 + 14 + 24 + 2 + 3] = 0x01; // January's qualifying: 500 + 2^24.
    assert!(matches!(
        Account::decode(&resealed(&big, 1), seal(), 0),
        Err(AccountReadError::Blob(DecodeError::OverCapacity))
    ));
}

/// An account with every field at its maximum: 8 terminals, 14 lots of which 4 have pending
/// points, 8 recent events.
fn worst_case() -> Account {
    let program = AccountProgram {
        expiry_months: MAX_EXPIRY_MONTHS,
        pending_days: MAX_PENDING_DAYS,
    };
    let max = MAX_LOT_POINTS as u32;
    // The checkpoint is settled to 2149-05-01 (month 2152): 14 live lots 2148-04 ..= 2149-05
    // (months 2139 ..= 2152; 2148-04's last day is 2149-05-31); the last 4 pending until 120
    // days into their month.
    let checkpoint_day = day(2149, 5, 1);
    let lots: Vec<Lot> = (2139..=2152u16)
        .map(|month| {
            let pending = if month >= 2149 { max } else { 0 };
            Lot {
                month,
                qualifying: max,
                remaining: max,
                pending,
                pending_until: (pending > 0).then(|| {
                    month_start(u32::from(month))
                        .unwrap()
                        .checked_add_days(120)
                        .unwrap()
                }),
            }
        })
        .collect();
    let terminals: Vec<_> = (0..8u32)
        .map(|i| (TerminalId(u32::MAX - 7 + i), u32::MAX - 1))
        .collect();
    // Eight redemptions of the most points an event carries, one per terminal: the 10 lots
    // without pending points cover them.
    let recent: Vec<_> = terminals
        .iter()
        .map(|&(terminal, _)| Recent {
            id: EventId {
                terminal,
                sequence: u32::MAX,
            },
            day: checkpoint_day,
            kind: RecentKind::Redeem,
            points: max,
        })
        .collect();
    Account {
        program,
        write_counter: u32::MAX,
        as_of: Some(Day::from_number(65_535).unwrap()),
        terminals: heapless::Vec::from_slice(&terminals).unwrap(),
        checkpoint: Ledger {
            day: Some(checkpoint_day),
            debt: 0,
            overdrawn: 0,
            lots: heapless::Vec::from_slice(&lots).unwrap(),
        },
        recent: heapless::Vec::from_slice(&recent).unwrap(),
    }
}

#[test]
fn worst_case_is_max_encoded_len() {
    let account = worst_case();
    // 26 + 21 + 8 × 8 + 14 × 8 + 4 × 4 + 8 × 10.
    assert_eq!(account.encoded_len(), MAX_ENCODED_LEN);
    assert_eq!(MAX_ENCODED_LEN, 319);
    let mut blob = [0u8; MAX_ENCODED_LEN];
    assert_eq!(account.encode(seal(), &mut blob), Ok(319));
    assert_eq!(Account::decode(&blob, seal(), u32::MAX).unwrap(), account);
    assert!(account.summary(day(2149, 5, 1)).is_ok());
}

#[test]
fn the_first_and_last_days_round_trip() {
    // Found by the account_decode fuzz target: a lot of 1970-01 starts on day 0, which is not
    // a day the account stores, but its month is.
    let mut account = Account::new(program()).unwrap();
    for on in [
        Day::from_number(1).unwrap(),
        Day::from_number(65_535).unwrap(),
    ] {
        account = account.apply(&earn(1, on.number() as u32, 7), on).unwrap();
        let mut blob = [0u8; MAX_ENCODED_LEN];
        let used = account.encode(seal(), &mut blob).unwrap();
        assert_eq!(Account::decode(&blob[..used], seal(), 0).unwrap(), account);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn every_single_bit_flip_is_rejected() {
    for blob in [unhex(PINNED), unhex(VERSION_1)] {
        for byte in 0..blob.len() {
            for bit in 0..8 {
                let mut flipped = blob.clone();
                flipped[byte] ^= 1 << bit;
                assert!(
                    matches!(
                        Account::decode(&flipped, seal(), 0),
                        Err(AccountReadError::Blob(_))
                    ),
                    "byte {byte} bit {bit}"
                );
            }
        }
    }
}

#[test]
fn wrong_key_wrong_customer_and_older_copies_are_refused() {
    let blob = unhex(PINNED);
    let bad_tag = Err(AccountReadError::Blob(DecodeError::BadTag));
    assert_eq!(
        Account::decode(&blob, Seal::new(&[7u8; 32], CUSTOMER).unwrap(), 0),
        bad_tag
    );
    assert_eq!(
        Account::decode(&blob, Seal::new(&KEY, b"cust-0043").unwrap(), 0),
        bad_tag
    );
    assert_eq!(
        Account::decode(&blob, seal(), 10),
        Err(AccountReadError::OlderCopy {
            write_counter: 9,
            min_write_counter: 10
        })
    );
    let mut card = [0u8; 64];
    let used = envelope::encode_raw(Kind::Card, b"x", Some(seal()), &mut card).unwrap();
    assert!(matches!(
        Account::decode(&card[..used], seal(), 0),
        Err(AccountReadError::Blob(DecodeError::WrongKind { .. }))
    ));
    // A version this build does not know.
    assert!(matches!(
        Account::decode(&resealed(&blob, 3), seal(), 0),
        Err(AccountReadError::Blob(DecodeError::UnsupportedVersion {
            found: 3,
            newest: 2
        }))
    ));
}

fn blob_of(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; payload.len() + 26];
    let used = envelope::encode_raw(Kind::Account, payload, Some(seal()), &mut out).unwrap();
    out.truncate(used);
    out
}

#[test]
#[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
fn payload_checks_have_their_errors() {
    // The pinned payload (85 bytes): header 0..21, terminals 21..45 (T1 at 21, T2 at 29, T9
    // at 37), January's lot 45..53, March's 53..65 (pending at 61, its date at 64), the
    // earning 65..75 (tag, sequence at 66, day at 70, points at 72), the clawback 75..85.
    let good = unhex(PINNED)[6..6 + 85].to_vec();
    assert!(Account::decode(&blob_of(&good), seal(), 0).is_ok());
    let refused = |payload: &[u8]| match Account::decode(&blob_of(payload), seal(), 0) {
        Err(AccountReadError::Blob(error)) => error,
        other => panic!("{other:?}"),
    };
    let with = |changes: &[(usize, u8)]| {
        let mut payload = good.clone();
        for &(at, value) in changes {
            payload[at] = value;
        }
        payload
    };
    use DecodeError::{OutOfRange, OverCapacity, Payload};
    /// Bytes to change, the error, what it is.
    type Case<'a> = (&'a [(usize, u8)], DecodeError, &'a str);
    let cases: &[Case<'_>] = &[
        (&[(0, 14)], OutOfRange, "expiry 14 months"),
        (&[(1, 91)], OutOfRange, "pending 91 days"),
        (&[(18, 9)], OverCapacity, "9 terminals"),
        (&[(19, 15)], OverCapacity, "15 lots"),
        (&[(20, 9)], OverCapacity, "9 events"),
        (&[(20, 1)], Payload, "count and length disagree"),
        (&[(29, 1)], Payload, "terminals 1, 1"),
        (&[(53, 0x88)], Payload, "two lots of one month"),
        (&[(45, 0x6a), (46, 0x08)], OutOfRange, "a lot in 2149-07"),
        (
            &[(53, 0x8b)],
            OutOfRange,
            "a lot after the checkpoint's month",
        ),
        (
            &[(61, 0), (62, 0), (63, 0)],
            OutOfRange,
            "pending flag, none pending",
        ),
        (&[(61, 0xd3)], OutOfRange, "pending above remaining"),
        (&[(64, 13)], OutOfRange, "pending date before earn + 14"),
        (&[(64, 45)], OutOfRange, "pending date past the month + 14"),
        (&[(10, 1)], OutOfRange, "debt beside unspent points"),
        (&[(50, 10)], OutOfRange, "overdrawn beside spendable points"),
        (&[(8, 0), (9, 0)], OutOfRange, "a checkpoint without a day"),
        (&[(6, 0x4b)], OutOfRange, "an event after the account's day"),
        (&[(6, 0), (7, 0)], OutOfRange, "events without a day"),
        (
            &[(41, 0)],
            OutOfRange,
            "a terminal with neither watermark nor event",
        ),
        (
            &[(66, 4)],
            OutOfRange,
            "an event at its terminal's watermark",
        ),
        (&[(65, 3)], OutOfRange, "terminal index 3 of 3"),
        (&[(75, 0x19)], OutOfRange, "kind 3"),
        (&[(75, 0x31)], OutOfRange, "a stray bit in the tag"),
        (&[(70, 0), (71, 0)], OutOfRange, "an event without a day"),
        (&[(72, 0)], OutOfRange, "an event of zero points"),
        (
            &[(65, 0x10), (75, 0x01)],
            Payload,
            "events out of canonical order",
        ),
        (&[(75, 0x10), (76, 5)], Payload, "one event id twice"),
    ];
    for &(changes, error, what) in cases {
        assert_eq!(refused(&with(changes)), error, "{what}");
    }
    assert_eq!(refused(&good[..84]), Payload, "truncated");
    // Five lots with pending points (a checkpoint holds at most four).
    let mut five = good[..21].to_vec();
    five[18..21].copy_from_slice(&[1, 5, 0]);
    five.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0]);
    for month in 646..651u16 {
        five.extend_from_slice(&(month | 0x8000).to_le_bytes());
        five.extend_from_slice(&[1, 0, 0, 1, 0, 0, 1, 0, 0, 20]);
    }
    assert_eq!(refused(&five), OverCapacity, "5 lots with pending points");
}

#[test]
fn bad_events_have_their_errors_and_change_nothing() {
    let today = day(2024, 3, 5);
    let account = Account::new(program())
        .unwrap()
        .apply(&earn(1, 1, 100), day(2024, 1, 10))
        .unwrap();
    let refused = |event: AccountEvent, on: Day| {
        let before = account.clone();
        let error = account.apply(&event, on).unwrap_err();
        assert_eq!(account, before);
        error
    };
    assert_eq!(refused(earn(1, 0, 5), today), AccountError::InvalidEventId);
    assert_eq!(refused(earn(1, 2, 0), today), AccountError::ZeroPoints);
    assert_eq!(refused(earn(1, 2, 1 << 24), today), AccountError::Overflow);
    assert_eq!(
        refused(redeem(1, 2, 1 << 24), today),
        AccountError::Overflow
    );
    assert_eq!(
        refused(redeem(1, 2, 101), today),
        AccountError::InsufficientPoints {
            available: Points(100)
        }
    );
    // Still pending on 2024-01-20 (available from 2024-01-24).
    assert_eq!(
        refused(redeem(1, 2, 1), day(2024, 1, 20)),
        AccountError::InsufficientPoints {
            available: Points(0)
        }
    );
    assert_eq!(
        refused(clawback(1, 2, (5, 1), 10), today),
        AccountError::UnknownTransaction
    );
    assert_eq!(
        refused(clawback(1, 2, (1, 0), 10), today),
        AccountError::UnknownTransaction
    );
    assert_eq!(
        refused(earn(1, 2, 5), Day::EPOCH),
        AccountError::DateOutOfRange
    );
    assert_eq!(
        account.qualifying_points(today, 13),
        Err(AccountError::InvalidWindow)
    );
    assert_eq!(
        account.qualifying_points(today, 0),
        Err(AccountError::InvalidWindow)
    );
    // A lot holds at most 2^24 − 1 points.
    let full_lot = account
        .apply(&earn(1, 2, MAX_LOT_POINTS - 100), day(2024, 1, 11))
        .unwrap();
    assert_eq!(
        full_lot.apply(&earn(1, 3, 1), day(2024, 1, 12)),
        Err(AccountError::Overflow)
    );
    let mut full = account.clone();
    for terminal in 2..=8 {
        full = full.apply(&earn(terminal, 1, 1), today).unwrap();
    }
    assert_eq!(
        full.apply(&earn(9, 1, 1), today),
        Err(AccountError::TerminalSlotsFull)
    );
    let mut at_max = account.clone();
    at_max.write_counter = u32::MAX;
    assert_eq!(
        at_max.apply(&earn(1, 2, 1), today),
        Err(AccountError::Overflow)
    );
    assert_eq!(
        at_max.merge(&account),
        Err(AccountMergeError::WriteCounterExhausted)
    );
    // A replay is not an error and changes nothing.
    assert_eq!(account.apply(&earn(1, 1, 100), today), Ok(account.clone()));
    assert_eq!(
        Account::new(AccountProgram {
            expiry_months: 14,
            pending_days: 0
        }),
        Err(AccountProgramError::ExpiryTooLong)
    );
    assert_eq!(
        Account::new(AccountProgram {
            expiry_months: 0,
            pending_days: 91
        }),
        Err(AccountProgramError::PendingTooLong)
    );
}

#[test]
fn redemption_takes_the_soonest_expiring_points_and_expiry_the_rest() {
    let p = AccountProgram {
        expiry_months: 2,
        pending_days: 0,
    };
    // January: 100 (expires 2024-03-31); February: 100 (expires 2024-04-30).
    let account = Account::new(p)
        .unwrap()
        .apply(&earn(1, 1, 100), day(2024, 1, 15))
        .unwrap()
        .apply(&earn(1, 2, 100), day(2024, 2, 15))
        .unwrap();
    let s = account.summary(day(2024, 3, 1)).unwrap();
    assert_eq!(
        (s.next_expiry, s.next_expiry_points),
        (Some(day(2024, 3, 31)), Points(100))
    );
    // 150 spent on 2024-03-01: January's 100, then 50 of February's.
    let spent = account.apply(&redeem(1, 3, 150), day(2024, 3, 1)).unwrap();
    assert_eq!(
        spent.expiring_within(day(2024, 3, 1), 31).unwrap(),
        Points(0)
    );
    assert_eq!(
        spent.expiring_within(day(2024, 3, 1), 61).unwrap(),
        Points(50)
    );
    // Unspent, January's 100 expire after 2024-03-31.
    assert_eq!(
        account.summary(day(2024, 3, 31)).unwrap().available,
        Points(200)
    );
    assert_eq!(
        account.summary(day(2024, 4, 1)).unwrap().available,
        Points(100)
    );
    let expired = account.expire(day(2024, 4, 1)).unwrap();
    assert_eq!(expired.write_counter(), account.write_counter() + 1);
    assert_eq!(expired.expire(day(2024, 4, 1)).unwrap(), expired);
    // An older day answers as of the account's day: expired points do not come back.
    assert_eq!(
        expired.summary(day(2024, 3, 1)).unwrap().available,
        Points(100)
    );
    // A redemption after the expiry draws on February only.
    assert_eq!(
        account.apply(&redeem(1, 3, 101), day(2024, 4, 1)),
        Err(AccountError::InsufficientPoints {
            available: Points(100)
        })
    );
}

#[test]
fn clawback_takes_pending_first_then_available_then_becomes_debt() {
    let account = Account::new(program())
        .unwrap()
        .apply(&earn(1, 1, 100), day(2024, 1, 10))
        .unwrap()
        .apply(&earn(1, 2, 50), day(2024, 3, 5))
        .unwrap();
    // 100 available (January), 50 pending (March): 70 back takes the 50, then 20.
    let once = account
        .apply(&clawback(2, 1, (1, 2), 70), day(2024, 3, 6))
        .unwrap();
    assert_eq!(balances(&once, day(2024, 3, 6)), (80, 0, 0, 0));
    // Another 100: 80 available, 20 owed; the next 30 earned repay the 20 first.
    let owing = once
        .apply(&clawback(2, 2, (1, 1), 100), day(2024, 3, 6))
        .unwrap();
    assert_eq!(balances(&owing, day(2024, 3, 6)), (0, 0, 20, 0));
    let repaid = owing.apply(&earn(1, 3, 30), day(2024, 3, 7)).unwrap();
    assert_eq!(balances(&repaid, day(2024, 3, 21)), (10, 0, 0, 0));
    // Tier qualification: 100 + 50 + 30 earned, 170 clawed back, the 20 repaid do not
    // qualify: 10.
    assert_eq!(
        repaid.qualifying_points(day(2024, 3, 21), 12),
        Ok(Points(10))
    );
}

#[test]
fn pending_points_wait_for_their_lot_and_do_not_qualify() {
    let account = Account::new(program())
        .unwrap()
        .apply(&earn(1, 1, 10), day(2024, 3, 1))
        .unwrap()
        .apply(&earn(1, 2, 20), day(2024, 3, 10))
        .unwrap();
    // Both March earnings become spendable with the later one's window: 2024-03-24.
    assert_eq!(
        account.summary(day(2024, 3, 23)).unwrap().available,
        Points(0)
    );
    assert_eq!(
        account.qualifying_points(day(2024, 3, 23), 1),
        Ok(Points(0))
    );
    assert_eq!(
        account.summary(day(2024, 3, 24)).unwrap().available,
        Points(30)
    );
    assert_eq!(
        account.qualifying_points(day(2024, 3, 24), 1),
        Ok(Points(30))
    );
}

#[test]
fn tier_history_outlives_spending_and_expiry() {
    let p = AccountProgram {
        expiry_months: 1,
        pending_days: 0,
    };
    let account = Account::new(p)
        .unwrap()
        .apply(&earn(1, 1, 100), day(2024, 1, 10))
        .unwrap()
        .apply(&redeem(1, 2, 60), day(2024, 1, 11))
        .unwrap();
    // January's points expire after 2024-02-29; they still qualify through 2024-12 (12 months)
    // and 2024-06 for a 6-month window.
    let later = account.expire(day(2024, 6, 30)).unwrap();
    assert_eq!(
        later.summary(day(2024, 6, 30)).unwrap().available,
        Points(0)
    );
    assert_eq!(
        later.qualifying_points(day(2024, 6, 30), 6),
        Ok(Points(100))
    );
    assert_eq!(later.qualifying_points(day(2024, 7, 1), 6), Ok(Points(0)));
    assert_eq!(
        later.qualifying_points(day(2024, 12, 31), 12),
        Ok(Points(100))
    );
    assert_eq!(later.qualifying_points(day(2025, 1, 1), 12), Ok(Points(0)));
    // In January 2025 the empty lot is dropped.
    assert_eq!(later.summary(day(2025, 1, 1)).unwrap().lots, 0);
}

#[test]
fn never_expiring_points_fold_the_oldest_lots_when_full() {
    let p = AccountProgram {
        expiry_months: 0,
        pending_days: 0,
    };
    let mut account = Account::new(p).unwrap();
    for month in 0..16u8 {
        let on = day(2020 + i32::from(month / 12), month % 12 + 1, 1);
        account = account
            .apply(&earn(1, u32::from(month) + 1, 10), on)
            .unwrap();
    }
    let view = account.view(day(2021, 4, 30)).unwrap();
    assert_eq!(view.lots.len(), MAX_LOTS);
    let s = account.summary(day(2021, 4, 30)).unwrap();
    assert_eq!((s.available, s.next_expiry), (Points(160), None));
    // The 15th and 16th months folded the oldest: the lot of 2020-03 holds 2020-01..=2020-03.
    assert_eq!(
        (view.lots[0].month, view.lots[0].remaining),
        (50 * 12 + 2, 30)
    );
}

#[test]
#[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
fn an_earning_dated_long_ago_expires_at_once() {
    let p = AccountProgram {
        expiry_months: MAX_EXPIRY_MONTHS,
        pending_days: 0,
    };
    // 2024-01 ..= 2025-02: 14 live lots (January 2024's expire at the end of February 2025).
    let mut account = Account::new(p).unwrap();
    for (sequence, month) in (1u32..).zip(0..14u8) {
        let on = day(2024 + i32::from(month / 12), month % 12 + 1, 1);
        account = account.apply(&earn(1, sequence, 10), on).unwrap();
    }
    let today = day(2025, 2, 1);
    assert_eq!(account.view(today).unwrap().lots.len(), MAX_LOTS);
    // A terminal whose clock says 2023-12: its lot expired at the end of January 2025 and is
    // outside every tier window; the earning is kept, its points expire, no lot is lost.
    let behind = account.apply(&earn(2, 1, 5), day(2023, 12, 1)).unwrap();
    assert_eq!(behind.summary(today).unwrap().available, Points(140));
    assert_eq!(behind.view(today).unwrap().lots.len(), MAX_LOTS);
    let current = account.apply(&earn(2, 1, 5), day(2024, 6, 1)).unwrap();
    assert_eq!(current.summary(today).unwrap().available, Points(145));
}

#[test]
fn balances_are_a_replay_in_canonical_order() {
    let p = AccountProgram {
        expiry_months: 12,
        pending_days: 0,
    };
    let base = Account::new(p)
        .unwrap()
        .apply(&earn(9, 1, 100), day(2024, 3, 1))
        .unwrap();
    let today = day(2024, 3, 5);
    // On one copy, T2 earns 50 and then T1 redeems 150 the same day: the redemption needs the
    // earning, and earnings come first in a day, although (1, 7) sorts before (2, 5).
    let one = base
        .apply(&earn(2, 5, 50), today)
        .unwrap()
        .apply(&redeem(1, 7, 150), today)
        .unwrap();
    assert_eq!(balances(&one, today), (0, 0, 0, 0));
    // A copy that holds only the earning merges into the same account.
    let other = base.apply(&earn(2, 5, 50), today).unwrap();
    assert_eq!(content(&one.merge(&other).unwrap()), content(&one));
    assert_eq!(
        one.recent
            .iter()
            .map(|e| (e.id, e.kind))
            .collect::<Vec<_>>(),
        [
            (EventId::new(9, 1), RecentKind::Earn),
            (EventId::new(2, 5), RecentKind::Earn),
            (EventId::new(1, 7), RecentKind::Redeem),
        ]
    );
}

#[test]
fn compaction_folds_a_canonical_prefix_and_keeps_the_balances() {
    let p = AccountProgram {
        expiry_months: 12,
        pending_days: 0,
    };
    let mut account = Account::new(p).unwrap();
    // Six events on 2024-03-01 and one on 2024-03-02.
    for sequence in 1..=6 {
        account = account
            .apply(&earn(1, sequence, 10), day(2024, 3, 1))
            .unwrap();
    }
    account = account.apply(&earn(2, 1, 10), day(2024, 3, 2)).unwrap();
    assert_eq!(account.recent_events(), 7);
    assert!(account.checkpoint.day.is_none());
    assert_eq!(balances(&account, day(2024, 3, 2)), (70, 0, 0, 0));
    // The eighth fills the set: 2024-03-01's six are folded into the checkpoint at once.
    let next = account.apply(&redeem(2, 2, 25), day(2024, 3, 2)).unwrap();
    assert_eq!(next.recent_events(), 2);
    assert_eq!(next.checkpoint.day, Some(day(2024, 3, 1)));
    assert_eq!(next.watermark(TerminalId(1)), 6);
    assert_eq!(next.watermark(TerminalId(2)), 0);
    assert_eq!(balances(&next, day(2024, 3, 2)), (45, 0, 0, 0));
    assert!(next.has_applied(EventId::new(1, 3)) && next.has_applied(EventId::new(2, 2)));
    assert!(!next.has_applied(EventId::new(2, 3)));
    assert_eq!(
        next.last_events().collect::<Vec<_>>(),
        [EventId::new(1, 6), EventId::new(2, 2)]
    );
    // Eight events of one day: the seven sorting before the newest are folded.
    let mut busy = Account::new(p).unwrap();
    for sequence in 1..=8 {
        busy = busy.apply(&earn(1, sequence, 10), day(2024, 3, 1)).unwrap();
    }
    assert_eq!(busy.recent_events(), 1);
    assert_eq!(busy.watermark(TerminalId(1)), 7);
    assert_eq!(busy.summary(day(2024, 3, 1)).unwrap().available, Points(80));
    // A terminal whose clock runs backwards: every prefix would leave one of its events below
    // its new watermark, so nothing is folded until the set is full and an event arrives;
    // then all are folded.
    let mut back = Account::new(p).unwrap();
    for step in 1..=8u8 {
        let event = earn(1, 10 * u32::from(step), 10);
        back = back.apply(&event, day(2024, 3, 9 - step)).unwrap();
    }
    assert_eq!(back.recent_events(), MAX_RECENT_EVENTS);
    let folded = back.apply(&earn(1, 90, 10), day(2024, 2, 29)).unwrap();
    assert_eq!(folded.recent_events(), 1);
    assert_eq!(folded.watermark(TerminalId(1)), 80);
    assert_eq!(
        folded.summary(day(2024, 3, 8)).unwrap().available,
        Points(90)
    );
    // Found by the card_account_events fuzz target: an event older than one of its terminal
    // that the compaction folds cannot stay above the new watermark; it is folded after them.
    let late = back.apply(&earn(1, 15, 5), day(2024, 3, 9)).unwrap();
    assert_eq!(late.recent_events(), 0);
    assert!(late.has_applied(EventId::new(1, 15)));
    assert_eq!(late.summary(day(2024, 3, 9)).unwrap().available, Points(85));
    let mut blob = [0u8; MAX_ENCODED_LEN];
    let used = late.encode(seal(), &mut blob).unwrap();
    assert_eq!(Account::decode(&blob[..used], seal(), 0).unwrap(), late);
}

#[test]
fn concurrent_copies_merge_and_a_double_redemption_is_overdrawn() {
    let p = AccountProgram {
        expiry_months: 12,
        pending_days: 14,
    };
    let base = Account::new(p)
        .unwrap()
        .apply(&earn(9, 1, 100), day(2024, 1, 10))
        .unwrap();
    let today = day(2024, 3, 5);
    // Each offline copy redeems the same 80 of the 100 and earns 30 (pending until 03-19).
    let a = base
        .apply(&redeem(1, 1, 80), today)
        .unwrap()
        .apply(&earn(1, 2, 30), today)
        .unwrap();
    let b = base
        .apply(&redeem(2, 1, 80), today)
        .unwrap()
        .apply(&earn(2, 2, 30), today)
        .unwrap();
    let merged = a.merge(&b).unwrap();
    assert_eq!(content(&merged), content(&b.merge(&a).unwrap()));
    assert_eq!(merged.write_counter(), 4);
    // 100 available, 160 redeemed: 60 overdrawn (owed); 60 earned, pending.
    assert_eq!(balances(&merged, today), (0, 60, 60, 60));
    // When the 60 are released they repay the overdraft.
    assert_eq!(balances(&merged, day(2024, 3, 19)), (0, 0, 0, 0));
    // Idempotent, and merging an input again changes nothing.
    assert_eq!(content(&merged.merge(&merged).unwrap()), content(&merged));
    assert_eq!(content(&merged.merge(&a).unwrap()), content(&merged));
    // No further redemption is accepted while the copy is overdrawn.
    assert_eq!(
        merged.apply(&redeem(1, 3, 1), today),
        Err(AccountError::InsufficientPoints {
            available: Points(0)
        })
    );
    // The same event applied on two days (a retry after a failed write) counts once, on the
    // earlier day.
    let retried = base.apply(&redeem(1, 1, 80), day(2024, 3, 6)).unwrap();
    let joined = a.merge(&retried).unwrap();
    assert_eq!(joined.recent, a.recent);
    assert_eq!(balances(&joined, today), balances(&a, today));
}

#[test]
fn an_account_merged_with_itself_is_unchanged() {
    let p = AccountProgram {
        expiry_months: 12,
        pending_days: 0,
    };
    let today = day(2024, 3, 5);
    let account = Account::new(p)
        .unwrap()
        .apply(&earn(1, 1, 100), today)
        .unwrap()
        .apply(&earn(2, 1, 40), today)
        .unwrap();
    // Write counter included: the same account, not a newer write.
    assert_eq!(account.merge(&account), Ok(account.clone()));
    let copy = account.clone();
    assert_eq!(copy.merge(&account), Ok(account.clone()));
    // A copy that differs in its write counter alone is another write: the counter moves on.
    let mut later = account.clone();
    later.write_counter = account.write_counter + 5;
    let merged = account.merge(&later).unwrap();
    assert_eq!(merged.write_counter, account.write_counter + 6);
    assert_eq!(merged.checkpoint, account.checkpoint);
    // Even a copy whose write counter is full merges with itself.
    let mut full = account.clone();
    full.write_counter = u32::MAX;
    assert_eq!(full.merge(&full), Ok(full.clone()));
}

#[test]
#[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
fn merge_errors_are_the_documented_ones_and_change_nothing() {
    let p = AccountProgram {
        expiry_months: 12,
        pending_days: 0,
    };
    let base = Account::new(p)
        .unwrap()
        .apply(&earn(9, 1, 100), day(2024, 3, 1))
        .unwrap();
    let fill = |from: &Account, terminal: u32, count: u32, on: Day| {
        (1..=count).fold(from.clone(), |account, sequence| {
            account.apply(&earn(terminal, sequence, 1), on).unwrap()
        })
    };
    let today = day(2024, 3, 5);
    // Each copy took 5 events: 1 + 5 + 5 = 11 above the common checkpoint.
    let a = fill(&base, 1, 5, today);
    let b = fill(&base, 2, 5, today);
    assert_eq!(a.merge(&b), Err(AccountMergeError::RecentEventsFull));
    assert_eq!(b.merge(&a), Err(AccountMergeError::RecentEventsFull));
    // Each compacted since they diverged (2024-03-01's earning folded along with their own).
    let a = fill(&a, 1, 9, day(2024, 3, 6));
    let b = fill(&b, 2, 9, day(2024, 3, 6));
    assert_eq!(a.merge(&b), Err(AccountMergeError::IncomparableCheckpoints));
    assert_eq!(b.merge(&a), Err(AccountMergeError::IncomparableCheckpoints));
    // Copies forked after the older days' events: both fold the same days and merge.
    let c = fill(&base, 3, 7, today);
    let d = fill(&c, 4, 3, day(2024, 3, 6));
    let e = fill(&c, 5, 3, day(2024, 3, 6));
    assert_eq!(d.checkpoint, e.checkpoint);
    let merged = d.merge(&e).unwrap();
    assert_eq!(
        merged.summary(day(2024, 3, 6)).unwrap().available,
        Points(113)
    );
    // One event id with two effects: a terminal reused a sequence number.
    let x = base.apply(&earn(1, 1, 5), today).unwrap();
    let y = base.apply(&earn(1, 1, 6), today).unwrap();
    assert_eq!(x.merge(&y), Err(AccountMergeError::Diverged));
    // Equal watermarks, different checkpoints.
    let mut z = base.clone();
    z.checkpoint.debt = 1;
    let mut w = base.clone();
    w.checkpoint.day = Some(today);
    assert_eq!(z.merge(&w), Err(AccountMergeError::Diverged));
    // Nine terminals together.
    let left = (1..=4).fold(base.clone(), |account, t| {
        account.apply(&earn(t, 1, 1), today).unwrap()
    });
    let right = (5..=8).fold(base.clone(), |account, t| {
        account.apply(&earn(t, 1, 1), today).unwrap()
    });
    assert_eq!(left.merge(&right), Err(AccountMergeError::RecentEventsFull));
    let left = left.apply(&earn(1, 2, 1), day(2024, 3, 6)).unwrap();
    let left = left.apply(&earn(1, 3, 1), day(2024, 3, 6)).unwrap();
    let left = left.apply(&earn(1, 4, 1), day(2024, 3, 6)).unwrap();
    let left = left.apply(&earn(1, 5, 1), day(2024, 3, 6)).unwrap();
    // left folded 2024-03-01 and 03-05 (T9, T1..T4); right holds T9 and T5..T8 as recent
    // events, at or below left's watermark for T9 only.
    assert!(left.checkpoint.day.is_some());
    assert_eq!(
        left.merge(&right),
        Err(AccountMergeError::TerminalSlotsFull)
    );
    assert_eq!(
        base.merge(&Account::new(program()).unwrap()),
        Err(AccountMergeError::ProgramMismatch)
    );
    // A union beyond a lot's maximum.
    let big_a = base
        .apply(&earn(1, 1, MAX_LOT_POINTS - 100), today)
        .unwrap();
    let big_b = base
        .apply(&earn(2, 1, MAX_LOT_POINTS - 100), today)
        .unwrap();
    assert_eq!(big_a.merge(&big_b), Err(AccountMergeError::Overflow));
}
