//! The Net Promoter Score of a set of answers, with a confidence interval (`std`): overall, by
//! any key (a segment, a store, a cohort) and by calendar period.
//!
//! **Estimate.** With `n` answers of which `n_P` promoters and `n_D` detractors, NPS =
//! 100 · (n_P − n_D) / n, from −100 to 100.
//!
//! **Interval: adjusted Wald** (Rocks 2016, "Interval Estimation for the 'Net Promoter Score'",
//! The American Statistician 70(4), 365–372; the method Sauro and Lewis recommend after checking
//! it on real survey data, MeasuringU 2021). NPS is the difference of two shares of one
//! trinomial sample, so its variance is `(p_P + p_D − (p_P − p_D)²) / n`. The Wald interval on
//! that variance covers too rarely for small samples and collapses to a point when every answer
//! is in one group; the adjusted Wald interval first adds pseudo-answers — 3/4 of a detractor,
//! 3/2 of a passive and 3/4 of a promoter (`n' = n + 3`) — then takes
//!
//! `p̃_P = (n_P + 3/4) / n'`, `p̃_D = (n_D + 3/4) / n'`, `Ñ = p̃_P − p̃_D`,
//! `interval = 100 · (Ñ ± z · √((p̃_P + p̃_D − Ñ²) / n'))`, clamped to [−100, 100],
//!
//! with `z` the two-sided normal critical value of the confidence level (1.96 for 95 %). The
//! point estimate stays the plain NPS (the interval is not centred on it).

use std::collections::BTreeMap;
use std::fmt;

use super::{FeedbackGroup, MAX_SCORE, NpsScore};
use crate::stats::{InvalidConfidence, two_sided_z};
use crate::time::{Day, Period};

/// Pseudo-answers the adjusted Wald interval adds: (detractors, passives, promoters).
pub const ADJUSTED_WALD_PSEUDO_ANSWERS: (f64, f64, f64) = (0.75, 1.5, 0.75);

/// Answers counted by group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NpsCounts {
    /// Answers 0–6.
    pub detractors: u64,
    /// Answers 7–8.
    pub passives: u64,
    /// Answers 9–10.
    pub promoters: u64,
}

impl NpsCounts {
    /// Counts one answer of `group`.
    pub fn add(&mut self, group: FeedbackGroup) {
        let count = match group {
            FeedbackGroup::Detractor => &mut self.detractors,
            FeedbackGroup::Passive => &mut self.passives,
            FeedbackGroup::Promoter => &mut self.promoters,
        };
        *count = count.saturating_add(1);
    }

    /// All answers.
    #[must_use]
    pub fn responses(&self) -> u64 {
        self.detractors
            .saturating_add(self.passives)
            .saturating_add(self.promoters)
    }

    /// The NPS, −100..=100, and its adjusted Wald interval at `confidence` (see the module
    /// docs); `None` without answers.
    ///
    /// Errors: [`InvalidConfidence`] unless `0 < confidence < 1`.
    #[allow(clippy::cast_precision_loss)]
    pub fn estimate(&self, confidence: f64) -> Result<Option<NpsEstimate>, InvalidConfidence> {
        let z = two_sided_z(confidence)?;
        let n = self.responses();
        if n == 0 {
            return Ok(None);
        }
        let (pseudo_detractors, pseudo_passives, pseudo_promoters) = ADJUSTED_WALD_PSEUDO_ANSWERS;
        let (n, promoters, detractors) = (n as f64, self.promoters as f64, self.detractors as f64);
        let nps = 100.0 * (promoters - detractors) / n;
        let adjusted_n = n + pseudo_detractors + pseudo_passives + pseudo_promoters;
        let p_promoter = (promoters + pseudo_promoters) / adjusted_n;
        let p_detractor = (detractors + pseudo_detractors) / adjusted_n;
        let centre = p_promoter - p_detractor;
        let variance = (p_promoter + p_detractor - centre * centre).max(0.0) / adjusted_n;
        let standard_error = libm::sqrt(variance);
        Ok(Some(NpsEstimate {
            counts: *self,
            nps,
            standard_error: 100.0 * standard_error,
            lower: (100.0 * (centre - z * standard_error)).max(-100.0),
            upper: (100.0 * (centre + z * standard_error)).min(100.0),
        }))
    }
}

/// An NPS with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NpsEstimate {
    /// The answers.
    pub counts: NpsCounts,
    /// The NPS, −100..=100.
    pub nps: f64,
    /// The adjusted standard error, in NPS points.
    pub standard_error: f64,
    /// The interval's lower end, ≥ −100.
    pub lower: f64,
    /// The interval's upper end, ≤ 100.
    pub upper: f64,
}

/// Why an NPS table could not be made.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum NpsError {
    /// The columns differ in length.
    LengthMismatch,
    /// Row `row`'s score is not a whole number in 0..=10 (or NaN).
    InvalidScore {
        /// The row.
        row: usize,
        /// The score given.
        score: f64,
    },
    /// The confidence level is not strictly between 0 and 1.
    InvalidConfidence,
}

impl fmt::Display for NpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NpsError::LengthMismatch => f.write_str("columns differ in length"),
            NpsError::InvalidScore { row, score } => write!(
                f,
                "row {row}: score {score} is not an NPS score (a whole number in 0..=10)"
            ),
            NpsError::InvalidConfidence => InvalidConfidence.fmt(f),
        }
    }
}

impl std::error::Error for NpsError {}

impl From<InvalidConfidence> for NpsError {
    fn from(_: InvalidConfidence) -> NpsError {
        NpsError::InvalidConfidence
    }
}

/// The score of row `row` of a host column: a whole number in 0..=10.
///
/// Errors: [`NpsError::InvalidScore`].
pub fn score_of(row: usize, score: f64) -> Result<NpsScore, NpsError> {
    let invalid = NpsError::InvalidScore { row, score };
    if !(0.0..=f64::from(MAX_SCORE)).contains(&score) || libm::floor(score) != score {
        return Err(invalid);
    }
    // A whole number in 0..=10.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    NpsScore::new(score as u8).map_err(|_| invalid)
}

/// One row of an NPS table: a key, a period, and the NPS of their answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NpsRow {
    /// The key the caller gave the answers (a segment's, a store's or a cohort's number).
    pub key: i64,
    /// The period index of the answers' days ([`Day::period_index`]), when split by period.
    pub period: Option<i32>,
    /// The NPS and its interval.
    pub estimate: NpsEstimate,
}

/// The NPS of the answers `scores` grouped by `keys` (any numbering of segments, stores or
/// cohorts; one key for all gives the overall NPS) and, when `days` are given, by the calendar
/// `period` of each answer's day. Rows in order of key, then period; only keys and periods with
/// answers.
///
/// Errors: [`NpsError::LengthMismatch`], [`NpsError::InvalidScore`] (the first bad row),
/// [`NpsError::InvalidConfidence`].
pub fn nps_table(
    keys: &[i64],
    scores: &[f64],
    days: Option<(&[Day], Period)>,
    confidence: f64,
) -> Result<Vec<NpsRow>, NpsError> {
    two_sided_z(confidence)?;
    if keys.len() != scores.len() || days.is_some_and(|(days, _)| days.len() != scores.len()) {
        return Err(NpsError::LengthMismatch);
    }
    let mut counts: BTreeMap<(i64, Option<i32>), NpsCounts> = BTreeMap::new();
    for (row, (&key, &score)) in keys.iter().zip(scores).enumerate() {
        let group = score_of(row, score)?.group();
        let period = match days {
            Some((days, period)) => days.get(row).map(|day| day.period_index(period)),
            None => None,
        };
        counts.entry((key, period)).or_default().add(group);
    }
    let mut rows = Vec::with_capacity(counts.len());
    for ((key, period), counted) in counts {
        if let Some(estimate) = counted.estimate(confidence)? {
            rows.push(NpsRow {
                key,
                period,
                estimate,
            });
        }
    }
    Ok(rows)
}

/// The first-purchase cohort of every buying customer: the period index of their earliest
/// purchase day, the cohorts of `metrics::cohort_retention`.
///
/// Errors: [`NpsError::LengthMismatch`].
pub fn first_purchase_cohorts(
    customers: &[u64],
    days: &[Day],
    period: Period,
) -> Result<BTreeMap<u64, i32>, NpsError> {
    if customers.len() != days.len() {
        return Err(NpsError::LengthMismatch);
    }
    let mut first: BTreeMap<u64, Day> = BTreeMap::new();
    for (&customer, &day) in customers.iter().zip(days) {
        first
            .entry(customer)
            .and_modify(|earliest| *earliest = (*earliest).min(day))
            .or_insert(day);
    }
    Ok(first
        .into_iter()
        .map(|(customer, day)| (customer, day.period_index(period)))
        .collect())
}

/// The NPS of the answers by the first-purchase cohort of the customer who gave them (`period`
/// also groups the purchases into cohorts). Answers of customers without a purchase in the
/// transactions form the row with cohort `None`, last.
///
/// Errors: as [`nps_table`] and [`first_purchase_cohorts`].
pub fn nps_by_cohort(
    feedback_customers: &[u64],
    scores: &[f64],
    customers: &[u64],
    purchase_days: &[Day],
    period: Period,
    confidence: f64,
) -> Result<Vec<(Option<i32>, NpsEstimate)>, NpsError> {
    two_sided_z(confidence)?;
    if feedback_customers.len() != scores.len() {
        return Err(NpsError::LengthMismatch);
    }
    let cohorts = first_purchase_cohorts(customers, purchase_days, period)?;
    let mut counts: BTreeMap<(bool, i32), NpsCounts> = BTreeMap::new();
    for (row, (customer, &score)) in feedback_customers.iter().zip(scores).enumerate() {
        let group = score_of(row, score)?.group();
        // Known cohorts first (false < true), in period order; the unknown one last.
        let key = cohorts
            .get(customer)
            .map_or((true, 0), |&cohort| (false, cohort));
        counts.entry(key).or_default().add(group);
    }
    let mut rows = Vec::with_capacity(counts.len());
    for ((unknown, cohort), counted) in counts {
        if let Some(estimate) = counted.estimate(confidence)? {
            rows.push(((!unknown).then_some(cohort), estimate));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn estimate_by_hand() {
        // 10 answers: 5 promoters, 3 passives, 2 detractors. NPS = 100 · (5 − 2) / 10 = 30.
        // Adjusted: n' = 13, p̃_P = 5.75 / 13 = 0.442308, p̃_D = 2.75 / 13 = 0.211538,
        // Ñ = 3 / 13 = 0.2307692; variance = (0.6538462 − 0.0532544) / 13 = 0.0461994,
        // SE = 0.2149404; z = 1.959964: 0.2307692 ∓ 0.4212754 → [−19.0506, 65.2045].
        let counts = NpsCounts {
            detractors: 2,
            passives: 3,
            promoters: 5,
        };
        let estimate = counts.estimate(0.95).unwrap().unwrap();
        assert!(close(estimate.nps, 30.0, 1e-12));
        assert!(close(estimate.standard_error, 21.4940, 1e-4));
        assert!(close(estimate.lower, -19.0506, 1e-4), "{}", estimate.lower);
        assert!(close(estimate.upper, 65.2045, 1e-4), "{}", estimate.upper);
        assert_eq!(estimate.counts, counts);

        // All promoters, n = 4: NPS 100, yet a real interval (Wald would give [100, 100]).
        // n' = 7, p̃_P = 4.75 / 7, p̃_D = 0.75 / 7, Ñ = 4 / 7 = 0.571429;
        // variance = (5.5 / 7 − 16 / 49) / 7 = (0.7857143 − 0.3265306) / 7 = 0.0655977,
        // SE = 0.2561204; z · SE = 0.5019868: upper 1.0734 → clamped to 100;
        // lower 0.5714286 − 0.5019868 = 0.0694418 → 6.9442.
        let all = NpsCounts {
            promoters: 4,
            ..NpsCounts::default()
        };
        let estimate = all.estimate(0.95).unwrap().unwrap();
        assert_eq!(estimate.nps, 100.0);
        assert_eq!(estimate.upper, 100.0);
        assert!(close(estimate.lower, 6.9442, 1e-4), "{}", estimate.lower);

        assert_eq!(NpsCounts::default().estimate(0.95), Ok(None));
        assert_eq!(counts.estimate(1.0), Err(InvalidConfidence));
    }

    #[test]
    fn scores_are_checked() {
        assert_eq!(score_of(0, 0.0).unwrap().get(), 0);
        assert_eq!(score_of(0, 10.0).unwrap().get(), 10);
        for bad in [-1.0, 10.5, 11.0, f64::NAN, f64::INFINITY, 6.5] {
            assert!(
                matches!(score_of(3, bad), Err(NpsError::InvalidScore { row: 3, .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn tables_by_key_and_period() {
        let d = |n: i32| Day::from_number(n).unwrap();
        // Key 1: days 0 and 1 (scores 10, 0), day 40 (9). Key 0: day 2 (7).
        let keys = [1, 1, 0, 1];
        let scores = [10.0, 0.0, 7.0, 9.0];
        let days = [d(0), d(1), d(2), d(40)];
        let overall = nps_table(&keys, &scores, None, 0.95).unwrap();
        assert_eq!(overall.len(), 2);
        assert_eq!((overall[0].key, overall[0].period), (0, None));
        assert_eq!(overall[0].estimate.nps, 0.0); // one passive
        // Key 1: 2 promoters, 1 detractor of 3: 100 / 3.
        assert!(close(overall[1].estimate.nps, 100.0 / 3.0, 1e-12));
        // By month: 1970-01 is month index 1970 · 12 = 23 640; day 40 is in February.
        let monthly = nps_table(&keys, &scores, Some((&days, Period::Month)), 0.95).unwrap();
        let cells: Vec<(i64, Option<i32>, f64)> = monthly
            .iter()
            .map(|row| (row.key, row.period, row.estimate.nps))
            .collect();
        assert_eq!(
            cells,
            vec![
                (0, Some(23_640), 0.0),
                (1, Some(23_640), 0.0),
                (1, Some(23_641), 100.0)
            ]
        );
        assert_eq!(
            nps_table(&keys[..3], &scores, None, 0.95),
            Err(NpsError::LengthMismatch)
        );
        assert!(matches!(
            nps_table(&keys, &[10.0, 0.0, 12.0, 9.0], None, 0.95),
            Err(NpsError::InvalidScore { row: 2, .. })
        ));
        assert_eq!(
            nps_table(&keys, &scores, None, 0.0),
            Err(NpsError::InvalidConfidence)
        );
    }

    #[test]
    fn cohorts() {
        let d = |n: i32| Day::from_number(n).unwrap();
        // Customer 7 first bought in January 1970 (day 3), customer 8 in February (day 35);
        // customer 9 never bought.
        let cohorts =
            first_purchase_cohorts(&[8, 7, 7], &[d(35), d(40), d(3)], Period::Month).unwrap();
        assert_eq!(cohorts.get(&7), Some(&23_640));
        assert_eq!(cohorts.get(&8), Some(&23_641));
        let rows = nps_by_cohort(
            &[7, 8, 9, 7],
            &[10.0, 3.0, 8.0, 9.0],
            &[8, 7, 7],
            &[d(35), d(40), d(3)],
            Period::Month,
            0.95,
        )
        .unwrap();
        let cells: Vec<(Option<i32>, u64, f64)> = rows
            .iter()
            .map(|(cohort, e)| (*cohort, e.counts.responses(), e.nps))
            .collect();
        assert_eq!(
            cells,
            vec![
                (Some(23_640), 2, 100.0),
                (Some(23_641), 1, -100.0),
                (None, 1, 0.0)
            ]
        );
    }
}
