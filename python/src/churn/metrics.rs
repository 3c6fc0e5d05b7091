//! `retention.metrics`' native half: cohort retention, cohort survival and period-over-period
//! retention and churn rates (`retention_core::churn::metrics`), over day-number columns.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use retention_core::churn::metrics;
use retention_core::error::Code;
use retention_core::time::Period;

use super::columns::{column, days};
use crate::errors::{ToPyErr, one_of, raise};

/// The calendar period whose frequency alias is `freq` (`"D"`, `"W"`, `"M"`, `"Y"`).
pub(crate) fn period(freq: &str) -> PyResult<Period> {
    Period::from_freq(freq).ok_or_else(|| {
        raise(
            Code::INVALID_ARGUMENT,
            format!("period must be {}, not {freq:?}", one_of(quoted_freqs())),
        )
    })
}

/// The frequency aliases of the calendar periods, double-quoted.
fn quoted_freqs() -> impl Iterator<Item = String> {
    Period::ALL
        .into_iter()
        .filter_map(Period::freq)
        .map(|freq| format!("{freq:?}"))
}

/// Cohort retention: `[(cohort period index, size, [share retained k periods later])]`.
#[pyfunction]
fn churn_cohort_retention(
    py: Python<'_>,
    customers: PyReadonlyArray1<'_, u64>,
    day_numbers: PyReadonlyArray1<'_, i64>,
    period_name: &str,
    max_periods_after: usize,
) -> PyResult<Vec<(i32, usize, Vec<f64>)>> {
    let period = period(period_name)?;
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    let cohorts = py.detach(|| {
        let days = days(&numbers)?;
        metrics::cohort_retention(&ids, &days, period, max_periods_after).map_err(ToPyErr::to_py)
    })?;
    Ok(cohorts
        .into_iter()
        .map(|c| (c.period, c.size, c.retained))
        .collect())
}

/// Cohort survival: `[(cohort period index, [survivors k periods later])]`.
#[pyfunction]
#[pyo3(signature = (customers, day_numbers, cancelled, period_name, lapse_after, max_periods_after))]
fn churn_cohort_survival(
    py: Python<'_>,
    customers: PyReadonlyArray1<'_, u64>,
    day_numbers: PyReadonlyArray1<'_, i64>,
    cancelled: Option<PyReadonlyArray1<'_, bool>>,
    period_name: &str,
    lapse_after: u32,
    max_periods_after: usize,
) -> PyResult<Vec<(i32, Vec<usize>)>> {
    let period = period(period_name)?;
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    let cancelled = cancelled.as_ref().map(column);
    let cohorts = py.detach(|| {
        let days = days(&numbers)?;
        metrics::cohort_survival(
            &ids,
            &days,
            cancelled.as_deref(),
            period,
            lapse_after,
            max_periods_after,
        )
        .map_err(ToPyErr::to_py)
    })?;
    Ok(cohorts
        .into_iter()
        .map(|c| (c.period, c.survivors))
        .collect())
}

/// Period-over-period retention rates `[(period index, rate)]`, or churn rates (`1 − rate`)
/// when `churn` is true.
#[pyfunction]
fn churn_retention_rates(
    py: Python<'_>,
    customers: PyReadonlyArray1<'_, u64>,
    day_numbers: PyReadonlyArray1<'_, i64>,
    period_name: &str,
    churn: bool,
) -> PyResult<Vec<(i32, f64)>> {
    let period = period(period_name)?;
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    py.detach(|| {
        let days = days(&numbers)?;
        let rates = if churn {
            metrics::churn_rates(&ids, &days, period)
        } else {
            metrics::retention_rates(&ids, &days, period)
        };
        rates.map_err(ToPyErr::to_py)
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_cohort_retention, m)?)?;
    m.add_function(wrap_pyfunction!(churn_cohort_survival, m)?)?;
    m.add_function(wrap_pyfunction!(churn_retention_rates, m)?)?;
    let freqs: Vec<&str> = Period::ALL.into_iter().filter_map(Period::freq).collect();
    m.add("CHURN_METRICS_PERIODS", PyTuple::new(m.py(), freqs)?)?;
    Ok(())
}
