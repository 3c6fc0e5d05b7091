//! A `no_std`, no-heap program that links every C API function (see `exports.rs`) with the
//! firmware panic handler, and exercises a few of them (the envelope; a rule set loaded and
//! evaluated), so the proof is a working binary, not only a link.
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
    rules_work()
}

/// The rule set of `docs/formats.md`'s worked example: one rule, 5 bonus points.
const RULE_SET: [u8; 56] = [
    0x52, 0x54, 0x01, 0x10, 0x2e, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x01, 0x01, 0x01, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x05, 0x00,
    0x00, 0x02, 0x70, 0x62, 0xa2, 0x47, 0x88, 0x83,
];

/// Loads a rule set into static storage and evaluates a basket through the C API.
fn rules_work() -> Result<(), u8> {
    use core::mem::MaybeUninit;
    use retention_ffi::{rtn_customer, rtn_outcome, rtn_rule_set};
    static mut RULE_SET_STORAGE: rtn_rule_set = rtn_rule_set {
        opaque: [MaybeUninit::new(0); retention_ffi::RTN_RULE_SET_STORAGE_WORDS],
    };
    static mut OUTCOME: rtn_outcome = rtn_outcome {
        opaque: [MaybeUninit::new(0); retention_ffi::RTN_OUTCOME_STORAGE_WORDS],
    };
    let mut customer = rtn_customer {
        opaque: [MaybeUninit::new(0); retention_ffi::RTN_CUSTOMER_STORAGE_WORDS],
    };
    let line = retention_ffi::rtn_line {
        sku: 1,
        category: 1,
        quantity: 2,
        unit_price: 250,
    };
    let context = retention_ffi::rtn_rules_context {
        now: 1_709_651_400,
        event: retention_ffi::rtn_event_id {
            terminal: 1,
            sequence: 1,
        },
        churn_risk: retention_ffi::RTN_RULES_CHURN_RISK_UNKNOWN,
        ..Default::default()
    };
    let mut summary = retention_ffi::rtn_outcome_summary::default();
    // SAFETY: single-threaded program; the statics are only used here, through these pointers,
    // and every other pointer is valid for its length.
    let ok = unsafe {
        let rule_set = core::ptr::addr_of_mut!(RULE_SET_STORAGE);
        let outcome = core::ptr::addr_of_mut!(OUTCOME);
        retention_ffi::rtn_rule_set_load(
            RULE_SET.as_ptr(),
            RULE_SET.len(),
            0,
            core::ptr::null(),
            rule_set,
        ) == rtn_status::RTN_OK
            && retention_ffi::rtn_customer_init(&mut customer) == rtn_status::RTN_OK
            && retention_ffi::rtn_rules_evaluate(rule_set, &line, 1, &customer, &context, outcome)
                == rtn_status::RTN_OK
            && retention_ffi::rtn_outcome_summarize(outcome, &mut summary) == rtn_status::RTN_OK
    };
    if !ok || summary.points != 5 {
        return Err(4);
    }
    Ok(())
}

/// The host's precompiled `compiler_builtins` is built for unwinding, and the objects holding
/// its 128-bit division routines (which the rule engine's largest-remainder shares use) refer to
/// the unwinding personality routine. Nothing unwinds in this program (`panic = "abort"`), so an
/// empty one satisfies the linker. Firmware targets' builtins are built for abort and need none.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

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
