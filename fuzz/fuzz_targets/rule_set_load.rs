//! Arbitrary bytes into `RuleSet::load`, without and with a public key: it must return a rule
//! set or a specific error, never panic; an accepted unsigned blob re-encodes to the same bytes
//! (one rule set, one identity), and evaluating it on a small basket works or fails cleanly.
//! The bytes are tried as a whole blob, and as a payload sealed into a fresh envelope (so the
//! fuzzer reaches the payload checks without having to forge a CRC-32).
#![no_main]

use libfuzzer_sys::fuzz_target;
use retention_core::customer::CustomerRecord;
use retention_core::envelope::{self, Kind};
use retention_core::rules::{evaluate, Context, Line, LoadOptions, Outcome, RuleSet, RULE_SET_MAX_LEN};

/// The public key of the secret key [7; 32] (the seeds are unsigned; this checks the path).
fn public_key() -> [u8; 32] {
    RuleSet::public_key_of(&[7u8; 32])
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut sealed = vec![0u8; data.len() + 16];
    if let Ok(used) = envelope::encode_raw(Kind::RuleSet, data, None, &mut sealed) {
        check(&sealed[..used]);
    }
});

fn check(data: &[u8]) {
    let _ = RuleSet::load(data, &LoadOptions::new().public_key(public_key()));
    if let Ok(rules) = RuleSet::load(data, &LoadOptions::new()) {
        if data.get(6) == Some(&0) {
            let mut again = vec![0u8; RULE_SET_MAX_LEN];
            let used = rules.encode(&mut again).expect("an accepted rule set re-encodes");
            assert_eq!(&again[..used], data, "accepted blob is canonical");
        }
        let basket = [Line::new(1, 1, 2, 350), Line::new(2, 2, 1, 280), Line::new(3, 90, 1, 2000)];
        let mut outcome = Box::new(Outcome::new());
        let _ = evaluate(&rules, &basket, &CustomerRecord::new(), &Context::default(), &mut outcome);
    }
}
