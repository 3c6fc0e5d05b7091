//! Churn scoring and customer value: who is slipping away, and what they are worth.
//!
//! The *buy-till-you-die* models of the customer-base analysis literature, as fitted by the
//! Python library `lifetimes` (same parameter names, same definitions), scored here without heap
//! or panics so that a till can score a customer at checkout:
//!
//! | module | what |
//! | --- | --- |
//! | [`math`] | the models' own `exp`, `ln`, `ln_1p`, `exp_m1`: the same bits on every target, vectorisable |
//! | [`special`] | log-gamma, log-beta, digamma, trigamma, the hypergeometric ₂F₁ with its sign tracked |
//! | [`summary`] | the online customer summary: frequency, recency, age, mean spend, O(1) per purchase |
//! | [`bg_nbd`], [`mbg_nbd`], [`pareto_nbd`] | the purchase-and-dropout models: likelihood, P(alive), expected purchases |
//! | [`bg_bb`] | the same in discrete time (purchase opportunities), BG/BB |
//! | [`sbg`] | contractual retention (sBG): survival, retention rate, discounted expected (residual) lifetime |
//! | [`counts`] | the distribution of purchase counts, new customers' and given a history |
//! | [`mixing`] | the Gamma and Beta mixing distributions, incomplete beta and gamma functions |
//! | [`simulate`] | simulated customers of a model (lifetimes' `generate_new_data`) |
//! | [`gamma_gamma`] | the spend model: expected mean spend |
//! | [`clv`] | customer lifetime value, lifetimes' discounted monthly sum |
//! | [`risk`] | churn risk 0..=1000 and its band, the value the rule engine reads |
//! | [`rfm`] | recency / frequency / monetary scores 1..=5 and named segments |
//! | [`model`] | the model blob (`Kind::Model`) a till scores from |
//! | `fit`, `transactions`, `metrics`, `survival`, `targeting` (`std`) | host tools: fitting, summaries from transaction tables, retention metrics, survival curves, offer targeting and planning |
//!
//! **Units.** A customer is described by an [`Observation`]: `frequency` x (repeat purchase
//! periods), `recency` t_x (time from first to last purchase) and `age` T (time from first
//! purchase to now), with times in the model's time unit (days or weeks, see
//! [`summary::Periods`]). The full formulas and definitions are in `docs/churn.md`.

pub mod bg_bb;
pub mod bg_nbd;
pub mod clv;
pub mod counts;
pub mod gamma_gamma;
pub mod math;
pub mod mbg_nbd;
pub mod mixing;
pub mod model;
pub mod pareto_nbd;
pub mod rfm;
pub mod risk;
pub mod sbg;
pub mod simulate;
pub mod special;
pub mod summary;

#[cfg(feature = "std")]
pub mod fit;
#[cfg(feature = "std")]
pub mod metrics;
#[cfg(feature = "std")]
pub mod survival;
#[cfg(feature = "std")]
pub mod targeting;
#[cfg(feature = "std")]
pub mod transactions;

use core::fmt;

use special::SpecialError;

/// Why a churn model gave no value. Never a NaN: every failure is one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChurnError {
    /// A model parameter is NaN, infinite, or not above zero (Gamma-Gamma's `q` must exceed 1).
    ParameterOutOfDomain,
    /// Frequency, recency or age is NaN, infinite, negative or above [`MAX_OBSERVATION`], or
    /// the frequency is not whole.
    InvalidObservation,
    /// The recency (last purchase) is later than the age (now).
    RecencyAfterAge,
    /// The frequency is 0 but the recency is not: a customer without repeat purchases has
    /// recency 0.
    RecencyWithoutRepeat,
    /// A horizon or spend is NaN, infinite or negative.
    InvalidArgument,
    /// A series did not converge within its term budget (an argument very close to 1).
    NoConvergence,
    /// The result overflowed or is otherwise not a finite number.
    NotFinite,
    /// BG/BB: more purchase opportunities with a purchase than opportunities up to the last
    /// purchase (frequency above recency).
    FrequencyAboveRecency,
    /// BG/BB: more opportunities (age, or a horizon) than [`bg_bb::MAX_BG_BB_PERIODS`].
    TooManyPeriods,
}

impl fmt::Display for ChurnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChurnError::ParameterOutOfDomain => "model parameter out of its domain",
            ChurnError::InvalidObservation => {
                "frequency, recency and age must be finite, non-negative and at most 1e7, frequency \
                 whole"
            }
            ChurnError::RecencyAfterAge => "recency is greater than age (T)",
            ChurnError::RecencyWithoutRepeat => "frequency 0 requires recency 0",
            ChurnError::InvalidArgument => "horizon or spend must be finite and non-negative",
            ChurnError::NoConvergence => "series did not converge",
            ChurnError::NotFinite => "result is not a finite number",
            ChurnError::FrequencyAboveRecency => {
                "frequency is greater than recency (BG/BB: purchases at more opportunities than \
                 there were up to the last one)"
            }
            ChurnError::TooManyPeriods => {
                "more than 100,000 purchase opportunities (BG/BB's MAX_BG_BB_PERIODS)"
            }
        })
    }
}

impl core::error::Error for ChurnError {}

impl From<SpecialError> for ChurnError {
    fn from(error: SpecialError) -> ChurnError {
        match error {
            SpecialError::NoConvergence => ChurnError::NoConvergence,
            SpecialError::Domain | SpecialError::Pole => ChurnError::NotFinite,
        }
    }
}

/// The largest frequency, recency or age an [`Observation`] takes: 10⁷ periods (27,000 years of
/// days). Beyond it the models cannot represent a customer (the likelihood's terms lose every
/// digit, the series their convergence), so larger values are an input error, not a result.
pub const MAX_OBSERVATION: f64 = 1e7;

/// The most cells of a frequency × recency grid (P(alive) or expected-purchase matrices and
/// the plots built on them): 4,000,000, about a tenth of a second of scoring and 100 MB of grid
/// columns on the host. A grid of `(max_frequency + 1) · (max_recency + 1)` cells beyond it is
/// refused (the Python layer raises `ValidationError`) instead of running for minutes.
pub const MAX_GRID_CELLS: usize = 4_000_000;

/// One customer as the models see them, validated: `frequency` x ≥ 0 whole (repeat purchase
/// periods), `0 ≤ recency ≤ age`, recency 0 when x is 0. Times are in the model's time unit.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Observation {
    frequency: f64,
    recency: f64,
    age: f64,
}

impl Observation {
    /// Checks and builds an observation: lifetimes' `frequency`, `recency`, `T`.
    ///
    /// Errors: [`ChurnError::InvalidObservation`] (also for a value above
    /// [`MAX_OBSERVATION`]), [`ChurnError::RecencyAfterAge`],
    /// [`ChurnError::RecencyWithoutRepeat`].
    pub fn new(frequency: f64, recency: f64, age: f64) -> Result<Observation, ChurnError> {
        let valid = |v: f64| (0.0..=MAX_OBSERVATION).contains(&v);
        if !valid(frequency) || !valid(recency) || !valid(age) || !whole(frequency) {
            return Err(ChurnError::InvalidObservation);
        }
        if recency > age {
            return Err(ChurnError::RecencyAfterAge);
        }
        if frequency == 0.0 && recency != 0.0 {
            return Err(ChurnError::RecencyWithoutRepeat);
        }
        Ok(Observation {
            frequency,
            recency,
            age,
        })
    }

    /// lifetimes' rule for evaluating a model (never for fitting it): as [`Observation::new`],
    /// except that a frequency of 0 with a recency above 0 is accepted, and the models'
    /// formulas are applied to it as written (BG/NBD's ignore the recency of a customer without
    /// repeat purchases; MBG/NBD's and Pareto/NBD's read it). Such a customer cannot come from a
    /// transaction history, but lifetimes computes it (a P(alive) grid over frequency × recency
    /// has such cells), so the host's batch paths accept it ([`Validation::Lenient`]); the till
    /// and the fits keep the strict rule.
    ///
    /// Errors: [`ChurnError::InvalidObservation`], [`ChurnError::RecencyAfterAge`].
    pub fn lenient(frequency: f64, recency: f64, age: f64) -> Result<Observation, ChurnError> {
        match Observation::new(frequency, recency, age) {
            Err(ChurnError::RecencyWithoutRepeat) => Ok(Observation {
                frequency,
                recency,
                age,
            }),
            other => other,
        }
    }

    /// Repeat purchase periods, x.
    #[must_use]
    pub const fn frequency(&self) -> f64 {
        self.frequency
    }

    /// Time from the first to the last purchase, t_x.
    #[must_use]
    pub const fn recency(&self) -> f64 {
        self.recency
    }

    /// Time from the first purchase to now, T.
    #[must_use]
    pub const fn age(&self) -> f64 {
        self.age
    }
}

/// Whether a finite `v ≥ 0` is a whole number: adding 2⁵² rounds it to one (every double from
/// 2⁵² up is whole), two additions instead of a call to `floor`.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
fn whole(v: f64) -> bool {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    v >= TWO_52 || (v + TWO_52) - TWO_52 == v
}

/// Which observations a batch accepts: [`Observation::new`]'s rule or
/// [`Observation::lenient`]'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Validation {
    /// [`Observation::new`]: a frequency of 0 requires a recency of 0 (the till, the C API).
    Strict,
    /// [`Observation::lenient`]: lifetimes' rule for evaluating models (the Python door).
    Lenient,
}

impl Validation {
    /// The observation `(frequency, recency, age)` under this rule.
    ///
    /// Errors: those of [`Observation::new`] or [`Observation::lenient`].
    pub fn observe(
        self,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<Observation, ChurnError> {
        match self {
            Validation::Strict => Observation::new(frequency, recency, age),
            Validation::Lenient => Observation::lenient(frequency, recency, age),
        }
    }
}

/// What every purchase-and-dropout model answers about a customer.
pub trait TransactionModel {
    /// The log-likelihood of one customer's observation under the model.
    fn log_likelihood(&self, customer: &Observation) -> Result<f64, ChurnError>;
    /// The probability that the customer is still active ("alive") now, in `[0, 1]`.
    fn p_alive(&self, customer: &Observation) -> Result<f64, ChurnError>;
    /// Expected purchases in the next `t` time units, given the customer's history.
    fn expected_purchases(&self, customer: &Observation, t: f64) -> Result<f64, ChurnError>;
    /// Expected purchases in `t` time units of a new customer (from their first purchase).
    fn unconditional_expected_purchases(&self, t: f64) -> Result<f64, ChurnError>;
    /// For models where `expected_purchases(x, tₓ, T; t) = p_alive(x, tₓ, T) · f(x, T; t)`
    /// (BG/NBD and MBG/NBD: a customer alive at T goes on as a new one with updated
    /// parameters), `Some(f(x, T; t))`, the expected purchases of a customer known to be alive;
    /// `None` for other models. Batch scoring computes `f` once per distinct `(x, T)`. Inputs
    /// are a valid observation's frequency and age and a valid horizon.
    fn alive_forward(&self, frequency: f64, age: f64, t: f64) -> Result<Option<f64>, ChurnError> {
        let _ = (frequency, age, t);
        Ok(None)
    }

    /// [`TransactionModel::alive_forward`] of lanes with one `frequency` and their own `age`
    /// and horizon `t`, computed together (their series share each step's division), into
    /// the active lanes of `out`: bit for bit each lane's `alive_forward` value or error
    /// (`Ok(None)` is never written). `false`, with `out` untouched, for models without the
    /// forward form. Inputs are a valid observation's frequency and ages.
    #[cfg(feature = "std")]
    fn alive_forwards(
        &self,
        frequency: f64,
        age: &[f64; special::LANES],
        t: &[f64; special::LANES],
        active: &[bool; special::LANES],
        out: &mut [Result<f64, ChurnError>; special::LANES],
    ) -> bool {
        let _ = (frequency, age, t, active, out);
        false
    }

    /// [`TransactionModel::p_alive`] of every row into `out` (equal lengths), by a loop that
    /// vectorises, for models whose P(alive) is a closed form: `Some(true)` when every row was
    /// valid and finite (the values are bit for bit those of `p_alive`), `Some(false)` when a
    /// row was not (the caller then finds and reports it row by row), `None` for models
    /// without such a loop.
    fn p_alive_columns(
        &self,
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
        out: &mut [f64],
    ) -> Option<bool> {
        let _ = (frequency, recency, age, out);
        None
    }
}

/// Whether `(x, t_x, T)` is a valid observation ([`Observation::new`] accepts it), without a
/// branch: the batch loops' check.
#[cfg(feature = "std")]
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
pub(crate) fn valid_observation(x: f64, t_x: f64, big_t: f64) -> bool {
    // `&` rather than `contains`: no branch, so batch loops vectorise.
    #[allow(clippy::manual_range_contains)]
    let in_range = |v: f64| (v >= 0.0) & (v <= MAX_OBSERVATION);
    in_range(x)
        & in_range(t_x)
        & in_range(big_t)
        & whole(x)
        & (t_x <= big_t)
        & ((x != 0.0) | (t_x == 0.0))
}

/// [`TransactionModel::p_alive_columns`] for a closed-form `row` function: every row, then
/// whether all were valid and finite.
#[cfg(feature = "std")]
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
pub(crate) fn p_alive_loop(
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    out: &mut [f64],
    row: impl Fn(f64, f64, f64) -> f64,
) -> bool {
    let mut ok = true;
    for (((slot, &x), &t_x), &big_t) in out.iter_mut().zip(frequency).zip(recency).zip(age) {
        let value = row(x, t_x, big_t);
        *slot = value;
        ok &= valid_observation(x, t_x, big_t) & value.is_finite();
    }
    ok
}

/// A parameter must be finite and above zero.
pub(crate) fn check_positive(values: &[f64]) -> Result<(), ChurnError> {
    if values.iter().all(|v| v.is_finite() && *v > 0.0) {
        Ok(())
    } else {
        Err(ChurnError::ParameterOutOfDomain)
    }
}

/// A horizon must be finite and non-negative.
pub(crate) fn check_horizon(t: f64) -> Result<f64, ChurnError> {
    if t.is_finite() && t >= 0.0 {
        Ok(t)
    } else {
        Err(ChurnError::InvalidArgument)
    }
}

/// A result must be a finite number.
pub(crate) fn finite(value: f64) -> Result<f64, ChurnError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ChurnError::NotFinite)
    }
}

/// Why a batch call failed: the first failing row and its error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchError {
    /// The input and output slices differ in length.
    LengthMismatch,
    /// Row `index` failed with `error`; rows before it were written, rows after it were not.
    Row {
        /// Index of the failing row.
        index: usize,
        /// Its error.
        error: ChurnError,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::LengthMismatch => f.write_str("input and output lengths differ"),
            BatchError::Row { index, error } => write!(f, "row {index}: {error}"),
        }
    }
}

impl core::error::Error for BatchError {}

/// Which per-customer quantity a batch computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BatchQuantity {
    /// [`TransactionModel::p_alive`].
    PAlive,
    /// [`TransactionModel::expected_purchases`] over `t` time units.
    ExpectedPurchases {
        /// The horizon, in time units.
        t: f64,
    },
    /// [`TransactionModel::log_likelihood`].
    LogLikelihood,
}

/// Computes `quantity` for every row of the columns `frequency`, `recency`, `age` into `out`
/// (lifetimes' vectorised methods), each row an observation under `validation`. All four
/// slices must have one length.
///
/// Errors: [`BatchError::LengthMismatch`]; [`BatchError::Row`] with the first bad row.
pub fn batch<M: TransactionModel + ?Sized>(
    model: &M,
    quantity: BatchQuantity,
    validation: Validation,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    out: &mut [f64],
) -> Result<(), BatchError> {
    let n = out.len();
    if frequency.len() != n || recency.len() != n || age.len() != n {
        return Err(BatchError::LengthMismatch);
    }
    match quantity {
        BatchQuantity::PAlive => {
            // The vectorised loop accepts only strictly valid rows; anything else (a lenient
            // row, an error) is redone row by row under `validation`.
            if model.p_alive_columns(frequency, recency, age, out) == Some(true) {
                return Ok(());
            }
            each_row(validation, frequency, recency, age, out, |c| {
                model.p_alive(c)
            })
        }
        BatchQuantity::ExpectedPurchases { t } => {
            each_row(validation, frequency, recency, age, out, |c| {
                model.expected_purchases(c, t)
            })
        }
        BatchQuantity::LogLikelihood => each_row(validation, frequency, recency, age, out, |c| {
            model.log_likelihood(c)
        }),
    }
}

/// `value` of every row's observation under `validation` into `out` (equal lengths checked by
/// the caller).
fn each_row<F>(
    validation: Validation,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    out: &mut [f64],
    mut value: F,
) -> Result<(), BatchError>
where
    F: FnMut(&Observation) -> Result<f64, ChurnError>,
{
    let rows = frequency.iter().zip(recency).zip(age).zip(out.iter_mut());
    for (index, (((&x, &t_x), &big_t), slot)) in rows.enumerate() {
        let row = |error| BatchError::Row { index, error };
        let customer = validation.observe(x, t_x, big_t).map_err(row)?;
        *slot = value(&customer).map_err(row)?;
    }
    Ok(())
}

/// [`batch`] of expected purchases for a model with [`TransactionModel::alive_forward`]: the
/// forward expectation once per distinct `(x, T)` (a few thousand for a customer base at day
/// resolution), times each row's P(alive) — the same operations, so the same values, as
/// [`TransactionModel::expected_purchases`]. `None` when the model has no forward form or the
/// horizon is invalid (the plain batch then reports it).
#[cfg(feature = "std")]
fn batch_expected_memoized<M: TransactionModel + ?Sized>(
    model: &M,
    t: f64,
    validation: Validation,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    out: &mut [f64],
) -> Option<Result<(), BatchError>> {
    // A bad horizon, or a model without the forward form: the plain batch (and its errors).
    let t = check_horizon(t).ok()?;
    if !matches!(model.alive_forward(0.0, 0.0, t), Ok(Some(_))) {
        return None;
    }
    let mut memo: std::collections::HashMap<(u64, u64), f64, FoldHash> =
        std::collections::HashMap::with_capacity_and_hasher(1024, FoldHash::default());
    Some(each_row(
        validation,
        frequency,
        recency,
        age,
        out,
        |customer| {
            // In the order of `expected_purchases`, so that a failing row fails alike.
            let alive = model.p_alive(customer)?;
            let key = (customer.frequency().to_bits(), customer.age().to_bits());
            let forward = match memo.get(&key) {
                Some(&forward) => forward,
                None => {
                    let forward = model
                        .alive_forward(customer.frequency(), customer.age(), t)?
                        .ok_or(ChurnError::NotFinite)?;
                    memo.insert(key, forward);
                    forward
                }
            };
            finite(alive * forward)
        },
    ))
}

/// Rows whose `(x, T)` [`batch_expected_lanes`] counts to tell repeated data (where
/// [`batch_expected_memoized`]'s memo saves series) from mostly distinct data.
#[cfg(feature = "std")]
const REPEAT_SAMPLE: usize = 4_096;

/// Frequencies below which [`batch_expected_lanes`] orders the rows by a counting sort.
#[cfg(feature = "std")]
const COUNTING_SORT_BELOW: f64 = 65_536.0;

/// Age bins within a frequency by which [`batch_expected_lanes`] orders the rows, for
/// frequencies below [`AGE_BINS_BELOW`] (so that the counting sort's table stays as small as
/// by frequency alone: at most 65,538 entries).
#[cfg(feature = "std")]
const AGE_BINS: usize = 32;

/// See [`AGE_BINS`].
#[cfg(feature = "std")]
const AGE_BINS_BELOW: f64 = 65_536.0 / 32.0;

/// [`batch`] of expected purchases for a model with [`TransactionModel::alive_forwards`], on
/// mostly distinct rows (fewer than two rows per `(x, T)` among the first
/// [`REPEAT_SAMPLE`]): P(alive) of every row by the vectorised loop, then the forward
/// expectations of rows with one frequency [`special::LANES`] at a time, their series run
/// together, times each row's P(alive) — the operations of
/// [`TransactionModel::expected_purchases`], so its bits. `None` (the caller takes another
/// path) for other models, an invalid horizon, repeated data, a row that is not strictly
/// valid or whose P(alive) is not finite, or frequencies from [`COUNTING_SORT_BELOW`] up.
#[cfg(feature = "std")]
fn batch_expected_lanes<M: TransactionModel + ?Sized>(
    model: &M,
    t: f64,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    out: &mut [f64],
) -> Option<Result<(), BatchError>> {
    use special::LANES;
    let t = check_horizon(t).ok()?;
    let mut forward = [Ok(0.0); LANES];
    let horizons = [t; LANES];
    if !model.alive_forwards(0.0, &horizons, &horizons, &[false; LANES], &mut forward) {
        return None;
    }
    let sample = frequency.len().min(REPEAT_SAMPLE);
    let keys: std::collections::HashSet<(u64, u64), FoldHash> = frequency
        .iter()
        .zip(age)
        .take(sample)
        .map(|(x, big_t)| (x.to_bits(), big_t.to_bits()))
        .collect();
    if keys.len().saturating_mul(2) < sample {
        return None;
    }
    let top = frequency.iter().fold(0.0_f64, |top, &x| top.max(x));
    if top >= COUNTING_SORT_BELOW
        || model.p_alive_columns(frequency, recency, age, out) != Some(true)
    {
        return None;
    }
    // Valid rows: whole frequencies in [0, COUNTING_SORT_BELOW), finite ages.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a whole number in [0, 65536)"
    )]
    let bucket = |x: f64| x as usize;
    // Within a frequency, rows of similar age side by side: a lane block's series then end at
    // about the same term (z = t/(α + T + t) falls with T), and fewer steps run for the block's
    // longest lane alone. The order changes no value (each lane's operations are its own).
    let bins = if top < AGE_BINS_BELOW { AGE_BINS } else { 1 };
    let (youngest, oldest) = age.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), &t| {
        (lo.min(t), hi.max(t))
    });
    let per_bin = (oldest - youngest) / bins as f64;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a non-negative number clamped below `bins`"
    )]
    let key = |x: f64, big_t: f64| {
        let bin = if per_bin > 0.0 {
            (((big_t - youngest) / per_bin) as usize).min(bins.saturating_sub(1))
        } else {
            0
        };
        bucket(x).saturating_mul(bins).saturating_add(bin)
    };
    // Row numbers ordered by that key (a counting sort): starts[k] is where key k begins.
    let mut starts = vec![0_usize; key(top, oldest).saturating_add(2)];
    for (&x, &big_t) in frequency.iter().zip(age) {
        if let Some(count) = starts.get_mut(key(x, big_t).saturating_add(1)) {
            *count = count.saturating_add(1);
        }
    }
    let mut total = 0_usize;
    for start in &mut starts {
        total = total.saturating_add(*start);
        *start = total;
    }
    let mut order = vec![0_usize; frequency.len()];
    for (row, (&x, &big_t)) in frequency.iter().zip(age).enumerate() {
        if let Some(start) = starts.get_mut(key(x, big_t)) {
            if let Some(slot) = order.get_mut(*start) {
                *slot = row;
            }
            *start = start.saturating_add(1);
        }
    }
    let at = |column: &[f64], row: usize| column.get(row).copied().unwrap_or(f64::NAN);
    let mut failed: Option<(usize, ChurnError)> = None;
    for rows in order.chunk_by(|&i, &j| at(frequency, i) == at(frequency, j)) {
        let x = rows.first().map_or(0.0, |&row| at(frequency, row));
        for lanes in rows.chunks(LANES) {
            let mut ages = [0.0; LANES];
            let mut active = [false; LANES];
            for ((big_t, active), &row) in ages.iter_mut().zip(&mut active).zip(lanes) {
                *big_t = at(age, row);
                *active = true;
            }
            model.alive_forwards(x, &ages, &horizons, &active, &mut forward);
            for (&row, forward) in lanes.iter().zip(&forward) {
                let Some(slot) = out.get_mut(row) else {
                    continue;
                };
                // finite(P(alive) · forward), as expected_purchases.
                match forward.and_then(|forward| finite(*slot * forward)) {
                    Ok(value) => *slot = value,
                    Err(error) => {
                        if failed.is_none_or(|(first, _)| row < first) {
                            failed = Some((row, error));
                        }
                    }
                }
            }
        }
    }
    Some(match failed {
        None => Ok(()),
        Some((index, error)) => Err(BatchError::Row { index, error }),
    })
}

/// A fast hash for keys made of `f64` bits (multiply-rotate, as rustc's FxHash, with each
/// word's halves folded: the doubles of small whole numbers have all-zero low bits). The keys
/// (customers' observations) are not attacker-chosen in a way that matters: a bad distribution
/// only slows a batch down.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Default)]
pub(crate) struct FoldHasher(u64);

#[cfg(feature = "std")]
impl core::hash::Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        // The high bits into the low ones, which pick the bucket.
        self.0 ^ (self.0 >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in words.by_ref() {
            let mut le = [0u8; 8];
            le.copy_from_slice(word);
            self.write_u64(u64::from_le_bytes(le));
        }
        for &byte in words.remainder() {
            self.write_u64(u64::from(byte));
        }
    }
    fn write_u64(&mut self, value: u64) {
        let folded = value ^ (value >> 32);
        self.0 = (self.0.rotate_left(5) ^ folded).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// Hash maps keyed by `f64` bits.
#[cfg(feature = "std")]
pub(crate) type FoldHash = core::hash::BuildHasherDefault<FoldHasher>;

/// Rows from which [`batch_parallel`] splits the work across threads.
#[cfg(feature = "std")]
pub const PARALLEL_BATCH_FROM: usize = 16_384;

/// [`batch`] on every available core (`std`): the rows are split into one contiguous chunk per
/// thread, each computed as [`batch`] does (below [`PARALLEL_BATCH_FROM`] rows, or on one core,
/// on the calling thread). Expected purchases of a model with
/// [`TransactionModel::alive_forward`] compute the forward part once per distinct `(x, T)` in
/// each chunk. The values are bit-for-bit those of [`batch`].
///
/// Errors: as [`batch`], with the lowest failing row; on error `out` holds partial results.
#[cfg(feature = "std")]
pub fn batch_parallel<M: TransactionModel + Sync + ?Sized>(
    model: &M,
    quantity: BatchQuantity,
    validation: Validation,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    out: &mut [f64],
) -> Result<(), BatchError> {
    rows_in_parallel(
        [frequency, recency, age],
        out,
        |[x, t_x, big_t], out| match quantity {
            BatchQuantity::ExpectedPurchases { t } => {
                batch_expected_lanes(model, t, x, t_x, big_t, out)
                    .or_else(|| batch_expected_memoized(model, t, validation, x, t_x, big_t, out))
                    .unwrap_or_else(|| batch(model, quantity, validation, x, t_x, big_t, out))
            }
            _ => batch(model, quantity, validation, x, t_x, big_t, out),
        },
    )
}

/// `one(columns, out)` on every available core (`std`): the rows (every column and `out`, of
/// one length) are split into one contiguous chunk per thread, each chunk's row numbers turned
/// back into the whole's in a [`BatchError::Row`]; below [`PARALLEL_BATCH_FROM`] rows, or on
/// one core, `one` runs once on the calling thread. The chunks are independent, so the values
/// are those of one call on all the rows.
///
/// Errors: [`BatchError::LengthMismatch`]; the error of the lowest chunk that failed (so the
/// lowest failing row, when `one` reports its first one).
#[cfg(feature = "std")]
pub(crate) fn rows_in_parallel<const K: usize, F>(
    columns: [&[f64]; K],
    out: &mut [f64],
    one: F,
) -> Result<(), BatchError>
where
    F: Fn([&[f64]; K], &mut [f64]) -> Result<(), BatchError> + Sync,
{
    let n = out.len();
    if columns.iter().any(|column| column.len() != n) {
        return Err(BatchError::LengthMismatch);
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if n < PARALLEL_BATCH_FROM || threads < 2 {
        return one(columns, out);
    }
    let one = &one;
    let chunk = n.div_ceil(threads);
    let results: Vec<Result<(), BatchError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = out
            .chunks_mut(chunk)
            .enumerate()
            .map(|(part, out)| {
                let start = part.saturating_mul(chunk);
                let end = start.saturating_add(out.len());
                let rows = columns.map(|column| column.get(start..end).unwrap_or(&[]));
                scope.spawn(move || {
                    one(rows, out).map_err(|error| match error {
                        // Row numbers within the chunk become row numbers of the whole.
                        BatchError::Row { index, error } => BatchError::Row {
                            index: index.saturating_add(start),
                            error,
                        },
                        other => other,
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or(Err(BatchError::Row {
                    index: 0,
                    error: ChurnError::NotFinite,
                }))
            })
            .collect()
    });
    results.into_iter().collect()
}

#[cfg(test)]
pub(crate) mod reference {
    //! The mpmath reference table, shared by the model tests.

    /// Expected purchases never fall with the horizon, up to their documented accuracy
    /// (docs/churn.md: 1e-10 relative, a few 1e-10 for r in the tens with t ≫ α): a series of
    /// tens of thousands of terms rounds at that level.
    pub(crate) const MONOTONE_SLACK: f64 = 1e-9;

    /// `tests/vectors/special.json`.
    pub(crate) fn doc() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/vectors/special.json")).unwrap()
    }

    /// A decimal string as f64.
    pub(crate) fn num(value: &serde_json::Value) -> f64 {
        value.as_str().unwrap().parse().unwrap()
    }

    /// Relative closeness, with an absolute floor for values near zero.
    pub(crate) fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300)
    }

    /// Relative tolerances of a model's quantities against the table: P(alive), and the
    /// conditional and unconditional expectations given the case's parameters, age `T` and
    /// horizon `t`.
    pub(crate) struct Tolerances {
        pub(crate) p_alive: f64,
        pub(crate) conditional: fn(params: &[f64], age: f64, t: f64) -> f64,
        pub(crate) unconditional: fn(params: &[f64], t: f64) -> f64,
    }

    /// Checks every case of `model` (its name in the table) against the mpmath values:
    /// log-likelihood to 1e-12 relative (or 2e-11 absolute: LL sums terms like r ln α, whose
    /// absolute error grows with them — 1e-16 of 10⁴ is 1e-12), P(alive) and the expectations to
    /// `tolerances`. Gives the number of cases checked.
    pub(crate) fn check_model<M: super::TransactionModel>(
        model: &str,
        build: impl Fn(&[f64]) -> M,
        tolerances: &Tolerances,
    ) -> usize {
        let doc = doc();
        let mut checked = 0;
        for case in doc["models"].as_array().unwrap() {
            if case["model"] != model {
                continue;
            }
            let p: Vec<f64> = case["params"].as_array().unwrap().iter().map(num).collect();
            let fitted = build(&p);
            let customer =
                super::Observation::new(num(&case["x"]), num(&case["t_x"]), num(&case["T"]))
                    .unwrap();
            let t = num(&case["t"]);
            let what = format!("{model} {p:?} {customer:?} t={t}");
            let ll = fitted
                .log_likelihood(&customer)
                .unwrap_or_else(|e| panic!("LL {what}: {e}"));
            let want = num(&case["log_likelihood"]);
            assert!(
                close(ll, want, 1e-12) || (ll - want).abs() < 2e-11,
                "LL {what}: {ll} vs {want}"
            );
            let alive = fitted
                .p_alive(&customer)
                .unwrap_or_else(|e| panic!("P {what}: {e}"));
            assert!(
                close(alive, num(&case["p_alive"]), tolerances.p_alive),
                "P(alive) {what}: {alive} vs {}",
                case["p_alive"]
            );
            let cond = fitted
                .expected_purchases(&customer, t)
                .unwrap_or_else(|e| panic!("E[Y] {what}: {e}"));
            assert!(
                close(
                    cond,
                    num(&case["conditional_expected"]),
                    (tolerances.conditional)(&p, customer.age(), t)
                ),
                "E[Y] {what}: {cond} vs {}",
                case["conditional_expected"]
            );
            let uncond = fitted
                .unconditional_expected_purchases(t)
                .unwrap_or_else(|e| panic!("E[X] {what}: {e}"));
            assert!(
                close(
                    uncond,
                    num(&case["unconditional_expected"]),
                    (tolerances.unconditional)(&p, t)
                ),
                "E[X] {what}: {uncond} vs {}",
                case["unconditional_expected"]
            );
            checked += 1;
        }
        checked
    }

    /// BG/NBD and MBG/NBD expectations: 1e-10 relative, or 1e-7 where `z = t/(α + T + t)` is above
    /// 0.999 (a horizon a thousand times α + T), where ₂F₁ goes through its connection formula.
    pub(crate) const BETA_GEOMETRIC: Tolerances = Tolerances {
        p_alive: 1e-12,
        conditional: |p, age, t| beta_geometric(t / (p[1] + age + t)),
        unconditional: |p, t| beta_geometric(t / (p[1] + t)),
    };

    fn beta_geometric(z: f64) -> f64 {
        if z > 0.999 { 1e-7 } else { 1e-10 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected purchases of distinct rows (the lanes path) equal each row's
    /// `expected_purchases`, bit for bit, on one thread and on many; a bad row among them is
    /// still reported as the lowest failing row.
    #[test]
    #[cfg(feature = "std")]
    #[cfg_attr(miri, ignore)] // 20,000 series
    fn lane_batches_equal_the_row_formula() {
        let mut random = simulate::SplitMix64::new(7);
        let n = 10_000;
        let mut rows = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let age = 30.0 + 335.0 * random.uniform();
            let x = libm::floor(20.0 * random.uniform() * random.uniform());
            let t_x = if x == 0.0 {
                0.0
            } else {
                age * random.uniform()
            };
            rows.0.push(x);
            rows.1.push(t_x);
            rows.2.push(age);
        }
        let (x, t_x, age) = rows;
        let bg = bg_nbd::BgNbd::new(0.243, 30.9, 0.793, 2.426).unwrap();
        let mbg = mbg_nbd::ModifiedBgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
        let mut out = vec![0.0; n];
        for model in [&bg as &(dyn TransactionModel + Sync), &mbg] {
            for t in [0.0, 52.0, 360.0] {
                let quantity = BatchQuantity::ExpectedPurchases { t };
                batch_parallel(
                    model,
                    quantity,
                    Validation::Lenient,
                    &x,
                    &t_x,
                    &age,
                    &mut out,
                )
                .unwrap();
                for row in 0..n {
                    let customer = Observation::new(x[row], t_x[row], age[row]).unwrap();
                    let want = model.expected_purchases(&customer, t).unwrap();
                    assert_eq!(out[row].to_bits(), want.to_bits(), "row {row}, t = {t}");
                }
                let mut one = vec![0.0; n];
                let lanes = batch_expected_lanes(model, t, &x, &t_x, &age, &mut one);
                assert_eq!(lanes, Some(Ok(())));
                assert_eq!(one, out);
            }
        }
    }

    #[test]
    #[cfg(feature = "std")]
    #[cfg_attr(miri, ignore)] // 40,000 rows on threads
    fn parallel_batch_equals_batch() {
        let model = bg_nbd::BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258).unwrap();
        let n = 40_000;
        // Customers with x = k mod 7 repeats, t_x = x weeks, T = 40 weeks.
        let x: Vec<f64> = (0..n).map(|k| f64::from(k % 7)).collect();
        let t_x = x.clone();
        let t = vec![40.0; x.len()];
        let (mut serial, mut parallel) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        let quantity = BatchQuantity::ExpectedPurchases { t: 10.0 };
        batch(
            &model,
            quantity,
            Validation::Strict,
            &x,
            &t_x,
            &t,
            &mut serial,
        )
        .unwrap();
        batch_parallel(
            &model,
            quantity,
            Validation::Strict,
            &x,
            &t_x,
            &t,
            &mut parallel,
        )
        .unwrap();
        assert_eq!(serial, parallel);
        // MBG/NBD (also memoised) and Pareto/NBD (not): the same values too.
        let mbg = mbg_nbd::ModifiedBgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
        let pareto = pareto_nbd::ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.669).unwrap();
        for model in [&mbg as &(dyn TransactionModel + Sync), &pareto] {
            batch(
                model,
                quantity,
                Validation::Strict,
                &x,
                &t_x,
                &t,
                &mut serial,
            )
            .unwrap();
            batch_parallel(
                model,
                quantity,
                Validation::Strict,
                &x,
                &t_x,
                &t,
                &mut parallel,
            )
            .unwrap();
            assert_eq!(serial, parallel);
        }
        // A bad horizon is reported as the plain batch reports it.
        let bad_horizon = BatchQuantity::ExpectedPurchases { t: -1.0 };
        assert_eq!(
            batch_parallel(
                &model,
                bad_horizon,
                Validation::Strict,
                &x,
                &t_x,
                &t,
                &mut parallel
            ),
            batch(
                &model,
                bad_horizon,
                Validation::Strict,
                &x,
                &t_x,
                &t,
                &mut serial
            )
        );
        // Row 30,001 is bad (recency after age): the error names that row.
        let mut bad = t_x.clone();
        bad[30_001] = 50.0;
        assert_eq!(
            batch_parallel(
                &model,
                quantity,
                Validation::Strict,
                &x,
                &bad,
                &t,
                &mut parallel
            ),
            Err(BatchError::Row {
                index: 30_001,
                error: ChurnError::RecencyAfterAge
            })
        );
    }

    #[test]
    fn observations_are_checked() {
        assert!(Observation::new(2.0, 30.43, 38.86).is_ok());
        assert!(Observation::new(0.0, 0.0, 0.0).is_ok());
        assert_eq!(
            Observation::new(f64::NAN, 0.0, 1.0),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            Observation::new(-1.0, 0.0, 1.0),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            Observation::new(1.5, 1.0, 2.0),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            Observation::new(1.0, 1.0, f64::INFINITY),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            Observation::new(1.0, 3.0, 2.0),
            Err(ChurnError::RecencyAfterAge)
        );
        // Beyond 1e7 periods: refused, whatever the value (lifetimes' 1e300 hung a fit).
        assert!(Observation::new(1e7, 1e7, 1e7).is_ok());
        for (x, t_x, big_t) in [(1e300, 2.0, 5.0), (2.0, 1.0, 1.5e7), (1e8, 0.0, 1.0)] {
            assert_eq!(
                Observation::new(x, t_x, big_t),
                Err(ChurnError::InvalidObservation)
            );
        }
        assert_eq!(
            Observation::new(0.0, 1.0, 2.0),
            Err(ChurnError::RecencyWithoutRepeat)
        );
        // lifetimes' rule accepts that one and refuses the others alike.
        let lenient = Observation::lenient(0.0, 1.0, 2.0).unwrap();
        assert_eq!(
            (lenient.frequency(), lenient.recency(), lenient.age()),
            (0.0, 1.0, 2.0)
        );
        assert_eq!(
            Observation::lenient(1.0, 3.0, 2.0),
            Err(ChurnError::RecencyAfterAge)
        );
        assert_eq!(
            Observation::lenient(0.5, 0.0, 2.0),
            Err(ChurnError::InvalidObservation)
        );
        assert_eq!(
            Validation::Strict.observe(0.0, 1.0, 2.0),
            Err(ChurnError::RecencyWithoutRepeat)
        );
        assert_eq!(Validation::Lenient.observe(0.0, 1.0, 2.0), Ok(lenient));
    }

    #[test]
    fn lenient_batches_apply_the_formulas_as_written() {
        // x = 0 with t_x = 10, T = 20, as lifetimes computes them (hand-worked from the
        // formulas of docs/churn.md): BG/NBD ignores the recency (P = 1); MBG/NBD reads it:
        // r = 0.5, α = 10, a = 1, b = 3: odds a/b · ((α+T)/(α+tₓ))^r = (1/3)·(30/20)^0.5 =
        // 0.408248, P = 1/1.408248 = 0.710102.
        let bg = bg_nbd::BgNbd::new(0.5, 10.0, 1.0, 3.0).unwrap();
        let mbg = mbg_nbd::ModifiedBgNbd::new(0.5, 10.0, 1.0, 3.0).unwrap();
        let (x, t_x, big_t) = ([0.0, 0.0], [10.0, 0.0], [20.0, 20.0]);
        let mut out = [0.0; 2];
        let lenient = Validation::Lenient;
        batch(
            &bg,
            BatchQuantity::PAlive,
            lenient,
            &x,
            &t_x,
            &big_t,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [1.0, 1.0]);
        batch(
            &mbg,
            BatchQuantity::PAlive,
            lenient,
            &x,
            &t_x,
            &big_t,
            &mut out,
        )
        .unwrap();
        assert!((out[0] - 0.710_102).abs() < 1e-6, "{out:?}");
        assert_eq!(
            batch(
                &mbg,
                BatchQuantity::PAlive,
                Validation::Strict,
                &x,
                &t_x,
                &big_t,
                &mut out
            ),
            Err(BatchError::Row {
                index: 0,
                error: ChurnError::RecencyWithoutRepeat
            })
        );
    }
}
