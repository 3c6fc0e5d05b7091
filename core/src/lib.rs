#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// The core must not panic on any input: no unwrap, no expect, no panic!, no unchecked indexing,
// no unchecked arithmetic. Tests may use all of them.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap
    )
)]

pub mod bounded;
pub mod card;
pub mod churn;
pub mod customer;
pub mod envelope;
pub mod error;
pub mod feedback;
mod fixed;
pub mod money;
pub mod points;
pub mod rules;
#[cfg(feature = "std")]
pub mod stats;
pub mod terminal;
pub mod time;

/// The crate version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
