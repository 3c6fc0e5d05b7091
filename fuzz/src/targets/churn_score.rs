//! Model scoring from outside bytes: the input's first 24 bytes are a customer (purchases,
//! recency and age as three little-endian `f64`s, whatever values they hold), the rest a churn
//! model blob, also sealed into a fresh envelope (so the fuzzer reaches the model's values
//! without forging a CRC). Every accepted model scores the customer with a result or a specific
//! error, never a panic, and a result is in range: `p_alive` in [0, 1], the risk
//! `round(1000 · (1 − p_alive))`, expected purchases finite and not negative. The same blob
//! through the C API (`rtn_churn_score_blob`, with a one-purchase summary) answers a status,
//! never `RTN_PANIC`.

use retention_core::churn::Observation;
use retention_core::churn::model::ChurnModel;
use retention_core::envelope::{self, Kind};
use retention_ffi::{
    RTN_CHURN_GRAIN_DAY, rtn_churn_result, rtn_churn_score_blob, rtn_churn_summary,
    rtn_churn_summary_init, rtn_churn_summary_record_purchase, rtn_status,
};

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let (customer, blob) = data.split_at(data.len().min(24));
    let mut values = [0f64; 3];
    for (value, bytes) in values.iter_mut().zip(customer.chunks_exact(8)) {
        *value = f64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    }
    check(blob, values);
    let mut sealed = vec![0u8; blob.len() + 16];
    if let Ok(used) = envelope::encode_raw(Kind::Model, blob, None, &mut sealed) {
        check(&sealed[..used], values);
    }
}

fn check(blob: &[u8], [frequency, recency, age]: [f64; 3]) {
    if let Ok(model) = ChurnModel::decode(blob) {
        for customer in [
            Observation::new(frequency, recency, age),
            Observation::new(3.0, 10.0, 30.0),
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(score) = model.score(&customer, 1234.0) {
                assert!(
                    (0.0..=1.0).contains(&score.p_alive),
                    "p_alive {}",
                    score.p_alive
                );
                let risk = (1000.0 * (1.0 - score.p_alive)).round();
                assert_eq!(
                    f64::from(score.risk),
                    risk,
                    "risk of p_alive {}",
                    score.p_alive
                );
                assert!(
                    score.expected_purchases.is_finite() && score.expected_purchases >= 0.0,
                    "expected purchases {}",
                    score.expected_purchases
                );
            }
        }
    }
    // SAFETY: the summary and result are valid storage; `blob` is valid for its length.
    unsafe {
        let mut summary = std::mem::MaybeUninit::<rtn_churn_summary>::zeroed().assume_init();
        assert_eq!(
            rtn_churn_summary_init(RTN_CHURN_GRAIN_DAY, &mut summary),
            rtn_status::RTN_OK
        );
        let day = 86_400;
        assert_eq!(
            rtn_churn_summary_record_purchase(&mut summary, 20_000 * day, 0, 1500),
            rtn_status::RTN_OK
        );
        let mut result = std::mem::MaybeUninit::<rtn_churn_result>::zeroed().assume_init();
        let status = rtn_churn_score_blob(
            blob.as_ptr(),
            blob.len(),
            &summary,
            20_090 * day,
            0,
            &mut result,
        );
        assert_ne!(
            status,
            rtn_status::RTN_PANIC,
            "rtn_churn_score_blob panicked"
        );
        if status == rtn_status::RTN_OK {
            assert!(
                (0.0..=1.0).contains(&result.p_alive),
                "p_alive {}",
                result.p_alive
            );
        }
    }
}
