//! libFuzzer's entry into `retention_fuzz::targets::churn_score` (fuzz/src/targets/churn_score.rs,
//! where the target and what it checks are described; the replay test runs the same function).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| retention_fuzz::targets::churn_score::run(data));
