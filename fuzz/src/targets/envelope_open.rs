//! Arbitrary bytes into the envelope decoder, for every kind, with and without a seal: it must
//! return a value or a specific error, never panic, and never accept a blob it cannot re-encode
//! to the same bytes.

use retention_core::envelope::{self, Header, Kind, Seal};

const KEY: [u8; 32] = [0x5a; 32];

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let _ = Header::peek(data);
    for kind in Kind::ALL {
        let seal = (kind.tag_len() > 0)
            .then(|| Seal::new(&KEY, b"fuzz").ok())
            .flatten();
        for attempt in [seal, None] {
            if let Ok(opened) = envelope::open(data, kind, attempt) {
                // Anything accepted is canonical: sealing its payload again gives the same bytes.
                let mut again = [0u8; envelope::MAX_PAYLOAD_LEN + 64];
                let used = envelope::encode_raw(kind, opened.payload, attempt, &mut again)
                    .expect("an accepted payload re-encodes");
                assert_eq!(&again[..used], data, "accepted blob is canonical");
            }
        }
    }
}
