//! The rule-set blob: the compiled rule set in a [`Kind::RuleSet`] envelope, its content hash,
//! an optional Ed25519 signature, and the loader's checks.
//!
//! Payload layout (raw bytes inside the envelope; see `docs/formats.md`):
//!
//! ```text
//! offset  size  field
//! 0       1     flags: bit 0 signed, bit 1 pins a churn model (0x00..=0x03; others refused)
//! 1       64    Ed25519 signature over the rule-set bytes (signed blobs only)
//! 1|65    rest  the rule-set bytes: the compiled rule set, postcard, then (pinned blobs
//!               only) the 32-byte model pin, the SHA-256 of the churn model's payload
//! ```
//!
//! The rule-set bytes hold the `serial` and the pin, so a signature covers both. The rule
//! set's identity is the SHA-256 of the rule-set bytes: signing does not change it. A set
//! without a pin has the bytes (and the hash) it had before pins existed.

use core::fmt;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::envelope::{self, DecodeError, EncodeError, Kind, OVERHEAD_LEN};

use super::decode::Reader;
use super::rule_set::{Inconsistent, RuleSet, RuleSetData};

/// Bytes of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Bytes of an Ed25519 public (verifying) key.
pub const PUBLIC_KEY_LEN: usize = 32;

/// The longest rule-set blob, envelope, signature and model pin included: 13 151 bytes (the C
/// header mirrors it as `RTN_RULE_SET_MAX_LEN`). Worked out field by field in
/// `docs/formats.md` and checked by a test that encodes a rule set with every pool full of the
/// largest values.
pub const RULE_SET_MAX_LEN: usize =
    OVERHEAD_LEN + 1 + SIGNATURE_LEN + RULE_SET_MAX_BYTES + MODEL_PIN_LEN;

/// Bytes of a rule set's model pin (the SHA-256 of a churn model's payload).
pub const MODEL_PIN_LEN: usize = 32;

/// The longest rule-set bytes (the postcard part).
pub(crate) const RULE_SET_MAX_BYTES: usize = 13_044;

const UNSIGNED: u8 = 0x00;
/// Flag bit: the payload carries a signature.
const SIGNED: u8 = 0x01;
/// Flag bit: the rule-set bytes end with a model pin.
const PINNED: u8 = 0x02;

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
            LoadError::Unsigned => {
                f.write_str("rule set is not signed, and a signature is required")
            }
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
#[cfg(any(feature = "std", test))]
struct HashFlavor(Sha256);

#[cfg(any(feature = "std", test))]
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

/// The SHA-256 of the rule-set bytes of `data` and `pin`, computed while serializing.
#[cfg(any(feature = "std", test))]
pub(crate) fn content_hash(
    data: &RuleSetData,
    pin: Option<&[u8; 32]>,
) -> Result<[u8; 32], EncodeError> {
    postcard::serialize_with_flavor(&Body(data, pin), HashFlavor(Sha256::new()))
        .map_err(|_| EncodeError::Serialize)
}

/// The rule-set bytes: the compiled set, then the model pin if there is one (32 raw bytes).
struct Body<'a>(&'a RuleSetData, Option<&'a [u8; 32]>);

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            None => self.0.serialize(serializer),
            Some(pin) => (self.0, pin).serialize(serializer),
        }
    }
}

/// The flag byte of an unsigned blob of a set with or without a pin.
const fn unsigned_flag(pin: Option<&[u8; 32]>) -> u8 {
    if pin.is_some() { PINNED } else { UNSIGNED }
}

/// The payload of an unsigned blob, serialized in place: flag, then the rule-set bytes.
struct Unsigned<'a>(&'a RuleSetData, Option<&'a [u8; 32]>);

impl Serialize for Unsigned<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (unsigned_flag(self.1), Body(self.0, self.1)).serialize(serializer)
    }
}

impl RuleSet {
    /// A rule set from compiled content: checks it and computes its hash.
    #[cfg(any(feature = "std", test))]
    pub(crate) fn from_data(data: RuleSetData) -> Result<RuleSet, Inconsistent> {
        data.check()?;
        let hash = content_hash(&data, None).map_err(|_| Inconsistent::OutOfRange)?;
        Ok(RuleSet {
            data,
            hash,
            model_pin: None,
        })
    }

    /// This rule set pinned to the churn model whose hash is `pin`
    /// ([`ChurnModel::hash`](crate::churn::model::ChurnModel::hash)), or unpinned (`None`):
    /// the pin becomes part of the rule-set bytes, so the set's hash changes with it and a
    /// signature covers it. Host only.
    #[cfg(feature = "std")]
    pub fn with_model_pin(mut self, pin: Option<[u8; 32]>) -> Result<RuleSet, EncodeError> {
        self.hash = content_hash(&self.data, pin.as_ref())?;
        self.model_pin = pin;
        Ok(self)
    }

    /// Length of the unsigned blob ([`RuleSet::encode`]); a signed one is 64 bytes longer.
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        let payload = postcard::serialize_with_flavor::<_, _, usize>(
            &Unsigned(&self.data, self.model_pin.as_ref()),
            postcard::ser_flavors::Size::default(),
        )
        .map_err(|_| EncodeError::Serialize)?;
        Ok(envelope::encoded_len(Kind::RuleSet, payload))
    }

    /// Writes the rule set as an unsigned [`Kind::RuleSet`] blob into `out` (at most
    /// [`RULE_SET_MAX_LEN`] bytes); returns the length used.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        envelope::encode(
            Kind::RuleSet,
            &Unsigned(&self.data, self.model_pin.as_ref()),
            None,
            out,
        )
    }

    /// Loads a rule-set blob: the envelope's checks, then (with a public key) the signature,
    /// then the serial, then the payload (`Payload` for bytes that do not decode or are not in
    /// canonical form, `OverCapacity` for a pool over its capacity, `OutOfRange` for a bad
    /// reference or value). [`RuleSet::load_into`] does the same in place, with little stack.
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
        let mut rule_set = RuleSet::empty();
        RuleSet::load_into(blob, options, &mut rule_set)?;
        Ok(rule_set)
    }

    /// Loads a rule-set blob into `out` in place: the checks of [`RuleSet::load`], with the
    /// payload decoded straight into `out`'s pools, so loading needs a few hundred bytes of
    /// stack instead of copies of a 13–16 KiB rule set (firmware keeps `out` in a static).
    ///
    /// The envelope, the signature and the serial (read from the payload's head) are checked
    /// before `out` is touched: those errors leave it as it was (a terminal keeps its current
    /// set when an older or forged one is offered). An error in the payload itself
    /// ([`DecodeError::Payload`], [`DecodeError::OverCapacity`], [`DecodeError::OutOfRange`])
    /// leaves `out` empty ([`RuleSet::empty`]), never half loaded.
    pub fn load_into(
        blob: &[u8],
        options: &LoadOptions,
        out: &mut RuleSet,
    ) -> Result<(), LoadError> {
        let opened = envelope::open(blob, Kind::RuleSet, None)?;
        if opened.version != Kind::RuleSet.version() {
            return Err(DecodeError::UnsupportedVersion {
                found: opened.version,
                newest: Kind::RuleSet.version(),
            }
            .into());
        }
        let (flag, rest) = opened.payload.split_first().ok_or(DecodeError::Payload)?;
        if *flag & !(SIGNED | PINNED) != 0 {
            return Err(DecodeError::Payload.into());
        }
        let (signature, body) = if *flag & SIGNED == 0 {
            (None, rest)
        } else {
            let (signature, body) = rest
                .split_first_chunk::<SIGNATURE_LEN>()
                .ok_or(DecodeError::Payload)?;
            (Some(signature), body)
        };
        verify(options, signature, body)?;
        // The serial is the payload's second field: an older set is refused before `out` is
        // touched.
        let (_, serial) = Reader::new(body).head().map_err(|_| DecodeError::Payload)?;
        if serial < options.min_serial {
            return Err(LoadError::SerialTooOld {
                serial,
                min_serial: options.min_serial,
            });
        }
        match decode_in_place(body, *flag & PINNED != 0, &mut out.data) {
            Ok((hash, pin)) => {
                out.hash = hash;
                out.model_pin = pin;
                Ok(())
            }
            Err(error) => {
                out.data.clear();
                out.hash = [0; 32];
                out.model_pin = None;
                Err(error.into())
            }
        }
    }
}

/// Decodes the rule-set bytes `body` into `data` in place and checks them: decodable,
/// consumed exactly, consistent, and canonical (every varint in its shortest form, so they
/// re-encode to exactly `body` and one rule set has one identity). With `pinned`, the bytes end
/// with the 32-byte model pin. Gives the set's hash (the SHA-256 of `body`) and pin. The errors
/// come in the order of the serde decoder this replaced (`tests::serde_decode_in_place`, the
/// differential tests' oracle): bytes that do not decode, then `check`, then canonical form.
/// Never inlined, like the signature check: the decoder's frame then never lies under the
/// signature check's.
#[inline(never)]
pub(super) fn decode_in_place(
    body: &[u8],
    pinned: bool,
    data: &mut RuleSetData,
) -> Result<([u8; 32], Option<[u8; 32]>), DecodeError> {
    let mut reader = Reader::new(body);
    reader.rule_set(data).map_err(|_| DecodeError::Payload)?;
    let pin = match (reader.rest(), pinned) {
        ([], false) => None,
        (rest, true) => Some(*<&[u8; 32]>::try_from(rest).map_err(|_| DecodeError::Payload)?),
        _ => return Err(DecodeError::Payload),
    };
    data.check().map_err(|error| match error {
        Inconsistent::OverCapacity => DecodeError::OverCapacity,
        Inconsistent::OutOfRange => DecodeError::OutOfRange,
    })?;
    if reader.loose {
        return Err(DecodeError::Payload);
    }
    Ok((Sha256::digest(body).into(), pin))
}

/// With a public key in `options`, the signature must be there and verify over the rule-set
/// bytes `body` ([`super::signature::verify`]: strict, and kept out of the loader's frame).
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
    super::signature::verify(&key, signature, body)
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
        let body = postcard::to_allocvec(&Body(&self.data, self.model_pin.as_ref()))
            .map_err(|_| EncodeError::Serialize)?;
        let signature = super::signature::sign(secret_key, &body);
        let mut payload = Vec::with_capacity(body.len().saturating_add(1 + SIGNATURE_LEN));
        payload.push(SIGNED | unsigned_flag(self.model_pin.as_ref()));
        payload.extend_from_slice(&signature);
        payload.extend_from_slice(&body);
        envelope::encode_raw(Kind::RuleSet, &payload, None, out)
    }

    /// The Ed25519 public key of the secret key `secret_key`, for [`LoadOptions::public_key`].
    #[must_use]
    pub fn public_key_of(secret_key: &[u8; 32]) -> [u8; PUBLIC_KEY_LEN] {
        super::signature::public_key_of(secret_key)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::bounded::Bounded;
    use crate::card::ProgramId;
    use crate::customer::UsagePeriod;
    use crate::money::{Money, Rounding};
    use crate::rules::condition::Condition;
    use crate::rules::effect::Effect;
    use crate::rules::limits::{
        MAX_CONDITIONS, MAX_GROUPS, MAX_IDS, MAX_LIMITS_PER_RULE, MAX_PROGRAMS, MAX_RULES,
        MAX_SELECTORS, MAX_TEXT_LEN, MAX_TIERS,
    };
    use crate::rules::redemption::Redemption;
    use crate::rules::rule_set::{Group, GroupMode, Rule, StampProgram, UsageLimit};
    use crate::rules::selector::{Basis, Selector};
    use crate::rules::span::Span;
    use crate::rules::tiers::{TierBasis, TierLevel, TierPolicy};

    const SMALL: &str = r#"{"name": "p", "serial": 2, "rules": [
        {"id": 1, "name": "b", "effect": {"bonus_points": {"points": 5}}}]}"#;

    /// The rule-set bytes of `SMALL`, worked out by hand from the postcard rules: name (0, 1),
    /// serial 2, no dates, gross, no caps, no exclusions, no redemption, no tiers, no programs,
    /// no groups, no ids | one selector: all, four empty spans | no conditions | one rule: id
    /// 1, name (1, 1), priority 100 = 0x64, no group, no stop, no dates, no conditions, effect
    /// 2 (bonus points) with selector 0 and 5 points, no cap, no limits | text "pb".
    const SMALL_BODY: &str = "000102000000000000000000000000\
                              01010000000000000000\
                              00\
                              01010101640000000000000200050000\
                              027062";

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn small() -> RuleSet {
        RuleSet::from_json(SMALL).unwrap()
    }

    /// The first fields of the rule-set bytes, as the serde loader read them before the rest.
    #[derive(serde::Deserialize)]
    pub(in crate::rules) struct Head {
        _name: Span,
        pub(in crate::rules) serial: u32,
    }

    /// The serde decoder [`decode_in_place`] replaced, kept as the differential tests' oracle
    /// (`rules::decode::tests`): serde's in-place derive through postcard, then the consumed
    /// length and pin, `check`, and canonical form by re-encoding (the SHA-256 of the
    /// re-encoded set and pin must be that of `body`).
    pub(in crate::rules) fn serde_decode_in_place(
        body: &[u8],
        pinned: bool,
        data: &mut RuleSetData,
    ) -> Result<([u8; 32], Option<[u8; 32]>), DecodeError> {
        use serde::Deserialize as _;
        let mut deserializer = postcard::Deserializer::from_bytes(body);
        RuleSetData::deserialize_in_place(&mut deserializer, data)
            .map_err(|_| DecodeError::Payload)?;
        let pin = match (deserializer.finalize(), pinned) {
            (Ok([]), false) => None,
            (Ok(rest), true) => {
                Some(*<&[u8; 32]>::try_from(rest).map_err(|_| DecodeError::Payload)?)
            }
            _ => return Err(DecodeError::Payload),
        };
        data.check().map_err(|error| match error {
            Inconsistent::OverCapacity => DecodeError::OverCapacity,
            Inconsistent::OutOfRange => DecodeError::OutOfRange,
        })?;
        let hash: [u8; 32] = Sha256::digest(body).into();
        if content_hash(data, pin.as_ref()).map_err(|_| DecodeError::Payload)? != hash {
            return Err(DecodeError::Payload);
        }
        Ok((hash, pin))
    }

    /// A blob around `body` with the unsigned flag, CRC recomputed.
    fn blob_of(body: &[u8]) -> Vec<u8> {
        let mut payload = vec![UNSIGNED];
        payload.extend_from_slice(body);
        let mut out = vec![0u8; payload.len() + 16];
        let used = envelope::encode_raw(Kind::RuleSet, &payload, None, &mut out).unwrap();
        out.truncate(used);
        out
    }

    #[test]
    fn pinned_bytes_and_hash() {
        let rules = small();
        let mut buf = [0u8; 128];
        let used = rules.encode(&mut buf).unwrap();
        // Blob and hash computed independently (Python's zlib and hashlib) from the hand-worked
        // body above.
        let expected = unhex(
            "525401102e0000000102000000000000000000000000010100000000000000000001010101640000000000000200050000027062a2478883",
        );
        assert_eq!(&buf[..used], &expected[..]);
        assert_eq!(&buf[7..used - 4], &unhex(SMALL_BODY)[..]);
        assert_eq!(used, rules.encoded_len().unwrap());
        assert_eq!(
            rules.hash().to_vec(),
            unhex("2f45cdc59d741f9c63ece8a58f8105f792bf8629657c8fa9fb5e7f624bb61de6")
        );
        let loaded = RuleSet::load(&expected, &LoadOptions::new()).unwrap();
        assert_eq!(loaded, rules);
        assert_eq!(loaded.serial(), 2);
        assert_eq!(loaded.name(), "p");
    }

    /// The hash of the smallest churn model (`churn::model` tests, `tagged_bytes_and_hash`).
    const MODEL_PIN: &str = "cec2446c87d914d47cd0d7aa074bebbf815ae0ee0992b391f5c652bcd43b177c";

    /// `SMALL` pinned to a model: flag 0x02, the rule-set bytes followed by the 32-byte pin;
    /// blob and hash (SHA-256 of body ‖ pin) computed independently with Python's zlib and
    /// hashlib.
    #[test]
    fn pinned_model_bytes_and_hash() {
        let doc = SMALL.replacen(
            r#""serial": 2,"#,
            &format!(r#""serial": 2, "churn_model": "{MODEL_PIN}","#),
            1,
        );
        let rules = RuleSet::from_json(&doc).unwrap();
        assert_eq!(rules.model_pin().unwrap().to_vec(), unhex(MODEL_PIN));
        let mut buf = [0u8; 160];
        let used = rules.encode(&mut buf).unwrap();
        let expected = unhex(concat!(
            "525401104e0002000102000000000000000000000000010100000000000000000001010101",
            "640000000000000200050000027062cec2446c87d914d47cd0d7aa074bebbf815ae0ee0992",
            "b391f5c652bcd43b177cd8e0d431"
        ));
        assert_eq!(&buf[..used], &expected[..]);
        assert_eq!(used, rules.encoded_len().unwrap());
        assert_eq!(
            rules.hash().to_vec(),
            unhex("c54fb7c125ca14714bd3bdda8f1300a9b6ccd4c4f2b3e192fd3894c94ff0ccdf")
        );
        let loaded = RuleSet::load(&expected, &LoadOptions::new()).unwrap();
        assert_eq!(loaded, rules);
        assert_eq!(loaded.model_pin(), rules.model_pin());
        // Without the pin the set is `SMALL`, with its old bytes and hash.
        assert_eq!(rules.clone().with_model_pin(None).unwrap(), small());
        // A pin flag without the pin, a pin without its flag, a short pin, an unknown flag bit.
        let body = unhex(SMALL_BODY);
        let mut with_pin = body.clone();
        with_pin.extend_from_slice(&unhex(MODEL_PIN));
        let framed = |flag: u8, bytes: &[u8]| {
            let mut payload = vec![flag];
            payload.extend_from_slice(bytes);
            let mut out = vec![0u8; payload.len() + 16];
            let n = envelope::encode_raw(Kind::RuleSet, &payload, None, &mut out).unwrap();
            out.truncate(n);
            out
        };
        assert_eq!(
            RuleSet::load(&framed(PINNED, &with_pin), &LoadOptions::new()).unwrap(),
            rules
        );
        for (flag, bytes) in [
            (PINNED, &body[..]),
            (UNSIGNED, &with_pin[..]),
            (PINNED, &with_pin[..with_pin.len() - 1]),
            (0x04, &body[..]),
            (0x06, &with_pin[..]),
        ] {
            assert_eq!(
                RuleSet::load(&framed(flag, bytes), &LoadOptions::new()),
                Err(LoadError::Decode(DecodeError::Payload)),
                "flag {flag:#04x}, {} bytes",
                bytes.len()
            );
        }
        // Without a public key, the CRC is all that guards the pin: an edited pin with its CRC
        // recomputed loads, naming another model (integrity against accidents only).
        let mut edited = with_pin.clone();
        *edited.last_mut().unwrap() ^= 1;
        let swapped = RuleSet::load(&framed(PINNED, &edited), &LoadOptions::new()).unwrap();
        assert_ne!(swapped.model_pin(), rules.model_pin());
        // Not hexadecimal, or not 32 bytes: refused when authored.
        for pin in [
            "",
            "00",
            &MODEL_PIN[..63],
            &format!("{}+", &MODEL_PIN[..63]),
        ] {
            let doc = SMALL.replacen(
                r#""serial": 2,"#,
                &format!(r#""serial": 2, "churn_model": "{pin}","#),
                1,
            );
            let error = RuleSet::from_json(&doc).unwrap_err();
            assert!(error.to_string().contains("churn_model"), "{error}");
        }
    }

    #[test]
    fn load_into_keeps_the_set_on_early_errors_and_empties_it_on_payload_errors() {
        let rules = small();
        let mut buf = [0u8; 128];
        let used = rules.encode(&mut buf).unwrap();
        let mut storage = RuleSet::empty();
        RuleSet::load_into(&buf[..used], &LoadOptions::new(), &mut storage).unwrap();
        assert_eq!(storage, rules);
        // Serial 2 against a minimum of 3: refused before the payload, the set is kept.
        assert_eq!(
            RuleSet::load_into(
                &buf[..used],
                &LoadOptions::new().min_serial(3),
                &mut storage
            ),
            Err(LoadError::SerialTooOld {
                serial: 2,
                min_serial: 3
            })
        );
        assert_eq!(storage, rules);
        // A corrupt checksum: kept as well.
        let mut corrupt = buf;
        corrupt[used - 1] ^= 0x01;
        assert!(RuleSet::load_into(&corrupt[..used], &LoadOptions::new(), &mut storage).is_err());
        assert_eq!(storage, rules);
        // A body with one byte too many, checksum recomputed: a payload error empties it.
        let mut body = unhex(SMALL_BODY);
        body.push(0x00);
        assert_eq!(
            RuleSet::load_into(&blob_of(&body), &LoadOptions::new(), &mut storage),
            Err(LoadError::Decode(DecodeError::Payload))
        );
        assert_eq!(storage, RuleSet::empty());
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 448 loads with SHA-256: slow under Miri, nothing unsafe.
    fn every_single_bit_flip_is_rejected() {
        let mut buf = [0u8; 128];
        let used = small().encode(&mut buf).unwrap();
        for byte in 0..used {
            for bit in 0..8 {
                let mut flipped = buf;
                flipped[byte] ^= 1 << bit;
                assert!(
                    RuleSet::load(&flipped[..used], &LoadOptions::new()).is_err(),
                    "byte {byte} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn payload_errors() {
        let body = unhex(SMALL_BODY);
        assert!(RuleSet::load(&blob_of(&body), &LoadOptions::new()).is_ok());
        // 513 ids, one over MAX_IDS: the ids' length byte 00 (offset 14) becomes 81 04, then
        // 513 zero ids.
        let mut over = body[..14].to_vec();
        over.extend_from_slice(&[0x81, 0x04]);
        over.extend(std::iter::repeat_n(0u8, 513));
        over.extend_from_slice(&body[15..]);
        assert_eq!(
            RuleSet::load(&blob_of(&over), &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::OverCapacity))
        );
        // Body offsets: 15 bytes of set fields, 10 of the selector pool (15..25), the empty
        // condition pool (25), then the rule: length 26, id 27, name 28..30, priority 30,
        // group 31, stop 32, dates 33 and 34, conditions 35..37, effect variant 37, its
        // selector 38, its points 39, cap 40, limits 41.
        // The effect's selector 0 becomes 5: there is only one selector.
        let mut dangling = body.clone();
        assert_eq!(dangling[38], 0x00);
        dangling[38] = 0x05;
        assert_eq!(
            RuleSet::load(&blob_of(&dangling), &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::OutOfRange))
        );
        // Serial 2 written as the non-canonical varint 82 00.
        let mut loose = body[..2].to_vec();
        loose.extend_from_slice(&[0x82, 0x00]);
        loose.extend_from_slice(&body[3..]);
        assert_eq!(
            RuleSet::load(&blob_of(&loose), &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::Payload))
        );
        // Effect variant 9 does not exist.
        let mut unknown = body.clone();
        assert_eq!(unknown[37], 0x02);
        unknown[37] = 0x09;
        assert_eq!(
            RuleSet::load(&blob_of(&unknown), &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::Payload))
        );
        // A trailing byte, a bad flag, an empty payload.
        let mut trailing = body.clone();
        trailing.push(0);
        assert_eq!(
            RuleSet::load(&blob_of(&trailing), &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::Payload))
        );
        let mut flagged = blob_of(&body);
        flagged[6] = 0x02;
        let mut out = vec![0u8; flagged.len()];
        let used = envelope::encode_raw(
            Kind::RuleSet,
            &flagged[6..flagged.len() - 4],
            None,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            RuleSet::load(&out[..used], &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::Payload))
        );
        let used = envelope::encode_raw(Kind::RuleSet, &[], None, &mut out).unwrap();
        assert_eq!(
            RuleSet::load(&out[..used], &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::Payload))
        );
        // Another kind.
        let used = envelope::encode_raw(Kind::Model, &[0], None, &mut out).unwrap();
        assert!(matches!(
            RuleSet::load(&out[..used], &LoadOptions::new()),
            Err(LoadError::Decode(DecodeError::WrongKind { .. }))
        ));
    }

    #[test]
    fn serial_check() {
        let mut buf = [0u8; 128];
        let used = small().encode(&mut buf).unwrap();
        assert!(RuleSet::load(&buf[..used], &LoadOptions::new().min_serial(2)).is_ok());
        assert_eq!(
            RuleSet::load(&buf[..used], &LoadOptions::new().min_serial(3)),
            Err(LoadError::SerialTooOld {
                serial: 2,
                min_serial: 3
            })
        );
    }

    #[cfg(feature = "signing")]
    #[test]
    fn signatures() {
        let secret = [7u8; 32];
        let public = RuleSet::public_key_of(&secret);
        let rules = small();
        let mut buf = [0u8; 256];
        let used = rules.encode_signed(&secret, &mut buf).unwrap();
        assert_eq!(used, rules.encoded_len().unwrap() + SIGNATURE_LEN);
        let with_key = LoadOptions::new().public_key(public);
        let loaded = RuleSet::load(&buf[..used], &with_key).unwrap();
        // Signing does not change the identity.
        assert_eq!(loaded.hash(), rules.hash());
        // Without a key, a signed set loads too.
        assert!(RuleSet::load(&buf[..used], &LoadOptions::new()).is_ok());
        // Another operator's key.
        let other = LoadOptions::new().public_key(RuleSet::public_key_of(&[8u8; 32]));
        assert_eq!(
            RuleSet::load(&buf[..used], &other),
            Err(LoadError::BadSignature)
        );
        // A tampered body with a valid CRC: serial 2 -> 9 (offset 1 + 64 + 2 in the payload).
        let mut payload = buf[6..used - 4].to_vec();
        assert_eq!(payload[1 + SIGNATURE_LEN + 2], 0x02);
        payload[1 + SIGNATURE_LEN + 2] = 0x09;
        let mut tampered = [0u8; 256];
        let n = envelope::encode_raw(Kind::RuleSet, &payload, None, &mut tampered).unwrap();
        assert_eq!(
            RuleSet::load(&tampered[..n], &with_key),
            Err(LoadError::BadSignature)
        );
        // A signed, pinned set: the signature covers the pin, so an edited pin with its CRC
        // recomputed is refused with the key.
        let pinned = rules.clone().with_model_pin(Some([0xab; 32])).unwrap();
        let n = pinned.encode_signed(&secret, &mut tampered).unwrap();
        assert_eq!(tampered[6], SIGNED | PINNED);
        let loaded = RuleSet::load(&tampered[..n], &with_key).unwrap();
        assert_eq!(loaded.model_pin(), Some(&[0xab; 32]));
        assert_eq!(loaded.hash(), pinned.hash());
        let mut payload = tampered[6..n - 4].to_vec();
        *payload.last_mut().unwrap() ^= 1;
        let mut edited = [0u8; 256];
        let m = envelope::encode_raw(Kind::RuleSet, &payload, None, &mut edited).unwrap();
        assert_eq!(
            RuleSet::load(&edited[..m], &with_key),
            Err(LoadError::BadSignature)
        );
        // An unsigned set when a signature is required.
        let n = rules.encode(&mut tampered).unwrap();
        assert_eq!(
            RuleSet::load(&tampered[..n], &with_key),
            Err(LoadError::Unsigned)
        );
        // A public key that is not a curve point (y = 2 has no x on edwards25519).
        let mut bad = [0u8; 32];
        bad[0] = 2;
        assert_eq!(
            RuleSet::load(&buf[..used], &LoadOptions::new().public_key(bad)),
            Err(LoadError::BadPublicKey)
        );
        // Every single-bit flip of a signed blob is refused.
        for byte in 0..used {
            let mut flipped = buf;
            flipped[byte] ^= 0x10;
            assert!(
                RuleSet::load(&flipped[..used], &with_key).is_err(),
                "byte {byte}"
            );
        }
    }

    /// A rule set with every pool full of the largest values, to pin `RULE_SET_MAX_LEN`. Not
    /// a valid set (its references are arbitrary), only the longest encoding.
    fn largest() -> RuleSetData {
        let span = Span {
            start: u16::MAX,
            len: u16::MAX,
        };
        let day = Some(i32::MIN);
        let mut data = RuleSetData {
            name: span,
            serial: u32::MAX,
            valid_from: day,
            valid_until: day,
            points_basis: Basis::Net,
            max_points: Some(u64::MAX),
            max_discount: Some(Money::MIN),
            non_earning: Some(u8::MAX),
            non_discountable: Some(u8::MAX),
            redemption: Some(Redemption {
                points: u32::MAX,
                value: Money::MIN,
                min_points: u64::MAX,
                step: u64::MAX,
                max_share_bp: u16::MAX,
            }),
            tiers: Some(TierPolicy {
                basis: TierBasis::Points,
                window_days: u16::MAX,
                grace_days: u16::MAX,
                levels: Bounded::from_slice(
                    &[TierLevel {
                        tier: u8::MAX,
                        threshold: u64::MAX,
                    }; MAX_TIERS],
                )
                .unwrap(),
            }),
            programs: Bounded::from_slice(
                &[StampProgram {
                    id: ProgramId(u16::MAX),
                    stamps_needed: u16::MAX,
                    reward_value: Money::MIN,
                }; MAX_PROGRAMS],
            )
            .unwrap(),
            groups: Bounded::from_slice(
                &[Group {
                    id: u16::MAX,
                    mode: GroupMode::Best,
                }; MAX_GROUPS],
            )
            .unwrap(),
            ids: Bounded::from_slice(&[u32::MAX; MAX_IDS]).unwrap(),
            selectors: Bounded::from_slice(
                &[Selector {
                    all: true,
                    skus: span,
                    categories: span,
                    exclude_skus: span,
                    exclude_categories: span,
                }; MAX_SELECTORS],
            )
            .unwrap(),
            conditions: Bounded::from_slice(
                &[Condition::Amount {
                    selector: u8::MAX,
                    basis: Basis::Net,
                    at_least: Money::MIN,
                }; MAX_CONDITIONS],
            )
            .unwrap(),
            rules: Bounded::new(),
            text: Bounded::from_slice(&[0xff; MAX_TEXT_LEN]).unwrap(),
        };
        let rule = Rule {
            id: u16::MAX,
            name: span,
            priority: u16::MAX,
            group: Some(u8::MAX),
            stop: true,
            valid_from: day,
            valid_until: day,
            conditions: span,
            effect: Effect::PointsPerAmount {
                selector: u8::MAX,
                points: u32::MAX,
                per: Money::MIN,
                rounding: Rounding::HalfEven,
            },
            cap: Some(u64::MAX),
            limits: Bounded::from_slice(
                &[UsageLimit {
                    counter: u16::MAX,
                    period: UsagePeriod::Campaign,
                    max: u16::MAX,
                }; MAX_LIMITS_PER_RULE],
            )
            .unwrap(),
        };
        for _ in 0..MAX_RULES {
            data.rules.push(rule.clone()).unwrap();
        }
        data
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 13 KB of postcard: slow under Miri, nothing unsafe.
    fn largest_rule_set_fits_the_published_length() {
        let bytes = postcard::to_allocvec(&largest()).unwrap();
        assert_eq!(bytes.len(), RULE_SET_MAX_BYTES);
        assert_eq!(RULE_SET_MAX_LEN, 13_151);
        // Signed and pinned, the largest set (its bytes, not consistent enough to load) needs
        // exactly that.
        let secret = [7u8; 32];
        let largest = RuleSet {
            data: largest(),
            hash: [0; 32],
            model_pin: Some([0xff; 32]),
        };
        let mut out = std::vec![0u8; RULE_SET_MAX_LEN];
        #[cfg(feature = "signing")]
        assert_eq!(
            largest.encode_signed(&secret, &mut out),
            Ok(RULE_SET_MAX_LEN)
        );
        let _ = secret;
        assert_eq!(
            largest.encode(&mut out),
            Ok(RULE_SET_MAX_LEN - SIGNATURE_LEN)
        );
    }
}
