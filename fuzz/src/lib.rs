//! The fuzz targets as plain functions: `fuzz_targets/NAME.rs` hands libFuzzer's input to
//! `targets::NAME::run`, and the replay test (`cargo test --manifest-path fuzz/Cargo.toml
//! --lib`, stable, no libFuzzer, run by the test command) feeds it every file of the committed
//! corpora (`fuzz/seeds/NAME/`; a campaign's working corpus, `fuzz/corpus/`, is not committed
//! and not replayed). A target that panics on a committed input fails the test command.

pub mod targets {
    pub mod account_decode;
    pub mod backtest;
    pub mod c_api_buffers;
    pub mod card_account_events;
    pub mod card_decode;
    pub mod churn_model_decode;
    pub mod churn_score;
    pub mod customer_decode;
    pub mod envelope_open;
    pub mod evaluate;
    pub mod rule_set_authoring;
    pub mod rule_set_load;
}

/// Every target, by the name of its `[[bin]]` and of its corpus directories.
pub const TARGETS: [(&str, fn(&[u8])); 12] = [
    ("account_decode", targets::account_decode::run),
    ("backtest", targets::backtest::run),
    ("c_api_buffers", targets::c_api_buffers::run),
    ("card_account_events", targets::card_account_events::run),
    ("card_decode", targets::card_decode::run),
    ("churn_model_decode", targets::churn_model_decode::run),
    ("churn_score", targets::churn_score::run),
    ("customer_decode", targets::customer_decode::run),
    ("envelope_open", targets::envelope_open::run),
    ("evaluate", targets::evaluate::run),
    ("rule_set_authoring", targets::rule_set_authoring::run),
    ("rule_set_load", targets::rule_set_load::run),
];

#[cfg(test)]
mod replay {
    use std::path::Path;

    /// Every committed input of every target, through the target's function.
    #[test]
    fn every_committed_corpus_replays_without_a_panic() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for (name, run) in super::TARGETS {
            let mut inputs = 0usize;
            {
                let dir = root.join("seeds").join(name);
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    panic!("{name}: no committed corpus ({})", dir.display());
                };
                let mut files: Vec<_> =
                    entries.map(|e| e.expect("a corpus entry").path()).collect();
                files.sort();
                for file in files {
                    let data = std::fs::read(&file).expect("a readable corpus file");
                    let outcome = std::panic::catch_unwind(|| run(&data));
                    assert!(outcome.is_ok(), "{name}: {} panics", file.display());
                    inputs += 1;
                }
            }
            assert!(
                inputs > 0,
                "{name}: no committed corpus (fuzz/seeds/{name}/)"
            );
            println!("replay: {name} {inputs} inputs");
        }
    }

    /// Every target has its libFuzzer entry and nothing else is listed.
    #[test]
    fn every_target_has_a_fuzz_binary() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
        for (name, _) in super::TARGETS {
            assert!(
                root.join("fuzz_targets")
                    .join(format!("{name}.rs"))
                    .exists(),
                "{name}"
            );
            assert!(
                manifest.contains(&format!("name = \"{name}\"")),
                "{name} in Cargo.toml"
            );
        }
        let bins = manifest.matches("[[bin]]").count();
        assert_eq!(
            bins,
            super::TARGETS.len(),
            "a [[bin]] without a TARGETS entry"
        );
    }
}
