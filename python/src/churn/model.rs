//! `retention.ChurnModel`'s native half (`_ChurnModel`): the churn model a till scores with and
//! its blob (`retention_core::churn::model`), the purchase and spend models of the fitters, and
//! the core's names of the models, their parameters and the risk bands.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use retention_core::churn::gamma_gamma::GammaGamma;
use retention_core::churn::model::{
    ChurnModel, MODEL_MAX_LEN, MODEL_TAGGED_MAX_LEN, PurchaseModel, PurchaseModelKind, Score,
    ScoreError, SpendModel,
};
use retention_core::churn::rfm::RfmCuts;
use retention_core::churn::risk::{RiskBand, RiskThresholds};
use retention_core::churn::{BatchError, Observation};
use retention_core::envelope::Seal;
use retention_core::error::{Code, Coded};
use retention_core::money::Money;

use super::columns::{column, f64_array};
use super::rfm::{Cut, Cuts, cut_tuples};
use super::summary::periods;
use crate::customer::PyCustomer;
use crate::errors::{ToPyErr, raise};
use crate::time::local_day;

/// The purchase model kind named `name` (the core's names: `"bg_nbd"`, `"mbg_nbd"`,
/// `"pareto_nbd"`, `"bg_bb"`).
pub(crate) fn model_kind(name: &str) -> PyResult<PurchaseModelKind> {
    PurchaseModelKind::from_name(name)
        .ok_or_else(|| raise(Code::INVALID_ARGUMENT, format!("unknown model {name:?}")))
}

/// The purchase model named `name` with its four `params` (lifetimes' order).
pub(crate) fn purchase_model(name: &str, params: &[f64]) -> PyResult<PurchaseModel> {
    let params: [f64; 4] = params
        .try_into()
        .map_err(|_| raise(Code::INVALID_ARGUMENT, "a purchase model has 4 parameters"))?;
    PurchaseModel::new(model_kind(name)?, params).map_err(ToPyErr::to_py)
}

/// The Gamma-Gamma spend model with its three `params` (`p, q, v`).
pub(crate) fn gamma_gamma(params: &[f64]) -> PyResult<GammaGamma> {
    match params {
        &[p, q, v] => GammaGamma::new(p, q, v).map_err(ToPyErr::to_py),
        _ => Err(raise(
            Code::INVALID_ARGUMENT,
            "Gamma-Gamma has 3 parameters",
        )),
    }
}

/// A churn model as a till scores it: the purchase model, period definition, risk thresholds,
/// horizon, and optionally the spend model and RFM cut points. Written to and read from the
/// model blob (`Kind.MODEL`).
#[pyclass(name = "_ChurnModel", module = "retention._retention", frozen, eq)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PyChurnModel {
    pub(crate) inner: ChurnModel,
}

#[pymethods]
impl PyChurnModel {
    #[new]
    #[pyo3(signature = (model, params, *, grain="D", unit="D", thresholds=(250, 500, 750), horizon=None, money_unit=1, spend=None, rfm=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        model: &str,
        params: Vec<f64>,
        grain: &str,
        unit: &str,
        thresholds: (u16, u16, u16),
        horizon: Option<f64>,
        money_unit: u32,
        spend: Option<(Vec<f64>, u16, f64)>,
        rfm: Option<Cuts>,
    ) -> PyResult<PyChurnModel> {
        let purchases = purchase_model(model, &params)?;
        let mut inner = ChurnModel::try_new(purchases, periods(grain, unit)?)
            .map_err(ToPyErr::to_py)?
            .with_thresholds(
                RiskThresholds::new([thresholds.0, thresholds.1, thresholds.2])
                    .map_err(ToPyErr::to_py)?,
            )
            .with_money_unit(money_unit)
            .map_err(ToPyErr::to_py)?;
        if let Some(horizon) = horizon {
            inner = inner.with_horizon(horizon).map_err(ToPyErr::to_py)?;
        }
        if let Some((spend_params, clv_months, monthly_discount_rate)) = spend {
            inner = inner
                .with_spend(SpendModel {
                    gamma_gamma: gamma_gamma(&spend_params)?,
                    clv_months,
                    monthly_discount_rate,
                })
                .map_err(ToPyErr::to_py)?;
        }
        if let Some((r, f, m)) = rfm {
            inner = inner.with_rfm(RfmCuts::new(r, f, m).map_err(ToPyErr::to_py)?);
        }
        Ok(PyChurnModel { inner })
    }

    /// Reads a model blob, checking the envelope and every value; with `key`, a tagged blob
    /// and its tag (an untagged one is then refused).
    #[staticmethod]
    #[pyo3(signature = (blob, key=None))]
    fn from_bytes(blob: &[u8], key: Option<&[u8]>) -> PyResult<PyChurnModel> {
        let decoded = match key {
            None => ChurnModel::decode(blob),
            Some(key) => {
                Seal::new(key, &[]).map_err(ToPyErr::to_py)?;
                ChurnModel::decode_tagged(blob, key)
            }
        };
        decoded
            .map(|inner| PyChurnModel { inner })
            .map_err(ToPyErr::to_py)
    }

    /// The model blob (at most `MODEL_MAX_LEN` bytes); with `key`, tagged (at most
    /// `MODEL_TAGGED_MAX_LEN`).
    #[pyo3(signature = (key=None))]
    fn to_bytes<'py>(&self, py: Python<'py>, key: Option<&[u8]>) -> PyResult<Bound<'py, PyBytes>> {
        let mut buffer = [0u8; MODEL_TAGGED_MAX_LEN];
        let used = match key {
            None => self.inner.encode(&mut buffer),
            Some(key) => {
                Seal::new(key, &[]).map_err(ToPyErr::to_py)?;
                self.inner.encode_tagged(key, &mut buffer)
            }
        }
        .map_err(ToPyErr::to_py)?;
        let blob = buffer
            .get(..used)
            .ok_or_else(|| raise(Code::INTERNAL, "encoded length beyond the buffer"))?;
        Ok(PyBytes::new(py, blob))
    }

    /// The model's identity (32 bytes): the SHA-256 of its payload, the pin a rule set names.
    #[getter]
    fn hash<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let hash = self.inner.hash().map_err(ToPyErr::to_py)?;
        Ok(PyBytes::new(py, &hash))
    }

    /// `"bg_nbd"`, `"mbg_nbd"`, `"pareto_nbd"` or `"bg_bb"`.
    #[getter]
    fn model(&self) -> &'static str {
        self.inner.purchases().kind().name()
    }

    /// The purchase model's parameters.
    #[getter]
    fn params(&self) -> Vec<f64> {
        self.inner.purchases().params().to_vec()
    }

    /// `"D"` or `"W"`: the period purchases collapse into.
    #[getter]
    fn grain(&self) -> &'static str {
        self.inner.periods().grain.freq()
    }

    /// `"D"` or `"W"`: the unit of recency, age and horizons.
    #[getter]
    fn unit(&self) -> &'static str {
        self.inner.periods().unit.freq()
    }

    /// The risks at which the bands medium, high and critical start.
    #[getter]
    fn thresholds(&self) -> (u16, u16, u16) {
        let [a, b, c] = self.inner.thresholds().get();
        (a, b, c)
    }

    /// The horizon of the expected purchases, in time units.
    #[getter]
    fn horizon(&self) -> f64 {
        self.inner.horizon()
    }

    /// Minor units per money unit of the spend model and RFM monetary cuts.
    #[getter]
    fn money_unit(&self) -> u32 {
        self.inner.money_unit()
    }

    /// `(gamma_gamma_params, clv_months, monthly_discount_rate)`, or None.
    #[getter]
    fn spend(&self) -> Option<(Vec<f64>, u16, f64)> {
        self.inner.spend().map(|s| {
            (
                s.gamma_gamma.params().to_vec(),
                s.clv_months,
                s.monthly_discount_rate,
            )
        })
    }

    /// The RFM cut points `(recency, frequency, monetary)`, or None.
    #[getter]
    fn rfm(&self) -> Option<(Cut, Cut, Cut)> {
        self.inner.rfm().map(|c| cut_tuples(c.get()))
    }

    /// The churn risk (0..=1000) of `customer` (a `retention.Customer`) from its churn summary
    /// on the local day of `at` (a `datetime.date`, an aware `datetime`, or Unix seconds with
    /// `utc_offset_minutes`), as the till computes it for the rules; None (unknown, not 0) for
    /// a customer without purchases.
    #[pyo3(signature = (customer, at, utc_offset_minutes=None))]
    fn risk_of(
        &self,
        customer: &PyCustomer,
        at: &Bound<'_, PyAny>,
        utc_offset_minutes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<u16>> {
        let today = local_day(at, utc_offset_minutes)?;
        self.inner
            .risk_of(&customer.record.churn, today)
            .map_err(ToPyErr::to_py)
    }

    /// Scores every row: `p_alive`, `risk`, `band`, `expected_purchases`, and `clv_minor`
    /// (with a spend model), `rfm_recency`, `rfm_frequency`, `rfm_monetary`, `rfm_segment`
    /// (with RFM cut points).
    fn score<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'py, f64>,
        recency: PyReadonlyArray1<'py, f64>,
        age: PyReadonlyArray1<'py, f64>,
        mean_spend_minor: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let (x, t_x, big_t, m) = (
            column(&frequency),
            column(&recency),
            column(&age),
            column(&mean_spend_minor),
        );
        let n = x.len();
        if t_x.len() != n || big_t.len() != n || m.len() != n {
            return Err(BatchError::LengthMismatch.to_py());
        }
        let model = self.inner;
        let scores = py.detach(|| {
            (0..n)
                .map(|index| {
                    let at = |c: &[f64]| c.get(index).copied().unwrap_or(f64::NAN);
                    Observation::new(at(&x), at(&t_x), at(&big_t))
                        .map_err(ScoreError::Model)
                        .and_then(|customer| model.score(&customer, at(&m)))
                        .map_err(|error| (index, error))
                })
                .collect::<Result<Vec<Score>, (usize, ScoreError)>>()
        });
        let scores = scores
            .map_err(|(index, error)| raise(error.code(), format!("row {index}: {error}")))?;
        let floats = |f: fn(&Score) -> f64| -> Bound<'py, PyAny> {
            f64_array(py, scores.iter().map(f).collect()).into_any()
        };
        let bytes = |f: fn(&Score) -> u8| -> Bound<'py, PyAny> {
            scores
                .iter()
                .map(f)
                .collect::<Vec<u8>>()
                .into_pyarray(py)
                .into_any()
        };
        let risk: Vec<u16> = scores.iter().map(|s| s.risk).collect();
        let mut columns = vec![
            ("p_alive", floats(|s| s.p_alive)),
            ("risk", risk.into_pyarray(py).into_any()),
            ("band", bytes(|s| s.band.code())),
            ("expected_purchases", floats(|s| s.expected_purchases)),
        ];
        if model.spend().is_some() {
            let clv: Vec<i64> = scores
                .iter()
                .map(|s| s.clv.map_or(0, Money::minor))
                .collect();
            columns.push(("clv_minor", clv.into_pyarray(py).into_any()));
        }
        if model.rfm().is_some() {
            columns.push((
                "rfm_recency",
                bytes(|s| s.rfm.map_or(0, |(r, _)| r.recency)),
            ));
            columns.push((
                "rfm_frequency",
                bytes(|s| s.rfm.map_or(0, |(r, _)| r.frequency)),
            ));
            columns.push((
                "rfm_monetary",
                bytes(|s| s.rfm.map_or(0, |(r, _)| r.monetary)),
            ));
            columns.push((
                "rfm_segment",
                bytes(|s| s.rfm.map_or(0, |(_, seg)| seg as u8)),
            ));
        }
        Ok(columns)
    }

    fn __repr__(&self) -> String {
        let params = self
            .inner
            .purchases()
            .params()
            .iter()
            .map(|p| format!("{p:.6}"))
            .collect::<Vec<_>>()
            .join(", ");
        let [a, b, c] = self.inner.thresholds().get();
        format!(
            "<retention.ChurnModel {} [{params}], grain {}, unit {}, thresholds ({a}, {b}, {c}), \
             horizon {}{}{}>",
            self.inner.purchases().kind().name(),
            self.inner.periods().grain.freq(),
            self.inner.periods().unit.freq(),
            self.inner.horizon(),
            if self.inner.spend().is_some() {
                ", with spend model"
            } else {
                ""
            },
            if self.inner.rfm().is_some() {
                ", with RFM"
            } else {
                ""
            },
        )
    }
}

/// The native model of a `retention.ChurnModel` (or of its `_ChurnModel`).
pub(crate) fn model_of(model: &Bound<'_, PyAny>) -> PyResult<ChurnModel> {
    let native = if model.hasattr("_native")? {
        model.getattr("_native")?
    } else {
        model.clone()
    };
    let native = native.cast::<PyChurnModel>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("churn_model must be a retention.ChurnModel")
    })?;
    Ok(native.get().inner)
}

/// `_ChurnModel`, the model blob's longest length, and the core's names: `CHURN_MODELS` (model
/// name to parameter names, lifetimes' order), `CHURN_MODEL_<NAME>` (each model's name, for the
/// fitters), `CHURN_RISK_BANDS` (band names by code).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyChurnModel>()?;
    m.add("CHURN_MODEL_MAX_LEN", MODEL_MAX_LEN)?;
    m.add("CHURN_MODEL_TAGGED_MAX_LEN", MODEL_TAGGED_MAX_LEN)?;
    let models = PyDict::new(py);
    for kind in PurchaseModelKind::ALL {
        models.set_item(kind.name(), PyTuple::new(py, kind.param_names())?)?;
        m.add(
            format!("CHURN_MODEL_{}", kind.name().to_uppercase()),
            kind.name(),
        )?;
    }
    m.add("CHURN_MODELS", models)?;
    let bands: Vec<&str> = (0..=u8::MAX)
        .map_while(RiskBand::from_code)
        .map(RiskBand::name)
        .collect();
    m.add("CHURN_RISK_BANDS", PyTuple::new(py, bands)?)?;
    Ok(())
}
