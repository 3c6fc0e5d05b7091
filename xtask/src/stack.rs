//! The header's table of stack per C function on Cortex-M, from the measured figures the test
//! command recorded (`docs/figures/firmware.json`, kept by `scripts/figures.py update` from the
//! `c-qemu` step's stack probe, `ffi/tests/arm/stack_probe.c`): no figure is typed by hand.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

/// The columns: (cpu, build) as the probe names them, and their headings.
const COLUMNS: [(&str, &str, &str); 4] = [
    ("cortex-m3", "signing", "M3"),
    ("cortex-m3", "no-signing", "M3 -sign"),
    ("cortex-m4f", "signing", "M4F"),
    ("cortex-m4f", "no-signing", "M4F -sign"),
];

/// The comment block, to follow the header's includes.
pub(crate) fn table(root: &Path) -> Result<String, Box<dyn Error>> {
    let path = root.join("docs/figures/firmware.json");
    let mut out = String::from(
        "/*\n * Stack per function on Cortex-M, in bytes: the largest any call of the shared test \
         data\n * needed, measured by painting on QEMU (ffi/tests/arm/stack_probe.c, the test \
         command's\n * c-qemu step, which fails above 8192 B), with and without `signing`. \
         Generated from\n * docs/figures/firmware.json by `cargo xtask gen`.\n *\n",
    );
    let Ok(text) = std::fs::read_to_string(&path) else {
        out.push_str(" * Not measured yet.\n */\n");
        return Ok(out);
    };
    let figures: serde_json::Value = serde_json::from_str(&text)?;
    let stack = figures["stack"].as_array().cloned().unwrap_or_default();
    let mut functions: Vec<String> = Vec::new();
    for entry in &stack {
        if let Some(name) = entry["function"].as_str() {
            if !functions.iter().any(|f| f == name) {
                functions.push(name.to_string());
            }
        }
    }
    let width = functions.iter().map(String::len).max().unwrap_or(8).max(8);
    write!(out, " *   {:<width$}", "function")?;
    for (_, _, heading) in COLUMNS {
        write!(out, " {heading:>10}")?;
    }
    out.push('\n');
    for function in &functions {
        write!(out, " *   {function:<width$}")?;
        for (cpu, build, _) in COLUMNS {
            let bytes = stack
                .iter()
                .find(|e| e["function"] == *function && e["cpu"] == cpu && e["build"] == build)
                .and_then(|e| e["bytes"].as_u64());
            match bytes {
                Some(bytes) => write!(out, " {bytes:>10}")?,
                None => write!(out, " {:>10}", "-")?,
            }
        }
        out.push('\n');
    }
    let run = &figures["run"];
    writeln!(
        out,
        " *\n * Measured on {} at commit {}.\n */",
        run["finished"]
            .as_str()
            .unwrap_or("?")
            .get(..10)
            .unwrap_or("?"),
        run["commit"].as_str().unwrap_or("?")
    )?;
    Ok(out)
}

/// `header` with the table inserted after its last `#include`.
pub(crate) fn insert(header: &str, table: &str) -> Result<String, Box<dyn Error>> {
    let anchor = "#include <stdint.h>\n";
    let at = header
        .find(anchor)
        .ok_or("no #include <stdint.h> in the generated header")?
        + anchor.len();
    Ok(format!("{}\n{}{}", &header[..at], table, &header[at..]))
}
