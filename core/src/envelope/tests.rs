use super::*;
use proptest::prelude::*;

const KEY: [u8; 32] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];

fn seal(context: &[u8]) -> Seal<'_> {
    Seal::new(&KEY, context).unwrap()
}

#[test]
fn crc_is_the_zlib_crc() {
    // The standard check value of CRC-32/ISO-HDLC over "123456789".
    assert_eq!(CRC32.checksum(b"123456789"), 0xCBF4_3926);
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The canonical name the shared vectors use for each decode error.
fn error_name(error: DecodeError) -> &'static str {
    match error {
        DecodeError::Truncated { .. } => "truncated",
        DecodeError::BadMagic => "bad_magic",
        DecodeError::UnknownKind { .. } => "unknown_kind",
        DecodeError::WrongKind { .. } => "wrong_kind",
        DecodeError::UnsupportedVersion { .. } => "unsupported_version",
        DecodeError::LengthMismatch { .. } => "length_mismatch",
        DecodeError::BadChecksum => "bad_checksum",
        DecodeError::BadTag => "bad_tag",
        other => panic!("no vector uses {other:?}"),
    }
}

/// `tests/vectors/envelope.json`: blobs whose bytes were computed independently (Python's
/// zlib and hmac), shared with the C and Python tests.
#[test]
fn shared_vectors() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/vectors/envelope.json")).unwrap();
    let key = unhex(doc["key_hex"].as_str().unwrap());
    let seal_of = |case: &serde_json::Value| {
        case["context_hex"]
            .as_str()
            .map(|context| (key.clone(), unhex(context)))
    };
    for case in doc["valid"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let kind = Kind::from_byte(case["kind"].as_u64().unwrap() as u8).unwrap();
        let payload = unhex(case["payload_hex"].as_str().unwrap());
        let expected = unhex(case["blob_hex"].as_str().unwrap());
        let owned = seal_of(case);
        let seal = owned.as_ref().map(|(k, c)| Seal::new(k, c).unwrap());
        let mut buf = [0u8; 128];
        let used = encode_raw(kind, &payload, seal, &mut buf).unwrap();
        assert_eq!(&buf[..used], &expected[..], "{name}: encoded bytes");
        let opened = open(&expected, kind, seal).unwrap();
        assert_eq!(opened.payload, &payload[..], "{name}: payload");
    }
    for case in doc["invalid"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let kind = Kind::from_byte(case["kind"].as_u64().unwrap() as u8).unwrap();
        let blob = unhex(case["blob_hex"].as_str().unwrap());
        let owned = seal_of(case);
        let seal = owned.as_ref().map(|(k, c)| Seal::new(k, c).unwrap());
        let error = open(&blob, kind, seal).expect_err(name);
        assert_eq!(error_name(error), case["error"].as_str().unwrap(), "{name}");
    }
}

#[test]
fn typed_round_trip() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Sample {
        id: u32,
        name: heapless::String<8>,
        amounts: heapless::Vec<i64, 4>,
    }
    let value = Sample {
        id: 300,
        name: heapless::String::try_from("latte").unwrap(),
        amounts: heapless::Vec::from_slice(&[1, -2, 350]).unwrap(),
    };
    let mut buf = [0u8; 64];
    let used = encode(Kind::Opaque, &value, None, &mut buf).unwrap();
    // Payload: id 300 = varint ac 02; "latte" = 05 + 5 bytes; vec = 03, zigzag 1→02, −2→03,
    // 350→700 = bc 05. 2 + 6 + 5 = 13 bytes.
    assert_eq!(used, OVERHEAD_LEN + 13);
    assert_eq!(
        &buf[HEADER_LEN..HEADER_LEN + 13],
        &[
            0xac, 0x02, 0x05, b'l', b'a', b't', b't', b'e', 0x03, 0x02, 0x03, 0xbc, 0x05
        ]
    );
    let back: Sample = decode(&buf[..used], Kind::Opaque, None).unwrap();
    assert_eq!(back, value);
}

#[test]
#[cfg_attr(miri, ignore)] // An HMAC per bit: minutes under Miri, nothing unsafe.
fn every_single_bit_flip_is_rejected() {
    let mut buf = [0u8; 64];
    let used = encode_raw(
        Kind::OpaqueTagged,
        b"stamp x3",
        Some(seal(b"uid")),
        &mut buf,
    )
    .unwrap();
    let blob = &buf[..used];
    assert!(open(blob, Kind::OpaqueTagged, Some(seal(b"uid"))).is_ok());
    for byte in 0..used {
        for bit in 0..8 {
            let mut flipped = [0u8; 64];
            flipped[..used].copy_from_slice(blob);
            flipped[byte] ^= 1 << bit;
            let result = open(&flipped[..used], Kind::OpaqueTagged, Some(seal(b"uid")));
            let expected_family = match byte {
                0 | 1 => matches!(result, Err(DecodeError::BadMagic)),
                2 => matches!(result, Err(DecodeError::UnsupportedVersion { .. })),
                3 => matches!(
                    result,
                    Err(DecodeError::UnknownKind { .. } | DecodeError::WrongKind { .. })
                ),
                4 | 5 => matches!(
                    result,
                    Err(DecodeError::Truncated { .. } | DecodeError::LengthMismatch { .. })
                ),
                _ if byte < used - LONG_TAG_LEN => {
                    matches!(result, Err(DecodeError::BadChecksum))
                }
                _ => matches!(result, Err(DecodeError::BadTag)),
            };
            assert!(expected_family, "byte {byte} bit {bit}: {result:?}");
        }
    }
}

#[test]
fn each_check_has_its_error() {
    let mut buf = [0u8; 64];
    let used = encode_raw(Kind::Opaque, b"abc", None, &mut buf).unwrap();
    let blob = &buf[..used];
    assert_eq!(
        open(&blob[..3], Kind::Opaque, None),
        Err(DecodeError::Truncated { needed: 6 })
    );
    assert_eq!(
        open(&blob[..used - 1], Kind::Opaque, None),
        Err(DecodeError::Truncated { needed: used })
    );
    let mut longer = [0u8; 64];
    longer[..used].copy_from_slice(blob);
    assert_eq!(
        open(&longer[..used + 1], Kind::Opaque, None),
        Err(DecodeError::LengthMismatch {
            declared: used,
            actual: used + 1
        })
    );
    assert_eq!(
        open(blob, Kind::Model, None),
        Err(DecodeError::WrongKind {
            expected: Kind::Model,
            found: Kind::Opaque
        })
    );
    let mut future = longer;
    future[2] = 2;
    assert_eq!(
        open(&future[..used], Kind::Opaque, None),
        Err(DecodeError::UnsupportedVersion {
            found: 2,
            newest: 1
        })
    );
    let mut unknown = longer;
    unknown[3] = 0x7f;
    assert_eq!(
        open(&unknown[..used], Kind::Opaque, None),
        Err(DecodeError::UnknownKind { found: 0x7f })
    );
    assert_eq!(
        open(b"XX\x01\x01\x00\x00", Kind::Opaque, None),
        Err(DecodeError::BadMagic)
    );
    assert_eq!(
        open(blob, Kind::Opaque, Some(seal(b""))),
        Err(DecodeError::SealNotApplicable)
    );
    assert_eq!(
        open(blob, Kind::OpaqueTagged, None),
        Err(DecodeError::SealRequired)
    );
    // Postcard failures: a payload that is not a u32, and one with bytes left over.
    let used = encode_raw(
        Kind::Opaque,
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        None,
        &mut buf,
    )
    .unwrap();
    assert_eq!(
        decode::<u32>(&buf[..used], Kind::Opaque, None),
        Err(DecodeError::Payload)
    );
    let used = encode_raw(Kind::Opaque, &[0x05, 0x00], None, &mut buf).unwrap();
    assert_eq!(
        decode::<u32>(&buf[..used], Kind::Opaque, None),
        Err(DecodeError::Payload)
    );
}

#[test]
fn wrong_key_or_context_is_a_bad_tag() {
    let mut buf = [0u8; 64];
    let used = encode_raw(Kind::Card, b"x", Some(seal(b"uid-1")), &mut buf).unwrap();
    assert_eq!(used, OVERHEAD_LEN + 1 + SHORT_TAG_LEN);
    let other_key = [9u8; 16];
    assert_eq!(
        open(
            &buf[..used],
            Kind::Card,
            Some(Seal::new(&other_key, b"uid-1").unwrap())
        ),
        Err(DecodeError::BadTag)
    );
    assert_eq!(
        open(&buf[..used], Kind::Card, Some(seal(b"uid-2"))),
        Err(DecodeError::BadTag)
    );
    assert!(open(&buf[..used], Kind::Card, Some(seal(b"uid-1"))).is_ok());
}

#[test]
fn encode_errors() {
    let mut small = [0u8; 10];
    assert_eq!(
        encode_raw(Kind::Opaque, b"hello", None, &mut small),
        Err(EncodeError::BufferTooSmall { needed: 15 })
    );
    assert_eq!(
        encode(Kind::Opaque, &12345u32, None, &mut small),
        Err(EncodeError::BufferTooSmall { needed: 12 })
    );
    assert_eq!(
        encode_raw(Kind::Card, b"", None, &mut small),
        Err(EncodeError::SealRequired)
    );
    assert_eq!(
        encode_raw(Kind::Opaque, b"", Some(seal(b"")), &mut small),
        Err(EncodeError::SealNotApplicable)
    );
    let huge = [0u8; MAX_PAYLOAD_LEN + 1];
    let mut out = [0u8; 8];
    assert_eq!(
        encode_raw(Kind::Opaque, &huge, None, &mut out),
        Err(EncodeError::PayloadTooLarge {
            len: MAX_PAYLOAD_LEN + 1
        })
    );
    assert_eq!(
        Seal::new(&[0u8; 15], b"").err(),
        Some(KeyError::KeyTooShort)
    );
    assert_eq!(
        Seal::new(&KEY, &[0u8; 65]).err(),
        Some(KeyError::ContextTooLong)
    );
    // An empty payload is a valid blob.
    let used = encode_raw(Kind::Opaque, b"", None, &mut small).unwrap();
    assert_eq!(
        open(&small[..used], Kind::Opaque, None).unwrap().payload,
        b""
    );
}

#[test]
fn kinds_round_trip_their_bytes() {
    for kind in Kind::ALL {
        assert_eq!(Kind::from_byte(kind.byte()), Some(kind));
    }
    let known = Kind::ALL.map(Kind::byte);
    for byte in 0..=u8::MAX {
        assert_eq!(Kind::from_byte(byte).is_some(), known.contains(&byte));
    }
}

#[test]
fn debug_never_shows_the_key() {
    let text = format!("{:?}", seal(b"uid"));
    assert!(!text.contains("0, 1, 2"), "{text}");
}

proptest! {
    #[test]
    fn raw_round_trip(
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        context in proptest::collection::vec(any::<u8>(), 0..=MAX_CONTEXT_LEN),
        tagged in any::<bool>(),
    ) {
        let kind = if tagged { Kind::OpaqueTagged } else { Kind::Opaque };
        let seal = tagged.then(|| Seal::new(&KEY, &context).unwrap());
        let mut buf = vec![0u8; encoded_len(kind, payload.len())];
        let used = encode_raw(kind, &payload, seal, &mut buf).unwrap();
        prop_assert_eq!(used, buf.len());
        let opened = open(&buf, kind, seal).unwrap();
        prop_assert_eq!(opened.payload, &payload[..]);
        prop_assert_eq!(opened.version, kind.version());
    }

    /// Any bytes get an answer, never a panic. Bytes that do not start with the magic are
    /// refused as not ours; the same bytes framed as a payload with a wrong CRC-32 are
    /// refused as corrupt (before the tag is looked at).
    #[test]
    fn open_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..80),
        kind_byte in any::<u8>(),
        crc_flip in 1..=u32::MAX,
    ) {
        let kind = Kind::from_byte(kind_byte).unwrap_or(Kind::Opaque);
        let seal = (kind.tag_len() > 0).then(|| seal(b"ctx"));
        let opened = open(&bytes, kind, seal);
        let peeked = Header::peek(&bytes);
        if bytes.len() >= HEADER_LEN && bytes[..2] != MAGIC {
            prop_assert_eq!(opened, Err(DecodeError::BadMagic));
            prop_assert_eq!(peeked, Err(DecodeError::BadMagic));
        }

        let mut framed = vec![0u8; encoded_len(kind, bytes.len())];
        encode_raw(kind, &bytes, seal, &mut framed).unwrap();
        let crc_at = HEADER_LEN + bytes.len();
        let crc: [u8; CHECKSUM_LEN] = framed[crc_at..crc_at + CHECKSUM_LEN].try_into().unwrap();
        let wrong = (u32::from_le_bytes(crc) ^ crc_flip).to_le_bytes();
        framed[crc_at..crc_at + CHECKSUM_LEN].copy_from_slice(&wrong);
        prop_assert_eq!(open(&framed, kind, seal), Err(DecodeError::BadChecksum));
    }

    #[test]
    fn typed_round_trip_len_matches(values in proptest::collection::vec(any::<i64>(), 0..16)) {
        let vec: heapless::Vec<i64, 16> = heapless::Vec::from_slice(&values).unwrap();
        let mut buf = [0u8; 256];
        let used = encode(Kind::Opaque, &vec, None, &mut buf).unwrap();
        let size = postcard::to_allocvec(&vec).unwrap().len();
        prop_assert_eq!(used, encoded_len(Kind::Opaque, size));
        let back: heapless::Vec<i64, 16> = decode(&buf[..used], Kind::Opaque, None).unwrap();
        prop_assert_eq!(back, vec);
    }
}
