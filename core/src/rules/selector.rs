//! Which basket lines a rule looks at ([`Selector`], its id lists looked up:
//! [`SelectorLists`]) and which amount of them it reads ([`Basis`]).

use serde::{Deserialize, Serialize};

use super::span::Span;

/// Which basket lines a rule looks at: all lines, or those whose SKU or category is listed;
/// minus those whose SKU or category is excluded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Selector {
    /// Every line (then `skus` and `categories` are empty).
    pub all: bool,
    /// Lines with one of these SKUs (a list in the id pool).
    pub skus: Span,
    /// Lines in one of these categories.
    pub categories: Span,
    /// Never lines with one of these SKUs.
    pub exclude_skus: Span,
    /// Never lines in one of these categories.
    pub exclude_categories: Span,
}

/// A selector with its id lists looked up ([`RuleSet::lists`](super::RuleSet::lists)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectorLists<'a> {
    /// Every line.
    pub all: bool,
    /// Selected SKUs.
    pub skus: &'a [u32],
    /// Selected categories.
    pub categories: &'a [u32],
    /// Excluded SKUs.
    pub exclude_skus: &'a [u32],
    /// Excluded categories.
    pub exclude_categories: &'a [u32],
}

impl SelectorLists<'_> {
    /// True when the selector picks a line with `sku` and `category`: all lines, or its SKU or
    /// category is listed; and neither is excluded.
    #[must_use]
    pub fn matches(&self, sku: u32, category: u32) -> bool {
        // A plain loop: the lists are short, and `<[u32]>::contains` costs more on them.
        fn listed(list: &[u32], id: u32) -> bool {
            for &entry in list {
                if entry == id {
                    return true;
                }
            }
            false
        }
        let included = self.all || listed(self.skus, sku) || listed(self.categories, category);
        included && !listed(self.exclude_skus, sku) && !listed(self.exclude_categories, category)
    }

    /// True for "every line, none excluded".
    #[must_use]
    pub const fn is_everything(&self) -> bool {
        self.all && self.exclude_skus.is_empty() && self.exclude_categories.is_empty()
    }
}

/// Which amount a threshold or earning rule reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Line amounts before any discount.
    #[default]
    Gross,
    /// Line amounts net of the discounts applied before this rule.
    Net,
}
