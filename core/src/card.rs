//! Punch cards: stamps toward a reward.
//!
//! A punch-card program ("10 coffees, the 11th free") is named by a [`ProgramId`]; the rule
//! engine awards stamps to programs, and each card blob holds one program.

use core::fmt;

use serde::{Deserialize, Serialize};

/// A punch-card program of the operator ("coffee card"), numbered by the operator.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ProgramId(pub u16);

impl fmt::Display for ProgramId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "program {}", self.0)
    }
}
