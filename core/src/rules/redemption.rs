//! Redemption: turning points into a discount, with a minimum, a step and a maximum share of
//! the basket.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::money::{BASIS_POINTS_PER_UNIT, Money, Overflow, Rounding, div_round};
use crate::points::Points;

/// The rule set's points-to-money rate and redemption rules: `points` points are worth `value`
/// minor units; a redemption uses at least `min_points`, a multiple of `step`, and pays at most
/// `max_share_bp` / 10 000 of the basket.
///
/// The same rate values points when a "best" group compares points with money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Redemption {
    /// Points in one unit of the rate (100: "100 points = 1.00").
    pub points: u32,
    /// Their value in minor units.
    pub value: Money,
    /// The fewest points a redemption may use.
    pub min_points: u64,
    /// Redemptions use a multiple of this many points (at least 1).
    pub step: u64,
    /// The largest share of the basket a redemption may pay, in basis points (10 000 = all).
    pub max_share_bp: u16,
}

/// A redemption that can be made: the points to take and the discount they pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Redeemed {
    /// Points to take from the account.
    pub points: Points,
    /// The discount, in minor units.
    pub discount: Money,
}

/// Why points cannot be redeemed as asked. Nothing is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedeemError {
    /// Fewer points asked for (or left after the step and the basket share) than the minimum.
    BelowMinimum {
        /// The minimum, in points.
        min_points: u64,
    },
    /// More points asked for than the balance holds.
    InsufficientBalance,
    /// The basket amount is negative.
    NegativeBasket,
    /// An amount overflowed.
    Overflow,
}

impl fmt::Display for RedeemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedeemError::BelowMinimum { min_points } => {
                write!(f, "a redemption uses at least {min_points} points")
            }
            RedeemError::InsufficientBalance => f.write_str("not enough points"),
            RedeemError::NegativeBasket => f.write_str("negative basket amount"),
            RedeemError::Overflow => f.write_str("arithmetic overflow"),
        }
    }
}

impl core::error::Error for RedeemError {}

impl From<Overflow> for RedeemError {
    fn from(_: Overflow) -> RedeemError {
        RedeemError::Overflow
    }
}

impl Redemption {
    /// Structural check of a compiled redemption.
    pub(crate) fn check(&self) -> bool {
        self.points > 0
            && self.value.minor() > 0
            && self.step > 0
            && self.max_share_bp > 0
            && i64::from(self.max_share_bp) <= BASIS_POINTS_PER_UNIT
    }

    /// The value of `points` in minor units, rounded half up (money's rounding).
    pub fn value_of(&self, points: Points) -> Result<Money, Overflow> {
        let numerator = i128::from(points.0)
            .checked_mul(i128::from(self.value.minor()))
            .ok_or(Overflow)?;
        let value = div_round(numerator, i128::from(self.points), Rounding::HalfUp)?;
        i64::try_from(value)
            .map(Money::from_minor)
            .map_err(|_| Overflow)
    }

    /// Redeems `requested` points out of `balance` against a basket of `basket` minor units.
    ///
    /// The points used are `requested` rounded down to a multiple of `step`, reduced if needed
    /// so that their value stays within `max_share_bp` of the basket (that maximum rounds half
    /// up, like all money). Fails with [`RedeemError::BelowMinimum`] when fewer than
    /// `min_points` remain, [`RedeemError::InsufficientBalance`] when `requested` exceeds the
    /// balance.
    ///
    /// ```
    /// use retention_core::money::Money;
    /// use retention_core::points::Points;
    /// use retention_core::rules::Redemption;
    /// // 100 points = 1.00; at least 500 points, in steps of 100, at most half the basket.
    /// let rate = Redemption { points: 100, value: Money::from_minor(100), min_points: 500, step: 100, max_share_bp: 5_000 };
    /// // 1 250 points asked on a 20.00 basket: 1 200 (step), worth 12.00, over the 10.00 maximum,
    /// // so 1 000 points for 10.00.
    /// let redeemed = rate.redeem(Points(5_000), Points(1_250), Money::from_minor(20_00))?;
    /// assert_eq!((redeemed.points, redeemed.discount), (Points(1_000), Money::from_minor(10_00)));
    /// # Ok::<(), retention_core::rules::RedeemError>(())
    /// ```
    pub fn redeem(
        &self,
        balance: Points,
        requested: Points,
        basket: Money,
    ) -> Result<Redeemed, RedeemError> {
        if basket.is_negative() {
            return Err(RedeemError::NegativeBasket);
        }
        if requested > balance {
            return Err(RedeemError::InsufficientBalance);
        }
        let below = RedeemError::BelowMinimum {
            min_points: self.min_points,
        };
        let step = self.step.max(1);
        let stepped = |points: u64| points.checked_div(step).and_then(|n| n.checked_mul(step));
        let mut points = stepped(requested.0).ok_or(RedeemError::Overflow)?;
        let max_discount = basket.percent_bp(u32::from(self.max_share_bp), Rounding::HalfUp)?;
        if self.value_of(Points(points))? > max_discount {
            // The most points whose value stays within the maximum: floor(max · rate points /
            // rate value), then down to the step. Their half-up value cannot exceed the maximum,
            // because their exact value does not.
            let most = div_round(
                i128::from(max_discount.minor())
                    .checked_mul(i128::from(self.points))
                    .ok_or(RedeemError::Overflow)?,
                i128::from(self.value.minor()),
                Rounding::Floor,
            )?;
            let most = u64::try_from(most).map_err(|_| RedeemError::Overflow)?;
            points = stepped(most.min(points)).ok_or(RedeemError::Overflow)?;
        }
        if points < self.min_points || points == 0 {
            return Err(below);
        }
        Ok(Redeemed {
            points: Points(points),
            discount: self.value_of(Points(points))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate() -> Redemption {
        Redemption {
            points: 100,
            value: Money::from_minor(100),
            min_points: 500,
            step: 100,
            max_share_bp: 5_000,
        }
    }

    #[test]
    fn redeem_rules() {
        let r = rate();
        // 750 asked on 40.00: step -> 700, worth 7.00 <= 20.00.
        assert_eq!(
            r.redeem(Points(1_000), Points(750), Money::from_minor(40_00)),
            Ok(Redeemed {
                points: Points(700),
                discount: Money::from_minor(7_00)
            })
        );
        // 450 asked: below the minimum of 500.
        assert_eq!(
            r.redeem(Points(1_000), Points(450), Money::from_minor(40_00)),
            Err(RedeemError::BelowMinimum { min_points: 500 })
        );
        // More than the balance.
        assert_eq!(
            r.redeem(Points(400), Points(500), Money::from_minor(40_00)),
            Err(RedeemError::InsufficientBalance)
        );
        // 900 asked on an 8.00 basket: max 4.00 -> 400 points, below the minimum.
        assert_eq!(
            r.redeem(Points(1_000), Points(900), Money::from_minor(8_00)),
            Err(RedeemError::BelowMinimum { min_points: 500 })
        );
        // 3 points = 0.01 rate (rounding): 100 points at 3 per 0.01 -> 33.33 cents -> 0.33.
        let odd = Redemption {
            points: 3,
            value: Money::from_minor(1),
            min_points: 1,
            step: 1,
            max_share_bp: 10_000,
        };
        assert_eq!(odd.value_of(Points(100)), Ok(Money::from_minor(33)));
        // 5 points = 1.67 (1.666... rounds half up to 1.67 cents? no: 5/3 = 1.67 cents -> 2).
        assert_eq!(odd.value_of(Points(5)), Ok(Money::from_minor(2)));
        // Max share with an odd rate: basket 1.00 -> max 1.00 = 100 cents -> 300 points.
        assert_eq!(
            odd.redeem(Points(1_000), Points(1_000), Money::from_minor(100)),
            Ok(Redeemed {
                points: Points(300),
                discount: Money::from_minor(100)
            })
        );
        assert_eq!(
            r.redeem(Points(1_000), Points(600), Money::from_minor(-1)),
            Err(RedeemError::NegativeBasket)
        );
    }
}
