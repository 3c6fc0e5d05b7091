//! Profiling aid for the rules engine (`perf record target/release/examples/prof_rules`):
//! evaluates the coffee program on the 20-line basket in a loop, then the hand-written
//! equivalent, and prints ns per evaluation of each. With arguments `engine` or `hand` and a round
//! count it runs only that one (for `valgrind --tool=callgrind`, whose instruction counts a busy
//! machine does not disturb). The
//! measured figures are criterion's (`cargo bench -p retention-benches --bench rules`); this is
//! for looking inside.

use retention_benches::rules::{basket, coffee, hand_written_coffee};
use retention_core::customer::{Birthday, CustomerRecord};
use retention_core::rules::{Context, Outcome, evaluate};
use retention_core::time::Timestamp;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let rules = coffee();
    let basket = basket();
    let customer = CustomerRecord {
        visits: 12,
        last_visit: Some(19_780),
        birthday: Birthday::new(3, 7).ok(),
        ..CustomerRecord::new()
    };
    let context = Context {
        now: Timestamp::from_unix(1_709_651_400),
        ..Context::default()
    };
    let mut outcome = Box::new(Outcome::new());
    let rounds: u32 = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    match std::env::args().nth(1).as_deref() {
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
