//! Punch cards and points accounts, ns per operation: apply + encode + tag, decode + verify,
//! merge of two 8-terminal cards (goal: each under 2 µs on the host); for accounts, apply +
//! encode + tag of a full account (the event compacts it), decode + verify, and the merge of two
//! full copies (14 lots, 8 terminals, 8 recent events together). The baseline, measured in the
//! same run, is the envelope alone sealing the 126-byte payload of an 8-terminal card (CRC-32
//! and 8-byte HMAC tag, `retention_benches::card_sized_payload`): the ratios say what the
//! card's and the account's own logic cost on top. A second baseline seals the largest
//! account payload (293 bytes): the envelope's share of an account's figures.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retention_benches::{KEY, card_sized_payload};
use retention_core::card::{self, Card, CardEvent, CardProgram, ProgramId};
use retention_core::envelope::{self, Kind, Seal};
use retention_core::points::{self, Account, AccountEvent, AccountProgram, Points};
use retention_core::terminal::EventId;
use retention_core::time::{Date, Day};
use std::hint::black_box;

const UID: &[u8] = b"04A1B2C3D4E5F6";

fn day(year: i32, month: u8, day: u8) -> Day {
    Date::new(year, month, day).expect("a date").to_day()
}

/// A card stamped by 8 terminals (the largest card: 144 bytes), with `offset` varying the
/// counters so that two such cards differ.
fn eight_terminal_card(offset: u32) -> Card {
    let program = CardProgram {
        program: ProgramId(7),
        stamps_per_reward: 10,
        daily_limit: 200,
        lapse_after_days: 180,
        expires_on: None,
    };
    let mut card = Card::new(program).expect("valid program");
    for terminal in 1..=8u32 {
        for sequence in 1..=3 + (terminal + offset) % 4 {
            let stamp = CardEvent::Stamp {
                id: EventId::new(terminal, sequence),
                program: ProgramId(7),
                stamps: 2,
            };
            card = card.apply(&stamp, day(2024, 3, 5)).expect("stamp");
        }
    }
    card
}

/// Two copies of an account at its largest: 14 monthly lots (2023-03 ..= 2024-04, 13 months'
/// expiry) earned at 8 terminals, forked on 2024-04-20, when each copy takes 4 events of its
/// own terminals; together they hold 8 recent events.
fn full_account_copies() -> (Account, Account) {
    let program = AccountProgram {
        expiry_months: 13,
        pending_days: 14,
    };
    let mut account = Account::new(program).expect("valid program");
    for (sequence, month) in (1u32..).zip(0..14u8) {
        let months = month + 2; // from March 2023
        let on = day(2023 + i32::from(months / 12), months % 12 + 1, 10);
        let earn = AccountEvent::Earn {
            id: EventId::new(u32::from(month % 8) + 1, sequence),
            points: Points(1000),
        };
        account = account.apply(&earn, on).expect("earn");
    }
    let fork = day(2024, 4, 20);
    let take = |from: &Account, terminals: [u32; 4]| {
        terminals.into_iter().fold(from.clone(), |copy, terminal| {
            let event = AccountEvent::Redeem {
                id: EventId::new(terminal, 100),
                points: Points(300),
            };
            copy.apply(&event, fork).expect("redeem")
        })
    };
    (take(&account, [1, 2, 3, 4]), take(&account, [5, 6, 7, 8]))
}

fn cards(c: &mut Criterion) {
    let seal = Seal::new(&KEY, UID).expect("valid key");
    let card = eight_terminal_card(0);
    let other = eight_terminal_card(1);
    let mut blob = [0u8; card::MAX_ENCODED_LEN];
    let used = card.encode(seal, &mut blob).expect("fits");
    assert_eq!(used, 144);
    let payload = card_sized_payload();
    let stamp = CardEvent::Stamp {
        id: EventId::new(5, 100),
        program: ProgramId(7),
        stamps: 1,
    };
    let today = day(2024, 3, 6);

    let mut group = c.benchmark_group("cards");
    group.throughput(Throughput::Elements(1));
    group.bench_function("baseline_envelope_seal_126_bytes", |b| {
        let mut out = [0u8; card::MAX_ENCODED_LEN];
        b.iter(|| envelope::encode_raw(Kind::Card, black_box(&payload), Some(seal), &mut out))
    });
    group.bench_function("apply_encode_tag", |b| {
        let mut out = [0u8; card::MAX_ENCODED_LEN];
        b.iter(|| {
            let next = black_box(&card).apply(&stamp, today).expect("stamp");
            next.encode(seal, &mut out).expect("fits")
        })
    });
    group.bench_function("decode_verify", |b| {
        b.iter(|| Card::decode(black_box(&blob), seal, 0).map(|c| c.write_counter()))
    });
    group.bench_function("merge_two_8_terminal_cards", |b| {
        b.iter(|| {
            black_box(&card)
                .merge(black_box(&other))
                .map(|m| m.write_counter())
        })
    });

    let (account, other) = full_account_copies();
    let merged = account.merge(&other).expect("the copies merge");
    let account_seal = Seal::new(&KEY, b"cust-0042").expect("valid key");
    let mut account_blob = [0u8; points::MAX_ENCODED_LEN];
    let account_len = merged
        .encode(account_seal, &mut account_blob)
        .expect("fits");
    // 26 + 21 + 8 terminals x 8 + 14 lots x 8 + 4 (one pending) + 8 events x 10.
    assert_eq!(account_len, 307);
    let redeem = AccountEvent::Redeem {
        id: EventId::new(1, 1000),
        points: Points(250),
    };
    // For scale: the envelope alone over the largest account payload (293 bytes, 16-byte tag).
    let account_payload = [0x5au8; points::MAX_PAYLOAD_LEN];
    group.bench_function("baseline_envelope_seal_293_bytes", |b| {
        let mut out = [0u8; points::MAX_ENCODED_LEN];
        b.iter(|| {
            envelope::encode_raw(
                Kind::Account,
                black_box(&account_payload),
                Some(account_seal),
                &mut out,
            )
        })
    });
    group.bench_function("account_apply_encode_tag", |b| {
        let mut out = [0u8; points::MAX_ENCODED_LEN];
        b.iter(|| {
            // The merged account holds 8 recent events: the event folds them first.
            let next = black_box(&merged)
                .apply(&redeem, day(2024, 4, 21))
                .expect("redeem");
            next.encode(account_seal, &mut out).expect("fits")
        })
    });
    group.bench_function("account_decode_verify", |b| {
        b.iter(|| {
            Account::decode(black_box(&account_blob[..account_len]), account_seal, 0)
                .map(|a| a.write_counter())
        })
    });
    group.bench_function("account_merge_two_full_copies", |b| {
        b.iter(|| {
            black_box(&account)
                .merge(black_box(&other))
                .map(|m| m.write_counter())
        })
    });
    group.finish();
}

criterion_group!(benches, cards);
criterion_main!(benches);
