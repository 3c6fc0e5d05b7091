//! Rule evaluation, ns per basket: a 20-line basket against the coffee-chain program and
//! against a 64-rule program, and — the limit — a hand-written function that computes the
//! coffee program's identical outcome (points, discounts, attribution, trace; checked equal in
//! `retention_benches::rules::tests`), measured in the same run. Read the engine's figure as a
//! ratio to the hand-written one.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retention_benches::rules::{basket, coffee, hand_written_coffee, sixty_four};
use retention_core::customer::{Birthday, CustomerRecord};
use retention_core::rules::{Context, Outcome, evaluate};
use retention_core::terminal::EventId;
use retention_core::time::{Timestamp, UtcOffset};
use std::hint::black_box;

fn rules(c: &mut Criterion) {
    let coffee = coffee();
    let sixty_four = sixty_four();
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
        offset: UtcOffset::UTC,
        event: EventId::new(1, 1),
        ..Context::default()
    };
    let mut outcome = Box::new(Outcome::new());
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(1));
    group.bench_function("coffee_20_lines/hand_written", |b| {
        b.iter(|| {
            hand_written_coffee(
                coffee.hash(),
                black_box(&basket),
                &customer,
                &context,
                &mut outcome,
            )
        })
    });
    group.bench_function("coffee_20_lines/engine", |b| {
        b.iter(|| {
            evaluate(
                &coffee,
                black_box(&basket),
                &customer,
                &context,
                &mut outcome,
            )
        })
    });
    group.bench_function("sixty_four_rules_20_lines/engine", |b| {
        b.iter(|| {
            evaluate(
                &sixty_four,
                black_box(&basket),
                &customer,
                &context,
                &mut outcome,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
