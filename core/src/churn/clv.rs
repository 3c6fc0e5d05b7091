//! Customer lifetime value, lifetimes' discrete monthly formula: for each month k = 1..=months,
//! the expected purchases in that month times the expected spend, discounted by
//! `(1 + monthly_discount_rate)^k`:
//!
//! `CLV = Σₖ spend · [E(k·f) − E((k−1)·f)] / (1 + d)ᵏ`,
//!
//! where `E(t)` is the model's expected purchases in the next `t` time units and `f` the time
//! units per month ([`periods_per_month`]: 30 for days, 4.345 for weeks, 1 for months, as
//! lifetimes).

#[cfg(feature = "std")]
use super::special::LANES;
use super::summary::TimeUnit;
use super::{ChurnError, Observation, TransactionModel, finite};

/// The longest CLV horizon, in months (100 years).
pub const MAX_CLV_MONTHS: u16 = 1_200;

/// Time units per month, as lifetimes: 30 days, 4.345 weeks, or 1 month.
#[must_use]
pub const fn periods_per_month(unit: TimeUnit) -> f64 {
    match unit {
        TimeUnit::Days => 30.0,
        TimeUnit::Weeks => 4.345,
        TimeUnit::Months => 1.0,
    }
}

/// The discounted value of a customer's purchases over the next `months` months.
///
/// `expected_spend` is the spend per purchase (from [`crate::churn::gamma_gamma`]), in any money
/// unit, which the result is in too; `monthly_discount_rate` is for example 0.01 for 1 % a
/// month; `unit` is the model's time unit.
///
/// Errors: [`ChurnError::InvalidArgument`] for a spend or rate that is negative or not finite,
/// or `months` above [`MAX_CLV_MONTHS`]; the model's errors.
pub fn customer_lifetime_value<M: TransactionModel + ?Sized>(
    model: &M,
    customer: &Observation,
    expected_spend: f64,
    months: u16,
    monthly_discount_rate: f64,
    unit: TimeUnit,
) -> Result<f64, ChurnError> {
    let valid = |v: f64| v.is_finite() && v >= 0.0;
    if !valid(expected_spend) || !valid(monthly_discount_rate) || months > MAX_CLV_MONTHS {
        return Err(ChurnError::InvalidArgument);
    }
    let per_month = periods_per_month(unit);
    #[cfg(feature = "std")]
    if let Some(value) = months_together(
        model,
        customer,
        expected_spend,
        months,
        monthly_discount_rate,
        per_month,
    ) {
        return value;
    }
    let mut value = 0.0;
    let mut previous = 0.0;
    let mut discount = 1.0;
    for month in 1..=months {
        let cumulative = model.expected_purchases(customer, f64::from(month) * per_month)?;
        discount /= 1.0 + monthly_discount_rate;
        value += expected_spend * (cumulative - previous) * discount;
        previous = cumulative;
    }
    finite(value)
}

/// [`customer_lifetime_value`] for models with [`TransactionModel::alive_forwards`], on the
/// host: P(alive) once, and the months' expectations [`LANES`] at a time, their series run
/// together. The same operations on the same numbers as the month-by-month loop (each month's
/// `expected_purchases` is `finite(P(alive) · alive_forward)`), so the same bits and the same
/// first error; `None` for other models (and no months).
#[cfg(feature = "std")]
fn months_together<M: TransactionModel + ?Sized>(
    model: &M,
    customer: &Observation,
    expected_spend: f64,
    months: u16,
    monthly_discount_rate: f64,
    per_month: f64,
) -> Option<Result<f64, ChurnError>> {
    let mut forward = [Ok(0.0); LANES];
    let ages = [customer.age(); LANES];
    let (no_horizons, no_lanes) = ([0.0; LANES], [false; LANES]);
    if months == 0
        || !model.alive_forwards(
            customer.frequency(),
            &ages,
            &no_horizons,
            &no_lanes,
            &mut forward,
        )
    {
        return None;
    }
    let mut together = || -> Result<f64, ChurnError> {
        let alive = model.p_alive(customer)?;
        let mut value = 0.0;
        let mut previous = 0.0;
        let mut discount = 1.0;
        let mut month = 1_u16;
        while month <= months {
            let mut t = [0.0; LANES];
            let mut active = [false; LANES];
            for (lane, (t, active)) in t.iter_mut().zip(&mut active).enumerate() {
                let lane_month = u16::try_from(lane).map_or(u16::MAX, |l| month.saturating_add(l));
                if lane_month <= months {
                    *t = f64::from(lane_month) * per_month;
                    *active = true;
                }
            }
            model.alive_forwards(customer.frequency(), &ages, &t, &active, &mut forward);
            for (forward, _) in forward.iter().zip(active).filter(|(_, active)| *active) {
                let cumulative = finite(alive * (*forward)?)?;
                discount /= 1.0 + monthly_discount_rate;
                value += expected_spend * (cumulative - previous) * discount;
                previous = cumulative;
            }
            month = month.saturating_add(u16::try_from(LANES).unwrap_or(u16::MAX));
        }
        finite(value)
    };
    Some(together())
}

#[cfg(test)]
mod tests {
    use super::super::bg_nbd::BgNbd;
    use super::*;

    /// A model whose expected purchases are t/10 (one purchase every ten time units).
    struct Steady;

    impl TransactionModel for Steady {
        fn log_likelihood(&self, _: &Observation) -> Result<f64, ChurnError> {
            Ok(0.0)
        }
        fn p_alive(&self, _: &Observation) -> Result<f64, ChurnError> {
            Ok(1.0)
        }
        fn expected_purchases(&self, _: &Observation, t: f64) -> Result<f64, ChurnError> {
            Ok(t / 10.0)
        }
        fn unconditional_expected_purchases(&self, t: f64) -> Result<f64, ChurnError> {
            Ok(t / 10.0)
        }
    }

    #[test]
    fn discounted_monthly_sum() {
        // Days: 3 purchases a month at 20.00 each is 60 a month; over 3 months at 10 % a month:
        // 60/1.1 + 60/1.21 + 60/1.331 = 54.545 + 49.587 + 45.079 = 149.211.
        let customer = Observation::new(1.0, 5.0, 10.0).unwrap();
        let clv =
            customer_lifetime_value(&Steady, &customer, 20.0, 3, 0.1, TimeUnit::Days).unwrap();
        assert!((clv - 149.211_119).abs() < 1e-6, "{clv}");
        // Weeks: 0.4345 purchases a month, no discount, 12 months: 12 · 0.4345 · 20 = 104.28.
        let clv =
            customer_lifetime_value(&Steady, &customer, 20.0, 12, 0.0, TimeUnit::Weeks).unwrap();
        assert!((clv - 104.28).abs() < 1e-9, "{clv}");
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 13 series
    fn matches_the_model_sum() {
        // With no discount the monthly differences telescope to E(12 · 4.345) · spend.
        let model = BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258).unwrap();
        let customer = Observation::new(2.0, 30.43, 38.86).unwrap();
        let clv =
            customer_lifetime_value(&model, &customer, 24.659, 12, 0.0, TimeUnit::Weeks).unwrap();
        let total = model.expected_purchases(&customer, 12.0 * 4.345).unwrap() * 24.659;
        assert!((clv - total).abs() < 1e-9 * total);
    }

    /// The host's months-together path against the month-by-month sum of
    /// `expected_purchases`, bit for bit: BG/NBD and MBG/NBD, customers from one-time buyers
    /// to heavy ones, 0 to 40 months (several lane blocks), days and weeks.
    #[test]
    #[cfg(feature = "std")]
    #[cfg_attr(miri, ignore)] // hundreds of series
    fn months_together_equal_the_monthly_loop() {
        use super::super::mbg_nbd::ModifiedBgNbd;
        fn monthly<M: TransactionModel>(
            model: &M,
            customer: &Observation,
            spend: f64,
            months: u16,
            rate: f64,
            per_month: f64,
        ) -> Result<f64, ChurnError> {
            let (mut value, mut previous, mut discount) = (0.0, 0.0, 1.0);
            for month in 1..=months {
                let cumulative =
                    model.expected_purchases(customer, f64::from(month) * per_month)?;
                discount /= 1.0 + rate;
                value += spend * (cumulative - previous) * discount;
                previous = cumulative;
            }
            finite(value)
        }
        let bg = BgNbd::new(0.243, 30.9, 0.793, 2.426).unwrap();
        let mbg = ModifiedBgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
        let customers = [
            (0.0, 0.0, 40.0),
            (1.0, 5.0, 10.0),
            (2.0, 30.43, 38.86),
            (7.0, 100.0, 364.5),
            (60.0, 300.0, 301.0),
        ];
        for (x, t_x, big_t) in customers {
            let customer = Observation::new(x, t_x, big_t).unwrap();
            for months in [0, 1, 11, 12, 13, 40] {
                for unit in [TimeUnit::Days, TimeUnit::Weeks] {
                    let per_month = periods_per_month(unit);
                    let got = customer_lifetime_value(&bg, &customer, 24.5, months, 0.01, unit);
                    let want = monthly(&bg, &customer, 24.5, months, 0.01, per_month);
                    assert_eq!(
                        got.map(f64::to_bits),
                        want.map(f64::to_bits),
                        "BG {customer:?} {months}"
                    );
                    let got = customer_lifetime_value(&mbg, &customer, 24.5, months, 0.0, unit);
                    let want = monthly(&mbg, &customer, 24.5, months, 0.0, per_month);
                    assert_eq!(
                        got.map(f64::to_bits),
                        want.map(f64::to_bits),
                        "MBG {customer:?} {months}"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_arguments() {
        let customer = Observation::new(1.0, 5.0, 10.0).unwrap();
        for (spend, rate, months) in [
            (-1.0, 0.01, 12),
            (1.0, f64::NAN, 12),
            (1.0, 0.01, MAX_CLV_MONTHS + 1),
        ] {
            assert_eq!(
                customer_lifetime_value(&Steady, &customer, spend, months, rate, TimeUnit::Days),
                Err(ChurnError::InvalidArgument)
            );
        }
        assert_eq!(
            customer_lifetime_value(&Steady, &customer, 5.0, 0, 0.01, TimeUnit::Days),
            Ok(0.0)
        );
    }
}
