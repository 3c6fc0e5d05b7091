//! The BG/BB model (beta-geometric/beta-binomial; Fader, Hardie and Shang 2010,
//! "Customer-base analysis in a discrete-time noncontractual setting"): lifetimes'
//! `BetaGeoBetaBinomFitter`, for customers who can buy only at discrete opportunities (a yearly
//! donation, a weekly market day, one purchase period of the summary's grain).
//!
//! While alive, a customer buys at each opportunity with probability p ~ Beta(α, β); before
//! each opportunity an alive customer drops out for good with probability θ ~ Beta(γ, δ). A
//! customer is observed over `n` opportunities after the first purchase (`age` n, whole), with
//! `frequency` x purchases among them and the last one at opportunity `recency` t_x
//! (0 ≤ x ≤ t_x ≤ n, whole; t_x = 0 when x = 0) — lifetimes' `frequency`, `recency`,
//! `n_periods`; [`Observation`] with whole times, in periods.
//!
//! - likelihood (their eq. 5): `L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//!   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)`;
//! - P(alive in period n + m) (eq. 11 for m = 1): `B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+m)/B(γ,δ) / L`;
//!   [`TransactionModel::p_alive`] is m = 1, the paper's "P(alive in the next period)";
//! - expected purchases in the next t opportunities (eq. 13):
//!   `P(alive in n) · (α+x)/(α+β+n) · Σ_{k=1}^{t} B(γ, δ+n+k)/B(γ, δ+n)`, and of a new customer
//!   (eq. 6) `α/(α+β) · Σ_{k=1}^{t} B(γ, δ+k)/B(γ, δ)`;
//! - P(X(n) = x), the purchase count in the first n opportunities (eq. 7).
//!
//! Sums over opportunities are evaluated term by term with the ratios of consecutive beta
//! functions (`B(a, b+1)/B(a, b) = b/(a+b)`), so there is no removable singularity at γ = 1
//! and nothing cancels; each call is bounded by [`MAX_BG_BB_PERIODS`] terms. Horizons are whole
//! numbers of opportunities.
//!
//! ```
//! use retention_core::churn::{bg_bb::BetaGeoBetaBinom, Observation, TransactionModel};
//! // The donation data's published fit, and a donor who gave in 2 of 6 years, last in year 4:
//! // P(alive in 2002) = 0.59 (the paper's Table 6).
//! let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
//! let donor = Observation::new(2.0, 4.0, 6.0)?;
//! assert!((model.p_alive(&donor)? - 0.59).abs() < 0.005);
//! # Ok::<(), retention_core::churn::ChurnError>(())
//! ```

use super::special::{ln_beta, logistic_neg};
use super::{ChurnError, Observation, TransactionModel, check_horizon, check_positive, finite};

/// The most opportunities (`n`, and a horizon `t`) the BG/BB computations take: each sums up to
/// this many terms. 100,000 days is 273 years.
pub const MAX_BG_BB_PERIODS: f64 = 100_000.0;

/// BG/BB parameters: `alpha`, `beta` (purchase probability Beta) and `gamma`, `delta` (dropout
/// probability Beta), all finite and above zero. No time unit: the model counts opportunities.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BetaGeoBetaBinom {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

/// A checked BG/BB customer: x, t_x, n, whole, `0 ≤ x ≤ t_x ≤ n ≤` [`MAX_BG_BB_PERIODS`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Opportunities {
    pub(crate) x: f64,
    pub(crate) t_x: f64,
    pub(crate) n: f64,
}

impl Opportunities {
    /// The observation's x, t_x and n, checked for BG/BB.
    ///
    /// Errors: [`ChurnError::InvalidObservation`] when the recency or age is not whole,
    /// [`ChurnError::FrequencyAboveRecency`] when x > t_x, [`ChurnError::TooManyPeriods`]
    /// when n exceeds [`MAX_BG_BB_PERIODS`].
    pub(crate) fn of(customer: &Observation) -> Result<Opportunities, ChurnError> {
        let (x, t_x, n) = (customer.frequency(), customer.recency(), customer.age());
        if !super::whole(t_x) || !super::whole(n) {
            return Err(ChurnError::InvalidObservation);
        }
        if x > t_x {
            return Err(ChurnError::FrequencyAboveRecency);
        }
        if n > MAX_BG_BB_PERIODS {
            return Err(ChurnError::TooManyPeriods);
        }
        Ok(Opportunities { x, t_x, n })
    }
}

/// A horizon of whole opportunities within [`MAX_BG_BB_PERIODS`].
fn check_periods(t: f64) -> Result<f64, ChurnError> {
    let t = check_horizon(t)?;
    if !super::whole(t) {
        return Err(ChurnError::InvalidArgument);
    }
    if t > MAX_BG_BB_PERIODS {
        return Err(ChurnError::TooManyPeriods);
    }
    Ok(t)
}

impl BetaGeoBetaBinom {
    /// The model with these parameters, or [`ChurnError::ParameterOutOfDomain`].
    pub fn new(
        alpha: f64,
        beta: f64,
        gamma: f64,
        delta: f64,
    ) -> Result<BetaGeoBetaBinom, ChurnError> {
        check_positive(&[alpha, beta, gamma, delta])?;
        Ok(BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        })
    }

    /// `[alpha, beta, gamma, delta]`, lifetimes' order.
    #[must_use]
    pub const fn params(&self) -> [f64; 4] {
        [self.alpha, self.beta, self.gamma, self.delta]
    }

    /// `ln(S/A)`, the log-odds of "dropped out before opportunity n" against "alive at n"
    /// given the history: `A` the likelihood's first term, `S` its sum. `-inf` when t_x = n.
    fn ln_dropped_odds(&self, c: Opportunities) -> Result<f64, ChurnError> {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let Opportunities { x, t_x, n } = c;
        if t_x == n {
            return Ok(f64::NEG_INFINITY);
        }
        // ln T₀ − ln A, the common B(α,β) B(γ,δ) cancelling.
        let first = ln_beta(alpha + x, beta + t_x - x)? - ln_beta(alpha + x, beta + n - x)?
            + ln_beta(gamma + 1.0, delta + t_x)?
            - ln_beta(gamma, delta + n)?;
        Ok(first + libm::log(self.dropout_sum(c)))
    }

    /// `S/T₀ = Σ_{i<n−t_x} Tᵢ/T₀`, `Tᵢ` the sum's terms: each term is the previous times
    /// `(β+t_x−x+i)/(α+β+t_x+i) · (δ+t_x+i)/(γ+δ+1+t_x+i)`, a ratio below 1, so the running
    /// product never overflows. At least 1.
    fn dropout_sum(&self, c: Opportunities) -> f64 {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let Opportunities { x, t_x, n } = c;
        let (mut buy, mut stay) = (beta + t_x - x, delta + t_x);
        let (mut buy_total, mut stay_total) = (alpha + beta + t_x, gamma + delta + 1.0 + t_x);
        let (mut term, mut sum) = (1.0, 1.0);
        let mut i = 1.0;
        // n − t_x ≤ MAX_BG_BB_PERIODS terms (checked by `Opportunities::of`).
        while i < n - t_x {
            term *= (buy / buy_total) * (stay / stay_total);
            sum += term;
            buy += 1.0;
            stay += 1.0;
            buy_total += 1.0;
            stay_total += 1.0;
            i += 1.0;
        }
        sum
    }

    /// P(alive in period n + m | x, t_x, n): the paper's eq. 11 for `m` = 1 (lifetimes'
    /// `conditional_probability_alive(m_periods_in_future, ...)`). `m` finite and ≥ 0 (0: alive
    /// at the last opportunity observed).
    ///
    /// Errors: the BG/BB observation checks ([`ChurnError::InvalidObservation`],
    /// [`ChurnError::FrequencyAboveRecency`], [`ChurnError::TooManyPeriods`]),
    /// [`ChurnError::InvalidArgument`] for a bad `m`.
    pub fn p_alive_at(&self, customer: &Observation, m: f64) -> Result<f64, ChurnError> {
        let c = Opportunities::of(customer)?;
        let m = check_horizon(m)?;
        let (gamma, delta) = (self.gamma, self.delta);
        // P(alive at n | history) = 1/(1 + S/A); surviving m more dropout chances as a new
        // customer of dropout Beta(γ, δ + n): B(γ, δ+n+m)/B(γ, δ+n).
        let alive = logistic_neg(self.ln_dropped_odds(c)?);
        let survive = if m == 0.0 {
            0.0
        } else {
            ln_beta(gamma, delta + c.n + m)? - ln_beta(gamma, delta + c.n)?
        };
        finite((alive * libm::exp(survive)).min(1.0))
    }

    /// P(X(n) = x): the probability that a new customer buys at exactly `x` of the first `n`
    /// opportunities (the paper's eq. 7; lifetimes'
    /// `expected_number_of_transactions_in_first_n_periods` is this times the customer count).
    ///
    /// Errors: [`ChurnError::InvalidObservation`] unless x and n are whole with
    /// `0 ≤ x ≤ n`; [`ChurnError::TooManyPeriods`] for n above [`MAX_BG_BB_PERIODS`].
    pub fn probability_of_purchases(&self, x: f64, n: f64) -> Result<f64, ChurnError> {
        let valid = |v: f64| v.is_finite() && v >= 0.0 && super::whole(v);
        if !valid(x) || !valid(n) || x > n {
            return Err(ChurnError::InvalidObservation);
        }
        if n > MAX_BG_BB_PERIODS {
            return Err(ChurnError::TooManyPeriods);
        }
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let ln_ab = ln_beta(alpha, beta)?;
        let ln_gd = ln_beta(gamma, delta)?;
        // Alive through all n: C(n, x) B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ).
        let ln_binomial = |k: f64| -> Result<f64, ChurnError> {
            // ln C(k, x) = −ln(k+1) − ln B(k−x+1, x+1).
            Ok(-libm::log(k + 1.0) - ln_beta(k - x + 1.0, x + 1.0)?)
        };
        let alive = libm::exp(
            ln_binomial(n)? + ln_beta(alpha + x, beta + n - x)? - ln_ab
                + ln_beta(gamma, delta + n)?
                - ln_gd,
        );
        if x == n {
            return finite(alive.min(1.0));
        }
        // Dropped out after opportunity i, x ≤ i < n: C(i, x) B(α+x, β+i−x)/B(α,β) ·
        // B(γ+1, δ+i)/B(γ,δ). From i = x on, each term is the previous times
        // (i+1)/(i+1−x) · (β+i−x)/(α+β+i) · (δ+i)/(γ+δ+1+i). Terms can start below the
        // smallest double and grow, so the sum is kept relative to the first term, rescaled
        // when it grows large.
        let ln_first = ln_binomial(x)? + ln_beta(alpha + x, beta)? - ln_ab
            + ln_beta(gamma + 1.0, delta + x)?
            - ln_gd;
        let (mut term, mut sum, mut ln_scale) = (1.0_f64, 1.0_f64, ln_first);
        let mut i = x;
        while i + 1.0 < n {
            term *= (i + 1.0) / (i + 1.0 - x) * (beta + i - x) / (alpha + beta + i) * (delta + i)
                / (gamma + delta + 1.0 + i);
            sum += term;
            if sum > 1e250 {
                sum *= 1e-250;
                term *= 1e-250;
                ln_scale += 575.646_273_248_511_4; // 250 · ln 10
            }
            i += 1.0;
        }
        finite((alive + libm::exp(ln_scale + libm::log(sum))).min(1.0))
    }
}

/// `Σ_{k=1}^{t} B(γ, δ+k)/B(γ, δ)`: the expected opportunities in `(0, t]` at which a customer
/// alive at 0 is still alive (dropout Beta(γ, δ)); each term the previous times
/// `(δ+k−1)/(γ+δ+k−1)`. `t` whole, within [`MAX_BG_BB_PERIODS`].
fn alive_opportunities(gamma: f64, delta: f64, t: f64) -> f64 {
    let (mut term, mut sum) = (1.0, 0.0);
    let (mut stay, mut total) = (delta, gamma + delta);
    let mut k = 0.0;
    while k < t {
        term *= stay / total;
        sum += term;
        stay += 1.0;
        total += 1.0;
        k += 1.0;
    }
    sum
}

impl TransactionModel for BetaGeoBetaBinom {
    fn log_likelihood(&self, customer: &Observation) -> Result<f64, ChurnError> {
        let c = Opportunities::of(customer)?;
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let Opportunities { x, n, .. } = c;
        // ln A + ln(1 + S/A).
        let ln_a = ln_beta(alpha + x, beta + n - x)? - ln_beta(alpha, beta)?
            + ln_beta(gamma, delta + n)?
            - ln_beta(gamma, delta)?;
        let odds = self.ln_dropped_odds(c)?;
        finite(ln_a + super::special::ln_add_exp(0.0, odds))
    }

    /// P(alive in the next period, n + 1): the paper's Table 6 quantity.
    fn p_alive(&self, customer: &Observation) -> Result<f64, ChurnError> {
        self.p_alive_at(customer, 1.0)
    }

    /// Expected purchases at the next `t` opportunities (whole, within
    /// [`MAX_BG_BB_PERIODS`]); lifetimes' `conditional_expected_number_of_purchases_up_to_time`.
    fn expected_purchases(&self, customer: &Observation, t: f64) -> Result<f64, ChurnError> {
        let t = check_periods(t)?;
        let c = Opportunities::of(customer)?;
        let alive = self.p_alive_at(customer, 0.0)?;
        let buy = (self.alpha + c.x) / (self.alpha + self.beta + c.n);
        finite(alive * buy * alive_opportunities(self.gamma, self.delta + c.n, t))
    }

    /// Expected purchases of a new customer at the first `t` opportunities (the paper's eq. 6).
    fn unconditional_expected_purchases(&self, t: f64) -> Result<f64, ChurnError> {
        let t = check_periods(t)?;
        let buy = self.alpha / (self.alpha + self.beta);
        finite(buy * alive_opportunities(self.gamma, self.delta, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `tests/vectors/discrete_churn.json`.
    pub(crate) fn doc() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/vectors/discrete_churn.json")).unwrap()
    }

    fn num(value: &serde_json::Value) -> f64 {
        value.as_str().unwrap().parse().unwrap()
    }

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300)
    }

    /// Every case of the mpmath table: log-likelihood to 1e-12 (relative, or 1e-11 absolute),
    /// P(alive) and the expectations to 1e-11 relative.
    #[test]
    #[cfg_attr(miri, ignore)] // sums of thousands of terms
    fn against_mpmath() {
        let doc = doc();
        let mut checked = 0;
        for case in doc["bg_bb"].as_array().unwrap() {
            let p: Vec<f64> = case["params"].as_array().unwrap().iter().map(num).collect();
            let model = BetaGeoBetaBinom::new(p[0], p[1], p[2], p[3]).unwrap();
            let customer =
                Observation::new(num(&case["x"]), num(&case["t_x"]), num(&case["n"])).unwrap();
            let (t, m) = (num(&case["t"]), num(&case["m"]));
            let what = format!("{p:?} {customer:?} t={t} m={m}");
            let ll = model.log_likelihood(&customer).unwrap();
            let want = num(&case["log_likelihood"]);
            assert!(
                close(ll, want, 1e-12) || (ll - want).abs() < 1e-11,
                "LL {what}: {ll} vs {want}"
            );
            let alive = model.p_alive_at(&customer, m).unwrap();
            assert!(
                close(alive, num(&case["p_alive"]), 1e-11),
                "P(alive) {what}: {alive} vs {}",
                case["p_alive"]
            );
            if m == 1.0 {
                assert_eq!(model.p_alive(&customer).unwrap(), alive);
            }
            if t.fract() == 0.0 {
                let cond = model.expected_purchases(&customer, t).unwrap();
                assert!(
                    close(cond, num(&case["conditional_expected"]), 1e-11),
                    "E[X] {what}: {cond} vs {}",
                    case["conditional_expected"]
                );
                let uncond = model.unconditional_expected_purchases(t).unwrap();
                assert!(
                    close(uncond, num(&case["unconditional_expected"]), 1e-11),
                    "E[X(t)] {what}: {uncond} vs {}",
                    case["unconditional_expected"]
                );
            } else {
                // A fractional horizon has no meaning at discrete opportunities.
                assert_eq!(
                    model.expected_purchases(&customer, t),
                    Err(ChurnError::InvalidArgument)
                );
            }
            checked += 1;
        }
        assert_eq!(checked, 60);
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn purchase_count_distribution_against_mpmath() {
        let doc = doc();
        for case in doc["bg_bb_pmf"].as_array().unwrap() {
            let p: Vec<f64> = case["params"].as_array().unwrap().iter().map(num).collect();
            let model = BetaGeoBetaBinom::new(p[0], p[1], p[2], p[3]).unwrap();
            let n = num(&case["n"]);
            for (x, want) in case["pmf"].as_array().unwrap().iter().enumerate() {
                let got = model.probability_of_purchases(x as f64, n).unwrap();
                assert!(close(got, num(want), 1e-12), "{p:?} n={n} x={x}: {got}");
            }
        }
    }

    /// The published figures at the published parameters: Table 6's P(alive in 2002) 0.11,
    /// 0.59, 0.93, to their two decimals.
    #[test]
    fn table_6_of_the_paper() {
        let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783).unwrap();
        for (x, t_x, want) in [(0.0, 0.0, 0.11), (2.0, 4.0, 0.59), (6.0, 6.0, 0.93)] {
            let p = model
                .p_alive(&Observation::new(x, t_x, 6.0).unwrap())
                .unwrap();
            assert!((p - want).abs() < 0.005, "x={x} t_x={t_x}: {p}");
        }
    }

    #[test]
    fn worked_small_case() {
        // α = β = γ = δ = 1, one opportunity, no purchase: L = B(1,2)/B(1,1) · B(1,2)/B(1,1)
        // + B(1,1)/B(1,1) · B(2,1)/B(1,1) = 1/2 · 1/2 + 1/2 = 3/4. P(alive at 1) = (1/4)/(3/4)
        // = 1/3; P(alive at 2) = 1/3 · B(1,3)/B(1,2) = 1/3 · 2/3 = 2/9.
        let model = BetaGeoBetaBinom::new(1.0, 1.0, 1.0, 1.0).unwrap();
        let customer = Observation::new(0.0, 0.0, 1.0).unwrap();
        assert!((model.log_likelihood(&customer).unwrap() - 0.75f64.ln()).abs() < 1e-15);
        assert!((model.p_alive_at(&customer, 0.0).unwrap() - 1.0 / 3.0).abs() < 1e-15);
        assert!((model.p_alive(&customer).unwrap() - 2.0 / 9.0).abs() < 1e-15);
        // Next opportunity: alive at 1 (1/3) · buys (α+x)/(α+β+n) = 1/3 · survives B(1,3)/B(1,2)
        // = 2/3: 2/27.
        let e = model.expected_purchases(&customer, 1.0).unwrap();
        assert!((e - 2.0 / 27.0).abs() < 1e-15, "{e}");
        // A new customer, two opportunities: 1/2 · (1/2 + 1/3) = 5/12.
        let u = model.unconditional_expected_purchases(2.0).unwrap();
        assert!((u - 5.0 / 12.0).abs() < 1e-15, "{u}");
        // P(X(1) = 0) = 3/4 (the likelihood above), P(X(1) = 1) = 1/4.
        assert!((model.probability_of_purchases(0.0, 1.0).unwrap() - 0.75).abs() < 1e-15);
        assert!((model.probability_of_purchases(1.0, 1.0).unwrap() - 0.25).abs() < 1e-15);
    }

    #[test]
    fn bad_input_is_refused() {
        let model = BetaGeoBetaBinom::new(1.2, 0.75, 0.66, 2.8).unwrap();
        let obs = |x, t_x, n| Observation::new(x, t_x, n).unwrap();
        assert_eq!(
            model.p_alive(&obs(3.0, 2.0, 6.0)),
            Err(ChurnError::FrequencyAboveRecency)
        );
        assert_eq!(
            model.log_likelihood(&obs(1.0, 1.5, 6.0)),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            model.log_likelihood(&obs(1.0, 1.0, 6.5)),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            model.p_alive(&obs(1.0, 1.0, 1e6)),
            Err(ChurnError::TooManyPeriods)
        );
        assert_eq!(
            model.expected_purchases(&obs(1.0, 1.0, 6.0), 1e6),
            Err(ChurnError::TooManyPeriods)
        );
        assert_eq!(
            model.unconditional_expected_purchases(f64::NAN),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            model.p_alive_at(&obs(1.0, 1.0, 6.0), -1.0),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            model.probability_of_purchases(7.0, 6.0),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            BetaGeoBetaBinom::new(1.0, 0.0, 1.0, 1.0),
            Err(ChurnError::ParameterOutOfDomain)
        );
    }

    proptest! {
        /// Probabilities lie in [0, 1], P(alive) falls with m, expectations grow with t, and the
        /// largest inputs finish.
        #[test]
        #[cfg_attr(miri, ignore)]
        fn values_are_probabilities_and_monotone(
            (a, b, g, d) in (-6.0f64..6.0, -6.0f64..6.0, -6.0f64..6.0, -6.0f64..6.0),
            (x, gap, tail) in (0u32..300, 0u32..300, 0u32..300),
            t in 0u32..400, m in 0u32..50,
        ) {
            let model = BetaGeoBetaBinom::new(a.exp(), b.exp(), g.exp(), d.exp()).unwrap();
            let t_x = if x == 0 { 0 } else { x + gap };
            let customer = Observation::new(f64::from(x), f64::from(t_x), f64::from(t_x + tail)).unwrap();
            let early = model.p_alive_at(&customer, f64::from(m)).unwrap();
            let late = model.p_alive_at(&customer, f64::from(m + 1)).unwrap();
            prop_assert!((0.0..=1.0).contains(&early) && late <= early);
            prop_assert!(model.log_likelihood(&customer).unwrap() <= 1e-12);
            let e0 = model.expected_purchases(&customer, f64::from(t)).unwrap();
            let e1 = model.expected_purchases(&customer, f64::from(t + 1)).unwrap();
            prop_assert!(e0 >= 0.0 && e1 >= e0 && e1 <= e0 + 1.0);
        }
    }
}
