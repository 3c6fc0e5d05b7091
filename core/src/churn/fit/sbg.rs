//! Fitting sBG to a cohort's survivor counts (Fader and Hardie 2007), and one fit per cohort.

use crate::churn::ChurnError;
use crate::churn::sbg::ShiftedBetaGeometric;
use crate::churn::special::{digamma, ln_beta};

use super::data::{Data, Merger, thread_count};
use super::families::Family;
use super::{FitError, FitOptions, Fitted, Solution, Unobserved, fit_family};

/// Fits sBG to one cohort's survivor counts: `survivors[0]` customers at the start (above 0),
/// `survivors[t]` of them still customers after `t` renewal opportunities (whole, never
/// increasing; at least one period after the start). Parameters `alpha, beta`.
///
/// The counts of a contractual business (cancellations are observed). For purchase histories,
/// `metrics::cohort_survival` turns lapses into such counts; `metrics::cohort_retention` (the
/// share *buying* in period k) is not survival and can rise.
///
/// Errors: [`FitError::Empty`] (no period after the start, or an empty cohort),
/// [`FitError::InvalidCount`] (NaN, infinite, negative or fractional),
/// [`FitError::SurvivorsIncrease`], [`FitError::InvalidOption`], [`FitError::NoConvergence`],
/// [`FitError::Degenerate`] (for example nobody left, or everybody did at once),
/// [`FitError::Numeric`].
pub fn fit_sbg(
    survivors: &[f64],
    options: &FitOptions,
) -> Result<Fitted<ShiftedBetaGeometric>, FitError> {
    for (period, &count) in survivors.iter().enumerate() {
        if !(count.is_finite() && count >= 0.0 && count.fract() == 0.0) {
            return Err(FitError::InvalidCount { period });
        }
    }
    let mut merger = Merger::default();
    let mut t = 0.0;
    for pair in survivors.windows(2) {
        t += 1.0;
        if let [before, after] = *pair {
            if after > before {
                return Err(FitError::SurvivorsIncrease {
                    period: period_index(t),
                });
            }
            if after < before {
                // Lost at the t-th opportunity.
                merger.add([CHURNED.to_bits(), f64::to_bits(t), 0], before - after);
            }
        }
    }
    let (Some(&first), Some(&last)) = (survivors.first(), survivors.last()) else {
        return Err(FitError::Empty);
    };
    if survivors.len() < 2 || first == 0.0 {
        return Err(FitError::Empty);
    }
    if last > 0.0 {
        merger.add([SURVIVED.to_bits(), f64::to_bits(t), 0], last);
    }
    let data = Data::from_merged(merger.rows, 1.0, thread_count(options.threads));
    let Solution {
        params,
        standard_errors,
        covariance,
        log_likelihood,
        iterations,
    } = fit_family(&SbgFamily, &data, options, &mut Unobserved)?;
    let model = match params.as_slice() {
        &[alpha, beta] => ShiftedBetaGeometric::new(alpha, beta).map_err(FitError::Numeric)?,
        _ => return Err(FitError::Numeric(ChurnError::ParameterOutOfDomain)),
    };
    Ok(Fitted {
        model,
        params,
        standard_errors,
        covariance,
        log_likelihood,
        iterations,
        distinct_rows: data.len(),
    })
}

/// The period index of a whole, non-negative `t` below 2⁵³ (a slice index).
fn period_index(t: f64) -> usize {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let period = t as usize;
    period
}

/// Row kinds (`Data::x`): customers lost at opportunity `Data::t_x`, or still on board after it.
const CHURNED: f64 = 0.0;
const SURVIVED: f64 = 1.0;

/// Why [`fit_sbg_cohorts`] failed: the cohort (its index among those given) and the error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CohortFitError {
    /// Index of the cohort in the input.
    pub cohort: usize,
    /// Its error.
    pub error: FitError,
}

impl core::fmt::Display for CohortFitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cohort {}: {}", self.cohort, self.error)
    }
}

impl std::error::Error for CohortFitError {}

/// One sBG fit per cohort (each cohort's survivor counts as [`fit_sbg`] takes them, for example
/// `metrics::cohort_survival`'s), the same options for all. Cohorts with fewer than
/// `min_periods` periods after the start are not fitted (`None`): two parameters need a few
/// periods of churn.
///
/// Errors: the first cohort whose fit fails, with its index ([`CohortFitError`]).
pub fn fit_sbg_cohorts(
    cohorts: &[&[f64]],
    min_periods: usize,
    options: &FitOptions,
) -> Result<Vec<Option<Fitted<ShiftedBetaGeometric>>>, CohortFitError> {
    cohorts
        .iter()
        .enumerate()
        .map(|(cohort, survivors)| {
            if survivors.len() <= min_periods {
                return Ok(None);
            }
            fit_sbg(survivors, options)
                .map(Some)
                .map_err(|error| CohortFitError { cohort, error })
        })
        .collect()
}

/// The sBG likelihood: rows (kind, t) with the customers as weights.
pub(super) struct SbgFamily;

impl Family for SbgFamily {
    const N: usize = 2;
    const TIME_PARAMS: &'static [usize] = &[];

    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let &[alpha, beta] = p else {
            return Err(ChurnError::ParameterOutOfDomain);
        };
        let with_grad = grad.is_some();
        let ln_ab = ln_beta(alpha, beta)?;
        let psi = |v: f64| if with_grad { digamma(v) } else { Ok(0.0) };
        let (psi_b, psi_ab) = (psi(beta)?, psi(alpha + beta)?);
        let mut total = 0.0;
        let mut g = [0.0; 2];
        for ((&kind, &t), &weight) in data.x.iter().zip(&data.t_x).zip(&data.weight) {
            let (ll, d_alpha, d_beta) = if kind == CHURNED {
                // ln P(T = t) = ln B(α+1, β+t−1) − ln B(α, β).
                let psi_abt = psi(alpha + beta + t)?;
                (
                    ln_beta(alpha + 1.0, beta + t - 1.0)? - ln_ab,
                    1.0 / alpha - psi_abt + psi_ab,
                    psi(beta + t - 1.0)? - psi_abt - psi_b + psi_ab,
                )
            } else {
                // ln S(t) = ln B(α, β+t) − ln B(α, β).
                let psi_abt = psi(alpha + beta + t)?;
                (
                    ln_beta(alpha, beta + t)? - ln_ab,
                    psi_ab - psi_abt,
                    psi(beta + t)? - psi_abt - psi_b + psi_ab,
                )
            };
            total += weight * ll;
            if with_grad {
                g[0] += weight * d_alpha;
                g[1] += weight * d_beta;
            }
        }
        if let Some(out) = grad {
            out.copy_from_slice(&g);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(name: &str) -> serde_json::Value {
        let doc: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../tests/vectors/discrete_churn.json"
        ))
        .unwrap();
        doc["sbg_fits"][name].clone()
    }

    fn num(value: &serde_json::Value) -> f64 {
        value.as_str().unwrap().parse().unwrap()
    }

    /// Fader and Hardie (2007): regular α = 0.668, β = 3.806, LL −1611.16; high end α = 0.704,
    /// β = 1.182, LL −1680.27; and the 50-digit optimum (parameters to 1e-6, standard errors
    /// to 1e-3, relative).
    #[test]
    #[cfg_attr(miri, ignore)]
    fn the_published_cohorts() {
        for (name, published, ll) in [
            ("regular", [0.668, 3.806], -1611.16),
            ("high_end", [0.704, 1.182], -1680.27),
        ] {
            let reference = reference(name);
            let survivors: Vec<f64> = reference["survivors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let fit = fit_sbg(&survivors, &FitOptions::default()).unwrap();
            eprintln!(
                "sBG {name}: {:?} LL {} SE {:?}",
                fit.params, fit.log_likelihood, fit.standard_errors
            );
            for (got, want) in fit.params.iter().zip(published) {
                assert!((got - want).abs() <= 0.0005, "{name}: {:?}", fit.params);
            }
            assert!(
                (fit.log_likelihood - ll).abs() <= 0.01,
                "{name}: {}",
                fit.log_likelihood
            );
            for (got, want) in fit
                .params
                .iter()
                .zip(reference["params"].as_array().unwrap())
            {
                assert!(
                    (got - num(want)).abs() <= 1e-6 * num(want),
                    "{name}: {got} vs {want}"
                );
            }
            let se = fit.standard_errors.unwrap();
            for (got, want) in se
                .iter()
                .zip(reference["standard_errors"].as_array().unwrap())
            {
                assert!(
                    (got - num(want)).abs() <= 1e-3 * num(want),
                    "{name}: {got} vs {want}"
                );
            }
            // The fit's log-likelihood is the model's.
            let direct = fit.model.log_likelihood(&survivors).unwrap();
            assert!((direct - fit.log_likelihood).abs() < 1e-9, "{direct}");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // optimisations
    fn bad_counts_are_errors_naming_the_period() {
        let ok = FitOptions::default();
        let fit = |s: &[f64]| fit_sbg(s, &ok).map(|f| f.params);
        assert_eq!(fit(&[]), Err(FitError::Empty));
        assert_eq!(fit(&[1000.0]), Err(FitError::Empty));
        assert_eq!(fit(&[0.0, 0.0]), Err(FitError::Empty));
        assert_eq!(
            fit(&[1000.0, 800.0, 810.0, 700.0]),
            Err(FitError::SurvivorsIncrease { period: 2 })
        );
        for bad in [f64::NAN, -1.0, f64::INFINITY, 2.5] {
            assert_eq!(
                fit(&[1000.0, 800.0, bad]),
                Err(FitError::InvalidCount { period: 2 })
            );
        }
        // Nobody leaves, or everybody leaves at once: no interior maximum.
        for survivors in [[100.0, 100.0, 100.0], [100.0, 0.0, 0.0]] {
            let result = fit(&survivors);
            assert!(
                matches!(
                    result,
                    Err(FitError::Degenerate | FitError::NoConvergence { .. })
                ),
                "{result:?}"
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // optimisations
    fn one_fit_per_cohort_names_the_failing_cohort() {
        let regular = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];
        let young = [500.0, 410.0];
        let rising = [100.0, 90.0, 95.0, 80.0];
        let fits = fit_sbg_cohorts(&[&regular, &young], 2, &FitOptions::default()).unwrap();
        assert!((fits[0].as_ref().unwrap().params[0] - 0.668).abs() < 0.0005);
        assert!(fits[1].is_none());
        assert_eq!(
            fit_sbg_cohorts(&[&regular, &rising], 2, &FitOptions::default()).unwrap_err(),
            CohortFitError {
                cohort: 1,
                error: FitError::SurvivorsIncrease { period: 2 }
            }
        );
    }
}
