//! Churn scoring and fitting, per customer and per fit. The P(alive) of BG/NBD (a closed form)
//! is the baseline the other figures are read against: MBG/NBD P(alive) (also closed form),
//! Pareto/NBD P(alive) (two ₂F₁ series), conditional expected purchases (one series), a full
//! till score from the model blob, BG/NBD / Pareto/NBD fits on CDNOW, and batch scoring of
//! 200,000 customers (`batch`, the per-row baseline, against `batch_parallel`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retention_core::churn::bg_nbd::BgNbd;
use retention_core::churn::fit::{FitOptions, fit_bg_nbd, fit_pareto_nbd};
use retention_core::churn::mbg_nbd::ModifiedBgNbd;
use retention_core::churn::model::{ChurnModel, MODEL_MAX_LEN, PurchaseModel};
use retention_core::churn::pareto_nbd::ParetoNbd;
use retention_core::churn::summary::Periods;
use retention_core::churn::{
    BatchQuantity, Observation, TransactionModel, Validation, batch, batch_parallel,
};
use std::hint::black_box;

/// The CDNOW calibration summary: (x, t_x, T) columns.
fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = include_str!("../../data/cdnow/cdnow_customers_summary_with_transactions.csv");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|c| c.trim().parse().unwrap_or(0.0))
                .collect()
        })
        .collect();
    (
        rows.iter().map(|r| r[1]).collect(),
        rows.iter().map(|r| r[2]).collect(),
        rows.iter().map(|r| r[3]).collect(),
    )
}

fn per_customer(c: &mut Criterion) {
    let (x, t_x, t) = cdnow();
    let customers: Vec<Observation> = (0..x.len())
        .filter_map(|i| Observation::new(x[i], t_x[i], t[i]).ok())
        .collect();
    let bg = BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258).expect("valid");
    let mbg = ModifiedBgNbd::new(0.525, 6.183, 0.891, 1.614).expect("valid");
    let pareto = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.669).expect("valid");
    let mut group = c.benchmark_group("churn/per_customer");
    group.throughput(Throughput::Elements(customers.len() as u64));
    group.bench_function("p_alive/bg_nbd (baseline)", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|c| bg.p_alive(black_box(c)).unwrap_or(0.0))
                .sum::<f64>()
        })
    });
    group.bench_function("p_alive/mbg_nbd", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|c| mbg.p_alive(black_box(c)).unwrap_or(0.0))
                .sum::<f64>()
        })
    });
    group.bench_function("p_alive/pareto_nbd", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|c| pareto.p_alive(black_box(c)).unwrap_or(0.0))
                .sum::<f64>()
        })
    });
    group.bench_function("expected_purchases_39/bg_nbd", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|c| bg.expected_purchases(black_box(c), 39.0).unwrap_or(0.0))
                .sum::<f64>()
        })
    });
    group.bench_function("expected_purchases_39/pareto_nbd", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|c| pareto.expected_purchases(black_box(c), 39.0).unwrap_or(0.0))
                .sum::<f64>()
        })
    });
    let model = ChurnModel::new(PurchaseModel::ParetoNbd(pareto), Periods::DAYS_IN_WEEKS);
    let mut blob = [0u8; MODEL_MAX_LEN];
    let used = model.encode(&mut blob).expect("fits");
    group.bench_function("till_score_from_blob/pareto_nbd", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|c| {
                    ChurnModel::decode(black_box(&blob[..used]))
                        .ok()
                        .and_then(|m| m.score(c, 2000.0).ok())
                        .map_or(0, |s| u64::from(s.risk))
                })
                .sum::<u64>()
        })
    });
    group.finish();
}

fn fits(c: &mut Criterion) {
    let (x, t_x, t) = cdnow();
    let mut group = c.benchmark_group("churn/fit_cdnow");
    group.sample_size(10);
    group.bench_function("bg_nbd", |b| {
        b.iter(|| fit_bg_nbd(&x, &t_x, &t, None, &FitOptions::default()).map(|f| f.log_likelihood))
    });
    group.bench_function("pareto_nbd", |b| {
        b.iter(|| {
            fit_pareto_nbd(&x, &t_x, &t, None, &FitOptions::default()).map(|f| f.log_likelihood)
        })
    });
    group.finish();
}

/// 200,000 customers at day resolution (x up to 20, ages 30..365 days, recency a whole day),
/// from a fixed linear congruential sequence: the repeated (x, T) pairs of a real customer base.
fn day_resolution_customers() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut state: u64 = 20_240_601;
    let mut next = move |modulus: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % modulus
    };
    let (mut x, mut t_x, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..200_000 {
        let age = 30 + next(336);
        let repeats = if next(100) < 64 { 0 } else { 1 + next(20) };
        let recency = if repeats == 0 { 0 } else { next(age + 1) };
        x.push(repeats as f64);
        t_x.push(recency as f64);
        t.push(age as f64);
    }
    (x, t_x, t)
}

/// Batch scoring of 200,000 customers: the per-row loop (`batch`, the baseline) against
/// `batch_parallel`, which runs on every core and, for expected purchases, computes the
/// forward expectation once per distinct (x, T).
fn batches(c: &mut Criterion) {
    let (x, t_x, t) = day_resolution_customers();
    let bg = BgNbd::new(0.2426, 30.89, 0.7929, 2.4258).expect("valid");
    let mut out = vec![0.0; x.len()];
    let mut group = c.benchmark_group("churn/batch_200k");
    group.throughput(Throughput::Elements(x.len() as u64));
    group.sample_size(10);
    let expected = BatchQuantity::ExpectedPurchases { t: 30.0 };
    group.bench_function("expected_purchases/batch (baseline)", |b| {
        b.iter(|| {
            batch(
                &bg,
                expected,
                Validation::Strict,
                black_box(&x),
                &t_x,
                &t,
                &mut out,
            )
        })
    });
    group.bench_function("expected_purchases/batch_parallel", |b| {
        b.iter(|| {
            batch_parallel(
                &bg,
                expected,
                Validation::Strict,
                black_box(&x),
                &t_x,
                &t,
                &mut out,
            )
        })
    });
    group.bench_function("p_alive/batch", |b| {
        b.iter(|| {
            batch(
                &bg,
                BatchQuantity::PAlive,
                Validation::Strict,
                black_box(&x),
                &t_x,
                &t,
                &mut out,
            )
        })
    });
    group.bench_function("p_alive/batch_parallel", |b| {
        b.iter(|| {
            batch_parallel(
                &bg,
                BatchQuantity::PAlive,
                Validation::Strict,
                black_box(&x),
                &t_x,
                &t,
                &mut out,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, per_customer, fits, batches);
criterion_main!(benches);
