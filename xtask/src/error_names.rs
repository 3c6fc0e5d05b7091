//! The error names the test data uses (`"error": "checksum"`, `"expect_error": "overflow"`) and
//! the C statuses they stand for, in one place: when the statuses derive from the core's list of
//! error codes, this module is what changes.

use std::error::Error;

/// The C status of a decode error name of the envelope and churn vectors: `checksum` ->
/// `RTN_DECODE_CHECKSUM`.
pub(crate) fn decode_status(name: &str) -> String {
    format!("RTN_DECODE_{}", name.to_uppercase())
}

/// The C status a step of the cards scenario expects: `ok`, or a card or account error name.
pub(crate) fn cards_step_status(name: &str, is_account: bool) -> String {
    match name {
        "ok" => "RTN_OK".to_string(),
        error if is_account => format!("RTN_ACCOUNT_{}", error.to_uppercase()),
        error => format!("RTN_CARD_{}", error.to_uppercase()),
    }
}

/// The C status of a rule scenario's `expect_error` name (the names `core/tests/scenarios.rs`
/// uses).
pub(crate) fn eval_status(name: &str) -> Result<&'static str, Box<dyn Error>> {
    Ok(match name {
        "too_many_lines" => "RTN_RULES_TOO_MANY_LINES",
        "negative_price" => "RTN_RULES_NEGATIVE_PRICE",
        "zero_quantity" => "RTN_RULES_ZERO_QUANTITY",
        "overflow" => "RTN_OVERFLOW",
        "churn_risk_out_of_range" => "RTN_RULES_CHURN_RISK_OUT_OF_RANGE",
        "channel_out_of_range" => "RTN_RULES_CHANNEL_OUT_OF_RANGE",
        "time" => "RTN_RULES_TIME_OUT_OF_RANGE",
        "customer" => "RTN_RULES_INVALID_CUSTOMER",
        other => return Err(format!("no C status for expect_error `{other}`").into()),
    })
}

/// The C status of an apply scenario's `after_sale.error` (none: the sale applies).
pub(crate) fn apply_status(name: Option<&str>) -> Result<&'static str, Box<dyn Error>> {
    Ok(match name {
        None => "RTN_OK",
        Some("card_daily_limit_reached") => "RTN_CARD_DAILY_LIMIT_REACHED",
        Some(other) => return Err(format!("unknown error {other}").into()),
    })
}
