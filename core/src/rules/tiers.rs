//! Tiers: qualification thresholds on qualifying spend or points over a rolling window, with a
//! grace period before a downgrade.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::bounded::Bounded;
use crate::money::{Money, Overflow, Rounding, div_round};
use crate::points::{Account, AccountError, MAX_TIER_WINDOW_MONTHS, Points};
use crate::time::Day;

use super::limits::MAX_TIERS;

/// What qualifies a customer for a tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierBasis {
    /// Qualifying spend in the window, in minor units.
    Spend,
    /// Qualifying points in the window (the points account supplies the figure).
    Points,
}

/// One tier and the qualifying figure it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TierLevel {
    /// The tier number (1 upward; 0 is "no tier").
    pub tier: u8,
    /// The qualifying figure needed: minor units or points, per [`TierPolicy::basis`].
    pub threshold: u64,
}

/// How customers qualify for tiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPolicy {
    /// Spend or points.
    pub basis: TierBasis,
    /// The rolling window the qualifying figure is summed over, in days (the caller sums; see
    /// [`window_sum`]).
    pub window_days: u16,
    /// Days a customer keeps a tier after falling below it, before the downgrade.
    pub grace_days: u16,
    /// The tiers, thresholds and tier numbers strictly increasing.
    pub levels: Bounded<TierLevel, MAX_TIERS>,
}

/// A customer's tier history in brief: what [`TierPolicy::assess`] needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TierSummary {
    /// The tier the customer holds now.
    pub current: u8,
    /// Qualifying spend over the window, in minor units.
    pub qualifying_spend: Money,
    /// Qualifying points over the window.
    pub qualifying_points: Points,
    /// The local day number since which the figure has been below the current tier, if it is.
    pub below_since: Option<i32>,
}

/// The result of a tier assessment: the tier to hold and the grace state to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TierStatus {
    /// The tier the customer holds from today.
    pub tier: u8,
    /// The tier the figure alone qualifies for.
    pub qualified: u8,
    /// Kept in the next [`TierSummary::below_since`]: the day the grace period started.
    pub below_since: Option<i32>,
}

/// Why a tier could not be assessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TierError {
    /// The qualifying spend is negative.
    NegativeSpend,
    /// `below_since` lies after today, or outside the supported years.
    InvalidGraceStart,
}

impl fmt::Display for TierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TierError::NegativeSpend => "qualifying spend is negative",
            TierError::InvalidGraceStart => "grace start lies after today or out of range",
        })
    }
}

impl core::error::Error for TierError {}

/// Why a tier could not be assessed from a points account ([`TierPolicy::assess_account`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountTierError {
    /// The policy qualifies on spend, which an account does not hold: use
    /// [`TierPolicy::assess`] with the spend summed by the caller.
    SpendBasis,
    /// The account could not answer (for example [`AccountError::DateOutOfRange`]).
    Account(AccountError),
    /// The assessment failed (for example [`TierError::InvalidGraceStart`]).
    Tier(TierError),
}

impl fmt::Display for AccountTierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountTierError::SpendBasis => {
                f.write_str("the tier policy qualifies on spend, which an account does not hold")
            }
            AccountTierError::Account(error) => write!(f, "points account: {error}"),
            AccountTierError::Tier(error) => error.fmt(f),
        }
    }
}

impl core::error::Error for AccountTierError {}

/// The whole calendar months a points account sums for a tier window of `window_days` days:
/// `round(window_days × 12 / 365)` (halves up), at least 1, at most
/// [`MAX_TIER_WINDOW_MONTHS`] (12).
///
/// A policy's window rolls by days; an account keeps its tier history by calendar month
/// (the current month included, so "3 months" on 15 March counts 1 January to 15 March). The
/// months are the nearest whole number to the window's length in average months
/// (365 / 12 ≈ 30.4 days): 365 days → 12, 90 → 3 (2.96), 30 → 1, 15 → 1 (0.49, raised to
/// the minimum), 400 → 12 (13.2, capped).
#[must_use]
pub fn window_months(window_days: u16) -> u8 {
    let months = div_round(
        i128::from(window_days).saturating_mul(12),
        365,
        Rounding::HalfUp,
    )
    .unwrap_or(i128::from(MAX_TIER_WINDOW_MONTHS));
    let months = months.clamp(1, i128::from(MAX_TIER_WINDOW_MONTHS));
    u8::try_from(months).unwrap_or(MAX_TIER_WINDOW_MONTHS)
}

impl TierPolicy {
    /// Structural check of a compiled policy.
    pub(crate) fn check(&self) -> bool {
        let mut previous: Option<&TierLevel> = None;
        for level in &self.levels {
            if level.tier == 0 {
                return false;
            }
            if let Some(previous) = previous {
                if level.tier <= previous.tier || level.threshold <= previous.threshold {
                    return false;
                }
            }
            previous = Some(level);
        }
        !self.levels.is_empty() && !self.levels.overflowed() && self.window_days > 0
    }

    /// The tier a qualifying figure reaches (0 below every threshold).
    #[must_use]
    pub fn qualified_tier(&self, figure: u64) -> u8 {
        self.levels
            .iter()
            .filter(|level| level.threshold <= figure)
            .map(|level| level.tier)
            .max()
            .unwrap_or(0)
    }

    /// The tier for `summary` on local day `today`.
    ///
    /// A figure that reaches a tier at or above the current one takes it at once. A figure
    /// below the current tier starts a grace period (`below_since` = today); the customer keeps
    /// the tier until `grace_days` days have passed since, then drops to the tier the figure
    /// reaches. A figure that recovers during grace ends it.
    ///
    /// ```
    /// use retention_core::bounded::Bounded;
    /// use retention_core::money::Money;
    /// use retention_core::rules::{TierBasis, TierLevel, TierPolicy, TierSummary};
    /// use retention_core::time::Date;
    /// let policy = TierPolicy {
    ///     basis: TierBasis::Spend, window_days: 365, grace_days: 30,
    ///     levels: Bounded::from_slice(&[TierLevel { tier: 1, threshold: 500_00 }, TierLevel { tier: 2, threshold: 2_000_00 }]).unwrap(),
    /// };
    /// let today = Date::new(2024, 6, 1)?.to_day();
    /// // A gold (2) customer whose year's spend fell to 800.00 keeps gold for 30 days.
    /// let summary = TierSummary { current: 2, qualifying_spend: Money::from_minor(800_00), ..TierSummary::default() };
    /// let status = policy.assess(&summary, today)?;
    /// assert_eq!((status.tier, status.qualified, status.below_since), (2, 1, Some(today.number())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn assess(&self, summary: &TierSummary, today: Day) -> Result<TierStatus, TierError> {
        let figure = match self.basis {
            TierBasis::Spend => u64::try_from(summary.qualifying_spend.minor())
                .map_err(|_| TierError::NegativeSpend)?,
            TierBasis::Points => summary.qualifying_points.0,
        };
        let qualified = self.qualified_tier(figure);
        if qualified >= summary.current {
            return Ok(TierStatus {
                tier: qualified,
                qualified,
                below_since: None,
            });
        }
        let start = match summary.below_since {
            Some(number) => Day::from_number(number).map_err(|_| TierError::InvalidGraceStart)?,
            None => today,
        };
        let elapsed = today.days_since(start);
        if elapsed < 0 {
            return Err(TierError::InvalidGraceStart);
        }
        if elapsed >= i32::from(self.grace_days) {
            Ok(TierStatus {
                tier: qualified,
                qualified,
                below_since: None,
            })
        } else {
            Ok(TierStatus {
                tier: summary.current,
                qualified,
                below_since: Some(start.number()),
            })
        }
    }
}

impl TierPolicy {
    /// The tier on local day `today` for a points-basis policy, straight from the customer's
    /// points `account`: its [`Account::qualifying_points`] over [`window_months`] of
    /// [`TierPolicy::window_days`], assessed as [`TierPolicy::assess`] does with the tier and
    /// grace start of `previous` (its spend and points figures are not read).
    ///
    /// Errors: [`AccountTierError::SpendBasis`] for a spend-basis policy,
    /// [`AccountTierError::Account`], [`AccountTierError::Tier`].
    pub fn assess_account(
        &self,
        account: &Account,
        previous: &TierSummary,
        today: Day,
    ) -> Result<TierStatus, AccountTierError> {
        if self.basis == TierBasis::Spend {
            return Err(AccountTierError::SpendBasis);
        }
        let qualifying_points = account
            .qualifying_points(today, window_months(self.window_days))
            .map_err(AccountTierError::Account)?;
        let summary = TierSummary {
            qualifying_points,
            qualifying_spend: Money::ZERO,
            ..*previous
        };
        self.assess(&summary, today).map_err(AccountTierError::Tier)
    }
}

/// The sum of the `(day, amount)` entries in the rolling window of `window_days` days ending on
/// `today` (days `today − window_days + 1 ..= today`): the qualifying figure of a history.
pub fn window_sum<I: IntoIterator<Item = (Day, u64)>>(
    entries: I,
    today: Day,
    window_days: u16,
) -> Result<u64, Overflow> {
    entries
        .into_iter()
        .filter(|(day, _)| {
            let age = today.days_since(*day);
            age >= 0 && age < i32::from(window_days)
        })
        .try_fold(0u64, |sum, (_, amount)| {
            sum.checked_add(amount).ok_or(Overflow)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn policy() -> TierPolicy {
        TierPolicy {
            basis: TierBasis::Points,
            window_days: 365,
            grace_days: 30,
            levels: Bounded::from_slice(&[
                TierLevel {
                    tier: 1,
                    threshold: 1_000,
                },
                TierLevel {
                    tier: 2,
                    threshold: 5_000,
                },
                TierLevel {
                    tier: 3,
                    threshold: 20_000,
                },
            ])
            .unwrap(),
        }
    }

    fn summary(current: u8, points: u64, below_since: Option<i32>) -> TierSummary {
        TierSummary {
            current,
            qualifying_spend: Money::ZERO,
            qualifying_points: Points(points),
            below_since,
        }
    }

    #[test]
    fn upgrade_grace_and_downgrade() {
        let p = policy();
        assert!(p.check());
        let today = Date::new(2024, 6, 1).unwrap().to_day();
        let t = today.number();
        // 6 000 points: tier 2 at once, from tier 0.
        assert_eq!(
            p.assess(&summary(0, 6_000, None), today),
            Ok(TierStatus {
                tier: 2,
                qualified: 2,
                below_since: None
            })
        );
        // Tier 3 customer at 6 000: grace starts today.
        assert_eq!(
            p.assess(&summary(3, 6_000, None), today),
            Ok(TierStatus {
                tier: 3,
                qualified: 2,
                below_since: Some(t)
            })
        );
        // 29 days into grace: still tier 3.
        assert_eq!(
            p.assess(&summary(3, 6_000, Some(t - 29)), today),
            Ok(TierStatus {
                tier: 3,
                qualified: 2,
                below_since: Some(t - 29)
            })
        );
        // 30 days: down to 2.
        assert_eq!(
            p.assess(&summary(3, 6_000, Some(t - 30)), today),
            Ok(TierStatus {
                tier: 2,
                qualified: 2,
                below_since: None
            })
        );
        // Recovery during grace ends it.
        assert_eq!(
            p.assess(&summary(3, 25_000, Some(t - 10)), today),
            Ok(TierStatus {
                tier: 3,
                qualified: 3,
                below_since: None
            })
        );
        // Below every threshold after grace: tier 0.
        assert_eq!(
            p.assess(&summary(1, 999, Some(t - 31)), today),
            Ok(TierStatus {
                tier: 0,
                qualified: 0,
                below_since: None
            })
        );
        assert_eq!(
            p.assess(&summary(3, 0, Some(t + 1)), today),
            Err(TierError::InvalidGraceStart)
        );
        let spend = TierPolicy {
            basis: TierBasis::Spend,
            ..p
        };
        let negative = TierSummary {
            current: 0,
            qualifying_spend: Money::from_minor(-1),
            ..TierSummary::default()
        };
        assert_eq!(
            spend.assess(&negative, today),
            Err(TierError::NegativeSpend)
        );
    }

    #[test]
    fn window() {
        let today = Date::new(2024, 6, 1).unwrap().to_day();
        let day = |offset: i32| today.checked_add_days(-offset).unwrap();
        // A 30-day window holds ages 0..=29.
        let entries = [(day(0), 10), (day(29), 20), (day(30), 40), (day(-1), 80)];
        assert_eq!(window_sum(entries, today, 30), Ok(30));
        assert_eq!(
            window_sum([(day(0), u64::MAX), (day(1), 1)], today, 30),
            Err(Overflow)
        );
    }

    #[test]
    fn months_of_a_day_window() {
        // round(d × 12 / 365), halves up: 365 → 12; 183 → 2196/365 = 6.02 → 6;
        // 91 → 1092/365 = 2.99 → 3; 76 → 912/365 = 2.499 → 2; 77 → 924/365 = 2.53 → 3;
        // 30 → 0.99 → 1; 15 → 0.49 → 0, raised to 1; 400 → 13.15, capped at 12.
        assert_eq!(window_months(365), 12);
        assert_eq!(window_months(183), 6);
        assert_eq!(window_months(91), 3);
        assert_eq!(window_months(76), 2);
        assert_eq!(window_months(77), 3);
        assert_eq!(window_months(30), 1);
        assert_eq!(window_months(15), 1);
        assert_eq!(window_months(1), 1);
        assert_eq!(window_months(0), 1);
        assert_eq!(window_months(400), 12);
        assert_eq!(window_months(u16::MAX), 12);
    }

    #[test]
    fn tier_from_an_account() {
        use crate::points::{AccountEvent, AccountProgram};
        use crate::terminal::EventId;
        let account = Account::new(AccountProgram {
            expiry_months: 12,
            pending_days: 0,
        })
        .unwrap();
        let earn = |account: &Account, sequence, points, (y, m, d)| {
            account
                .apply(
                    &AccountEvent::Earn {
                        id: EventId::new(1, sequence),
                        points: Points(points),
                    },
                    Date::new(y, m, d).unwrap().to_day(),
                )
                .unwrap()
        };
        // 4 000 in January, 1 500 in April, 800 in June 2024.
        let account = earn(&account, 1, 4_000, (2024, 1, 20));
        let account = earn(&account, 2, 1_500, (2024, 4, 2));
        let account = earn(&account, 3, 800, (2024, 6, 1));
        let today = Date::new(2024, 6, 15).unwrap().to_day();
        // A 90-day policy counts 3 months (April..June): 1 500 + 800 = 2 300 → tier 1.
        let quarter = TierPolicy {
            window_days: 90,
            ..policy()
        };
        let none = summary(0, 0, None);
        assert_eq!(
            quarter.assess_account(&account, &none, today).unwrap(),
            TierStatus {
                tier: 1,
                qualified: 1,
                below_since: None
            }
        );
        // 365 days count 12 months: 6 300 → tier 2. A gold (3) customer keeps 3 in grace.
        let year = policy();
        assert_eq!(year.assess_account(&account, &none, today).unwrap().tier, 2);
        assert_eq!(
            year.assess_account(&account, &summary(3, 0, None), today)
                .unwrap(),
            TierStatus {
                tier: 3,
                qualified: 2,
                below_since: Some(today.number())
            }
        );
        let spend = TierPolicy {
            basis: TierBasis::Spend,
            ..policy()
        };
        assert_eq!(
            spend.assess_account(&account, &none, today),
            Err(AccountTierError::SpendBasis)
        );
        assert_eq!(
            year.assess_account(&account, &summary(3, 0, Some(today.number() + 1)), today),
            Err(AccountTierError::Tier(TierError::InvalidGraceStart))
        );
    }

    #[test]
    fn bad_policies() {
        let mut p = policy();
        p.levels.as_mut_slice()[1].threshold = 1_000;
        assert!(!p.check());
        let mut p = policy();
        p.levels.as_mut_slice()[0].tier = 0;
        assert!(!p.check());
    }
}
