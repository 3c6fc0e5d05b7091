//! Loyalty rules in C: load (and verify) a rule-set blob into caller storage, evaluate a basket
//! into caller outcome storage, read the outcome through plain structs and arrays, refund.
//!
//! Memory: a loaded rule set is `rtn_rule_set` (16 KiB + 8 bytes), an outcome `rtn_outcome`
//! (4 KiB + 8 bytes); both are caller storage (a static on small firmware). Evaluation itself
//! keeps about 2–3 KiB on the stack and writes into the outcome storage directly: it never
//! holds a second outcome on the stack.
//!
//! By sub-API: [`load`] (load, verify and describe a rule set), [`evaluate`] (a basket in its
//! context, into an outcome), [`outcome`] (the outcome's readers), [`refund`] (returns and what
//! they claw back). The storage types and limits are here, where all of them see them.

use core::mem::MaybeUninit;

use retention_core::rules::{self, Outcome, RuleSet};

use crate::handle::opaque;

// In the order of the header, which lists functions module by module as declared here.
pub mod load;

pub mod evaluate;

pub mod outcome;

pub mod refund;

pub use evaluate::*;
pub use load::*;
pub use outcome::*;
pub use refund::*;

/// The largest rule-set blob in bytes (envelope and signature included).
pub const RTN_RULE_SET_MAX_LEN: usize = 13_151;
/// Bytes of an operator's Ed25519 public key (`rtn_rule_set_load`).
pub const RTN_RULE_SET_PUBLIC_KEY_LEN: usize = 32;
/// Bytes of a rule set's identity, the SHA-256 of its compiled content.
pub const RTN_RULE_SET_HASH_LEN: usize = 32;
/// Bytes of a rule set's name (UTF-8, without the terminating NUL).
pub const RTN_RULE_SET_NAME_MAX_LEN: usize = 48;
/// Bytes of `rtn_rule_set_info.name`: the longest name and its terminating NUL.
pub const RTN_RULE_SET_NAME_BUF_LEN: usize = 49;
/// Size of `rtn_rule_set` in 64-bit words (16 KiB and the type word).
pub const RTN_RULE_SET_STORAGE_WORDS: usize = 2_049;
/// Size of `rtn_outcome` in 64-bit words (4 KiB and the type word).
pub const RTN_OUTCOME_STORAGE_WORDS: usize = 513;
/// Lines per basket.
pub const RTN_RULES_MAX_LINES: usize = 32;
/// Rules per rule set, and so trace entries per outcome.
pub const RTN_RULES_MAX_RULES: usize = 64;
/// Line shares (attribution entries) per outcome.
pub const RTN_RULES_MAX_SHARES: usize = 96;
/// Nearest-miss hints per outcome (those of the first rules in evaluation order).
pub const RTN_RULES_MAX_HINTS: usize = 4;
/// Rewards granted per outcome.
pub const RTN_RULES_MAX_REWARDS: usize = 8;
/// Free-item entries per outcome.
pub const RTN_RULES_MAX_FREE_ITEMS: usize = 8;
/// Punch-card programs a rule set awards stamps to.
pub const RTN_RULES_MAX_PROGRAMS: usize = 4;
/// Coupons presented per sale.
pub const RTN_RULES_MAX_COUPONS: usize = 8;
/// The highest sales channel id.
pub const RTN_RULES_MAX_CHANNEL: u8 = 31;
/// The highest churn risk (thousandths).
pub const RTN_RULES_MAX_CHURN_RISK: i32 = 1_000;
/// `rtn_rules_context.churn_risk` when the customer's churn risk is not known.
pub const RTN_RULES_CHURN_RISK_UNKNOWN: i32 = -1;

const _: () = {
    assert!(RTN_RULE_SET_MAX_LEN == rules::RULE_SET_MAX_LEN);
    assert!(RTN_RULE_SET_PUBLIC_KEY_LEN == rules::PUBLIC_KEY_LEN);
    assert!(RTN_RULE_SET_NAME_MAX_LEN == rules::MAX_NAME_LEN);
    assert!(RTN_RULE_SET_NAME_BUF_LEN == RTN_RULE_SET_NAME_MAX_LEN + 1);
    assert!(RTN_RULES_MAX_LINES == rules::MAX_LINES);
    assert!(RTN_RULES_MAX_RULES == rules::MAX_RULES);
    assert!(RTN_RULES_MAX_SHARES == rules::MAX_SHARES);
    assert!(RTN_RULES_MAX_HINTS == rules::MAX_HINTS);
    assert!(RTN_RULES_MAX_REWARDS == rules::MAX_REWARDS);
    assert!(RTN_RULES_MAX_FREE_ITEMS == rules::MAX_FREE_ITEMS);
    assert!(RTN_RULES_MAX_PROGRAMS == rules::MAX_PROGRAMS);
    assert!(RTN_RULES_MAX_COUPONS == rules::MAX_COUPONS);
    assert!(RTN_RULES_MAX_CHANNEL == rules::MAX_CHANNEL);
    assert!(RTN_RULES_MAX_CHURN_RISK == rules::MAX_CHURN_RISK as i32);
};

/// A loaded, verified rule set in caller-owned storage
/// (`uint64_t opaque[RTN_RULE_SET_STORAGE_WORDS]`, 16 KiB + 8 bytes). Initialise it with
/// `rtn_rule_set_load`; read-only afterwards; copy it with `memcpy`; it needs no clean-up.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_rule_set {
    /// Opaque; only the SDK reads it.
    pub opaque: [MaybeUninit<u64>; RTN_RULE_SET_STORAGE_WORDS],
}

/// The outcome of an evaluation in caller-owned storage
/// (`uint64_t opaque[RTN_OUTCOME_STORAGE_WORDS]`, 4 KiB + 8 bytes): written by
/// `rtn_rules_evaluate`, read with the `rtn_outcome_*` functions. Keep it (with its
/// `rtn_returns`) for as long as the sale can be returned: refunds read its attribution.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_outcome {
    /// Opaque; only the SDK reads it.
    pub opaque: [MaybeUninit<u64>; RTN_OUTCOME_STORAGE_WORDS],
}

opaque!(rtn_rule_set: [RTN_RULE_SET_STORAGE_WORDS] holds RuleSet, magic b"rtnRULE1");
opaque!(rtn_outcome: [RTN_OUTCOME_STORAGE_WORDS] holds Outcome, magic b"rtnOUTC1");

#[cfg(test)]
mod tests;
