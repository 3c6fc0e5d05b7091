//! BG/BB's own methods for `retention.BetaGeoBetaBinomFitter` (`retention_core::churn::bg_bb`):
//! P(alive) in period n + m and the distribution of the purchase count. Its likelihood,
//! P(alive in the next period) and expected purchases go through the generic batch
//! (`batch.rs`) and its fit through `fit.rs`, as model `"bg_bb"`.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::churn::bg_bb::{BetaGeoBetaBinom, MAX_BG_BB_PERIODS};
use retention_core::churn::{BatchError, Observation};
use retention_core::error::Code;

use super::columns::{column, f64_array};
use crate::errors::{ToPyErr, raise};

fn model(params: &[f64]) -> PyResult<BetaGeoBetaBinom> {
    match params {
        &[alpha, beta, gamma, delta] => {
            BetaGeoBetaBinom::new(alpha, beta, gamma, delta).map_err(ToPyErr::to_py)
        }
        _ => Err(raise(Code::INVALID_ARGUMENT, "BG/BB has 4 parameters")),
    }
}

/// P(alive in period n + m) for every row (x, t_x, n) and its `m`.
#[pyfunction]
fn churn_bg_bb_p_alive<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    m: PyReadonlyArray1<'py, f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    n_periods: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = model(&params)?;
    let (m, x, t_x, n) = (
        column(&m),
        column(&frequency),
        column(&recency),
        column(&n_periods),
    );
    if m.len() != x.len() || t_x.len() != x.len() || n.len() != x.len() {
        return Err(BatchError::LengthMismatch.to_py());
    }
    let out = py.detach(|| {
        (0..x.len())
            .map(|index| {
                let at = |c: &[f64]| c.get(index).copied().unwrap_or(f64::NAN);
                Observation::new(at(&x), at(&t_x), at(&n))
                    .and_then(|customer| model.p_alive_at(&customer, at(&m)))
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

/// P(X(n) = x) for every x of `frequency`.
#[pyfunction]
fn churn_bg_bb_purchase_probability<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    n: f64,
    frequency: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = model(&params)?;
    let x = column(&frequency);
    let out = py.detach(|| {
        x.iter()
            .enumerate()
            .map(|(index, &x)| {
                model
                    .probability_of_purchases(x, n)
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_bg_bb_p_alive, m)?)?;
    m.add_function(wrap_pyfunction!(churn_bg_bb_purchase_probability, m)?)?;
    m.add("CHURN_MAX_BG_BB_PERIODS", MAX_BG_BB_PERIODS)?;
    Ok(())
}
