//! Punch cards in C: a card lives in caller-owned `rtn_card` storage; events update it in place
//! (only on success); it travels as a tagged blob of at most `RTN_CARD_MAX_LEN` bytes.

use core::mem::MaybeUninit;

use retention_core::card::{self, Card, CardEvent, CardProgram, ProgramId};
use retention_core::error::TimeUse;
use retention_core::terminal::EventId;

use crate::boundary;
use crate::envelope::rtn_seal;
use crate::handle::{In, InOut, InSlice, Opaque, Out, OutSlice, opaque};
use crate::status::rtn_status;
use crate::terminal::{day_number, local_day, optional_day, rtn_event_id};

/// The largest card blob in bytes (an NTAG213's user memory): size NFC buffers with it.
pub const RTN_CARD_MAX_LEN: usize = 144;
/// Terminals a card has room for; a ninth is `RTN_CARD_TERMINAL_SLOTS_FULL`.
pub const RTN_CARD_MAX_TERMINALS: usize = 8;
/// The largest write counter a card holds (3 bytes).
pub const RTN_CARD_MAX_WRITE_COUNTER: u32 = 16_777_215;
/// Size of `rtn_card` in 64-bit words.
pub const RTN_CARD_STORAGE_WORDS: usize = 32;

const _: () = {
    assert!(RTN_CARD_MAX_LEN == card::MAX_ENCODED_LEN);
    assert!(RTN_CARD_MAX_TERMINALS == card::MAX_TERMINALS);
    assert!(RTN_CARD_MAX_WRITE_COUNTER == card::MAX_WRITE_COUNTER);
};

/// A punch card in caller-owned storage (`uint64_t opaque[RTN_CARD_STORAGE_WORDS]`, 256
/// bytes). Initialise it with `rtn_card_init` or `rtn_card_decode`; copy it with `memcpy`; it
/// needs no clean-up.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_card {
    /// Opaque; only the SDK reads it.
    pub opaque: [MaybeUninit<u64>; RTN_CARD_STORAGE_WORDS],
}

opaque!(rtn_card: [RTN_CARD_STORAGE_WORDS] holds Card, magic b"rtnCARD1");

/// A punch-card program: how cards of it earn and lose stamps.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rtn_card_program {
    /// The program id the rule engine stamps.
    pub program: u16,
    /// Stamps that make one reward, 1..=255.
    pub stamps_per_reward: u8,
    /// The most stamps a card takes on one local day, 1..=255.
    pub daily_limit: u8,
    /// Held stamps lapse when no terminal has stamped for this many days; 0: never.
    pub lapse_after_days: u16,
    /// The card's last valid day, as days since 1970-01-01 (1..=65535); 0: no expiry date.
    pub expires_on: i32,
}

/// A card at a glance (`rtn_card_summarize`). Days are days since 1970-01-01; 0 means none.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_card_summary {
    /// The card's program.
    pub program: u16,
    /// Lapses so far.
    pub generation: u8,
    /// Terminals with an entry on the card, 0..=8.
    pub terminals: u8,
    /// Stamps toward the next reward.
    pub stamps: u32,
    /// Stamps still needed for the next reward (stamps owed first).
    pub stamps_to_next_reward: u32,
    /// Rewards that can be redeemed now.
    pub rewards_available: u32,
    /// Stamps the card owes (a reward redeemed on two offline copies, a void after a
    /// redemption); 0 in good standing.
    pub owed_stamps: u32,
    /// Rewards redeemed beyond those earned.
    pub overdrawn_rewards: u32,
    /// Stamps counted on `last_stamp_day` over every terminal.
    pub stamps_on_last_day: u32,
    /// Stamps beyond the daily limit on `last_stamp_day` (offline copies merged).
    pub daily_excess: u32,
    /// The card's write counter.
    pub write_counter: u32,
    /// The latest day a terminal stamped.
    pub last_stamp_day: i32,
    /// The last day held stamps are kept without a new stamp; 0 when nothing lapses.
    pub lapses_after: i32,
    /// The card's last valid day; 0: no expiry date.
    pub expires_on: i32,
}

/// A time out of range is the card's `RTN_CARD_DATE_OUT_OF_RANGE`.
const CARD_DAY: Option<TimeUse> = Some(TimeUse::CardDay);

/// Applies `event` to the card on `now`, in place, only on success (the body of the event
/// functions).
fn apply(
    card: InOut<'_, rtn_card>,
    event: CardEvent,
    now: i64,
    utc_offset_minutes: i16,
) -> Result<(), rtn_status> {
    let card = card.value_mut()?;
    *card = card.apply(&event, local_day(now, utc_offset_minutes, CARD_DAY)?)?;
    Ok(())
}

/// Initialises `*card_out` with a new, empty card of `*program` (write counter 0).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`program` or `card_out` NULL);
/// `RTN_CARD_INVALID_PROGRAM` (`stamps_per_reward` or `daily_limit` 0, `expires_on` outside
/// 1..=65535). On error `*card_out` is not written.
///
/// # Safety
/// `program` must be NULL or valid; `card_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_init(
    program: *const rtn_card_program,
    card_out: *mut rtn_card,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (program, card_out) = unsafe { (In::new(program), Out::new(card_out)) };
        let card_out = card_out.required()?;
        let program = program.get()?;
        let card = Card::new(CardProgram {
            program: ProgramId(program.program),
            stamps_per_reward: program.stamps_per_reward,
            daily_limit: program.daily_limit,
            lapse_after_days: program.lapse_after_days,
            expires_on: optional_day(program.expires_on, TimeUse::CardExpiry)?,
        })?;
        card_out.init(card);
        Ok(())
    })
}

/// Gives `stamps` stamps of `program` to the card for the transaction `id`, on `now` (Unix
/// seconds) at `utc_offset_minutes` east of UTC (the daily limit counts local days). Held
/// stamps that have lapsed by then lapse first. An event the card already holds changes
/// nothing and returns `RTN_OK`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT` (offset
/// beyond ±18:00); `RTN_CARD_WRONG_PROGRAM`; `RTN_CARD_INVALID_EVENT_ID` (sequence 0);
/// `RTN_CARD_DATE_OUT_OF_RANGE`; `RTN_CARD_EXPIRED`; `RTN_CARD_ZERO_STAMPS`;
/// `RTN_CARD_DAILY_LIMIT_REACHED`; `RTN_CARD_TERMINAL_SLOTS_FULL`; `RTN_CARD_COUNTER_FULL`;
/// `RTN_CARD_WRITE_COUNTER_EXHAUSTED`; `RTN_CARD_GENERATION_EXHAUSTED`. On error the card is
/// unchanged.
///
/// # Safety
/// `card` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_stamp(
    card: *mut rtn_card,
    program: u16,
    id: rtn_event_id,
    stamps: u16,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    let event = CardEvent::Stamp {
        id: id.into(),
        program: ProgramId(program),
        stamps,
    };
    boundary::catch(|| {
        // SAFETY: `card` is as the `# Safety` section above promises.
        let card = unsafe { InOut::new(card) };
        apply(card, event, now, utc_offset_minutes)
    })
}

/// Redeems one reward of `program` from the card (redemption `id`), on `now`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_CARD_WRONG_PROGRAM`; `RTN_CARD_INVALID_EVENT_ID`; `RTN_CARD_DATE_OUT_OF_RANGE`;
/// `RTN_CARD_EXPIRED`; `RTN_CARD_NO_REWARD_AVAILABLE`; `RTN_CARD_TERMINAL_SLOTS_FULL`;
/// `RTN_CARD_COUNTER_FULL`; `RTN_CARD_WRITE_COUNTER_EXHAUSTED`;
/// `RTN_CARD_GENERATION_EXHAUSTED`. On error the card is unchanged.
///
/// # Safety
/// `card` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_redeem(
    card: *mut rtn_card,
    program: u16,
    id: rtn_event_id,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    let event = CardEvent::Redeem {
        id: id.into(),
        program: ProgramId(program),
    };
    boundary::catch(|| {
        // SAFETY: `card` is as the `# Safety` section above promises.
        let card = unsafe { InOut::new(card) };
        apply(card, event, now, utc_offset_minutes)
    })
}

/// Takes back `stamps` stamps of `program` given by the earlier transaction `original` (a
/// refund or void, event `id`), on `now`. Stamps already redeemed leave the card owing them
/// (see `rtn_card_summary.owed_stamps`).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_CARD_WRONG_PROGRAM`; `RTN_CARD_INVALID_EVENT_ID`; `RTN_CARD_DATE_OUT_OF_RANGE`;
/// `RTN_CARD_EXPIRED`; `RTN_CARD_UNKNOWN_TRANSACTION` (the card never saw `original`);
/// `RTN_CARD_ZERO_STAMPS`; `RTN_CARD_TERMINAL_SLOTS_FULL`; `RTN_CARD_COUNTER_FULL`;
/// `RTN_CARD_WRITE_COUNTER_EXHAUSTED`; `RTN_CARD_GENERATION_EXHAUSTED`. On error the card is
/// unchanged.
///
/// # Safety
/// `card` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_void(
    card: *mut rtn_card,
    program: u16,
    id: rtn_event_id,
    original: rtn_event_id,
    stamps: u16,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    let event = CardEvent::Void {
        id: id.into(),
        program: ProgramId(program),
        original: original.into(),
        stamps,
    };
    boundary::catch(|| {
        // SAFETY: `card` is as the `# Safety` section above promises.
        let card = unsafe { InOut::new(card) };
        apply(card, event, now, utc_offset_minutes)
    })
}

/// Lapses the card's held stamps and rewards if no terminal has stamped for more than
/// `lapse_after_days` days, or the card is past its expiry date, on `now`; otherwise leaves
/// it unchanged. Call it before showing a card's summary.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT`;
/// `RTN_CARD_DATE_OUT_OF_RANGE`; `RTN_CARD_GENERATION_EXHAUSTED`;
/// `RTN_CARD_WRITE_COUNTER_EXHAUSTED`. On error the card is unchanged.
///
/// # Safety
/// `card` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_expire(
    card: *mut rtn_card,
    now: i64,
    utc_offset_minutes: i16,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `card` is as the `# Safety` section above promises.
        let card = unsafe { InOut::new(card) }.value_mut()?;
        *card = card.expire(local_day(now, utc_offset_minutes, CARD_DAY)?)?;
        Ok(())
    })
}

/// Merges two copies of one card (same UID) that terminals updated offline into
/// `*merged_out`, which may be `a` or `b`. Per terminal the larger counters win; a reward
/// redeemed on both copies shows as `owed_stamps`, stamps beyond the daily limit as
/// `daily_excess`; the write counter becomes one more than the larger of the two.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_CARD_PROGRAM_MISMATCH`;
/// `RTN_CARD_TERMINAL_SLOTS_FULL` (more than 8 terminals together);
/// `RTN_CARD_WRITE_COUNTER_EXHAUSTED`. On error `*merged_out` is not written.
///
/// # Safety
/// `a` and `b` must be NULL or valid; `merged_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_merge(
    a: *const rtn_card,
    b: *const rtn_card,
    merged_out: *mut rtn_card,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises; `merged_out` may
        // alias `a` or `b`, which are read to the end before it is written.
        let (a, b, merged_out) = unsafe { (In::new(a), In::new(b), Out::new(merged_out)) };
        let merged_out = merged_out.required()?;
        let (a, b) = (a.get()?, b.get()?);
        let merged = a.value()?.merge(b.value()?)?;
        merged_out.init(merged);
        Ok(())
    })
}

/// The back office's compaction, in place: one entry for the terminal of `office` holds the
/// card's balance; the other terminals' entries are dropped (see the README, *Punch cards*).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_CARD_INVALID_EVENT_ID`;
/// `RTN_CARD_COUNTER_FULL`; `RTN_CARD_WRITE_COUNTER_EXHAUSTED`. On error the card is unchanged.
///
/// # Safety
/// `card` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_compact(card: *mut rtn_card, office: rtn_event_id) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `card` is as the `# Safety` section above promises.
        let card = unsafe { InOut::new(card) }.value_mut()?;
        *card = card.compact(office.into())?;
        Ok(())
    })
}

/// Writes to `*applied_out` whether the card already holds event `id` (applying it again
/// would change nothing).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `card` must be NULL or valid; `applied_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_has_applied(
    card: *const rtn_card,
    id: rtn_event_id,
    applied_out: *mut bool,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (card, applied_out) = unsafe { (In::new(card), Out::new(applied_out)) };
        let applied_out = applied_out.required()?;
        applied_out.write(card.value()?.has_applied(EventId::from(id)));
        Ok(())
    })
}

/// Writes the card at a glance to `*summary_out`. It does not lapse stamps: call
/// `rtn_card_expire` with today's date first.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `card` must be NULL or valid; `summary_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_summarize(
    card: *const rtn_card,
    summary_out: *mut rtn_card_summary,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (card, summary_out) = unsafe { (In::new(card), Out::new(summary_out)) };
        let summary_out = summary_out.required()?;
        let s = card.value()?.summary();
        summary_out.write(rtn_card_summary {
            program: s.program.0,
            generation: s.generation,
            terminals: s.terminals,
            stamps: s.stamps,
            stamps_to_next_reward: s.stamps_to_next_reward,
            rewards_available: s.rewards_available,
            owed_stamps: s.owed_stamps,
            overdrawn_rewards: s.overdrawn_rewards,
            stamps_on_last_day: s.stamps_on_last_day,
            daily_excess: s.daily_excess,
            write_counter: s.write_counter,
            last_stamp_day: day_number(s.last_stamp_day),
            lapses_after: day_number(s.lapses_after),
            expires_on: day_number(s.expires_on),
        });
        Ok(())
    })
}

/// Writes the card's blob to `out` (`out_len` bytes; `RTN_CARD_MAX_LEN` always suffices),
/// tagged with `*seal` (the terminals' key; context: the card's UID), and its length to
/// `*written_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (a length beyond `PTRDIFF_MAX`,
/// such as `SIZE_MAX`); `RTN_UNINITIALIZED`; `RTN_SEAL_REQUIRED` (`seal` NULL);
/// `RTN_KEY_TOO_SHORT`; `RTN_CONTEXT_TOO_LONG`; `RTN_BUFFER_TOO_SMALL`. On error nothing is
/// written.
///
/// # Safety
/// `card` and `seal` must be NULL or valid; `out` valid for `out_len` bytes and not
/// overlapping the card; `written_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_encode(
    card: *const rtn_card,
    seal: *const rtn_seal,
    out: *mut u8,
    out_len: usize,
    written_out: *mut usize,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (card, seal, out, written_out) = unsafe {
            (
                In::new(card),
                In::new(seal),
                OutSlice::new(out, out_len),
                Out::new(written_out),
            )
        };
        let written_out = written_out.required()?;
        let (card, out, seal) = (card.get()?, out.get()?, rtn_seal::read(seal)?);
        let card = card.value()?;
        let seal = seal.ok_or(rtn_status::RTN_SEAL_REQUIRED)?;
        written_out.write(card.encode(seal, out)?);
        Ok(())
    })
}

/// Verifies a card blob read from the tag with `*seal` (key and UID) and initialises
/// `*card_out` with it. A card whose write counter is below `min_write_counter` — the highest
/// this terminal has seen for the UID, or 0 — is refused as an older copy.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (a length beyond `PTRDIFF_MAX`,
/// such as `SIZE_MAX`); `RTN_SEAL_REQUIRED`; `RTN_KEY_TOO_SHORT`; `RTN_CONTEXT_TOO_LONG`;
/// `RTN_DECODE_TRUNCATED`; `RTN_DECODE_BAD_MAGIC`; `RTN_DECODE_UNKNOWN_KIND`;
/// `RTN_DECODE_WRONG_KIND`; `RTN_DECODE_UNSUPPORTED_VERSION`; `RTN_DECODE_LENGTH_MISMATCH`;
/// `RTN_DECODE_BAD_CHECKSUM` (corrupt or torn); `RTN_DECODE_BAD_TAG` (wrong key, another card's
/// UID, forged); `RTN_DECODE_PAYLOAD`; `RTN_DECODE_OVER_CAPACITY`; `RTN_DECODE_OUT_OF_RANGE`;
/// `RTN_CARD_OLDER_COPY`. On error `*card_out` is not written.
///
/// # Safety
/// `blob` must be valid for `blob_len` bytes; `seal` NULL or valid; `card_out` NULL or valid
/// for a write and not overlapping `blob`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_card_decode(
    blob: *const u8,
    blob_len: usize,
    seal: *const rtn_seal,
    min_write_counter: u32,
    card_out: *mut rtn_card,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (blob, seal, card_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(seal),
                Out::new(card_out),
            )
        };
        let card_out = card_out.required()?;
        let (blob, seal) = (blob.get()?, rtn_seal::read(seal)?);
        let seal = seal.ok_or(rtn_status::RTN_SEAL_REQUIRED)?;
        card_out.init(Card::decode(blob, seal, min_write_counter)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [0x42; 32];
    const UID: [u8; 7] = [0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6];
    // 2024-03-05T12:00:00Z.
    const NOON: i64 = 1_709_640_000;

    fn empty() -> rtn_card {
        rtn_card {
            opaque: [MaybeUninit::new(0); RTN_CARD_STORAGE_WORDS],
        }
    }

    fn id(terminal: u32, sequence: u32) -> rtn_event_id {
        rtn_event_id { terminal, sequence }
    }

    fn new_card() -> rtn_card {
        let program = rtn_card_program {
            program: 7,
            stamps_per_reward: 5,
            daily_limit: 6,
            lapse_after_days: 90,
            expires_on: 0,
        };
        let mut card = empty();
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { rtn_card_init(&program, &mut card) },
            rtn_status::RTN_OK
        );
        card
    }

    fn summary(card: &rtn_card) -> rtn_card_summary {
        let mut s = rtn_card_summary::default();
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { rtn_card_summarize(card, &mut s) },
            rtn_status::RTN_OK
        );
        s
    }

    #[test]
    fn storage_fits_and_day_round_trips() {
        assert!(size_of::<Card>() + 8 <= RTN_CARD_STORAGE_WORDS * 8);
        let mut card = new_card();
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                rtn_card_stamp(&mut card, 7, id(1, 1), 3, NOON, 60),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_card_stamp(&mut card, 7, id(1, 2), 4, NOON, 60),
                rtn_status::RTN_CARD_DAILY_LIMIT_REACHED
            );
            assert_eq!(
                rtn_card_stamp(&mut card, 7, id(1, 2), 1, NOON, 24 * 60),
                rtn_status::RTN_INVALID_ARGUMENT
            );
        }
        let s = summary(&card);
        // 2024-03-05 is day 19787; 90 days later is day 19877.
        assert_eq!(
            (s.stamps, s.last_stamp_day, s.lapses_after),
            (3, 19_787, 19_877)
        );
        let seal = rtn_seal {
            key: KEY.as_ptr(),
            key_len: KEY.len(),
            context: UID.as_ptr(),
            context_len: UID.len(),
        };
        let mut blob = [0u8; RTN_CARD_MAX_LEN];
        let mut written = 0usize;
        let mut back = empty();
        // SAFETY: valid pointers and lengths.
        unsafe {
            assert_eq!(
                rtn_card_encode(&card, &seal, blob.as_mut_ptr(), blob.len(), &mut written),
                rtn_status::RTN_OK
            );
            assert_eq!(written, 18 + 14 + 14);
            assert_eq!(
                rtn_card_decode(blob.as_ptr(), written, &seal, 2, &mut back),
                rtn_status::RTN_CARD_OLDER_COPY
            );
            assert_eq!(
                rtn_card_decode(blob.as_ptr(), written, core::ptr::null(), 0, &mut back),
                rtn_status::RTN_SEAL_REQUIRED
            );
            assert_eq!(
                rtn_card_decode(blob.as_ptr(), written, &seal, 1, &mut back),
                rtn_status::RTN_OK
            );
        }
        assert_eq!(summary(&back), summary(&card));
    }

    #[test]
    fn nulls_uninitialised_storage_and_aliased_merge() {
        let mut card = new_card();
        let mut blank = empty();
        let mut s = rtn_card_summary::default();
        // SAFETY: NULL and zeroed storage are rejected before any read.
        unsafe {
            assert_eq!(
                rtn_card_stamp(core::ptr::null_mut(), 7, id(1, 1), 1, NOON, 0),
                rtn_status::RTN_NULL_PARAMETER
            );
            assert_eq!(
                rtn_card_stamp(&mut blank, 7, id(1, 1), 1, NOON, 0),
                rtn_status::RTN_UNINITIALIZED
            );
            assert_eq!(
                rtn_card_summarize(&card, core::ptr::null_mut()),
                rtn_status::RTN_NULL_PARAMETER
            );
            assert_eq!(
                rtn_card_summarize(&blank, &mut s),
                rtn_status::RTN_UNINITIALIZED
            );
            assert_eq!(
                rtn_card_init(core::ptr::null(), &mut blank),
                rtn_status::RTN_NULL_PARAMETER
            );
            assert_eq!(
                rtn_card_stamp(&mut card, 7, id(1, 1), 5, NOON, 0),
                rtn_status::RTN_OK
            );
            let other = card.opaque;
            let mut copy = rtn_card { opaque: other };
            assert_eq!(
                rtn_card_redeem(&mut copy, 7, id(2, 1), NOON, 0),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_card_redeem(&mut card, 7, id(1, 2), NOON, 0),
                rtn_status::RTN_OK
            );
            // The merged card written over its first input.
            let card_ptr: *mut rtn_card = &mut card;
            assert_eq!(
                rtn_card_merge(card_ptr, &copy, card_ptr),
                rtn_status::RTN_OK
            );
        }
        let s = summary(&card);
        assert_eq!((s.owed_stamps, s.overdrawn_rewards, s.terminals), (5, 1, 2));
        let mut applied = false;
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                rtn_card_has_applied(&card, id(2, 1), &mut applied),
                rtn_status::RTN_OK
            );
        }
        assert!(applied);
    }
}
