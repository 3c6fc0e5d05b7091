//! Amounts of money in minor units, with checked arithmetic and stated rounding.
//!
//! [`Money`] is an `i64` count of the currency's minor unit (cents for EUR/USD, yen for JPY). It
//! carries no currency: a rule set, a basket and an account are each in one currency, chosen by
//! the caller. Every operation that can overflow returns [`Overflow`] instead of wrapping or
//! panicking.
//!
//! Rounding happens in exactly one place, [`div_round`], so that every module rounds the same
//! way. Sharing a total out over lines happens in exactly one place too,
//! [`allocate_largest_remainder`], so that line shares always add up to the total.

use core::fmt;
use core::num::{NonZeroU64, NonZeroU128};

use serde::{Deserialize, Serialize};

/// An arithmetic result did not fit its type; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("arithmetic overflow")
    }
}

impl core::error::Error for Overflow {}

/// An amount of money in minor units (cents), signed so that refunds and corrections are
/// representable.
///
/// Arithmetic is checked: `Money::MAX.checked_add(Money::from_minor(1))` is `Err(Overflow)`.
///
/// ```
/// use retention_core::money::{Money, Rounding};
/// let price = Money::from_minor(1_99); // 1.99
/// let line = price.checked_mul(3)?; // 5.97
/// // 10 % off (1000 basis points), money rounds half away from zero: 0.597 -> 0.60
/// let discount = line.percent_bp(1_000, Rounding::HalfUp)?;
/// assert_eq!(discount, Money::from_minor(60));
/// assert_eq!(line.checked_sub(discount)?.to_string(), "5.37");
/// # Ok::<(), retention_core::money::Overflow>(())
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);
    /// The largest representable amount.
    pub const MAX: Money = Money(i64::MAX);
    /// The smallest representable amount.
    pub const MIN: Money = Money(i64::MIN);

    /// An amount of `minor` minor units (cents).
    #[must_use]
    pub const fn from_minor(minor: i64) -> Money {
        Money(minor)
    }

    /// The amount in minor units (cents).
    #[must_use]
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// True for amounts below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self + other`, or [`Overflow`].
    pub const fn checked_add(self, other: Money) -> Result<Money, Overflow> {
        match self.0.checked_add(other.0) {
            Some(v) => Ok(Money(v)),
            None => Err(Overflow),
        }
    }

    /// `self - other`, or [`Overflow`].
    pub const fn checked_sub(self, other: Money) -> Result<Money, Overflow> {
        match self.0.checked_sub(other.0) {
            Some(v) => Ok(Money(v)),
            None => Err(Overflow),
        }
    }

    /// `-self`, or [`Overflow`] for [`Money::MIN`].
    pub const fn checked_neg(self) -> Result<Money, Overflow> {
        match self.0.checked_neg() {
            Some(v) => Ok(Money(v)),
            None => Err(Overflow),
        }
    }

    /// `self * quantity` (a unit price times a quantity), or [`Overflow`].
    pub const fn checked_mul(self, quantity: i64) -> Result<Money, Overflow> {
        match self.0.checked_mul(quantity) {
            Some(v) => Ok(Money(v)),
            None => Err(Overflow),
        }
    }

    /// `self * numerator / denominator`, rounded once with `rounding`; the product is computed
    /// in 128 bits, so only the final result can overflow. A zero denominator is [`Overflow`].
    pub fn mul_ratio(
        self,
        numerator: i64,
        denominator: i64,
        rounding: Rounding,
    ) -> Result<Money, Overflow> {
        let product = i128::from(self.0)
            .checked_mul(i128::from(numerator))
            .ok_or(Overflow)?;
        let quotient = div_round(product, i128::from(denominator), rounding)?;
        i64::try_from(quotient).map(Money).map_err(|_| Overflow)
    }

    /// `self * basis_points / 10_000` (1 basis point = 0.01 %), rounded once with `rounding`.
    pub fn percent_bp(self, basis_points: u32, rounding: Rounding) -> Result<Money, Overflow> {
        self.mul_ratio(i64::from(basis_points), BASIS_POINTS_PER_UNIT, rounding)
    }

    /// The sum of `amounts`, or [`Overflow`] as soon as a partial sum does not fit.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Result<Money, Overflow> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |acc, amount| acc.checked_add(amount))
    }

    /// The smaller of two amounts.
    #[must_use]
    pub fn min(self, other: Money) -> Money {
        Ord::min(self, other)
    }

    /// A [`fmt::Display`] adapter that writes the amount with `decimals` digits after the point
    /// (2 for EUR/USD, 0 for JPY, 3 for KWD); `decimals` above 18 is written as 18.
    #[must_use]
    pub const fn display(self, decimals: u8) -> MoneyDisplay {
        MoneyDisplay {
            amount: self,
            decimals: if decimals > 18 { 18 } else { decimals },
        }
    }
}

/// Basis points in one whole: 10 000 bp = 100 %.
pub const BASIS_POINTS_PER_UNIT: i64 = 10_000;

/// Written with two decimals (`-12.34`); use [`Money::display`] for other currencies.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.display(2).fmt(f)
    }
}

/// Writes a [`Money`] with a chosen number of decimals; made by [`Money::display`].
#[derive(Clone, Copy, Debug)]
pub struct MoneyDisplay {
    amount: Money,
    decimals: u8,
}

impl fmt::Display for MoneyDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount.is_negative() { "-" } else { "" };
        // unsigned_abs cannot overflow, even for i64::MIN.
        let magnitude = self.amount.0.unsigned_abs();
        if self.decimals == 0 {
            return write!(f, "{sign}{magnitude}");
        }
        let scale = 10u64.pow(u32::from(self.decimals));
        let whole = magnitude.checked_div(scale).unwrap_or(0);
        let fraction = magnitude.checked_rem(scale).unwrap_or(0);
        write!(
            f,
            "{sign}{whole}.{fraction:0width$}",
            width = usize::from(self.decimals)
        )
    }
}

/// How a division that does not come out even is rounded.
///
/// The SDK's one rule: **points round down** ([`Rounding::Floor`]), **money rounds half away from
/// zero** ([`Rounding::HalfUp`]), each rule once, on its eligible amount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Toward negative infinity (`2.7 → 2`, `-2.3 → -3`). The default, used for points.
    #[default]
    Floor,
    /// Toward positive infinity (`2.1 → 3`, `-2.7 → -2`).
    Ceil,
    /// To the nearest; halves away from zero (`2.5 → 3`, `-2.5 → -3`). Used for money, so that a
    /// refund rounds to exactly the negative of the sale.
    HalfUp,
    /// To the nearest; halves to the even neighbour (`2.5 → 2`, `3.5 → 4`).
    HalfEven,
}

/// `numerator / denominator` rounded with `rounding`, in 128 bits.
///
/// The only rounding division in the SDK. A zero denominator, or `i128::MIN / -1`, is
/// [`Overflow`].
///
/// ```
/// use retention_core::money::{div_round, Rounding};
/// assert_eq!(div_round(7, 2, Rounding::Floor), Ok(3));
/// assert_eq!(div_round(-7, 2, Rounding::Floor), Ok(-4));
/// assert_eq!(div_round(7, 2, Rounding::HalfUp), Ok(4));
/// assert_eq!(div_round(-7, 2, Rounding::HalfUp), Ok(-4));
/// assert_eq!(div_round(5, 2, Rounding::HalfEven), Ok(2));
/// ```
pub fn div_round(numerator: i128, denominator: i128, rounding: Rounding) -> Result<i128, Overflow> {
    // In 64 bits where both fit (a hardware division on 64-bit targets), else in 128.
    if let (Ok(numerator), Ok(denominator)) = (i64::try_from(numerator), i64::try_from(denominator))
    {
        if let Ok(quotient) = div_round_i64(numerator, denominator, rounding) {
            return Ok(i128::from(quotient));
        }
    }
    div_round_i128(numerator, denominator, rounding)
}

/// The rounding division of [`div_round`], for one integer width.
macro_rules! div_round_in {
    ($name:ident, $int:ty) => {
        fn $name(numerator: $int, denominator: $int, rounding: Rounding) -> Result<$int, Overflow> {
            // Normalise to a positive denominator so the remainder logic below has one case.
            let (numerator, denominator) = if denominator < 0 {
                (
                    numerator.checked_neg().ok_or(Overflow)?,
                    denominator.checked_neg().ok_or(Overflow)?,
                )
            } else {
                (numerator, denominator)
            };
            let floor = numerator.checked_div_euclid(denominator).ok_or(Overflow)?;
            // 0 <= remainder < denominator, because the denominator is positive.
            let remainder = numerator.checked_rem_euclid(denominator).ok_or(Overflow)?;
            if remainder == 0 {
                return Ok(floor);
            }
            let up = floor.checked_add(1).ok_or(Overflow)?;
            // Compare 2·remainder with the denominator without overflowing: remainder vs
            // denominator - remainder.
            let rest = denominator.checked_sub(remainder).ok_or(Overflow)?;
            let nearest_half = |on_tie: $int| {
                if remainder > rest {
                    up
                } else if remainder < rest {
                    floor
                } else {
                    on_tie
                }
            };
            Ok(match rounding {
                Rounding::Floor => floor,
                Rounding::Ceil => up,
                // Away from zero: on a tie a negative quotient goes down (to floor), a positive
                // one up.
                Rounding::HalfUp => nearest_half(if numerator < 0 { floor } else { up }),
                Rounding::HalfEven => {
                    nearest_half(if floor.rem_euclid(2) == 0 { floor } else { up })
                }
            })
        }
    };
}

div_round_in!(div_round_i64, i64);
div_round_in!(div_round_i128, i128);

/// Why [`allocate_largest_remainder`] could not share a total out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocateError {
    /// `shares_out` is not the same length as `weights`.
    LengthMismatch,
    /// Every weight is zero, but the total is not: there is nothing to share it over.
    ZeroWeights,
    /// The sum of the weights does not fit in a `u64`.
    Overflow,
}

impl fmt::Display for AllocateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AllocateError::LengthMismatch => "shares and weights differ in length",
            AllocateError::ZeroWeights => "a non-zero total cannot be shared over zero weights",
            AllocateError::Overflow => "the weights' sum overflows",
        })
    }
}

impl core::error::Error for AllocateError {}

/// Shares `total` out over lines in proportion to `weights`, so that the shares add up to
/// `total` exactly.
///
/// Each line first gets `floor(total · weight / Σweights)`; the units left over (fewer than the
/// number of lines with a remainder) go one each to the lines with the largest remainders, ties
/// to the lower index. Lines of weight zero get nothing. No allocation; `shares_out` is written
/// only on success.
///
/// Time: one pass that computes each line's floor and remainder once (a 64-bit division where
/// `total · weight` fits in 64 bits, else a 128-bit one), then one partial selection of the
/// largest remainders — O(n) on average, O(n²) at worst, for up to 32 lines whose weights add
/// up to less than 2^59. Longer inputs, or larger weights, pick the leftover units by scanning
/// the lines once per unit (O(n·k) multiplications, no division); the shares are the same.
///
/// ```
/// use retention_core::money::allocate_largest_remainder;
/// // 10 points over lines worth 1.00, 1.00 and 1.00: 3.33 each, the leftover unit to line 0.
/// let mut shares = [0u64; 3];
/// allocate_largest_remainder(10, &[100, 100, 100], &mut shares)?;
/// assert_eq!(shares, [4, 3, 3]);
/// # Ok::<(), retention_core::money::AllocateError>(())
/// ```
pub fn allocate_largest_remainder(
    total: u64,
    weights: &[u64],
    shares_out: &mut [u64],
) -> Result<(), AllocateError> {
    if weights.len() != shares_out.len() {
        return Err(AllocateError::LengthMismatch);
    }
    let mut weight_sum = 0u64;
    let mut heaviest = 0u64;
    for &weight in weights {
        weight_sum = weight_sum
            .checked_add(weight)
            .ok_or(AllocateError::Overflow)?;
        heaviest = heaviest.max(weight);
    }
    let Some(divisor) = NonZeroU64::new(weight_sum) else {
        if total == 0 {
            shares_out.fill(0);
            return Ok(());
        }
        return Err(AllocateError::ZeroWeights);
    };
    let narrow = total.checked_mul(heaviest).is_some();
    let keyed = weights.len() <= SELECT_LINES && weight_sum < KEY_REMAINDER_LIMIT;
    // One pass: every floor into `shares_out`, every remainder (packed with its line) into
    // `keys`. The floors add up to at most `total`.
    let mut keys = [0u64; SELECT_LINES];
    let mut given = 0u64;
    for (line, (share, &weight)) in shares_out.iter_mut().zip(weights).enumerate() {
        let (floor, remainder) = floor_and_remainder(total, weight, divisor, narrow);
        *share = floor;
        given = given.saturating_add(floor);
        if keyed {
            if let Some(key) = keys.get_mut(line) {
                *key = selection_key(remainder, line);
            }
        }
    }
    // Fewer units are left than lines with a non-zero remainder: the remainders add up to
    // leftover · Σweights, and each is below Σweights.
    let leftover = total.saturating_sub(given);
    if leftover == 0 {
        return Ok(());
    }
    let count = usize::try_from(leftover).unwrap_or(usize::MAX);
    if keyed {
        let keys = keys.get_mut(..weights.len()).unwrap_or_default();
        select_largest(keys, count);
        for key in keys.iter().take(count) {
            if let Some(share) = shares_out.get_mut(line_of_key(*key)) {
                *share = share.saturating_add(1);
            }
        }
        return Ok(());
    }
    // More lines than the selection holds, or remainders too large to pack: find the last
    // remainder (and line) that receives a unit, one unit at a time, then hand them out.
    let mut last: Option<(u64, usize)> = None;
    for _ in 0..count {
        let mut best: Option<(u64, usize)> = None;
        for (line, (&floor, &weight)) in shares_out.iter().zip(weights).enumerate() {
            let key = (remainder_of(total, weight, floor, divisor), line);
            if key.0 == 0 || last.is_some_and(|last| !comes_before(last, key)) {
                continue;
            }
            if best.is_none_or(|best| comes_before(key, best)) {
                best = Some(key);
            }
        }
        match best {
            Some(key) => last = Some(key),
            None => break,
        }
    }
    let Some(last) = last else {
        return Ok(());
    };
    for (line, (share, &weight)) in shares_out.iter_mut().zip(weights).enumerate() {
        let key = (remainder_of(total, weight, *share, divisor), line);
        if key.0 != 0 && !comes_before(last, key) {
            *share = share.saturating_add(1);
        }
    }
    Ok(())
}

/// Lines the one-pass selection of [`allocate_largest_remainder`] holds on the stack.
const SELECT_LINES: usize = 32;
/// Bits of a selection key that hold the line: `remainder << 5 | (31 − line)`, so that the larger
/// key is the larger remainder, then the lower line.
const KEY_LINE_BITS: u32 = 5;
/// Remainders (and so weight sums) below this fit a selection key.
const KEY_REMAINDER_LIMIT: u64 = 1 << (u64::BITS - KEY_LINE_BITS);
const _: () = assert!(SELECT_LINES == 1 << KEY_LINE_BITS);

/// `total · weight` divided by the weights' sum: the floor and the remainder, from one division,
/// in 64 bits when `narrow` (the product fits), else in 128.
fn floor_and_remainder(total: u64, weight: u64, divisor: NonZeroU64, narrow: bool) -> (u64, u64) {
    if narrow {
        let exact = total.wrapping_mul(weight);
        (exact / divisor, exact % divisor)
    } else {
        let exact = u128::from(total).wrapping_mul(u128::from(weight));
        let floor = exact / NonZeroU128::from(divisor);
        let remainder = exact.wrapping_sub(floor.wrapping_mul(u128::from(divisor.get())));
        // floor <= total and remainder < divisor: both fit.
        (
            u64::try_from(floor).unwrap_or(u64::MAX),
            u64::try_from(remainder).unwrap_or(0),
        )
    }
}

/// The remainder of `total · weight / Σweights` from its floor, by multiplication only.
fn remainder_of(total: u64, weight: u64, floor: u64, divisor: NonZeroU64) -> u64 {
    let exact = u128::from(total).wrapping_mul(u128::from(weight));
    let remainder = exact.wrapping_sub(u128::from(floor).wrapping_mul(u128::from(divisor.get())));
    u64::try_from(remainder).unwrap_or(0)
}

/// True when `(remainder, line)` `a` receives a leftover unit before `b`: the larger remainder,
/// then the lower line.
fn comes_before(a: (u64, usize), b: (u64, usize)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// The selection key of a line (`line` < 32, `remainder` < 2^59).
fn selection_key(remainder: u64, line: usize) -> u64 {
    let line_bits = u64::try_from(line).unwrap_or(0) & KEY_LINE_MASK;
    (remainder << KEY_LINE_BITS) | (KEY_LINE_MASK ^ line_bits)
}

/// The line of a selection key.
fn line_of_key(key: u64) -> usize {
    usize::try_from(KEY_LINE_MASK ^ (key & KEY_LINE_MASK)).unwrap_or(usize::MAX)
}

const KEY_LINE_MASK: u64 = (1 << KEY_LINE_BITS) - 1;

/// Moves the `count` largest of `keys` (all distinct) to its front, in any order: quickselect,
/// partitioning around the middle key of a shrinking window.
fn select_largest(keys: &mut [u64], count: usize) {
    let (mut low, mut high) = (0usize, keys.len());
    while high.saturating_sub(low) > 1 {
        let Some(window) = keys.get_mut(low..high) else {
            return;
        };
        let last = window.len().saturating_sub(1);
        swap_within(window, window.len() / 2, last);
        let pivot = window.get(last).copied().unwrap_or(0);
        // Keys above the pivot to the front, then the pivot after them.
        let mut above = 0usize;
        for index in 0..last {
            if window.get(index).is_some_and(|&key| key > pivot) {
                swap_within(window, index, above);
                above = above.saturating_add(1);
            }
        }
        swap_within(window, above, last);
        let pivot_at = low.saturating_add(above);
        if count < pivot_at {
            high = pivot_at;
        } else if count > pivot_at.saturating_add(1) {
            low = pivot_at.saturating_add(1);
        } else {
            return;
        }
    }
}

/// Swaps two keys; the bounds are checked here, so the swap itself cannot panic.
fn swap_within(keys: &mut [u64], a: usize, b: usize) {
    if a < keys.len() && b < keys.len() {
        keys.swap(a, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn checked_ops_report_overflow() {
        assert_eq!(Money::MAX.checked_add(Money::from_minor(1)), Err(Overflow));
        assert_eq!(Money::MIN.checked_sub(Money::from_minor(1)), Err(Overflow));
        assert_eq!(Money::MIN.checked_neg(), Err(Overflow));
        assert_eq!(Money::MAX.checked_mul(2), Err(Overflow));
        assert_eq!(
            Money::from_minor(250).checked_mul(4),
            Ok(Money::from_minor(1000))
        );
        assert_eq!(
            Money::checked_sum([Money::MAX, Money::from_minor(1)]),
            Err(Overflow)
        );
    }

    #[test]
    fn mul_ratio_uses_wide_intermediate() {
        // MAX * 3 / 4 overflows i64 in the product but not in the result.
        let expected = i64::MAX / 4 * 3 + (i64::MAX % 4) * 3 / 4;
        assert_eq!(
            Money::MAX.mul_ratio(3, 4, Rounding::Floor),
            Ok(Money::from_minor(expected))
        );
        assert_eq!(Money::MAX.mul_ratio(5, 4, Rounding::Floor), Err(Overflow));
        assert_eq!(
            Money::from_minor(1).mul_ratio(1, 0, Rounding::Floor),
            Err(Overflow)
        );
    }

    #[test]
    fn percent_rounds_half_away_from_zero() {
        // 10 % of 5.95 = 0.595 -> 0.60; of -5.95 -> -0.60; 10 % of 5.94 = 0.594 -> 0.59.
        let ten_percent = |m| Money::from_minor(m).percent_bp(1_000, Rounding::HalfUp);
        assert_eq!(ten_percent(595), Ok(Money::from_minor(60)));
        assert_eq!(ten_percent(-595), Ok(Money::from_minor(-60)));
        assert_eq!(ten_percent(594), Ok(Money::from_minor(59)));
        // 12.5 % of 0.04 = 0.005 -> 0.01
        assert_eq!(
            Money::from_minor(4).percent_bp(1_250, Rounding::HalfUp),
            Ok(Money::from_minor(1))
        );
    }

    #[test]
    fn div_round_table() {
        use Rounding::*;
        // (numerator, denominator, floor, ceil, half-up, half-even), worked by hand.
        let table: [(i128, i128, i128, i128, i128, i128); 9] = [
            (7, 2, 3, 4, 4, 4),
            (5, 2, 2, 3, 3, 2),
            (-5, 2, -3, -2, -3, -2),
            (-7, 2, -4, -3, -4, -4),
            (10, 3, 3, 4, 3, 3),
            (11, 3, 3, 4, 4, 4),
            (-11, 3, -4, -3, -4, -4),
            (6, -4, -2, -1, -2, -2),
            (0, 5, 0, 0, 0, 0),
        ];
        for (n, d, floor, ceil, half_up, half_even) in table {
            assert_eq!(div_round(n, d, Floor), Ok(floor), "{n}/{d} floor");
            assert_eq!(div_round(n, d, Ceil), Ok(ceil), "{n}/{d} ceil");
            assert_eq!(div_round(n, d, HalfUp), Ok(half_up), "{n}/{d} half-up");
            assert_eq!(
                div_round(n, d, HalfEven),
                Ok(half_even),
                "{n}/{d} half-even"
            );
        }
        assert_eq!(div_round(1, 0, Floor), Err(Overflow));
        assert_eq!(div_round(i128::MIN, -1, Floor), Err(Overflow));
    }

    #[test]
    fn display_writes_decimals() {
        assert_eq!(Money::from_minor(1234).to_string(), "12.34");
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
        assert_eq!(Money::from_minor(0).to_string(), "0.00");
        assert_eq!(Money::from_minor(1234).display(0).to_string(), "1234");
        assert_eq!(Money::from_minor(1234).display(3).to_string(), "1.234");
        assert_eq!(Money::MIN.to_string(), "-92233720368547758.08");
    }

    #[test]
    fn allocation_examples() {
        let mut shares = [0u64; 3];
        // 100 over 1:1:1 -> 33.33 each; one leftover unit to line 0.
        allocate_largest_remainder(100, &[1, 1, 1], &mut shares).unwrap();
        assert_eq!(shares, [34, 33, 33]);
        // 10 over 5:3:2 is exact.
        allocate_largest_remainder(10, &[5, 3, 2], &mut shares).unwrap();
        assert_eq!(shares, [5, 3, 2]);
        // 7 over 1:2:4 -> exact 1, 2, 4.
        allocate_largest_remainder(7, &[1, 2, 4], &mut shares).unwrap();
        assert_eq!(shares, [1, 2, 4]);
        // 5 over 300:200:100 -> 2.5, 1.667, 0.833: floors 2,1,0; 2 left, remainders
        // .5 .667 .833 -> lines 2 and 1 get one each.
        allocate_largest_remainder(5, &[300, 200, 100], &mut shares).unwrap();
        assert_eq!(shares, [2, 2, 1]);
        // 2 over 1:0:1 -> exact 1, 0, 1; zero-weight lines get nothing.
        allocate_largest_remainder(2, &[1, 0, 1], &mut shares).unwrap();
        assert_eq!(shares, [1, 0, 1]);
        // 1 over 1:1:1 -> ties to the lowest index.
        allocate_largest_remainder(1, &[1, 1, 1], &mut shares).unwrap();
        assert_eq!(shares, [1, 0, 0]);
        // 2 over 1:1:1 -> ties to the lowest indices.
        allocate_largest_remainder(2, &[1, 1, 1], &mut shares).unwrap();
        assert_eq!(shares, [1, 1, 0]);
        // Sums too large to pack a selection key (2^60 each): the scan, same law.
        let huge = 1u64 << 60;
        allocate_largest_remainder(2, &[huge, huge, huge], &mut shares).unwrap();
        assert_eq!(shares, [1, 1, 0]);
        // total · weight beyond 64 bits: u64::MAX over 1:1:2 is 4611686018427387903.75,
        // ...903.75 and ...807.5: floors leave 2 units, to line 0 and line 1 (.75 > .5).
        allocate_largest_remainder(u64::MAX, &[1, 1, 2], &mut shares).unwrap();
        assert_eq!(
            shares,
            [
                4_611_686_018_427_387_904,
                4_611_686_018_427_387_904,
                9_223_372_036_854_775_807
            ]
        );
        // 40 lines (more than the selection holds): 3 over 40 equal weights, to lines 0-2;
        // 41 over them: one each, and the one left to line 0.
        let mut forty = [0u64; 40];
        allocate_largest_remainder(3, &[5; 40], &mut forty).unwrap();
        assert_eq!(&forty[..4], &[1, 1, 1, 0]);
        assert_eq!(forty[3..].iter().sum::<u64>(), 0);
        allocate_largest_remainder(41, &[5; 40], &mut forty).unwrap();
        assert_eq!(&forty[..2], &[2, 1]);
        assert!(forty[1..].iter().all(|&s| s == 1));
    }

    #[test]
    fn allocation_errors_leave_output_alone() {
        let mut shares = [9u64; 2];
        assert_eq!(
            allocate_largest_remainder(1, &[0, 0], &mut shares),
            Err(AllocateError::ZeroWeights)
        );
        assert_eq!(shares, [9, 9]);
        assert_eq!(
            allocate_largest_remainder(1, &[1], &mut shares),
            Err(AllocateError::LengthMismatch)
        );
        assert_eq!(
            allocate_largest_remainder(1, &[u64::MAX, 1], &mut shares),
            Err(AllocateError::Overflow)
        );
        assert_eq!(shares, [9, 9]);
        allocate_largest_remainder(0, &[0, 0], &mut shares).unwrap();
        assert_eq!(shares, [0, 0]);
    }

    /// The share-out law written the plain way: exact floors in 128 bits, every line sorted by
    /// (larger remainder, lower index), the leftover units to the first ones.
    fn reference_allocation(total: u64, weights: &[u64]) -> Option<Vec<u64>> {
        let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        if sum == 0 {
            return (total == 0).then(|| vec![0; weights.len()]);
        }
        let exact: Vec<u128> = weights
            .iter()
            .map(|&w| u128::from(total) * u128::from(w))
            .collect();
        let mut shares: Vec<u64> = exact.iter().map(|e| (e / sum) as u64).collect();
        let leftover = total - shares.iter().sum::<u64>();
        let mut order: Vec<usize> = (0..weights.len()).collect();
        order.sort_by(|&a, &b| (exact[b] % sum).cmp(&(exact[a] % sum)).then(a.cmp(&b)));
        for &line in order.iter().take(leftover as usize) {
            shares[line] += 1;
        }
        Some(shares)
    }

    /// Weights that take every path: few or many lines (the selection holds 32), small amounts
    /// (64-bit arithmetic), huge ones (128-bit, and sums too large to pack), many ties.
    fn weights_strategy() -> impl Strategy<Value = Vec<u64>> {
        prop_oneof![
            proptest::collection::vec(0u64..10_000_000, 1..40),
            proptest::collection::vec(0u64..4, 1..70),
            proptest::collection::vec(
                prop_oneof![
                    Just(0u64),
                    1u64..1000,
                    Just(1u64 << 59),
                    (1u64 << 62)..(1u64 << 63)
                ],
                1..4
            ),
            proptest::collection::vec(0u64..(u64::MAX / 64), 1..64),
        ]
    }

    fn total_strategy() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..100,
            0u64..1_000_000_000_000,
            Just(u64::MAX),
            any::<u64>()
        ]
    }

    proptest! {
        #[test]
        fn allocation_matches_the_reference(total in total_strategy(), weights in weights_strategy()) {
            let mut shares = vec![7u64; weights.len()];
            let result = allocate_largest_remainder(total, &weights, &mut shares);
            let sum = weights.iter().try_fold(0u64, |acc, &w| acc.checked_add(w));
            match (sum, reference_allocation(total, &weights)) {
                (None, _) => {
                    prop_assert_eq!(result, Err(AllocateError::Overflow));
                    prop_assert!(shares.iter().all(|&s| s == 7));
                }
                (Some(_), None) => {
                    prop_assert_eq!(result, Err(AllocateError::ZeroWeights));
                    prop_assert!(shares.iter().all(|&s| s == 7));
                }
                (Some(_), Some(expected)) => {
                    prop_assert_eq!(result, Ok(()));
                    prop_assert_eq!(&shares, &expected);
                }
            }
        }

        #[test]
        fn allocation_obeys_the_law(total in total_strategy(), weights in weights_strategy()) {
            let mut shares = vec![0u64; weights.len()];
            let Some(sum) = weights.iter().try_fold(0u64, |acc, &w| acc.checked_add(w)) else {
                return Ok(());
            };
            if sum == 0 {
                return Ok(());
            }
            allocate_largest_remainder(total, &weights, &mut shares).unwrap();
            // The shares add up to the total.
            prop_assert_eq!(shares.iter().map(|&s| u128::from(s)).sum::<u128>(), u128::from(total));
            let exact = |w: u64| u128::from(total) * u128::from(w);
            let sum = u128::from(sum);
            for (line, (&share, &weight)) in shares.iter().zip(&weights).enumerate() {
                // Each share is the floor of the exact share, or one more.
                let floor = exact(weight) / sum;
                let share = u128::from(share);
                prop_assert!(share == floor || share == floor + 1, "line {}", line);
                if weight == 0 {
                    prop_assert_eq!(share, 0);
                }
                // Largest remainder, ties to the lower index: a line that got a unit ranks
                // before every line that did not.
                if share == floor + 1 {
                    let mine = exact(weight) % sum;
                    for (other, (&other_share, &other_weight)) in shares.iter().zip(&weights).enumerate() {
                        if u128::from(other_share) == exact(other_weight) / sum {
                            let theirs = exact(other_weight) % sum;
                            prop_assert!(mine > theirs || (mine == theirs && line < other),
                                "line {} (remainder {}) got a unit before line {} (remainder {})", line, mine, other, theirs);
                        }
                    }
                }
            }
        }

        #[test]
        fn div_round_brackets_the_exact_quotient(n in -1_000_000i128..1_000_000, d in 1i128..1000) {
            for rounding in [Rounding::Floor, Rounding::Ceil, Rounding::HalfUp, Rounding::HalfEven] {
                let q = div_round(n, d, rounding).unwrap();
                // |q·d − n| < d, and for the nearest modes 2|q·d − n| <= d.
                let err = (q * d - n).abs();
                prop_assert!(err < d);
                if matches!(rounding, Rounding::HalfUp | Rounding::HalfEven) {
                    prop_assert!(2 * err <= d);
                }
            }
            // Half-up is symmetric: rounding -n gives -(rounding n).
            prop_assert_eq!(div_round(-n, d, Rounding::HalfUp).unwrap(), -div_round(n, d, Rounding::HalfUp).unwrap());
        }
    }
}
