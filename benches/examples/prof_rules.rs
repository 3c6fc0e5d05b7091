//! Profiling aid for the rules engine (`perf record target/release/examples/prof_rules`):
//! evaluates the coffee program on the 20-line basket in a loop, then the hand-written
//! equivalent, and prints ns per evaluation of each.
//!
//! `prof_rules SIDE ROUNDS [LINES]` runs only one side, ROUNDS times, for
//! `valgrind --tool=callgrind`, whose instruction counts a busy machine does not disturb:
//! `engine` and `hand` (the coffee program on the 20-line basket, through the engine and
//! through the hand-written function), `sixty-four` (the 64-rule program on a basket of LINES
//! lines, 20 by default). `scripts/engine_instructions.py` runs them and prints the table of
//! `docs/rules.md`. The measured times are criterion's
//! (`cargo bench -p retention-benches --bench rules`); this is for looking inside.

use retention_benches::rules::{basket, basket_of, coffee, hand_written_coffee, sixty_four};
use retention_core::customer::{Birthday, CustomerRecord};
use retention_core::rules::{Context, Outcome, evaluate};
use retention_core::time::Timestamp;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let rules = coffee();
    let basket = basket();
    // A regular on a Tuesday afternoon, two days before her birthday: every coffee rule fires.
    let customer = CustomerRecord {
        visits: 12,
        last_visit: Some(19_780),
        birthday: Birthday::new(3, 7).ok(),
        ..CustomerRecord::new()
    };
    let context = Context {
        now: Timestamp::from_unix(1_709_651_400),
        event: retention_core::terminal::EventId::new(1, 1),
        ..Context::default()
    };
    let mut outcome = Box::new(Outcome::new());
    let mut args = std::env::args().skip(1);
    let side = args.next();
    let rounds: u32 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let lines: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    match side.as_deref() {
        Some("engine") => {
            for _ in 0..rounds {
                let _ = evaluate(
                    &rules,
                    black_box(&basket),
                    &customer,
                    &context,
                    &mut outcome,
                );
            }
            return;
        }
        Some("hand") => {
            for _ in 0..rounds {
                let _ = hand_written_coffee(
                    rules.hash(),
                    black_box(&basket),
                    &customer,
                    &context,
                    &mut outcome,
                );
            }
            return;
        }
        Some("sixty-four") => {
            let rules = sixty_four();
            let basket = basket_of(lines);
            for _ in 0..rounds {
                let _ = evaluate(
                    &rules,
                    black_box(&basket),
                    &customer,
                    &context,
                    &mut outcome,
                );
            }
            return;
        }
        _ => {}
    }
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..rounds {
            let _ = evaluate(
                &rules,
                black_box(&basket),
                &customer,
                &context,
                &mut outcome,
            );
        }
        let engine = start.elapsed().as_nanos() / u128::from(rounds);
        let start = Instant::now();
        for _ in 0..rounds {
            let _ = hand_written_coffee(
                rules.hash(),
                black_box(&basket),
                &customer,
                &context,
                &mut outcome,
            );
        }
        let hand = start.elapsed().as_nanos() / u128::from(rounds);
        println!("engine {engine} ns, hand-written {hand} ns");
    }
}
