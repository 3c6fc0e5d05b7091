//! Churn scoring and fitting, per customer and per fit. The P(alive) of BG/NBD (a closed form)
//! is the baseline the other figures are read against: MBG/NBD P(alive) (also closed form),
//! Pareto/NBD P(alive) (two ₂F₁ series), conditional expected purchases (one series), a full
//! till score from the model blob, and BG/NBD / Pareto/NBD fits on CDNOW.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retention_core::churn::bg_nbd::BgNbd;
use retention_core::churn::fit::{FitOptions, fit_bg_nbd, fit_pareto_nbd};
use retention_core::churn::mbg_nbd::ModifiedBgNbd;
use retention_core::churn::model::{ChurnModel, MODEL_MAX_LEN, PurchaseModel};
use retention_core::churn::pareto_nbd::ParetoNbd;
use retention_core::churn::summary::Periods;
use retention_core::churn::{Observation, TransactionModel};
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

criterion_group!(benches, per_customer, fits);
criterion_main!(benches);
