//! The account's fixed-width layout inside the envelope (`docs/formats.md`, *Points account*).
//!
//! Version 2 (written):
//!
//! ```text
//! payload offset  size  field
//! 0               1     expiry months, 0..=13 (0: never)
//! 1               1     pending days, 0..=90
//! 2               4     write counter, u32
//! 6               2     as of, day number u16 (0: no event yet)
//! 8               2     checkpoint day, day number u16 (0: nothing folded yet)
//! 10              4     debt, u32 (checkpoint)
//! 14              4     overdrawn, u32 (checkpoint)
//! 18              1     t: terminals, 0..=8
//! 19              1     l: lots, 0..=14
//! 20              1     e: recent events, 0..=8
//! 21              8·t   terminal, by ascending id: terminal u32, watermark u32 (0: none)
//! then            8|12  lot, by ascending month: month u16 (bit 15: pending follows),
//!                         qualifying u24, remaining u24 [, pending u24, pending until u8
//!                         (days after the month's first day)] — at most 4 lots with pending
//! then            10·e  recent event, in canonical order: terminal index (bits 0..2) and kind
//!                         (bits 3..4: 0 earn, 1 redeem, 2 clawback) u8, sequence u32,
//!                         day u16, points u24
//! ```
//!
//! Version 1 (the first release: no recent events, 32-bit lots) is still read, as a checkpoint.

use heapless::Vec;

use super::account::Account;
use super::ledger::{Ledger, Lot, month_of, month_start};
use super::recent::{Recent, RecentKind};
use super::{
    AccountProgram, AccountReadError, MAX_LOT_POINTS, MAX_LOTS, MAX_PENDING_LOTS,
    MAX_RECENT_EVENTS, MAX_TERMINALS,
};
use crate::envelope::{self, DecodeError, EncodeError, Kind, Seal};
use crate::fixed::{self, Reader, Writer};
use crate::terminal::{EventId, TerminalId};
use crate::time::Day;

/// Bytes of the account header in the payload.
pub const HEADER_LEN: usize = 21;
/// Bytes of one terminal in the payload.
pub const TERMINAL_LEN: usize = 8;
/// Bytes of one lot in the payload, without pending points.
pub const LOT_LEN: usize = 8;
/// Further bytes of a lot with pending points (at most [`MAX_PENDING_LOTS`] of them).
pub const PENDING_LEN: usize = 4;
/// Bytes of one recent event in the payload.
pub const EVENT_LEN: usize = 10;
/// The largest account payload (293 bytes).
pub const MAX_PAYLOAD_LEN: usize = HEADER_LEN
    + MAX_TERMINALS * TERMINAL_LEN
    + MAX_LOTS * LOT_LEN
    + MAX_PENDING_LOTS * PENDING_LEN
    + MAX_RECENT_EVENTS * EVENT_LEN;
/// The largest account blob: envelope (10 bytes), payload, 16-byte tag — 319 bytes.
pub const MAX_ENCODED_LEN: usize =
    envelope::OVERHEAD_LEN + MAX_PAYLOAD_LEN + envelope::LONG_TAG_LEN;

const _: () = assert!(MAX_ENCODED_LEN == 319);
/// The month of 2149-06-06, the last day an account stores (day number 65535).
const LAST_MONTH: u16 = (2149 - 1970) * 12 + 5;
/// Bit 15 of a lot's month word: pending points follow.
const PENDING_FLAG: u16 = 0x8000;
const _: () = assert!(LAST_MONTH < PENDING_FLAG);
const _: () = assert!(Kind::Account.tag_len() == envelope::LONG_TAG_LEN);
// Counts are single bytes; a terminal index fits in 3 bits.
const _: () = assert!(MAX_TERMINALS <= 8 && MAX_LOTS <= 255 && MAX_RECENT_EVENTS <= 255);
// Lot and event points fit in 24 bits.
const _: () = assert!(MAX_LOT_POINTS == 0x00FF_FFFF);
/// The first version, read as a checkpoint.
const VERSION_1: u8 = 1;

impl Account {
    /// The length of this account's blob: `26 + 21 + 8 × terminals + 8 × lots + 4 × lots with
    /// pending points + 10 × recent events` bytes, at most [`MAX_ENCODED_LEN`].
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        envelope::encoded_len(Kind::Account, self.payload_len())
    }

    fn payload_len(&self) -> usize {
        let pending = self
            .checkpoint
            .lots
            .iter()
            .filter(|lot| lot.pending > 0)
            .count();
        // Every count is bounded by its capacity: at most MAX_PAYLOAD_LEN (293).
        #[allow(clippy::arithmetic_side_effects)]
        let len = HEADER_LEN
            + self.terminals.len() * TERMINAL_LEN
            + self.checkpoint.lots.len() * LOT_LEN
            + pending * PENDING_LEN
            + self.recent.len() * EVENT_LEN;
        len
    }

    /// Writes the account's blob into `out`, tagged with `seal` (the key and the customer id as
    /// context), and returns its length ([`Account::encoded_len`], at most
    /// [`MAX_ENCODED_LEN`]).
    ///
    /// Errors: [`EncodeError::BufferTooSmall`].
    pub fn encode(&self, seal: Seal<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
        let mut payload = [0u8; MAX_PAYLOAD_LEN];
        let len = self
            .write_payload(&mut payload)
            .ok_or(EncodeError::Internal)?;
        let payload = payload.get(..len).ok_or(EncodeError::Internal)?;
        envelope::encode_raw(Kind::Account, payload, Some(seal), out)
    }

    fn write_payload(&self, out: &mut [u8]) -> Option<usize> {
        let day = |day: Option<Day>| match day {
            Some(day) => fixed::compact_day(day),
            None => Some(0),
        };
        let ledger = &self.checkpoint;
        let pending_lots = ledger.lots.iter().filter(|lot| lot.pending > 0).count();
        if pending_lots > MAX_PENDING_LOTS {
            return None;
        }
        let mut w = Writer::new(out);
        w.u8(self.program.expiry_months)?;
        w.u8(self.program.pending_days)?;
        w.u32(self.write_counter)?;
        w.u16(day(self.as_of)?)?;
        w.u16(day(ledger.day)?)?;
        w.u32(ledger.debt)?;
        w.u32(ledger.overdrawn)?;
        w.u8(u8::try_from(self.terminals.len()).ok()?)?;
        w.u8(u8::try_from(ledger.lots.len()).ok()?)?;
        w.u8(u8::try_from(self.recent.len()).ok()?)?;
        for &(terminal, watermark) in &self.terminals {
            w.u32(terminal.0)?;
            w.u32(watermark)?;
        }
        for lot in &ledger.lots {
            if lot.pending == 0 {
                w.u16(lot.month)?;
                w.u24(lot.qualifying)?;
                w.u24(lot.remaining)?;
            } else {
                w.u16(lot.month | PENDING_FLAG)?;
                w.u24(lot.qualifying)?;
                w.u24(lot.remaining)?;
                w.u24(lot.pending)?;
                let start = month_start(u32::from(lot.month))?;
                w.u8(u8::try_from(lot.pending_until?.days_since(start)).ok()?)?;
            }
        }
        for event in &self.recent {
            let index = self
                .terminals
                .iter()
                .position(|&(terminal, _)| terminal == event.id.terminal)?;
            let index = u8::try_from(index).ok()?;
            w.u8(index | event.kind.code() << 3)?;
            w.u32(event.id.sequence)?;
            w.u16(fixed::compact_day(event.day)?)?;
            w.u24(event.points)?;
        }
        Some(w.len())
    }

    /// Verifies an account blob with `seal` (the key and the customer id) and reads it. An
    /// authentic account whose write counter is below `min_write_counter` is refused. Blobs of
    /// format version 1 (the first release) are read too: their lots become the checkpoint.
    ///
    /// Errors: [`AccountReadError::Blob`] with the envelope's checks and the payload's:
    /// `Payload` (length not as the counts say, terminals, lots or events out of order, an
    /// event twice), `OverCapacity` (more than 8 terminals, 14 lots, 4 lots with pending points
    /// or 8 events; a version-1 lot beyond 2^24 − 1 points), `OutOfRange` (a program beyond
    /// its limits, a pending date that does not fit the program, an event at or below its
    /// terminal's watermark or after the account's day, a checkpoint not settled to its day,
    /// owed points beside spendable ones, a terminal with neither watermark nor event, a
    /// balance that does not replay); [`AccountReadError::OlderCopy`].
    pub fn decode(
        blob: &[u8],
        seal: Seal<'_>,
        min_write_counter: u32,
    ) -> Result<Account, AccountReadError> {
        let opened = envelope::open(blob, Kind::Account, Some(seal))?;
        let account = if opened.version == VERSION_1 {
            Account::read_version_1(opened.payload)?
        } else {
            Account::read_payload(opened.payload)?
        };
        account.check()?;
        if account.write_counter < min_write_counter {
            return Err(AccountReadError::OlderCopy {
                write_counter: account.write_counter,
                min_write_counter,
            });
        }
        Ok(account)
    }

    fn read_payload(payload: &[u8]) -> Result<Account, DecodeError> {
        let mut r = Reader::new(payload);
        let program = read_program(&mut r)?;
        let write_counter = r.u32()?;
        let as_of = r.day()?;
        let checkpoint_day = r.day()?;
        let debt = r.u32()?;
        let overdrawn = r.u32()?;
        let terminal_count = usize::from(r.u8()?);
        let lot_count = usize::from(r.u8()?);
        let event_count = usize::from(r.u8()?);
        if terminal_count > MAX_TERMINALS || lot_count > MAX_LOTS || event_count > MAX_RECENT_EVENTS
        {
            return Err(DecodeError::OverCapacity);
        }
        let terminals = read_terminals(&mut r, terminal_count)?;
        let mut lots: Vec<Lot, MAX_LOTS> = Vec::new();
        for _ in 0..lot_count {
            let word = r.u16()?;
            let qualifying = r.u24()?;
            let remaining = r.u24()?;
            let (pending, until_offset) = if word & PENDING_FLAG == 0 {
                (0, 0)
            } else {
                (r.u24()?, r.u8()?)
            };
            if word & PENDING_FLAG != 0 && pending == 0 {
                return Err(DecodeError::OutOfRange);
            }
            let lot = read_lot(
                &program,
                word & !PENDING_FLAG,
                [qualifying, remaining, pending],
                until_offset,
            )?;
            push_lot(&mut lots, lot)?;
        }
        if lots.iter().filter(|lot| lot.pending > 0).count() > MAX_PENDING_LOTS {
            return Err(DecodeError::OverCapacity);
        }
        let mut recent: Vec<Recent, MAX_RECENT_EVENTS> = Vec::new();
        for _ in 0..event_count {
            let tag = r.u8()?;
            let sequence = r.u32()?;
            let day = r.day()?.ok_or(DecodeError::OutOfRange)?;
            let points = r.u24()?;
            let kind = RecentKind::from_code(tag >> 3).ok_or(DecodeError::OutOfRange)?;
            let &(terminal, watermark) = terminals
                .get(usize::from(tag & 0x07))
                .ok_or(DecodeError::OutOfRange)?;
            if sequence <= watermark || points == 0 {
                return Err(DecodeError::OutOfRange);
            }
            let event = Recent {
                id: EventId { terminal, sequence },
                day,
                kind,
                points,
            };
            let in_order = recent
                .last()
                .is_none_or(|last| last.canonical(&event).is_lt());
            if !in_order || recent.iter().any(|known| known.id == event.id) {
                return Err(DecodeError::Payload);
            }
            recent.push(event).map_err(|_| DecodeError::OverCapacity)?;
        }
        r.finish()?;
        Ok(Account {
            program,
            write_counter,
            as_of,
            terminals,
            checkpoint: Ledger {
                day: checkpoint_day,
                debt,
                overdrawn,
                lots,
            },
            recent,
        })
    }

    /// A version-1 account (monthly lots in 32 bits, per-terminal sequences, no recent events)
    /// as a checkpoint settled to its day.
    fn read_version_1(payload: &[u8]) -> Result<Account, DecodeError> {
        let mut r = Reader::new(payload);
        let program = read_program(&mut r)?;
        let write_counter = r.u32()?;
        let as_of = r.day()?;
        let debt = r.u32()?;
        let terminal_count = usize::from(r.u8()?);
        let lot_count = usize::from(r.u8()?);
        if terminal_count > MAX_TERMINALS || lot_count > MAX_LOTS {
            return Err(DecodeError::OverCapacity);
        }
        let terminals = read_terminals(&mut r, terminal_count)?;
        let mut lots: Vec<Lot, MAX_LOTS> = Vec::new();
        for _ in 0..lot_count {
            let month = r.u16()?;
            let mut points = [0u32; 3];
            for field in &mut points {
                *field = r.u32()?;
                if u64::from(*field) > MAX_LOT_POINTS {
                    return Err(DecodeError::OverCapacity);
                }
            }
            let until_offset = r.u8()?;
            push_lot(&mut lots, read_lot(&program, month, points, until_offset)?)?;
        }
        r.finish()?;
        Ok(Account {
            program,
            write_counter,
            as_of,
            terminals,
            checkpoint: Ledger {
                day: as_of,
                debt,
                overdrawn: 0,
                lots,
            },
            recent: Vec::new(),
        })
    }

    /// The layout's rules across fields (`DecodeError::OutOfRange` for any broken one): the
    /// checkpoint is settled to its day and holds nothing when it has no day; owed points only
    /// where nothing is spendable; every terminal has a watermark or a recent event; the
    /// account's day is the latest of all; the recent events replay.
    fn check(&self) -> Result<(), DecodeError> {
        let ledger = &self.checkpoint;
        let used = self.terminals.iter().all(|&(terminal, watermark)| {
            watermark > 0 || self.recent.iter().any(|e| e.id.terminal == terminal)
        });
        let consistent = match ledger.day {
            None => {
                ledger.lots.is_empty()
                    && ledger.debt == 0
                    && ledger.overdrawn == 0
                    && self.terminals.iter().all(|&(_, watermark)| watermark == 0)
            }
            Some(day) => {
                let current = month_of(day).map_err(|_| DecodeError::OutOfRange)?;
                let mut settled = ledger.clone();
                settled
                    .settle(&self.program, day)
                    .map_err(|_| DecodeError::OutOfRange)?;
                settled == *ledger
                    && ledger
                        .lots
                        .iter()
                        .all(|lot| lot.month <= current && (ledger.debt == 0 || lot.remaining == 0))
            }
        };
        let latest = ledger
            .day
            .into_iter()
            .chain(self.recent.iter().map(|e| e.day))
            .max();
        let dated = match self.as_of {
            None => latest.is_none(),
            Some(as_of) => latest.is_none_or(|latest| latest <= as_of),
        };
        if !(used && consistent && dated) {
            return Err(DecodeError::OutOfRange);
        }
        if let Some(as_of) = self.as_of {
            self.view(as_of).map_err(|_| DecodeError::OutOfRange)?;
        }
        Ok(())
    }
}

fn read_program(r: &mut Reader<'_>) -> Result<AccountProgram, DecodeError> {
    let program = AccountProgram {
        expiry_months: r.u8()?,
        pending_days: r.u8()?,
    };
    program.validate().map_err(|_| DecodeError::OutOfRange)?;
    Ok(program)
}

/// `count` terminals by ascending id: id u32, sequence u32.
fn read_terminals(
    r: &mut Reader<'_>,
    count: usize,
) -> Result<Vec<(TerminalId, u32), MAX_TERMINALS>, DecodeError> {
    let mut terminals: Vec<(TerminalId, u32), MAX_TERMINALS> = Vec::new();
    for _ in 0..count {
        let terminal = TerminalId(r.u32()?);
        let sequence = r.u32()?;
        if terminals.last().is_some_and(|&(last, _)| last >= terminal) {
            return Err(DecodeError::Payload);
        }
        terminals
            .push((terminal, sequence))
            .map_err(|_| DecodeError::OverCapacity)?;
    }
    Ok(terminals)
}

/// A lot from its fields: `points` is qualifying, remaining, pending.
fn read_lot(
    program: &AccountProgram,
    month: u16,
    [qualifying, remaining, pending]: [u32; 3],
    until_offset: u8,
) -> Result<Lot, DecodeError> {
    // Months of the days an account stores: 1970-01 ..= 2149-06.
    if month > LAST_MONTH {
        return Err(DecodeError::OutOfRange);
    }
    let start = month_start(u32::from(month)).ok_or(DecodeError::OutOfRange)?;
    let pending_days = program.pending_days;
    // A pending date is the earning's day (in the lot's month) + pending_days.
    let until_fits = pending_days > 0
        && until_offset >= pending_days
        && u16::from(until_offset) <= u16::from(pending_days).saturating_add(30);
    if pending > remaining || (pending > 0) != (until_offset > 0) || (pending > 0 && !until_fits) {
        return Err(DecodeError::OutOfRange);
    }
    let pending_until = if until_offset == 0 {
        None
    } else {
        Some(
            start
                .checked_add_days(i32::from(until_offset))
                .map_err(|_| DecodeError::OutOfRange)?,
        )
    };
    Ok(Lot {
        month,
        qualifying,
        remaining,
        pending,
        pending_until,
    })
}

/// Appends `lot`, which must come after the last one.
fn push_lot(lots: &mut Vec<Lot, MAX_LOTS>, lot: Lot) -> Result<(), DecodeError> {
    if lots.last().is_some_and(|last| last.month >= lot.month) {
        return Err(DecodeError::Payload);
    }
    lots.push(lot).map_err(|_| DecodeError::OverCapacity)
}
