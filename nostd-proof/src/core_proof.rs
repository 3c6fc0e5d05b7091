//! A `no_std`, no-heap program with its own panic handler that links `retention-core` and uses
//! its foundations, so the proof is a working binary, not only a link.
#![no_std]
#![no_main]

use core::panic::PanicInfo;

use retention_core::customer::CustomerRecord;
use retention_core::envelope::{self, Kind, Seal};
use retention_core::rules::{self, Context, Line, LoadOptions, Outcome, RuleSet};
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
    rules_work()
}

/// The rule set of `docs/formats.md`'s worked example: one rule, 5 bonus points.
const RULE_SET: [u8; 56] = [
    0x52, 0x54, 0x01, 0x10, 0x2e, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x05, 0x00, 0x00, 0x02, 0x70, 0x62, 0xa2, 0x47, 0x88, 0x83,
];

/// Loads a rule set, evaluates a basket into a static outcome, refunds it, round-trips the
/// customer record: the rule engine without std or heap.
fn rules_work() -> Result<(), u8> {
    static mut OUTCOME: Outcome = Outcome::new();
    let rule_set = RuleSet::load(&RULE_SET, &LoadOptions::new()).map_err(|_| 11)?;
    let context = Context {
        now: Timestamp::from_unix(1_709_651_400),
        event: retention_core::terminal::EventId::new(1, 1),
        ..Context::default()
    };
    // SAFETY: single-threaded program; the only reference to OUTCOME is this one.
    let outcome = unsafe { &mut *core::ptr::addr_of_mut!(OUTCOME) };
    let basket = [Line::new(1, 1, 2, 250)];
    rules::evaluate(&rule_set, &basket, &CustomerRecord::new(), &context, outcome)
        .map_err(|_| 12)?;
    if outcome.points.0 != 5 || outcome.customer.visits != 1 {
        return Err(13);
    }
    let (clawback, _) =
        rules::refund(outcome, &rules::Returns::none(outcome), &[2]).map_err(|_| 14)?;
    if clawback.points.0 != 5 {
        return Err(15);
    }
    let key = [0x24u8; 32];
    let seal = Seal::new(&key, b"customer-1").map_err(|_| 16)?;
    let mut blob = [0u8; retention_core::customer::CUSTOMER_MAX_LEN];
    let used = outcome.customer.encode(seal, &mut blob).map_err(|_| 17)?;
    let back = CustomerRecord::decode(blob.get(..used).ok_or(18)?, seal).map_err(|_| 19)?;
    if back != outcome.customer {
        return Err(20);
    }
    Ok(())
}

/// The host's precompiled `compiler_builtins` is built for unwinding, and the objects holding
/// its 128-bit division routines (which the rule engine's largest-remainder shares use) refer to
/// the unwinding personality routine. Nothing unwinds in this program (`panic = "abort"`), so an
/// empty one satisfies the linker. Firmware targets' builtins are built for abort and need none.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

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
