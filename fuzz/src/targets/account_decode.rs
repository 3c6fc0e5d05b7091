//! Arbitrary bytes into the account decoder, as a whole blob and as the payload of a correctly
//! sealed blob: a value or a specific error, never a panic; every accepted account of the
//! current format version re-encodes to the same bytes (a version-1 account to a blob that
//! decodes to it), and survives its queries, transitions and a merge with itself.

use retention_core::envelope::{self, Kind, Seal};
use retention_core::points::{
    Account, AccountEvent, AccountMergeError, AccountSummary, MAX_ENCODED_LEN, Points,
};
use retention_core::terminal::EventId;
use retention_core::time::Day;

const KEY: [u8; 32] = [0x5a; 32];

fn exercise(account: &Account, blob: &[u8], seal: Seal<'_>) {
    let mut again = [0u8; MAX_ENCODED_LEN];
    let used = account
        .encode(seal, &mut again)
        .expect("an accepted account re-encodes");
    if blob.get(2) == Some(&Kind::Account.version()) {
        assert_eq!(&again[..used], blob, "accepted account blob is canonical");
    } else {
        assert_eq!(
            Account::decode(&again[..used], seal, 0).as_ref(),
            Ok(account)
        );
    }
    for number in [1, 20_000, 65_535] {
        let today = Day::from_number(number).expect("a day");
        let _ = account.summary(today);
        let _ = account.expiring_within(today, 400);
        let _ = account.qualifying_points(today, 12);
        let _ = account.expire(today);
        for event in [
            AccountEvent::Earn {
                id: EventId::new(1, u32::MAX),
                points: Points(7),
            },
            AccountEvent::Redeem {
                id: EventId::new(2, u32::MAX),
                points: Points(3),
            },
            AccountEvent::Clawback {
                id: EventId::new(3, u32::MAX),
                original: EventId::new(1, 1),
                points: Points(5),
            },
        ] {
            if let Ok(next) = account.apply(&event, today) {
                // Encoding can only fail for a pending date the layout cannot hold, which a
                // decoded account never has; a fresh transition keeps that true.
                let used = next
                    .encode(seal, &mut again)
                    .expect("a new account encodes");
                assert_eq!(Account::decode(&again[..used], seal, 0).as_ref(), Ok(&next));
            }
        }
    }
    // Merging a copy with itself changes nothing but the write counter.
    let last = Day::from_number(65_535).expect("a day");
    match account.merge(account) {
        Ok(merged) => assert_eq!(
            merged.summary(last),
            account.summary(last).map(|s| AccountSummary {
                write_counter: merged.write_counter(),
                ..s
            })
        ),
        Err(error) => assert_eq!(error, AccountMergeError::WriteCounterExhausted),
    }
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let seal = Seal::new(&KEY, b"cust-0042").expect("valid key");
    if let Ok(account) = Account::decode(data, seal, 0) {
        exercise(&account, data, seal);
    }
    let mut blob = [0u8; 1024];
    if let Ok(used) = envelope::encode_raw(Kind::Account, data, Some(seal), &mut blob) {
        if let Ok(account) = Account::decode(&blob[..used], seal, 0) {
            exercise(&account, &blob[..used], seal);
        }
    }
}
