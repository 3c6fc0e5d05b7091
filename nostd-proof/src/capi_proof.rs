//! A `no_std`, no-heap program that links every C API function (see `exports.rs`) with the
//! firmware panic handler, and exercises a few of them, so the proof is a working binary, not
//! only a link.
#![no_std]
#![no_main]

mod exports;

use retention_ffi::rtn_status;

/// Seals a tagged blob and opens it again through the C API.
fn run() -> Result<(), u8> {
    let key = [0x24u8; 32];
    let c_seal = retention_ffi::rtn_seal {
        key: key.as_ptr(),
        key_len: key.len(),
        context: b"uid".as_ptr(),
        context_len: 3,
    };
    let mut blob = [0u8; 64];
    let mut used = 0usize;
    // SAFETY: every pointer is valid for its length.
    let status = unsafe {
        retention_ffi::rtn_envelope_encode(
            retention_ffi::RTN_KIND_OPAQUE_TAGGED,
            b"no_std".as_ptr(),
            6,
            &c_seal,
            blob.as_mut_ptr(),
            blob.len(),
            &mut used,
        )
    };
    if status != rtn_status::RTN_OK {
        return Err(1);
    }
    let mut payload = [0u8; 16];
    let mut payload_len = 0usize;
    // SAFETY: every pointer is valid for its length.
    let status = unsafe {
        retention_ffi::rtn_envelope_decode(
            blob.as_ptr(),
            used,
            retention_ffi::RTN_KIND_OPAQUE_TAGGED,
            &c_seal,
            payload.as_mut_ptr(),
            payload.len(),
            &mut payload_len,
        )
    };
    if status != rtn_status::RTN_OK || payload.get(..payload_len) != Some(&b"no_std"[..]) {
        return Err(2);
    }
    if retention_ffi::rtn_version_number() != retention_ffi::RTN_VERSION_NUMBER {
        return Err(3);
    }
    Ok(())
}

// The host's C runtime starts the program and calls `main`; nothing else comes from libc (the
// compiler may still emit calls to memcpy/memset/bcmp, which libc provides on the host).
#[link(name = "c")]
unsafe extern "C" {}

/// The C runtime's entry point; exit code 0 when every check passed.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    match run() {
        Ok(()) => 0,
        Err(code) => i32::from(code),
    }
}
