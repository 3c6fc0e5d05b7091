//! [`Coded`] for every error type of the core: one exhaustive match each, so that a new variant
//! does not build until it has a code. Errors that wrap another take the inner error's code.

use super::{Code, Coded, TimeUse, TimeUseError};
use crate::card::{CardError, CardMergeError, CardReadError, ProgramError};
use crate::churn::model::ScoreError;
use crate::churn::risk::InvalidThresholds;
use crate::churn::special::SpecialError;
use crate::churn::summary::{InvalidSummary, ObserveError, PurchaseError};
use crate::churn::{BatchError, ChurnError};
use crate::customer::{ChurnNotEmpty, FeedbackError, RecordError, UsageFull};
use crate::envelope::{DecodeError, EncodeError, KeyError};
use crate::feedback::ScoreOutOfRange;
use crate::money::{AllocateError, Overflow};
use crate::points::{AccountError, AccountMergeError, AccountProgramError, AccountReadError};
use crate::rules::{
    AccountTierError, ApplyError, EvalError, LoadError, OutcomeCapacity, RedeemError, RefundError,
    TierError,
};
use crate::time::TimeError;

impl Coded for Overflow {
    fn code(&self) -> Code {
        Code::OVERFLOW
    }
}

impl Coded for AllocateError {
    fn code(&self) -> Code {
        match self {
            AllocateError::LengthMismatch | AllocateError::ZeroWeights => Code::INVALID_ARGUMENT,
            AllocateError::Overflow => Code::OVERFLOW,
        }
    }
}

impl Coded for TimeError {
    /// An invalid argument: the caller gave a time, an offset or a date the calendar cannot
    /// hold. Read for a card, an account, an expiry or a birthday, see [`TimeUseError`].
    fn code(&self) -> Code {
        match self {
            TimeError::OutOfRange | TimeError::InvalidOffset | TimeError::InvalidDate => {
                Code::INVALID_ARGUMENT
            }
        }
    }
}

impl Coded for TimeUseError {
    fn code(&self) -> Code {
        match (self.used_for, self.error) {
            (
                TimeUse::CardDay
                | TimeUse::AccountDay
                | TimeUse::CardExpiry
                | TimeUse::Birthday
                | TimeUse::FirstVisit
                | TimeUse::FeedbackDay,
                TimeError::InvalidOffset,
            ) => Code::INVALID_ARGUMENT,
            (TimeUse::CardDay, TimeError::OutOfRange | TimeError::InvalidDate) => {
                Code::CARD_DATE_OUT_OF_RANGE
            }
            (TimeUse::AccountDay, TimeError::OutOfRange | TimeError::InvalidDate) => {
                Code::ACCOUNT_DATE_OUT_OF_RANGE
            }
            (TimeUse::CardExpiry, TimeError::OutOfRange | TimeError::InvalidDate) => {
                Code::CARD_INVALID_PROGRAM
            }
            (TimeUse::Birthday, TimeError::OutOfRange | TimeError::InvalidDate) => {
                Code::CUSTOMER_INVALID_BIRTHDAY
            }
            (TimeUse::FirstVisit, TimeError::OutOfRange | TimeError::InvalidDate) => {
                Code::CUSTOMER_INVALID_FIRST_VISIT
            }
            (TimeUse::FeedbackDay, TimeError::OutOfRange | TimeError::InvalidDate) => {
                Code::FEEDBACK_INVALID_DAY
            }
        }
    }
}

// --- envelope ----------------------------------------------------------------------------------

impl Coded for KeyError {
    fn code(&self) -> Code {
        match self {
            KeyError::KeyTooShort => Code::KEY_TOO_SHORT,
            KeyError::ContextTooLong => Code::CONTEXT_TOO_LONG,
        }
    }
}

impl Coded for EncodeError {
    fn code(&self) -> Code {
        match self {
            EncodeError::BufferTooSmall { .. } => Code::BUFFER_TOO_SMALL,
            EncodeError::PayloadTooLarge { .. } => Code::PAYLOAD_TOO_LARGE,
            EncodeError::SealRequired => Code::SEAL_REQUIRED,
            EncodeError::SealNotApplicable => Code::SEAL_NOT_APPLICABLE,
            EncodeError::Serialize => Code::INVALID_ARGUMENT,
            EncodeError::Internal => Code::INTERNAL,
        }
    }
}

impl Coded for DecodeError {
    fn code(&self) -> Code {
        match self {
            DecodeError::Truncated { .. } => Code::DECODE_TRUNCATED,
            DecodeError::BadMagic => Code::DECODE_BAD_MAGIC,
            DecodeError::UnknownKind { .. } => Code::DECODE_UNKNOWN_KIND,
            DecodeError::WrongKind { .. } => Code::DECODE_WRONG_KIND,
            DecodeError::UnsupportedVersion { .. } => Code::DECODE_UNSUPPORTED_VERSION,
            DecodeError::LengthMismatch { .. } => Code::DECODE_LENGTH_MISMATCH,
            DecodeError::BadChecksum => Code::DECODE_BAD_CHECKSUM,
            DecodeError::BadTag => Code::DECODE_BAD_TAG,
            DecodeError::SealRequired => Code::SEAL_REQUIRED,
            DecodeError::SealNotApplicable => Code::SEAL_NOT_APPLICABLE,
            DecodeError::Payload => Code::DECODE_PAYLOAD,
            DecodeError::OverCapacity => Code::DECODE_OVER_CAPACITY,
            DecodeError::OutOfRange => Code::DECODE_OUT_OF_RANGE,
        }
    }
}

// --- punch cards -------------------------------------------------------------------------------

impl Coded for ProgramError {
    fn code(&self) -> Code {
        match self {
            ProgramError::NoStampsPerReward
            | ProgramError::NoDailyLimit
            | ProgramError::DateOutOfRange => Code::CARD_INVALID_PROGRAM,
        }
    }
}

impl Coded for CardError {
    fn code(&self) -> Code {
        match self {
            CardError::WrongProgram { .. } => Code::CARD_WRONG_PROGRAM,
            CardError::InvalidEventId => Code::CARD_INVALID_EVENT_ID,
            CardError::ZeroStamps => Code::CARD_ZERO_STAMPS,
            CardError::DailyLimitReached { .. } => Code::CARD_DAILY_LIMIT_REACHED,
            CardError::NoRewardAvailable => Code::CARD_NO_REWARD_AVAILABLE,
            CardError::UnknownTransaction => Code::CARD_UNKNOWN_TRANSACTION,
            CardError::TerminalSlotsFull => Code::CARD_TERMINAL_SLOTS_FULL,
            CardError::CardExpired => Code::CARD_EXPIRED,
            CardError::DateOutOfRange => Code::CARD_DATE_OUT_OF_RANGE,
            CardError::CounterFull => Code::CARD_COUNTER_FULL,
            CardError::WriteCounterExhausted => Code::CARD_WRITE_COUNTER_EXHAUSTED,
            CardError::GenerationExhausted => Code::CARD_GENERATION_EXHAUSTED,
            CardError::Internal => Code::INTERNAL,
        }
    }
}

impl Coded for CardMergeError {
    fn code(&self) -> Code {
        match self {
            CardMergeError::ProgramMismatch => Code::CARD_PROGRAM_MISMATCH,
            CardMergeError::TerminalSlotsFull => Code::CARD_TERMINAL_SLOTS_FULL,
            CardMergeError::WriteCounterExhausted => Code::CARD_WRITE_COUNTER_EXHAUSTED,
        }
    }
}

impl Coded for CardReadError {
    fn code(&self) -> Code {
        match self {
            CardReadError::Blob(error) => error.code(),
            CardReadError::OlderCopy { .. } => Code::CARD_OLDER_COPY,
        }
    }
}

// --- points accounts ---------------------------------------------------------------------------

impl Coded for AccountProgramError {
    fn code(&self) -> Code {
        match self {
            AccountProgramError::ExpiryTooLong | AccountProgramError::PendingTooLong => {
                Code::ACCOUNT_INVALID_PROGRAM
            }
        }
    }
}

impl Coded for AccountError {
    fn code(&self) -> Code {
        match self {
            AccountError::InvalidEventId => Code::ACCOUNT_INVALID_EVENT_ID,
            AccountError::ZeroPoints => Code::ACCOUNT_ZERO_POINTS,
            AccountError::InsufficientPoints { .. } => Code::ACCOUNT_INSUFFICIENT_POINTS,
            AccountError::UnknownTransaction => Code::ACCOUNT_UNKNOWN_TRANSACTION,
            AccountError::TerminalSlotsFull => Code::ACCOUNT_TERMINAL_SLOTS_FULL,
            AccountError::DateOutOfRange => Code::ACCOUNT_DATE_OUT_OF_RANGE,
            AccountError::InvalidWindow => Code::ACCOUNT_INVALID_WINDOW,
            AccountError::Overflow => Code::OVERFLOW,
            AccountError::Internal => Code::INTERNAL,
        }
    }
}

impl Coded for AccountMergeError {
    fn code(&self) -> Code {
        match self {
            AccountMergeError::ProgramMismatch => Code::ACCOUNT_PROGRAM_MISMATCH,
            AccountMergeError::IncomparableCheckpoints => Code::ACCOUNT_INCOMPARABLE_CHECKPOINTS,
            AccountMergeError::RecentEventsFull => Code::ACCOUNT_RECENT_EVENTS_FULL,
            AccountMergeError::TerminalSlotsFull => Code::ACCOUNT_TERMINAL_SLOTS_FULL,
            AccountMergeError::Diverged => Code::ACCOUNT_DIVERGED,
            AccountMergeError::Overflow | AccountMergeError::WriteCounterExhausted => {
                Code::OVERFLOW
            }
            AccountMergeError::Internal => Code::INTERNAL,
        }
    }
}

impl Coded for AccountReadError {
    fn code(&self) -> Code {
        match self {
            AccountReadError::Blob(error) => error.code(),
            AccountReadError::OlderCopy { .. } => Code::ACCOUNT_OLDER_COPY,
        }
    }
}

// --- customer records --------------------------------------------------------------------------

impl Coded for RecordError {
    fn code(&self) -> Code {
        match self {
            RecordError::LastVisitOutOfRange | RecordError::DuplicateUsage => {
                Code::RULES_INVALID_CUSTOMER
            }
            RecordError::InvalidBirthday => Code::CUSTOMER_INVALID_BIRTHDAY,
            RecordError::InvalidFirstVisit => Code::CUSTOMER_INVALID_FIRST_VISIT,
        }
    }
}

impl Coded for FeedbackError {
    fn code(&self) -> Code {
        match self {
            FeedbackError::BeforeFirstVisit => Code::FEEDBACK_BEFORE_FIRST_VISIT,
            FeedbackError::InFuture => Code::FEEDBACK_IN_FUTURE,
        }
    }
}

impl Coded for UsageFull {
    fn code(&self) -> Code {
        Code::RULES_USAGE_COUNTS_FULL
    }
}

impl Coded for ChurnNotEmpty {
    fn code(&self) -> Code {
        Code::CUSTOMER_INVALID_CHURN
    }
}

impl Coded for ScoreOutOfRange {
    fn code(&self) -> Code {
        Code::FEEDBACK_SCORE_OUT_OF_RANGE
    }
}

// --- rules -------------------------------------------------------------------------------------

impl Coded for EvalError {
    fn code(&self) -> Code {
        match self {
            EvalError::TooManyLines => Code::RULES_TOO_MANY_LINES,
            EvalError::NegativePrice { .. } => Code::RULES_NEGATIVE_PRICE,
            EvalError::ZeroQuantity { .. } => Code::RULES_ZERO_QUANTITY,
            EvalError::Overflow => Code::OVERFLOW,
            EvalError::ChurnRiskOutOfRange => Code::RULES_CHURN_RISK_OUT_OF_RANGE,
            EvalError::ChurnModelNotPinned => Code::RULES_CHURN_MODEL_NOT_PINNED,
            EvalError::ChannelOutOfRange => Code::RULES_CHANNEL_OUT_OF_RANGE,
            EvalError::InvalidEventId => Code::RULES_INVALID_EVENT_ID,
            EvalError::Time(TimeError::InvalidOffset) => Code::INVALID_ARGUMENT,
            EvalError::Time(TimeError::OutOfRange | TimeError::InvalidDate) => {
                Code::RULES_TIME_OUT_OF_RANGE
            }
            // Whatever is wrong in the record: the sale names the record, not the field.
            EvalError::Customer(_) => Code::RULES_INVALID_CUSTOMER,
            EvalError::Capacity(OutcomeCapacity::UsageCounts) => Code::RULES_USAGE_COUNTS_FULL,
            EvalError::Capacity(
                OutcomeCapacity::Shares | OutcomeCapacity::FreeItems | OutcomeCapacity::Rewards,
            ) => Code::RULES_OUTCOME_FULL,
            EvalError::Internal => Code::INTERNAL,
        }
    }
}

impl Coded for LoadError {
    fn code(&self) -> Code {
        match self {
            LoadError::Decode(error) => error.code(),
            LoadError::Unsigned => Code::RULES_UNSIGNED,
            LoadError::BadSignature => Code::RULES_BAD_SIGNATURE,
            LoadError::BadPublicKey => Code::RULES_BAD_PUBLIC_KEY,
            LoadError::SerialTooOld { .. } => Code::RULES_SERIAL_TOO_OLD,
        }
    }
}

impl Coded for RefundError {
    fn code(&self) -> Code {
        match self {
            RefundError::WrongTransaction => Code::RULES_REFUND_WRONG_SALE,
            RefundError::LineCountMismatch | RefundError::UnknownLine { .. } => {
                Code::RULES_REFUND_LINE_COUNT_MISMATCH
            }
            RefundError::TooManyUnits { .. } => Code::RULES_REFUND_TOO_MANY_UNITS,
            RefundError::Overflow => Code::OVERFLOW,
            // An outcome the engine wrote that names a line it does not have: a bug.
            RefundError::InvalidOutcome => Code::INTERNAL,
        }
    }
}

impl Coded for ApplyError {
    fn code(&self) -> Code {
        match self {
            ApplyError::Card(error) => error.code(),
            ApplyError::Account(error) => error.code(),
            ApplyError::TooManyStamps { .. } => Code::APPLY_TOO_MANY_STAMPS,
        }
    }
}

impl Coded for RedeemError {
    fn code(&self) -> Code {
        match self {
            RedeemError::BelowMinimum { .. } | RedeemError::NegativeBasket => {
                Code::INVALID_ARGUMENT
            }
            RedeemError::InsufficientBalance => Code::ACCOUNT_INSUFFICIENT_POINTS,
            RedeemError::Overflow => Code::OVERFLOW,
        }
    }
}

impl Coded for TierError {
    fn code(&self) -> Code {
        match self {
            TierError::NegativeSpend | TierError::InvalidGraceStart => Code::INVALID_ARGUMENT,
        }
    }
}

impl Coded for AccountTierError {
    fn code(&self) -> Code {
        match self {
            AccountTierError::SpendBasis => Code::INVALID_ARGUMENT,
            AccountTierError::Account(error) => error.code(),
            AccountTierError::Tier(error) => error.code(),
        }
    }
}

#[cfg(feature = "std")]
mod host_rules {
    use super::{Code, Coded};
    use crate::rules::backtest::{BacktestError, FeedbackRefusal};
    use crate::rules::{AuthoringError, AuthoringErrorKind};

    impl Coded for AuthoringErrorKind {
        fn code(&self) -> Code {
            match self {
                AuthoringErrorKind::Syntax => Code::AUTHORING_SYNTAX,
                AuthoringErrorKind::Schema => Code::AUTHORING_SCHEMA,
                AuthoringErrorKind::Invalid => Code::AUTHORING_INVALID,
                AuthoringErrorKind::OverCapacity => Code::AUTHORING_OVER_CAPACITY,
            }
        }
    }

    impl Coded for AuthoringError {
        fn code(&self) -> Code {
            self.kind.code()
        }
    }

    impl Coded for BacktestError {
        fn code(&self) -> Code {
            match self {
                BacktestError::ColumnLength { .. } => Code::BACKTEST_COLUMN_LENGTH,
                BacktestError::UnknownCustomer { .. } => Code::BACKTEST_UNKNOWN_CUSTOMER,
                BacktestError::SegmentOutOfRange { .. } => Code::BACKTEST_SEGMENT_OUT_OF_RANGE,
                BacktestError::Basket { error, .. } => error.code(),
                BacktestError::Churn { .. } => Code::BACKTEST_CHURN,
                BacktestError::Interrupted => Code::BACKTEST_INTERRUPTED,
                BacktestError::Feedback { error, .. } => error.code(),
            }
        }
    }

    impl Coded for FeedbackRefusal {
        fn code(&self) -> Code {
            match self {
                FeedbackRefusal::UnknownCustomer => Code::BACKTEST_UNKNOWN_CUSTOMER,
                FeedbackRefusal::Score => Code::FEEDBACK_SCORE_OUT_OF_RANGE,
                FeedbackRefusal::Channel => Code::FEEDBACK_INVALID_CHANNEL,
                FeedbackRefusal::Day => Code::FEEDBACK_INVALID_DAY,
                FeedbackRefusal::Record(error) => error.code(),
            }
        }
    }
}

// --- churn -------------------------------------------------------------------------------------

impl Coded for ChurnError {
    fn code(&self) -> Code {
        match self {
            ChurnError::ParameterOutOfDomain => Code::CHURN_PARAMETER_OUT_OF_DOMAIN,
            ChurnError::InvalidObservation => Code::CHURN_INVALID_OBSERVATION,
            ChurnError::RecencyAfterAge => Code::CHURN_RECENCY_AFTER_AGE,
            ChurnError::RecencyWithoutRepeat => Code::CHURN_RECENCY_WITHOUT_REPEAT,
            ChurnError::InvalidArgument => Code::INVALID_ARGUMENT,
            ChurnError::NoConvergence => Code::CHURN_NO_CONVERGENCE,
            ChurnError::NotFinite => Code::CHURN_NOT_FINITE,
            ChurnError::FrequencyAboveRecency => Code::CHURN_FREQUENCY_ABOVE_RECENCY,
            ChurnError::TooManyPeriods => Code::CHURN_TOO_MANY_PERIODS,
        }
    }
}

impl Coded for SpecialError {
    /// The code of the [`ChurnError`] the models report it as.
    fn code(&self) -> Code {
        ChurnError::from(*self).code()
    }
}

impl Coded for BatchError {
    fn code(&self) -> Code {
        match self {
            BatchError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
            BatchError::Row { error, .. } => error.code(),
        }
    }
}

impl Coded for PurchaseError {
    fn code(&self) -> Code {
        match self {
            PurchaseError::NegativeAmount => Code::CHURN_NEGATIVE_AMOUNT,
            PurchaseError::OutOfOrder => Code::CHURN_OUT_OF_ORDER,
            PurchaseError::Overflow => Code::OVERFLOW,
        }
    }
}

impl Coded for ObserveError {
    fn code(&self) -> Code {
        match self {
            ObserveError::NoPurchases => Code::CHURN_NO_PURCHASES,
            ObserveError::TodayBeforeLastPurchase => Code::CHURN_TODAY_BEFORE_LAST_PURCHASE,
        }
    }
}

impl Coded for InvalidSummary {
    fn code(&self) -> Code {
        Code::CUSTOMER_INVALID_CHURN
    }
}

impl Coded for InvalidThresholds {
    fn code(&self) -> Code {
        Code::RISK_INVALID_THRESHOLDS
    }
}

impl Coded for ScoreError {
    fn code(&self) -> Code {
        match self {
            ScoreError::Summary(error) => error.code(),
            ScoreError::GrainMismatch => Code::CHURN_GRAIN_MISMATCH,
            ScoreError::Model(error) => error.code(),
            ScoreError::Overflow => Code::OVERFLOW,
        }
    }
}

#[cfg(feature = "std")]
mod host_churn {
    use super::{Code, Coded};
    use crate::churn::fit::{CohortFitError, FitError};
    use crate::churn::metrics::MetricsError;
    use crate::churn::survival::SurvivalError;
    use crate::churn::targeting::TargetingError;
    use crate::churn::targeting::plan::PlanError;
    use crate::churn::transactions::TransactionError;
    use crate::feedback::churn::FeedbackChurnError;
    use crate::feedback::nps::NpsError;
    use crate::stats::InvalidConfidence;

    impl Coded for FitError {
        fn code(&self) -> Code {
            match self {
                FitError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
                FitError::Empty => Code::FIT_EMPTY,
                FitError::Row { error, .. } | FitError::Numeric(error) => error.code(),
                FitError::InvalidWeight { .. } => Code::FIT_INVALID_WEIGHT,
                FitError::InvalidOption => Code::FIT_INVALID_OPTION,
                FitError::NoConvergence { .. } => Code::FIT_NO_CONVERGENCE,
                FitError::Degenerate => Code::FIT_DEGENERATE,
                FitError::Interrupted { .. } => Code::FIT_INTERRUPTED,
                FitError::NoRepeatPurchases => Code::FIT_NO_REPEAT_PURCHASES,
                FitError::InvalidCount { .. } => Code::FIT_INVALID_COUNT,
                FitError::SurvivorsIncrease { .. } => Code::FIT_SURVIVORS_INCREASE,
            }
        }
    }

    impl Coded for CohortFitError {
        /// The code of the cohort's [`FitError`].
        fn code(&self) -> Code {
            self.error.code()
        }
    }

    impl Coded for TransactionError {
        fn code(&self) -> Code {
            match self {
                TransactionError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
                TransactionError::InvalidAmount { .. } => Code::TRANSACTIONS_INVALID_AMOUNT,
                TransactionError::InvalidPeriod => Code::TRANSACTIONS_INVALID_PERIOD,
            }
        }
    }

    impl Coded for MetricsError {
        fn code(&self) -> Code {
            match self {
                MetricsError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
                MetricsError::LifetimePeriod => Code::METRICS_LIFETIME_PERIOD,
                MetricsError::InvalidLapse => Code::METRICS_INVALID_LAPSE,
            }
        }
    }

    impl Coded for TargetingError {
        fn code(&self) -> Code {
            match self {
                TargetingError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
                TargetingError::InvalidOffer => Code::TARGETING_INVALID_OFFER,
                TargetingError::InvalidRow { .. } => Code::TARGETING_INVALID_ROW,
            }
        }
    }

    impl Coded for PlanError {
        fn code(&self) -> Code {
            match self {
                PlanError::LengthMismatch { .. } => Code::COLUMNS_LENGTH_MISMATCH,
                PlanError::InvalidOffer { .. } => Code::TARGETING_INVALID_OFFER,
                PlanError::UnknownName { .. } => Code::TARGETING_UNKNOWN_NAME,
                PlanError::InvalidRow { .. } => Code::TARGETING_INVALID_ROW,
                PlanError::InvalidContact { .. } => Code::TARGETING_INVALID_CONTACT,
                PlanError::InvalidLimits { .. } => Code::TARGETING_INVALID_LIMITS,
            }
        }
    }

    impl Coded for InvalidConfidence {
        fn code(&self) -> Code {
            Code::INVALID_ARGUMENT
        }
    }

    impl Coded for SurvivalError {
        fn code(&self) -> Code {
            match self {
                SurvivalError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
                SurvivalError::InvalidDuration { .. }
                | SurvivalError::GroupOutOfRange { .. }
                | SurvivalError::InvalidConfidence => Code::INVALID_ARGUMENT,
            }
        }
    }

    impl Coded for NpsError {
        fn code(&self) -> Code {
            match self {
                NpsError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
                NpsError::InvalidScore { .. } => Code::FEEDBACK_SCORE_OUT_OF_RANGE,
                NpsError::InvalidConfidence => Code::INVALID_ARGUMENT,
            }
        }
    }

    impl Coded for FeedbackChurnError {
        fn code(&self) -> Code {
            match self {
                FeedbackChurnError::LengthMismatch => Code::COLUMNS_LENGTH_MISMATCH,
                FeedbackChurnError::InvalidScore { .. } => Code::FEEDBACK_SCORE_OUT_OF_RANGE,
                FeedbackChurnError::InvalidChurnWindow | FeedbackChurnError::InvalidConfidence => {
                    Code::INVALID_ARGUMENT
                }
                FeedbackChurnError::Internal => Code::INTERNAL,
            }
        }
    }
}

#[cfg(test)]
mod tests;
