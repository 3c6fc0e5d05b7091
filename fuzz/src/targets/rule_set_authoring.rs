//! Arbitrary text into the JSON and TOML rule-set compilers: a rule set or an authoring error,
//! never a panic; an accepted document's blob loads back as the same rule set.

use retention_core::rules::{LoadOptions, RULE_SET_MAX_LEN, RuleSet};

fn check(compiled: Result<RuleSet, retention_core::rules::AuthoringError>) {
    match compiled {
        Ok(rules) => {
            let mut blob = vec![0u8; RULE_SET_MAX_LEN];
            let used = rules
                .encode(&mut blob)
                .expect("a compiled rule set encodes");
            let loaded = RuleSet::load(&blob[..used], &LoadOptions::new()).expect("and loads");
            assert_eq!(loaded, rules);
        }
        Err(error) => {
            assert!(!error.to_string().is_empty());
        }
    }
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(RuleSet::from_json(text));
    check(RuleSet::from_toml(text));
}
