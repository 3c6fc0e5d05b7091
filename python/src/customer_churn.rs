//! The churn summary of a customer record (`retention.CustomerChurn`), and the helpers that
//! score a record with a churn model (`ChurnModel.risk_of`, `RuleSet.evaluate(churn_model=)`,
//! `RuleSet.backtest(churn_model=)`).

use pyo3::prelude::*;
use retention_core::churn::model::ChurnModel;
use retention_core::churn::summary::{ChurnSummary, TimeUnit};
use retention_core::error::Code;
use retention_core::money::Money;
use retention_core::time::Day;

use crate::args::{day, optional_date};
use crate::churn::{PyChurnModel, grain, time_unit};
use crate::errors::{ToPyErr, raise};
use crate::rules::{PyCustomer, instant};

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
        frequency: u32,
        repeat_spend: i64,
    ) -> PyResult<PyCustomerChurn> {
        let grain = self::grain(grain)?;
        let history = match (first, last) {
            (None, None) if frequency == 0 && repeat_spend == 0 => None,
            (Some(first), Some(last)) => Some((
                grain.period_index(day(first)?),
                grain.period_index(day(last)?),
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
        let unit: TimeUnit = time_unit(unit)?;
        let seen = self
            .summary
            .observe(day(at)?, unit)
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

/// The native model of a `retention.ChurnModel` (or of its `_ChurnModel`).
pub(crate) fn model_of(model: &Bound<'_, PyAny>) -> PyResult<ChurnModel> {
    let native = if model.hasattr("_native")? {
        model.getattr("_native")?
    } else {
        model.clone()
    };
    let native = native.cast::<PyChurnModel>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("churn_model must be a retention.ChurnModel")
    })?;
    Ok(native.get().inner)
}

/// The local day of `at`: a `datetime.date`, an aware `datetime`, or Unix seconds with
/// `utc_offset_minutes`.
pub(crate) fn local_day(at: &Bound<'_, PyAny>, utc_offset_minutes: Option<i16>) -> PyResult<Day> {
    if at.extract::<i64>().is_err() && !at.hasattr("hour")? {
        return day(at);
    }
    let (now, offset) = instant(at, utc_offset_minutes)?;
    now.local(offset)
        .map(|local| local.day())
        .map_err(ToPyErr::to_py)
}

/// The churn risk of `customer` under `model` on `today`: 0..=1000, or None without purchases.
pub(crate) fn risk_of(
    model: &ChurnModel,
    customer: &PyCustomer,
    today: Day,
) -> PyResult<Option<u16>> {
    model
        .risk_of(&customer.record.churn, today)
        .map_err(ToPyErr::to_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCustomerChurn>()?;
    Ok(())
}
