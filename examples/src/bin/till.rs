//! A till using `retention-core` directly: what the firmware of a POS terminal does with the SDK.
//!
//! Run with `cargo run -p retention-examples --bin till` (the README's demo command runs it).

use std::error::Error;

use retention_core::envelope::{self, DecodeError, Kind, Seal};
use retention_core::money::{Money, Rounding};
use retention_core::time::{Timestamp, UtcOffset};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    println!("retention-core {}", retention_core::VERSION);

    // The terminal's clock and time zone come from the firmware; the core has neither.
    let now = Timestamp::from_unix(1_709_651_400); // 2024-03-05T15:10:00Z
    let berlin = UtcOffset::from_minutes(60)?;
    let local = now.local(berlin)?;
    println!(
        "local time: {} ({:?}) {:02}:{:02}",
        local.day().date(),
        local.weekday(),
        local.minute_of_day() / 60,
        local.minute_of_day() % 60
    );

    // Money is integer minor units; every operation is checked and rounds once, stated.
    let basket = Money::from_minor(3_50)
        .checked_mul(2)?
        .checked_add(Money::from_minor(12_99))?;
    let discount = basket.percent_bp(1_000, Rounding::HalfUp)?;
    println!(
        "basket {basket}, 10 % off = {discount}, to pay {}",
        basket.checked_sub(discount)?
    );

    // Everything that leaves memory goes into a checked, tagged envelope bound to its holder.
    let terminal_key = [0x5au8; 32];
    let uid = b"04A1B2C3D4E5F6";
    let seal = Seal::new(&terminal_key, uid)?;
    let mut blob = [0u8; 64];
    let used = envelope::encode(Kind::OpaqueTagged, &(basket, 7u16), Some(seal), &mut blob)?;
    println!(
        "sealed {used} bytes for card {}: {}",
        String::from_utf8_lossy(uid),
        hex(&blob[..used])
    );
    let (amount, terminal): (Money, u16) =
        envelope::decode(&blob[..used], Kind::OpaqueTagged, Some(seal))?;
    println!("opened: {amount} from terminal {terminal}");

    // A customer who edits the bytes, or copies them to another card, is refused.
    let mut forged = blob;
    forged[7] ^= 0x01;
    let refused: DecodeError = envelope::open(&forged[..used], Kind::OpaqueTagged, Some(seal))
        .err()
        .ok_or("a forged blob was accepted")?;
    println!("edited byte 7: refused ({refused})");
    let other_card = Seal::new(&terminal_key, b"04FFFFFFFFFFFF")?;
    let refused = envelope::open(&blob[..used], Kind::OpaqueTagged, Some(other_card))
        .err()
        .ok_or("a copied blob was accepted")?;
    println!("copied to another card: refused ({refused})");
    Ok(())
}
