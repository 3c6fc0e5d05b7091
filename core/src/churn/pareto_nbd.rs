//! The Pareto/NBD model (Schmittlein, Morrison and Colombo 1987): while alive, a customer buys
//! as a Poisson process of rate λ ~ Gamma(r, α); their lifetime is exponential with rate
//! μ ~ Gamma(s, β). lifetimes' `ParetoNBDFitter`; the likelihood as in Fader and Hardie's
//! "A Note on Deriving the Pareto/NBD Model and Related Expressions" (2005).
//!
//! Dropout happens in continuous time, so a one-time buyer's P(alive) falls with the time since
//! their purchase, and a customer who has just bought has P(alive) = 1. This is the default
//! scoring model (see `docs/churn.md`).
//!
//! ```
//! use retention_core::churn::{pareto_nbd::ParetoNbd, Observation, TransactionModel};
//! let model = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690)?;
//! let just_bought = model.p_alive(&Observation::new(0.0, 0.0, 0.0)?)?;
//! let lapsed = model.p_alive(&Observation::new(0.0, 0.0, 38.86)?)?;
//! assert!((just_bought - 1.0).abs() < 1e-12 && lapsed < 0.6);
//! # Ok::<(), retention_core::churn::ChurnError>(())
//! ```

use super::math;
use super::special::{
    SignedLog, exprel, hyp2f1_unit_complement, ln_add_exp, ln_gamma_ratio, ln_sub_exp, logistic_neg,
};
#[cfg(feature = "std")]
use super::special::{digamma, hyp2f1_one_with_gradient};
use super::{ChurnError, Observation, TransactionModel, check_horizon, check_positive, finite};

/// Pareto/NBD parameters: `r`, `alpha` (purchase rate Gamma; `alpha` in time units) and `s`,
/// `beta` (dropout rate Gamma; `beta` in time units), all finite and above zero.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ParetoNbd {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
}

/// The two pieces of the likelihood, in logs: `ln[(α+T)^−(r+x) (β+T)^−s]` (alive at T) and
/// `ln[s/(r+s+x) · A₀]` (dropped out between tₓ and T).
struct Pieces {
    alive: f64,
    dropped: f64,
}

impl ParetoNbd {
    /// The model with these parameters, or [`ChurnError::ParameterOutOfDomain`].
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<ParetoNbd, ChurnError> {
        check_positive(&[r, alpha, s, beta])?;
        Ok(ParetoNbd { r, alpha, s, beta })
    }

    /// `[r, alpha, s, beta]`, lifetimes' order.
    #[must_use]
    pub const fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.s, self.beta]
    }

    /// `ln P(t)` for a customer with `x` repeat purchases:
    /// `P(t) = F(r+s+x, b'; r+s+x+1; |α−β|/(max+t)) / (max+t)^(r+s+x)`, `b' = s+1` when α ≥ β,
    /// `r+x` otherwise, `max = max(α, β)`. `A₀ = P(tₓ) − P(T)`. F is positive here (positive
    /// parameters, z < 1). One hypergeometric series: the costly part of the likelihood, which
    /// the fit computes once per distinct `(x, t)`.
    pub(crate) fn ln_p(&self, x: f64, t: f64) -> Result<f64, ChurnError> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let rsx = r + s + x;
        let (high, low, b_param) = if alpha >= beta {
            (alpha, beta, s + 1.0)
        } else {
            (beta, alpha, r + x)
        };
        // z and 1 − z = (low + t)/(high + t), both exact.
        let z = (high - low) / (high + t);
        let f = if z == 0.0 {
            SignedLog::ONE
        } else {
            hyp2f1_unit_complement(rsx, b_param, rsx + 1.0, z, (low + t) / (high + t))?
        };
        Ok(f.ln_positive()? - rsx * math::ln(high + t))
    }

    /// The two terms of the likelihood's bracket, given `ln P(tₓ)` and `ln P(T)` (see
    /// [`ParetoNbd::ln_p`]; they are not used when `tₓ = T`).
    fn pieces_with(&self, customer: &Observation, ln_p_tx: f64, ln_p_t: f64) -> Pieces {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (x, t_x, big_t) = (customer.frequency(), customer.recency(), customer.age());
        pieces_from(
            -(r + x) * math::ln(alpha + big_t) - s * math::ln(beta + big_t),
            math::ln(s / (r + s + x)),
            big_t > t_x,
            ln_p_tx,
            ln_p_t,
        )
    }

    fn pieces(&self, customer: &Observation) -> Result<Pieces, ChurnError> {
        let (x, t_x, big_t) = (customer.frequency(), customer.recency(), customer.age());
        if big_t > t_x {
            Ok(self.pieces_with(customer, self.ln_p(x, t_x)?, self.ln_p(x, big_t)?))
        } else {
            Ok(self.pieces_with(customer, f64::NEG_INFINITY, f64::NEG_INFINITY))
        }
    }

    /// [`TransactionModel::log_likelihood`] given `ln P(tₓ)` and `ln P(T)` from
    /// [`ParetoNbd::ln_p`].
    pub(crate) fn log_likelihood_with(
        &self,
        customer: &Observation,
        ln_p_tx: f64,
        ln_p_t: f64,
    ) -> Result<f64, ChurnError> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (x, t_x, big_t) = (customer.frequency(), customer.recency(), customer.age());
        log_likelihood_from(
            self.ln_front(x)?,
            -(r + x) * math::ln(alpha + big_t) - s * math::ln(beta + big_t),
            math::ln(s / (r + s + x)),
            big_t > t_x,
            ln_p_tx,
            ln_p_t,
        )
    }

    /// The likelihood's factor of a customer with `x` repeat purchases that does not depend
    /// on time: `ln[Γ(r+x) αʳ βˢ / Γ(r)]`.
    pub(crate) fn ln_front(&self, x: f64) -> Result<f64, ChurnError> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        Ok(ln_gamma_ratio(r, x)? + r * math::ln(alpha) + s * math::ln(beta))
    }

    /// `ln P(t)` (see [`ParetoNbd::ln_p`]) and its gradient, `[ln P, ∂/∂r, ∂/∂α, ∂/∂s, ∂/∂β]`:
    /// the fit's exact gradient. Through Euler's transformation `P(t)` is a series with positive
    /// terms, `G = ₂F₁(1, p; r+s+x+1; z)` (see
    /// [`hyp2f1_one_with_gradient`](super::special::hyp2f1_one_with_gradient), which carries
    /// its derivatives term by term):
    ///
    /// - α ≥ β: `P(t) = (α+t)^−(r+x) (β+t)^−s G`, `p = r+x`, `z = (α−β)/(α+t)`;
    /// - α < β: `P(t) = (α+t)^−(r+x−1) (β+t)^−(s+1) G`, `p = s+1`, `z = (β−α)/(β+t)`.
    ///
    /// The value is that of [`ParetoNbd::ln_p`] to rounding (a different arrangement of the
    /// same series; a test checks 1e-13); the fit uses this one for value and gradient alike,
    /// so the two are consistent. Errors: [`ChurnError::NoConvergence`] when the series does
    /// not converge within [`MAX_SERIES_TERMS`](super::special::MAX_SERIES_TERMS) terms.
    #[cfg(feature = "std")]
    pub(crate) fn ln_p_with_gradient(&self, x: f64, t: f64) -> Result<[f64; 5], ChurnError> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (at, bt) = (alpha + t, beta + t);
        let (ln_at, ln_bt) = (math::ln(at), math::ln(bt));
        let c = r + s + x + 1.0;
        let rx = r + x;
        if alpha >= beta {
            // z and w = 1 − z = (β+t)/(α+t), both exact; ∂z/∂α = w/(α+t), ∂z/∂β = −1/(α+t).
            let w = bt / at;
            let [g, g_p, g_c, g_z] = hyp2f1_one_with_gradient(rx, c, (alpha - beta) / at, w)?;
            let (d_p, d_c, d_z) = (g_p / g, g_c / g, g_z / g);
            finite_all([
                math::ln(g) - rx * ln_at - s * ln_bt,
                d_p + d_c - ln_at,
                d_z * w / at - rx / at,
                d_c - ln_bt,
                -d_z / at - s / bt,
            ])
        } else {
            // w = (α+t)/(β+t); ∂z/∂α = −1/(β+t), ∂z/∂β = w/(β+t).
            let w = at / bt;
            let [g, g_p, g_c, g_z] = hyp2f1_one_with_gradient(s + 1.0, c, (beta - alpha) / bt, w)?;
            let (d_p, d_c, d_z) = (g_p / g, g_c / g, g_z / g);
            finite_all([
                math::ln(g) - (rx - 1.0) * ln_at - (s + 1.0) * ln_bt,
                d_c - ln_at,
                -d_z / bt - (rx - 1.0) / at,
                d_p + d_c - ln_bt,
                d_z * w / bt - (s + 1.0) / bt,
            ])
        }
    }

    /// The gradient of [`ParetoNbd::ln_front`] in `(r, α, s, β)`:
    /// `[ψ(r+x) − ψ(r) + ln α, r/α, ln β, s/β]`.
    #[cfg(feature = "std")]
    pub(crate) fn ln_front_gradient(&self, x: f64) -> Result<[f64; 4], ChurnError> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        Ok([
            digamma(r + x)? - digamma(r)? + math::ln(alpha),
            r / alpha,
            math::ln(beta),
            s / beta,
        ])
    }
}

/// The bracket's terms: `alive = −(r+x) ln(α+T) − s ln(β+T)`, and `dropped = ln(s/(r+s+x)) +
/// ln A₀` with `A₀ = P(tₓ) − P(T)` when the customer has a span (`tₓ < T`), else none.
fn pieces_from(alive: f64, ln_share: f64, has_span: bool, ln_p_tx: f64, ln_p_t: f64) -> Pieces {
    let ln_a0 = if has_span {
        // Mathematically P(tₓ) > P(T); equal after rounding means A₀ ≈ 0.
        ln_sub_exp(ln_p_tx, ln_p_t).unwrap_or(f64::NEG_INFINITY)
    } else {
        f64::NEG_INFINITY
    };
    Pieces {
        alive,
        dropped: ln_share + ln_a0,
    }
}

/// The log-likelihood from its parts (the fit's shortcut, with the time-only and
/// frequency-only parts computed once per distinct value): `front` from
/// [`ParetoNbd::ln_front`], `alive` and `ln_share` as in [`pieces_from`].
pub(crate) fn log_likelihood_from(
    front: f64,
    alive: f64,
    ln_share: f64,
    has_span: bool,
    ln_p_tx: f64,
    ln_p_t: f64,
) -> Result<f64, ChurnError> {
    let pieces = pieces_from(alive, ln_share, has_span, ln_p_tx, ln_p_t);
    finite(front + ln_add_exp(pieces.alive, pieces.dropped))
}

/// All finite, or [`ChurnError::NotFinite`].
#[cfg(feature = "std")]
fn finite_all<const N: usize>(values: [f64; N]) -> Result<[f64; N], ChurnError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(values)
    } else {
        Err(ChurnError::NotFinite)
    }
}

/// A term and its gradient in `(r, α, s, β)`.
#[cfg(feature = "std")]
pub(crate) type WithGradient = (f64, [f64; 4]);

/// [`log_likelihood_from`] with the gradient: `front`, `alive` and `ln_share` as there, each
/// with its gradient, and for a customer with a span (`tₓ < T`) `ln P(tₓ)` and `ln P(T)` from
/// [`ParetoNbd::ln_p_with_gradient`]. With `σ` the dropped term's share of the bracket,
/// `∇LL = ∇front + (1−σ) ∇alive + σ (∇ln_share + ∇ln A₀)`, and
/// `∇ln A₀ = (∇ln P(tₓ) − q ∇ln P(T)) / (1 − q)`, `q = P(T)/P(tₓ)`. The value has the bits of
/// [`log_likelihood_from`]'s; NaN where it would fail.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn log_likelihood_with_gradient(
    front: &WithGradient,
    alive: &WithGradient,
    share: &WithGradient,
    span: Option<(&[f64; 5], &[f64; 5])>,
) -> WithGradient {
    let (ln_p_tx, ln_p_t) = span.map_or((f64::NEG_INFINITY, f64::NEG_INFINITY), |(a, b)| {
        (a[0], b[0])
    });
    let pieces = pieces_from(alive.0, share.0, span.is_some(), ln_p_tx, ln_p_t);
    let value = front.0 + ln_add_exp(pieces.alive, pieces.dropped);
    let mut grad = front.1;
    // σ = 1/(1 + e^(alive − dropped)): 0 without a span (dropped = −∞).
    let sigma = logistic_neg(pieces.alive - pieces.dropped);
    let kept = 1.0 - sigma;
    for (g, a) in grad.iter_mut().zip(&alive.1) {
        *g += kept * a;
    }
    if let (Some((p_tx, p_t)), true) = (span, sigma > 0.0) {
        // 1 − q = −expm1(ln P(T) − ln P(tₓ)) > 0 where σ > 0 (A₀ > 0).
        let d = p_t[0] - p_tx[0];
        let q = math::exp(d);
        let inv = -1.0 / math::exp_m1(d);
        for (((g, s), a), b) in grad.iter_mut().zip(&share.1).zip(&p_tx[1..]).zip(&p_t[1..]) {
            *g += sigma * (s + (a - q * b) * inv);
        }
    }
    (value, grad)
}

impl TransactionModel for ParetoNbd {
    fn log_likelihood(&self, customer: &Observation) -> Result<f64, ChurnError> {
        let (x, t_x, big_t) = (customer.frequency(), customer.recency(), customer.age());
        if big_t > t_x {
            self.log_likelihood_with(customer, self.ln_p(x, t_x)?, self.ln_p(x, big_t)?)
        } else {
            self.log_likelihood_with(customer, f64::NEG_INFINITY, f64::NEG_INFINITY)
        }
    }

    fn p_alive(&self, customer: &Observation) -> Result<f64, ChurnError> {
        let pieces = self.pieces(customer)?;
        // alive / (alive + dropped) = 1 / (1 + e^(dropped − alive))
        finite(logistic_neg(pieces.dropped - pieces.alive))
    }

    fn expected_purchases(&self, customer: &Observation, t: f64) -> Result<f64, ChurnError> {
        let t = check_horizon(t)?;
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (x, big_t) = (customer.frequency(), customer.age());
        // P(alive) (r+x)(β+T) / ((α+T)(s−1)) [1 − ((β+T)/(β+T+t))^(s−1)], where
        // [1 − e^(−(s−1)ℓ)]/(s−1) = ℓ exprel(−(s−1)ℓ), ℓ = ln(1 + t/(β+T)): no singularity at s = 1.
        let ell = math::ln_1p(t / (beta + big_t));
        let alive = self.p_alive(customer)?;
        finite(alive * (r + x) * (beta + big_t) / (alpha + big_t) * ell * exprel(-(s - 1.0) * ell))
    }

    fn unconditional_expected_purchases(&self, t: f64) -> Result<f64, ChurnError> {
        let t = check_horizon(t)?;
        let ParetoNbd { r, alpha, s, beta } = *self;
        // rβ/(α(s−1)) [1 − (β/(β+t))^(s−1)]
        let ell = math::ln_1p(t / beta);
        finite(r * beta / alpha * ell * exprel(-(s - 1.0) * ell))
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{MONOTONE_SLACK, Tolerances, check_model};
    use super::*;
    use proptest::prelude::*;

    #[test]
    #[cfg_attr(miri, ignore)] // hundreds of series evaluations
    fn against_mpmath() {
        let checked = check_model(
            "pareto_nbd",
            |p| ParetoNbd::new(p[0], p[1], p[2], p[3]).unwrap(),
            &Tolerances {
                p_alive: 1e-11,
                conditional: |_, _, _| 1e-11,
                unconditional: |_, _| 1e-12,
            },
        );
        assert!(checked >= 45);
    }

    #[test]
    fn a_lapsed_one_time_buyer_has_real_risk() {
        // The published CDNOW fit (weeks). A one-time buyer's P(alive) is
        // 1 / (1 + s/(r+s) · A₀ / ((α+T)^−r (β+T)^−s)); it is 1 at T = 0 and falls with T.
        let model = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690).unwrap();
        let mut previous = 1.0 + 1e-15;
        for weeks in [0.0, 4.0, 13.0, 26.0, 52.0, 104.0] {
            let p = model
                .p_alive(&Observation::new(0.0, 0.0, weeks).unwrap())
                .unwrap();
            assert!(p < previous, "{weeks} weeks: {p}");
            previous = p;
        }
        assert!(previous < 0.5);
    }

    proptest! {
        /// The fit's `ln P(t)` (the Euler-transformed series with its derivatives) is the
        /// scoring's [`ParetoNbd::ln_p`] to rounding.
        #[test]
        #[cfg_attr(miri, ignore)] // Pareto/NBD series under Miri
        fn fit_and_scoring_agree_on_ln_p(
            (r, alpha, s, beta) in (-5.0f64..4.0, -3.0f64..5.0, -5.0f64..3.0, -3.0f64..5.0),
            (x, t) in (0u32..500, 0.0f64..2000.0),
        ) {
            let model = ParetoNbd::new(libm::exp(r), libm::exp(alpha), libm::exp(s), libm::exp(beta)).unwrap();
            if let (Ok(scoring), Ok([fit, ..])) = (model.ln_p(f64::from(x), t), model.ln_p_with_gradient(f64::from(x), t)) {
                prop_assert!((scoring - fit).abs() <= 1e-12 * scoring.abs().max(1.0), "{scoring} vs {fit}");
            }
        }

        #[test]
        #[cfg_attr(miri, ignore)] // Pareto/NBD series under Miri
        fn p_alive_is_a_probability(
            (r, alpha, s, beta) in (-5.0f64..4.0, -3.0f64..5.0, -5.0f64..3.0, -3.0f64..5.0),
            (x, share, age) in (0u32..500, 0.0f64..=1.0, 0.0f64..2000.0),
        ) {
            let model = ParetoNbd::new(libm::exp(r), libm::exp(alpha), libm::exp(s), libm::exp(beta)).unwrap();
            let customer = Observation::new(f64::from(x), if x == 0 { 0.0 } else { share * age }, age).unwrap();
            match model.p_alive(&customer) {
                Ok(p) => prop_assert!((0.0..=1.0).contains(&p)),
                Err(error) => prop_assert_eq!(error, ChurnError::NoConvergence),
            }
        }

        #[test]
        #[cfg_attr(miri, ignore)] // long series under Miri
        fn expected_purchases_grow_with_t(
            (r, alpha, s, beta) in (-5.0f64..4.0, -3.0f64..5.0, -5.0f64..3.0, -3.0f64..5.0),
            (x, share, age) in (0u32..500, 0.0f64..=1.0, 0.0f64..2000.0),
            t in 0.0f64..200.0, dt in 0.0f64..200.0,
        ) {
            let model = ParetoNbd::new(libm::exp(r), libm::exp(alpha), libm::exp(s), libm::exp(beta)).unwrap();
            let customer = Observation::new(f64::from(x), if x == 0 { 0.0 } else { share * age }, age).unwrap();
            if let (Ok(early), Ok(late)) = (model.expected_purchases(&customer, t), model.expected_purchases(&customer, t + dt)) {
                prop_assert!(early >= 0.0 && late >= early * (1.0 - MONOTONE_SLACK), "{early} then {late}");
            }
            let u0 = model.unconditional_expected_purchases(t).unwrap();
            let u1 = model.unconditional_expected_purchases(t + dt).unwrap();
            prop_assert!(u0 >= 0.0 && u1 >= u0 * (1.0 - MONOTONE_SLACK));
        }
    }
}
