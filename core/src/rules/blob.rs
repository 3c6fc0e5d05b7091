//! The rule-set blob: the compiled rule set in a [`Kind::RuleSet`] envelope, its content hash,
//! an optional Ed25519 signature, and the loader's checks.
//!
//! Payload layout (raw bytes inside the envelope; see `docs/formats.md`):
//!
//! ```text
//! offset  size  field
//! 0       1     signature flag: 0x00 unsigned, 0x01 signed
//! 1       64    Ed25519 signature over the rule-set bytes (signed blobs only)
//! 1|65    rest  the rule-set bytes: the compiled rule set, postcard
//! ```
//!
//! The rule-set bytes hold the `serial`, so a signature covers it. The rule set's identity is
//! the SHA-256 of the rule-set bytes: signing does not change it.

use core::fmt;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::envelope::{self, DecodeError, EncodeError, Kind, OVERHEAD_LEN};

use super::model::{Inconsistent, RuleSet, RuleSetData};

/// Bytes of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Bytes of an Ed25519 public (verifying) key.
pub const PUBLIC_KEY_LEN: usize = 32;

/// The longest rule-set blob, envelope and signature included: 13 119 bytes (the C header will
/// mirror it as `RTN_RULE_SET_MAX_LEN`). Worked out field by field in `docs/formats.md` and
/// checked by a test that encodes a rule set with every pool full of the largest values.
pub const RULE_SET_MAX_LEN: usize = OVERHEAD_LEN + 1 + SIGNATURE_LEN + RULE_SET_MAX_BYTES;

/// The longest rule-set bytes (the postcard part).
pub(crate) const RULE_SET_MAX_BYTES: usize = 13_044;

const UNSIGNED: u8 = 0x00;
const SIGNED: u8 = 0x01;

/// How a rule set is loaded: the oldest acceptable serial, and the operator's public key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    min_serial: u32,
    #[cfg(feature = "signing")]
    public_key: Option<[u8; PUBLIC_KEY_LEN]>,
}

impl LoadOptions {
    /// Any serial, no signature check.
    #[must_use]
    pub const fn new() -> LoadOptions {
        LoadOptions {
            min_serial: 0,
            #[cfg(feature = "signing")]
            public_key: None,
        }
    }

    /// Refuse rule sets whose serial is below `serial` (a terminal keeps the serial it last
    /// loaded, so an older set cannot be replayed onto it).
    #[must_use]
    pub const fn min_serial(mut self, serial: u32) -> LoadOptions {
        self.min_serial = serial;
        self
    }

    /// Accept only rule sets signed with the secret key of this Ed25519 public key. Without
    /// it, signed and unsigned sets both load and signatures are not checked.
    #[cfg(feature = "signing")]
    #[must_use]
    pub const fn public_key(mut self, key: [u8; PUBLIC_KEY_LEN]) -> LoadOptions {
        self.public_key = Some(key);
        self
    }
}

/// Why a rule-set blob was refused. Nothing was loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadError {
    /// The envelope or payload was refused (see [`DecodeError`]).
    Decode(DecodeError),
    /// A public key was given, and the blob is not signed.
    Unsigned,
    /// The signature does not verify with the public key: not the operator's, or altered.
    BadSignature,
    /// The public key is not a valid Ed25519 point.
    BadPublicKey,
    /// The rule set's serial is older than the loader's `min_serial`.
    SerialTooOld {
        /// The blob's serial.
        serial: u32,
        /// The oldest serial accepted.
        min_serial: u32,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Decode(error) => write!(f, "rule set refused: {error}"),
            LoadError::Unsigned => f.write_str("rule set is not signed, and a signature is required"),
            LoadError::BadSignature => f.write_str("rule set signature does not verify"),
            LoadError::BadPublicKey => f.write_str("not a valid Ed25519 public key"),
            LoadError::SerialTooOld { serial, min_serial } => write!(
                f,
                "rule set serial {serial} is older than the minimum {min_serial}"
            ),
        }
    }
}

impl core::error::Error for LoadError {}

impl From<DecodeError> for LoadError {
    fn from(error: DecodeError) -> LoadError {
        LoadError::Decode(error)
    }
}

/// A postcard flavor that hashes what is written, so a hash needs no buffer.
struct HashFlavor(Sha256);

impl postcard::ser_flavors::Flavor for HashFlavor {
    type Output = [u8; 32];

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.update([byte]);
        Ok(())
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.0.update(bytes);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<[u8; 32]> {
        Ok(self.0.finalize().into())
    }
}

/// The SHA-256 of the rule-set bytes of `data`, computed while serializing.
pub(crate) fn content_hash(data: &RuleSetData) -> Result<[u8; 32], EncodeError> {
    postcard::serialize_with_flavor(data, HashFlavor(Sha256::new()))
        .map_err(|_| EncodeError::Serialize)
}

/// The payload of an unsigned blob, serialized in place: flag, then the rule-set bytes.
struct Unsigned<'a>(&'a RuleSetData);

impl Serialize for Unsigned<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (UNSIGNED, self.0).serialize(serializer)
    }
}

impl RuleSet {
    /// A rule set from compiled content: checks it and computes its hash.
    pub(crate) fn from_data(data: RuleSetData) -> Result<RuleSet, Inconsistent> {
        data.check()?;
        let hash = content_hash(&data).map_err(|_| Inconsistent::OutOfRange)?;
        Ok(RuleSet { data, hash })
    }

    /// Length of the unsigned blob ([`RuleSet::encode`]); a signed one is 64 bytes longer.
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        let payload = postcard::serialize_with_flavor::<_, _, usize>(
            &Unsigned(&self.data),
            postcard::ser_flavors::Size::default(),
        )
        .map_err(|_| EncodeError::Serialize)?;
        Ok(envelope::encoded_len(Kind::RuleSet, payload))
    }

    /// Writes the rule set as an unsigned [`Kind::RuleSet`] blob into `out` (at most
    /// [`RULE_SET_MAX_LEN`] bytes); returns the length used.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        envelope::encode(Kind::RuleSet, &Unsigned(&self.data), None, out)
    }

    /// Loads a rule-set blob: the envelope's checks, then (with a public key) the signature,
    /// then the payload (`Payload` for bytes that do not decode or are not in canonical form,
    /// `OverCapacity` for a pool over its capacity, `OutOfRange` for a bad reference or value),
    /// then the serial.
    ///
    /// ```
    /// use retention_core::rules::{LoadOptions, RuleSet, LoadError};
    /// let rules = RuleSet::from_json(r#"{"name": "demo", "serial": 3, "rules": [
    ///     {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}}
    /// ]}"#)?;
    /// let mut blob = [0u8; 256];
    /// let used = rules.encode(&mut blob)?;
    /// let loaded = RuleSet::load(&blob[..used], &LoadOptions::new().min_serial(3))?;
    /// assert_eq!(loaded.hash(), rules.hash());
    /// assert_eq!(
    ///     RuleSet::load(&blob[..used], &LoadOptions::new().min_serial(4)),
    ///     Err(LoadError::SerialTooOld { serial: 3, min_serial: 4 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(blob: &[u8], options: &LoadOptions) -> Result<RuleSet, LoadError> {
        let opened = envelope::open(blob, Kind::RuleSet, None)?;
        if opened.version != Kind::RuleSet.version() {
            return Err(DecodeError::UnsupportedVersion {
                found: opened.version,
                newest: Kind::RuleSet.version(),
            }
            .into());
        }
        let (flag, rest) = opened.payload.split_first().ok_or(DecodeError::Payload)?;
        let (signature, body) = match *flag {
            UNSIGNED => (None, rest),
            SIGNED => {
                let (signature, body) = rest
                    .split_first_chunk::<SIGNATURE_LEN>()
                    .ok_or(DecodeError::Payload)?;
                (Some(signature), body)
            }
            _ => return Err(DecodeError::Payload.into()),
        };
        verify(options, signature, body)?;
        let data: RuleSetData = envelope::decode_payload(body)?;
        let hash: [u8; 32] = Sha256::digest(body).into();
        let rule_set = RuleSet::from_data(data).map_err(|error| match error {
            Inconsistent::OverCapacity => DecodeError::OverCapacity,
            Inconsistent::OutOfRange => DecodeError::OutOfRange,
        })?;
        // Canonical bytes only: the content re-encodes to exactly the bytes read, so one rule
        // set has one identity.
        if rule_set.hash != hash {
            return Err(DecodeError::Payload.into());
        }
        if rule_set.serial() < options.min_serial {
            return Err(LoadError::SerialTooOld {
                serial: rule_set.serial(),
                min_serial: options.min_serial,
            });
        }
        Ok(rule_set)
    }
}

#[cfg(feature = "signing")]
fn verify(
    options: &LoadOptions,
    signature: Option<&[u8; SIGNATURE_LEN]>,
    body: &[u8],
) -> Result<(), LoadError> {
    let Some(key) = options.public_key else {
        return Ok(());
    };
    let signature = signature.ok_or(LoadError::Unsigned)?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| LoadError::BadPublicKey)?;
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    key.verify_strict(body, &signature)
        .map_err(|_| LoadError::BadSignature)
}

#[cfg(not(feature = "signing"))]
fn verify(
    _options: &LoadOptions,
    _signature: Option<&[u8; SIGNATURE_LEN]>,
    _body: &[u8],
) -> Result<(), LoadError> {
    Ok(())
}

#[cfg(all(feature = "signing", feature = "std"))]
impl RuleSet {
    /// Writes the rule set as a blob signed with the Ed25519 secret key `secret_key` (its
    /// 32-byte seed) into `out`; returns the length used. Host only (`std` and `signing`).
    pub fn encode_signed(
        &self,
        secret_key: &[u8; 32],
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        use ed25519_dalek::Signer;
        let body = postcard::to_allocvec(&self.data).map_err(|_| EncodeError::Serialize)?;
        let key = ed25519_dalek::SigningKey::from_bytes(secret_key);
        let signature = key.sign(&body).to_bytes();
        let mut payload = Vec::with_capacity(1 + SIGNATURE_LEN + body.len());
        payload.push(SIGNED);
        payload.extend_from_slice(&signature);
        payload.extend_from_slice(&body);
        envelope::encode_raw(Kind::RuleSet, &payload, None, out)
    }

    /// The Ed25519 public key of the secret key `secret_key`, for [`LoadOptions::public_key`].
    #[must_use]
    pub fn public_key_of(secret_key: &[u8; 32]) -> [u8; PUBLIC_KEY_LEN] {
        ed25519_dalek::SigningKey::from_bytes(secret_key)
            .verifying_key()
            .to_bytes()
    }
}
