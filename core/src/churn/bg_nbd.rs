//! The BG/NBD model (Fader, Hardie and Lee 2005, "Counting your customers the easy way"):
//! while alive, a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after each repeat
//! purchase they drop out with probability p ~ Beta(a, b).
//!
//! Under BG/NBD a customer can only drop out right after a repeat purchase, so every one-time
//! buyer has P(alive) = 1: use [`crate::churn::mbg_nbd`] or [`crate::churn::pareto_nbd`] for
//! churn risk (see `docs/churn.md`).
//!
//! ```
//! use retention_core::churn::{bg_nbd::BgNbd, Observation, TransactionModel};
//! // The published CDNOW fit (weeks), and its customer with x = 2, t_x = 30.43, T = 38.86.
//! let model = BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258)?;
//! let customer = Observation::new(2.0, 30.43, 38.86)?;
//! assert!((model.p_alive(&customer)? - 0.7266).abs() < 5e-5);
//! assert!((model.expected_purchases(&customer, 39.0)? - 1.226).abs() < 5e-4);
//! # Ok::<(), retention_core::churn::ChurnError>(())
//! ```

use super::math;
#[cfg(feature = "std")]
use super::special::{LANES, sum_series_lanes};
use super::special::{
    SignedLog, exprel, hyp2f1_unit_complement, interpolate, interpolation_nodes, ln_add_exp,
    ln_gamma_ratio, logistic_neg, sum_series,
};
use super::{ChurnError, Observation, TransactionModel, check_horizon, check_positive, finite};

/// BG/NBD parameters: `r`, `alpha` (purchase rate Gamma shape and scale; `alpha` in time units)
/// and `a`, `b` (dropout probability Beta), all finite and above zero.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl BgNbd {
    /// The model with these parameters, or [`ChurnError::ParameterOutOfDomain`].
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<BgNbd, ChurnError> {
        check_positive(&[r, alpha, a, b])?;
        Ok(BgNbd { r, alpha, a, b })
    }

    /// `[r, alpha, a, b]`, lifetimes' order.
    #[must_use]
    pub const fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }
}

impl BgNbd {
    /// P(alive) of a valid observation, branch-free (the batch loop vectorises it):
    /// `1 / (1 + a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x))`, 1 for x = 0.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn p_alive_row(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let gap = (big_t - t_x) / (alpha + t_x);
        let d = math::ln_inline(a / (b + x - 1.0)) + (r + x) * math::ln_1p_inline(gap);
        let p = logistic_neg(d);
        if x == 0.0 { 1.0 } else { p }
    }

    /// Expected purchases in the next `t` of a customer alive at age T with x repeat purchases:
    /// a new customer with parameters (r + x, α + T) and dropout odds updated by x.
    fn forward(&self, x: f64, age: f64, t: f64) -> Result<f64, ChurnError> {
        let BgNbd { r, alpha, a, b } = *self;
        beta_geometric_expectation(r + x, alpha + age, a, a + b + x - 1.0, t)
    }
}

impl TransactionModel for BgNbd {
    fn log_likelihood(&self, customer: &Observation) -> Result<f64, ChurnError> {
        let BgNbd { r, alpha, a, b } = *self;
        let (x, t_x, big_t) = (customer.frequency(), customer.recency(), customer.age());
        // ln[Γ(r+x) αʳ / Γ(r)] + ln[B(a, b+x) / B(a, b)] + ln[(α+T)^−(r+x) + δ a/(b+x−1) (α+tₓ)^−(r+x)]
        let a1 = ln_gamma_ratio(r, x)? + r * math::ln(alpha);
        let a2 = ln_gamma_ratio(b, x)? - ln_gamma_ratio(a + b, x)?;
        let a3 = -(r + x) * math::ln(alpha + big_t);
        let tail = if x > 0.0 {
            let a4 = math::ln(a) - math::ln(b + x - 1.0) - (r + x) * math::ln(alpha + t_x);
            ln_add_exp(a3, a4)
        } else {
            a3
        };
        finite(a1 + a2 + tail)
    }

    fn p_alive(&self, customer: &Observation) -> Result<f64, ChurnError> {
        finite(self.p_alive_row(customer.frequency(), customer.recency(), customer.age()))
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
            self.p_alive_row(x, t_x, big_t)
        }))
    }

    fn expected_purchases(&self, customer: &Observation, t: f64) -> Result<f64, ChurnError> {
        let t = check_horizon(t)?;
        let x = customer.frequency();
        // A customer alive at T continues as a new BG/NBD customer with parameters
        // (r + x, α + T, a, b + x): E[Y(t) | x, tₓ, T] = P(alive) · E'[X(t)].
        let alive = self.p_alive(customer)?;
        let forward = self.forward(x, customer.age(), t)?;
        finite(alive * forward)
    }

    fn unconditional_expected_purchases(&self, t: f64) -> Result<f64, ChurnError> {
        let t = check_horizon(t)?;
        let BgNbd { r, alpha, a, b } = *self;
        beta_geometric_expectation(r, alpha, a, a + b - 1.0, t)
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
        let BgNbd { r, alpha, a, b } = *self;
        let x = frequency;
        forward_expectations(r + x, alpha, a, a + b + x - 1.0, age, t, active, out);
        true
    }
}

/// `c/(a − 1) · [1 − (1 − z)^r F(r, c − a + 1; c; z)]` with `z = t/(α + t)`: the expected
/// purchases in `(0, t]` of a customer alive at 0 under BG/NBD (`c = a + b − 1`) and MBG/NBD
/// (`c = a + b`, alive-forward), with the removable singularity at `a = 1` taken out. Two exact
/// forms, chosen so that nothing cancels:
///
/// - **Negative-binomial mixture** (when `c > 2r`, or `c < r` where the Euler series would
///   alternate, if N's mean `r z/(1 − z)` is below 30,000): with `N ~ NB(r, z)`,
///   `(1 − z)^r F(r, B; c; z) = E[(B)_N / (c)_N]`, `B = c − a + 1`, so the value is
///   `E[c (1 − (B)_N/(c)_N) / (a − 1)] = Σₙ≥₁ P(N = n) Eₙ` with `E₁ = 1`,
///   `Eₙ₊₁ = Eₙ + ρₙ/(c + n)`, `ρ₁ = B`, `ρₙ₊₁ = ρₙ (B + n)/(c + n)`: positive terms, and the
///   factor `r` kept exactly (small `r` loses nothing).
/// - **Euler transform** (otherwise: many purchases, `r ≤ c ≤ 2r`): the bracket becomes
///   `1 − (1 − z)^(a−1) F(a − 1, c − r; c; z)`, and `(a − 1)ₙ = (a − 1)(a)ₙ₋₁` lets `a − 1` be
///   divided out: `c·(−L)·exprel((a−1)L) − (1 − z)^(a−1) Σₙ≥₁ (a)ₙ₋₁ (c − r)ₙ / ((c + 1)ₙ₋₁ n!) zⁿ`,
///   `L = ln(1 − z)`; the series is short because `c` is large.
pub(crate) fn beta_geometric_expectation(
    r: f64,
    alpha: f64,
    a: f64,
    c: f64,
    t: f64,
) -> Result<f64, ChurnError> {
    if t == 0.0 {
        return Ok(0.0);
    }
    let ln_one_minus_z = -math::ln_1p(t / alpha);
    let z = t / (alpha + t);
    let one_minus_z = alpha / (alpha + t);
    // The Euler series alternates when c − r < 0 (r large against c, as with r in the tens):
    // its terms then cancel. The mixture's terms are positive, so it takes that case too, when
    // its length (about the mean of N, r z/(1 − z), plus a few standard deviations) fits the
    // term budget, with the Euler series as the fallback.
    let mixture_fits = r * -ln_one_minus_z < 600.0;
    let euler = || euler_series(r, z, ln_one_minus_z, a, c);
    let result = if c > 2.0 * r && mixture_fits {
        negative_binomial_mixture(r, z, ln_one_minus_z, a, c)
    } else if c < r && mixture_fits && r * z < 30_000.0 * one_minus_z {
        negative_binomial_mixture(r, z, ln_one_minus_z, a, c).or_else(|_| euler())
    } else {
        euler()
    };
    match result {
        // z very close to 1 (a horizon far beyond α): both series are slow; ₂F₁ has a
        // connection formula there.
        Err(ChurnError::NoConvergence) => via_hypergeometric(r, z, one_minus_z, a, c),
        other => other,
    }
}

/// The lanes of a beta-geometric model's `alive_forwards` (BG/NBD and MBG/NBD differ only in
/// `c`): as `alive_forward`, each active lane's horizon checked first (its error in `out`),
/// then [`beta_geometric_expectations`] with `alpha + age` for the lanes that passed.
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn forward_expectations(
    r: f64,
    alpha: f64,
    a: f64,
    c: f64,
    age: &[f64; LANES],
    t: &[f64; LANES],
    active: &[bool; LANES],
    out: &mut [Result<f64, ChurnError>; LANES],
) {
    let mut series = [false; LANES];
    for (((series, out), &active), &t) in series.iter_mut().zip(out.iter_mut()).zip(active).zip(t) {
        if active {
            match check_horizon(t) {
                Ok(_) => *series = true,
                Err(error) => *out = Err(error),
            }
        }
    }
    let alphas = age.map(|age| alpha + age);
    beta_geometric_expectations(r, a, c, &alphas, t, &series, out);
}

/// [`beta_geometric_expectation`] of lanes that share `r`, `a` and `c` and differ in `alpha`
/// and `t` (one customer's CLV months; customers of one frequency): the lanes' series run
/// together ([`sum_series_lanes`]), each ratio's division done once for all. Every active
/// lane gets the value or error of [`beta_geometric_expectation`] with its `alpha` and `t`,
/// bit for bit (the same operations on the same numbers; where the lockstep form would leave
/// them, in the rarer branches, the lane is computed by [`beta_geometric_expectation`]
/// itself). Inactive lanes of `out` are left as they are.
#[cfg(feature = "std")]
pub(crate) fn beta_geometric_expectations(
    r: f64,
    a: f64,
    c: f64,
    alpha: &[f64; LANES],
    t: &[f64; LANES],
    active: &[bool; LANES],
    out: &mut [Result<f64, ChurnError>; LANES],
) {
    let mut z = [0.0; LANES];
    let mut ln_w = [0.0; LANES];
    let mut euler = [false; LANES];
    let mut mixture = [false; LANES];
    let mut alone = [false; LANES];
    let lanes = (z.iter_mut().zip(&mut ln_w))
        .zip(euler.iter_mut().zip(&mut mixture).zip(&mut alone))
        .zip(alpha.iter().zip(t).zip(active))
        .zip(out.iter_mut());
    for ((((z, ln_w), ((euler, mixture), alone)), ((&alpha, &t), &active)), out) in lanes {
        if !active {
            continue;
        }
        if t == 0.0 {
            *out = Ok(0.0);
            continue;
        }
        // As beta_geometric_expectation chooses.
        let ln_one_minus_z = -math::ln_1p(t / alpha);
        *z = t / (alpha + t);
        let one_minus_z = alpha / (alpha + t);
        let mixture_fits = r * -ln_one_minus_z < 600.0;
        *ln_w = ln_one_minus_z;
        if c > 2.0 * r && mixture_fits {
            *mixture = true;
        } else if c < r && mixture_fits && r * *z < 30_000.0 * one_minus_z {
            *alone = true;
        } else {
            *euler = true;
        }
    }
    let mut done = [None; LANES];
    if euler.contains(&true) {
        // euler_series, lane by lane.
        let eps = a - 1.0;
        let q = c - r;
        let steady = 0.0_f64.max(-q - 1.0).max(-c - 1.0) + 1.0;
        let first = z.map(|z| q * z);
        let series = sum_series_lanes(
            &first,
            |n, rho| {
                let shared = (a + n) * (q + n + 1.0) / ((c + n + 1.0) * (n + 2.0));
                for (rho, &z) in rho.iter_mut().zip(&z) {
                    *rho = shared * z;
                }
            },
            steady,
            &z,
            &euler,
        );
        for (((done, series), &l), &euler) in done.iter_mut().zip(series).zip(&ln_w).zip(&euler) {
            if let (true, Some(series)) = (euler, series) {
                let head = c * -l * exprel(eps * l);
                let correction = series.scale(eps * l).value();
                let expected = head - correction;
                if expected.is_finite() {
                    *done = Some(expected.max(0.0));
                }
            }
        }
    }
    if mixture.contains(&true) {
        // negative_binomial_mixture, lane by lane.
        let b_param = c - a + 1.0;
        let mut e = 1.0;
        let mut rho_e = b_param;
        let first = z.map(|z| r * z);
        let series = sum_series_lanes(
            &first,
            |n, rho| {
                let k = n + 1.0;
                let next = e + rho_e / (c + k);
                let shared = (r + k) / (k + 1.0);
                let growth = next / e;
                for (rho, &z) in rho.iter_mut().zip(&z) {
                    *rho = shared * z * growth;
                }
                rho_e *= (b_param + k) / (c + k);
                e = next;
            },
            0.0_f64.max(1.0 - r),
            &z,
            &mixture,
        );
        let lanes = done.iter_mut().zip(series).zip(&ln_w).zip(&mixture);
        for (((done, series), &l), &mixture) in lanes {
            if let (true, Some(series)) = (mixture, series) {
                let value = series.scale(r * l).value();
                if value.is_finite() {
                    *done = Some(value);
                }
            }
        }
    }
    let lanes = (out.iter_mut().zip(done))
        .zip(euler.iter().zip(&mixture).zip(&alone))
        .zip(alpha.iter().zip(t));
    for (((out, done), ((&euler, &mixture), &alone)), (&alpha, &t)) in lanes {
        if euler || mixture || alone {
            *out = match done {
                Some(value) => Ok(value),
                None => beta_geometric_expectation(r, alpha, a, c, t),
            };
        }
    }
}

/// The Euler-transform form of [`beta_geometric_expectation`].
fn euler_series(r: f64, z: f64, ln_one_minus_z: f64, a: f64, c: f64) -> Result<f64, ChurnError> {
    let eps = a - 1.0;
    let head = c * -ln_one_minus_z * exprel(eps * ln_one_minus_z);
    let q = c - r;
    // Ratios t_{k+1}/t_k = (a + k − 1)(q + k) / ((c + k)(k + 1)) z, k = n + 1.
    let steady = 0.0_f64.max(-q - 1.0).max(-c - 1.0) + 1.0;
    let series: SignedLog = sum_series(
        q * z,
        |n| (a + n) * (q + n + 1.0) / ((c + n + 1.0) * (n + 2.0)) * z,
        steady,
        z,
    )?;
    let correction = series.scale(eps * ln_one_minus_z).value();
    let expected = finite(head - correction)?;
    // The exact value is positive; a negative result is rounding of a value near zero.
    Ok(expected.max(0.0))
}

/// [`beta_geometric_expectation`] straight from its definition with ₂F₁, for `z` near 1:
/// `c/(a − 1) · [1 − wʳ F(r, c − a + 1; c; z)]`, `w = 1 − z`. Within 10⁻³ of `a = 1` the
/// bracket and `a − 1` vanish together; the value is analytic in `a` (with `c − a` fixed), so it
/// is interpolated from `a = 1 ± h, 1 ± 2h, 1 ± 3h` (h = 10⁻³).
fn via_hypergeometric(r: f64, z: f64, w: f64, a: f64, c: f64) -> Result<f64, ChurnError> {
    const NEAR_ONE: f64 = 1e-3;
    let at = |a_node: f64| -> Result<f64, ChurnError> {
        let c_node = c + (a_node - a);
        let f = hyp2f1_unit_complement(r, c - a + 1.0, c_node, z, w)?;
        if f.negative {
            return Err(ChurnError::NotFinite);
        }
        // 1 − wʳ F = −expm1(r ln w + ln F)
        let bracket = -math::exp_m1(r * math::ln(w) + f.ln_abs);
        finite(c_node / (a_node - 1.0) * bracket)
    };
    if (a - 1.0).abs() >= NEAR_ONE {
        return Ok(at(a)?.max(0.0));
    }
    let nodes = interpolation_nodes(1.0, NEAR_ONE);
    let mut values = [0.0; 6];
    for (value, node) in values.iter_mut().zip(nodes) {
        *value = at(node)?;
    }
    Ok(finite(interpolate(a, &nodes, &values))?.max(0.0))
}

/// `Σₙ≥₁ P(N = n) Eₙ`, `N ~ NB(r, z)` (see [`beta_geometric_expectation`]), summed as
/// `(1 − z)^r Σₙ≥₁ qₙ Eₙ` with `qₙ = (r)ₙ zⁿ / n!`.
fn negative_binomial_mixture(
    r: f64,
    z: f64,
    ln_one_minus_z: f64,
    a: f64,
    c: f64,
) -> Result<f64, ChurnError> {
    let b_param = c - a + 1.0;
    let mut e = 1.0; // E_k
    let mut rho = b_param; // ρ_k
    // Term k = n + 1 to k + 1: q ratio (r + k)/(k + 1) z, E ratio E_{k+1}/E_k.
    let series = sum_series(
        r * z,
        |n| {
            let k = n + 1.0;
            let next = e + rho / (c + k);
            let ratio = (r + k) / (k + 1.0) * z * (next / e);
            rho *= (b_param + k) / (c + k);
            e = next;
            ratio
        },
        0.0_f64.max(1.0 - r),
        z,
    )?;
    finite(series.scale(r * ln_one_minus_z).value())
}

#[cfg(test)]
mod tests {
    use super::super::reference::{BETA_GEOMETRIC, MONOTONE_SLACK, check_model, close};
    use super::*;
    use proptest::prelude::*;

    #[test]
    #[cfg_attr(miri, ignore)] // hundreds of series evaluations
    fn against_mpmath() {
        let checked = check_model(
            "bg_nbd",
            |p| BgNbd::new(p[0], p[1], p[2], p[3]).unwrap(),
            &BETA_GEOMETRIC,
        );
        assert!(checked >= 27);
    }

    /// Fader, Hardie & Lee (2005): CDNOW customer x = 2, t_x = 30.43, T = 38.86 has
    /// E[Y(39)] = 1.226 and P(alive) = 0.7266 under the published fit.
    #[test]
    fn published_cdnow_customer() {
        let model = BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258).unwrap();
        let customer = Observation::new(2.0, 30.43, 38.86).unwrap();
        assert!((model.p_alive(&customer).unwrap() - 0.7266).abs() < 5e-5);
        assert!((model.expected_purchases(&customer, 39.0).unwrap() - 1.226).abs() < 5e-4);
    }

    #[test]
    fn one_time_buyers_are_always_alive() {
        // The reason BG/NBD is not the default scoring model: x = 0 gives P(alive) = 1 however
        // long ago the only purchase was.
        let model = BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258).unwrap();
        let lapsed = Observation::new(0.0, 0.0, 500.0).unwrap();
        assert_eq!(model.p_alive(&lapsed).unwrap(), 1.0);
    }

    #[test]
    fn a_equal_one_is_continuous() {
        // The singularity at a = 1 is removable: values at 1 and 1 ± 1e-9 agree to 1e-8.
        let customer = Observation::new(3.0, 20.0, 30.0).unwrap();
        let at = |a| {
            let m = BgNbd::new(0.5, 4.0, a, 2.0).unwrap();
            (
                m.expected_purchases(&customer, 25.0).unwrap(),
                m.unconditional_expected_purchases(25.0).unwrap(),
            )
        };
        let (c1, u1) = at(1.0);
        for a in [1.0 - 1e-9, 1.0 + 1e-9] {
            let (c, u) = at(a);
            assert!(
                close(c, c1, 1e-8) && close(u, u1, 1e-8),
                "a = {a}: {c} {u} vs {c1} {u1}"
            );
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(
            BgNbd::new(0.0, 1.0, 1.0, 1.0),
            Err(ChurnError::ParameterOutOfDomain)
        );
        assert_eq!(
            BgNbd::new(1.0, f64::NAN, 1.0, 1.0),
            Err(ChurnError::ParameterOutOfDomain)
        );
        assert_eq!(
            BgNbd::new(1.0, 1.0, -1.0, 1.0),
            Err(ChurnError::ParameterOutOfDomain)
        );
        let model = BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258).unwrap();
        let customer = Observation::new(1.0, 1.0, 2.0).unwrap();
        assert_eq!(
            model.expected_purchases(&customer, -1.0),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            model.expected_purchases(&customer, f64::NAN),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            model.unconditional_expected_purchases(f64::INFINITY),
            Err(ChurnError::InvalidArgument)
        );
    }

    fn params() -> impl Strategy<Value = BgNbd> {
        (-6.0f64..4.0, -3.0f64..5.0, -4.0f64..3.0, -3.0f64..5.0).prop_map(|(r, alpha, a, b)| {
            BgNbd::new(libm::exp(r), libm::exp(alpha), libm::exp(a), libm::exp(b)).unwrap()
        })
    }

    fn customers() -> impl Strategy<Value = Observation> {
        (0u32..500, 0.0f64..=1.0, 0.0f64..2000.0).prop_map(|(x, share, age)| {
            let recency = if x == 0 { 0.0 } else { share * age };
            Observation::new(f64::from(x), recency, age).unwrap()
        })
    }

    /// Found by `expected_purchases_grow_with_t`: r = 51.7 against c = a + b − 1 = 5.55 made the
    /// Euler series alternate and lose 3e-10. mpmath (50 digits, to f64 here): E[X(137.346…)] =
    /// 1.0178328722832683507, E[X(137.401…)] = 1.0178328722832685449.
    #[test]
    #[cfg_attr(miri, ignore)] // a series of hundreds of terms
    fn large_r_small_c_keeps_its_digits() {
        let model = BgNbd::new(
            51.73580220663886,
            19.324018999872123,
            6.450586483290689,
            0.09719961262591256,
        )
        .unwrap();
        let t = 137.34605793773773;
        for (t, want) in [
            (t, 1.017_832_872_283_268_4),
            (t + 0.055_352_861_787_450_414, 1.017_832_872_283_268_6),
        ] {
            let got = model.unconditional_expected_purchases(t).unwrap();
            assert!((got - want).abs() <= 1e-13 * want, "{got} vs {want}");
        }
    }

    proptest! {
        /// The lanes give each lane's scalar value or error, bit for bit: random parameters
        /// (both series forms, and `c < r` where the scalar may switch forms), ages, and
        /// horizons from 0 to far beyond α (z near 1: the ₂F₁ fallback).
        #[test]
        #[cfg(feature = "std")]
        #[cfg_attr(miri, ignore)] // twelve series per case
        fn lanes_equal_the_scalar_expectation(
            model in params(),
            x in 0u32..400,
            ages in proptest::array::uniform12(0.0f64..3000.0),
            horizons in proptest::array::uniform12(prop_oneof![Just(0.0), 0.0f64..100.0, 0.0f64..1e6]),
            active in proptest::array::uniform12(proptest::bool::weighted(0.9)),
            bg in proptest::bool::ANY,
        ) {
            let [r, alpha, a, b] = model.params();
            let x = f64::from(x);
            let c = if bg { a + b + x - 1.0 } else { a + b + x };
            let alphas = ages.map(|age| alpha + age);
            let mut out = [Err(ChurnError::InvalidArgument); LANES];
            beta_geometric_expectations(r + x, a, c, &alphas, &horizons, &active, &mut out);
            for lane in 0..LANES {
                if active[lane] {
                    let want = beta_geometric_expectation(r + x, alphas[lane], a, c, horizons[lane]);
                    prop_assert_eq!(out[lane].map(f64::to_bits), want.map(f64::to_bits));
                } else {
                    prop_assert_eq!(out[lane], Err(ChurnError::InvalidArgument));
                }
            }
        }

        #[test]
        fn p_alive_is_a_probability(model in params(), customer in customers()) {
            let p = model.p_alive(&customer).unwrap();
            prop_assert!((0.0..=1.0).contains(&p));
        }

        #[test]
        #[cfg_attr(miri, ignore)] // long series under Miri
        fn expected_purchases_grow_with_t(model in params(), customer in customers(), t in 0.0f64..200.0, dt in 0.0f64..200.0) {
            let (Ok(early), Ok(late)) = (
                model.expected_purchases(&customer, t),
                model.expected_purchases(&customer, t + dt),
            ) else {
                // Only arguments very close to 1 may exhaust the term budget.
                return Ok(());
            };
            prop_assert!(early >= 0.0);
            prop_assert!(late >= early * (1.0 - MONOTONE_SLACK), "{early} then {late}");
            let (Ok(u0), Ok(u1)) = (
                model.unconditional_expected_purchases(t),
                model.unconditional_expected_purchases(t + dt),
            ) else {
                return Ok(());
            };
            prop_assert!(u0 >= 0.0 && u1 >= u0 * (1.0 - MONOTONE_SLACK), "{u0} then {u1}");
        }
    }
}
