//! Simulated customers of a purchase-and-dropout model (lifetimes' `generate_new_data`, which
//! its `plot_period_transactions` compares with the data): each customer draws their purchase
//! rate λ ~ Gamma(r, α) and their dropout (BG/NBD and MBG/NBD: p ~ Beta(a, b), a chance after
//! each purchase, and for MBG/NBD one at time 0 too; Pareto/NBD: a death time ~ Exp(μ), μ ~
//! Gamma(s, β)), then buys at exponential intervals until their age `T` or their dropout.
//!
//! As lifetimes' `generate_data` module: the frequency is the number of distinct whole time
//! units `⌊t⌋` among the repeat purchase times `t` (so purchases in one unit count once), the
//! recency the last purchase time (0 without one).
//!
//! Random numbers: SplitMix64 seeded by the caller (the same seed gives the same customers on
//! every platform), Marsaglia & Tsang's gamma sampler, beta as a ratio of gammas. Bounded: a
//! customer with more than [`MAX_SIMULATED_PURCHASES`] purchases, or a gamma draw rejected
//! [`MAX_REJECTIONS`] times in a row, is [`ChurnError::NoConvergence`].

use super::model::PurchaseModel;
use super::{ChurnError, check_horizon};

/// The most purchases one simulated customer may make before the simulation gives up.
pub const MAX_SIMULATED_PURCHASES: u32 = 1_000_000;

/// The most rejections in a row of one gamma draw (each is accepted with probability > 0.95).
pub const MAX_REJECTIONS: u32 = 1_000;

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit generator, enough for simulations.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in the open interval (0, 1).
    pub fn uniform(&mut self) -> f64 {
        // 53 random bits, then half a step up: never 0, never 1.
        #[allow(clippy::cast_precision_loss)]
        let bits = (self.next_u64() >> 11) as f64;
        (bits + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// An exponential number of rate `rate`.
    fn exponential(&mut self, rate: f64) -> f64 {
        -libm::log(self.uniform()) / rate
    }

    /// A standard normal number (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        libm::sqrt(-2.0 * libm::log(u)) * libm::cos(core::f64::consts::TAU * v)
    }

    /// A Gamma(`shape`, `rate`) number (Marsaglia & Tsang 2000; shape below 1 by
    /// `Gamma(shape + 1) · U^(1/shape)`).
    ///
    /// Errors: [`ChurnError::NoConvergence`] after [`MAX_REJECTIONS`] rejections.
    pub fn gamma(&mut self, shape: f64, rate: f64) -> Result<f64, ChurnError> {
        if shape < 1.0 {
            let boost = libm::pow(self.uniform(), 1.0 / shape);
            return Ok(self.gamma(shape + 1.0, rate)? * boost);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / libm::sqrt(9.0 * d);
        for _ in 0..MAX_REJECTIONS {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
                return Ok(d * v / rate);
            }
        }
        Err(ChurnError::NoConvergence)
    }

    /// A Beta(`a`, `b`) number, as `X / (X + Y)` of two gammas.
    ///
    /// Errors: those of [`SplitMix64::gamma`].
    pub fn beta(&mut self, a: f64, b: f64) -> Result<f64, ChurnError> {
        let x = self.gamma(a, 1.0)?;
        let y = self.gamma(b, 1.0)?;
        let sum = x + y;
        // Both shapes tiny: both draws may underflow to 0; the mean a / (a + b) stands in.
        Ok(if sum > 0.0 { x / sum } else { a / (a + b) })
    }
}

/// One simulated customer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimulatedCustomer {
    /// Distinct whole time units with a repeat purchase.
    pub frequency: f64,
    /// The last repeat purchase's time (0 without one).
    pub recency: f64,
    /// The customer's age, as given.
    pub age: f64,
    /// The customer's purchase rate λ.
    pub rate: f64,
    /// BG/NBD and MBG/NBD: the dropout probability p; Pareto/NBD: the dropout rate μ.
    pub dropout: f64,
    /// Whether the customer is still active at `age`.
    pub alive: bool,
}

/// A customer of `model` observed for `age` time units, drawn from `rng`.
///
/// Errors: [`ChurnError::InvalidArgument`] for a negative or non-finite `age` or a BG/BB model
/// (not provided);
/// [`ChurnError::NoConvergence`] (see the module docs).
pub fn simulate_customer(
    model: &PurchaseModel,
    age: f64,
    rng: &mut SplitMix64,
) -> Result<SimulatedCustomer, ChurnError> {
    let age = check_horizon(age)?;
    let (r, alpha) = match model {
        PurchaseModel::BgNbd(m) => (m.params()[0], m.params()[1]),
        PurchaseModel::ModifiedBgNbd(m) => (m.params()[0], m.params()[1]),
        PurchaseModel::ParetoNbd(m) => (m.params()[0], m.params()[1]),
        // Not provided for BG/BB's discrete opportunities.
        PurchaseModel::BetaGeoBetaBinom(_) => return Err(ChurnError::InvalidArgument),
    };
    // Drawn in lifetimes' order: the dropout parameter, then λ.
    let (dropout, rate, end, mut alive, after_purchase) = match model {
        PurchaseModel::BgNbd(m) => {
            let [_, _, a, b] = m.params();
            let p = rng.beta(a, b)?;
            (p, rng.gamma(r, alpha)?, age, true, Some(p))
        }
        PurchaseModel::ModifiedBgNbd(m) => {
            let [_, _, a, b] = m.params();
            let p = rng.beta(a, b)?;
            let rate = rng.gamma(r, alpha)?;
            let alive = rng.uniform() > p;
            (p, rate, age, alive, Some(p))
        }
        PurchaseModel::ParetoNbd(m) => {
            let [_, _, s, beta] = m.params();
            let mu = rng.gamma(s, beta)?;
            let rate = rng.gamma(r, alpha)?;
            let death = rng.exponential(mu);
            (mu, rate, death.min(age), death > age, None)
        }
        PurchaseModel::BetaGeoBetaBinom(_) => return Err(ChurnError::InvalidArgument),
    };
    let (mut time, mut frequency, mut last_unit) = (0.0_f64, 0.0_f64, f64::NEG_INFINITY);
    let mut next = rng.exponential(rate);
    let mut purchases = 0_u32;
    while alive && time + next < end {
        if purchases >= MAX_SIMULATED_PURCHASES {
            return Err(ChurnError::NoConvergence);
        }
        purchases = purchases.saturating_add(1);
        time += next;
        let unit = libm::floor(time);
        if unit > last_unit {
            frequency += 1.0;
            last_unit = unit;
        }
        next = rng.exponential(rate);
        if let Some(p) = after_purchase {
            alive = rng.uniform() > p;
        }
    }
    Ok(SimulatedCustomer {
        frequency,
        recency: time,
        age,
        rate,
        dropout,
        alive,
    })
}

#[cfg(test)]
mod tests {
    use super::super::model::PurchaseModelKind;
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // SplitMix64 of seed 1234567: the published splitmix64.c outputs, recomputed independently
        // with Python's unbounded integers.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(rng.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 200,000 draws
    fn sampler_moments() {
        // Gamma(k, θ=1/rate): mean k/rate, variance k/rate²; Beta(a, b): mean a/(a+b).
        let mut rng = SplitMix64::new(7);
        let n = 100_000;
        for (shape, rate) in [(0.243, 4.414), (2.5, 1.5)] {
            let draws: Vec<f64> = (0..n).map(|_| rng.gamma(shape, rate).unwrap()).collect();
            let mean = draws.iter().sum::<f64>() / f64::from(n);
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n);
            let (want_mean, want_var) = (shape / rate, shape / (rate * rate));
            // Standard error of the mean: sqrt(var / n) ≈ 0.0004 and 0.003; allow 5 of them.
            assert!(
                (mean - want_mean).abs() < 5.0 * (want_var / f64::from(n)).sqrt(),
                "{mean}"
            );
            assert!((var / want_var - 1.0).abs() < 0.05, "{var}");
        }
        let mean = (0..n).map(|_| rng.beta(0.793, 2.426).unwrap()).sum::<f64>() / f64::from(n);
        assert!((mean - 0.793 / (0.793 + 2.426)).abs() < 0.003, "{mean}");
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 20,000 simulated customers
    fn simulated_counts_match_the_model() {
        // The share of new customers without a repeat purchase in 39 weeks against
        // P(X(39) = 0) of the model (BG/NBD, CDNOW: 0.5737864, R BTYD's bgnbd.pmf). The
        // simulation counts distinct whole weeks, which can only add zeros' neighbours, not
        // zeros: the share of zeros is exactly the model's, up to sampling noise (sd 0.0035).
        let model =
            PurchaseModel::new(PurchaseModelKind::BgNbd, [0.243, 4.414, 0.793, 2.426]).unwrap();
        let mut rng = SplitMix64::new(42);
        let n = 20_000;
        let zeros = (0..n)
            .filter(|_| simulate_customer(&model, 39.0, &mut rng).unwrap().frequency == 0.0)
            .count();
        #[allow(clippy::cast_precision_loss)]
        let share = zeros as f64 / f64::from(n);
        assert!((share - 0.573_786_4).abs() < 0.015, "{share}");
    }

    #[test]
    fn bad_age_and_shapes() {
        let model =
            PurchaseModel::new(PurchaseModelKind::ParetoNbd, [0.553, 10.578, 0.606, 11.669])
                .unwrap();
        let mut rng = SplitMix64::new(1);
        assert_eq!(
            simulate_customer(&model, -1.0, &mut rng),
            Err(ChurnError::InvalidArgument)
        );
        let c = simulate_customer(&model, 0.0, &mut rng).unwrap();
        assert_eq!((c.frequency, c.recency, c.age), (0.0, 0.0, 0.0));
    }
}
