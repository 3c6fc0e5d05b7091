//! Loyalty points: an unsigned count with checked arithmetic.
//!
//! [`Points`] is what the rule engine earns and what an account holds. Like money it never
//! wraps: overflow, and taking more than there is, are errors.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::money::Overflow;

/// A number of loyalty points.
///
/// ```
/// use retention_core::points::Points;
/// let balance = Points(120).checked_add(Points(30))?;
/// assert_eq!(balance, Points(150));
/// assert!(Points(10).checked_sub(Points(11)).is_err());
/// # Ok::<(), retention_core::money::Overflow>(())
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Points(pub u64);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0);

    /// `self + other`, or [`Overflow`].
    pub const fn checked_add(self, other: Points) -> Result<Points, Overflow> {
        match self.0.checked_add(other.0) {
            Some(v) => Ok(Points(v)),
            None => Err(Overflow),
        }
    }

    /// `self - other`, or [`Overflow`] when `other` is larger (points never go below zero; a
    /// shortfall is the caller's to report, for example as debt).
    pub const fn checked_sub(self, other: Points) -> Result<Points, Overflow> {
        match self.0.checked_sub(other.0) {
            Some(v) => Ok(Points(v)),
            None => Err(Overflow),
        }
    }

    /// `self - other`, or zero, together with the shortfall `other - self` (zero when there is
    /// enough).
    #[must_use]
    pub const fn take(self, other: Points) -> (Points, Points) {
        if other.0 > self.0 {
            // other > self, so the difference cannot underflow.
            #[allow(clippy::arithmetic_side_effects)]
            let shortfall = other.0 - self.0;
            (Points(0), Points(shortfall))
        } else {
            #[allow(clippy::arithmetic_side_effects)]
            let rest = self.0 - other.0;
            (Points(rest), Points(0))
        }
    }

    /// The sum of `points`, or [`Overflow`].
    pub fn checked_sum<I: IntoIterator<Item = Points>>(points: I) -> Result<Points, Overflow> {
        points
            .into_iter()
            .try_fold(Points::ZERO, |acc, p| acc.checked_add(p))
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} pts", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked() {
        assert_eq!(Points(u64::MAX).checked_add(Points(1)), Err(Overflow));
        assert_eq!(Points(5).checked_sub(Points(6)), Err(Overflow));
        assert_eq!(Points(5).take(Points(8)), (Points(0), Points(3)));
        assert_eq!(Points(8).take(Points(5)), (Points(3), Points(0)));
        assert_eq!(Points::checked_sum([Points(1), Points(2)]), Ok(Points(3)));
        assert_eq!(Points(42).to_string(), "42 pts");
    }
}
