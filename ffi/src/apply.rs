//! After the sale in C: a rule outcome (or a refund's clawback) applied to a punch card and a
//! points account in one call, both written or neither.

use retention_core::card::{Card, ProgramId};
use retention_core::error::TimeUse;
use retention_core::money::Money;
use retention_core::points::{Account, Points};
use retention_core::rules::{Applied, Clawback, StampAward};
use retention_core::terminal::EventId;

use crate::boundary;
use crate::card::rtn_card;
use crate::handle::{In, Out};
use crate::points::rtn_account;
use crate::rules::{rtn_clawback, rtn_outcome};
use crate::status::rtn_status;
use crate::terminal::{local_day, rtn_event_id};

/// Reads the optional card and account, runs `apply` on them, and writes both results only
/// when it succeeded; gives the stamps the card's daily limit refused. `card_out` is required
/// when `card` is given, `account_out` when `account` is; either may alias its input (read to
/// the end before the writes).
fn settle(
    card: In<'_, rtn_card>,
    account: In<'_, rtn_account>,
    card_out: Out<'_, rtn_card>,
    account_out: Out<'_, rtn_account>,
    apply: impl FnOnce(Option<&Card>, Option<&Account>) -> Result<Applied, rtn_status>,
) -> Result<u16, rtn_status> {
    let card_out = if card.is_null() {
        None
    } else {
        Some(card_out.required()?)
    };
    let account_out = if account.is_null() {
        None
    } else {
        Some(account_out.required()?)
    };
    let card = if card.is_null() {
        None
    } else {
        Some(card.value()?)
    };
    let account = if account.is_null() {
        None
    } else {
        Some(account.value()?)
    };
    let applied = apply(card, account)?;
    // Both results exist before anything is written.
    let card_write = match (card_out, applied.card) {
        (Some(out), Some(card)) => Some((out, card)),
        (None, None) => None,
        _ => return Err(rtn_status::RTN_INTERNAL),
    };
    let account_write = match (account_out, applied.account) {
        (Some(out), Some(account)) => Some((out, account)),
        (None, None) => None,
        _ => return Err(rtn_status::RTN_INTERNAL),
    };
    if let Some((out, card)) = card_write {
        out.init(card);
    }
    if let Some((out, account)) = account_write {
        out.init(account);
    }
    Ok(applied.refused_stamps)
}

/// Applies the sale of `*outcome` to the customer's punch card and points account on `now`
/// (Unix seconds, at `utc_offset_minutes` east of UTC, as `rtn_card_stamp` and
/// `rtn_account_earn` take it): the account earns the outcome's points (`rtn_account_earn`
/// with the outcome's event id; no points: the account is copied unchanged), the card gets the
/// outcome's stamps **for its own program** (`rtn_card_stamp`, same id; none: copied
/// unchanged). Stamps for other programs are not applied: call once per card the customer
/// shows (the account's earning is applied once; repeats change nothing). Applying the same
/// outcome again changes nothing.
///
/// `card` and `account` may each be NULL (not presented). The new card is written to
/// `*card_out` (required when `card` is given; may be `card`), the new account to
/// `*account_out` (required when `account` is given; may be `account`) — **both or neither**:
/// on any error nothing is written.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`outcome` NULL, or an output missing for a given
/// input); `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT` (offset beyond ±18:00);
/// `RTN_APPLY_TOO_MANY_STAMPS` (more than 65,535 stamps for the card's program); the card's
/// statuses of `rtn_card_stamp` (`RTN_CARD_DATE_OUT_OF_RANGE`, `RTN_CARD_EXPIRED`,
/// `RTN_CARD_INVALID_EVENT_ID`, `RTN_CARD_DAILY_LIMIT_REACHED`, `RTN_CARD_TERMINAL_SLOTS_FULL`,
/// `RTN_CARD_COUNTER_FULL`, `RTN_CARD_WRITE_COUNTER_EXHAUSTED`,
/// `RTN_CARD_GENERATION_EXHAUSTED`); the account's statuses of `rtn_account_earn`
/// (`RTN_ACCOUNT_DATE_OUT_OF_RANGE`, `RTN_ACCOUNT_INVALID_EVENT_ID`,
/// `RTN_ACCOUNT_TERMINAL_SLOTS_FULL`, `RTN_OVERFLOW`). The card is worked out first: when both
/// would fail, the card's status is returned. `RTN_CARD_DAILY_LIMIT_REACHED` refuses the whole
/// sale, points included: to apply the points and the stamps that fit, and learn how many were
/// refused, call `rtn_outcome_apply_within_daily_limit`.
///
/// # Safety
/// `outcome`, `card` and `account` must be NULL or valid; `card_out` and `account_out` NULL or
/// valid for a write (each may alias its own input, not the other's).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_apply(
    outcome: *const rtn_outcome,
    card: *const rtn_card,
    account: *const rtn_account,
    now: i64,
    utc_offset_minutes: i16,
    card_out: *mut rtn_card,
    account_out: *mut rtn_account,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises; each output may
        // alias its input, which `settle` reads to the end before it writes.
        let (outcome, card, account, card_out, account_out) = unsafe {
            (
                In::new(outcome),
                In::new(card),
                In::new(account),
                Out::new(card_out),
                Out::new(account_out),
            )
        };
        let outcome = outcome.value()?;
        // A day out of range is the card's status when a card is given, the account's otherwise.
        let used_for = TimeUse::settle(!card.is_null());
        let today = local_day(now, utc_offset_minutes, Some(used_for))?;
        settle(card, account, card_out, account_out, |card, account| {
            Ok(outcome.apply(card, account, today)?)
        })
        .map(|_| ())
    })
}

/// As `rtn_outcome_apply`, except that a card whose daily stamp limit cannot take all of the
/// sale's stamps for its program gets the stamps it still takes today, and the number refused
/// is written to `*refused_stamps_out`, instead of the whole sale being refused
/// (`RTN_CARD_DAILY_LIMIT_REACHED`): the account still earns every point. Four coffees with a
/// daily limit of 3 (none yet today): 3 stamps, all the points, `*refused_stamps_out` = 1. With
/// every stamp accepted, or no card, `*refused_stamps_out` is 0. A card that takes no more
/// stamps today is written back unchanged with every stamp refused; it does not remember the
/// sale, so apply a sale once, on its own day (a repeat the same day changes nothing).
/// Outputs, aliasing and all-or-nothing for every other error as `rtn_outcome_apply`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`outcome` or `refused_stamps_out` NULL, or an
/// output missing for a given input); the other statuses of `rtn_outcome_apply` except
/// `RTN_CARD_DAILY_LIMIT_REACHED`. On error nothing is written.
///
/// # Safety
/// As `rtn_outcome_apply`; `refused_stamps_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_apply_within_daily_limit(
    outcome: *const rtn_outcome,
    card: *const rtn_card,
    account: *const rtn_account,
    now: i64,
    utc_offset_minutes: i16,
    card_out: *mut rtn_card,
    account_out: *mut rtn_account,
    refused_stamps_out: *mut u16,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises; each output may
        // alias its input, which `settle` reads to the end before it writes.
        let (outcome, card, account, card_out, account_out, refused_out) = unsafe {
            (
                In::new(outcome),
                In::new(card),
                In::new(account),
                Out::new(card_out),
                Out::new(account_out),
                Out::new(refused_stamps_out),
            )
        };
        let refused_out = refused_out.required()?;
        let outcome = outcome.value()?;
        let used_for = TimeUse::settle(!card.is_null());
        let today = local_day(now, utc_offset_minutes, Some(used_for))?;
        let refused = settle(card, account, card_out, account_out, |card, account| {
            Ok(outcome.apply_within_daily_limit(card, account, today)?)
        })?;
        refused_out.write(refused);
        Ok(())
    })
}

/// Applies the return described by `*clawback` (from `rtn_rules_refund`), made as event
/// `refund`, to the customer's punch card and points account on `now`: the account gets
/// `rtn_account_clawback` of `clawback->points` (pending first, then available; the rest
/// becomes debt, see `rtn_account_summary.debt`), the card `rtn_card_void` of the stamps for
/// its program (stamps already redeemed leave the card owing them, see
/// `rtn_card_summary.owed_stamps`); `original` is `clawback->event`. Zero points or stamps
/// leave that side unchanged. Outputs, aliasing and all-or-nothing as `rtn_outcome_apply`;
/// applying the same refund again changes nothing.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT` (offset
/// beyond ±18:00, `stamp_count` above `RTN_RULES_MAX_PROGRAMS`); `RTN_APPLY_TOO_MANY_STAMPS`; the card's statuses of `rtn_card_void`
/// (`RTN_CARD_DATE_OUT_OF_RANGE`, `RTN_CARD_EXPIRED`, `RTN_CARD_INVALID_EVENT_ID`,
/// `RTN_CARD_UNKNOWN_TRANSACTION`, `RTN_CARD_TERMINAL_SLOTS_FULL`, `RTN_CARD_COUNTER_FULL`,
/// `RTN_CARD_WRITE_COUNTER_EXHAUSTED`, `RTN_CARD_GENERATION_EXHAUSTED`); the account's of
/// `rtn_account_clawback` (`RTN_ACCOUNT_DATE_OUT_OF_RANGE`, `RTN_ACCOUNT_INVALID_EVENT_ID`,
/// `RTN_ACCOUNT_UNKNOWN_TRANSACTION`, `RTN_ACCOUNT_TERMINAL_SLOTS_FULL`, `RTN_OVERFLOW`).
///
/// # Safety
/// As `rtn_outcome_apply`, with `clawback` NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_clawback_apply(
    clawback: *const rtn_clawback,
    refund: rtn_event_id,
    card: *const rtn_card,
    account: *const rtn_account,
    now: i64,
    utc_offset_minutes: i16,
    card_out: *mut rtn_card,
    account_out: *mut rtn_account,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises; each output may
        // alias its input, which `settle` reads to the end before it writes.
        let (clawback, card, account, card_out, account_out) = unsafe {
            (
                In::new(clawback),
                In::new(card),
                In::new(account),
                Out::new(card_out),
                Out::new(account_out),
            )
        };
        let c = clawback.get()?;
        let count = usize::try_from(c.stamp_count).map_err(|_| rtn_status::RTN_INVALID_ARGUMENT)?;
        let mut stamps = heapless::Vec::new();
        for award in c
            .stamps
            .get(..count)
            .ok_or(rtn_status::RTN_INVALID_ARGUMENT)?
        {
            stamps
                .push(StampAward {
                    program: ProgramId(award.program),
                    stamps: award.stamps,
                })
                .map_err(|_| rtn_status::RTN_INVALID_ARGUMENT)?;
        }
        // What `Clawback::apply` reads: the sale, the points and the stamps.
        let clawback = Clawback {
            event: EventId::from(c.event),
            rule_set: c.rule_set_hash,
            points: Points(c.points),
            points_by_rule: heapless::Vec::new(),
            stamps,
            discount: Money::from_minor(c.discount),
        };
        // A day out of range is the card's status when a card is given, the account's otherwise.
        let used_for = TimeUse::settle(!card.is_null());
        let today = local_day(now, utc_offset_minutes, Some(used_for))?;
        let refund = EventId::from(refund);
        settle(card, account, card_out, account_out, |card, account| {
            Ok(clawback.apply(refund, card, account, today)?)
        })
        .map(|_| ())
    })
}

#[cfg(test)]
mod tests {
    use core::mem::MaybeUninit;

    use super::*;
    use crate::card::RTN_CARD_STORAGE_WORDS;
    use crate::card::{rtn_card_init, rtn_card_program, rtn_card_summarize, rtn_card_summary};
    use crate::handle::Opaque;
    use crate::points::RTN_ACCOUNT_STORAGE_WORDS;
    use crate::points::{
        rtn_account_init, rtn_account_program, rtn_account_summarize, rtn_account_summary,
    };
    use crate::rules::{RTN_OUTCOME_STORAGE_WORDS, rtn_rule_points, rtn_stamp_award};
    use retention_core::rules::Outcome;

    /// 2024-03-05 12:00 UTC.
    const NOON: i64 = 1_709_640_000;

    fn new_card() -> rtn_card {
        let mut card = rtn_card {
            opaque: [MaybeUninit::new(0); RTN_CARD_STORAGE_WORDS],
        };
        let program = rtn_card_program {
            program: 7,
            stamps_per_reward: 5,
            daily_limit: 4,
            lapse_after_days: 0,
            expires_on: 0,
        };
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { rtn_card_init(&program, &mut card) },
            rtn_status::RTN_OK
        );
        card
    }

    fn new_account() -> rtn_account {
        let mut account = rtn_account {
            opaque: [MaybeUninit::new(0); RTN_ACCOUNT_STORAGE_WORDS],
        };
        let program = rtn_account_program {
            expiry_months: 12,
            pending_days: 0,
        };
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { rtn_account_init(&program, &mut account) },
            rtn_status::RTN_OK
        );
        account
    }

    fn outcome(sequence: u32, points: u64, stamps: u64) -> Box<rtn_outcome> {
        let mut outcome = Outcome::new();
        outcome.event = EventId::new(1, sequence);
        outcome.points = Points(points);
        outcome
            .stamps
            .push(StampAward {
                program: ProgramId(7),
                stamps,
            })
            .unwrap();
        let mut storage = Box::new(rtn_outcome {
            opaque: [MaybeUninit::new(0); RTN_OUTCOME_STORAGE_WORDS],
        });
        storage.init(outcome);
        storage
    }

    fn summaries(card: &rtn_card, account: &rtn_account) -> (rtn_card_summary, u64, u64) {
        let mut c = rtn_card_summary::default();
        let mut a = rtn_account_summary::default();
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(rtn_card_summarize(card, &mut c), rtn_status::RTN_OK);
            assert_eq!(
                rtn_account_summarize(account, NOON, 0, &mut a),
                rtn_status::RTN_OK
            );
        }
        (c, a.available, a.debt)
    }

    #[test]
    fn sale_in_place_refund_and_all_or_nothing() {
        let mut card = new_card();
        let mut account = new_account();
        let sale = outcome(1, 30, 3);
        let (card_ptr, account_ptr): (*mut rtn_card, *mut rtn_account) = (&mut card, &mut account);
        // SAFETY: valid pointers; each output aliases its own input.
        unsafe {
            assert_eq!(
                rtn_outcome_apply(
                    &*sale,
                    card_ptr,
                    account_ptr,
                    NOON,
                    0,
                    card_ptr,
                    account_ptr
                ),
                rtn_status::RTN_OK
            );
        }
        let (c, available, _) = summaries(&card, &account);
        // 3 stamps of 5; 30 points available (no returns window).
        assert_eq!((c.stamps, c.write_counter, available), (3, 1, 30));
        // 2 more stamps would make 5 today, over the limit of 4: neither side is written.
        let second = outcome(2, 10, 2);
        let mut card_out = new_card();
        let mut account_out = new_account();
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                rtn_outcome_apply(
                    &*second,
                    &card,
                    &account,
                    NOON,
                    0,
                    &mut card_out,
                    &mut account_out
                ),
                rtn_status::RTN_CARD_DAILY_LIMIT_REACHED
            );
            // A card without an output is refused before anything is read.
            assert_eq!(
                rtn_outcome_apply(
                    &*second,
                    &card,
                    core::ptr::null(),
                    NOON,
                    0,
                    core::ptr::null_mut(),
                    core::ptr::null_mut()
                ),
                rtn_status::RTN_NULL_PARAMETER
            );
            assert_eq!(
                rtn_outcome_apply(
                    &*second,
                    &card,
                    &account,
                    NOON,
                    24 * 60,
                    &mut card_out,
                    &mut account_out
                ),
                rtn_status::RTN_INVALID_ARGUMENT
            );
        }
        // The outputs still hold the fresh card and account they were initialised with.
        let (c, available, _) = summaries(&card_out, &account_out);
        assert_eq!((c.stamps, c.write_counter, available), (0, 0, 0));

        // The whole sale comes back after 20 of the 30 points were spent elsewhere: 10
        // available cover 10 of 30, 20 become debt; the 3 stamps go.
        let mut clawback = rtn_clawback {
            rule_set_hash: [0; 32],
            event: rtn_event_id {
                terminal: 1,
                sequence: 1,
            },
            points: 30,
            discount: 0,
            stamp_count: 1,
            stamps: [rtn_stamp_award::default(); crate::rules::RTN_RULES_MAX_PROGRAMS],
            rule_count: 0,
            points_by_rule: [rtn_rule_points::default(); crate::rules::RTN_RULES_MAX_RULES],
        };
        clawback.stamps[0] = rtn_stamp_award {
            stamps: 3,
            program: 7,
        };
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                crate::points::rtn_account_redeem(
                    account_ptr,
                    rtn_event_id {
                        terminal: 1,
                        sequence: 2
                    },
                    20,
                    NOON,
                    0
                ),
                rtn_status::RTN_OK
            );
            let refund = rtn_event_id {
                terminal: 1,
                sequence: 3,
            };
            assert_eq!(
                rtn_clawback_apply(
                    &clawback,
                    refund,
                    card_ptr,
                    account_ptr,
                    NOON,
                    0,
                    card_ptr,
                    account_ptr
                ),
                rtn_status::RTN_OK
            );
            // Again: nothing changes.
            assert_eq!(
                rtn_clawback_apply(
                    &clawback,
                    refund,
                    card_ptr,
                    account_ptr,
                    NOON,
                    0,
                    card_ptr,
                    account_ptr
                ),
                rtn_status::RTN_OK
            );
            clawback.stamp_count = 5;
            assert_eq!(
                rtn_clawback_apply(
                    &clawback,
                    refund,
                    card_ptr,
                    account_ptr,
                    NOON,
                    0,
                    card_ptr,
                    account_ptr
                ),
                rtn_status::RTN_INVALID_ARGUMENT
            );
        }
        let (c, available, debt) = summaries(&card, &account);
        assert_eq!((c.stamps, c.write_counter, available, debt), (0, 2, 0, 20));
    }
}
