//! Punch cards: stamps toward a reward, kept on a 144-byte NFC tag, updated by offline
//! terminals and merged without losing or double-counting a stamp.
//!
//! A punch-card program ("10 coffees, the 11th free") is named by a [`ProgramId`]; one card blob
//! holds one program ([`CardProgram`]: stamps per reward, a daily stamp limit, an inactivity
//! lapse, an expiry date). The rule engine awards stamps to programs; a [`Card`] takes them as
//! [`CardEvent`]s.
//!
//! # State: a per-terminal PN-counter
//!
//! Every event carries its [`EventId`]: the terminal that made it and that terminal's sequence
//! number. The card keeps one entry per terminal (at most [`MAX_TERMINALS`]): the highest
//! sequence number seen from it, and grow-only counters of what it did — stamps given, stamps
//! voided, rewards redeemed — plus the stamps it gave on the card's latest stamp day. The card's
//! balance is derived from the counters:
//!
//! ```text
//! held stamps  B = Σ stamped − Σ voided − stamps_per_reward × Σ redeemed
//! rewards available = B / stamps_per_reward,  stamps toward the next = B mod stamps_per_reward
//! ```
//!
//! - **Idempotent.** An event whose sequence number is not above its terminal's highest is
//!   already applied: [`Card::apply`] returns the card unchanged. A terminal numbers its events
//!   1, 2, 3, ... and applies each to the card in front of it, so its events reach a card in order.
//! - **Mergeable.** [`Card::merge`] takes, per terminal, the larger sequence number and the larger
//!   counters (a join of grow-only counters), so it is commutative, associative and idempotent,
//!   loses no stamp and counts none twice — provided each terminal applies its events to a copy
//!   that holds its own earlier events (the copy it last wrote, or a merge of it), which is what a
//!   till does.
//! - **Double redemption** across offline copies shows after the merge as a negative balance:
//!   [`CardSummary::owed_stamps`] and [`CardSummary::overdrawn_rewards`] report it, never hidden,
//!   never wrapped. A void of stamps already redeemed is reported the same way.
//! - **Daily limit.** Each copy refuses stamps beyond [`CardProgram::daily_limit`] on one day
//!   ([`CardError::DailyLimitReached`]). Two copies stamped offline on the same day may together
//!   exceed it; after the merge [`CardSummary::daily_excess`] reports by how much. The card keeps
//!   only the latest stamp day's counts, so an excess on an earlier day that a terminal has since
//!   stamped over is not visible on the card (the event log shows it).
//! - **Generations.** Held stamps and unredeemed rewards lapse when no terminal has stamped for
//!   [`CardProgram::lapse_after_days`] days (`today > last stamp day + lapse_after_days`) or the
//!   card is past [`CardProgram::expires_on`]: the counters restart at zero in a new generation.
//!   At a merge the copy with the newer generation wins the counters: stamps of an older
//!   generation count as lapsed. A card that owes stamps does not lapse (debts do not expire).
//! - **A ninth terminal** is [`CardError::TerminalSlotsFull`] (or
//!   [`CardMergeError::TerminalSlotsFull`]), never a silent drop.
//!
//! # Compaction by the back office
//!
//! A card that has seen [`MAX_TERMINALS`] terminals, or whose counters near their maximum,
//! is compacted by the back office: it merges every copy it holds, waits until every terminal has
//! uploaded its offline events, then calls [`Card::compact`] with an event id of its own. The
//! result holds one entry (the back office's) with the same balance, and a higher write counter,
//! so terminals that see it refuse the older copies. Compaction forgets the other terminals'
//! sequence numbers: a later void of a transaction from before the compaction is
//! [`CardError::UnknownTransaction`], and a compacted card must not be merged with copies made
//! before it (their stamps would count again) — retire them first.
//!
//! # Encoding, replay and torn writes
//!
//! [`Card::encode`] writes a fixed-width layout (`docs/formats.md`, *Punch card*) inside the
//! envelope with an 8-byte HMAC tag over the card's UID, header and payload: at most
//! [`MAX_ENCODED_LEN`] = 144 bytes, the user memory of an NTAG213. Every transition that changes
//! the card increments its write counter; [`Card::decode`] refuses an authentic copy whose counter
//! is below the caller's `min_write_counter` ([`CardReadError::OlderCopy`]), so a terminal that
//! remembers the highest counter it has seen per UID refuses an older dump of that card.
//!
//! What this cannot catch: an old dump shown to a terminal that never saw the newer copy (or has
//! forgotten it) is accepted there; only a later merge or the back office's log reveals it. How
//! firmware survives a torn write: write the new image, read it back and decode it before
//! confirming the sale; keep the last good image per UID until the read-back succeeds; a torn
//! image fails the checksum and the tag ([`crate::envelope::DecodeError::BadChecksum`],
//! [`crate::envelope::DecodeError::BadTag`]), so the terminal rewrites the last good image with
//! the event applied again (the same [`EventId`], so a write that did land is not counted twice).
//!
//! ```
//! use retention_core::card::{Card, CardEvent, CardProgram, ProgramId};
//! use retention_core::envelope::Seal;
//! use retention_core::terminal::EventId;
//! use retention_core::time::Date;
//!
//! let coffee = CardProgram {
//!     program: ProgramId(7),
//!     stamps_per_reward: 10,
//!     daily_limit: 5,
//!     lapse_after_days: 180,
//!     expires_on: None,
//! };
//! let today = Date::new(2024, 3, 5)?.to_day();
//! let card = Card::new(coffee)?;
//! // Terminal 1 stamps 3; replaying the same event changes nothing.
//! let stamp = CardEvent::Stamp { id: EventId::new(1, 41), program: ProgramId(7), stamps: 3 };
//! let card = card.apply(&stamp, today)?;
//! assert_eq!(card.apply(&stamp, today)?, card);
//! assert_eq!(card.summary().stamps, 3);
//!
//! // Onto the NFC tag and back, bound to the card's UID.
//! let key = [0x5a; 32];
//! let seal = Seal::new(&key, b"04A1B2C3D4E5F6")?;
//! let mut tag = [0u8; retention_core::card::MAX_ENCODED_LEN];
//! let used = card.encode(seal, &mut tag)?;
//! let read = Card::decode(&tag[..used], seal, card.write_counter())?;
//! assert_eq!(read, card);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::envelope::DecodeError;
use crate::terminal::EventId;
use crate::time::Day;

mod encoding;
mod merge;
mod state;
mod summary;
#[cfg(test)]
mod tests;

pub use encoding::{ENTRY_LEN, HEADER_LEN, MAX_ENCODED_LEN, MAX_PAYLOAD_LEN};
pub use state::Card;
pub use summary::CardSummary;

/// A punch-card program of the operator ("coffee card"), numbered by the operator.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ProgramId(pub u16);

impl fmt::Display for ProgramId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "program {}", self.0)
    }
}

/// Terminals a card has room for; a ninth is [`CardError::TerminalSlotsFull`].
pub const MAX_TERMINALS: usize = 8;
/// The largest write counter (it is stored in 3 bytes; an NTAG213 endures about 100,000 writes).
pub const MAX_WRITE_COUNTER: u32 = 0x00FF_FFFF;

/// One punch-card program: how a card of it earns and loses stamps. Stored on every card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct CardProgram {
    /// The program.
    pub program: ProgramId,
    /// Stamps that make one reward, 1..=255.
    pub stamps_per_reward: u8,
    /// The most stamps a card takes on one local calendar day, 1..=255.
    pub daily_limit: u8,
    /// Held stamps lapse when no terminal has stamped for this many days; 0: never.
    pub lapse_after_days: u16,
    /// The last day the card can be used (in 1970-01-02..=2149-06-06); `None`: no expiry date.
    pub expires_on: Option<Day>,
}

/// An event a terminal applies to a card. Each carries the [`EventId`] that makes it
/// idempotent, and the program it is meant for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum CardEvent {
    /// Give `stamps` stamps (a rule outcome's stamps for this program, or a manual stamp).
    Stamp {
        /// The transaction.
        id: EventId,
        /// The program the stamps are for.
        program: ProgramId,
        /// Stamps to give, at least 1.
        stamps: u16,
    },
    /// Redeem one reward.
    Redeem {
        /// The redemption.
        id: EventId,
        /// The program of the reward.
        program: ProgramId,
    },
    /// Take back `stamps` stamps of the earlier transaction `original` (a refund or a void).
    Void {
        /// The refund.
        id: EventId,
        /// The program the stamps were given for.
        program: ProgramId,
        /// The transaction whose stamps are taken back.
        original: EventId,
        /// Stamps to take back, at least 1.
        stamps: u16,
    },
}

impl CardEvent {
    /// The event's own id.
    #[must_use]
    pub const fn id(&self) -> EventId {
        match *self {
            CardEvent::Stamp { id, .. }
            | CardEvent::Redeem { id, .. }
            | CardEvent::Void { id, .. } => id,
        }
    }

    /// The program the event is for.
    #[must_use]
    pub const fn program(&self) -> ProgramId {
        match *self {
            CardEvent::Stamp { program, .. }
            | CardEvent::Redeem { program, .. }
            | CardEvent::Void { program, .. } => program,
        }
    }
}

/// Why a [`CardProgram`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProgramError {
    /// `stamps_per_reward` is 0.
    NoStampsPerReward,
    /// `daily_limit` is 0.
    NoDailyLimit,
    /// `expires_on` lies outside 1970-01-02..=2149-06-06.
    DateOutOfRange,
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProgramError::NoStampsPerReward => "stamps per reward must be at least 1",
            ProgramError::NoDailyLimit => "the daily stamp limit must be at least 1",
            ProgramError::DateOutOfRange => "card expiry date outside 1970-01-02..=2149-06-06",
        })
    }
}

impl core::error::Error for ProgramError {}

/// Why an event (or [`Card::expire`], [`Card::compact`]) was refused. The card is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardError {
    /// The event is for another program than the card's.
    WrongProgram {
        /// The card's program.
        expected: ProgramId,
        /// The event's program.
        found: ProgramId,
    },
    /// The event's sequence number is 0 (terminals number their events from 1).
    InvalidEventId,
    /// A stamp or void of zero stamps.
    ZeroStamps,
    /// The stamps would exceed the daily limit; `remaining` more are allowed today.
    DailyLimitReached {
        /// Stamps the card still takes today.
        remaining: u8,
    },
    /// A redemption with no reward available.
    NoRewardAvailable,
    /// A void of a transaction the card has never seen (or that was compacted away).
    UnknownTransaction,
    /// The card already holds [`MAX_TERMINALS`] terminals; the back office must compact it.
    TerminalSlotsFull,
    /// The card is past its expiry date.
    CardExpired,
    /// `today` lies outside the days a card can store (1970-01-02..=2149-06-06).
    DateOutOfRange,
    /// A terminal's counter (stamps 65,535, voids 65,535 or rewards 255 per generation) is
    /// full; the back office must compact the card.
    CounterFull,
    /// The write counter is at [`MAX_WRITE_COUNTER`].
    WriteCounterExhausted,
    /// The card has lapsed 255 times; the generation counter is full.
    GenerationExhausted,
    /// A state the code believes impossible (a bug): nothing was changed.
    Internal,
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardError::WrongProgram { expected, found } => {
                write!(f, "event for {found}, but the card is {expected}")
            }
            CardError::InvalidEventId => f.write_str("event sequence number 0 is never issued"),
            CardError::ZeroStamps => f.write_str("zero stamps"),
            CardError::DailyLimitReached { remaining } => write!(
                f,
                "daily stamp limit reached: {remaining} more stamps allowed today"
            ),
            CardError::NoRewardAvailable => f.write_str("no reward available to redeem"),
            CardError::UnknownTransaction => {
                f.write_str("the card has no record of the transaction to void")
            }
            CardError::TerminalSlotsFull => write!(
                f,
                "the card already holds {MAX_TERMINALS} terminals: compact it"
            ),
            CardError::CardExpired => f.write_str("the card is past its expiry date"),
            CardError::DateOutOfRange => {
                f.write_str("day outside the card's range 1970-01-02..=2149-06-06")
            }
            CardError::CounterFull => {
                f.write_str("a terminal's stamp counter is full: compact the card")
            }
            CardError::WriteCounterExhausted => f.write_str("the card's write counter is full"),
            CardError::GenerationExhausted => f.write_str("the card's generation counter is full"),
            CardError::Internal => f.write_str("internal error (a bug in the SDK)"),
        }
    }
}

impl core::error::Error for CardError {}

/// Why two copies of a card could not be merged. Both are unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardMergeError {
    /// The copies belong to different programs (or the same program with other parameters).
    ProgramMismatch,
    /// Together the copies hold more than [`MAX_TERMINALS`] terminals; compact first.
    TerminalSlotsFull,
    /// The larger write counter is already at [`MAX_WRITE_COUNTER`].
    WriteCounterExhausted,
}

impl fmt::Display for CardMergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardMergeError::ProgramMismatch => {
                f.write_str("the copies belong to different programs")
            }
            CardMergeError::TerminalSlotsFull => write!(
                f,
                "the copies together hold more than {MAX_TERMINALS} terminals: compact first"
            ),
            CardMergeError::WriteCounterExhausted => {
                f.write_str("the card's write counter is full")
            }
        }
    }
}

impl core::error::Error for CardMergeError {}

/// Why a card blob was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardReadError {
    /// The blob was refused: truncated, corrupt, forged, another kind, ... (see
    /// [`DecodeError`]).
    Blob(DecodeError),
    /// An authentic copy, but older than one the caller has seen: its write counter is below
    /// `min_write_counter`.
    OlderCopy {
        /// The blob's write counter.
        write_counter: u32,
        /// The smallest counter the caller accepts.
        min_write_counter: u32,
    },
}

impl From<DecodeError> for CardReadError {
    fn from(error: DecodeError) -> CardReadError {
        CardReadError::Blob(error)
    }
}

impl fmt::Display for CardReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardReadError::Blob(error) => error.fmt(f),
            CardReadError::OlderCopy {
                write_counter,
                min_write_counter,
            } => write!(
                f,
                "older copy refused: write counter {write_counter} is below {min_write_counter}"
            ),
        }
    }
}

impl core::error::Error for CardReadError {}
