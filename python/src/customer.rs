//! `retention.Customer`: the per-customer record the rules read and update
//! (`retention_core::customer`), with its churn summary and tagged bytes.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use retention_core::customer::{
    Birthday, CUSTOMER_MAX_LEN, CustomerRecord, MAX_USAGE_COUNTS, UsageCount, UsagePeriod,
};
use retention_core::error::{Code, Coded, TimeUse};
use retention_core::time::Day;

use crate::args::{count, event_id, event_tuple, seal};
use crate::churn::summary::PyCustomerChurn;
use crate::errors::{ToPyErr, one_of, raise};
use crate::time::{day, optional_date};

/// The per-customer state the rules read and update: tier, segment flags (an int, bit n for
/// segment n), visits, the last visit day, the birthday (`(month, day)`), and the usage counts
/// of limited rules, and the churn summary (`CustomerChurn`) with the last sale counted into it.
/// Immutable; an evaluation's `Outcome.customer` is the updated record.
#[pyclass(name = "Customer", module = "retention", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyCustomer {
    pub(crate) record: CustomerRecord,
}

#[pymethods]
impl PyCustomer {
    /// A customer record. `tier` 0..=255; `segments` a 32-bit mask; `visits` so far;
    /// `last_visit` a `datetime.date` or None; `birthday` a `(month, day)` tuple or None
    /// (29 February allowed); `usage`: `(counter, period, period_index, count)` tuples as
    /// `Customer.usage` gives them (at most 32); `churn`: a `CustomerChurn` (default: no
    /// purchases, grain `"D"`, matching the default churn model); `churn_event`: the last sale
    /// counted into it as `(terminal, sequence)`, or None. Raises `ValidationError` for values
    /// out of range, `CapacityError` for more than 32 usage counts.
    #[new]
    #[pyo3(signature = (tier=0, segments=0, visits=0, last_visit=None, birthday=None, usage=Vec::new(), churn=None, churn_event=None))]
    #[allow(clippy::too_many_arguments)] // The keyword arguments of the Python signature.
    fn new(
        tier: i64,
        segments: i64,
        visits: i64,
        last_visit: Option<&Bound<'_, PyAny>>,
        birthday: Option<(u8, u8)>,
        usage: Vec<(u16, String, i32, u16)>,
        churn: Option<PyRef<'_, PyCustomerChurn>>,
        churn_event: Option<(u32, u32)>,
    ) -> PyResult<PyCustomer> {
        let mut record = CustomerRecord::new();
        if let Some(churn) = churn {
            record.churn = churn.summary;
        }
        record.churn_event = churn_event.map(event_id);
        record.tier = count(tier, "tier", 255)?;
        record.segments = count(segments, "segments", u64::from(u32::MAX))?;
        record.visits = count(visits, "visits", u64::from(u32::MAX))?;
        record.last_visit = last_visit.map(|d| day(d).map(Day::number)).transpose()?;
        record.birthday = birthday
            .map(|(month, day)| Birthday::new(month, day))
            .transpose()
            .map_err(|error| {
                raise(
                    TimeUse::Birthday.refuse(error).code(),
                    format!("birthday: {error}"),
                )
            })?;
        for (counter, period, index, count) in usage {
            let period = usage_period(&period)?;
            let entry = UsageCount {
                counter,
                period,
                index,
                count,
            };
            record.usage.push(entry).map_err(|_| {
                raise(
                    Code::RULES_USAGE_COUNTS_FULL,
                    format!("at most {} usage counts per customer", MAX_USAGE_COUNTS),
                )
            })?;
        }
        record.validate().map_err(ToPyErr::to_py)?;
        Ok(PyCustomer { record })
    }

    /// The tier, 0 (none) upward.
    #[getter]
    fn tier(&self) -> u8 {
        self.record.tier
    }

    /// Segment flags: bit n set when the customer is in segment n.
    #[getter]
    fn segments(&self) -> u32 {
        self.record.segments
    }

    /// Visits so far (local days with a purchase).
    #[getter]
    fn visits(&self) -> u32 {
        self.record.visits
    }

    /// The last visit's local day, or None.
    #[getter]
    fn last_visit(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let last = self.record.last_visit_day().map_err(ToPyErr::to_py)?;
        optional_date(py, last)
    }

    /// The birthday as `(month, day)`, or None.
    #[getter]
    fn birthday(&self) -> Option<(u8, u8)> {
        self.record.birthday.map(|b| (b.month(), b.day()))
    }

    /// Usage counts as `(counter, period, period_index, count)` tuples; `period` is `"day"`,
    /// `"week"`, `"month"`, `"year"`, `"lifetime"` or `"campaign"`.
    #[getter]
    fn usage(&self) -> Vec<(u16, &'static str, i32, u16)> {
        self.record
            .usage
            .iter()
            .map(|u| (u.counter, u.period.name(), u.index, u.count))
            .collect()
    }

    /// The churn summary the churn model scores (updated by every evaluated sale).
    #[getter]
    fn churn(&self) -> PyCustomerChurn {
        PyCustomerChurn {
            summary: self.record.churn,
        }
    }

    /// The last sale counted into the churn summary as `(terminal, sequence)`, or None: a
    /// replay of it (or of an earlier event of its terminal) is not counted again.
    #[getter]
    fn churn_event(&self) -> Option<(u32, u32)> {
        self.record.churn_event.map(event_tuple)
    }

    /// The record's tagged blob (at most `CUSTOMER_MAX_LEN`, 464 bytes), bound to
    /// `customer_id`. Raises `ValidationError` for a key under 16 bytes or an id over 64.
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        key: &[u8],
        customer_id: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let seal = seal(key, customer_id)?;
        let mut out = [0u8; CUSTOMER_MAX_LEN];
        let used = self.record.encode(seal, &mut out).map_err(ToPyErr::to_py)?;
        Ok(PyBytes::new(py, out.get(..used).unwrap_or(&[])))
    }

    /// Reads a customer-record blob, verifying its tag with `key` and `customer_id`. Raises
    /// `DecodeError` (corrupt, truncated, another kind), `AuthenticationError` (wrong key or
    /// another customer's record), `CapacityError` (over 32 usage counters).
    #[staticmethod]
    fn from_bytes(data: &[u8], key: &[u8], customer_id: &[u8]) -> PyResult<PyCustomer> {
        let record =
            CustomerRecord::decode(data, seal(key, customer_id)?).map_err(ToPyErr::to_py)?;
        Ok(PyCustomer { record })
    }

    fn __repr__(&self) -> String {
        let last = self
            .record
            .last_visit_day()
            .ok()
            .flatten()
            .map_or_else(|| "None".to_string(), |d| format!("'{}'", d.date()));
        let birthday = self.record.birthday.map_or_else(
            || "None".to_string(),
            |b| format!("({}, {})", b.month(), b.day()),
        );
        format!(
            "Customer(tier={}, segments={:#x}, visits={}, last_visit={last}, birthday={birthday}, usage={}{})",
            self.record.tier,
            self.record.segments,
            self.record.visits,
            self.record.usage.len(),
            if self.record.churn.has_purchases() {
                format!(", churn={}", self.churn().__repr__())
            } else {
                String::new()
            }
        )
    }
}

/// The usage period named `name` (the core's names: `"day"`, `"week"`, ...).
fn usage_period(name: &str) -> PyResult<UsagePeriod> {
    UsagePeriod::from_name(name).ok_or_else(|| {
        let names = UsagePeriod::ALL.map(|period| period.name().to_string());
        raise(
            Code::INVALID_ARGUMENT,
            format!("usage period `{name}`: expected {}", one_of(names)),
        )
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCustomer>()?;
    m.add("CUSTOMER_MAX_LEN", CUSTOMER_MAX_LEN)?;
    Ok(())
}
