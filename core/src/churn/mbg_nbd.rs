//! The MBG/NBD model (Batislam, Denizel and Filiztekin 2007): BG/NBD with one more chance to
//! drop out, at time zero, so that a one-time buyer can be gone too. lifetimes'
//! `ModifiedBetaGeoFitter`.
//!
//! P(alive) falls with the time since the last purchase for every customer, one-time buyers
//! included; a customer who has just bought still has P(alive) = `(b + x)/(a + b + x)` (they may
//! drop out right after any purchase).
//!
//! ```
//! use retention_core::churn::{mbg_nbd::ModifiedBgNbd, Observation, TransactionModel};
//! let model = ModifiedBgNbd::new(0.525, 6.183, 0.891, 1.614)?;
//! // A one-time buyer whose only purchase was 38.86 weeks ago, and one who bought last week.
//! let lapsed = model.p_alive(&Observation::new(0.0, 0.0, 38.86)?)?;
//! let recent = model.p_alive(&Observation::new(0.0, 0.0, 1.0)?)?;
//! assert!(lapsed < recent && recent < 1.0);
//! # Ok::<(), retention_core::churn::ChurnError>(())
//! ```

use super::bg_nbd::beta_geometric_expectation;
#[cfg(feature = "std")]
use super::bg_nbd::forward_expectations;
use super::math;
#[cfg(feature = "std")]
use super::special::LANES;
use super::special::{ln_add_exp, ln_gamma_ratio, logistic_neg};
use super::{ChurnError, Observation, TransactionModel, check_horizon, check_positive, finite};

/// MBG/NBD parameters: `r`, `alpha` (purchase rate Gamma; `alpha` in time units) and `a`, `b`
/// (dropout probability Beta), all finite and above zero.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModifiedBgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl ModifiedBgNbd {
    /// The model with these parameters, or [`ChurnError::ParameterOutOfDomain`].
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<ModifiedBgNbd, ChurnError> {
        check_positive(&[r, alpha, a, b])?;
        Ok(ModifiedBgNbd { r, alpha, a, b })
    }

    /// `[r, alpha, a, b]`, lifetimes' order.
    #[must_use]
    pub const fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// `ln[a/(b+x)] + (r+x) ln((α+T)/(α+tₓ))`: P(alive) is `1/(1 + e^this)`.
    fn ln_dead_odds(&self, customer: &Observation) -> f64 {
        self.ln_dead_odds_row(customer.frequency(), customer.recency(), customer.age())
    }

    /// [`ModifiedBgNbd::ln_dead_odds`] of a valid `(x, tₓ, T)`, inline for the batch loop.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn ln_dead_odds_row(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        let gap = (big_t - t_x) / (alpha + t_x);
        math::ln_inline(a) - math::ln_inline(b + x) + (r + x) * math::ln_1p_inline(gap)
    }
}

impl ModifiedBgNbd {
    /// Expected purchases in the next `t` of a customer alive at age T with x repeat purchases:
    /// a new customer with parameters (r + x, α + T) and dropout odds updated by x.
    fn forward(&self, x: f64, age: f64, t: f64) -> Result<f64, ChurnError> {
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        beta_geometric_expectation(r + x, alpha + age, a, a + b + x, t)
    }
}

impl TransactionModel for ModifiedBgNbd {
    fn log_likelihood(&self, customer: &Observation) -> Result<f64, ChurnError> {
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        let (x, big_t) = (customer.frequency(), customer.age());
        // ln[Γ(r+x) αʳ/Γ(r)] + ln[B(a, b+x+1)/B(a, b)] − (r+x) ln(α+T) + ln(1 + e^A₄)
        let a1 = ln_gamma_ratio(r, x)? + r * math::ln(alpha);
        let a2 = ln_gamma_ratio(b, x + 1.0)? - ln_gamma_ratio(a + b, x + 1.0)?;
        let a3 = -(r + x) * math::ln(alpha + big_t);
        finite(a1 + a2 + a3 + ln_add_exp(0.0, self.ln_dead_odds(customer)))
    }

    fn p_alive(&self, customer: &Observation) -> Result<f64, ChurnError> {
        finite(logistic_neg(self.ln_dead_odds(customer)))
    }

    #[cfg(feature = "std")]
    fn p_alive_columns(
        &self,
        x: &[f64],
        t_x: &[f64],
        age: &[f64],
        out: &mut [f64],
    ) -> Option<bool> {
        Some(super::p_alive_loop(x, t_x, age, out, |x, t_x, big_t| {
            logistic_neg(self.ln_dead_odds_row(x, t_x, big_t))
        }))
    }

    fn expected_purchases(&self, customer: &Observation, t: f64) -> Result<f64, ChurnError> {
        let t = check_horizon(t)?;
        let x = customer.frequency();
        // Alive at T, the customer continues with (r + x, α + T) and dropout Beta(a, b + x):
        // E = P(alive) · (a+b+x)/(a−1) [1 − ((α+T)/(α+T+t))^(r+x) F(r+x, b+x+1; a+b+x; z)].
        let alive = self.p_alive(customer)?;
        let forward = self.forward(x, customer.age(), t)?;
        finite(alive * forward)
    }

    fn unconditional_expected_purchases(&self, t: f64) -> Result<f64, ChurnError> {
        let t = check_horizon(t)?;
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        // b/(a−1) [1 − (α/(α+t))ʳ F(r, b+1; a+b; t/(α+t))] = b/(a+b) · the alive-forward value.
        let forward = beta_geometric_expectation(r, alpha, a, a + b, t)?;
        finite(b / (a + b) * forward)
    }

    fn alive_forward(&self, frequency: f64, age: f64, t: f64) -> Result<Option<f64>, ChurnError> {
        self.forward(frequency, age, check_horizon(t)?).map(Some)
    }

    #[cfg(feature = "std")]
    fn alive_forwards(
        &self,
        frequency: f64,
        age: &[f64; LANES],
        t: &[f64; LANES],
        active: &[bool; LANES],
        out: &mut [Result<f64, ChurnError>; LANES],
    ) -> bool {
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        let x = frequency;
        forward_expectations(r + x, alpha, a, a + b + x, age, t, active, out);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{BETA_GEOMETRIC, MONOTONE_SLACK, check_model};
    use super::*;
    use proptest::prelude::*;

    #[test]
    #[cfg_attr(miri, ignore)] // hundreds of series evaluations
    fn against_mpmath() {
        let checked = check_model(
            "mbg_nbd",
            |p| ModifiedBgNbd::new(p[0], p[1], p[2], p[3]).unwrap(),
            &BETA_GEOMETRIC,
        );
        assert!(checked >= 27);
    }

    #[test]
    fn a_lapsed_one_time_buyer_has_real_risk() {
        // Worked: x = 0, tₓ = 0, T = 26 weeks, r = 0.525, α = 6.183, a = 0.891, b = 1.614:
        // odds a/b · ((α+T)/α)^r = 0.55204 · (32.183/6.183)^0.525 = 0.55204 · 2.3776 = 1.3125,
        // P(alive) = 1/(1 + 1.3125) = 0.4324.
        let model = ModifiedBgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
        let lapsed = Observation::new(0.0, 0.0, 26.0).unwrap();
        let p = model.p_alive(&lapsed).unwrap();
        assert!((p - 0.4324).abs() < 1e-4, "{p}");
    }

    proptest! {
        #[test]
        fn p_alive_is_a_probability(
            (r, alpha, a, b) in (-6.0f64..4.0, -3.0f64..5.0, -4.0f64..3.0, -3.0f64..5.0),
            (x, share, age) in (0u32..500, 0.0f64..=1.0, 0.0f64..2000.0),
        ) {
            let model = ModifiedBgNbd::new(libm::exp(r), libm::exp(alpha), libm::exp(a), libm::exp(b)).unwrap();
            let customer = Observation::new(f64::from(x), if x == 0 { 0.0 } else { share * age }, age).unwrap();
            let p = model.p_alive(&customer).unwrap();
            prop_assert!((0.0..=1.0).contains(&p));
        }

        #[test]
        #[cfg_attr(miri, ignore)] // long series under Miri
        fn expected_purchases_grow_with_t(
            (r, alpha, a, b) in (-6.0f64..4.0, -3.0f64..5.0, -4.0f64..3.0, -3.0f64..5.0),
            (x, share, age) in (0u32..500, 0.0f64..=1.0, 0.0f64..2000.0),
            t in 0.0f64..200.0, dt in 0.0f64..200.0,
        ) {
            let model = ModifiedBgNbd::new(libm::exp(r), libm::exp(alpha), libm::exp(a), libm::exp(b)).unwrap();
            let customer = Observation::new(f64::from(x), if x == 0 { 0.0 } else { share * age }, age).unwrap();
            for (early, late) in [
                (model.expected_purchases(&customer, t), model.expected_purchases(&customer, t + dt)),
                (model.unconditional_expected_purchases(t), model.unconditional_expected_purchases(t + dt)),
            ] {
                match (early, late) {
                    (Ok(early), Ok(late)) => {
                        prop_assert!(early >= 0.0);
                        prop_assert!(late >= early * (1.0 - MONOTONE_SLACK), "{early} then {late}");
                    }
                    // Only arguments very close to 1 may exhaust the term budget.
                    (e1, e2) => prop_assert!(
                        [e1, e2].iter().all(|e| matches!(e, Ok(_) | Err(ChurnError::NoConvergence))),
                        "{e1:?} {e2:?}"
                    ),
                }
            }
        }
    }
}
