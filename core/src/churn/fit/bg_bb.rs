//! Fitting BG/BB (lifetimes' `BetaGeoBetaBinomFitter.fit`): rows of (frequency, recency,
//! n_periods) with weights, the likelihood and its exact gradient.
//!
//! The likelihood's sum over the opportunities after the last purchase depends on (x, t_x) and
//! its length n − t_x: the rows are sorted by (x, t_x, n), so the rows of one (x, t_x) share one
//! running sum, extended as n grows (a cohort observed over many different n costs one pass per
//! (x, t_x), not one per row). The gradient's digamma terms along the sum follow from
//! ψ(z + 1) = ψ(z) + 1/z.

use crate::churn::bg_bb::{BetaGeoBetaBinom, Opportunities};
use crate::churn::special::{digamma, ln_add_exp, ln_beta, logistic_neg};
use crate::churn::{ChurnError, Observation};

use super::data::{Data, Merger, thread_count};
use super::families::{Family, params4};
use super::{FitError, FitOptions, Fitted, Observer, Solution, Unobserved, fit_family};

/// Fits BG/BB to the columns `frequency` (x), `recency` (t_x) and `n_periods` (n), lifetimes'
/// names, with optional row `weights` (lifetimes' `weights`: customers per row, as in the
/// donation data's 22 patterns). Each row needs whole `0 ≤ x ≤ t_x ≤ n ≤`
/// [`MAX_BG_BB_PERIODS`](crate::churn::bg_bb::MAX_BG_BB_PERIODS), t_x = 0 when x = 0.
/// Parameters in lifetimes' order `alpha, beta, gamma, delta`; no time scaling (the model
/// counts opportunities).
///
/// Errors: [`FitError::LengthMismatch`], [`FitError::Empty`], [`FitError::Row`] (with
/// [`ChurnError::InvalidObservation`], [`ChurnError::RecencyAfterAge`],
/// [`ChurnError::RecencyWithoutRepeat`], [`ChurnError::FrequencyAboveRecency`] or
/// [`ChurnError::TooManyPeriods`]), [`FitError::InvalidWeight`], [`FitError::InvalidOption`],
/// [`FitError::NoConvergence`], [`FitError::Degenerate`], [`FitError::Numeric`].
pub fn fit_bg_bb(
    frequency: &[f64],
    recency: &[f64],
    n_periods: &[f64],
    weights: Option<&[f64]>,
    options: &FitOptions,
) -> Result<Fitted<BetaGeoBetaBinom>, FitError> {
    fit_bg_bb_observed(
        frequency,
        recency,
        n_periods,
        weights,
        options,
        &mut Unobserved,
    )
}

/// [`fit_bg_bb`] with an `observer` that sees every iteration (and may stop the fit:
/// [`FitError::Interrupted`]).
pub(crate) fn fit_bg_bb_observed(
    frequency: &[f64],
    recency: &[f64],
    n_periods: &[f64],
    weights: Option<&[f64]>,
    options: &FitOptions,
    observer: &mut dyn Observer,
) -> Result<Fitted<BetaGeoBetaBinom>, FitError> {
    let n = frequency.len();
    if recency.len() != n || n_periods.len() != n || weights.is_some_and(|w| w.len() != n) {
        return Err(FitError::LengthMismatch);
    }
    if n == 0 {
        return Err(FitError::Empty);
    }
    let mut merger = Merger::default();
    let columns = frequency.iter().zip(recency).zip(n_periods).enumerate();
    for (index, ((&x, &t_x), &periods)) in columns {
        let customer = Observation::new(x, t_x, periods)
            .and_then(|customer| Opportunities::of(&customer))
            .map_err(|error| FitError::Row { index, error })?;
        let weight = weights.and_then(|w| w.get(index)).copied().unwrap_or(1.0);
        if !(weight.is_finite() && weight > 0.0) {
            return Err(FitError::InvalidWeight { index });
        }
        // +0.0 for −0.0, so that equal values have equal bits.
        let bits = |v: f64| (v + 0.0).to_bits();
        merger.add(
            [bits(customer.x), bits(customer.t_x), bits(customer.n)],
            weight,
        );
    }
    // Sorted by (x, t_x, n) (non-negative floats sort like their bits): the likelihood's
    // running sums need n ascending within each (x, t_x); the grouping by x keeps this order.
    let mut rows = merger.rows;
    rows.sort_unstable_by_key(|(key, _)| *key);
    let data = Data::from_merged(rows, 1.0, thread_count(options.threads));
    let Solution {
        params,
        standard_errors,
        covariance,
        log_likelihood,
        iterations,
    } = fit_family(&BgBbFamily, &data, options, observer)?;
    let [alpha, beta, gamma, delta] = params4(&params).map_err(FitError::Numeric)?;
    Ok(Fitted {
        model: BetaGeoBetaBinom::new(alpha, beta, gamma, delta).map_err(FitError::Numeric)?,
        params,
        standard_errors,
        covariance,
        log_likelihood,
        iterations,
        distinct_rows: data.len(),
    })
}

/// The BG/BB likelihood over rows (x, t_x, n) = (`Data::x`, `Data::t_x`, `Data::big_t`),
/// sorted by (x, t_x, n).
pub(super) struct BgBbFamily;

/// The running sum of one (x, t_x): `Σ_{i<terms} Tᵢ/T₀` and, for the gradient, the same sum
/// weighted by the four digammas that vary along it.
struct Running {
    x: f64,
    t_x: f64,
    /// `ln T₀`, the first term of the sum (with its beta-function constants).
    ln_first: f64,
    /// Terms summed so far.
    terms: f64,
    /// The next term, relative to the first.
    term: f64,
    sum: f64,
    /// Σ (Tᵢ/T₀) ψ(·) of ψ(α+β+t_x+i), ψ(β+t_x−x+i), ψ(γ+δ+1+t_x+i), ψ(δ+t_x+i).
    weighted: [f64; 4],
    /// Those four digammas at the next term.
    psi: [f64; 4],
    /// Their arguments at the next term (also the ratios' numerators and denominators).
    args: [f64; 4],
}

impl Running {
    fn new(
        x: f64,
        t_x: f64,
        p: [f64; 4],
        base: f64,
        with_grad: bool,
    ) -> Result<Running, ChurnError> {
        let [alpha, beta, gamma, delta] = p;
        let args = [
            alpha + beta + t_x,
            beta + t_x - x,
            gamma + delta + 1.0 + t_x,
            delta + t_x,
        ];
        let psi = if with_grad {
            let [a0, a1, a2, a3] = args;
            [digamma(a0)?, digamma(a1)?, digamma(a2)?, digamma(a3)?]
        } else {
            [0.0; 4]
        };
        let ln_first =
            ln_beta(alpha + x, beta + t_x - x)? + ln_beta(gamma + 1.0, delta + t_x)? - base;
        Ok(Running {
            x,
            t_x,
            ln_first,
            terms: 0.0,
            term: 1.0,
            sum: 0.0,
            weighted: [0.0; 4],
            psi,
            args,
        })
    }

    /// Extends the sum to `terms` terms (never fewer than it has).
    fn extend_to(&mut self, terms: f64, with_grad: bool) {
        while self.terms < terms {
            self.sum += self.term;
            if with_grad {
                for (w, psi) in self.weighted.iter_mut().zip(self.psi) {
                    *w += self.term * psi;
                }
            }
            let [total, buy, stay_total, stay] = self.args;
            self.term *= (buy / total) * (stay / stay_total);
            if with_grad {
                for (psi, arg) in self.psi.iter_mut().zip(self.args) {
                    *psi += 1.0 / arg;
                }
            }
            for arg in &mut self.args {
                *arg += 1.0;
            }
            self.terms += 1.0;
        }
    }
}

impl Family for BgBbFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[];

    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let params = params4(p)?;
        let [alpha, beta, gamma, delta] = params;
        let with_grad = grad.is_some();
        let base = ln_beta(alpha, beta)? + ln_beta(gamma, delta)?;
        let psi = |v: f64| if with_grad { digamma(v) } else { Ok(0.0) };
        let (psi_a, psi_b, psi_ab) = (psi(alpha)?, psi(beta)?, psi(alpha + beta)?);
        let (psi_g, psi_d, psi_gd, psi_g1) = (
            psi(gamma)?,
            psi(delta)?,
            psi(gamma + delta)?,
            psi(gamma + 1.0)?,
        );
        let mut total = 0.0;
        let mut g = [0.0; 4];
        let mut running: Option<Running> = None;
        let rows = data
            .x
            .iter()
            .zip(&data.t_x)
            .zip(&data.big_t)
            .zip(&data.weight);
        for (((&x, &t_x), &n), &weight) in rows {
            let state = match running.take() {
                Some(state) if state.x == x && state.t_x == t_x => state,
                _ => Running::new(x, t_x, params, base, with_grad)?,
            };
            let state = running.insert(state);
            state.extend_to(n - t_x, with_grad);
            let ln_a = ln_beta(alpha + x, beta + n - x)? + ln_beta(gamma, delta + n)? - base;
            let (ll, weight_s) = if state.sum > 0.0 {
                let ln_s = state.ln_first + state.sum.ln();
                (ln_add_exp(ln_a, ln_s), logistic_neg(ln_a - ln_s))
            } else {
                (ln_a, 0.0)
            };
            total += weight * ll;
            if with_grad {
                let weight_a = 1.0 - weight_s;
                let (psi_abn, psi_gdn) = (digamma(alpha + beta + n)?, digamma(gamma + delta + n)?);
                let psi_ax = digamma(alpha + x)?;
                let from_a = [
                    psi_ax - psi_abn - psi_a + psi_ab,
                    digamma(beta + n - x)? - psi_abn - psi_b + psi_ab,
                    psi_gd - psi_gdn,
                    digamma(delta + n)? - psi_gdn - psi_d + psi_gd,
                ];
                let from_s = if state.sum > 0.0 {
                    let [w_ab, w_b, w_gd, w_d] = state.weighted.map(|w| w / state.sum);
                    [
                        psi_ax - psi_a + psi_ab - w_ab,
                        w_b - w_ab - psi_b + psi_ab,
                        psi_g1 - psi_g + psi_gd - w_gd,
                        w_d - w_gd - psi_d + psi_gd,
                    ]
                } else {
                    [0.0; 4]
                };
                for ((g, a), s) in g.iter_mut().zip(from_a).zip(from_s) {
                    *g += weight * (weight_a * a + weight_s * s);
                }
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
    use crate::churn::TransactionModel;

    /// `data/donations/donations.csv`: (frequency, recency, periods, weights).
    fn donations() -> Vec<[f64; 4]> {
        include_str!("../../../../data/donations/donations.csv")
            .lines()
            .skip(1)
            .map(|line| {
                let v: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
                [v[0], v[1], v[2], v[3]]
            })
            .collect()
    }

    fn columns(rows: &[[f64; 4]]) -> [Vec<f64>; 4] {
        [0, 1, 2, 3].map(|k| rows.iter().map(|r| r[k]).collect())
    }

    fn reference() -> serde_json::Value {
        let doc: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../tests/vectors/discrete_churn.json"
        ))
        .unwrap();
        doc["bg_bb_donations"].clone()
    }

    fn num(value: &serde_json::Value) -> f64 {
        value.as_str().unwrap().parse().unwrap()
    }

    /// Fader, Hardie and Shang (2010) on the donation data: α = 1.204, β = 0.750, γ = 0.657,
    /// δ = 2.783, LL −33,225.6; Table 6; Hardie's spreadsheet totals (data/donations/README.md).
    #[test]
    #[cfg_attr(miri, ignore)]
    fn donations_reproduce_the_paper() {
        let [x, t_x, n, w] = columns(&donations());
        let fit = fit_bg_bb(&x, &t_x, &n, Some(&w), &FitOptions::default()).unwrap();
        eprintln!(
            "BG/BB on the donations: {:?} LL {} SE {:?} in {} iterations",
            fit.params, fit.log_likelihood, fit.standard_errors, fit.iterations
        );
        for (got, want) in fit.params.iter().zip([1.204, 0.750, 0.657, 2.783]) {
            assert!((got - want).abs() <= 0.001, "{:?}", fit.params);
        }
        assert!(
            (fit.log_likelihood - -33_225.6).abs() <= 0.1,
            "{}",
            fit.log_likelihood
        );
        // And against the 50-digit optimum: parameters to 1e-6, LL to 1e-6, standard errors
        // (forward differences of the gradient) to 1e-3, relative.
        let reference = reference();
        for (got, want) in fit
            .params
            .iter()
            .zip(reference["params"].as_array().unwrap())
        {
            assert!(
                (got - num(want)).abs() <= 1e-6 * num(want),
                "{got} vs {want}"
            );
        }
        assert!((fit.log_likelihood - num(&reference["log_likelihood"])).abs() < 1e-6);
        let se = fit.standard_errors.clone().unwrap();
        for (got, want) in se
            .iter()
            .zip(reference["standard_errors"].as_array().unwrap())
        {
            assert!(
                (got - num(want)).abs() <= 1e-3 * num(want),
                "{got} vs {want}"
            );
        }
        // Table 6: P(alive in 2002) 0.11, 0.59, 0.93.
        let model = fit.model;
        for (x, t_x, want) in [(0.0, 0.0, 0.11), (2.0, 4.0, 0.59), (6.0, 6.0, 0.93)] {
            let p = model
                .p_alive(&Observation::new(x, t_x, 6.0).unwrap())
                .unwrap();
            assert!((p - want).abs() < 0.005, "{p}");
        }
        // Expected donations 2002–2006 of every donor given their history: 12,884.2.
        let total: f64 = donations()
            .iter()
            .map(|[x, t_x, n, w]| {
                let customer = Observation::new(*x, *t_x, *n).unwrap();
                w * model.expected_purchases(&customer, 5.0).unwrap()
            })
            .sum();
        assert!((total - 12_884.2).abs() < 0.05, "{total}");
        // In-sample fit: donors with 0 and 6 repeat donations expected 3,454.9 and 1,253.1.
        let donors: f64 = w.iter().sum();
        assert_eq!(donors, 11_104.0);
        let zero = donors * model.probability_of_purchases(0.0, 6.0).unwrap();
        let six = donors * model.probability_of_purchases(6.0, 6.0).unwrap();
        assert!((zero - 3_454.9).abs() < 0.05, "{zero}");
        assert!((six - 1_253.1).abs() < 0.05, "{six}");
    }

    /// The fit's summed likelihood is the model's, and its gradient the likelihood's slope
    /// (central differences), on rows of many (x, t_x, n), several n per (x, t_x).
    #[test]
    #[cfg_attr(miri, ignore)]
    fn likelihood_and_gradient_agree_with_the_model() {
        let mut keyed = Merger::default();
        let mut rows = Vec::new();
        for (k, (x, t_x, n)) in [
            (0.0, 0.0, 0.0),
            (0.0, 0.0, 6.0),
            (0.0, 0.0, 40.0),
            (1.0, 1.0, 1.0),
            (1.0, 1.0, 9.0),
            (2.0, 4.0, 6.0),
            (2.0, 4.0, 30.0),
            (6.0, 6.0, 6.0),
            (7.0, 30.0, 52.0),
            (30.0, 52.0, 52.0),
        ]
        .into_iter()
        .enumerate()
        {
            let weight = 1.0 + k as f64;
            keyed.add([x, t_x, n].map(|v: f64| v.to_bits()), weight);
            rows.push((x, t_x, n, weight));
        }
        let mut sorted = keyed.rows;
        sorted.sort_unstable_by_key(|(key, _)| *key);
        let data = Data::from_merged(sorted, 1.0, 1);
        let p = [0.7, 2.5, 1.3, 0.4];
        let model = BetaGeoBetaBinom::new(p[0], p[1], p[2], p[3]).unwrap();
        let want: f64 = rows
            .iter()
            .map(|(x, t_x, n, w)| {
                w * model
                    .log_likelihood(&Observation::new(*x, *t_x, *n).unwrap())
                    .unwrap()
            })
            .sum();
        let mut grad = [0.0; 4];
        let got = BgBbFamily.ll_grad(&data, &p, Some(&mut grad)).unwrap();
        assert!((got - want).abs() < 1e-12 * want.abs(), "{got} vs {want}");
        assert_eq!(BgBbFamily.ll_grad(&data, &p, None).unwrap(), got);
        for i in 0..4 {
            let h = 1e-6 * p[i];
            let at = |d: f64| {
                let mut q = p;
                q[i] += d;
                BgBbFamily.ll_grad(&data, &q, None).unwrap()
            };
            let slope = (at(h) - at(-h)) / (2.0 * h);
            assert!(
                (grad[i] - slope).abs() < 1e-6 * slope.abs().max(1.0),
                "{i}: {grad:?} vs {slope}"
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // optimisations
    fn weights_equal_repeated_rows() {
        let (x, t_x, n) = (
            vec![0.0, 2.0, 0.0, 1.0, 3.0, 3.0],
            vec![0.0, 4.0, 0.0, 1.0, 5.0, 5.0],
            vec![6.0, 6.0, 6.0, 6.0, 6.0, 6.0],
        );
        let options = FitOptions {
            penalizer: 0.01,
            ..FitOptions::default()
        };
        let plain = fit_bg_bb(&x, &t_x, &n, None, &options).unwrap();
        let weighted = fit_bg_bb(
            &[0.0, 2.0, 1.0, 3.0],
            &[0.0, 4.0, 1.0, 5.0],
            &[6.0; 4],
            Some(&[2.0, 1.0, 1.0, 2.0]),
            &options,
        )
        .unwrap();
        assert_eq!(plain.distinct_rows, 4);
        for (a, b) in plain.params.iter().zip(&weighted.params) {
            assert!(
                (a - b).abs() < 1e-9,
                "{:?} vs {:?}",
                plain.params,
                weighted.params
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // optimisations
    fn bad_input_is_an_error_naming_the_row() {
        let ok = FitOptions::default();
        let row = |index, error| Err(FitError::Row { index, error });
        let fit =
            |x: &[f64], t_x: &[f64], n: &[f64]| fit_bg_bb(x, t_x, n, None, &ok).map(|f| f.params);
        assert_eq!(fit(&[], &[], &[]), Err(FitError::Empty));
        assert_eq!(fit(&[1.0], &[1.0], &[]), Err(FitError::LengthMismatch));
        assert_eq!(
            fit(&[1.0, 3.0], &[1.0, 2.0], &[6.0, 6.0]),
            row(1, ChurnError::FrequencyAboveRecency)
        );
        assert_eq!(
            fit(&[1.0, 1.0], &[1.0, 7.0], &[6.0, 6.0]),
            row(1, ChurnError::RecencyAfterAge)
        );
        assert_eq!(
            fit(&[f64::NAN], &[0.0], &[6.0]),
            row(0, ChurnError::InvalidObservation)
        );
        assert_eq!(
            fit(&[1.0], &[1.0], &[f64::INFINITY]),
            row(0, ChurnError::InvalidObservation)
        );
        assert_eq!(
            fit(&[-1.0], &[0.0], &[6.0]),
            row(0, ChurnError::InvalidObservation)
        );
        assert_eq!(
            fit(&[1.0], &[2.5], &[6.0]),
            row(0, ChurnError::InvalidObservation)
        );
        assert_eq!(
            fit(&[0.0], &[1.0], &[6.0]),
            row(0, ChurnError::RecencyWithoutRepeat)
        );
        assert_eq!(
            fit(&[1.0], &[1.0], &[1e6]),
            row(0, ChurnError::TooManyPeriods)
        );
        // Beyond MAX_OBSERVATION (1e7), every model's bound on a time, before BG/BB's own.
        assert_eq!(
            fit(&[1.0], &[1.0], &[1e9]),
            row(0, ChurnError::InvalidObservation)
        );
        assert_eq!(
            fit_bg_bb(&[1.0], &[1.0], &[2.0], Some(&[f64::NAN]), &ok).map(|f| f.params),
            Err(FitError::InvalidWeight { index: 0 })
        );
        // A single row, and nobody ever buying again: no interior maximum, an error (never a
        // hang or NaN).
        for (x, t_x, n) in [
            (vec![2.0], vec![4.0], vec![6.0]),
            (vec![0.0; 3], vec![0.0; 3], vec![6.0, 3.0, 9.0]),
        ] {
            let result = fit(&x, &t_x, &n);
            assert!(
                matches!(
                    result,
                    Err(FitError::Degenerate | FitError::NoConvergence { .. })
                ),
                "{result:?}"
            );
        }
    }
}
