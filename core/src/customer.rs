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
use crate::envelope::{self, DecodeError, EncodeError, Kind, LONG_TAG_LEN, OVERHEAD_LEN, Seal};
use crate::time::{Date, Day, Period, TimeError};

/// How many usage counters a record holds: one per (counter, period) of the limited rules a
/// customer has used. A counter of a calendar period that has passed is reused when the record
/// is full; a record full of current counters is [`UsageFull`].
pub const MAX_USAGE_COUNTS: usize = 32;

/// The longest encoded customer record, envelope and 16-byte tag included: 430 bytes. The C
/// header mirrors it as `RTN_CUSTOMER_MAX_LEN`.
///
/// Payload worst case: tier 1 + segments 5 + visits 5 + last visit 1 + 4 (a supported day is
/// below 2^27 after zig-zag) + birthday 1 + 2 + usage length 1 + 32 counters × (counter 3 +
/// period 1 + index 5 + count 3) = 404 bytes.
pub const CUSTOMER_MAX_LEN: usize = OVERHEAD_LEN + CUSTOMER_MAX_PAYLOAD_LEN + LONG_TAG_LEN;

/// The longest customer payload (see [`CUSTOMER_MAX_LEN`]).
const CUSTOMER_MAX_PAYLOAD_LEN: usize = 404;

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl CustomerRecord {
    /// A new customer: no tier, no segments, no visits, no usage.
    #[must_use]
    pub const fn new() -> CustomerRecord {
        CustomerRecord {
            tier: 0,
            segments: 0,
            visits: 0,
            last_visit: None,
            birthday: None,
            usage: Bounded::new(),
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

    /// Writes the record as a [`Kind::Customer`] blob, tagged with `seal` (the operator's key,
    /// and the customer id as context), into `out`; returns the length used (at most
    /// [`CUSTOMER_MAX_LEN`]).
    pub fn encode(&self, seal: Seal<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
        envelope::encode(Kind::Customer, self, Some(seal), out)
    }

    /// Opens a [`Kind::Customer`] blob with `seal` and checks it: every envelope check, then
    /// [`DecodeError::OverCapacity`] for more than [`MAX_USAGE_COUNTS`] counters and
    /// [`DecodeError::OutOfRange`] for a value [`CustomerRecord::validate`] refuses.
    pub fn decode(blob: &[u8], seal: Seal<'_>) -> Result<CustomerRecord, DecodeError> {
        let record: CustomerRecord = envelope::decode(blob, Kind::Customer, Some(seal))?;
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

    #[test]
    fn pinned_bytes() {
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
        let mut blob = [0u8; CUSTOMER_MAX_LEN];
        let used = record.encode(seal(), &mut blob).unwrap();
        // Payload, worked by hand from the postcard rules:
        // tier 02 | segments 05 | visits 300 = ac 02 | Some 01, 19782 zig-zag 39564 =
        // 0x9a8c -> varint 8c b5 02 | Some 01, month 03, day 07 | 1 counter: 01,
        // counter 07, period Day 00, index 19782 -> 8c b5 02, count 01.
        let payload = [
            0x02, 0x05, 0xac, 0x02, 0x01, 0x8c, 0xb5, 0x02, 0x01, 0x03, 0x07, 0x01, 0x07, 0x00,
            0x8c, 0xb5, 0x02, 0x01,
        ];
        assert_eq!(used, OVERHEAD_LEN + payload.len() + LONG_TAG_LEN);
        assert_eq!(
            &blob[..6],
            &[0x52, 0x54, 0x01, 0x11, payload.len() as u8, 0]
        );
        assert_eq!(&blob[6..6 + payload.len()], &payload);
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

    #[test]
    #[cfg_attr(miri, ignore)] // 350 HMACs: minutes under Miri, nothing unsafe.
    fn every_single_bit_flip_is_refused() {
        let mut record = CustomerRecord::new();
        record.visits = 300;
        record.birthday = Some(Birthday::new(3, 7).unwrap());
        record.record_use(7, UsagePeriod::Day, 19_782).unwrap();
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
        };
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
        let mut blob = [0u8; 512];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::OverCapacity)
        );
        // A birthday of 31 February.
        let payload = [0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x1f, 0x00];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::OutOfRange)
        );
        // A last visit in the year 10000 (day 2_932_897, zig-zag 5_865_794 = varint c2 82 e6 02).
        let payload = [0x00, 0x00, 0x00, 0x01, 0xc2, 0x82, 0xe6, 0x02, 0x00, 0x00];
        let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
        assert_eq!(
            CustomerRecord::decode(&blob[..used], seal()),
            Err(DecodeError::OutOfRange)
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
                      counters in proptest::collection::vec((any::<u16>(), 0u8..6, any::<i32>(), any::<u16>()), 0..MAX_USAGE_COUNTS)) {
            let periods = [UsagePeriod::Day, UsagePeriod::Week, UsagePeriod::Month, UsagePeriod::Year, UsagePeriod::Lifetime, UsagePeriod::Campaign];
            let mut record = CustomerRecord { tier, segments, visits, last_visit: last, birthday: Birthday::new(2, 29).ok(), usage: Bounded::new() };
            for (counter, period, index, count) in counters {
                let period = periods[usize::from(period)];
                if record.usage.iter().any(|u| u.counter == counter && u.period == period) { continue; }
                record.usage.push(UsageCount { counter, period, index, count }).unwrap();
            }
            let mut blob = [0u8; CUSTOMER_MAX_LEN];
            let used = record.encode(seal(), &mut blob).unwrap();
            let payload = postcard::to_allocvec(&record).unwrap();
            prop_assert_eq!(used, envelope::encoded_len(Kind::Customer, payload.len()));
            prop_assert_eq!(CustomerRecord::decode(&blob[..used], seal()).unwrap(), record);
        }
    }
}
