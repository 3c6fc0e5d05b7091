//! Shared fixtures for the criterion benchmarks in `benches/benches/`. Run them with
//! `cargo bench -p retention-benches`; figures are ns per operation on the machine that runs
//! them, and every comparison is made against a baseline measured in the same run.

use retention_core::card;

/// A 32-byte key, as a terminal would hold.
pub const KEY: [u8; 32] = [0x5a; 32];

/// A card-sized payload: a punch card's header and 8 terminal entries, 126 bytes
/// (`card::MAX_PAYLOAD_LEN`), the payload of the largest card.
#[must_use]
pub fn card_sized_payload() -> [u8; card::MAX_PAYLOAD_LEN] {
    let mut payload = [0u8; card::MAX_PAYLOAD_LEN];
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte = u8::try_from(i % 251).unwrap_or(0);
    }
    payload
}
