//! Core errors to Python exceptions. The exception classes live in `retention/exceptions.py`
//! (so that `ValidationError` can also be a `ValueError`); which one an error raises is its
//! code's class (`retention_core::error`), and every exception carries the code as `.code` (int)
//! and `.code_name` (`"RTN_DECODE_BAD_TAG"`), with the core's message. Nothing is classified
//! here.

use std::any::Any;
use std::fmt::Display;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use retention_core::error::{Code, Coded, ErrorClass};
use retention_core::rules::AuthoringError;

static DECODE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static AUTHENTICATION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CAPACITY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VALIDATION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONVERGENCE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static OVERFLOW: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INTERNAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The exception class of an error class: its cache and its name in `retention.exceptions`.
fn exception(class: ErrorClass) -> (&'static PyOnceLock<Py<PyType>>, &'static str) {
    match class {
        ErrorClass::Decode => (&DECODE, "DecodeError"),
        ErrorClass::Authentication => (&AUTHENTICATION, "AuthenticationError"),
        ErrorClass::Capacity => (&CAPACITY, "CapacityError"),
        ErrorClass::Validation => (&VALIDATION, "ValidationError"),
        ErrorClass::State => (&STATE, "StateError"),
        ErrorClass::Convergence => (&CONVERGENCE, "ConvergenceError"),
        ErrorClass::Overflow => (&OVERFLOW, "AmountOverflowError"),
        ErrorClass::Internal => (&INTERNAL, "InternalError"),
    }
}

/// The exception of `code`'s class carrying `message`, `.code` and `.code_name`. For the
/// bindings' own checks (an argument of the wrong shape is [`Code::INVALID_ARGUMENT`]); a core
/// error goes through [`ToPyErr`].
pub(crate) fn raise(code: Code, message: impl Display) -> PyErr {
    let (cell, name) = exception(code.class());
    let message = message.to_string();
    Python::attach(|py| {
        let ty = match cell.import(py, "retention.exceptions", name) {
            Ok(ty) => ty,
            Err(import_error) => return import_error,
        };
        let error = PyErr::from_type(ty.clone(), message);
        let value = error.value(py);
        let coded = value
            .setattr("code", code.number())
            .and_then(|()| value.setattr("code_name", code.name()));
        match coded {
            Ok(()) => error,
            Err(failed) => failed,
        }
    })
}

/// The allowed values for a message, as given: `a, b or c`.
pub(crate) fn one_of(names: impl IntoIterator<Item = String>) -> String {
    let names: Vec<String> = names.into_iter().collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A core error as a Python exception.
pub(crate) trait ToPyErr {
    /// The exception of the error's class, with the core's message and the error's code.
    fn to_py(self) -> PyErr;
}

impl<E: Coded + Display + 'static> ToPyErr for E {
    fn to_py(self) -> PyErr {
        let error = raise(self.code(), &self);
        match (&self as &dyn Any).downcast_ref::<AuthoringError>() {
            Some(authoring) => locate(error, authoring),
            None => error,
        }
    }
}

/// An authoring error's exception also says where: `rule_id`, `rule_name` (None outside a
/// rule) and `field`.
fn locate(error: PyErr, authoring: &AuthoringError) -> PyErr {
    let rule = authoring.rule.as_ref();
    let attached = Python::attach(|py| {
        let value = error.value(py);
        value
            .setattr("rule_id", rule.and_then(|r| r.id))
            .and_then(|()| value.setattr("rule_name", rule.and_then(|r| r.name.clone())))
            .and_then(|()| value.setattr("field", authoring.field.clone()))
    });
    match attached {
        Ok(()) => error,
        Err(failed) => failed,
    }
}

/// Checks that `retention.exceptions` is importable when the module loads, so that a broken
/// install fails at `import retention`, not at the first error; and gives `ValidationError` the
/// code of the package's own argument checks in Python, `RTN_INVALID_ARGUMENT`, as the default
/// `.code` and `.code_name` of the class.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let exceptions = m.py().import("retention.exceptions")?;
    let validation = exceptions.getattr("ValidationError")?;
    validation.setattr("code", Code::INVALID_ARGUMENT.number())?;
    validation.setattr("code_name", Code::INVALID_ARGUMENT.name())?;
    Ok(())
}
