//! `retention.RuleSet`: a compiled loyalty rule set (`retention_core::rules::rule_set`), from
//! JSON or TOML documents or a (signed) blob, and its evaluation and back-test entry points.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use retention_core::error::Code;
use retention_core::rules::{self, LoadOptions, RuleSet};

use super::evaluate::Evaluation;
use super::outcome::PyOutcome;
use crate::args::{Blob, arg, quoted};
use crate::customer::PyCustomer;
use crate::errors::{ToPyErr, raise};

/// A compiled, validated loyalty rule set (`docs/rules.md` is the schema). Immutable.
///
/// Make one with `RuleSet.from_json(text)` / `RuleSet.from_toml(text)` (raise
/// `ValidationError` naming the rule and field, `CapacityError` over a capacity: 64 rules, 8
/// conditions per rule, 64 ids per list) or `RuleSet.from_bytes(blob)` (a compiled blob).
/// Amounts are integers in minor units (cents).
#[pyclass(name = "RuleSet", module = "retention", frozen)]
pub(crate) struct PyRuleSet {
    pub(crate) rules: Arc<RuleSet>,
}

#[pymethods]
impl PyRuleSet {
    /// Compiles a JSON rule-set document. Raises `ValidationError` (with `rule_id`,
    /// `rule_name` and `field` attributes; the message names them and says what is allowed)
    /// or `CapacityError`.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<PyRuleSet> {
        let rules = RuleSet::from_json(text).map_err(ToPyErr::to_py)?;
        Ok(PyRuleSet {
            rules: Arc::new(rules),
        })
    }

    /// Compiles a TOML rule-set document (same schema, errors as `from_json`).
    #[staticmethod]
    fn from_toml(text: &str) -> PyResult<PyRuleSet> {
        let rules = RuleSet::from_toml(text).map_err(ToPyErr::to_py)?;
        Ok(PyRuleSet {
            rules: Arc::new(rules),
        })
    }

    /// Loads a compiled rule-set blob (`bytes`, `bytearray` or `memoryview`). `public_key`: the operator's 32-byte Ed25519 public key
    /// (then only sets signed with it load); `min_serial`: older sets are refused. Raises
    /// `DecodeError` (corrupt, truncated, not a rule set), `AuthenticationError` (unsigned when
    /// a key is given, or a bad signature), `StateError` (serial below `min_serial`),
    /// `ValidationError` (a key that is not 32 bytes or not a valid point).
    #[staticmethod]
    #[pyo3(signature = (data, public_key=None, min_serial=0))]
    fn from_bytes(
        #[pyo3(from_py_with = arg::data)] data: Blob,
        public_key: Option<&[u8]>,
        #[pyo3(from_py_with = arg::min_serial)] min_serial: u32,
    ) -> PyResult<PyRuleSet> {
        let mut options = LoadOptions::new().min_serial(min_serial);
        if let Some(key) = public_key {
            let key: [u8; rules::PUBLIC_KEY_LEN] = key.try_into().map_err(|_| {
                raise(
                    Code::RULES_BAD_PUBLIC_KEY,
                    format!(
                        "public_key must be {} bytes, got {}",
                        rules::PUBLIC_KEY_LEN,
                        key.len()
                    ),
                )
            })?;
            options = options.public_key(key);
        }
        let rules = RuleSet::load(&data.0, &options).map_err(ToPyErr::to_py)?;
        Ok(PyRuleSet {
            rules: Arc::new(rules),
        })
    }

    /// Pickling: the rule set travels as its compiled blob (unsigned; the hash is the same), so
    /// it can go to worker processes (`multiprocessing`, `concurrent.futures`, Spark, Dask).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let blob = slf.get().to_bytes(slf.py(), None)?;
        Ok((slf.get_type().getattr("from_bytes")?, (blob,)))
    }

    /// The compiled blob (at most `RULE_SET_MAX_LEN`, 13 151 bytes), signed with the 32-byte
    /// Ed25519 secret key `signing_key` if given (the hash does not change). Raises
    /// `ValidationError` for a key that is not 32 bytes.
    #[pyo3(signature = (signing_key=None))]
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        signing_key: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = vec![0u8; rules::RULE_SET_MAX_LEN];
        let used = match signing_key {
            None => self.rules.encode(&mut out),
            Some(key) => self.rules.encode_signed(secret_key(key)?, &mut out),
        }
        .map_err(ToPyErr::to_py)?;
        Ok(PyBytes::new(py, out.get(..used).unwrap_or(&[])))
    }

    /// The Ed25519 public key of a 32-byte secret key, for `from_bytes(public_key=...)`.
    /// Raises `ValidationError` for a key that is not 32 bytes.
    #[staticmethod]
    fn public_key_of<'py>(py: Python<'py>, signing_key: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(
            py,
            &RuleSet::public_key_of(secret_key(signing_key)?),
        ))
    }

    /// The rule set's identity: the SHA-256 of its compiled content (32 bytes).
    #[getter]
    fn hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.rules.hash())
    }

    /// The hash of the churn model the set's churn conditions were written for (the rule
    /// document's `churn_model`, 32 bytes; `ChurnModel.hash` in hex), or None when the set pins
    /// no model.
    #[getter]
    fn model_pin<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.rules.model_pin().map(|pin| PyBytes::new(py, pin))
    }

    /// The program's version number.
    #[getter]
    fn serial(&self) -> u32 {
        self.rules.serial()
    }

    /// The rule set's name.
    #[getter]
    fn name(&self) -> &str {
        self.rules.name()
    }

    /// The rules as `(id, name)` tuples, in evaluation order (discounts first, by priority).
    #[getter]
    fn rules(&self) -> Vec<(u16, String)> {
        self.rules
            .rules()
            .iter()
            .map(|rule| (rule.id, self.rules.rule_name(rule).to_string()))
            .collect()
    }

    /// Evaluates a basket for `customer` (default: a new customer) at `at`.
    ///
    /// `basket`: up to 32 lines, each a `Line`, a `(sku, category, quantity, unit_price)`
    /// tuple or a dict with those keys (prices in minor units). `at`: an aware `datetime` (its
    /// offset is the terminal's), or Unix seconds (int) with `utc_offset_minutes` (default 0).
    /// `coupons`: up to 8 coupon ids; `event` (required): the sale's `(terminal, sequence)`,
    /// sequences numbered from 1 (0 is a `ValidationError`, `RTN_RULES_INVALID_EVENT_ID`); `churn_risk`:
    /// 0..=1000 or None; or `churn_model`: a `ChurnModel` that scores the customer's churn
    /// summary on the sale's local day, as a till does (no purchases yet: unknown). A rule set
    /// that pins a model (`model_pin`) takes a known risk only from `churn_model` with that hash:
    /// another model, or a bare `churn_risk`, is an `AuthenticationError`
    /// (`RTN_RULES_CHURN_MODEL_NOT_PINNED`). The sale is
    /// counted into the updated record's churn summary once per `event`. Raises
    /// `ValidationError` (a negative price, quantity 0, a naive datetime, a value out of range,
    /// both `churn_risk` and `churn_model`, a summary of another grain than the model's),
    /// `CapacityError` (more than 32 lines or 8 coupons, an outcome capacity),
    /// `AmountOverflowError`, `ConvergenceError` (the model's series did not converge).
    #[pyo3(signature = (basket, customer=None, at=None, *, utc_offset_minutes=None, store=0, channel=0, coupons=Vec::new(), event, churn_risk=None, churn_model=None))]
    #[allow(clippy::too_many_arguments)] // The keyword arguments of the Python signature.
    fn evaluate(
        &self,
        basket: &Bound<'_, PyAny>,
        customer: Option<&PyCustomer>,
        at: Option<&Bound<'_, PyAny>>,
        utc_offset_minutes: Option<&Bound<'_, PyAny>>,
        #[pyo3(from_py_with = arg::store)] store: u32,
        #[pyo3(from_py_with = arg::channel)] channel: u8,
        #[pyo3(from_py_with = arg::coupons)] coupons: Vec<u32>,
        #[pyo3(from_py_with = arg::event)] event: (u32, u32),
        #[pyo3(from_py_with = arg::churn_risk)] churn_risk: Option<u16>,
        churn_model: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        Evaluation {
            basket,
            customer,
            at,
            utc_offset_minutes,
            store,
            channel,
            coupons,
            event,
            churn_risk,
            churn_model,
        }
        .run(&self.rules)
    }

    /// Back-tests the rule set over a history of sales: every basket goes through the same
    /// evaluation the till runs, each customer's record carried forward in time order.
    ///
    /// `transactions`: a pandas or polars DataFrame, a polars LazyFrame, or a pyarrow Table or
    /// RecordBatch, one row per basket line, with columns `customer_id` (any hashable ids),
    /// `timestamp` (datetimes, naive ones as local time and aware ones in their own zone; or
    /// integers, Unix time in `timestamp_unit`) and `unit_price` (integer minor units), and
    /// optionally `quantity` (default 1), `sku`, `category`, `basket_id`, `store`, `channel`,
    /// `coupon`, `churn_risk`. `customers` (optional, same kinds of table): `customer_id`,
    /// `tier`, `segments`, `birthday`, `segment` (a reporting label). The module
    /// `retention.rules` documents every column in full.
    ///
    /// Keyword options: `utc_offset_minutes` (int, default 0: the terminals' offset from UTC,
    /// applied to integer timestamps), `timestamp_unit` (`"s"` default, `"ms"`, `"us"`,
    /// `"ns"`), `skip_invalid` (bool, default False: count refused baskets in `skipped`
    /// instead of raising), `progress` (True, False, a callable `(done, total)`, or None: a
    /// bar from 200 000 rows on), `churn_model` (a `ChurnModel`: each basket's churn risk as
    /// the till computes it from the carried record), `feedback` (a table of NPS answers:
    /// `customer_id`, `timestamp`, `score`, optional `channel`; folded into the records in
    /// time order, before the baskets at or after them, so feedback conditions see them).
    ///
    /// Returns a `retention.rules.BacktestResult`: attributes `baskets` and `skipped` (counts,
    /// ints), `first_skipped` (`(row, reason)` or None), `by_rule`, `by_segment`,
    /// `by_rule_segment` and `customers` (data frames of the transactions' library: polars
    /// for polars input, pandas otherwise; money in minor units).
    ///
    /// Raises `ValidationError` (a missing or malformed column, a missing time with its row,
    /// mixed time zones, an unknown customer, a refused basket without `skip_invalid`, an
    /// option out of range, a refused feedback answer with its row), `CapacityError` (a basket over 32 lines), `AmountOverflowError`,
    /// `TypeError` (a table or option of the wrong type); `KeyboardInterrupt` stops it between
    /// baskets.
    #[pyo3(signature = (transactions, customers=None, **options))]
    fn backtest<'py>(
        slf: &Bound<'py, Self>,
        transactions: &Bound<'py, PyAny>,
        customers: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let module = slf.py().import("retention.rules")?;
        module
            .getattr("backtest")?
            .call((slf, transactions, customers), options)
    }

    fn __repr__(&self) -> String {
        let hash: String = self
            .rules
            .hash()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            "RuleSet(name={}, serial={}, rules={}, hash='{hash}…')",
            quoted(self.rules.name()),
            self.rules.serial(),
            self.rules.rules().len()
        )
    }
}

/// A 32-byte Ed25519 secret key, or a `ValidationError`.
fn secret_key(key: &[u8]) -> PyResult<&[u8; 32]> {
    key.try_into().map_err(|_| {
        raise(
            Code::INVALID_ARGUMENT,
            format!("signing_key must be 32 bytes, got {}", key.len()),
        )
    })
}
