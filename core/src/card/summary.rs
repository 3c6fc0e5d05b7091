//! What the till shows: stamps, rewards, debts and dates of a card.

use super::{Card, ProgramId};
use crate::time::Day;

/// A card at a glance, for the till and the back office (from [`Card::summary`]).
///
/// With `B` the held stamps (see the [module documentation](super)) and `N` the stamps per
/// reward: when `B >= 0`, `rewards_available = B / N`, `stamps = B mod N`,
/// `stamps_to_next_reward = N − stamps`; when `B < 0` the card owes `−B` stamps, and
/// `stamps_to_next_reward = −B + N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CardSummary {
    /// The card's program.
    pub program: ProgramId,
    /// Stamps toward the next reward, `0..stamps_per_reward`.
    pub stamps: u32,
    /// Stamps still needed for the next reward (counting any stamps owed first).
    pub stamps_to_next_reward: u32,
    /// Rewards that can be redeemed now.
    pub rewards_available: u32,
    /// Stamps the card owes: rewards redeemed twice across offline copies, or stamps voided
    /// after they were redeemed. 0 for a card in good standing.
    pub owed_stamps: u32,
    /// Rewards redeemed beyond those earned: `ceil(owed_stamps / stamps_per_reward)`.
    pub overdrawn_rewards: u32,
    /// Stamps counted on `last_stamp_day` over every terminal.
    pub stamps_on_last_day: u32,
    /// Stamps beyond the daily limit on `last_stamp_day`: copies stamped offline on the same
    /// day and merged. 0 on a card only one copy has stamped.
    pub daily_excess: u32,
    /// The latest day a terminal stamped the card.
    pub last_stamp_day: Option<Day>,
    /// The last day held stamps are kept without a new stamp (`last_stamp_day +
    /// lapse_after_days`); `None` when nothing is held or the program never lapses.
    pub lapses_after: Option<Day>,
    /// The last day the card can be used; `None`: no expiry date.
    pub expires_on: Option<Day>,
    /// Lapses so far.
    pub generation: u8,
    /// The card's write counter.
    pub write_counter: u32,
    /// Terminals with an entry on the card (at most [`super::MAX_TERMINALS`]).
    pub terminals: u8,
}

impl Card {
    /// The card at a glance. It does not apply lapses: call [`Card::expire`] (or apply an
    /// event) with today's date first.
    #[must_use]
    pub fn summary(&self) -> CardSummary {
        // per_reward >= 1 (validated); `max(1)` shows it to the compiler too, so the divisions
        // below have no division-by-zero panic path in firmware. |balance| < 2^21 (see
        // Card::balance), so every quotient and sum below fits in u32.
        let per_reward = i64::from(self.program.stamps_per_reward).max(1);
        let balance = self.balance();
        #[allow(
            clippy::arithmetic_side_effects,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let (stamps, to_next, rewards, owed, overdrawn) = if balance >= 0 {
            let stamps = balance % per_reward;
            (
                stamps as u32,
                (per_reward - stamps) as u32,
                (balance / per_reward) as u32,
                0,
                0,
            )
        } else {
            let owed = -balance;
            (
                0,
                (owed + per_reward) as u32,
                0,
                owed as u32,
                ((owed + per_reward - 1) / per_reward) as u32,
            )
        };
        let on_last_day = self.stamps_on_last_day();
        let lapses_after = if balance > 0 && self.program.lapse_after_days > 0 {
            self.last_stamp_day.and_then(|last| {
                last.checked_add_days(i32::from(self.program.lapse_after_days))
                    .ok()
            })
        } else {
            None
        };
        CardSummary {
            program: self.program.program,
            stamps,
            stamps_to_next_reward: to_next,
            rewards_available: rewards,
            owed_stamps: owed,
            overdrawn_rewards: overdrawn,
            stamps_on_last_day: on_last_day,
            daily_excess: on_last_day.saturating_sub(u32::from(self.program.daily_limit)),
            last_stamp_day: self.last_stamp_day,
            lapses_after,
            expires_on: self.program.expires_on,
            generation: self.generation,
            write_counter: self.write_counter,
            // At most MAX_TERMINALS (8) entries.
            terminals: u8::try_from(self.entries.len()).unwrap_or(u8::MAX),
        }
    }
}
