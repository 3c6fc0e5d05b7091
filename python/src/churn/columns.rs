//! NumPy columns in and out of the churn bindings: columns are read in place when contiguous (a
//! copy otherwise), day numbers become the core's days, results become NumPy arrays without a
//! copy.

use std::borrow::Cow;

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::error::Code;
use retention_core::time::Day;

use crate::errors::raise;

/// A column read in place when contiguous, copied otherwise.
pub(crate) fn column<'a, T: numpy::Element + Copy>(
    array: &'a PyReadonlyArray1<'_, T>,
) -> Cow<'a, [T]> {
    match array.as_slice() {
        Ok(slice) => Cow::Borrowed(slice),
        Err(_) => Cow::Owned(array.as_array().iter().copied().collect()),
    }
}

/// Day numbers (days since 1970-01-01) as [`Day`]s, checked to lie in 1900–9999.
pub(crate) fn days(numbers: &[i64]) -> PyResult<Vec<Day>> {
    numbers
        .iter()
        .enumerate()
        .map(|(index, &n)| {
            i32::try_from(n)
                .ok()
                .and_then(|n| Day::from_number(n).ok())
                .ok_or_else(|| {
                    raise(
                        Code::INVALID_ARGUMENT,
                        format!("row {index}: date outside the years 1900–9999"),
                    )
                })
        })
        .collect()
}

/// One day number as a [`Day`], checked as [`days`] checks a column.
pub(crate) fn day(number: i64) -> PyResult<Day> {
    days(&[number])?
        .first()
        .copied()
        .ok_or_else(|| raise(Code::INTERNAL, "no day"))
}

/// A float column as a NumPy array, without a copy.
pub(crate) fn f64_array(py: Python<'_>, values: Vec<f64>) -> Bound<'_, PyArray1<f64>> {
    values.into_pyarray(py)
}
