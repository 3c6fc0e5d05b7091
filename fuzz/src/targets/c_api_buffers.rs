//! Arbitrary bytes into every C API function that takes a caller's buffer: `rtn_card_decode`,
//! `rtn_account_decode`, `rtn_customer_decode`, `rtn_envelope_decode` (into a short and a full
//! payload buffer), `rtn_rule_set_load` (with and without a public key) and
//! `rtn_churn_model_load`. The bytes are tried as a whole blob and as a payload sealed into a
//! fresh envelope of the function's kind (so the fuzzer reaches the payload checks without
//! forging a CRC or a tag). Every call must answer a status the header lists (never
//! `RTN_PANIC`, which the boundary reports for a caught panic); `rtn_envelope_decode` never
//! reports more payload than its buffer holds, and writes nothing past it.

use std::mem::MaybeUninit;

use retention_core::envelope::{self, Kind, Seal};
use retention_core::rules::RuleSet;
use retention_ffi::{
    rtn_account, rtn_account_decode, rtn_card, rtn_card_decode, rtn_churn_model,
    rtn_churn_model_load, rtn_customer, rtn_customer_decode, rtn_envelope_decode, rtn_rule_set,
    rtn_rule_set_load, rtn_seal, rtn_status,
};

const KEY: [u8; 32] = [0x42; 32];
const HOLDER: &[u8] = b"holder-1";

/// Storage as firmware has it: uninitialised words (here: a pattern).
fn storage<T>() -> Box<T> {
    // SAFETY: every storage type is `#[repr(C)]` words of `MaybeUninit<u64>`, valid in any
    // state; the box is written through as bytes before any read.
    unsafe {
        let mut boxed = Box::<T>::new_uninit();
        boxed
            .as_mut_ptr()
            .cast::<u8>()
            .write_bytes(0xa5, size_of::<T>());
        boxed.assume_init()
    }
}

fn answered(function: &str, status: rtn_status) {
    assert_ne!(status, rtn_status::RTN_PANIC, "{function} panicked");
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    check(data);
    let seal = Seal::new(&KEY, HOLDER).expect("a valid seal");
    for (kind, sealed) in [
        (Kind::Card, true),
        (Kind::Account, true),
        (Kind::Customer, true),
        (Kind::RuleSet, false),
        (Kind::Model, false),
    ] {
        let mut blob = vec![0u8; data.len() + 64];
        if let Ok(used) = envelope::encode_raw(kind, data, sealed.then_some(seal), &mut blob) {
            check(&blob[..used]);
        }
    }
}

fn check(blob: &[u8]) {
    let seal = rtn_seal {
        key: KEY.as_ptr(),
        key_len: KEY.len(),
        context: HOLDER.as_ptr(),
        context_len: HOLDER.len(),
    };
    let (ptr, len) = (blob.as_ptr(), blob.len());
    // SAFETY (every call below): `blob` is valid for `len` bytes, `seal` and its key and
    // context live for the call, and every output is storage of the right type.
    unsafe {
        let mut card = storage::<rtn_card>();
        answered(
            "rtn_card_decode",
            rtn_card_decode(ptr, len, &seal, 0, &mut *card),
        );
        let mut account = storage::<rtn_account>();
        answered(
            "rtn_account_decode",
            rtn_account_decode(ptr, len, &seal, 0, &mut *account),
        );
        let mut customer = storage::<rtn_customer>();
        answered(
            "rtn_customer_decode",
            rtn_customer_decode(ptr, len, &seal, &mut *customer),
        );
        let key = RuleSet::public_key_of(&[7u8; 32]);
        let mut rules = storage::<rtn_rule_set>();
        answered(
            "rtn_rule_set_load",
            rtn_rule_set_load(ptr, len, 0, std::ptr::null(), &mut *rules),
        );
        answered(
            "rtn_rule_set_load (key)",
            rtn_rule_set_load(ptr, len, 0, key.as_ptr(), &mut *rules),
        );
        let mut model = storage::<rtn_churn_model>();
        answered(
            "rtn_churn_model_load",
            rtn_churn_model_load(ptr, len, &mut *model),
        );
        for kind in [Kind::Opaque, Kind::OpaqueTagged, Kind::Card] {
            let seal_arg = if kind == Kind::Opaque {
                std::ptr::null()
            } else {
                &seal
            };
            for cap in [4usize, 512] {
                // A guard byte after the buffer: nothing is written past `cap`.
                let mut payload = vec![MaybeUninit::<u8>::new(0x5a); cap + 1];
                let mut payload_len = usize::MAX;
                let status = rtn_envelope_decode(
                    ptr,
                    len,
                    kind as u8,
                    seal_arg,
                    payload.as_mut_ptr().cast::<u8>(),
                    cap,
                    &mut payload_len,
                );
                answered("rtn_envelope_decode", status);
                if status == rtn_status::RTN_OK {
                    assert!(payload_len <= cap, "payload length {payload_len} > {cap}");
                }
                assert_eq!(payload[cap].assume_init(), 0x5a, "written past the buffer");
            }
        }
    }
}
