//! Feedback events in a back-test: NPS answers folded into the customers' records in time
//! order, between the baskets, as the till would have recorded them
//! ([`CustomerRecord::record_feedback`]), so that rules reading the feedback (a service
//! recovery offer for detractors) can be tried on history before they ship.

use std::fmt;
use std::vec::Vec;

use crate::customer::{CustomerRecord, FeedbackError};
use crate::feedback::{Feedback, FeedbackChannel, NpsScore};
use crate::terminal::EventId;
use crate::time::{Timestamp, UtcOffset};

use super::{BacktestError, at};

/// The terminal id the back-test records feedback events under (sales are on terminal 0);
/// each answer is numbered from 1 in time order.
pub const FEEDBACK_TERMINAL: u32 = u32::MAX;

/// NPS answers given during the history, one per row, in columns of equal length (all empty:
/// none). An answer is folded into its customer's record before every basket at or after its
/// time (an answer and a basket at the same second: the answer first); answers after the last
/// basket reach the final records.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeedbackEvents<'a> {
    /// The customer of each answer: an index into the back-test's customers.
    pub customer: &'a [u32],
    /// When, in Unix seconds; its local day (the history's offset) is the answer's day.
    pub time: &'a [i64],
    /// The score, 0..=10.
    pub score: &'a [u8],
    /// The channel code ([`FeedbackChannel::code`]; empty: every answer at the till).
    pub channel: &'a [u8],
}

/// Why a feedback event was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FeedbackRefusal {
    /// The row names a customer beyond the back-test's customers.
    UnknownCustomer,
    /// The score is outside 0..=10.
    Score,
    /// The channel code is not a [`FeedbackChannel`].
    Channel,
    /// The time lies outside the supported calendar.
    Day,
    /// The customer's record refused it (a day before the record's first visit).
    Record(FeedbackError),
}

impl fmt::Display for FeedbackRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedbackRefusal::UnknownCustomer => f.write_str("names an unknown customer"),
            FeedbackRefusal::Score => f.write_str("score outside 0..=10"),
            FeedbackRefusal::Channel => f.write_str("unknown channel code"),
            FeedbackRefusal::Day => f.write_str("time outside the years 1900..=9999"),
            FeedbackRefusal::Record(error) => write!(f, "{error}"),
        }
    }
}

/// The answers, checked and in time order, folded as the baskets advance.
pub(super) struct FeedbackFold<'a> {
    events: FeedbackEvents<'a>,
    offset: UtcOffset,
    /// Rows in time order (ties: row order).
    order: Vec<usize>,
    /// The next answer to fold, a position in `order`.
    next: usize,
}

impl<'a> FeedbackFold<'a> {
    /// Checks the columns (lengths, customers, scores, channels) and orders the answers.
    pub(super) fn new(
        events: FeedbackEvents<'a>,
        offset: UtcOffset,
        customers: usize,
    ) -> Result<FeedbackFold<'a>, BacktestError> {
        let rows = events.customer.len();
        for (column, len, optional) in [
            ("feedback.time", events.time.len(), false),
            ("feedback.score", events.score.len(), false),
            ("feedback.channel", events.channel.len(), true),
        ] {
            if len != rows && !(optional && len == 0) {
                return Err(BacktestError::ColumnLength { column });
            }
        }
        for row in 0..rows {
            let refused = |error| BacktestError::Feedback { row, error };
            let customer = at(events.customer, row, u32::MAX);
            if usize::try_from(customer).map_or(true, |c| c >= customers) {
                return Err(refused(FeedbackRefusal::UnknownCustomer));
            }
            if NpsScore::new(at(events.score, row, u8::MAX)).is_err() {
                return Err(refused(FeedbackRefusal::Score));
            }
            if FeedbackChannel::from_code(at(events.channel, row, 0)).is_none() {
                return Err(refused(FeedbackRefusal::Channel));
            }
        }
        let mut order: Vec<usize> = (0..rows).collect();
        order.sort_by_key(|&row| (at(events.time, row, 0), row));
        Ok(FeedbackFold {
            events,
            offset,
            order,
            next: 0,
        })
    }

    /// Folds every answer not folded yet at or before `until` (Unix seconds; `None`: all of
    /// them) into `records`.
    pub(super) fn fold(
        &mut self,
        until: Option<i64>,
        records: &mut [CustomerRecord],
    ) -> Result<(), BacktestError> {
        while let Some(&row) = self.order.get(self.next) {
            let time = at(self.events.time, row, 0);
            if until.is_some_and(|until| time > until) {
                break;
            }
            self.next = self.next.saturating_add(1);
            let refused = |error| BacktestError::Feedback { row, error };
            let day = Timestamp::from_unix(time)
                .local(self.offset)
                .map_err(|_| refused(FeedbackRefusal::Day))?
                .day();
            let score = NpsScore::new(at(self.events.score, row, u8::MAX))
                .map_err(|_| refused(FeedbackRefusal::Score))?;
            let channel = FeedbackChannel::from_code(at(self.events.channel, row, 0))
                .ok_or(refused(FeedbackRefusal::Channel))?;
            let sequence = u32::try_from(self.next).unwrap_or(u32::MAX);
            let record = usize::try_from(at(self.events.customer, row, u32::MAX))
                .ok()
                .and_then(|customer| records.get_mut(customer))
                .ok_or(refused(FeedbackRefusal::UnknownCustomer))?;
            record
                .record_feedback(
                    EventId::new(FEEDBACK_TERMINAL, sequence),
                    Feedback {
                        score,
                        day,
                        channel,
                    },
                    day,
                )
                .map_err(|error| refused(FeedbackRefusal::Record(error)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback::FeedbackGroup;
    use crate::rules::RuleSet;
    use crate::rules::backtest::{Customers, History, backtest};

    const MARCH_1_NOON: i64 = 1_709_294_400; // day 19783
    const MARCH_8_NOON: i64 = 1_709_899_200; // day 19790
    const FEBRUARY_20_NOON: i64 = 1_708_430_400; // day 19773
    const JANUARY_30_NOON: i64 = 1_706_616_000; // day 19752: 31 days before 1 March
    const APRIL_1_NOON: i64 = 1_711_972_800; // day 19814

    fn program() -> RuleSet {
        RuleSet::from_json(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../examples/programs/feedback.json"
            ))
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    #[cfg_attr(miri, ignore)] // Compiles a JSON program; slow under Miri, nothing unsafe.
    fn answers_fold_in_time_order_and_service_recovery_applies_once() {
        // Program feedback.json, rule 1: 5.00 off for a detractor who answered within 30 days,
        // once a year. Four customers, each basket 12.00:
        // 0: answered 2 (detractor) on 20 Feb; baskets 1 and 8 March: 5.00 off on 1 March
        //    (10 days), the limit on 8 March (used once in 2024).
        // 1: answered 9 (promoter) on 20 Feb; basket 1 March: nothing. Answers 3 on 1 April,
        //    after the last basket: the final record keeps it.
        // 2: answered 4 (detractor) on 30 Jan; basket 1 March: 31 days, nothing.
        // 3: answered 0 at the very second of the 1 March basket: the answer comes first, so
        //    5.00 off.
        // Rule 1 applied twice (customers 0 and 3): 10.00 of discount.
        let history = History {
            customer: &[0, 0, 1, 2, 3],
            time: &[
                MARCH_1_NOON,
                MARCH_8_NOON,
                MARCH_1_NOON,
                MARCH_1_NOON,
                MARCH_1_NOON,
            ],
            unit_price: &[1200; 5],
            feedback: FeedbackEvents {
                customer: &[1, 0, 1, 2, 3],
                time: &[
                    APRIL_1_NOON,
                    FEBRUARY_20_NOON,
                    FEBRUARY_20_NOON,
                    JANUARY_30_NOON,
                    MARCH_1_NOON,
                ],
                score: &[3, 2, 9, 4, 0],
                channel: &[1, 0, 0, 3, 0],
            },
            ..History::default()
        };
        let customers = Customers::new(std::vec![CustomerRecord::new(); 4]);
        let result = backtest(&program(), &history, &customers, &mut |_, _| true).unwrap();
        assert_eq!(result.baskets, 5);
        let recovery = result.by_rule[0];
        assert_eq!(recovery.rule, 1);
        assert_eq!(recovery.applied, 2);
        assert_eq!(recovery.customers, 2);
        assert_eq!(recovery.discount.minor(), 1_000);
        // The other rules: no anniversary (first visits in March 2024), no 10th visit.
        assert_eq!(
            (result.by_rule[1].applied, result.by_rule[2].applied),
            (0, 0)
        );
        let latest = |customer: usize| result.records[customer].feedback.unwrap();
        assert_eq!(latest(0).feedback.score.get(), 2);
        assert_eq!(latest(0).feedback.day.number(), 19_773);
        // Customer 1's April answer, after the last basket, is in the final record.
        assert_eq!(latest(1).feedback.score.get(), 3);
        assert_eq!(latest(1).feedback.day.number(), 19_814);
        assert_eq!(latest(1).feedback.channel, FeedbackChannel::Web);
        assert_eq!(latest(1).group(), FeedbackGroup::Detractor);
        // Answers are numbered in time order on the feedback terminal: 30 Jan (1), 20 Feb (2
        // and 3, row order), 1 March (4), 1 April (5).
        assert_eq!(latest(2).event, EventId::new(FEEDBACK_TERMINAL, 1));
        assert_eq!(latest(1).event, EventId::new(FEEDBACK_TERMINAL, 5));
        assert_eq!(latest(3).event, EventId::new(FEEDBACK_TERMINAL, 4));
        // Customer 0's usage: rule 1 once in 2024.
        assert_eq!(
            result.records[0].usage_count(1, crate::customer::UsagePeriod::Year, 2024),
            1
        );
    }

    #[test]
    fn refused_answers_name_their_row() {
        let rules = RuleSet::from_json(
            r#"{"name": "t", "serial": 1, "rules": [
                {"id": 1, "name": "base", "effect": {"points_per_amount": {"points": 1, "per": 100}}}]}"#,
        )
        .unwrap();
        let customers = Customers::new(std::vec![CustomerRecord::new(); 2]);
        let run = |feedback: FeedbackEvents<'_>| {
            let history = History {
                customer: &[0],
                time: &[MARCH_1_NOON],
                unit_price: &[100],
                feedback,
                ..History::default()
            };
            backtest(&rules, &history, &customers, &mut |_, _| true).map(|_| ())
        };
        let events = |customer, score, channel| FeedbackEvents {
            customer,
            time: &[MARCH_1_NOON, MARCH_1_NOON],
            score,
            channel,
        };
        let refused = |row, error| Err(BacktestError::Feedback { row, error });
        assert_eq!(
            run(events(&[0, 1], &[5, 11], &[])),
            refused(1, FeedbackRefusal::Score)
        );
        assert_eq!(
            run(events(&[0, 2], &[5, 5], &[])),
            refused(1, FeedbackRefusal::UnknownCustomer)
        );
        assert_eq!(
            run(events(&[0, 1], &[5, 5], &[0, 7])),
            refused(1, FeedbackRefusal::Channel)
        );
        assert_eq!(
            run(events(&[0, 1], &[5], &[])),
            Err(BacktestError::ColumnLength {
                column: "feedback.score"
            })
        );
        // An answer before the record's first visit (known from the start) is refused.
        let known = Customers::new(std::vec![
            CustomerRecord {
                visits: 1,
                first_visit: Some(19_790),
                last_visit: Some(19_790),
                ..CustomerRecord::new()
            };
            2
        ]);
        let history = History {
            customer: &[0],
            time: &[MARCH_8_NOON],
            unit_price: &[100],
            feedback: events(&[0, 1], &[5, 5], &[]),
            ..History::default()
        };
        assert_eq!(
            backtest(&rules, &history, &known, &mut |_, _| true).map(|_| ()),
            refused(0, FeedbackRefusal::Record(FeedbackError::BeforeFirstVisit))
        );
    }
}
