//! The envelope in C: seal application bytes into a checked (and optionally tagged) blob, and
//! open one. The typed blobs (cards, accounts, rule sets, models) have their own functions.

use retention_core::envelope::{self, Kind, Seal};

use crate::boundary;
use crate::handle::{In, InSlice, Out, OutSlice};
use crate::status::rtn_status;

/// Bytes the envelope adds around a payload for untagged kinds: header 6 + CRC-32 4.
pub const RTN_ENVELOPE_OVERHEAD: usize = 10;
/// The largest payload an envelope carries.
pub const RTN_ENVELOPE_MAX_PAYLOAD_LEN: usize = 65_535;
/// The shortest accepted key, in bytes (32 random bytes are recommended).
pub const RTN_KEY_MIN_LEN: usize = 16;
/// The longest accepted seal context (a card UID, a customer id), in bytes.
pub const RTN_CONTEXT_MAX_LEN: usize = 64;
/// Tag length of punch cards, in bytes.
pub const RTN_SHORT_TAG_LEN: usize = 8;
/// Tag length of the other tagged kinds, in bytes.
pub const RTN_LONG_TAG_LEN: usize = 16;

/// Kind byte: application bytes, checksummed, untagged.
pub const RTN_KIND_OPAQUE: u8 = 0x01;
/// Kind byte: application bytes, checksummed and tagged (16-byte tag).
pub const RTN_KIND_OPAQUE_TAGGED: u8 = 0x02;
/// Kind byte: a compiled rule set.
pub const RTN_KIND_RULE_SET: u8 = 0x10;
/// Kind byte: a customer record (16-byte tag).
pub const RTN_KIND_CUSTOMER: u8 = 0x11;
/// Kind byte: a punch card (8-byte tag).
pub const RTN_KIND_CARD: u8 = 0x20;
/// Kind byte: a points account (16-byte tag).
pub const RTN_KIND_ACCOUNT: u8 = 0x21;
/// Kind byte: a churn model.
pub const RTN_KIND_MODEL: u8 = 0x30;
/// Kind byte: a churn model tagged with the operator's key (16-byte tag, empty context).
pub const RTN_KIND_MODEL_TAGGED: u8 = 0x31;

// cbindgen copies literals; these asserts keep them equal to the core's values.
const _: () = {
    assert!(RTN_ENVELOPE_OVERHEAD == envelope::OVERHEAD_LEN);
    assert!(RTN_ENVELOPE_MAX_PAYLOAD_LEN == envelope::MAX_PAYLOAD_LEN);
    assert!(RTN_KEY_MIN_LEN == envelope::MIN_KEY_LEN);
    assert!(RTN_CONTEXT_MAX_LEN == envelope::MAX_CONTEXT_LEN);
    assert!(RTN_SHORT_TAG_LEN == envelope::SHORT_TAG_LEN);
    assert!(RTN_LONG_TAG_LEN == envelope::LONG_TAG_LEN);
    assert!(RTN_KIND_OPAQUE == Kind::Opaque.byte());
    assert!(RTN_KIND_OPAQUE_TAGGED == Kind::OpaqueTagged.byte());
    assert!(RTN_KIND_RULE_SET == Kind::RuleSet.byte());
    assert!(RTN_KIND_CUSTOMER == Kind::Customer.byte());
    assert!(RTN_KIND_CARD == Kind::Card.byte());
    assert!(RTN_KIND_ACCOUNT == Kind::Account.byte());
    assert!(RTN_KIND_MODEL == Kind::Model.byte());
    assert!(RTN_KIND_MODEL_TAGGED == Kind::ModelTagged.byte());
};

/// The key and context that tag a blob and verify it. `key` must point to at least
/// `RTN_KEY_MIN_LEN` bytes; `context` (a card's UID, a customer id) to at most
/// `RTN_CONTEXT_MAX_LEN` bytes, and may be NULL when `context_len` is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rtn_seal {
    /// The secret key.
    pub key: *const u8,
    /// Length of `key` in bytes.
    pub key_len: usize,
    /// The holder the blob is bound to; NULL allowed when `context_len` is 0.
    pub context: *const u8,
    /// Length of `context` in bytes.
    pub context_len: usize,
}

impl rtn_seal {
    /// Reads an optional seal argument into the core's [`Seal`]: NULL is `None`; a NULL `key`
    /// is `RTN_NULL_PARAMETER`, a NULL `context` is allowed when `context_len` is 0.
    pub(crate) fn read(seal: In<'_, rtn_seal>) -> Result<Option<Seal<'_>>, rtn_status> {
        if seal.is_null() {
            return Ok(None);
        }
        let seal = seal.get()?;
        // SAFETY: a valid `rtn_seal` (adopted as one) honours its documentation: `key` holds
        // `key_len` bytes and `context` `context_len` bytes, unchanged while the seal is used.
        let (key, context) = unsafe {
            (
                InSlice::new(seal.key, seal.key_len),
                InSlice::new(seal.context, seal.context_len),
            )
        };
        Ok(Some(Seal::new(key.get()?, context.get_or_empty()?)?))
    }
}

fn kind_from(byte: u8) -> Result<Kind, rtn_status> {
    Kind::from_byte(byte).ok_or(rtn_status::RTN_INVALID_ARGUMENT)
}

/// Writes the total length of a blob of `kind` with a `payload_len`-byte payload to `*len_out`:
/// `RTN_ENVELOPE_OVERHEAD + payload_len` plus the kind's tag length.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` if `len_out` is NULL; `RTN_INVALID_ARGUMENT` for an
/// unknown kind; `RTN_PAYLOAD_TOO_LARGE` above `RTN_ENVELOPE_MAX_PAYLOAD_LEN`.
///
/// # Safety
/// A non-NULL `len_out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_envelope_encoded_len(
    kind: u8,
    payload_len: usize,
    len_out: *mut usize,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `len_out` is as the `# Safety` section above promises.
        let len_out = unsafe { Out::new(len_out) }.required()?;
        let kind = kind_from(kind)?;
        if payload_len > envelope::MAX_PAYLOAD_LEN {
            return Err(rtn_status::RTN_PAYLOAD_TOO_LARGE);
        }
        len_out.write(envelope::encoded_len(kind, payload_len));
        Ok(())
    })
}

/// Seals `payload` into a blob of `kind` in `out`, and writes its length to `*written_out`.
///
/// `seal` is required for tagged kinds (`RTN_KIND_OPAQUE_TAGGED`, ...) and must be NULL for
/// untagged ones. `out` needs `rtn_envelope_encoded_len(kind, payload_len)` bytes.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`payload`, `out` or `written_out` NULL);
/// `RTN_INVALID_ARGUMENT` (unknown kind); `RTN_BUFFER_TOO_SMALL`; `RTN_PAYLOAD_TOO_LARGE`;
/// `RTN_SEAL_REQUIRED`; `RTN_SEAL_NOT_APPLICABLE`; `RTN_KEY_TOO_SHORT`; `RTN_CONTEXT_TOO_LONG`.
/// On any error nothing is written.
///
/// # Safety
/// Pointers must be valid for their stated lengths; `out` must not overlap `payload`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_envelope_encode(
    kind: u8,
    payload: *const u8,
    payload_len: usize,
    seal: *const rtn_seal,
    out: *mut u8,
    out_len: usize,
    written_out: *mut usize,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (payload, seal, out, written_out) = unsafe {
            (
                InSlice::new(payload, payload_len),
                In::new(seal),
                OutSlice::new(out, out_len),
                Out::new(written_out),
            )
        };
        let written_out = written_out.required()?;
        let (payload, out, seal) = (payload.get()?, out.get()?, rtn_seal::read(seal)?);
        let kind = kind_from(kind)?;
        written_out.write(envelope::encode_raw(kind, payload, seal, out)?);
        Ok(())
    })
}

/// Verifies a blob of `kind` and copies its payload into `payload_out`, writing the payload's
/// length to `*payload_len_out`.
///
/// `seal` is required for tagged kinds (the same key and context the blob was sealed with) and
/// must be NULL for untagged ones. `payload_out` needs at most `blob_len - RTN_ENVELOPE_OVERHEAD`
/// bytes.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (unknown kind);
/// `RTN_BUFFER_TOO_SMALL` (`payload_out` shorter than the payload); `RTN_SEAL_REQUIRED`;
/// `RTN_SEAL_NOT_APPLICABLE`; `RTN_KEY_TOO_SHORT`; `RTN_CONTEXT_TOO_LONG`; and the decode errors
/// `RTN_DECODE_TRUNCATED`, `RTN_DECODE_BAD_MAGIC`, `RTN_DECODE_UNKNOWN_KIND`,
/// `RTN_DECODE_WRONG_KIND`, `RTN_DECODE_UNSUPPORTED_VERSION`, `RTN_DECODE_LENGTH_MISMATCH`,
/// `RTN_DECODE_BAD_CHECKSUM`, `RTN_DECODE_BAD_TAG`. On any error nothing is written.
///
/// # Safety
/// Pointers must be valid for their stated lengths; `payload_out` must not overlap `blob`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_envelope_decode(
    blob: *const u8,
    blob_len: usize,
    kind: u8,
    seal: *const rtn_seal,
    payload_out: *mut u8,
    payload_cap: usize,
    payload_len_out: *mut usize,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (blob, seal, payload_out, payload_len_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(seal),
                OutSlice::new(payload_out, payload_cap),
                Out::new(payload_len_out),
            )
        };
        let payload_len_out = payload_len_out.required()?;
        let (blob, payload_out, seal) = (blob.get()?, payload_out.get()?, rtn_seal::read(seal)?);
        let kind = kind_from(kind)?;
        let opened = envelope::open(blob, kind, seal)?;
        let len = opened.payload.len();
        let payload_out = payload_out
            .get_mut(..len)
            .ok_or(rtn_status::RTN_BUFFER_TOO_SMALL)?;
        // Byte by byte rather than `copy_from_slice`, whose length check would put a panic
        // path into the firmware image (the lengths are equal).
        for (to, from) in payload_out.iter_mut().zip(opened.payload) {
            *to = *from;
        }
        payload_len_out.write(len);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [0x42; 32];

    fn seal(context: &[u8]) -> rtn_seal {
        rtn_seal {
            key: KEY.as_ptr(),
            key_len: KEY.len(),
            context: context.as_ptr(),
            context_len: context.len(),
        }
    }

    #[test]
    fn round_trip_through_the_c_functions() {
        let uid = *b"04A1B2C3";
        let s = seal(&uid);
        let mut blob = [0u8; 64];
        let mut written = 0usize;
        // SAFETY: all pointers valid for their lengths.
        let status = unsafe {
            rtn_envelope_encode(
                RTN_KIND_OPAQUE_TAGGED,
                b"hi".as_ptr(),
                2,
                &s,
                blob.as_mut_ptr(),
                blob.len(),
                &mut written,
            )
        };
        assert_eq!(status, rtn_status::RTN_OK);
        assert_eq!(written, RTN_ENVELOPE_OVERHEAD + 2 + RTN_LONG_TAG_LEN);
        let mut payload = [0u8; 8];
        let mut len = 0usize;
        // SAFETY: as above.
        let status = unsafe {
            rtn_envelope_decode(
                blob.as_ptr(),
                written,
                RTN_KIND_OPAQUE_TAGGED,
                &s,
                payload.as_mut_ptr(),
                payload.len(),
                &mut len,
            )
        };
        assert_eq!(status, rtn_status::RTN_OK);
        assert_eq!(&payload[..len], b"hi");
    }

    #[test]
    fn null_and_short_buffers_write_nothing() {
        let mut blob = [0xAAu8; 12];
        let mut written = 7usize;
        // SAFETY: NULL payload is rejected before any read.
        let status = unsafe {
            rtn_envelope_encode(
                RTN_KIND_OPAQUE,
                core::ptr::null(),
                0,
                core::ptr::null(),
                blob.as_mut_ptr(),
                blob.len(),
                &mut written,
            )
        };
        assert_eq!(status, rtn_status::RTN_NULL_PARAMETER);
        // SAFETY: pointers valid; the buffer is too small for 5 + 10 bytes.
        let status = unsafe {
            rtn_envelope_encode(
                RTN_KIND_OPAQUE,
                b"hello".as_ptr(),
                5,
                core::ptr::null(),
                blob.as_mut_ptr(),
                blob.len(),
                &mut written,
            )
        };
        assert_eq!(status, rtn_status::RTN_BUFFER_TOO_SMALL);
        assert_eq!(blob, [0xAA; 12]);
        assert_eq!(written, 7);
        // SAFETY: pointers valid; unknown kind 0x7f.
        let status = unsafe {
            rtn_envelope_encode(
                0x7f,
                b"x".as_ptr(),
                1,
                core::ptr::null(),
                blob.as_mut_ptr(),
                blob.len(),
                &mut written,
            )
        };
        assert_eq!(status, rtn_status::RTN_INVALID_ARGUMENT);
        // SAFETY: NULL is checked; `len` is valid for a write.
        unsafe {
            assert_eq!(
                rtn_envelope_encoded_len(RTN_KIND_CARD, 3, core::ptr::null_mut()),
                rtn_status::RTN_NULL_PARAMETER
            );
        }
        let mut len = 0usize;
        // SAFETY: as above.
        let status = unsafe { rtn_envelope_encoded_len(RTN_KIND_CARD, 3, &mut len) };
        assert_eq!(status, rtn_status::RTN_OK);
        assert_eq!(len, 10 + 3 + 8);
    }

    #[test]
    fn short_key_is_reported() {
        let short = [1u8; 8];
        let s = rtn_seal {
            key: short.as_ptr(),
            key_len: short.len(),
            context: core::ptr::null(),
            context_len: 0,
        };
        let mut blob = [0u8; 64];
        let mut written = 0usize;
        // SAFETY: pointers valid for their lengths.
        let status = unsafe {
            rtn_envelope_encode(
                RTN_KIND_OPAQUE_TAGGED,
                b"x".as_ptr(),
                1,
                &s,
                blob.as_mut_ptr(),
                blob.len(),
                &mut written,
            )
        };
        assert_eq!(status, rtn_status::RTN_KEY_TOO_SHORT);
    }
}
