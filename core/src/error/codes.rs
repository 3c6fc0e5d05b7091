//! The list of error codes: each code's number, name, class and doc line, written once.
//!
//! The C API's `rtn_status` enum is generated from this list by `cargo xtask gen`
//! (`ffi/src/status/codes.rs`), the Python exceptions read `.code`, `.code_name` and their class
//! from it, and `CHANGELOG.md` records every code (a test checks that too). `CONTRIBUTING.md`,
//! *Adding an error code*, says how to add one.

use super::ErrorClass;

/// A block of codes that belong to one area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeRange {
    /// The first number of the block.
    pub first: u16,
    /// The last number of the block.
    pub last: u16,
    /// The area, as the C header and the CHANGELOG name it ("punch cards").
    pub area: &'static str,
    /// True for codes only the host tools (the Python package, `std` Rust) raise: never a C
    /// status, so not in the header, and `rtn_status_str` names them `RTN_UNKNOWN_STATUS`.
    pub host_only: bool,
}

/// The blocks of codes, in ascending order. Every [`Code`] lies in one; a number is never
/// renumbered, and a retired number ([`RETIRED`]) is never reused.
pub const RANGES: [CodeRange; 8] = [
    CodeRange {
        first: 1,
        last: 99,
        area: "general",
        host_only: false,
    },
    CodeRange {
        first: 100,
        last: 199,
        area: "blobs and keys",
        host_only: false,
    },
    CodeRange {
        first: 200,
        last: 299,
        area: "rules, customer records and applying outcomes",
        host_only: false,
    },
    CodeRange {
        first: 300,
        last: 399,
        area: "punch cards",
        host_only: false,
    },
    CodeRange {
        first: 400,
        last: 499,
        area: "points accounts",
        host_only: false,
    },
    CodeRange {
        first: 500,
        last: 599,
        area: "churn models",
        host_only: false,
    },
    CodeRange {
        first: 600,
        last: 699,
        area: "host tools: columns, rule authoring and back-testing",
        host_only: true,
    },
    CodeRange {
        first: 700,
        last: 799,
        area: "host tools: churn fitting, transaction tables, metrics and targeting",
        host_only: true,
    },
];

/// A code that was once in use and is retired: its number is never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetiredCode {
    /// Its number.
    pub number: u16,
    /// Its name.
    pub name: &'static str,
    /// Why it went.
    pub reason: &'static str,
}

/// Retired codes, in ascending order.
pub const RETIRED: [RetiredCode; 2] = [
    RetiredCode {
        number: 406,
        name: "RTN_ACCOUNT_LOTS_FULL",
        reason: "format version 2: an earning whose lot expired before it arrived, older than \
                 every tier window, takes no lot; lots never run out",
    },
    RetiredCode {
        number: 410,
        name: "RTN_ACCOUNT_CONCURRENT_COPIES",
        reason: "format version 2: concurrent copies merge; see \
                 RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS and RTN_ACCOUNT_RECENT_EVENTS_FULL",
    },
];

/// Emits [`Code`] and its tables from one list of `/// doc` `NAME = number, Class;` entries.
macro_rules! codes {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $number:literal, $class:ident;
    )+) => {
        /// An error code: stable number, name and [`ErrorClass`] of every error the SDK reports.
        ///
        /// The C API returns the codes below 600 as `rtn_status` values of the same number and
        /// name; the codes from 600 up are host-only (see [`RANGES`]). Numbers are never
        /// renumbered and retired ones ([`RETIRED`]) never reused. Not `#[non_exhaustive]` on
        /// purpose: the C enum generated from this list matches it exhaustively, so a new code
        /// does not build until `cargo xtask gen` has given it a C status.
        #[repr(u16)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(non_camel_case_types)]
        pub enum Code {
            $( $(#[doc = $doc])+ $name = $number, )+
        }

        impl Code {
            /// Every code, in numeric order (a test checks the order).
            pub const ALL: &'static [Code] = &[$(Code::$name),+];

            /// The code's name: the C constant's for C statuses, e.g. `"RTN_DECODE_BAD_TAG"`.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Code::$name => concat!("RTN_", stringify!($name)),)+
                }
            }

            /// The class of every error with this code (the Python exception family).
            #[must_use]
            pub const fn class(self) -> ErrorClass {
                match self {
                    $(Code::$name => ErrorClass::$class,)+
                }
            }

            /// The code's doc comment, one line per doc line, each as written after `///`
            /// (with its leading space). The generated C header carries the same lines.
            #[must_use]
            pub const fn doc(self) -> &'static str {
                match self {
                    $(Code::$name => concat!($($doc, "\n"),+),)+
                }
            }
        }
    };
}

codes! {
    // 1–99: general.

    /// A required pointer argument was NULL. Nothing was written.
    NULL_PARAMETER = 1, Validation;
    // Internal: the bindings size every buffer they pass to the core themselves, so in Python a
    // short buffer is the SDK's bug; C callers get this status for their own buffers.
    /// An output buffer is too small. Nothing was written; the header's `RTN_*_MAX_LEN`
    /// constants size buffers for the worst case.
    BUFFER_TOO_SMALL = 2, Internal;
    /// An argument is outside its documented range (an unknown kind, a length beyond
    /// `PTRDIFF_MAX`, ...).
    INVALID_ARGUMENT = 3, Validation;
    /// A panic was caught at the boundary: a bug in the SDK, please report it. Host builds only.
    PANIC = 4, Internal;
    /// A state the SDK believes impossible: a bug in the SDK, please report it.
    INTERNAL = 5, Internal;
    /// An amount, count or balance would overflow its type; nothing was changed.
    OVERFLOW = 6, Overflow;
    /// Opaque storage was not initialised by its `rtn_*_init` or `rtn_*_load` function.
    UNINITIALIZED = 7, Validation;

    // 100–199: blobs and keys.

    /// The blob ends early.
    DECODE_TRUNCATED = 100, Decode;
    /// The blob does not start with the magic bytes "RT": not a Retention blob.
    DECODE_BAD_MAGIC = 101, Decode;
    /// The blob's kind byte names no known kind.
    DECODE_UNKNOWN_KIND = 102, Decode;
    /// The blob is of another kind than the function reads (a card given as an account).
    DECODE_WRONG_KIND = 103, Decode;
    /// The blob's format version is not one this build reads (written by a newer SDK).
    DECODE_UNSUPPORTED_VERSION = 104, Decode;
    /// The blob is longer than its header declares.
    DECODE_LENGTH_MISMATCH = 105, Decode;
    /// The blob's CRC-32 (over its header and payload, not the tag after it) does not match:
    /// corrupt (a torn write, a bad read).
    DECODE_BAD_CHECKSUM = 106, Decode;
    /// The blob's authentication tag does not match: wrong key, wrong context, forged, or the
    /// tag's own bytes damaged (the CRC does not cover them).
    DECODE_BAD_TAG = 107, Authentication;
    /// The blob's payload does not decode as its kind's format.
    DECODE_PAYLOAD = 108, Decode;
    /// The blob's payload holds more items than a capacity allows.
    DECODE_OVER_CAPACITY = 109, Capacity;
    /// The blob's payload holds an out-of-range value.
    DECODE_OUT_OF_RANGE = 110, Decode;
    /// This kind of blob is tagged: a seal (key and context) is required.
    SEAL_REQUIRED = 111, Validation;
    /// This kind of blob is not tagged: pass NULL for the seal.
    SEAL_NOT_APPLICABLE = 112, Validation;
    /// The key is shorter than `RTN_KEY_MIN_LEN` bytes.
    KEY_TOO_SHORT = 113, Validation;
    /// The seal's context is longer than `RTN_CONTEXT_MAX_LEN` bytes.
    CONTEXT_TOO_LONG = 114, Validation;
    /// The payload is longer than `RTN_ENVELOPE_MAX_PAYLOAD_LEN` bytes.
    PAYLOAD_TOO_LARGE = 115, Capacity;

    // 200–299: rules, customer records, applying outcomes.

    /// The basket has more than `RTN_RULES_MAX_LINES` lines.
    RULES_TOO_MANY_LINES = 200, Capacity;
    /// A basket line's unit price is negative.
    RULES_NEGATIVE_PRICE = 201, Validation;
    /// A basket line's quantity is 0.
    RULES_ZERO_QUANTITY = 202, Validation;
    /// The context's churn risk is neither -1 (unknown) nor in 0..=1000.
    RULES_CHURN_RISK_OUT_OF_RANGE = 203, Validation;
    /// The context's channel is above `RTN_RULES_MAX_CHANNEL`.
    RULES_CHANNEL_OUT_OF_RANGE = 204, Validation;
    /// The sale's local time falls outside the years 1900..=9999.
    RULES_TIME_OUT_OF_RANGE = 205, Validation;
    /// The customer record holds an invalid value.
    RULES_INVALID_CUSTOMER = 206, Validation;
    /// The outcome cannot hold the result (line shares, free items or rewards).
    RULES_OUTCOME_FULL = 207, Capacity;
    /// The customer record's usage counters are full of current periods.
    RULES_USAGE_COUNTS_FULL = 208, Capacity;
    /// The context names more than `RTN_RULES_MAX_COUPONS` coupons.
    RULES_TOO_MANY_COUPONS = 209, Capacity;
    /// A public key was given and the rule set is not signed.
    RULES_UNSIGNED = 210, Authentication;
    /// The rule set's signature does not verify with the public key: another operator's, or
    /// altered.
    RULES_BAD_SIGNATURE = 211, Authentication;
    /// The public key is not a valid Ed25519 key.
    RULES_BAD_PUBLIC_KEY = 212, Validation;
    /// The rule set's serial is older than `min_serial`.
    RULES_SERIAL_TOO_OLD = 213, State;
    /// A public key was given to a library built without the `signing` feature.
    RULES_SIGNING_NOT_BUILT = 214, Validation;
    /// The returns so far belong to another sale than the outcome's.
    RULES_REFUND_WRONG_SALE = 215, Validation;
    /// The returns name more lines than the sale had, or their line count differs from it.
    RULES_REFUND_LINE_COUNT_MISMATCH = 216, Validation;
    /// A line would have more units returned than were sold.
    RULES_REFUND_TOO_MANY_UNITS = 217, Validation;
    /// A birthday that is not a calendar day (or only one of month and day is 0).
    CUSTOMER_INVALID_BIRTHDAY = 218, Validation;
    /// The sale's event id has sequence number 0: terminals number their sales from 1 (a card
    /// or account would refuse the outcome's event).
    RULES_INVALID_EVENT_ID = 219, Validation;
    /// A churn summary to set breaks its invariants (unknown grain, first period after the
    /// last, repeats not matching the span, negative spend, a period outside 1900–9999).
    CUSTOMER_INVALID_CHURN = 220, Validation;
    /// A customer's first visit day is outside the years 1900–9999 or after the last visit.
    CUSTOMER_INVALID_FIRST_VISIT = 221, Validation;
    /// An outcome or clawback holds more stamps for the card's program than one card event
    /// carries (65,535). Neither the card nor the account was written.
    APPLY_TOO_MANY_STAMPS = 230, Capacity;
    /// An NPS feedback score is outside 0..=10 (or, in a host table, not a whole number).
    FEEDBACK_SCORE_OUT_OF_RANGE = 240, Validation;
    /// A feedback's day is before the customer's first visit day. The record is unchanged.
    FEEDBACK_BEFORE_FIRST_VISIT = 241, Validation;
    /// A feedback's day is more than one day after today. The record is unchanged.
    FEEDBACK_IN_FUTURE = 242, Validation;
    /// A feedback's day is outside the years 1900–9999. The record is unchanged.
    FEEDBACK_INVALID_DAY = 243, Validation;
    /// A feedback's channel code is not one of `RTN_FEEDBACK_CHANNEL_*`. The record is unchanged.
    FEEDBACK_INVALID_CHANNEL = 244, Validation;
    /// The rule set pins a churn model (`model_pin`) and the sale's churn risk comes from
    /// another model, or names none: load the pinned model (its hash is the pin) and pass its
    /// hash with the risk. Nothing was evaluated.
    RULES_CHURN_MODEL_NOT_PINNED = 250, Authentication;

    // 300–399: punch cards.

    /// A card program is invalid: 0 stamps per reward, a daily limit of 0, or an expiry day
    /// outside 1..=65535.
    CARD_INVALID_PROGRAM = 300, Validation;
    /// The event is for another punch-card program than the card's.
    CARD_WRONG_PROGRAM = 301, Validation;
    /// A card event's sequence number is 0 (terminals number events from 1).
    CARD_INVALID_EVENT_ID = 302, Validation;
    /// A stamp or void of zero stamps.
    CARD_ZERO_STAMPS = 303, Validation;
    /// The stamps would exceed the card's daily limit.
    CARD_DAILY_LIMIT_REACHED = 304, State;
    /// A redemption on a card with no reward available.
    CARD_NO_REWARD_AVAILABLE = 305, State;
    /// A void of a transaction the card has never seen (or compacted away).
    CARD_UNKNOWN_TRANSACTION = 306, State;
    /// The card already holds `RTN_CARD_MAX_TERMINALS` terminals: the back office compacts it.
    CARD_TERMINAL_SLOTS_FULL = 307, Capacity;
    /// The card is past its expiry date.
    CARD_EXPIRED = 308, State;
    /// `now` is outside the days a card stores (1970-01-02..=2149-06-06).
    CARD_DATE_OUT_OF_RANGE = 309, Validation;
    /// A terminal's counter on the card is full: the back office compacts it.
    CARD_COUNTER_FULL = 310, Capacity;
    /// The card's write counter is at `RTN_CARD_MAX_WRITE_COUNTER`.
    CARD_WRITE_COUNTER_EXHAUSTED = 311, Overflow;
    /// The card has lapsed 255 times; its generation counter is full.
    CARD_GENERATION_EXHAUSTED = 312, Overflow;
    /// Two copies to merge belong to different programs.
    CARD_PROGRAM_MISMATCH = 313, Validation;
    /// An authentic card older than `min_write_counter`: a replayed or stale image.
    CARD_OLDER_COPY = 314, State;

    // 400–499: points accounts.

    /// An account program is invalid: expiry above `RTN_ACCOUNT_MAX_EXPIRY_MONTHS` or pending
    /// above `RTN_ACCOUNT_MAX_PENDING_DAYS`.
    ACCOUNT_INVALID_PROGRAM = 400, Validation;
    /// An account event's sequence number is 0.
    ACCOUNT_INVALID_EVENT_ID = 401, Validation;
    /// An earning, redemption or clawback of zero points.
    ACCOUNT_ZERO_POINTS = 402, Validation;
    /// A redemption beyond the points available on this copy.
    ACCOUNT_INSUFFICIENT_POINTS = 403, State;
    /// A clawback of a transaction the account has never seen.
    ACCOUNT_UNKNOWN_TRANSACTION = 404, State;
    /// The account already holds `RTN_ACCOUNT_MAX_TERMINALS` terminals.
    ACCOUNT_TERMINAL_SLOTS_FULL = 405, Capacity;
    /// `now` is outside the days an account stores (1970-01-02..=2149-06-06).
    ACCOUNT_DATE_OUT_OF_RANGE = 407, Validation;
    /// A tier window of 0 or above `RTN_ACCOUNT_MAX_TIER_WINDOW_MONTHS` months.
    ACCOUNT_INVALID_WINDOW = 408, Validation;
    /// Two account copies to merge have different programs.
    ACCOUNT_PROGRAM_MISMATCH = 409, Validation;
    /// Two account copies disagree: one event id with two different effects (a terminal reused
    /// a sequence number), or equal watermarks with different checkpoints.
    ACCOUNT_DIVERGED = 411, State;
    /// An authentic account older than `min_write_counter`.
    ACCOUNT_OLDER_COPY = 412, State;
    /// Both account copies were compacted since they diverged: the back office replays one
    /// copy's missing events onto the other from the terminals' logs.
    ACCOUNT_INCOMPARABLE_CHECKPOINTS = 413, State;
    /// Two account copies hold more than `RTN_ACCOUNT_MAX_RECENT_EVENTS` recent events
    /// together: the back office replays one copy's missing events onto the other.
    ACCOUNT_RECENT_EVENTS_FULL = 414, Capacity;

    // 500–599: churn models.

    /// A churn model parameter is NaN, infinite or out of its domain.
    CHURN_PARAMETER_OUT_OF_DOMAIN = 500, Validation;
    /// Frequency, recency or age is NaN, infinite or negative, or the frequency is not whole
    /// (for BG/BB, which counts purchase opportunities, recency and age too).
    CHURN_INVALID_OBSERVATION = 501, Validation;
    /// The recency (last purchase) is later than the age (now).
    CHURN_RECENCY_AFTER_AGE = 502, Validation;
    /// Frequency 0 with a recency above 0.
    CHURN_RECENCY_WITHOUT_REPEAT = 503, Validation;
    /// A series of the churn model did not converge (an argument extremely close to 1).
    CHURN_NO_CONVERGENCE = 504, Convergence;
    /// A churn model result overflowed or is not a finite number.
    CHURN_NOT_FINITE = 505, Overflow;
    /// The churn summary has no recorded purchase yet.
    CHURN_NO_PURCHASES = 506, Validation;
    /// "Now" falls in a period before the summary's last purchase.
    CHURN_TODAY_BEFORE_LAST_PURCHASE = 507, Validation;
    /// The summary collapses purchases by another grain (day / week) than the model.
    CHURN_GRAIN_MISMATCH = 508, Validation;
    /// A purchase amount is negative.
    CHURN_NEGATIVE_AMOUNT = 509, Validation;
    /// A purchase falls in a period before the summary's last purchase: record purchases in order.
    CHURN_OUT_OF_ORDER = 510, Validation;
    /// BG/BB: a frequency above the recency (purchases at more opportunities than there were up
    /// to the last purchase).
    CHURN_FREQUENCY_ABOVE_RECENCY = 511, Validation;
    /// BG/BB: an age or horizon above 100,000 purchase opportunities (`MAX_BG_BB_PERIODS`).
    CHURN_TOO_MANY_PERIODS = 512, Validation;

    // 600–699: host tools: columns, rule authoring, back-testing (never a C status).

    /// Input columns differ in length (a fit, a batch, a transaction table, metrics, targeting).
    COLUMNS_LENGTH_MISMATCH = 600, Validation;
    /// A rule-set document is not valid JSON or TOML.
    AUTHORING_SYNTAX = 610, Validation;
    /// A rule-set document does not follow the schema: an unknown or missing field, a wrong type.
    AUTHORING_SCHEMA = 611, Validation;
    /// A rule-set document holds a value out of its range, a dangling reference, or
    /// contradictory settings.
    AUTHORING_INVALID = 612, Validation;
    /// A rule-set document holds more items than a capacity allows.
    AUTHORING_OVER_CAPACITY = 613, Capacity;
    /// A back-test column is missing or of another length than `customer`.
    BACKTEST_COLUMN_LENGTH = 620, Validation;
    /// A back-test row names a customer that is not among the customers.
    BACKTEST_UNKNOWN_CUSTOMER = 621, Validation;
    /// A back-test customer's reporting segment is not below the segment count.
    BACKTEST_SEGMENT_OUT_OF_RANGE = 622, Validation;
    // Validation whatever the churn model's own error: the customer's record does not fit the
    // model (another grain), as the Python package has always reported it.
    /// The churn model could not score a back-test customer (another grain, no convergence).
    BACKTEST_CHURN = 623, Validation;
    /// The back-test's progress callback asked it to stop.
    BACKTEST_INTERRUPTED = 624, Internal;

    // 700–799: host tools: churn fitting, transaction tables, metrics, targeting (never a C
    // status).

    /// Nothing to fit: no rows (or, for Gamma-Gamma, no repeat buyer with positive spend).
    FIT_EMPTY = 700, Validation;
    /// A row's weight is not finite and above zero.
    FIT_INVALID_WEIGHT = 701, Validation;
    /// A fit option is out of range (negative penalizer, wrong number or non-positive initial
    /// parameters).
    FIT_INVALID_OPTION = 702, Validation;
    /// The fit's optimizer stopped without reaching a point where the gradient vanishes.
    FIT_NO_CONVERGENCE = 703, Convergence;
    /// The likelihood has no interior maximum (Hessian not positive definite): add a penalizer
    /// or more varied data.
    FIT_DEGENERATE = 704, Convergence;
    /// sBG: a survivor count is NaN, infinite, negative or fractional.
    FIT_INVALID_COUNT = 705, Validation;
    /// sBG: a survivor count is above the one before (survivors never increase).
    FIT_SURVIVORS_INCREASE = 706, Validation;
    /// The fit's observer (a progress callback, an interrupt check) asked it to stop.
    FIT_INTERRUPTED = 707, Internal;
    /// Nobody in the data made a repeat purchase (every frequency is 0): the likelihood has no
    /// maximum; add a penalizer or data with repeat buyers.
    FIT_NO_REPEAT_PURCHASES = 708, Validation;
    /// A transaction's amount is NaN or infinite.
    TRANSACTIONS_INVALID_AMOUNT = 710, Validation;
    /// The calibration period ends after the observation period.
    TRANSACTIONS_INVALID_PERIOD = 711, Validation;
    /// Retention metrics need a period that ends (day, week, month, year), not the lifetime.
    METRICS_LIFETIME_PERIOD = 720, Validation;
    /// Cohort survival's `lapse_after` is 0 (a lapse takes at least one period without a purchase).
    METRICS_INVALID_LAPSE = 721, Validation;
    /// An offer's cost is negative or its uplift outside [0, 1].
    TARGETING_INVALID_OFFER = 730, Validation;
    /// A targeting row has a P(alive) outside [0, 1] or a CLV that is negative or not finite,
    /// or names a customer already listed.
    TARGETING_INVALID_ROW = 731, Validation;
    /// An offer plan names a feedback group or risk band that does not exist (an offer's
    /// uplift or eligibility, the customers' group column).
    TARGETING_UNKNOWN_NAME = 732, Validation;
    /// A customer's contact history is impossible: the last contact after today or outside
    /// the calendar, or a contact count that disagrees with the last contact.
    TARGETING_INVALID_CONTACT = 733, Validation;
    /// An offer plan's budget is negative or not finite, or its contact window is 0 days.
    TARGETING_INVALID_LIMITS = 734, Validation;
    /// Risk thresholds are not strictly increasing within 1..=1000.
    RISK_INVALID_THRESHOLDS = 740, Validation;
}

impl Code {
    /// The code's number: the C status value for codes below 600.
    #[must_use]
    pub const fn number(self) -> u16 {
        self as u16
    }

    /// The code with number `number`, if there is one (retired and unused numbers have none).
    #[must_use]
    pub fn from_number(number: u32) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| u32::from(code.number()) == number)
    }

    /// The code named `name` (`"RTN_DECODE_BAD_TAG"`), if there is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.name() == name)
    }

    /// The block the code lies in.
    #[must_use]
    pub fn range(self) -> Option<&'static CodeRange> {
        let number = self.number();
        RANGES
            .iter()
            .find(|range| range.first <= number && number <= range.last)
    }

    /// True for codes only host tools raise (600 and up): never returned by the C API.
    #[must_use]
    pub fn is_host_only(self) -> bool {
        self.range().is_none_or(|range| range.host_only)
    }

    /// The doc lines, each without its leading space (see [`Code::doc`]).
    pub fn doc_lines(self) -> impl Iterator<Item = &'static str> {
        self.doc()
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
    }
}

impl core::fmt::Display for Code {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_unique_ascending_and_in_their_ranges() {
        assert!(Code::ALL.windows(2).all(|w| w[0].number() < w[1].number()));
        assert!(RANGES.windows(2).all(|w| w[0].last < w[1].first));
        assert!(RANGES.iter().all(|r| r.first <= r.last));
        for code in Code::ALL {
            assert!(code.range().is_some(), "{code} lies in no range");
            assert_ne!(code.number(), 0, "0 is RTN_OK, never an error code");
        }
        // The host-only ranges come after every C status.
        let first_host = RANGES.iter().find(|r| r.host_only).unwrap().first;
        assert_eq!(first_host, 600);
        assert!(
            RANGES
                .iter()
                .all(|r| r.host_only == (r.first >= first_host))
        );
        for retired in RETIRED {
            assert_eq!(Code::from_number(u32::from(retired.number)), None);
            assert_eq!(Code::from_name(retired.name), None);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn names_unique_and_round_trip() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert!(code.name().starts_with("RTN_"));
            assert_eq!(
                format!("{code:?}"),
                code.name().strip_prefix("RTN_").unwrap()
            );
            assert!(
                Code::ALL[..i]
                    .iter()
                    .all(|other| other.name() != code.name())
            );
            assert_eq!(Code::from_name(code.name()), Some(*code));
            assert_eq!(Code::from_number(u32::from(code.number())), Some(*code));
            assert!(code.doc_lines().next().is_some_and(|line| !line.is_empty()));
        }
        assert_eq!(Code::from_name("RTN_OK"), None);
        assert_eq!(Code::from_number(0), None);
    }

    #[test]
    fn numbers_and_names_are_pinned() {
        // The C ABI (copied from the pins of `ffi/src/status.rs`): these never change.
        let pinned = [
            (Code::NULL_PARAMETER, 1, "RTN_NULL_PARAMETER"),
            (Code::BUFFER_TOO_SMALL, 2, "RTN_BUFFER_TOO_SMALL"),
            (Code::UNINITIALIZED, 7, "RTN_UNINITIALIZED"),
            (Code::DECODE_TRUNCATED, 100, "RTN_DECODE_TRUNCATED"),
            (Code::DECODE_BAD_TAG, 107, "RTN_DECODE_BAD_TAG"),
            (Code::PAYLOAD_TOO_LARGE, 115, "RTN_PAYLOAD_TOO_LARGE"),
            (Code::RULES_TOO_MANY_LINES, 200, "RTN_RULES_TOO_MANY_LINES"),
            (
                Code::CUSTOMER_INVALID_BIRTHDAY,
                218,
                "RTN_CUSTOMER_INVALID_BIRTHDAY",
            ),
            (
                Code::CUSTOMER_INVALID_CHURN,
                220,
                "RTN_CUSTOMER_INVALID_CHURN",
            ),
            (
                Code::RULES_INVALID_EVENT_ID,
                219,
                "RTN_RULES_INVALID_EVENT_ID",
            ),
            (
                Code::APPLY_TOO_MANY_STAMPS,
                230,
                "RTN_APPLY_TOO_MANY_STAMPS",
            ),
            (
                Code::FEEDBACK_SCORE_OUT_OF_RANGE,
                240,
                "RTN_FEEDBACK_SCORE_OUT_OF_RANGE",
            ),
            (
                Code::CHURN_PARAMETER_OUT_OF_DOMAIN,
                500,
                "RTN_CHURN_PARAMETER_OUT_OF_DOMAIN",
            ),
            (Code::CHURN_OUT_OF_ORDER, 510, "RTN_CHURN_OUT_OF_ORDER"),
            (Code::CARD_INVALID_PROGRAM, 300, "RTN_CARD_INVALID_PROGRAM"),
            (Code::CARD_OLDER_COPY, 314, "RTN_CARD_OLDER_COPY"),
            (
                Code::ACCOUNT_INVALID_PROGRAM,
                400,
                "RTN_ACCOUNT_INVALID_PROGRAM",
            ),
            (Code::ACCOUNT_OLDER_COPY, 412, "RTN_ACCOUNT_OLDER_COPY"),
            (
                Code::ACCOUNT_RECENT_EVENTS_FULL,
                414,
                "RTN_ACCOUNT_RECENT_EVENTS_FULL",
            ),
            (
                Code::CUSTOMER_INVALID_FIRST_VISIT,
                221,
                "RTN_CUSTOMER_INVALID_FIRST_VISIT",
            ),
            (
                Code::FEEDBACK_BEFORE_FIRST_VISIT,
                241,
                "RTN_FEEDBACK_BEFORE_FIRST_VISIT",
            ),
            (Code::FEEDBACK_IN_FUTURE, 242, "RTN_FEEDBACK_IN_FUTURE"),
            (Code::FEEDBACK_INVALID_DAY, 243, "RTN_FEEDBACK_INVALID_DAY"),
            (
                Code::FEEDBACK_INVALID_CHANNEL,
                244,
                "RTN_FEEDBACK_INVALID_CHANNEL",
            ),
            (
                Code::RULES_CHURN_MODEL_NOT_PINNED,
                250,
                "RTN_RULES_CHURN_MODEL_NOT_PINNED",
            ),
            // The first host-only codes.
            (
                Code::COLUMNS_LENGTH_MISMATCH,
                600,
                "RTN_COLUMNS_LENGTH_MISMATCH",
            ),
            (Code::FIT_EMPTY, 700, "RTN_FIT_EMPTY"),
        ];
        for (code, number, name) in pinned {
            assert_eq!((code.number(), code.name()), (number, name));
        }
        // The C statuses of today: 93 codes (RTN_OK, 0, is not an error code), none host-only.
        assert_eq!(Code::ALL.iter().filter(|c| !c.is_host_only()).count(), 93);
        assert!(
            Code::ALL
                .iter()
                .all(|c| c.is_host_only() == (c.number() >= 600))
        );
    }

    #[test]
    fn classes_are_pinned() {
        // The Python families of today's exceptions, one code of each.
        let pinned = [
            (Code::DECODE_BAD_CHECKSUM, ErrorClass::Decode),
            (Code::DECODE_BAD_TAG, ErrorClass::Authentication),
            (Code::RULES_BAD_SIGNATURE, ErrorClass::Authentication),
            (Code::DECODE_OVER_CAPACITY, ErrorClass::Capacity),
            (Code::SEAL_REQUIRED, ErrorClass::Validation),
            (Code::CARD_OLDER_COPY, ErrorClass::State),
            (Code::CHURN_NO_CONVERGENCE, ErrorClass::Convergence),
            (Code::CHURN_NOT_FINITE, ErrorClass::Overflow),
            (Code::CARD_WRITE_COUNTER_EXHAUSTED, ErrorClass::Overflow),
            (Code::BUFFER_TOO_SMALL, ErrorClass::Internal),
            (Code::FIT_DEGENERATE, ErrorClass::Convergence),
        ];
        for (code, class) in pinned {
            assert_eq!(code.class(), class, "{code}");
        }
        for class in ErrorClass::ALL {
            assert!(
                Code::ALL.iter().any(|c| c.class() == class),
                "{class:?} unused"
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn the_changelog_records_every_code() {
        // CHANGELOG.md names each code with its number ("107 `RTN_DECODE_BAD_TAG`"), and each
        // retired one.
        let changelog = include_str!("../../../CHANGELOG.md");
        let words: Vec<&str> = changelog
            .split(|c: char| c.is_whitespace() || c == ',' || c == '`')
            .filter(|word| !word.is_empty())
            .collect();
        let recorded = |number: u16, name: &str| {
            let number = number.to_string();
            words
                .windows(2)
                .any(|pair| pair[1] == name && pair[0] == number)
        };
        for code in Code::ALL {
            assert!(
                recorded(code.number(), code.name()),
                "CHANGELOG.md does not record {} {}",
                code.number(),
                code.name()
            );
        }
        for retired in RETIRED {
            assert!(recorded(retired.number, retired.name), "{}", retired.name);
        }
    }

    #[test]
    fn docs_keep_their_lines() {
        assert_eq!(
            Code::BUFFER_TOO_SMALL.doc_lines().collect::<Vec<_>>(),
            [
                "An output buffer is too small. Nothing was written; the header's `RTN_*_MAX_LEN`",
                "constants size buffers for the worst case.",
            ]
        );
        assert_eq!(
            Code::DECODE_TRUNCATED.doc(),
            " The blob ends early.\n",
            "rustdoc keeps the space after ///"
        );
    }
}
