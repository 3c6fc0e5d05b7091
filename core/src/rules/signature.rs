//! Ed25519 signatures of rule sets (RFC 8032): verification that accepts exactly what
//! ed25519-dalek's `verify_strict` accepts, on `salty`; signing on the host.
//!
//! `salty` is written for Cortex-M (no precomputed tables; about 5 KB less flash than
//! ed25519-dalek in the firmware image, `docs/firmware.md`), and its `verify` checks the
//! signature equation only: it accepts `S + L` in place of `S`, and a public key or an `R` of
//! small order. The checks in front of it are the ones `verify_strict` makes:
//!
//! - the public key `A` decodes to a curve point, else [`LoadError::BadPublicKey`];
//! - `S < L`, the order of the base point: a canonical scalar, so no second signature
//!   `S + L` of the same message;
//! - neither `A` nor `R` is one of the 8 points of small order (order dividing 8), in any of
//!   their 14 encodings: canonical, `y + p`, or the sign bit set on `x = 0` (libsodium's
//!   blocklist; Chalkias, Garillot and Nikolaenko, "Taming the many EdDSAs", 2020);
//! - then the equation, with `salty`'s arithmetic and the steps of its `verify`:
//!   `[S]B − [k]A`, encoded, equals the bytes of `R`, where `k = SHA-512(R ‖ A ‖ M) mod L`
//!   over the bytes as given. The equation is cofactorless, and an encoding is always
//!   canonical, so a non-canonical `R` never verifies.
//!
//! Every other failure is [`LoadError::BadSignature`]. Like `verify_strict`, a public key
//! that writes `y` as `y + p` (possible for `y ≤ 18`) and is not of small order decodes, and
//! is hashed as written: nobody can sign for such a point (its discrete logarithm is
//! unknown), and the decision is `verify_strict`'s.

use core::ops::{Add as _, Mul as _, Neg as _};

use super::blob::{LoadError, PUBLIC_KEY_LEN, SIGNATURE_LEN};

/// Bytes of an encoded point or scalar.
const ENCODING_LEN: usize = 32;

/// `L = 2^252 + 27742317777372353535851937790883648493`, the order of the base point,
/// little-endian.
const GROUP_ORDER: [u8; ENCODING_LEN] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

/// The `y` coordinates (255 bits, little-endian, sign bit clear) of the 8 points of small
/// order, each as every integer below `2^255` that is congruent to it (libsodium's
/// `ge25519_has_small_order` list). With either sign bit that is every encoding that decodes
/// to one of them.
const SMALL_ORDER_Y: [[u8; ENCODING_LEN]; 7] = [
    // 0: the two points of order 4, (±√−1, 0).
    [0; ENCODING_LEN],
    // 1: the identity, (0, 1).
    [
        0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0,
    ],
    // 2707385501144840649318225287225658788936804267575313519463743609750303402022: two points
    // of order 8.
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    // p − 2707385501144840649318225287225658788936804267575313519463743609750303402022: the
    // other two points of order 8.
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // p − 1: the point of order 2, (0, −1).
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p = 0 (mod p), non-canonical.
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p + 1 = 1 (mod p), non-canonical.
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// Checks the Ed25519 signature `signature` (`R ‖ S`) of `message` with the public key
/// `public_key`, strictly (module docs). Never inlined, and each step of the curve arithmetic
/// is a function of its own (the steps of `salty`'s `PublicKey::verify`): their frames come and
/// go instead of adding up in one, which keeps a signed load on Cortex-M under the C API's
/// 8 KiB stack ceiling (on the Cortex-M3, `salty`'s portable field arithmetic keeps 16 64-bit
/// limbs per coordinate, 512 bytes per point).
#[inline(never)]
pub(super) fn verify(
    public_key: &[u8; PUBLIC_KEY_LEN],
    signature: &[u8; SIGNATURE_LEN],
    message: &[u8],
) -> Result<(), LoadError> {
    let key = decode_point(public_key).ok_or(LoadError::BadPublicKey)?;
    let (r, s) = signature
        .split_first_chunk::<ENCODING_LEN>()
        .ok_or(LoadError::BadSignature)?;
    let s = <&[u8; ENCODING_LEN]>::try_from(s).map_err(|_| LoadError::BadSignature)?;
    if !is_canonical_scalar(s) || has_small_order(r) || has_small_order(public_key) {
        return Err(LoadError::BadSignature);
    }
    let minus_k_a = minus_multiple(&challenge(r, public_key, message), &key);
    let s_b = base_multiple(s);
    if encoded_sum(&s_b, &minus_k_a) == *r {
        Ok(())
    } else {
        Err(LoadError::BadSignature)
    }
}

/// The point `encoding` decodes to (`y` taken mod `p`, as ed25519-dalek does), if any.
#[inline(never)]
fn decode_point(encoding: &[u8; ENCODING_LEN]) -> Option<salty::EdwardsPoint> {
    salty::CompressedY::from(encoding).decompressed().ok()
}

/// `k = SHA-512(R ‖ A ‖ M) mod L`, over the bytes as given.
#[inline(never)]
fn challenge(
    r: &[u8; ENCODING_LEN],
    public_key: &[u8; ENCODING_LEN],
    message: &[u8],
) -> salty::Scalar {
    let hash = salty::Sha512::new()
        .updated(r)
        .updated(public_key)
        .updated(message)
        .finalize();
    salty::Scalar::from_u512_le(&hash)
}

/// `[k](−A)`. (The curve's group law, written as method calls: `Mul`, `Add` and `Neg` of
/// points work modulo `p` and cannot overflow.)
#[inline(never)]
fn minus_multiple(k: &salty::Scalar, point: &salty::EdwardsPoint) -> salty::EdwardsPoint {
    k.mul(&point.neg())
}

/// `[S]B`, `B` the base point.
#[inline(never)]
fn base_multiple(s: &[u8; ENCODING_LEN]) -> salty::EdwardsPoint {
    (&salty::Scalar::from(s)).mul(&salty::EdwardsPoint::basepoint())
}

/// The canonical encoding of `p + q`.
#[inline(never)]
fn encoded_sum(p: &salty::EdwardsPoint, q: &salty::EdwardsPoint) -> [u8; ENCODING_LEN] {
    p.add(q).compressed().0
}

/// Whether the little-endian integer `scalar` is below the group order `L`.
fn is_canonical_scalar(scalar: &[u8; ENCODING_LEN]) -> bool {
    for (byte, order) in scalar.iter().rev().zip(GROUP_ORDER.iter().rev()) {
        if byte != order {
            return byte < order;
        }
    }
    false
}

/// Whether `encoding` is an encoding of a point of small order (its `y`, sign bit aside, is
/// on [`SMALL_ORDER_Y`]). For an encoding that decodes, that is exactly "the point times 8
/// is the identity"; every encoding on the list decodes.
fn has_small_order(encoding: &[u8; ENCODING_LEN]) -> bool {
    let mut y = *encoding;
    if let Some(last) = y.last_mut() {
        *last &= 0x7f;
    }
    SMALL_ORDER_Y.contains(&y)
}

/// The Ed25519 signature of `message` with the secret key `secret_key` (its 32-byte seed),
/// RFC 8032 (deterministic). Host only.
#[cfg(feature = "std")]
pub(super) fn sign(secret_key: &[u8; 32], message: &[u8]) -> [u8; SIGNATURE_LEN] {
    salty::Keypair::from(secret_key).sign(message).to_bytes()
}

/// The Ed25519 public key of the secret key `secret_key` (its 32-byte seed). Host only.
#[cfg(feature = "std")]
pub(super) fn public_key_of(secret_key: &[u8; 32]) -> [u8; PUBLIC_KEY_LEN] {
    salty::Keypair::from(secret_key).public.to_bytes()
}

#[cfg(all(test, feature = "std"))]
mod tests;
