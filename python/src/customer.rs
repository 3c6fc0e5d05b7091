//! `retention.Customer`: the per-customer record the rules read and update
//! (`retention_core::customer`), with its churn summary and tagged bytes.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use retention_core::customer::{
    Birthday, CUSTOMER_MAX_LEN, CustomerRecord, FeedbackError, FeedbackRecorded, LatestFeedback,
    MAX_USAGE_COUNTS, UsageCount, UsagePeriod,
};
use retention_core::error::{Code, Coded, TimeUse};
use retention_core::feedback::{Feedback, FeedbackChannel, NpsScore};
use retention_core::time::Day;

use crate::args::{Blob, arg, count, event_id, event_tuple, seal};
use crate::churn::summary::PyCustomerChurn;
use crate::errors::{ToPyErr, one_of, raise};
use crate::time::{date, day, optional_date};

/// The per-customer state the rules read and update: tier, segment flags (an int, bit n for
/// segment n), visits, the last visit day, the birthday (`(month, day)`), and the usage counts
/// of limited rules, and the churn summary (`CustomerChurn`) with the last sale counted into it,
/// the first visit day and the latest NPS answer. Immutable; an evaluation's `Outcome.customer`
/// is the updated record, and `record_feedback` returns one.
#[pyclass(name = "Customer", module = "retention", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyCustomer {
    pub(crate) record: CustomerRecord,
}

#[pymethods]
impl PyCustomer {
    /// A customer record. `tier` 0..=255; `segments` a 32-bit mask; `visits` so far;
    /// `last_visit` a `datetime.date` or None; `birthday` a `(month, day)` tuple or None
    /// (29 February allowed); `churn`: a `CustomerChurn` (default: no purchases, grain `"D"`,
    /// matching the default churn model); `churn_event`: the last sale counted into it as
    /// `(terminal, sequence)`, or None; `first_visit`: a `datetime.date` or None (unknown; the
    /// membership anniversary does not fire without it); `feedback`: the latest NPS answer as
    /// `(score, day, channel, (terminal, sequence))` as `Customer.feedback` gives it, or None.
    ///
    /// `usage`: the usage counts of limited rules (at most 32), as `Customer.usage` gives them
    /// back, usually copied from a stored record rather than written by hand. Each is a
    /// `(counter, period, period_index, count)` tuple: `counter` is the rule's id, or the
    /// `counter` its `limits` entry names (rules sharing one count); `period` the limit's
    /// period, `"day"`, `"week"`, `"month"`, `"year"`, `"lifetime"` or `"campaign"`;
    /// `period_index` which period the count is for: the day number (days since 1970-01-01)
    /// for `"day"`, the week number from Monday 1969-12-29 for `"week"`, `12 * year + month - 1`
    /// for `"month"`, the year for `"year"`, 0 for `"lifetime"`, and for `"campaign"` the day
    /// number of the rule set's `valid_from` (0 without one); `count` how often the rule applied
    /// in that period. An evaluation reads only the count of the current period. For example
    /// `(1, "day", 19787, 1)`: rule 1 was used once on 2024-03-05 (day 19 787).
    ///
    /// Raises `ValidationError` for values out of range (naming the argument: the first visit
    /// after the last, `RTN_CUSTOMER_INVALID_FIRST_VISIT`; a score outside 0..=10,
    /// `RTN_FEEDBACK_SCORE_OUT_OF_RANGE`; an unknown channel, `RTN_FEEDBACK_INVALID_CHANNEL`; a
    /// feedback day before the first visit, `RTN_FEEDBACK_BEFORE_FIRST_VISIT`), `TypeError` for
    /// values of the wrong type, `CapacityError` for more than 32 usage counts.
    #[new]
    #[pyo3(signature = (tier=0, segments=0, visits=0, last_visit=None, birthday=None, usage=Vec::new(), churn=None, churn_event=None, first_visit=None, feedback=None))]
    #[allow(clippy::too_many_arguments)] // The keyword arguments of the Python signature.
    fn new(
        #[pyo3(from_py_with = arg::tier)] tier: i128,
        #[pyo3(from_py_with = arg::segments)] segments: i128,
        #[pyo3(from_py_with = arg::visits)] visits: i128,
        last_visit: Option<&Bound<'_, PyAny>>,
        #[pyo3(from_py_with = arg::birthday)] birthday: Option<(u8, u8)>,
        #[pyo3(from_py_with = arg::usage)] usage: Vec<(u16, String, i32, u16)>,
        churn: Option<PyRef<'_, PyCustomerChurn>>,
        #[pyo3(from_py_with = arg::churn_event)] churn_event: Option<(u32, u32)>,
        first_visit: Option<&Bound<'_, PyAny>>,
        feedback: Option<FeedbackArg<'_>>,
    ) -> PyResult<PyCustomer> {
        let mut record = CustomerRecord::new();
        if let Some(churn) = churn {
            record.churn = churn.summary;
        }
        record.churn_event = churn_event.map(event_id);
        record.tier = count(tier, "tier", 255)?;
        record.segments = count(segments, "segments", u64::from(u32::MAX))?;
        record.visits = count(visits, "visits", u64::from(u32::MAX))?;
        record.last_visit = last_visit
            .map(|d| day(d, "last_visit").map(Day::number))
            .transpose()?;
        record.birthday = birthday
            .map(|(month, day)| Birthday::new(month, day))
            .transpose()
            .map_err(|error| {
                raise(
                    TimeUse::Birthday.refuse(error).code(),
                    format!("birthday: {error}"),
                )
            })?;
        for (counter, period, index, count) in usage {
            let period = usage_period(&period)?;
            let entry = UsageCount {
                counter,
                period,
                index,
                count,
            };
            record.usage.push(entry).map_err(|_| {
                raise(
                    Code::RULES_USAGE_COUNTS_FULL,
                    format!("at most {} usage counts per customer", MAX_USAGE_COUNTS),
                )
            })?;
        }
        record.first_visit = first_visit
            .map(|d| day(d, "first_visit").map(Day::number))
            .transpose()?;
        record.validate().map_err(ToPyErr::to_py)?;
        if let Some((score, on, channel, event)) = feedback {
            let answer = answer(score, &on, &channel)?;
            if record
                .first_visit
                .is_some_and(|first| answer.day.number() < first)
            {
                return Err(feedback_error(FeedbackError::BeforeFirstVisit));
            }
            record.feedback = Some(LatestFeedback {
                feedback: answer,
                event: event_id(event),
            });
        }
        Ok(PyCustomer { record })
    }

    /// The first visit's local day, or None (before the first purchase, or a record of format
    /// version 1 or 2 that never had it set).
    #[getter]
    fn first_visit(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let first = self.record.first_visit_day().map_err(ToPyErr::to_py)?;
        optional_date(py, first)
    }

    /// The latest NPS answer as `(score, day, channel, (terminal, sequence))`, or None; the
    /// channel is `"till"`, `"web"`, `"app"`, `"email"`, `"sms"`, `"phone"` or `"other"`.
    #[getter]
    #[allow(clippy::type_complexity)] // The tuple of the Python API.
    fn feedback(
        &self,
        py: Python<'_>,
    ) -> PyResult<Option<(u8, Py<PyAny>, &'static str, (u32, u32))>> {
        self.record
            .feedback
            .map(|latest| {
                Ok((
                    latest.feedback.score.get(),
                    date(py, latest.feedback.day)?,
                    latest.feedback.channel.name(),
                    event_tuple(latest.event),
                ))
            })
            .transpose()
    }

    /// The group of the latest NPS answer: `"detractor"` (0–6), `"passive"` (7–8),
    /// `"promoter"` (9–10), or None without one.
    #[getter]
    fn feedback_group(&self) -> Option<&'static str> {
        self.record.feedback_group().map(|group| group.name())
    }

    /// Records the NPS answer `score` (0..=10) given on `day` (a `datetime.date`) through
    /// `channel`, brought by `event` `(terminal, sequence)`, checked against `today` (the
    /// till's local date). Returns `(customer, result)`: the updated record and `"recorded"`,
    /// or this record and `"replayed"` (it holds this event already) or `"older"` (it holds a
    /// newer answer: a later day, or a later event of the same terminal on the same day).
    /// Sequence 0 means "no event id" and is never a replay. Raises `ValidationError`:
    /// `RTN_FEEDBACK_SCORE_OUT_OF_RANGE`, `RTN_FEEDBACK_INVALID_CHANNEL`,
    /// `RTN_FEEDBACK_BEFORE_FIRST_VISIT` (before the known first visit),
    /// `RTN_FEEDBACK_IN_FUTURE` (more than a day after `today`), `RTN_INVALID_ARGUMENT` (a
    /// date outside 1900–9999); this record is unchanged.
    #[pyo3(signature = (event, score, day, today, channel="till"))]
    fn record_feedback(
        &self,
        event: (u32, u32),
        score: i64,
        day: &Bound<'_, PyAny>,
        today: &Bound<'_, PyAny>,
        channel: &str,
    ) -> PyResult<(PyCustomer, &'static str)> {
        let answer = answer(score, day, channel)?;
        let today = crate::time::day(today, "today")?;
        let mut record = self.record.clone();
        let result = record
            .record_feedback(event_id(event), answer, today)
            .map_err(feedback_error)?;
        Ok((
            PyCustomer { record },
            match result {
                FeedbackRecorded::Recorded => "recorded",
                FeedbackRecorded::Replayed => "replayed",
                FeedbackRecorded::Older => "older",
            },
        ))
    }

    /// The tier, 0 (none) upward.
    #[getter]
    fn tier(&self) -> u8 {
        self.record.tier
    }

    /// Segment flags: bit n set when the customer is in segment n.
    #[getter]
    fn segments(&self) -> u32 {
        self.record.segments
    }

    /// Visits so far (local days with a purchase).
    #[getter]
    fn visits(&self) -> u32 {
        self.record.visits
    }

    /// The last visit's local day, or None.
    #[getter]
    fn last_visit(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let last = self.record.last_visit_day().map_err(ToPyErr::to_py)?;
        optional_date(py, last)
    }

    /// The birthday as `(month, day)`, or None.
    #[getter]
    fn birthday(&self) -> Option<(u8, u8)> {
        self.record.birthday.map(|b| (b.month(), b.day()))
    }

    /// Usage counts as `(counter, period, period_index, count)` tuples; `period` is `"day"`,
    /// `"week"`, `"month"`, `"year"`, `"lifetime"` or `"campaign"`.
    #[getter]
    fn usage(&self) -> Vec<(u16, &'static str, i32, u16)> {
        self.record
            .usage
            .iter()
            .map(|u| (u.counter, u.period.name(), u.index, u.count))
            .collect()
    }

    /// The churn summary the churn model scores (updated by every evaluated sale).
    #[getter]
    fn churn(&self) -> PyCustomerChurn {
        PyCustomerChurn {
            summary: self.record.churn,
        }
    }

    /// The last sale counted into the churn summary as `(terminal, sequence)`, or None: a
    /// replay of it (or of an earlier event of its terminal) is not counted again.
    #[getter]
    fn churn_event(&self) -> Option<(u32, u32)> {
        self.record.churn_event.map(event_tuple)
    }

    /// The record's tagged blob (at most `CUSTOMER_MAX_LEN`, 486 bytes), bound to
    /// `customer_id`. Raises `ValidationError` for a key under 16 bytes or an id over 64.
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        key: &[u8],
        customer_id: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let seal = seal(key, customer_id)?;
        let mut out = [0u8; CUSTOMER_MAX_LEN];
        let used = self.record.encode(seal, &mut out).map_err(ToPyErr::to_py)?;
        Ok(PyBytes::new(py, out.get(..used).unwrap_or(&[])))
    }

    /// Reads a customer-record blob, verifying its tag with `key` and `customer_id`. Raises
    /// `DecodeError` (corrupt, truncated, another kind), `AuthenticationError` (wrong key or
    /// another customer's record), `CapacityError` (over 32 usage counters).
    #[staticmethod]
    fn from_bytes(
        #[pyo3(from_py_with = arg::data)] data: Blob,
        key: &[u8],
        customer_id: &[u8],
    ) -> PyResult<PyCustomer> {
        let record =
            CustomerRecord::decode(&data.0, seal(key, customer_id)?).map_err(ToPyErr::to_py)?;
        Ok(PyCustomer { record })
    }

    fn __repr__(&self) -> String {
        let last = self
            .record
            .last_visit_day()
            .ok()
            .flatten()
            .map_or_else(|| "None".to_string(), |d| format!("'{}'", d.date()));
        let birthday = self.record.birthday.map_or_else(
            || "None".to_string(),
            |b| format!("({}, {})", b.month(), b.day()),
        );
        format!(
            "Customer(tier={}, segments={:#x}, visits={}, last_visit={last}, birthday={birthday}, usage={}{})",
            self.record.tier,
            self.record.segments,
            self.record.visits,
            self.record.usage.len(),
            if self.record.churn.has_purchases() {
                format!(", churn={}", self.churn().__repr__())
            } else {
                String::new()
            }
        )
    }
}

/// The `feedback` argument of `Customer`: score, day, channel, event.
type FeedbackArg<'py> = (i64, Bound<'py, PyAny>, String, (u32, u32));

/// An NPS answer from Python: a score checked to 0..=10, a date, a channel by name.
fn answer(score: i64, on: &Bound<'_, PyAny>, channel: &str) -> PyResult<Feedback> {
    let score = u8::try_from(score)
        .ok()
        .and_then(|score| NpsScore::new(score).ok())
        .ok_or_else(|| {
            raise(
                Code::FEEDBACK_SCORE_OUT_OF_RANGE,
                format!("feedback score must be in 0..=10, got {score}"),
            )
        })?;
    let channel = FeedbackChannel::from_name(channel).ok_or_else(|| {
        let names = FeedbackChannel::ALL.map(|channel| channel.name().to_string());
        raise(
            Code::FEEDBACK_INVALID_CHANNEL,
            format!("feedback channel `{channel}`: expected {}", one_of(names)),
        )
    })?;
    Ok(Feedback {
        score,
        day: day(on, "feedback day")?,
        channel,
    })
}

/// A refused answer as a Python error naming the field.
fn feedback_error(error: FeedbackError) -> PyErr {
    raise(error.code(), format!("feedback day: {error}"))
}

/// The usage period named `name` (the core's names: `"day"`, `"week"`, ...).
fn usage_period(name: &str) -> PyResult<UsagePeriod> {
    UsagePeriod::from_name(name).ok_or_else(|| {
        let names = UsagePeriod::ALL.map(|period| period.name().to_string());
        raise(
            Code::INVALID_ARGUMENT,
            format!("usage period `{name}`: expected {}", one_of(names)),
        )
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCustomer>()?;
    m.add("CUSTOMER_MAX_LEN", CUSTOMER_MAX_LEN)?;
    Ok(())
}
