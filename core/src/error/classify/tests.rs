//! Every error variant's code and class, as the C API returned and the Python package raised
//! them before the codes moved into the core (the `From<...> for rtn_status` impls of `ffi/` and
//! the families of `python/src/errors.rs`, `churn.rs`): the behaviour both doors keep.

use crate::card::{CardError, CardMergeError, CardReadError, ProgramError, ProgramId};
use crate::churn::model::ScoreError;
use crate::churn::risk::InvalidThresholds;
use crate::churn::special::SpecialError;
use crate::churn::summary::{InvalidSummary, ObserveError, PurchaseError};
use crate::churn::{BatchError, ChurnError};
use crate::customer::{ChurnNotEmpty, FeedbackError, RecordError, UsageFull};
use crate::envelope::{DecodeError, EncodeError, KeyError, Kind};
use crate::error::ErrorClass::{
    Authentication, Capacity, Convergence, Decode, Internal, Overflow as Overflows, State,
    Validation,
};
use crate::error::{Code, Coded, TimeUse};
use crate::money::{AllocateError, Overflow};
use crate::points::{
    AccountError, AccountMergeError, AccountProgramError, AccountReadError, Points,
};
use crate::rules::{
    AccountTierError, ApplyError, EvalError, LoadError, OutcomeCapacity, RedeemError, RefundError,
    TierError,
};
use crate::time::TimeError;

/// Checks each error's code and class: `error => CODE, Class;`.
macro_rules! expect {
    ($($error:expr => $code:ident, $class:ident;)+) => {
        $(
            let error: &dyn Coded = &$error;
            assert_eq!(
                (error.code(), error.class()),
                (Code::$code, $class),
                "{}",
                stringify!($error)
            );
        )+
    };
}

#[test]
fn envelope_errors() {
    expect! {
        KeyError::KeyTooShort => KEY_TOO_SHORT, Validation;
        KeyError::ContextTooLong => CONTEXT_TOO_LONG, Validation;
        EncodeError::BufferTooSmall { needed: 9 } => BUFFER_TOO_SMALL, Internal;
        EncodeError::PayloadTooLarge { len: 9 } => PAYLOAD_TOO_LARGE, Capacity;
        EncodeError::SealRequired => SEAL_REQUIRED, Validation;
        EncodeError::SealNotApplicable => SEAL_NOT_APPLICABLE, Validation;
        EncodeError::Serialize => INVALID_ARGUMENT, Validation;
        EncodeError::Internal => INTERNAL, Internal;
        DecodeError::Truncated { needed: 6 } => DECODE_TRUNCATED, Decode;
        DecodeError::BadMagic => DECODE_BAD_MAGIC, Decode;
        DecodeError::UnknownKind { found: 9 } => DECODE_UNKNOWN_KIND, Decode;
        DecodeError::WrongKind { expected: Kind::Card, found: Kind::Account }
            => DECODE_WRONG_KIND, Decode;
        DecodeError::UnsupportedVersion { found: 9, newest: 2 }
            => DECODE_UNSUPPORTED_VERSION, Decode;
        DecodeError::LengthMismatch { declared: 1, actual: 2 } => DECODE_LENGTH_MISMATCH, Decode;
        DecodeError::BadChecksum => DECODE_BAD_CHECKSUM, Decode;
        DecodeError::BadTag => DECODE_BAD_TAG, Authentication;
        DecodeError::SealRequired => SEAL_REQUIRED, Validation;
        DecodeError::SealNotApplicable => SEAL_NOT_APPLICABLE, Validation;
        DecodeError::Payload => DECODE_PAYLOAD, Decode;
        DecodeError::OverCapacity => DECODE_OVER_CAPACITY, Capacity;
        DecodeError::OutOfRange => DECODE_OUT_OF_RANGE, Decode;
    }
}

#[test]
fn general_errors_and_times() {
    expect! {
        Overflow => OVERFLOW, Overflows;
        AllocateError::LengthMismatch => INVALID_ARGUMENT, Validation;
        AllocateError::ZeroWeights => INVALID_ARGUMENT, Validation;
        AllocateError::Overflow => OVERFLOW, Overflows;
        // A time on its own: an argument (Python's dates and offsets, the C churn functions).
        TimeError::OutOfRange => INVALID_ARGUMENT, Validation;
        TimeError::InvalidOffset => INVALID_ARGUMENT, Validation;
        TimeError::InvalidDate => INVALID_ARGUMENT, Validation;
    }
    // A time read for a domain: the card's, the account's, the program's, the birthday's code;
    // an offset beyond ±18:00 stays an invalid argument.
    let uses = [
        (TimeUse::CardDay, "RTN_CARD_DATE_OUT_OF_RANGE"),
        (TimeUse::AccountDay, "RTN_ACCOUNT_DATE_OUT_OF_RANGE"),
        (TimeUse::CardExpiry, "RTN_CARD_INVALID_PROGRAM"),
        (TimeUse::Birthday, "RTN_CUSTOMER_INVALID_BIRTHDAY"),
        (TimeUse::FirstVisit, "RTN_CUSTOMER_INVALID_FIRST_VISIT"),
        (TimeUse::FeedbackDay, "RTN_FEEDBACK_INVALID_DAY"),
    ];
    for (used_for, name) in uses {
        for error in [TimeError::OutOfRange, TimeError::InvalidDate] {
            assert_eq!(used_for.refuse(error).code().name(), name);
            assert_eq!(used_for.refuse(error).class(), Validation);
        }
        assert_eq!(
            used_for.refuse(TimeError::InvalidOffset).code(),
            Code::INVALID_ARGUMENT
        );
    }
    assert_eq!(TimeUse::settle(true), TimeUse::CardDay);
    assert_eq!(TimeUse::settle(false), TimeUse::AccountDay);
}

#[test]
fn card_errors() {
    let program = ProgramId(1);
    expect! {
        ProgramError::NoStampsPerReward => CARD_INVALID_PROGRAM, Validation;
        ProgramError::NoDailyLimit => CARD_INVALID_PROGRAM, Validation;
        ProgramError::DateOutOfRange => CARD_INVALID_PROGRAM, Validation;
        CardError::WrongProgram { expected: program, found: ProgramId(2) }
            => CARD_WRONG_PROGRAM, Validation;
        CardError::InvalidEventId => CARD_INVALID_EVENT_ID, Validation;
        CardError::ZeroStamps => CARD_ZERO_STAMPS, Validation;
        CardError::DailyLimitReached { remaining: 0 } => CARD_DAILY_LIMIT_REACHED, State;
        CardError::NoRewardAvailable => CARD_NO_REWARD_AVAILABLE, State;
        CardError::UnknownTransaction => CARD_UNKNOWN_TRANSACTION, State;
        CardError::TerminalSlotsFull => CARD_TERMINAL_SLOTS_FULL, Capacity;
        CardError::CardExpired => CARD_EXPIRED, State;
        CardError::DateOutOfRange => CARD_DATE_OUT_OF_RANGE, Validation;
        CardError::CounterFull => CARD_COUNTER_FULL, Capacity;
        CardError::WriteCounterExhausted => CARD_WRITE_COUNTER_EXHAUSTED, Overflows;
        CardError::GenerationExhausted => CARD_GENERATION_EXHAUSTED, Overflows;
        CardError::Internal => INTERNAL, Internal;
        CardMergeError::ProgramMismatch => CARD_PROGRAM_MISMATCH, Validation;
        CardMergeError::TerminalSlotsFull => CARD_TERMINAL_SLOTS_FULL, Capacity;
        CardMergeError::WriteCounterExhausted => CARD_WRITE_COUNTER_EXHAUSTED, Overflows;
        CardReadError::Blob(DecodeError::BadTag) => DECODE_BAD_TAG, Authentication;
        CardReadError::OlderCopy { write_counter: 1, min_write_counter: 2 }
            => CARD_OLDER_COPY, State;
    }
}

#[test]
fn account_errors() {
    expect! {
        AccountProgramError::ExpiryTooLong => ACCOUNT_INVALID_PROGRAM, Validation;
        AccountProgramError::PendingTooLong => ACCOUNT_INVALID_PROGRAM, Validation;
        AccountError::InvalidEventId => ACCOUNT_INVALID_EVENT_ID, Validation;
        AccountError::ZeroPoints => ACCOUNT_ZERO_POINTS, Validation;
        AccountError::InsufficientPoints { available: Points(3) }
            => ACCOUNT_INSUFFICIENT_POINTS, State;
        AccountError::UnknownTransaction => ACCOUNT_UNKNOWN_TRANSACTION, State;
        AccountError::TerminalSlotsFull => ACCOUNT_TERMINAL_SLOTS_FULL, Capacity;
        AccountError::DateOutOfRange => ACCOUNT_DATE_OUT_OF_RANGE, Validation;
        AccountError::InvalidWindow => ACCOUNT_INVALID_WINDOW, Validation;
        AccountError::Overflow => OVERFLOW, Overflows;
        AccountError::Internal => INTERNAL, Internal;
        AccountMergeError::ProgramMismatch => ACCOUNT_PROGRAM_MISMATCH, Validation;
        AccountMergeError::IncomparableCheckpoints => ACCOUNT_INCOMPARABLE_CHECKPOINTS, State;
        AccountMergeError::RecentEventsFull => ACCOUNT_RECENT_EVENTS_FULL, Capacity;
        AccountMergeError::TerminalSlotsFull => ACCOUNT_TERMINAL_SLOTS_FULL, Capacity;
        AccountMergeError::Diverged => ACCOUNT_DIVERGED, State;
        AccountMergeError::Overflow => OVERFLOW, Overflows;
        AccountMergeError::WriteCounterExhausted => OVERFLOW, Overflows;
        AccountMergeError::Internal => INTERNAL, Internal;
        AccountReadError::Blob(DecodeError::Payload) => DECODE_PAYLOAD, Decode;
        AccountReadError::OlderCopy { write_counter: 1, min_write_counter: 2 }
            => ACCOUNT_OLDER_COPY, State;
    }
}

#[test]
fn rule_and_customer_errors() {
    expect! {
        EvalError::TooManyLines => RULES_TOO_MANY_LINES, Capacity;
        EvalError::NegativePrice { line: 0 } => RULES_NEGATIVE_PRICE, Validation;
        EvalError::ZeroQuantity { line: 0 } => RULES_ZERO_QUANTITY, Validation;
        EvalError::Overflow => OVERFLOW, Overflows;
        EvalError::ChurnRiskOutOfRange => RULES_CHURN_RISK_OUT_OF_RANGE, Validation;
        EvalError::ChurnModelNotPinned => RULES_CHURN_MODEL_NOT_PINNED, Authentication;
        EvalError::ChannelOutOfRange => RULES_CHANNEL_OUT_OF_RANGE, Validation;
        EvalError::InvalidEventId => RULES_INVALID_EVENT_ID, Validation;
        EvalError::Time(TimeError::InvalidOffset) => INVALID_ARGUMENT, Validation;
        EvalError::Time(TimeError::OutOfRange) => RULES_TIME_OUT_OF_RANGE, Validation;
        EvalError::Time(TimeError::InvalidDate) => RULES_TIME_OUT_OF_RANGE, Validation;
        EvalError::Customer(RecordError::InvalidBirthday) => RULES_INVALID_CUSTOMER, Validation;
        EvalError::Customer(RecordError::DuplicateUsage) => RULES_INVALID_CUSTOMER, Validation;
        RecordError::InvalidFirstVisit => CUSTOMER_INVALID_FIRST_VISIT, Validation;
        FeedbackError::BeforeFirstVisit => FEEDBACK_BEFORE_FIRST_VISIT, Validation;
        FeedbackError::InFuture => FEEDBACK_IN_FUTURE, Validation;
        EvalError::Capacity(OutcomeCapacity::UsageCounts) => RULES_USAGE_COUNTS_FULL, Capacity;
        EvalError::Capacity(OutcomeCapacity::Shares) => RULES_OUTCOME_FULL, Capacity;
        EvalError::Capacity(OutcomeCapacity::FreeItems) => RULES_OUTCOME_FULL, Capacity;
        EvalError::Capacity(OutcomeCapacity::Rewards) => RULES_OUTCOME_FULL, Capacity;
        EvalError::Internal => INTERNAL, Internal;
        LoadError::Decode(DecodeError::BadChecksum) => DECODE_BAD_CHECKSUM, Decode;
        LoadError::Unsigned => RULES_UNSIGNED, Authentication;
        LoadError::BadSignature => RULES_BAD_SIGNATURE, Authentication;
        LoadError::BadPublicKey => RULES_BAD_PUBLIC_KEY, Validation;
        LoadError::SerialTooOld { serial: 1, min_serial: 2 } => RULES_SERIAL_TOO_OLD, State;
        RefundError::WrongTransaction => RULES_REFUND_WRONG_SALE, Validation;
        RefundError::LineCountMismatch => RULES_REFUND_LINE_COUNT_MISMATCH, Validation;
        RefundError::UnknownLine { line: 3 } => RULES_REFUND_LINE_COUNT_MISMATCH, Validation;
        RefundError::TooManyUnits { line: 0 } => RULES_REFUND_TOO_MANY_UNITS, Validation;
        RefundError::Overflow => OVERFLOW, Overflows;
        RefundError::InvalidOutcome => INTERNAL, Internal;
        ApplyError::Card(CardError::DailyLimitReached { remaining: 1 })
            => CARD_DAILY_LIMIT_REACHED, State;
        ApplyError::Account(AccountError::Overflow) => OVERFLOW, Overflows;
        ApplyError::TooManyStamps { program: ProgramId(1), stamps: 70_000 }
            => APPLY_TOO_MANY_STAMPS, Capacity;
        // Neither door reports these yet: the nearest existing codes.
        RedeemError::BelowMinimum { min_points: 5 } => INVALID_ARGUMENT, Validation;
        RedeemError::InsufficientBalance => ACCOUNT_INSUFFICIENT_POINTS, State;
        RedeemError::NegativeBasket => INVALID_ARGUMENT, Validation;
        RedeemError::Overflow => OVERFLOW, Overflows;
        TierError::NegativeSpend => INVALID_ARGUMENT, Validation;
        TierError::InvalidGraceStart => INVALID_ARGUMENT, Validation;
        AccountTierError::SpendBasis => INVALID_ARGUMENT, Validation;
        AccountTierError::Account(AccountError::DateOutOfRange)
            => ACCOUNT_DATE_OUT_OF_RANGE, Validation;
        AccountTierError::Tier(TierError::NegativeSpend) => INVALID_ARGUMENT, Validation;
        ChurnNotEmpty => CUSTOMER_INVALID_CHURN, Validation;
        crate::feedback::ScoreOutOfRange => FEEDBACK_SCORE_OUT_OF_RANGE, Validation;
        UsageFull => RULES_USAGE_COUNTS_FULL, Capacity;
        // A record on its own (Python: `Customer(...)`, `last_visit`): ValidationError.
        RecordError::LastVisitOutOfRange => RULES_INVALID_CUSTOMER, Validation;
        RecordError::InvalidBirthday => CUSTOMER_INVALID_BIRTHDAY, Validation;
        RecordError::DuplicateUsage => RULES_INVALID_CUSTOMER, Validation;
    }
}

#[test]
fn churn_errors() {
    expect! {
        ChurnError::ParameterOutOfDomain => CHURN_PARAMETER_OUT_OF_DOMAIN, Validation;
        ChurnError::InvalidObservation => CHURN_INVALID_OBSERVATION, Validation;
        ChurnError::RecencyAfterAge => CHURN_RECENCY_AFTER_AGE, Validation;
        ChurnError::RecencyWithoutRepeat => CHURN_RECENCY_WITHOUT_REPEAT, Validation;
        ChurnError::InvalidArgument => INVALID_ARGUMENT, Validation;
        ChurnError::NoConvergence => CHURN_NO_CONVERGENCE, Convergence;
        ChurnError::NotFinite => CHURN_NOT_FINITE, Overflows;
        SpecialError::NoConvergence => CHURN_NO_CONVERGENCE, Convergence;
        SpecialError::Domain => CHURN_NOT_FINITE, Overflows;
        SpecialError::Pole => CHURN_NOT_FINITE, Overflows;
        BatchError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        BatchError::Row { index: 4, error: ChurnError::NoConvergence }
            => CHURN_NO_CONVERGENCE, Convergence;
        PurchaseError::NegativeAmount => CHURN_NEGATIVE_AMOUNT, Validation;
        PurchaseError::OutOfOrder => CHURN_OUT_OF_ORDER, Validation;
        PurchaseError::Overflow => OVERFLOW, Overflows;
        ObserveError::NoPurchases => CHURN_NO_PURCHASES, Validation;
        ObserveError::TodayBeforeLastPurchase => CHURN_TODAY_BEFORE_LAST_PURCHASE, Validation;
        InvalidSummary => CUSTOMER_INVALID_CHURN, Validation;
        InvalidThresholds => RISK_INVALID_THRESHOLDS, Validation;
        ScoreError::Summary(ObserveError::NoPurchases) => CHURN_NO_PURCHASES, Validation;
        ScoreError::GrainMismatch => CHURN_GRAIN_MISMATCH, Validation;
        ScoreError::Model(ChurnError::NotFinite) => CHURN_NOT_FINITE, Overflows;
        ScoreError::Overflow => OVERFLOW, Overflows;
    }
}

#[cfg(feature = "std")]
#[test]
fn host_tool_errors() {
    use crate::churn::fit::{BestParams, FitError};
    use crate::churn::metrics::MetricsError;
    use crate::churn::survival::SurvivalError;
    use crate::churn::targeting::TargetingError;
    use crate::churn::targeting::plan::{ContactProblem, PlanError};
    use crate::churn::transactions::TransactionError;
    use crate::feedback::churn::FeedbackChurnError;
    use crate::feedback::nps::NpsError;
    use crate::rules::backtest::{BacktestError, FeedbackRefusal};
    use crate::rules::{AuthoringError, AuthoringErrorKind};
    use crate::stats::InvalidConfidence;

    let authoring = |kind| AuthoringError {
        kind,
        rule: None,
        field: String::new(),
        message: String::new(),
    };
    expect! {
        authoring(AuthoringErrorKind::Syntax) => AUTHORING_SYNTAX, Validation;
        authoring(AuthoringErrorKind::Schema) => AUTHORING_SCHEMA, Validation;
        authoring(AuthoringErrorKind::Invalid) => AUTHORING_INVALID, Validation;
        authoring(AuthoringErrorKind::OverCapacity) => AUTHORING_OVER_CAPACITY, Capacity;
        BacktestError::ColumnLength { column: "time" } => BACKTEST_COLUMN_LENGTH, Validation;
        BacktestError::UnknownCustomer { row: 1 } => BACKTEST_UNKNOWN_CUSTOMER, Validation;
        BacktestError::SegmentOutOfRange { customer: 1 }
            => BACKTEST_SEGMENT_OUT_OF_RANGE, Validation;
        BacktestError::Basket { row: 2, error: EvalError::Overflow } => OVERFLOW, Overflows;
        // Python raised ValidationError for every churn failure of a back-test.
        BacktestError::Churn { row: 2, error: ScoreError::Model(ChurnError::NoConvergence) }
            => BACKTEST_CHURN, Validation;
        BacktestError::Interrupted => BACKTEST_INTERRUPTED, Internal;
        BacktestError::Feedback { row: 0, error: FeedbackRefusal::UnknownCustomer }
            => BACKTEST_UNKNOWN_CUSTOMER, Validation;
        BacktestError::Feedback { row: 0, error: FeedbackRefusal::Score }
            => FEEDBACK_SCORE_OUT_OF_RANGE, Validation;
        BacktestError::Feedback { row: 0, error: FeedbackRefusal::Channel }
            => FEEDBACK_INVALID_CHANNEL, Validation;
        BacktestError::Feedback { row: 0, error: FeedbackRefusal::Day }
            => FEEDBACK_INVALID_DAY, Validation;
        BacktestError::Feedback {
            row: 0,
            error: FeedbackRefusal::Record(FeedbackError::BeforeFirstVisit),
        } => FEEDBACK_BEFORE_FIRST_VISIT, Validation;
        FitError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        FitError::Empty => FIT_EMPTY, Validation;
        FitError::Row { index: 0, error: ChurnError::RecencyAfterAge }
            => CHURN_RECENCY_AFTER_AGE, Validation;
        FitError::InvalidWeight { index: 0 } => FIT_INVALID_WEIGHT, Validation;
        FitError::InvalidOption => FIT_INVALID_OPTION, Validation;
        FitError::NoConvergence { iterations: 9, gradient_norm: 1.0, best: BestParams::default() }
            => FIT_NO_CONVERGENCE, Convergence;
        FitError::Interrupted { iterations: 9, best: BestParams::default() }
            => FIT_INTERRUPTED, Internal;
        FitError::NoRepeatPurchases => FIT_NO_REPEAT_PURCHASES, Validation;
        FitError::Degenerate => FIT_DEGENERATE, Convergence;
        FitError::Numeric(ChurnError::NotFinite) => CHURN_NOT_FINITE, Overflows;
        TransactionError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        TransactionError::InvalidAmount { index: 0 } => TRANSACTIONS_INVALID_AMOUNT, Validation;
        TransactionError::InvalidPeriod => TRANSACTIONS_INVALID_PERIOD, Validation;
        MetricsError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        MetricsError::LifetimePeriod => METRICS_LIFETIME_PERIOD, Validation;
        TargetingError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        TargetingError::InvalidOffer => TARGETING_INVALID_OFFER, Validation;
        TargetingError::InvalidRow { index: 0 } => TARGETING_INVALID_ROW, Validation;
        PlanError::LengthMismatch { column: "clv" } => COLUMNS_LENGTH_MISMATCH, Validation;
        PlanError::InvalidOffer { offer: "A".into(), field: "cost" }
            => TARGETING_INVALID_OFFER, Validation;
        PlanError::UnknownName { offer: None, field: "group", name: "x".into() }
            => TARGETING_UNKNOWN_NAME, Validation;
        PlanError::InvalidRow { row: 0, field: "clv" } => TARGETING_INVALID_ROW, Validation;
        PlanError::InvalidContact { row: 0, problem: ContactProblem::InTheFuture }
            => TARGETING_INVALID_CONTACT, Validation;
        PlanError::InvalidLimits { field: "budget" } => TARGETING_INVALID_LIMITS, Validation;
        InvalidConfidence => INVALID_ARGUMENT, Validation;
        SurvivalError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        SurvivalError::InvalidDuration { row: 0 } => INVALID_ARGUMENT, Validation;
        SurvivalError::GroupOutOfRange { row: 0 } => INVALID_ARGUMENT, Validation;
        SurvivalError::InvalidConfidence => INVALID_ARGUMENT, Validation;
        NpsError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        NpsError::InvalidScore { row: 0, score: 11.0 } => FEEDBACK_SCORE_OUT_OF_RANGE, Validation;
        NpsError::InvalidConfidence => INVALID_ARGUMENT, Validation;
        FeedbackChurnError::LengthMismatch => COLUMNS_LENGTH_MISMATCH, Validation;
        FeedbackChurnError::InvalidScore { row: 0, score: -1.0 }
            => FEEDBACK_SCORE_OUT_OF_RANGE, Validation;
        FeedbackChurnError::InvalidChurnWindow => INVALID_ARGUMENT, Validation;
        FeedbackChurnError::InvalidConfidence => INVALID_ARGUMENT, Validation;
        FeedbackChurnError::Internal => INTERNAL, Internal;
    }
    // The host tools' own codes never reach the C API.
    for code in [
        Code::AUTHORING_SYNTAX,
        Code::BACKTEST_CHURN,
        Code::FIT_DEGENERATE,
        Code::COLUMNS_LENGTH_MISMATCH,
        Code::TARGETING_UNKNOWN_NAME,
        Code::TARGETING_INVALID_CONTACT,
        Code::TARGETING_INVALID_LIMITS,
    ] {
        assert!(code.is_host_only());
    }
    // The till's feedback score error is a C status.
    assert!(!Code::FEEDBACK_SCORE_OUT_OF_RANGE.is_host_only());
}
