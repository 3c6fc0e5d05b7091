//! Terminals and the events they number.
//!
//! Offline terminals cannot agree on a global order, so every event (a sale, a stamp, a
//! redemption, a refund) is named by the terminal that made it and that terminal's own sequence
//! number. Replaying an [`EventId`] that was already applied changes nothing; two copies of a
//! card or account merge by terminal.

use core::fmt;

use serde::{Deserialize, Serialize};

/// A terminal (till) of the operator, numbered by the operator. Fits in 4 bytes on a card.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TerminalId(pub u32);

impl fmt::Display for TerminalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}", self.0)
    }
}

/// One event on one terminal: the terminal and its sequence number. A terminal numbers its
/// events 1, 2, 3, ... and never reuses a number; sequence 0 is never issued.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct EventId {
    /// The terminal that made the event.
    pub terminal: TerminalId,
    /// The terminal's sequence number for it, from 1.
    pub sequence: u32,
}

impl EventId {
    /// The event `sequence` of `terminal`.
    #[must_use]
    pub const fn new(terminal: u32, sequence: u32) -> EventId {
        EventId {
            terminal: TerminalId(terminal),
            sequence,
        }
    }
}

/// Written as `T7#1234`.
impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.terminal, self.sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_order() {
        assert_eq!(EventId::new(7, 1234).to_string(), "T7#1234");
        assert!(EventId::new(1, 9) < EventId::new(2, 1));
        assert!(EventId::new(2, 1) < EventId::new(2, 2));
    }
}
