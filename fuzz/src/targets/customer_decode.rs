//! Arbitrary bytes into `CustomerRecord::decode`: a record or a specific error, never a panic;
//! an accepted record round-trips through `encode`. The bytes are tried as a whole blob and as a
//! payload sealed with the right key (so the fuzzer reaches the payload checks without forging
//! an HMAC).

use retention_core::customer::{CUSTOMER_MAX_LEN, CustomerRecord};
use retention_core::envelope::{self, Kind, Seal};

const KEY: [u8; 32] = [0x42; 32];

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let seal = Seal::new(&KEY, b"customer-1").expect("a valid seal");
    check(data, seal);
    let mut sealed = vec![0u8; data.len() + 32];
    if let Ok(used) = envelope::encode_raw(Kind::Customer, data, Some(seal), &mut sealed) {
        check(&sealed[..used], seal);
    }
}

fn check(data: &[u8], seal: Seal<'_>) {
    if let Ok(record) = CustomerRecord::decode(data, seal) {
        let mut again = [0u8; CUSTOMER_MAX_LEN];
        let used = record
            .encode(seal, &mut again)
            .expect("an accepted record re-encodes");
        assert_eq!(CustomerRecord::decode(&again[..used], seal), Ok(record));
    }
}
