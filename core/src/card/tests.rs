//! Card tests: the shared scenario, pinned bytes, the 144-byte worst case, bad input, and
//! property tests against a reference model.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::state::Entry;
use super::*;
use crate::envelope::{self, DecodeError, Kind, Seal};
use crate::terminal::TerminalId;
use crate::time::Date;

const KEY: [u8; 32] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];
const UID: [u8; 7] = [0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6];

fn seal() -> Seal<'static> {
    Seal::new(&KEY, &UID).unwrap()
}

fn day(year: i32, month: u8, day: u8) -> Day {
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

/// The program of the shared scenario: 5 stamps per reward, 6 a day, lapse after 90 days.
fn coffee() -> CardProgram {
    CardProgram {
        program: ProgramId(7),
        stamps_per_reward: 5,
        daily_limit: 6,
        lapse_after_days: 90,
        expires_on: Some(day(2025, 12, 31)),
    }
}

fn stamp(terminal: u32, sequence: u32, stamps: u16) -> CardEvent {
    CardEvent::Stamp {
        id: EventId::new(terminal, sequence),
        program: ProgramId(7),
        stamps,
    }
}

fn redeem(terminal: u32, sequence: u32) -> CardEvent {
    CardEvent::Redeem {
        id: EventId::new(terminal, sequence),
        program: ProgramId(7),
    }
}

fn void(terminal: u32, sequence: u32, original: (u32, u32), stamps: u16) -> CardEvent {
    CardEvent::Void {
        id: EventId::new(terminal, sequence),
        program: ProgramId(7),
        original: EventId::new(original.0, original.1),
        stamps,
    }
}

/// The card with its write counter zeroed: what the merge laws compare.
fn content(card: &Card) -> Card {
    Card {
        write_counter: 0,
        ..card.clone()
    }
}

fn error_name(error: CardError) -> &'static str {
    match error {
        CardError::WrongProgram { .. } => "wrong_program",
        CardError::InvalidEventId => "invalid_event_id",
        CardError::ZeroStamps => "zero_stamps",
        CardError::DailyLimitReached { .. } => "daily_limit_reached",
        CardError::NoRewardAvailable => "no_reward_available",
        CardError::UnknownTransaction => "unknown_transaction",
        CardError::TerminalSlotsFull => "terminal_slots_full",
        CardError::CardExpired => "card_expired",
        CardError::DateOutOfRange => "date_out_of_range",
        CardError::CounterFull => "counter_full",
        CardError::WriteCounterExhausted => "write_counter_exhausted",
        CardError::GenerationExhausted => "generation_exhausted",
        CardError::Internal => "internal",
    }
}

/// `tests/vectors/cards.json`, the card's steps: the same day the C and Python tests replay.
#[test]
#[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
fn shared_scenario() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/vectors/cards.json")).unwrap();
    let key = unhex(doc["key_hex"].as_str().unwrap());
    let uid = unhex(doc["card_uid_hex"].as_str().unwrap());
    let seal = Seal::new(&key, &uid).unwrap();
    let p = &doc["card_program"];
    let program = CardProgram {
        program: ProgramId(p["program"].as_u64().unwrap() as u16),
        stamps_per_reward: p["stamps_per_reward"].as_u64().unwrap() as u8,
        daily_limit: p["daily_limit"].as_u64().unwrap() as u8,
        lapse_after_days: p["lapse_after_days"].as_u64().unwrap() as u16,
        expires_on: p["expires_on"].as_str().map(parse_day),
    };
    assert_eq!(program, coffee());
    let pinned = unhex(doc["pinned_card"]["blob_hex"].as_str().unwrap());
    let mut copies: BTreeMap<String, Card> = BTreeMap::new();
    copies.insert("a".into(), Card::new(program).unwrap());
    let mut saved: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut steps = 0;
    for step in doc["steps"].as_array().unwrap() {
        if step["kind"] != "card" {
            continue;
        }
        steps += 1;
        let name = |key: &str| step[key].as_str().unwrap().to_string();
        let num = |key: &str| step[key].as_u64().unwrap();
        let copy = name("copy");
        let id = || EventId::new(num("terminal") as u32, num("sequence") as u32);
        let event_program = ProgramId(step["program"].as_u64().unwrap_or(7) as u16);
        let outcome: Result<(), &str> = match step["op"].as_str().unwrap() {
            op @ ("stamp" | "redeem" | "void") => {
                let event = match op {
                    "stamp" => CardEvent::Stamp {
                        id: id(),
                        program: event_program,
                        stamps: num("amount") as u16,
                    },
                    "redeem" => CardEvent::Redeem {
                        id: id(),
                        program: event_program,
                    },
                    _ => CardEvent::Void {
                        id: id(),
                        program: event_program,
                        original: EventId::new(
                            num("original_terminal") as u32,
                            num("original_sequence") as u32,
                        ),
                        stamps: num("amount") as u16,
                    },
                };
                let card = &copies[&copy];
                card.apply(&event, parse_day(&name("date")))
                    .map(|next| {
                        copies.insert(copy.clone(), next);
                    })
                    .map_err(error_name)
            }
            "expire" => copies[&copy]
                .expire(parse_day(&name("date")))
                .map(|next| {
                    copies.insert(copy.clone(), next);
                })
                .map_err(error_name),
            "fork" => {
                let from = copies[&name("from")].clone();
                copies.insert(copy.clone(), from);
                Ok(())
            }
            "merge" => {
                let merged = copies[&copy].merge(&copies[&name("with")]).unwrap();
                copies.insert(copy.clone(), merged);
                Ok(())
            }
            "save" => {
                let card = &copies[&copy];
                let mut blob = [0u8; MAX_ENCODED_LEN];
                let used = card.encode(seal, &mut blob).unwrap();
                assert_eq!(used, card.encoded_len());
                if step["blob"] == "pinned" {
                    assert_eq!(
                        &blob[..used],
                        &pinned[..],
                        "the merged card is the pinned blob"
                    );
                }
                saved.insert(name("name"), blob[..used].to_vec());
                Ok(())
            }
            "load" => {
                match Card::decode(&saved[&name("name")], seal, num("min_write_counter") as u32) {
                    Ok(card) => {
                        copies.insert(copy.clone(), card);
                        Ok(())
                    }
                    Err(CardReadError::OlderCopy { .. }) => Err("older_copy"),
                    Err(other) => panic!("{other:?}"),
                }
            }
            other => panic!("unknown op {other}"),
        };
        let note = step["note"].as_str().unwrap_or("");
        assert_eq!(
            outcome.err().unwrap_or("ok"),
            step["expect"].as_str().unwrap(),
            "{note}"
        );
        if let Some(expected) = step.get("card") {
            let s = copies[&copy].summary();
            let actual = serde_json::json!({
                "stamps": s.stamps, "stamps_to_next_reward": s.stamps_to_next_reward,
                "rewards_available": s.rewards_available, "owed_stamps": s.owed_stamps,
                "overdrawn_rewards": s.overdrawn_rewards, "stamps_on_last_day": s.stamps_on_last_day,
                "daily_excess": s.daily_excess, "write_counter": s.write_counter,
                "generation": s.generation, "terminals": s.terminals,
            });
            assert_eq!(&actual, expected, "{note}");
        }
    }
    assert_eq!(steps, 19, "every card step of the scenario ran");
}

/// The merged card of the scenario, built field by field.
fn pinned_card() -> Card {
    let mut t1 = Entry::new(TerminalId(1), 4);
    t1.stamped = 6;
    t1.redeemed = 1;
    t1.stamped_on_last_day = 6;
    let mut t2 = Entry::new(TerminalId(2), 3);
    t2.stamped = 2;
    t2.voided = 1;
    t2.redeemed = 1;
    t2.stamped_on_last_day = 2;
    Card {
        program: coffee(),
        generation: 0,
        write_counter: 5,
        last_stamp_day: Some(day(2024, 3, 5)),
        entries: heapless::Vec::from_slice(&[t1, t2]).unwrap(),
    }
}

const PINNED: &str = "525401202a00070005065a00e54f000500004b4d0100000004000000060000000106020000000300000002000100010209a18baf0778431fb0c44251";

#[test]
fn pinned_bytes_of_a_known_card() {
    // Computed with Python's struct, zlib and hmac from docs/formats.md (see cards.json).
    let expected = unhex(PINNED);
    let card = pinned_card();
    let mut blob = [0u8; MAX_ENCODED_LEN];
    let used = card.encode(seal(), &mut blob).unwrap();
    assert_eq!(used, 60);
    assert_eq!(&blob[..used], &expected[..]);
    assert_eq!(Card::decode(&expected, seal(), 0).unwrap(), card);
    // 8 + 2 − 1 − 5 × 2 = −3.
    let s = card.summary();
    assert_eq!(
        (s.owed_stamps, s.overdrawn_rewards, s.daily_excess),
        (3, 1, 2)
    );
}

#[test]
fn worst_case_fits_144_bytes() {
    // Every field at its maximum: 8 terminals, every counter and day full.
    let program = CardProgram {
        program: ProgramId(u16::MAX),
        stamps_per_reward: u8::MAX,
        daily_limit: u8::MAX,
        lapse_after_days: u16::MAX,
        expires_on: Some(Day::from_number(65_535).unwrap()),
    };
    let entries: Vec<Entry> = (0..8u32)
        .map(|i| Entry {
            terminal: TerminalId(u32::MAX - 7 + i),
            sequence: u32::MAX,
            stamped: u16::MAX,
            voided: u16::MAX,
            redeemed: u8::MAX,
            stamped_on_last_day: u8::MAX,
        })
        .collect();
    let card = Card {
        program,
        generation: u8::MAX,
        write_counter: MAX_WRITE_COUNTER,
        last_stamp_day: Some(Day::from_number(65_535).unwrap()),
        entries: heapless::Vec::from_slice(&entries).unwrap(),
    };
    assert_eq!(card.encoded_len(), 144);
    let mut blob = [0u8; 144];
    assert_eq!(card.encode(seal(), &mut blob), Ok(144));
    assert_eq!(
        Card::decode(&blob, seal(), MAX_WRITE_COUNTER).unwrap(),
        card
    );
    let mut short = [0u8; 143];
    assert_eq!(
        card.encode(seal(), &mut short),
        Err(envelope::EncodeError::BufferTooSmall { needed: 144 })
    );
    // The envelope is 10 bytes + 8-byte tag = 18; header 14; 8 entries of 14.
    assert_eq!(envelope::OVERHEAD_LEN + envelope::SHORT_TAG_LEN, 18);
    assert_eq!(MAX_PAYLOAD_LEN, 14 + 8 * 14);
}

#[test]
#[cfg_attr(miri, ignore)]
fn every_single_bit_flip_is_rejected() {
    let blob = unhex(PINNED);
    for byte in 0..blob.len() {
        for bit in 0..8 {
            let mut flipped = blob.clone();
            flipped[byte] ^= 1 << bit;
            let error = Card::decode(&flipped, seal(), 0).expect_err("flip accepted");
            let CardReadError::Blob(error) = error else {
                panic!("byte {byte} bit {bit}: {error:?}");
            };
            let family_ok = match byte {
                0 | 1 => error == DecodeError::BadMagic,
                2 => matches!(error, DecodeError::UnsupportedVersion { .. }),
                3 => matches!(
                    error,
                    DecodeError::UnknownKind { .. } | DecodeError::WrongKind { .. }
                ),
                4 | 5 => matches!(
                    error,
                    DecodeError::Truncated { .. } | DecodeError::LengthMismatch { .. }
                ),
                _ if byte < blob.len() - 8 => error == DecodeError::BadChecksum,
                _ => error == DecodeError::BadTag,
            };
            assert!(family_ok, "byte {byte} bit {bit}: {error:?}");
        }
    }
}

#[test]
fn wrong_key_wrong_uid_and_older_copies_are_refused() {
    let blob = unhex(PINNED);
    let other_key = [0x42u8; 32];
    let bad_tag = Err(CardReadError::Blob(DecodeError::BadTag));
    assert_eq!(
        Card::decode(&blob, Seal::new(&other_key, &UID).unwrap(), 0),
        bad_tag
    );
    // The same blob copied onto another card (another UID as context).
    let other_uid = [0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf7];
    assert_eq!(
        Card::decode(&blob, Seal::new(&KEY, &other_uid).unwrap(), 0),
        bad_tag
    );
    // Write counter 5: accepted at a minimum of 5, refused at 6.
    assert!(Card::decode(&blob, seal(), 5).is_ok());
    assert_eq!(
        Card::decode(&blob, seal(), 6),
        Err(CardReadError::OlderCopy {
            write_counter: 5,
            min_write_counter: 6
        })
    );
    // An account blob, or a truncated card, is not a card.
    let mut account = [0u8; 64];
    let used = envelope::encode_raw(Kind::Account, b"x", Some(seal()), &mut account).unwrap();
    assert_eq!(
        Card::decode(&account[..used], seal(), 0),
        Err(CardReadError::Blob(DecodeError::WrongKind {
            expected: Kind::Card,
            found: Kind::Account
        }))
    );
    assert_eq!(
        Card::decode(&blob[..59], seal(), 0),
        Err(CardReadError::Blob(DecodeError::Truncated { needed: 60 }))
    );
    let mut future = blob.clone();
    future[2] = 2;
    assert_eq!(
        Card::decode(&future, seal(), 0),
        Err(CardReadError::Blob(DecodeError::UnsupportedVersion {
            found: 2,
            newest: 1
        }))
    );
}

/// A card blob around a hand-made payload, correctly checksummed and tagged.
fn blob_of(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; payload.len() + 18];
    let used = envelope::encode_raw(Kind::Card, payload, Some(seal()), &mut out).unwrap();
    out.truncate(used);
    out
}

#[test]
#[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
fn payload_checks_have_their_errors() {
    let good = unhex(PINNED)[6..6 + 42].to_vec();
    assert!(Card::decode(&blob_of(&good), seal(), 0).is_ok());
    let refused = |payload: &[u8]| match Card::decode(&blob_of(payload), seal(), 0) {
        Err(CardReadError::Blob(error)) => error,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(&good[..13]), DecodeError::Payload);
    assert_eq!(refused(&good[..41]), DecodeError::Payload);
    let mut nine = good[..14].to_vec();
    for t in 1..=9u32 {
        nine.extend_from_slice(&t.to_le_bytes());
        nine.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
    assert_eq!(refused(&nine), DecodeError::OverCapacity);
    let with = |at: usize, value: u8| {
        let mut payload = good.clone();
        payload[at] = value;
        payload
    };
    assert_eq!(
        refused(&with(2, 0)),
        DecodeError::OutOfRange,
        "0 stamps per reward"
    );
    assert_eq!(
        refused(&with(3, 0)),
        DecodeError::OutOfRange,
        "daily limit 0"
    );
    assert_eq!(refused(&with(18, 0)), DecodeError::OutOfRange, "sequence 0");
    assert_eq!(
        refused(&with(27, 7)),
        DecodeError::OutOfRange,
        "7 today, limit 6"
    );
    // Terminals 1, 1: a duplicate; 2, 1: out of order.
    assert_eq!(refused(&with(28, 1)), DecodeError::Payload);
    let mut swapped = good.clone();
    swapped[14] = 2;
    swapped[28] = 1;
    assert_eq!(refused(&swapped), DecodeError::Payload);
    // Day counts without a stamp day.
    let mut no_day = good.clone();
    no_day[12] = 0;
    no_day[13] = 0;
    assert_eq!(refused(&no_day), DecodeError::OutOfRange);
}

#[test]
fn bad_events_have_their_errors_and_change_nothing() {
    let today = day(2024, 3, 5);
    let card = Card::new(coffee())
        .unwrap()
        .apply(&stamp(1, 1, 3), today)
        .unwrap();
    let refused = |event: CardEvent, on: Day| {
        let before = card.clone();
        let error = card.apply(&event, on).unwrap_err();
        assert_eq!(card, before);
        error
    };
    let other_program = CardEvent::Stamp {
        id: EventId::new(1, 2),
        program: ProgramId(8),
        stamps: 1,
    };
    assert_eq!(
        refused(other_program, today),
        CardError::WrongProgram {
            expected: ProgramId(7),
            found: ProgramId(8)
        }
    );
    assert_eq!(refused(stamp(1, 0, 1), today), CardError::InvalidEventId);
    assert_eq!(refused(stamp(1, 2, 0), today), CardError::ZeroStamps);
    // 3 stamped today, limit 6.
    assert_eq!(
        refused(stamp(1, 2, 4), today),
        CardError::DailyLimitReached { remaining: 3 }
    );
    assert_eq!(refused(redeem(2, 1), today), CardError::NoRewardAvailable);
    assert_eq!(
        refused(void(2, 1, (9, 1), 1), today),
        CardError::UnknownTransaction
    );
    // T1 has sequence 1 on the card: its sequence 2 is unknown.
    assert_eq!(
        refused(void(2, 1, (1, 2), 1), today),
        CardError::UnknownTransaction
    );
    assert_eq!(refused(void(2, 1, (1, 1), 0), today), CardError::ZeroStamps);
    assert_eq!(
        refused(stamp(1, 2, 1), day(2026, 1, 1)),
        CardError::CardExpired
    );
    assert_eq!(
        refused(stamp(1, 2, 1), Day::EPOCH),
        CardError::DateOutOfRange
    );
    assert_eq!(
        refused(stamp(1, 2, 1), day(2150, 1, 1)),
        CardError::DateOutOfRange
    );
    // A replay is not an error and changes nothing, even on another day.
    assert_eq!(
        card.apply(&stamp(1, 1, 3), day(2024, 3, 9)),
        Ok(card.clone())
    );
    assert!(card.has_applied(EventId::new(1, 1)));
    assert!(!card.has_applied(EventId::new(1, 2)));
}

#[test]
fn a_ninth_terminal_is_refused() {
    let mut card = Card::new(coffee()).unwrap();
    for terminal in 1..=6 {
        card = card.apply(&stamp(terminal, 1, 1), day(2024, 3, 5)).unwrap();
    }
    card = card.apply(&stamp(7, 1, 1), day(2024, 3, 6)).unwrap();
    card = card.apply(&stamp(8, 1, 1), day(2024, 3, 6)).unwrap();
    assert_eq!(card.summary().terminals, 8);
    assert_eq!(
        card.apply(&stamp(9, 1, 1), day(2024, 3, 6)),
        Err(CardError::TerminalSlotsFull)
    );
    // A redemption by a known terminal still works.
    assert!(card.apply(&redeem(8, 2), day(2024, 3, 6)).is_ok());
}

#[test]
fn counters_at_their_maximum_are_refused() {
    let mut card = pinned_card();
    card.entries[0].stamped = u16::MAX - 1;
    let next_day = day(2024, 3, 6);
    assert_eq!(
        card.apply(&stamp(1, 5, 2), next_day),
        Err(CardError::CounterFull)
    );
    assert!(card.apply(&stamp(1, 5, 1), next_day).is_ok());
    card.entries[0].redeemed = u8::MAX;
    card.entries[0].stamped = u16::MAX;
    assert_eq!(
        card.apply(&redeem(1, 5), next_day),
        Err(CardError::CounterFull)
    );
    card.write_counter = MAX_WRITE_COUNTER;
    assert_eq!(
        card.apply(&redeem(2, 5), next_day),
        Err(CardError::WriteCounterExhausted)
    );
    assert_eq!(
        card.merge(&card),
        Err(CardMergeError::WriteCounterExhausted)
    );
    let mut old = Card::new(coffee())
        .unwrap()
        .apply(&stamp(1, 1, 3), day(2024, 3, 5))
        .unwrap();
    old.generation = u8::MAX;
    assert_eq!(
        old.expire(day(2024, 9, 1)),
        Err(CardError::GenerationExhausted)
    );
}

#[test]
fn stamps_lapse_after_inactivity_and_at_expiry() {
    let card = Card::new(coffee())
        .unwrap()
        .apply(&stamp(1, 1, 3), day(2024, 3, 5))
        .unwrap();
    // Last stamp 2024-03-05 + 90 days = 2024-06-03: held through that day, lapsed after it.
    assert_eq!(card.summary().lapses_after, Some(day(2024, 6, 3)));
    assert_eq!(card.expire(day(2024, 6, 3)).unwrap(), card);
    let lapsed = card.expire(day(2024, 6, 4)).unwrap();
    assert_eq!(lapsed.generation(), 1);
    assert_eq!(lapsed.summary().stamps, 0);
    assert_eq!(lapsed.write_counter(), card.write_counter() + 1);
    // Expiring again changes nothing; the sequence numbers survive the lapse.
    assert_eq!(lapsed.expire(day(2024, 7, 1)).unwrap(), lapsed);
    assert!(lapsed.has_applied(EventId::new(1, 1)));
    // A stamp after the lapse counts in the new generation only.
    let fresh = card.apply(&stamp(1, 2, 2), day(2024, 6, 10)).unwrap();
    assert_eq!((fresh.generation(), fresh.summary().stamps), (1, 2));
    // The card's expiry date lapses what it holds; events after it are refused.
    // (Stamped 11 days before the card's last day: not an inactivity lapse.)
    let kept = Card::new(coffee())
        .unwrap()
        .apply(&stamp(2, 1, 2), day(2025, 12, 20))
        .unwrap();
    assert_eq!(kept.expire(day(2025, 12, 31)).unwrap(), kept);
    let dead = kept.expire(day(2026, 1, 1)).unwrap();
    assert_eq!((dead.generation(), dead.summary().stamps), (1, 0));
    assert_eq!(
        kept.apply(&stamp(2, 2, 1), day(2026, 1, 1)),
        Err(CardError::CardExpired)
    );
}

#[test]
fn a_card_that_owes_stamps_does_not_lapse() {
    let today = day(2024, 3, 5);
    let a = Card::new(coffee())
        .unwrap()
        .apply(&stamp(1, 1, 5), today)
        .unwrap();
    let b = a.apply(&redeem(2, 1), today).unwrap();
    let a = a.apply(&redeem(1, 2), today).unwrap();
    let merged = a.merge(&b).unwrap();
    assert_eq!(merged.summary().owed_stamps, 5);
    assert_eq!(merged.expire(day(2025, 1, 1)).unwrap(), merged);
}

#[test]
fn stamps_of_an_older_generation_lapse_at_the_merge() {
    let start = Card::new(coffee())
        .unwrap()
        .apply(&stamp(1, 1, 4), day(2024, 3, 5))
        .unwrap();
    // Copy a lapses on 2024-07-01 and then takes 2 stamps; copy b (older generation) takes 3
    // stamps from T2 on 2024-06-01, before a lapse was due on its own clock.
    let a = start.apply(&stamp(1, 2, 2), day(2024, 7, 1)).unwrap();
    let b = start.apply(&stamp(2, 1, 3), day(2024, 6, 1)).unwrap();
    assert_eq!((a.generation(), b.generation()), (1, 0));
    let merged = a.merge(&b).unwrap();
    assert_eq!(merged.generation(), 1);
    // Generation 1 holds only a's 2 stamps; T2's 3 stamps of generation 0 have lapsed, but
    // T2's sequence number is kept, so its event is not applied again.
    assert_eq!(merged.summary().stamps, 2);
    assert!(merged.has_applied(EventId::new(2, 1)));
    assert_eq!(content(&merged), content(&b.merge(&a).unwrap()));
}

#[test]
fn a_terminal_with_its_clock_behind_counts_toward_the_latest_day() {
    let card = Card::new(coffee())
        .unwrap()
        .apply(&stamp(1, 1, 4), day(2024, 3, 5))
        .unwrap();
    assert_eq!(
        card.apply(&stamp(2, 1, 3), day(2024, 3, 4)),
        Err(CardError::DailyLimitReached { remaining: 2 })
    );
    let card = card.apply(&stamp(2, 1, 2), day(2024, 3, 4)).unwrap();
    let s = card.summary();
    assert_eq!(
        (s.stamps_on_last_day, s.last_stamp_day),
        (6, Some(day(2024, 3, 5)))
    );
}

#[test]
fn merge_errors() {
    let card = Card::new(coffee()).unwrap();
    let mut other_program = coffee();
    other_program.daily_limit = 7;
    assert_eq!(
        card.merge(&Card::new(other_program).unwrap()),
        Err(CardMergeError::ProgramMismatch)
    );
    let mut a = card.clone();
    let mut b = card.clone();
    for t in 1..=5 {
        a = a.apply(&stamp(t, 1, 1), day(2024, 3, 5)).unwrap();
        b = b.apply(&stamp(10 + t, 1, 1), day(2024, 3, 5)).unwrap();
    }
    assert_eq!(a.merge(&b), Err(CardMergeError::TerminalSlotsFull));
}

#[test]
fn compaction_keeps_the_balance_in_one_entry() {
    let pinned = pinned_card();
    let office = EventId::new(1000, 77);
    let compacted = pinned.compact(office).unwrap();
    let (before, after) = (pinned.summary(), compacted.summary());
    assert_eq!(
        (after.owed_stamps, after.overdrawn_rewards, after.terminals),
        (before.owed_stamps, before.overdrawn_rewards, 1)
    );
    // The day's 8 stamps are kept up to the limit of 6.
    assert_eq!(after.stamps_on_last_day, 6);
    assert_eq!(compacted.write_counter(), 6);
    assert_eq!(compacted.last_events().collect::<Vec<_>>(), vec![office]);
    // Pre-compaction transactions are no longer known.
    assert_eq!(
        compacted.apply(&void(1, 9, (1, 4), 1), day(2024, 3, 6)),
        Err(CardError::UnknownTransaction)
    );
    // 3 stamps owed, then 4 stamps: 1 held, as before compaction.
    let paid = compacted.apply(&stamp(1, 5, 4), day(2024, 3, 6)).unwrap();
    assert_eq!(paid.summary().stamps, 1);
    assert_eq!(
        pinned.compact(EventId::new(1000, 0)),
        Err(CardError::InvalidEventId)
    );
}

// --- property tests -----------------------------------------------------------------------------

/// An operation of the model test: terminal `terminal` acts on its home replica
/// (`terminal % REPLICAS`), or two replicas merge, or an applied event is replayed.
#[derive(Clone, Debug)]
enum Op {
    Stamp {
        terminal: u32,
        stamps: u16,
    },
    Redeem {
        terminal: u32,
    },
    Void {
        terminal: u32,
        pick: usize,
        stamps: u16,
    },
    Replay {
        pick: usize,
        replica: usize,
    },
    Merge {
        into: usize,
        from: usize,
    },
    NextDay {
        skew: bool,
    },
}

const REPLICAS: usize = 3;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1..=6u32, 1..=4u16).prop_map(|(terminal, stamps)| Op::Stamp { terminal, stamps }),
        2 => (1..=6u32).prop_map(|terminal| Op::Redeem { terminal }),
        1 => (1..=6u32, any::<usize>(), 1..=3u16)
            .prop_map(|(terminal, pick, stamps)| Op::Void { terminal, pick, stamps }),
        2 => (any::<usize>(), 0..REPLICAS).prop_map(|(pick, replica)| Op::Replay { pick, replica }),
        2 => (0..REPLICAS, 0..REPLICAS).prop_map(|(into, from)| Op::Merge { into, from }),
        1 => any::<bool>().prop_map(|skew| Op::NextDay { skew }),
    ]
}

/// The reference model of one replica: the set of events it holds, each with the day it
/// counts on. Balances are sums over the set; no counters, no capacities.
#[derive(Clone, Debug, Default)]
struct Model {
    events: BTreeMap<EventId, (CardEvent, Day)>,
}

impl Model {
    fn seen(&self, id: EventId) -> bool {
        self.events
            .keys()
            .any(|seen| seen.terminal == id.terminal && seen.sequence >= id.sequence)
    }
    fn balance(&self, per_reward: i64) -> i64 {
        self.events
            .values()
            .map(|(event, _)| match *event {
                CardEvent::Stamp { stamps, .. } => i64::from(stamps),
                CardEvent::Redeem { .. } => -per_reward,
                CardEvent::Void { stamps, .. } => -i64::from(stamps),
            })
            .sum()
    }
    fn last_day(&self) -> Option<Day> {
        self.events
            .values()
            .filter(|(event, _)| matches!(event, CardEvent::Stamp { .. }))
            .map(|(_, day)| *day)
            .max()
    }
    fn stamps_on(&self, on: Day) -> u32 {
        self.events
            .values()
            .filter(|(_, day)| *day == on)
            .map(|(event, _)| match *event {
                CardEvent::Stamp { stamps, .. } => u32::from(stamps),
                _ => 0,
            })
            .sum()
    }
    fn terminals(&self) -> usize {
        let mut terminals: Vec<_> = self.events.keys().map(|id| id.terminal).collect();
        terminals.dedup();
        terminals.len()
    }
    /// Applies `event` as the spec says; `Err` names the refusal.
    fn apply(
        &mut self,
        event: CardEvent,
        today: Day,
        program: &CardProgram,
    ) -> Result<(), CardError> {
        if self.seen(event.id()) {
            return Ok(());
        }
        let per_reward = i64::from(program.stamps_per_reward);
        let mut counted_day = today;
        match event {
            CardEvent::Stamp { stamps, .. } => {
                let last = self.last_day();
                let today_count = match last {
                    Some(last) if today <= last => {
                        counted_day = last;
                        self.stamps_on(last)
                    }
                    _ => 0,
                };
                let remaining = u32::from(program.daily_limit).saturating_sub(today_count);
                if u32::from(stamps) > remaining {
                    return Err(CardError::DailyLimitReached {
                        remaining: remaining as u8,
                    });
                }
            }
            CardEvent::Redeem { .. } => {
                if self.balance(per_reward) < per_reward {
                    return Err(CardError::NoRewardAvailable);
                }
            }
            CardEvent::Void { original, .. } => {
                if !self.seen(original) {
                    return Err(CardError::UnknownTransaction);
                }
            }
        }
        self.events.insert(event.id(), (event, counted_day));
        Ok(())
    }
}

fn no_lapse_program() -> CardProgram {
    CardProgram {
        lapse_after_days: 0,
        expires_on: None,
        ..coffee()
    }
}

proptest! {
    /// Random events on three replicas, with replays and merges in random order, against the
    /// reference model: the same events are accepted, and every summary agrees.
    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn replicas_agree_with_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let program = no_lapse_program();
        let per_reward = i64::from(program.stamps_per_reward);
        let mut cards = vec![Card::new(program).unwrap(); REPLICAS];
        let mut models = vec![Model::default(); REPLICAS];
        let mut log: Vec<(CardEvent, Day, usize)> = Vec::new();
        let mut next_sequence = [0u32; 8];
        let mut today = day(2024, 3, 5);
        let mut skewed = false;
        for op in ops {
            let mut issue = |terminal: u32| {
                next_sequence[terminal as usize] += 1;
                EventId::new(terminal, next_sequence[terminal as usize])
            };
            let (event, replica, on) = match op {
                Op::Stamp { terminal, stamps } => (
                    CardEvent::Stamp { id: issue(terminal), program: ProgramId(7), stamps },
                    terminal as usize % REPLICAS,
                    if skewed && terminal == 1 { today.checked_add_days(-1).unwrap() } else { today },
                ),
                Op::Redeem { terminal } => (
                    CardEvent::Redeem { id: issue(terminal), program: ProgramId(7) },
                    terminal as usize % REPLICAS,
                    today,
                ),
                Op::Void { terminal, pick, stamps } => {
                    let original = if log.is_empty() {
                        EventId::new(9, 1)
                    } else {
                        log[pick % log.len()].0.id()
                    };
                    (
                        CardEvent::Void { id: issue(terminal), program: ProgramId(7), original, stamps },
                        terminal as usize % REPLICAS,
                        today,
                    )
                }
                Op::Replay { pick, replica } => {
                    if log.is_empty() {
                        continue;
                    }
                    let (event, on, home) = log[pick % log.len()];
                    // Replays go to a replica that holds the event (or its terminal's later ones).
                    let replica = if models[replica].seen(event.id()) { replica } else { home };
                    let before = cards[replica].clone();
                    prop_assert_eq!(cards[replica].apply(&event, on), Ok(before));
                    continue;
                }
                Op::Merge { into, from } => {
                    let merged = cards[into].merge(&cards[from]).unwrap();
                    let mut model = models[into].clone();
                    model.events.extend(models[from].events.clone());
                    cards[into] = merged;
                    models[into] = model;
                    check(&cards[into], &models[into], per_reward)?;
                    continue;
                }
                Op::NextDay { skew } => {
                    today = today.checked_add_days(1).unwrap();
                    skewed = skew;
                    continue;
                }
            };
            let model_result = models[replica].apply(event, on, &program);
            let card_result = cards[replica].apply(&event, on);
            match (model_result, card_result) {
                (Ok(()), Ok(next)) => {
                    cards[replica] = next;
                    log.push((event, on, replica));
                }
                (Err(expected), Err(actual)) => prop_assert_eq!(expected, actual),
                (expected, actual) => prop_assert!(false, "model {:?}, card {:?}", expected, actual),
            }
            check(&cards[replica], &models[replica], per_reward)?;
        }
    }

    /// Merge is commutative, associative and idempotent on random replicas (with lapses and
    /// generations), ignoring the write counter, which is one more than the larger input's.
    #[test]
    fn merge_laws(ops in proptest::collection::vec((0..3usize, 1..=6u32, 0..4u8, 0..3u16), 0..40)) {
        let program = CardProgram { lapse_after_days: 3, ..no_lapse_program() };
        let mut replicas = vec![Card::new(program).unwrap(); 3];
        let mut today = day(2024, 3, 5);
        let mut sequence = 0u32;
        for (replica, terminal, kind, amount) in ops {
            sequence += 1;
            let id = EventId::new(terminal, sequence);
            let result = match kind {
                0 => replicas[replica].apply(&CardEvent::Stamp { id, program: ProgramId(7), stamps: amount + 1 }, today),
                1 => replicas[replica].apply(&CardEvent::Redeem { id, program: ProgramId(7) }, today),
                2 => {
                    let other = (replica + 1) % 3;
                    replicas[replica].merge(&replicas[other]).map_err(|_| CardError::Internal)
                }
                _ => {
                    today = today.checked_add_days(i32::from(amount) * 2).unwrap();
                    replicas[replica].expire(today)
                }
            };
            if let Ok(next) = result {
                replicas[replica] = next;
            }
        }
        let [a, b, c] = [&replicas[0], &replicas[1], &replicas[2]];
        let ab = a.merge(b).unwrap();
        prop_assert_eq!(content(&ab), content(&b.merge(a).unwrap()));
        prop_assert_eq!(ab.write_counter(), a.write_counter().max(b.write_counter()) + 1);
        prop_assert_eq!(
            content(&ab.merge(c).unwrap()),
            content(&a.merge(&b.merge(c).unwrap()).unwrap())
        );
        prop_assert_eq!(content(&a.merge(a).unwrap()), content(a));
        // Merging in what a copy already holds changes nothing either.
        prop_assert_eq!(content(&ab.merge(a).unwrap()), content(&ab));
    }

    /// On one copy, with lapses: stamps in = stamps out (voids + rewards × stamps per reward)
    /// + stamps held + stamps lapsed.
    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn stamps_are_conserved(steps in proptest::collection::vec((0..4u8, 1..=6u16, 0..20i32), 0..60)) {
        let program = CardProgram { lapse_after_days: 10, ..no_lapse_program() };
        let per_reward = i64::from(program.stamps_per_reward);
        let mut card = Card::new(program).unwrap();
        let (mut stamps_in, mut stamps_out, mut lapsed) = (0i64, 0i64, 0i64);
        let mut today = day(2024, 3, 5);
        for (sequence, (kind, amount, days)) in (1u32..).zip(steps) {
            today = today.checked_add_days(days / 4).unwrap();
            let id = EventId::new(u32::from(kind) + 1, sequence);
            let event = match kind {
                0 | 1 => CardEvent::Stamp { id, program: ProgramId(7), stamps: amount },
                2 => CardEvent::Redeem { id, program: ProgramId(7) },
                _ => CardEvent::Void { id, program: ProgramId(7), original: EventId::new(1, 1), stamps: amount },
            };
            let result = if days == 0 { card.expire(today) } else { card.apply(&event, today) };
            let Ok(next) = result else { continue };
            if next.generation() > card.generation() {
                lapsed += card.balance();
            }
            if next.write_counter() > card.write_counter() && days != 0 {
                match event {
                    CardEvent::Stamp { stamps, .. } => stamps_in += i64::from(stamps),
                    CardEvent::Redeem { .. } => stamps_out += per_reward,
                    CardEvent::Void { stamps, .. } => stamps_out += i64::from(stamps),
                }
            }
            card = next;
        }
        prop_assert_eq!(stamps_in, stamps_out + card.balance() + lapsed);
    }

    /// Encode-then-decode gives the card back, in exactly `encoded_len` bytes.
    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn encoding_round_trips(events in proptest::collection::vec((1..=8u32, 1..=6u16, any::<bool>()), 0..30)) {
        let mut card = Card::new(coffee()).unwrap();
        for (sequence, (terminal, stamps, next_day)) in (1u32..).zip(events) {
            let on = day(2024, 3, 5).checked_add_days(i32::from(next_day) * sequence as i32).unwrap();
            if let Ok(next) = card.apply(&stamp(terminal, sequence, stamps), on) {
                card = next;
            }
        }
        let mut blob = [0u8; MAX_ENCODED_LEN];
        let used = card.encode(seal(), &mut blob).unwrap();
        prop_assert_eq!(used, card.encoded_len());
        prop_assert_eq!(Card::decode(&blob[..used], seal(), card.write_counter()).unwrap(), card);
    }
}

/// The implementation's summary against the model's.
fn check(card: &Card, model: &Model, per_reward: i64) -> Result<(), TestCaseError> {
    let s = card.summary();
    let balance = model.balance(per_reward);
    prop_assert_eq!(card.balance(), balance);
    if balance >= 0 {
        prop_assert_eq!(i64::from(s.rewards_available), balance / per_reward);
        prop_assert_eq!(i64::from(s.stamps), balance % per_reward);
    } else {
        prop_assert_eq!(i64::from(s.owed_stamps), -balance);
    }
    prop_assert_eq!(s.last_stamp_day, model.last_day());
    let on_last = model.last_day().map_or(0, |last| model.stamps_on(last));
    prop_assert_eq!(s.stamps_on_last_day, on_last);
    prop_assert_eq!(usize::from(s.terminals), model.terminals());
    for id in model.events.keys() {
        prop_assert!(card.has_applied(*id));
    }
    Ok(())
}
