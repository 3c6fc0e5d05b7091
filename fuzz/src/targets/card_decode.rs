//! Arbitrary bytes into the card decoder, as a whole blob and as the payload of a correctly
//! sealed blob (so that the fixed layout's checks are reached past the CRC and the tag): it
//! must return a card or a specific error, never panic, and every accepted card must re-encode
//! to the same bytes and survive its transitions.

use retention_core::card::{Card, CardEvent, MAX_ENCODED_LEN};
use retention_core::envelope::{self, Kind, Seal};
use retention_core::terminal::EventId;
use retention_core::time::Day;

const KEY: [u8; 32] = [0x5a; 32];

fn exercise(card: &Card, blob: &[u8], seal: Seal<'_>) {
    let mut again = [0u8; MAX_ENCODED_LEN];
    let used = card
        .encode(seal, &mut again)
        .expect("an accepted card re-encodes");
    assert_eq!(&again[..used], blob, "accepted card blob is canonical");
    let _ = card.summary();
    let merged = card.merge(card).map(|m| m.summary());
    if let Ok(summary) = merged {
        assert_eq!(summary.owed_stamps, card.summary().owed_stamps);
    }
    let today = Day::from_number(20_000).expect("a day");
    let program = card.program().program;
    for event in [
        CardEvent::Stamp {
            id: EventId::new(1, u32::MAX),
            program,
            stamps: 1,
        },
        CardEvent::Redeem {
            id: EventId::new(2, u32::MAX),
            program,
        },
    ] {
        if let Ok(next) = card.apply(&event, today) {
            let used = next.encode(seal, &mut again).expect("a new card encodes");
            assert_eq!(Card::decode(&again[..used], seal, 0).as_ref(), Ok(&next));
        }
    }
    let _ = card.expire(today);
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let seal = Seal::new(&KEY, b"04A1B2C3D4E5F6").expect("valid key");
    if let Ok(card) = Card::decode(data, seal, 0) {
        exercise(&card, data, seal);
    }
    let mut blob = [0u8; 1024];
    if let Ok(used) = envelope::encode_raw(Kind::Card, data, Some(seal), &mut blob) {
        if let Ok(card) = Card::decode(&blob[..used], seal, 0) {
            exercise(&card, &blob[..used], seal);
        }
    }
}
