//! The card's fixed-width layout inside the envelope (`docs/formats.md`, *Punch card*).
//!
//! ```text
//! payload offset  size  field
//! 0               2     program id, u16
//! 2               1     stamps per reward, 1..=255
//! 3               1     daily limit, 1..=255
//! 4               2     lapse after days, u16 (0: never)
//! 6               2     expires on, day number u16 (0: no expiry date)
//! 8               1     generation
//! 9               3     write counter, u24
//! 12              2     last stamp day, day number u16 (0: never stamped)
//! 14 + 14·i       14    entry i, by ascending terminal id:
//!                         terminal u32, sequence u32 (>= 1), stamped u16, voided u16,
//!                         redeemed u8, stamped on the last stamp day u8
//! ```
//!
//! Day numbers count days since 1970-01-01. All integers little-endian.

use heapless::Vec;

use super::state::Entry;
use super::{Card, CardProgram, CardReadError, MAX_TERMINALS, ProgramId};
use crate::envelope::{self, DecodeError, EncodeError, Kind, Seal};
use crate::fixed::{self, Reader, Writer};
use crate::terminal::TerminalId;

/// Bytes of the card header in the payload.
pub const HEADER_LEN: usize = 14;
/// Bytes of one terminal entry in the payload.
pub const ENTRY_LEN: usize = 14;
/// The largest card payload: the header and [`MAX_TERMINALS`] entries (126 bytes).
pub const MAX_PAYLOAD_LEN: usize = HEADER_LEN + MAX_TERMINALS * ENTRY_LEN;
/// The largest card blob: envelope (10 bytes), payload, 8-byte tag — 144 bytes, the user
/// memory of an NTAG213.
pub const MAX_ENCODED_LEN: usize =
    envelope::OVERHEAD_LEN + MAX_PAYLOAD_LEN + envelope::SHORT_TAG_LEN;

const _: () = assert!(MAX_ENCODED_LEN == 144);
const _: () = assert!(Kind::Card.tag_len() == envelope::SHORT_TAG_LEN);

impl Card {
    /// The length of this card's blob: `18 + 14 + 14 × terminals` bytes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        envelope::encoded_len(Kind::Card, self.payload_len())
    }

    fn payload_len(&self) -> usize {
        // At most MAX_PAYLOAD_LEN (126).
        #[allow(clippy::arithmetic_side_effects)]
        let len = HEADER_LEN + self.entries.len() * ENTRY_LEN;
        len
    }

    /// Writes the card's blob into `out`, tagged with `seal` (the terminals' key and the card's
    /// UID as context), and returns its length ([`Card::encoded_len`], at most
    /// [`MAX_ENCODED_LEN`]).
    ///
    /// Errors: [`EncodeError::BufferTooSmall`].
    pub fn encode(&self, seal: Seal<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
        let mut payload = [0u8; MAX_PAYLOAD_LEN];
        let len = self
            .write_payload(&mut payload)
            .ok_or(EncodeError::Internal)?;
        let payload = payload.get(..len).ok_or(EncodeError::Internal)?;
        envelope::encode_raw(Kind::Card, payload, Some(seal), out)
    }

    /// The payload; `None` only if `out` is too small (it never is for `MAX_PAYLOAD_LEN`).
    fn write_payload(&self, out: &mut [u8]) -> Option<usize> {
        let program = &self.program;
        let mut w = Writer::new(out);
        w.u16(program.program.0)?;
        w.u8(program.stamps_per_reward)?;
        w.u8(program.daily_limit)?;
        w.u16(program.lapse_after_days)?;
        w.u16(match program.expires_on {
            Some(day) => fixed::compact_day(day)?,
            None => 0,
        })?;
        w.u8(self.generation)?;
        w.u24(self.write_counter)?;
        w.u16(match self.last_stamp_day {
            Some(day) => fixed::compact_day(day)?,
            None => 0,
        })?;
        for entry in &self.entries {
            w.u32(entry.terminal.0)?;
            w.u32(entry.sequence)?;
            w.u16(entry.stamped)?;
            w.u16(entry.voided)?;
            w.u8(entry.redeemed)?;
            w.u8(entry.stamped_on_last_day)?;
        }
        Some(w.len())
    }

    /// Verifies a card blob with `seal` (the key and the card's UID) and reads it. An authentic
    /// card whose write counter is below `min_write_counter` is refused: pass the highest
    /// counter this terminal has seen for the UID (0 to accept any).
    ///
    /// Errors: [`CardReadError::Blob`] with the envelope's checks (`Truncated`, `BadMagic`,
    /// `UnknownKind`, `WrongKind`, `UnsupportedVersion`, `LengthMismatch`, `BadChecksum`,
    /// `BadTag`) and the payload's: `Payload` (length not 14 + 14·k, entries out of order),
    /// `OverCapacity` (more than 8 entries), `OutOfRange` (a zero stamps-per-reward, daily
    /// limit or sequence number; a day count above the daily limit or without a stamp day);
    /// [`CardReadError::OlderCopy`].
    pub fn decode(
        blob: &[u8],
        seal: Seal<'_>,
        min_write_counter: u32,
    ) -> Result<Card, CardReadError> {
        let opened = envelope::open(blob, Kind::Card, Some(seal))?;
        let card = Card::read_payload(opened.payload)?;
        if card.write_counter < min_write_counter {
            return Err(CardReadError::OlderCopy {
                write_counter: card.write_counter,
                min_write_counter,
            });
        }
        Ok(card)
    }

    fn read_payload(payload: &[u8]) -> Result<Card, DecodeError> {
        let entries_len = payload
            .len()
            .checked_sub(HEADER_LEN)
            .ok_or(DecodeError::Payload)?;
        if entries_len % ENTRY_LEN != 0 {
            return Err(DecodeError::Payload);
        }
        if entries_len / ENTRY_LEN > MAX_TERMINALS {
            return Err(DecodeError::OverCapacity);
        }
        let mut r = Reader::new(payload);
        let program = CardProgram {
            program: ProgramId(r.u16()?),
            stamps_per_reward: r.u8()?,
            daily_limit: r.u8()?,
            lapse_after_days: r.u16()?,
            expires_on: r.day()?,
        };
        program.validate().map_err(|_| DecodeError::OutOfRange)?;
        let generation = r.u8()?;
        let write_counter = r.u24()?;
        let last_stamp_day = r.day()?;
        let mut entries: Vec<Entry, MAX_TERMINALS> = Vec::new();
        for _ in 0..entries_len / ENTRY_LEN {
            let entry = Entry {
                terminal: TerminalId(r.u32()?),
                sequence: r.u32()?,
                stamped: r.u16()?,
                voided: r.u16()?,
                redeemed: r.u8()?,
                stamped_on_last_day: r.u8()?,
            };
            if entry.sequence == 0
                || entry.stamped_on_last_day > program.daily_limit
                || (last_stamp_day.is_none() && entry.stamped_on_last_day != 0)
            {
                return Err(DecodeError::OutOfRange);
            }
            if entries
                .last()
                .is_some_and(|previous| previous.terminal >= entry.terminal)
            {
                return Err(DecodeError::Payload);
            }
            entries.push(entry).map_err(|_| DecodeError::OverCapacity)?;
        }
        r.finish()?;
        Ok(Card {
            program,
            generation,
            write_counter,
            last_stamp_day,
            entries,
        })
    }
}
