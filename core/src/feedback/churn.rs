//! Do detractors leave sooner? Retention curves by feedback group from history (`std`).
//!
//! **Who and from when.** Each customer who gave feedback enters the group of their **first**
//! answer (on or before the observation end), on its day `F`: the clock starts at the answer, so
//! a later answer cannot reach back (no customer is counted as surviving until a feedback they
//! had not yet given). Customers without feedback are not in any group.
//!
//! **Churn**, as retention managers define it for shops without subscriptions: a customer has
//! churned when `churn_after_days` have passed since their last purchase without another. With
//! `L` the last purchase on or after `F` (or `F` itself without one) and `E` the observation end:
//!
//! - the customer **churned at** `L − F` days when `E − L ≥ churn_after_days`;
//! - otherwise they are **censored at** `L − F`: they bought at `L`, and whether they have left
//!   since cannot be known yet.
//!
//! Purchases and answers after `E` are ignored (as lifetimes' `observation_period_end`). The
//! curves are Kaplan–Meier estimates per group, compared by the log-rank test, and each group's
//! hazard of churning is given as a ratio to a reference group's (`churn::survival`).

use std::collections::BTreeMap;
use std::fmt;

use super::FeedbackGroup;
use super::nps::{NpsError, score_of};
use crate::churn::survival::{
    HazardRatio, KaplanMeier, LogRank, SurvivalAt, SurvivalError, hazard_ratio, kaplan_meier,
    log_rank,
};
use crate::stats::two_sided_z;
use crate::time::Day;

/// A purchase and feedback history, as columns.
#[derive(Clone, Copy, Debug)]
pub struct History<'a> {
    /// The customer of each purchase.
    pub customers: &'a [u64],
    /// The day of each purchase.
    pub purchase_days: &'a [Day],
    /// The customer of each answer.
    pub feedback_customers: &'a [u64],
    /// The day of each answer.
    pub feedback_days: &'a [Day],
    /// The score of each answer, a whole number in 0..=10.
    pub scores: &'a [f64],
}

/// How churn is read from the history and how the groups are compared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChurnSettings {
    /// The last day of the history.
    pub observation_end: Day,
    /// Days without a purchase after which a customer counts as churned (≥ 1).
    pub churn_after_days: u32,
    /// The horizon, in days after the feedback, of each group's survival and churn rate.
    pub horizon_days: u32,
    /// The group the hazard ratios compare against.
    pub reference: FeedbackGroup,
    /// The confidence level of every interval, strictly between 0 and 1.
    pub confidence: f64,
}

/// One customer of the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The customer.
    pub customer: u64,
    /// The group of their first answer.
    pub group: FeedbackGroup,
    /// The day of their first answer.
    pub feedback_day: Day,
    /// Days from the answer to the churn or the censoring.
    pub days: u32,
    /// Churned (true) or censored (false).
    pub churned: bool,
}

/// The retention of one feedback group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupChurn {
    /// The group.
    pub group: FeedbackGroup,
    /// Its customers.
    pub customers: u64,
    /// Those seen to churn.
    pub churned: u64,
    /// Those censored.
    pub censored: u64,
    /// Its Kaplan–Meier curve, in days since the answer.
    pub curve: KaplanMeier,
    /// Days until half the group has churned; `None` if the curve stays above one half.
    pub median_days: Option<f64>,
    /// The share still buying `horizon_days` after the answer, with its interval; `None` past
    /// the group's longest observation. The churn rate by the horizon is `1 −` it.
    pub at_horizon: Option<SurvivalAt>,
    /// The group's hazard of churning relative to the reference group's; `None` for the
    /// reference group itself, or when either group is empty or without churn.
    pub hazard_ratio: Option<HazardRatio>,
}

/// A share of customers churned, with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChurnShare {
    /// The share, 0..=1.
    pub share: f64,
    /// The interval's lower end.
    pub lower: f64,
    /// The interval's upper end.
    pub upper: f64,
}

impl GroupChurn {
    /// The churn rate by the horizon: the share churned `horizon_days` after the answer,
    /// `1 − S(horizon)`, with the survival's interval turned over; `None` where
    /// [`GroupChurn::at_horizon`] is.
    #[must_use]
    pub fn churn_by_horizon(&self) -> Option<ChurnShare> {
        self.at_horizon.map(|at| ChurnShare {
            share: 1.0 - at.survival,
            lower: 1.0 - at.upper,
            upper: 1.0 - at.lower,
        })
    }
}

/// Retention by feedback group.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedbackChurn {
    /// The groups with customers, in code order (detractor, passive, promoter).
    pub groups: Vec<GroupChurn>,
    /// The log-rank test that every group has the same curve; `None` with fewer than two
    /// groups or no churn.
    pub log_rank: Option<LogRank>,
    /// Every customer of the analysis, by customer id.
    pub subjects: Vec<Subject>,
}

/// Why retention by feedback group could not be computed.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum FeedbackChurnError {
    /// The purchase columns, or the feedback columns, differ in length.
    LengthMismatch,
    /// Row `row` of the feedback has a score that is not a whole number in 0..=10.
    InvalidScore {
        /// The feedback row.
        row: usize,
        /// The score given.
        score: f64,
    },
    /// `churn_after_days` is 0.
    InvalidChurnWindow,
    /// The confidence level is not strictly between 0 and 1.
    InvalidConfidence,
    /// The survival estimators refused durations this module made: a bug.
    Internal,
}

impl fmt::Display for FeedbackChurnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedbackChurnError::LengthMismatch => f.write_str("columns differ in length"),
            FeedbackChurnError::InvalidScore { row, score } => NpsError::InvalidScore {
                row: *row,
                score: *score,
            }
            .fmt(f),
            FeedbackChurnError::InvalidChurnWindow => {
                f.write_str("churn_after_days must be at least 1")
            }
            FeedbackChurnError::InvalidConfidence => NpsError::InvalidConfidence.fmt(f),
            FeedbackChurnError::Internal => f.write_str("internal error in the survival analysis"),
        }
    }
}

impl std::error::Error for FeedbackChurnError {}

impl From<NpsError> for FeedbackChurnError {
    fn from(error: NpsError) -> FeedbackChurnError {
        match error {
            NpsError::LengthMismatch => FeedbackChurnError::LengthMismatch,
            NpsError::InvalidScore { row, score } => {
                FeedbackChurnError::InvalidScore { row, score }
            }
            NpsError::InvalidConfidence => FeedbackChurnError::InvalidConfidence,
        }
    }
}

impl From<SurvivalError> for FeedbackChurnError {
    fn from(error: SurvivalError) -> FeedbackChurnError {
        match error {
            SurvivalError::InvalidConfidence => FeedbackChurnError::InvalidConfidence,
            SurvivalError::LengthMismatch
            | SurvivalError::InvalidDuration { .. }
            | SurvivalError::GroupOutOfRange { .. } => FeedbackChurnError::Internal,
        }
    }
}

/// The customers of the analysis: each one's first answer, and their churn or censoring (see
/// the module docs).
///
/// Errors: [`FeedbackChurnError::LengthMismatch`], [`FeedbackChurnError::InvalidScore`] (the
/// first bad row, after the end or not), [`FeedbackChurnError::InvalidChurnWindow`].
pub fn subjects(
    history: &History<'_>,
    observation_end: Day,
    churn_after_days: u32,
) -> Result<Vec<Subject>, FeedbackChurnError> {
    if history.customers.len() != history.purchase_days.len()
        || history.feedback_customers.len() != history.feedback_days.len()
        || history.feedback_customers.len() != history.scores.len()
    {
        return Err(FeedbackChurnError::LengthMismatch);
    }
    if churn_after_days == 0 {
        return Err(FeedbackChurnError::InvalidChurnWindow);
    }
    // The first answer of each customer (the earliest day; on one day, the first row).
    let mut first: BTreeMap<u64, (Day, FeedbackGroup)> = BTreeMap::new();
    for (row, ((&customer, &day), &score)) in history
        .feedback_customers
        .iter()
        .zip(history.feedback_days)
        .zip(history.scores)
        .enumerate()
    {
        let group = score_of(row, score)?.group();
        if day > observation_end {
            continue;
        }
        first
            .entry(customer)
            .and_modify(|earliest| {
                if day < earliest.0 {
                    *earliest = (day, group);
                }
            })
            .or_insert((day, group));
    }
    // The last purchase of each of them up to the end.
    let mut last: BTreeMap<u64, Day> = BTreeMap::new();
    for (&customer, &day) in history.customers.iter().zip(history.purchase_days) {
        if day > observation_end || !first.contains_key(&customer) {
            continue;
        }
        last.entry(customer)
            .and_modify(|latest| *latest = (*latest).max(day))
            .or_insert(day);
    }
    Ok(first
        .into_iter()
        .map(|(customer, (feedback_day, group))| {
            let last_seen = last
                .get(&customer)
                .map_or(feedback_day, |&day| day.max(feedback_day));
            let days = u32::try_from(last_seen.days_since(feedback_day)).unwrap_or(0);
            let quiet = u32::try_from(observation_end.days_since(last_seen)).unwrap_or(0);
            Subject {
                customer,
                group,
                feedback_day,
                days,
                churned: quiet >= churn_after_days,
            }
        })
        .collect())
}

/// Retention curves, churn rates and hazard ratios by feedback group (see the module docs).
///
/// Errors: as [`subjects`]; [`FeedbackChurnError::InvalidConfidence`].
pub fn churn_by_group(
    history: &History<'_>,
    settings: &ChurnSettings,
) -> Result<FeedbackChurn, FeedbackChurnError> {
    two_sided_z(settings.confidence).map_err(|_| FeedbackChurnError::InvalidConfidence)?;
    let subjects = subjects(history, settings.observation_end, settings.churn_after_days)?;
    let durations: Vec<f64> = subjects.iter().map(|s| f64::from(s.days)).collect();
    let events: Vec<bool> = subjects.iter().map(|s| s.churned).collect();
    let codes: Vec<usize> = subjects
        .iter()
        .map(|s| usize::from(s.group.code()))
        .collect();
    let test = log_rank(&durations, &events, &codes, FeedbackGroup::ALL.len())?;
    let mut groups = Vec::new();
    for group in FeedbackGroup::ALL {
        let members: Vec<usize> = (0..subjects.len())
            .filter(|&i| subjects.get(i).is_some_and(|s| s.group == group))
            .collect();
        if members.is_empty() {
            continue;
        }
        let pick = |column: &[f64]| -> Vec<f64> {
            members
                .iter()
                .filter_map(|&i| column.get(i).copied())
                .collect()
        };
        let member_events: Vec<bool> = members
            .iter()
            .filter_map(|&i| events.get(i).copied())
            .collect();
        let curve = kaplan_meier(&pick(&durations), &member_events, settings.confidence)?;
        let hazard = if group == settings.reference {
            None
        } else {
            // The group against the reference, the other groups left out.
            let pair: Vec<usize> = (0..subjects.len())
                .filter(|&i| {
                    subjects
                        .get(i)
                        .is_some_and(|s| s.group == group || s.group == settings.reference)
                })
                .collect();
            let pair_durations: Vec<f64> = pair
                .iter()
                .filter_map(|&i| durations.get(i).copied())
                .collect();
            let pair_events: Vec<bool> = pair
                .iter()
                .filter_map(|&i| events.get(i).copied())
                .collect();
            let in_group: Vec<bool> = pair
                .iter()
                .filter_map(|&i| subjects.get(i).map(|s| s.group == group))
                .collect();
            hazard_ratio(
                &pair_durations,
                &pair_events,
                &in_group,
                settings.confidence,
            )?
        };
        let churned = u64::try_from(member_events.iter().filter(|&&e| e).count()).unwrap_or(0);
        let customers = u64::try_from(members.len()).unwrap_or(0);
        groups.push(GroupChurn {
            group,
            customers,
            churned,
            censored: customers.saturating_sub(churned),
            median_days: curve.median(),
            at_horizon: curve.at(f64::from(settings.horizon_days)),
            curve,
            hazard_ratio: hazard,
        });
    }
    Ok(FeedbackChurn {
        groups,
        log_rank: test,
        subjects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i32) -> Day {
        Day::from_number(n).unwrap()
    }

    /// Day 100 is the end; churn after 30 quiet days.
    ///
    /// - 1: answers 3 (detractor) on day 10, buys on 10 and 20: last 20, 80 quiet days →
    ///   churned at 10.
    /// - 2: answers 10 on day 10, later 2 on day 50 (the first answer counts: promoter); buys on
    ///   5, 10, 95: last 95, 5 quiet → censored at 85.
    /// - 3: answers 6 on day 40, never buys after: last = 40, 60 quiet → churned at 0.
    /// - 4: answers 9 on day 90, buys on 90: 10 quiet → censored at 0.
    /// - 5: answers 8 on day 120 (after the end): not in the analysis; a purchase after the end
    ///   by customer 1 (day 130) is ignored too.
    #[allow(clippy::type_complexity)]
    fn history() -> (Vec<u64>, Vec<Day>, Vec<u64>, Vec<Day>, Vec<f64>) {
        (
            vec![1, 1, 2, 2, 2, 4, 1],
            vec![d(10), d(20), d(5), d(10), d(95), d(90), d(130)],
            vec![1, 2, 2, 3, 4, 5],
            vec![d(10), d(10), d(50), d(40), d(90), d(120)],
            vec![3.0, 10.0, 2.0, 6.0, 9.0, 8.0],
        )
    }

    #[test]
    fn subjects_by_hand() {
        let (customers, days, fc, fd, scores) = history();
        let history = History {
            customers: &customers,
            purchase_days: &days,
            feedback_customers: &fc,
            feedback_days: &fd,
            scores: &scores,
        };
        let found = subjects(&history, d(100), 30).unwrap();
        let summary: Vec<(u64, FeedbackGroup, u32, bool)> = found
            .iter()
            .map(|s| (s.customer, s.group, s.days, s.churned))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, FeedbackGroup::Detractor, 10, true),
                (2, FeedbackGroup::Promoter, 85, false),
                (3, FeedbackGroup::Detractor, 0, true),
                (4, FeedbackGroup::Promoter, 0, false),
            ]
        );
        assert_eq!(
            subjects(&history, d(100), 0),
            Err(FeedbackChurnError::InvalidChurnWindow)
        );
        let bad = History {
            scores: &[3.0, 10.0, 2.0, 6.0, 9.0, 11.0],
            ..history
        };
        assert!(matches!(
            subjects(&bad, d(100), 30),
            Err(FeedbackChurnError::InvalidScore { row: 5, .. })
        ));
        let short = History {
            scores: &[3.0],
            ..history
        };
        assert_eq!(
            subjects(&short, d(100), 30),
            Err(FeedbackChurnError::LengthMismatch)
        );
    }

    #[test]
    fn groups_by_hand() {
        let (customers, days, fc, fd, scores) = history();
        let history = History {
            customers: &customers,
            purchase_days: &days,
            feedback_customers: &fc,
            feedback_days: &fd,
            scores: &scores,
        };
        let settings = ChurnSettings {
            observation_end: d(100),
            churn_after_days: 30,
            horizon_days: 5,
            reference: FeedbackGroup::Promoter,
            confidence: 0.95,
        };
        let result = churn_by_group(&history, &settings).unwrap();
        assert_eq!(result.groups.len(), 2);
        let detractors = &result.groups[0];
        assert_eq!(detractors.group, FeedbackGroup::Detractor);
        assert_eq!(
            (
                detractors.customers,
                detractors.churned,
                detractors.censored
            ),
            (2, 2, 0)
        );
        // Churned at 0 and 10: S(0) = 1/2, S(10) = 0; at day 5 one half; median 0.
        assert_eq!(detractors.at_horizon.unwrap().survival, 0.5);
        let churned = detractors.churn_by_horizon().unwrap();
        assert_eq!(churned.share, 0.5);
        let at = detractors.at_horizon.unwrap();
        assert_eq!(
            (churned.lower, churned.upper),
            (1.0 - at.upper, 1.0 - at.lower)
        );
        assert_eq!(detractors.median_days, Some(0.0));
        let promoters = &result.groups[1];
        assert_eq!((promoters.customers, promoters.churned), (2, 0));
        assert_eq!(promoters.at_horizon.unwrap().survival, 1.0);
        assert_eq!(promoters.median_days, None);
        assert_eq!(promoters.hazard_ratio, None);
        // Detractors against promoters, all four: t = 0: n = 4 (2 D, 2 P), d = 1 (a detractor):
        // E_D = 1/2, V = 1/2 · 1/2 · 3/3 = 1/4. Then the promoter censored at 0 leaves.
        // t = 10: n = 2 (1 D, 1 P), d = 1: E_D += 1/2, V += 1/4. O_D = 2, E_D = 1, V = 1/2:
        // ln HR = 1 / (1/2) = 2, HR = e² = 7.389.
        let ratio = detractors.hazard_ratio.unwrap();
        assert!(
            (ratio.ratio - 2.0_f64.exp()).abs() < 1e-12,
            "{}",
            ratio.ratio
        );
        assert_eq!(ratio.observed, 2);
        // The log-rank statistic of the same two groups: (O − E)² / V = 1 / (1/2) = 2.
        let test = result.log_rank.unwrap();
        assert!((test.statistic - 2.0).abs() < 1e-12);
        assert_eq!(test.df, 1);
        assert_eq!(result.subjects.len(), 4);

        let bad = ChurnSettings {
            confidence: 1.0,
            ..settings
        };
        assert_eq!(
            churn_by_group(&history, &bad),
            Err(FeedbackChurnError::InvalidConfidence)
        );
    }
}
