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

pub mod apply;
mod boundary;
pub mod card;
pub mod churn;
pub mod customer;
pub mod envelope;
mod handle;
pub mod points;
pub mod rules;
pub mod status;
pub mod terminal;
pub mod version;

pub use apply::*;
pub use card::*;
pub use churn::*;
pub use customer::*;
pub use envelope::*;
pub use points::*;
pub use rules::*;
pub use status::*;
pub use terminal::*;
pub use version::*;

/// Firmware builds of the staticlib: a panic is a bug (the core has none by construction, see
/// its lints), so stop the CPU in a way the firmware's fault handler sees.
#[cfg(all(feature = "panic-handler", not(feature = "std"), not(test)))]
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
