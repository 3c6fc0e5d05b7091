//! Event ids and "now" in C: what every card and account event carries.

use retention_core::error::TimeUse;
use retention_core::terminal::{EventId, TerminalId};
use retention_core::time::{Day, TimeError, Timestamp, UtcOffset};

use crate::status::rtn_status;

/// One event of one terminal: the terminal and its sequence number. A terminal numbers its
/// events 1, 2, 3, ... and never reuses a number; sequence 0 is never issued. Replaying an
/// event id that a card or account already holds changes nothing.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

impl From<EventId> for rtn_event_id {
    fn from(id: EventId) -> rtn_event_id {
        rtn_event_id {
            terminal: id.terminal.0,
            sequence: id.sequence,
        }
    }
}

/// The local calendar day of `now` (Unix seconds) at `utc_offset_minutes` east of UTC, read
/// for `used_for`: a time the calendar cannot hold is that use's status (`TimeUse::CardDay`:
/// `RTN_CARD_DATE_OUT_OF_RANGE`, `TimeUse::AccountDay`: `RTN_ACCOUNT_DATE_OUT_OF_RANGE`), or
/// `RTN_INVALID_ARGUMENT` for a plain argument (`None`: churn scoring). An offset beyond
/// ±18:00 is `RTN_INVALID_ARGUMENT` whatever the use.
pub(crate) fn local_day(
    now: i64,
    utc_offset_minutes: i16,
    used_for: Option<TimeUse>,
) -> Result<Day, rtn_status> {
    UtcOffset::from_minutes(utc_offset_minutes)
        .and_then(|offset| Ok(Timestamp::from_unix(now).local(offset)?.day()))
        .map_err(|error| refused(error, used_for))
}

/// A day number from C (days since 1970-01-01; 0 means "none"), read for `used_for`.
pub(crate) fn optional_day(number: i32, used_for: TimeUse) -> Result<Option<Day>, rtn_status> {
    if number == 0 {
        Ok(None)
    } else {
        Day::from_number(number)
            .map(Some)
            .map_err(|error| refused(error, Some(used_for)))
    }
}

/// The status of `error`, met reading a time for `used_for` (see [`local_day`]).
fn refused(error: TimeError, used_for: Option<TimeUse>) -> rtn_status {
    match used_for {
        Some(used_for) => used_for.refuse(error).into(),
        None => error.into(),
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
    fn local_days_and_their_errors_by_use() {
        use rtn_status::*;
        let card = Some(TimeUse::CardDay);
        let account = Some(TimeUse::AccountDay);
        // 2024-03-05T23:30:00Z is 2024-03-06 in Berlin (UTC+01:00): day 19788.
        assert_eq!(
            local_day(1_709_681_400, 60, card).map(Day::number),
            Ok(19_788)
        );
        assert_eq!(
            local_day(1_709_681_400, 0, None).map(Day::number),
            Ok(19_787)
        );
        // A bad offset is an invalid argument for every use; a time past the calendar is the
        // use's own status.
        for used_for in [card, account, None] {
            assert_eq!(local_day(0, 24 * 60, used_for), Err(RTN_INVALID_ARGUMENT));
        }
        assert_eq!(
            local_day(i64::MAX, 0, card),
            Err(RTN_CARD_DATE_OUT_OF_RANGE)
        );
        assert_eq!(
            local_day(i64::MAX, 0, account),
            Err(RTN_ACCOUNT_DATE_OUT_OF_RANGE)
        );
        assert_eq!(local_day(i64::MAX, 0, None), Err(RTN_INVALID_ARGUMENT));
        let expiry = TimeUse::CardExpiry;
        assert_eq!(optional_day(0, expiry), Ok(None));
        assert_eq!(day_number(optional_day(20_453, expiry).unwrap()), 20_453);
        // Day -30000 is in 1887, before the calendar's first year (1900).
        assert_eq!(optional_day(-30_000, expiry), Err(RTN_CARD_INVALID_PROGRAM));
    }
}
