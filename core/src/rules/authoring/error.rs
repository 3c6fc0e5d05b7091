//! Why a rule-set document was refused: the kind of problem, the rule and the field.

use std::fmt;
use std::string::String;

/// What kind of problem a document has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthoringErrorKind {
    /// Not valid JSON or TOML.
    Syntax,
    /// Valid syntax, but not the schema: an unknown field, a missing field, a wrong type.
    Schema,
    /// A value out of its range, a dangling reference, or contradictory settings.
    Invalid,
    /// More items than a capacity allows.
    OverCapacity,
}

/// The rule a problem is in: its position in the document, and its id and name when readable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RuleRef {
    /// Position in the document's `rules` (0 first).
    pub index: usize,
    /// The rule's id, if the document gives a readable one.
    pub id: Option<u16>,
    /// The rule's name, if the document gives a readable one.
    pub name: Option<String>,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.id, &self.name) {
            (Some(id), Some(name)) => write!(f, "rule {id} {name:?}"),
            (Some(id), None) => write!(f, "rule {id}"),
            (None, Some(name)) => write!(f, "rules[{}] {name:?}", self.index),
            (None, None) => write!(f, "rules[{}]", self.index),
        }
    }
}

/// Why a rule-set document was refused: the rule (if in one), the field, and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuthoringError {
    /// The kind of problem.
    pub kind: AuthoringErrorKind,
    /// The rule it is in, if any.
    pub rule: Option<RuleRef>,
    /// The field's path: within the rule for rule fields (`when[1].time_of_day`), from the
    /// top for the others (`redemption.step`); empty for syntax errors.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for AuthoringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rule) = &self.rule {
            write!(f, "{rule}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuthoringError {}
