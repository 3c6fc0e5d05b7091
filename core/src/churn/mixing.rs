//! The mixing distributions of the models: customers' purchase rates λ ~ Gamma(r, α) and
//! dropout probabilities p ~ Beta(a, b) (lifetimes' heterogeneity plots draw their densities up
//! to their 99th percentile), and the two functions their distribution functions are made of,
//! the regularized incomplete beta and gamma functions, which the purchase-count probabilities
//! ([`super::counts`]) use too.
//!
//! Everything in `f64` through `libm`, bounded loops (continued fractions and series of at most
//! [`MAX_SERIES_TERMS`] terms, bisections of [`QUANTILE_STEPS`] steps), errors instead of NaN.
//! Checked against 50-digit mpmath values (`scripts/counts_reference.py`,
//! `tests/vectors/counts.json`).
//!
//! ```
//! use retention_core::churn::mixing::{beta_quantile, gamma_cdf, gamma_quantile};
//! // The median of Gamma(1, 1) (an exponential) is ln 2.
//! let median = gamma_quantile(1.0, 1.0, 0.5)?;
//! assert!((median - core::f64::consts::LN_2).abs() < 1e-14);
//! assert!((gamma_cdf(1.0, 1.0, median)? - 0.5).abs() < 1e-15);
//! // Beta(1, 1) is uniform.
//! assert!((beta_quantile(1.0, 1.0, 0.99)? - 0.99).abs() < 1e-14);
//! # Ok::<(), retention_core::churn::ChurnError>(())
//! ```

use super::special::{MAX_SERIES_TERMS, ln_beta, ln_gamma};
use super::{ChurnError, check_positive, finite};

/// Bisection steps of a quantile: enough to pin a double (each step halves the bracket).
pub const QUANTILE_STEPS: u32 = 1_100;

/// Relative change below which a continued fraction or series has converged.
const EPSILON: f64 = 1e-16;

/// Below this, a continued fraction's denominators are nudged away from zero (Lentz).
const TINY: f64 = 1e-300;

/// `ln I_x(a, b)`, the log of the regularized incomplete beta function (the Beta(a, b)
/// distribution function at `x`), given `x` and `y = 1 − x` (callers that know `1 − x` exactly
/// pass it, so that `x` near 1 keeps its digits). `a, b > 0`, `0 ≤ x ≤ 1`.
///
/// The continued fraction of Numerical Recipes' `betacf` (modified Lentz), on `I_x(a, b)` where
/// it converges quickly (`x < (a + 1)/(a + b + 2)`), else on `1 − I_y(b, a)`: `-inf` for
/// `x = 0`, tiny values keep their relative precision.
///
/// Errors: [`ChurnError::ParameterOutOfDomain`] for `a` or `b` not above 0,
/// [`ChurnError::InvalidArgument`] for `x` or `y` outside `[0, 1]` or not adding up to 1 (to
/// rounding), [`ChurnError::NoConvergence`].
pub fn ln_beta_inc(a: f64, b: f64, x: f64, y: f64) -> Result<f64, ChurnError> {
    check_positive(&[a, b])?;
    let unit = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
    if !unit(x) || !unit(y) || (x + y - 1.0).abs() > 4.0 * f64::EPSILON {
        return Err(ChurnError::InvalidArgument);
    }
    if x == 0.0 {
        return Ok(f64::NEG_INFINITY);
    }
    if y == 0.0 {
        return Ok(0.0);
    }
    // ln[xᵃ yᵇ / B(a, b)], the continued fraction's front factor.
    let ln_front = a * libm::log(x) + b * libm::log(y) - ln_beta(a, b)?;
    if x * (a + b + 2.0) < a + 1.0 {
        let fraction = beta_fraction(a, b, x)?;
        finite(ln_front + libm::log(fraction) - libm::log(a))
    } else {
        let complement = libm::exp(ln_front + libm::log(beta_fraction(b, a, y)?) - libm::log(b));
        finite(libm::log1p(-complement.min(1.0)))
    }
}

/// Numerical Recipes' continued fraction for the incomplete beta function (modified Lentz).
fn beta_fraction(a: f64, b: f64, x: f64) -> Result<f64, ChurnError> {
    let nudge = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (sum, plus, minus) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nudge(1.0 - sum * x / plus);
    let mut h = d;
    let mut m = 1.0_f64;
    for _ in 0..MAX_SERIES_TERMS {
        let m2 = 2.0 * m;
        // The even step.
        let even = m * (b - m) * x / ((minus + m2) * (a + m2));
        d = 1.0 / nudge(1.0 + even * d);
        c = nudge(1.0 + even / c);
        h *= d * c;
        // The odd step.
        let odd = -(a + m) * (sum + m) * x / ((a + m2) * (plus + m2));
        d = 1.0 / nudge(1.0 + odd * d);
        c = nudge(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPSILON {
            return finite(h);
        }
        m += 1.0;
    }
    Err(ChurnError::NoConvergence)
}

/// `P(a, x)`, the regularized lower incomplete gamma function (the Gamma(a, 1) distribution
/// function at `x`), `a > 0`, `x ≥ 0`: its series below `x = a + 1`, else one minus the
/// continued fraction of `Q(a, x)` (Numerical Recipes' `gser` and `gcf`).
///
/// Errors: [`ChurnError::ParameterOutOfDomain`], [`ChurnError::InvalidArgument`] for a
/// negative or non-finite `x`, [`ChurnError::NoConvergence`].
pub fn gamma_p(a: f64, x: f64) -> Result<f64, ChurnError> {
    check_positive(&[a])?;
    if !(x.is_finite() && x >= 0.0) {
        return Err(ChurnError::InvalidArgument);
    }
    if x == 0.0 {
        return Ok(0.0);
    }
    // ln[xᵃ e⁻ˣ / Γ(a)].
    let ln_front = a * libm::log(x) - x - ln_gamma(a)?;
    if x < a + 1.0 {
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut denominator = a;
        for _ in 0..MAX_SERIES_TERMS {
            denominator += 1.0;
            term *= x / denominator;
            sum += term;
            if term.abs() < sum.abs() * EPSILON {
                return finite(libm::exp(ln_front) * sum);
            }
        }
        return Err(ChurnError::NoConvergence);
    }
    let nudge = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    let mut i = 1.0_f64;
    for _ in 0..MAX_SERIES_TERMS {
        let an = -i * (i - a);
        b += 2.0;
        d = 1.0 / nudge(an * d + b);
        c = nudge(b + an / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPSILON {
            return finite(1.0 - libm::exp(ln_front) * h);
        }
        i += 1.0;
    }
    Err(ChurnError::NoConvergence)
}

/// The density of Gamma(`shape`, `rate`) at `x ≥ 0` (lifetimes' purchase-rate heterogeneity:
/// shape r, rate α). At `x = 0` it is infinite for `shape < 1`, `rate` for `shape = 1`, 0 above.
///
/// Errors: [`ChurnError::ParameterOutOfDomain`], [`ChurnError::InvalidArgument`] for a
/// negative or non-finite `x`.
pub fn gamma_pdf(shape: f64, rate: f64, x: f64) -> Result<f64, ChurnError> {
    check_positive(&[shape, rate])?;
    if !(x.is_finite() && x >= 0.0) {
        return Err(ChurnError::InvalidArgument);
    }
    if x == 0.0 {
        return Ok(edge_density(shape, rate));
    }
    let ln = shape * libm::log(rate) + (shape - 1.0) * libm::log(x) - rate * x - ln_gamma(shape)?;
    finite(libm::exp(ln))
}

/// The distribution function of Gamma(`shape`, `rate`) at `x ≥ 0`: `P(shape, rate · x)`.
///
/// Errors: as [`gamma_pdf`], and [`ChurnError::NoConvergence`].
pub fn gamma_cdf(shape: f64, rate: f64, x: f64) -> Result<f64, ChurnError> {
    check_positive(&[shape, rate])?;
    if !(x.is_finite() && x >= 0.0) {
        return Err(ChurnError::InvalidArgument);
    }
    gamma_p(shape, rate * x)
}

/// The `q`-quantile of Gamma(`shape`, `rate`), `0 < q < 1` (lifetimes' plots use 0.99): the
/// `x` with `P(shape, rate · x) = q`, bracketed by doubling and found by bisection.
///
/// Errors: [`ChurnError::ParameterOutOfDomain`], [`ChurnError::InvalidArgument`] for `q`
/// outside `(0, 1)`, [`ChurnError::NoConvergence`].
pub fn gamma_quantile(shape: f64, rate: f64, q: f64) -> Result<f64, ChurnError> {
    check_positive(&[shape, rate])?;
    if !(q > 0.0 && q < 1.0) {
        return Err(ChurnError::InvalidArgument);
    }
    // Doubling from max(shape, 1) reaches any finite quantile in fewer than 1,100 steps.
    let mut high = shape.max(1.0);
    let mut bracketed = false;
    for _ in 0..QUANTILE_STEPS {
        if gamma_p(shape, high)? >= q {
            bracketed = true;
            break;
        }
        high *= 2.0;
    }
    if !bracketed {
        return Err(ChurnError::NoConvergence);
    }
    let x = bisect(0.0, high, |x| Ok(gamma_p(shape, x)? < q))?;
    finite(x / rate)
}

/// The density of Beta(`a`, `b`) at `0 ≤ x ≤ 1` (lifetimes' dropout heterogeneity). At the ends
/// it is infinite below shape 1, the other shape's `1/B` at shape 1, 0 above.
///
/// Errors: [`ChurnError::ParameterOutOfDomain`], [`ChurnError::InvalidArgument`] for `x`
/// outside `[0, 1]`.
pub fn beta_pdf(a: f64, b: f64, x: f64) -> Result<f64, ChurnError> {
    check_positive(&[a, b])?;
    if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
        return Err(ChurnError::InvalidArgument);
    }
    if x == 0.0 {
        // Beta(1, b) at 0 is b = 1/B(1, b).
        return Ok(edge_density(a, b));
    }
    if x == 1.0 {
        return Ok(edge_density(b, a));
    }
    let ln = (a - 1.0) * libm::log(x) + (b - 1.0) * libm::log1p(-x) - ln_beta(a, b)?;
    finite(libm::exp(ln))
}

/// The `q`-quantile of Beta(`a`, `b`), `0 < q < 1`, by bisection on `[0, 1]`.
///
/// Errors: [`ChurnError::ParameterOutOfDomain`], [`ChurnError::InvalidArgument`] for `q`
/// outside `(0, 1)`, [`ChurnError::NoConvergence`].
pub fn beta_quantile(a: f64, b: f64, q: f64) -> Result<f64, ChurnError> {
    check_positive(&[a, b])?;
    if !(q > 0.0 && q < 1.0) {
        return Err(ChurnError::InvalidArgument);
    }
    let ln_q = libm::log(q);
    bisect(0.0, 1.0, |x| Ok(ln_beta_inc(a, b, x, 1.0 - x)? < ln_q))
}

/// A density at the end of its support where it behaves like `x^(shape − 1)`: infinite below
/// shape 1, `at_one` at shape 1, 0 above.
fn edge_density(shape: f64, at_one: f64) -> f64 {
    if shape < 1.0 {
        f64::INFINITY
    } else if shape == 1.0 {
        at_one
    } else {
        0.0
    }
}

/// The point of `[low, high]` where `below(x)` turns false (it is true at `low`, false at
/// `high`, and monotone), to the last bit or [`QUANTILE_STEPS`] halvings.
fn bisect<F>(mut low: f64, mut high: f64, mut below: F) -> Result<f64, ChurnError>
where
    F: FnMut(f64) -> Result<bool, ChurnError>,
{
    for _ in 0..QUANTILE_STEPS {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            return Ok(middle);
        }
        if below(middle)? {
            low = middle;
        } else {
            high = middle;
        }
    }
    Ok(0.5 * (low + high))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/vectors/counts.json")).unwrap()
    }

    fn num(value: &serde_json::Value) -> f64 {
        value.as_str().unwrap().parse().unwrap()
    }

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300)
    }

    /// `tests/vectors/counts.json` (mpmath, 50 digits): the incomplete beta to 1e-13 relative
    /// in its log, or 5e-14 · max(a + b, 1) absolute (the front factor `a ln x + b ln y − ln B`
    /// cancels more as the shapes grow: I_0.4(200, 300) is off by 1.8e-13), P(a, x) to 1e-13,
    /// densities to 1e-13, quantiles to 1e-12.
    #[test]
    #[cfg_attr(miri, ignore)] // continued fractions of hundreds of steps
    fn against_mpmath() {
        let doc = doc();
        let mut checked = 0;
        for case in doc["beta_inc"].as_array().unwrap() {
            let (a, b, x, y) = (
                num(&case["a"]),
                num(&case["b"]),
                num(&case["x"]),
                num(&case["y"]),
            );
            let want = num(&case["ln_value"]);
            let got = ln_beta_inc(a, b, x, y).unwrap();
            assert!(
                close(got, want, 1e-13) || (got - want).abs() < 5e-14 * (a + b).max(1.0),
                "ln I_{x}({a}, {b}) = {got}, want {want}"
            );
            checked += 1;
        }
        for case in doc["gamma_p"].as_array().unwrap() {
            let (a, x) = (num(&case["a"]), num(&case["x"]));
            let want = num(&case["value"]);
            let got = gamma_p(a, x).unwrap();
            assert!(close(got, want, 1e-13), "P({a}, {x}) = {got}, want {want}");
            checked += 1;
        }
        for case in doc["mixing"].as_array().unwrap() {
            let (p0, p1, x, q) = (
                num(&case["p0"]),
                num(&case["p1"]),
                num(&case["x"]),
                num(&case["q"]),
            );
            let (pdf, quantile) = match case["distribution"].as_str().unwrap() {
                "gamma" => (
                    gamma_pdf(p0, p1, x).unwrap(),
                    gamma_quantile(p0, p1, q).unwrap(),
                ),
                _ => (
                    beta_pdf(p0, p1, x).unwrap(),
                    beta_quantile(p0, p1, q).unwrap(),
                ),
            };
            assert!(close(pdf, num(&case["pdf"]), 1e-13), "{case}: pdf {pdf}");
            assert!(
                close(quantile, num(&case["quantile"]), 1e-12),
                "{case}: quantile {quantile}"
            );
            checked += 1;
        }
        assert!(checked >= 34, "{checked}");
    }

    #[test]
    fn ends_and_bad_arguments() {
        assert_eq!(ln_beta_inc(2.0, 3.0, 0.0, 1.0), Ok(f64::NEG_INFINITY));
        assert_eq!(ln_beta_inc(2.0, 3.0, 1.0, 0.0), Ok(0.0));
        assert_eq!(
            ln_beta_inc(2.0, 3.0, 0.5, 0.6),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            ln_beta_inc(0.0, 3.0, 0.5, 0.5),
            Err(ChurnError::ParameterOutOfDomain)
        );
        // I_x(1, 1) = x; I_x(a, 1) = xᵃ.
        assert!((libm::exp(ln_beta_inc(1.0, 1.0, 0.25, 0.75).unwrap()) - 0.25).abs() < 1e-15);
        assert!((ln_beta_inc(3.0, 1.0, 0.5, 0.5).unwrap() - 3.0 * libm::log(0.5)).abs() < 1e-14);
        assert_eq!(gamma_p(2.0, 0.0), Ok(0.0));
        assert_eq!(gamma_p(2.0, -1.0), Err(ChurnError::InvalidArgument));
        // P(1, x) = 1 − e⁻ˣ.
        assert!((gamma_p(1.0, 3.0).unwrap() - (1.0 - libm::exp(-3.0))).abs() < 1e-15);
        assert_eq!(gamma_pdf(0.5, 2.0, 0.0), Ok(f64::INFINITY));
        assert_eq!(gamma_pdf(1.0, 2.0, 0.0), Ok(2.0));
        assert_eq!(gamma_pdf(3.0, 2.0, 0.0), Ok(0.0));
        assert_eq!(beta_pdf(1.0, 3.0, 0.0), Ok(3.0));
        assert_eq!(beta_pdf(2.0, 0.5, 1.0), Ok(f64::INFINITY));
        assert_eq!(beta_pdf(2.0, 3.0, 1.5), Err(ChurnError::InvalidArgument));
        assert_eq!(
            gamma_quantile(2.0, 1.0, 1.0),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            beta_quantile(2.0, 1.0, 0.0),
            Err(ChurnError::InvalidArgument)
        );
    }
}
