//! Project chores: `cargo xtask gen` regenerates every generated, committed file, one module
//! per file:
//!
//! - `include/retention.h`, from `ffi/` with cbindgen, and `nostd-proof/src/exports.rs`, the
//!   table of every C API function, so that the `no_std` proof links all of them (`header`);
//!   the header's table of stack per function comes from the measured figures (`stack`);
//! - `ffi/tests/generated/*.h`, the shared test data as C arrays, because the C tests also run
//!   bare-metal, where there is no JSON parser: `envelope_vectors.h` (`envelope`),
//!   `churn_vectors.h` (`churn`), `golden_bits.h` (`golden_bits`), `cards_scenario.h` (`cards`), `rule_scenarios.h` (`rules`:
//!   every `tests/scenarios/*.json` with its rule set compiled to a blob) and
//!   `apply_scenarios.h` (`apply`: every `tests/scenarios/apply/*.json`).
//!
//! `cargo xtask golden-bits` pins the bits of `tests/vectors/golden_bits.json` after checking
//! the SDK's results against the file's exact values (`golden_bits`; scripts/golden_bits.py).
//!
//! `status` writes `ffi/src/status/codes.rs`, the C statuses generated from the core's error
//! codes (`retention_core::error::Code`), before cbindgen reads it.
//!
//! `c` writes the C literals, `json` reads the test data, `error_names` maps the data's error
//! names to C statuses. The test command runs `gen` and then fails if `git status` shows a
//! difference.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod apply;
mod c;
mod cards;
mod churn;
mod envelope;
mod error_names;
mod golden_bits;
mod header;
mod json;
mod rules;
mod scenario;
mod stack;
mod status;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Writes `contents` to `path` only if it changed, so that timestamps stay put.
pub(crate) fn write_if_changed(path: &Path, contents: &str) -> Result<bool, Box<dyn Error>> {
    if fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, contents)?;
    Ok(true)
}

fn generate() -> Result<(), Box<dyn Error>> {
    let root = root();
    // The status enum first: cbindgen reads it from ffi/src/status/codes.rs.
    status::write(&root)?;
    let header = stack::insert(&header::generate(&root)?, &stack::table(&root)?)?;
    let functions = header::exported_functions(&header);
    if functions.is_empty() {
        return Err("no functions found in the generated header".into());
    }
    for (path, contents) in [
        ("include/retention.h", header.clone()),
        (
            "nostd-proof/src/exports.rs",
            header::generate_exports(&functions),
        ),
        (
            "ffi/tests/generated/envelope_vectors.h",
            envelope::generate(&root)?,
        ),
        (
            "ffi/tests/generated/churn_vectors.h",
            churn::generate(&root)?,
        ),
        (
            "ffi/tests/generated/golden_bits.h",
            golden_bits::generate(&root)?,
        ),
        (
            "ffi/tests/generated/cards_scenario.h",
            cards::generate(&root)?,
        ),
        (
            "ffi/tests/generated/rule_scenarios.h",
            rules::generate(&root)?,
        ),
        (
            "ffi/tests/generated/apply_scenarios.h",
            apply::generate(&root)?,
        ),
    ] {
        let changed = write_if_changed(&root.join(path), &contents)?;
        println!("{} {path}", if changed { "wrote    " } else { "unchanged" });
    }
    Ok(())
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    let result = match task.as_deref() {
        Some("gen") => generate(),
        Some("golden-bits") => golden_bits::pin(&root()),
        _ => {
            eprintln!(
                "usage: cargo xtask gen           # regenerate include/retention.h and generated files\n\
                 \x20      cargo xtask golden-bits   # pin tests/vectors/golden_bits.json (scripts/golden_bits.py)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}
