//! The likelihood families (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma): the summed
//! log-likelihood over the data and its gradient in the natural parameters.
//!
//! Each sums through [`sum_chunks`] (fixed chunks, fixed order: the same bits on any number of
//! threads); within a chunk, the rows of one frequency share their per-frequency terms, and the
//! per-row loop is branch-free `churn::math` arithmetic over columns, which vectorises.

use crate::churn::ChurnError;
use crate::churn::math::{exp_inline, ln_1p_inline, ln_inline};
use crate::churn::pareto_nbd::{self, ParetoNbd};
use crate::churn::special::{digamma, ln_gamma, ln_gamma_ratio, trigamma};

use super::data::Data;
use super::threads::{Row, lane_sums, map_parallel, sum_chunks};

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
    /// `Σ wᵢ LLᵢ` (the same bits as [`Family::ll_grad`]'s) and its Hessian w.r.t. the natural
    /// parameters (`N` rows of `N`, symmetric), in one pass over the data; `None` for a family
    /// without an analytic Hessian (the fit skeleton then differentiates the gradient or the
    /// likelihood, `hessian.rs`).
    fn ll_hessian(&self, _data: &Data, _params: &[f64]) -> Option<Result<LlHessian, ChurnError>> {
        None
    }
}

/// `Σ wᵢ LLᵢ` and its Hessian (rows).
pub(crate) type LlHessian = (f64, Vec<Vec<f64>>);

/// The symmetric `n × n` matrix of an upper triangle stored row by row (`(0,0), (0,1), …,
/// (1,1), …`).
fn symmetric(n: usize, upper: &[f64]) -> Vec<Vec<f64>> {
    let mut rows = vec![vec![0.0; n]; n];
    let mut cells = upper.iter();
    for i in 0..n {
        for j in i..n {
            let v = cells.next().copied().unwrap_or(f64::NAN);
            if let Some(cell) = rows.get_mut(i).and_then(|r| r.get_mut(j)) {
                *cell = v;
            }
            if let Some(cell) = rows.get_mut(j).and_then(|r| r.get_mut(i)) {
                *cell = v;
            }
        }
    }
    rows
}

/// A finite total and Hessian (upper triangle of `n`), or [`ChurnError::NotFinite`].
fn checked_hessian(n: usize, total: f64, upper: &[f64]) -> Result<LlHessian, ChurnError> {
    if !total.is_finite() || upper.iter().any(|v| !v.is_finite()) {
        return Err(ChurnError::NotFinite);
    }
    Ok((total, symmetric(n, upper)))
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

/// A row of [`beta_geometric`] with the dropout bracket: `[LL, ∂r, ∂α, σ, 1]` (the last three
/// before the per-frequency parts). A [`Row`] of its own, always inlined, rather than a
/// closure: LLVM would call a closure this size out of line, once per row.
#[derive(Clone, Copy)]
struct Bracket {
    alpha: f64,
    rx: f64,
    ln_odds: f64,
}

impl Row<5> for Bracket {
    #[inline(always)]
    fn row(&self, t_x: f64, big_t: f64) -> [f64; 5] {
        let Bracket { alpha, rx, ln_odds } = *self;
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
    }
}

/// A row of [`beta_geometric_hessian`] with the dropout bracket (its sums' order); always
/// inlined, as [`Bracket`].
struct BracketHessian(Bracket);

impl Row<9> for BracketHessian {
    #[inline(always)]
    fn row(&self, t_x: f64, big_t: f64) -> [f64; 9] {
        let Bracket { alpha, rx, ln_odds } = self.0;
        let (at, atx) = (alpha + big_t, alpha + t_x);
        let (ln_t, ln_tx) = (ln_inline(at), ln_inline(atx));
        let (inv_t, inv_tx) = (1.0 / at, 1.0 / atx);
        let d = ln_odds + rx * (ln_t - ln_tx);
        let e = exp_inline(-d.abs());
        let q = 1.0 / (1.0 + e);
        let (softplus, sigma) = softplus_logistic(d);
        let sigma1 = e * q * q;
        let (d_r, d_alpha) = (ln_t - ln_tx, rx * (inv_t - inv_tx));
        let inv_t2 = inv_t * inv_t;
        [
            softplus - rx * ln_t,
            1.0,
            sigma,
            sigma1 * d_r * d_r,
            sigma1 * d_r * d_alpha + sigma * (inv_t - inv_tx) - inv_t,
            sigma1 * d_alpha * d_alpha + sigma * rx * (inv_tx * inv_tx - inv_t2) + rx * inv_t2,
            sigma1 * d_r,
            sigma1 * d_alpha,
            sigma1,
        ]
    }
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
                lane_sums(t_x, big_t, w, &mut sums, Bracket { alpha, rx, ln_odds });
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

/// The beta-geometric families' per-frequency Hessian of the head (upper triangle, the order
/// of [`symmetric`]): `ψ′(r+x) − ψ′(r)`, `1/α`, `−r/α²` and the trigamma terms of
/// `ln[B(a, b+x+k)/B(a,b)]`.
fn head_hessian(x: f64, [r, alpha, a, b]: [f64; 4], k: f64) -> Result<[f64; 10], ChurnError> {
    let xk = x + k;
    let psi1_ab = trigamma(a + b)?;
    let psi1_abx = trigamma(a + b + xk)?;
    let shared = psi1_ab - psi1_abx;
    Ok([
        trigamma(r + x)? - trigamma(r)?,
        1.0 / alpha,
        0.0,
        0.0,
        -r / (alpha * alpha),
        0.0,
        0.0,
        shared,
        shared,
        shared + trigamma(b + xk)? - trigamma(b)?,
    ])
}

/// [`beta_geometric`]'s log-likelihood (the same bits) and its Hessian: per row, with
/// `D = ln odds + (r+x)(ln(α+T) − ln(α+tₓ))`, `σ` its logistic and `σ′ = σ(1 − σ)`,
/// `∇²LL = ∇²head + σ′ ∇D ∇Dᵀ + σ ∇²D − ∇²[(r+x) ln(α+T)]`, where `∇D = (ln(α+T) − ln(α+tₓ),
/// (r+x)(1/(α+T) − 1/(α+tₓ)), 1/a, −1/d)`, `d = b + x − 1 + k`.
fn beta_geometric_hessian(data: &Data, p: &[f64], k: f64) -> Result<LlHessian, ChurnError> {
    let params = params4(p)?;
    let [r, alpha, a, _] = params;
    let by_x: Vec<(Frequency, [f64; 10])> = data
        .frequencies
        .iter()
        .map(|&x| Ok((frequency_terms(x, params, k)?, head_hessian(x, params, k)?)))
        .collect::<Result<_, ChurnError>>()?;
    let (total, h) = sum_chunks(data.len(), data.threads, 10, |rows, h| {
        let mut total = 0.0;
        for (group, run) in data.runs(rows) {
            let (Some((f, head)), Some(&x), Some(t_x), Some(big_t), Some(w)) = (
                by_x.get(group),
                data.frequencies.get(group),
                data.t_x.get(run.clone()),
                data.big_t.get(run.clone()),
                data.weight.get(run),
            ) else {
                return f64::NAN;
            };
            let rx = r + x;
            let (ll, weight) = if k == 0.0 && x == 0.0 {
                // [Σ w LL, Σ w, Σ w ∂²/∂r∂α, Σ w ∂²/∂α²]
                let mut sums = [0.0; 4];
                lane_sums(t_x, big_t, w, &mut sums, |_, big_t| {
                    let at = alpha + big_t;
                    let ln_t = ln_inline(at);
                    let inv_t = 1.0 / at;
                    [-r * ln_t, 1.0, -inv_t, r * inv_t * inv_t]
                });
                let [ll, weight, h_ra, h_aa] = sums;
                for (i, v) in [(1, h_ra), (4, h_aa)] {
                    if let Some(cell) = h.get_mut(i) {
                        *cell += v;
                    }
                }
                (ll, weight)
            } else {
                let ln_odds = f.ln_odds;
                // [Σ w LL, Σ w, Σ w σ, Σ w σ′D_r², Σ w (σ′D_r D_α + σ D_rα − 1/(α+T)),
                //  Σ w (σ′D_α² + σ D_αα + (r+x)/(α+T)²), Σ w σ′D_r, Σ w σ′D_α, Σ w σ′]
                let mut sums = [0.0; 9];
                lane_sums(
                    t_x,
                    big_t,
                    w,
                    &mut sums,
                    BracketHessian(Bracket { alpha, rx, ln_odds }),
                );
                let [ll, weight, sigma, h_rr, h_ra, h_aa, s_r, s_alpha, s1] = sums;
                let inv_a = 1.0 / a;
                let inv_d = f.inv_d;
                for (i, v) in [
                    (0, h_rr),
                    (1, h_ra),
                    (2, s_r * inv_a),
                    (3, -s_r * inv_d),
                    (4, h_aa),
                    (5, s_alpha * inv_a),
                    (6, -s_alpha * inv_d),
                    (7, (s1 - sigma) * inv_a * inv_a),
                    (8, -s1 * inv_a * inv_d),
                    (9, (s1 + sigma) * inv_d * inv_d),
                ] {
                    if let Some(cell) = h.get_mut(i) {
                        *cell += v;
                    }
                }
                (ll, weight)
            };
            total += ll + f.head * weight;
            for (out, v) in h.iter_mut().zip(head) {
                *out += v * weight;
            }
        }
        total
    });
    checked_hessian(4, total, &h)
}

pub(crate) struct BgFamily;

impl Family for BgFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1];
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        beta_geometric(data, p, 0.0, grad)
    }
    fn ll_hessian(&self, data: &Data, p: &[f64]) -> Option<Result<LlHessian, ChurnError>> {
        Some(beta_geometric_hessian(data, p, 0.0))
    }
}

pub(crate) struct MbgFamily;

impl Family for MbgFamily {
    const N: usize = 4;
    const TIME_PARAMS: &'static [usize] = &[1];
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        beta_geometric(data, p, 1.0, grad)
    }
    fn ll_hessian(&self, data: &Data, p: &[f64]) -> Option<Result<LlHessian, ChurnError>> {
        Some(beta_geometric_hessian(data, p, 1.0))
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

/// A Gamma-Gamma row: `[−px ln(1 + v/xz̄) − ln z̄ − q ln(xz̄ + v), ln z̄, ln(xz̄ + v), 1/(xz̄ + v),
/// 1]`, of `(z̄, ln z̄)`; always inlined, as [`Bracket`].
#[derive(Clone, Copy)]
struct GammaGammaRow {
    x: f64,
    px: f64,
    q: f64,
    v: f64,
}

impl Row<5> for GammaGammaRow {
    #[inline(always)]
    fn row(&self, m: f64, ln_m: f64) -> [f64; 5] {
        let GammaGammaRow { x, px, q, v } = *self;
        let total = x * m;
        let ln_total_v = ln_inline(total + v);
        [
            -px * ln_1p_inline(v / total) - ln_m - q * ln_total_v,
            ln_m,
            ln_total_v,
            1.0 / (total + v),
            1.0,
        ]
    }
}

/// Gamma-Gamma rows: `x` is the frequency, `t_x` the mean spend z̄, `big_t` its log (data).
pub(crate) struct GammaGammaFamily;

impl Family for GammaGammaFamily {
    const N: usize = 3;
    const TIME_PARAMS: &'static [usize] = &[];
    fn ll_grad(&self, data: &Data, p: &[f64], grad: Option<&mut [f64]>) -> Result<f64, ChurnError> {
        let [p_shape, q, v] = params3(p)?;
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
                lane_sums(m, ln_m, w, &mut sums, GammaGammaRow { x, px, q, v });
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

    /// Per row, with `u = 1/(xz̄ + v)`: `∂²/∂p² = x²(ψ′(px+q) − ψ′(px))`, `∂²/∂p∂q = x ψ′(px+q)`,
    /// `∂²/∂p∂v = −x u`, `∂²/∂q² = ψ′(px+q) − ψ′(q)`, `∂²/∂q∂v = 1/v − u`,
    /// `∂²/∂v² = −q/v² + (px+q) u²`.
    fn ll_hessian(&self, data: &Data, p: &[f64]) -> Option<Result<LlHessian, ChurnError>> {
        Some(gamma_gamma_hessian(data, p))
    }
}

/// [`GammaGammaFamily`]'s log-likelihood (the same bits as its `ll_grad`) and Hessian.
fn gamma_gamma_hessian(data: &Data, p: &[f64]) -> Result<LlHessian, ChurnError> {
    let [p_shape, q, v] = params3(p)?;
    let (ln_v, ln_gamma_q, psi1_q) = (ln_inline(v), ln_gamma(q)?, trigamma(q)?);
    // Per frequency: ln Γ(px+q) − ln Γ(px), ψ′(px+q), ψ′(px).
    let by_x = data
        .frequencies
        .iter()
        .map(|&x| {
            let px = p_shape * x;
            Ok([ln_gamma_ratio(px, q)?, trigamma(px + q)?, trigamma(px)?])
        })
        .collect::<Result<Vec<[f64; 3]>, ChurnError>>()?;
    let (total, h) = sum_chunks(data.len(), data.threads, 6, |rows, h| {
        let mut total = 0.0;
        for (group, run) in data.runs(rows) {
            let (Some(&[ln_ratio, psi1_pxq, psi1_px]), Some(&x), Some(m), Some(ln_m), Some(w)) = (
                by_x.get(group),
                data.frequencies.get(group),
                data.t_x.get(run.clone()),
                data.big_t.get(run.clone()),
                data.weight.get(run),
            ) else {
                return f64::NAN;
            };
            let px = p_shape * x;
            // [Σ w LL (as ll_grad's), Σ w, Σ w u, Σ w u²]
            let mut sums = [0.0; 4];
            let gg = GammaGammaRow { x, px, q, v };
            lane_sums(m, ln_m, w, &mut sums, |m, ln_m| {
                let [ll, _, _, u, one] = gg.row(m, ln_m);
                [ll, one, u, u * u]
            });
            let [ll, weight, sum_u, sum_u2] = sums;
            total += ll + (ln_ratio - ln_gamma_q + q * ln_v) * weight;
            for (out, value) in h.iter_mut().zip([
                x * x * (psi1_pxq - psi1_px) * weight,
                x * psi1_pxq * weight,
                -x * sum_u,
                (psi1_pxq - psi1_q) * weight,
                weight / v - sum_u,
                -q / (v * v) * weight + (px + q) * sum_u2,
            ]) {
                *out += value;
            }
        }
        total
    });
    checked_hessian(3, total, &h)
}

/// Gamma-Gamma's `[p, q, v]`, each finite and positive, else `ParameterOutOfDomain`.
fn params3(p: &[f64]) -> Result<[f64; 3], ChurnError> {
    match p {
        &[a, b, c] if p.iter().all(|v| v.is_finite() && *v > 0.0) => Ok([a, b, c]),
        _ => Err(ChurnError::ParameterOutOfDomain),
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
