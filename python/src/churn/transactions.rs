//! `retention.transactions`' native half: lifetimes' summary and calibration/holdout split of a
//! transaction table (`retention_core::churn::transactions`), over day-number columns.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::churn::transactions::{self, FirstPurchase};

use super::columns::{column, day, days, f64_array};
use super::summary::periods;
use crate::errors::ToPyErr;

type SummaryColumns<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

fn summary_columns(py: Python<'_>, rows: Vec<transactions::SummaryRow>) -> SummaryColumns<'_> {
    let mut ids = Vec::with_capacity(rows.len());
    let mut x = Vec::with_capacity(rows.len());
    let mut t_x = Vec::with_capacity(rows.len());
    let mut big_t = Vec::with_capacity(rows.len());
    let mut m = Vec::with_capacity(rows.len());
    for row in rows {
        ids.push(row.customer);
        x.push(row.frequency);
        t_x.push(row.recency);
        big_t.push(row.age);
        m.push(row.monetary_value);
    }
    (
        ids.into_pyarray(py),
        x.into_pyarray(py),
        t_x.into_pyarray(py),
        big_t.into_pyarray(py),
        m.into_pyarray(py),
    )
}

/// lifetimes' `include_first_transaction`.
const fn first_purchase(include_first_transaction: bool) -> FirstPurchase {
    if include_first_transaction {
        FirstPurchase::Included
    } else {
        FirstPurchase::Excluded
    }
}

/// lifetimes' summary per customer: `(customer, frequency, recency, T, monetary_value)` columns,
/// sorted by customer; `days` are day numbers (days since 1970-01-01).
#[pyfunction]
#[pyo3(signature = (customers, day_numbers, amounts, observation_period_end, grain, unit, include_first_transaction = false))]
#[allow(clippy::too_many_arguments)]
fn churn_summary<'py>(
    py: Python<'py>,
    customers: PyReadonlyArray1<'py, u64>,
    day_numbers: PyReadonlyArray1<'py, i64>,
    amounts: Option<PyReadonlyArray1<'py, f64>>,
    observation_period_end: i64,
    grain: &str,
    unit: &str,
    include_first_transaction: bool,
) -> PyResult<SummaryColumns<'py>> {
    let periods = periods(grain, unit)?;
    let end = day(observation_period_end)?;
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    let amounts = amounts.as_ref().map(column);
    let rows = py.detach(|| {
        let days = days(&numbers)?;
        transactions::summary_from_transactions(
            &ids,
            &days,
            amounts.as_deref(),
            end,
            periods,
            first_purchase(include_first_transaction),
        )
        .map_err(ToPyErr::to_py)
    })?;
    Ok(summary_columns(py, rows))
}

type HoldoutColumns<'py> = (
    SummaryColumns<'py>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    f64,
);

/// lifetimes' calibration/holdout split: the calibration summary columns, then the holdout
/// frequency and mean amount per customer, and the holdout duration.
#[pyfunction]
#[pyo3(signature = (customers, day_numbers, amounts, calibration_period_end, observation_period_end, grain, unit, include_first_transaction = false))]
#[allow(clippy::too_many_arguments)]
fn churn_calibration_holdout<'py>(
    py: Python<'py>,
    customers: PyReadonlyArray1<'py, u64>,
    day_numbers: PyReadonlyArray1<'py, i64>,
    amounts: Option<PyReadonlyArray1<'py, f64>>,
    calibration_period_end: i64,
    observation_period_end: i64,
    grain: &str,
    unit: &str,
    include_first_transaction: bool,
) -> PyResult<HoldoutColumns<'py>> {
    let periods = periods(grain, unit)?;
    let (calibration_end, end) = (day(calibration_period_end)?, day(observation_period_end)?);
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    let amounts = amounts.as_ref().map(column);
    let rows = py.detach(|| {
        let days = days(&numbers)?;
        transactions::calibration_and_holdout(
            &ids,
            &days,
            amounts.as_deref(),
            calibration_end,
            end,
            periods,
            first_purchase(include_first_transaction),
        )
        .map_err(ToPyErr::to_py)
    })?;
    let duration = rows.first().map_or(0.0, |row| row.duration_holdout);
    let frequency_holdout: Vec<f64> = rows.iter().map(|r| r.frequency_holdout).collect();
    let monetary_holdout: Vec<f64> = rows.iter().map(|r| r.monetary_value_holdout).collect();
    let calibration = rows.into_iter().map(|r| r.calibration).collect();
    Ok((
        summary_columns(py, calibration),
        f64_array(py, frequency_holdout),
        f64_array(py, monetary_holdout),
        duration,
    ))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_summary, m)?)?;
    m.add_function(wrap_pyfunction!(churn_calibration_holdout, m)?)?;
    Ok(())
}
