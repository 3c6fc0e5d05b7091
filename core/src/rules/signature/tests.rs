//! The strict checks against the published vectors (RFC 8032 section 7.1; "Taming the many
//! EdDSAs") and against ed25519-dalek's `verify_strict`, the oracle, on random and crafted
//! signatures.

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use proptest::prelude::*;
use sha2::{Digest, Sha512};

use super::*;

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn unhex_array<const N: usize>(text: &str) -> [u8; N] {
    unhex(text).try_into().unwrap()
}

/// What ed25519-dalek decides: the key decoded by `VerifyingKey::from_bytes`, then
/// `verify_strict` (how the loader used it before this module).
fn oracle(public_key: &[u8; 32], signature: &[u8; 64], message: &[u8]) -> Result<(), LoadError> {
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(public_key).map_err(|_| LoadError::BadPublicKey)?;
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
        .map_err(|_| LoadError::BadSignature)
}

/// `salty`'s `verify` alone, without the checks in front of it: shows that a case needs them.
fn salty_alone(public_key: &[u8; 32], signature: &[u8; 64], message: &[u8]) -> bool {
    salty::PublicKey::try_from(public_key).is_ok_and(|key| {
        key.verify(message, &salty::Signature::from(signature))
            .is_ok()
    })
}

/// `L` as an integer, to add to a scalar.
fn add_group_order(scalar: &[u8; 32]) -> [u8; 32] {
    let mut sum = [0u8; 32];
    let mut carry = 0u16;
    for ((out, a), b) in sum.iter_mut().zip(scalar).zip(&GROUP_ORDER) {
        let total = u16::from(*a) + u16::from(*b) + carry;
        *out = total.to_le_bytes()[0];
        carry = total >> 8;
    }
    assert_eq!(carry, 0);
    sum
}

/// RFC 8032 section 7.1: name, secret key, public key, message, signature.
const RFC8032: [(&str, &str, &str, &str, &str); 5] = [
    (
        "TEST 1",
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "TEST 2",
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "TEST 3",
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "TEST 1024",
        "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        MESSAGE_1024,
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
    ),
    (
        "TEST SHA(abc)",
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
];

/// The 1023-byte message of RFC 8032's TEST 1024.
const MESSAGE_1024: &str = concat!(
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1",
    "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d",
    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a",
    "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e",
    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10",
    "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1",
    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d",
    "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270",
    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b",
    "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba",
    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b",
    "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7",
    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d",
    "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df",
    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7",
    "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4",
    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09",
    "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f",
    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161",
    "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d",
    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca",
    "c60c905c15fc910840b94c00a0b9d0",
);

#[test]
fn rfc8032_vectors_sign_and_verify() {
    assert_eq!(MESSAGE_1024.len(), 2 * 1023);
    assert_eq!(
        unhex(RFC8032[4].3),
        Sha512::digest(b"abc").to_vec(),
        "TEST SHA(abc) signs SHA-512(abc)"
    );
    for (name, secret, public, message, signature) in RFC8032 {
        let secret: [u8; 32] = unhex_array(secret);
        let public: [u8; 32] = unhex_array(public);
        let message = unhex(message);
        let signature: [u8; 64] = unhex_array(signature);
        assert_eq!(public_key_of(&secret), public, "{name}");
        assert_eq!(sign(&secret, &message), signature, "{name}");
        assert_eq!(verify(&public, &signature, &message), Ok(()), "{name}");
        assert_eq!(oracle(&public, &signature, &message), Ok(()), "{name}");
        // One flipped bit in each byte of the signature (its R, then its S), or in the message.
        for byte in 0..64 {
            let mut flipped = signature;
            flipped[byte] ^= 1 << (byte % 8);
            assert_eq!(
                verify(&public, &flipped, &message),
                Err(LoadError::BadSignature),
                "{name}, byte {byte}"
            );
        }
        if let Some(first) = message.first() {
            let mut edited = message.clone();
            edited[0] = first ^ 0x80;
            assert_eq!(
                verify(&public, &signature, &edited),
                Err(LoadError::BadSignature)
            );
        }
    }
}

/// "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko 2020), its test vectors 0-11 as
/// published with the paper (ed25519-speccheck): number, message, public key, signature, and
/// what `verify_strict` decides, by the paper's table and the reason given.
/// Vector 7's published signature is 65 bytes long, which a 64-byte signature field cannot
/// hold, so it is not here.
const TAMING: [(u8, &str, &str, &str, bool); 11] = [
    // Small-order A and small-order R, S = 0: refused (small order).
    (
        0,
        "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    // Small-order A, mixed-order R: refused (small-order A).
    (
        1,
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        false,
    ),
    // Mixed-order A, small-order R: refused (small-order R).
    (
        2,
        "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
        false,
    ),
    // Mixed-order A and R, the cofactorless equation holds: accepted.
    (
        3,
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
        true,
    ),
    // Only the cofactored equation holds: refused (cofactorless).
    (
        4,
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
        false,
    ),
    // Only the cofactored equation holds (mixed-order R): refused.
    (
        5,
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
        false,
    ),
    // S > L: refused (non-canonical S).
    (
        6,
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
        false,
    ),
    // Non-canonical R (y = p - 1 with the sign bit set, of order 2): refused.
    (
        8,
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
        false,
    ),
    // The same R, another S: refused.
    (
        9,
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
        false,
    ),
    // Non-canonical A (the same order-2 point): refused (small order).
    (
        10,
        "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        false,
    ),
    // The same A and signature, another message: refused.
    (
        11,
        "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        false,
    ),
];

#[test]
fn taming_the_many_eddsas_vectors() {
    for (number, message, public, signature, accepted) in TAMING {
        let message = unhex(message);
        let public: [u8; 32] = unhex_array(public);
        let signature: [u8; 64] = unhex_array(signature);
        let ours = verify(&public, &signature, &message);
        let expected = if accepted {
            Ok(())
        } else {
            Err(LoadError::BadSignature)
        };
        assert_eq!(ours, expected, "vector {number}");
        assert_eq!(
            oracle(&public, &signature, &message),
            ours,
            "vector {number}"
        );
    }
    // Vectors 0 and 11 satisfy the cofactorless equation: salty alone accepts them, so the
    // small-order check is what refuses them.
    for number in [0, 11] {
        let (_, message, public, signature, _) =
            TAMING.iter().find(|vector| vector.0 == number).unwrap();
        assert!(
            salty_alone(
                &unhex_array(public),
                &unhex_array(signature),
                &unhex(message)
            ),
            "vector {number}"
        );
    }
}

#[test]
fn the_small_order_list_is_the_eight_torsion_in_every_encoding() {
    // Every point of order dividing 8 is on the list, and nothing of large order is.
    for point in EIGHT_TORSION {
        assert!(point.is_small_order());
        assert!(has_small_order(&point.compress().to_bytes()));
    }
    assert!(!has_small_order(
        &ED25519_BASEPOINT_POINT.compress().to_bytes()
    ));
    // Every entry decodes, with either sign bit, to a point of small order.
    for y in SMALL_ORDER_Y {
        for sign in [0x00, 0x80] {
            let mut encoding = y;
            encoding[31] |= sign;
            let point = CompressedEdwardsY(encoding).decompress().unwrap();
            assert!(point.is_small_order(), "{encoding:02x?}");
            assert!(has_small_order(&encoding));
        }
    }
    // The other non-canonical encodings y + p (y = 2..=18, the only ones below 2^255) that
    // decode are points of large order, which the list leaves out, as verify_strict does.
    let mut large = 0;
    for y in 2u8..=18 {
        let mut encoding = SMALL_ORDER_Y[5];
        encoding[0] = 0xed + y;
        if let Some(point) = CompressedEdwardsY(encoding).decompress() {
            assert!(!point.is_small_order());
            assert!(!has_small_order(&encoding));
            large += 1;
        }
    }
    // y = 3, 4, 5, 6, 9, 10, 14, 15, 16, 18 ((y^2 - 1) / (d y^2 + 1) is a square mod p).
    assert_eq!(large, 10);
}

#[test]
fn canonical_scalars_are_those_below_the_group_order() {
    let mut below = GROUP_ORDER;
    below[0] -= 1;
    let mut above = GROUP_ORDER;
    above[0] += 1;
    assert!(is_canonical_scalar(&[0; 32]));
    assert!(is_canonical_scalar(&below));
    assert!(!is_canonical_scalar(&GROUP_ORDER));
    assert!(!is_canonical_scalar(&above));
    assert!(!is_canonical_scalar(&[0xff; 32]));
    // 2^252 < L; 2^253 > L.
    let mut power = [0u8; 32];
    power[31] = 0x10;
    assert!(is_canonical_scalar(&power));
    power[31] = 0x20;
    assert!(!is_canonical_scalar(&power));
}

/// A key pair from the seed `seed`: its secret scalar `a` (RFC 8032 5.1.5) and public key `A = [a]B`.
fn key_pair(seed: &[u8; 32]) -> (Scalar, EdwardsPoint) {
    let hash = Sha512::digest(seed);
    let mut scalar: [u8; 32] = hash[..32].try_into().unwrap();
    scalar[0] &= 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
    let secret = Scalar::from_bytes_mod_order(scalar);
    (secret, EdwardsPoint::mul_base(&secret))
}

/// `k = SHA-512(R ‖ A ‖ M) mod L` over the bytes as written.
fn challenge(r: &[u8; 32], public_key: &[u8; 32], message: &[u8]) -> Scalar {
    let hash: [u8; 64] = Sha512::new()
        .chain_update(r)
        .chain_update(public_key)
        .chain_update(message)
        .finalize()
        .into();
    Scalar::from_bytes_mod_order_wide(&hash)
}

/// The signature `R ‖ S` with `S = r + k a` for the bytes `r_bytes` of `R` as written.
fn signature_with(
    nonce: &Scalar,
    r_bytes: [u8; 32],
    secret: &Scalar,
    public_key: &[u8; 32],
    message: &[u8],
) -> [u8; 64] {
    let s = nonce + challenge(&r_bytes, public_key, message) * secret;
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&r_bytes);
    signature[32..].copy_from_slice(s.as_bytes());
    signature
}

#[test]
fn crafted_signatures_that_need_the_checks() {
    let seed = [0x42; 32];
    let (secret, point) = key_pair(&seed);
    let public = point.compress().to_bytes();
    assert_eq!(public, public_key_of(&seed));
    let message = b"coffee: 4 stamps, 1 free";
    let signature = sign(&seed, message);
    assert_eq!(verify(&public, &signature, message), Ok(()));

    // S + L: the same point [S]B, refused as non-canonical.
    let mut malleated = signature;
    let s: [u8; 32] = signature[32..].try_into().unwrap();
    malleated[32..].copy_from_slice(&add_group_order(&s));
    assert!(salty_alone(&public, &malleated, message));
    assert_eq!(
        verify(&public, &malleated, message),
        Err(LoadError::BadSignature)
    );
    assert_eq!(
        oracle(&public, &malleated, message),
        Err(LoadError::BadSignature)
    );

    // R the identity, S = k a: [S]B - [k]A is the identity, written as R is.
    let identity = EdwardsPoint::default().compress().to_bytes();
    let forged = signature_with(&Scalar::ZERO, identity, &secret, &public, message);
    assert!(salty_alone(&public, &forged, message));
    assert_eq!(
        verify(&public, &forged, message),
        Err(LoadError::BadSignature)
    );
    assert_eq!(
        oracle(&public, &forged, message),
        Err(LoadError::BadSignature)
    );

    // The identity as public key, R the identity, S = 0: any message "verifies" without the check.
    let forged = signature_with(&Scalar::ZERO, identity, &Scalar::ZERO, &identity, message);
    assert!(salty_alone(&identity, &forged, message));
    assert_eq!(
        verify(&identity, &forged, message),
        Err(LoadError::BadSignature)
    );
    assert_eq!(
        oracle(&identity, &forged, message),
        Err(LoadError::BadSignature)
    );

    // A key that is no curve point: y = 2 has no x.
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert_eq!(
        verify(&not_a_point, &signature, message),
        Err(LoadError::BadPublicKey)
    );
    assert_eq!(
        oracle(&not_a_point, &signature, message),
        Err(LoadError::BadPublicKey)
    );
}

/// How a test case departs from an honest signature.
#[derive(Clone, Debug)]
enum Tamper {
    None,
    SignatureBit(usize),
    KeyBit(usize),
    MessageBit(usize),
    /// `S + L` in place of `S`.
    SPlusL,
    /// `R` the identity (canonical or as `p + 1`), `S = k a`.
    IdentityR {
        canonical: bool,
    },
    /// `A` one of the 14 small-order encodings, `R` a small-order point chosen to satisfy the
    /// cofactorless equation with `S = 0` where one does.
    SmallOrderKey {
        entry: usize,
        sign: bool,
    },
    /// `A = [a]B + T`, `T` of small order, signed honestly with `a`.
    MixedOrderKey(usize),
    /// `R = [r]B + T`, `T` of small order, `S = r + k a`.
    MixedOrderR(usize),
    /// `A` written as `y + p` (y = 3, a point of large order), any signature.
    NonCanonicalKey {
        sign: bool,
    },
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        Just(Tamper::None),
        (0usize..512).prop_map(Tamper::SignatureBit),
        (0usize..256).prop_map(Tamper::KeyBit),
        (0usize..256).prop_map(Tamper::MessageBit),
        Just(Tamper::SPlusL),
        any::<bool>().prop_map(|canonical| Tamper::IdentityR { canonical }),
        (0usize..7, any::<bool>()).prop_map(|(entry, sign)| Tamper::SmallOrderKey { entry, sign }),
        (1usize..8).prop_map(Tamper::MixedOrderKey),
        (1usize..8).prop_map(Tamper::MixedOrderR),
        any::<bool>().prop_map(|sign| Tamper::NonCanonicalKey { sign }),
    ]
}

/// The public key, signature and message of a case.
fn case(
    seed: &[u8; 32],
    nonce: &[u8; 32],
    message: &[u8],
    tamper: &Tamper,
) -> ([u8; 32], [u8; 64], Vec<u8>) {
    let (secret, point) = key_pair(seed);
    let public = point.compress().to_bytes();
    let mut message = message.to_vec();
    let mut signature = sign(seed, &message);
    let nonce = Scalar::from_bytes_mod_order(*nonce);
    match *tamper {
        Tamper::None => (public, signature, message),
        Tamper::SignatureBit(bit) => {
            signature[bit / 8] ^= 1 << (bit % 8);
            (public, signature, message)
        }
        Tamper::KeyBit(bit) => {
            let mut public = public;
            public[bit / 8] ^= 1 << (bit % 8);
            (public, signature, message)
        }
        Tamper::MessageBit(bit) => {
            if message.is_empty() {
                message.push(0);
            }
            let byte = bit / 8 % message.len();
            message[byte] ^= 1 << (bit % 8);
            (public, signature, message)
        }
        Tamper::SPlusL => {
            let s: [u8; 32] = signature[32..].try_into().unwrap();
            signature[32..].copy_from_slice(&add_group_order(&s));
            (public, signature, message)
        }
        Tamper::IdentityR { canonical } => {
            let r = if canonical {
                SMALL_ORDER_Y[1]
            } else {
                SMALL_ORDER_Y[6]
            };
            (
                public,
                signature_with(&Scalar::ZERO, r, &secret, &public, &message),
                message,
            )
        }
        Tamper::SmallOrderKey { entry, sign } => {
            let mut key = SMALL_ORDER_Y[entry];
            key[31] |= if sign { 0x80 } else { 0 };
            let torsion = CompressedEdwardsY(key).decompress().unwrap();
            let mut signature = [0u8; 64];
            for candidate in EIGHT_TORSION {
                let r = candidate.compress().to_bytes();
                signature[..32].copy_from_slice(&r);
                if (-(challenge(&r, &key, &message) * torsion))
                    .compress()
                    .to_bytes()
                    == r
                {
                    break;
                }
            }
            (key, signature, message)
        }
        Tamper::MixedOrderKey(torsion) => {
            let key = (point + EIGHT_TORSION[torsion]).compress().to_bytes();
            let r = EdwardsPoint::mul_base(&nonce).compress().to_bytes();
            (
                key,
                signature_with(&nonce, r, &secret, &key, &message),
                message,
            )
        }
        Tamper::MixedOrderR(torsion) => {
            let r = (EdwardsPoint::mul_base(&nonce) + EIGHT_TORSION[torsion])
                .compress()
                .to_bytes();
            (
                public,
                signature_with(&nonce, r, &secret, &public, &message),
                message,
            )
        }
        Tamper::NonCanonicalKey { sign } => {
            let mut key = SMALL_ORDER_Y[5];
            key[0] = 0xed + 3;
            key[31] |= if sign { 0x80 } else { 0 };
            (key, signature, message)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Whatever the case, the decision (and its error) is ed25519-dalek `verify_strict`'s.
    #[test]
    fn decides_as_verify_strict(
        seed in any::<[u8; 32]>(),
        nonce in any::<[u8; 32]>(),
        message in proptest::collection::vec(any::<u8>(), 0..48),
        tamper in tamper(),
    ) {
        let (public, signature, message) = case(&seed, &nonce, &message, &tamper);
        let ours = verify(&public, &signature, &message);
        prop_assert_eq!(ours, oracle(&public, &signature, &message));
        match tamper {
            Tamper::None => prop_assert_eq!(ours, Ok(())),
            Tamper::SPlusL | Tamper::IdentityR { canonical: true } => {
                // Salty alone accepts these: the checks in front refuse them.
                prop_assert!(salty_alone(&public, &signature, &message));
                prop_assert_eq!(ours, Err(LoadError::BadSignature));
            }
            Tamper::SmallOrderKey { .. } | Tamper::MixedOrderR(_) | Tamper::NonCanonicalKey { .. } | Tamper::IdentityR { canonical: false } => {
                prop_assert_eq!(ours, Err(LoadError::BadSignature));
            }
            Tamper::SignatureBit(_) | Tamper::KeyBit(_) | Tamper::MessageBit(_) => prop_assert!(ours.is_err()),
            // Accepted exactly when [k]T is the identity (cofactorless); the oracle decides.
            Tamper::MixedOrderKey(_) => {}
        }
    }
}
