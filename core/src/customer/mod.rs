//! The customer record: the per-customer state the loyalty rules read and update.
//!
//! Tier, segment flags, visits, the last visit day, the birthday, and usage counts of the rules
//! that have usage limits. The caller keeps it (in flash, on a server, on a card) as a small
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
use crate::money::Money;
use crate::terminal::EventId;
use crate::time::{Date, Day, Period, TimeError};

/// How many usage counters a record holds: one per (counter, period) of the limited rules a
/// customer has used. A counter of a calendar period that has passed is reused when the record
/// is full; a record full of current counters is [`UsageFull`].
pub const MAX_USAGE_COUNTS: usize = 32;

/// The longest encoded customer record, envelope and 16-byte tag included: 464 bytes. The C
/// header mirrors it as `RTN_CUSTOMER_MAX_LEN`.
///
/// Payload worst case (format version 2): tier 1 + segments 5 + visits 5 + last visit 1 + 4 (a
/// supported day is below 2^27 after zig-zag) + birthday 1 + 2 + usage length 1 + 32 counters ×
/// (counter 3 + period 1 + index 5 + count 3) = 404 bytes of version 1; then the churn summary,
/// 23 bytes: grain 1 + option 1 + first and last period + repeat periods + repeat spend 10 (any
/// `i64` ≥ 0). Periods lie in the supported days (−25 567 ..= 2 932 896): a period takes 4
/// bytes only from index 2^20 on (zig-zag 2^21), and the repeat count is at most last − first,
/// so of first period, last period and repeat count only two can take 4 bytes and the third
/// takes at most 3 (4 + 4 + 3); and the last counted sale (option 1 + terminal 5 + sequence 5)
/// = 438 bytes.
pub const CUSTOMER_MAX_LEN: usize = OVERHEAD_LEN + CUSTOMER_MAX_PAYLOAD_LEN + LONG_TAG_LEN;

/// The longest customer payload (see [`CUSTOMER_MAX_LEN`]).
const CUSTOMER_MAX_PAYLOAD_LEN: usize = V1_MAX_PAYLOAD_LEN + CHURN_MAX_PAYLOAD_LEN + 11;

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

    /// A short lower-case name, for messages.
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
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordError::LastVisitOutOfRange => "last visit day outside the years 1900..=9999",
            RecordError::InvalidBirthday => "birthday is not a calendar day",
            RecordError::DuplicateUsage => "two usage counts for the same counter and period",
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
/// of [`DEFAULT_CHURN_GRAIN`] and no counted sale.
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

    /// Checks what the types cannot: the last visit day's range, the birthday, and that usage
    /// counts are unique per counter and period.
    pub fn validate(&self) -> Result<(), RecordError> {
        self.last_visit_day()?;
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

    /// Writes the record as a [`Kind::Customer`] blob of format version 2, tagged with `seal`
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
    /// [`DEFAULT_CHURN_GRAIN`] and no counted sale.
    pub fn decode(blob: &[u8], seal: Seal<'_>) -> Result<CustomerRecord, DecodeError> {
        let opened = envelope::open(blob, Kind::Customer, Some(seal))?;
        let record: CustomerRecord = if opened.version == VERSION_1 {
            envelope::decode_payload::<RecordV1>(opened.payload)?.into()
        } else {
            envelope::decode_payload(opened.payload)?
        };
        if record.usage.overflowed() {
            return Err(DecodeError::OverCapacity);
        }
        record.validate().map_err(|_| DecodeError::OutOfRange)?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: [u8; 32] = [0x42; 32];

    fn seal() -> Seal<'static> {
        Seal::new(&KEY, b"customer-7").unwrap()
    }

    /// The record of the pinned-bytes tests, without its churn summary.
    fn pinned_record() -> CustomerRecord {
        let mut record = CustomerRecord::new();
        record.tier = 2;
        record.segments = 0b101;
        record.visits = 300;
        record.last_visit = Some(19_782); // 2024-02-29
        record.birthday = Some(Birthday::new(3, 7).unwrap());
        record
            .usage
            .push(UsageCount {
                counter: 7,
                period: UsagePeriod::Day,
                index: 19_782,
                count: 1,
            })
            .unwrap();
        record
    }

    /// The version 1 payload of [`pinned_record`], worked by hand from the postcard rules:
    /// tier 02 | segments 05 | visits 300 = ac 02 | Some 01, 19782 zig-zag 39564 =
    /// 0x9a8c -> varint 8c b5 02 | Some 01, month 03, day 07 | 1 counter: 01,
    /// counter 07, period Day 00, index 19782 -> 8c b5 02, count 01.
    const V1_PAYLOAD: [u8; 18] = [
        0x02, 0x05, 0xac, 0x02, 0x01, 0x8c, 0xb5, 0x02, 0x01, 0x03, 0x07, 0x01, 0x07, 0x00, 0x8c,
        0xb5, 0x02, 0x01,
    ];

    #[test]
    fn pinned_bytes() {
        let mut record = pinned_record();
        // 10.00 on day 19700 (2023-12-09), 25.00 on day 19782: one repeat day.
        record
            .record_sale(
                EventId::new(1, 27),
                Day::from_number(19_700).unwrap(),
                Money::from_minor(1000),
            )
            .unwrap();
        record
            .record_sale(
                EventId::new(1, 28),
                Day::from_number(19_782).unwrap(),
                Money::from_minor(2500),
            )
            .unwrap();
        let mut blob = [0u8; CUSTOMER_MAX_LEN];
        let used = record.encode(seal(), &mut blob).unwrap();
        // Version 2 appends the churn summary and the last counted sale: grain Day 00 | Some 01
        // | first period 19700 zig-zag 39400 = 0x99e8 -> e8 b3 02 | last period 19782 -> 8c b5
        // 02 | 1 repeat 01 | repeat spend 2500 zig-zag 5000 = 0x1388 -> 88 27 | Some 01,
        // terminal 01, sequence 28 = 1c.
        let mut payload = V1_PAYLOAD.to_vec();
        payload.extend_from_slice(&[
            0x00, 0x01, 0xe8, 0xb3, 0x02, 0x8c, 0xb5, 0x02, 0x01, 0x88, 0x27, 0x01, 0x01, 0x1c,
        ]);
        assert_eq!(used, OVERHEAD_LEN + payload.len() + LONG_TAG_LEN);
        assert_eq!(
            &blob[..6],
            &[0x52, 0x54, 0x02, 0x11, payload.len() as u8, 0]
        );
        assert_eq!(&blob[6..6 + payload.len()], payload.as_slice());
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()).unwrap(),
            record
        );
        // Another customer's context is refused.
        let other = Seal::new(&KEY, b"customer-8").unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], other),
            Err(DecodeError::BadTag)
        );
    }

    /// A blob framed by hand as docs/formats.md describes it (magic, version, kind, length,
    /// payload, CRC-32 of all that, HMAC-SHA256 over context length, context and the rest,
    /// first 16 bytes), independently of `envelope`.
    fn framed(version: u8, payload: &[u8]) -> Vec<u8> {
        use hmac::{Hmac, Mac};
        let mut blob = vec![0x52, 0x54, version, 0x11, payload.len() as u8, 0];
        blob.extend_from_slice(payload);
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob);
        blob.extend_from_slice(&crc.to_le_bytes());
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&KEY).unwrap();
        mac.update(&[10]);
        mac.update(b"customer-7");
        mac.update(&blob);
        blob.extend_from_slice(&mac.finalize().into_bytes()[..16]);
        blob
    }

    #[test]
    fn version_1_still_decodes_with_an_empty_summary() {
        let blob = framed(1, &V1_PAYLOAD);
        let record = CustomerRecord::decode(&blob, seal()).unwrap();
        assert_eq!(record, pinned_record());
        assert!(!record.churn.has_purchases());
        assert_eq!(record.churn.grain(), DEFAULT_CHURN_GRAIN);
        assert_eq!(record.churn_event, None);
        // A version 1 payload is not a version 2 payload (it lacks the summary) ...
        assert_eq!(
            CustomerRecord::decode(&framed(2, &V1_PAYLOAD), seal()),
            Err(DecodeError::Payload)
        );
        // ... and a version 3 is refused.
        assert_eq!(
            CustomerRecord::decode(&framed(3, &V1_PAYLOAD), seal()),
            Err(DecodeError::UnsupportedVersion {
                found: 3,
                newest: 2
            })
        );
        // The hand framing agrees with the encoder's on version 2.
        let mut record = pinned_record();
        record
            .record_sale(
                EventId::new(1, 1),
                Day::from_number(19_782).unwrap(),
                Money::ZERO,
            )
            .unwrap();
        let mut blob = [0u8; CUSTOMER_MAX_LEN];
        let used = record.encode(seal(), &mut blob).unwrap();
        let payload = postcard::to_allocvec(&record).unwrap();
        assert_eq!(&blob[..used], framed(2, &payload).as_slice());
    }

    #[test]
    fn sales_count_once_per_event() {
        let mut record = CustomerRecord::new();
        let day = |n| Day::from_number(n).unwrap();
        let sale = |r: &mut CustomerRecord, t, s, d, m| {
            r.record_sale(EventId::new(t, s), day(d), Money::from_minor(m))
        };
        assert_eq!(sale(&mut record, 1, 5, 100, 500), Ok(SaleCounted::Counted));
        assert_eq!(sale(&mut record, 1, 6, 103, 700), Ok(SaleCounted::Counted));
        let once = record.clone();
        // The same event again, or an earlier one of terminal 1: not counted.
        assert_eq!(sale(&mut record, 1, 6, 103, 700), Ok(SaleCounted::Replayed));
        assert_eq!(sale(&mut record, 1, 2, 103, 700), Ok(SaleCounted::Replayed));
        assert_eq!(record, once);
        // x = 1 (day 103), repeat spend 7.00.
        assert_eq!(
            (record.churn.frequency(), record.churn.repeat_spend()),
            (1, Money::from_minor(700))
        );
        // Another terminal's sale the same day adds to that day's spend.
        assert_eq!(sale(&mut record, 2, 1, 103, 300), Ok(SaleCounted::Counted));
        assert_eq!(
            (record.churn.frequency(), record.churn.repeat_spend()),
            (1, Money::from_minor(1000))
        );
        assert_eq!(record.churn_event, Some(EventId::new(2, 1)));
        // A back-dated sale before day 103: left out, record unchanged.
        let before = record.clone();
        assert_eq!(
            sale(&mut record, 3, 1, 101, 300),
            Ok(SaleCounted::OutOfOrder)
        );
        assert_eq!(record, before);
        // Sequence 0 (no event id) is always counted.
        assert_eq!(sale(&mut record, 0, 0, 104, 100), Ok(SaleCounted::Counted));
        assert_eq!(sale(&mut record, 0, 0, 104, 100), Ok(SaleCounted::Counted));
        assert_eq!(record.churn.repeat_spend(), Money::from_minor(1200));
        // A negative amount is an error and changes nothing.
        let before = record.clone();
        assert_eq!(
            sale(&mut record, 4, 1, 105, -1),
            Err(PurchaseError::NegativeAmount)
        );
        assert_eq!(record, before);
    }

    #[test]
    fn regrain_only_when_empty() {
        let mut record = CustomerRecord::new();
        assert_eq!(record.churn.grain(), Grain::Day);
        record.set_churn_grain(Grain::Week).unwrap();
        assert_eq!(record.churn.grain(), Grain::Week);
        record
            .record_sale(
                EventId::new(1, 1),
                Day::from_number(100).unwrap(),
                Money::ZERO,
            )
            .unwrap();
        let before = record.clone();
        assert_eq!(record.set_churn_grain(Grain::Day), Err(ChurnNotEmpty));
        assert_eq!(record, before);
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 400 HMACs: minutes under Miri, nothing unsafe.
    fn every_single_bit_flip_is_refused() {
        let mut record = CustomerRecord::new();
        record.visits = 300;
        record.birthday = Some(Birthday::new(3, 7).unwrap());
        record.record_use(7, UsagePeriod::Day, 19_782).unwrap();
        record
            .record_sale(
                EventId::new(1, 28),
                Day::from_number(19_782).unwrap(),
                Money::from_minor(2500),
            )
            .unwrap();
        let mut blob = [0u8; CUSTOMER_MAX_LEN];
        let used = record.encode(seal(), &mut blob).unwrap();
        for byte in 0..used {
            for bit in 0..8 {
                let mut flipped = blob;
                flipped[byte] ^= 1 << bit;
                assert!(
                    CustomerRecord::decode(&flipped[..used], seal()).is_err(),
                    "byte {byte} bit {bit}"
                );
            }
        }
    }

    fn full_record() -> CustomerRecord {
        let mut record = CustomerRecord {
            tier: u8::MAX,
            segments: u32::MAX,
            visits: u32::MAX,
            last_visit: Some(2_932_896),
            birthday: Some(Birthday::new(12, 31).unwrap()),
            usage: Bounded::new(),
            churn: ChurnSummary::new(Grain::Day),
            churn_event: Some(EventId::new(u32::MAX, u32::MAX)),
        };
        // The longest summary (see CUSTOMER_MAX_LEN): first period 2^20 (zig-zag 2^21, 4
        // bytes), last 9999-12-31 (4 bytes), repeats 2_932_896 − 2^20 = 1_884_320 (3 bytes),
        // spend i64::MAX (10 bytes).
        let first = Day::from_number(1 << 20).unwrap();
        let last = Day::from_number(2_932_896).unwrap();
        record.churn.record_purchase(first, Money::ZERO).unwrap();
        for day in (1 << 20) + 1..2_932_896 {
            record
                .churn
                .record_purchase(Day::from_number(day).unwrap(), Money::ZERO)
                .unwrap();
        }
        record
            .churn
            .record_purchase(last, Money::from_minor(i64::MAX))
            .unwrap();
        assert_eq!(record.churn.frequency(), 1_884_320);
        for counter in 0..MAX_USAGE_COUNTS as u16 {
            record
                .usage
                .push(UsageCount {
                    counter: u16::MAX - counter,
                    period: UsagePeriod::Campaign,
                    index: i32::MIN,
                    count: u16::MAX,
                })
                .unwrap();
        }
        record
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 1.9 million purchases to build the longest summary.
    fn largest_record_fits_the_published_length() {
        let record = full_record();
        let mut blob = [0u8; CUSTOMER_MAX_LEN];
        let used = record.encode(seal(), &mut blob).unwrap();
        assert_eq!(used, CUSTOMER_MAX_LEN);
        assert_eq!(CustomerRecord::decode(&blob, seal()).unwrap(), record);
    }

    #[test]
    fn decode_reports_capacity_and_range() {
        // 33 counters: a hand-built payload with the length byte 33.
        let mut payload = vec![0x00, 0x00, 0x00, 0x00, 0x00, 33];
        for _ in 0..33 {
            payload.extend_from_slice(&[0x01, 0x00, 0x00, 0x01]);
        }
        // Then an empty day-grain summary (00 00) and no counted sale (00).
        payload.extend_from_slice(&[0x00, 0x00, 0x00]);
        let mut blob = [0u8; 512];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::OverCapacity)
        );
        // A birthday of 31 February.
        let payload = [
            0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x1f, 0x00, 0x00, 0x00, 0x00,
        ];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::OutOfRange)
        );
        // A last visit in the year 10000 (day 2_932_897, zig-zag 5_865_794 = varint c2 82 e6 02).
        let payload = [
            0x00, 0x00, 0x00, 0x01, 0xc2, 0x82, 0xe6, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::OutOfRange)
        );
        // A summary that breaks its invariants (Some, first period 2 after last period 1) is
        // not the format.
        let payload = [
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x02, 0x00, 0x00, 0x00,
        ];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::Payload)
        );
        // An unknown period (variant 6) is not the format.
        let payload = [0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x06, 0x00, 0x01];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::Payload)
        );
    }

    #[test]
    fn usage_counting() {
        let mut record = CustomerRecord::new();
        record.record_use(5, UsagePeriod::Day, 100).unwrap();
        record.record_use(5, UsagePeriod::Day, 100).unwrap();
        assert_eq!(record.usage_count(5, UsagePeriod::Day, 100), 2);
        // Next day: the count starts again at 1 in the same slot.
        record.record_use(5, UsagePeriod::Day, 101).unwrap();
        assert_eq!(record.usage_count(5, UsagePeriod::Day, 100), 0);
        assert_eq!(record.usage_count(5, UsagePeriod::Day, 101), 1);
        assert_eq!(record.usage.len(), 1);
        // A full table of lifetime counters refuses a new counter and stays as it was.
        let mut full = CustomerRecord::new();
        for counter in 0..MAX_USAGE_COUNTS as u16 {
            full.record_use(counter, UsagePeriod::Lifetime, 0).unwrap();
        }
        let before = full.clone();
        assert_eq!(
            full.record_use(999, UsagePeriod::Lifetime, 0),
            Err(UsageFull)
        );
        assert_eq!(full, before);
        // A full table with a passed day makes room by replacing it.
        let mut days = CustomerRecord::new();
        for counter in 0..MAX_USAGE_COUNTS as u16 {
            days.record_use(counter, UsagePeriod::Day, 10).unwrap();
        }
        days.record_use(999, UsagePeriod::Day, 11).unwrap();
        assert_eq!(days.usage_count(999, UsagePeriod::Day, 11), 1);
        assert_eq!(days.usage.len(), MAX_USAGE_COUNTS);
    }

    #[test]
    fn validation() {
        let mut record = CustomerRecord::new();
        assert!(record.is_first_purchase());
        record.last_visit = Some(3_000_000);
        assert_eq!(record.validate(), Err(RecordError::LastVisitOutOfRange));
        record.last_visit = Some(0);
        assert!(!record.is_first_purchase());
        record.birthday = Some(Birthday { month: 2, day: 30 });
        assert_eq!(record.validate(), Err(RecordError::InvalidBirthday));
        record.birthday = None;
        let usage = UsageCount {
            counter: 1,
            period: UsagePeriod::Week,
            index: 3,
            count: 1,
        };
        record.usage.push(usage).unwrap();
        record.usage.push(usage).unwrap();
        assert_eq!(record.validate(), Err(RecordError::DuplicateUsage));
        assert_eq!(
            Birthday::new(2, 29).map(|b| (b.month(), b.day())),
            Ok((2, 29))
        );
        assert_eq!(Birthday::new(4, 31), Err(TimeError::InvalidDate));
    }

    proptest! {
        #[test]
        fn round_trip(tier: u8, segments: u32, visits: u32, last in proptest::option::of(-25_567i32..2_932_896),
                      counters in proptest::collection::vec((any::<u16>(), 0u8..6, any::<i32>(), any::<u16>()), 0..MAX_USAGE_COUNTS),
                      weekly: bool, start in -25_567i32..2_932_000,
                      sales in proptest::collection::vec((0i32..400, 0i64..1_000_000_000_000, 0u32..4, 1u32..1000), 0..12)) {
            let periods = [UsagePeriod::Day, UsagePeriod::Week, UsagePeriod::Month, UsagePeriod::Year, UsagePeriod::Lifetime, UsagePeriod::Campaign];
            let churn = ChurnSummary::new(if weekly { Grain::Week } else { Grain::Day });
            let mut record = CustomerRecord { tier, segments, visits, last_visit: last, birthday: Birthday::new(2, 29).ok(), usage: Bounded::new(), churn, churn_event: None };
            let mut day = start;
            for (gap, amount, terminal, sequence) in sales {
                day = (day + gap).min(2_932_896);
                let _ = record.record_sale(EventId::new(terminal, sequence), Day::from_number(day).unwrap(), Money::from_minor(amount)).unwrap();
            }
            for (counter, period, index, count) in counters {
                let period = periods[usize::from(period)];
                if record.usage.iter().any(|u| u.counter == counter && u.period == period) { continue; }
                record.usage.push(UsageCount { counter, period, index, count }).unwrap();
            }
            let mut blob = [0u8; CUSTOMER_MAX_LEN];
            let used = record.encode(seal(), &mut blob).unwrap();
            let payload = postcard::to_allocvec(&record).unwrap();
            prop_assert_eq!(used, envelope::encoded_len(Kind::Customer, payload.len()));
            prop_assert!(used <= CUSTOMER_MAX_LEN);
            prop_assert_eq!(CustomerRecord::decode(&blob[..used], seal()).unwrap(), record);
        }
    }
}
