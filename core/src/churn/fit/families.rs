//! The four likelihood families (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma): the summed
//! log-likelihood over the data and its gradient in the natural parameters.

use crate::churn::math;
use crate::churn::ChurnError;
use crate::churn::gamma_gamma::GammaGamma;
use crate::churn::pareto_nbd::{self, ParetoNbd};
use crate::churn::special::{digamma, ln_gamma_ratio};

use super::data::{Data, row_times};
use super::threads::{map_parallel, sum_rows};

/// `(ln(1 + eᵈ), 1/(1 + e⁻ᵈ))`: softplus and logistic of `d` with one `exp` and one `ln_1p`,
/// without overflow.
pub(super) fn softplus_logistic(d: f64) -> (f64, f64) {
    let e = math::exp(-d.abs());
    if d > 0.0 {
        (d + math::ln_1p(e), 1.0 / (1.0 + e))
    } else {
        (math::ln_1p(e), e / (1.0 + e))
    }
}

/// A model family: its log-likelihood (and gradient in the natural parameters) over the data.
pub(super) trait Family: Sync {
    /// Number of parameters.
    const N: usize;
    /// Indices of the parameters measured in time units (scaled with the data).
    const TIME_PARAMS: &'static [usize];
    /// Whether `ll_grad` fills the gradient (otherwise central differences are used).
    const ANALYTIC: bool;
    /// `Σ wᵢ LLᵢ`, and its gradient w.r.t. the natural parameters into `grad` when given.
    fn ll_grad(
        &self,
        data: &Data,
        params: &[f64],
        grad: Option<&mut [f64]>,
    ) -> Result<f64, ChurnError>;
}

/// Per-frequency terms of the beta-geometric families: `ln Γ(r+x) − ln Γ(r) + ln[B(a, b+x+k)/B(a,b)]`
/// and its gradient, `k` = 0 for BG/NBD, 1 for MBG/NBD.
pub(super) fn per_frequency(
    frequencies: &[f64],
    [r, alpha, a, b]: [f64; 4],
    k: f64,
    with_grad: bool,
) -> Result<Vec<(f64, [f64; 4])>, ChurnError> {
    let (psi_r, psi_b, psi_ab) = if with_grad {
        (digamma(r)?, digamma(b)?, digamma(a + b)?)
    } else {
        (0.0, 0.0, 0.0)
    };
    frequencies
        .iter()
        .map(|&x| {
            let value = ln_gamma_ratio(r, x)? + r * alpha.ln() + ln_gamma_ratio(b, x + k)?
                - ln_gamma_ratio(a + b, x + k)?;
            let grad = if with_grad {
                let psi_abx = digamma(a + b + x + k)?;
                [
                    digamma(r + x)? - psi_r + alpha.ln(),
                    r / alpha,
                    psi_ab - psi_abx,
                    psi_ab + digamma(b + x + k)? - psi_b - psi_abx,
                ]
            } else {
                [0.0; 4]
            };
            Ok((value, grad))
        })
        .collect()
}

/// Per frequency: `ln a − ln(b + x − 1 + k)` and `1/(b + x − 1 + k)`, the dropout odds terms
/// (BG/NBD: `k` = 0, used for x > 0 only; MBG/NBD: `k` = 1).
pub(super) fn dropout_terms(frequencies: &[f64], a: f64, b: f64, k: f64) -> Vec<(f64, f64)> {
    let ln_a = a.ln();
    frequencies
        .iter()
        .map(|&x| {
            let d = b + x - 1.0 + k;
            (ln_a - d.ln(), 1.0 / d)
        })
        .collect()
}

pub(super) struct BgFamily;

impl Family for BgFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1];
    const ANALYTIC: bool = true;
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let [r, alpha, a, b] = params4(p)?;
        let with_grad = grad.is_some();
        let by_x = per_frequency(&data.frequencies, [r, alpha, a, b], 0.0, with_grad)?;
        let odds = dropout_terms(&data.frequencies, a, b, 0.0);
        let table = data.log_times(alpha);
        let (total, g) = sum_rows(&data.rows, data.threads, 4, |row, g| {
            let (head, head_grad) = by_x.get(row.group).copied().ok_or(ChurnError::NotFinite)?;
            let ((ln_tx, inv_tx), (ln_t, inv_t)) = row_times(&table, row)?;
            let x = row.x;
            let a3 = -(r + x) * ln_t;
            let [h0, h1, h2, h3] = head_grad;
            let [g0, g1, g2, g3] = g else {
                return Err(ChurnError::NotFinite);
            };
            if x == 0.0 {
                if with_grad {
                    (*g0, *g1, *g2, *g3) = (h0 - ln_t, h1 - r * inv_t, h2, h3);
                }
                return Ok(head + a3);
            }
            let (ln_odds, inv_d) = odds.get(row.group).copied().ok_or(ChurnError::NotFinite)?;
            // ln(e^a3 + e^a4) = a3 + softplus(a4 − a3); the weights of the two terms are
            // 1 − σ and σ, σ the logistic of a4 − a3.
            let a4 = ln_odds - (r + x) * ln_tx;
            let (softplus, w4) = softplus_logistic(a4 - a3);
            if with_grad {
                let w3 = 1.0 - w4;
                *g0 = h0 - w3 * ln_t - w4 * ln_tx;
                *g1 = h1 - (r + x) * (w3 * inv_t + w4 * inv_tx);
                *g2 = h2 + w4 / a;
                *g3 = h3 - w4 * inv_d;
            }
            Ok(head + a3 + softplus)
        })?;
        if let Some(out) = grad {
            out.copy_from_slice(&g);
        }
        Ok(total)
    }
}

pub(super) struct MbgFamily;

impl Family for MbgFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1];
    const ANALYTIC: bool = true;
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let [r, alpha, a, b] = params4(p)?;
        let with_grad = grad.is_some();
        let by_x = per_frequency(&data.frequencies, [r, alpha, a, b], 1.0, with_grad)?;
        let odds = dropout_terms(&data.frequencies, a, b, 1.0);
        let table = data.log_times(alpha);
        let (total, g) = sum_rows(&data.rows, data.threads, 4, |row, g| {
            let (head, head_grad) = by_x.get(row.group).copied().ok_or(ChurnError::NotFinite)?;
            let ((ln_tx, inv_tx), (ln_t, inv_t)) = row_times(&table, row)?;
            let (ln_odds, inv_d) = odds.get(row.group).copied().ok_or(ChurnError::NotFinite)?;
            let x = row.x;
            let a3 = -(r + x) * ln_t;
            let a4 = ln_odds + (r + x) * (ln_t - ln_tx);
            let (softplus, sigma) = softplus_logistic(a4);
            if with_grad {
                let [h0, h1, h2, h3] = head_grad;
                let [g0, g1, g2, g3] = g else {
                    return Err(ChurnError::NotFinite);
                };
                *g0 = h0 - ln_t + sigma * (ln_t - ln_tx);
                *g1 = h1 - (r + x) * inv_t + sigma * (r + x) * (inv_t - inv_tx);
                *g2 = h2 + sigma / a;
                *g3 = h3 - sigma * inv_d;
            }
            Ok(head + a3 + softplus)
        })?;
        if let Some(out) = grad {
            out.copy_from_slice(&g);
        }
        Ok(total)
    }
}

pub(super) struct ParetoFamily;

impl Family for ParetoFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1, 3];
    const ANALYTIC: bool = false;
    fn ll_grad(&self, data: &Data, p: &[f64], _: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let [r, alpha, s, beta] = params4(p)?;
        let model = ParetoNbd::new(r, alpha, s, beta)?;
        // The series once per distinct (x, t), then the rows from them.
        let ln_p = map_parallel(&data.pairs, data.threads, |&(group, at)| {
            let x = data.frequencies.get(group).copied();
            let t = data.times.get(at).copied();
            match (x, t) {
                (Some(x), Some(t)) => model.ln_p(x, t),
                _ => Err(ChurnError::NotFinite),
            }
        })?;
        // The parts that depend on the frequency alone, or on a time alone.
        let by_x = data
            .frequencies
            .iter()
            .map(|&x| Ok((model.ln_front(x)?, math::ln(s / (r + s + x)))))
            .collect::<Result<Vec<(f64, f64)>, ChurnError>>()?;
        let by_t: Vec<(f64, f64)> = data
            .times
            .iter()
            .map(|&t| (math::ln(alpha + t), math::ln(beta + t)))
            .collect();
        let (total, _) = sum_rows(&data.rows, data.threads, 0, |row, _| {
            let lookup = |table: &[f64], i: usize| table.get(i).copied();
            let pair = |table: &[(f64, f64)], i: usize| table.get(i).copied();
            let (Some((front, ln_share)), Some((ln_alpha_t, ln_beta_t))) =
                (pair(&by_x, row.group), pair(&by_t, row.big_t_at))
            else {
                return Err(ChurnError::NotFinite);
            };
            let (Some(ln_p_tx), Some(ln_p_t)) =
                (lookup(&ln_p, row.t_x_pair), lookup(&ln_p, row.big_t_pair))
            else {
                return Err(ChurnError::NotFinite);
            };
            let alive = -(r + row.x) * ln_alpha_t - s * ln_beta_t;
            pareto_nbd::log_likelihood_from(
                front,
                alive,
                ln_share,
                row.big_t > row.t_x,
                ln_p_tx,
                ln_p_t,
            )
        })?;
        Ok(total)
    }
}

/// Gamma-Gamma rows: `x` is the frequency, `t_x` holds the mean spend (no time scaling).
pub(super) struct GammaGammaFamily;

impl Family for GammaGammaFamily {
    const N: usize = 3;
    const TIME_PARAMS: &'static [usize] = &[];
    const ANALYTIC: bool = true;
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let [p_shape, q, v] = match p {
            &[p_shape, q, v] => [p_shape, q, v],
            _ => return Err(ChurnError::ParameterOutOfDomain),
        };
        let model = GammaGamma::new(p_shape, q, v)?;
        let with_grad = grad.is_some();
        let psi_q = if with_grad { digamma(q)? } else { 0.0 };
        let (total, g) = sum_rows(&data.rows, data.threads, 3, |row, g| {
            let (x, m) = (row.x, row.t_x);
            let ll = model.log_likelihood(x, m)?;
            if with_grad {
                let [g0, g1, g2] = g else {
                    return Err(ChurnError::NotFinite);
                };
                let px = p_shape * x;
                let psi_pxq = digamma(px + q)?;
                let ln_total = (x * m + v).ln();
                *g0 = x * (psi_pxq - digamma(px)? + m.ln() + x.ln() - ln_total);
                *g1 = psi_pxq - psi_q + v.ln() - ln_total;
                *g2 = q / v - (px + q) / (x * m + v);
            }
            Ok(ll)
        })?;
        if let Some(out) = grad {
            out.copy_from_slice(&g);
        }
        Ok(total)
    }
}

pub(super) fn params4(p: &[f64]) -> Result<[f64; 4], ChurnError> {
    match p {
        &[a, b, c, d] if p.iter().all(|v| v.is_finite() && *v > 0.0) => Ok([a, b, c, d]),
        _ => Err(ChurnError::ParameterOutOfDomain),
    }
}
