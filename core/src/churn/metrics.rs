//! Retention metrics retention managers track (`std`): the cohort retention table and the
//! period-over-period retention and churn rates, from a transaction table.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::time::{Day, Period};

/// Why a metric could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricsError {
    /// The columns differ in length.
    LengthMismatch,
    /// The period is [`Period::Lifetime`], which has no "next" period.
    LifetimePeriod,
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetricsError::LengthMismatch => "columns differ in length",
            MetricsError::LifetimePeriod => {
                "retention needs a period that ends (day, week, month, year)"
            }
        })
    }
}

impl std::error::Error for MetricsError {}

/// One first-purchase cohort: its customers, and the share of them buying in each period since.
#[derive(Clone, Debug, PartialEq)]
pub struct Cohort {
    /// The period index of the cohort's first purchases (see `Day::period_index`).
    pub period: i32,
    /// Customers whose first purchase fell in it.
    pub size: usize,
    /// `retained[k]`: the share of the cohort with a purchase in period `period + k`
    /// (`retained[0]` is 1); only periods up to the last period in the data.
    pub retained: Vec<f64>,
}

/// Active periods per customer.
fn activity(
    customers: &[u64],
    days: &[Day],
    period: Period,
) -> Result<BTreeMap<u64, BTreeSet<i32>>, MetricsError> {
    if customers.len() != days.len() {
        return Err(MetricsError::LengthMismatch);
    }
    if period == Period::Lifetime {
        return Err(MetricsError::LifetimePeriod);
    }
    let mut active: BTreeMap<u64, BTreeSet<i32>> = BTreeMap::new();
    for (&customer, day) in customers.iter().zip(days) {
        active
            .entry(customer)
            .or_default()
            .insert(day.period_index(period));
    }
    Ok(active)
}

/// The cohort retention table: cohorts by the period of each customer's first purchase, and
/// for each the share still buying `k` periods later, up to `max_periods_after`.
///
/// Errors: [`MetricsError::LengthMismatch`], [`MetricsError::LifetimePeriod`].
pub fn cohort_retention(
    customers: &[u64],
    days: &[Day],
    period: Period,
    max_periods_after: usize,
) -> Result<Vec<Cohort>, MetricsError> {
    let active = activity(customers, days, period)?;
    let last = active
        .values()
        .filter_map(|p| p.last().copied())
        .max()
        .unwrap_or(0);
    let mut cohorts: BTreeMap<i32, Vec<&BTreeSet<i32>>> = BTreeMap::new();
    for periods in active.values() {
        if let Some(&first) = periods.first() {
            cohorts.entry(first).or_default().push(periods);
        }
    }
    Ok(cohorts
        .into_iter()
        .map(|(start, members)| {
            let observable = usize::try_from(last.saturating_sub(start)).unwrap_or(0);
            let retained = (0..=max_periods_after.min(observable))
                .map(|k| {
                    let target = i32::try_from(k).map_or(i32::MAX, |k| start.saturating_add(k));
                    let buying = members.iter().filter(|p| p.contains(&target)).count();
                    #[allow(clippy::cast_precision_loss)]
                    let share = buying as f64 / members.len() as f64;
                    share
                })
                .collect();
            Cohort {
                period: start,
                size: members.len(),
                retained,
            }
        })
        .collect())
}

/// Retention between consecutive periods: for each period `p` with buyers, the share of them
/// who buy again in `p + 1` (`(p, rate)`, up to the last period but one). The churn rate is
/// `1 − rate`.
///
/// Errors: [`MetricsError::LengthMismatch`], [`MetricsError::LifetimePeriod`].
pub fn retention_rates(
    customers: &[u64],
    days: &[Day],
    period: Period,
) -> Result<Vec<(i32, f64)>, MetricsError> {
    let active = activity(customers, days, period)?;
    let mut buyers: BTreeMap<i32, (usize, usize)> = BTreeMap::new();
    for periods in active.values() {
        for &p in periods {
            let entry = buyers.entry(p).or_insert((0, 0));
            entry.0 = entry.0.saturating_add(1);
            if periods.contains(&p.saturating_add(1)) {
                entry.1 = entry.1.saturating_add(1);
            }
        }
    }
    let last = buyers.keys().next_back().copied();
    Ok(buyers
        .into_iter()
        .filter(|(p, _)| Some(*p) != last)
        .map(|(p, (count, kept))| {
            #[allow(clippy::cast_precision_loss)]
            let rate = kept as f64 / count as f64;
            (p, rate)
        })
        .collect())
}

/// Churn rates between consecutive periods: `1 −` [`retention_rates`].
pub fn churn_rates(
    customers: &[u64],
    days: &[Day],
    period: Period,
) -> Result<Vec<(i32, f64)>, MetricsError> {
    Ok(retention_rates(customers, days, period)?
        .into_iter()
        .map(|(p, rate)| (p, 1.0 - rate))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i32) -> Day {
        Day::from_number(n).unwrap()
    }

    #[test]
    fn cohorts_and_rates() {
        // Days as periods. Customers 1, 2 start on day 0; 3 on day 1.
        // 1 buys on 0, 1, 2; 2 on 0, 2; 3 on 1, 2.
        let customers = [1, 1, 1, 2, 2, 3, 3];
        let days = [d(0), d(1), d(2), d(0), d(2), d(1), d(2)];
        let table = cohort_retention(&customers, &days, Period::Day, 5).unwrap();
        assert_eq!(table.len(), 2);
        // Cohort 0: day 0 both, day 1 only customer 1, day 2 both.
        assert_eq!(
            table[0],
            Cohort {
                period: 0,
                size: 2,
                retained: vec![1.0, 0.5, 1.0]
            }
        );
        assert_eq!(
            table[1],
            Cohort {
                period: 1,
                size: 1,
                retained: vec![1.0, 1.0]
            }
        );
        // Day 0 buyers {1, 2}: 1 buys on day 1 → 0.5. Day 1 buyers {1, 3}: both on day 2 → 1.
        assert_eq!(
            retention_rates(&customers, &days, Period::Day).unwrap(),
            vec![(0, 0.5), (1, 1.0)]
        );
        assert_eq!(
            churn_rates(&customers, &days, Period::Day).unwrap(),
            vec![(0, 0.5), (1, 0.0)]
        );
        assert_eq!(
            cohort_retention(&customers, &days[..2], Period::Day, 1),
            Err(MetricsError::LengthMismatch)
        );
        assert_eq!(
            retention_rates(&customers, &days, Period::Lifetime),
            Err(MetricsError::LifetimePeriod)
        );
    }
}
