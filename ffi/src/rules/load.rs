//! Loading a rule set: verify a blob (checksum, signature, serial) and decode it into caller
//! storage, in place; describe the set loaded.

use core::ffi::c_char;

use retention_core::rules::{LoadOptions, RuleSet};

use super::{
    RTN_RULE_SET_HASH_LEN, RTN_RULE_SET_NAME_BUF_LEN, RTN_RULE_SET_PUBLIC_KEY_LEN, rtn_rule_set,
};
use crate::boundary;
use crate::handle::{In, InSlice, Opaque, Out};
use crate::status::rtn_status;

/// A rule set at a glance.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rtn_rule_set_info {
    /// Its identity: the SHA-256 of its compiled content (signing does not change it).
    pub hash: [u8; RTN_RULE_SET_HASH_LEN],
    /// Its name, UTF-8, NUL-terminated.
    pub name: [c_char; RTN_RULE_SET_NAME_BUF_LEN],
    /// The program's version number.
    pub serial: u32,
    /// Rules in the set.
    pub rule_count: u8,
    /// True when the set pins a churn model (`model_pin` holds its hash).
    pub has_model_pin: bool,
    /// The hash of the churn model the set's churn conditions were written for
    /// (`rtn_churn_model_hash`), or all zero when `has_model_pin` is false.
    pub model_pin: [u8; RTN_RULE_SET_HASH_LEN],
}

/// An operator's Ed25519 public key, as `rtn_rule_set_load` reads it.
type PublicKey = [u8; RTN_RULE_SET_PUBLIC_KEY_LEN];

/// The loader's options: `min_serial`, and the public key if one is given (not NULL).
fn load_options(min_serial: u32, public_key: In<'_, PublicKey>) -> Result<LoadOptions, rtn_status> {
    let options = LoadOptions::new().min_serial(min_serial);
    if public_key.is_null() {
        return Ok(options);
    }
    #[cfg(feature = "signing")]
    {
        Ok(options.public_key(*public_key.get()?))
    }
    #[cfg(not(feature = "signing"))]
    {
        Err(rtn_status::RTN_RULES_SIGNING_NOT_BUILT)
    }
}

/// Verifies a rule-set blob and loads it into `*rule_set_out`.
///
/// `min_serial`: rule sets with an older serial are refused (keep the serial last loaded, so an
/// older set cannot be replayed onto the terminal). `public_key`: NULL, or the operator's
/// Ed25519 public key (`RTN_RULE_SET_PUBLIC_KEY_LEN` bytes): then only sets signed with its
/// secret key load. Signature checks need the library built with the `signing` feature
/// (host builds have it; firmware adds `--features signing`, its flash in the README); without
/// it a non-NULL `public_key` is `RTN_RULES_SIGNING_NOT_BUILT`. With a NULL `public_key` the
/// load guarantees integrity against accidents only (the CRC-32, which anyone who edits the
/// blob can recompute); production tills should pass the operator's key.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (`blob_len` beyond
/// `PTRDIFF_MAX`); `RTN_DECODE_TRUNCATED`; `RTN_DECODE_BAD_MAGIC`; `RTN_DECODE_UNKNOWN_KIND`;
/// `RTN_DECODE_WRONG_KIND`; `RTN_DECODE_UNSUPPORTED_VERSION`; `RTN_DECODE_LENGTH_MISMATCH`;
/// `RTN_DECODE_BAD_CHECKSUM`; `RTN_DECODE_PAYLOAD`; `RTN_DECODE_OVER_CAPACITY`;
/// `RTN_DECODE_OUT_OF_RANGE`; `RTN_RULES_UNSIGNED`; `RTN_RULES_BAD_SIGNATURE`;
/// `RTN_RULES_BAD_PUBLIC_KEY`; `RTN_RULES_SERIAL_TOO_OLD`; `RTN_RULES_SIGNING_NOT_BUILT`.
///
/// The blob is decoded straight into `*rule_set_out`, not through a second 16 KiB copy on the
/// stack (its stack: `rtn_rule_set_load` and, checking a signature, `rtn_rule_set_load/signed`
/// in the table at the top of this header). Every check that does not need the decoded
/// content comes first, so on error `*rule_set_out` keeps the rule set it held — a terminal
/// offered an older, forged or corrupt set keeps its current one — except after
/// `RTN_DECODE_PAYLOAD`, `RTN_DECODE_OVER_CAPACITY` and `RTN_DECODE_OUT_OF_RANGE` raised by a
/// rule-set body that passed the checksum, signature and serial checks but does not decode:
/// then it holds no rule set (`RTN_UNINITIALIZED`). A malformed signature flag or serial keeps
/// the set it held.
///
/// # Safety
/// `blob` must be valid for `blob_len` bytes; `public_key` NULL or valid for
/// `RTN_RULE_SET_PUBLIC_KEY_LEN` bytes; `rule_set_out` NULL or valid for a write and not
/// overlapping the inputs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rule_set_load(
    blob: *const u8,
    blob_len: usize,
    min_serial: u32,
    public_key: *const u8,
    rule_set_out: *mut rtn_rule_set,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises (`public_key`, when
        // not NULL, to RTN_RULE_SET_PUBLIC_KEY_LEN bytes: a `PublicKey`, byte-aligned).
        let (blob, public_key, rule_set_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(public_key.cast::<PublicKey>()),
                Out::new(rule_set_out),
            )
        };
        let rule_set_out = rule_set_out.required()?;
        load_into(blob, min_serial, public_key, rule_set_out.storage())
    })
}

/// Verifies `blob` and decodes it into `storage`, in place (see `rtn_rule_set_load`: on an
/// error found in the payload the storage is left holding no rule set).
pub(super) fn load_into(
    blob: InSlice<'_, u8>,
    min_serial: u32,
    public_key: In<'_, PublicKey>,
    storage: &mut rtn_rule_set,
) -> Result<(), rtn_status> {
    let (blob, options) = (blob.get()?, load_options(min_serial, public_key)?);
    let rule_set = storage.value_or_init(RuleSet::empty)?;
    match RuleSet::load_into(blob, &options, rule_set) {
        Ok(()) => Ok(()),
        Err(error) => {
            // Refused before the payload (envelope, signature, serial): the set held before is
            // untouched. Refused in the payload: `load_into` emptied it, so it holds none.
            if rule_set.rules().is_empty() && rule_set.hash() == &[0; 32] {
                storage.clear();
            }
            Err(error.into())
        }
    }
}

/// Writes the rule set's identity, name, serial and rule count to `*info_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `rule_set` must be NULL or valid; `info_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rule_set_describe(
    rule_set: *const rtn_rule_set,
    info_out: *mut rtn_rule_set_info,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (rule_set, info_out) = unsafe { (In::new(rule_set), Out::new(info_out)) };
        let info_out = info_out.required()?;
        let rule_set = rule_set.value()?;
        let mut name = [0 as c_char; RTN_RULE_SET_NAME_BUF_LEN];
        for (slot, byte) in name.iter_mut().zip(rule_set.name().bytes()) {
            *slot = c_char::from_ne_bytes([byte]);
        }
        info_out.write(rtn_rule_set_info {
            hash: *rule_set.hash(),
            name,
            serial: rule_set.serial(),
            rule_count: u8::try_from(rule_set.rules().len())
                .map_err(|_| rtn_status::RTN_INTERNAL)?,
            has_model_pin: rule_set.model_pin().is_some(),
            model_pin: rule_set.model_pin().copied().unwrap_or([0; 32]),
        });
        Ok(())
    })
}
