//! The account's fixed-width layout inside the envelope (`docs/formats.md`, *Points account*).
//!
//! ```text
//! payload offset    size  field
//! 0                 1     expiry months, 0..=13 (0: never)
//! 1                 1     pending days, 0..=90
//! 2                 4     write counter, u32
//! 6                 2     as of, day number u16 (0: no event yet)
//! 8                 4     debt, u32
//! 12                1     t: terminals, 0..=8
//! 13                1     l: lots, 0..=14
//! 14 + 8·i          8     terminal i, by ascending id: terminal u32, sequence u32 (>= 1)
//! 14 + 8·t + 15·j   15    lot j, by ascending month: month u16 (months since 1970-01),
//!                           qualifying u32, remaining u32, pending u32 (<= remaining),
//!                           pending until u8 (days after the month's first day; 0: none)
//! ```

use heapless::Vec;

use super::account::{Account, Lot, month_start};
use super::{AccountProgram, AccountReadError, MAX_LOTS, MAX_TERMINALS};
use crate::envelope::{self, DecodeError, EncodeError, Kind, Seal};
use crate::fixed::{self, Reader, Writer};
use crate::terminal::TerminalId;

/// Bytes of the account header in the payload.
pub const HEADER_LEN: usize = 14;
/// Bytes of one terminal in the payload.
pub const TERMINAL_LEN: usize = 8;
/// Bytes of one lot in the payload.
pub const LOT_LEN: usize = 15;
/// The largest account payload (288 bytes).
pub const MAX_PAYLOAD_LEN: usize = HEADER_LEN + MAX_TERMINALS * TERMINAL_LEN + MAX_LOTS * LOT_LEN;
/// The largest account blob: envelope (10 bytes), payload, 16-byte tag — 314 bytes.
pub const MAX_ENCODED_LEN: usize =
    envelope::OVERHEAD_LEN + MAX_PAYLOAD_LEN + envelope::LONG_TAG_LEN;

const _: () = assert!(MAX_ENCODED_LEN == 314);
/// The month of 2149-06-06, the last day an account stores (day number 65535).
const LAST_MONTH: u16 = (2149 - 1970) * 12 + 5;
const _: () = assert!(Kind::Account.tag_len() == envelope::LONG_TAG_LEN);
// Counts are single bytes.
const _: () = assert!(MAX_TERMINALS <= 255 && MAX_LOTS <= 255);

impl Account {
    /// The length of this account's blob: `26 + 14 + 8 × terminals + 15 × lots` bytes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        envelope::encoded_len(Kind::Account, self.payload_len())
    }

    fn payload_len(&self) -> usize {
        // At most MAX_PAYLOAD_LEN (288).
        #[allow(clippy::arithmetic_side_effects)]
        let len = HEADER_LEN + self.terminals.len() * TERMINAL_LEN + self.lots.len() * LOT_LEN;
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
        let mut w = Writer::new(out);
        w.u8(self.program.expiry_months)?;
        w.u8(self.program.pending_days)?;
        w.u32(self.write_counter)?;
        w.u16(match self.as_of {
            Some(day) => fixed::compact_day(day)?,
            None => 0,
        })?;
        w.u32(self.debt)?;
        w.u8(u8::try_from(self.terminals.len()).ok()?)?;
        w.u8(u8::try_from(self.lots.len()).ok()?)?;
        for &(terminal, sequence) in &self.terminals {
            w.u32(terminal.0)?;
            w.u32(sequence)?;
        }
        for lot in &self.lots {
            w.u16(lot.month)?;
            w.u32(lot.qualifying)?;
            w.u32(lot.remaining)?;
            w.u32(lot.pending)?;
            w.u8(match lot.pending_until {
                Some(until) => {
                    let start = month_start(u32::from(lot.month))?;
                    u8::try_from(until.days_since(start)).ok()?
                }
                None => 0,
            })?;
        }
        Some(w.len())
    }

    /// Verifies an account blob with `seal` (the key and the customer id) and reads it. An
    /// authentic account whose write counter is below `min_write_counter` is refused.
    ///
    /// Errors: [`AccountReadError::Blob`] with the envelope's checks and the payload's:
    /// `Payload` (length not as the counts say, terminals or lots out of order), `OverCapacity`
    /// (more than 8 terminals or 14 lots), `OutOfRange` (a program beyond its limits, a
    /// sequence number 0, pending above remaining, a pending date that does not fit the
    /// program, debt beside unspent points, lots or terminals without a day);
    /// [`AccountReadError::OlderCopy`].
    pub fn decode(
        blob: &[u8],
        seal: Seal<'_>,
        min_write_counter: u32,
    ) -> Result<Account, AccountReadError> {
        let opened = envelope::open(blob, Kind::Account, Some(seal))?;
        let account = Account::read_payload(opened.payload)?;
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
        let program = AccountProgram {
            expiry_months: r.u8()?,
            pending_days: r.u8()?,
        };
        program.validate().map_err(|_| DecodeError::OutOfRange)?;
        let write_counter = r.u32()?;
        let as_of = r.day()?;
        let debt = r.u32()?;
        let terminal_count = usize::from(r.u8()?);
        let lot_count = usize::from(r.u8()?);
        if terminal_count > MAX_TERMINALS || lot_count > MAX_LOTS {
            return Err(DecodeError::OverCapacity);
        }
        // Counts are checked against the capacities above, so this cannot overflow.
        #[allow(clippy::arithmetic_side_effects)]
        let expected = HEADER_LEN + terminal_count * TERMINAL_LEN + lot_count * LOT_LEN;
        if payload.len() != expected {
            return Err(DecodeError::Payload);
        }
        if as_of.is_none() && (terminal_count > 0 || lot_count > 0) {
            return Err(DecodeError::OutOfRange);
        }
        let mut terminals: Vec<(TerminalId, u32), MAX_TERMINALS> = Vec::new();
        for _ in 0..terminal_count {
            let terminal = TerminalId(r.u32()?);
            let sequence = r.u32()?;
            if sequence == 0 {
                return Err(DecodeError::OutOfRange);
            }
            if terminals.last().is_some_and(|&(last, _)| last >= terminal) {
                return Err(DecodeError::Payload);
            }
            terminals
                .push((terminal, sequence))
                .map_err(|_| DecodeError::OverCapacity)?;
        }
        let mut lots: Vec<Lot, MAX_LOTS> = Vec::new();
        for _ in 0..lot_count {
            let month = r.u16()?;
            let qualifying = r.u32()?;
            let remaining = r.u32()?;
            let pending = r.u32()?;
            let until_offset = r.u8()?;
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
            if pending > remaining
                || (pending > 0) != (until_offset > 0)
                || (pending > 0 && !until_fits)
            {
                return Err(DecodeError::OutOfRange);
            }
            if debt > 0 && remaining > 0 {
                return Err(DecodeError::OutOfRange);
            }
            if lots.last().is_some_and(|last: &Lot| last.month >= month) {
                return Err(DecodeError::Payload);
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
            lots.push(Lot {
                month,
                qualifying,
                remaining,
                pending,
                pending_until,
            })
            .map_err(|_| DecodeError::OverCapacity)?;
        }
        r.finish()?;
        Ok(Account {
            program,
            write_counter,
            as_of,
            debt,
            terminals,
            lots,
        })
    }
}
