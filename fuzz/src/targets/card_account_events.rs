//! Arbitrary event sequences on two copies of a card and of an account, with merges: every
//! transition returns a value or a specific error, never panics, a failed one leaves the state
//! alone, and the results keep their laws (replays change nothing, card and account merges
//! commute, every state round-trips through its blob).

use retention_core::card::{Card, CardEvent, CardProgram, ProgramId};
use retention_core::envelope::Seal;
use retention_core::points::{Account, AccountEvent, AccountProgram, Points};
use retention_core::terminal::EventId;
use retention_core::time::Day;

const KEY: [u8; 32] = [0x5a; 32];

fn without_counter(card: &Card) -> Vec<u8> {
    // The merge laws hold on everything but the write counter: compare the summaries and
    // the applied events, which cover the rest.
    let s = card.summary();
    let mut out = format!(
        "{:?}",
        (
            s.stamps,
            s.rewards_available,
            s.owed_stamps,
            s.generation,
            s.stamps_on_last_day,
            s.last_stamp_day
        )
    )
    .into_bytes();
    for id in card.last_events() {
        out.extend_from_slice(&id.terminal.0.to_le_bytes());
        out.extend_from_slice(&id.sequence.to_le_bytes());
    }
    out
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let Some((&head, ops)) = data.split_first() else {
        return;
    };
    let program = CardProgram {
        program: ProgramId(7),
        stamps_per_reward: head % 12 + 1,
        daily_limit: head / 12 % 20 + 1,
        lapse_after_days: u16::from(head % 5) * 7,
        expires_on: (head & 0x80 != 0).then(|| Day::from_number(19_900).expect("a day")),
    };
    let Ok(card) = Card::new(program) else { return };
    let account_program = AccountProgram {
        expiry_months: head % 14,
        pending_days: head % 31,
    };
    let Ok(account) = Account::new(account_program) else {
        return;
    };
    let mut cards = [card.clone(), card];
    let mut accounts = [account.clone(), account];
    let mut today = 19_700i32;
    let seal = Seal::new(&KEY, b"fuzz").expect("valid key");
    let mut blob = [0u8; 512];
    for op in ops.chunks_exact(6) {
        let [kind, terminal, seq_lo, seq_hi, amount, days] =
            [op[0], op[1], op[2], op[3], op[4], op[5]];
        let copy = usize::from(kind & 1);
        today += i32::from(days % 40);
        let Ok(on) = Day::from_number(today) else {
            return;
        };
        let id = EventId::new(
            u32::from(terminal % 11),
            u32::from(u16::from_le_bytes([seq_lo, seq_hi])),
        );
        let original = EventId::new(u32::from(amount % 11), u32::from(days));
        let stamps = u16::from(amount % 9);
        match kind >> 1 & 7 {
            0 => {
                let event = CardEvent::Stamp {
                    id,
                    program: ProgramId(u16::from(kind >> 4 & 1) + 7),
                    stamps,
                };
                let before = cards[copy].clone();
                match cards[copy].apply(&event, on) {
                    Ok(next) => {
                        assert_eq!(
                            next.apply(&event, on).as_ref(),
                            Ok(&next),
                            "a replay changes nothing"
                        );
                        cards[copy] = next;
                    }
                    Err(_) => assert_eq!(cards[copy], before),
                }
            }
            1 => {
                let event = CardEvent::Redeem {
                    id,
                    program: ProgramId(7),
                };
                if let Ok(next) = cards[copy].apply(&event, on) {
                    cards[copy] = next;
                }
            }
            2 => {
                let event = CardEvent::Void {
                    id,
                    program: ProgramId(7),
                    original,
                    stamps,
                };
                if let Ok(next) = cards[copy].apply(&event, on) {
                    cards[copy] = next;
                }
            }
            3 => {
                let (a, b) = (
                    cards[copy].merge(&cards[1 - copy]),
                    cards[1 - copy].merge(&cards[copy]),
                );
                match (a, b) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(without_counter(&a), without_counter(&b), "merge commutes");
                        cards[copy] = a;
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b),
                    (a, b) => panic!("merge is not symmetric: {a:?} / {b:?}"),
                }
            }
            4 => {
                let event = AccountEvent::Earn {
                    id,
                    points: Points(u64::from(amount) * 3),
                };
                let before = accounts[copy].clone();
                match accounts[copy].apply(&event, on) {
                    Ok(next) => accounts[copy] = next,
                    Err(_) => assert_eq!(accounts[copy], before),
                }
            }
            5 => {
                let event = AccountEvent::Redeem {
                    id,
                    points: Points(u64::from(amount)),
                };
                if let Ok(next) = accounts[copy].apply(&event, on) {
                    accounts[copy] = next;
                }
            }
            6 => {
                let event = AccountEvent::Clawback {
                    id,
                    original,
                    points: Points(u64::from(amount) * 2),
                };
                if let Ok(next) = accounts[copy].apply(&event, on) {
                    accounts[copy] = next;
                }
            }
            _ => {
                let (a, b) = (
                    accounts[copy].merge(&accounts[1 - copy]),
                    accounts[1 - copy].merge(&accounts[copy]),
                );
                match (a, b) {
                    (Ok(a), Ok(b)) => {
                        let (sa, sb) = (a.summary(on), b.summary(on));
                        assert_eq!(
                            sa.map(|s| (s.available, s.pending, s.debt, s.overdrawn)),
                            sb.map(|s| (s.available, s.pending, s.debt, s.overdrawn)),
                            "account merge commutes"
                        );
                        assert_eq!(
                            a.last_events().collect::<Vec<_>>(),
                            b.last_events().collect::<Vec<_>>()
                        );
                        accounts[copy] = a;
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b),
                    (a, b) => panic!("account merge is not symmetric: {a:?} / {b:?}"),
                }
                if let Ok(next) = cards[copy].expire(on) {
                    cards[copy] = next;
                }
                if let Ok(next) = accounts[copy].expire(on) {
                    accounts[copy] = next;
                }
            }
        }
        let used = cards[copy].encode(seal, &mut blob).expect("a card encodes");
        assert_eq!(
            Card::decode(&blob[..used], seal, 0).as_ref(),
            Ok(&cards[copy])
        );
        let used = accounts[copy]
            .encode(seal, &mut blob)
            .expect("an account encodes");
        assert_eq!(
            Account::decode(&blob[..used], seal, 0).as_ref(),
            Ok(&accounts[copy])
        );
        let _ = accounts[copy].summary(on);
    }
}
