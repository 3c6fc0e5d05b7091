//! `retention.PointsAccount`: a customer's points, its events, merge, queries and tagged bytes.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use retention_core::points::{self, Account, AccountEvent, AccountProgram, Points};

use crate::args::{Blob, arg, count, event_id, event_tuple, seal};
use crate::errors::ToPyErr;
use crate::time::{day, optional_date};

/// A customer's loyalty points: lots by calendar month that expire `expiry_months` after the
/// month they were earned (0: never), pending for `pending_days` (the returns window),
/// redeemed soonest-expiring first, clawed back pending-first with any shortfall kept as debt.
/// Copies updated on offline terminals merge (`merge`); a redemption made on two copies shows
/// as `overdrawn`. Immutable: every operation returns a new account and leaves this one
/// unchanged (also when it raises).
///
/// Event ids are `(terminal, sequence)` tuples; an event the account already holds changes
/// nothing. `today` is the local calendar day (`datetime.date`). Balances are a replay of the
/// recent events (at most 8, kept in full) onto a checkpoint, in canonical order. Capacities:
/// 14 lots, 8 terminals, 8 recent events, 16,777,215 points per event and per lot, 2^32 − 1
/// owed; expiry up to 13 months, pending up to 90 days, tier windows up to 12 months.
#[pyclass(name = "PointsAccount", module = "retention", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyPointsAccount {
    pub(crate) account: Account,
}

/// An account at a glance as of a day (from `PointsAccount.summary(today)`).
#[pyclass(name = "AccountSummary", module = "retention", frozen, get_all)]
pub(crate) struct PyAccountSummary {
    /// Points that can be redeemed now.
    available: u64,
    /// Points in their returns window: not spendable, not counted for tiers.
    pending: u64,
    /// Points owed (clawback debt and `overdrawn`); repaid by the next earnings and the next
    /// available points.
    debt: u64,
    /// The part of `debt` redeemed beyond the available points: a redemption made on two
    /// offline copies, found when they merged.
    overdrawn: u64,
    /// The next day on which points expire (their last valid day), or None.
    next_expiry: Option<Py<PyAny>>,
    /// The points that expire after `next_expiry`.
    next_expiry_points: u64,
    /// The account's write counter.
    write_counter: u32,
    /// Terminals with a sequence number on the account.
    terminals: u8,
    /// Lots held.
    lots: u8,
    /// Recent events kept in full (at most 8).
    recent_events: u8,
}

#[pymethods]
impl PyAccountSummary {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let next_expiry = match &self.next_expiry {
            Some(day) => day.bind(py).str()?.to_string(),
            None => "None".to_string(),
        };
        Ok(format!(
            "AccountSummary(available={}, pending={}, debt={}, overdrawn={}, \
             next_expiry={next_expiry}, next_expiry_points={}, write_counter={}, terminals={}, \
             lots={}, recent_events={})",
            self.available,
            self.pending,
            self.debt,
            self.overdrawn,
            self.next_expiry_points,
            self.write_counter,
            self.terminals,
            self.lots,
            self.recent_events,
        ))
    }
}

fn points(value: i128, what: &str) -> PyResult<Points> {
    count::<u64>(value, what, u64::MAX >> 1).map(Points)
}

impl PyPointsAccount {
    fn apply(&self, event: AccountEvent, today: &Bound<'_, PyAny>) -> PyResult<PyPointsAccount> {
        let account = self
            .account
            .apply(&event, day(today, "today")?)
            .map_err(ToPyErr::to_py)?;
        Ok(PyPointsAccount { account })
    }
}

#[pymethods]
impl PyPointsAccount {
    /// A new, empty account. Raises `ValidationError` for an expiry above 13 months or a
    /// pending period above 90 days.
    #[new]
    #[pyo3(signature = (expiry_months=0, pending_days=0))]
    fn new(
        #[pyo3(from_py_with = arg::expiry_months)] expiry_months: i128,
        #[pyo3(from_py_with = arg::pending_days)] pending_days: i128,
    ) -> PyResult<PyPointsAccount> {
        let program = AccountProgram {
            expiry_months: count(expiry_months, "expiry_months", 255)?,
            pending_days: count(pending_days, "pending_days", 255)?,
        };
        let account = Account::new(program).map_err(ToPyErr::to_py)?;
        Ok(PyPointsAccount { account })
    }

    /// Credits `points` earned by the transaction `event` on `today` (pending first; any debt
    /// is repaid first). Raises `ValidationError` (zero points, sequence 0, a day out of
    /// range), `CapacityError` (a ninth terminal), `AmountOverflowError` (more than 16,777,215
    /// points in the event or the month's lot).
    fn earn(
        &self,
        #[pyo3(from_py_with = arg::event)] event: (u32, u32),
        #[pyo3(from_py_with = arg::points)] points: i128,
        today: &Bound<'_, PyAny>,
    ) -> PyResult<PyPointsAccount> {
        self.apply(
            AccountEvent::Earn {
                id: event_id(event),
                points: self::points(points, "points")?,
            },
            today,
        )
    }

    /// Spends `points` available points, soonest-expiring first. Raises `StateError`
    /// (more than this copy has available) and the errors of `earn`.
    fn redeem(
        &self,
        #[pyo3(from_py_with = arg::event)] event: (u32, u32),
        #[pyo3(from_py_with = arg::points)] points: i128,
        today: &Bound<'_, PyAny>,
    ) -> PyResult<PyPointsAccount> {
        self.apply(
            AccountEvent::Redeem {
                id: event_id(event),
                points: self::points(points, "points")?,
            },
            today,
        )
    }

    /// Takes back `points` earned by the refunded transaction `original`: pending first, then
    /// available, the rest as debt. Raises `StateError` (unknown transaction) and the errors of
    /// `earn`.
    fn clawback(
        &self,
        #[pyo3(from_py_with = arg::event)] event: (u32, u32),
        #[pyo3(from_py_with = arg::original)] original: (u32, u32),
        #[pyo3(from_py_with = arg::points)] points: i128,
        today: &Bound<'_, PyAny>,
    ) -> PyResult<PyPointsAccount> {
        self.apply(
            AccountEvent::Clawback {
                id: event_id(event),
                original: event_id(original),
                points: self::points(points, "points")?,
            },
            today,
        )
    }

    /// Moves the account's day to `today` (when later): balances are answered as of it.
    fn expire(&self, today: &Bound<'_, PyAny>) -> PyResult<PyPointsAccount> {
        let account = self
            .account
            .expire(day(today, "today")?)
            .map_err(ToPyErr::to_py)?;
        Ok(PyPointsAccount { account })
    }

    /// Merges two copies of this account updated offline: the newer checkpoint and the union of
    /// both copies' recent events, replayed; commutative, associative, idempotent. A redemption
    /// made on both shows as `overdrawn`. Raises `ValidationError` (another program),
    /// `StateError` (both copies compacted since they diverged; an event id with two effects),
    /// `CapacityError` (more than 8 recent events or 8 terminals together),
    /// `AmountOverflowError`. The back office's remedy: replay the missing events from the
    /// terminals' logs onto one copy (docs/cards.md).
    fn merge(&self, other: &PyPointsAccount) -> PyResult<PyPointsAccount> {
        let account = self.account.merge(&other.account).map_err(ToPyErr::to_py)?;
        Ok(PyPointsAccount { account })
    }

    /// True if the account already holds `event`.
    fn has_applied(&self, #[pyo3(from_py_with = arg::event)] event: (u32, u32)) -> bool {
        self.account.has_applied(event_id(event))
    }

    /// The account at a glance as of `today`.
    fn summary(&self, py: Python<'_>, today: &Bound<'_, PyAny>) -> PyResult<PyAccountSummary> {
        let s = self
            .account
            .summary(day(today, "today")?)
            .map_err(ToPyErr::to_py)?;
        Ok(PyAccountSummary {
            available: s.available.0,
            pending: s.pending.0,
            debt: s.debt.0,
            overdrawn: s.overdrawn.0,
            next_expiry: optional_date(py, s.next_expiry)?,
            next_expiry_points: s.next_expiry_points.0,
            write_counter: s.write_counter,
            terminals: s.terminals,
            lots: s.lots,
            recent_events: s.recent_events,
        })
    }

    /// Points (pending included) whose last valid day is within `days` days of `today`.
    fn expiring_within(
        &self,
        today: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::days)] days: i128,
    ) -> PyResult<u64> {
        let days = count(days, "days", 65_535)?;
        self.account
            .expiring_within(day(today, "today")?, days)
            .map(|points| points.0)
            .map_err(ToPyErr::to_py)
    }

    /// Tier qualification: points earned over the last `window_months` calendar months (1..=12,
    /// the current one included), net of clawbacks, not pending. Raises `ValidationError` for
    /// another window.
    #[pyo3(signature = (today, window_months=12))]
    fn qualifying_points(
        &self,
        today: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::window_months)] window_months: i128,
    ) -> PyResult<u64> {
        let window = count(window_months, "window_months", 255)?;
        self.account
            .qualifying_points(day(today, "today")?, window)
            .map(|points| points.0)
            .map_err(ToPyErr::to_py)
    }

    /// The account's tagged blob (at most `ACCOUNT_MAX_LEN`, 319 bytes), bound to
    /// `customer_id`.
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        key: &[u8],
        customer_id: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let seal = seal(key, customer_id)?;
        PyBytes::new_with(py, self.account.encoded_len(), |out| {
            self.account
                .encode(seal, out)
                .map(|_| ())
                .map_err(ToPyErr::to_py)
        })
    }

    /// Reads an account blob (of this release or the first), verifying its tag with `key` and
    /// `customer_id`. Raises `DecodeError`, `AuthenticationError`, `StateError` (an older
    /// copy).
    #[staticmethod]
    #[pyo3(signature = (data, key, customer_id, min_write_counter=0))]
    fn from_bytes(
        #[pyo3(from_py_with = arg::data)] data: Blob,
        key: &[u8],
        customer_id: &[u8],
        #[pyo3(from_py_with = arg::min_write_counter)] min_write_counter: u32,
    ) -> PyResult<PyPointsAccount> {
        let account = Account::decode(&data.0, seal(key, customer_id)?, min_write_counter)
            .map_err(ToPyErr::to_py)?;
        Ok(PyPointsAccount { account })
    }

    /// Months after the month of earning at which points expire (0: never).
    #[getter]
    fn expiry_months(&self) -> u8 {
        self.account.program().expiry_months
    }

    /// Days earned points stay pending.
    #[getter]
    fn pending_days(&self) -> u8 {
        self.account.program().pending_days
    }

    /// The write counter.
    #[getter]
    fn write_counter(&self) -> u32 {
        self.account.write_counter()
    }

    /// The highest event applied from each terminal, as `(terminal, sequence)` tuples.
    #[getter]
    fn last_events(&self) -> Vec<(u32, u32)> {
        self.account.last_events().map(event_tuple).collect()
    }

    /// The latest day a transition ran (`datetime.date`), or None.
    #[getter]
    fn as_of(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        optional_date(py, self.account.as_of())
    }

    fn __repr__(&self) -> PyResult<String> {
        let program = self.account.program();
        let balances = match self.account.as_of() {
            Some(as_of) => {
                let s = self.account.summary(as_of).map_err(ToPyErr::to_py)?;
                let date = as_of.date();
                format!(
                    "available={}, pending={}, debt={}, overdrawn={}, as_of={date}, ",
                    s.available.0, s.pending.0, s.debt.0, s.overdrawn.0
                )
            }
            None => String::new(),
        };
        Ok(format!(
            "PointsAccount({balances}expiry_months={}, pending_days={}, write_counter={})",
            program.expiry_months,
            program.pending_days,
            self.account.write_counter()
        ))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPointsAccount>()?;
    m.add_class::<PyAccountSummary>()?;
    m.add("ACCOUNT_MAX_LEN", points::MAX_ENCODED_LEN)?;
    m.add("ACCOUNT_MAX_LOTS", points::MAX_LOTS)?;
    m.add("ACCOUNT_MAX_TERMINALS", points::MAX_TERMINALS)?;
    m.add("ACCOUNT_MAX_RECENT_EVENTS", points::MAX_RECENT_EVENTS)?;
    m.add("ACCOUNT_MAX_POINTS", points::MAX_LOT_POINTS)?;
    m.add("ACCOUNT_MAX_EXPIRY_MONTHS", points::MAX_EXPIRY_MONTHS)?;
    m.add("ACCOUNT_MAX_PENDING_DAYS", points::MAX_PENDING_DAYS)?;
    m.add(
        "ACCOUNT_MAX_TIER_WINDOW_MONTHS",
        points::MAX_TIER_WINDOW_MONTHS,
    )?;
    Ok(())
}
