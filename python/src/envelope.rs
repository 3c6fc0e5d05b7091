//! `retention.envelope`: seal and open blobs of raw bytes (tests, tools, application data).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use retention_core::envelope::{self, Header, Kind, Seal};
use retention_core::error::Code;

use crate::args::arg;
use crate::errors::{ToPyErr, raise};

fn kind_from(byte: u8) -> PyResult<Kind> {
    Kind::from_byte(byte)
        .ok_or_else(|| raise(Code::INVALID_ARGUMENT, format!("unknown kind {byte:#04x}")))
}

fn seal_from<'a>(key: Option<&'a [u8]>, context: Option<&'a [u8]>) -> PyResult<Option<Seal<'a>>> {
    match (key, context) {
        (Some(key), context) => Seal::new(key, context.unwrap_or_default())
            .map(Some)
            .map_err(ToPyErr::to_py),
        (None, Some(_)) => Err(raise(Code::INVALID_ARGUMENT, "a context needs a key")),
        (None, None) => Ok(None),
    }
}

/// Seals `payload` in a blob of `kind`; tagged kinds need `key` (and optionally `context`).
#[pyfunction]
#[pyo3(signature = (kind, payload, key=None, context=None))]
fn envelope_encode<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = arg::kind)] kind: u8,
    payload: &[u8],
    key: Option<&[u8]>,
    context: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    let kind = kind_from(kind)?;
    let seal = seal_from(key, context)?;
    if payload.len() > envelope::MAX_PAYLOAD_LEN {
        return Err(envelope::EncodeError::PayloadTooLarge { len: payload.len() }.to_py());
    }
    PyBytes::new_with(py, envelope::encoded_len(kind, payload.len()), |out| {
        envelope::encode_raw(kind, payload, seal, out)
            .map(|_| ())
            .map_err(ToPyErr::to_py)
    })
}

/// Verifies a blob of `kind` and returns its payload.
#[pyfunction]
#[pyo3(signature = (blob, kind, key=None, context=None))]
fn envelope_decode<'py>(
    py: Python<'py>,
    blob: &[u8],
    #[pyo3(from_py_with = arg::kind)] kind: u8,
    key: Option<&[u8]>,
    context: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    let kind = kind_from(kind)?;
    let seal = seal_from(key, context)?;
    let opened = envelope::open(blob, kind, seal).map_err(ToPyErr::to_py)?;
    Ok(PyBytes::new(py, opened.payload))
}

/// `(kind, version, payload_len)` of a blob's header, unverified.
#[pyfunction]
fn envelope_peek(blob: &[u8]) -> PyResult<(u8, u8, usize)> {
    let Header {
        kind,
        version,
        payload_len,
    } = Header::peek(blob).map_err(ToPyErr::to_py)?;
    Ok((kind.byte(), version, payload_len))
}

/// Total blob length for a payload of `payload_len` bytes.
#[pyfunction]
fn envelope_encoded_len(
    #[pyo3(from_py_with = arg::kind)] kind: u8,
    #[pyo3(from_py_with = arg::payload_len)] payload_len: usize,
) -> PyResult<usize> {
    Ok(envelope::encoded_len(kind_from(kind)?, payload_len))
}

/// `[(name, byte, tag_len, version)]` for every kind.
#[pyfunction]
fn envelope_kinds() -> Vec<(String, u8, usize, u8)> {
    Kind::ALL
        .iter()
        .map(|kind| {
            (
                kind.name().replace('-', "_").to_uppercase(),
                kind.byte(),
                kind.tag_len(),
                kind.version(),
            )
        })
        .collect()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(envelope_encode, m)?)?;
    m.add_function(wrap_pyfunction!(envelope_decode, m)?)?;
    m.add_function(wrap_pyfunction!(envelope_peek, m)?)?;
    m.add_function(wrap_pyfunction!(envelope_encoded_len, m)?)?;
    m.add_function(wrap_pyfunction!(envelope_kinds, m)?)?;
    m.add("ENVELOPE_OVERHEAD_LEN", envelope::OVERHEAD_LEN)?;
    m.add("ENVELOPE_MAX_PAYLOAD_LEN", envelope::MAX_PAYLOAD_LEN)?;
    m.add("KEY_MIN_LEN", envelope::MIN_KEY_LEN)?;
    m.add("CONTEXT_MAX_LEN", envelope::MAX_CONTEXT_LEN)?;
    Ok(())
}
