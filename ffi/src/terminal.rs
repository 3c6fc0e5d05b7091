//! Event ids and "now" in C: what every card and account event carries.

use retention_core::terminal::{EventId, TerminalId};
use retention_core::time::{Day, TimeError, Timestamp, UtcOffset};

/// One event of one terminal: the terminal and its sequence number. A terminal numbers its
/// events 1, 2, 3, ... and never reuses a number; sequence 0 is never issued. Replaying an
/// event id that a card or account already holds changes nothing.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rtn_event_id {
    /// The terminal (till) that made the event.
    pub terminal: u32,
    /// The terminal's sequence number for it, from 1.
    pub sequence: u32,
}

impl From<rtn_event_id> for EventId {
    fn from(id: rtn_event_id) -> EventId {
        EventId {
            terminal: TerminalId(id.terminal),
            sequence: id.sequence,
        }
    }
}

/// The local calendar day of `now` (Unix seconds) at `utc_offset_minutes` east of UTC.
pub(crate) fn local_day(now: i64, utc_offset_minutes: i16) -> Result<Day, TimeError> {
    let offset = UtcOffset::from_minutes(utc_offset_minutes)?;
    Ok(Timestamp::from_unix(now).local(offset)?.day())
}

/// A day number from C (days since 1970-01-01; 0 means "none").
pub(crate) fn optional_day(number: i32) -> Result<Option<Day>, TimeError> {
    if number == 0 {
        Ok(None)
    } else {
        Day::from_number(number).map(Some)
    }
}

/// A day for C: its number, or 0 for none.
pub(crate) fn day_number(day: Option<Day>) -> i32 {
    day.map_or(0, Day::number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days() {
        // 2024-03-05T23:30:00Z is 2024-03-06 in Berlin (UTC+01:00): day 19788.
        assert_eq!(local_day(1_709_681_400, 60).map(Day::number), Ok(19_788));
        assert_eq!(local_day(1_709_681_400, 0).map(Day::number), Ok(19_787));
        assert_eq!(local_day(0, 24 * 60), Err(TimeError::InvalidOffset));
        assert_eq!(local_day(i64::MAX, 0), Err(TimeError::OutOfRange));
        assert_eq!(optional_day(0), Ok(None));
        assert_eq!(day_number(optional_day(20_453).unwrap()), 20_453);
    }
}
