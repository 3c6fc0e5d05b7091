//! `retention.CustomerChurn`: a customer's churn summary (`retention_core::churn::summary`), and
//! the summary's periods from Python: grains and time units by their frequency aliases (`"D"`,
//! `"W"`, `"M"`).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use retention_core::churn::summary::{ChurnSummary, Grain, Periods, TimeUnit};
use retention_core::error::Code;
use retention_core::money::Money;
use retention_core::time::Day;

use crate::args::arg;
use crate::errors::{ToPyErr, one_of, raise};
use crate::time::{day, optional_date};

/// The grain whose frequency alias is `freq`.
pub(crate) fn grain(freq: &str) -> PyResult<Grain> {
    Grain::from_freq(freq).ok_or_else(|| {
        let grains =
            Grain::ALL.map(|grain| format!("{:?} ({})", grain.freq(), grain_meaning(grain)));
        raise(
            Code::INVALID_ARGUMENT,
            format!("freq must be {}, not {freq:?}", one_of(grains)),
        )
    })
}

/// The time unit whose frequency alias is `freq`.
pub(crate) fn time_unit(freq: &str) -> PyResult<TimeUnit> {
    TimeUnit::from_freq(freq).ok_or_else(|| {
        let units = TimeUnit::ALL.map(|unit| format!("{:?} ({})", unit.freq(), unit_meaning(unit)));
        raise(
            Code::INVALID_ARGUMENT,
            format!("the time unit must be {}, not {freq:?}", one_of(units)),
        )
    })
}

/// What a grain's alias stands for, in messages.
fn grain_meaning(grain: Grain) -> &'static str {
    match grain {
        Grain::Day => "days",
        Grain::Week => "ISO weeks",
        Grain::Month => "calendar months",
    }
}

/// What a time unit's alias stands for, in messages.
fn unit_meaning(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Days => "days",
        TimeUnit::Weeks => "weeks",
        TimeUnit::Months => "months",
    }
}

/// The periods of a grain and a time unit named by their aliases.
pub(crate) fn periods(grain_freq: &str, unit_freq: &str) -> PyResult<Periods> {
    Ok(Periods {
        grain: grain(grain_freq)?,
        unit: time_unit(unit_freq)?,
    })
}

/// A customer's churn summary, as the customer record keeps it (lifetimes' definitions):
/// purchases collapse into periods of `grain` (`"D"` a day, `"W"` an ISO week); `first` and
/// `last` are the first days of the first and last purchase periods (`datetime.date`, None
/// without purchases); `frequency` the repeat purchase periods (x, the first period left out);
/// `repeat_spend` their summed amount in minor units. Immutable.
#[pyclass(name = "CustomerChurn", module = "retention", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyCustomerChurn {
    pub(crate) summary: ChurnSummary,
}

#[pymethods]
impl PyCustomerChurn {
    /// A summary: no arguments (or only `grain`) for a customer without purchases; otherwise
    /// `first` and `last` (`datetime.date`, any day of their period), `frequency` and
    /// `repeat_spend` (minor units) as a back-office import has them. Raises `ValidationError`
    /// when they break the summary's invariants (first after last, `frequency` 0 exactly when
    /// first and last share a period and at most the periods after the first, negative spend,
    /// only one of first and last given, an unknown grain).
    #[new]
    #[pyo3(signature = (grain="D", first=None, last=None, frequency=0, repeat_spend=0))]
    fn new(
        grain: &str,
        first: Option<&Bound<'_, PyAny>>,
        last: Option<&Bound<'_, PyAny>>,
        #[pyo3(from_py_with = arg::frequency)] frequency: u32,
        #[pyo3(from_py_with = arg::repeat_spend)] repeat_spend: i64,
    ) -> PyResult<PyCustomerChurn> {
        let grain = self::grain(grain)?;
        let history = match (first, last) {
            (None, None) if frequency == 0 && repeat_spend == 0 => None,
            (Some(first), Some(last)) => Some((
                grain.period_index(day(first, "first")?),
                grain.period_index(day(last, "last")?),
                frequency,
                Money::from_minor(repeat_spend),
            )),
            _ => {
                return Err(raise(
                    Code::CUSTOMER_INVALID_CHURN,
                    "churn summary: give first and last with purchases, neither without",
                ));
            }
        };
        let summary = ChurnSummary::from_parts(grain, history).map_err(ToPyErr::to_py)?;
        Ok(PyCustomerChurn { summary })
    }

    /// `"D"` or `"W"`: the period purchases collapse into.
    #[getter]
    fn grain(&self) -> &'static str {
        self.summary.grain().freq()
    }

    /// The first day of the first purchase period, or None.
    #[getter]
    fn first(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        optional_date(py, self.start_of(self.summary.first_period())?)
    }

    /// The first day of the last purchase period, or None.
    #[getter]
    fn last(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        optional_date(py, self.start_of(self.summary.last_period())?)
    }

    /// Repeat purchase periods (x).
    #[getter]
    fn frequency(&self) -> u32 {
        self.summary.frequency()
    }

    /// The repeat periods' summed spend, in minor units.
    #[getter]
    fn repeat_spend(&self) -> i64 {
        self.summary.repeat_spend().minor()
    }

    /// The mean spend of a repeat period in minor units (lifetimes' `monetary_value`); 0.0
    /// without repeats.
    #[getter]
    fn monetary_value(&self) -> f64 {
        self.summary.mean_spend()
    }

    /// True once a purchase was recorded.
    #[getter]
    fn has_purchases(&self) -> bool {
        self.summary.has_purchases()
    }

    /// `(frequency, recency, T)` on the day `at` (a `datetime.date`) in `unit` (`"D"` days or
    /// `"W"` weeks): what a model sees. Raises `ValidationError` for a customer without
    /// purchases or a day before the last purchase.
    #[pyo3(signature = (at, unit="D"))]
    fn observe(&self, at: &Bound<'_, PyAny>, unit: &str) -> PyResult<(f64, f64, f64)> {
        let unit = time_unit(unit)?;
        let seen = self
            .summary
            .observe(day(at, "at")?, unit)
            .map_err(ToPyErr::to_py)?;
        Ok((seen.frequency(), seen.recency(), seen.age()))
    }

    pub(crate) fn __repr__(&self) -> String {
        let start = |index: Option<i32>| {
            self.start_of(index)
                .ok()
                .flatten()
                .map_or_else(|| "None".to_string(), |d| format!("'{}'", d.date()))
        };
        format!(
            "CustomerChurn(grain='{}', first={}, last={}, frequency={}, repeat_spend={})",
            self.summary.grain().freq(),
            start(self.summary.first_period()),
            start(self.summary.last_period()),
            self.summary.frequency(),
            self.summary.repeat_spend().minor()
        )
    }
}

impl PyCustomerChurn {
    /// The first day of summary period `index`, if any.
    fn start_of(&self, index: Option<i32>) -> PyResult<Option<Day>> {
        index
            .map(|i| {
                self.summary
                    .grain()
                    .start(i)
                    .ok_or_else(|| raise(Code::INTERNAL, "summary period outside the calendar"))
            })
            .transpose()
    }
}

/// `CustomerChurn`, and `CHURN_TIME_UNITS`: each time unit's alias and its length in days.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCustomerChurn>()?;
    let units = PyDict::new(m.py());
    for unit in TimeUnit::ALL {
        units.set_item(unit.freq(), unit.days())?;
    }
    m.add("CHURN_TIME_UNITS", units)?;
    Ok(())
}
