//! Maximum-likelihood fits for the Python fitters (`retention.BetaGeoFitter` and friends):
//! `retention_core::churn::fit`, run with the GIL released.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use retention_core::churn::fit::{self, FitError, FitOptions, Fitted};
use retention_core::churn::model::PurchaseModelKind;

use super::columns::column;
use super::model::model_kind;
use crate::errors::ToPyErr;

/// What a fit returns to Python: params, standard errors (or None), log-likelihood, iterations,
/// distinct rows.
type FitTuple = (Vec<f64>, Option<Vec<f64>>, f64, u64, usize);

/// A core fit over (frequency, recency, age, weights), as a [`FitTuple`].
type FitFn = fn(&[f64], &[f64], &[f64], Option<&[f64]>, &FitOptions) -> Result<FitTuple, FitError>;

/// A core fit's result as Python gets it.
fn fit_tuple<M>(fitted: Fitted<M>) -> FitTuple {
    (
        fitted.params,
        fitted.standard_errors,
        fitted.log_likelihood,
        fitted.iterations,
        fitted.distinct_rows,
    )
}

/// The fit options of the Python arguments.
fn options(penalizer: f64, max_iterations: u64, initial: Option<Vec<f64>>) -> FitOptions {
    FitOptions {
        penalizer,
        max_iterations,
        initial,
    }
}

/// Fits `model` (`"bg_nbd"`, `"mbg_nbd"`, `"pareto_nbd"`) by maximum likelihood.
#[pyfunction]
#[pyo3(signature = (model, frequency, recency, age, weights, penalizer, max_iterations, initial))]
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
) -> PyResult<FitTuple> {
    let (x, t_x, big_t) = (column(&frequency), column(&recency), column(&age));
    let w = weights.as_ref().map(column);
    let options = options(penalizer, max_iterations, initial);
    let fit: FitFn = match model_kind(model)? {
        PurchaseModelKind::BgNbd => |x, t, a, w, o| fit::fit_bg_nbd(x, t, a, w, o).map(fit_tuple),
        PurchaseModelKind::ModifiedBgNbd => {
            |x, t, a, w, o| fit::fit_mbg_nbd(x, t, a, w, o).map(fit_tuple)
        }
        PurchaseModelKind::ParetoNbd => {
            |x, t, a, w, o| fit::fit_pareto_nbd(x, t, a, w, o).map(fit_tuple)
        }
    };
    py.detach(|| fit(&x, &t_x, &big_t, w.as_deref(), &options))
        .map_err(ToPyErr::to_py)
}

/// Fits Gamma-Gamma to repeat buyers' frequency and mean spend.
#[pyfunction]
#[pyo3(signature = (frequency, monetary_value, weights, penalizer, max_iterations, initial))]
fn churn_fit_gamma_gamma(
    py: Python<'_>,
    frequency: PyReadonlyArray1<'_, f64>,
    monetary_value: PyReadonlyArray1<'_, f64>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    penalizer: f64,
    max_iterations: u64,
    initial: Option<Vec<f64>>,
) -> PyResult<FitTuple> {
    let (x, m) = (column(&frequency), column(&monetary_value));
    let w = weights.as_ref().map(column);
    let options = options(penalizer, max_iterations, initial);
    py.detach(|| fit::fit_gamma_gamma(&x, &m, w.as_deref(), &options).map(fit_tuple))
        .map_err(ToPyErr::to_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_fit, m)?)?;
    m.add_function(wrap_pyfunction!(churn_fit_gamma_gamma, m)?)?;
    Ok(())
}
