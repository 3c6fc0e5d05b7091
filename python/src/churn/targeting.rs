//! `retention.targeting`' native half: whom a retention offer pays for
//! (`retention_core::churn::targeting`).

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::churn::targeting::{self, Offer};

use super::columns::{column, f64_array};
use crate::errors::ToPyErr;

/// Row indices and expected values of the customers worth an offer.
type Targets<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>);

/// Customers worth a retention offer, best first: `(row indices, expected values)`.
#[pyfunction]
#[pyo3(signature = (p_alive, clv, cost, uplift, budget=None))]
fn churn_target<'py>(
    py: Python<'py>,
    p_alive: PyReadonlyArray1<'py, f64>,
    clv: PyReadonlyArray1<'py, f64>,
    cost: f64,
    uplift: f64,
    budget: Option<usize>,
) -> PyResult<Targets<'py>> {
    let (p, value) = (column(&p_alive), column(&clv));
    let targets = py
        .detach(|| targeting::target(&p, &value, Offer { cost, uplift }, budget))
        .map_err(ToPyErr::to_py)?;
    let indices: Vec<u64> = targets.iter().map(|t| t.index as u64).collect();
    let values: Vec<f64> = targets.iter().map(|t| t.expected_value).collect();
    Ok((indices.into_pyarray(py), f64_array(py, values)))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_target, m)?)?;
    Ok(())
}
