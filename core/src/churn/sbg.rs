//! The shifted-beta-geometric model (sBG; Fader and Hardie 2007, "How to project customer
//! retention") for **contractual** settings, where the firm sees each customer leave: a
//! subscription, a membership, a paid loyalty plan. The retention curve a retention manager
//! tracks, projected forward, and what a customer's remaining lifetime is worth.
//!
//! At each renewal opportunity t = 1, 2, ... a customer still on board cancels with probability
//! θ ~ Beta(α, β), the same θ every time; heterogeneity in θ makes the cohort's retention rate
//! rise with tenure (the riskiest customers leave first):
//!
//! - churn in period t: `P(T = t) = B(α+1, β+t−1)/B(α, β)`;
//! - survival: `S(t) = B(α, β+t)/B(α, β)` (S(0) = 1);
//! - retention rate: `r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1)`;
//! - discounted expected lifetime of a new customer, paying now and at each renewal, with
//!   discount rate d per period (Fader and Hardie 2010, "Customer-base valuation in a
//!   contractual setting"): `DEL = Σ_{t≥0} S(t)/(1+d)^t = ₂F₁(1, β; α+β; 1/(1+d))`;
//! - discounted expected *residual* lifetime of a customer who has made `n` renewals, just
//!   before the next renewal decision: `DERL = Σ_{k≥0} S(n+1+k)/S(n)/(1+d)^k
//!   = (β+n)/(α+β+n) · ₂F₁(1, β+n+1; α+β+n+1; 1/(1+d))`.
//!
//! Multiply DEL or DERL by the margin per period for a customer's value. Fitting from a
//! cohort's survivor counts is `churn::fit::fit_sbg` (`std`).
//!
//! ```
//! use retention_core::churn::sbg::ShiftedBetaGeometric;
//! // The "regular" cohort of Fader and Hardie (2007): α = 0.668, β = 3.806.
//! let model = ShiftedBetaGeometric::new(0.668, 3.806)?;
//! assert!((model.retention_rate(1.0)? - 0.8507).abs() < 1e-4); // β/(α+β)
//! assert!(model.retention_rate(8.0)? > model.retention_rate(1.0)?);
//! // Of 1000 customers, about 491 remain after 7 years (the data: 491).
//! assert!((1000.0 * model.survival(7.0)? - 491.0).abs() < 5.0);
//! # Ok::<(), retention_core::churn::ChurnError>(())
//! ```

use super::special::{ln_beta, ln_gamma_ratio};
use super::{ChurnError, check_horizon, check_positive, finite};

/// sBG parameters: `alpha`, `beta` of the Beta distribution of the churn probability, both
/// finite and above zero.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShiftedBetaGeometric {
    alpha: f64,
    beta: f64,
}

/// A period number: finite and at least 1.
fn check_period(t: f64) -> Result<f64, ChurnError> {
    if t.is_finite() && t >= 1.0 {
        Ok(t)
    } else {
        Err(ChurnError::InvalidArgument)
    }
}

impl ShiftedBetaGeometric {
    /// The model with these parameters, or [`ChurnError::ParameterOutOfDomain`].
    pub fn new(alpha: f64, beta: f64) -> Result<ShiftedBetaGeometric, ChurnError> {
        check_positive(&[alpha, beta])?;
        Ok(ShiftedBetaGeometric { alpha, beta })
    }

    /// `[alpha, beta]`.
    #[must_use]
    pub const fn params(&self) -> [f64; 2] {
        [self.alpha, self.beta]
    }

    /// `S(t)`, the share of a cohort still on board after `t` renewal opportunities (`t`
    /// finite, ≥ 0; whole in the model, the formula extends to fractions).
    ///
    /// Errors: [`ChurnError::InvalidArgument`] for a bad `t`.
    pub fn survival(&self, t: f64) -> Result<f64, ChurnError> {
        let t = check_horizon(t)?;
        self.ln_survival(t).map(libm::exp)
    }

    /// `ln S(t) = ln Γ(β+t) − ln Γ(β) − [ln Γ(α+β+t) − ln Γ(α+β)]`.
    fn ln_survival(&self, t: f64) -> Result<f64, ChurnError> {
        let ShiftedBetaGeometric { alpha, beta } = *self;
        finite(ln_gamma_ratio(beta, t)? - ln_gamma_ratio(alpha + beta, t)?)
    }

    /// `r_t = S(t)/S(t−1)`, the share of those on board after `t − 1` opportunities who renew
    /// at the `t`-th (`t` ≥ 1).
    ///
    /// Errors: [`ChurnError::InvalidArgument`] for `t` below 1 or not finite.
    pub fn retention_rate(&self, t: f64) -> Result<f64, ChurnError> {
        let t = check_period(t)?;
        let ShiftedBetaGeometric { alpha, beta } = *self;
        finite((beta + t - 1.0) / (alpha + beta + t - 1.0))
    }

    /// `P(T = t)`, the share of a new cohort that leaves at the `t`-th opportunity (`t` ≥ 1).
    ///
    /// Errors: [`ChurnError::InvalidArgument`] for `t` below 1 or not finite.
    pub fn churn_probability(&self, t: f64) -> Result<f64, ChurnError> {
        let t = check_period(t)?;
        let ShiftedBetaGeometric { alpha, beta } = *self;
        finite(libm::exp(
            ln_beta(alpha + 1.0, beta + t - 1.0)? - ln_beta(alpha, beta)?,
        ))
    }

    /// The log-likelihood of one cohort's survivor counts: `survivors[0]` customers at the
    /// start, `survivors[t]` still on board after `t` opportunities:
    /// `Σ_{t≥1} (survivors[t−1] − survivors[t]) ln P(T = t) + survivors[last] ln S(last)`.
    ///
    /// Errors: [`ChurnError::InvalidObservation`] for a count that is NaN, infinite, negative
    /// or above the one before.
    pub fn log_likelihood(&self, survivors: &[f64]) -> Result<f64, ChurnError> {
        let mut total = 0.0;
        let mut previous: Option<f64> = None;
        let mut t = 0.0;
        for &count in survivors {
            if !(count.is_finite() && count >= 0.0) || previous.is_some_and(|p| count > p) {
                return Err(ChurnError::InvalidObservation);
            }
            if let Some(before) = previous {
                let lost = before - count;
                if lost > 0.0 {
                    total += lost * libm::log(self.churn_probability(t)?);
                }
            }
            previous = Some(count);
            t += 1.0;
        }
        if let Some(last) = previous {
            if last > 0.0 {
                total += last * self.ln_survival(t - 1.0)?;
            }
        }
        finite(total)
    }

    /// DEL: the discounted expected lifetime of a new customer, in payments (one now and one
    /// at each renewal), at discount rate `discount` per period (finite, ≥ 0; at 0 the
    /// expected lifetime `(α+β−1)/(α−1)`, finite only for α > 1).
    ///
    /// Errors: [`ChurnError::InvalidArgument`] for a bad rate; [`ChurnError::NotFinite`] when
    /// the expectation is infinite (rate 0 with α ≤ 1); [`ChurnError::NoConvergence`] when
    /// the series needs more than its term budget (a rate extremely close to 0).
    pub fn discounted_expected_lifetime(&self, discount: f64) -> Result<f64, ChurnError> {
        // The payment now, and from the first renewal on the residual lifetime after 0
        // renewals, one period later: 1 + z · β/(α+β) · F(1, β+1; α+β+1; z) = F(1, β; α+β; z).
        let ShiftedBetaGeometric { alpha, beta } = *self;
        let later = beta / (alpha + beta) * self.residual_series(discount, beta + 1.0)?;
        finite(1.0 + later / (1.0 + discount))
    }

    /// DERL: the discounted expected residual lifetime, in payments, of a customer who has
    /// made `renewals` renewals (whole, ≥ 0), just before the next renewal decision (that
    /// payment counts undiscounted, if it comes), at discount rate `discount` per period
    /// (finite, ≥ 0; at 0 the expected residual lifetime `(β+n)/(α−1)`, finite only for
    /// α > 1). Times the margin per period, the customer's residual value.
    ///
    /// Errors: as [`ShiftedBetaGeometric::discounted_expected_lifetime`], and
    /// [`ChurnError::InvalidArgument`] for `renewals` negative, fractional or not finite.
    pub fn discounted_expected_residual_lifetime(
        &self,
        discount: f64,
        renewals: f64,
    ) -> Result<f64, ChurnError> {
        let n = check_horizon(renewals)?;
        if !super::whole(n) {
            return Err(ChurnError::InvalidArgument);
        }
        let ShiftedBetaGeometric { alpha, beta } = *self;
        finite((beta + n) / (alpha + beta + n) * self.residual_series(discount, beta + n + 1.0)?)
    }

    /// `₂F₁(1, b; α + b; 1/(1+d))`, the discounted sum `Σ_k (b)_k/(α+b)_k z^k`; at d = 0 its
    /// value at 1, `(α+b−1)/(α−1)` (Gauss), for α > 1.
    fn residual_series(&self, discount: f64, b: f64) -> Result<f64, ChurnError> {
        if !(discount.is_finite() && discount >= 0.0) {
            return Err(ChurnError::InvalidArgument);
        }
        let alpha = self.alpha;
        if discount == 0.0 {
            return if alpha > 1.0 {
                finite((alpha + b - 1.0) / (alpha - 1.0))
            } else {
                Err(ChurnError::NotFinite)
            };
        }
        let z = 1.0 / (1.0 + discount);
        let value = super::special::hyp2f1(1.0, b, alpha + b, z)?;
        finite(value.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/vectors/discrete_churn.json")).unwrap()
    }

    fn num(value: &serde_json::Value) -> f64 {
        value.as_str().unwrap().parse().unwrap()
    }

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs()
    }

    #[test]
    #[cfg_attr(miri, ignore)] // series of thousands of terms
    fn against_mpmath() {
        let doc = doc();
        for case in doc["sbg"].as_array().unwrap() {
            let p: Vec<f64> = case["params"].as_array().unwrap().iter().map(num).collect();
            let model = ShiftedBetaGeometric::new(p[0], p[1]).unwrap();
            for (t, want) in case["survival"].as_array().unwrap().iter().enumerate() {
                let got = model.survival(t as f64).unwrap();
                assert!(close(got, num(want), 1e-13), "{p:?} S({t}) {got}");
            }
            for (k, want) in case["retention_rate"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                let got = model.retention_rate(k as f64 + 1.0).unwrap();
                assert!(close(got, num(want), 1e-14), "{p:?} r({}) {got}", k + 1);
            }
            for (k, want) in case["churn_probability"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                let got = model.churn_probability(k as f64 + 1.0).unwrap();
                assert!(close(got, num(want), 1e-13), "{p:?} P(T={}) {got}", k + 1);
            }
            for discounted in case["discounted"].as_array().unwrap() {
                let d = num(&discounted["discount"]);
                let got = model.discounted_expected_lifetime(d).unwrap();
                let want = num(&discounted["del"]);
                assert!(close(got, want, 1e-12), "{p:?} DEL({d}) {got} vs {want}");
                for (n, want) in discounted["derl"].as_object().unwrap() {
                    let n: f64 = n.parse().unwrap();
                    let got = model.discounted_expected_residual_lifetime(d, n).unwrap();
                    assert!(
                        close(got, num(want), 1e-12),
                        "{p:?} DERL({d}, {n}) {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn log_likelihood_of_the_published_cohorts() {
        // Fader and Hardie (2007): the regular cohort at its published fit, LL −1611.16 (the
        // 50-digit reference at the exact optimum is −1611.158; at the rounded published
        // parameters it is within 0.01 of it).
        let regular = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];
        let model = ShiftedBetaGeometric::new(0.668, 3.806).unwrap();
        let ll = model.log_likelihood(&regular).unwrap();
        assert!((ll - -1611.16).abs() < 0.01, "{ll}");
        let high_end = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
        let model = ShiftedBetaGeometric::new(0.704, 1.182).unwrap();
        let ll = model.log_likelihood(&high_end).unwrap();
        assert!((ll - -1680.27).abs() < 0.01, "{ll}");
    }

    #[test]
    fn worked_values_and_limits() {
        // α = β = 1: θ uniform. S(t) = 1/(t+1); r_t = t/(t+1); P(T = t) = 1/(t(t+1)).
        let model = ShiftedBetaGeometric::new(1.0, 1.0).unwrap();
        assert!((model.survival(3.0).unwrap() - 0.25).abs() < 1e-15);
        assert!((model.retention_rate(3.0).unwrap() - 0.75).abs() < 1e-15);
        assert!((model.churn_probability(3.0).unwrap() - 1.0 / 12.0).abs() < 1e-15);
        // Undiscounted with α ≤ 1: an infinite expected lifetime.
        assert_eq!(
            model.discounted_expected_lifetime(0.0),
            Err(ChurnError::NotFinite)
        );
        // α = 3, β = 2, undiscounted: DEL = (α+β−1)/(α−1) = 2; DERL after 2 renewals
        // (β+n)/(α−1) = 2.
        let model = ShiftedBetaGeometric::new(3.0, 2.0).unwrap();
        assert!((model.discounted_expected_lifetime(0.0).unwrap() - 2.0).abs() < 1e-15);
        assert!(
            (model
                .discounted_expected_residual_lifetime(0.0, 2.0)
                .unwrap()
                - 2.0)
                .abs()
                < 1e-15
        );
        for bad in [f64::NAN, -0.1, f64::INFINITY] {
            assert_eq!(
                model.discounted_expected_lifetime(bad),
                Err(ChurnError::InvalidArgument)
            );
        }
        assert_eq!(
            model.discounted_expected_residual_lifetime(0.1, 1.5),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(model.retention_rate(0.0), Err(ChurnError::InvalidArgument));
        assert_eq!(model.survival(-1.0), Err(ChurnError::InvalidArgument));
        assert_eq!(
            model.log_likelihood(&[10.0, 11.0]),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            ShiftedBetaGeometric::new(f64::NAN, 1.0),
            Err(ChurnError::ParameterOutOfDomain)
        );
    }
}
