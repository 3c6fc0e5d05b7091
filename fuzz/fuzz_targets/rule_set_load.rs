//! libFuzzer's entry into `retention_fuzz::targets::rule_set_load` (fuzz/src/targets/rule_set_load.rs,
//! where the target and what it checks are described; the replay test runs the same function).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| retention_fuzz::targets::rule_set_load::run(data));
