//! Maximum-likelihood fits for the Python fitters (`retention.BetaGeoFitter` and friends):
//! `retention_core::churn::fit`, run with the GIL released. After every iteration the fit
//! takes the GIL back briefly to check for Ctrl-C (`Python::check_signals`) and to call the
//! Python observer (`verbose` lines, the `progress=` callback); an exception from either stops
//! the fit and is raised as it is (`KeyboardInterrupt` for Ctrl-C).

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use retention_core::churn::fit::{self, Control, FitError, FitOptions, Fitted, Observer, Progress};

use super::columns::column;
use super::model::model_kind;
use crate::errors::ToPyErr;

/// What a fit returns to Python: params, standard errors (or None), log-likelihood, iterations,
/// distinct rows, covariance matrix rows (or None).
pub(crate) type FitTuple = (
    Vec<f64>,
    Option<Vec<f64>>,
    f64,
    u64,
    usize,
    Option<Vec<Vec<f64>>>,
);

/// A core fit's result as Python gets it.
pub(crate) fn fit_tuple<M>(fitted: Fitted<M>) -> FitTuple {
    (
        fitted.params,
        fitted.standard_errors,
        fitted.log_likelihood,
        fitted.iterations,
        fitted.distinct_rows,
        fitted.covariance,
    )
}

/// The fit options of the Python arguments.
pub(crate) fn options(
    penalizer: f64,
    max_iterations: u64,
    initial: Option<Vec<f64>>,
    threads: Option<usize>,
) -> FitOptions {
    FitOptions {
        penalizer,
        max_iterations,
        initial,
        threads,
    }
}

/// Runs `fit` with the GIL released and an observer that, after each iteration, checks for
/// signals and calls `observe(iteration, log_likelihood, gradient_norm, params)` with the GIL.
/// A Python exception raised there stops the fit and is returned as it is; a core error gets
/// its exception, and a fit that did not converge carries `best_params`, `log_likelihood`,
/// `gradient_norm` and `iterations`.
fn observed<F>(py: Python<'_>, observe: Option<Py<PyAny>>, fit: F) -> PyResult<FitTuple>
where
    F: FnOnce(&mut dyn Observer) -> Result<FitTuple, FitError> + Send,
{
    let mut callback_error: Option<PyErr> = None;
    let result = py.detach(|| {
        let mut observer = |progress: &Progress<'_>| -> Control {
            Python::attach(|py| {
                let called = py.check_signals().and_then(|()| match &observe {
                    Some(observe) => observe
                        .call1(
                            py,
                            (
                                progress.iteration,
                                progress.log_likelihood,
                                progress.gradient_norm,
                                progress.params.to_vec(),
                            ),
                        )
                        .map(drop),
                    None => Ok(()),
                });
                match called {
                    Ok(()) => Control::Continue,
                    Err(error) => {
                        callback_error = Some(error);
                        Control::Stop
                    }
                }
            })
        };
        fit(&mut observer)
    });
    if let Some(error) = callback_error {
        return Err(error);
    }
    result.map_err(|error| {
        let exception = error.to_py();
        if let FitError::NoConvergence {
            iterations,
            gradient_norm,
            best,
        } = error
        {
            let value = exception.value(py);
            let attached = value
                .setattr("best_params", best.params().to_vec())
                .and_then(|()| value.setattr("log_likelihood", best.log_likelihood()))
                .and_then(|()| value.setattr("gradient_norm", gradient_norm))
                .and_then(|()| value.setattr("iterations", iterations));
            if let Err(failed) = attached {
                return failed;
            }
        }
        exception
    })
}

/// Fits `model` (`"bg_nbd"`, `"mbg_nbd"`, `"pareto_nbd"`, `"bg_bb"`) by maximum likelihood.
#[pyfunction]
#[pyo3(signature = (model, frequency, recency, age, weights, penalizer, max_iterations, initial, threads=None, observe=None))]
#[allow(clippy::too_many_arguments)]
fn churn_fit(
    py: Python<'_>,
    model: &str,
    frequency: PyReadonlyArray1<'_, f64>,
    recency: PyReadonlyArray1<'_, f64>,
    age: PyReadonlyArray1<'_, f64>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    penalizer: f64,
    max_iterations: u64,
    initial: Option<Vec<f64>>,
    threads: Option<usize>,
    observe: Option<Py<PyAny>>,
) -> PyResult<FitTuple> {
    let kind = model_kind(model)?;
    let (x, t_x, big_t) = (column(&frequency), column(&recency), column(&age));
    let w = weights.as_ref().map(column);
    let options = options(penalizer, max_iterations, initial, threads);
    observed(py, observe, |observer| {
        fit::fit_purchase_model(kind, &x, &t_x, &big_t, w.as_deref(), &options, observer)
            .map(fit_tuple)
    })
}

/// Fits Gamma-Gamma to repeat buyers' frequency and mean spend.
#[pyfunction]
#[pyo3(signature = (frequency, monetary_value, weights, penalizer, max_iterations, initial, threads=None, observe=None))]
#[allow(clippy::too_many_arguments)]
fn churn_fit_gamma_gamma(
    py: Python<'_>,
    frequency: PyReadonlyArray1<'_, f64>,
    monetary_value: PyReadonlyArray1<'_, f64>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    penalizer: f64,
    max_iterations: u64,
    initial: Option<Vec<f64>>,
    threads: Option<usize>,
    observe: Option<Py<PyAny>>,
) -> PyResult<FitTuple> {
    let (x, m) = (column(&frequency), column(&monetary_value));
    let w = weights.as_ref().map(column);
    let options = options(penalizer, max_iterations, initial, threads);
    observed(py, observe, |observer| {
        fit::fit_gamma_gamma_observed(&x, &m, w.as_deref(), &options, observer).map(fit_tuple)
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_fit, m)?)?;
    m.add_function(wrap_pyfunction!(churn_fit_gamma_gamma, m)?)?;
    m.add(
        "CHURN_MAX_OBSERVATION",
        retention_core::churn::MAX_OBSERVATION,
    )?;
    m.add(
        "CHURN_MAX_GRID_CELLS",
        retention_core::churn::MAX_GRID_CELLS,
    )?;
    m.add("CHURN_MAX_LINE_SEARCH_STEPS", fit::MAX_LINE_SEARCH_STEPS)?;
    m.add("CHURN_FIT_CHUNK_ROWS", fit::CHUNK_ROWS)?;
    Ok(())
}
