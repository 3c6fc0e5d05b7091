//! C literals for the generated test headers: byte arrays, strings, constants, positional rows
//! and designated initializers read from JSON by a table of fields.

use std::error::Error;
use std::fmt::Display;

use serde_json::Value;

use crate::json;

/// A C array initializer; C99 has no empty arrays, so an empty one gets a 0 pad (length 0).
pub(crate) fn bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "{0}".to_string();
    }
    let items: Vec<String> = bytes.iter().map(|b| format!("0x{b:02x}")).collect();
    let lines: Vec<String> = items.chunks(12).map(|chunk| chunk.join(", ")).collect();
    format!("{{\n    {}\n}}", lines.join(",\n    "))
}

/// `static const uint8_t name[] = {...};` and a newline.
pub(crate) fn byte_array(name: &str, data: &[u8]) -> String {
    format!("static const uint8_t {name}[] = {};\n", bytes(data))
}

/// `static const uint8_t name[len] = {...};` and a newline (the length spelled out).
pub(crate) fn sized_byte_array(name: &str, data: &[u8]) -> String {
    format!(
        "static const uint8_t {name}[{}] = {};\n",
        data.len(),
        bytes(data)
    )
}

/// A C string literal of `text`.
pub(crate) fn string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// An upper-case C constant from a snake-case name: `basket_total` -> `BASKET_TOTAL`.
pub(crate) fn constant(prefix: &str, name: &str) -> String {
    format!("{prefix}{}", name.to_uppercase())
}

/// A brace-enclosed list: `{a, b, c}`.
pub(crate) fn braced<T: Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("{{{}}}", items.join(", "))
}

/// A C array of `rows` (designated initializers) named `name`, or NULL when empty (C99 has no
/// empty arrays); returns the pointer expression and the count.
pub(crate) fn rows(out: &mut String, ty: &str, name: &str, rows: &[String]) -> (String, usize) {
    if rows.is_empty() {
        return ("NULL".to_string(), 0);
    }
    out.push_str(&format!(
        "static const {ty} {name}[] = {{\n    {}\n}};\n",
        rows.join(",\n    ")
    ));
    (name.to_string(), rows.len())
}

/// How the rows of a [`table`] are separated.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Commas {
    /// `row,` on every line.
    AfterEach,
    /// `row,` on every line but the last.
    Between,
}

/// `static const ty name[] = { rows };` and `#define count_name N`, then a blank line. Each row
/// is a whole line (a [`Row`]).
pub(crate) fn table(
    ty: &str,
    name: &str,
    count_name: &str,
    rows: &[String],
    commas: Commas,
) -> String {
    let body = match commas {
        Commas::AfterEach => rows
            .iter()
            .map(|row| format!("{row},"))
            .collect::<Vec<_>>()
            .join("\n"),
        Commas::Between => rows.join(",\n"),
    };
    format!(
        "static const {ty} {name}[] = {{\n{body}\n}};\n#define {count_name} {}\n\n",
        rows.len()
    )
}

/// A positional initializer written as one row of a [`table`]: items separated by `, `, with
/// [`Row::wrap`] starting a continuation line (`,\n     `).
#[derive(Debug, Default)]
pub(crate) struct Row {
    lines: Vec<Vec<String>>,
}

impl Row {
    pub(crate) fn new() -> Self {
        Self {
            lines: vec![Vec::new()],
        }
    }

    /// The next item.
    pub(crate) fn item(mut self, value: impl Display) -> Self {
        if let Some(line) = self.lines.last_mut() {
            line.push(value.to_string());
        }
        self
    }

    /// The next items, in order.
    pub(crate) fn items<T: Display>(self, values: &[T]) -> Self {
        values.iter().fold(self, |row, value| row.item(value))
    }

    /// An `int64_t` item: `12LL`.
    pub(crate) fn int64(self, value: impl Display) -> Self {
        self.item(format!("{value}LL"))
    }

    /// A `double` item, as Rust's shortest round-trip form (`2.0`, `0.7266191463955561`).
    pub(crate) fn double(self, value: f64) -> Self {
        self.item(format!("{value:?}"))
    }

    /// A pointer and its count: `name, n`.
    pub(crate) fn slice(self, (pointer, count): (String, usize)) -> Self {
        self.item(pointer).item(count)
    }

    /// Continues the row on a new line.
    pub(crate) fn wrap(mut self) -> Self {
        self.lines.push(Vec::new());
        self
    }

    /// `{a, b}`: the row inside another initializer, on one line.
    pub(crate) fn inline(self) -> String {
        let items: Vec<String> = self.lines.concat();
        braced(&items)
    }

    /// `    {a, b,\n     c}`.
    pub(crate) fn finish(self) -> String {
        let lines: Vec<String> = self.lines.iter().map(|items| items.join(", ")).collect();
        format!("    {{{}}}", lines.join(",\n     "))
    }
}

/// One member of a designated initializer, read from the JSON key of the same name.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field {
    /// `.key = 12`.
    Int(&'static str),
    /// `.key = 12LL` (an `int64_t`).
    Int64(&'static str),
    /// `.key = PREFIX_NAME` from a snake-case name: `Const("kind", "RTN_SHARE_")`.
    Const(&'static str, &'static str),
}

/// A designated initializer, `{.a = 1, .b = RTN_B}`: members from a table of [`Field`]s or one
/// by one.
#[derive(Debug, Default)]
pub(crate) struct Initializer {
    members: Vec<String>,
}

impl Initializer {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// `.name = value`.
    pub(crate) fn set(mut self, name: &str, value: impl Display) -> Self {
        self.members.push(format!(".{name} = {value}"));
        self
    }

    /// The members `fields` names, read from `value`.
    pub(crate) fn fields(self, value: &Value, fields: &[Field]) -> Result<Self, Box<dyn Error>> {
        fields.iter().try_fold(self, |init, field| {
            Ok(match *field {
                Field::Int(key) => init.set(key, json::integer(value, key)?),
                Field::Int64(key) => init.set(key, format!("{}LL", json::integer(value, key)?)),
                Field::Const(key, prefix) => {
                    init.set(key, constant(prefix, json::text(value, key)?))
                }
            })
        })
    }

    pub(crate) fn finish(self) -> String {
        format!("{{{}}}", self.members.join(", "))
    }
}

/// One designated initializer per JSON object of `values`, with the members `fields` names.
pub(crate) fn initializers(
    values: &[Value],
    fields: &[Field],
) -> Result<Vec<String>, Box<dyn Error>> {
    values
        .iter()
        .map(|value| Ok(Initializer::new().fields(value, fields)?.finish()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_arrays_wrap_at_twelve_and_pad_empty_ones() {
        assert_eq!(bytes(&[]), "{0}");
        assert_eq!(bytes(&[0x00, 0xab]), "{\n    0x00, 0xab\n}");
        let thirteen = [7u8; 13];
        assert_eq!(
            bytes(&thirteen),
            "{\n    0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07,\n    0x07\n}"
        );
        assert_eq!(
            sized_byte_array("K", &[1]),
            "static const uint8_t K[1] = {\n    0x01\n};\n"
        );
    }

    #[test]
    fn strings_escape_quotes_and_backslashes() {
        assert_eq!(string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }

    #[test]
    fn rows_are_positional_and_wrap_onto_indented_lines() {
        let row = Row::new()
            .item("\"x\"")
            .slice(("x_blob".to_string(), 3))
            .wrap()
            .int64(-5)
            .double(2.0)
            .item(true);
        assert_eq!(
            row.finish(),
            "    {\"x\", x_blob, 3,\n     -5LL, 2.0, true}"
        );
        assert_eq!(Row::new().item(1).wrap().item(2).inline(), "{1, 2}");
    }

    #[test]
    fn initializers_read_their_members_from_json_by_table() {
        let share = serde_json::json!({"amount": 7, "rule": 2, "kind": "free_item", "unused": 1});
        let fields = [
            Field::Int("amount"),
            Field::Int64("rule"),
            Field::Const("kind", "RTN_SHARE_"),
        ];
        assert_eq!(
            initializers(&[share], &fields).unwrap(),
            ["{.amount = 7, .rule = 2LL, .kind = RTN_SHARE_FREE_ITEM}"]
        );
        let missing = serde_json::json!({"amount": 7});
        assert!(initializers(&[missing], &fields).is_err());
    }

    #[test]
    fn tables_count_their_rows_and_place_commas() {
        let lines = ["    {1}".to_string(), "    {2}".to_string()];
        assert_eq!(
            table("t", "T", "T_COUNT", &lines, Commas::AfterEach),
            "static const t T[] = {\n    {1},\n    {2},\n};\n#define T_COUNT 2\n\n"
        );
        assert_eq!(
            table("t", "T", "T_COUNT", &lines, Commas::Between),
            "static const t T[] = {\n    {1},\n    {2}\n};\n#define T_COUNT 2\n\n"
        );
        let mut out = String::new();
        assert_eq!(rows(&mut out, "t", "none", &[]), ("NULL".to_string(), 0));
        assert_eq!(out, "", "C99 has no empty arrays: none is written");
    }
}
