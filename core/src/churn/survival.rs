//! Survival curves from censored durations (`std`): the Kaplan–Meier estimator with Greenwood's
//! variance and log-log intervals, the log-rank test of equal curves, and the log-rank (Peto)
//! estimate of a hazard ratio with its interval.
//!
//! A subject is a duration `t ≥ 0` and whether the event (here: churn) was seen at `t`
//! (`true`) or the subject was still without it when observation stopped (`false`, censored
//! at `t`). At a time with both, events come first: a subject censored at `t` is still at risk
//! at `t` (the usual convention, as R's `survival` and lifelines).
//!
//! - **Kaplan–Meier** (Kaplan & Meier 1958): `S(t) = Π_{tᵢ ≤ t} (1 − dᵢ / nᵢ)` over the event
//!   times `tᵢ`, with `dᵢ` events among the `nᵢ` subjects at risk.
//! - **Greenwood's variance**: `Var S(t) = S(t)² Σ_{tᵢ ≤ t} dᵢ / (nᵢ (nᵢ − dᵢ))`.
//! - **Interval**: log-log (Kalbfleisch & Prentice 2002, "exponential Greenwood", the default of
//!   lifelines and of R's `conf.type = "log-log"`): with `σ = √(Σ dᵢ / (nᵢ (nᵢ − dᵢ))) / |ln S|`,
//!   `[S^exp(z σ), S^exp(−z σ)]`, always inside [0, 1]; `[1, 1]` before the first event,
//!   `[0, 0]` once `S` is 0.
//! - **Median**: the first time at which `S(t) ≤ 0.5` (none if the curve stays above).
//! - **Log-rank test** (Mantel 1966; Peto & Peto 1972) of `k` groups: observed `O_j` and expected
//!   `E_j = Σ dᵢ n_ji / nᵢ` events, hypergeometric covariance `V`; the statistic
//!   `(O − E)ᵀ V⁻¹ (O − E)` over `k − 1` groups is chi-square with `k − 1` degrees of freedom.
//! - **Hazard ratio** of a group against a reference (Peto's one-step estimate, the first Newton
//!   step of the Cox partial likelihood from 0; Yusuf, Peto et al. 1985): from the two groups'
//!   log-rank `O`, `E` and variance `V` of the group, `ln HR = (O − E) / V` with standard error
//!   `1 / √V`. Close to the Cox estimate when the ratio is within about 1/3..3; further out it
//!   is biased toward 1.

use std::fmt;

use crate::stats::{InvalidConfidence, chi_square_upper_tail, two_sided_z};

/// Why a survival curve or test could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SurvivalError {
    /// The columns differ in length.
    LengthMismatch,
    /// Row `row`'s duration is negative or not finite.
    InvalidDuration {
        /// The row.
        row: usize,
    },
    /// Row `row`'s group is not below the group count.
    GroupOutOfRange {
        /// The row.
        row: usize,
    },
    /// The confidence level is not strictly between 0 and 1.
    InvalidConfidence,
}

impl fmt::Display for SurvivalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SurvivalError::LengthMismatch => f.write_str("columns differ in length"),
            SurvivalError::InvalidDuration { row } => {
                write!(f, "row {row}: a duration must be finite and ≥ 0")
            }
            SurvivalError::GroupOutOfRange { row } => {
                write!(f, "row {row}: group not below the group count")
            }
            SurvivalError::InvalidConfidence => InvalidConfidence.fmt(f),
        }
    }
}

impl std::error::Error for SurvivalError {}

impl From<InvalidConfidence> for SurvivalError {
    fn from(_: InvalidConfidence) -> SurvivalError {
        SurvivalError::InvalidConfidence
    }
}

/// The survival curve at one time where something happened (an event or a censoring).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The time.
    pub time: f64,
    /// Subjects at risk just before it.
    pub at_risk: u64,
    /// Events at it.
    pub events: u64,
    /// Subjects censored at it.
    pub censored: u64,
    /// `S(time)`, after this time's events.
    pub survival: f64,
    /// Greenwood's standard error of `S(time)`; `None` once `S` is 0 (undefined there).
    pub std_error: Option<f64>,
    /// The interval's lower end.
    pub lower: f64,
    /// The interval's upper end.
    pub upper: f64,
}

/// A Kaplan–Meier curve: one [`Step`] per distinct time, in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct KaplanMeier {
    /// The steps.
    pub steps: Vec<Step>,
    /// Subjects.
    pub subjects: u64,
    /// Events.
    pub events: u64,
}

/// The survival at a time, with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurvivalAt {
    /// `S(t)`.
    pub survival: f64,
    /// The interval's lower end.
    pub lower: f64,
    /// The interval's upper end.
    pub upper: f64,
}

impl KaplanMeier {
    /// `S(t)` and its interval: 1 before the first event; `None` past the last time observed
    /// unless the curve reached 0 (the estimator says nothing about later times).
    #[must_use]
    pub fn at(&self, t: f64) -> Option<SurvivalAt> {
        let step = self.steps.iter().take_while(|step| step.time <= t).last();
        let last = self.steps.last();
        match (step, last) {
            (_, Some(last)) if t > last.time && last.survival > 0.0 => None,
            (Some(step), _) => Some(SurvivalAt {
                survival: step.survival,
                lower: step.lower,
                upper: step.upper,
            }),
            (None, _) => Some(SurvivalAt {
                survival: 1.0,
                lower: 1.0,
                upper: 1.0,
            }),
        }
    }

    /// The median survival time: the first time at which `S ≤ 0.5`; `None` if never.
    #[must_use]
    pub fn median(&self) -> Option<f64> {
        self.steps
            .iter()
            .find(|step| step.survival <= 0.5)
            .map(|step| step.time)
    }
}

/// Checks the columns; the row order sorted by duration.
fn sorted_rows(durations: &[f64], events: &[bool]) -> Result<Vec<usize>, SurvivalError> {
    if durations.len() != events.len() {
        return Err(SurvivalError::LengthMismatch);
    }
    if let Some(row) = durations.iter().position(|t| !(t.is_finite() && *t >= 0.0)) {
        return Err(SurvivalError::InvalidDuration { row });
    }
    let mut order: Vec<usize> = (0..durations.len()).collect();
    order.sort_by(|&a, &b| durations_at(durations, a).total_cmp(&durations_at(durations, b)));
    Ok(order)
}

fn durations_at(durations: &[f64], row: usize) -> f64 {
    durations.get(row).copied().unwrap_or(f64::NAN)
}

/// The Kaplan–Meier curve of `durations` (event seen where `events` is true, censored
/// otherwise), with intervals at `confidence` (see the module docs).
///
/// Errors: [`SurvivalError::LengthMismatch`], [`SurvivalError::InvalidDuration`],
/// [`SurvivalError::InvalidConfidence`].
#[allow(clippy::cast_precision_loss)]
pub fn kaplan_meier(
    durations: &[f64],
    events: &[bool],
    confidence: f64,
) -> Result<KaplanMeier, SurvivalError> {
    let z = two_sided_z(confidence)?;
    let order = sorted_rows(durations, events)?;
    let subjects = order.len() as u64;
    let mut at_risk = subjects;
    let mut survival = 1.0_f64;
    let mut greenwood = 0.0_f64;
    let mut total_events = 0u64;
    let mut steps = Vec::new();
    let mut rows = order.iter().peekable();
    while let Some(&first) = rows.next() {
        let time = durations_at(durations, first);
        let (mut events_here, mut censored_here) = (0u64, 0u64);
        let mut count = |row: usize| {
            if events.get(row).copied().unwrap_or(false) {
                events_here = events_here.saturating_add(1);
            } else {
                censored_here = censored_here.saturating_add(1);
            }
        };
        count(first);
        while let Some(&&row) = rows.peek() {
            if durations_at(durations, row) != time {
                break;
            }
            count(row);
            rows.next();
        }
        let (n, d) = (at_risk as f64, events_here as f64);
        if events_here > 0 {
            survival *= 1.0 - d / n;
            if at_risk > events_here {
                greenwood += d / (n * (n - d));
            }
        }
        let (std_error, lower, upper) = if survival <= 0.0 {
            survival = 0.0;
            (None, 0.0, 0.0)
        } else if survival >= 1.0 {
            (Some(0.0), 1.0, 1.0)
        } else {
            let log_s = libm::log(survival);
            let sigma = libm::sqrt(greenwood) / log_s.abs();
            (
                Some(survival * libm::sqrt(greenwood)),
                libm::pow(survival, libm::exp(z * sigma)),
                libm::pow(survival, libm::exp(-z * sigma)),
            )
        };
        steps.push(Step {
            time,
            at_risk,
            events: events_here,
            censored: censored_here,
            survival,
            std_error,
            lower,
            upper,
        });
        total_events = total_events.saturating_add(events_here);
        at_risk = at_risk
            .saturating_sub(events_here)
            .saturating_sub(censored_here);
    }
    Ok(KaplanMeier {
        steps,
        subjects,
        events: total_events,
    })
}

/// The log-rank test of equal survival in `group_count` groups.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRank {
    /// Observed events per group.
    pub observed: Vec<u64>,
    /// Expected events per group under equal survival.
    pub expected: Vec<f64>,
    /// The chi-square statistic.
    pub statistic: f64,
    /// Its degrees of freedom: the groups with subjects, less one.
    pub df: u32,
    /// `P(χ²_df ≥ statistic)`.
    pub p_value: f64,
}

/// Observed and expected events per group and the covariance of `O − E`.
struct LogRankSums {
    observed: Vec<u64>,
    expected: Vec<f64>,
    covariance: Vec<Vec<f64>>,
    subjects: Vec<u64>,
}

#[allow(clippy::cast_precision_loss)]
fn log_rank_sums(
    durations: &[f64],
    events: &[bool],
    groups: &[usize],
    group_count: usize,
) -> Result<LogRankSums, SurvivalError> {
    if groups.len() != durations.len() {
        return Err(SurvivalError::LengthMismatch);
    }
    if let Some(row) = groups.iter().position(|&g| g >= group_count) {
        return Err(SurvivalError::GroupOutOfRange { row });
    }
    let order = sorted_rows(durations, events)?;
    let mut subjects = vec![0u64; group_count];
    for &g in groups {
        if let Some(count) = subjects.get_mut(g) {
            *count = count.saturating_add(1);
        }
    }
    let mut at_risk = subjects.clone();
    let mut observed = vec![0u64; group_count];
    let mut expected = vec![0.0; group_count];
    let mut covariance = vec![vec![0.0; group_count]; group_count];
    let mut events_here = vec![0u64; group_count];
    let mut leaving = vec![0u64; group_count];
    let mut start = 0;
    while let Some(&first) = order.get(start) {
        let time = durations_at(durations, first);
        events_here.iter_mut().for_each(|e| *e = 0);
        leaving.iter_mut().for_each(|l| *l = 0);
        let mut end = start;
        while let Some(&row) = order.get(end) {
            if durations_at(durations, row) != time {
                break;
            }
            let g = groups.get(row).copied().unwrap_or(0);
            if let Some(l) = leaving.get_mut(g) {
                *l = l.saturating_add(1);
            }
            if events.get(row).copied().unwrap_or(false) {
                if let Some(e) = events_here.get_mut(g) {
                    *e = e.saturating_add(1);
                }
            }
            end = end.saturating_add(1);
        }
        let d: u64 = events_here.iter().sum();
        let n: u64 = at_risk.iter().sum();
        if d > 0 && n > 0 {
            let (d, n) = (d as f64, n as f64);
            let spread = if n > 1.0 { (n - d) / (n - 1.0) } else { 0.0 };
            for (j, &n_j) in at_risk.iter().enumerate() {
                let share_j = n_j as f64 / n;
                if let (Some(o), Some(e), Some(&d_j)) =
                    (observed.get_mut(j), expected.get_mut(j), events_here.get(j))
                {
                    *o = o.saturating_add(d_j);
                    *e += d * share_j;
                }
                if let Some(row) = covariance.get_mut(j) {
                    for (l, &n_l) in at_risk.iter().enumerate() {
                        let share_l = n_l as f64 / n;
                        let kronecker = if j == l { 1.0 } else { 0.0 };
                        if let Some(cell) = row.get_mut(l) {
                            *cell += d * share_j * (kronecker - share_l) * spread;
                        }
                    }
                }
            }
        }
        for (risk, &gone) in at_risk.iter_mut().zip(&leaving) {
            *risk = risk.saturating_sub(gone);
        }
        start = end;
    }
    Ok(LogRankSums {
        observed,
        expected,
        covariance,
        subjects,
    })
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting; `None` if singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for column in 0..n {
        let pivot = (column..n).max_by(|&r, &s| {
            let at = |row: usize| {
                a.get(row)
                    .and_then(|r| r.get(column))
                    .map_or(0.0, |v| v.abs())
            };
            at(r).total_cmp(&at(s))
        })?;
        a.swap(column, pivot);
        b.swap(column, pivot);
        let pivot_row = a.get(column)?.clone();
        let pivot_value = *pivot_row.get(column)?;
        if pivot_value.abs() < 1e-12 {
            return None;
        }
        let pivot_b = *b.get(column)?;
        for row in column.saturating_add(1)..n {
            let factor = *a.get(row)?.get(column)? / pivot_value;
            for (cell, &p) in a.get_mut(row)?.iter_mut().zip(&pivot_row) {
                *cell -= factor * p;
            }
            *b.get_mut(row)? -= factor * pivot_b;
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let coefficients = a.get(row)?;
        let known: f64 = (row.saturating_add(1)..n)
            .map(|c| coefficients.get(c).copied().unwrap_or(0.0) * x.get(c).copied().unwrap_or(0.0))
            .sum();
        *x.get_mut(row)? = (b.get(row)? - known) / coefficients.get(row)?;
    }
    Some(x)
}

/// The log-rank test that the groups `groups[i]` (each below `group_count`) share one survival
/// curve. Groups without subjects are left out of the test; `None` when fewer than two groups
/// have subjects or no event happened (nothing to compare).
///
/// Errors: [`SurvivalError::LengthMismatch`], [`SurvivalError::InvalidDuration`],
/// [`SurvivalError::GroupOutOfRange`].
pub fn log_rank(
    durations: &[f64],
    events: &[bool],
    groups: &[usize],
    group_count: usize,
) -> Result<Option<LogRank>, SurvivalError> {
    let sums = log_rank_sums(durations, events, groups, group_count)?;
    let present: Vec<usize> = (0..group_count)
        .filter(|&g| sums.subjects.get(g).is_some_and(|&n| n > 0))
        .collect();
    let Some((_, tested)) = present.split_last() else {
        return Ok(None);
    };
    if tested.is_empty() {
        return Ok(None);
    }
    #[allow(clippy::cast_precision_loss)]
    let difference: Vec<f64> = tested
        .iter()
        .map(|&g| {
            sums.observed.get(g).copied().unwrap_or(0) as f64
                - sums.expected.get(g).copied().unwrap_or(0.0)
        })
        .collect();
    let matrix: Vec<Vec<f64>> = tested
        .iter()
        .map(|&j| {
            tested
                .iter()
                .map(|&l| {
                    sums.covariance
                        .get(j)
                        .and_then(|row| row.get(l))
                        .copied()
                        .unwrap_or(0.0)
                })
                .collect()
        })
        .collect();
    let Some(solution) = solve(matrix, difference.clone()) else {
        return Ok(None);
    };
    let statistic: f64 = difference.iter().zip(&solution).map(|(u, x)| u * x).sum();
    let df = u32::try_from(tested.len()).unwrap_or(u32::MAX);
    Ok(Some(LogRank {
        observed: sums.observed,
        expected: sums.expected,
        statistic,
        df,
        p_value: chi_square_upper_tail(statistic, df),
    }))
}

/// A hazard ratio of one group against a reference group, with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HazardRatio {
    /// The ratio: how many times the reference group's hazard the group's is.
    pub ratio: f64,
    /// The interval's lower end.
    pub lower: f64,
    /// The interval's upper end.
    pub upper: f64,
    /// The group's observed events.
    pub observed: u64,
    /// The group's expected events under equal hazards.
    pub expected: f64,
    /// The log-rank variance of the group's `O − E`.
    pub variance: f64,
}

/// Peto's log-rank estimate of the hazard ratio of the subjects where `in_group` is true
/// against those where it is false (see the module docs), with its interval at `confidence`;
/// `None` when either side is empty or no event happened (variance 0).
///
/// Errors: [`SurvivalError::LengthMismatch`], [`SurvivalError::InvalidDuration`],
/// [`SurvivalError::InvalidConfidence`].
pub fn hazard_ratio(
    durations: &[f64],
    events: &[bool],
    in_group: &[bool],
    confidence: f64,
) -> Result<Option<HazardRatio>, SurvivalError> {
    let z = two_sided_z(confidence)?;
    let groups: Vec<usize> = in_group.iter().map(|&g| usize::from(g)).collect();
    let sums = log_rank_sums(durations, events, &groups, 2)?;
    let observed = sums.observed.get(1).copied().unwrap_or(0);
    let expected = sums.expected.get(1).copied().unwrap_or(0.0);
    let variance = sums
        .covariance
        .get(1)
        .and_then(|row| row.get(1))
        .copied()
        .unwrap_or(0.0);
    if variance.partial_cmp(&0.0) != Some(core::cmp::Ordering::Greater) {
        return Ok(None);
    }
    #[allow(clippy::cast_precision_loss)]
    let log_ratio = (observed as f64 - expected) / variance;
    let spread = z / libm::sqrt(variance);
    Ok(Some(HazardRatio {
        ratio: libm::exp(log_ratio),
        lower: libm::exp(log_ratio - spread),
        upper: libm::exp(log_ratio + spread),
        observed,
        expected,
        variance,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn a_small_curve_by_hand() {
        // Six subjects: events at 1, 3, 3 and 6; censored at 2 and 5.
        // t = 1: 6 at risk, 1 event: S = 5/6.
        // t = 2: censored, S stays 5/6 (5 at risk before it).
        // t = 3: 4 at risk, 2 events: S = 5/6 · 2/4 = 5/12.
        // t = 5: censored (2 at risk), S stays.
        // t = 6: 1 at risk, 1 event: S = 0.
        let durations = [3.0, 1.0, 2.0, 3.0, 6.0, 5.0];
        let events = [true, true, false, true, true, false];
        let curve = kaplan_meier(&durations, &events, 0.95).unwrap();
        let summary: Vec<(f64, u64, u64, u64)> = curve
            .steps
            .iter()
            .map(|s| (s.time, s.at_risk, s.events, s.censored))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1.0, 6, 1, 0),
                (2.0, 5, 0, 1),
                (3.0, 4, 2, 0),
                (5.0, 2, 0, 1),
                (6.0, 1, 1, 0)
            ]
        );
        let survival: Vec<f64> = curve.steps.iter().map(|s| s.survival).collect();
        assert!(close(survival[0], 5.0 / 6.0, 1e-15));
        assert!(close(survival[1], 5.0 / 6.0, 1e-15));
        assert!(close(survival[2], 5.0 / 12.0, 1e-15));
        assert!(close(survival[3], 5.0 / 12.0, 1e-15));
        assert_eq!(survival[4], 0.0);
        assert_eq!((curve.subjects, curve.events), (6, 4));
        // Greenwood at t = 3: Σ d/(n(n−d)) = 1/(6·5) + 2/(4·2) = 1/30 + 1/4 = 17/60;
        // SE = 5/12 · √(17/60) = 0.221775.
        let se = curve.steps[2].std_error.unwrap();
        assert!(close(se, 5.0 / 12.0 * (17.0_f64 / 60.0).sqrt(), 1e-15));
        // Log-log interval at t = 1: σ = √(1/30) / |ln(5/6)| = 0.182574 / 0.182322 = 1.001386;
        // exp(±1.959964 σ) = exp(±1.962680) = 7.11838, 0.140481:
        // [(5/6)^7.11838, (5/6)^0.140481] = [0.27312, 0.97471].
        assert!(
            close(curve.steps[0].lower, 0.27312, 1e-4),
            "{}",
            curve.steps[0].lower
        );
        assert!(
            close(curve.steps[0].upper, 0.97471, 1e-4),
            "{}",
            curve.steps[0].upper
        );
        // At 0, the interval is [0, 0] and the standard error undefined.
        assert_eq!(curve.steps[4].std_error, None);
        assert_eq!((curve.steps[4].lower, curve.steps[4].upper), (0.0, 0.0));
        // Median: S first ≤ 0.5 at t = 3.
        assert_eq!(curve.median(), Some(3.0));
        // Lookups: before the first event 1; between steps the earlier step; after the end 0
        // (the curve reached 0).
        assert_eq!(curve.at(0.5).unwrap().survival, 1.0);
        assert!(close(curve.at(4.0).unwrap().survival, 5.0 / 12.0, 1e-15));
        assert_eq!(curve.at(10.0).unwrap().survival, 0.0);
    }

    #[test]
    fn censored_tail_and_bad_input() {
        // Events at 1, censored at 2: S(1) = 1/2, then unknown past 2.
        let curve = kaplan_meier(&[1.0, 2.0], &[true, false], 0.95).unwrap();
        assert_eq!(curve.at(2.0).unwrap().survival, 0.5);
        assert_eq!(curve.at(2.5), None);
        assert_eq!(curve.median(), Some(1.0));
        // Never below 0.5: no median.
        let curve = kaplan_meier(&[1.0, 2.0, 3.0], &[true, false, false], 0.95).unwrap();
        assert_eq!(curve.median(), None);
        assert_eq!(
            kaplan_meier(&[1.0], &[true, false], 0.95),
            Err(SurvivalError::LengthMismatch)
        );
        assert_eq!(
            kaplan_meier(&[1.0, -1.0], &[true, false], 0.95),
            Err(SurvivalError::InvalidDuration { row: 1 })
        );
        assert_eq!(
            kaplan_meier(&[f64::NAN], &[true], 0.95),
            Err(SurvivalError::InvalidDuration { row: 0 })
        );
        assert_eq!(
            kaplan_meier(&[1.0], &[true], 1.5),
            Err(SurvivalError::InvalidConfidence)
        );
        assert_eq!(
            log_rank(&[1.0], &[true], &[2], 2),
            Err(SurvivalError::GroupOutOfRange { row: 0 })
        );
        let empty = kaplan_meier(&[], &[], 0.95).unwrap();
        assert!(empty.steps.is_empty());
        assert_eq!(empty.at(3.0).unwrap().survival, 1.0);
    }

    #[test]
    fn log_rank_by_hand() {
        // Group 0: events at 1 and 3. Group 1: event at 2, censored at 4.
        // t = 1: n = 4 (2, 2), d = 1: E0 = 1/2, V = 1 · 1/2 · 1/2 · 3/3 = 1/4.
        // t = 2: n = 3 (1, 2), d = 1: E0 += 1/3, V += 1/3 · 2/3 = 2/9.
        // t = 3: n = 2 (1, 1), d = 1: E0 += 1/2, V += 1/4.
        // O0 = 2, E0 = 4/3, O0 − E0 = 2/3; V = 1/4 + 2/9 + 1/4 = 13/18;
        // χ² = (2/3)² / (13/18) = (4/9)(18/13) = 8/13 = 0.615385.
        let durations = [1.0, 3.0, 2.0, 4.0];
        let events = [true, true, true, false];
        let groups = [0, 0, 1, 1];
        let test = log_rank(&durations, &events, &groups, 2).unwrap().unwrap();
        assert_eq!(test.observed, vec![2, 1]);
        assert!(close(test.expected[0], 4.0 / 3.0, 1e-15));
        assert!(close(test.expected[1], 5.0 / 3.0, 1e-15));
        assert!(close(test.statistic, 8.0 / 13.0, 1e-14));
        assert_eq!(test.df, 1);
        // p = erfc(√(χ²/2)) = erfc(0.554700) = 0.432768 (scipy.stats.chi2.sf(8/13, 1)).
        assert!(close(test.p_value, 0.432_768, 1e-6), "{}", test.p_value);
        // Hazard ratio of group 0 against 1: ln HR = (2/3) / (13/18) = 12/13;
        // HR = e^(12/13) = 2.51727; SE = 1/√(13/18) = 1.176697.
        let in_group = [true, true, false, false];
        let ratio = hazard_ratio(&durations, &events, &in_group, 0.95)
            .unwrap()
            .unwrap();
        assert!(close(ratio.ratio, (12.0_f64 / 13.0).exp(), 1e-14));
        assert!(close(ratio.variance, 13.0 / 18.0, 1e-15));
        let spread = 1.959_963_984_540_054 / (13.0_f64 / 18.0).sqrt();
        assert!(close(ratio.lower, (12.0 / 13.0 - spread).exp(), 1e-12));
        assert!(close(ratio.upper, (12.0 / 13.0 + spread).exp(), 1e-12));
        // One group only, or no events: nothing to test.
        assert_eq!(log_rank(&[1.0, 2.0], &[true, true], &[1, 1], 3), Ok(None));
        assert_eq!(
            hazard_ratio(&[1.0, 2.0], &[false, false], &[true, false], 0.95),
            Ok(None)
        );
    }

    /// The 6-MP remission data of Freireich et al. (1963), as analysed by Gehan (1965) and in
    /// Klein & Moeschberger, *Survival Analysis* (2nd ed., 2003), Table 4.1A and Example 7.2,
    /// and Kleinbaum & Klein, *Survival Analysis: A Self-Learning Text* (3rd ed., 2012), ch. 2.
    fn remission() -> (Vec<f64>, Vec<bool>, Vec<usize>) {
        // 6-MP (group 0): remission weeks, + censored.
        let treated: [(f64, bool); 21] = [
            (6.0, true),
            (6.0, true),
            (6.0, true),
            (6.0, false),
            (7.0, true),
            (9.0, false),
            (10.0, true),
            (10.0, false),
            (11.0, false),
            (13.0, true),
            (16.0, true),
            (17.0, false),
            (19.0, false),
            (20.0, false),
            (22.0, true),
            (23.0, true),
            (25.0, false),
            (32.0, false),
            (32.0, false),
            (34.0, false),
            (35.0, false),
        ];
        // Placebo (group 1): every remission ended.
        let placebo = [
            1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 5.0, 8.0, 8.0, 8.0, 8.0, 11.0, 11.0, 12.0,
            12.0, 15.0, 17.0, 22.0, 23.0,
        ];
        let mut durations: Vec<f64> = treated.iter().map(|&(t, _)| t).collect();
        let mut events: Vec<bool> = treated.iter().map(|&(_, e)| e).collect();
        let mut groups = vec![0; treated.len()];
        durations.extend(placebo);
        events.extend([true; 21]);
        groups.extend([1; 21]);
        (durations, events, groups)
    }

    #[test]
    fn the_published_remission_example() {
        let (durations, events, groups) = remission();
        let treated: Vec<usize> = (0..durations.len()).filter(|&i| groups[i] == 0).collect();
        let t: Vec<f64> = treated.iter().map(|&i| durations[i]).collect();
        let e: Vec<bool> = treated.iter().map(|&i| events[i]).collect();
        let curve = kaplan_meier(&t, &e, 0.95).unwrap();
        // Klein & Moeschberger Table 4.1A: the 6-MP curve at its event times, with Greenwood
        // standard errors.
        let published = [
            (6.0, 0.857, 0.076),
            (7.0, 0.807, 0.087),
            (10.0, 0.753, 0.096),
            (13.0, 0.690, 0.107),
            (16.0, 0.627, 0.114),
            (22.0, 0.538, 0.128),
            (23.0, 0.448, 0.135),
        ];
        for (time, survival, se) in published {
            let step = curve.steps.iter().find(|s| s.time == time).unwrap();
            assert!(
                close(step.survival, survival, 5e-4),
                "S({time}) = {}",
                step.survival
            );
            assert!(close(step.std_error.unwrap(), se, 5e-4), "SE({time})");
        }
        assert_eq!(curve.median(), Some(23.0));
        // The placebo group's median is 8 weeks.
        let placebo: Vec<usize> = (0..durations.len()).filter(|&i| groups[i] == 1).collect();
        let t: Vec<f64> = placebo.iter().map(|&i| durations[i]).collect();
        let curve = kaplan_meier(&t, &vec![true; t.len()], 0.95).unwrap();
        assert_eq!(curve.median(), Some(8.0));

        // The log-rank test: O = 9 and 21, E = 19.25 and 10.75, χ² = 16.79 on 1 df (Kleinbaum
        // & Klein ch. 2; R's survdiff prints 16.8, p = 4e-05).
        let test = log_rank(&durations, &events, &groups, 2).unwrap().unwrap();
        assert_eq!(test.observed, vec![9, 21]);
        assert!(close(test.expected[0], 19.25, 5e-3), "{}", test.expected[0]);
        assert!(close(test.expected[1], 10.75, 5e-3));
        assert!(close(test.statistic, 16.79, 5e-3), "{}", test.statistic);
        assert!(test.p_value < 5e-5 && test.p_value > 4e-5);
        // Peto's hazard ratio of 6-MP against placebo: O − E = 9 − 19.2505 = −10.2505 and
        // V = 6.25696 (= (O − E)² / 16.7929), ln HR = −1.63826: HR = 0.1943, 95 % interval
        // e^(−1.63826 ∓ 1.959964 / √6.25696) = [0.0888, 0.4254]. (The Cox estimate, β = −1.572,
        // is 0.208: Peto's is pulled toward 1, as the module docs say.)
        let in_group: Vec<bool> = groups.iter().map(|&g| g == 0).collect();
        let ratio = hazard_ratio(&durations, &events, &in_group, 0.95)
            .unwrap()
            .unwrap();
        assert!(close(ratio.ratio, 0.1943, 1e-4), "{}", ratio.ratio);
        assert!(close(ratio.lower, 0.0888, 1e-4), "{}", ratio.lower);
        assert!(close(ratio.upper, 0.4254, 1e-4), "{}", ratio.upper);
    }
}
