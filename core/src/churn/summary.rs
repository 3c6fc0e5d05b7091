//! The online customer summary: what the models need to know about a customer, kept up to date
//! with each purchase in O(1) and a few bytes.
//!
//! The definitions are lifetimes' `summary_data_from_transaction_data`:
//! - purchases are grouped into periods of a [`Grain`] (a day, an ISO week Monday–Sunday, or a
//!   calendar month);
//!   several purchases in one period count as one purchase of their summed amount;
//! - **frequency** x: the number of periods with a purchase, less the first (repeat periods);
//! - **recency** t_x: from the start of the first purchase period to the start of the last;
//! - **age** T: from the start of the first purchase period to the start of today's period;
//! - **mean spend**: the mean amount of the repeat periods (the first period's amount is left
//!   out); 0 without repeat purchases.
//!
//! Times go to the model in a [`TimeUnit`] (days, weeks or months; [`Periods::span`]). The CDNOW
//! calibration summary is purchases collapsed by day and measured in weeks:
//! [`Periods::DAYS_IN_WEEKS`].
//!
//! ```
//! use retention_core::churn::summary::{ChurnSummary, Grain, Periods};
//! use retention_core::money::Money;
//! use retention_core::time::Date;
//! let day = |m, d| Date::new(1997, m, d).map(|date| date.to_day());
//! let mut summary = ChurnSummary::new(Grain::Day);
//! summary.record_purchase(day(1, 1)?, Money::from_minor(29_33))?;
//! summary.record_purchase(day(1, 18)?, Money::from_minor(29_73))?;
//! summary.record_purchase(day(8, 2)?, Money::from_minor(14_96))?;
//! // CDNOW customer 1 on 1997-09-30: x = 2, t_x = 213/7 = 30.43 weeks, T = 272/7 = 38.86 weeks.
//! let observed = summary.observe(day(9, 30)?, Periods::DAYS_IN_WEEKS.unit)?;
//! assert_eq!(observed.frequency(), 2.0);
//! assert!((observed.recency() - 30.43).abs() < 0.005 && (observed.age() - 38.86).abs() < 0.005);
//! assert_eq!(summary.mean_spend_rounded(), Money::from_minor(22_35)); // (29.73 + 14.96) / 2
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use super::Observation;
use crate::money::{Money, Rounding, div_round};
use crate::time::{Day, Period, WEEK_ORIGIN_DAY, month_start_number};

/// The period purchases collapse into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grain {
    /// A calendar day (lifetimes `freq="D"`).
    Day,
    /// An ISO week, Monday to Sunday (lifetimes `freq="W"`).
    Week,
    /// A calendar month (lifetimes `freq="M"`).
    Month,
}

impl Grain {
    /// Every grain, in code order.
    pub const ALL: [Grain; 3] = [Grain::Day, Grain::Week, Grain::Month];

    /// The lifetimes / pandas frequency alias: `"D"`, `"W"` or `"M"` (the Python door's `freq`
    /// and `grain` spelling).
    #[must_use]
    pub const fn freq(self) -> &'static str {
        match self {
            Grain::Day => "D",
            Grain::Week => "W",
            Grain::Month => "M",
        }
    }

    /// The grain with the frequency alias `freq` ([`Grain::freq`]), if any.
    #[must_use]
    pub fn from_freq(freq: &str) -> Option<Grain> {
        Grain::ALL.into_iter().find(|grain| grain.freq() == freq)
    }

    /// The grain's number: 0 for a day, 1 for a week, 2 for a month (the C door's
    /// `RTN_CHURN_GRAIN_*`, and the variant index the customer record and model blob store).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Grain::Day => 0,
            Grain::Week => 1,
            Grain::Month => 2,
        }
    }

    /// The grain numbered `code` ([`Grain::code`]), if any.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Grain> {
        Grain::ALL.into_iter().find(|grain| grain.code() == code)
    }

    /// The index of the period holding `day` (consecutive periods, consecutive indices).
    #[must_use]
    pub fn period_index(self, day: Day) -> i32 {
        match self {
            Grain::Day => day.period_index(Period::Day),
            Grain::Week => day.period_index(Period::Week),
            Grain::Month => day.period_index(Period::Month),
        }
    }

    /// The first day of period `index`, if it is a supported day.
    #[must_use]
    pub fn start(self, index: i32) -> Option<Day> {
        i32::try_from(self.start_day(index))
            .ok()
            .and_then(|number| Day::from_number(number).ok())
    }

    /// The day number of the first day of period `index`.
    fn start_day(self, index: i32) -> i64 {
        match self {
            Grain::Day => i64::from(index),
            // Week 0 starts on the week origin. i32 · 7 fits in i64.
            #[allow(clippy::arithmetic_side_effects)]
            Grain::Week => i64::from(index) * 7 + i64::from(WEEK_ORIGIN_DAY),
            Grain::Month => month_start_number(index),
        }
    }
}

/// The unit of the times (recency, age, horizons) the models see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeUnit {
    /// Days.
    Days,
    /// Weeks of 7 days.
    Weeks,
    /// Months: whole calendar months between the periods of a month grain; for day and week
    /// grains, spans of days in mean Gregorian months of [`TimeUnit::days`] = 30.436875 days
    /// (see [`Periods::span`]).
    Months,
}

impl TimeUnit {
    /// Every unit, in code order.
    pub const ALL: [TimeUnit; 3] = [TimeUnit::Days, TimeUnit::Weeks, TimeUnit::Months];

    /// The unit's number: 0 for days, 1 for weeks, 2 for months (the C door's `RTN_CHURN_UNIT_*`, and the
    /// variant index the model blob stores).
    ///
    /// ```
    /// use retention_core::churn::summary::TimeUnit;
    /// assert_eq!(TimeUnit::Days.code(), 0);
    /// assert_eq!(TimeUnit::Weeks.code(), 1);
    /// assert_eq!(TimeUnit::Months.code(), 2);
    /// ```
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            TimeUnit::Days => 0,
            TimeUnit::Weeks => 1,
            TimeUnit::Months => 2,
        }
    }

    /// The lifetimes / pandas frequency alias of the unit: `"D"`, `"W"` or `"M"` (the Python
    /// door's `unit` spelling).
    #[must_use]
    pub const fn freq(self) -> &'static str {
        match self {
            TimeUnit::Days => "D",
            TimeUnit::Weeks => "W",
            TimeUnit::Months => "M",
        }
    }

    /// The unit with the frequency alias `freq` ([`TimeUnit::freq`]), if any.
    #[must_use]
    pub fn from_freq(freq: &str) -> Option<TimeUnit> {
        TimeUnit::ALL.into_iter().find(|unit| unit.freq() == freq)
    }

    /// Days in one unit; a month is the mean Gregorian month, 365.2425 / 12 = 30.436875 days
    /// (NumPy's `timedelta64(1, "M")`).
    #[must_use]
    pub const fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
            TimeUnit::Months => 30.436_875,
        }
    }

    /// The default horizon of a score's expected purchases, a year: 364 days, 52 weeks or 12
    /// months.
    #[must_use]
    pub const fn year(self) -> f64 {
        match self {
            TimeUnit::Days => 364.0,
            TimeUnit::Weeks => 52.0,
            TimeUnit::Months => 12.0,
        }
    }
}

/// How purchase days become model time: the grain purchases collapse into, and the unit times
/// are measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Periods {
    /// Purchases in one period of this grain count once.
    pub grain: Grain,
    /// Recency and age are measured in this unit.
    pub unit: TimeUnit,
}

impl Periods {
    /// Daily purchases, times in days (lifetimes `freq="D"`).
    pub const DAYS: Periods = Periods {
        grain: Grain::Day,
        unit: TimeUnit::Days,
    };
    /// Weekly purchases, times in weeks (lifetimes `freq="W"`).
    pub const WEEKS: Periods = Periods {
        grain: Grain::Week,
        unit: TimeUnit::Weeks,
    };
    /// Daily purchases, times in weeks (lifetimes `freq="D"`, `freq_multiplier=7`): the CDNOW
    /// calibration summary.
    pub const DAYS_IN_WEEKS: Periods = Periods {
        grain: Grain::Day,
        unit: TimeUnit::Weeks,
    };
    /// Monthly purchases, times in whole months (lifetimes `freq="M"`).
    pub const MONTHS: Periods = Periods {
        grain: Grain::Month,
        unit: TimeUnit::Months,
    };

    /// The time from the start of period `from` to the start of period `to` (indices of the
    /// grain, [`Grain::period_index`]) in the unit: for a month grain measured in months, the
    /// whole months between them; otherwise the days between the periods' first days divided
    /// by the unit's [`TimeUnit::days`] (so months of a day or week grain are mean months).
    ///
    /// ```
    /// use retention_core::churn::summary::{Grain, Periods};
    /// use retention_core::time::Date;
    /// let (jan, mar) = (Date::new(2024, 1, 31)?.to_day(), Date::new(2024, 3, 1)?.to_day());
    /// let months = |p: Periods| p.span(p.grain.period_index(jan), p.grain.period_index(mar));
    /// assert_eq!(months(Periods::MONTHS), 2.0); // January to March
    /// assert_eq!(months(Periods::DAYS), 30.0); // 31 January to 1 March 2024
    /// # Ok::<(), retention_core::time::TimeError>(())
    /// ```
    #[must_use]
    pub fn span(self, from: i32, to: i32) -> f64 {
        match (self.grain, self.unit) {
            (Grain::Month, TimeUnit::Months) => f64::from(to) - f64::from(from),
            _ => {
                // Period starts are within 2^40 days: the difference is exact in i64 and f64.
                #[allow(clippy::arithmetic_side_effects, clippy::cast_precision_loss)]
                let days = (self.grain.start_day(to) - self.grain.start_day(from)) as f64;
                days / self.unit.days()
            }
        }
    }
}

/// Why a purchase was not recorded; the summary is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PurchaseError {
    /// The amount is negative (refunds are not purchases).
    NegativeAmount,
    /// The purchase falls in a period before the last recorded one: purchases must be recorded
    /// in order (same period as the last is fine).
    OutOfOrder,
    /// The repeat count or spend would overflow.
    Overflow,
}

impl fmt::Display for PurchaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PurchaseError::NegativeAmount => "purchase amount is negative",
            PurchaseError::OutOfOrder => "purchase is earlier than the last recorded period",
            PurchaseError::Overflow => "repeat count or spend overflows",
        })
    }
}

impl core::error::Error for PurchaseError {}

/// Why a summary gives no observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObserveError {
    /// The customer has no recorded purchase.
    NoPurchases,
    /// "Today" is in a period before the last recorded purchase.
    TodayBeforeLastPurchase,
}

impl fmt::Display for ObserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObserveError::NoPurchases => "customer has no recorded purchase",
            ObserveError::TodayBeforeLastPurchase => "today is before the last recorded purchase",
        })
    }
}

impl core::error::Error for ObserveError {}

/// The purchase history the summary keeps: first and last purchase periods, repeat periods and
/// their spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct History {
    first_period: i32,
    last_period: i32,
    repeat_periods: u32,
    repeat_spend: Money,
}

/// A customer's churn summary (see the module docs): 1 byte of grain and, once there is a
/// purchase, two period indices, the repeat count and the repeat spend. At most
/// [`SUMMARY_MAX_LEN`] bytes as postcard.
///
/// Decoding checks its invariants (first ≤ last period, at most one repeat per period after
/// the first, repeats exactly when last > first, spend ≥ 0, periods within the supported days)
/// and refuses anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "SummaryWire", into = "SummaryWire")]
pub struct ChurnSummary {
    grain: Grain,
    history: Option<History>,
}

/// The summary as written: the same fields, checked on the way in.
#[derive(Serialize, Deserialize)]
struct SummaryWire {
    grain: Grain,
    history: Option<History>,
}

impl From<ChurnSummary> for SummaryWire {
    fn from(summary: ChurnSummary) -> SummaryWire {
        SummaryWire {
            grain: summary.grain,
            history: summary.history,
        }
    }
}

/// A decoded summary broke one of its invariants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvalidSummary;

impl fmt::Display for InvalidSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("churn summary breaks its invariants")
    }
}

impl core::error::Error for InvalidSummary {}

impl TryFrom<SummaryWire> for ChurnSummary {
    type Error = InvalidSummary;
    fn try_from(wire: SummaryWire) -> Result<ChurnSummary, InvalidSummary> {
        if let Some(h) = wire.history {
            let span = i64::from(h.last_period).saturating_sub(i64::from(h.first_period));
            let in_range = |index: i32| {
                let start = wire.grain.start_day(index);
                i32::try_from(start)
                    .ok()
                    .and_then(|d| Day::from_number(d).ok())
                    .is_some()
            };
            let valid = span >= 0
                && i64::from(h.repeat_periods) <= span
                && (h.repeat_periods == 0) == (span == 0)
                && !h.repeat_spend.is_negative()
                && in_range(h.first_period)
                && in_range(h.last_period);
            if !valid {
                return Err(InvalidSummary);
            }
        }
        Ok(ChurnSummary {
            grain: wire.grain,
            history: wire.history,
        })
    }
}

/// The longest postcard encoding of a [`ChurnSummary`], in bytes: grain 1, option 1, two
/// zig-zag `i32` 5 + 5, `u32` 5, zig-zag `i64` 10.
pub const SUMMARY_MAX_LEN: usize = 27;

impl ChurnSummary {
    /// A customer without purchases yet, whose purchases collapse by `grain`.
    #[must_use]
    pub const fn new(grain: Grain) -> ChurnSummary {
        ChurnSummary {
            grain,
            history: None,
        }
    }

    /// Records a purchase of `amount` (minor units, ≥ 0) on `day`, in O(1). A purchase in the
    /// same period as the last one adds to that period's amount (and to nothing when that is
    /// the first period, whose spend is left out of the mean).
    ///
    /// Errors (summary unchanged): [`PurchaseError::NegativeAmount`],
    /// [`PurchaseError::OutOfOrder`], [`PurchaseError::Overflow`].
    pub fn record_purchase(&mut self, day: Day, amount: Money) -> Result<(), PurchaseError> {
        if amount.is_negative() {
            return Err(PurchaseError::NegativeAmount);
        }
        let period = self.grain.period_index(day);
        let next = match self.history {
            None => History {
                first_period: period,
                last_period: period,
                repeat_periods: 0,
                repeat_spend: Money::ZERO,
            },
            Some(h) if period < h.last_period => return Err(PurchaseError::OutOfOrder),
            Some(h) if period == h.last_period && period == h.first_period => h,
            Some(h) if period == h.last_period => History {
                repeat_spend: h
                    .repeat_spend
                    .checked_add(amount)
                    .map_err(|_| PurchaseError::Overflow)?,
                ..h
            },
            Some(h) => History {
                last_period: period,
                repeat_periods: h
                    .repeat_periods
                    .checked_add(1)
                    .ok_or(PurchaseError::Overflow)?,
                repeat_spend: h
                    .repeat_spend
                    .checked_add(amount)
                    .map_err(|_| PurchaseError::Overflow)?,
                ..h
            },
        };
        self.history = Some(next);
        Ok(())
    }

    /// A summary from its stored parts (a back-office import, or a copy read through another
    /// interface): `history` is `(first_period, last_period, repeat_periods, repeat_spend)`, or
    /// `None` without purchases. The same checks as decoding.
    ///
    /// Error: [`InvalidSummary`] when the parts break the invariants (see [`ChurnSummary`]).
    pub fn from_parts(
        grain: Grain,
        history: Option<(i32, i32, u32, Money)>,
    ) -> Result<ChurnSummary, InvalidSummary> {
        ChurnSummary::try_from(SummaryWire {
            grain,
            history: history.map(
                |(first_period, last_period, repeat_periods, repeat_spend)| History {
                    first_period,
                    last_period,
                    repeat_periods,
                    repeat_spend,
                },
            ),
        })
    }

    /// The grain purchases collapse by.
    #[must_use]
    pub const fn grain(&self) -> Grain {
        self.grain
    }

    /// True once a purchase was recorded.
    #[must_use]
    pub const fn has_purchases(&self) -> bool {
        self.history.is_some()
    }

    /// Repeat purchase periods (frequency x); 0 without purchases.
    #[must_use]
    pub fn frequency(&self) -> u32 {
        self.history.map_or(0, |h| h.repeat_periods)
    }

    /// The summed amount of the repeat periods, in minor units.
    #[must_use]
    pub fn repeat_spend(&self) -> Money {
        self.history.map_or(Money::ZERO, |h| h.repeat_spend)
    }

    /// The first purchase period's index, if any (see [`Grain::period_index`]).
    #[must_use]
    pub fn first_period(&self) -> Option<i32> {
        self.history.map(|h| h.first_period)
    }

    /// The last purchase period's index, if any.
    #[must_use]
    pub fn last_period(&self) -> Option<i32> {
        self.history.map(|h| h.last_period)
    }

    /// The mean amount of the repeat periods in minor units (not rounded); 0 without repeats.
    #[must_use]
    pub fn mean_spend(&self) -> f64 {
        match self.history {
            Some(h) if h.repeat_periods > 0 => {
                // Money as f64: exact below 2^53 minor units; this is a statistic.
                #[allow(clippy::cast_precision_loss)]
                let spend = h.repeat_spend.minor() as f64;
                spend / f64::from(h.repeat_periods)
            }
            _ => 0.0,
        }
    }

    /// The mean amount of the repeat periods, rounded half away from zero to a minor unit.
    #[must_use]
    pub fn mean_spend_rounded(&self) -> Money {
        match self.history {
            Some(h) if h.repeat_periods > 0 => div_round(
                i128::from(h.repeat_spend.minor()),
                i128::from(h.repeat_periods),
                Rounding::HalfUp,
            )
            .ok()
            .and_then(|m| i64::try_from(m).ok())
            .map_or(Money::ZERO, Money::from_minor),
            _ => Money::ZERO,
        }
    }

    /// Days from the first purchase period's start to the last's (recency in days), and to
    /// `today`'s period's start (age in days).
    ///
    /// Errors: [`ObserveError::NoPurchases`], [`ObserveError::TodayBeforeLastPurchase`].
    pub fn span_days(&self, today: Day) -> Result<(i64, i64), ObserveError> {
        let h = self.history.ok_or(ObserveError::NoPurchases)?;
        let now = self.grain.period_index(today);
        if now < h.last_period {
            return Err(ObserveError::TodayBeforeLastPurchase);
        }
        let first = self.grain.start_day(h.first_period);
        // Day numbers are below 3·10^6 in magnitude: the differences fit easily.
        #[allow(clippy::arithmetic_side_effects)]
        let spans = (
            self.grain.start_day(h.last_period) - first,
            self.grain.start_day(now) - first,
        );
        Ok(spans)
    }

    /// The customer as the models see them on `today`: frequency, recency and age in `unit`s
    /// ([`Periods::span`] of the summary's grain and `unit`).
    ///
    /// Errors: [`ObserveError::NoPurchases`], [`ObserveError::TodayBeforeLastPurchase`].
    pub fn observe(&self, today: Day, unit: TimeUnit) -> Result<Observation, ObserveError> {
        let h = self.history.ok_or(ObserveError::NoPurchases)?;
        let now = self.grain.period_index(today);
        if now < h.last_period {
            return Err(ObserveError::TodayBeforeLastPurchase);
        }
        let periods = Periods {
            grain: self.grain,
            unit,
        };
        let (recency, age) = (
            periods.span(h.first_period, h.last_period),
            periods.span(h.first_period, now),
        );
        // The invariants (0 ≤ recency ≤ age, recency 0 exactly when x is 0) hold by
        // construction; a failure would be a bug, reported as "no purchases" rather than a panic.
        Observation::new(f64::from(self.frequency()), recency, age)
            .map_err(|_| ObserveError::NoPurchases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;
    use proptest::prelude::*;

    fn day(y: i32, m: u8, d: u8) -> Day {
        Date::new(y, m, d).unwrap().to_day()
    }

    #[test]
    fn same_period_purchases_collapse() {
        let mut s = ChurnSummary::new(Grain::Day);
        s.record_purchase(day(2024, 3, 4), Money::from_minor(500))
            .unwrap();
        // Same day as the first: not a repeat, and its amount is part of the first purchase.
        s.record_purchase(day(2024, 3, 4), Money::from_minor(700))
            .unwrap();
        assert_eq!(s.frequency(), 0);
        assert_eq!(s.repeat_spend(), Money::ZERO);
        s.record_purchase(day(2024, 3, 6), Money::from_minor(300))
            .unwrap();
        s.record_purchase(day(2024, 3, 6), Money::from_minor(200))
            .unwrap();
        s.record_purchase(day(2024, 3, 9), Money::from_minor(1000))
            .unwrap();
        // Repeat days 6th (3.00 + 2.00) and 9th (10.00): x = 2, mean 7.50.
        assert_eq!(s.frequency(), 2);
        assert_eq!(s.repeat_spend(), Money::from_minor(1500));
        assert_eq!(s.mean_spend(), 750.0);
        let o = s.observe(day(2024, 3, 11), TimeUnit::Days).unwrap();
        assert_eq!((o.frequency(), o.recency(), o.age()), (2.0, 5.0, 7.0));
    }

    #[test]
    fn weeks_start_on_monday() {
        // Mon 4 March and Sun 10 March are one ISO week; Mon 11 March starts the next.
        let mut s = ChurnSummary::new(Grain::Week);
        s.record_purchase(day(2024, 3, 6), Money::from_minor(100))
            .unwrap();
        s.record_purchase(day(2024, 3, 10), Money::from_minor(100))
            .unwrap();
        assert_eq!(s.frequency(), 0);
        s.record_purchase(day(2024, 3, 11), Money::from_minor(100))
            .unwrap();
        assert_eq!(s.frequency(), 1);
        // Today Wed 27 March: its week starts Mon 25 March, 3 weeks after Mon 4 March.
        let o = s.observe(day(2024, 3, 27), TimeUnit::Weeks).unwrap();
        assert_eq!((o.frequency(), o.recency(), o.age()), (1.0, 1.0, 3.0));
    }

    #[test]
    fn errors_leave_the_summary_unchanged() {
        let mut s = ChurnSummary::new(Grain::Day);
        assert_eq!(
            s.observe(day(2024, 1, 1), TimeUnit::Days),
            Err(ObserveError::NoPurchases)
        );
        s.record_purchase(day(2024, 3, 4), Money::from_minor(500))
            .unwrap();
        s.record_purchase(day(2024, 3, 8), Money::from_minor(500))
            .unwrap();
        let before = s;
        assert_eq!(
            s.record_purchase(day(2024, 3, 5), Money::from_minor(1)),
            Err(PurchaseError::OutOfOrder)
        );
        assert_eq!(
            s.record_purchase(day(2024, 3, 9), Money::from_minor(-1)),
            Err(PurchaseError::NegativeAmount)
        );
        assert_eq!(
            s.record_purchase(day(2024, 3, 8), Money::MAX),
            Err(PurchaseError::Overflow)
        );
        assert_eq!(s, before);
        assert_eq!(
            s.observe(day(2024, 3, 7), TimeUnit::Days),
            Err(ObserveError::TodayBeforeLastPurchase)
        );
    }

    #[test]
    fn pinned_bytes_and_decode_checks() {
        let mut s = ChurnSummary::new(Grain::Day);
        let mut buf = [0u8; SUMMARY_MAX_LEN];
        // No purchases: grain Day (00), no history (00).
        assert_eq!(postcard::to_slice(&s, &mut buf).unwrap(), &[0x00, 0x00]);
        s.record_purchase(Day::from_number(10_000).unwrap(), Money::from_minor(100))
            .unwrap();
        s.record_purchase(Day::from_number(10_003).unwrap(), Money::from_minor(250))
            .unwrap();
        // Day 00, Some 01, first 10000 zig-zag 20000 = a0 9c 01, last 10003 → 20006 = a6 9c 01,
        // repeats 01, spend 250 zig-zag 500 = f4 03.
        assert_eq!(
            postcard::to_slice(&s, &mut buf).unwrap(),
            &[
                0x00, 0x01, 0xa0, 0x9c, 0x01, 0xa6, 0x9c, 0x01, 0x01, 0xf4, 0x03
            ]
        );
        let decode = |bytes: &[u8]| postcard::from_bytes::<ChurnSummary>(bytes);
        assert_eq!(
            decode(&[
                0x00, 0x01, 0xa0, 0x9c, 0x01, 0xa6, 0x9c, 0x01, 0x01, 0xf4, 0x03
            ])
            .unwrap(),
            s
        );
        // Two repeats in a span of 3 days is fine, four is not; first after last; repeats with
        // an empty span; negative spend.
        assert!(
            decode(&[
                0x00, 0x01, 0xa0, 0x9c, 0x01, 0xa6, 0x9c, 0x01, 0x03, 0xf4, 0x03
            ])
            .is_ok()
        );
        assert!(
            decode(&[
                0x00, 0x01, 0xa0, 0x9c, 0x01, 0xa6, 0x9c, 0x01, 0x04, 0xf4, 0x03
            ])
            .is_err()
        );
        assert!(
            decode(&[
                0x00, 0x01, 0xa6, 0x9c, 0x01, 0xa0, 0x9c, 0x01, 0x01, 0xf4, 0x03
            ])
            .is_err()
        );
        assert!(
            decode(&[
                0x00, 0x01, 0xa0, 0x9c, 0x01, 0xa0, 0x9c, 0x01, 0x01, 0xf4, 0x03
            ])
            .is_err()
        );
        assert!(
            decode(&[
                0x00, 0x01, 0xa0, 0x9c, 0x01, 0xa6, 0x9c, 0x01, 0x01, 0xf3, 0x03
            ])
            .is_err()
        );
        // A first period beyond the supported years (i32::MAX zig-zag = fe ff ff ff 0f).
        assert!(
            decode(&[
                0x00, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00
            ])
            .is_err()
        );
        // A month grain (2) is known, 3 is not.
        assert_eq!(decode(&[0x02, 0x00]), Ok(ChurnSummary::new(Grain::Month)));
        assert!(decode(&[0x03, 0x00]).is_err());
        // The longest encoding fits SUMMARY_MAX_LEN.
        let longest = ChurnSummary {
            grain: Grain::Week,
            history: Some(History {
                first_period: i32::MIN,
                last_period: i32::MIN,
                repeat_periods: u32::MAX,
                repeat_spend: Money::MIN,
            }),
        };
        assert_eq!(
            postcard::to_slice(&longest, &mut buf).unwrap().len(),
            SUMMARY_MAX_LEN
        );
    }

    /// The reference model: every purchase kept, the summary recomputed from scratch.
    fn recompute(grain: Grain, purchases: &[(Day, i64)]) -> (u32, i32, i32, i64) {
        let mut periods: Vec<(i32, i64)> = Vec::new();
        for &(day, amount) in purchases {
            let p = grain.period_index(day);
            match periods.iter_mut().find(|(q, _)| *q == p) {
                Some(slot) => slot.1 += amount,
                None => periods.push((p, amount)),
            }
        }
        periods.sort();
        let repeat: i64 = periods[1..].iter().map(|(_, a)| a).sum();
        (
            periods.len() as u32 - 1,
            periods[0].0,
            periods[periods.len() - 1].0,
            repeat,
        )
    }

    proptest! {
        #[test]
        fn online_equals_recomputed(
            grain in proptest::sample::select(Grain::ALL.to_vec()),
            steps in proptest::collection::vec((0i32..20, 0i64..10_000), 1..40),
        ) {
            let mut summary = ChurnSummary::new(grain);
            let mut purchases = Vec::new();
            let mut day = 19_000;
            for (gap, amount) in steps {
                day += gap;
                let d = Day::from_number(day).unwrap();
                summary.record_purchase(d, Money::from_minor(amount)).unwrap();
                purchases.push((d, amount));
            }
            let (x, first, last, spend) = recompute(grain, &purchases);
            prop_assert_eq!(summary.frequency(), x);
            prop_assert_eq!(summary.first_period(), Some(first));
            prop_assert_eq!(summary.last_period(), Some(last));
            prop_assert_eq!(summary.repeat_spend().minor(), spend);
            let mut buf = [0u8; SUMMARY_MAX_LEN];
            let bytes = postcard::to_slice(&summary, &mut buf).unwrap();
            prop_assert_eq!(postcard::from_bytes::<ChurnSummary>(bytes).unwrap(), summary);
        }
    }

    #[test]
    fn grain_and_unit_spellings_and_codes() {
        assert_eq!(Grain::from_freq("D"), Some(Grain::Day));
        assert_eq!(Grain::from_freq("W"), Some(Grain::Week));
        assert_eq!(TimeUnit::from_freq("D"), Some(TimeUnit::Days));
        assert_eq!(TimeUnit::from_freq("W"), Some(TimeUnit::Weeks));
        assert_eq!(Grain::from_freq("M"), Some(Grain::Month));
        assert_eq!(TimeUnit::from_freq("M"), Some(TimeUnit::Months));
        for refused in ["", "d", "m", "H", "h", "Q", "day", "W-SUN", "MS"] {
            assert_eq!(Grain::from_freq(refused), None, "{refused:?}");
            assert_eq!(TimeUnit::from_freq(refused), None, "{refused:?}");
        }
        assert_eq!(Grain::from_code(0), Some(Grain::Day));
        assert_eq!(Grain::from_code(1), Some(Grain::Week));
        assert_eq!(Grain::from_code(2), Some(Grain::Month));
        assert_eq!(Grain::from_code(3), None);
        for grain in Grain::ALL {
            assert_eq!(Grain::from_freq(grain.freq()), Some(grain));
            // The code is the variant index stored in records and model blobs (one byte).
            let mut buf = [0u8; 4];
            assert_eq!(
                postcard::to_slice(&grain, &mut buf).unwrap(),
                &[grain.code()]
            );
        }
        for unit in TimeUnit::ALL {
            assert_eq!(TimeUnit::from_freq(unit.freq()), Some(unit));
        }
        // Week 0 starts on the week origin, Monday 1969-12-29.
        assert_eq!(Grain::Week.start(0), Some(day(1969, 12, 29)));
        assert_eq!(Grain::Week.start(1), Some(day(1970, 1, 5)));
        // Month 2024 · 12 + 1 is February 2024; months beyond 9999 have no first day.
        assert_eq!(Grain::Month.start(2024 * 12 + 1), Some(day(2024, 2, 1)));
        assert_eq!(Grain::Month.start(10_000 * 12), None);
        assert_eq!(Grain::Month.start(i32::MIN), None);
    }

    #[test]
    fn months_collapse_and_count_whole_months() {
        // 31 January, 1 and 29 February, 31 March 2024: three months with purchases.
        let mut s = ChurnSummary::new(Grain::Month);
        for (m, d, cents) in [(1, 31, 100), (2, 1, 200), (2, 29, 300), (3, 31, 400)] {
            s.record_purchase(day(2024, m, d), Money::from_minor(cents))
                .unwrap();
        }
        // Repeats: February (2.00 + 3.00) and March (4.00): x = 2, mean 4.50.
        assert_eq!(s.frequency(), 2);
        assert_eq!(s.repeat_spend(), Money::from_minor(900));
        assert_eq!(s.mean_spend(), 450.0);
        // On 15 July 2024, in months: first January, last March, today July.
        let o = s.observe(day(2024, 7, 15), TimeUnit::Months).unwrap();
        assert_eq!((o.frequency(), o.recency(), o.age()), (2.0, 2.0, 6.0));
        // In days between the months' first days: 1 Jan → 1 Mar 2024 is 60 days, → 1 Jul 182.
        let o = s.observe(day(2024, 7, 15), TimeUnit::Days).unwrap();
        assert_eq!((o.recency(), o.age()), (60.0, 182.0));
        // A day grain measured in months uses the mean month of 30.436875 days.
        let mut d = ChurnSummary::new(Grain::Day);
        d.record_purchase(day(2024, 1, 1), Money::ZERO).unwrap();
        let o = d.observe(day(2024, 12, 31), TimeUnit::Months).unwrap();
        assert_eq!(o.age(), 365.0 / 30.436_875);
        // Pinned bytes: grain 02, Some 01, first 2024·12 = 24288 zig-zag 48576 = c0 fb 02,
        // last 24290 → 48580 = c4 fb 02, repeats 02, spend 900 zig-zag 1800 = 88 0e.
        let mut buf = [0u8; SUMMARY_MAX_LEN];
        let bytes = postcard::to_slice(&s, &mut buf).unwrap();
        assert_eq!(
            bytes,
            &[
                0x02, 0x01, 0xc0, 0xfb, 0x02, 0xc4, 0xfb, 0x02, 0x02, 0x88, 0x0e
            ]
        );
        assert_eq!(postcard::from_bytes::<ChurnSummary>(bytes).unwrap(), s);
        // A month index beyond the supported years is refused on decode (month 120000 =
        // January 10000, zig-zag 240000 = 80 d3 0e).
        assert!(
            postcard::from_bytes::<ChurnSummary>(&[
                0x02, 0x01, 0x80, 0xd3, 0x0e, 0x80, 0xd3, 0x0e, 0x00, 0x00
            ])
            .is_err()
        );
    }
}
