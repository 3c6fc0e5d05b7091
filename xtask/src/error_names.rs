//! The error names the test data uses (`"error": "checksum"`, `"expect_error": "overflow"`) and
//! the C statuses they stand for, in one place: when the statuses derive from the core's list of
//! error codes, this module is what changes.

use std::error::Error;

use retention_core::error::Code;

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

/// The C status of a rule scenario's `expect_error`: the full name of a core error code that is
/// a C status (`"RTN_RULES_NEGATIVE_PRICE"`).
pub(crate) fn eval_status(name: &str) -> Result<&'static str, Box<dyn Error>> {
    match Code::from_name(name) {
        Some(code) if !code.is_host_only() => Ok(code.name()),
        _ => Err(format!("expect_error `{name}` is not a C status").into()),
    }
}

/// The C status of an apply scenario's `after_sale.error` (none: the sale applies).
pub(crate) fn apply_status(name: Option<&str>) -> Result<&'static str, Box<dyn Error>> {
    Ok(match name {
        None => "RTN_OK",
        Some("card_daily_limit_reached") => "RTN_CARD_DAILY_LIMIT_REACHED",
        Some(other) => return Err(format!("unknown error {other}").into()),
    })
}
