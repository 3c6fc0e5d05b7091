//! Arbitrary bytes into `RuleSet::load`, without and with a public key: it must return a rule
//! set or a specific error, never panic; an accepted unsigned blob re-encodes to the same bytes
//! (one rule set, one identity), and evaluating it on a small basket works or fails cleanly.
//! The bytes are tried as a whole blob, and as a payload sealed into a fresh envelope (so the
//! fuzzer reaches the payload checks without having to forge a CRC-32). `RuleSet::load_into`
//! decodes in place into storage holding another set: it must give the same set as `load`,
//! keep the old set on errors found before the payload, and leave it empty after a payload
//! error — never half loaded.

use retention_core::customer::CustomerRecord;
use retention_core::envelope::DecodeError;
use retention_core::envelope::{self, Kind};
use retention_core::rules::{
    Context, Line, LoadError, LoadOptions, Outcome, RULE_SET_MAX_LEN, RuleSet, evaluate,
};

/// The set the in-place loads start from.
fn previous() -> &'static RuleSet {
    static PREVIOUS: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    PREVIOUS.get_or_init(|| {
        RuleSet::from_json(
            r#"{"name": "previous", "serial": 1, "rules": [{"id": 9, "name": "b",
                "effect": {"bonus_points": {"points": 5}}}]}"#,
        )
        .expect("the previous set compiles")
    })
}

/// The public key of the secret key [7; 32] (the seeds are unsigned; this checks the path).
fn public_key() -> [u8; 32] {
    RuleSet::public_key_of(&[7u8; 32])
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    check(data);
    let mut sealed = vec![0u8; data.len() + 16];
    if let Ok(used) = envelope::encode_raw(Kind::RuleSet, data, None, &mut sealed) {
        check(&sealed[..used]);
    }
}

fn check(data: &[u8]) {
    let _ = RuleSet::load(data, &LoadOptions::new().public_key(public_key()));
    let mut storage = Box::new(previous().clone());
    match (
        RuleSet::load_into(data, &LoadOptions::new(), &mut storage),
        RuleSet::load(data, &LoadOptions::new()),
    ) {
        (Ok(()), Ok(loaded)) => assert_eq!(*storage, loaded, "load_into = load"),
        (
            Err(LoadError::Decode(
                DecodeError::Payload | DecodeError::OverCapacity | DecodeError::OutOfRange,
            )),
            Err(_),
        ) => assert!(
            *storage == RuleSet::empty() || &*storage == previous(),
            "a payload error keeps the previous set (a malformed flag, signature or serial) \
             or empties the storage (a body that does not decode), never half loads"
        ),
        (Err(error), Err(again)) => {
            assert_eq!(error, again);
            assert_eq!(
                &*storage,
                previous(),
                "an early error keeps the previous set"
            );
        }
        (into, load) => panic!("load_into {into:?} but load {load:?}"),
    }
    if let Ok(rules) = RuleSet::load(data, &LoadOptions::new()) {
        if data.get(6) == Some(&0) {
            let mut again = vec![0u8; RULE_SET_MAX_LEN];
            let used = rules
                .encode(&mut again)
                .expect("an accepted rule set re-encodes");
            assert_eq!(&again[..used], data, "accepted blob is canonical");
        }
        let basket = [
            Line::new(1, 1, 2, 350),
            Line::new(2, 2, 1, 280),
            Line::new(3, 90, 1, 2000),
        ];
        let mut outcome = Box::new(Outcome::new());
        let _ = evaluate(
            &rules,
            &basket,
            &CustomerRecord::new(),
            &Context {
                event: retention_core::terminal::EventId::new(1, 1),
                ..Context::default()
            },
            &mut outcome,
        );
    }
}
