//! The Gamma-Gamma spend model (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader and Hardie's
//! note 025): a customer's purchase amounts are Gamma(p, ν), with ν ~ Gamma(q, γ) across
//! customers. lifetimes' `GammaGammaFitter`, whose scale γ is called `v`.
//!
//! Fitted on the repeat buyers' mean spend z̄ and frequency x; the amounts are in the unit they
//! were fitted in (the model blob records how many minor units that is).
//!
//! ```
//! use retention_core::churn::gamma_gamma::GammaGamma;
//! // Fader & Hardie's CDNOW fit: a customer with x = 2 and z̄ = 22.35 is expected to spend 24.66.
//! let model = GammaGamma::new(6.2498, 3.7443, 15.4447)?;
//! assert!((model.expected_spend(2.0, 22.35)? - 24.659).abs() < 5e-4);
//! # Ok::<(), retention_core::churn::ChurnError>(())
//! ```

use super::math;
use super::special::{ln_gamma, ln_gamma_ratio};
use super::{ChurnError, check_positive, finite};

/// Gamma-Gamma parameters `p`, `q`, `v` (γ; in money units), all finite and above zero.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GammaGamma {
    p: f64,
    q: f64,
    v: f64,
}

fn check_customer(frequency: f64, mean_spend: f64) -> Result<(), ChurnError> {
    let valid = |v: f64| v.is_finite() && v >= 0.0;
    if !valid(frequency) || libm::floor(frequency) != frequency {
        return Err(ChurnError::InvalidObservation);
    }
    if !valid(mean_spend) {
        return Err(ChurnError::InvalidArgument);
    }
    Ok(())
}

impl GammaGamma {
    /// The model with these parameters, or [`ChurnError::ParameterOutOfDomain`].
    pub fn new(p: f64, q: f64, v: f64) -> Result<GammaGamma, ChurnError> {
        check_positive(&[p, q, v])?;
        Ok(GammaGamma { p, q, v })
    }

    /// `[p, q, v]`, lifetimes' order.
    #[must_use]
    pub const fn params(&self) -> [f64; 3] {
        [self.p, self.q, self.v]
    }

    /// The log-likelihood of a repeat buyer's mean spend `mean_spend` (z̄ > 0) over `frequency`
    /// (x ≥ 1) repeat purchases:
    /// `ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln z̄ + px ln x − (px+q) ln(x z̄ + v)`.
    ///
    /// Errors: [`ChurnError::InvalidObservation`] for a frequency that is not a whole number ≥ 1,
    /// [`ChurnError::InvalidArgument`] for a spend that is not finite and above zero.
    pub fn log_likelihood(&self, frequency: f64, mean_spend: f64) -> Result<f64, ChurnError> {
        check_customer(frequency, mean_spend)?;
        if frequency < 1.0 {
            return Err(ChurnError::InvalidObservation);
        }
        if mean_spend <= 0.0 {
            return Err(ChurnError::InvalidArgument);
        }
        let GammaGamma { p, q, v } = *self;
        let px = p * frequency;
        let total = frequency * mean_spend;
        // (px−1) ln z̄ + px ln x − (px+q) ln(x z̄ + v) = −px ln(1 + v/(x z̄)) − ln z̄ − q ln(x z̄ + v),
        // without the cancellation of large terms when px is large.
        finite(
            ln_gamma_ratio(px, q)? - ln_gamma(q)? + q * math::ln(v)
                - px * math::ln_1p(v / total)
                - math::ln(mean_spend)
                - q * math::ln(total + v),
        )
    }

    /// The expected mean spend per purchase of a customer with `frequency` repeat purchases of
    /// mean `mean_spend`: `p (v + x z̄) / (p x + q − 1)`; for x = 0 the population mean
    /// `p v / (q − 1)`. In the unit the model was fitted in.
    ///
    /// Errors: [`ChurnError::InvalidObservation`], [`ChurnError::InvalidArgument`];
    /// [`ChurnError::ParameterOutOfDomain`] when `p x + q ≤ 1` (the mean does not exist: `q`
    /// must exceed 1 for new customers).
    pub fn expected_spend(&self, frequency: f64, mean_spend: f64) -> Result<f64, ChurnError> {
        check_customer(frequency, mean_spend)?;
        let GammaGamma { p, q, v } = *self;
        let denominator = p * frequency + q - 1.0;
        if denominator <= 0.0 {
            return Err(ChurnError::ParameterOutOfDomain);
        }
        finite(p * (v + frequency * mean_spend) / denominator)
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{close, doc, num};
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore)] // hundreds of series evaluations
    fn against_mpmath() {
        let doc = doc();
        let mut checked = 0;
        for case in doc["gamma_gamma"].as_array().unwrap() {
            let p: Vec<f64> = case["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().parse().unwrap())
                .collect();
            let model = GammaGamma::new(p[0], p[1], p[2]).unwrap();
            let (x, m) = (num(&case["x"]), num(&case["mean_spend"]));
            let ll = model.log_likelihood(x, m).unwrap();
            assert!(
                close(ll, num(&case["log_likelihood"]), 1e-12),
                "{p:?} {x} {m}: {ll}"
            );
            let spend = model.expected_spend(x, m).unwrap();
            assert!(
                close(spend, num(&case["expected_spend"]), 1e-14),
                "{p:?} {x} {m}: {spend}"
            );
            checked += 1;
        }
        assert_eq!(checked, 12);
    }

    #[test]
    fn published_expected_spend() {
        // p(v + x z̄)/(px + q − 1) = 6.2498 (15.4447 + 44.70) / (12.4996 + 2.7443) = 24.659.
        let model = GammaGamma::new(6.2498, 3.7443, 15.4447).unwrap();
        assert!((model.expected_spend(2.0, 22.35).unwrap() - 24.659).abs() < 5e-4);
        // A new customer: the population mean p v/(q − 1) = 96.526/2.7443 = 35.17.
        assert!((model.expected_spend(0.0, 0.0).unwrap() - 35.174).abs() < 1e-3);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(
            GammaGamma::new(1.0, 0.0, 1.0),
            Err(ChurnError::ParameterOutOfDomain)
        );
        let model = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        assert_eq!(
            model.log_likelihood(0.0, 10.0),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            model.log_likelihood(1.0, 0.0),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            model.log_likelihood(1.5, 10.0),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            model.expected_spend(1.0, f64::NAN),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            model.expected_spend(1.0, -2.0),
            Err(ChurnError::InvalidArgument)
        );
        let heavy_tailed = GammaGamma::new(1.0, 0.5, 10.0).unwrap();
        assert_eq!(
            heavy_tailed.expected_spend(0.0, 0.0),
            Err(ChurnError::ParameterOutOfDomain)
        );
    }
}
