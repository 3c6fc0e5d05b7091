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
    // Compare 2·remainder with the denominator without overflowing: remainder vs denominator - remainder.
    let rest = denominator.checked_sub(remainder).ok_or(Overflow)?;
    let nearest_half = |on_tie: i128| {
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
        // Away from zero: on a tie a negative quotient goes down (to floor), a positive one up.
        Rounding::HalfUp => nearest_half(if numerator < 0 { floor } else { up }),
        Rounding::HalfEven => nearest_half(if floor.rem_euclid(2) == 0 { floor } else { up }),
    })
}

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
/// number of lines) go one each to the lines with the largest remainders, ties to the lower
/// index. Lines of weight zero get nothing. Time is O(n·k) for n lines and k < n leftover units,
/// with no allocation; `shares_out` is written only on success.
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
    let weight_sum = weights
        .iter()
        .try_fold(0u64, |acc, &w| acc.checked_add(w))
        .ok_or(AllocateError::Overflow)?;
    if weight_sum == 0 {
        if total == 0 {
            shares_out.fill(0);
            return Ok(());
        }
        return Err(AllocateError::ZeroWeights);
    }
    let total_wide = u128::from(total);
    let sum_wide = u128::from(weight_sum);
    // First pass: floors, and how many units are left over. total·w fits in u128 for u64 inputs,
    // and each floor is at most `total`, so the casts back to u64 cannot truncate.
    let mut given: u64 = 0;
    for (share, &weight) in shares_out.iter_mut().zip(weights) {
        let exact = total_wide.saturating_mul(u128::from(weight));
        let floor = u64::try_from(exact.checked_div(sum_wide).unwrap_or(0)).unwrap_or(u64::MAX);
        *share = floor;
        given = given.saturating_add(floor);
    }
    let mut leftover = total.saturating_sub(given);
    // Second pass: hand out the leftover units by largest remainder. A line receives at most one
    // unit, so the lines already topped up are excluded by comparing against `last` (the
    // previously chosen remainder and index), not by extra storage.
    let remainder_of = |weight: u64| {
        total_wide
            .saturating_mul(u128::from(weight))
            .checked_rem(sum_wide)
            .unwrap_or(0)
    };
    let mut last: Option<(u128, usize)> = None;
    while leftover > 0 {
        let mut best: Option<(u128, usize)> = None;
        for (index, &weight) in weights.iter().enumerate() {
            let remainder = remainder_of(weight);
            if weight == 0 || remainder == 0 {
                continue;
            }
            // Order: larger remainder first, then lower index. Skip everything at or before `last`.
            let after_last = match last {
                None => true,
                Some((last_rem, last_index)) => {
                    remainder < last_rem || (remainder == last_rem && index > last_index)
                }
            };
            let better = match best {
                None => true,
                Some((best_rem, _)) => remainder > best_rem,
            };
            if after_last && better {
                best = Some((remainder, index));
            }
        }
        let Some((remainder, index)) = best else {
            // Unreachable for consistent inputs: the leftover is below the count of non-zero
            // remainders. Leave `shares_out` as computed rather than loop forever.
            break;
        };
        if let Some(share) = shares_out.get_mut(index) {
            *share = share.saturating_add(1);
        }
        leftover = leftover.saturating_sub(1);
        last = Some((remainder, index));
    }
    Ok(())
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

    proptest! {
        #[test]
        fn allocation_conserves_and_is_fair(
            total in 0u64..1_000_000_000_000,
            weights in proptest::collection::vec(0u64..10_000_000, 1..40),
        ) {
            let mut shares = vec![0u64; weights.len()];
            let result = allocate_largest_remainder(total, &weights, &mut shares);
            let weight_sum: u64 = weights.iter().sum();
            if weight_sum == 0 {
                prop_assert_eq!(result, if total == 0 { Ok(()) } else { Err(AllocateError::ZeroWeights) });
                return Ok(());
            }
            prop_assert_eq!(result, Ok(()));
            prop_assert_eq!(shares.iter().sum::<u64>(), total);
            for (share, weight) in shares.iter().zip(&weights) {
                // Each share is the floor or the floor + 1 of the exact proportional share.
                let exact_floor = (u128::from(total) * u128::from(*weight) / u128::from(weight_sum)) as u64;
                prop_assert!(*share == exact_floor || *share == exact_floor + 1);
                if *weight == 0 { prop_assert_eq!(*share, 0); }
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
