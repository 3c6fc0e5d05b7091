//! From a transaction table to the models' inputs (`std`): lifetimes'
//! `summary_data_from_transaction_data` and `calibration_and_holdout_data`, over columns.
//!
//! Customers are integer ids (a Python caller factorises its own ids); days are [`Day`]s;
//! amounts are optional and in any unit. The summary is computed by sorting, independently of
//! the online [`super::summary::ChurnSummary`], and the two agree (tested on CDNOW).

use std::fmt;

use super::summary::Periods;
use crate::time::Day;

/// One customer's summary row (lifetimes' columns), times in the periods' unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SummaryRow {
    /// The customer id.
    pub customer: u64,
    /// Repeat purchase periods, x.
    pub frequency: f64,
    /// First to last purchase period, t_x.
    pub recency: f64,
    /// First purchase period to the end of observation, T.
    pub age: f64,
    /// Mean amount of the repeat periods (0 without repeats, or without amounts).
    pub monetary_value: f64,
}

/// Why a transaction table could not be summarised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionError {
    /// The columns differ in length.
    LengthMismatch,
    /// Row `index` has an amount that is negative, NaN or infinite (amounts are spend: net
    /// returns out of the table first).
    InvalidAmount {
        /// The row.
        index: usize,
    },
    /// The calibration end is after the observation end.
    InvalidPeriod,
}

impl fmt::Display for TransactionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransactionError::LengthMismatch => f.write_str("columns differ in length"),
            TransactionError::InvalidAmount { index } => {
                write!(
                    f,
                    "row {index}: amount is negative or not a finite number (amounts are \
                     spend, at least 0: net returns out of the table first)"
                )
            }
            TransactionError::InvalidPeriod => {
                f.write_str("calibration period ends after the observation period")
            }
        }
    }
}

impl std::error::Error for TransactionError {}

/// The purchase periods of each customer, flattened: customer `c`'s periods, ascending, with
/// their summed amounts, are `periods[start..end]` for its entry `(c, start, end)` in
/// `customers` (sorted by id).
struct Table {
    customers: Vec<(u64, usize, usize)>,
    periods: Vec<(i32, f64)>,
}

impl Table {
    /// The periods of the customer at `entry`.
    fn of(&self, entry: &(u64, usize, usize)) -> &[(i32, f64)] {
        self.periods.get(entry.1..entry.2).unwrap_or_default()
    }

    /// The periods of customer `customer` (none if they have none).
    fn find(&self, customer: u64) -> &[(i32, f64)] {
        self.customers
            .binary_search_by_key(&customer, |entry| entry.0)
            .ok()
            .and_then(|i| self.customers.get(i))
            .map_or(&[], |entry| self.of(entry))
    }
}

/// The purchase periods of each customer up to and including `end`, with their summed amounts
/// (summed in row order, so the result does not depend on the sort).
///
/// Sorting by (customer, period, row) dominates; a table already grouped by customer (each
/// customer's rows together, as exports and lifetimes' own sort produce) is only sorted within
/// each customer.
fn periods_by_customer(
    customers: &[u64],
    days: &[Day],
    amounts: Option<&[f64]>,
    periods: Periods,
    end: Day,
) -> Result<Table, TransactionError> {
    if days.len() != customers.len() || amounts.is_some_and(|a| a.len() != customers.len()) {
        return Err(TransactionError::LengthMismatch);
    }
    let last = periods.grain.period_index(end);
    let mut keyed: Vec<(u64, i32, usize)> = Vec::with_capacity(customers.len());
    for (index, (&customer, &day)) in customers.iter().zip(days).enumerate() {
        let amount = amounts.and_then(|a| a.get(index)).copied().unwrap_or(0.0);
        if !amount.is_finite() || amount < 0.0 {
            return Err(TransactionError::InvalidAmount { index });
        }
        // lifetimes keeps transactions whose period starts on or before the end's period start.
        let period = periods.grain.period_index(day);
        if period <= last {
            keyed.push((customer, period, index));
        }
    }
    if keyed.windows(2).all(|w| matches!(w, [a, b] if a.0 <= b.0)) {
        for run in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
            run.sort_unstable();
        }
    } else {
        keyed.sort_unstable();
    }
    let mut table = Table {
        customers: Vec::new(),
        periods: Vec::with_capacity(keyed.len()),
    };
    for (customer, period, index) in keyed {
        let amount = amounts.and_then(|a| a.get(index)).copied().unwrap_or(0.0);
        let next = table.periods.len();
        match table.customers.last_mut() {
            Some(entry) if entry.0 == customer => match table.periods.last_mut() {
                Some(last) if last.0 == period => last.1 += amount,
                _ => {
                    table.periods.push((period, amount));
                    entry.2 = next.saturating_add(1);
                }
            },
            _ => {
                table.periods.push((period, amount));
                table
                    .customers
                    .push((customer, next, next.saturating_add(1)));
            }
        }
    }
    Ok(table)
}

/// Whether a summary counts the first purchase period (lifetimes'
/// `include_first_transaction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FirstPurchase {
    /// Left out, as the models need: frequency counts the repeat periods and the mean spend is
    /// theirs (lifetimes' default).
    Excluded,
    /// Counted: frequency is every purchase period and the mean spend includes the first
    /// period's (lifetimes' `include_first_transaction=True`; not for the fitters).
    Included,
}

/// lifetimes' `summary_data_from_transaction_data`: one row per customer with a purchase up to
/// `observation_period_end` (inclusive), sorted by customer id. Transactions after it are
/// ignored. Times are [`Periods::span`]s.
///
/// Errors: [`TransactionError::LengthMismatch`], [`TransactionError::InvalidAmount`].
pub fn summary_from_transactions(
    customers: &[u64],
    days: &[Day],
    amounts: Option<&[f64]>,
    observation_period_end: Day,
    periods: Periods,
    first: FirstPurchase,
) -> Result<Vec<SummaryRow>, TransactionError> {
    let table = periods_by_customer(customers, days, amounts, periods, observation_period_end)?;
    let end = periods.grain.period_index(observation_period_end);
    let skip = match first {
        FirstPurchase::Excluded => 1,
        FirstPurchase::Included => 0,
    };
    Ok(table
        .customers
        .iter()
        .filter_map(|entry| {
            let by_period = table.of(entry);
            let (first, _) = by_period.first()?;
            let (last, _) = by_period.last()?;
            let counted = by_period.len().saturating_sub(skip);
            let counted_spend: f64 = by_period.iter().skip(skip).map(|(_, a)| a).sum();
            // usize → f64: exact for any real count.
            #[allow(clippy::cast_precision_loss)]
            let frequency = counted as f64;
            Some(SummaryRow {
                customer: entry.0,
                frequency,
                recency: periods.span(*first, *last),
                age: periods.span(*first, end),
                monetary_value: if counted > 0 {
                    counted_spend / frequency
                } else {
                    0.0
                },
            })
        })
        .collect())
}

/// A customer's calibration summary and what they did in the holdout period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HoldoutRow {
    /// The summary over the calibration period.
    pub calibration: SummaryRow,
    /// Purchase periods in the holdout period (after the calibration end, up to the
    /// observation end).
    pub frequency_holdout: f64,
    /// Mean amount of the holdout purchase periods (0 without any).
    pub monetary_value_holdout: f64,
    /// Length of the holdout period, in the periods' unit.
    pub duration_holdout: f64,
}

/// lifetimes' `calibration_and_holdout_data`: the summary up to `calibration_period_end` for
/// the customers who bought by then (counting their first purchase as `first` says), and
/// their purchase periods in the holdout period `(calibration_period_end,
/// observation_period_end]` with the mean amount of those periods (lifetimes: of the holdout
/// transactions; the two differ only where a customer bought twice in one holdout period).
///
/// Errors: [`TransactionError::InvalidPeriod`] when the calibration ends after the observation,
/// and those of [`summary_from_transactions`].
pub fn calibration_and_holdout(
    customers: &[u64],
    days: &[Day],
    amounts: Option<&[f64]>,
    calibration_period_end: Day,
    observation_period_end: Day,
    periods: Periods,
    first: FirstPurchase,
) -> Result<Vec<HoldoutRow>, TransactionError> {
    if calibration_period_end > observation_period_end {
        return Err(TransactionError::InvalidPeriod);
    }
    let calibration = summary_from_transactions(
        customers,
        days,
        amounts,
        calibration_period_end,
        periods,
        first,
    )?;
    let all = periods_by_customer(customers, days, amounts, periods, observation_period_end)?;
    let cut = periods.grain.period_index(calibration_period_end);
    let duration_holdout = periods.span(cut, periods.grain.period_index(observation_period_end));
    Ok(calibration
        .into_iter()
        .map(|row| {
            let holdout: Vec<f64> = all
                .find(row.customer)
                .iter()
                .filter(|(period, _)| *period > cut)
                .map(|(_, a)| *a)
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let count = holdout.len() as f64;
            HoldoutRow {
                calibration: row,
                frequency_holdout: count,
                monetary_value_holdout: if holdout.is_empty() {
                    0.0
                } else {
                    holdout.iter().sum::<f64>() / count
                },
                duration_holdout,
            }
        })
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::super::summary::{ChurnSummary, Grain};
    use super::*;
    use crate::money::Money;
    use crate::time::Date;

    /// `data/cdnow/CDNOW_sample.txt`: (customer, day, amount in cents).
    pub(crate) fn cdnow_transactions() -> Vec<(u64, Day, i64)> {
        include_str!("../../../data/cdnow/CDNOW_sample.txt")
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                let date = f[2];
                let day = Date::new(
                    date[..4].parse().unwrap(),
                    date[4..6].parse().unwrap(),
                    date[6..].parse().unwrap(),
                )
                .unwrap()
                .to_day();
                let (dollars, cents) = f[4].split_once('.').unwrap();
                (
                    f[1].parse().unwrap(),
                    day,
                    dollars.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap(),
                )
            })
            .collect()
    }

    /// The published summary in hundredths: (id, x, t_x·100, T·100, z̄·100).
    fn published() -> Vec<(u64, i64, i64, i64, i64)> {
        let hundredths = |v: &str| {
            let (whole, frac) = v.split_once('.').unwrap();
            whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
        };
        include_str!("../../../data/cdnow/cdnow_customers_summary_with_transactions.csv")
            .lines()
            .skip(1)
            .map(|line| {
                let c: Vec<&str> = line.split(',').collect();
                (
                    c[0].parse().unwrap(),
                    c[1].parse().unwrap(),
                    hundredths(c[2]),
                    hundredths(c[3]),
                    hundredths(c[4]),
                )
            })
            .collect()
    }

    fn to_hundredths(v: f64) -> i64 {
        (v * 100.0).round() as i64
    }

    /// data/cdnow/README.md: day resolution, in weeks, calibration 1997-01-01..=1997-09-30
    /// reproduces every row. Both the batch and the online summary, customer by customer.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn cdnow_summary_reproduces_the_published_csv() {
        let transactions = cdnow_transactions();
        let end = Date::new(1997, 9, 30).unwrap().to_day();
        let customers: Vec<u64> = transactions.iter().map(|t| t.0).collect();
        let days: Vec<Day> = transactions.iter().map(|t| t.1).collect();
        // Amounts in cents as f64: integer sums are exact, so the mean is exact to a half cent.
        #[allow(clippy::cast_precision_loss)]
        let cents: Vec<f64> = transactions.iter().map(|t| t.2 as f64).collect();
        let batch = summary_from_transactions(
            &customers,
            &days,
            Some(&cents),
            end,
            Periods::DAYS_IN_WEEKS,
            FirstPurchase::Excluded,
        )
        .unwrap();
        let published = published();
        assert_eq!(batch.len(), published.len());
        for (row, (id, x, t_x, big_t, zbar)) in batch.iter().zip(&published) {
            assert_eq!(row.customer, *id);
            assert_eq!(row.frequency as i64, *x, "customer {id}");
            assert_eq!(to_hundredths(row.recency), *t_x, "customer {id}");
            assert_eq!(to_hundredths(row.age), *big_t, "customer {id}");
            // Cents rounded half up (the published rounding), e.g. (29.73 + 14.96)/2 = 22.345 → 22.35.
            let mean_cents = (row.monetary_value + 0.5).floor() as i64;
            assert_eq!(mean_cents, *zbar, "customer {id}");
        }
        // The online summary, one purchase at a time, in file order (by customer, then date).
        let mut online: BTreeMap<u64, ChurnSummary> = BTreeMap::new();
        for &(customer, day, amount) in &transactions {
            if day > end {
                continue;
            }
            online
                .entry(customer)
                .or_insert_with(|| ChurnSummary::new(Grain::Day))
                .record_purchase(day, Money::from_minor(amount))
                .unwrap();
        }
        assert_eq!(online.len(), published.len());
        for ((id, summary), row) in online.iter().zip(&batch) {
            assert_eq!(*id, row.customer);
            let observed = summary.observe(end, Periods::DAYS_IN_WEEKS.unit).unwrap();
            assert_eq!(observed.frequency(), row.frequency);
            assert_eq!(observed.recency(), row.recency);
            assert_eq!(observed.age(), row.age);
            assert_eq!(summary.mean_spend(), row.monetary_value);
        }
    }

    #[test]
    fn holdout_split() {
        // Customer 7 buys on days 0, 2 (calibration, ends day 3) and 5, 5, 9 (holdout, ends 10).
        let days: Vec<Day> = [0, 2, 5, 5, 9]
            .iter()
            .map(|&d| Day::from_number(d).unwrap())
            .collect();
        let customers = [7u64; 5];
        let amounts = [1.0, 2.0, 3.0, 4.0, 5.0];
        let rows = calibration_and_holdout(
            &customers,
            &days,
            Some(&amounts),
            Day::from_number(3).unwrap(),
            Day::from_number(10).unwrap(),
            Periods::DAYS,
            FirstPurchase::Excluded,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        let row = rows[0];
        assert_eq!(
            (
                row.calibration.frequency,
                row.calibration.recency,
                row.calibration.age
            ),
            (1.0, 2.0, 3.0)
        );
        assert_eq!(row.calibration.monetary_value, 2.0);
        // Holdout periods: day 5 (3 + 4 = 7) and day 9 (5): 2 periods, mean 6.
        assert_eq!(
            (
                row.frequency_holdout,
                row.monetary_value_holdout,
                row.duration_holdout
            ),
            (2.0, 6.0, 7.0)
        );
        assert_eq!(
            calibration_and_holdout(
                &customers,
                &days,
                None,
                Day::from_number(11).unwrap(),
                Day::from_number(10).unwrap(),
                Periods::DAYS,
                FirstPurchase::Excluded
            ),
            Err(TransactionError::InvalidPeriod)
        );
        assert_eq!(
            summary_from_transactions(
                &customers,
                &days[..2],
                None,
                Day::EPOCH,
                Periods::DAYS,
                FirstPurchase::Excluded
            ),
            Err(TransactionError::LengthMismatch)
        );
        assert_eq!(
            summary_from_transactions(
                &[1],
                &days[..1],
                Some(&[f64::NAN]),
                Day::EPOCH,
                Periods::DAYS,
                FirstPurchase::Excluded
            ),
            Err(TransactionError::InvalidAmount { index: 0 })
        );
        // A negative amount (a return) in the second row.
        assert_eq!(
            summary_from_transactions(
                &[1, 1],
                &days[..2],
                Some(&[5.0, -0.01]),
                Day::EPOCH,
                Periods::DAYS,
                FirstPurchase::Excluded
            ),
            Err(TransactionError::InvalidAmount { index: 1 })
        );
    }
}
