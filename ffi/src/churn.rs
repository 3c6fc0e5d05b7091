//! Churn scoring in C: load a model blob, keep a customer's churn summary up to date with each
//! purchase, and score the customer (P(alive), churn risk and band, expected purchases, CLV,
//! RFM). Caller storage only; nothing allocates.

use core::mem::MaybeUninit;

use retention_core::churn::model::{
    ChurnModel, MODEL_HASH_LEN, MODEL_MAX_LEN, MODEL_TAGGED_MAX_LEN, PurchaseModel,
    PurchaseModelKind, Score,
};
use retention_core::churn::risk::RiskBand;
use retention_core::churn::summary::{ChurnSummary, Grain, TimeUnit};
use retention_core::churn::{Observation, TransactionModel};
use retention_core::envelope::Seal;
use retention_core::money::Money;

use crate::boundary;
#[cfg(feature = "rules")]
use crate::customer::rtn_customer;
use crate::handle::{In, InOut, InSlice, Out, opaque};
#[cfg(feature = "rules")]
use crate::rules::RTN_RULES_CHURN_RISK_UNKNOWN;
use crate::status::rtn_status;
use crate::terminal::local_day;

/// The longest churn model blob, in bytes.
pub const RTN_CHURN_MODEL_MAX_LEN: usize = 196;
/// The longest tagged churn model blob (`rtn_churn_model_load_tagged`), in bytes: 16 more.
pub const RTN_CHURN_MODEL_TAGGED_MAX_LEN: usize = 212;
/// Bytes of a churn model's hash (`rtn_churn_model_hash`), the pin a rule set names.
pub const RTN_CHURN_MODEL_HASH_LEN: usize = 32;
/// Words of `rtn_churn_model` storage.
pub const RTN_CHURN_MODEL_STORAGE_WORDS: usize = 40;
/// Words of `rtn_churn_summary` storage.
pub const RTN_CHURN_SUMMARY_STORAGE_WORDS: usize = 6;
/// Grain: purchases on one calendar day count once.
pub const RTN_CHURN_GRAIN_DAY: u8 = 0;
/// Grain: purchases in one ISO week (Monday to Sunday) count once.
pub const RTN_CHURN_GRAIN_WEEK: u8 = 1;
/// Grain: purchases in one calendar month count once.
pub const RTN_CHURN_GRAIN_MONTH: u8 = 2;
/// Purchase model: BG/NBD.
pub const RTN_CHURN_MODEL_BG_NBD: u8 = 0;
/// Purchase model: MBG/NBD.
pub const RTN_CHURN_MODEL_MBG_NBD: u8 = 1;
/// Purchase model: Pareto/NBD.
pub const RTN_CHURN_MODEL_PARETO_NBD: u8 = 2;
/// Purchase model: BG/BB (discrete time).
pub const RTN_CHURN_MODEL_BG_BB: u8 = 3;
/// Time unit: recency and age in days.
pub const RTN_CHURN_UNIT_DAYS: u8 = 0;
/// Time unit: recency and age in weeks of 7 days.
pub const RTN_CHURN_UNIT_WEEKS: u8 = 1;
/// Time unit: recency and age in months.
pub const RTN_CHURN_UNIT_MONTHS: u8 = 2;
/// The highest churn risk.
pub const RTN_CHURN_MAX_RISK: u16 = 1000;
/// Risk band below the model's first threshold.
pub const RTN_CHURN_BAND_LOW: u8 = 0;
/// Risk band from the first threshold.
pub const RTN_CHURN_BAND_MEDIUM: u8 = 1;
/// Risk band from the second threshold.
pub const RTN_CHURN_BAND_HIGH: u8 = 2;
/// Risk band from the third threshold.
pub const RTN_CHURN_BAND_CRITICAL: u8 = 3;

// cbindgen copies literals; these asserts keep them equal to the core's values and codes.
const _: () = {
    assert!(RTN_CHURN_MODEL_MAX_LEN == MODEL_MAX_LEN);
    assert!(RTN_CHURN_MODEL_TAGGED_MAX_LEN == MODEL_TAGGED_MAX_LEN);
    assert!(RTN_CHURN_MODEL_HASH_LEN == MODEL_HASH_LEN);
    #[cfg(feature = "rules")]
    assert!(RTN_CHURN_MODEL_HASH_LEN == crate::rules::RTN_RULE_SET_HASH_LEN);
    assert!(RTN_CHURN_MAX_RISK == retention_core::churn::risk::MAX_RISK);
    assert!(RTN_CHURN_GRAIN_DAY == Grain::Day.code());
    assert!(RTN_CHURN_GRAIN_WEEK == Grain::Week.code());
    assert!(RTN_CHURN_GRAIN_MONTH == Grain::Month.code());
    assert!(Grain::ALL.len() == 3);
    assert!(RTN_CHURN_MODEL_BG_NBD == PurchaseModelKind::BgNbd.code());
    assert!(RTN_CHURN_MODEL_MBG_NBD == PurchaseModelKind::ModifiedBgNbd.code());
    assert!(RTN_CHURN_MODEL_PARETO_NBD == PurchaseModelKind::ParetoNbd.code());
    assert!(RTN_CHURN_MODEL_BG_BB == PurchaseModelKind::BetaGeoBetaBinom.code());
    assert!(PurchaseModelKind::ALL.len() == 4);
    assert!(RTN_CHURN_UNIT_DAYS == TimeUnit::Days.code());
    assert!(RTN_CHURN_UNIT_WEEKS == TimeUnit::Weeks.code());
    assert!(RTN_CHURN_UNIT_MONTHS == TimeUnit::Months.code());
    assert!(TimeUnit::ALL.len() == 3);
    assert!(RTN_CHURN_BAND_LOW == RiskBand::Low.code());
    assert!(RTN_CHURN_BAND_MEDIUM == RiskBand::Medium.code());
    assert!(RTN_CHURN_BAND_HIGH == RiskBand::High.code());
    assert!(RTN_CHURN_BAND_CRITICAL == RiskBand::Critical.code());
    assert!(RiskBand::ALL.len() == 4);
};

/// A loaded churn model, in caller storage (`rtn_churn_model_load`). May be copied with
/// `memcpy`; needs no clean-up.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_churn_model {
    /// Opaque; 8-byte aligned.
    pub opaque: [MaybeUninit<u64>; RTN_CHURN_MODEL_STORAGE_WORDS],
}

/// A customer's churn summary (first and last purchase periods, repeat purchases and their
/// spend), in caller storage (`rtn_churn_summary_init`). May be copied with `memcpy`.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_churn_summary {
    /// Opaque; 8-byte aligned.
    pub opaque: [MaybeUninit<u64>; RTN_CHURN_SUMMARY_STORAGE_WORDS],
}

/// What a model says about a customer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct rtn_churn_result {
    /// Probability the customer is still active, 0..1.
    pub p_alive: f64,
    /// Expected purchases over the model's horizon.
    pub expected_purchases: f64,
    /// Customer lifetime value in minor units (cents); 0 when `has_clv` is false.
    pub clv_minor: i64,
    /// Churn risk round(1000 * (1 - p_alive)), 0..=`RTN_CHURN_MAX_RISK`.
    pub risk: u16,
    /// `RTN_CHURN_BAND_*`: the risk's band under the model's thresholds.
    pub band: u8,
    /// True when the model has a spend model and `clv_minor` is set.
    pub has_clv: bool,
    /// RFM scores 1..=5 (0 when the model has no RFM cut points).
    pub rfm_recency: u8,
    /// RFM frequency score 1..=5, or 0.
    pub rfm_frequency: u8,
    /// RFM monetary score 1..=5, or 0.
    pub rfm_monetary: u8,
    /// RFM segment 1..=11 (champions = 1, ..., lost = 11; see docs/churn.md), or 0.
    pub rfm_segment: u8,
}

/// What a loaded model is: which purchase model, the grain its customers' summaries must
/// have, and the unit its recency and age are measured in (`rtn_churn_model_describe`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_churn_model_info {
    /// `RTN_CHURN_MODEL_*`: BG/NBD, MBG/NBD, Pareto/NBD or BG/BB.
    pub kind: u8,
    /// `RTN_CHURN_GRAIN_*`: purchases on one day, in one ISO week or in one month count once.
    /// A summary of another grain is `RTN_CHURN_GRAIN_MISMATCH` when scored.
    pub grain: u8,
    /// `RTN_CHURN_UNIT_*`: days, weeks or months.
    pub time_unit: u8,
}

opaque!(rtn_churn_model: [RTN_CHURN_MODEL_STORAGE_WORDS] holds ChurnModel, magic b"rtnCHRM1");
opaque!(rtn_churn_summary: [RTN_CHURN_SUMMARY_STORAGE_WORDS] holds ChurnSummary, magic b"rtnCHRS1");

impl From<Score> for rtn_churn_result {
    fn from(score: Score) -> rtn_churn_result {
        let (rfm_recency, rfm_frequency, rfm_monetary, rfm_segment) = match score.rfm {
            Some((rfm, segment)) => (rfm.recency, rfm.frequency, rfm.monetary, segment as u8),
            None => (0, 0, 0, 0),
        };
        rtn_churn_result {
            p_alive: score.p_alive,
            expected_purchases: score.expected_purchases,
            clv_minor: score.clv.map_or(0, Money::minor),
            risk: score.risk,
            band: score.band.code(),
            has_clv: score.clv.is_some(),
            rfm_recency,
            rfm_frequency,
            rfm_monetary,
            rfm_segment,
        }
    }
}

/// Writes what the loaded model `*model` is to `*info_out`: its purchase model, grain and time
/// unit.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED` (`*model` not loaded). On error
/// `*info_out` is not written.
///
/// # Safety
/// `model` must be NULL or valid; `info_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_model_describe(
    model: *const rtn_churn_model,
    info_out: *mut rtn_churn_model_info,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (model, info_out) = unsafe { (In::new(model), Out::new(info_out)) };
        let info_out = info_out.required()?;
        let model = model.value()?;
        let periods = model.periods();
        info_out.write(rtn_churn_model_info {
            kind: model.purchases().kind().code(),
            grain: periods.grain.code(),
            time_unit: periods.unit.code(),
        });
        Ok(())
    })
}

/// Reads an untagged churn model blob (`RTN_KIND_MODEL`) into `*model_out`, checking the
/// envelope and every value.
///
/// **Integrity against accidents only:** the CRC-32 catches a torn write or a bad read, not an
/// edit — anyone can change a parameter and recompute the CRC, and the till then scores every
/// customer with another model. In production, tag models with the operator's key and load
/// them with `rtn_churn_model_load_tagged`, and pin the model in the rule set (`churn_model`
/// in the rule document; `rtn_churn_model_hash`).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`blob` or `model_out` NULL); `RTN_INVALID_ARGUMENT` (a
/// length beyond `PTRDIFF_MAX`, such as `SIZE_MAX`); the decode errors `RTN_DECODE_TRUNCATED`,
/// `RTN_DECODE_BAD_MAGIC`, `RTN_DECODE_UNKNOWN_KIND`, `RTN_DECODE_WRONG_KIND` (another kind,
/// a tagged model among them: load it with `rtn_churn_model_load_tagged`),
/// `RTN_DECODE_UNSUPPORTED_VERSION`, `RTN_DECODE_LENGTH_MISMATCH`, `RTN_DECODE_BAD_CHECKSUM`,
/// `RTN_DECODE_PAYLOAD`, `RTN_DECODE_OUT_OF_RANGE` (a parameter out of its domain, thresholds not
/// increasing, ...). On error `*model_out` is unchanged.
///
/// # Safety
/// `blob` must hold `blob_len` readable bytes; a non-NULL `model_out` must be valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_model_load(
    blob: *const u8,
    blob_len: usize,
    model_out: *mut rtn_churn_model,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (blob, model_out) = unsafe { (InSlice::new(blob, blob_len), Out::new(model_out)) };
        let model_out = model_out.required()?;
        model_out.init(ChurnModel::decode(blob.get()?)?);
        Ok(())
    })
}

/// Reads a tagged churn model blob (`RTN_KIND_MODEL_TAGGED`, at most
/// `RTN_CHURN_MODEL_TAGGED_MAX_LEN` bytes) into `*model_out`: the checks of
/// `rtn_churn_model_load`, plus its HMAC-SHA256 tag under the operator's `key` (`key_len` ≥
/// `RTN_KEY_MIN_LEN` bytes; the tag's context is empty). Any edit of the blob, even with its
/// CRC recomputed, is `RTN_DECODE_BAD_TAG`; an untagged model is `RTN_DECODE_WRONG_KIND`, so a
/// till holding the key takes tagged models only.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`blob`, `key` or `model_out` NULL);
/// `RTN_INVALID_ARGUMENT` (a length beyond `PTRDIFF_MAX`, such as `SIZE_MAX`);
/// `RTN_KEY_TOO_SHORT`; `RTN_DECODE_TRUNCATED`; `RTN_DECODE_BAD_MAGIC`;
/// `RTN_DECODE_UNKNOWN_KIND`; `RTN_DECODE_WRONG_KIND` (untagged, or another kind);
/// `RTN_DECODE_UNSUPPORTED_VERSION`; `RTN_DECODE_LENGTH_MISMATCH`; `RTN_DECODE_BAD_CHECKSUM`;
/// `RTN_DECODE_BAD_TAG` (another key, an edited blob, or damage inside the tag);
/// `RTN_DECODE_PAYLOAD`; `RTN_DECODE_OUT_OF_RANGE`. On error `*model_out` is unchanged.
///
/// # Safety
/// `blob` must hold `blob_len` readable bytes and `key` `key_len`; a non-NULL `model_out` must
/// be valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_model_load_tagged(
    blob: *const u8,
    blob_len: usize,
    key: *const u8,
    key_len: usize,
    model_out: *mut rtn_churn_model,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (blob, key, model_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                InSlice::new(key, key_len),
                Out::new(model_out),
            )
        };
        let model_out = model_out.required()?;
        let (blob, key) = (blob.get()?, key.get()?);
        Seal::new(key, &[])?;
        model_out.init(ChurnModel::decode_tagged(blob, key)?);
        Ok(())
    })
}

/// Writes the hash of the loaded model `*model` to `hash_out` (`RTN_CHURN_MODEL_HASH_LEN`
/// bytes): the SHA-256 of its payload as the SDK writes it (the bytes between the blob's
/// 6-byte header and its CRC; the same for the tagged and the untagged blob). It is the pin a
/// rule set names (`churn_model` in the rule document): copy it into
/// `rtn_rules_context.churn_model_hash` with every risk this model gives, since a pinned
/// rule set refuses a risk without its model's hash (`RTN_RULES_CHURN_MODEL_NOT_PINNED`).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED` (`*model` not loaded). On error
/// `hash_out` is not written.
///
/// # Safety
/// `model` must be NULL or valid; `hash_out` NULL or valid for writes of
/// `RTN_CHURN_MODEL_HASH_LEN` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_model_hash(
    model: *const rtn_churn_model,
    hash_out: *mut [u8; RTN_CHURN_MODEL_HASH_LEN],
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (model, hash_out) = unsafe { (In::new(model), Out::new(hash_out)) };
        let hash_out = hash_out.required()?;
        let model = model.value()?;
        // A loaded model was decoded, so it encodes: an error here is a bug.
        let hash = model.hash().map_err(|_| rtn_status::RTN_INTERNAL)?;
        hash_out.write(hash);
        Ok(())
    })
}

/// Starts an empty churn summary whose purchases collapse by `grain` (`RTN_CHURN_GRAIN_DAY`,
/// `RTN_CHURN_GRAIN_WEEK` or `RTN_CHURN_GRAIN_MONTH`; it must match the model's).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (unknown grain).
///
/// # Safety
/// A non-NULL `summary_out` must be valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_summary_init(
    grain: u8,
    summary_out: *mut rtn_churn_summary,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `summary_out` is as the `# Safety` section above promises.
        let summary_out = unsafe { Out::new(summary_out) }.required()?;
        let grain = Grain::from_code(grain).ok_or(rtn_status::RTN_INVALID_ARGUMENT)?;
        summary_out.init(ChurnSummary::new(grain));
        Ok(())
    })
}

/// Records a purchase of `amount_minor` (cents, ≥ 0) at `unix_seconds` (local day at
/// `utc_offset_minutes`) in `*summary`, in O(1). Purchases must come in order; one in the same
/// period as the last is added to it.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT` (offset
/// beyond ±18:00 or time outside the years 1900–9999); `RTN_CHURN_NEGATIVE_AMOUNT`;
/// `RTN_CHURN_OUT_OF_ORDER`; `RTN_OVERFLOW`. On error `*summary` is unchanged.
///
/// # Safety
/// A non-NULL `summary` must be valid and not accessed by anyone else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_summary_record_purchase(
    summary: *mut rtn_churn_summary,
    unix_seconds: i64,
    utc_offset_minutes: i16,
    amount_minor: i64,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `summary` is as the `# Safety` section above promises.
        let summary = unsafe { InOut::new(summary) }.value_mut()?;
        let day = local_day(unix_seconds, utc_offset_minutes, None)?;
        summary.record_purchase(day, Money::from_minor(amount_minor))?;
        Ok(())
    })
}

/// Scores `*summary` under `model` on the local day of `now_unix_seconds` into `*score_out`
/// (the body of `rtn_churn_score` and `rtn_churn_score_blob`).
fn score_into(
    model: &ChurnModel,
    summary: In<'_, rtn_churn_summary>,
    now_unix_seconds: i64,
    utc_offset_minutes: i16,
    score_out: Out<'_, rtn_churn_result>,
) -> Result<(), rtn_status> {
    let score_out = score_out.required()?;
    let summary = summary.value()?;
    let today = local_day(now_unix_seconds, utc_offset_minutes, None)?;
    score_out.write(model.score_summary(summary, today)?.into());
    Ok(())
}

/// Scores the customer of `*summary` on the local day of `now_unix_seconds` under `*model`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED` (model or summary);
/// `RTN_INVALID_ARGUMENT` (offset or time out of range); `RTN_CHURN_GRAIN_MISMATCH`;
/// `RTN_CHURN_NO_PURCHASES`; `RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE`;
/// `RTN_CHURN_NO_CONVERGENCE`; `RTN_CHURN_NOT_FINITE`; `RTN_OVERFLOW` (CLV beyond int64).
/// `*score_out` is written only on success.
///
/// # Safety
/// Non-NULL pointers must be valid; `score_out` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_score(
    model: *const rtn_churn_model,
    summary: *const rtn_churn_summary,
    now_unix_seconds: i64,
    utc_offset_minutes: i16,
    score_out: *mut rtn_churn_result,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (model, summary, score_out) =
            unsafe { (In::new(model), In::new(summary), Out::new(score_out)) };
        score_into(
            model.value()?,
            summary,
            now_unix_seconds,
            utc_offset_minutes,
            score_out,
        )
    })
}

/// The churn risk of the customer `*customer` on the local day of `now_unix_seconds` under
/// `*model`, from the record's churn summary, written to `*risk_out` ready for
/// `rtn_rules_context.churn_risk`: 0..=`RTN_CHURN_MAX_RISK`, or `RTN_RULES_CHURN_RISK_UNKNOWN`
/// (-1) for a customer with no recorded purchase (unknown, not 0: the churn-risk condition
/// then fails).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED` (model or customer);
/// `RTN_INVALID_ARGUMENT` (offset or time out of range); `RTN_CHURN_GRAIN_MISMATCH` (the
/// record's summary has another grain than the model: re-grain it with
/// `rtn_customer_set_churn` while empty); `RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE` (the till's
/// clock is behind the record); `RTN_CHURN_NO_CONVERGENCE`; `RTN_CHURN_NOT_FINITE`.
/// `*risk_out` is written only on success.
///
/// # Safety
/// Non-NULL pointers must be valid; `risk_out` valid for a write.
#[cfg(feature = "rules")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_risk_of_customer(
    model: *const rtn_churn_model,
    customer: *const rtn_customer,
    now_unix_seconds: i64,
    utc_offset_minutes: i16,
    risk_out: *mut i32,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (model, customer, risk_out) =
            unsafe { (In::new(model), In::new(customer), Out::new(risk_out)) };
        let risk_out = risk_out.required()?;
        let (model, record) = (model.value()?, customer.value()?);
        let today = local_day(now_unix_seconds, utc_offset_minutes, None)?;
        let risk = model
            .risk_of(&record.churn, today)?
            .map_or(RTN_RULES_CHURN_RISK_UNKNOWN, i32::from);
        risk_out.write(risk);
        Ok(())
    })
}

/// As `rtn_churn_score`, straight from a model blob (decoded on the stack, not kept).
///
/// Returns the statuses of `rtn_churn_model_load` and of `rtn_churn_score`.
///
/// # Safety
/// `blob` must hold `blob_len` readable bytes; other pointers as `rtn_churn_score`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_score_blob(
    blob: *const u8,
    blob_len: usize,
    summary: *const rtn_churn_summary,
    now_unix_seconds: i64,
    utc_offset_minutes: i16,
    score_out: *mut rtn_churn_result,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (blob, summary, score_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(summary),
                Out::new(score_out),
            )
        };
        let model = ChurnModel::decode(blob.get()?)?;
        score_into(
            &model,
            summary,
            now_unix_seconds,
            utc_offset_minutes,
            score_out,
        )
    })
}

/// Scores a customer given directly by `frequency` (repeat purchase periods), `recency` and
/// `age` in the model's time unit, and their mean repeat spend in minor units.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`;
/// `RTN_CHURN_INVALID_OBSERVATION` (NaN, negative, fractional frequency);
/// `RTN_CHURN_RECENCY_AFTER_AGE`; `RTN_CHURN_RECENCY_WITHOUT_REPEAT`; `RTN_INVALID_ARGUMENT`
/// (spend NaN or negative); `RTN_CHURN_NO_CONVERGENCE`; `RTN_CHURN_NOT_FINITE`; `RTN_OVERFLOW`.
///
/// # Safety
/// Non-NULL pointers must be valid; `score_out` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_score_observation(
    model: *const rtn_churn_model,
    frequency: f64,
    recency: f64,
    age: f64,
    mean_spend_minor: f64,
    score_out: *mut rtn_churn_result,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (model, score_out) = unsafe { (In::new(model), Out::new(score_out)) };
        let score_out = score_out.required()?;
        let model = model.value()?;
        let customer = Observation::new(frequency, recency, age)?;
        score_out.write(model.score(&customer, mean_spend_minor)?.into());
        Ok(())
    })
}

/// Expected purchases of a customer (`frequency`, `recency`, `age` in the model's time unit)
/// over the next `periods` time units, into `*expected_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_CHURN_INVALID_OBSERVATION`;
/// `RTN_CHURN_RECENCY_AFTER_AGE`; `RTN_CHURN_RECENCY_WITHOUT_REPEAT`; `RTN_INVALID_ARGUMENT`
/// (`periods` NaN or negative); `RTN_CHURN_NO_CONVERGENCE`; `RTN_CHURN_NOT_FINITE`.
///
/// # Safety
/// Non-NULL pointers must be valid; `expected_out` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_expected_purchases(
    model: *const rtn_churn_model,
    frequency: f64,
    recency: f64,
    age: f64,
    periods: f64,
    expected_out: *mut f64,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (model, expected_out) = unsafe { (In::new(model), Out::new(expected_out)) };
        let expected_out = expected_out.required()?;
        let model = model.value()?;
        let customer = Observation::new(frequency, recency, age)?;
        expected_out.write(model.purchases().expected_purchases(&customer, periods)?);
        Ok(())
    })
}

/// BG/BB: the probability that a customer is still alive at purchase opportunity
/// `n_periods + m_periods`, into `*p_alive_out` (0..1; Fader, Hardie and Shang 2010, eq. 11 for
/// `m_periods` = 1, the "P(alive in the next period)" that `rtn_churn_score_observation`
/// reports; 0 is P(alive at the last opportunity observed)). `*model` must hold a BG/BB model
/// (`BetaGeoBetaBinomFitter.to_bytes` in Python), which counts one opportunity per period of
/// its grain. `frequency` x (opportunities with a repeat purchase), `recency` t_x (the
/// opportunity of the last purchase, 0 if none) and `n_periods` n (opportunities observed
/// since the first purchase) are whole with `0 <= x <= t_x <= n <= 100000` and t_x = 0 when
/// x = 0; `m_periods` is whole or not, finite and `>= 0`. At most n − t_x terms are summed
/// (100,000 at most); no allocation.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT` (the
/// model is not BG/BB, or `m_periods` NaN, infinite or negative);
/// `RTN_CHURN_INVALID_OBSERVATION` (NaN, negative or fractional x, t_x or n);
/// `RTN_CHURN_RECENCY_AFTER_AGE` (t_x > n); `RTN_CHURN_RECENCY_WITHOUT_REPEAT`;
/// `RTN_CHURN_FREQUENCY_ABOVE_RECENCY`; `RTN_CHURN_TOO_MANY_PERIODS` (n above 100,000);
/// `RTN_CHURN_NOT_FINITE`. `*p_alive_out` is written only on success.
///
/// # Safety
/// Non-NULL pointers must be valid; `p_alive_out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_churn_bg_bb_p_alive(
    model: *const rtn_churn_model,
    frequency: f64,
    recency: f64,
    n_periods: f64,
    m_periods: f64,
    p_alive_out: *mut f64,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (model, p_alive_out) = unsafe { (In::new(model), Out::new(p_alive_out)) };
        let p_alive_out = p_alive_out.required()?;
        let PurchaseModel::BetaGeoBetaBinom(bg_bb) = model.value()?.purchases() else {
            return Err(rtn_status::RTN_INVALID_ARGUMENT);
        };
        let customer = Observation::new(frequency, recency, n_periods)?;
        p_alive_out.write(bg_bb.p_alive_at(&customer, m_periods)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use retention_core::churn::model::PurchaseModel;
    use retention_core::churn::pareto_nbd::ParetoNbd;
    use retention_core::churn::summary::Periods;

    fn blob() -> ([u8; MODEL_MAX_LEN], usize) {
        let model = ChurnModel::new(
            PurchaseModel::ParetoNbd(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.669).unwrap()),
            Periods::DAYS_IN_WEEKS,
        );
        let mut buf = [0u8; MODEL_MAX_LEN];
        let used = model.encode(&mut buf).unwrap();
        (buf, used)
    }

    #[test]
    fn load_record_and_score() {
        let (buf, used) = blob();
        let mut model = rtn_churn_model {
            opaque: [MaybeUninit::new(0); RTN_CHURN_MODEL_STORAGE_WORDS],
        };
        let mut summary = rtn_churn_summary {
            opaque: [MaybeUninit::new(0); RTN_CHURN_SUMMARY_STORAGE_WORDS],
        };
        let mut score = rtn_churn_result::default();
        // SAFETY: every pointer is valid for its use.
        unsafe {
            assert_eq!(
                rtn_churn_score(&model, &summary, 0, 0, &mut score),
                rtn_status::RTN_UNINITIALIZED
            );
            let mut info = rtn_churn_model_info {
                kind: 9,
                grain: 9,
                time_unit: 9,
            };
            assert_eq!(
                rtn_churn_model_describe(&model, &mut info),
                rtn_status::RTN_UNINITIALIZED
            );
            assert_eq!(info.kind, 9);
            assert_eq!(
                rtn_churn_model_load(buf.as_ptr(), used, &mut model),
                rtn_status::RTN_OK
            );
            // Pareto/NBD on daily purchases, times in weeks (`Periods::DAYS_IN_WEEKS`).
            assert_eq!(
                rtn_churn_model_describe(&model, &mut info),
                rtn_status::RTN_OK
            );
            assert_eq!(
                info,
                rtn_churn_model_info {
                    kind: RTN_CHURN_MODEL_PARETO_NBD,
                    grain: RTN_CHURN_GRAIN_DAY,
                    time_unit: RTN_CHURN_UNIT_WEEKS,
                }
            );
            assert_eq!(
                rtn_churn_model_describe(&model, core::ptr::null_mut()),
                rtn_status::RTN_NULL_PARAMETER
            );
            assert_eq!(
                rtn_churn_summary_init(RTN_CHURN_GRAIN_DAY, &mut summary),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_churn_score(&model, &summary, 0, 0, &mut score),
                rtn_status::RTN_CHURN_NO_PURCHASES
            );
            assert_eq!(
                rtn_churn_summary_record_purchase(&mut summary, 86_400 * 100, 0, 1_250),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_churn_summary_record_purchase(&mut summary, 86_400 * 99, 0, 1_250),
                rtn_status::RTN_CHURN_OUT_OF_ORDER
            );
            assert_eq!(
                rtn_churn_score(&model, &summary, 86_400 * 282, 0, &mut score),
                rtn_status::RTN_OK
            );
            // A one-time buyer 26 weeks later: real risk under Pareto/NBD.
            assert!(score.risk > 500 && !score.has_clv);
            let mut direct = rtn_churn_result::default();
            assert_eq!(
                rtn_churn_score_observation(&model, 0.0, 0.0, 26.0, 0.0, &mut direct),
                rtn_status::RTN_OK
            );
            assert_eq!(direct, score);
            assert_eq!(
                rtn_churn_score_observation(&model, 0.0, 1.0, 26.0, 0.0, &mut direct),
                rtn_status::RTN_CHURN_RECENCY_WITHOUT_REPEAT
            );
            let mut from_blob = rtn_churn_result::default();
            assert_eq!(
                rtn_churn_score_blob(
                    buf.as_ptr(),
                    used,
                    &summary,
                    86_400 * 282,
                    0,
                    &mut from_blob
                ),
                rtn_status::RTN_OK
            );
            assert_eq!(from_blob, score);
            let mut weekly = rtn_churn_summary {
                opaque: [MaybeUninit::new(0); RTN_CHURN_SUMMARY_STORAGE_WORDS],
            };
            assert_eq!(
                rtn_churn_summary_init(RTN_CHURN_GRAIN_WEEK, &mut weekly),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_churn_summary_record_purchase(&mut weekly, 0, 0, 1),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_churn_score(&model, &weekly, 86_400, 0, &mut score),
                rtn_status::RTN_CHURN_GRAIN_MISMATCH
            );
            assert_eq!(
                rtn_churn_summary_init(7, &mut weekly),
                rtn_status::RTN_INVALID_ARGUMENT
            );
            let mut expected = 0.0;
            assert_eq!(
                rtn_churn_expected_purchases(&model, 2.0, 30.43, 38.86, -1.0, &mut expected),
                rtn_status::RTN_INVALID_ARGUMENT
            );
            assert_eq!(
                rtn_churn_model_load(buf.as_ptr(), used - 1, &mut model),
                rtn_status::RTN_DECODE_TRUNCATED
            );
            assert_eq!(
                rtn_churn_model_load(core::ptr::null(), used, &mut model),
                rtn_status::RTN_NULL_PARAMETER
            );
        }
    }
}
