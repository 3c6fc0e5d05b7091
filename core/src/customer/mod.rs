//! The customer record: the per-customer state the loyalty rules read and update.
//!
//! Tier, segment flags, visits, the first and last visit days, the birthday, usage counts of the
//! rules that have usage limits, the churn summary and the customer's latest NPS answer. The caller keeps it (in flash, on a server, on a card) as a small
//! tagged blob ([`Kind::Customer`], at most [`CUSTOMER_MAX_LEN`] bytes), bound to the customer's
//! id by the tag context so a record copied to another customer fails to open.
//!
//! [`evaluate`](fn@crate::rules::evaluate) reads a record and writes the updated one into its outcome; the
//! caller stores that one after the sale. The record itself is plain data: every field is public,
//! and [`CustomerRecord::validate`] checks the ranges that the types cannot.
//!
//! ```
//! use retention_core::customer::{Birthday, CustomerRecord};
//! use retention_core::envelope::Seal;
//! let mut record = CustomerRecord::new();
//! record.tier = 2;
//! record.birthday = Some(Birthday::new(3, 7)?);
//! let key = [0x11u8; 32];
//! let seal = Seal::new(&key, b"customer-1042")?;
//! let mut blob = [0u8; retention_core::customer::CUSTOMER_MAX_LEN];
//! let used = record.encode(seal, &mut blob)?;
//! assert_eq!(CustomerRecord::decode(&blob[..used], seal)?, record);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::bounded::Bounded;
use crate::churn::summary::{ChurnSummary, Grain, PurchaseError, SUMMARY_MAX_LEN};
use crate::envelope::{self, DecodeError, EncodeError, Kind, LONG_TAG_LEN, OVERHEAD_LEN, Seal};
use crate::feedback::{Feedback, FeedbackGroup};
use crate::money::Money;
use crate::terminal::EventId;
use crate::time::{Date, Day, Period, TimeError};

/// How many usage counters a record holds: one per (counter, period) of the limited rules a
/// customer has used. A counter of a calendar period that has passed is reused when the record
/// is full; a record full of current counters is [`UsageFull`].
pub const MAX_USAGE_COUNTS: usize = 32;

/// The longest encoded customer record, envelope and 16-byte tag included: 486 bytes. The C
/// header mirrors it as `RTN_CUSTOMER_MAX_LEN`.
///
/// Payload worst case (format version 3): tier 1 + segments 5 + visits 5 + last visit 1 + 4 (a
/// supported day is below 2^27 after zig-zag) + birthday 1 + 2 + usage length 1 + 32 counters ×
/// (counter 3 + period 1 + index 5 + count 3) = 404 bytes of version 1; then the churn summary,
/// 23 bytes: grain 1 + option 1 + first and last period + repeat periods + repeat spend 10 (any
/// `i64` ≥ 0). Periods lie in the supported days (−25 567 ..= 2 932 896): a period takes 4
/// bytes only from index 2^20 on (zig-zag 2^21), and the repeat count is at most last − first,
/// so of first period, last period and repeat count only two can take 4 bytes and the third
/// takes at most 3 (4 + 4 + 3); and the last counted sale (option 1 + terminal 5 + sequence 5)
/// = 438 bytes of version 2; then the first visit (option 1 + day 4) and the latest feedback
/// (option 1 + score 1 + day 4 + channel 1 + terminal 5 + sequence 5), 22 bytes: 460 bytes.
pub const CUSTOMER_MAX_LEN: usize = OVERHEAD_LEN + CUSTOMER_MAX_PAYLOAD_LEN + LONG_TAG_LEN;

/// The longest customer payload (see [`CUSTOMER_MAX_LEN`]).
const CUSTOMER_MAX_PAYLOAD_LEN: usize =
    V1_MAX_PAYLOAD_LEN + CHURN_MAX_PAYLOAD_LEN + 11 + V3_MAX_ADDED_LEN;

/// What version 3 adds at most: the first visit (5) and the latest feedback (17).
const V3_MAX_ADDED_LEN: usize = 22;

/// The longest churn summary of a record, in bytes (see [`CUSTOMER_MAX_LEN`]); the summary's
/// own bound [`SUMMARY_MAX_LEN`] allows periods outside the supported days.
const CHURN_MAX_PAYLOAD_LEN: usize = 23;
const _: () = assert!(CHURN_MAX_PAYLOAD_LEN <= SUMMARY_MAX_LEN);

/// The longest version 1 payload (no churn summary).
const V1_MAX_PAYLOAD_LEN: usize = 404;

/// The grain of a new customer's churn summary: a day. It matches the period of the default
/// churn model (fitted as CDNOW is, on purchases collapsed by day and measured in weeks,
/// `Periods::DAYS_IN_WEEKS`), and a day is also what the record calls a visit, so the summary's
/// repeat periods and the visit count agree. A record scored by a model of weekly grain must
/// be re-grained first ([`CustomerRecord::set_churn_grain`]) while its summary is empty.
pub const DEFAULT_CHURN_GRAIN: Grain = Grain::Day;

/// The payload format before the churn summary (still read).
const VERSION_1: u8 = 1;

/// The payload format before the first visit and the feedback (still read).
const VERSION_2: u8 = 2;

/// The calendar periods by which a rule's use is limited, in the terminal's local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsagePeriod {
    /// A local calendar day.
    Day,
    /// An ISO 8601 week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// A calendar year.
    Year,
    /// All time.
    Lifetime,
    /// The rule set's validity: from its `valid_from` day (or forever, when it has none).
    Campaign,
}

impl UsagePeriod {
    /// The index of the period holding `day`; `campaign_start` is the rule set's first valid
    /// day number (0 when it has none). Equal indices mean the same period.
    #[must_use]
    pub fn index(self, day: Day, campaign_start: i32) -> i32 {
        match self {
            UsagePeriod::Day => day.period_index(Period::Day),
            UsagePeriod::Week => day.period_index(Period::Week),
            UsagePeriod::Month => day.period_index(Period::Month),
            UsagePeriod::Year => day.period_index(Period::Year),
            UsagePeriod::Lifetime => day.period_index(Period::Lifetime),
            UsagePeriod::Campaign => campaign_start,
        }
    }

    /// Every usage period, in declaration order.
    pub const ALL: [UsagePeriod; 6] = [
        UsagePeriod::Day,
        UsagePeriod::Week,
        UsagePeriod::Month,
        UsagePeriod::Year,
        UsagePeriod::Lifetime,
        UsagePeriod::Campaign,
    ];

    /// The period's name: `"day"`, `"week"`, `"month"`, `"year"`, `"lifetime"` or
    /// `"campaign"`; the spelling of rule documents (`limits[].period`), messages and the
    /// Python door.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            UsagePeriod::Day => "day",
            UsagePeriod::Week => "week",
            UsagePeriod::Month => "month",
            UsagePeriod::Year => "year",
            UsagePeriod::Lifetime => "lifetime",
            UsagePeriod::Campaign => "campaign",
        }
    }

    /// The usage period named `name` ([`UsagePeriod::name`]), if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<UsagePeriod> {
        UsagePeriod::ALL
            .into_iter()
            .find(|period| period.name() == name)
    }
}

impl fmt::Display for UsagePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How often a customer used one usage counter (a limited rule, or rules sharing a counter) in
/// one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UsageCount {
    /// The counter: the rule's id, or the counter id rules share.
    pub counter: u16,
    /// The period the limit counts in.
    pub period: UsagePeriod,
    /// The index of the period this count belongs to ([`UsagePeriod::index`]).
    pub index: i32,
    /// Uses in that period.
    pub count: u16,
}

/// A birthday: month and day, no year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Birthday {
    month: u8,
    day: u8,
}

impl Birthday {
    /// The birthday `month`-`day`; 29 February is allowed (celebrated on 28 February in common
    /// years).
    pub const fn new(month: u8, day: u8) -> Result<Birthday, TimeError> {
        match Date::new(2000, month, day) {
            Ok(_) => Ok(Birthday { month, day }),
            Err(error) => Err(error),
        }
    }

    /// The month, 1..=12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }
}

/// The usage table is full of counters of current periods: nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UsageFull;

impl fmt::Display for UsageFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "customer record holds {MAX_USAGE_COUNTS} current usage counters already"
        )
    }
}

impl core::error::Error for UsageFull {}

/// The churn summary already holds purchases, so its grain cannot change: nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChurnNotEmpty;

impl fmt::Display for ChurnNotEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("churn summary holds purchases: its grain cannot change")
    }
}

impl core::error::Error for ChurnNotEmpty {}

/// What [`CustomerRecord::record_sale`] did with a sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SaleCounted {
    /// Counted into the churn summary.
    Counted,
    /// Not counted: this event (or a later one of its terminal) was counted already.
    Replayed,
    /// Not counted: the sale is in a period before the summary's last purchase (a back-dated
    /// sale from an offline till); the summary keeps its order.
    OutOfOrder,
}

/// What [`CustomerRecord::record_feedback`] did with an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeedbackRecorded {
    /// Kept as the customer's latest answer.
    Recorded,
    /// Not kept: the record holds this event already (a replay).
    Replayed,
    /// Not kept: the record holds a newer answer (a later day, or a later event of the same
    /// terminal on the same day).
    Older,
}

/// Why an NPS answer cannot go into a customer record: nothing was changed. (A score outside
/// 0..=10 cannot be built: [`crate::feedback::ScoreOutOfRange`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FeedbackError {
    /// The answer's day is before the customer's first visit day.
    BeforeFirstVisit,
    /// The answer's day is more than one day after today (one day of slack for a terminal
    /// whose clock or time zone runs ahead).
    InFuture,
}

impl fmt::Display for FeedbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FeedbackError::BeforeFirstVisit => "feedback day is before the first visit day",
            FeedbackError::InFuture => "feedback day is more than one day after today",
        })
    }
}

impl core::error::Error for FeedbackError {}

/// The customer's latest NPS answer as the record keeps it: the answer (score, day, channel)
/// and the event that brought it, so that a replay changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LatestFeedback {
    /// The answer.
    pub feedback: Feedback,
    /// The event (terminal and sequence) that recorded it.
    pub event: EventId,
}

impl LatestFeedback {
    /// The answer's group: detractor 0–6, passive 7–8, promoter 9–10.
    #[must_use]
    pub const fn group(&self) -> FeedbackGroup {
        self.feedback.score.group()
    }
}

/// Why a customer record is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordError {
    /// The last visit day lies outside the supported years.
    LastVisitOutOfRange,
    /// The birthday is not a calendar day.
    InvalidBirthday,
    /// Two usage counts have the same counter and period.
    DuplicateUsage,
    /// The first visit day lies outside the supported years, or after the last visit.
    InvalidFirstVisit,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordError::LastVisitOutOfRange => "last visit day outside the years 1900..=9999",
            RecordError::InvalidBirthday => "birthday is not a calendar day",
            RecordError::DuplicateUsage => "two usage counts for the same counter and period",
            RecordError::InvalidFirstVisit => {
                "first visit day outside the years 1900..=9999 or after the last visit"
            }
        })
    }
}

impl core::error::Error for RecordError {}

/// The per-customer state the rules read and update.
///
/// A *visit* is a local calendar day with a purchase: a second basket on the same day is the
/// same visit, so splitting a basket does not advance "every Nth visit" rewards.
///
/// Serialized fields missing from a (JSON) record take their defaults: an empty churn summary
/// of [`DEFAULT_CHURN_GRAIN`], no counted sale, no first visit day, no feedback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRecord {
    /// The customer's tier, 0 (none) upward; see `rules::tiers`.
    pub tier: u8,
    /// Segment flags, one bit per segment the operator defines (bit 0 ... bit 31).
    pub segments: u32,
    /// Visits so far (days with a purchase), this one not included.
    pub visits: u32,
    /// The local day number of the last visit, `None` before the first purchase.
    pub last_visit: Option<i32>,
    /// The birthday, if the customer gave it.
    pub birthday: Option<Birthday>,
    /// Usage counts of limited rules, at most [`MAX_USAGE_COUNTS`].
    pub usage: Bounded<UsageCount, MAX_USAGE_COUNTS>,
    /// The churn summary (repeat purchase periods, recency, age, repeat spend) the churn model
    /// scores; updated by each evaluated sale ([`CustomerRecord::record_sale`]).
    #[serde(default = "empty_churn")]
    pub churn: ChurnSummary,
    /// The last sale counted into `churn`: a replay of it (or of an earlier event of its
    /// terminal) is not counted again.
    #[serde(default)]
    pub churn_event: Option<EventId>,
    /// The local day number of the first visit: set by the first evaluated sale, `None` before
    /// it and for records read from format versions 1 and 2 (which did not keep it) until the
    /// operator sets it. The membership anniversary counts from it.
    #[serde(default)]
    pub first_visit: Option<i32>,
    /// The customer's latest NPS answer ([`CustomerRecord::record_feedback`]), if any.
    #[serde(default)]
    pub feedback: Option<LatestFeedback>,
}

/// An empty summary of the default grain (serde's default for `churn`).
const fn empty_churn() -> ChurnSummary {
    ChurnSummary::new(DEFAULT_CHURN_GRAIN)
}

impl Default for CustomerRecord {
    fn default() -> CustomerRecord {
        CustomerRecord::new()
    }
}

/// The version 1 payload: the record without the churn summary.
#[derive(Deserialize)]
struct RecordV1 {
    tier: u8,
    segments: u32,
    visits: u32,
    last_visit: Option<i32>,
    birthday: Option<Birthday>,
    usage: Bounded<UsageCount, MAX_USAGE_COUNTS>,
}

impl From<RecordV1> for CustomerRecord {
    fn from(v1: RecordV1) -> CustomerRecord {
        CustomerRecord {
            tier: v1.tier,
            segments: v1.segments,
            visits: v1.visits,
            last_visit: v1.last_visit,
            birthday: v1.birthday,
            usage: v1.usage,
            churn: empty_churn(),
            churn_event: None,
            first_visit: None,
            feedback: None,
        }
    }
}

/// The version 2 payload: the record without the first visit and the feedback.
#[derive(Deserialize)]
struct RecordV2 {
    tier: u8,
    segments: u32,
    visits: u32,
    last_visit: Option<i32>,
    birthday: Option<Birthday>,
    usage: Bounded<UsageCount, MAX_USAGE_COUNTS>,
    churn: ChurnSummary,
    churn_event: Option<EventId>,
}

impl From<RecordV2> for CustomerRecord {
    fn from(v2: RecordV2) -> CustomerRecord {
        CustomerRecord {
            tier: v2.tier,
            segments: v2.segments,
            visits: v2.visits,
            last_visit: v2.last_visit,
            birthday: v2.birthday,
            usage: v2.usage,
            churn: v2.churn,
            churn_event: v2.churn_event,
            first_visit: None,
            feedback: None,
        }
    }
}

impl CustomerRecord {
    /// A new customer: no tier, no segments, no visits, no usage, an empty churn summary of
    /// [`DEFAULT_CHURN_GRAIN`].
    #[must_use]
    pub const fn new() -> CustomerRecord {
        CustomerRecord {
            tier: 0,
            segments: 0,
            visits: 0,
            last_visit: None,
            birthday: None,
            usage: Bounded::new(),
            churn: empty_churn(),
            churn_event: None,
            first_visit: None,
            feedback: None,
        }
    }

    /// Changes the churn summary's grain (to match a churn model of weekly grain, say). Only an
    /// empty summary can change grain: purchases collapsed by day cannot be re-collapsed by
    /// week without their dates. Error (nothing changed): [`ChurnNotEmpty`].
    pub fn set_churn_grain(&mut self, grain: Grain) -> Result<(), ChurnNotEmpty> {
        if self.churn.has_purchases() {
            return Err(ChurnNotEmpty);
        }
        self.churn = ChurnSummary::new(grain);
        Ok(())
    }

    /// True when `event` was counted into the churn summary already: it is the last counted
    /// event, or an earlier one of the same terminal (a terminal numbers its events in
    /// increasing order). Sequence 0, which no terminal issues, means "no event id" and is
    /// never taken for a replay.
    #[must_use]
    pub fn churn_counted(&self, event: EventId) -> bool {
        event.sequence != 0
            && self.churn_event.is_some_and(|last| {
                last.terminal == event.terminal && event.sequence <= last.sequence
            })
    }

    /// Counts the sale `event` on local `day` of `amount` (minor units, ≥ 0) into the churn
    /// summary, once per event ([`CustomerRecord::churn_counted`]): returns whether it was
    /// [`SaleCounted::Counted`], or left out as a replay or as out of order (record unchanged).
    ///
    /// Errors (record unchanged): [`PurchaseError::NegativeAmount`],
    /// [`PurchaseError::Overflow`].
    pub fn record_sale(
        &mut self,
        event: EventId,
        day: Day,
        amount: Money,
    ) -> Result<SaleCounted, PurchaseError> {
        if self.churn_counted(event) {
            return Ok(SaleCounted::Replayed);
        }
        match self.churn.record_purchase(day, amount) {
            Ok(()) => {
                self.churn_event = Some(event);
                Ok(SaleCounted::Counted)
            }
            Err(PurchaseError::OutOfOrder) => Ok(SaleCounted::OutOfOrder),
            Err(error) => Err(error),
        }
    }

    /// True before the customer's first purchase.
    #[must_use]
    pub const fn is_first_purchase(&self) -> bool {
        self.visits == 0 && self.last_visit.is_none()
    }

    /// The last visit as a [`Day`], if any (an out-of-range value is an error).
    pub fn last_visit_day(&self) -> Result<Option<Day>, RecordError> {
        self.last_visit
            .map(Day::from_number)
            .transpose()
            .map_err(|_| RecordError::LastVisitOutOfRange)
    }

    /// The first visit as a [`Day`], if known (an out-of-range value is an error).
    pub fn first_visit_day(&self) -> Result<Option<Day>, RecordError> {
        self.first_visit
            .map(Day::from_number)
            .transpose()
            .map_err(|_| RecordError::InvalidFirstVisit)
    }

    /// The group of the latest NPS answer, if any.
    #[must_use]
    pub fn feedback_group(&self) -> Option<FeedbackGroup> {
        self.feedback.as_ref().map(LatestFeedback::group)
    }

    /// Keeps `feedback`, brought by `event`, as the customer's latest NPS answer, checked
    /// against `today` (the terminal's local day). A replay of the kept event, an answer of an
    /// earlier day than the kept one, or an earlier event of the kept one's terminal on the
    /// same day changes nothing ([`FeedbackRecorded::Replayed`], [`FeedbackRecorded::Older`]).
    /// Sequence 0 means "no event id" and is never taken for a replay.
    ///
    /// Errors (record unchanged): [`FeedbackError::BeforeFirstVisit`] when the first visit day
    /// is known and later than the answer's; [`FeedbackError::InFuture`] when the answer's day
    /// is more than one day after `today`.
    pub fn record_feedback(
        &mut self,
        event: EventId,
        feedback: Feedback,
        today: Day,
    ) -> Result<FeedbackRecorded, FeedbackError> {
        let day = feedback.day.number();
        if day > today.number().saturating_add(1) {
            return Err(FeedbackError::InFuture);
        }
        if self.first_visit.is_some_and(|first| day < first) {
            return Err(FeedbackError::BeforeFirstVisit);
        }
        if let Some(latest) = self.feedback {
            if event.sequence != 0 && latest.event == event {
                return Ok(FeedbackRecorded::Replayed);
            }
            let kept_day = latest.feedback.day.number();
            let earlier_of_terminal = latest.event.terminal == event.terminal
                && event.sequence != 0
                && event.sequence < latest.event.sequence;
            if day < kept_day || (day == kept_day && earlier_of_terminal) {
                return Ok(FeedbackRecorded::Older);
            }
        }
        self.feedback = Some(LatestFeedback { feedback, event });
        Ok(FeedbackRecorded::Recorded)
    }

    /// Checks what the types cannot: the first and last visit days' ranges (the first no later
    /// than the last), the birthday, and that usage counts are unique per counter and period.
    pub fn validate(&self) -> Result<(), RecordError> {
        let last = self.last_visit_day()?;
        if let Some(first) = self.first_visit_day()? {
            if last.is_some_and(|last| first > last) {
                return Err(RecordError::InvalidFirstVisit);
            }
        }
        if let Some(birthday) = self.birthday {
            Birthday::new(birthday.month, birthday.day)
                .map_err(|_| RecordError::InvalidBirthday)?;
        }
        for (position, usage) in self.usage.iter().enumerate() {
            let later = self.usage.get(position.saturating_add(1)..).unwrap_or(&[]);
            if later
                .iter()
                .any(|other| other.counter == usage.counter && other.period == usage.period)
            {
                return Err(RecordError::DuplicateUsage);
            }
        }
        Ok(())
    }

    /// Uses of `counter` in `period` at period index `index` (0 when it has none there).
    #[must_use]
    pub fn usage_count(&self, counter: u16, period: UsagePeriod, index: i32) -> u16 {
        self.usage
            .iter()
            .find(|usage| usage.counter == counter && usage.period == period)
            .filter(|usage| usage.index == index)
            .map_or(0, |usage| usage.count)
    }

    /// Counts one more use of `counter` in `period` at `index`. The counter of an earlier period
    /// restarts at 1. When the table is full, a counter of a calendar period other than the
    /// current one (a day, week, month or year that has passed) makes room; failing that,
    /// [`UsageFull`] and nothing changes.
    pub fn record_use(
        &mut self,
        counter: u16,
        period: UsagePeriod,
        index: i32,
    ) -> Result<(), UsageFull> {
        if let Some(usage) = self
            .usage
            .as_mut_slice()
            .iter_mut()
            .find(|usage| usage.counter == counter && usage.period == period)
        {
            if usage.index == index {
                usage.count = usage.count.checked_add(1).ok_or(UsageFull)?;
            } else {
                usage.index = index;
                usage.count = 1;
            }
            return Ok(());
        }
        let fresh = UsageCount {
            counter,
            period,
            index,
            count: 1,
        };
        if self.usage.push(fresh).is_ok() {
            return Ok(());
        }
        // Full: reuse a counter whose calendar period is over. "Over" means an index below the
        // one now current for the same period kind, which only calendar periods have.
        let stale = self.usage.as_mut_slice().iter_mut().find(|usage| {
            matches!(
                usage.period,
                UsagePeriod::Day | UsagePeriod::Week | UsagePeriod::Month | UsagePeriod::Year
            ) && usage.period == period
                && usage.index < index
        });
        match stale {
            Some(slot) => {
                *slot = fresh;
                Ok(())
            }
            None => Err(UsageFull),
        }
    }

    /// Writes the record as a [`Kind::Customer`] blob of format version 3, tagged with `seal`
    /// (the operator's key, and the customer id as context), into `out`; returns the length
    /// used (at most [`CUSTOMER_MAX_LEN`]).
    pub fn encode(&self, seal: Seal<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
        envelope::encode(Kind::Customer, self, Some(seal), out)
    }

    /// Opens a [`Kind::Customer`] blob with `seal` and checks it: every envelope check, then
    /// [`DecodeError::OverCapacity`] for more than [`MAX_USAGE_COUNTS`] counters,
    /// [`DecodeError::Payload`] for a churn summary that breaks its invariants and
    /// [`DecodeError::OutOfRange`] for a value [`CustomerRecord::validate`] refuses. A version 1
    /// blob (before the churn summary) decodes with an empty summary of
    /// [`DEFAULT_CHURN_GRAIN`] and no counted sale; a version 1 or 2 blob (before the first
    /// visit and the feedback) with no first visit day (unknown: the anniversary condition
    /// does not fire until the operator sets it) and no feedback.
    pub fn decode(blob: &[u8], seal: Seal<'_>) -> Result<CustomerRecord, DecodeError> {
        let opened = envelope::open(blob, Kind::Customer, Some(seal))?;
        let record: CustomerRecord = match opened.version {
            VERSION_1 => envelope::decode_payload::<RecordV1>(opened.payload)?.into(),
            VERSION_2 => envelope::decode_payload::<RecordV2>(opened.payload)?.into(),
            _ => envelope::decode_payload(opened.payload)?,
        };
        if record.usage.overflowed() {
            return Err(DecodeError::OverCapacity);
        }
        record.validate().map_err(|_| DecodeError::OutOfRange)?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests;
