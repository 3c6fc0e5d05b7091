//! The envelope around every blob the SDK writes: rule sets, customer records, cards, accounts,
//! models.
//!
//! ```text
//! offset  size  field
//! 0       2     magic "RT" (0x52 0x54)
//! 2       1     format version of this kind's payload
//! 3       1     kind (see [`Kind`])
//! 4       2     payload length n, little-endian u16
//! 6       n     payload (postcard, or a kind's own fixed layout)
//! 6+n     4     CRC-32/ISO-HDLC of bytes 0..6+n, little-endian
//! 10+n    t     tag: HMAC-SHA256 truncated to t bytes (only kinds with a tag; t = Kind::tag_len)
//! ```
//!
//! The tag is `HMAC-SHA256(key, context_len:u8 ‖ context ‖ bytes 0..10+n)` truncated to its first
//! `t` bytes, where `context` binds the blob to its holder (a card's UID, a customer id), so that
//! a valid blob copied to another card fails. Verification is constant-time. The full format,
//! with the compatibility policy, is in `docs/formats.md`.
//!
//! Decoding checks, in order: length, magic, kind, version, declared length, checksum, tag,
//! payload; each failure has its own [`DecodeError`] variant. Nothing is returned unless every
//! check passed.
//!
//! ```
//! use retention_core::envelope::{self, Kind, Seal};
//! let key = [7u8; 32];
//! let seal = Seal::new(&key, b"card-uid-04a1")?;
//! let mut buf = [0u8; 64];
//! let used = envelope::encode_raw(Kind::OpaqueTagged, b"hello", Some(seal), &mut buf)?;
//! assert_eq!(used, envelope::encoded_len(Kind::OpaqueTagged, 5));
//! let opened = envelope::open(&buf[..used], Kind::OpaqueTagged, Some(seal))?;
//! assert_eq!(opened.payload, b"hello");
//! // Another card's UID, or any flipped bit, is refused.
//! let other = Seal::new(&key, b"card-uid-04a2")?;
//! assert_eq!(
//!     envelope::open(&buf[..used], Kind::OpaqueTagged, Some(other)),
//!     Err(envelope::DecodeError::BadTag)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::fixed::copy_bytes;

/// The first two bytes of every blob: `"RT"`.
pub const MAGIC: [u8; 2] = *b"RT";
/// Bytes before the payload: magic, version, kind, payload length.
pub const HEADER_LEN: usize = 6;
/// Bytes of the CRC-32 after the payload.
pub const CHECKSUM_LEN: usize = 4;
/// Envelope bytes around the payload for kinds without a tag.
pub const OVERHEAD_LEN: usize = HEADER_LEN + CHECKSUM_LEN;
/// The largest payload an envelope can carry (the length field is a `u16`).
pub const MAX_PAYLOAD_LEN: usize = u16::MAX as usize;
/// The shortest accepted authentication key, in bytes. 32 random bytes are recommended.
pub const MIN_KEY_LEN: usize = 16;
/// The longest accepted tag context (a card UID, a customer id), in bytes.
pub const MAX_CONTEXT_LEN: usize = 64;
/// Tag length of kinds that must fit small NFC tags ([`Kind::Card`]): 8 bytes (64 bits).
pub const SHORT_TAG_LEN: usize = 8;
/// Tag length of the other tagged kinds: 16 bytes (128 bits).
pub const LONG_TAG_LEN: usize = 16;

/// CRC-32/ISO-HDLC, the CRC of zlib, PNG and Ethernet (check value `0xCBF43926`).
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// What a blob holds. The byte values are part of the format and never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum Kind {
    /// Application bytes, checksummed, without a tag (tests, tools, firmware's own data).
    Opaque = 0x01,
    /// Application bytes, checksummed and tagged ([`LONG_TAG_LEN`]).
    OpaqueTagged = 0x02,
    /// A compiled loyalty rule set.
    RuleSet = 0x10,
    /// A customer record: tier, visits, usage counts, churn summary.
    Customer = 0x11,
    /// A punch card, tagged with [`SHORT_TAG_LEN`] so that it fits a 144-byte NFC tag.
    Card = 0x20,
    /// A points account, tagged.
    Account = 0x21,
    /// A fitted churn / customer-value model.
    Model = 0x30,
    /// A fitted churn model, tagged ([`LONG_TAG_LEN`]) with the operator's key and an empty
    /// context: the same payload as [`Kind::Model`].
    ModelTagged = 0x31,
}

impl Kind {
    /// Every kind, in byte order.
    pub const ALL: [Kind; 8] = [
        Kind::Opaque,
        Kind::OpaqueTagged,
        Kind::RuleSet,
        Kind::Customer,
        Kind::Card,
        Kind::Account,
        Kind::Model,
        Kind::ModelTagged,
    ];

    /// The kind with byte value `byte`, if there is one.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Option<Kind> {
        match byte {
            0x01 => Some(Kind::Opaque),
            0x02 => Some(Kind::OpaqueTagged),
            0x10 => Some(Kind::RuleSet),
            0x11 => Some(Kind::Customer),
            0x20 => Some(Kind::Card),
            0x21 => Some(Kind::Account),
            0x30 => Some(Kind::Model),
            0x31 => Some(Kind::ModelTagged),
            _ => None,
        }
    }

    /// The byte value written in the header.
    #[must_use]
    pub const fn byte(self) -> u8 {
        self as u8
    }

    /// Length of this kind's authentication tag in bytes; 0 for kinds without one.
    #[must_use]
    pub const fn tag_len(self) -> usize {
        match self {
            Kind::Card => SHORT_TAG_LEN,
            Kind::OpaqueTagged | Kind::Customer | Kind::Account | Kind::ModelTagged => LONG_TAG_LEN,
            Kind::Opaque | Kind::RuleSet | Kind::Model => 0,
        }
    }

    /// The payload format version this build writes, and the newest it reads.
    #[must_use]
    pub const fn version(self) -> u8 {
        match self {
            // 2: checkpoint and recent events (docs/formats.md); 1 is still read.
            Kind::Account => 2,
            // 3: the first visit and the latest feedback; 2: the churn summary
            // (docs/formats.md); 1 and 2 are still read.
            Kind::Customer => 3,
            _ => 1,
        }
    }

    /// The oldest payload format version this build still reads.
    #[must_use]
    pub const fn oldest_readable_version(self) -> u8 {
        1
    }

    /// A short lower-case name, for messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Opaque => "opaque",
            Kind::OpaqueTagged => "opaque-tagged",
            Kind::RuleSet => "rule-set",
            Kind::Customer => "customer",
            Kind::Card => "card",
            Kind::Account => "account",
            Kind::Model => "model",
            Kind::ModelTagged => "model-tagged",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The total length of a blob of `kind` with a payload of `payload_len` bytes.
#[must_use]
pub const fn encoded_len(kind: Kind, payload_len: usize) -> usize {
    OVERHEAD_LEN
        .saturating_add(payload_len)
        .saturating_add(kind.tag_len())
}

/// The key and context that tag (seal) a blob, and that verify it.
///
/// Made by [`Seal::new`], which checks the lengths once.
#[derive(Clone, Copy)]
pub struct Seal<'a> {
    key: &'a [u8],
    context: &'a [u8],
}

impl fmt::Debug for Seal<'_> {
    /// Never prints the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Seal")
            .field("key", &"<redacted>")
            .field("context_len", &self.context.len())
            .finish()
    }
}

impl<'a> Seal<'a> {
    /// A seal from a secret `key` (at least [`MIN_KEY_LEN`] bytes) and a `context` binding the
    /// blob to its holder (at most [`MAX_CONTEXT_LEN`] bytes; may be empty).
    pub const fn new(key: &'a [u8], context: &'a [u8]) -> Result<Seal<'a>, KeyError> {
        if key.len() < MIN_KEY_LEN {
            return Err(KeyError::KeyTooShort);
        }
        if context.len() > MAX_CONTEXT_LEN {
            return Err(KeyError::ContextTooLong);
        }
        Ok(Seal { key, context })
    }

    /// The HMAC-SHA256 state over the context and `covered`; `None` only if the HMAC
    /// implementation refused the key (it accepts every length, so callers fail closed).
    fn mac(&self, covered: &[u8]) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key).ok()?;
        // context.len() <= MAX_CONTEXT_LEN (64), so it fits in one byte.
        let context_len = u8::try_from(self.context.len()).unwrap_or(u8::MAX);
        mac.update(&[context_len]);
        mac.update(self.context);
        mac.update(covered);
        Some(mac)
    }
}

/// Why a key or context was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is shorter than [`MIN_KEY_LEN`] bytes.
    KeyTooShort,
    /// The context is longer than [`MAX_CONTEXT_LEN`] bytes.
    ContextTooLong,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::KeyTooShort => write!(f, "key shorter than {MIN_KEY_LEN} bytes"),
            KeyError::ContextTooLong => {
                write!(f, "tag context longer than {MAX_CONTEXT_LEN} bytes")
            }
        }
    }
}

impl core::error::Error for KeyError {}

/// Why a blob could not be written. After an error the output buffer holds no valid blob (its
/// contents are unspecified).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; the blob needs `needed` bytes.
    BufferTooSmall {
        /// Bytes the whole blob needs.
        needed: usize,
    },
    /// The payload is longer than [`MAX_PAYLOAD_LEN`] bytes.
    PayloadTooLarge {
        /// The payload's length in bytes.
        len: usize,
    },
    /// The kind has a tag, and no [`Seal`] was given.
    SealRequired,
    /// A [`Seal`] was given for a kind without a tag.
    SealNotApplicable,
    /// The value could not be serialized (a value outside its format's range).
    Serialize,
    /// A state the code believes impossible (a bug): nothing valid was written.
    Internal,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            EncodeError::PayloadTooLarge { len } => {
                write!(f, "payload of {len} bytes exceeds {MAX_PAYLOAD_LEN}")
            }
            EncodeError::SealRequired => f.write_str("this kind is tagged: a key is required"),
            EncodeError::SealNotApplicable => f.write_str("this kind is not tagged: give no key"),
            EncodeError::Serialize => f.write_str("value cannot be serialized"),
            EncodeError::Internal => f.write_str("internal error (a bug in the SDK)"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why a blob was refused. Each check of the format has its own variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// The blob ends early: the header, or the length it declares, needs `needed` bytes.
    Truncated {
        /// Bytes needed.
        needed: usize,
    },
    /// The first two bytes are not [`MAGIC`]: this is not a Retention SDK blob.
    BadMagic,
    /// The kind byte names no known kind.
    UnknownKind {
        /// The kind byte found.
        found: u8,
    },
    /// The blob is of another kind than the one asked for (a card given as an account).
    WrongKind {
        /// The kind asked for.
        expected: Kind,
        /// The kind found.
        found: Kind,
    },
    /// The payload format version is newer (or older) than this build reads.
    UnsupportedVersion {
        /// The version found.
        found: u8,
        /// The newest version this build reads.
        newest: u8,
    },
    /// The blob is longer than its header declares.
    LengthMismatch {
        /// The length the header declares, envelope included.
        declared: usize,
        /// The blob's actual length.
        actual: usize,
    },
    /// The CRC-32 (over the header and payload; not the tag) does not match: the blob is
    /// corrupt (a torn write, a bad read).
    BadChecksum,
    /// The authentication tag does not match: wrong key, wrong context, a forged blob, or
    /// damage inside the tag's own bytes (which the CRC does not cover).
    BadTag,
    /// The kind is tagged, and no [`Seal`] was given to verify it.
    SealRequired,
    /// A [`Seal`] was given for a kind without a tag.
    SealNotApplicable,
    /// The payload does not decode as this kind's format.
    Payload,
    /// The payload decodes, but a count exceeds its capacity.
    OverCapacity,
    /// The payload decodes, but a value is outside its allowed range.
    OutOfRange,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { needed } => write!(f, "blob truncated: {needed} bytes needed"),
            DecodeError::BadMagic => f.write_str("not a Retention blob (bad magic)"),
            DecodeError::UnknownKind { found } => write!(f, "unknown blob kind 0x{found:02x}"),
            DecodeError::WrongKind { expected, found } => {
                write!(f, "wrong kind: expected {expected}, found {found}")
            }
            DecodeError::UnsupportedVersion { found, newest } => write!(
                f,
                "unsupported format version {found} (this build reads up to {newest})"
            ),
            DecodeError::LengthMismatch { declared, actual } => write!(
                f,
                "blob is {actual} bytes but its header declares {declared}"
            ),
            DecodeError::BadChecksum => f.write_str("checksum mismatch (corrupt blob)"),
            DecodeError::BadTag => f.write_str("authentication tag mismatch (wrong key or forged)"),
            DecodeError::SealRequired => f.write_str("this kind is tagged: a key is required"),
            DecodeError::SealNotApplicable => f.write_str("this kind is not tagged: give no key"),
            DecodeError::Payload => f.write_str("payload does not decode"),
            DecodeError::OverCapacity => f.write_str("payload exceeds a capacity"),
            DecodeError::OutOfRange => f.write_str("payload holds an out-of-range value"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// The header fields of a blob, read without verifying it (see [`Header::peek`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// The kind.
    pub kind: Kind,
    /// The payload format version.
    pub version: u8,
    /// The payload length in bytes.
    pub payload_len: usize,
}

impl Header {
    /// Reads the header of `blob` to tell what it is, checking only magic and kind. Not proof of
    /// anything: use [`open`] or [`decode`] before trusting the contents.
    pub fn peek(blob: &[u8]) -> Result<Header, DecodeError> {
        let Some(&[m0, m1, version, kind, len_lo, len_hi]) = blob.first_chunk::<HEADER_LEN>()
        else {
            return Err(DecodeError::Truncated { needed: HEADER_LEN });
        };
        if [m0, m1] != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        let kind = Kind::from_byte(kind).ok_or(DecodeError::UnknownKind { found: kind })?;
        Ok(Header {
            kind,
            version,
            payload_len: usize::from(u16::from_le_bytes([len_lo, len_hi])),
        })
    }
}

/// A verified blob: its version and a view of its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The payload format version (between the kind's oldest readable and newest version).
    pub version: u8,
    /// The payload bytes.
    pub payload: &'a [u8],
}

fn check_seal(kind: Kind, seal: Option<Seal<'_>>) -> Result<Option<Seal<'_>>, (bool, bool)> {
    match (kind.tag_len() > 0, seal) {
        (true, None) => Err((true, false)),
        (false, Some(_)) => Err((false, true)),
        (_, seal) => Ok(seal),
    }
}

/// Writes a blob of `kind` around `payload` into `out`, returning the length used.
///
/// Tagged kinds need a `seal`; untagged kinds refuse one.
pub fn encode_raw(
    kind: Kind,
    payload: &[u8],
    seal: Option<Seal<'_>>,
    out: &mut [u8],
) -> Result<usize, EncodeError> {
    let seal = check_seal(kind, seal).map_err(|(required, _)| {
        if required {
            EncodeError::SealRequired
        } else {
            EncodeError::SealNotApplicable
        }
    })?;
    let total = frame_len(kind, payload.len(), out.len())?;
    copy_bytes(
        out.get_mut(HEADER_LEN..HEADER_LEN.saturating_add(payload.len()))
            .ok_or(EncodeError::BufferTooSmall { needed: total })?,
        payload,
    );
    seal_in_place(kind, payload.len(), seal, out)
}

/// Serializes `value` with postcard as the payload of a blob of `kind` in `out`, returning the
/// length used. Nothing is allocated: the payload is written in place.
pub fn encode<T: Serialize>(
    kind: Kind,
    value: &T,
    seal: Option<Seal<'_>>,
    out: &mut [u8],
) -> Result<usize, EncodeError> {
    let seal = check_seal(kind, seal).map_err(|(required, _)| {
        if required {
            EncodeError::SealRequired
        } else {
            EncodeError::SealNotApplicable
        }
    })?;
    let payload_len = postcard::serialize_with_flavor::<T, _, usize>(
        value,
        postcard::ser_flavors::Size::default(),
    )
    .map_err(|_| EncodeError::Serialize)?;
    frame_len(kind, payload_len, out.len())?;
    let body = out
        .get_mut(HEADER_LEN..HEADER_LEN.saturating_add(payload_len))
        .ok_or(EncodeError::BufferTooSmall {
            needed: encoded_len(kind, payload_len),
        })?;
    let written = postcard::to_slice(value, body).map_err(|_| EncodeError::Serialize)?;
    if written.len() != payload_len {
        return Err(EncodeError::Serialize);
    }
    seal_in_place(kind, payload_len, seal, out)
}

/// Checks the payload length and output size; returns the total blob length.
fn frame_len(kind: Kind, payload_len: usize, out_len: usize) -> Result<usize, EncodeError> {
    if payload_len > MAX_PAYLOAD_LEN {
        return Err(EncodeError::PayloadTooLarge { len: payload_len });
    }
    let total = encoded_len(kind, payload_len);
    if out_len < total {
        return Err(EncodeError::BufferTooSmall { needed: total });
    }
    Ok(total)
}

/// With the payload already at `out[HEADER_LEN..]`, writes header, checksum and tag.
fn seal_in_place(
    kind: Kind,
    payload_len: usize,
    seal: Option<Seal<'_>>,
    out: &mut [u8],
) -> Result<usize, EncodeError> {
    let total = encoded_len(kind, payload_len);
    let too_small = EncodeError::BufferTooSmall { needed: total };
    let length = u16::try_from(payload_len)
        .map_err(|_| EncodeError::PayloadTooLarge { len: payload_len })?;
    let [len_lo, len_hi] = length.to_le_bytes();
    let [m0, m1] = MAGIC;
    copy_bytes(
        out.get_mut(..HEADER_LEN).ok_or(too_small)?,
        &[m0, m1, kind.version(), kind.byte(), len_lo, len_hi],
    );
    let crc_at = HEADER_LEN.saturating_add(payload_len);
    let tag_at = crc_at.saturating_add(CHECKSUM_LEN);
    let checksum = CRC32.checksum(out.get(..crc_at).ok_or(too_small)?);
    copy_bytes(
        out.get_mut(crc_at..tag_at).ok_or(too_small)?,
        &checksum.to_le_bytes(),
    );
    if let Some(seal) = seal {
        let tag = seal
            .mac(out.get(..tag_at).ok_or(too_small)?)
            .ok_or(EncodeError::Internal)?
            .finalize()
            .into_bytes();
        let tag_len = kind.tag_len();
        copy_bytes(
            out.get_mut(tag_at..total).ok_or(too_small)?,
            tag.get(..tag_len).ok_or(too_small)?,
        );
    }
    Ok(total)
}

/// Verifies a blob of `kind` and returns its payload. Tagged kinds need the `seal` they were
/// written with (same key, same context).
pub fn open<'a>(
    blob: &'a [u8],
    kind: Kind,
    seal: Option<Seal<'_>>,
) -> Result<Opened<'a>, DecodeError> {
    let seal = check_seal(kind, seal).map_err(|(required, _)| {
        if required {
            DecodeError::SealRequired
        } else {
            DecodeError::SealNotApplicable
        }
    })?;
    let header = Header::peek(blob)?;
    if header.kind != kind {
        return Err(DecodeError::WrongKind {
            expected: kind,
            found: header.kind,
        });
    }
    if header.version < kind.oldest_readable_version() || header.version > kind.version() {
        return Err(DecodeError::UnsupportedVersion {
            found: header.version,
            newest: kind.version(),
        });
    }
    let total = encoded_len(kind, header.payload_len);
    if blob.len() < total {
        return Err(DecodeError::Truncated { needed: total });
    }
    if blob.len() > total {
        return Err(DecodeError::LengthMismatch {
            declared: total,
            actual: blob.len(),
        });
    }
    let crc_at = HEADER_LEN.saturating_add(header.payload_len);
    let tag_at = crc_at.saturating_add(CHECKSUM_LEN);
    let truncated = DecodeError::Truncated { needed: total };
    let covered = blob.get(..crc_at).ok_or(truncated)?;
    let stored_crc = blob
        .get(crc_at..tag_at)
        .and_then(|bytes| bytes.first_chunk::<CHECKSUM_LEN>())
        .ok_or(truncated)?;
    if CRC32.checksum(covered) != u32::from_le_bytes(*stored_crc) {
        return Err(DecodeError::BadChecksum);
    }
    if let Some(seal) = seal {
        let tag = blob.get(tag_at..total).ok_or(truncated)?;
        let mac = seal
            .mac(blob.get(..tag_at).ok_or(truncated)?)
            .ok_or(DecodeError::BadTag)?;
        // Constant-time comparison of the leftmost tag bytes.
        mac.verify_truncated_left(tag)
            .map_err(|_| DecodeError::BadTag)?;
    }
    Ok(Opened {
        version: header.version,
        payload: blob.get(HEADER_LEN..crc_at).ok_or(truncated)?,
    })
}

/// Verifies a blob of `kind` (see [`open`]) and deserializes its postcard payload, which must be
/// of the kind's current version and must be consumed exactly.
pub fn decode<'a, T: Deserialize<'a>>(
    blob: &'a [u8],
    kind: Kind,
    seal: Option<Seal<'_>>,
) -> Result<T, DecodeError> {
    let opened = open(blob, kind, seal)?;
    if opened.version != kind.version() {
        return Err(DecodeError::UnsupportedVersion {
            found: opened.version,
            newest: kind.version(),
        });
    }
    decode_payload(opened.payload)
}

/// Deserializes a postcard payload that must be consumed exactly.
pub fn decode_payload<'a, T: Deserialize<'a>>(payload: &'a [u8]) -> Result<T, DecodeError> {
    match postcard::take_from_bytes::<T>(payload) {
        Ok((value, [])) => Ok(value),
        Ok(_) | Err(_) => Err(DecodeError::Payload),
    }
}

#[cfg(test)]
mod tests;
