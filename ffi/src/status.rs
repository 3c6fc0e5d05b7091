//! Status codes: what every C API function returns.
//!
//! The enum, [`rtn_status`], is generated from the core's list of error codes
//! (`retention_core::error::Code`) into `status/codes.rs` by `cargo xtask gen`; a status has the
//! number and name of its code. Every core error reaches C through its code ([`Coded`]): no
//! error is classified here.

use core::ffi::{CStr, c_char};

use retention_core::error::Coded;

use crate::boundary;

mod codes;

pub use codes::rtn_status;

impl rtn_status {
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

/// A core error as C sees it: the status of its code.
impl<E: Coded> From<E> for rtn_status {
    fn from(error: E) -> rtn_status {
        rtn_status::from_code(error.code())
    }
}

#[cfg(test)]
mod tests {
    use retention_core::error::Code;

    use super::*;

    #[test]
    #[cfg_attr(miri, ignore)] // Text parsing, heavy under Miri; runs natively.
    fn the_generated_enum_is_the_core_list() {
        // The enum's entries in `status/codes.rs` — doc lines, name, value — against the core's
        // list, so that a hand edit or a stale file fails here even before the header check.
        let source = include_str!("status/codes.rs");
        let enum_body = &source[source.find("pub enum rtn_status {").unwrap()..];
        let enum_body = &enum_body[..enum_body.find("\n}").unwrap()];
        let mut declared: Vec<(String, &str, u32)> = Vec::new();
        let mut doc = String::new();
        for line in enum_body.lines().skip(1).map(str::trim) {
            if let Some(text) = line.strip_prefix("///") {
                doc.push_str(text);
                doc.push('\n');
            } else if let Some((name, value)) =
                line.strip_suffix(',').and_then(|l| l.split_once(" = "))
            {
                declared.push((std::mem::take(&mut doc), name, value.parse().unwrap()));
            }
        }
        let mut expected: Vec<(String, &str, u32)> = vec![(" Success.\n".into(), "RTN_OK", 0)];
        expected.extend(
            Code::ALL
                .iter()
                .filter(|code| !code.is_host_only())
                .map(|code| {
                    (
                        code.doc().to_string(),
                        code.name(),
                        u32::from(code.number()),
                    )
                }),
        );
        assert_eq!(declared, expected);
        let listed: Vec<(&str, u32)> = rtn_status::ALL
            .iter()
            .map(|s| (s.name(), *s as u32))
            .collect();
        let names: Vec<(&str, u32)> = expected.iter().map(|e| (e.1, e.2)).collect();
        assert_eq!(listed, names);
    }

    #[test]
    fn statuses_come_from_codes() {
        for status in rtn_status::ALL {
            match status.code() {
                None => assert_eq!(status, rtn_status::RTN_OK),
                Some(code) => assert_eq!(rtn_status::from_code(code), status),
            }
        }
        for code in Code::ALL {
            let status = rtn_status::from_code(*code);
            if code.is_host_only() {
                assert_eq!(status, rtn_status::RTN_INTERNAL, "{code}");
            } else {
                assert_eq!(
                    (status.name(), status as u32),
                    (code.name(), u32::from(code.number()))
                );
            }
        }
        // Through `?`: a core error is the status of its code.
        let status: rtn_status = retention_core::envelope::DecodeError::BadTag.into();
        assert_eq!(status, rtn_status::RTN_DECODE_BAD_TAG);
        let status: rtn_status = retention_core::money::Overflow.into();
        assert_eq!(status, rtn_status::RTN_OVERFLOW);
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
        for value in [8u32, 99, 116, 219, 299, 406, 410, 499, 513, 9999, u32::MAX] {
            // SAFETY: static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(rtn_status_str(value)) };
            assert_eq!(name.to_str().unwrap(), "RTN_UNKNOWN_STATUS");
        }
    }
}
