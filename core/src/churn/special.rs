//! Special functions for the churn models, in `f64` through `libm` (so every target computes the
//! same bits): log-gamma and its differences, log-beta, digamma, the Gauss hypergeometric
//! function ₂F₁ with its sign tracked, and the small log-space helpers the models share.
//!
//! Everything returns a [`SpecialError`] rather than NaN: a domain error for arguments outside
//! the function's domain, [`SpecialError::NoConvergence`] when a series needs more than
//! [`MAX_SERIES_TERMS`] terms. The values are checked against 50-digit references computed with
//! `mpmath` (`scripts/special_reference.py`, table in `tests/vectors/special.json`).

use super::math;
use core::fmt;

/// The most terms a hypergeometric series may take before [`SpecialError::NoConvergence`]:
/// enough for arguments up to about 0.999 (the series converge like `zⁿ`).
pub const MAX_SERIES_TERMS: u32 = 50_000;

/// Relative size of the last term at which a series is considered summed.
const SERIES_TOLERANCE: f64 = 1e-17;

/// Why a special function gave no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpecialError {
    /// An argument is NaN, infinite, or outside the function's domain.
    Domain,
    /// A series did not reach full precision within [`MAX_SERIES_TERMS`] terms.
    NoConvergence,
    /// The hypergeometric function has a pole here (`c` a non-positive integer).
    Pole,
}

impl fmt::Display for SpecialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecialError::Domain => "argument outside the function's domain",
            SpecialError::NoConvergence => "series did not converge",
            SpecialError::Pole => {
                "hypergeometric function has a pole (c is a non-positive integer)"
            }
        })
    }
}

impl core::error::Error for SpecialError {}

/// A real number as its sign and the natural log of its magnitude, so that huge and tiny values
/// survive and the log of a negative number is never taken.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignedLog {
    /// True for values below zero.
    pub negative: bool,
    /// `ln |value|`; `-inf` for zero.
    pub ln_abs: f64,
}

impl SignedLog {
    /// Zero.
    pub const ZERO: SignedLog = SignedLog {
        negative: false,
        ln_abs: f64::NEG_INFINITY,
    };
    /// One.
    pub const ONE: SignedLog = SignedLog {
        negative: false,
        ln_abs: 0.0,
    };

    /// The value as an `f64` (it may overflow to ±inf or underflow to 0).
    #[must_use]
    pub fn value(self) -> f64 {
        let magnitude = math::exp(self.ln_abs);
        if self.negative { -magnitude } else { magnitude }
    }

    /// `self · exp(ln_factor)` for a positive factor given by its log.
    #[must_use]
    pub fn scale(self, ln_factor: f64) -> SignedLog {
        SignedLog {
            negative: self.negative,
            ln_abs: self.ln_abs + ln_factor,
        }
    }

    /// The natural log of a value known to be positive, or [`SpecialError::Domain`].
    pub fn ln_positive(self) -> Result<f64, SpecialError> {
        if self.negative || self.ln_abs == f64::NEG_INFINITY || self.ln_abs.is_nan() {
            Err(SpecialError::Domain)
        } else {
            Ok(self.ln_abs)
        }
    }
}

fn finite(x: f64) -> Result<f64, SpecialError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(SpecialError::Domain)
    }
}

fn positive(x: f64) -> Result<f64, SpecialError> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(SpecialError::Domain)
    }
}

/// `ln Γ(x)` for `x > 0`.
pub fn ln_gamma(x: f64) -> Result<f64, SpecialError> {
    positive(x)?;
    finite(libm::lgamma(x))
}

/// Below this, `ln_gamma_ratio` takes the plain difference of two `lgamma`s.
const STIRLING_FROM: f64 = 15.0;

/// Stirling's correction `ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π]` for `x ≥ 15` (error below
/// 1e-19 there).
fn stirling_correction(x: f64) -> f64 {
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Bernoulli-number series: 1/12x − 1/360x³ + 1/1260x⁵ − 1/1680x⁷ + 1/1188x⁹ − 691/360360x¹¹
    // + 1/156x¹³.
    inv * (1.0 / 12.0
        + inv2
            * (-1.0 / 360.0
                + inv2
                    * (1.0 / 1260.0
                        + inv2
                            * (-1.0 / 1680.0
                                + inv2
                                    * (1.0 / 1188.0
                                        + inv2 * (-691.0 / 360_360.0 + inv2 * (1.0 / 156.0)))))))
}

/// `ln Γ(x + d) − ln Γ(x)` for `x > 0`, `x + d > 0`, without the cancellation of subtracting two
/// large log-gammas (`ln Γ(10⁸ + 3) − ln Γ(10⁸)` keeps all its digits).
pub fn ln_gamma_ratio(x: f64, d: f64) -> Result<f64, SpecialError> {
    positive(x)?;
    let y = positive(x + finite(d)?)?;
    if d == 0.0 {
        return Ok(0.0);
    }
    if x.min(y) < STIRLING_FROM {
        return finite(libm::lgamma(y) - libm::lgamma(x));
    }
    // (y − ½) ln y − (x − ½) ln x − d = (x − ½) ln(1 + d/x) + d ln y − d, with y = x + d.
    let main = (x - 0.5) * math::ln_1p(d / x) + d * (math::ln(y) - 1.0);
    finite(main + (stirling_correction(y) - stirling_correction(x)))
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)` for `a, b > 0`, accurate also when one
/// argument is huge.
pub fn ln_beta(a: f64, b: f64) -> Result<f64, SpecialError> {
    positive(a)?;
    positive(b)?;
    let (small, large) = if a <= b { (a, b) } else { (b, a) };
    finite(ln_gamma(small)? - ln_gamma_ratio(large, small)?)
}

/// The digamma function `ψ(x) = d/dx ln Γ(x)` for `x > 0`.
pub fn digamma(x: f64) -> Result<f64, SpecialError> {
    positive(x)?;
    // Recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series.
    let mut x = x;
    let mut shift = 0.0;
    while x < 10.0 {
        shift -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // ln x − 1/2x − Σ B₂ₖ/(2k x²ᵏ): 1/12, −1/120, 1/252, −1/240, 1/132, −691/32760, 1/12.
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0
                                    - inv2 * (1.0 / 132.0 - inv2 * (691.0 / 32_760.0))))));
    finite(shift + math::ln(x) - 0.5 * inv - series)
}

/// The trigamma function `ψ′(x) = d²/dx² ln Γ(x)` for `x > 0` (the fits' analytic Hessians):
/// the recurrence `ψ′(x) = ψ′(x + 1) + 1/x²` up to `x ≥ 10` (at most 10 steps), then the
/// asymptotic series `1/x + 1/2x² + Σ B₂ₖ/x²ᵏ⁺¹`; relative error below 1e-15.
pub fn trigamma(x: f64) -> Result<f64, SpecialError> {
    positive(x)?;
    let mut x = x;
    let mut shift = 0.0;
    while x < 10.0 {
        shift += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // 1/x + 1/2x² + 1/6x³ − 1/30x⁵ + 1/42x⁷ − 1/30x⁹ + 5/66x¹¹ − 691/2730x¹³ + 7/6x¹⁵.
    let series = inv
        * (1.0
            + inv * 0.5
            + inv2
                * (1.0 / 6.0
                    - inv2
                        * (1.0 / 30.0
                            - inv2
                                * (1.0 / 42.0
                                    - inv2
                                        * (1.0 / 30.0
                                            - inv2
                                                * (5.0 / 66.0
                                                    - inv2
                                                        * (691.0 / 2730.0
                                                            - inv2 * (7.0 / 6.0))))))));
    finite(shift + series)
}

/// `(eˣ − 1)/x`, continuous at 0 (where it is 1): the building block of the removable
/// singularities at `a = 1` (BG/NBD) and `s = 1` (Pareto/NBD).
#[must_use]
pub fn exprel(x: f64) -> f64 {
    if x == 0.0 { 1.0 } else { math::exp_m1(x) / x }
}

/// `ln(eᵃ + eᵇ)` without overflow; `-inf` arguments are zeros.
#[must_use]
pub fn ln_add_exp(a: f64, b: f64) -> f64 {
    let (high, low) = if a >= b { (a, b) } else { (b, a) };
    if low == f64::NEG_INFINITY {
        return high;
    }
    high + math::ln_1p(math::exp(low - high))
}

/// `ln(eᵃ − eᵇ)` for `a ≥ b`; `-inf` when they are equal. `None` when `b > a` (a negative
/// difference has no log).
#[must_use]
pub fn ln_sub_exp(a: f64, b: f64) -> Option<f64> {
    if b == f64::NEG_INFINITY {
        return Some(a);
    }
    let d = b - a;
    if d > 0.0 || d.is_nan() {
        return None;
    }
    if d == 0.0 {
        return Some(f64::NEG_INFINITY);
    }
    // ln(1 − eᵈ): expm1 near 0, log1p far from it.
    let tail = if d > -core::f64::consts::LN_2 {
        math::ln(-math::exp_m1(d))
    } else {
        math::ln_1p(-math::exp(d))
    };
    Some(a + tail)
}

/// `1 / (1 + eˣ)`, the logistic function of `−x`, without overflow: `e^(−|x|)` over
/// `1 + e^(−|x|)`, with numerator `e^(−|x|)` for `x ≥ 0` and 1 otherwise. Branch-free, so
/// that it vectorises in the batch loops.
#[inline]
#[must_use]
pub fn logistic_neg(x: f64) -> f64 {
    let e = math::exp_inline(-x.abs());
    (if x >= 0.0 { e } else { 1.0 }) / (1.0 + e)
}

/// Sums `Σₙ tₙ` with `t₀ = first` and `tₙ₊₁ = tₙ · ratio(n)`, scaling to avoid overflow and
/// tracking the sign. `steady_from`: from this `n` on, the ratios are monotone and of one sign,
/// and `limit` bounds their magnitude from there (so the tail after a term `t` is at most
/// `|t|·ρ/(1 − ρ)`, `ρ = max(|ratio(n)|, limit)`); the series stops when that is negligible.
pub(crate) fn sum_series<R: FnMut(f64) -> f64>(
    first: f64,
    ratio: R,
    steady_from: f64,
    limit: f64,
) -> Result<SignedLog, SpecialError> {
    sum_series_budget(first, ratio, steady_from, limit, MAX_SERIES_TERMS)
}

/// [`sum_series`] with at most `budget` terms.
pub(crate) fn sum_series_budget<R: FnMut(f64) -> f64>(
    first: f64,
    mut ratio: R,
    steady_from: f64,
    limit: f64,
    budget: u32,
) -> Result<SignedLog, SpecialError> {
    const RESCALE_ABOVE: f64 = 1e200;
    const RESCALE_BY: f64 = 1e-200;
    const LN_RESCALE: f64 = 460.517_018_598_809_1; // 200 · ln 10
    finite(first)?;
    if first == 0.0 {
        return Ok(SignedLog::ZERO);
    }
    let mut sum = first;
    let mut term = first;
    let mut ln_scale = 0.0;
    let mut n = 0.0_f64;
    for _ in 0..budget {
        let rho = ratio(n);
        if !rho.is_finite() {
            return Err(SpecialError::Pole);
        }
        term *= rho;
        if term == 0.0 {
            // A terminating series (a polynomial), or the terms fell below the smallest double.
            return finish(sum, ln_scale);
        }
        sum += term;
        if sum.abs() > RESCALE_ABOVE || term.abs() > RESCALE_ABOVE {
            sum *= RESCALE_BY;
            term *= RESCALE_BY;
            ln_scale += LN_RESCALE;
        }
        n += 1.0;
        if n > steady_from {
            let bound = rho.abs().max(limit);
            if bound < 1.0 && term.abs() * bound <= SERIES_TOLERANCE * sum.abs() * (1.0 - bound) {
                return finish(sum, ln_scale);
            }
        }
    }
    Err(SpecialError::NoConvergence)
}

/// Lanes of one series run together: [`LANES`] series that share every ratio's costly part
/// (the Pochhammer quotient, a division) and differ only in a per-lane factor such as `z`.
/// `ratios(n, out)` writes each lane's `tₙ₊₁/tₙ` for the `n`-th step (one call per step, in
/// order, however many lanes are still running, so stateful ratios advance as
/// [`sum_series`]'s do). Each lane performs exactly [`sum_series`]'s operations on its terms,
/// so a lane's value has the same bits as [`sum_series`] with that lane's `first`, ratios and
/// `limit[lane]`. A lane is `None` where [`sum_series`] would rescale, fail or run out of
/// terms, and for lanes not `active`: the caller takes [`sum_series`]'s own path there.
#[cfg(feature = "std")]
pub(crate) fn sum_series_lanes<R: FnMut(f64, &mut [f64; LANES])>(
    first: &[f64; LANES],
    mut ratios: R,
    steady_from: f64,
    limit: &[f64; LANES],
    active: &[bool; LANES],
) -> [Option<SignedLog>; LANES] {
    const RESCALE_ABOVE: f64 = 1e200;
    #[derive(Clone, Copy, PartialEq)]
    enum Lane {
        Running,
        Done,
        Elsewhere,
    }
    let mut state = [Lane::Elsewhere; LANES];
    let mut sum = *first;
    let mut term = *first;
    let mut running = 0_usize;
    for ((state, &first), &active) in state.iter_mut().zip(first).zip(active) {
        *state = if !active || !first.is_finite() {
            Lane::Elsewhere
        } else if first == 0.0 {
            Lane::Done
        } else {
            running = running.saturating_add(1);
            Lane::Running
        };
    }
    let mut rho = [0.0; LANES];
    let mut n = 0.0_f64;
    for _ in 0..MAX_SERIES_TERMS {
        if running == 0 {
            break;
        }
        ratios(n, &mut rho);
        let next_n = n + 1.0;
        let steady = next_n > steady_from;
        let lanes = state
            .iter_mut()
            .zip(&mut term)
            .zip(&mut sum)
            .zip(&rho)
            .zip(limit);
        for ((((state, term), sum), &r), &limit) in lanes {
            if *state != Lane::Running {
                continue;
            }
            let t = *term * r;
            *term = t;
            let s = *sum + t;
            let rescale = s.abs() > RESCALE_ABOVE || t.abs() > RESCALE_ABOVE;
            let ended = if !r.is_finite() || (t != 0.0 && rescale) {
                Lane::Elsewhere
            } else if t == 0.0 {
                Lane::Done
            } else {
                *sum = s;
                let bound = r.abs().max(limit);
                if steady
                    && bound < 1.0
                    && t.abs() * bound <= SERIES_TOLERANCE * s.abs() * (1.0 - bound)
                {
                    Lane::Done
                } else {
                    Lane::Running
                }
            };
            if ended != Lane::Running {
                *state = ended;
                running = running.saturating_sub(1);
            }
        }
        n = next_n;
    }
    let mut out = [None; LANES];
    for ((out, state), sum) in out.iter_mut().zip(state).zip(sum) {
        if state == Lane::Done {
            *out = finish(sum, 0.0).ok();
        }
    }
    out
}

/// Lanes of [`sum_series_lanes`]: the twelve months of a year's CLV, or twelve customers.
#[cfg(feature = "std")]
pub(crate) const LANES: usize = 12;

fn finish(sum: f64, ln_scale: f64) -> Result<SignedLog, SpecialError> {
    if !sum.is_finite() {
        return Err(SpecialError::NoConvergence);
    }
    if sum == 0.0 {
        return Ok(SignedLog::ZERO);
    }
    Ok(SignedLog {
        negative: sum < 0.0,
        ln_abs: math::ln(sum.abs()) + ln_scale,
    })
}

fn is_non_positive_integer(x: f64) -> bool {
    x <= 0.0 && libm::floor(x) == x
}

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and `z < 1`, as a
/// [`SignedLog`] (it can be negative, and is never passed through a log of its value).
///
/// - `z < 0`: the Pfaff transformation `F(a,b;c;z) = (1 − z)^(−a) F(a, c − b; c; z/(z − 1))`
///   brings the argument into `(0, 1)`.
/// - `0 < z < 1`: the Euler transformation `F(a,b;c;z) = (1 − z)^(c−a−b) F(c − a, c − b; c; z)`
///   is used when `c − a − b < 0` (the direct series then diverges at 1 like `(1 − z)^(c−a−b)`,
///   and the transformed one converges; for the models' arguments, whose `a` grows with the
///   purchase count, it also keeps the series short), and whenever it turns the series into a
///   polynomial.
/// - `z` near 1, where the series would need more than 3,000 terms: the connection formula in
///   `1 − z` (DLMF 15.8.4), interpolated in `c` when `c − a − b` is within 10⁻³ of an integer
///   (where its two terms have cancelling poles).
///
/// Errors: [`SpecialError::Domain`] for non-finite arguments or `z ≥ 1`,
/// [`SpecialError::Pole`] when `c` is a non-positive integer (and the series does not end
/// before it), [`SpecialError::NoConvergence`] when no form converges within
/// [`MAX_SERIES_TERMS`] terms.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLog, SpecialError> {
    finite(a)?;
    finite(b)?;
    finite(c)?;
    finite(z)?;
    if z >= 1.0 {
        return Err(SpecialError::Domain);
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return Ok(SignedLog::ONE);
    }
    if z < 0.0 {
        // Keep a polynomial-making parameter in place; otherwise keep the smaller one.
        let keep_a =
            is_non_positive_integer(a) || (!is_non_positive_integer(b) && a.abs() <= b.abs());
        let (kept, other) = if keep_a { (a, b) } else { (b, a) };
        let w = z / (z - 1.0);
        let ln_one_minus_z = math::ln_1p(-z);
        return Ok(hyp2f1_unit(kept, c - other, c, w)?.scale(-kept * ln_one_minus_z));
    }
    hyp2f1_unit(a, b, c, z)
}

/// ₂F₁ for `0 < z < 1`: the direct series or its Euler transform; when that would take more
/// than [`QUICK_SERIES_TERMS`] terms (z near 1), the connection formula in `1 − z`.
fn hyp2f1_unit(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLog, SpecialError> {
    hyp2f1_unit_complement(a, b, c, z, 1.0 - z)
}

/// Terms the series near 0 may take before the `1 − z` connection formula is tried instead.
const QUICK_SERIES_TERMS: u32 = 3_000;

/// [`hyp2f1`] for `0 < z < 1` given `w = 1 − z` as well, computed exactly by the caller where
/// `z` is close to 1 (`1 − z` in floating point loses the digits `w` should carry).
pub(crate) fn hyp2f1_unit_complement(
    a: f64,
    b: f64,
    c: f64,
    z: f64,
    w: f64,
) -> Result<SignedLog, SpecialError> {
    let direct_terminates = is_non_positive_integer(a) || is_non_positive_integer(b);
    let euler_terminates = is_non_positive_integer(c - a) || is_non_positive_integer(c - b);
    let use_euler = !direct_terminates && (euler_terminates || c - a - b < 0.0);
    // Near 1 the connection formula is the quick way, unless a large parameter makes its
    // series in w grow (and its two terms cancel): then the series near 0 takes its time.
    let large = a.abs().max(b.abs()) * w > 1.0;
    let budget = if direct_terminates || euler_terminates || z <= 0.5 || large {
        MAX_SERIES_TERMS
    } else {
        QUICK_SERIES_TERMS
    };
    let near_zero = if use_euler {
        series_with_budget(c - a, c - b, c, z, budget).map(|f| f.scale((c - a - b) * math::ln(w)))
    } else {
        series_with_budget(a, b, c, z, budget)
    };
    match near_zero {
        Err(SpecialError::NoConvergence) if budget < MAX_SERIES_TERMS => connection(a, b, c, w),
        other => other,
    }
}

/// Distance of `c − a − b` from an integer below which the connection formula's gamma
/// functions cancel too much and it is interpolated instead.
const DEGENERATE_WITHIN: f64 = 1e-3;

/// The connection formula between `z` and `w = 1 − z` (DLMF 15.8.4), for `z > 1/2`:
/// `F(a,b;c;z) = Γ(c)Γ(m)/(Γ(c−a)Γ(c−b)) F(a,b;1−m;w) + w^m Γ(c)Γ(−m)/(Γ(a)Γ(b)) F(c−a,c−b;1+m;w)`,
/// `m = c − a − b`. When `m` is within [`DEGENERATE_WITHIN`] of an integer the two terms have
/// poles that cancel; F is analytic in `c`, so it is interpolated from six evaluations with `m`
/// at `k ± h, k ± 2h, k ± 3h` around the integer `k`, `h = DEGENERATE_WITHIN` (see
/// [`interpolate`]).
fn connection(a: f64, b: f64, c: f64, w: f64) -> Result<SignedLog, SpecialError> {
    let m = c - a - b;
    let k = libm::round(m);
    if (m - k).abs() >= DEGENERATE_WITHIN {
        return connection_regular(a, b, c, w);
    }
    let nodes = interpolation_nodes(k, DEGENERATE_WITHIN);
    let mut values = [SignedLog::ZERO; 6];
    for (value, node) in values.iter_mut().zip(nodes) {
        *value = connection_regular(a, b, c + (node - m), w)?;
    }
    // Interpolate the values relative to the largest, then scale back.
    let reference = values
        .iter()
        .map(|v| v.ln_abs)
        .fold(f64::NEG_INFINITY, f64::max);
    if reference == f64::NEG_INFINITY {
        return Ok(SignedLog::ZERO);
    }
    let scaled = values.map(|v| v.scale(-reference).value());
    finish(interpolate(m, &nodes, &scaled), reference)
}

/// Six nodes `center ± h, ± 2h, ± 3h`, none at `center` itself.
pub(crate) fn interpolation_nodes(center: f64, h: f64) -> [f64; 6] {
    [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0].map(|step| center + step * h)
}

/// The Lagrange polynomial through `(nodes, values)` at `x`: for a function analytic near the
/// nodes, exact to `O(h⁶)` (the removable singularities and degenerate cases are bridged this
/// way, from evaluations that are themselves accurate).
pub(crate) fn interpolate(x: f64, nodes: &[f64; 6], values: &[f64; 6]) -> f64 {
    let mut sum = 0.0;
    for (i, (node, value)) in nodes.iter().zip(values).enumerate() {
        let mut weight = 1.0;
        for (j, other) in nodes.iter().enumerate() {
            if i != j {
                weight *= (x - other) / (node - other);
            }
        }
        sum += weight * value;
    }
    sum
}

/// The connection formula for `m = c − a − b` not near an integer.
fn connection_regular(a: f64, b: f64, c: f64, w: f64) -> Result<SignedLog, SpecialError> {
    let m = c - a - b;
    let first = gamma_ratio_term(&[c, m], &[c - a, c - b])
        .and_then(|g| Ok(combine(g, hyp2f1_series(a, b, 1.0 - m, w)?)))?;
    let second = gamma_ratio_term(&[c, -m], &[a, b])
        .and_then(|g| Ok(combine(g, hyp2f1_series(c - a, c - b, 1.0 + m, w)?)))?
        .scale(m * math::ln(w));
    add(first, second)
}

/// `Π Γ(numerator) / Π Γ(denominator)` as a [`SignedLog`]; zero when a denominator argument is
/// a pole of Γ (1/Γ vanishes there).
fn gamma_ratio_term(numerator: &[f64], denominator: &[f64]) -> Result<SignedLog, SpecialError> {
    let mut result = SignedLog::ONE;
    for &x in denominator {
        if is_non_positive_integer(x) {
            return Ok(SignedLog::ZERO);
        }
        let (ln_abs, sign) = libm::lgamma_r(x);
        result.ln_abs -= ln_abs;
        result.negative ^= sign < 0;
    }
    for &x in numerator {
        if is_non_positive_integer(x) {
            return Err(SpecialError::Pole);
        }
        let (ln_abs, sign) = libm::lgamma_r(x);
        result.ln_abs += ln_abs;
        result.negative ^= sign < 0;
    }
    if result.ln_abs.is_nan() {
        return Err(SpecialError::Domain);
    }
    Ok(result)
}

/// The product of two signed logs.
fn combine(x: SignedLog, y: SignedLog) -> SignedLog {
    if x.ln_abs == f64::NEG_INFINITY || y.ln_abs == f64::NEG_INFINITY {
        return SignedLog::ZERO;
    }
    SignedLog {
        negative: x.negative ^ y.negative,
        ln_abs: x.ln_abs + y.ln_abs,
    }
}

/// The sum of two signed logs.
fn add(x: SignedLog, y: SignedLog) -> Result<SignedLog, SpecialError> {
    let reference = x.ln_abs.max(y.ln_abs);
    if reference == f64::NEG_INFINITY {
        return Ok(SignedLog::ZERO);
    }
    finish(
        x.scale(-reference).value() + y.scale(-reference).value(),
        reference,
    )
}

fn series_with_budget(
    a: f64,
    b: f64,
    c: f64,
    z: f64,
    budget: u32,
) -> Result<SignedLog, SpecialError> {
    let steady_from = 0.0_f64.max(-a).max(-b).max(-c) + 1.0;
    sum_series_budget(
        1.0,
        |n| (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z,
        steady_from,
        z.abs(),
        budget,
    )
}

/// The defining series `Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ`.
fn hyp2f1_series(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLog, SpecialError> {
    let steady_from = 0.0_f64.max(-a).max(-b).max(-c) + 1.0;
    sum_series(
        1.0,
        |n| (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z,
        steady_from,
        z.abs(),
    )
}

/// `₂F₁(1, p; c; z)` and its partial derivatives, `[F, ∂F/∂p, ∂F/∂c, ∂F/∂z]`, for `p > 0`,
/// `c > p`, `0 ≤ z < 1` and `w = 1 − z` computed exactly by the caller: the Pareto/NBD
/// likelihood's series (see `pareto_nbd`), differentiated term by term for the fit's exact
/// gradient. With `c > p` every term is positive and the ratios stay below `z`.
///
/// - The series near 0, `Σ Tₙ`, `Tₙ₊₁ = Tₙ (p+n)/(c+n) z`, carries beside each term its
///   derivatives (`∂Tₙ/∂p = Tₙ Σₖ₍ₙ 1/(p+k)`, `∂Tₙ/∂c = −Tₙ Σₖ₍ₙ 1/(c+k)`, `∂Tₙ/∂z = n Tₙ/z`)
///   and stops when the tails of all four sums are below 10⁻¹⁷ of them (see [`series_one`]).
/// - `z > 1/2`, where that takes more than [`QUICK_SERIES_TERMS`] terms (and unless `c w > 1`,
///   where the series in `w` grows before it falls): the connection formula in `w`, which for
///   `a = 1` has a closed-form second term (see [`connection_one`]), differentiated likewise.
///
/// Errors: [`SpecialError::Domain`] outside the domain above, [`SpecialError::NoConvergence`]
/// when a series needs more than [`MAX_SERIES_TERMS`] terms.
#[cfg(feature = "std")]
pub(crate) fn hyp2f1_one_with_gradient(
    p: f64,
    c: f64,
    z: f64,
    w: f64,
) -> Result<[f64; 4], SpecialError> {
    let ok = [p, c, z, w].iter().all(|v| v.is_finite())
        && p > 0.0
        && c > p
        && (0.0..1.0).contains(&z)
        && w > 0.0;
    if !ok {
        return Err(SpecialError::Domain);
    }
    let budget = if z <= 0.5 || c * w > 1.0 {
        MAX_SERIES_TERMS
    } else {
        QUICK_SERIES_TERMS
    };
    match series_one(p, c, z, budget) {
        Err(SpecialError::NoConvergence) if budget < MAX_SERIES_TERMS => connection_one(p, c, z, w),
        other => other,
    }
}

/// The series of [`hyp2f1_one_with_gradient`] near 0 for any real `c` that is not a
/// non-positive integer (the connection formula's series has `c ≤ 0` too): at most `budget`
/// terms. The tail after a term `Tₙ` is bounded as in [`sum_series`] with `ρ = max(|ratio|, z)`,
/// times `Σₖ₍ₙ 1/(p+k) + j/(p+n)` (and likewise for `c`) for the `j`-th term after `n` of the
/// derivative sums; each tail is compared with `10⁻¹⁷ (|its sum| + |F|)`, so that the
/// logarithmic derivatives `∂F/F` are exact to that absolute level even when a sum cancels.
#[cfg(feature = "std")]
fn series_one(p: f64, c: f64, z: f64, budget: u32) -> Result<[f64; 4], SpecialError> {
    let steady_from = 0.0_f64.max(-c) + 1.0;
    // The tail factors ρ/(1 − ρ) and ρ/(1 − ρ)² for ρ = z (the usual bound: with c > p the
    // ratios stay below z), recomputed only for a ratio above z.
    let factors = |bound: f64| {
        let geometric = bound / (1.0 - bound);
        (geometric, geometric / (1.0 - bound))
    };
    let z_factors = factors(z);
    let mut term = 1.0;
    let mut sum = 1.0;
    // Σ Tₙ Aₙ, Σ Tₙ Cₙ, Σ ∂Tₙ/∂z, with Aₙ = Σₖ₍ₙ 1/(p+k), Cₙ = Σₖ₍ₙ 1/(c+k).
    let (mut sum_p, mut sum_c, mut sum_z) = (0.0, 0.0, 0.0);
    let (mut a_n, mut c_n) = (0.0, 0.0);
    let mut n = 0.0_f64;
    let mut checks = 0_u32;
    loop {
        // 1/(p+n) and 1/(c+n) from one division.
        let (pn, cn) = (p + n, c + n);
        let inv = 1.0 / (pn * cn);
        if !inv.is_finite() {
            return Err(SpecialError::Pole);
        }
        let (inv_p, inv_c) = (cn * inv, pn * inv);
        let fraction = pn * inv_c;
        // Tₙ₊₁/z, and ∂Tₙ₊₁/∂z = (n+1) Tₙ₊₁/z.
        let over_z = term * fraction;
        sum_z += (n + 1.0) * over_z;
        term = over_z * z;
        if term == 0.0 {
            break;
        }
        a_n += inv_p;
        c_n += inv_c;
        sum += term;
        sum_p += term * a_n;
        sum_c += term * c_n;
        n += 1.0;
        // The tails are checked every fourth term (at most three terms more, for a quarter of
        // the checks' cost).
        checks = checks.wrapping_add(1);
        if n > steady_from && checks & 3 == 0 {
            let rho = (fraction * z).abs();
            let (geometric, linear) = if rho <= z { z_factors } else { factors(rho) };
            // Later increments of Aₙ and Cₙ are below 1/(p+n−1) and 1/(c+n−1) (c+n−1 > 0 here).
            let e = term.abs() * SERIES_TOLERANCE.recip();
            let done = rho.max(z) < 1.0
                && e * geometric <= sum.abs()
                && e * (a_n * geometric + linear * inv_p) <= sum_p.abs() + sum.abs()
                && e * (c_n.abs() * geometric + linear * inv_c) <= sum_c.abs() + sum.abs()
                && over_z.abs() * SERIES_TOLERANCE.recip() * ((n + 1.0) * geometric + linear)
                    <= sum_z.abs() + sum.abs();
            if done {
                break;
            }
        }
        if n >= f64::from(budget) {
            return Err(SpecialError::NoConvergence);
        }
    }
    let out = [sum, sum_p, -sum_c, sum_z];
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(SpecialError::NoConvergence)
    }
}

/// The connection formula (DLMF 15.8.4) for `₂F₁(1, p; c; z)`, `m = c − 1 − p`, `w = 1 − z`:
/// `F = (c−1)/m · F(1, p; 1−m; w) + Γ(c)Γ(−m)/Γ(p) · wᵐ z^(1−c)` (the second term's
/// `F(c−1, m+1; m+1; w)` is `(1 − w)^(1−c)`), with its derivatives in `p`, `c` and `z`
/// (`ψ` for the gamma functions). When `m` is within [`DEGENERATE_WITHIN`] of a non-negative
/// integer the two terms have cancelling poles (a negative integer `m` is regular here, the
/// logarithmic terms of the general formula vanishing with `1/Γ(1 − |m|)`): the value is
/// interpolated in `c` from six nodes as in [`connection`], and the derivatives are those of
/// the interpolating polynomial (in `c`) and the interpolated derivatives (in `p` and `z`).
#[cfg(feature = "std")]
fn connection_one(p: f64, c: f64, z: f64, w: f64) -> Result<[f64; 4], SpecialError> {
    let m = c - 1.0 - p;
    let k = libm::round(m);
    if k < 0.0 || (m - k).abs() >= DEGENERATE_WITHIN {
        return connection_one_regular(p, c, z, w);
    }
    let nodes = interpolation_nodes(k, DEGENERATE_WITHIN);
    let mut out = [0.0; 4];
    for (i, &node) in nodes.iter().enumerate() {
        let [value, d_p, d_c, d_z] = connection_one_regular(p, p + 1.0 + node, z, w)?;
        let (weight, slope) = lagrange_weight(m, &nodes, i);
        // At a node c = p + 1 + node moves with p: ∂/∂p there is (∂p + ∂c) of the node's
        // function, and the weight's argument m = c − 1 − p falls with p.
        out[0] += weight * value;
        out[1] += weight * (d_p + d_c) - slope * value;
        out[2] += slope * value;
        out[3] += weight * d_z;
    }
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(SpecialError::NoConvergence)
    }
}

/// The `i`-th Lagrange basis polynomial through `nodes` at `x`, and its derivative.
#[cfg(feature = "std")]
fn lagrange_weight(x: f64, nodes: &[f64; 6], i: usize) -> (f64, f64) {
    let Some(&at) = nodes.get(i) else {
        return (0.0, 0.0);
    };
    let mut weight = 1.0;
    let mut slope = 0.0;
    for (j, &other) in nodes.iter().enumerate() {
        if j == i {
            continue;
        }
        let factor = (x - other) / (at - other);
        // (uv)' = u'v + uv', with this factor's derivative 1/(at − other).
        slope = slope * factor + weight / (at - other);
        weight *= factor;
    }
    (weight, slope)
}

/// [`connection_one`] for `m` not near a non-negative integer.
#[cfg(feature = "std")]
fn connection_one_regular(p: f64, c: f64, z: f64, w: f64) -> Result<[f64; 4], SpecialError> {
    let m = c - 1.0 - p;
    // F(1, p; c'; w) with c' = 1 − m = p + 2 − c: ∂c'/∂p = 1, ∂c'/∂c = −1.
    let [series, s_p, s_c, s_w] = series_one(p, 1.0 - m, w, MAX_SERIES_TERMS)?;
    let head = (c - 1.0) / m;
    let first = [
        head * series,
        // ∂(1/m)/∂p = 1/m², ∂(1/m)/∂c = −1/m².
        (c - 1.0) * series / (m * m) + head * (s_p + s_c),
        series / m - (c - 1.0) * series / (m * m) - head * s_c,
        -head * s_w,
    ];
    // Γ(c)Γ(−m)/Γ(p) wᵐ z^(1−c) = ± exp(ln_term).
    let (ln_gamma_neg_m, sign) = libm::lgamma_r(-m);
    let (ln_w, ln_z) = (math::ln(w), math::ln(z));
    let ln_term = ln_gamma(c)? + ln_gamma_neg_m - ln_gamma(p)? + m * ln_w + (1.0 - c) * ln_z;
    let magnitude = math::exp(ln_term);
    let second = if sign < 0 { -magnitude } else { magnitude };
    // ψ(−m) by reflection when −m < 0: ψ(−m) = ψ(1 + m) + π cot(πm).
    let psi_neg_m = if m < 0.0 {
        digamma(-m)?
    } else {
        let pi_m = core::f64::consts::PI * m;
        digamma(1.0 + m)? + core::f64::consts::PI * libm::cos(pi_m) / libm::sin(pi_m)
    };
    let (psi_c, psi_p) = (digamma(c)?, digamma(p)?);
    // ∂/∂z = −∂/∂w of m ln w + (1 − c) ln z: −m/w + (1 − c)/z.
    let out = [
        first[0] + second,
        first[1] + second * (psi_neg_m - psi_p - ln_w),
        first[2] + second * (psi_c - psi_neg_m + ln_w - ln_z),
        first[3] + second * ((1.0 - c) / z - m / w),
    ];
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(SpecialError::NoConvergence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(f64::MIN_POSITIVE)
    }

    /// `tests/vectors/special.json`: 50-digit values from mpmath (scripts/special_reference.py).
    #[test]
    #[cfg_attr(miri, ignore)] // hundreds of series evaluations
    fn against_mpmath() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/vectors/special.json")).unwrap();
        let num = |v: &serde_json::Value| -> f64 { v.as_str().unwrap().parse().unwrap() };
        let mut checked = 0;
        for case in doc["ln_gamma"].as_array().unwrap() {
            let x = num(&case["x"]);
            let want = num(&case["value"]);
            let got = ln_gamma(x).unwrap();
            assert!(
                close(got, want, 4e-15) || (got - want).abs() < 4e-16,
                "lnΓ({x}) = {got}, want {want}"
            );
            checked += 1;
        }
        for case in doc["ln_gamma_ratio"].as_array().unwrap() {
            let (x, d) = (num(&case["x"]), num(&case["d"]));
            let want = num(&case["value"]);
            let got = ln_gamma_ratio(x, d).unwrap();
            assert!(
                close(got, want, 1e-14) || (got - want).abs() < 1e-14,
                "lnΓ({x}+{d})−lnΓ({x}) = {got}, want {want}"
            );
            checked += 1;
        }
        for case in doc["ln_beta"].as_array().unwrap() {
            let (a, b) = (num(&case["a"]), num(&case["b"]));
            let want = num(&case["value"]);
            let got = ln_beta(a, b).unwrap();
            assert!(
                close(got, want, 1e-14) || (got - want).abs() < 1e-14,
                "lnB({a},{b}) = {got}, want {want}"
            );
            checked += 1;
        }
        for case in doc["digamma"].as_array().unwrap() {
            let x = num(&case["x"]);
            let want = num(&case["value"]);
            let got = digamma(x).unwrap();
            assert!(
                close(got, want, 1e-14) || (got - want).abs() < 1e-14,
                "ψ({x}) = {got}, want {want}"
            );
            checked += 1;
        }
        for case in doc["hyp2f1"].as_array().unwrap() {
            let (a, b, c, z) = (
                num(&case["a"]),
                num(&case["b"]),
                num(&case["c"]),
                num(&case["z"]),
            );
            let negative = case["negative"].as_bool().unwrap();
            let want = num(&case["ln_abs"]);
            let got = hyp2f1(a, b, c, z).unwrap();
            assert_eq!(got.negative, negative, "sign of 2F1({a},{b};{c};{z})");
            // Compare the values: ln|F| to 1e-13 absolute is a relative error of 1e-13 on F.
            assert!(
                (got.ln_abs - want).abs() <= 1e-12 * want.abs().max(1.0),
                "ln|2F1({a},{b};{c};{z})| = {}, want {want}",
                got.ln_abs
            );
            checked += 1;
        }
        assert!(checked > 60, "only {checked} reference values");
    }

    /// `ψ′(x)` against mpmath's `psi(1, x)` (30 digits, rounded to `f64`), across the
    /// recurrence (x < 10) and the series (x ≥ 10), to 2e-15 relative.
    #[test]
    fn trigamma_against_mpmath() {
        let cases = [
            (1e-3, 1_000_001.642_533_195_9),
            (0.243, 18.141_779_787_095_828),
            (0.5, 4.934_802_200_544_679),
            (1.0, 1.644_934_066_848_226_4),
            (2.426, 0.508_471_848_480_258_1),
            (3.2, 0.366_321_190_731_400_8),
            (9.99, 0.105_276_950_148_241_79),
            (10.0, 0.105_166_335_681_685_75),
            (15.5, 0.066_642_013_583_275_97),
            (123.25, 0.008_146_594_456_080_266),
            (1e4, 0.000_100_005_000_166_666_66),
            (1e7, 1.000_000_050_000_001_7e-07),
        ];
        for (x, want) in cases {
            let got = trigamma(x).unwrap();
            assert!(close(got, want, 2e-15), "ψ′({x}) = {got}, want {want}");
        }
        assert_eq!(trigamma(0.0), Err(SpecialError::Domain));
        assert_eq!(trigamma(f64::NAN), Err(SpecialError::Domain));
        assert_eq!(trigamma(1e-300), Err(SpecialError::Domain));
    }

    /// `₂F₁(1, p; c; z)` and its derivatives against mpmath (`tests/vectors/pareto_gradient.json`,
    /// numerical derivatives at 40 digits): the series near 0 and the connection formula,
    /// regular and interpolated.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn hyp2f1_one_with_gradient_against_mpmath() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/vectors/pareto_gradient.json"))
                .unwrap();
        let num = |v: &serde_json::Value| -> f64 { v.as_str().unwrap().parse().unwrap() };
        let cases = doc["hyp2f1_one"].as_array().unwrap();
        for case in cases {
            let (p, c, z, w) = (
                num(&case["p"]),
                num(&case["c"]),
                num(&case["z"]),
                num(&case["w"]),
            );
            let got = hyp2f1_one_with_gradient(p, c, z, w).unwrap();
            let want = ["value", "d_p", "d_c", "d_z"].map(|k| num(&case[k]));
            for (k, (g, v)) in got.iter().zip(want).enumerate() {
                assert!(close(*g, v, 1e-10), "{k} of ({p}, {c}, {z}): {g} vs {v}");
            }
        }
        assert_eq!(cases.len(), 10);
    }

    #[test]
    fn domain_errors() {
        assert_eq!(ln_gamma(0.0), Err(SpecialError::Domain));
        assert_eq!(ln_gamma(-1.5), Err(SpecialError::Domain));
        assert_eq!(ln_gamma(f64::NAN), Err(SpecialError::Domain));
        assert_eq!(ln_beta(1.0, f64::INFINITY), Err(SpecialError::Domain));
        assert_eq!(digamma(0.0), Err(SpecialError::Domain));
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), Err(SpecialError::Domain));
        assert_eq!(hyp2f1(1.0, 1.0, f64::NAN, 0.5), Err(SpecialError::Domain));
        // c = −2 with a series that does not end before it.
        assert_eq!(hyp2f1(0.5, 0.5, -2.0, 0.25), Err(SpecialError::Pole));
    }

    #[test]
    fn closed_forms() {
        // F(1, 1; 2; z) = −ln(1 − z)/z: at z = 1/2, 2 ln 2.
        let f = hyp2f1(1.0, 1.0, 2.0, 0.5).unwrap();
        assert!(close(f.value(), 2.0 * core::f64::consts::LN_2, 1e-15));
        // F(a, b; b; z) = (1 − z)^(−a): a = 3, z = −3 gives 4^(−3).
        let f = hyp2f1(3.0, 2.5, 2.5, -3.0).unwrap();
        assert!(close(f.value(), 1.0 / 64.0, 1e-15));
        // A polynomial: F(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)); b = 1, c = 1, z = 3/4
        // gives 1 − 1.5 + 0.5625 = 0.0625 (z < 1 only).
        let f = hyp2f1(-2.0, 1.0, 1.0, 0.75).unwrap();
        assert!(close(f.value(), 0.0625, 1e-15));
        // A negative value: F(−1, 1; 1; 3/4) = 1 − 3/4·... = 1 − z = 0.25; F(−1, 2; 1; 3/4) =
        // 1 − 2·0.75 = −0.5.
        let f = hyp2f1(-1.0, 2.0, 1.0, 0.75).unwrap();
        assert!(f.negative);
        assert!(close(f.value(), -0.5, 1e-15));
    }

    #[test]
    fn log_space_helpers() {
        assert_eq!(ln_add_exp(f64::NEG_INFINITY, 2.0), 2.0);
        assert!(close(ln_add_exp(0.0, 0.0), core::f64::consts::LN_2, 1e-15));
        assert!(close(
            ln_add_exp(1000.0, 1000.0),
            1000.0 + core::f64::consts::LN_2,
            1e-15
        ));
        assert_eq!(ln_sub_exp(1.0, 1.0), Some(f64::NEG_INFINITY));
        assert_eq!(ln_sub_exp(1.0, 2.0), None);
        // ln(e² − e) = 1 + ln(e − 1).
        assert!(close(
            ln_sub_exp(2.0, 1.0).unwrap(),
            1.0 + libm::log(core::f64::consts::E - 1.0),
            1e-15
        ));
        assert_eq!(exprel(0.0), 1.0);
        assert!(close(exprel(1e-10), 1.0 + 5e-11, 1e-15));
        assert!(close(exprel(1.0), core::f64::consts::E - 1.0, 1e-15));
        assert!(close(logistic_neg(0.0), 0.5, 1e-15));
        assert_eq!(logistic_neg(1000.0), 0.0);
        assert_eq!(logistic_neg(-1000.0), 1.0);
    }
}
