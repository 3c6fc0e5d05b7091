//! `retention.PunchCard`: a punch card, its events, merge, summary and tagged bytes.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use retention_core::card::{self, Card, CardEvent, CardProgram, ProgramId};

use crate::args::{Blob, arg, count, event_id, event_tuple, seal};
use crate::errors::ToPyErr;
use crate::time::{day, optional_date};

/// A punch card of one program: stamps toward a reward, kept by offline terminals and merged
/// without losing or double-counting a stamp. Immutable: every operation returns a new card
/// and leaves this one unchanged (also when it raises).
///
/// Event ids are `(terminal, sequence)` tuples, sequence from 1; an event the card already
/// holds changes nothing. `today` is the terminal's local calendar day (a `datetime.date`; a
/// `datetime` counts on its own date). Capacities: 8 terminals (`CapacityError` beyond), 255
/// stamps per reward and per day, stamps on days 1970-01-02..2149-06-06.
#[pyclass(name = "PunchCard", module = "retention", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyPunchCard {
    pub(crate) card: Card,
}

/// A card at a glance (from `PunchCard.summary()`).
#[pyclass(name = "CardSummary", module = "retention", frozen, get_all)]
pub(crate) struct PyCardSummary {
    /// The card's program.
    program: u16,
    /// Stamps toward the next reward.
    stamps: u32,
    /// Stamps still needed for the next reward (stamps owed first).
    stamps_to_next_reward: u32,
    /// Rewards that can be redeemed now.
    rewards_available: u32,
    /// Stamps the card owes (double redemption across offline copies, a void after a
    /// redemption).
    owed_stamps: u32,
    /// Rewards redeemed beyond those earned.
    overdrawn_rewards: u32,
    /// Stamps counted on `last_stamp_day` over every terminal.
    stamps_on_last_day: u32,
    /// Stamps beyond the daily limit on `last_stamp_day` (offline copies merged).
    daily_excess: u32,
    /// The latest day a terminal stamped (`datetime.date`), or None.
    last_stamp_day: Option<Py<PyAny>>,
    /// The last day held stamps are kept without a new stamp, or None.
    lapses_after: Option<Py<PyAny>>,
    /// The card's last valid day, or None.
    expires_on: Option<Py<PyAny>>,
    /// Lapses so far.
    generation: u8,
    /// The card's write counter.
    write_counter: u32,
    /// Terminals with an entry on the card.
    terminals: u8,
}

#[pymethods]
impl PyCardSummary {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let day = |day: &Option<Py<PyAny>>| -> PyResult<String> {
            Ok(match day {
                Some(day) => day.bind(py).str()?.to_string(),
                None => "None".to_string(),
            })
        };
        Ok(format!(
            "CardSummary(program={}, stamps={}, stamps_to_next_reward={}, rewards_available={}, \
             owed_stamps={}, overdrawn_rewards={}, stamps_on_last_day={}, daily_excess={}, \
             last_stamp_day={}, lapses_after={}, expires_on={}, generation={}, \
             write_counter={}, terminals={})",
            self.program,
            self.stamps,
            self.stamps_to_next_reward,
            self.rewards_available,
            self.owed_stamps,
            self.overdrawn_rewards,
            self.stamps_on_last_day,
            self.daily_excess,
            day(&self.last_stamp_day)?,
            day(&self.lapses_after)?,
            day(&self.expires_on)?,
            self.generation,
            self.write_counter,
            self.terminals,
        ))
    }
}

impl PyPunchCard {
    fn apply(&self, event: CardEvent, today: &Bound<'_, PyAny>) -> PyResult<PyPunchCard> {
        let card = self
            .card
            .apply(&event, day(today, "today")?)
            .map_err(ToPyErr::to_py)?;
        Ok(PyPunchCard { card })
    }

    fn program_of(&self, program: Option<u16>) -> ProgramId {
        program.map_or(self.card.program().program, ProgramId)
    }
}

#[pymethods]
impl PyPunchCard {
    /// A new, empty card. `stamps_per_reward` and `daily_limit` are 1..=255;
    /// `lapse_after_days` 0 (never) ..=65535; `expires_on` a `datetime.date` or None.
    /// Raises `ValidationError` for values out of range.
    #[new]
    #[pyo3(signature = (program, stamps_per_reward, daily_limit, lapse_after_days=0, expires_on=None))]
    fn new(
        #[pyo3(from_py_with = arg::program)] program: i128,
        #[pyo3(from_py_with = arg::stamps_per_reward)] stamps_per_reward: i128,
        #[pyo3(from_py_with = arg::daily_limit)] daily_limit: i128,
        #[pyo3(from_py_with = arg::lapse_after_days)] lapse_after_days: i128,
        expires_on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPunchCard> {
        let program = CardProgram {
            program: ProgramId(count(program, "program", u64::from(u16::MAX))?),
            stamps_per_reward: count(stamps_per_reward, "stamps_per_reward", 255)?,
            daily_limit: count(daily_limit, "daily_limit", 255)?,
            lapse_after_days: count(lapse_after_days, "lapse_after_days", 65_535)?,
            expires_on: expires_on.map(|d| day(d, "expires_on")).transpose()?,
        };
        let card = Card::new(program).map_err(ToPyErr::to_py)?;
        Ok(PyPunchCard { card })
    }

    /// Gives `stamps` stamps (1..=65535) for the transaction `event` on `today`; `program`
    /// defaults to the card's. Raises `ValidationError` (zero stamps, wrong program, sequence
    /// 0, a day out of range), `StateError` (daily limit reached, card expired),
    /// `CapacityError` (a ninth terminal, a full counter), `AmountOverflowError`.
    #[pyo3(signature = (event, stamps, today, program=None))]
    fn stamp(
        &self,
        #[pyo3(from_py_with = arg::event)] event: (u32, u32),
        #[pyo3(from_py_with = arg::stamps)] stamps: i128,
        today: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::program_or_none)] program: Option<u16>,
    ) -> PyResult<PyPunchCard> {
        self.apply(
            CardEvent::Stamp {
                id: event_id(event),
                program: self.program_of(program),
                stamps: count(stamps, "stamps", 65_535)?,
            },
            today,
        )
    }

    /// Redeems one reward (redemption `event`) on `today`. Raises `StateError` (no reward
    /// available, card expired) and the errors of `stamp`.
    #[pyo3(signature = (event, today, program=None))]
    fn redeem(
        &self,
        #[pyo3(from_py_with = arg::event)] event: (u32, u32),
        today: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::program_or_none)] program: Option<u16>,
    ) -> PyResult<PyPunchCard> {
        self.apply(
            CardEvent::Redeem {
                id: event_id(event),
                program: self.program_of(program),
            },
            today,
        )
    }

    /// Takes back `stamps` stamps of the transaction `original` (refund `event`) on `today`;
    /// stamps already redeemed leave the card owing them. Raises `StateError` (unknown
    /// transaction) and the errors of `stamp`.
    #[pyo3(signature = (event, original, stamps, today, program=None))]
    fn void(
        &self,
        #[pyo3(from_py_with = arg::event)] event: (u32, u32),
        #[pyo3(from_py_with = arg::original)] original: (u32, u32),
        #[pyo3(from_py_with = arg::stamps)] stamps: i128,
        today: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::program_or_none)] program: Option<u16>,
    ) -> PyResult<PyPunchCard> {
        self.apply(
            CardEvent::Void {
                id: event_id(event),
                program: self.program_of(program),
                original: event_id(original),
                stamps: count(stamps, "stamps", 65_535)?,
            },
            today,
        )
    }

    /// Lapses held stamps and rewards if no terminal has stamped for more than
    /// `lapse_after_days` days, or the card is past its expiry date, on `today`.
    fn expire(&self, today: &Bound<'_, PyAny>) -> PyResult<PyPunchCard> {
        let card = self
            .card
            .expire(day(today, "today")?)
            .map_err(ToPyErr::to_py)?;
        Ok(PyPunchCard { card })
    }

    /// Merges two copies of this card updated offline: per terminal the larger counters win;
    /// double redemptions show as `owed_stamps`, daily-limit excess as `daily_excess`. Raises
    /// `ValidationError` (another program), `CapacityError` (more than 8 terminals together).
    fn merge(&self, other: &PyPunchCard) -> PyResult<PyPunchCard> {
        let card = self.card.merge(&other.card).map_err(ToPyErr::to_py)?;
        Ok(PyPunchCard { card })
    }

    /// The back office's compaction: one entry for the terminal of `office` holds the balance.
    fn compact(
        &self,
        #[pyo3(from_py_with = arg::office)] office: (u32, u32),
    ) -> PyResult<PyPunchCard> {
        let card = self
            .card
            .compact(event_id(office))
            .map_err(ToPyErr::to_py)?;
        Ok(PyPunchCard { card })
    }

    /// True if the card already holds `event`.
    fn has_applied(&self, #[pyo3(from_py_with = arg::event)] event: (u32, u32)) -> bool {
        self.card.has_applied(event_id(event))
    }

    /// The card at a glance (lapses are not applied: call `expire` first).
    fn summary(&self, py: Python<'_>) -> PyResult<PyCardSummary> {
        let s = self.card.summary();
        Ok(PyCardSummary {
            program: s.program.0,
            stamps: s.stamps,
            stamps_to_next_reward: s.stamps_to_next_reward,
            rewards_available: s.rewards_available,
            owed_stamps: s.owed_stamps,
            overdrawn_rewards: s.overdrawn_rewards,
            stamps_on_last_day: s.stamps_on_last_day,
            daily_excess: s.daily_excess,
            last_stamp_day: optional_date(py, s.last_stamp_day)?,
            lapses_after: optional_date(py, s.lapses_after)?,
            expires_on: optional_date(py, s.expires_on)?,
            generation: s.generation,
            write_counter: s.write_counter,
            terminals: s.terminals,
        })
    }

    /// The card's tagged blob (at most `CARD_MAX_LEN`, 144 bytes), bound to the card's `uid`.
    /// Raises `ValidationError` for a key shorter than 16 bytes or a uid over 64.
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        key: &[u8],
        uid: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let seal = seal(key, uid)?;
        PyBytes::new_with(py, self.card.encoded_len(), |out| {
            self.card
                .encode(seal, out)
                .map(|_| ())
                .map_err(ToPyErr::to_py)
        })
    }

    /// Reads a card blob, verifying its tag with `key` and the card's `uid`. Raises
    /// `DecodeError` (corrupt, truncated, another kind, a future version),
    /// `AuthenticationError` (wrong key or uid, forged), `StateError` (write counter below
    /// `min_write_counter`: an older copy).
    #[staticmethod]
    #[pyo3(signature = (data, key, uid, min_write_counter=0))]
    fn from_bytes(
        #[pyo3(from_py_with = arg::data)] data: Blob,
        key: &[u8],
        uid: &[u8],
        #[pyo3(from_py_with = arg::min_write_counter)] min_write_counter: u32,
    ) -> PyResult<PyPunchCard> {
        let card =
            Card::decode(&data.0, seal(key, uid)?, min_write_counter).map_err(ToPyErr::to_py)?;
        Ok(PyPunchCard { card })
    }

    /// The program id.
    #[getter]
    fn program(&self) -> u16 {
        self.card.program().program.0
    }

    /// Stamps per reward.
    #[getter]
    fn stamps_per_reward(&self) -> u8 {
        self.card.program().stamps_per_reward
    }

    /// The daily stamp limit.
    #[getter]
    fn daily_limit(&self) -> u8 {
        self.card.program().daily_limit
    }

    /// Days without a stamp after which held stamps lapse (0: never).
    #[getter]
    fn lapse_after_days(&self) -> u16 {
        self.card.program().lapse_after_days
    }

    /// The card's last valid day, or None.
    #[getter]
    fn expires_on(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        optional_date(py, self.card.program().expires_on)
    }

    /// The write counter (incremented by every change; compare with `min_write_counter`).
    #[getter]
    fn write_counter(&self) -> u32 {
        self.card.write_counter()
    }

    /// The highest event applied from each terminal, as `(terminal, sequence)` tuples.
    #[getter]
    fn last_events(&self) -> Vec<(u32, u32)> {
        self.card.last_events().map(event_tuple).collect()
    }

    fn __repr__(&self) -> String {
        let s = self.card.summary();
        format!(
            "PunchCard(program={}, stamps={}, rewards_available={}, owed_stamps={}, \
             terminals={}, generation={}, write_counter={})",
            s.program.0,
            s.stamps,
            s.rewards_available,
            s.owed_stamps,
            s.terminals,
            s.generation,
            s.write_counter
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPunchCard>()?;
    m.add_class::<PyCardSummary>()?;
    m.add("CARD_MAX_LEN", card::MAX_ENCODED_LEN)?;
    m.add("CARD_MAX_TERMINALS", card::MAX_TERMINALS)?;
    m.add("CARD_MAX_WRITE_COUNTER", card::MAX_WRITE_COUNTER)?;
    Ok(())
}
