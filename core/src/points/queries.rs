//! What the till and the back office ask of an account: balances, expiring points, tier
//! qualification. Every query takes `today` and answers as of that day (expiry and pending
//! settled), without changing the account.

use super::account::{Account, check_day};
use super::ledger::{Ledger, month_of};
use super::{AccountError, MAX_TIER_WINDOW_MONTHS, Points};
use crate::time::Day;

/// An account at a glance, as of a day (from [`Account::summary`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AccountSummary {
    /// Points that can be redeemed now.
    pub available: Points,
    /// Points earned but still in their returns window: not spendable, not counted for tiers.
    pub pending: Points,
    /// Points owed: clawbacks beyond what the account held, and `overdrawn`. Repaid by the next
    /// earnings (clawback debt) and the next available points (the overdraft).
    pub debt: Points,
    /// The part of `debt` redeemed beyond the available points: a redemption made on two
    /// offline copies, found when they merged. 0 for an account in good standing.
    pub overdrawn: Points,
    /// The next day on which points expire (their last valid day); `None` if none will.
    pub next_expiry: Option<Day>,
    /// The points (pending included) that expire after `next_expiry`.
    pub next_expiry_points: Points,
    /// The account's write counter.
    pub write_counter: u32,
    /// Terminals with a sequence number on the account.
    pub terminals: u8,
    /// Lots held (at most [`super::MAX_LOTS`]).
    pub lots: u8,
    /// Recent events kept in full (at most [`super::MAX_RECENT_EVENTS`]).
    pub recent_events: u8,
}

impl Account {
    /// The balances as of `today`, a valid day.
    fn settled(&self, today: Day) -> Result<Ledger, AccountError> {
        check_day(today)?;
        self.view(today)
    }

    /// The account at a glance as of `today` (or the account's latest day, if later).
    ///
    /// Errors: [`AccountError::DateOutOfRange`].
    pub fn summary(&self, today: Day) -> Result<AccountSummary, AccountError> {
        let view = self.settled(today)?;
        let program = self.program;
        let next_expiry = view
            .lots
            .iter()
            .filter(|lot| lot.remaining > 0)
            .filter_map(|lot| lot.expires_on(&program))
            .min();
        let next_expiry_points = next_expiry.map_or(0, |day| {
            view.lots
                .iter()
                .filter(|lot| lot.expires_on(&program) == Some(day))
                .map(|lot| u64::from(lot.remaining))
                .sum()
        });
        Ok(AccountSummary {
            available: Points(view.available()),
            pending: Points(view.pending()),
            debt: Points(u64::from(view.debt).saturating_add(u64::from(view.overdrawn))),
            overdrawn: Points(u64::from(view.overdrawn)),
            next_expiry,
            next_expiry_points: Points(next_expiry_points),
            write_counter: self.write_counter,
            // At most MAX_TERMINALS (8), MAX_LOTS (14) and MAX_RECENT_EVENTS (8).
            terminals: u8::try_from(self.terminals.len()).unwrap_or(u8::MAX),
            lots: u8::try_from(view.lots.len()).unwrap_or(u8::MAX),
            recent_events: u8::try_from(self.recent.len()).unwrap_or(u8::MAX),
        })
    }

    /// Points (pending included) that expire within `days` days of `today`: whose last valid
    /// day is `today` .. `today + days − 1`.
    ///
    /// Errors: [`AccountError::DateOutOfRange`].
    pub fn expiring_within(&self, today: Day, days: u16) -> Result<Points, AccountError> {
        let view = self.settled(today)?;
        let program = self.program;
        let horizon = today
            .checked_add_days(i32::from(days))
            .map_err(|_| AccountError::DateOutOfRange)?;
        Ok(Points(
            view.lots
                .iter()
                .filter(|lot| {
                    lot.expires_on(&program)
                        .is_some_and(|last| last >= today && last < horizon)
                })
                .map(|lot| u64::from(lot.remaining))
                .sum(),
        ))
    }

    /// Tier qualification: points earned in the last `window_months` calendar months (the
    /// current month included), net of clawbacks and not pending — whether since spent,
    /// expired or not.
    ///
    /// Errors: [`AccountError::InvalidWindow`] (0 or more than
    /// [`MAX_TIER_WINDOW_MONTHS`]), [`AccountError::DateOutOfRange`].
    pub fn qualifying_points(&self, today: Day, window_months: u8) -> Result<Points, AccountError> {
        if window_months == 0 || window_months > MAX_TIER_WINDOW_MONTHS {
            return Err(AccountError::InvalidWindow);
        }
        let view = self.settled(today)?;
        let current = u32::from(month_of(today)?);
        Ok(Points(
            view.lots
                .iter()
                .filter(|lot| {
                    u32::from(lot.month).saturating_add(u32::from(window_months)) > current
                        && u32::from(lot.month) <= current
                })
                .map(|lot| u64::from(lot.qualifying.saturating_sub(lot.pending)))
                .sum(),
        ))
    }
}
