//! The distribution of purchase counts: the probability that a new customer makes `n` repeat
//! purchases in their first `t` time units, `P(X(t) = n)` (lifetimes'
//! `probability_of_n_purchases_up_to_time`), and that a customer with history `(x, tₓ, T)`
//! makes `n` in the next `t`, `P(X(T, T + t] = n | x, tₓ, T)` (lifetimes'
//! `conditional_probability_of_n_purchases_up_to_time`), for BG/NBD, MBG/NBD and Pareto/NBD.
//!
//! **New customers.** With `NB(n; r, α, t) = Γ(r+n)/(Γ(r) n!) (α/(α+t))ʳ (t/(α+t))ⁿ` the
//! negative-binomial count of a customer who stays alive and `P(N ≥ n) = I_{t/(α+t)}(n, r)` its
//! tail (a regularized incomplete beta, [`super::mixing::ln_beta_inc`]):
//!
//! - BG/NBD (Fader, Hardie & Lee 2005, eq. 8): `B(a, b+n)/B(a, b) NB(n) + δₙ₍>0₎ B(a+1,
//!   b+n−1)/B(a, b) P(N ≥ n)` (alive throughout, or dropped out right after the n-th purchase);
//! - MBG/NBD: `B(a, b+n+1)/B(a, b) NB(n) + B(a+1, b+n)/B(a, b) P(N ≥ n)` (a dropout chance at
//!   time 0 too);
//! - Pareto/NBD (Fader & Hardie 2005, note 009, section 3): `NB(n) (β/(β+t))ˢ` (alive at t)
//!   plus the probability of dying at some `τ < t` after `n` purchases,
//!   `I = ∫₀ᵗ s βˢ/(β+τ)^(s+1) NB(n; r, α, τ) dτ`. The note writes `I` as a difference of
//!   hypergeometric terms, which cancel when the count is large; here, for `α ≥ β`, the
//!   substitution `w = τ/(α+τ)` and the binomial series of `(β+τ)^−(s+1) = (α+τ)^−(s+1)
//!   (1 − z(1−w))^−(s+1)`, `z = (α−β)/α`, give `I = C α^−(r+s) Σₖ (s+1)ₖ zᵏ/k! Jₖ` with
//!   `C = s βˢ αʳ Γ(r+n)/(Γ(r) n!)` and `Jₖ = B_{w_t}(n+1, r+s+k)` (incomplete beta functions,
//!   `w_t = t/(α+t)`), related by `J₍ₖ₊₁₎ = ((r+s+k) Jₖ + w_tⁿ⁺¹ (1−w_t)^(r+s+k))/(n+1+r+s+k)`:
//!   positive terms only. For `α < β` the roles swap: `(r+n)ₖ`, `z = (β−α)/β`, `w = τ/(β+τ)`,
//!   `β^−(r+s)`.
//!
//! **Customers with a history.** A customer alive at T goes on as a new customer whose
//! parameters the history updated — the same fact behind the conditional expectations
//! (`docs/churn.md`): given alive, the posterior of λ is Gamma(r + x, α + T), of BG/NBD's p
//! Beta(a, b + x) (MBG/NBD: Beta(a, b + x + 1), one more dropout chance survived, and no dropout
//! before the next purchase), of Pareto/NBD's μ Gamma(s, β + T). So
//! `P(n | x, tₓ, T) = P(alive) · P'(X(t) = n) + δₙ₀ (1 − P(alive))`, with `P'` the BG/NBD count
//! of the updated parameters (for BG/NBD and MBG/NBD) or the Pareto/NBD count of `(r + x,
//! α + T, s, β + T)`. lifetimes computes Pareto/NBD's from Fader & Hardie's note 028; the
//! values agree (the tests compare with an mpmath integration over λ and μ).
//!
//! Accuracy against 50-digit mpmath references (`scripts/counts_reference.py`,
//! `tests/vectors/counts.json`, new customers): 1e-12 relative, or 1e-15 absolute for
//! probabilities below 1e-3. The counts given a history are checked against the models' own
//! conditional expectations (their mean, to 1e-9) and, for a customer of age 0, against the new
//! customers' counts.
//! BG/BB ([`PurchaseModel::BetaGeoBetaBinom`]) is not covered: [`ChurnError::InvalidArgument`].
//! Loops are bounded: a series past [`MAX_SERIES_TERMS`] terms is
//! [`ChurnError::NoConvergence`] (Pareto/NBD with β ≪ α or α ≪ β and `t` small against both).

use super::bg_nbd::BgNbd;
use super::mbg_nbd::ModifiedBgNbd;
use super::mixing::ln_beta_inc;
use super::model::PurchaseModel;
use super::pareto_nbd::ParetoNbd;
use super::special::{MAX_SERIES_TERMS, ln_beta, ln_gamma, ln_gamma_ratio};
use super::{ChurnError, Observation, TransactionModel, check_horizon, finite};

/// Relative size of a term at which a series is summed.
const TOLERANCE: f64 = 1e-17;

/// The distribution of a model's purchase counts.
pub trait PurchaseCounts: TransactionModel {
    /// `P(X(t) = n)`: the probability that a new customer makes `n` repeat purchases in their
    /// first `t` time units (from their first purchase).
    ///
    /// Errors: [`ChurnError::InvalidArgument`] for a negative or non-finite `t`,
    /// [`ChurnError::NoConvergence`], [`ChurnError::NotFinite`].
    fn probability_of_purchases(&self, n: u32, t: f64) -> Result<f64, ChurnError>;

    /// `P(X(T, T + t] = n | x, tₓ, T)`: the probability that `customer` makes `n` purchases in
    /// the next `t` time units. Any observation the models evaluate is accepted (also
    /// [`Observation::lenient`]'s).
    ///
    /// Errors: as [`PurchaseCounts::probability_of_purchases`], and the model's P(alive) errors.
    fn conditional_probability_of_purchases(
        &self,
        customer: &Observation,
        n: u32,
        t: f64,
    ) -> Result<f64, ChurnError>;
}

/// `ln NB(n; r, α, t)`: `ln[Γ(r+n)/(Γ(r) n!) (α/(α+t))ʳ (t/(α+t))ⁿ]`; at `t = 0` the count is 0.
fn ln_negative_binomial(n: f64, r: f64, alpha: f64, t: f64) -> Result<f64, ChurnError> {
    if t == 0.0 {
        return Ok(if n == 0.0 { 0.0 } else { f64::NEG_INFINITY });
    }
    let ln_share = libm::log(t) - libm::log(alpha + t);
    let ln_count = if n == 0.0 { 0.0 } else { n * ln_share };
    Ok(ln_gamma_ratio(r, n)? - ln_gamma(n + 1.0)? - r * libm::log1p(t / alpha) + ln_count)
}

/// `ln P(N ≥ n)` of the negative binomial: `ln I_{t/(α+t)}(n, r)`; 0 for `n = 0`.
fn ln_negative_binomial_tail(n: f64, r: f64, alpha: f64, t: f64) -> Result<f64, ChurnError> {
    if n == 0.0 {
        return Ok(0.0);
    }
    ln_beta_inc(n, r, t / (alpha + t), alpha / (alpha + t))
}

/// The beta-geometric count: `B(a, b+n+shift)/B(a, b) NB(n) + B(a+1, b+n−1+shift)/B(a, b)
/// P(N ≥ n)` (the second term only for `n + shift ≥ 1`), `shift` 0 for BG/NBD and 1 for MBG/NBD.
fn beta_geometric_count(params: [f64; 4], shift: f64, n: u32, t: f64) -> Result<f64, ChurnError> {
    let t = check_horizon(t)?;
    let [r, alpha, a, b] = params;
    let n = f64::from(n);
    let ln_b = ln_beta(a, b)?;
    let alive = ln_beta(a, b + n + shift)? - ln_b + ln_negative_binomial(n, r, alpha, t)?;
    let dropped = if n + shift >= 1.0 {
        ln_beta(a + 1.0, b + n - 1.0 + shift)? - ln_b + ln_negative_binomial_tail(n, r, alpha, t)?
    } else {
        f64::NEG_INFINITY
    };
    finite(libm::exp(alive) + libm::exp(dropped))
}

/// The Pareto/NBD count of a new customer (see the module docs).
fn pareto_count(params: [f64; 4], n: u32, t: f64) -> Result<f64, ChurnError> {
    let t = check_horizon(t)?;
    let [r, alpha, s, beta] = params;
    let n = f64::from(n);
    let alive = ln_negative_binomial(n, r, alpha, t)? - s * libm::log1p(t / beta);
    if t == 0.0 {
        return finite(libm::exp(alive));
    }
    // The larger rate parameter carries the substitution; the other enters the series.
    let (high, low, shape) = if alpha >= beta {
        (alpha, beta, s + 1.0)
    } else {
        (beta, alpha, r + n)
    };
    let z = (high - low) / high;
    let (w, one_minus_w) = (t / (high + t), high / (high + t));
    let (first, second) = (n + 1.0, r + s);
    // J₀ = B_w(n+1, r+s), in logs; then the Jₖ relative to it.
    let ln_j0 = ln_beta_inc(first, second, w, one_minus_w)? + ln_beta(first, second)?;
    let edge = libm::exp(first * libm::log(w) + second * libm::log(one_minus_w) - ln_j0);
    let mut relative_j = 1.0;
    let mut edge_k = edge;
    let mut coefficient = 1.0;
    let mut sum = 1.0;
    let mut k = 0.0_f64;
    let mut converged = z == 0.0;
    for _ in 0..MAX_SERIES_TERMS {
        if converged {
            break;
        }
        // Jₖ₊₁/J₀ from Jₖ/J₀, and the series coefficient (shape)ₖ₊₁ zᵏ⁺¹/(k+1)!.
        relative_j = ((second + k) * relative_j + edge_k) / (first + second + k);
        edge_k *= one_minus_w;
        let ratio = (shape + k) / (k + 1.0) * z;
        coefficient *= ratio;
        let term = coefficient * relative_j;
        sum += term;
        k += 1.0;
        // From here on the terms shrink at least like the coefficients' ratios (Jₖ falls),
        // which tend to z: from above for a shape above 1, from below otherwise.
        let bound = ((shape + k) / (k + 1.0) * z).max(z);
        converged = bound < 1.0 && term * bound <= TOLERANCE * sum * (1.0 - bound);
    }
    if !converged {
        return Err(ChurnError::NoConvergence);
    }
    let ln_c = libm::log(s) + s * libm::log(beta) + r * libm::log(alpha) + ln_gamma_ratio(r, n)?
        - ln_gamma(n + 1.0)?;
    let dropped = ln_c - (r + s) * libm::log(high) + ln_j0 + libm::log(sum);
    finite(libm::exp(alive) + libm::exp(dropped))
}

/// `P(alive) · count + δₙ₀ (1 − P(alive))`.
fn conditional(p_alive: f64, n: u32, count: f64) -> Result<f64, ChurnError> {
    let dead = if n == 0 { 1.0 - p_alive } else { 0.0 };
    finite(p_alive * count + dead)
}

impl PurchaseCounts for BgNbd {
    fn probability_of_purchases(&self, n: u32, t: f64) -> Result<f64, ChurnError> {
        beta_geometric_count(self.params(), 0.0, n, t)
    }

    fn conditional_probability_of_purchases(
        &self,
        customer: &Observation,
        n: u32,
        t: f64,
    ) -> Result<f64, ChurnError> {
        let [r, alpha, a, b] = self.params();
        let (x, big_t) = (customer.frequency(), customer.age());
        let count = beta_geometric_count([r + x, alpha + big_t, a, b + x], 0.0, n, t)?;
        conditional(self.p_alive(customer)?, n, count)
    }
}

impl PurchaseCounts for ModifiedBgNbd {
    fn probability_of_purchases(&self, n: u32, t: f64) -> Result<f64, ChurnError> {
        beta_geometric_count(self.params(), 1.0, n, t)
    }

    fn conditional_probability_of_purchases(
        &self,
        customer: &Observation,
        n: u32,
        t: f64,
    ) -> Result<f64, ChurnError> {
        let [r, alpha, a, b] = self.params();
        let (x, big_t) = (customer.frequency(), customer.age());
        // Alive at T, the next dropout chance comes after the next purchase: BG/NBD's count.
        let count = beta_geometric_count([r + x, alpha + big_t, a, b + x + 1.0], 0.0, n, t)?;
        conditional(self.p_alive(customer)?, n, count)
    }
}

impl PurchaseCounts for ParetoNbd {
    fn probability_of_purchases(&self, n: u32, t: f64) -> Result<f64, ChurnError> {
        pareto_count(self.params(), n, t)
    }

    fn conditional_probability_of_purchases(
        &self,
        customer: &Observation,
        n: u32,
        t: f64,
    ) -> Result<f64, ChurnError> {
        let [r, alpha, s, beta] = self.params();
        let (x, big_t) = (customer.frequency(), customer.age());
        let count = pareto_count([r + x, alpha + big_t, s, beta + big_t], n, t)?;
        conditional(self.p_alive(customer)?, n, count)
    }
}

impl PurchaseCounts for PurchaseModel {
    fn probability_of_purchases(&self, n: u32, t: f64) -> Result<f64, ChurnError> {
        match self {
            PurchaseModel::BgNbd(m) => m.probability_of_purchases(n, t),
            PurchaseModel::ModifiedBgNbd(m) => m.probability_of_purchases(n, t),
            PurchaseModel::ParetoNbd(m) => m.probability_of_purchases(n, t),
            // Not provided for BG/BB's discrete opportunities.
            PurchaseModel::BetaGeoBetaBinom(_) => Err(ChurnError::InvalidArgument),
        }
    }

    fn conditional_probability_of_purchases(
        &self,
        customer: &Observation,
        n: u32,
        t: f64,
    ) -> Result<f64, ChurnError> {
        match self {
            PurchaseModel::BgNbd(m) => m.conditional_probability_of_purchases(customer, n, t),
            PurchaseModel::ModifiedBgNbd(m) => {
                m.conditional_probability_of_purchases(customer, n, t)
            }
            PurchaseModel::ParetoNbd(m) => m.conditional_probability_of_purchases(customer, n, t),
            PurchaseModel::BetaGeoBetaBinom(_) => Err(ChurnError::InvalidArgument),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::PurchaseModelKind;
    use super::*;

    fn doc() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/vectors/counts.json")).unwrap()
    }

    fn num(value: &serde_json::Value) -> f64 {
        value.as_str().unwrap().parse().unwrap()
    }

    /// 1e-12 relative, or 1e-15 absolute for probabilities below 1e-3.
    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-12 * want.abs() || (want < 1e-3 && (got - want).abs() <= 1e-15)
    }

    /// `tests/vectors/counts.json`: P(X(t) = n) from the textbook formulas at 50 digits (BG/NBD,
    /// MBG/NBD) or an mpmath integral (Pareto/NBD), and the conditional probabilities from
    /// integrals over the individual parameters' posterior.
    #[test]
    #[cfg_attr(miri, ignore)] // series of hundreds of terms
    fn against_mpmath() {
        let mut checked = 0;
        for case in doc()["counts"].as_array().unwrap() {
            let kind = PurchaseModelKind::from_name(case["model"].as_str().unwrap()).unwrap();
            let params: Vec<f64> = case["params"].as_array().unwrap().iter().map(num).collect();
            let model =
                PurchaseModel::new(kind, [params[0], params[1], params[2], params[3]]).unwrap();
            let n = u32::try_from(case["n"].as_u64().unwrap()).unwrap();
            let t = num(&case["t"]);
            let want = num(&case["value"]);
            let got = match case.get("x") {
                None => model.probability_of_purchases(n, t),
                Some(x) => {
                    let customer =
                        Observation::lenient(num(x), num(&case["t_x"]), num(&case["T"])).unwrap();
                    model.conditional_probability_of_purchases(&customer, n, t)
                }
            }
            .unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(close(got, want), "{case}: got {got:e}");
            checked += 1;
        }
        assert!(checked >= 45, "{checked}");
    }

    /// The probabilities of a customer's counts add up to 1, and never exceed it.
    #[test]
    #[cfg_attr(miri, ignore)] // hundreds of series
    fn counts_add_up_to_one() {
        let models = [
            PurchaseModel::new(PurchaseModelKind::BgNbd, [0.243, 4.414, 0.793, 2.426]).unwrap(),
            PurchaseModel::new(
                PurchaseModelKind::ModifiedBgNbd,
                [0.525, 6.183, 0.891, 1.614],
            )
            .unwrap(),
            PurchaseModel::new(PurchaseModelKind::ParetoNbd, [0.553, 10.578, 0.606, 11.669])
                .unwrap(),
            PurchaseModel::new(PurchaseModelKind::ParetoNbd, [0.553, 10.578, 0.606, 2.0]).unwrap(),
        ];
        let customer = Observation::new(3.0, 20.0, 30.0).unwrap();
        for model in &models {
            for t in [0.0, 1.0, 10.0, 52.0] {
                let (mut total, mut conditional_total) = (0.0, 0.0);
                for n in 0..400 {
                    let p = model.probability_of_purchases(n, t).unwrap();
                    let q = model
                        .conditional_probability_of_purchases(&customer, n, t)
                        .unwrap();
                    assert!((0.0..=1.0).contains(&p) && (0.0..=1.0).contains(&q));
                    total += p;
                    conditional_total += q;
                }
                // The tails beyond 400 purchases are far below 1e-6 for these horizons.
                assert!((total - 1.0).abs() < 1e-6, "{model:?} t={t}: {total}");
                assert!((conditional_total - 1.0).abs() < 1e-6, "{model:?} t={t}");
            }
        }
    }

    /// Given a history, the distribution's mean is the model's conditional expectation (an
    /// independent formula, checked against published values in the models' modules), and a
    /// customer of age 0 is a new customer.
    #[test]
    #[cfg_attr(miri, ignore)] // thousands of series
    fn conditional_counts_mean_and_age_zero() {
        let models = [
            PurchaseModel::new(PurchaseModelKind::BgNbd, [0.243, 4.414, 0.793, 2.426]).unwrap(),
            PurchaseModel::new(
                PurchaseModelKind::ModifiedBgNbd,
                [0.525, 6.183, 0.891, 1.614],
            )
            .unwrap(),
            PurchaseModel::new(PurchaseModelKind::ParetoNbd, [0.553, 10.578, 0.606, 11.669])
                .unwrap(),
            PurchaseModel::new(PurchaseModelKind::ParetoNbd, [0.553, 2.0, 0.606, 11.669]).unwrap(),
        ];
        let histories = [(2.0, 30.43, 38.86), (0.0, 0.0, 38.86), (7.0, 29.43, 38.86)];
        for model in &models {
            for (x, t_x, big_t) in histories {
                let customer = Observation::new(x, t_x, big_t).unwrap();
                for t in [1.0, 10.0, 39.0] {
                    let mean: f64 = (0..600)
                        .map(|n| {
                            let p = model.conditional_probability_of_purchases(&customer, n, t);
                            f64::from(n) * p.unwrap()
                        })
                        .sum();
                    let want = model.expected_purchases(&customer, t).unwrap();
                    assert!(
                        (mean - want).abs() <= 1e-9 * want.max(1e-3),
                        "{model:?} {x} {t}: {mean} vs {want}"
                    );
                }
            }
            let newcomer = Observation::new(0.0, 0.0, 0.0).unwrap();
            for (n, t) in [(0, 5.0), (1, 5.0), (4, 39.0)] {
                let conditional = model
                    .conditional_probability_of_purchases(&newcomer, n, t)
                    .unwrap();
                let new = model.probability_of_purchases(n, t).unwrap();
                assert!((conditional - new).abs() <= 1e-13, "{model:?} {n} {t}");
            }
        }
    }

    /// Published values: R BTYD's `bgnbd.pmf` for the CDNOW parameters (lifetimes' tests).
    #[test]
    fn btyd_published_values() {
        let model = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let p = model.probability_of_purchases(0, 39.0).unwrap();
        assert!((p - 0.573_786_4).abs() < 1e-6, "{p}");
        let p = model.probability_of_purchases(11, 30.0).unwrap();
        assert!((p - 0.001_999_521_4).abs() < 1e-8, "{p}");
        let p = model.probability_of_purchases(20, 30.0).unwrap();
        assert!((p - 0.000_222_226_0).abs() < 1e-8, "{p}");
    }

    #[test]
    fn zero_horizon_and_bad_arguments() {
        let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
        assert_eq!(model.probability_of_purchases(0, 0.0), Ok(1.0));
        assert_eq!(model.probability_of_purchases(3, 0.0), Ok(0.0));
        assert_eq!(
            model.probability_of_purchases(1, -1.0),
            Err(ChurnError::InvalidArgument)
        );
        let bg = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        assert_eq!(bg.probability_of_purchases(0, 0.0), Ok(1.0));
        assert_eq!(
            bg.probability_of_purchases(2, f64::NAN),
            Err(ChurnError::InvalidArgument)
        );
        // A customer with a history, over no time, makes no purchase.
        let customer = Observation::new(2.0, 10.0, 20.0).unwrap();
        assert_eq!(
            bg.conditional_probability_of_purchases(&customer, 0, 0.0),
            Ok(1.0)
        );
    }
}
