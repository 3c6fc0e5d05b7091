//! Reading the test data (`tests/vectors/*.json`, `tests/scenarios/**/*.json`): required keys
//! with errors that name what is missing.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The JSON document at `path`.
pub(crate) fn read(path: &Path) -> Result<Value, Box<dyn Error>> {
    Ok(serde_json::from_str(&fs::read_to_string(path)?)?)
}

/// The `*.json` files of a directory, sorted by name.
pub(crate) fn files_in(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|path| path.extension().is_some_and(|e| e == "json"));
    paths.sort();
    Ok(paths)
}

/// `value[key]`, which must be there.
pub(crate) fn field<'a>(value: &'a Value, key: &str) -> Result<&'a Value, Box<dyn Error>> {
    value
        .get(key)
        .ok_or_else(|| format!("vector without `{key}`: {value}").into())
}

/// `value[key]` as an integer.
pub(crate) fn integer(value: &Value, key: &str) -> Result<i64, Box<dyn Error>> {
    field(value, key)?
        .as_i64()
        .ok_or_else(|| format!("`{key}` is not an integer: {value}").into())
}

/// `value[key]` as a non-negative integer.
pub(crate) fn unsigned(value: &Value, key: &str) -> Result<u64, Box<dyn Error>> {
    field(value, key)?
        .as_u64()
        .ok_or_else(|| format!("`{key}` is not a number").into())
}

/// `value[key]` as a string.
pub(crate) fn text<'a>(value: &'a Value, key: &str) -> Result<&'a str, Box<dyn Error>> {
    field(value, key)?
        .as_str()
        .ok_or_else(|| format!("`{key}` is not a string").into())
}

/// `value[key]` as an array.
pub(crate) fn array<'a>(value: &'a Value, key: &str) -> Result<&'a [Value], Box<dyn Error>> {
    field(value, key)?
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| format!("`{key}` is not an array").into())
}

/// `value[key]` as an array, or no items when the key is absent.
pub(crate) fn optional_array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `value[key]` as a non-negative integer, 0 when absent.
pub(crate) fn unsigned_or_zero(value: &Value, key: &str) -> u64 {
    value.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// `value[key]` as bytes from a hex string.
pub(crate) fn hex(value: &Value, key: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    unhex(text(value, key)?)
}

/// Bytes from a hex string.
pub(crate) fn unhex(text: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd-length hex: {text}").into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| Ok(u8::from_str_radix(&text[i..i + 2], 16)?))
        .collect()
}

/// A serde enum value: `"applied"` or `{"condition_failed": {...}}` as (variant, fields).
pub(crate) fn variant(value: &Value) -> Result<(String, Value), Box<dyn Error>> {
    match value {
        Value::String(name) => Ok((name.clone(), Value::Null)),
        Value::Object(map) if map.len() == 1 => {
            let (name, fields) = map.iter().next().ok_or("empty enum object")?;
            Ok((name.clone(), fields.clone()))
        }
        other => Err(format!("not an enum value: {other}").into()),
    }
}
