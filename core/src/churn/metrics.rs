//! Retention metrics retention managers track (`std`): the cohort retention table, cohort
//! survival (the counts an sBG model is fitted on) and the period-over-period retention and
//! churn rates, from a transaction table.
//!
//! Retention and survival differ: [`cohort_retention`] gives the share of a cohort that *bought*
//! in period k (a customer who skips a month and comes back counts again, so the share can
//! rise), [`cohort_survival`] the number still *on board* (not yet lapsed or cancelled), which
//! never rises.

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
    /// `lapse_after` is 0: a customer lapses after at least one period without a purchase.
    InvalidLapse,
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetricsError::LengthMismatch => "columns differ in length",
            MetricsError::LifetimePeriod => {
                "retention needs a period that ends (day, week, month, year)"
            }
            MetricsError::InvalidLapse => "lapse_after must be at least 1 period",
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

/// One first-purchase cohort's survivor counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CohortSurvival {
    /// The period index of the cohort's first purchases (see `Day::period_index`).
    pub period: i32,
    /// `survivors[k]`: the cohort's customers still on board `k` periods after their first
    /// purchase (`survivors[0]` is the cohort's size); only periods whose lapses can be seen
    /// in the data. Never increasing.
    pub survivors: Vec<usize>,
}

/// Survivor counts per first-purchase cohort, for fitting sBG (`fit::fit_sbg_cohorts`).
///
/// A customer is on board from their first purchase until the first of `lapse_after`
/// consecutive periods without a purchase (they are lost from the first empty period of that
/// run), or until the period after a row of theirs marked in `cancelled` (a cancellation in
/// period p: still on board in p, lost from p + 1), whichever comes first; purchases after that
/// do not bring them back. Cancellation rows are not purchases. A lapse needs `lapse_after`
/// periods of data to be seen, so a cohort's counts stop `lapse_after − 1` periods before the
/// last period in the data (and at `max_periods_after`).
///
/// Errors: [`MetricsError::LengthMismatch`] (`cancelled` too, when given),
/// [`MetricsError::LifetimePeriod`], [`MetricsError::InvalidLapse`].
pub fn cohort_survival(
    customers: &[u64],
    days: &[Day],
    cancelled: Option<&[bool]>,
    period: Period,
    lapse_after: u32,
    max_periods_after: usize,
) -> Result<Vec<CohortSurvival>, MetricsError> {
    if customers.len() != days.len() || cancelled.is_some_and(|c| c.len() != days.len()) {
        return Err(MetricsError::LengthMismatch);
    }
    if period == Period::Lifetime {
        return Err(MetricsError::LifetimePeriod);
    }
    if lapse_after == 0 {
        return Err(MetricsError::InvalidLapse);
    }
    // Per customer: purchase periods, and the first cancellation.
    let mut histories: BTreeMap<u64, (BTreeSet<i64>, Option<i64>)> = BTreeMap::new();
    let mut last = i64::MIN;
    for (row, (&customer, day)) in customers.iter().zip(days).enumerate() {
        let at = i64::from(day.period_index(period));
        last = last.max(at);
        let history = histories.entry(customer).or_default();
        if cancelled.and_then(|c| c.get(row)).copied().unwrap_or(false) {
            history.1 = Some(history.1.map_or(at, |earlier: i64| earlier.min(at)));
        } else {
            history.0.insert(at);
        }
    }
    let lapse = i64::from(lapse_after);
    // Per cohort: its members' lapse offsets (periods after the first purchase from which they
    // are lost; None while not seen to lapse).
    let mut cohorts: BTreeMap<i64, Vec<Option<i64>>> = BTreeMap::new();
    for (purchases, cancellation) in histories.values() {
        let Some(&first) = purchases.first() else {
            continue;
        };
        // The first gap of `lapse` empty periods after a purchase, then after the last one
        // if the data reach far enough to see it.
        let mut lost: Option<i64> = None;
        let mut previous = first;
        for &p in purchases.iter().skip(1) {
            if p.saturating_sub(previous) > lapse {
                lost = Some(previous.saturating_add(1));
                break;
            }
            previous = p;
        }
        if lost.is_none() && previous.saturating_add(lapse) <= last {
            lost = Some(previous.saturating_add(1));
        }
        if let Some(c) = cancellation {
            let after = c.max(&first).saturating_add(1);
            lost = Some(lost.map_or(after, |l| l.min(after)));
        }
        cohorts
            .entry(first)
            .or_default()
            .push(lost.map(|l| l.saturating_sub(first)));
    }
    let max_after = i64::try_from(max_periods_after).unwrap_or(i64::MAX);
    Ok(cohorts
        .into_iter()
        .map(|(start, members)| {
            // Offsets whose lapses are all visible: a lapse at offset j shows by period
            // start + j + lapse − 1.
            let visible = last
                .saturating_sub(start)
                .saturating_sub(lapse.saturating_sub(1))
                .clamp(0, max_after);
            let survivors = (0..=visible)
                .map(|j| {
                    members
                        .iter()
                        .filter(|lost| lost.is_none_or(|l| l > j))
                        .count()
                })
                .collect();
            CohortSurvival {
                period: i32::try_from(start).unwrap_or(i32::MAX),
                survivors,
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

    #[test]
    fn survival_counts_lapses_and_cancellations() {
        // Days as periods, lapse after 2 empty days. Data run from day 0 to day 9.
        // 1: days 0, 1, 2, 5 → empty 3, 4: lost from day 3 (offset 3).
        // 2: days 0, 2, 4, 6, 8 → never two empty days in a row, on board throughout.
        // 3: days 0, 1, cancels on day 1 → lost from offset 2 (the buy on day 7 does not count).
        // 4: day 0 only → empty 1, 2: lost from offset 1.
        // 5: days 2, 3, 9 → cohort 2: empty 4, 5: lost from offset 2.
        // 6: a cancellation only: no purchase, in no cohort.
        let rows: [(u64, i32, bool); 16] = [
            (1, 0, false),
            (1, 1, false),
            (1, 2, false),
            (1, 5, false),
            (2, 0, false),
            (2, 2, false),
            (2, 4, false),
            (2, 6, false),
            (2, 8, false),
            (3, 0, false),
            (3, 1, false),
            (3, 1, true),
            (3, 7, false),
            (4, 0, false),
            (5, 2, false),
            (5, 9, false),
        ];
        let mut customers: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let mut days: Vec<Day> = rows.iter().map(|r| d(r.1)).collect();
        let mut cancelled: Vec<bool> = rows.iter().map(|r| r.2).collect();
        customers.extend([5, 6]);
        days.extend([d(3), d(4)]);
        cancelled.extend([false, true]);
        let table =
            cohort_survival(&customers, &days, Some(&cancelled), Period::Day, 2, 100).unwrap();
        // Cohort 0 (customers 1–4), offsets 0..=8 (day 9 is the last; lapses need 1 more day).
        // Lost: 4 at 1, 3 at 2, 1 at 3; 2 stays.
        assert_eq!(
            table[0],
            CohortSurvival {
                period: 0,
                survivors: vec![4, 3, 2, 1, 1, 1, 1, 1, 1]
            }
        );
        // Cohort 2 (customer 5): offsets 0..=6; lost at 2.
        assert_eq!(
            table[1],
            CohortSurvival {
                period: 2,
                survivors: vec![1, 1, 0, 0, 0, 0, 0]
            }
        );
        assert_eq!(table.len(), 2);
        // Without the cancellation column, customer 3 lapses by the gap 2–6 (lost from 2 too);
        // with lapse_after 3, customer 1's gap of 2 is no lapse, and the counts stop a period
        // earlier; max_periods_after cuts them.
        let table = cohort_survival(&customers, &days, None, Period::Day, 3, 4).unwrap();
        assert_eq!(table[0].survivors, vec![4, 3, 2, 2, 2]);
        for window in table[0].survivors.windows(2) {
            assert!(window[1] <= window[0]);
        }
        assert_eq!(
            cohort_survival(&customers, &days, None, Period::Day, 0, 4),
            Err(MetricsError::InvalidLapse)
        );
        assert_eq!(
            cohort_survival(&customers, &days, Some(&[true]), Period::Day, 2, 4),
            Err(MetricsError::LengthMismatch)
        );
        assert_eq!(
            cohort_survival(&customers, &days, None, Period::Lifetime, 2, 4),
            Err(MetricsError::LifetimePeriod)
        );
    }

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
