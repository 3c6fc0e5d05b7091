//! Profiling aid for the churn fits (`perf record target/release/examples/prof_fit`, or
//! `valgrind --tool=callgrind`, whose instruction counts a busy machine does not disturb).
//!
//! `prof_fit MODEL ROWS THREADS [REPEAT]` fits `MODEL` (`bg`, `mbg`, `pareto`, `gg`) to `ROWS`
//! all-distinct customers on `THREADS` threads, `REPEAT` times (1 by default), and prints the
//! seconds per fit, the iterations and the parameters. The customers are drawn as
//! `benches/python/churn_vs_lifetimes.py`'s `distinct_customers` draws them (BG/NBD with
//! CDNOW's parameters, α in days, ages uniform in 30..365 days; Gamma-Gamma spends with
//! p = 6.25, q = 3.74, γ = 15.44), from the core's own generator (SplitMix64, seed 20240601):
//! the same shape of data, not the same rows.

use retention_core::churn::fit::{
    FitOptions, fit_bg_nbd, fit_gamma_gamma, fit_mbg_nbd, fit_pareto_nbd,
};
use retention_core::churn::model::{PurchaseModel, PurchaseModelKind};
use retention_core::churn::simulate::{SplitMix64, simulate_customer};
use std::time::Instant;

/// `(frequency, recency, T, mean spend)` of `n` distinct customers.
fn customers(n: usize) -> [Vec<f64>; 4] {
    let model = PurchaseModel::new(PurchaseModelKind::BgNbd, [0.243, 4.414 * 7.0, 0.793, 2.426])
        .expect("valid parameters");
    let mut rng = SplitMix64::new(20_240_601);
    let mut columns: [Vec<f64>; 4] = Default::default();
    for _ in 0..n {
        let age = 30.0 + 335.0 * rng.uniform();
        let customer = simulate_customer(&model, age, &mut rng).expect("simulated");
        let x = customer.frequency;
        let spend = if x > 0.0 {
            let nu = rng.gamma(3.74, 15.44).expect("gamma");
            rng.gamma(6.25 * x, nu * x).expect("gamma")
        } else {
            0.0
        };
        for (column, v) in columns.iter_mut().zip([x, customer.recency, age, spend]) {
            column.push(v);
        }
    }
    columns
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let model = arg(1, "bg");
    let rows: usize = arg(2, "300000").parse().expect("ROWS");
    let threads: usize = arg(3, "2").parse().expect("THREADS");
    let repeat: usize = arg(4, "1").parse().expect("REPEAT");
    let [x, t_x, t, spend] = customers(rows);
    let options = FitOptions {
        threads: Some(threads),
        ..FitOptions::default()
    };
    for _ in 0..repeat {
        let start = Instant::now();
        let (params, iterations, ll) = match model.as_str() {
            "bg" => {
                let f = fit_bg_nbd(&x, &t_x, &t, None, &options).expect("fit");
                (f.params, f.iterations, f.log_likelihood)
            }
            "mbg" => {
                let f = fit_mbg_nbd(&x, &t_x, &t, None, &options).expect("fit");
                (f.params, f.iterations, f.log_likelihood)
            }
            "pareto" => {
                let f = fit_pareto_nbd(&x, &t_x, &t, None, &options).expect("fit");
                (f.params, f.iterations, f.log_likelihood)
            }
            "gg" => {
                let (gx, gm): (Vec<f64>, Vec<f64>) = x
                    .iter()
                    .zip(&spend)
                    .filter(|(x, _)| **x > 0.0)
                    .map(|(x, m)| (*x, *m))
                    .unzip();
                let f = fit_gamma_gamma(&gx, &gm, None, &options).expect("fit");
                (f.params, f.iterations, f.log_likelihood)
            }
            other => panic!("unknown model {other}"),
        };
        println!(
            "{model} rows {rows} threads {threads}: {:.4} s, {iterations} iterations, LL {ll}, \
             params {params:?}",
            start.elapsed().as_secs_f64()
        );
    }
}
