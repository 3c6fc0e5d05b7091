//! Spans: how a compiled rule set refers to a run of items in one of its pools (ids, selectors,
//! conditions, name bytes).

use serde::{Deserialize, Serialize};

/// A run of items in one of the rule set's pools: `len` items from `start`. `len` 0 is none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// Index of the first item.
    pub start: u16,
    /// Number of items.
    pub len: u16,
}

impl Span {
    /// No items.
    pub const EMPTY: Span = Span { start: 0, len: 0 };

    /// The index range, if it does not overflow.
    pub(crate) fn range(self) -> Option<core::ops::Range<usize>> {
        let start = usize::from(self.start);
        Some(start..start.checked_add(usize::from(self.len))?)
    }

    /// True for no items.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.len == 0
    }
}
