//! Every capacity of the rule engine in one place: what a rule set, a basket and an outcome
//! hold. A document or basket over a capacity is refused with an error, never truncated.

// --- a rule set ---

/// Rules per rule set.
pub const MAX_RULES: usize = 64;
/// Conditions per rule (all must hold).
pub const MAX_CONDITIONS_PER_RULE: usize = 8;
/// Conditions in a whole rule set.
pub const MAX_CONDITIONS: usize = 192;
/// Distinct item selectors in a rule set (identical selectors are stored once).
pub const MAX_SELECTORS: usize = 48;
/// Ids (SKUs, categories, stores) in one list: "SKUs per selector".
pub const MAX_LIST_LEN: usize = 64;
/// Ids in all lists of a rule set together (identical lists are stored once).
pub const MAX_IDS: usize = 512;
/// Exclusive groups per rule set.
pub const MAX_GROUPS: usize = 16;
/// Punch-card programs a rule set awards stamps to.
pub const MAX_PROGRAMS: usize = 4;
/// Usage limits per rule.
pub const MAX_LIMITS_PER_RULE: usize = 2;
/// Bytes of a rule's name (UTF-8).
pub const MAX_NAME_LEN: usize = 48;
/// Bytes of all names of a rule set together.
pub const MAX_TEXT_LEN: usize = 1_536;
/// Tier levels per policy.
pub const MAX_TIERS: usize = 8;

// --- a basket ---

/// Lines per basket.
pub const MAX_LINES: usize = 32;
/// Coupons presented per transaction.
pub const MAX_COUPONS: usize = 8;

// --- an outcome ---

/// Line shares (rule → line → amount) an outcome holds. A basket needing more is refused with
/// `EvalError::Capacity`, never truncated; `earning rules × lines ≤ 96` always fits.
pub const MAX_SHARES: usize = 96;
/// Nearest-miss hints per outcome: those of the first rules in evaluation order are kept.
pub const MAX_HINTS: usize = 4;
/// Rewards granted per outcome.
pub const MAX_REWARDS: usize = 8;
/// Free-item entries (rule, line, units) per outcome.
pub const MAX_FREE_ITEMS: usize = 8;
