//! The churn model blob (`Kind::Model`, 0x30): what a till needs to score a customer — the
//! purchase model and its parameters, the period definition, the risk thresholds, the scoring
//! horizon, and optionally the spend model with its CLV settings and the RFM cut points.
//! Fitted on the host, written once, scored from on every terminal. Its payload format is in
//! `docs/formats.md`.
//!
//! ```
//! use retention_core::churn::model::{ChurnModel, PurchaseModel, MODEL_MAX_LEN};
//! use retention_core::churn::pareto_nbd::ParetoNbd;
//! use retention_core::churn::summary::{ChurnSummary, Grain, Periods};
//! use retention_core::money::Money;
//! use retention_core::time::Date;
//!
//! let model = ChurnModel::new(
//!     PurchaseModel::ParetoNbd(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690)?),
//!     Periods::DAYS_IN_WEEKS,
//! );
//! let mut blob = [0u8; MODEL_MAX_LEN];
//! let used = model.encode(&mut blob)?;
//! let model = ChurnModel::decode(&blob[..used])?;
//!
//! let mut summary = ChurnSummary::new(Grain::Day);
//! summary.record_purchase(Date::new(2024, 1, 5)?.to_day(), Money::from_minor(12_50))?;
//! let score = model.score_summary(&summary, Date::new(2024, 7, 5)?.to_day())?;
//! assert!(score.risk > 500); // a one-time buyer, six months ago
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::bg_bb::{BetaGeoBetaBinom, MAX_BG_BB_PERIODS};
use super::bg_nbd::BgNbd;
use super::clv::{MAX_CLV_MONTHS, customer_lifetime_value, periods_per_month};
use super::gamma_gamma::GammaGamma;
use super::mbg_nbd::ModifiedBgNbd;
use super::pareto_nbd::ParetoNbd;
use super::rfm::{RfmCuts, RfmScore, Segment};
use super::risk::{RiskBand, RiskThresholds, churn_risk};
#[cfg(feature = "std")]
use super::special::LANES;
use super::summary::{ChurnSummary, Grain, ObserveError, Periods, TimeUnit};
#[cfg(feature = "std")]
use super::{BatchError, Validation};
use super::{ChurnError, Observation, TransactionModel};
use crate::envelope::{self, DecodeError, EncodeError, Kind, Seal};
use crate::money::Money;
use crate::time::Day;

/// The longest model blob, envelope included, in bytes.
pub const MODEL_MAX_LEN: usize = 196;

/// The longest tagged model blob ([`Kind::ModelTagged`]), envelope and tag included, in bytes.
pub const MODEL_TAGGED_MAX_LEN: usize = MODEL_MAX_LEN + envelope::LONG_TAG_LEN;

/// Bytes of a model's hash ([`ChurnModel::hash`]), the pin a rule set names.
pub const MODEL_HASH_LEN: usize = 32;

/// The longest model payload (the postcard bytes between the envelope's header and CRC).
const MODEL_MAX_PAYLOAD_LEN: usize = MODEL_MAX_LEN - envelope::OVERHEAD_LEN;

/// The default horizon of [`Score::expected_purchases`] in days: a year of 52 weeks
/// ([`TimeUnit::year`](super::summary::TimeUnit::year): 364 days, 52 weeks or 12 months).
pub const DEFAULT_HORIZON_DAYS: f64 = 364.0;

/// Which purchase-and-dropout model, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PurchaseModel {
    /// BG/NBD: a one-time buyer always has P(alive) = 1; not for churn risk.
    BgNbd(BgNbd),
    /// MBG/NBD.
    ModifiedBgNbd(ModifiedBgNbd),
    /// Pareto/NBD: the default scoring model.
    ParetoNbd(ParetoNbd),
    /// BG/BB, in discrete time: one purchase opportunity per period of the summary's grain. Its
    /// P(alive) is the probability of being alive in the next period.
    BetaGeoBetaBinom(BetaGeoBetaBinom),
}

impl PurchaseModel {
    /// A model of `kind` with its four parameters, in [`PurchaseModelKind::param_names`] order
    /// (lifetimes' order).
    ///
    /// ```
    /// use retention_core::churn::model::{PurchaseModel, PurchaseModelKind};
    /// let params = [0.5534, 10.5802, 0.6061, 11.669];
    /// let model = PurchaseModel::new(PurchaseModelKind::ParetoNbd, params)?;
    /// assert_eq!(model.kind(), PurchaseModelKind::ParetoNbd);
    /// assert_eq!(model.params(), params);
    /// let refused = PurchaseModel::new(PurchaseModelKind::BgNbd, [0.24, 4.41, 0.79, -2.4]);
    /// assert_eq!(refused, Err(retention_core::churn::ChurnError::ParameterOutOfDomain));
    /// # Ok::<(), retention_core::churn::ChurnError>(())
    /// ```
    ///
    /// Errors: [`ChurnError::ParameterOutOfDomain`].
    pub fn new(kind: PurchaseModelKind, params: [f64; 4]) -> Result<PurchaseModel, ChurnError> {
        let [p0, p1, p2, p3] = params;
        Ok(match kind {
            PurchaseModelKind::BgNbd => PurchaseModel::BgNbd(BgNbd::new(p0, p1, p2, p3)?),
            PurchaseModelKind::ModifiedBgNbd => {
                PurchaseModel::ModifiedBgNbd(ModifiedBgNbd::new(p0, p1, p2, p3)?)
            }
            PurchaseModelKind::ParetoNbd => {
                PurchaseModel::ParetoNbd(ParetoNbd::new(p0, p1, p2, p3)?)
            }
            PurchaseModelKind::BetaGeoBetaBinom => {
                PurchaseModel::BetaGeoBetaBinom(BetaGeoBetaBinom::new(p0, p1, p2, p3)?)
            }
        })
    }

    /// Which model this is.
    #[must_use]
    pub const fn kind(&self) -> PurchaseModelKind {
        match self {
            PurchaseModel::BgNbd(_) => PurchaseModelKind::BgNbd,
            PurchaseModel::ModifiedBgNbd(_) => PurchaseModelKind::ModifiedBgNbd,
            PurchaseModel::ParetoNbd(_) => PurchaseModelKind::ParetoNbd,
            PurchaseModel::BetaGeoBetaBinom(_) => PurchaseModelKind::BetaGeoBetaBinom,
        }
    }

    /// The four parameters, in [`PurchaseModelKind::param_names`] order.
    #[must_use]
    pub const fn params(&self) -> [f64; 4] {
        match self {
            PurchaseModel::BgNbd(m) => m.params(),
            PurchaseModel::ModifiedBgNbd(m) => m.params(),
            PurchaseModel::ParetoNbd(m) => m.params(),
            PurchaseModel::BetaGeoBetaBinom(m) => m.params(),
        }
    }
}

/// Which purchase-and-dropout model, without its parameters: the names the doors use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PurchaseModelKind {
    /// BG/NBD ([`BgNbd`]).
    BgNbd,
    /// MBG/NBD ([`ModifiedBgNbd`]).
    ModifiedBgNbd,
    /// Pareto/NBD ([`ParetoNbd`]).
    ParetoNbd,
    /// BG/BB ([`BetaGeoBetaBinom`]).
    BetaGeoBetaBinom,
}

impl PurchaseModelKind {
    /// Every kind.
    pub const ALL: [PurchaseModelKind; 4] = [
        PurchaseModelKind::BgNbd,
        PurchaseModelKind::ModifiedBgNbd,
        PurchaseModelKind::ParetoNbd,
        PurchaseModelKind::BetaGeoBetaBinom,
    ];

    /// The model's number: 0 BG/NBD, 1 MBG/NBD, 2 Pareto/NBD, 3 BG/BB (the C door's
    /// `RTN_CHURN_MODEL_*`, and the variant index the model blob stores).
    ///
    /// ```
    /// use retention_core::churn::model::PurchaseModelKind;
    /// assert_eq!(PurchaseModelKind::BgNbd.code(), 0);
    /// assert_eq!(PurchaseModelKind::ModifiedBgNbd.code(), 1);
    /// assert_eq!(PurchaseModelKind::ParetoNbd.code(), 2);
    /// assert_eq!(PurchaseModelKind::BetaGeoBetaBinom.code(), 3);
    /// ```
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            PurchaseModelKind::BgNbd => 0,
            PurchaseModelKind::ModifiedBgNbd => 1,
            PurchaseModelKind::ParetoNbd => 2,
            PurchaseModelKind::BetaGeoBetaBinom => 3,
        }
    }

    /// The model's name: `"bg_nbd"`, `"mbg_nbd"`, `"pareto_nbd"` or `"bg_bb"`; the spelling of
    /// the Python door (`model=`) and of messages.
    ///
    /// ```
    /// use retention_core::churn::model::PurchaseModelKind;
    /// assert_eq!(PurchaseModelKind::BgNbd.name(), "bg_nbd");
    /// assert_eq!(PurchaseModelKind::ModifiedBgNbd.name(), "mbg_nbd");
    /// assert_eq!(PurchaseModelKind::ParetoNbd.name(), "pareto_nbd");
    /// assert_eq!(PurchaseModelKind::BetaGeoBetaBinom.name(), "bg_bb");
    /// for kind in PurchaseModelKind::ALL {
    ///     assert_eq!(PurchaseModelKind::from_name(kind.name()), Some(kind));
    /// }
    /// assert_eq!(PurchaseModelKind::from_name("Pareto/NBD"), None);
    /// assert_eq!(PurchaseModelKind::from_name("gamma_gamma"), None); // the spend model
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            PurchaseModelKind::BgNbd => "bg_nbd",
            PurchaseModelKind::ModifiedBgNbd => "mbg_nbd",
            PurchaseModelKind::ParetoNbd => "pareto_nbd",
            PurchaseModelKind::BetaGeoBetaBinom => "bg_bb",
        }
    }

    /// The kind named `name` ([`PurchaseModelKind::name`]), if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<PurchaseModelKind> {
        PurchaseModelKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// The parameter names in lifetimes' order: `r, alpha, a, b` for the beta-geometric
    /// models, `r, alpha, s, beta` for Pareto/NBD, `alpha, beta, gamma, delta` for BG/BB.
    ///
    /// ```
    /// use retention_core::churn::model::PurchaseModelKind;
    /// assert_eq!(PurchaseModelKind::BgNbd.param_names(), ["r", "alpha", "a", "b"]);
    /// assert_eq!(PurchaseModelKind::ModifiedBgNbd.param_names(), ["r", "alpha", "a", "b"]);
    /// assert_eq!(PurchaseModelKind::ParetoNbd.param_names(), ["r", "alpha", "s", "beta"]);
    /// assert_eq!(
    ///     PurchaseModelKind::BetaGeoBetaBinom.param_names(),
    ///     ["alpha", "beta", "gamma", "delta"]
    /// );
    /// ```
    #[must_use]
    pub const fn param_names(self) -> [&'static str; 4] {
        match self {
            PurchaseModelKind::BgNbd | PurchaseModelKind::ModifiedBgNbd => ["r", "alpha", "a", "b"],
            PurchaseModelKind::ParetoNbd => ["r", "alpha", "s", "beta"],
            PurchaseModelKind::BetaGeoBetaBinom => ["alpha", "beta", "gamma", "delta"],
        }
    }
}

impl fmt::Display for PurchaseModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Calls `$method` on the model inside a [`PurchaseModel`]. A `match` rather than a `&dyn
/// TransactionModel`: a vtable keeps every method of every model in the firmware image (the
/// log-likelihoods a till never calls), a match only those a caller reaches.
macro_rules! each_model {
    ($model:expr, $inner:ident => $call:expr) => {
        match $model {
            PurchaseModel::BgNbd($inner) => $call,
            PurchaseModel::ModifiedBgNbd($inner) => $call,
            PurchaseModel::ParetoNbd($inner) => $call,
            PurchaseModel::BetaGeoBetaBinom($inner) => $call,
        }
    };
}

impl TransactionModel for PurchaseModel {
    fn log_likelihood(&self, customer: &Observation) -> Result<f64, ChurnError> {
        each_model!(self, m => m.log_likelihood(customer))
    }
    fn p_alive(&self, customer: &Observation) -> Result<f64, ChurnError> {
        each_model!(self, m => m.p_alive(customer))
    }
    #[cfg(feature = "std")]
    fn p_alive_columns(
        &self,
        x: &[f64],
        t_x: &[f64],
        age: &[f64],
        out: &mut [f64],
    ) -> Option<bool> {
        each_model!(self, m => m.p_alive_columns(x, t_x, age, out))
    }
    fn expected_purchases(&self, customer: &Observation, t: f64) -> Result<f64, ChurnError> {
        each_model!(self, m => m.expected_purchases(customer, t))
    }
    fn unconditional_expected_purchases(&self, t: f64) -> Result<f64, ChurnError> {
        each_model!(self, m => m.unconditional_expected_purchases(t))
    }
    fn alive_forward(&self, frequency: f64, age: f64, t: f64) -> Result<Option<f64>, ChurnError> {
        each_model!(self, m => m.alive_forward(frequency, age, t))
    }
    #[cfg(feature = "std")]
    fn alive_forwards(
        &self,
        frequency: f64,
        age: &[f64; LANES],
        t: &[f64; LANES],
        active: &[bool; LANES],
        out: &mut [Result<f64, ChurnError>; LANES],
    ) -> bool {
        each_model!(self, m => m.alive_forwards(frequency, age, t, active, out))
    }
}

/// The spend model and how CLV is computed from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpendModel {
    /// Gamma-Gamma parameters, fitted on amounts in the model's money unit; `q > 1`.
    pub gamma_gamma: GammaGamma,
    /// CLV horizon in months, 1..=[`MAX_CLV_MONTHS`].
    pub clv_months: u16,
    /// Monthly discount rate for CLV, finite, in `[0, 1]` (0.01 is 1 % a month).
    pub monthly_discount_rate: f64,
}

impl SpendModel {
    /// A customer's lifetime value over [`SpendModel::clv_months`] months, in the spend model's
    /// money unit: the Gamma-Gamma expected spend per purchase given the customer's mean repeat
    /// spend `mean_spend` (that unit), times `purchases`' expected purchases month by month,
    /// discounted ([`customer_lifetime_value`]); `unit` is the time unit of `customer`. The one
    /// path from an observation and a mean spend to a CLV: [`ChurnModel::score`] and the
    /// fitters of the Python door both take it.
    ///
    /// Errors: [`ChurnError::InvalidArgument`] for a mean spend, rate or horizon out of range;
    /// the models' errors.
    pub fn customer_value<M: TransactionModel + ?Sized>(
        &self,
        purchases: &M,
        customer: &Observation,
        mean_spend: f64,
        unit: TimeUnit,
    ) -> Result<f64, ChurnError> {
        let per_purchase = self
            .gamma_gamma
            .expected_spend(customer.frequency(), mean_spend)?;
        customer_lifetime_value(
            purchases,
            customer,
            per_purchase,
            self.clv_months,
            self.monthly_discount_rate,
            unit,
        )
    }

    /// [`SpendModel::customer_value`] of every row into `out` (lifetimes' vectorised
    /// `customer_lifetime_value`), each row `(frequency, recency, age)` an observation under
    /// `validation` with the mean spend `mean_spend`, on every available core
    /// ([`batch_parallel`](super::batch_parallel)'s chunks): the values are bit for bit those
    /// of [`SpendModel::customer_value`] row by row. All five slices must have one length.
    ///
    /// Errors: [`BatchError::LengthMismatch`]; [`BatchError::Row`] with the lowest failing row
    /// (`out` then holds partial results).
    #[cfg(feature = "std")]
    #[allow(clippy::too_many_arguments)]
    pub fn customer_values_parallel<M: TransactionModel + Sync + ?Sized>(
        &self,
        purchases: &M,
        validation: Validation,
        unit: TimeUnit,
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
        mean_spend: &[f64],
        out: &mut [f64],
    ) -> Result<(), BatchError> {
        let columns = [frequency, recency, age, mean_spend];
        super::rows_in_parallel(columns, out, |[x, t_x, big_t, m], out| {
            let rows = (x.iter().zip(t_x))
                .zip(big_t.iter().zip(m))
                .zip(out.iter_mut());
            for (index, (((&x, &t_x), (&big_t, &m)), slot)) in rows.enumerate() {
                let row = |error| BatchError::Row { index, error };
                let customer = validation.observe(x, t_x, big_t).map_err(row)?;
                *slot = self
                    .customer_value(purchases, &customer, m, unit)
                    .map_err(row)?;
            }
            Ok(())
        })
    }
}

/// A fitted churn model, ready to score (see the module docs). Built with [`ChurnModel::new`]
/// and the `with_*` methods, or decoded from a blob.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChurnModel {
    purchases: PurchaseModel,
    periods: Periods,
    thresholds: RiskThresholds,
    horizon: f64,
    money_unit_minor: u32,
    spend: Option<SpendModel>,
    rfm: Option<RfmCuts>,
}

/// Why a customer could not be scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScoreError {
    /// The summary gives no observation (no purchases, or today before the last one).
    Summary(ObserveError),
    /// The summary collapses purchases by another grain than the model was fitted with.
    GrainMismatch,
    /// The model gave no value.
    Model(ChurnError),
    /// The CLV does not fit in [`Money`].
    Overflow,
}

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreError::Summary(e) => e.fmt(f),
            ScoreError::GrainMismatch => f.write_str("summary grain differs from the model's"),
            ScoreError::Model(e) => e.fmt(f),
            ScoreError::Overflow => f.write_str("customer lifetime value overflows"),
        }
    }
}

impl core::error::Error for ScoreError {}

impl From<ChurnError> for ScoreError {
    fn from(error: ChurnError) -> ScoreError {
        ScoreError::Model(error)
    }
}

impl From<ObserveError> for ScoreError {
    fn from(error: ObserveError) -> ScoreError {
        ScoreError::Summary(error)
    }
}

/// Everything a till learns about a customer from the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Probability the customer is still active, `[0, 1]`.
    pub p_alive: f64,
    /// Churn risk `round(1000 · (1 − p_alive))`, 0..=1000.
    pub risk: u16,
    /// The risk's band under the model's thresholds.
    pub band: RiskBand,
    /// Expected purchases over the model's horizon.
    pub expected_purchases: f64,
    /// Customer lifetime value in minor units, when the model has a spend model.
    pub clv: Option<Money>,
    /// RFM scores and segment, when the model has cut points.
    pub rfm: Option<(RfmScore, Segment)>,
}

impl ChurnModel {
    /// A model scoring with `purchases` on `periods`, with the default thresholds
    /// ([`RiskThresholds::DEFAULT`]), a horizon of 52 weeks (364 days), amounts in minor units
    /// (money unit 1), and no spend model or RFM cut points.
    ///
    /// A BG/BB model counts whole periods of its grain: its periods must measure times in that
    /// grain ([`Periods::DAYS`] or [`Periods::WEEKS`]); [`ChurnModel::try_new`] checks that,
    /// and [`ChurnModel::encode`] refuses a model that breaks it.
    #[must_use]
    pub fn new(purchases: PurchaseModel, periods: Periods) -> ChurnModel {
        ChurnModel {
            purchases,
            periods,
            thresholds: RiskThresholds::DEFAULT,
            horizon: periods.unit.year(),
            money_unit_minor: 1,
            spend: None,
            rfm: None,
        }
    }

    /// [`ChurnModel::new`], checked: for BG/BB, `periods` must measure in its grain.
    ///
    /// ```
    /// use retention_core::churn::bg_bb::BetaGeoBetaBinom;
    /// use retention_core::churn::model::{ChurnModel, PurchaseModel};
    /// use retention_core::churn::summary::Periods;
    /// let bg_bb = PurchaseModel::BetaGeoBetaBinom(BetaGeoBetaBinom::new(1.2, 0.75, 0.66, 2.8)?);
    /// assert!(ChurnModel::try_new(bg_bb, Periods::WEEKS).is_ok());
    /// assert!(ChurnModel::try_new(bg_bb, Periods::DAYS_IN_WEEKS).is_err()); // 3/7 of a week
    /// # Ok::<(), retention_core::churn::ChurnError>(())
    /// ```
    ///
    /// Errors: [`ChurnError::InvalidArgument`].
    pub fn try_new(purchases: PurchaseModel, periods: Periods) -> Result<ChurnModel, ChurnError> {
        let model = ChurnModel::new(purchases, periods);
        model.check_discrete()?;
        Ok(model)
    }

    /// For BG/BB, which counts whole purchase opportunities: times measured in the grain, a
    /// whole horizon within [`MAX_BG_BB_PERIODS`], and a spend model only where a month is
    /// whole periods (days: 30; weeks are 4.345 a month).
    fn check_discrete(&self) -> Result<(), ChurnError> {
        if !matches!(self.purchases, PurchaseModel::BetaGeoBetaBinom(_)) {
            return Ok(());
        }
        let in_grain = matches!(
            (self.periods.grain, self.periods.unit),
            (Grain::Day, TimeUnit::Days) | (Grain::Week, TimeUnit::Weeks)
        );
        let month = periods_per_month(self.periods.unit);
        let whole = |v: f64| libm::floor(v) == v;
        if !in_grain || !whole(self.horizon) || (self.spend.is_some() && !whole(month)) {
            return Err(ChurnError::InvalidArgument);
        }
        if self.horizon > MAX_BG_BB_PERIODS {
            return Err(ChurnError::TooManyPeriods);
        }
        Ok(())
    }

    /// Sets the risk thresholds.
    #[must_use]
    pub const fn with_thresholds(mut self, thresholds: RiskThresholds) -> ChurnModel {
        self.thresholds = thresholds;
        self
    }

    /// Sets the horizon of [`Score::expected_purchases`], in time units (finite, ≥ 0; for
    /// BG/BB whole, within [`MAX_BG_BB_PERIODS`]).
    ///
    /// Errors: [`ChurnError::InvalidArgument`], [`ChurnError::TooManyPeriods`].
    pub fn with_horizon(mut self, horizon: f64) -> Result<ChurnModel, ChurnError> {
        self.horizon = super::check_horizon(horizon)?;
        self.check_discrete()?;
        Ok(self)
    }

    /// Sets the money unit of the model's amounts (spend model, RFM monetary cuts) in minor
    /// units: 100 when they were fitted in dollars or euros, 1 in cents. At least 1.
    pub fn with_money_unit(mut self, minor_units: u32) -> Result<ChurnModel, ChurnError> {
        if minor_units == 0 {
            return Err(ChurnError::InvalidArgument);
        }
        self.money_unit_minor = minor_units;
        Ok(self)
    }

    /// Adds the spend model. Errors: [`ChurnError::ParameterOutOfDomain`] when `q ≤ 1`,
    /// [`ChurnError::InvalidArgument`] for months outside 1..=[`MAX_CLV_MONTHS`] or a discount
    /// rate outside `[0, 1]`, and for a BG/BB model measured in weeks (CLV sums months of
    /// 4.345 weeks, which are not whole purchase opportunities).
    pub fn with_spend(mut self, spend: SpendModel) -> Result<ChurnModel, ChurnError> {
        check_spend(&spend)?;
        self.spend = Some(spend);
        self.check_discrete()?;
        Ok(self)
    }

    /// Adds RFM cut points (R in time units, M in the model's money unit).
    #[must_use]
    pub const fn with_rfm(mut self, cuts: RfmCuts) -> ChurnModel {
        self.rfm = Some(cuts);
        self
    }

    /// The purchase model.
    #[must_use]
    pub const fn purchases(&self) -> &PurchaseModel {
        &self.purchases
    }

    /// The period definition the model was fitted with.
    #[must_use]
    pub const fn periods(&self) -> Periods {
        self.periods
    }

    /// The risk thresholds.
    #[must_use]
    pub const fn thresholds(&self) -> RiskThresholds {
        self.thresholds
    }

    /// The horizon of [`Score::expected_purchases`], in time units.
    #[must_use]
    pub const fn horizon(&self) -> f64 {
        self.horizon
    }

    /// Minor units per money unit of the model's amounts.
    #[must_use]
    pub const fn money_unit(&self) -> u32 {
        self.money_unit_minor
    }

    /// The spend model, if any.
    #[must_use]
    pub const fn spend(&self) -> Option<SpendModel> {
        self.spend
    }

    /// The RFM cut points, if any.
    #[must_use]
    pub const fn rfm(&self) -> Option<RfmCuts> {
        self.rfm
    }

    /// Scores a customer given as an observation (times in the model's unit) and their mean
    /// repeat spend in minor units.
    ///
    /// Errors: [`ScoreError::Model`] for bad input or a failed computation,
    /// [`ScoreError::Overflow`] for a CLV beyond [`Money`].
    pub fn score(
        &self,
        customer: &Observation,
        mean_spend_minor: f64,
    ) -> Result<Score, ScoreError> {
        let p_alive = self.purchases.p_alive(customer)?;
        let risk = churn_risk(p_alive)?;
        let expected_purchases = self.purchases.expected_purchases(customer, self.horizon)?;
        if !(mean_spend_minor.is_finite() && mean_spend_minor >= 0.0) {
            return Err(ScoreError::Model(ChurnError::InvalidArgument));
        }
        let unit = f64::from(self.money_unit_minor);
        let mean_spend = mean_spend_minor / unit;
        let clv = match self.spend {
            None => None,
            Some(spend) => {
                let value = spend.customer_value(
                    &self.purchases,
                    customer,
                    mean_spend,
                    self.periods.unit,
                )?;
                Some(to_money(value * unit)?)
            }
        };
        let rfm = match self.rfm {
            None => None,
            Some(cuts) => {
                let since_last = customer.age() - customer.recency();
                let score = cuts.score(since_last, customer.frequency(), mean_spend)?;
                Some((score, score.segment()))
            }
        };
        Ok(Score {
            p_alive,
            risk,
            band: self.thresholds.band(risk),
            expected_purchases,
            clv,
            rfm,
        })
    }

    /// Scores a customer from their summary on `today`.
    ///
    /// Errors: [`ScoreError::GrainMismatch`], [`ScoreError::Summary`], and those of
    /// [`ChurnModel::score`].
    pub fn score_summary(&self, summary: &ChurnSummary, today: Day) -> Result<Score, ScoreError> {
        if summary.grain() != self.periods.grain {
            return Err(ScoreError::GrainMismatch);
        }
        let customer = summary.observe(today, self.periods.unit)?;
        self.score(&customer, summary.mean_spend())
    }

    /// The churn risk (0..=1000) of a customer with churn summary `summary` on `today` (the
    /// local day of the sale), as the rules' churn-risk condition reads it: `Ok(None)` — risk
    /// unknown, not 0 — for a customer with no recorded purchase, so the condition fails with
    /// its documented reason instead of treating a stranger as loyal.
    ///
    /// Errors: [`ScoreError::GrainMismatch`] (re-grain the record's summary while it is
    /// empty), [`ScoreError::Summary`] with [`ObserveError::TodayBeforeLastPurchase`] (a till
    /// clock behind the record), and those of [`ChurnModel::score`].
    ///
    /// ```
    /// use retention_core::churn::model::{ChurnModel, PurchaseModel};
    /// use retention_core::churn::pareto_nbd::ParetoNbd;
    /// use retention_core::churn::summary::Periods;
    /// use retention_core::customer::CustomerRecord;
    /// use retention_core::money::Money;
    /// use retention_core::terminal::EventId;
    /// use retention_core::time::Date;
    /// let model = ChurnModel::new(
    ///     PurchaseModel::ParetoNbd(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690)?),
    ///     Periods::DAYS_IN_WEEKS,
    /// );
    /// let mut record = CustomerRecord::new();
    /// let today = Date::new(2024, 7, 5)?.to_day();
    /// assert_eq!(model.risk_of(&record.churn, today)?, None); // no history: unknown
    /// record.record_sale(EventId::new(1, 1), Date::new(2024, 1, 5)?.to_day(), Money::from_minor(12_50))?;
    /// assert!(model.risk_of(&record.churn, today)?.is_some_and(|risk| risk > 500));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn risk_of(&self, summary: &ChurnSummary, today: Day) -> Result<Option<u16>, ScoreError> {
        if !summary.has_purchases() {
            return Ok(None);
        }
        if summary.grain() != self.periods.grain {
            return Err(ScoreError::GrainMismatch);
        }
        let customer = summary.observe(today, self.periods.unit)?;
        let p_alive = self.purchases.p_alive(&customer)?;
        Ok(Some(churn_risk(p_alive)?))
    }

    /// Writes the model as a `Kind::Model` blob into `out` (at most [`MODEL_MAX_LEN`] bytes),
    /// returning the length used.
    ///
    /// Errors: those of the envelope, and [`EncodeError::Serialize`] for a BG/BB model whose
    /// periods do not measure in its grain (see [`ChurnModel::try_new`]).
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        self.check_discrete().map_err(|_| EncodeError::Serialize)?;
        envelope::encode(Kind::Model, &Wire::from(*self), None, out)
    }

    /// Reads a model blob, checking the envelope and then every value: parameters finite and
    /// above zero (Gamma-Gamma `q > 1`), thresholds strictly increasing in 1..=1000, horizon
    /// finite and ≥ 0, money unit ≥ 1, CLV months 1..=1200, discount rate in `[0, 1]`, RFM cut
    /// points finite and non-decreasing; for BG/BB, periods measured in the grain, a whole
    /// horizon, a spend model only with daily periods. A value out of range is
    /// `DecodeError::OutOfRange`.
    ///
    /// A tagged blob ([`Kind::ModelTagged`]) is [`DecodeError::WrongKind`] here: read it with
    /// [`ChurnModel::decode_tagged`] and the key.
    pub fn decode(blob: &[u8]) -> Result<ChurnModel, DecodeError> {
        let wire: Wire = envelope::decode(blob, Kind::Model, None)?;
        ChurnModel::try_from(wire).map_err(|_| DecodeError::OutOfRange)
    }

    /// Writes the model as a [`Kind::ModelTagged`] blob into `out` (at most
    /// [`MODEL_TAGGED_MAX_LEN`] bytes): the payload of [`ChurnModel::encode`], then the
    /// envelope's HMAC-SHA256 tag under the operator's `key` (at least
    /// [`MIN_KEY_LEN`](envelope::MIN_KEY_LEN) bytes) with an empty context, as cards and
    /// accounts are tagged. Returns the length used.
    ///
    /// Errors: those of [`ChurnModel::encode`]; [`EncodeError::SealRequired`] for a key shorter
    /// than [`MIN_KEY_LEN`](envelope::MIN_KEY_LEN).
    pub fn encode_tagged(&self, key: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        self.check_discrete().map_err(|_| EncodeError::Serialize)?;
        let seal = Seal::new(key, &[]).map_err(|_| EncodeError::SealRequired)?;
        envelope::encode(Kind::ModelTagged, &Wire::from(*self), Some(seal), out)
    }

    /// Reads a tagged model blob ([`Kind::ModelTagged`]) written with `key`: the checks of
    /// [`ChurnModel::decode`] plus the tag, so any edit of the blob (even with its CRC
    /// recomputed) or another key is [`DecodeError::BadTag`]. An untagged blob
    /// ([`Kind::Model`]) is [`DecodeError::WrongKind`]: a till holding a key accepts only
    /// tagged models.
    ///
    /// Errors: those of [`ChurnModel::decode`]; [`DecodeError::BadTag`]; [`DecodeError::SealRequired`]
    /// for a key shorter than [`MIN_KEY_LEN`](envelope::MIN_KEY_LEN).
    ///
    /// ```
    /// use retention_core::churn::model::{ChurnModel, PurchaseModel, MODEL_TAGGED_MAX_LEN};
    /// use retention_core::churn::pareto_nbd::ParetoNbd;
    /// use retention_core::churn::summary::Periods;
    /// use retention_core::envelope::DecodeError;
    /// let model = ChurnModel::new(
    ///     PurchaseModel::ParetoNbd(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690)?),
    ///     Periods::DAYS_IN_WEEKS,
    /// );
    /// let key = [0x42u8; 32];
    /// let mut blob = [0u8; MODEL_TAGGED_MAX_LEN];
    /// let used = model.encode_tagged(&key, &mut blob)?;
    /// assert_eq!(ChurnModel::decode_tagged(&blob[..used], &key)?, model);
    /// assert_eq!(
    ///     ChurnModel::decode_tagged(&blob[..used], &[0x43u8; 32]),
    ///     Err(DecodeError::BadTag)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_tagged(blob: &[u8], key: &[u8]) -> Result<ChurnModel, DecodeError> {
        let seal = Seal::new(key, &[]).map_err(|_| DecodeError::SealRequired)?;
        let wire: Wire = envelope::decode(blob, Kind::ModelTagged, Some(seal))?;
        ChurnModel::try_from(wire).map_err(|_| DecodeError::OutOfRange)
    }

    /// The model's identity, the pin a rule set names (`RuleSet::model_pin`): the SHA-256 of
    /// its payload as [`ChurnModel::encode`] writes it — the postcard bytes between the
    /// envelope's 6-byte header and its CRC, the same in the tagged and the untagged blob
    /// (header, CRC and tag excluded). A decoded model hashes its re-encoded payload, so the
    /// hash names the model's values, never a blob's spelling of them.
    ///
    /// Errors: [`EncodeError::Serialize`] for a model [`ChurnModel::encode`] refuses (a BG/BB
    /// model whose periods do not measure in its grain); a decoded model always has a hash.
    pub fn hash(&self) -> Result<[u8; MODEL_HASH_LEN], EncodeError> {
        self.check_discrete().map_err(|_| EncodeError::Serialize)?;
        let mut payload = [0u8; MODEL_MAX_PAYLOAD_LEN];
        let written = postcard::to_slice(&Wire::from(*self), &mut payload)
            .map_err(|_| EncodeError::Serialize)?;
        Ok(Sha256::digest(written).into())
    }
}

fn check_spend(spend: &SpendModel) -> Result<(), ChurnError> {
    let [_, q, _] = spend.gamma_gamma.params();
    if q <= 1.0 {
        return Err(ChurnError::ParameterOutOfDomain);
    }
    let rate = spend.monthly_discount_rate;
    if spend.clv_months == 0
        || spend.clv_months > MAX_CLV_MONTHS
        || !(rate.is_finite() && (0.0..=1.0).contains(&rate))
    {
        return Err(ChurnError::InvalidArgument);
    }
    Ok(())
}

/// `value` minor units rounded half away from zero, if it fits.
fn to_money(value: f64) -> Result<Money, ScoreError> {
    let rounded = libm::round(value);
    // i64::MAX as f64 rounds up to 2^63, so `<` excludes it.
    #[allow(clippy::cast_precision_loss)]
    let limit = i64::MAX as f64;
    if rounded.is_finite() && rounded.abs() < limit {
        // |rounded| < 2^63 and integral: the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        Ok(Money::from_minor(rounded as i64))
    } else {
        Err(ScoreError::Overflow)
    }
}

// --- the payload format (docs/formats.md, "Churn model") ----------------------------------------

/// The payload, field by field in format order. Only primitive values, checked by
/// `TryFrom<Wire> for ChurnModel`.
#[derive(Serialize, Deserialize)]
struct Wire {
    purchases: PurchasesWire,
    periods: Periods,
    thresholds: [u16; 3],
    horizon: f64,
    money_unit_minor: u32,
    spend: Option<SpendWire>,
    rfm: Option<[[f64; 4]; 3]>,
}

/// The variant names are the models' names.
#[allow(clippy::enum_variant_names)]
#[derive(Serialize, Deserialize)]
enum PurchasesWire {
    BgNbd([f64; 4]),
    ModifiedBgNbd([f64; 4]),
    ParetoNbd([f64; 4]),
    /// Added after the first three: their variant numbers, and so older blobs, are unchanged.
    BetaGeoBetaBinom([f64; 4]),
}

#[derive(Serialize, Deserialize)]
struct SpendWire {
    gamma_gamma: [f64; 3],
    clv_months: u16,
    monthly_discount_rate: f64,
}

impl From<ChurnModel> for Wire {
    fn from(model: ChurnModel) -> Wire {
        Wire {
            purchases: match model.purchases {
                PurchaseModel::BgNbd(m) => PurchasesWire::BgNbd(m.params()),
                PurchaseModel::ModifiedBgNbd(m) => PurchasesWire::ModifiedBgNbd(m.params()),
                PurchaseModel::ParetoNbd(m) => PurchasesWire::ParetoNbd(m.params()),
                PurchaseModel::BetaGeoBetaBinom(m) => PurchasesWire::BetaGeoBetaBinom(m.params()),
            },
            periods: model.periods,
            thresholds: model.thresholds.get(),
            horizon: model.horizon,
            money_unit_minor: model.money_unit_minor,
            spend: model.spend.map(|s| SpendWire {
                gamma_gamma: s.gamma_gamma.params(),
                clv_months: s.clv_months,
                monthly_discount_rate: s.monthly_discount_rate,
            }),
            rfm: model.rfm.map(|cuts| {
                let (r, f, m) = cuts.get();
                [r, f, m]
            }),
        }
    }
}

impl TryFrom<Wire> for ChurnModel {
    type Error = ChurnError;
    fn try_from(wire: Wire) -> Result<ChurnModel, ChurnError> {
        let purchases = match wire.purchases {
            PurchasesWire::BgNbd([r, alpha, a, b]) => {
                PurchaseModel::BgNbd(BgNbd::new(r, alpha, a, b)?)
            }
            PurchasesWire::ModifiedBgNbd([r, alpha, a, b]) => {
                PurchaseModel::ModifiedBgNbd(ModifiedBgNbd::new(r, alpha, a, b)?)
            }
            PurchasesWire::ParetoNbd([r, alpha, s, beta]) => {
                PurchaseModel::ParetoNbd(ParetoNbd::new(r, alpha, s, beta)?)
            }
            PurchasesWire::BetaGeoBetaBinom([alpha, beta, gamma, delta]) => {
                PurchaseModel::BetaGeoBetaBinom(BetaGeoBetaBinom::new(alpha, beta, gamma, delta)?)
            }
        };
        let thresholds =
            RiskThresholds::new(wire.thresholds).map_err(|_| ChurnError::InvalidArgument)?;
        let mut model = ChurnModel::new(purchases, wire.periods)
            .with_thresholds(thresholds)
            .with_horizon(wire.horizon)?
            .with_money_unit(wire.money_unit_minor)?;
        if let Some(spend) = wire.spend {
            let [p, q, v] = spend.gamma_gamma;
            model = model.with_spend(SpendModel {
                gamma_gamma: GammaGamma::new(p, q, v)?,
                clv_months: spend.clv_months,
                monthly_discount_rate: spend.monthly_discount_rate,
            })?;
        }
        if let Some([r, f, m]) = wire.rfm {
            model = model.with_rfm(RfmCuts::new(r, f, m)?);
        }
        model.check_discrete()?;
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::super::summary::Grain;
    use super::*;
    use proptest::prelude::*;

    fn pareto() -> ChurnModel {
        ChurnModel::new(
            PurchaseModel::ParetoNbd(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.669).unwrap()),
            Periods::DAYS_IN_WEEKS,
        )
    }

    fn full() -> ChurnModel {
        pareto()
            .with_thresholds(RiskThresholds::new([300, 600, 900]).unwrap())
            .with_horizon(39.0)
            .unwrap()
            .with_money_unit(100)
            .unwrap()
            .with_spend(SpendModel {
                gamma_gamma: GammaGamma::new(6.25, 3.74, 15.44).unwrap(),
                clv_months: 12,
                monthly_discount_rate: 0.01,
            })
            .unwrap()
            .with_rfm(
                RfmCuts::new(
                    [1.0, 5.0, 10.0, 20.0],
                    [0.0, 0.0, 1.0, 2.0],
                    [0.0, 0.0, 15.0, 30.0],
                )
                .unwrap(),
            )
    }

    /// The bytes of the smallest model, worked out field by field (docs/formats.md).
    #[test]
    fn pinned_bytes() {
        let model = ChurnModel::new(
            PurchaseModel::BgNbd(BgNbd::new(0.25, 4.0, 0.75, 2.5).unwrap()),
            Periods::DAYS_IN_WEEKS,
        );
        let mut buf = [0u8; MODEL_MAX_LEN];
        let used = model.encode(&mut buf).unwrap();
        #[rustfmt::skip]
        let payload: [u8; 52] = [
            0x00,                                           // purchases: BgNbd
            0, 0, 0, 0, 0, 0, 0xd0, 0x3f,                   // r = 0.25
            0, 0, 0, 0, 0, 0, 0x10, 0x40,                   // alpha = 4.0
            0, 0, 0, 0, 0, 0, 0xe8, 0x3f,                   // a = 0.75
            0, 0, 0, 0, 0, 0, 0x04, 0x40,                   // b = 2.5
            0x00, 0x01,                                     // periods: grain Day, unit Weeks
            0xfa, 0x01, 0xf4, 0x03, 0xee, 0x05,             // thresholds 250, 500, 750
            0, 0, 0, 0, 0, 0, 0x4a, 0x40,                   // horizon 52.0 weeks
            0x01,                                           // money unit: 1 minor unit
            0x00,                                           // no spend model
            0x00,                                           // no RFM cuts
        ];
        assert_eq!(used, envelope::OVERHEAD_LEN + payload.len());
        assert_eq!(&buf[..6], &[0x52, 0x54, 0x01, 0x30, 52, 0x00]);
        assert_eq!(&buf[6..6 + 52], &payload);
        assert_eq!(ChurnModel::decode(&buf[..used]).unwrap(), model);
    }

    /// The smallest model of `pinned_bytes`, tagged: the same 52-byte payload in a
    /// `ModelTagged` (0x31) envelope, its CRC-32 and its HMAC-SHA256 tag (key 0, 1, ..., 31,
    /// empty context: the context-length byte 0) worked out independently with Python's zlib
    /// and hmac; its hash is the SHA-256 of the payload (hashlib), the same as untagged.
    #[test]
    fn tagged_bytes_and_hash() {
        let model = ChurnModel::new(
            PurchaseModel::BgNbd(BgNbd::new(0.25, 4.0, 0.75, 2.5).unwrap()),
            Periods::DAYS_IN_WEEKS,
        );
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let mut plain = [0u8; MODEL_MAX_LEN];
        let plain_len = model.encode(&mut plain).unwrap();
        let mut buf = [0u8; MODEL_TAGGED_MAX_LEN];
        let used = model.encode_tagged(&key, &mut buf).unwrap();
        assert_eq!(used, 6 + 52 + 4 + 16);
        assert_eq!(&buf[..6], &[0x52, 0x54, 0x01, 0x31, 52, 0x00]);
        assert_eq!(&buf[6..58], &plain[6..58]);
        assert_eq!(&buf[58..62], &[0xc8, 0x0f, 0xdd, 0xb7]);
        assert_eq!(
            &buf[62..78],
            &[
                0x71, 0xfa, 0xbb, 0x4e, 0x3d, 0xf2, 0x24, 0x28, 0x5d, 0x00, 0x95, 0xb3, 0xc3, 0x79,
                0x82, 0x69
            ]
        );
        let hash: [u8; 32] = [
            0xce, 0xc2, 0x44, 0x6c, 0x87, 0xd9, 0x14, 0xd4, 0x7c, 0xd0, 0xd7, 0xaa, 0x07, 0x4b,
            0xeb, 0xbf, 0x81, 0x5a, 0xe0, 0xee, 0x09, 0x92, 0xb3, 0x91, 0xf5, 0xc6, 0x52, 0xbc,
            0xd4, 0x3b, 0x17, 0x7c,
        ];
        assert_eq!(model.hash().unwrap(), hash);
        let tagged = ChurnModel::decode_tagged(&buf[..used], &key).unwrap();
        assert_eq!(tagged, model);
        assert_eq!(tagged.hash().unwrap(), hash);
        // Each reader refuses the other kind; a short key is refused before any check.
        assert_eq!(
            ChurnModel::decode(&buf[..used]),
            Err(DecodeError::WrongKind {
                expected: Kind::Model,
                found: Kind::ModelTagged
            })
        );
        assert_eq!(
            ChurnModel::decode_tagged(&plain[..plain_len], &key),
            Err(DecodeError::WrongKind {
                expected: Kind::ModelTagged,
                found: Kind::Model
            })
        );
        assert_eq!(
            ChurnModel::decode_tagged(&buf[..used], &key[..15]),
            Err(DecodeError::SealRequired)
        );
        assert_eq!(
            model.encode_tagged(&key[..15], &mut buf),
            Err(EncodeError::SealRequired)
        );
        let mut other_key = key;
        other_key[31] ^= 1;
        assert_eq!(
            ChurnModel::decode_tagged(&buf[..used], &other_key),
            Err(DecodeError::BadTag)
        );
        assert_eq!(
            model.encode_tagged(&key, &mut buf[..used - 1]),
            Err(EncodeError::BufferTooSmall { needed: used })
        );
    }

    /// Flips bit `bit` of `blob` and, when the bit is before the CRC, recomputes the CRC, as
    /// anyone can.
    fn flip_with_crc(blob: &[u8], bit: usize) -> Vec<u8> {
        const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        let mut edited = blob.to_vec();
        edited[bit / 8] ^= 1 << (bit % 8);
        let crc_at = blob.len() - envelope::LONG_TAG_LEN - envelope::CHECKSUM_LEN;
        if bit / 8 < crc_at {
            let crc = CRC32.checksum(&edited[..crc_at]).to_le_bytes();
            edited[crc_at..crc_at + 4].copy_from_slice(&crc);
        }
        edited
    }

    /// Every single-bit edit of a tagged model, CRC recomputed, is refused; the untagged blob
    /// of the same model, edited the same way, is accepted for some bits (the CRC guards
    /// against accidents only, which is why the tag exists).
    #[test]
    #[cfg_attr(miri, ignore)] // An HMAC per bit: minutes under Miri, nothing unsafe.
    fn every_bit_of_a_tagged_model_is_guarded() {
        let model = ChurnModel::new(
            PurchaseModel::ParetoNbd(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.669).unwrap()),
            Periods::DAYS_IN_WEEKS,
        );
        let key = [0x5au8; 32];
        let mut buf = [0u8; MODEL_TAGGED_MAX_LEN];
        let used = model.encode_tagged(&key, &mut buf).unwrap();
        for bit in 0..used * 8 {
            let edited = flip_with_crc(&buf[..used], bit);
            assert!(
                ChurnModel::decode_tagged(&edited, &key).is_err(),
                "bit {bit} accepted"
            );
        }
        // Untagged: the low mantissa bit of r (payload byte 1) changes the model, and with the
        // CRC recomputed the blob still reads.
        let mut plain = [0u8; MODEL_MAX_LEN];
        let plain_len = model.encode(&mut plain).unwrap();
        let mut edited = plain[..plain_len].to_vec();
        edited[6 + 1] ^= 1;
        let crc_at = plain_len - 4;
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&edited[..crc_at]);
        edited[crc_at..].copy_from_slice(&crc.to_le_bytes());
        let swapped = ChurnModel::decode(&edited).unwrap();
        assert_ne!(swapped, model);
        assert_ne!(swapped.hash().unwrap(), model.hash().unwrap());
    }

    /// A BG/BB model: its variant is the fourth (3); the older three keep their numbers, so
    /// blobs written before it still read (`shared_vectors`).
    #[test]
    fn bg_bb_blob_and_its_checks() {
        let bg_bb = PurchaseModel::BetaGeoBetaBinom(
            BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783).unwrap(),
        );
        let model = ChurnModel::try_new(bg_bb, Periods::WEEKS).unwrap();
        let mut buf = [0u8; MODEL_MAX_LEN];
        let used = model.encode(&mut buf).unwrap();
        #[rustfmt::skip]
        let head: [u8; 9] = [
            0x03,                                           // purchases: BetaGeoBetaBinom
            0xdd, 0x24, 0x06, 0x81, 0x95, 0x43, 0xf3, 0x3f, // alpha = 1.204
        ];
        assert_eq!(&buf[6..6 + 9], &head);
        assert_eq!(&buf[6 + 33..6 + 35], &[0x01, 0x01]); // weekly grain, weeks
        assert_eq!(ChurnModel::decode(&buf[..used]).unwrap(), model);
        assert_eq!(model.purchases().kind().name(), "bg_bb");
        // Times not in the grain, a fractional horizon, or a spend model on weeks (months of
        // 4.345 weeks): refused when built, encoded and decoded.
        assert_eq!(
            ChurnModel::try_new(bg_bb, Periods::DAYS_IN_WEEKS),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(model.with_horizon(2.5), Err(ChurnError::InvalidArgument));
        assert_eq!(model.with_horizon(1e6), Err(ChurnError::TooManyPeriods));
        let spend = SpendModel {
            gamma_gamma: GammaGamma::new(6.25, 3.74, 15.44).unwrap(),
            clv_months: 12,
            monthly_discount_rate: 0.01,
        };
        assert_eq!(model.with_spend(spend), Err(ChurnError::InvalidArgument));
        let daily = ChurnModel::try_new(bg_bb, Periods::DAYS).unwrap();
        assert!(daily.with_spend(spend).is_ok());
        let loose = ChurnModel::new(bg_bb, Periods::DAYS_IN_WEEKS);
        assert_eq!(loose.encode(&mut buf), Err(EncodeError::Serialize));
        let mut wire = Wire::from(model);
        wire.periods = Periods::DAYS_IN_WEEKS;
        let used = envelope::encode(Kind::Model, &wire, None, &mut buf).unwrap();
        assert_eq!(
            ChurnModel::decode(&buf[..used]),
            Err(DecodeError::OutOfRange)
        );
    }

    /// A weekly BG/BB model scores a weekly summary: first purchase in week 0, repeats in weeks
    /// 2 and 4, today in week 6 is x = 2, t_x = 4, n = 6; P(alive in week 7) against the
    /// 50-digit reference (`tests/vectors/discrete_churn.json`, the donation parameters).
    #[test]
    fn bg_bb_scores_a_weekly_summary() {
        let bg_bb = PurchaseModel::BetaGeoBetaBinom(
            BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783).unwrap(),
        );
        let model = ChurnModel::try_new(bg_bb, Periods::WEEKS)
            .unwrap()
            .with_horizon(5.0)
            .unwrap();
        let mut summary = ChurnSummary::new(Grain::Week);
        let monday = crate::time::Date::new(2024, 1, 1)
            .unwrap()
            .to_day()
            .number();
        let week = |k: i32| Day::from_number(monday + 7 * k).unwrap();
        for k in [0, 2, 4] {
            summary
                .record_purchase(week(k), Money::from_minor(500))
                .unwrap();
        }
        let score = model.score_summary(&summary, week(6)).unwrap();
        let want = 0.589_514_116_433_697_9;
        assert!((score.p_alive - want).abs() < 1e-12, "{}", score.p_alive);
        assert_eq!(score.risk, 410);
        assert_eq!(model.risk_of(&summary, week(6)).unwrap(), Some(410));
        // Expected purchases in the next 5 weeks (the model's horizon).
        let expected = 1.057_348_941_909_680_6;
        assert!((score.expected_purchases - expected).abs() < 1e-12 * expected);
    }

    #[test]
    #[cfg_attr(miri, ignore)] // A decode per bit: slow under Miri, nothing unsafe.
    fn every_single_bit_flip_is_rejected() {
        let mut buf = [0u8; MODEL_MAX_LEN];
        let used = full().encode(&mut buf).unwrap();
        for byte in 0..used {
            for bit in 0..8 {
                let mut flipped = buf;
                flipped[byte] ^= 1 << bit;
                assert!(
                    ChurnModel::decode(&flipped[..used]).is_err(),
                    "byte {byte} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn out_of_domain_values_are_refused() {
        // Sealed with a valid CRC, so only the value checks can refuse them.
        let cases: [fn(&mut Wire); 9] = [
            |w| w.purchases = PurchasesWire::BgNbd([0.0, 1.0, 1.0, 1.0]),
            |w| w.purchases = PurchasesWire::ParetoNbd([1.0, f64::NAN, 1.0, 1.0]),
            |w| w.thresholds = [500, 400, 900],
            |w| w.horizon = -1.0,
            |w| w.money_unit_minor = 0,
            |w| w.spend.as_mut().unwrap().gamma_gamma = [6.25, 0.9, 15.44],
            |w| w.spend.as_mut().unwrap().clv_months = 0,
            |w| w.spend.as_mut().unwrap().monthly_discount_rate = f64::INFINITY,
            |w| w.rfm = Some([[3.0, 2.0, 1.0, 0.0], [0.0; 4], [0.0; 4]]),
        ];
        for (i, change) in cases.iter().enumerate() {
            let mut wire = Wire::from(ChurnModel::try_from(Wire::from(full())).unwrap());
            change(&mut wire);
            let mut buf = [0u8; MODEL_MAX_LEN];
            let used = envelope::encode(Kind::Model, &wire, None, &mut buf).unwrap();
            assert_eq!(
                ChurnModel::decode(&buf[..used]),
                Err(DecodeError::OutOfRange),
                "case {i}"
            );
        }
        // A payload that is not a model, and one with a trailing byte.
        let mut buf = [0u8; MODEL_MAX_LEN];
        let used = envelope::encode_raw(Kind::Model, &[0x07], None, &mut buf).unwrap();
        assert_eq!(ChurnModel::decode(&buf[..used]), Err(DecodeError::Payload));
        assert_eq!(
            ChurnModel::decode(&buf[..3]),
            Err(DecodeError::Truncated { needed: 6 })
        );
    }

    #[test]
    fn longest_blob_fits() {
        let mut wire = Wire::from(full());
        wire.money_unit_minor = u32::MAX;
        wire.thresholds = [998, 999, 1000];
        wire.spend.as_mut().unwrap().clv_months = MAX_CLV_MONTHS;
        let mut buf = [0u8; 512];
        let used = envelope::encode(Kind::Model, &wire, None, &mut buf).unwrap();
        assert_eq!(used, MODEL_MAX_LEN);
    }

    #[test]
    #[cfg_attr(miri, ignore)] // CLV sums 12 series
    fn scores_from_a_summary() {
        let model = full();
        let mut summary = ChurnSummary::new(Grain::Day);
        let day = |n| Day::from_number(n).unwrap();
        summary
            .record_purchase(day(10_000), Money::from_minor(2933))
            .unwrap();
        summary
            .record_purchase(day(10_017), Money::from_minor(2973))
            .unwrap();
        summary
            .record_purchase(day(10_213), Money::from_minor(1496))
            .unwrap();
        let score = model.score_summary(&summary, day(10_272)).unwrap();
        // The same customer as an observation: x = 2, t_x = 213/7, T = 272/7, z̄ = 2234.5 cents.
        let customer = Observation::new(2.0, 213.0 / 7.0, 272.0 / 7.0).unwrap();
        let direct = model.score(&customer, 2234.5).unwrap();
        assert_eq!(score, direct);
        let p = model.purchases().p_alive(&customer).unwrap();
        assert_eq!(score.p_alive, p);
        assert_eq!(score.risk, churn_risk(p).unwrap());
        assert_eq!(score.band, model.thresholds().band(score.risk));
        // CLV: 12 months at 1 %, Gamma-Gamma spend of z̄ = 22.345 dollars, in cents.
        let spend = GammaGamma::new(6.25, 3.74, 15.44)
            .unwrap()
            .expected_spend(2.0, 22.345)
            .unwrap();
        let clv = customer_lifetime_value(
            model.purchases(),
            &customer,
            spend,
            12,
            0.01,
            TimeUnit::Weeks,
        )
        .unwrap();
        assert_eq!(
            score.clv,
            Some(Money::from_minor(libm::round(clv * 100.0) as i64))
        );
        // R: T − t_x = 59/7 = 8.43 weeks exceeds cuts 1 and 5 → 3; F: 2 > 0, 0, 1 → 4;
        // M: 22.345 > 0, 0, 15 → 4. Segment of R3 F4: loyal.
        let (rfm, segment) = score.rfm.unwrap();
        assert_eq!((rfm.recency, rfm.frequency, rfm.monetary), (3, 4, 4));
        assert_eq!(segment, Segment::Loyal);
        // A weekly summary does not fit a daily model.
        let weekly = ChurnSummary::new(Grain::Week);
        assert_eq!(
            model.score_summary(&weekly, day(1)),
            Err(ScoreError::GrainMismatch)
        );
        assert_eq!(
            model.score_summary(&ChurnSummary::new(Grain::Day), day(1)),
            Err(ScoreError::Summary(ObserveError::NoPurchases))
        );
    }

    /// `tests/vectors/churn.json`: blobs packed by Python (struct, zlib) and scores computed with
    /// mpmath, shared with the C tests.
    #[test]
    #[cfg_attr(miri, ignore)] // CLV sums 12 series per score
    fn shared_vectors() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/vectors/churn.json")).unwrap();
        let unhex = |text: &str| -> Vec<u8> {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
                .collect()
        };
        let mut models = std::collections::HashMap::new();
        for case in doc["models"].as_array().unwrap() {
            let blob = unhex(case["blob_hex"].as_str().unwrap());
            let model = ChurnModel::decode(&blob).unwrap();
            // Canonical: the SDK writes the same bytes.
            let mut buf = [0u8; MODEL_MAX_LEN];
            let used = model.encode(&mut buf).unwrap();
            assert_eq!(&buf[..used], &blob[..]);
            models.insert(case["name"].as_str().unwrap().to_string(), model);
        }
        let num = |v: &serde_json::Value| -> f64 { v.as_str().unwrap().parse().unwrap() };
        for case in doc["scores"].as_array().unwrap() {
            let model = models[case["model"].as_str().unwrap()];
            let mut summary = ChurnSummary::new(model.periods().grain);
            for purchase in case["purchases"].as_array().unwrap() {
                let at = crate::time::Timestamp::from_unix(purchase[0].as_i64().unwrap());
                let day = at.local(crate::time::UtcOffset::UTC).unwrap().day();
                summary
                    .record_purchase(day, Money::from_minor(purchase[1].as_i64().unwrap()))
                    .unwrap();
            }
            let today = crate::time::Timestamp::from_unix(case["now"].as_i64().unwrap())
                .local(crate::time::UtcOffset::UTC)
                .unwrap()
                .day();
            let score = model.score_summary(&summary, today).unwrap();
            let what = format!("{} {}", case["model"], case["customer"]);
            assert!(
                (score.p_alive - num(&case["p_alive"])).abs() < 1e-12,
                "{what}: {}",
                score.p_alive
            );
            assert_eq!(
                u64::from(score.risk),
                case["risk"].as_u64().unwrap(),
                "{what}"
            );
            assert_eq!(score.band as u64, case["band"].as_u64().unwrap(), "{what}");
            let expected = num(&case["expected_purchases"]);
            assert!(
                (score.expected_purchases - expected).abs() < 1e-10 * expected,
                "{what}"
            );
            assert_eq!(
                score.clv.map(Money::minor),
                case["clv_minor"].as_i64(),
                "{what}"
            );
        }
        for case in doc["invalid"].as_array().unwrap() {
            let blob = unhex(case["blob_hex"].as_str().unwrap());
            let error = ChurnModel::decode(&blob).unwrap_err();
            let name = match error {
                DecodeError::BadChecksum => "bad_checksum",
                DecodeError::OutOfRange => "out_of_range",
                DecodeError::WrongKind { .. } => "wrong_kind",
                DecodeError::Truncated { .. } => "truncated",
                other => panic!("{other:?}"),
            };
            assert_eq!(name, case["error"].as_str().unwrap());
        }
    }

    proptest! {
        // About 1,600 HMACs per case.
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Tagged models round-trip; every single-bit edit (all bits), CRC recomputed, is
        /// refused; the hash is the same tagged or not, and another model's differs.
        #[test]
        #[cfg_attr(miri, ignore)] // an HMAC per bit
        fn tagged_models_refuse_every_bit_edit(model in any_model(), other in any_model()) {
            let key = [0x3cu8; 32];
            let mut buf = [0u8; MODEL_TAGGED_MAX_LEN];
            let used = model.encode_tagged(&key, &mut buf).unwrap();
            let decoded = ChurnModel::decode_tagged(&buf[..used], &key).unwrap();
            prop_assert_eq!(decoded, model);
            prop_assert_eq!(decoded.hash().unwrap(), model.hash().unwrap());
            if model != other {
                prop_assert_ne!(model.hash().unwrap(), other.hash().unwrap());
            }
            for bit in 0..used * 8 {
                let edited = flip_with_crc(&buf[..used], bit);
                prop_assert!(ChurnModel::decode_tagged(&edited, &key).is_err(), "bit {}", bit);
            }
        }
    }

    fn any_model() -> impl Strategy<Value = ChurnModel> {
        let param = || (-8.0f64..8.0).prop_map(libm::exp);
        (
            0u8..4,
            [param(), param(), param(), param()],
            any::<bool>(),
            any::<bool>(),
            (1u16..998),
            (0.0f64..1000.0),
            (1u32..=u32::MAX),
            proptest::option::of((param(), 1.0001f64..50.0, param(), 1u16..=1200, 0.0f64..=1.0)),
            any::<bool>(),
        )
            .prop_map(
                |(kind, [p0, p1, p2, p3], week, weeks, t0, horizon, unit, spend, rfm)| {
                    let purchases = match kind {
                        0 => PurchaseModel::BgNbd(BgNbd::new(p0, p1, p2, p3).unwrap()),
                        1 => PurchaseModel::ModifiedBgNbd(
                            ModifiedBgNbd::new(p0, p1, p2, p3).unwrap(),
                        ),
                        2 => PurchaseModel::ParetoNbd(ParetoNbd::new(p0, p1, p2, p3).unwrap()),
                        _ => PurchaseModel::BetaGeoBetaBinom(
                            BetaGeoBetaBinom::new(p0, p1, p2, p3).unwrap(),
                        ),
                    };
                    // BG/BB: times in the grain, whole horizons, CLV only on days.
                    let discrete = kind == 3;
                    let weeks = if discrete { week } else { weeks };
                    let horizon = if discrete { horizon.floor() } else { horizon };
                    let spend = spend.filter(|_| !(discrete && weeks));
                    let periods = Periods {
                        grain: if week { Grain::Week } else { Grain::Day },
                        unit: if weeks {
                            TimeUnit::Weeks
                        } else {
                            TimeUnit::Days
                        },
                    };
                    let mut model = ChurnModel::new(purchases, periods)
                        .with_thresholds(RiskThresholds::new([t0, t0 + 1, t0 + 2]).unwrap())
                        .with_horizon(horizon)
                        .unwrap()
                        .with_money_unit(unit)
                        .unwrap();
                    if let Some((p, q, v, months, rate)) = spend {
                        model = model
                            .with_spend(SpendModel {
                                gamma_gamma: GammaGamma::new(p, q, v).unwrap(),
                                clv_months: months,
                                monthly_discount_rate: rate,
                            })
                            .unwrap();
                    }
                    if rfm {
                        model = model.with_rfm(
                            RfmCuts::new(
                                [1.0, 2.0, 3.0, 4.0],
                                [0.0, 1.0, 1.0, 9.0],
                                [p0, p0, p0 + 1.0, p0 + 2.0],
                            )
                            .unwrap(),
                        );
                    }
                    model
                },
            )
    }

    proptest! {
        #[test]
        fn round_trip(model in any_model()) {
            let mut buf = [0u8; MODEL_MAX_LEN];
            let used = model.encode(&mut buf).unwrap();
            prop_assert!(used <= MODEL_MAX_LEN);
            prop_assert_eq!(ChurnModel::decode(&buf[..used]).unwrap(), model);
        }

        /// Any bytes get an answer, never a panic. Bytes that do not start with the envelope's
        /// magic are refused as not a blob; the same bytes framed as a model blob with a wrong
        /// CRC-32 are refused as corrupt, before their payload is read.
        #[test]
        fn decode_never_panics(
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
            crc_flip in 1..=u32::MAX,
        ) {
            let decoded = ChurnModel::decode(&bytes);
            if bytes.len() >= envelope::HEADER_LEN && bytes[..2] != envelope::MAGIC {
                prop_assert_eq!(decoded, Err(DecodeError::BadMagic));
            }

            let mut framed = vec![0u8; envelope::encoded_len(Kind::Model, bytes.len())];
            envelope::encode_raw(Kind::Model, &bytes, None, &mut framed).unwrap();
            let crc_at = envelope::HEADER_LEN + bytes.len();
            let crc_end = crc_at + envelope::CHECKSUM_LEN;
            let crc = u32::from_le_bytes(framed[crc_at..crc_end].try_into().unwrap());
            framed[crc_at..crc_end].copy_from_slice(&(crc ^ crc_flip).to_le_bytes());
            prop_assert_eq!(ChurnModel::decode(&framed), Err(DecodeError::BadChecksum));
        }
    }

    /// The CLV batch on threads against [`SpendModel::customer_value`] row by row, bit for
    /// bit (20,000 rows: two chunks on two or more cores), lenient rows included; the lowest
    /// bad row is the one reported, and columns of other lengths are refused.
    #[test]
    #[cfg(feature = "std")]
    #[cfg_attr(miri, ignore)] // 20,000 CLVs
    fn customer_values_on_threads_equal_row_by_row() {
        let mut random = super::super::simulate::SplitMix64::new(11);
        let n = 20_000;
        let (mut x, mut t_x, mut age, mut spend) = (vec![], vec![], vec![], vec![]);
        for row in 0..n {
            let big_t = 30.0 + 335.0 * random.uniform();
            let frequency = libm::floor(12.0 * random.uniform() * random.uniform());
            // Every tenth one-time buyer has a recency (lifetimes' rule lets it through).
            let lenient = frequency == 0.0 && row % 10 == 0;
            x.push(frequency);
            t_x.push(if frequency > 0.0 || lenient {
                big_t * random.uniform()
            } else {
                0.0
            });
            age.push(big_t);
            spend.push(5.0 + 100.0 * random.uniform());
        }
        let bg = BgNbd::new(0.243, 30.9, 0.793, 2.426).unwrap();
        let spend_model = SpendModel {
            gamma_gamma: GammaGamma::new(6.25, 3.74, 15.44).unwrap(),
            clv_months: 12,
            monthly_discount_rate: 0.01,
        };
        let lenient = Validation::Lenient;
        let mut out = vec![0.0; n];
        let days = TimeUnit::Days;
        spend_model
            .customer_values_parallel(&bg, lenient, days, &x, &t_x, &age, &spend, &mut out)
            .unwrap();
        for row in 0..n {
            let customer = lenient.observe(x[row], t_x[row], age[row]).unwrap();
            let want = spend_model
                .customer_value(&bg, &customer, spend[row], days)
                .unwrap();
            assert_eq!(out[row].to_bits(), want.to_bits(), "row {row}");
        }
        // Rows 15,000 (recency after age) and 3 (negative spend): row 3 is reported.
        t_x[15_000] = age[15_000] + 1.0;
        spend[3] = -1.0;
        assert_eq!(
            spend_model
                .customer_values_parallel(&bg, lenient, days, &x, &t_x, &age, &spend, &mut out),
            Err(BatchError::Row {
                index: 3,
                error: ChurnError::InvalidArgument
            })
        );
        spend[3] = 1.0;
        assert_eq!(
            spend_model
                .customer_values_parallel(&bg, lenient, days, &x, &t_x, &age, &spend, &mut out),
            Err(BatchError::Row {
                index: 15_000,
                error: ChurnError::RecencyAfterAge
            })
        );
        assert_eq!(
            spend_model.customer_values_parallel(
                &bg,
                lenient,
                days,
                &x,
                &t_x,
                &age,
                &spend[1..],
                &mut out
            ),
            Err(BatchError::LengthMismatch)
        );
    }
}
