//! The likelihood families (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma): the summed
//! log-likelihood over the data and its gradient in the natural parameters.
//!
//! Each sums through [`sum_chunks`] (fixed chunks, fixed order: the same bits on any number of
//! threads); within a chunk, the rows of one frequency share their per-frequency terms, and the
//! per-row loop is branch-free `churn::math` arithmetic over columns, which vectorises.

use crate::churn::ChurnError;
use crate::churn::math::{exp_inline, ln_1p_inline, ln_inline};
use crate::churn::pareto_nbd::{self, ParetoNbd};
use crate::churn::special::{digamma, ln_gamma, ln_gamma_ratio};

use super::data::Data;
use super::threads::{lane_sums, map_parallel, sum_chunks};

/// A model family: its log-likelihood (and gradient in the natural parameters) over the data.
/// The fit skeleton (`fit::fit_family`) needs nothing else; a new model implements this over
/// the rows of [`Data`] as it defines them.
pub(crate) trait Family: Sync {
    /// Number of parameters.
    const N: usize;
    /// Indices of the parameters measured in time units (scaled with the data).
    const TIME_PARAMS: &'static [usize];
    /// Whether the gradient is exact (otherwise the standard errors come from second
    /// differences of the likelihood rather than differences of the gradient).
    const EXACT_GRADIENT: bool = true;
    /// `Σ wᵢ LLᵢ`, and its gradient w.r.t. the natural parameters into `grad` when given.
    fn ll_grad(
        &self,
        data: &Data,
        params: &[f64],
        grad: Option<&mut [f64]>,
    ) -> Result<f64, ChurnError>;
}

/// A finite total and gradient, or [`ChurnError::NotFinite`].
fn checked(total: f64, g: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
    if !total.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(ChurnError::NotFinite);
    }
    if let Some(out) = grad {
        for (o, v) in out.iter_mut().zip(g) {
            *o = *v;
        }
    }
    Ok(total)
}

/// The beta-geometric families' per-frequency terms: `ln Γ(r+x) − ln Γ(r) + r ln α +
/// ln[B(a, b+x+k)/B(a,b)]` with its gradient, and the dropout odds `ln a − ln(b + x − 1 + k)`
/// with `1/(b + x − 1 + k)`; `k` = 0 for BG/NBD, 1 for MBG/NBD.
struct Frequency {
    head: f64,
    head_grad: [f64; 4],
    ln_odds: f64,
    inv_d: f64,
}

fn frequency_terms(x: f64, [r, alpha, a, b]: [f64; 4], k: f64) -> Result<Frequency, ChurnError> {
    let ln_alpha = ln_inline(alpha);
    let head = ln_gamma_ratio(r, x)? + r * ln_alpha + ln_gamma_ratio(b, x + k)?
        - ln_gamma_ratio(a + b, x + k)?;
    let psi_abx = digamma(a + b + x + k)?;
    let psi_ab = digamma(a + b)?;
    let head_grad = [
        digamma(r + x)? - digamma(r)? + ln_alpha,
        r / alpha,
        psi_ab - psi_abx,
        psi_ab + digamma(b + x + k)? - digamma(b)? - psi_abx,
    ];
    let d = b + x - 1.0 + k;
    Ok(Frequency {
        head,
        head_grad,
        ln_odds: ln_inline(a) - ln_inline(d),
        inv_d: 1.0 / d,
    })
}

/// `ln(1 + eᵈ)` and the logistic `1/(1 + e⁻ᵈ)`, branch-free, without overflow.
#[inline(always)]
fn softplus_logistic(d: f64) -> (f64, f64) {
    let e = exp_inline(-d.abs());
    let q = 1.0 / (1.0 + e);
    (
        d.max(0.0) + ln_1p_inline(e),
        if d > 0.0 { q } else { e * q },
    )
}

/// BG/NBD (`k` = 0) and MBG/NBD (`k` = 1): per row
/// `LL = head + a₃ + [softplus(ln odds + (r+x)(ln(α+T) − ln(α+tₓ)))]`, `a₃ = −(r+x) ln(α+T)`,
/// the bracket absent for BG/NBD's x = 0 (a customer without repeats cannot have dropped out).
fn beta_geometric(
    data: &Data,
    p: &[f64],
    k: f64,
    grad: Option<&mut [f64]>,
) -> Result<f64, ChurnError> {
    let params = params4(p)?;
    let [r, alpha, a, _] = params;
    let by_x: Vec<Frequency> = data
        .frequencies
        .iter()
        .map(|&x| frequency_terms(x, params, k))
        .collect::<Result<_, _>>()?;
    let (total, g) = sum_chunks(data.len(), data.threads, 4, |rows, g| {
        let mut total = 0.0;
        for (group, run) in data.runs(rows) {
            let (Some(f), Some(&x), Some(t_x), Some(big_t), Some(w)) = (
                by_x.get(group),
                data.frequencies.get(group),
                data.t_x.get(run.clone()),
                data.big_t.get(run.clone()),
                data.weight.get(run),
            ) else {
                return f64::NAN;
            };
            let rx = r + x;
            // [Σ w LL, Σ w ∂r, Σ w ∂α, Σ w σ, Σ w]
            let mut sums = [0.0; 5];
            if k == 0.0 && x == 0.0 {
                lane_sums(t_x, big_t, w, &mut sums, |_, big_t| {
                    let at = alpha + big_t;
                    let ln_t = ln_inline(at);
                    [-r * ln_t, -ln_t, -r / at, 0.0, 1.0]
                });
            } else {
                let ln_odds = f.ln_odds;
                lane_sums(t_x, big_t, w, &mut sums, |t_x, big_t| {
                    let (at, atx) = (alpha + big_t, alpha + t_x);
                    let (ln_t, ln_tx) = (ln_inline(at), ln_inline(atx));
                    let (inv_t, inv_tx) = (1.0 / at, 1.0 / atx);
                    let (softplus, sigma) = softplus_logistic(ln_odds + rx * (ln_t - ln_tx));
                    [
                        softplus - rx * ln_t,
                        sigma * (ln_t - ln_tx) - ln_t,
                        rx * (sigma * (inv_t - inv_tx) - inv_t),
                        sigma,
                        1.0,
                    ]
                });
            }
            let [ll, gr, galpha, sigma, weight] = sums;
            let [h0, h1, h2, h3] = f.head_grad;
            // BG/NBD's x = 0 has no bracket (σ = 0), and its 1/(b − 1) is infinite at b = 1 (the
            // fit's starting point): leave the term out rather than make 0 · ∞ = NaN.
            let dropout = if k == 0.0 && x == 0.0 {
                0.0
            } else {
                sigma * f.inv_d
            };
            total += ll + f.head * weight;
            for (out, v) in g.iter_mut().zip([
                gr + h0 * weight,
                galpha + h1 * weight,
                h2 * weight + sigma / a,
                h3 * weight - dropout,
            ]) {
                *out += v;
            }
        }
        total
    });
    checked(total, &g, grad)
}

pub(crate) struct BgFamily;

impl Family for BgFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1];
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        beta_geometric(data, p, 0.0, grad)
    }
}

pub(crate) struct MbgFamily;

impl Family for MbgFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1];
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        beta_geometric(data, p, 1.0, grad)
    }
}

pub(crate) struct ParetoFamily;

impl Family for ParetoFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1, 3];
    /// `ln P(t)` and its gradient come from one series per distinct `(x, t)`
    /// ([`ParetoNbd::ln_p_with_gradient`]); the rows then combine them
    /// ([`pareto_nbd::log_likelihood_with_gradient`]).
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let [r, alpha, s, beta] = params4(p)?;
        let model = ParetoNbd::new(r, alpha, s, beta)?;
        // The series once per distinct (x, t), then the rows from them.
        let ln_p = map_parallel(&data.pairs, data.threads, |&(group, t)| {
            let x = data
                .frequencies
                .get(group)
                .copied()
                .ok_or(ChurnError::NotFinite)?;
            model.ln_p_with_gradient(x, t)
        })?;
        // The parts that depend on the frequency alone: the front, and ln(s/(r+s+x)).
        let by_x = data
            .frequencies
            .iter()
            .map(|&x| {
                let rsx = r + s + x;
                let front = (model.ln_front(x)?, model.ln_front_gradient(x)?);
                let share = (
                    ln_inline(s / rsx),
                    [-1.0 / rsx, 0.0, 1.0 / s - 1.0 / rsx, 0.0],
                );
                Ok((front, share))
            })
            .collect::<Result<Vec<_>, ChurnError>>()?;
        let (total, g) = sum_chunks(data.len(), data.threads, 4, |rows, g| {
            let mut total = 0.0;
            for (group, run) in data.runs(rows) {
                let (Some((front, share)), Some(&x)) =
                    (by_x.get(group), data.frequencies.get(group))
                else {
                    return f64::NAN;
                };
                let rx = r + x;
                for i in run {
                    let (Some(&t_x), Some(&big_t), Some(&w), Some(&a), Some(&b)) = (
                        data.t_x.get(i),
                        data.big_t.get(i),
                        data.weight.get(i),
                        data.t_x_pair.get(i),
                        data.big_t_pair.get(i),
                    ) else {
                        return f64::NAN;
                    };
                    let span = if big_t > t_x {
                        let (Some(p_tx), Some(p_t)) = (ln_p.get(a), ln_p.get(b)) else {
                            return f64::NAN;
                        };
                        Some((p_tx, p_t))
                    } else {
                        None
                    };
                    let (at, bt) = (alpha + big_t, beta + big_t);
                    let (ln_at, ln_bt) = (ln_inline(at), ln_inline(bt));
                    let alive = (-rx * ln_at - s * ln_bt, [-ln_at, -rx / at, -ln_bt, -s / bt]);
                    let (ll, row) =
                        pareto_nbd::log_likelihood_with_gradient(front, &alive, share, span);
                    total += w * ll;
                    for (out, v) in g.iter_mut().zip(row) {
                        *out += w * v;
                    }
                }
            }
            total
        });
        checked(total, &g, grad)
    }
}

/// Gamma-Gamma rows: `x` is the frequency, `t_x` the mean spend z̄, `big_t` its log (data).
pub(crate) struct GammaGammaFamily;

impl Family for GammaGammaFamily {
    const N: usize = 3;
    const TIME_PARAMS: &'static [usize] = &[];
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let [p_shape, q, v] = match p {
            &[p_shape, q, v] if p.iter().all(|v| v.is_finite() && *v > 0.0) => [p_shape, q, v],
            _ => return Err(ChurnError::ParameterOutOfDomain),
        };
        let (ln_v, psi_q, ln_gamma_q) = (ln_inline(v), digamma(q)?, ln_gamma(q)?);
        // Per frequency: ln Γ(px+q) − ln Γ(px), ψ(px+q), ψ(px), ln x.
        let by_x = data
            .frequencies
            .iter()
            .map(|&x| {
                let px = p_shape * x;
                Ok([
                    ln_gamma_ratio(px, q)?,
                    digamma(px + q)?,
                    digamma(px)?,
                    ln_inline(x),
                ])
            })
            .collect::<Result<Vec<[f64; 4]>, ChurnError>>()?;
        let (total, g) = sum_chunks(data.len(), data.threads, 3, |rows, g| {
            let mut total = 0.0;
            for (group, run) in data.runs(rows) {
                let (
                    Some(&[ln_ratio, psi_pxq, psi_px, ln_x]),
                    Some(&x),
                    Some(m),
                    Some(ln_m),
                    Some(w),
                ) = (
                    by_x.get(group),
                    data.frequencies.get(group),
                    data.t_x.get(run.clone()),
                    data.big_t.get(run.clone()),
                    data.weight.get(run),
                )
                else {
                    return f64::NAN;
                };
                let px = p_shape * x;
                // [Σ w (−px ln(1 + v/xz̄) − ln z̄ − q ln(xz̄ + v)), Σ w ln z̄, Σ w ln(xz̄ + v),
                //  Σ w/(xz̄ + v), Σ w]
                let mut sums = [0.0; 5];
                lane_sums(m, ln_m, w, &mut sums, |m, ln_m| {
                    let total = x * m;
                    let ln_total_v = ln_inline(total + v);
                    [
                        -px * ln_1p_inline(v / total) - ln_m - q * ln_total_v,
                        ln_m,
                        ln_total_v,
                        1.0 / (total + v),
                        1.0,
                    ]
                });
                let [ll, sum_ln_m, sum_ln_total, sum_inv, weight] = sums;
                total += ll + (ln_ratio - ln_gamma_q + q * ln_v) * weight;
                for (out, value) in g.iter_mut().zip([
                    x * ((psi_pxq - psi_px + ln_x) * weight + sum_ln_m - sum_ln_total),
                    (psi_pxq - psi_q + ln_v) * weight - sum_ln_total,
                    q / v * weight - (px + q) * sum_inv,
                ]) {
                    *out += value;
                }
            }
            total
        });
        checked(total, &g, grad)
    }
}

pub(crate) fn params4(p: &[f64]) -> Result<[f64; 4], ChurnError> {
    match p {
        &[a, b, c, d] if p.iter().all(|v| v.is_finite() && *v > 0.0) => Ok([a, b, c, d]),
        _ => Err(ChurnError::ParameterOutOfDomain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::churn::reference::num;

    /// The Pareto/NBD gradient of one row (the family's sum over a one-row data set) against
    /// mpmath's numerical derivatives of the closed-form likelihood
    /// (`scripts/pareto_gradient_reference.py`): α < β, α > β, α = β, α within 1e-9 of β,
    /// z near 1 (the connection formula, degenerate and not), large x, T = tₓ.
    #[test]
    #[cfg_attr(miri, ignore)] // series over a table
    fn pareto_gradient_against_mpmath() {
        let doc: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../tests/vectors/pareto_gradient.json"
        ))
        .unwrap();
        let mut checked = 0;
        for case in doc["log_likelihood"].as_array().unwrap() {
            let p: Vec<f64> = case["params"].as_array().unwrap().iter().map(num).collect();
            let (x, t_x, big_t) = (num(&case["x"]), num(&case["t_x"]), num(&case["T"]));
            let data = Data::new(&[x], &[t_x], &[big_t], None, Some(1))
                .unwrap()
                .with_pairs()
                .unscaled();
            let mut g = [0.0; 4];
            let what = format!("{p:?} x={x} t_x={t_x} T={big_t}");
            let ll = ParetoFamily
                .ll_grad(&data, &p, Some(&mut g))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let want = num(&case["log_likelihood"]);
            assert!(
                (ll - want).abs() <= 1e-12 * want.abs().max(1.0),
                "LL {what}: {ll} vs {want}"
            );
            let want: Vec<f64> = case["gradient"]
                .as_array()
                .unwrap()
                .iter()
                .map(num)
                .collect();
            // 1e-8 relative, or 1e-12 of the largest component where one cancels to far below
            // its terms (the tiny-parameter case: ∂s is 1/s − 1/(r+s+x) + … ≈ 4e-6 from terms
            // of 1000, ∂r ≈ 1e4 from ψ(r)); measured: 1e-13 relative on all but three
            // components, 1.2e-9 (interpolated connection formula), 5.8e-8 and 7.2e-7 (those
            // cancelling components, 3e-14 of the largest).
            let largest = want.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            for (k, (got, want)) in g.iter().zip(&want).enumerate() {
                assert!(
                    (got - want).abs() <= 1e-8 * want.abs() + 1e-12 * largest,
                    "∂{k} {what}: {got} vs {want} ({:e})",
                    (got - want) / want
                );
            }
            checked += 1;
        }
        assert!(checked >= 60, "{checked}");
    }
}
