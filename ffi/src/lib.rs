//! The C API of the Retention SDK. The header, `include/retention.h`, is generated from this
//! crate by `cargo xtask gen`; its comments come from the doc comments here.
//!
//! Conventions (also in the README): every function returns an [`rtn_status`]; inputs are
//! `const` pointers or values; outputs are written through pointers ending in `_out`, and only
//! on success; every byte buffer is followed by its `size_t` length; a NULL pointer is
//! `RTN_NULL_PARAMETER` unless documented as optional; no function allocates; on host builds no
//! panic crosses the boundary (`RTN_PANIC`), and firmware builds have none to cross.
#![cfg_attr(not(feature = "std"), no_std)]
#![allow(non_camel_case_types)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::undocumented_unsafe_blocks
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::undocumented_unsafe_blocks
    )
)]
// A build without every capability leaves some shared helpers (`terminal`, `handle`) unused.
#![cfg_attr(
    not(all(feature = "rules", feature = "cards", feature = "churn")),
    allow(dead_code, unused_imports, unused_macros)
)]

#[cfg(all(feature = "rules", feature = "cards"))]
pub mod apply;
mod boundary;
#[cfg(feature = "cards")]
pub mod card;
#[cfg(feature = "churn")]
pub mod churn;
#[cfg(feature = "rules")]
pub mod customer;
pub mod envelope;
#[cfg(feature = "rules")]
pub mod feedback;
mod handle;
#[cfg(feature = "cards")]
pub mod points;
#[cfg(feature = "rules")]
pub mod rules;
pub mod status;
pub mod terminal;
pub mod version;

#[cfg(all(feature = "rules", feature = "cards"))]
pub use apply::*;
#[cfg(feature = "cards")]
pub use card::*;
#[cfg(feature = "churn")]
pub use churn::*;
#[cfg(feature = "rules")]
pub use customer::*;
pub use envelope::*;
#[cfg(feature = "rules")]
pub use feedback::*;
#[cfg(feature = "cards")]
pub use points::*;
#[cfg(feature = "rules")]
pub use rules::*;
pub use status::*;
pub use terminal::*;
pub use version::*;

/// Firmware builds of the staticlib: a panic is a bug (the core has none by construction, see
/// its lints), so stop the CPU in a way the firmware's fault handler sees.
#[cfg(all(
    feature = "panic-handler",
    not(feature = "panic-never"),
    not(feature = "std"),
    not(test)
))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        #[cfg(target_arch = "arm")]
        // SAFETY: `udf` raises a HardFault / UsageFault; it has no other effect.
        unsafe {
            core::arch::asm!("udf #0");
        }
        core::hint::spin_loop();
    }
}

/// Firmware builds with `panic-never` (the test command's, and the recommended one with the
/// `firmware` profile): the proof that no panic is reachable. The handler calls a function
/// that exists nowhere, so linking fails (`undefined reference to
/// rtn_firmware_reachable_panic`) as soon as any code a C image links can reach a panic: the
/// linker drops the handler, and with it the reference, only when nothing calls it.
#[cfg(all(feature = "panic-never", not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    unsafe extern "C" {
        /// Defined nowhere, on purpose (see above).
        fn rtn_firmware_reachable_panic() -> !;
    }
    // SAFETY: never runs: an image in which this call is reachable does not link.
    unsafe { rtn_firmware_reachable_panic() }
}
