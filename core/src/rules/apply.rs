//! After the sale: a rule [`Outcome`] (or a refund's [`Clawback`]) applied to a punch card and
//! a points account in one call.
//!
//! - [`Outcome::apply`]: the account earns the outcome's points (an
//!   [`AccountEvent::Earn`] with the outcome's event id) and the card gets a
//!   [`CardEvent::Stamp`] of the outcome's stamps **for the card's program**.
//! - [`Clawback::apply`]: the account gets an [`AccountEvent::Clawback`] and the card a
//!   [`CardEvent::Void`], both with the refund's own event id and `original` = the sale's.
//!
//! Both are pure functions and **all or nothing**: the card's event is worked out first, then
//! the account's, and only when both succeed are the new card and account returned (nothing
//! is written; the caller stores both or neither). An error names the side that failed and
//! carries that side's own error. Zero points leave the account as it is (no event), zero
//! stamps for the card's program leave the card as it is. Stamps for other programs are not
//! for this card: they come back in [`Applied::other_programs`] (all of them when no card is
//! given), so a till holding several cards calls once per card — each call applies the same
//! event id, so the account's earning is applied once and the repeats change nothing.
//!
//! Idempotent because the underlying events are: applying the same outcome (or the same
//! refund) twice returns the card and account unchanged the second time.
//!
//! ```
//! use retention_core::card::{Card, CardProgram, ProgramId};
//! use retention_core::points::{Account, AccountProgram, Points};
//! use retention_core::rules::{Outcome, StampAward};
//! use retention_core::terminal::EventId;
//! use retention_core::time::Date;
//!
//! let card = Card::new(CardProgram { program: ProgramId(7), stamps_per_reward: 10,
//!     daily_limit: 5, lapse_after_days: 0, expires_on: None })?;
//! let account = Account::new(AccountProgram { expiry_months: 12, pending_days: 0 })?;
//! let mut outcome = Outcome::new(); // normally written by `evaluate`
//! outcome.event = EventId::new(1, 41);
//! outcome.points = Points(42);
//! outcome.stamps.push(StampAward { program: ProgramId(7), stamps: 2 }).unwrap();
//! let today = Date::new(2024, 3, 5)?.to_day();
//! let applied = outcome.apply(Some(&card), Some(&account), today)?;
//! assert_eq!(applied.card.unwrap().summary().stamps, 2);
//! assert_eq!(applied.account.unwrap().summary(today)?.available, Points(42));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use crate::card::{Card, CardError, CardEvent, ProgramId};
use crate::points::{Account, AccountError, AccountEvent, Points};
use crate::terminal::EventId;
use crate::time::Day;

use super::limits::MAX_PROGRAMS;
use super::outcome::{Outcome, StampAward};
use super::refund::Clawback;

/// The new card and account after [`Outcome::apply`] or [`Clawback::apply`]: store both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The card after its event (equal to the input when it had nothing to do); `None` when
    /// no card was given.
    pub card: Option<Card>,
    /// The account after its event (equal to the input when there were no points); `None`
    /// when no account was given.
    pub account: Option<Account>,
    /// Stamps for programs other than the card's (every program's when no card was given),
    /// untouched: apply them to the customer's other cards.
    pub other_programs: heapless::Vec<StampAward, MAX_PROGRAMS>,
    /// Stamps for the card's program that its daily limit refused
    /// ([`Outcome::apply_within_daily_limit`]); always 0 from [`Outcome::apply`] and
    /// [`Clawback::apply`], which refuse the whole sale instead.
    pub refused_stamps: u16,
}

/// Why an outcome or a clawback was not applied. Neither the card nor the account changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApplyError {
    /// The card refused its stamp or void (the account's event was not applied either).
    Card(CardError),
    /// The account refused its earning or clawback (the card's event was not applied either).
    Account(AccountError),
    /// More stamps for the card's program than one card event carries (65,535).
    TooManyStamps {
        /// The card's program.
        program: ProgramId,
        /// The stamps the outcome or clawback holds for it.
        stamps: u64,
    },
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Card(error) => write!(f, "punch card: {error}"),
            ApplyError::Account(error) => write!(f, "points account: {error}"),
            ApplyError::TooManyStamps { program, stamps } => write!(
                f,
                "{stamps} stamps for {program}: a card event carries at most 65535"
            ),
        }
    }
}

impl core::error::Error for ApplyError {}

/// What one side gets: the card's event from its program and stamps, the account's from the
/// points.
struct Events<S, A> {
    stamp: S,
    account: A,
    /// Stamp only what the card's daily limit still allows, and report the rest, instead of
    /// refusing the whole sale.
    within_daily_limit: bool,
}

/// The shared body of both `apply`s: split the stamps by program, work out the card, then the
/// account, and return both only when both succeeded.
fn settle<S, A>(
    stamps: &[StampAward],
    points: Points,
    card: Option<&Card>,
    account: Option<&Account>,
    today: Day,
    events: Events<S, A>,
) -> Result<Applied, ApplyError>
where
    S: Fn(ProgramId, u16) -> CardEvent,
    A: Fn(Points) -> AccountEvent,
{
    let program = card.map(|card| card.program().program);
    let mut other_programs = heapless::Vec::new();
    let mut for_card = 0u64;
    for award in stamps {
        if Some(award.program) == program {
            for_card = for_card
                .checked_add(award.stamps)
                .ok_or(ApplyError::TooManyStamps {
                    program: award.program,
                    stamps: u64::MAX,
                })?;
        } else {
            // `stamps` has at most MAX_PROGRAMS entries, the capacity of `other_programs`.
            other_programs
                .push(*award)
                .map_err(|_| ApplyError::Card(CardError::Internal))?;
        }
    }
    let mut refused_stamps = 0u16;
    let card = match card {
        None => None,
        Some(card) if for_card == 0 => Some(card.clone()),
        Some(card) => {
            let program = card.program().program;
            let stamps = u16::try_from(for_card).map_err(|_| ApplyError::TooManyStamps {
                program,
                stamps: for_card,
            })?;
            match card.apply(&(events.stamp)(program, stamps), today) {
                Ok(next) => Some(next),
                Err(CardError::DailyLimitReached { remaining }) if events.within_daily_limit => {
                    // The card refuses only more than `remaining`, so remaining < stamps.
                    let allowed = u16::from(remaining);
                    refused_stamps = stamps
                        .checked_sub(allowed)
                        .ok_or(ApplyError::Card(CardError::Internal))?;
                    if allowed == 0 {
                        Some(card.clone())
                    } else {
                        Some(
                            card.apply(&(events.stamp)(program, allowed), today)
                                .map_err(ApplyError::Card)?,
                        )
                    }
                }
                Err(error) => return Err(ApplyError::Card(error)),
            }
        }
    };
    let account = match account {
        None => None,
        Some(account) if points == Points::ZERO => Some(account.clone()),
        Some(account) => Some(
            account
                .apply(&(events.account)(points), today)
                .map_err(ApplyError::Account)?,
        ),
    };
    Ok(Applied {
        card,
        account,
        other_programs,
        refused_stamps,
    })
}

impl Outcome {
    /// Applies this sale to the customer's `card` and `account` on the local day `today`: the
    /// account earns [`Outcome::points`] ([`AccountEvent::Earn`] with [`Outcome::event`]), the
    /// card gets the stamps for its own program ([`CardEvent::Stamp`], same id). Either may be
    /// `None` (not presented). Nothing is returned unless both succeed; the inputs are never
    /// changed. Applying the same outcome again returns them unchanged.
    ///
    /// Errors: [`ApplyError::Card`] (for example [`CardError::DailyLimitReached`],
    /// [`CardError::CardExpired`]), [`ApplyError::Account`] (for example
    /// [`AccountError::Overflow`] beyond 16,777,215 points), [`ApplyError::TooManyStamps`].
    pub fn apply(
        &self,
        card: Option<&Card>,
        account: Option<&Account>,
        today: Day,
    ) -> Result<Applied, ApplyError> {
        self.settle_sale(card, account, today, false)
    }

    /// As [`Outcome::apply`], except that a card whose daily stamp limit
    /// ([`CardProgram::daily_limit`](crate::card::CardProgram::daily_limit)) cannot take all of
    /// the sale's stamps gets the stamps it still takes today, and the rest are reported in
    /// [`Applied::refused_stamps`] instead of refusing the whole sale: the account still earns
    /// every point. Four coffees with a limit of 3 stamps a day (none yet today): 3 stamps, all
    /// the points, 1 stamp refused. Every other error is [`Outcome::apply`]'s, all or nothing.
    ///
    /// A card that takes no more stamps today is returned unchanged with every stamp refused;
    /// it then does not remember the sale, so apply a sale once, on its own day (applying it
    /// again the same day changes nothing, as the account remembers its earning and the card
    /// still takes none).
    ///
    /// ```
    /// use retention_core::card::{Card, CardProgram, ProgramId};
    /// use retention_core::points::{Account, AccountProgram, Points};
    /// use retention_core::rules::{Outcome, StampAward};
    /// use retention_core::terminal::EventId;
    /// use retention_core::time::Date;
    ///
    /// let card = Card::new(CardProgram { program: ProgramId(7), stamps_per_reward: 10,
    ///     daily_limit: 3, lapse_after_days: 0, expires_on: None })?;
    /// let account = Account::new(AccountProgram { expiry_months: 12, pending_days: 0 })?;
    /// let mut outcome = Outcome::new();
    /// outcome.event = EventId::new(1, 41);
    /// outcome.points = Points(14); // four coffees at 3.50, a point per euro
    /// outcome.stamps.push(StampAward { program: ProgramId(7), stamps: 4 }).unwrap();
    /// let today = Date::new(2024, 3, 5)?.to_day();
    /// assert!(outcome.apply(Some(&card), Some(&account), today).is_err());
    /// let applied = outcome.apply_within_daily_limit(Some(&card), Some(&account), today)?;
    /// assert_eq!(applied.card.unwrap().summary().stamps, 3);
    /// assert_eq!(applied.account.unwrap().summary(today)?.available, Points(14));
    /// assert_eq!(applied.refused_stamps, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors: as [`Outcome::apply`], without [`CardError::DailyLimitReached`].
    pub fn apply_within_daily_limit(
        &self,
        card: Option<&Card>,
        account: Option<&Account>,
        today: Day,
    ) -> Result<Applied, ApplyError> {
        self.settle_sale(card, account, today, true)
    }

    /// The body of both: one instance of `settle` for sales (firmware flash).
    fn settle_sale(
        &self,
        card: Option<&Card>,
        account: Option<&Account>,
        today: Day,
        within_daily_limit: bool,
    ) -> Result<Applied, ApplyError> {
        let id = self.event;
        settle(
            &self.stamps,
            self.points,
            card,
            account,
            today,
            Events {
                stamp: |program, stamps| CardEvent::Stamp {
                    id,
                    program,
                    stamps,
                },
                account: |points| AccountEvent::Earn { id, points },
                within_daily_limit,
            },
        )
    }
}

impl Clawback {
    /// Applies this return, made as event `refund`, to the customer's `card` and `account` on
    /// `today`: the account gets an [`AccountEvent::Clawback`] of [`Clawback::points`] (from
    /// pending points first, then available; what is missing becomes **debt**, reported in the
    /// account's summary), the card a [`CardEvent::Void`] of the stamps for its program
    /// (stamps already redeemed leave the card **owing** them, reported in its summary);
    /// `original` is the sale, [`Clawback::event`]. All or nothing, idempotent, as
    /// [`Outcome::apply`].
    ///
    /// Errors: [`ApplyError::Card`] (for example [`CardError::UnknownTransaction`]: the card
    /// never got the sale's stamps), [`ApplyError::Account`] (for example
    /// [`AccountError::UnknownTransaction`]), [`ApplyError::TooManyStamps`].
    pub fn apply(
        &self,
        refund: EventId,
        card: Option<&Card>,
        account: Option<&Account>,
        today: Day,
    ) -> Result<Applied, ApplyError> {
        let original = self.event;
        settle(
            &self.stamps,
            self.points,
            card,
            account,
            today,
            Events {
                stamp: |program, stamps| CardEvent::Void {
                    id: refund,
                    program,
                    original,
                    stamps,
                },
                account: |points| AccountEvent::Clawback {
                    id: refund,
                    original,
                    points,
                },
                within_daily_limit: false,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::card::{CardProgram, CardSummary};
    use crate::points::AccountProgram;
    use crate::rules::outcome::{LineResult, Share, ShareKind};
    use crate::rules::refund::{Returns, refund};
    use crate::time::Date;

    const COFFEE: ProgramId = ProgramId(7);
    const TEA: ProgramId = ProgramId(9);

    fn day(y: i32, m: u8, d: u8) -> Day {
        Date::new(y, m, d).unwrap().to_day()
    }

    fn card(daily_limit: u8) -> Card {
        Card::new(CardProgram {
            program: COFFEE,
            stamps_per_reward: 10,
            daily_limit,
            lapse_after_days: 0,
            expires_on: None,
        })
        .unwrap()
    }

    fn account(pending_days: u8) -> Account {
        Account::new(AccountProgram {
            expiry_months: 12,
            pending_days,
        })
        .unwrap()
    }

    /// A sale of `quantity` units on one line that earned `points` and the given stamps, with
    /// its attribution (so `refund` can work on it).
    fn sale(event: EventId, quantity: u32, points: u64, stamps: &[(ProgramId, u64)]) -> Outcome {
        let mut outcome = Outcome::new();
        outcome.event = event;
        outcome.points = Points(points);
        outcome
            .lines
            .push(LineResult {
                quantity,
                ..LineResult::default()
            })
            .unwrap();
        if points > 0 {
            outcome
                .shares
                .push(Share {
                    rule: 1,
                    line: 0,
                    kind: ShareKind::Points,
                    program: ProgramId(0),
                    amount: points,
                })
                .unwrap();
        }
        for &(program, amount) in stamps {
            outcome
                .stamps
                .push(StampAward {
                    program,
                    stamps: amount,
                })
                .unwrap();
            if amount > 0 {
                outcome
                    .shares
                    .push(Share {
                        rule: 2,
                        line: 0,
                        kind: ShareKind::Stamps,
                        program,
                        amount,
                    })
                    .unwrap();
            }
        }
        outcome
    }

    fn return_units(outcome: &Outcome, units: u32) -> Clawback {
        refund(outcome, &Returns::none(outcome), &[units])
            .unwrap()
            .0
    }

    /// Held stamps from a summary: `stamps + 10 × rewards − owed`.
    fn held(summary: &CardSummary) -> i64 {
        i64::from(summary.stamps) + 10 * i64::from(summary.rewards_available)
            - i64::from(summary.owed_stamps)
    }

    #[test]
    fn sale_then_partial_refund_by_hand() {
        let monday = day(2024, 3, 4);
        let tuesday = day(2024, 3, 5);
        // Before: 8 coffee stamps (terminal 1, 4 on Sunday and 4 on Monday); 100 points earned in February, available.
        let card = card(5)
            .apply(
                &CardEvent::Stamp {
                    id: EventId::new(1, 1),
                    program: COFFEE,
                    stamps: 4,
                },
                monday.checked_add_days(-1).unwrap(),
            )
            .unwrap()
            .apply(
                &CardEvent::Stamp {
                    id: EventId::new(1, 2),
                    program: COFFEE,
                    stamps: 4,
                },
                monday,
            )
            .unwrap();
        let account = account(14)
            .apply(
                &AccountEvent::Earn {
                    id: EventId::new(1, 3),
                    points: Points(100),
                },
                day(2024, 2, 1),
            )
            .unwrap();
        // The sale on Tuesday at terminal 2: 4 units, 42 points, 3 coffee stamps, 2 tea stamps.
        let outcome = sale(EventId::new(2, 5), 4, 42, &[(COFFEE, 3), (TEA, 2)]);
        let applied = outcome.apply(Some(&card), Some(&account), tuesday).unwrap();
        let after_card = applied.card.clone().unwrap();
        let after_account = applied.account.clone().unwrap();
        // 8 + 3 = 11 held: 1 reward and 1 stamp, 9 to the next.
        let s = after_card.summary();
        assert_eq!(
            (s.stamps, s.rewards_available, s.stamps_to_next_reward),
            (1, 1, 9)
        );
        // 100 available (February's window closed on Feb 15), 42 pending until March 19.
        let a = after_account.summary(tuesday).unwrap();
        assert_eq!(
            (a.available, a.pending, a.debt),
            (Points(100), Points(42), Points(0))
        );
        // The tea stamps are not for this card.
        assert_eq!(
            applied.other_programs.as_slice(),
            &[StampAward {
                program: TEA,
                stamps: 2
            }]
        );
        // The same sale again changes nothing.
        let again = outcome
            .apply(Some(&after_card), Some(&after_account), tuesday)
            .unwrap();
        assert_eq!(again, applied);

        // One of the 4 units comes back (refund event 2/6): floor(42·1/4) = 10 points,
        // floor(3·1/4) = 0 coffee stamps, floor(2·1/4) = 0 tea stamps.
        let clawback = return_units(&outcome, 1);
        let refunded = clawback
            .apply(
                EventId::new(2, 6),
                Some(&after_card),
                Some(&after_account),
                tuesday,
            )
            .unwrap();
        assert_eq!(refunded.card.as_ref(), Some(&after_card));
        let a = refunded.account.as_ref().unwrap().summary(tuesday).unwrap();
        assert_eq!((a.available, a.pending), (Points(100), Points(32)));
        // Two more units (3 of 4 returned): floor(42·3/4) − 10 = 21 points, floor(3·3/4) − 0 = 2
        // stamps: 11 − 2 = 9 held.
        let (second, _) = refund(
            &outcome,
            &Returns {
                event: outcome.event,
                units: heapless::Vec::from_slice(&[1]).unwrap(),
            },
            &[3],
        )
        .unwrap();
        assert_eq!((second.points, second.stamps[0].stamps), (Points(21), 2));
        let refunded = second
            .apply(
                EventId::new(2, 7),
                refunded.card.as_ref(),
                refunded.account.as_ref(),
                tuesday,
            )
            .unwrap();
        let s = refunded.card.as_ref().unwrap().summary();
        assert_eq!((s.stamps, s.rewards_available), (9, 0));
        let a = refunded.account.as_ref().unwrap().summary(tuesday).unwrap();
        assert_eq!((a.available, a.pending), (Points(100), Points(11)));
    }

    #[test]
    fn refund_after_redemption_leaves_debt_and_owed_stamps() {
        let today = day(2024, 3, 5);
        let outcome = sale(EventId::new(1, 1), 2, 100, &[(COFFEE, 10)]);
        let applied = outcome
            .apply(Some(&card(10)), Some(&account(0)), today)
            .unwrap();
        // The customer spends 80 of the 100 points and the reward the 10 stamps made.
        let account = applied
            .account
            .unwrap()
            .apply(
                &AccountEvent::Redeem {
                    id: EventId::new(1, 2),
                    points: Points(80),
                },
                today,
            )
            .unwrap();
        let card = applied
            .card
            .unwrap()
            .apply(
                &CardEvent::Redeem {
                    id: EventId::new(1, 2),
                    program: COFFEE,
                },
                today,
            )
            .unwrap();
        // Everything comes back: 100 points from 20 available leave 80 of debt; 10 stamps
        // from none held leave 10 owed (one reward overdrawn).
        let clawback = return_units(&outcome, 2);
        let refunded = clawback
            .apply(EventId::new(1, 3), Some(&card), Some(&account), today)
            .unwrap();
        let a = refunded.account.unwrap().summary(today).unwrap();
        assert_eq!(
            (a.available, a.pending, a.debt),
            (Points(0), Points(0), Points(80))
        );
        let s = refunded.card.unwrap().summary();
        assert_eq!(
            (s.owed_stamps, s.overdrawn_rewards, s.stamps_to_next_reward),
            (10, 1, 20)
        );
    }

    #[test]
    fn all_or_nothing_and_named_sides() {
        let today = day(2024, 3, 5);
        let card = card(3);
        let account = account(0);
        // 4 stamps is over the card's daily limit of 3: the account's 50 points are not
        // returned either.
        let outcome = sale(EventId::new(1, 1), 1, 50, &[(COFFEE, 4)]);
        assert_eq!(
            outcome.apply(Some(&card), Some(&account), today),
            Err(ApplyError::Card(CardError::DailyLimitReached {
                remaining: 3
            }))
        );
        // Points beyond an event's 16,777,215: the account's error, the card's stamp dropped.
        let big = sale(EventId::new(1, 1), 1, 16_777_216, &[(COFFEE, 1)]);
        assert_eq!(
            big.apply(Some(&card), Some(&account), today),
            Err(ApplyError::Account(AccountError::Overflow))
        );
        // 65,536 stamps do not fit one card event.
        let mut many = sale(EventId::new(1, 1), 1, 0, &[]);
        many.stamps
            .push(StampAward {
                program: COFFEE,
                stamps: 65_536,
            })
            .unwrap();
        assert_eq!(
            many.apply(Some(&card), None, today),
            Err(ApplyError::TooManyStamps {
                program: COFFEE,
                stamps: 65_536
            })
        );
        // A refund of a sale the card and account never saw.
        let clawback = return_units(&sale(EventId::new(4, 4), 1, 5, &[(COFFEE, 1)]), 1);
        assert_eq!(
            clawback.apply(EventId::new(1, 9), Some(&card), None, today),
            Err(ApplyError::Card(CardError::UnknownTransaction))
        );
        assert_eq!(
            clawback.apply(EventId::new(1, 9), None, Some(&account), today),
            Err(ApplyError::Account(AccountError::UnknownTransaction))
        );
        assert_eq!(
            ApplyError::Card(CardError::ZeroStamps).to_string(),
            "punch card: zero stamps"
        );
    }

    /// Four coffees, a daily limit of 3: `apply` refuses the sale, `apply_within_daily_limit`
    /// gives the 3 stamps the card still takes, all 50 points, and reports 1 refused. A second
    /// sale the same day (2 coffees, 20 points) finds the card full: no stamp, 2 refused, the
    /// points earned. The next day the card takes stamps again. Repeats change nothing.
    #[test]
    fn within_the_daily_limit_the_stamps_that_fit_and_all_points() {
        let today = day(2024, 3, 5);
        let (card, account) = (card(3), account(0));
        let four = sale(EventId::new(1, 1), 4, 50, &[(COFFEE, 4), (TEA, 2)]);
        assert!(four.apply(Some(&card), Some(&account), today).is_err());
        let applied = four
            .apply_within_daily_limit(Some(&card), Some(&account), today)
            .unwrap();
        assert_eq!(applied.refused_stamps, 1);
        assert_eq!(
            applied.other_programs.as_slice(),
            &[StampAward {
                program: TEA,
                stamps: 2
            }]
        );
        let (card_1, account_1) = (applied.card.unwrap(), applied.account.unwrap());
        assert_eq!(card_1.summary().stamps, 3);
        assert!(card_1.has_applied(EventId::new(1, 1)));
        assert_eq!(account_1.summary(today).unwrap().available, Points(50));
        // The same sale again: nothing changes, nothing more is refused.
        let again = four
            .apply_within_daily_limit(Some(&card_1), Some(&account_1), today)
            .unwrap();
        assert_eq!(again.card.as_ref(), Some(&card_1));
        assert_eq!(again.account.as_ref(), Some(&account_1));
        assert_eq!(again.refused_stamps, 0);
        // A second sale the same day: the card takes no more stamps; the points still count.
        let two = sale(EventId::new(1, 2), 2, 20, &[(COFFEE, 2)]);
        let applied = two
            .apply_within_daily_limit(Some(&card_1), Some(&account_1), today)
            .unwrap();
        assert_eq!(applied.refused_stamps, 2);
        assert_eq!(applied.card.as_ref(), Some(&card_1));
        assert_eq!(
            applied.account.unwrap().summary(today).unwrap().available,
            Points(70)
        );
        // The next day: 2 stamps fit (5 in all), none refused.
        let tomorrow = day(2024, 3, 6);
        let applied = two
            .apply_within_daily_limit(Some(&card_1), None, tomorrow)
            .unwrap();
        assert_eq!(applied.refused_stamps, 0);
        assert_eq!(applied.card.unwrap().summary().stamps, 5);
        // Other errors are `apply`'s: an expired card refuses the whole sale.
        let mut expiring = *card.program();
        expiring.expires_on = Some(day(2024, 3, 1));
        let expired = Card::new(expiring).unwrap();
        assert_eq!(
            four.apply_within_daily_limit(Some(&expired), Some(&account), today),
            Err(ApplyError::Card(CardError::CardExpired))
        );
    }

    #[test]
    fn nothing_to_do_and_no_card() {
        let today = day(2024, 3, 5);
        let card = card(3);
        let account = account(0);
        // No points, only tea stamps: both unchanged (no event, the write counters stay).
        let outcome = sale(EventId::new(1, 1), 1, 0, &[(TEA, 2)]);
        let applied = outcome.apply(Some(&card), Some(&account), today).unwrap();
        assert_eq!(applied.card.as_ref(), Some(&card));
        assert_eq!(applied.account.as_ref(), Some(&account));
        assert!(!applied.account.unwrap().has_applied(EventId::new(1, 1)));
        // Without a card every program's stamps come back.
        let outcome = sale(EventId::new(1, 1), 1, 5, &[(COFFEE, 1), (TEA, 2)]);
        let applied = outcome.apply(None, None, today).unwrap();
        assert_eq!((applied.card, applied.account), (None, None));
        assert_eq!(applied.other_programs.len(), 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// For any sale: the net balance (available + pending − debt) grows by the outcome's
        /// points and the held stamps by its stamps for the card's program; the full return's
        /// clawback brings available, pending, debt and held stamps back to their pre-sale
        /// figures.
        #[test]
        fn conservation_and_full_refund(
            pending_days in 0u8..=20,
            earlier_points in 0u64..500,
            earlier_clawed in 0u64..1_000,
            earlier_stamps in 0u16..40,
            points in 0u64..5_000,
            coffee in 0u64..60,
            tea in 0u64..5,
            quantity in 1u32..10,
        ) {
            let earlier = day(2024, 3, 1);
            let today = day(2024, 3, 5);
            let mut card = card(255);
            if earlier_stamps > 0 {
                card = card.apply(&CardEvent::Stamp { id: EventId::new(1, 1), program: COFFEE, stamps: earlier_stamps }, earlier).unwrap();
            }
            let mut account = account(pending_days);
            if earlier_points > 0 {
                account = account.apply(&AccountEvent::Earn { id: EventId::new(1, 1), points: Points(earlier_points) }, earlier).unwrap();
                if earlier_clawed > 0 {
                    // May exceed what was earned: debt before the sale.
                    account = account.apply(&AccountEvent::Clawback { id: EventId::new(1, 2), original: EventId::new(1, 1), points: Points(earlier_clawed) }, earlier).unwrap();
                }
            }
            let outcome = sale(EventId::new(2, 1), quantity, points, &[(COFFEE, coffee), (TEA, tea)]);
            let before = account.summary(today).unwrap();
            let before_card = card.summary();
            let applied = outcome.apply(Some(&card), Some(&account), today).unwrap();
            let after = applied.account.as_ref().unwrap().summary(today).unwrap();
            let net = |s: &crate::points::AccountSummary| i128::from(s.available.0) + i128::from(s.pending.0) - i128::from(s.debt.0);
            prop_assert_eq!(net(&after), net(&before) + i128::from(points));
            let after_card = applied.card.as_ref().unwrap().summary();
            prop_assert_eq!(held(&after_card), held(&before_card) + coffee as i64);
            prop_assert_eq!(applied.other_programs.as_slice(), &[StampAward { program: TEA, stamps: tea }]);

            let clawback = return_units(&outcome, quantity);
            prop_assert_eq!((clawback.points, clawback.stamps.len()), (Points(points), usize::from(coffee > 0) + usize::from(tea > 0)));
            let refunded = clawback.apply(EventId::new(2, 2), applied.card.as_ref(), applied.account.as_ref(), today).unwrap();
            let back = refunded.account.as_ref().unwrap().summary(today).unwrap();
            prop_assert_eq!((back.available, back.pending, back.debt), (before.available, before.pending, before.debt));
            prop_assert_eq!(held(&refunded.card.as_ref().unwrap().summary()), held(&before_card));
            // The same return again changes nothing.
            let again = clawback.apply(EventId::new(2, 2), refunded.card.as_ref(), refunded.account.as_ref(), today).unwrap();
            prop_assert_eq!(again, refunded);
        }
    }
}
