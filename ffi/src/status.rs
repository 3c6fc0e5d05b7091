//! Status codes: what every C API function returns.

use core::ffi::{CStr, c_char};

use retention_core::envelope::{DecodeError, EncodeError, KeyError};
use retention_core::money::Overflow;

use crate::boundary;

/// The result of every `rtn_*` function. `RTN_OK` is 0; every other value is an error.
///
/// Values are part of the ABI: they are never renumbered, and retired values are never reused.
/// Ranges: 1–99 general, 100–199 blobs and keys, 200–299 rules, 300–399 punch cards,
/// 400–499 points accounts, 500–599 churn models. `rtn_status_str` names any value.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum rtn_status {
    /// Success.
    RTN_OK = 0,
    /// A required pointer argument was NULL. Nothing was written.
    RTN_NULL_PARAMETER = 1,
    /// An output buffer is too small. Nothing was written; the header's `RTN_*_MAX_LEN`
    /// constants size buffers for the worst case.
    RTN_BUFFER_TOO_SMALL = 2,
    /// An argument is outside its documented range (an unknown kind, a length beyond
    /// `PTRDIFF_MAX`, ...).
    RTN_INVALID_ARGUMENT = 3,
    /// A panic was caught at the boundary: a bug in the SDK, please report it. Host builds only.
    RTN_PANIC = 4,
    /// A state the SDK believes impossible: a bug in the SDK, please report it.
    RTN_INTERNAL = 5,
    /// An amount, count or balance would overflow its type; nothing was changed.
    RTN_OVERFLOW = 6,
    /// Opaque storage was not initialised by its `rtn_*_init` or `rtn_*_load` function.
    RTN_UNINITIALIZED = 7,

    /// The blob ends early.
    RTN_DECODE_TRUNCATED = 100,
    /// The blob does not start with the magic bytes "RT": not a Retention blob.
    RTN_DECODE_BAD_MAGIC = 101,
    /// The blob's kind byte names no known kind.
    RTN_DECODE_UNKNOWN_KIND = 102,
    /// The blob is of another kind than the function reads (a card given as an account).
    RTN_DECODE_WRONG_KIND = 103,
    /// The blob's format version is not one this build reads (written by a newer SDK).
    RTN_DECODE_UNSUPPORTED_VERSION = 104,
    /// The blob is longer than its header declares.
    RTN_DECODE_LENGTH_MISMATCH = 105,
    /// The blob's CRC-32 does not match: corrupt (a torn write, a bad read).
    RTN_DECODE_BAD_CHECKSUM = 106,
    /// The blob's authentication tag does not match: wrong key, wrong context, or forged.
    RTN_DECODE_BAD_TAG = 107,
    /// The blob's payload does not decode as its kind's format.
    RTN_DECODE_PAYLOAD = 108,
    /// The blob's payload holds more items than a capacity allows.
    RTN_DECODE_OVER_CAPACITY = 109,
    /// The blob's payload holds an out-of-range value.
    RTN_DECODE_OUT_OF_RANGE = 110,
    /// This kind of blob is tagged: a seal (key and context) is required.
    RTN_SEAL_REQUIRED = 111,
    /// This kind of blob is not tagged: pass NULL for the seal.
    RTN_SEAL_NOT_APPLICABLE = 112,
    /// The key is shorter than `RTN_KEY_MIN_LEN` bytes.
    RTN_KEY_TOO_SHORT = 113,
    /// The seal's context is longer than `RTN_CONTEXT_MAX_LEN` bytes.
    RTN_CONTEXT_TOO_LONG = 114,
    /// The payload is longer than `RTN_ENVELOPE_MAX_PAYLOAD_LEN` bytes.
    RTN_PAYLOAD_TOO_LARGE = 115,

    /// The basket has more than `RTN_RULES_MAX_LINES` lines.
    RTN_RULES_TOO_MANY_LINES = 200,
    /// A basket line's unit price is negative.
    RTN_RULES_NEGATIVE_PRICE = 201,
    /// A basket line's quantity is 0.
    RTN_RULES_ZERO_QUANTITY = 202,
    /// The context's churn risk is neither -1 (unknown) nor in 0..=1000.
    RTN_RULES_CHURN_RISK_OUT_OF_RANGE = 203,
    /// The context's channel is above `RTN_RULES_MAX_CHANNEL`.
    RTN_RULES_CHANNEL_OUT_OF_RANGE = 204,
    /// The sale's local time falls outside the years 1900..=9999.
    RTN_RULES_TIME_OUT_OF_RANGE = 205,
    /// The customer record holds an invalid value.
    RTN_RULES_INVALID_CUSTOMER = 206,
    /// The outcome cannot hold the result (line shares, free items or rewards).
    RTN_RULES_OUTCOME_FULL = 207,
    /// The customer record's usage counters are full of current periods.
    RTN_RULES_USAGE_COUNTS_FULL = 208,
    /// The context names more than `RTN_RULES_MAX_COUPONS` coupons.
    RTN_RULES_TOO_MANY_COUPONS = 209,
    /// A public key was given and the rule set is not signed.
    RTN_RULES_UNSIGNED = 210,
    /// The rule set's signature does not verify with the public key: another operator's, or
    /// altered.
    RTN_RULES_BAD_SIGNATURE = 211,
    /// The public key is not a valid Ed25519 key.
    RTN_RULES_BAD_PUBLIC_KEY = 212,
    /// The rule set's serial is older than `min_serial`.
    RTN_RULES_SERIAL_TOO_OLD = 213,
    /// A public key was given to a library built without the `signing` feature.
    RTN_RULES_SIGNING_NOT_BUILT = 214,
    /// The returns so far belong to another sale than the outcome's.
    RTN_RULES_REFUND_WRONG_SALE = 215,
    /// The returns name more lines than the sale had, or their line count differs from it.
    RTN_RULES_REFUND_LINE_COUNT_MISMATCH = 216,
    /// A line would have more units returned than were sold.
    RTN_RULES_REFUND_TOO_MANY_UNITS = 217,
    /// A birthday that is not a calendar day (or only one of month and day is 0).
    RTN_CUSTOMER_INVALID_BIRTHDAY = 218,
    /// A churn summary to set breaks its invariants (unknown grain, first period after the
    /// last, repeats not matching the span, negative spend, a period outside 1900–9999).
    RTN_CUSTOMER_INVALID_CHURN = 220,
    /// An outcome or clawback holds more stamps for the card's program than one card event
    /// carries (65,535). Neither the card nor the account was written.
    RTN_APPLY_TOO_MANY_STAMPS = 230,

    /// A card program is invalid: 0 stamps per reward, a daily limit of 0, or an expiry day
    /// outside 1..=65535.
    RTN_CARD_INVALID_PROGRAM = 300,
    /// The event is for another punch-card program than the card's.
    RTN_CARD_WRONG_PROGRAM = 301,
    /// A card event's sequence number is 0 (terminals number events from 1).
    RTN_CARD_INVALID_EVENT_ID = 302,
    /// A stamp or void of zero stamps.
    RTN_CARD_ZERO_STAMPS = 303,
    /// The stamps would exceed the card's daily limit.
    RTN_CARD_DAILY_LIMIT_REACHED = 304,
    /// A redemption on a card with no reward available.
    RTN_CARD_NO_REWARD_AVAILABLE = 305,
    /// A void of a transaction the card has never seen (or compacted away).
    RTN_CARD_UNKNOWN_TRANSACTION = 306,
    /// The card already holds `RTN_CARD_MAX_TERMINALS` terminals: the back office compacts it.
    RTN_CARD_TERMINAL_SLOTS_FULL = 307,
    /// The card is past its expiry date.
    RTN_CARD_EXPIRED = 308,
    /// `now` is outside the days a card stores (1970-01-02..=2149-06-06).
    RTN_CARD_DATE_OUT_OF_RANGE = 309,
    /// A terminal's counter on the card is full: the back office compacts it.
    RTN_CARD_COUNTER_FULL = 310,
    /// The card's write counter is at `RTN_CARD_MAX_WRITE_COUNTER`.
    RTN_CARD_WRITE_COUNTER_EXHAUSTED = 311,
    /// The card has lapsed 255 times; its generation counter is full.
    RTN_CARD_GENERATION_EXHAUSTED = 312,
    /// Two copies to merge belong to different programs.
    RTN_CARD_PROGRAM_MISMATCH = 313,
    /// An authentic card older than `min_write_counter`: a replayed or stale image.
    RTN_CARD_OLDER_COPY = 314,

    /// An account program is invalid: expiry above `RTN_ACCOUNT_MAX_EXPIRY_MONTHS` or pending
    /// above `RTN_ACCOUNT_MAX_PENDING_DAYS`.
    RTN_ACCOUNT_INVALID_PROGRAM = 400,
    /// An account event's sequence number is 0.
    RTN_ACCOUNT_INVALID_EVENT_ID = 401,
    /// An earning, redemption or clawback of zero points.
    RTN_ACCOUNT_ZERO_POINTS = 402,
    /// A redemption beyond the points available on this copy.
    RTN_ACCOUNT_INSUFFICIENT_POINTS = 403,
    /// A clawback of a transaction the account has never seen.
    RTN_ACCOUNT_UNKNOWN_TRANSACTION = 404,
    /// The account already holds `RTN_ACCOUNT_MAX_TERMINALS` terminals.
    RTN_ACCOUNT_TERMINAL_SLOTS_FULL = 405,
    // 406: RTN_ACCOUNT_LOTS_FULL, retired (format version 2: an earning whose lot expired
    // before it arrived, older than every tier window, takes no lot; lots never run out).
    /// `now` is outside the days an account stores (1970-01-02..=2149-06-06).
    RTN_ACCOUNT_DATE_OUT_OF_RANGE = 407,
    /// A tier window of 0 or above `RTN_ACCOUNT_MAX_TIER_WINDOW_MONTHS` months.
    RTN_ACCOUNT_INVALID_WINDOW = 408,
    /// Two account copies to merge have different programs.
    RTN_ACCOUNT_PROGRAM_MISMATCH = 409,
    // 410: RTN_ACCOUNT_CONCURRENT_COPIES, retired (format version 2: concurrent copies merge;
    // see RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS and RTN_ACCOUNT_RECENT_EVENTS_FULL).
    /// Two account copies disagree: one event id with two different effects (a terminal reused
    /// a sequence number), or equal watermarks with different checkpoints.
    RTN_ACCOUNT_DIVERGED = 411,
    /// An authentic account older than `min_write_counter`.
    RTN_ACCOUNT_OLDER_COPY = 412,
    /// Both account copies were compacted since they diverged: the back office replays one
    /// copy's missing events onto the other from the terminals' logs.
    RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS = 413,
    /// Two account copies hold more than `RTN_ACCOUNT_MAX_RECENT_EVENTS` recent events
    /// together: the back office replays one copy's missing events onto the other.
    RTN_ACCOUNT_RECENT_EVENTS_FULL = 414,

    /// A churn model parameter is NaN, infinite or out of its domain.
    RTN_CHURN_PARAMETER_OUT_OF_DOMAIN = 500,
    /// Frequency, recency or age is NaN, infinite or negative, or the frequency is not whole.
    RTN_CHURN_INVALID_OBSERVATION = 501,
    /// The recency (last purchase) is later than the age (now).
    RTN_CHURN_RECENCY_AFTER_AGE = 502,
    /// Frequency 0 with a recency above 0.
    RTN_CHURN_RECENCY_WITHOUT_REPEAT = 503,
    /// A series of the churn model did not converge (an argument extremely close to 1).
    RTN_CHURN_NO_CONVERGENCE = 504,
    /// A churn model result overflowed or is not a finite number.
    RTN_CHURN_NOT_FINITE = 505,
    /// The churn summary has no recorded purchase yet.
    RTN_CHURN_NO_PURCHASES = 506,
    /// "Now" falls in a period before the summary's last purchase.
    RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE = 507,
    /// The summary collapses purchases by another grain (day / week) than the model.
    RTN_CHURN_GRAIN_MISMATCH = 508,
    /// A purchase amount is negative.
    RTN_CHURN_NEGATIVE_AMOUNT = 509,
    /// A purchase falls in a period before the summary's last purchase: record purchases in order.
    RTN_CHURN_OUT_OF_ORDER = 510,
}

impl rtn_status {
    /// The constant's name as a C string, e.g. `c"RTN_DECODE_BAD_TAG"`. The match is
    /// exhaustive, so a new status cannot be added without its name.
    #[must_use]
    pub const fn c_name(self) -> &'static CStr {
        match self {
            rtn_status::RTN_OK => c"RTN_OK",
            rtn_status::RTN_NULL_PARAMETER => c"RTN_NULL_PARAMETER",
            rtn_status::RTN_BUFFER_TOO_SMALL => c"RTN_BUFFER_TOO_SMALL",
            rtn_status::RTN_INVALID_ARGUMENT => c"RTN_INVALID_ARGUMENT",
            rtn_status::RTN_PANIC => c"RTN_PANIC",
            rtn_status::RTN_INTERNAL => c"RTN_INTERNAL",
            rtn_status::RTN_OVERFLOW => c"RTN_OVERFLOW",
            rtn_status::RTN_UNINITIALIZED => c"RTN_UNINITIALIZED",
            rtn_status::RTN_DECODE_TRUNCATED => c"RTN_DECODE_TRUNCATED",
            rtn_status::RTN_DECODE_BAD_MAGIC => c"RTN_DECODE_BAD_MAGIC",
            rtn_status::RTN_DECODE_UNKNOWN_KIND => c"RTN_DECODE_UNKNOWN_KIND",
            rtn_status::RTN_DECODE_WRONG_KIND => c"RTN_DECODE_WRONG_KIND",
            rtn_status::RTN_DECODE_UNSUPPORTED_VERSION => c"RTN_DECODE_UNSUPPORTED_VERSION",
            rtn_status::RTN_DECODE_LENGTH_MISMATCH => c"RTN_DECODE_LENGTH_MISMATCH",
            rtn_status::RTN_DECODE_BAD_CHECKSUM => c"RTN_DECODE_BAD_CHECKSUM",
            rtn_status::RTN_DECODE_BAD_TAG => c"RTN_DECODE_BAD_TAG",
            rtn_status::RTN_DECODE_PAYLOAD => c"RTN_DECODE_PAYLOAD",
            rtn_status::RTN_DECODE_OVER_CAPACITY => c"RTN_DECODE_OVER_CAPACITY",
            rtn_status::RTN_DECODE_OUT_OF_RANGE => c"RTN_DECODE_OUT_OF_RANGE",
            rtn_status::RTN_SEAL_REQUIRED => c"RTN_SEAL_REQUIRED",
            rtn_status::RTN_SEAL_NOT_APPLICABLE => c"RTN_SEAL_NOT_APPLICABLE",
            rtn_status::RTN_KEY_TOO_SHORT => c"RTN_KEY_TOO_SHORT",
            rtn_status::RTN_CONTEXT_TOO_LONG => c"RTN_CONTEXT_TOO_LONG",
            rtn_status::RTN_PAYLOAD_TOO_LARGE => c"RTN_PAYLOAD_TOO_LARGE",
            rtn_status::RTN_RULES_TOO_MANY_LINES => c"RTN_RULES_TOO_MANY_LINES",
            rtn_status::RTN_RULES_NEGATIVE_PRICE => c"RTN_RULES_NEGATIVE_PRICE",
            rtn_status::RTN_RULES_ZERO_QUANTITY => c"RTN_RULES_ZERO_QUANTITY",
            rtn_status::RTN_RULES_CHURN_RISK_OUT_OF_RANGE => c"RTN_RULES_CHURN_RISK_OUT_OF_RANGE",
            rtn_status::RTN_RULES_CHANNEL_OUT_OF_RANGE => c"RTN_RULES_CHANNEL_OUT_OF_RANGE",
            rtn_status::RTN_RULES_TIME_OUT_OF_RANGE => c"RTN_RULES_TIME_OUT_OF_RANGE",
            rtn_status::RTN_RULES_INVALID_CUSTOMER => c"RTN_RULES_INVALID_CUSTOMER",
            rtn_status::RTN_RULES_OUTCOME_FULL => c"RTN_RULES_OUTCOME_FULL",
            rtn_status::RTN_RULES_USAGE_COUNTS_FULL => c"RTN_RULES_USAGE_COUNTS_FULL",
            rtn_status::RTN_RULES_TOO_MANY_COUPONS => c"RTN_RULES_TOO_MANY_COUPONS",
            rtn_status::RTN_RULES_UNSIGNED => c"RTN_RULES_UNSIGNED",
            rtn_status::RTN_RULES_BAD_SIGNATURE => c"RTN_RULES_BAD_SIGNATURE",
            rtn_status::RTN_RULES_BAD_PUBLIC_KEY => c"RTN_RULES_BAD_PUBLIC_KEY",
            rtn_status::RTN_RULES_SERIAL_TOO_OLD => c"RTN_RULES_SERIAL_TOO_OLD",
            rtn_status::RTN_RULES_SIGNING_NOT_BUILT => c"RTN_RULES_SIGNING_NOT_BUILT",
            rtn_status::RTN_RULES_REFUND_WRONG_SALE => c"RTN_RULES_REFUND_WRONG_SALE",
            rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH => {
                c"RTN_RULES_REFUND_LINE_COUNT_MISMATCH"
            }
            rtn_status::RTN_RULES_REFUND_TOO_MANY_UNITS => c"RTN_RULES_REFUND_TOO_MANY_UNITS",
            rtn_status::RTN_CUSTOMER_INVALID_BIRTHDAY => c"RTN_CUSTOMER_INVALID_BIRTHDAY",
            rtn_status::RTN_CUSTOMER_INVALID_CHURN => c"RTN_CUSTOMER_INVALID_CHURN",
            rtn_status::RTN_APPLY_TOO_MANY_STAMPS => c"RTN_APPLY_TOO_MANY_STAMPS",
            rtn_status::RTN_CHURN_PARAMETER_OUT_OF_DOMAIN => c"RTN_CHURN_PARAMETER_OUT_OF_DOMAIN",
            rtn_status::RTN_CHURN_INVALID_OBSERVATION => c"RTN_CHURN_INVALID_OBSERVATION",
            rtn_status::RTN_CHURN_RECENCY_AFTER_AGE => c"RTN_CHURN_RECENCY_AFTER_AGE",
            rtn_status::RTN_CHURN_RECENCY_WITHOUT_REPEAT => c"RTN_CHURN_RECENCY_WITHOUT_REPEAT",
            rtn_status::RTN_CHURN_NO_CONVERGENCE => c"RTN_CHURN_NO_CONVERGENCE",
            rtn_status::RTN_CHURN_NOT_FINITE => c"RTN_CHURN_NOT_FINITE",
            rtn_status::RTN_CHURN_NO_PURCHASES => c"RTN_CHURN_NO_PURCHASES",
            rtn_status::RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE => {
                c"RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE"
            }
            rtn_status::RTN_CHURN_GRAIN_MISMATCH => c"RTN_CHURN_GRAIN_MISMATCH",
            rtn_status::RTN_CHURN_NEGATIVE_AMOUNT => c"RTN_CHURN_NEGATIVE_AMOUNT",
            rtn_status::RTN_CHURN_OUT_OF_ORDER => c"RTN_CHURN_OUT_OF_ORDER",
            rtn_status::RTN_CARD_INVALID_PROGRAM => c"RTN_CARD_INVALID_PROGRAM",
            rtn_status::RTN_CARD_WRONG_PROGRAM => c"RTN_CARD_WRONG_PROGRAM",
            rtn_status::RTN_CARD_INVALID_EVENT_ID => c"RTN_CARD_INVALID_EVENT_ID",
            rtn_status::RTN_CARD_ZERO_STAMPS => c"RTN_CARD_ZERO_STAMPS",
            rtn_status::RTN_CARD_DAILY_LIMIT_REACHED => c"RTN_CARD_DAILY_LIMIT_REACHED",
            rtn_status::RTN_CARD_NO_REWARD_AVAILABLE => c"RTN_CARD_NO_REWARD_AVAILABLE",
            rtn_status::RTN_CARD_UNKNOWN_TRANSACTION => c"RTN_CARD_UNKNOWN_TRANSACTION",
            rtn_status::RTN_CARD_TERMINAL_SLOTS_FULL => c"RTN_CARD_TERMINAL_SLOTS_FULL",
            rtn_status::RTN_CARD_EXPIRED => c"RTN_CARD_EXPIRED",
            rtn_status::RTN_CARD_DATE_OUT_OF_RANGE => c"RTN_CARD_DATE_OUT_OF_RANGE",
            rtn_status::RTN_CARD_COUNTER_FULL => c"RTN_CARD_COUNTER_FULL",
            rtn_status::RTN_CARD_WRITE_COUNTER_EXHAUSTED => c"RTN_CARD_WRITE_COUNTER_EXHAUSTED",
            rtn_status::RTN_CARD_GENERATION_EXHAUSTED => c"RTN_CARD_GENERATION_EXHAUSTED",
            rtn_status::RTN_CARD_PROGRAM_MISMATCH => c"RTN_CARD_PROGRAM_MISMATCH",
            rtn_status::RTN_CARD_OLDER_COPY => c"RTN_CARD_OLDER_COPY",
            rtn_status::RTN_ACCOUNT_INVALID_PROGRAM => c"RTN_ACCOUNT_INVALID_PROGRAM",
            rtn_status::RTN_ACCOUNT_INVALID_EVENT_ID => c"RTN_ACCOUNT_INVALID_EVENT_ID",
            rtn_status::RTN_ACCOUNT_ZERO_POINTS => c"RTN_ACCOUNT_ZERO_POINTS",
            rtn_status::RTN_ACCOUNT_INSUFFICIENT_POINTS => c"RTN_ACCOUNT_INSUFFICIENT_POINTS",
            rtn_status::RTN_ACCOUNT_UNKNOWN_TRANSACTION => c"RTN_ACCOUNT_UNKNOWN_TRANSACTION",
            rtn_status::RTN_ACCOUNT_TERMINAL_SLOTS_FULL => c"RTN_ACCOUNT_TERMINAL_SLOTS_FULL",
            rtn_status::RTN_ACCOUNT_DATE_OUT_OF_RANGE => c"RTN_ACCOUNT_DATE_OUT_OF_RANGE",
            rtn_status::RTN_ACCOUNT_INVALID_WINDOW => c"RTN_ACCOUNT_INVALID_WINDOW",
            rtn_status::RTN_ACCOUNT_PROGRAM_MISMATCH => c"RTN_ACCOUNT_PROGRAM_MISMATCH",
            rtn_status::RTN_ACCOUNT_DIVERGED => c"RTN_ACCOUNT_DIVERGED",
            rtn_status::RTN_ACCOUNT_OLDER_COPY => c"RTN_ACCOUNT_OLDER_COPY",
            rtn_status::RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS => {
                c"RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS"
            }
            rtn_status::RTN_ACCOUNT_RECENT_EVENTS_FULL => c"RTN_ACCOUNT_RECENT_EVENTS_FULL",
        }
    }

    /// The constant's name, e.g. `"RTN_DECODE_BAD_TAG"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("RTN_UNKNOWN_STATUS")
    }

    /// The status with numeric value `value`, if there is one.
    #[must_use]
    pub fn from_u32(value: u32) -> Option<rtn_status> {
        rtn_status::ALL
            .into_iter()
            .find(|status| *status as u32 == value)
    }

    /// Every status, in numeric order (a test checks this list against the enum).
    ///
    /// cbindgen:ignore
    pub const ALL: [rtn_status; 84] = [
        rtn_status::RTN_OK,
        rtn_status::RTN_NULL_PARAMETER,
        rtn_status::RTN_BUFFER_TOO_SMALL,
        rtn_status::RTN_INVALID_ARGUMENT,
        rtn_status::RTN_PANIC,
        rtn_status::RTN_INTERNAL,
        rtn_status::RTN_OVERFLOW,
        rtn_status::RTN_UNINITIALIZED,
        rtn_status::RTN_DECODE_TRUNCATED,
        rtn_status::RTN_DECODE_BAD_MAGIC,
        rtn_status::RTN_DECODE_UNKNOWN_KIND,
        rtn_status::RTN_DECODE_WRONG_KIND,
        rtn_status::RTN_DECODE_UNSUPPORTED_VERSION,
        rtn_status::RTN_DECODE_LENGTH_MISMATCH,
        rtn_status::RTN_DECODE_BAD_CHECKSUM,
        rtn_status::RTN_DECODE_BAD_TAG,
        rtn_status::RTN_DECODE_PAYLOAD,
        rtn_status::RTN_DECODE_OVER_CAPACITY,
        rtn_status::RTN_DECODE_OUT_OF_RANGE,
        rtn_status::RTN_SEAL_REQUIRED,
        rtn_status::RTN_SEAL_NOT_APPLICABLE,
        rtn_status::RTN_KEY_TOO_SHORT,
        rtn_status::RTN_CONTEXT_TOO_LONG,
        rtn_status::RTN_PAYLOAD_TOO_LARGE,
        rtn_status::RTN_RULES_TOO_MANY_LINES,
        rtn_status::RTN_RULES_NEGATIVE_PRICE,
        rtn_status::RTN_RULES_ZERO_QUANTITY,
        rtn_status::RTN_RULES_CHURN_RISK_OUT_OF_RANGE,
        rtn_status::RTN_RULES_CHANNEL_OUT_OF_RANGE,
        rtn_status::RTN_RULES_TIME_OUT_OF_RANGE,
        rtn_status::RTN_RULES_INVALID_CUSTOMER,
        rtn_status::RTN_RULES_OUTCOME_FULL,
        rtn_status::RTN_RULES_USAGE_COUNTS_FULL,
        rtn_status::RTN_RULES_TOO_MANY_COUPONS,
        rtn_status::RTN_RULES_UNSIGNED,
        rtn_status::RTN_RULES_BAD_SIGNATURE,
        rtn_status::RTN_RULES_BAD_PUBLIC_KEY,
        rtn_status::RTN_RULES_SERIAL_TOO_OLD,
        rtn_status::RTN_RULES_SIGNING_NOT_BUILT,
        rtn_status::RTN_RULES_REFUND_WRONG_SALE,
        rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH,
        rtn_status::RTN_RULES_REFUND_TOO_MANY_UNITS,
        rtn_status::RTN_CUSTOMER_INVALID_BIRTHDAY,
        rtn_status::RTN_CUSTOMER_INVALID_CHURN,
        rtn_status::RTN_APPLY_TOO_MANY_STAMPS,
        rtn_status::RTN_CARD_INVALID_PROGRAM,
        rtn_status::RTN_CARD_WRONG_PROGRAM,
        rtn_status::RTN_CARD_INVALID_EVENT_ID,
        rtn_status::RTN_CARD_ZERO_STAMPS,
        rtn_status::RTN_CARD_DAILY_LIMIT_REACHED,
        rtn_status::RTN_CARD_NO_REWARD_AVAILABLE,
        rtn_status::RTN_CARD_UNKNOWN_TRANSACTION,
        rtn_status::RTN_CARD_TERMINAL_SLOTS_FULL,
        rtn_status::RTN_CARD_EXPIRED,
        rtn_status::RTN_CARD_DATE_OUT_OF_RANGE,
        rtn_status::RTN_CARD_COUNTER_FULL,
        rtn_status::RTN_CARD_WRITE_COUNTER_EXHAUSTED,
        rtn_status::RTN_CARD_GENERATION_EXHAUSTED,
        rtn_status::RTN_CARD_PROGRAM_MISMATCH,
        rtn_status::RTN_CARD_OLDER_COPY,
        rtn_status::RTN_ACCOUNT_INVALID_PROGRAM,
        rtn_status::RTN_ACCOUNT_INVALID_EVENT_ID,
        rtn_status::RTN_ACCOUNT_ZERO_POINTS,
        rtn_status::RTN_ACCOUNT_INSUFFICIENT_POINTS,
        rtn_status::RTN_ACCOUNT_UNKNOWN_TRANSACTION,
        rtn_status::RTN_ACCOUNT_TERMINAL_SLOTS_FULL,
        rtn_status::RTN_ACCOUNT_DATE_OUT_OF_RANGE,
        rtn_status::RTN_ACCOUNT_INVALID_WINDOW,
        rtn_status::RTN_ACCOUNT_PROGRAM_MISMATCH,
        rtn_status::RTN_ACCOUNT_DIVERGED,
        rtn_status::RTN_ACCOUNT_OLDER_COPY,
        rtn_status::RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS,
        rtn_status::RTN_ACCOUNT_RECENT_EVENTS_FULL,
        rtn_status::RTN_CHURN_PARAMETER_OUT_OF_DOMAIN,
        rtn_status::RTN_CHURN_INVALID_OBSERVATION,
        rtn_status::RTN_CHURN_RECENCY_AFTER_AGE,
        rtn_status::RTN_CHURN_RECENCY_WITHOUT_REPEAT,
        rtn_status::RTN_CHURN_NO_CONVERGENCE,
        rtn_status::RTN_CHURN_NOT_FINITE,
        rtn_status::RTN_CHURN_NO_PURCHASES,
        rtn_status::RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE,
        rtn_status::RTN_CHURN_GRAIN_MISMATCH,
        rtn_status::RTN_CHURN_NEGATIVE_AMOUNT,
        rtn_status::RTN_CHURN_OUT_OF_ORDER,
    ];
}

/// Names any status value as a static NUL-terminated string: the constant's name for known
/// values (`"RTN_DECODE_BAD_TAG"`), `"RTN_UNKNOWN_STATUS"` for any other. Never NULL; the string
/// lives as long as the program.
#[unsafe(no_mangle)]
pub extern "C" fn rtn_status_str(status: u32) -> *const c_char {
    boundary::catch_value(UNKNOWN.as_ptr(), || {
        rtn_status::from_u32(status).map_or(UNKNOWN.as_ptr(), |known| known.c_name().as_ptr())
    })
}

const UNKNOWN: &CStr = c"RTN_UNKNOWN_STATUS";

impl From<Overflow> for rtn_status {
    fn from(_: Overflow) -> rtn_status {
        rtn_status::RTN_OVERFLOW
    }
}

impl From<KeyError> for rtn_status {
    fn from(error: KeyError) -> rtn_status {
        match error {
            KeyError::KeyTooShort => rtn_status::RTN_KEY_TOO_SHORT,
            KeyError::ContextTooLong => rtn_status::RTN_CONTEXT_TOO_LONG,
            _ => rtn_status::RTN_INVALID_ARGUMENT,
        }
    }
}

impl From<EncodeError> for rtn_status {
    fn from(error: EncodeError) -> rtn_status {
        match error {
            EncodeError::BufferTooSmall { .. } => rtn_status::RTN_BUFFER_TOO_SMALL,
            EncodeError::PayloadTooLarge { .. } => rtn_status::RTN_PAYLOAD_TOO_LARGE,
            EncodeError::SealRequired => rtn_status::RTN_SEAL_REQUIRED,
            EncodeError::SealNotApplicable => rtn_status::RTN_SEAL_NOT_APPLICABLE,
            EncodeError::Serialize => rtn_status::RTN_INVALID_ARGUMENT,
            _ => rtn_status::RTN_INTERNAL,
        }
    }
}

impl From<DecodeError> for rtn_status {
    fn from(error: DecodeError) -> rtn_status {
        match error {
            DecodeError::Truncated { .. } => rtn_status::RTN_DECODE_TRUNCATED,
            DecodeError::BadMagic => rtn_status::RTN_DECODE_BAD_MAGIC,
            DecodeError::UnknownKind { .. } => rtn_status::RTN_DECODE_UNKNOWN_KIND,
            DecodeError::WrongKind { .. } => rtn_status::RTN_DECODE_WRONG_KIND,
            DecodeError::UnsupportedVersion { .. } => rtn_status::RTN_DECODE_UNSUPPORTED_VERSION,
            DecodeError::LengthMismatch { .. } => rtn_status::RTN_DECODE_LENGTH_MISMATCH,
            DecodeError::BadChecksum => rtn_status::RTN_DECODE_BAD_CHECKSUM,
            DecodeError::BadTag => rtn_status::RTN_DECODE_BAD_TAG,
            DecodeError::SealRequired => rtn_status::RTN_SEAL_REQUIRED,
            DecodeError::SealNotApplicable => rtn_status::RTN_SEAL_NOT_APPLICABLE,
            DecodeError::Payload => rtn_status::RTN_DECODE_PAYLOAD,
            DecodeError::OverCapacity => rtn_status::RTN_DECODE_OVER_CAPACITY,
            DecodeError::OutOfRange => rtn_status::RTN_DECODE_OUT_OF_RANGE,
            _ => rtn_status::RTN_INTERNAL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_variant_once_in_order() {
        // The enum's `RTN_X = n,` lines, read from this file, against ALL.
        let source = include_str!("status.rs");
        let enum_body = &source[source.find("pub enum rtn_status {").unwrap()..];
        let enum_body = &enum_body[..enum_body.find("\n}").unwrap()];
        let declared: Vec<(&str, u32)> = enum_body
            .lines()
            .filter_map(|line| line.trim().strip_suffix(','))
            .filter_map(|line| line.split_once(" = "))
            .map(|(name, value)| (name, value.parse().unwrap()))
            .collect();
        let listed: Vec<(&str, u32)> = rtn_status::ALL
            .iter()
            .map(|s| (s.name(), *s as u32))
            .collect();
        assert_eq!(declared, listed);
        assert!(listed.windows(2).all(|w| w[0].1 < w[1].1));
    }

    #[test]
    fn names_round_trip_through_c() {
        for status in rtn_status::ALL {
            assert_eq!(format!("{status:?}"), status.name());
            let ptr = rtn_status_str(status as u32);
            // SAFETY: rtn_status_str returns a static NUL-terminated string.
            let back = unsafe { CStr::from_ptr(ptr) };
            assert_eq!(back.to_str().unwrap(), status.name());
        }
    }

    #[test]
    fn values_are_pinned() {
        // The ABI: these numbers never change.
        assert_eq!(rtn_status::RTN_OK as u32, 0);
        assert_eq!(rtn_status::RTN_NULL_PARAMETER as u32, 1);
        assert_eq!(rtn_status::RTN_BUFFER_TOO_SMALL as u32, 2);
        assert_eq!(rtn_status::RTN_UNINITIALIZED as u32, 7);
        assert_eq!(rtn_status::RTN_DECODE_TRUNCATED as u32, 100);
        assert_eq!(rtn_status::RTN_DECODE_BAD_TAG as u32, 107);
        assert_eq!(rtn_status::RTN_PAYLOAD_TOO_LARGE as u32, 115);
        assert_eq!(rtn_status::RTN_RULES_TOO_MANY_LINES as u32, 200);
        assert_eq!(rtn_status::RTN_CUSTOMER_INVALID_BIRTHDAY as u32, 218);
        assert_eq!(rtn_status::RTN_CUSTOMER_INVALID_CHURN as u32, 220);
        assert_eq!(rtn_status::RTN_APPLY_TOO_MANY_STAMPS as u32, 230);
        assert_eq!(rtn_status::RTN_CHURN_PARAMETER_OUT_OF_DOMAIN as u32, 500);
        assert_eq!(rtn_status::RTN_CHURN_OUT_OF_ORDER as u32, 510);
        assert_eq!(rtn_status::RTN_CARD_INVALID_PROGRAM as u32, 300);
        assert_eq!(rtn_status::RTN_CARD_OLDER_COPY as u32, 314);
        assert_eq!(rtn_status::RTN_ACCOUNT_INVALID_PROGRAM as u32, 400);
        assert_eq!(rtn_status::RTN_ACCOUNT_OLDER_COPY as u32, 412);
        assert_eq!(rtn_status::RTN_ACCOUNT_RECENT_EVENTS_FULL as u32, 414);
    }

    #[test]
    fn unknown_values_have_a_name() {
        // 406 and 410 are retired account statuses.
        for value in [8u32, 99, 116, 219, 299, 406, 410, 499, 511, 9999, u32::MAX] {
            // SAFETY: static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(rtn_status_str(value)) };
            assert_eq!(name.to_str().unwrap(), "RTN_UNKNOWN_STATUS");
        }
    }
}
