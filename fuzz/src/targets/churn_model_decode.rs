//! Arbitrary bytes into the churn model decoder: it must return a model or a specific error,
//! never panic; an accepted model re-encodes to the same bytes and scores without panicking.

use retention_core::churn::Observation;
use retention_core::churn::model::{ChurnModel, MODEL_MAX_LEN};
use retention_core::churn::summary::ChurnSummary;

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    if let Ok(model) = ChurnModel::decode(data) {
        let mut again = [0u8; MODEL_MAX_LEN];
        let used = model
            .encode(&mut again)
            .expect("an accepted model re-encodes");
        assert_eq!(&again[..used], data, "accepted blob is canonical");
        let customer = Observation::new(3.0, 10.0, 30.0).expect("valid observation");
        let _ = model.score(&customer, 1234.0);
    }
    let _ = postcard::from_bytes::<ChurnSummary>(data);
}
