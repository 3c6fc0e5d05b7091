//! Points accounts in C: an account lives in caller-owned `rtn_account` storage; events update
//! it in place (only on success); copies updated offline merge; it travels as a tagged blob of
//! at most `RTN_ACCOUNT_MAX_LEN` bytes.

use core::mem::MaybeUninit;

use retention_core::error::TimeUse;
use retention_core::points::{self, Account, AccountEvent, AccountProgram, Points};
use retention_core::terminal::EventId;

use crate::boundary;
use crate::envelope::rtn_seal;
use crate::handle::{In, InOut, InSlice, Out, OutSlice, opaque};
use crate::status::rtn_status;
use crate::terminal::{day_number, local_day, rtn_event_id};

/// The largest account blob in bytes: size flash records and buffers with it.
pub const RTN_ACCOUNT_MAX_LEN: usize = 319;
/// Lots (calendar months of points) an account holds.
pub const RTN_ACCOUNT_MAX_LOTS: usize = 14;
/// Terminals an account keeps sequence numbers for; a ninth is
/// `RTN_ACCOUNT_TERMINAL_SLOTS_FULL`.
pub const RTN_ACCOUNT_MAX_TERMINALS: usize = 8;
/// Recent events an account keeps in full above its checkpoint; an event that fills them folds
/// the older ones into the checkpoint. Two copies holding more together do not merge
/// (`RTN_ACCOUNT_RECENT_EVENTS_FULL`).
pub const RTN_ACCOUNT_MAX_RECENT_EVENTS: usize = 8;
/// The most points one event carries and one lot holds (2^24 − 1); beyond it `RTN_OVERFLOW`.
pub const RTN_ACCOUNT_MAX_POINTS: u32 = 16_777_215;
/// The longest expiry, in months after the month of earning.
pub const RTN_ACCOUNT_MAX_EXPIRY_MONTHS: u8 = 13;
/// The longest pending period (returns window), in days.
pub const RTN_ACCOUNT_MAX_PENDING_DAYS: u8 = 90;
/// The longest tier-qualification window, in calendar months.
pub const RTN_ACCOUNT_MAX_TIER_WINDOW_MONTHS: u8 = 12;
/// Size of `rtn_account` in 64-bit words (the account's checkpoint and recent events, 616
/// bytes on a 64-bit host, after the 8-byte magic).
pub const RTN_ACCOUNT_STORAGE_WORDS: usize = 80;

const _: () = {
    assert!(RTN_ACCOUNT_MAX_LEN == points::MAX_ENCODED_LEN);
    assert!(RTN_ACCOUNT_MAX_LOTS == points::MAX_LOTS);
    assert!(RTN_ACCOUNT_MAX_TERMINALS == points::MAX_TERMINALS);
    assert!(RTN_ACCOUNT_MAX_RECENT_EVENTS == points::MAX_RECENT_EVENTS);
    assert!(RTN_ACCOUNT_MAX_POINTS as u64 == points::MAX_LOT_POINTS);
    assert!(RTN_ACCOUNT_MAX_EXPIRY_MONTHS == points::MAX_EXPIRY_MONTHS);
    assert!(RTN_ACCOUNT_MAX_PENDING_DAYS == points::MAX_PENDING_DAYS);
    assert!(RTN_ACCOUNT_MAX_TIER_WINDOW_MONTHS == points::MAX_TIER_WINDOW_MONTHS);
};

/// A points account in caller-owned storage (`uint64_t opaque[RTN_ACCOUNT_STORAGE_WORDS]`,
/// 640 bytes). Initialise it with `rtn_account_init` or `rtn_account_decode`; copy it with
/// `memcpy`; it needs no clean-up.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_account {
    /// Opaque; only the SDK reads it.
    pub opaque: [MaybeUninit<u64>; RTN_ACCOUNT_STORAGE_WORDS],
}

opaque!(rtn_account: [RTN_ACCOUNT_STORAGE_WORDS] holds Account, magic b"rtnACCT2");

/// How an account's points age.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rtn_account_program {
    /// Points expire at the end of the month this many months after the month they were
    /// earned, 1..=`RTN_ACCOUNT_MAX_EXPIRY_MONTHS`; 0: never.
    pub expiry_months: u8,
    /// Days earned points stay pending (not spendable, not counted for tiers),
    /// 0..=`RTN_ACCOUNT_MAX_PENDING_DAYS`.
    pub pending_days: u8,
}

/// An account at a glance as of a day (`rtn_account_summarize`). Points are counts; days are
/// days since 1970-01-01, 0 meaning none.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_account_summary {
    /// Points that can be redeemed now.
    pub available: u64,
    /// Points in their returns window: not spendable, not counted for tiers.
    pub pending: u64,
    /// Points owed: clawbacks beyond the balance, and `overdrawn`. Repaid by the next earnings
    /// (clawback debt) and the next available points (the overdraft).
    pub debt: u64,
    /// The part of `debt` redeemed beyond the available points: a redemption made on two
    /// offline copies, found when they merged. 0 for an account in good standing.
    pub overdrawn: u64,
    /// Points (pending included) that expire after `next_expiry`.
    pub next_expiry_points: u64,
    /// The next day on which points expire (their last valid day); 0 if none will.
    pub next_expiry: i32,
    /// The account's write counter.
    pub write_counter: u32,
    /// Terminals with a sequence number on the account, 0..=8.
    pub terminals: u8,
    /// Lots held, 0..=14.
    pub lots: u8,
    /// Recent events kept in full, 0..=`RTN_ACCOUNT_MAX_RECENT_EVENTS`.
    pub recent_events: u8,
}

/// A time out of range is the account's `RTN_ACCOUNT_DATE_OUT_OF_RANGE`.
const ACCOUNT_DAY: Option<TimeUse> = Some(TimeUse::AccountDay);

/// Applies `event` on `now`, in place, only on success (the body of the event functions).
fn apply(
    account: InOut<'_, rtn_account>,
    event: AccountEvent,
    now: i64,
    utc_offset_minutes: i16,
) -> Result<(), rtn_status> {
    let account = account.value_mut()?;
    *account = account.apply(&event, local_day(now, utc_offset_minutes, ACCOUNT_DAY)?)?;
    Ok(())
}

/// Initialises `*account_out` with a new, empty account of `*program`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_ACCOUNT_INVALID_PROGRAM` (expiry above
/// `RTN_ACCOUNT_MAX_EXPIRY_MONTHS` or pending above `RTN_ACCOUNT_MAX_PENDING_DAYS`). On error
/// `*account_out` is not written.
///
/// # Safety
/// `program` must be NULL or valid; `account_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_init(
    program: *const rtn_account_program,
    account_out: *mut rtn_account,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (program, account_out) = unsafe { (In::new(program), Out::new(account_out)) };
        let account_out = account_out.required()?;
        let program = program.get()?;
        account_out.init(Account::new(AccountProgram {
            expiry_months: program.expiry_months,
            pending_days: program.pending_days,
        })?);
        Ok(())
    })
}

/// Credits `points` earned by the transaction `id` on `now` (Unix seconds, at
/// `utc_offset_minutes` east of UTC): pending for the program's `pending_days`, expiring with
/// the month's lot; any debt is repaid first. An event the account already holds changes
/// nothing and returns `RTN_OK`. The event is kept among the recent events (an event that fills
/// them folds older ones into the checkpoint; balances do not change).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT` (offset
/// beyond ±18:00); `RTN_ACCOUNT_INVALID_EVENT_ID`; `RTN_ACCOUNT_DATE_OUT_OF_RANGE`;
/// `RTN_ACCOUNT_ZERO_POINTS`; `RTN_ACCOUNT_TERMINAL_SLOTS_FULL`; `RTN_OVERFLOW` (`points` or
/// the month's lot beyond `RTN_ACCOUNT_MAX_POINTS`, or the write counter full). On error the
/// account is unchanged.
///
/// # Safety
/// `account` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_earn(
    account: *mut rtn_account,
    id: rtn_event_id,
    points: u64,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    let event = AccountEvent::Earn {
        id: id.into(),
        points: Points(points),
    };
    boundary::catch(|| {
        // SAFETY: `account` is as the `# Safety` section above promises.
        let account = unsafe { InOut::new(account) };
        apply(account, event, now, utc_offset_minutes)
    })
}

/// Spends `points` available points (soonest-expiring first) for the redemption `id` on `now`;
/// refused beyond what is available on this copy (another offline copy may spend the same
/// points: the merge then reports them as overdrawn).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_ACCOUNT_INVALID_EVENT_ID`; `RTN_ACCOUNT_DATE_OUT_OF_RANGE`; `RTN_ACCOUNT_ZERO_POINTS`;
/// `RTN_ACCOUNT_INSUFFICIENT_POINTS`; `RTN_ACCOUNT_TERMINAL_SLOTS_FULL`; `RTN_OVERFLOW`
/// (`points` beyond `RTN_ACCOUNT_MAX_POINTS`, or the write counter full). On error the account
/// is unchanged.
///
/// # Safety
/// `account` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_redeem(
    account: *mut rtn_account,
    id: rtn_event_id,
    points: u64,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    let event = AccountEvent::Redeem {
        id: id.into(),
        points: Points(points),
    };
    boundary::catch(|| {
        // SAFETY: `account` is as the `# Safety` section above promises.
        let account = unsafe { InOut::new(account) };
        apply(account, event, now, utc_offset_minutes)
    })
}

/// Takes back `points` earned by the refunded transaction `original` (refund event `id`) on
/// `now`: from pending points first, then available ones; the rest becomes debt.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_ACCOUNT_INVALID_EVENT_ID`; `RTN_ACCOUNT_DATE_OUT_OF_RANGE`;
/// `RTN_ACCOUNT_UNKNOWN_TRANSACTION`; `RTN_ACCOUNT_ZERO_POINTS`;
/// `RTN_ACCOUNT_TERMINAL_SLOTS_FULL`; `RTN_OVERFLOW` (`points` beyond `RTN_ACCOUNT_MAX_POINTS`,
/// debt beyond 2^32 − 1, or the write counter full). On error the account is unchanged.
///
/// # Safety
/// `account` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_clawback(
    account: *mut rtn_account,
    id: rtn_event_id,
    original: rtn_event_id,
    points: u64,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    let event = AccountEvent::Clawback {
        id: id.into(),
        original: original.into(),
        points: Points(points),
    };
    boundary::catch(|| {
        // SAFETY: `account` is as the `# Safety` section above promises.
        let account = unsafe { InOut::new(account) };
        apply(account, event, now, utc_offset_minutes)
    })
}

/// Moves the account's day to `now` in place (when later): balances are then answered as of it
/// (lots past their expiry lose their points; closed returns windows release pending points),
/// and a terminal whose clock is behind cannot bring expired points back. Queries settle on
/// their own; call this to store the day.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_ACCOUNT_DATE_OUT_OF_RANGE`; `RTN_OVERFLOW` (write counter). On error the account is
/// unchanged.
///
/// # Safety
/// `account` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_expire(
    account: *mut rtn_account,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `account` is as the `# Safety` section above promises.
        let account = unsafe { InOut::new(account) }.value_mut()?;
        *account = account.expire(local_day(now, utc_offset_minutes, ACCOUNT_DAY)?)?;
        Ok(())
    })
}

/// Merges two copies of one account that terminals updated offline into `*merged_out` (which
/// may be `a` or `b`): the newer checkpoint and the union of both copies' recent events, each
/// once, replayed; the write counter one more than the larger. Two equal copies (an account
/// merged with itself) give that account back unchanged, write counter included. Commutative,
/// associative and idempotent on everything but the write counter; nothing lost or counted
/// twice. A redemption made on both copies shows in the summary's `overdrawn`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`;
/// `RTN_ACCOUNT_PROGRAM_MISMATCH`; `RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS` (both copies were
/// compacted since they diverged); `RTN_ACCOUNT_RECENT_EVENTS_FULL` (more than
/// `RTN_ACCOUNT_MAX_RECENT_EVENTS` recent events together); `RTN_ACCOUNT_TERMINAL_SLOTS_FULL`
/// (more than 8 terminals together); `RTN_ACCOUNT_DIVERGED` (an event id with two effects);
/// `RTN_OVERFLOW` (a lot beyond `RTN_ACCOUNT_MAX_POINTS`, or the write counter full). On error
/// `*merged_out` is not written; the back office's remedy for each is in `docs/cards.md`.
///
/// # Safety
/// `a` and `b` must be NULL or valid; `merged_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_merge(
    a: *const rtn_account,
    b: *const rtn_account,
    merged_out: *mut rtn_account,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises; `merged_out` may
        // alias `a` or `b`, which are read to the end before it is written.
        let (a, b, merged_out) = unsafe { (In::new(a), In::new(b), Out::new(merged_out)) };
        let merged_out = merged_out.required()?;
        let merged = a.value()?.merge(b.value()?)?;
        merged_out.init(merged);
        Ok(())
    })
}

/// Writes to `*applied_out` whether the account already holds event `id`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `account` must be NULL or valid; `applied_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_has_applied(
    account: *const rtn_account,
    id: rtn_event_id,
    applied_out: *mut bool,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (account, applied_out) = unsafe { (In::new(account), Out::new(applied_out)) };
        let applied_out = applied_out.required()?;
        applied_out.write(account.value()?.has_applied(EventId::from(id)));
        Ok(())
    })
}

/// Writes the account at a glance as of `now` to `*summary_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_ACCOUNT_DATE_OUT_OF_RANGE`.
///
/// # Safety
/// `account` must be NULL or valid; `summary_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_summarize(
    account: *const rtn_account,
    now: i64,
    utc_offset_minutes: i16,
    summary_out: *mut rtn_account_summary,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (account, summary_out) = unsafe { (In::new(account), Out::new(summary_out)) };
        let summary_out = summary_out.required()?;
        let s = account
            .value()?
            .summary(local_day(now, utc_offset_minutes, ACCOUNT_DAY)?)?;
        summary_out.write(rtn_account_summary {
            available: s.available.0,
            pending: s.pending.0,
            debt: s.debt.0,
            overdrawn: s.overdrawn.0,
            next_expiry_points: s.next_expiry_points.0,
            next_expiry: day_number(s.next_expiry),
            write_counter: s.write_counter,
            terminals: s.terminals,
            lots: s.lots,
            recent_events: s.recent_events,
        });
        Ok(())
    })
}

/// Writes to `*points_out` the points (pending included) that expire within `days` days of
/// `now` (their last valid day is today .. today + days − 1).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_ACCOUNT_DATE_OUT_OF_RANGE`.
///
/// # Safety
/// `account` must be NULL or valid; `points_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_expiring_within(
    account: *const rtn_account,
    now: i64,
    utc_offset_minutes: i16,
    days: u16,
    points_out: *mut u64,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (account, points_out) = unsafe { (In::new(account), Out::new(points_out)) };
        let points_out = points_out.required()?;
        let account = account.value()?;
        points_out.write(
            account
                .expiring_within(local_day(now, utc_offset_minutes, ACCOUNT_DAY)?, days)?
                .0,
        );
        Ok(())
    })
}

/// Writes to `*points_out` the tier-qualifying points as of `now`: earned over the last
/// `window_months` calendar months (the current one included), net of clawbacks, not pending.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_ACCOUNT_INVALID_WINDOW` (0 or above `RTN_ACCOUNT_MAX_TIER_WINDOW_MONTHS`);
/// `RTN_ACCOUNT_DATE_OUT_OF_RANGE`.
///
/// # Safety
/// `account` must be NULL or valid; `points_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_qualifying_points(
    account: *const rtn_account,
    now: i64,
    utc_offset_minutes: i16,
    window_months: u8,
    points_out: *mut u64,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (account, points_out) = unsafe { (In::new(account), Out::new(points_out)) };
        let points_out = points_out.required()?;
        let account = account.value()?;
        points_out.write(
            account
                .qualifying_points(
                    local_day(now, utc_offset_minutes, ACCOUNT_DAY)?,
                    window_months,
                )?
                .0,
        );
        Ok(())
    })
}

/// Writes the account's blob to `out` (`out_len` bytes; `RTN_ACCOUNT_MAX_LEN` always
/// suffices), tagged with `*seal` (key; context: the customer id), and its length to
/// `*written_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (a length beyond `PTRDIFF_MAX`,
/// such as `SIZE_MAX`); `RTN_UNINITIALIZED`; `RTN_SEAL_REQUIRED`; `RTN_KEY_TOO_SHORT`;
/// `RTN_CONTEXT_TOO_LONG`; `RTN_BUFFER_TOO_SMALL`. On error nothing is written.
///
/// # Safety
/// `account` and `seal` must be NULL or valid; `out` valid for `out_len` bytes and not
/// overlapping the account; `written_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_encode(
    account: *const rtn_account,
    seal: *const rtn_seal,
    out: *mut u8,
    out_len: usize,
    written_out: *mut usize,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (account, seal, out, written_out) = unsafe {
            (
                In::new(account),
                In::new(seal),
                OutSlice::new(out, out_len),
                Out::new(written_out),
            )
        };
        let written_out = written_out.required()?;
        let (account, out, seal) = (account.value()?, out.get()?, rtn_seal::read(seal)?);
        written_out.write(account.encode(seal.ok_or(rtn_status::RTN_SEAL_REQUIRED)?, out)?);
        Ok(())
    })
}

/// Verifies an account blob with `*seal` (key and customer id) and initialises `*account_out`
/// with it; an account whose write counter is below `min_write_counter` is refused. Blobs of
/// the first release (format version 1) are read too.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (a length beyond `PTRDIFF_MAX`,
/// such as `SIZE_MAX`); `RTN_SEAL_REQUIRED`; `RTN_KEY_TOO_SHORT`; `RTN_CONTEXT_TOO_LONG`;
/// `RTN_DECODE_TRUNCATED`; `RTN_DECODE_BAD_MAGIC`; `RTN_DECODE_UNKNOWN_KIND`;
/// `RTN_DECODE_WRONG_KIND`; `RTN_DECODE_UNSUPPORTED_VERSION`; `RTN_DECODE_LENGTH_MISMATCH`;
/// `RTN_DECODE_BAD_CHECKSUM`; `RTN_DECODE_BAD_TAG`; `RTN_DECODE_PAYLOAD`;
/// `RTN_DECODE_OVER_CAPACITY`; `RTN_DECODE_OUT_OF_RANGE`; `RTN_ACCOUNT_OLDER_COPY`. On error
/// `*account_out` is not written.
///
/// # Safety
/// `blob` must be valid for `blob_len` bytes; `seal` NULL or valid; `account_out` NULL or valid
/// for a write and not overlapping `blob`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_account_decode(
    blob: *const u8,
    blob_len: usize,
    seal: *const rtn_seal,
    min_write_counter: u32,
    account_out: *mut rtn_account,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (blob, seal, account_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(seal),
                Out::new(account_out),
            )
        };
        let account_out = account_out.required()?;
        let (blob, seal) = (blob.get()?, rtn_seal::read(seal)?);
        let account = Account::decode(
            blob,
            seal.ok_or(rtn_status::RTN_SEAL_REQUIRED)?,
            min_write_counter,
        )?;
        account_out.init(account);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [0x42; 32];
    // 2024-03-05T12:00:00Z.
    const NOON: i64 = 1_709_640_000;
    const DAY: i64 = 86_400;

    fn empty() -> rtn_account {
        rtn_account {
            opaque: [MaybeUninit::new(0); RTN_ACCOUNT_STORAGE_WORDS],
        }
    }

    fn id(terminal: u32, sequence: u32) -> rtn_event_id {
        rtn_event_id { terminal, sequence }
    }

    fn summary(account: &rtn_account, now: i64) -> rtn_account_summary {
        let mut s = rtn_account_summary::default();
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { rtn_account_summarize(account, now, 0, &mut s) },
            rtn_status::RTN_OK
        );
        s
    }

    #[test]
    fn earn_redeem_clawback_and_round_trip() {
        assert!(size_of::<Account>() + 8 <= RTN_ACCOUNT_STORAGE_WORDS * 8);
        let program = rtn_account_program {
            expiry_months: 12,
            pending_days: 14,
        };
        let mut account = empty();
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(rtn_account_init(&program, &mut account), rtn_status::RTN_OK);
            assert_eq!(
                rtn_account_earn(&mut account, id(1, 1), 100, NOON, 0),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_account_redeem(&mut account, id(1, 2), 1, NOON, 0),
                rtn_status::RTN_ACCOUNT_INSUFFICIENT_POINTS
            );
            assert_eq!(
                rtn_account_clawback(&mut account, id(2, 1), id(3, 1), 10, NOON, 0),
                rtn_status::RTN_ACCOUNT_UNKNOWN_TRANSACTION
            );
            assert_eq!(
                rtn_account_clawback(&mut account, id(2, 1), id(1, 1), 130, NOON, 0),
                rtn_status::RTN_OK
            );
        }
        // 100 pending, 130 clawed back: 30 owed.
        let s = summary(&account, NOON);
        assert_eq!((s.available, s.pending, s.debt), (0, 0, 30));
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                rtn_account_earn(&mut account, id(1, 2), 50, NOON + DAY, 0),
                rtn_status::RTN_OK
            );
        }
        // 20 of the 50 are left after the debt, spendable 14 days later.
        assert_eq!(summary(&account, NOON + 15 * DAY).available, 20);
        let mut points = 0u64;
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                rtn_account_qualifying_points(&account, NOON + 15 * DAY, 0, 12, &mut points),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_account_qualifying_points(&account, NOON, 0, 13, &mut points),
                rtn_status::RTN_ACCOUNT_INVALID_WINDOW
            );
        }
        assert_eq!(points, 20);
        let seal = rtn_seal {
            key: KEY.as_ptr(),
            key_len: KEY.len(),
            context: b"cust-1".as_ptr(),
            context_len: 6,
        };
        let mut blob = [0u8; RTN_ACCOUNT_MAX_LEN];
        let mut written = 0usize;
        let mut back = empty();
        // SAFETY: valid pointers and lengths.
        unsafe {
            assert_eq!(
                rtn_account_encode(&account, &seal, blob.as_mut_ptr(), 20, &mut written),
                rtn_status::RTN_BUFFER_TOO_SMALL
            );
            assert_eq!(
                rtn_account_encode(&account, &seal, blob.as_mut_ptr(), blob.len(), &mut written),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_account_decode(blob.as_ptr(), written, &seal, 0, &mut back),
                rtn_status::RTN_OK
            );
        }
        assert_eq!(
            summary(&back, NOON + 15 * DAY),
            summary(&account, NOON + 15 * DAY)
        );
    }

    #[test]
    fn nulls_and_concurrent_copies() {
        let program = rtn_account_program {
            expiry_months: 0,
            pending_days: 0,
        };
        let mut a = empty();
        let mut s = rtn_account_summary::default();
        // SAFETY: NULL and zeroed storage are rejected before any read; other pointers valid.
        unsafe {
            assert_eq!(
                rtn_account_summarize(&a, NOON, 0, &mut s),
                rtn_status::RTN_UNINITIALIZED
            );
            assert_eq!(
                rtn_account_init(
                    &rtn_account_program {
                        expiry_months: 14,
                        pending_days: 0
                    },
                    &mut a
                ),
                rtn_status::RTN_ACCOUNT_INVALID_PROGRAM
            );
            assert_eq!(rtn_account_init(&program, &mut a), rtn_status::RTN_OK);
            assert_eq!(
                rtn_account_earn(&mut a, id(1, 1), 50, NOON, 0),
                rtn_status::RTN_OK
            );
            let mut b = rtn_account { opaque: a.opaque };
            // Both offline copies redeem 40 of the 50; each earns 5.
            for (copy, terminal) in [(&mut a, 2), (&mut b, 3)] {
                assert_eq!(
                    rtn_account_redeem(copy, id(terminal, 1), 40, NOON, 0),
                    rtn_status::RTN_OK
                );
                assert_eq!(
                    rtn_account_earn(copy, id(terminal, 2), 5, NOON, 0),
                    rtn_status::RTN_OK
                );
            }
            let a_ptr: *mut rtn_account = &mut a;
            assert_eq!(rtn_account_merge(a_ptr, &b, a_ptr), rtn_status::RTN_OK);
            let mut merged = empty();
            assert_eq!(
                rtn_account_merge(&a, core::ptr::null(), &mut merged),
                rtn_status::RTN_NULL_PARAMETER
            );
            assert_eq!(
                rtn_account_earn(&mut a, id(1, 2), 1 << 24, NOON, 0),
                rtn_status::RTN_OVERFLOW
            );
        }
        // 50 + 5 + 5 earned, 80 redeemed: 20 overdrawn, owed; nothing available.
        let s = summary(&a, NOON);
        assert_eq!((s.available, s.debt, s.overdrawn), (0, 20, 20));
        assert_eq!((s.terminals, s.recent_events, s.write_counter), (3, 5, 4));
    }
}
