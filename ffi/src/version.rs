//! The library's version, for checking the header against the linked library.

use core::ffi::{CStr, c_char};

/// Major version of the header (`RTN_VERSION_NUMBER / 10000`).
pub const RTN_VERSION_MAJOR: u32 = 0;
/// Minor version of the header.
pub const RTN_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const RTN_VERSION_PATCH: u32 = 0;
/// The header's version as one number, `major * 10000 + minor * 100 + patch`. Compare it with
/// `rtn_version_number()` at start-up to catch a header and library that do not match.
pub const RTN_VERSION_NUMBER: u32 = 100;

/// Parses a decimal version component at compile time.
const fn parse(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value: u32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Compile-time only: a malformed Cargo version fails the build, which is what we want.
        #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
        {
            value = value * 10 + (bytes[i] - b'0') as u32;
            i += 1;
        }
    }
    value
}

// The literals above (which cbindgen copies into the header) must match Cargo.toml.
const _: () = assert!(RTN_VERSION_MAJOR == parse(env!("CARGO_PKG_VERSION_MAJOR")));
const _: () = assert!(RTN_VERSION_MINOR == parse(env!("CARGO_PKG_VERSION_MINOR")));
const _: () = assert!(RTN_VERSION_PATCH == parse(env!("CARGO_PKG_VERSION_PATCH")));
#[allow(clippy::arithmetic_side_effects)]
const _: () = assert!(
    RTN_VERSION_NUMBER == RTN_VERSION_MAJOR * 10_000 + RTN_VERSION_MINOR * 100 + RTN_VERSION_PATCH
);

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => c"unknown",
    };

/// The library's version as a static NUL-terminated string, e.g. `"0.1.0"`. Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rtn_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The library's version as `major * 10000 + minor * 100 + patch` (0.1.0 is 100); equal to the
/// header's `RTN_VERSION_NUMBER` when header and library match.
#[unsafe(no_mangle)]
pub extern "C" fn rtn_version_number() -> u32 {
    RTN_VERSION_NUMBER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_string_matches_cargo() {
        // SAFETY: static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(rtn_version()) };
        assert_eq!(text.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(text.to_str().unwrap(), retention_core::VERSION);
        assert_eq!(rtn_version_number(), 100);
    }
}
