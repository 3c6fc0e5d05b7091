//! `retention.rfm`' native half: RFM cut points, scores and segment names
//! (`retention_core::churn::rfm`).

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::churn::BatchError;
use retention_core::churn::rfm::{self, RfmCuts, Segment};

use super::columns::column;
use crate::errors::ToPyErr;

/// Cut points as they come from Python: recency, frequency, monetary.
pub(crate) type Cuts = ([f64; 4], [f64; 4], [f64; 4]);
/// One score's four cut points as a Python tuple.
pub(crate) type Cut = (f64, f64, f64, f64);

/// Cut points as Python tuples.
pub(crate) fn cut_tuples((r, f, m): Cuts) -> (Cut, Cut, Cut) {
    let tuple = |[a, b, c, d]: [f64; 4]| (a, b, c, d);
    (tuple(r), tuple(f), tuple(m))
}

/// The 20/40/60/80th percentiles of time since last purchase, frequency and mean spend.
#[pyfunction]
fn churn_rfm_fit(
    py: Python<'_>,
    since_last_purchase: PyReadonlyArray1<'_, f64>,
    frequency: PyReadonlyArray1<'_, f64>,
    monetary_value: PyReadonlyArray1<'_, f64>,
) -> PyResult<(Cut, Cut, Cut)> {
    let (r, f, m) = (
        column(&since_last_purchase),
        column(&frequency),
        column(&monetary_value),
    );
    let cuts = py
        .detach(|| rfm::fit_cuts(&r, &f, &m))
        .map_err(ToPyErr::to_py)?;
    Ok(cut_tuples(cuts.get()))
}

type RfmColumns<'py> = (
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u8>>,
);

/// R, F, M scores 1..=5 and the segment code per row.
#[pyfunction]
fn churn_rfm_score<'py>(
    py: Python<'py>,
    cuts: Cuts,
    since_last_purchase: PyReadonlyArray1<'py, f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
) -> PyResult<RfmColumns<'py>> {
    let cuts = RfmCuts::new(cuts.0, cuts.1, cuts.2).map_err(ToPyErr::to_py)?;
    let (r, f, m) = (
        column(&since_last_purchase),
        column(&frequency),
        column(&monetary_value),
    );
    if f.len() != r.len() || m.len() != r.len() {
        return Err(BatchError::LengthMismatch.to_py());
    }
    let scores = py.detach(|| {
        let mut out = (
            Vec::with_capacity(r.len()),
            Vec::with_capacity(r.len()),
            Vec::with_capacity(r.len()),
            Vec::with_capacity(r.len()),
        );
        for (index, ((&r, &f), &m)) in r.iter().zip(f.iter()).zip(m.iter()).enumerate() {
            let score = cuts
                .score(r, f, m)
                .map_err(|error| BatchError::Row { index, error })?;
            out.0.push(score.recency);
            out.1.push(score.frequency);
            out.2.push(score.monetary);
            out.3.push(score.segment().code());
        }
        Ok::<_, BatchError>(out)
    });
    let (r, f, m, s) = scores.map_err(ToPyErr::to_py)?;
    Ok((
        r.into_pyarray(py),
        f.into_pyarray(py),
        m.into_pyarray(py),
        s.into_pyarray(py),
    ))
}

/// `[(code, name)]` of the RFM segments (`Segment::ALL`).
#[pyfunction]
fn churn_rfm_segments() -> Vec<(u8, &'static str)> {
    Segment::ALL.iter().map(|s| (s.code(), s.name())).collect()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_rfm_fit, m)?)?;
    m.add_function(wrap_pyfunction!(churn_rfm_score, m)?)?;
    m.add_function(wrap_pyfunction!(churn_rfm_segments, m)?)?;
    Ok(())
}
