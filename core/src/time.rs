//! Time as the caller passes it in: Unix seconds plus the terminal's UTC offset.
//!
//! The core has no clock. Every operation that depends on "now" takes a [`Timestamp`]; every
//! operation that depends on the local calendar (day of week, time of day, "once per day", the
//! customer's birthday) also takes a [`UtcOffset`] and works on the resulting [`LocalTime`].
//!
//! Calendar days are [`Day`] numbers: days since 1970-01-01 in the proleptic Gregorian calendar.
//! The supported range is the years [`MIN_YEAR`]..=[`MAX_YEAR`]; anything outside is
//! [`TimeError::OutOfRange`], never a wrapped value.

use core::fmt;

use serde::{Deserialize, Serialize};

/// The first supported year (birthdays of the very old still fit).
pub const MIN_YEAR: i32 = 1900;
/// The last supported year.
pub const MAX_YEAR: i32 = 9999;
/// Seconds in a day.
pub const SECONDS_PER_DAY: i64 = 86_400;
/// Minutes in a day.
pub const MINUTES_PER_DAY: u16 = 1_440;
/// The largest UTC offset magnitude, in minutes (±18:00, as ISO 8601 and `java.time` allow).
pub const MAX_OFFSET_MINUTES: i16 = 18 * 60;
/// The week origin: the day number of Monday 1969-12-29, the first day of ISO week 0 (the
/// week holding 1970-01-01). Week `w` (as [`Day::period_index`] numbers weeks) starts on day
/// `7 · w + WEEK_ORIGIN_DAY`; every week-based count in the SDK uses this origin.
pub const WEEK_ORIGIN_DAY: i32 = -3;

/// Day number of 1900-01-01, the first supported day.
const MIN_DAY: i32 = -25_567;
/// Day number of 9999-12-31, the last supported day.
const MAX_DAY: i32 = 2_932_896;

/// Why a time value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeError {
    /// The instant or day falls outside the years [`MIN_YEAR`]..=[`MAX_YEAR`].
    OutOfRange,
    /// The UTC offset is beyond ±[`MAX_OFFSET_MINUTES`] minutes.
    InvalidOffset,
    /// The year, month and day do not name a calendar date (for example 2023-02-29).
    InvalidDate,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeError::OutOfRange => "time outside the supported years 1900..=9999",
            TimeError::InvalidOffset => "UTC offset beyond ±18:00",
            TimeError::InvalidDate => "not a calendar date",
        })
    }
}

impl core::error::Error for TimeError {}

/// An instant: seconds since 1970-01-01T00:00:00Z, leap seconds not counted (Unix time).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `seconds` after the Unix epoch (negative: before it).
    #[must_use]
    pub const fn from_unix(seconds: i64) -> Timestamp {
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// The local calendar day and time of this instant at `offset`.
    ///
    /// ```
    /// use retention_core::time::{Timestamp, UtcOffset, Weekday};
    /// // 2024-03-05T23:30:00Z is already Wednesday 00:30 in Berlin (UTC+01:00).
    /// let local = Timestamp::from_unix(1_709_681_400).local(UtcOffset::from_minutes(60)?)?;
    /// assert_eq!(local.weekday(), Weekday::Wednesday);
    /// assert_eq!(local.minute_of_day(), 30);
    /// assert_eq!(local.day().date().to_string(), "2024-03-06");
    /// # Ok::<(), retention_core::time::TimeError>(())
    /// ```
    pub fn local(self, offset: UtcOffset) -> Result<LocalTime, TimeError> {
        let shifted = self
            .0
            .checked_add(i64::from(offset.minutes()).saturating_mul(60))
            .ok_or(TimeError::OutOfRange)?;
        let day = shifted.div_euclid(SECONDS_PER_DAY);
        let second_of_day = shifted.rem_euclid(SECONDS_PER_DAY);
        let day = Day::from_number(i32::try_from(day).map_err(|_| TimeError::OutOfRange)?)?;
        let second_of_day = u32::try_from(second_of_day).map_err(|_| TimeError::OutOfRange)?;
        Ok(LocalTime { day, second_of_day })
    }
}

/// The terminal's offset from UTC, in whole minutes east of Greenwich (UTC+05:30 is 330).
///
/// Daylight-saving time is the caller's business: pass the offset in force at the instant.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i16", into = "i16")]
pub struct UtcOffset(i16);

impl UtcOffset {
    /// UTC itself.
    pub const UTC: UtcOffset = UtcOffset(0);

    /// An offset of `minutes` east of UTC; at most ±[`MAX_OFFSET_MINUTES`].
    pub const fn from_minutes(minutes: i16) -> Result<UtcOffset, TimeError> {
        if minutes < -MAX_OFFSET_MINUTES || minutes > MAX_OFFSET_MINUTES {
            Err(TimeError::InvalidOffset)
        } else {
            Ok(UtcOffset(minutes))
        }
    }

    /// Minutes east of UTC.
    #[must_use]
    pub const fn minutes(self) -> i16 {
        self.0
    }
}

impl TryFrom<i16> for UtcOffset {
    type Error = TimeError;
    fn try_from(minutes: i16) -> Result<UtcOffset, TimeError> {
        UtcOffset::from_minutes(minutes)
    }
}

impl From<UtcOffset> for i16 {
    fn from(offset: UtcOffset) -> i16 {
        offset.0
    }
}

/// A day of the week, numbered as ISO 8601 does (Monday first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday (ISO day 1).
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday (ISO day 7).
    Sunday,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// Days since Monday: Monday 0 … Sunday 6.
    #[must_use]
    pub const fn days_from_monday(self) -> u8 {
        self as u8
    }

    /// This day's bit in a day-of-week mask: bit 0 Monday … bit 6 Sunday.
    #[must_use]
    pub const fn mask_bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A calendar date in the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    year: i16,
    month: u8,
    day: u8,
}

impl Date {
    /// The date `year`-`month`-`day`, if it exists and lies in the supported years.
    ///
    /// ```
    /// use retention_core::time::{Date, TimeError};
    /// assert!(Date::new(2024, 2, 29).is_ok());
    /// assert_eq!(Date::new(2023, 2, 29), Err(TimeError::InvalidDate));
    /// ```
    pub const fn new(year: i32, month: u8, day: u8) -> Result<Date, TimeError> {
        if year < MIN_YEAR || year > MAX_YEAR {
            return Err(TimeError::OutOfRange);
        }
        if month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) {
            return Err(TimeError::InvalidDate);
        }
        // MIN_YEAR..=MAX_YEAR fits in i16.
        #[allow(clippy::cast_possible_truncation)]
        Ok(Date {
            year: year as i16,
            month,
            day,
        })
    }

    /// The year.
    #[must_use]
    pub const fn year(self) -> i32 {
        self.year as i32
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

    /// This date's day number.
    #[must_use]
    pub fn to_day(self) -> Day {
        Day(day_number_of(self.year(), self.month, self.day))
    }
}

/// Written as ISO 8601, `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// True for Gregorian leap years.
#[must_use]
pub const fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1..=12) of `year`; 0 for a month outside 1..=12.
#[must_use]
pub const fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A calendar day: the number of days since 1970-01-01 (negative before it), in whatever time
/// zone the caller's [`UtcOffset`] gave. Only days of the years [`MIN_YEAR`]..=[`MAX_YEAR`] exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct Day(i32);

impl Day {
    /// 1970-01-01.
    pub const EPOCH: Day = Day(0);
    /// 1900-01-01, the first supported day.
    pub const MIN: Day = Day(MIN_DAY);
    /// 9999-12-31, the last supported day.
    pub const MAX: Day = Day(MAX_DAY);

    /// The day `number` days after 1970-01-01, if in range.
    pub const fn from_number(number: i32) -> Result<Day, TimeError> {
        if number < MIN_DAY || number > MAX_DAY {
            Err(TimeError::OutOfRange)
        } else {
            Ok(Day(number))
        }
    }

    /// Days since 1970-01-01.
    #[must_use]
    pub const fn number(self) -> i32 {
        self.0
    }

    /// The calendar date of this day.
    #[must_use]
    pub fn date(self) -> Date {
        let (year, month, day) = civil_from_days(self.0);
        // A Day is always in range, so its civil date is a valid Date.
        #[allow(clippy::cast_possible_truncation)]
        Date {
            year: year as i16,
            month,
            day,
        }
    }

    /// The day of the week.
    #[must_use]
    pub const fn weekday(self) -> Weekday {
        // The week origin is a Monday. |self.0| < 3·10^6, no overflow.
        #[allow(clippy::arithmetic_side_effects)]
        let from_monday = (self.0 - WEEK_ORIGIN_DAY).rem_euclid(7);
        match from_monday {
            0 => Weekday::Monday,
            1 => Weekday::Tuesday,
            2 => Weekday::Wednesday,
            3 => Weekday::Thursday,
            4 => Weekday::Friday,
            5 => Weekday::Saturday,
            _ => Weekday::Sunday,
        }
    }

    /// The day `days` later (earlier if negative), if still in range.
    pub const fn checked_add_days(self, days: i32) -> Result<Day, TimeError> {
        match self.0.checked_add(days) {
            Some(number) => Day::from_number(number),
            None => Err(TimeError::OutOfRange),
        }
    }

    /// Days from `earlier` to `self` (negative if `earlier` is later). Cannot overflow: both lie
    /// within the supported range.
    #[must_use]
    pub const fn days_since(self, earlier: Day) -> i32 {
        #[allow(clippy::arithmetic_side_effects)]
        let days = self.0 - earlier.0;
        days
    }

    /// The ISO 8601 week-numbering year and week (1..=53) of this day.
    ///
    /// ```
    /// use retention_core::time::Date;
    /// // 2021-01-03 (a Sunday) still belongs to week 53 of 2020.
    /// assert_eq!(Date::new(2021, 1, 3)?.to_day().iso_week(), (2020, 53));
    /// assert_eq!(Date::new(2021, 1, 4)?.to_day().iso_week(), (2021, 1));
    /// # Ok::<(), retention_core::time::TimeError>(())
    /// ```
    #[must_use]
    pub fn iso_week(self) -> (i32, u8) {
        // The ISO year is the year of this week's Thursday; the week number counts Thursdays.
        #[allow(clippy::arithmetic_side_effects)]
        let thursday = self.0 - i32::from(self.weekday().days_from_monday()) + 3;
        let (year, _, _) = civil_from_days(thursday);
        let january_first = day_number_of(year, 1, 1);
        #[allow(clippy::arithmetic_side_effects)]
        let week = (thursday - january_first) / 7 + 1;
        // 1..=53, fits in u8.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (year, week as u8)
    }

    /// The index of the calendar period holding this day: consecutive periods have consecutive
    /// indices, so "same period" is `==` and "the next one" is `+ 1`.
    ///
    /// Day: the day number. Week: ISO weeks (Monday to Sunday) since the week of 1970-01-01.
    /// Month: `year · 12 + month − 1`. Year: the year. Lifetime: always 0.
    #[must_use]
    pub fn period_index(self, period: Period) -> i32 {
        match period {
            Period::Day => self.0,
            // Weeks count from the week origin. |self.0| < 3·10^6, no overflow.
            #[allow(clippy::arithmetic_side_effects)]
            Period::Week => (self.0 - WEEK_ORIGIN_DAY).div_euclid(7),
            #[allow(clippy::arithmetic_side_effects)]
            Period::Month => {
                let date = self.date();
                date.year() * 12 + i32::from(date.month()) - 1
            }
            Period::Year => self.date().year(),
            Period::Lifetime => 0,
        }
    }

    /// Signed days from this day to the nearest anniversary of `month`-`day` (a birthday):
    /// 0 on the day, positive if it is coming, negative if it has passed. Of two equally near
    /// anniversaries the coming one wins. A 29 February anniversary falls on 28 February in
    /// common years.
    ///
    /// ```
    /// use retention_core::time::Date;
    /// let today = Date::new(2024, 12, 30)?.to_day();
    /// assert_eq!(today.days_to_anniversary(1, 2)?, 3); // 2025-01-02
    /// assert_eq!(today.days_to_anniversary(12, 24)?, -6);
    /// # Ok::<(), retention_core::time::TimeError>(())
    /// ```
    pub fn days_to_anniversary(self, month: u8, day: u8) -> Result<i32, TimeError> {
        // Validate against a leap year so that 29 February is accepted.
        Date::new(2000, month, day)?;
        let year = self.date().year();
        let mut nearest: Option<i32> = None;
        for candidate_year in [year.saturating_sub(1), year, year.saturating_add(1)] {
            let day_in_year = if month == 2 && day == 29 && !is_leap_year(candidate_year) {
                28
            } else {
                day
            };
            let anniversary = day_number_of(candidate_year, month, day_in_year);
            #[allow(clippy::arithmetic_side_effects)]
            let distance = anniversary - self.0;
            nearest = match nearest {
                Some(best)
                    if best.unsigned_abs() < distance.unsigned_abs()
                        || (best.unsigned_abs() == distance.unsigned_abs() && best > distance) =>
                {
                    Some(best)
                }
                _ => Some(distance),
            };
        }
        nearest.ok_or(TimeError::OutOfRange)
    }
}

impl TryFrom<i32> for Day {
    type Error = TimeError;
    fn try_from(number: i32) -> Result<Day, TimeError> {
        Day::from_number(number)
    }
}

impl From<Day> for i32 {
    fn from(day: Day) -> i32 {
        day.0
    }
}

/// The calendar periods by which usage is counted ("once per day", "three times a month").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// A local calendar day.
    Day,
    /// An ISO 8601 week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// A calendar year.
    Year,
    /// All time: one period that never ends.
    Lifetime,
}

impl Period {
    /// Every period, in declaration order.
    pub const ALL: [Period; 5] = [
        Period::Day,
        Period::Week,
        Period::Month,
        Period::Year,
        Period::Lifetime,
    ];

    /// The pandas frequency alias of a calendar period: `"D"`, `"W"` (ISO weeks, Monday to
    /// Sunday), `"M"`, `"Y"`; `None` for [`Period::Lifetime`], which has none. The spelling
    /// the Python door uses for metrics periods.
    #[must_use]
    pub const fn freq(self) -> Option<&'static str> {
        match self {
            Period::Day => Some("D"),
            Period::Week => Some("W"),
            Period::Month => Some("M"),
            Period::Year => Some("Y"),
            Period::Lifetime => None,
        }
    }

    /// The calendar period with the frequency alias `freq` ([`Period::freq`]), if any.
    #[must_use]
    pub fn from_freq(freq: &str) -> Option<Period> {
        Period::ALL
            .into_iter()
            .find(|period| period.freq() == Some(freq))
    }
}

/// A local calendar day and time of day, from [`Timestamp::local`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime {
    day: Day,
    second_of_day: u32,
}

impl LocalTime {
    /// The local calendar day.
    #[must_use]
    pub const fn day(self) -> Day {
        self.day
    }

    /// The day of the week.
    #[must_use]
    pub const fn weekday(self) -> Weekday {
        self.day.weekday()
    }

    /// Minutes since local midnight, 0..1440.
    #[must_use]
    pub const fn minute_of_day(self) -> u16 {
        // second_of_day < 86 400, so the quotient is < 1440 and fits in u16.
        #[allow(clippy::cast_possible_truncation, clippy::arithmetic_side_effects)]
        let minute = (self.second_of_day / 60) as u16;
        minute
    }

    /// Seconds since local midnight, 0..86400.
    #[must_use]
    pub const fn second_of_day(self) -> u32 {
        self.second_of_day
    }
}

/// Day number of a civil date (Howard Hinnant's `days_from_civil`), in 64 bits so that any
/// `i32` year is exact (|result| < 2^40); the days of the supported years fit in `i32`.
#[allow(clippy::arithmetic_side_effects)]
const fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let month = month as i64;
    let day = day as i64;
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400; // [0, 399]
    let shifted_month = if month > 2 { month - 3 } else { month + 9 }; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1; // [0, 365]
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// [`days_from_civil`] of a date of the supported years (or one year either side), whose day
/// number fits in `i32`.
#[allow(clippy::cast_possible_truncation)]
const fn day_number_of(year: i32, month: u8, day: u8) -> i32 {
    days_from_civil(year as i64, month, day) as i32
}

/// The day number of the first day of month `index` (months numbered `year · 12 + month − 1`,
/// as [`Day::period_index`] numbers them), for any `index`: in 64 bits, so also beyond the
/// supported years, where no [`Day`] exists.
///
/// ```
/// use retention_core::time::{month_start_number, Date, Day, Period};
/// let day = Date::new(2024, 3, 17)?.to_day();
/// let start = month_start_number(day.period_index(Period::Month));
/// assert_eq!(start, i64::from(Date::new(2024, 3, 1)?.to_day().number()));
/// # Ok::<(), retention_core::time::TimeError>(())
/// ```
#[must_use]
pub const fn month_start_number(index: i32) -> i64 {
    let year = index.div_euclid(12) as i64;
    // rem_euclid(12) + 1 is 1..=12.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::arithmetic_side_effects
    )]
    let month = (index.rem_euclid(12) + 1) as u8;
    days_from_civil(year, month, 1)
}

/// Civil date `(year, month, day)` of a day number (Howard Hinnant's `civil_from_days`).
///
/// Same range argument as [`days_from_civil`].
#[allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
const fn civil_from_days(days: i32) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097; // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let shifted_month = (5 * day_of_year + 2) / 153; // [0, 11], March = 0
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1; // [1, 31]
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    }; // [1, 12]
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month as u8, day as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u8, d: u8) -> Day {
        Date::new(y, m, d).unwrap().to_day()
    }

    #[test]
    fn known_day_numbers() {
        assert_eq!(date(1970, 1, 1), Day::EPOCH);
        assert_eq!(date(1900, 1, 1), Day::MIN);
        assert_eq!(date(9999, 12, 31), Day::MAX);
        // 2000-03-01: 30 years of 365 days + 7 leap days (72..96) + Jan + Feb 2000 (29 days).
        assert_eq!(date(2000, 3, 1).number(), 30 * 365 + 7 + 31 + 29);
        assert_eq!(date(2024, 2, 29).number(), 19_782);
        assert_eq!(date(1969, 12, 31).number(), -1);
    }

    #[test]
    fn weekdays() {
        assert_eq!(Day::EPOCH.weekday(), Weekday::Thursday);
        assert_eq!(date(2024, 3, 5).weekday(), Weekday::Tuesday);
        assert_eq!(date(1900, 1, 1).weekday(), Weekday::Monday);
        assert_eq!(date(2000, 1, 1).weekday(), Weekday::Saturday);
        assert_eq!(date(9999, 12, 31).weekday(), Weekday::Friday);
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 3 million days: seconds natively, hours under Miri.
    fn every_supported_day_round_trips() {
        let mut previous: Option<Date> = None;
        for number in MIN_DAY..=MAX_DAY {
            let day = Day::from_number(number).unwrap();
            let civil = day.date();
            assert_eq!(civil.to_day(), day);
            assert_eq!(
                Date::new(civil.year(), civil.month(), civil.day()),
                Ok(civil)
            );
            if let Some(prev) = previous {
                assert!(prev < civil, "dates increase with day numbers");
            }
            previous = Some(civil);
        }
    }

    #[test]
    fn local_time_applies_offset() {
        // 2024-03-05T23:30:00Z.
        let instant = Timestamp::from_unix(1_709_681_400);
        let utc = instant.local(UtcOffset::UTC).unwrap();
        assert_eq!(utc.day(), date(2024, 3, 5));
        assert_eq!(utc.minute_of_day(), 23 * 60 + 30);
        let new_york = instant
            .local(UtcOffset::from_minutes(-5 * 60).unwrap())
            .unwrap();
        assert_eq!(new_york.day(), date(2024, 3, 5));
        assert_eq!(new_york.minute_of_day(), 18 * 60 + 30);
        let kolkata = instant
            .local(UtcOffset::from_minutes(330).unwrap())
            .unwrap();
        assert_eq!(kolkata.day(), date(2024, 3, 6));
        assert_eq!(kolkata.minute_of_day(), 5 * 60);
        assert_eq!(kolkata.weekday(), Weekday::Wednesday);
        // Before the epoch: 1969-12-31T23:59:59Z.
        let before = Timestamp::from_unix(-1).local(UtcOffset::UTC).unwrap();
        assert_eq!(before.day().number(), -1);
        assert_eq!(before.second_of_day(), 86_399);
    }

    #[test]
    fn out_of_range_is_an_error() {
        assert_eq!(
            UtcOffset::from_minutes(18 * 60 + 1),
            Err(TimeError::InvalidOffset)
        );
        assert_eq!(
            UtcOffset::from_minutes(-18 * 60 - 1),
            Err(TimeError::InvalidOffset)
        );
        assert_eq!(
            Timestamp::from_unix(i64::MAX).local(UtcOffset::from_minutes(60).unwrap()),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            Timestamp::from_unix(253_402_300_800).local(UtcOffset::UTC), // 10000-01-01
            Err(TimeError::OutOfRange)
        );
        assert!(
            Timestamp::from_unix(253_402_300_799)
                .local(UtcOffset::UTC)
                .is_ok()
        );
        assert_eq!(Day::MAX.checked_add_days(1), Err(TimeError::OutOfRange));
        assert_eq!(Day::from_number(MIN_DAY - 1), Err(TimeError::OutOfRange));
        assert_eq!(Date::new(1899, 12, 31), Err(TimeError::OutOfRange));
        assert_eq!(Date::new(2023, 13, 1), Err(TimeError::InvalidDate));
        assert_eq!(Date::new(2023, 4, 31), Err(TimeError::InvalidDate));
        assert_eq!(Date::new(1900, 2, 29), Err(TimeError::InvalidDate));
    }

    #[test]
    fn iso_weeks() {
        // Worked from a calendar: 2020 has 53 ISO weeks; 2021-01-04 is the first Monday of week 1.
        assert_eq!(date(2020, 12, 31).iso_week(), (2020, 53));
        assert_eq!(date(2021, 1, 3).iso_week(), (2020, 53));
        assert_eq!(date(2021, 1, 4).iso_week(), (2021, 1));
        assert_eq!(date(2024, 12, 30).iso_week(), (2025, 1));
        assert_eq!(date(2024, 3, 5).iso_week(), (2024, 10));
        assert_eq!(date(1970, 1, 1).iso_week(), (1970, 1));
    }

    #[test]
    fn period_indices() {
        let tuesday = date(2024, 3, 5);
        assert_eq!(tuesday.period_index(Period::Day), tuesday.number());
        assert_eq!(tuesday.period_index(Period::Month), 2024 * 12 + 2);
        assert_eq!(tuesday.period_index(Period::Year), 2024);
        assert_eq!(tuesday.period_index(Period::Lifetime), 0);
        // Monday to Sunday share a week index; the next Monday starts the next one.
        let monday = date(2024, 3, 4);
        let sunday = date(2024, 3, 10);
        let next_monday = date(2024, 3, 11);
        assert_eq!(
            monday.period_index(Period::Week),
            sunday.period_index(Period::Week)
        );
        assert_eq!(
            next_monday.period_index(Period::Week),
            monday.period_index(Period::Week) + 1
        );
        // The week holding the epoch (Mon 1969-12-29 .. Sun 1970-01-04) is week 0.
        assert_eq!(Day::EPOCH.period_index(Period::Week), 0);
        assert_eq!(date(1969, 12, 29).period_index(Period::Week), 0);
        assert_eq!(date(1969, 12, 28).period_index(Period::Week), -1);
    }

    #[test]
    fn week_origin_is_monday_1969_12_29() {
        let origin = date(1969, 12, 29);
        assert_eq!(WEEK_ORIGIN_DAY, origin.number());
        assert_eq!(origin.weekday(), Weekday::Monday);
        // 2024-08-26, a Monday, is day 19 961 (Python: date(2024, 8, 26) − date(1970, 1, 1)),
        // in week (19 961 + 3) / 7 = 2852, which starts on it.
        let monday = date(2024, 8, 26);
        assert_eq!(monday.number(), 19_961);
        assert_eq!(monday.period_index(Period::Week), 2852);
        assert_eq!(7 * 2852 + WEEK_ORIGIN_DAY, monday.number());
    }

    #[test]
    fn period_frequency_aliases() {
        assert_eq!(Period::from_freq("D"), Some(Period::Day));
        assert_eq!(Period::from_freq("W"), Some(Period::Week));
        assert_eq!(Period::from_freq("M"), Some(Period::Month));
        assert_eq!(Period::from_freq("Y"), Some(Period::Year));
        assert_eq!(Period::Lifetime.freq(), None);
        for refused in ["", "d", "day", "L", "Q", "W-SUN"] {
            assert_eq!(Period::from_freq(refused), None, "{refused:?}");
        }
        for period in Period::ALL {
            if let Some(freq) = period.freq() {
                assert_eq!(Period::from_freq(freq), Some(period));
            }
        }
    }

    #[test]
    fn anniversaries() {
        let today = date(2024, 12, 30);
        assert_eq!(today.days_to_anniversary(12, 30), Ok(0));
        assert_eq!(today.days_to_anniversary(1, 2), Ok(3));
        assert_eq!(today.days_to_anniversary(12, 24), Ok(-6));
        // 29 February in a common year is kept on the 28th: from 2025-02-20, 8 days.
        assert_eq!(date(2025, 2, 20).days_to_anniversary(2, 29), Ok(8));
        assert_eq!(date(2024, 2, 20).days_to_anniversary(2, 29), Ok(9));
        // Halfway between two anniversaries (2023-07-02 is 182 days after 2023-01-01 and
        // 183 before 2024-01-01; 2023-07-03 is 183 and 182): the nearer wins.
        assert_eq!(date(2023, 7, 2).days_to_anniversary(1, 1), Ok(-182));
        assert_eq!(date(2023, 7, 3).days_to_anniversary(1, 1), Ok(182));
        assert_eq!(
            today.days_to_anniversary(2, 30),
            Err(TimeError::InvalidDate)
        );
    }

    #[test]
    fn serde_rejects_out_of_range() {
        let mut buf = [0u8; 8];
        let bytes = postcard::to_slice(&(MAX_DAY + 1), &mut buf).unwrap();
        assert!(postcard::from_bytes::<Day>(bytes).is_err());
        let bytes = postcard::to_slice(&2000i16, &mut buf).unwrap();
        assert!(postcard::from_bytes::<UtcOffset>(bytes).is_err());
    }

    proptest! {
        #[test]
        fn local_time_is_consistent(
            seconds in -2_208_988_800i64..253_402_300_800,
            offset in -MAX_OFFSET_MINUTES..=MAX_OFFSET_MINUTES,
        ) {
            let offset = UtcOffset::from_minutes(offset).unwrap();
            if let Ok(local) = Timestamp::from_unix(seconds).local(offset) {
                let back = i64::from(local.day().number()) * SECONDS_PER_DAY
                    + i64::from(local.second_of_day())
                    - i64::from(offset.minutes()) * 60;
                prop_assert_eq!(back, seconds);
                prop_assert!(local.minute_of_day() < MINUTES_PER_DAY);
            }
        }
    }
}
