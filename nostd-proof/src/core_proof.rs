//! A `no_std`, no-heap program with its own panic handler that links `retention-core` and uses
//! its foundations, so the proof is a working binary, not only a link.
#![no_std]
#![no_main]

use core::panic::PanicInfo;

use retention_core::envelope::{self, Kind, Seal};
use retention_core::money::{Money, Rounding};
use retention_core::time::{Timestamp, UtcOffset, Weekday};

#[panic_handler]
fn panic(_info: &PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

fn run() -> Result<(), u8> {
    let key = [0x24u8; 32];
    let seal = Seal::new(&key, b"uid").map_err(|_| 1)?;
    let mut blob = [0u8; 64];
    let value = (Money::from_minor(12_99), 3u8);
    let used = envelope::encode(Kind::OpaqueTagged, &value, Some(seal), &mut blob).map_err(|_| 2)?;
    let back: (Money, u8) =
        envelope::decode(blob.get(..used).ok_or(3)?, Kind::OpaqueTagged, Some(seal))
            .map_err(|_| 4)?;
    if back != value {
        return Err(5);
    }
    let discount = value.0.percent_bp(1_500, Rounding::HalfUp).map_err(|_| 6)?;
    if discount != Money::from_minor(1_95) {
        return Err(7);
    }
    // 2024-03-05T15:10:00Z is Tuesday 16:10 in Berlin (UTC+01:00).
    let offset = UtcOffset::from_minutes(60).map_err(|_| 8)?;
    let local = Timestamp::from_unix(1_709_651_400).local(offset).map_err(|_| 9)?;
    if local.weekday() != Weekday::Tuesday || local.minute_of_day() != 16 * 60 + 10 {
        return Err(10);
    }
    Ok(())
}

// The host's C runtime starts the program and calls `main`; nothing else comes from libc (the
// compiler may still emit calls to memcpy/memset/bcmp, which libc provides on the host).
#[link(name = "c")]
unsafe extern "C" {}

/// The C runtime's entry point; exit code 0 when every check passed.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    match run() {
        Ok(()) => 0,
        Err(code) => i32::from(code),
    }
}
