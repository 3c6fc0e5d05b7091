//! `retention.ShiftedBetaGeoFitter`'s native half (`retention_core::churn::sbg` and
//! `churn::fit::fit_sbg`): the fit on a cohort's survivor counts, one fit per cohort, and the
//! curves and lifetimes of a fitted model.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::churn::fit::{self, FitOptions};
use retention_core::churn::sbg::ShiftedBetaGeometric;
use retention_core::churn::{BatchError, ChurnError};
use retention_core::error::{Code, Coded};

use super::columns::{column, f64_array};
use super::fit::{FitTuple, fit_tuple};
use crate::errors::{ToPyErr, raise};

fn model(params: &[f64]) -> PyResult<ShiftedBetaGeometric> {
    match params {
        &[alpha, beta] => ShiftedBetaGeometric::new(alpha, beta).map_err(ToPyErr::to_py),
        _ => Err(raise(Code::INVALID_ARGUMENT, "sBG has 2 parameters")),
    }
}

/// The fit options of the Python arguments (an sBG fit sums a few rows: one thread).
fn options(penalizer: f64, max_iterations: u64, initial: Option<Vec<f64>>) -> FitOptions {
    super::fit::options(penalizer, max_iterations, initial, Some(1))
}

/// Fits sBG to one cohort's survivor counts.
#[pyfunction]
#[pyo3(signature = (survivors, penalizer, max_iterations, initial))]
fn churn_sbg_fit(
    py: Python<'_>,
    survivors: PyReadonlyArray1<'_, f64>,
    penalizer: f64,
    max_iterations: u64,
    initial: Option<Vec<f64>>,
) -> PyResult<FitTuple> {
    let counts = column(&survivors);
    let options = options(penalizer, max_iterations, initial);
    py.detach(|| fit::fit_sbg(&counts, &options).map(fit_tuple))
        .map_err(ToPyErr::to_py)
}

/// One sBG fit per cohort (`None` for cohorts with at most `min_periods` periods); a failing
/// cohort raises, named by its label in `labels`.
#[pyfunction]
#[pyo3(signature = (cohorts, labels, min_periods, penalizer, max_iterations))]
fn churn_sbg_fit_cohorts(
    py: Python<'_>,
    cohorts: Vec<Vec<f64>>,
    labels: Vec<String>,
    min_periods: usize,
    penalizer: f64,
    max_iterations: u64,
) -> PyResult<Vec<Option<FitTuple>>> {
    let options = options(penalizer, max_iterations, None);
    let slices: Vec<&[f64]> = cohorts.iter().map(Vec::as_slice).collect();
    let fits = py.detach(|| fit::fit_sbg_cohorts(&slices, min_periods, &options));
    match fits {
        Ok(fits) => Ok(fits.into_iter().map(|f| f.map(fit_tuple)).collect()),
        Err(failed) => {
            let label = labels
                .get(failed.cohort)
                .cloned()
                .unwrap_or_else(|| failed.cohort.to_string());
            Err(raise(
                failed.code(),
                format!("cohort {label}: {}", failed.error),
            ))
        }
    }
}

/// `quantity` (`"survival"`, `"retention_rate"`, `"churn_probability"`) at every `t`.
#[pyfunction]
fn churn_sbg_evaluate<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    quantity: &str,
    t: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = model(&params)?;
    let curve: fn(&ShiftedBetaGeometric, f64) -> Result<f64, ChurnError> = match quantity {
        "survival" => ShiftedBetaGeometric::survival,
        "retention_rate" => ShiftedBetaGeometric::retention_rate,
        "churn_probability" => ShiftedBetaGeometric::churn_probability,
        other => {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                format!("unknown quantity {other:?}"),
            ));
        }
    };
    let times = column(&t);
    let out = py.detach(|| {
        times
            .iter()
            .enumerate()
            .map(|(index, &t)| curve(&model, t).map_err(|error| BatchError::Row { index, error }))
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

/// DERL at `discount` for every number of `renewals`, or DEL when `renewals` is None.
#[pyfunction]
#[pyo3(signature = (params, discount, renewals))]
fn churn_sbg_discounted<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    discount: f64,
    renewals: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = model(&params)?;
    let Some(renewals) = renewals else {
        let value = model
            .discounted_expected_lifetime(discount)
            .map_err(ToPyErr::to_py)?;
        return Ok(f64_array(py, vec![value]));
    };
    let renewals = column(&renewals);
    let out = py.detach(|| {
        renewals
            .iter()
            .enumerate()
            .map(|(index, &n)| {
                model
                    .discounted_expected_residual_lifetime(discount, n)
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_sbg_fit, m)?)?;
    m.add_function(wrap_pyfunction!(churn_sbg_fit_cohorts, m)?)?;
    m.add_function(wrap_pyfunction!(churn_sbg_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(churn_sbg_discounted, m)?)?;
    Ok(())
}
