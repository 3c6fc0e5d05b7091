//! Authoring (`std`): rule sets as JSON or TOML documents, validated with messages that name the
//! rule and the field and say what is allowed, compiled into a [`RuleSet`].
//!
//! The schema, with an example of every condition and effect, is in `docs/rules.md`. Amounts
//! are integers in minor units (`1250` is 12.50); dates are `"YYYY-MM-DD"`, times of day
//! `"HH:MM"` (local time at the terminal).
//!
//! ```
//! use retention_core::rules::RuleSet;
//! let error = RuleSet::from_json(r#"{"name": "x", "serial": 1, "rules": [
//!     {"id": 7, "name": "Happy hour", "when": [{"time_of_day": {"from": "17:00", "until": "14:00"}}],
//!      "effect": {"bonus_points": {"points": 10}}}
//! ]}"#).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     r#"rule 7 "Happy hour": when[0].time_of_day: "from" (17:00) must be before "until" (14:00)"#
//! );
//! ```

use std::fmt;
use std::string::{String, ToString};
use std::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::bounded::Bounded;
use crate::card::ProgramId;
use crate::customer::UsagePeriod;
use crate::money::{Money, Rounding};
use crate::time::{Date, MINUTES_PER_DAY, Weekday};

use super::condition::{Condition, MAX_CHURN_RISK};
use super::effect::{Effect, MAX_PERMILLE};
use super::limits::{
    MAX_CONDITIONS, MAX_CONDITIONS_PER_RULE, MAX_GROUPS, MAX_IDS, MAX_LIMITS_PER_RULE,
    MAX_LIST_LEN, MAX_NAME_LEN, MAX_PROGRAMS, MAX_RULES, MAX_SELECTORS, MAX_TEXT_LEN, MAX_TIERS,
};
use super::redemption::Redemption;
use super::rule_set::{
    Group, GroupMode, Inconsistent, Rule, RuleSet, RuleSetData, StampProgram, UsageLimit,
};
use super::selector::{Basis, Selector};
use super::span::Span;
use super::tiers::{TierBasis, TierLevel, TierPolicy};

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

/// Which lines a rule looks at. Give `all: true`, or `skus` and/or `categories` (a line matches
/// if its SKU or its category is listed); `exclude_skus` and `exclude_categories` remove lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemsDoc {
    /// Every line.
    #[serde(default)]
    pub all: bool,
    /// Lines with these SKUs.
    #[serde(default)]
    pub skus: Option<Vec<u32>>,
    /// Lines in these categories.
    #[serde(default)]
    pub categories: Option<Vec<u32>>,
    /// Never these SKUs.
    #[serde(default)]
    pub exclude_skus: Vec<u32>,
    /// Never these categories.
    #[serde(default)]
    pub exclude_categories: Vec<u32>,
}

/// A condition in a document (`when`): one key naming the condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ConditionDoc {
    /// `{"basket_total": {"at_least": 10000, "basis": "gross"}}`
    BasketTotal {
        /// Minor units.
        at_least: i64,
        /// `gross` (default) or `net`.
        #[serde(default)]
        basis: Basis,
    },
    /// `{"quantity": {"items": {"categories": [3]}, "at_least": 2}}`
    Quantity {
        /// The lines counted.
        items: ItemsDoc,
        /// Units.
        at_least: u32,
    },
    /// `{"amount": {"items": {...}, "at_least": 10000, "basis": "net"}}`
    Amount {
        /// The lines counted.
        items: ItemsDoc,
        /// Minor units.
        at_least: i64,
        /// `gross` (default) or `net`.
        #[serde(default)]
        basis: Basis,
    },
    /// `{"weekdays": ["tue", "thu"]}`
    Weekdays(Vec<String>),
    /// `{"time_of_day": {"from": "14:00", "until": "17:00"}}`
    TimeOfDay {
        /// First minute, `"HH:MM"`.
        from: String,
        /// End (exclusive), `"HH:MM"`, up to `"24:00"`.
        until: String,
    },
    /// `{"stores": [12, 14]}`
    Stores(Vec<u32>),
    /// `{"channels": [0, 2]}`
    Channels(Vec<u8>),
    /// `{"tier_at_least": 2}`
    TierAtLeast(u8),
    /// `{"segments_any": [0, 3]}` (segment bit numbers 0..=31)
    SegmentsAny(Vec<u8>),
    /// `{"segments_all": [1]}`
    SegmentsAll(Vec<u8>),
    /// `{"nth_visit": 10}`
    NthVisit(u32),
    /// `{"visits_at_least": 5}`
    VisitsAtLeast(u32),
    /// `"first_purchase"`
    FirstPurchase,
    /// `{"birthday": {"within_days": 3}}`
    Birthday {
        /// Days either side.
        within_days: u16,
    },
    /// `{"lapsed_days": 60}`
    LapsedDays(u16),
    /// `{"churn_risk_at_least": 700}`
    ChurnRiskAtLeast(u16),
    /// `{"coupon": 5001}`
    Coupon(u32),
}

/// An effect in a document: one key naming the effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EffectDoc {
    /// `{"points_per_amount": {"points": 1, "per": 100, "items": {...}, "rounding": "floor"}}`
    PointsPerAmount {
        /// Points per `per`.
        points: u32,
        /// Minor units.
        per: i64,
        /// Default: all lines.
        #[serde(default)]
        items: Option<ItemsDoc>,
        /// `floor` (default), `ceil`, `half_up`, `half_even`.
        #[serde(default)]
        rounding: Rounding,
    },
    /// `{"multiplier": {"permille": 2000, "items": {...}}}`
    Multiplier {
        /// Thousandths, above 1000.
        permille: u32,
        /// Default: all lines.
        #[serde(default)]
        items: Option<ItemsDoc>,
    },
    /// `{"bonus_points": {"points": 200, "items": {...}}}`
    BonusPoints {
        /// Points.
        points: u64,
        /// Lines the bonus is attributed to; default: all lines.
        #[serde(default)]
        items: Option<ItemsDoc>,
    },
    /// `{"percent_off": {"basis_points": 1000, "items": {...}}}`
    PercentOff {
        /// 1..=10000 (1000 = 10 %).
        basis_points: u16,
        /// Default: the whole basket.
        #[serde(default)]
        items: Option<ItemsDoc>,
    },
    /// `{"amount_off": {"amount": 500, "items": {...}}}`
    AmountOff {
        /// Minor units.
        amount: i64,
        /// Default: the whole basket.
        #[serde(default)]
        items: Option<ItemsDoc>,
    },
    /// `{"free_item": {"items": {...}, "units": 1}}`
    FreeItem {
        /// Qualifying lines.
        items: ItemsDoc,
        /// Default 1.
        #[serde(default = "one_u32")]
        units: u32,
    },
    /// `{"stamps": {"program": 1, "items": {...}, "per_unit": 1}}`
    Stamps {
        /// A program declared in `programs`.
        program: u16,
        /// Lines that earn stamps.
        items: ItemsDoc,
        /// Default 1.
        #[serde(default = "one_u16")]
        per_unit: u16,
    },
    /// `{"reward": {"reward": 42}}`
    Reward {
        /// The reward id.
        reward: u32,
    },
}

fn one_u32() -> u32 {
    1
}

fn one_u16() -> u16 {
    1
}

/// A usage limit in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitDoc {
    /// `day`, `week`, `month`, `year`, `lifetime` or `campaign` (the rule set's validity).
    pub per: UsagePeriod,
    /// Uses allowed per period, at least 1.
    pub max: u16,
    /// A counter shared with other rules (their uses add up); default: the rule's id.
    #[serde(default)]
    pub counter: Option<u16>,
}

/// A rule in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    /// Unique in the set, stable across versions.
    pub id: u16,
    /// Up to 48 bytes.
    pub name: String,
    /// Lower runs first (default 100); ties keep document order.
    #[serde(default = "default_priority")]
    pub priority: u16,
    /// An exclusive group's id, declared in `groups`.
    #[serde(default)]
    pub group: Option<u16>,
    /// When the rule applies, later rules do not run.
    #[serde(default)]
    pub stop: bool,
    /// First valid local day, `"YYYY-MM-DD"`.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Last valid local day, `"YYYY-MM-DD"`.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// Conditions, all of which must hold.
    #[serde(default)]
    pub when: Vec<ConditionDoc>,
    /// What it gives.
    pub effect: EffectDoc,
    /// The most it gives per transaction, in the effect's unit.
    #[serde(default)]
    pub cap: Option<u64>,
    /// Per-customer usage limits.
    #[serde(default)]
    pub limits: Vec<LimitDoc>,
}

fn default_priority() -> u16 {
    100
}

/// Per-transaction caps of the whole rule set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapsDoc {
    /// Most points per transaction.
    #[serde(default)]
    pub points: Option<u64>,
    /// Most discount per transaction, minor units.
    #[serde(default)]
    pub discount: Option<i64>,
}

/// A punch-card program in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramDoc {
    /// The program id.
    pub id: u16,
    /// Stamps for a reward.
    pub stamps_needed: u16,
    /// The reward's value, minor units.
    pub reward_value: i64,
}

/// An exclusive group in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDoc {
    /// The group id rules refer to.
    pub id: u16,
    /// `first` or `best`.
    pub mode: GroupMode,
}

/// Redemption in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedemptionDoc {
    /// Points in one unit of the rate.
    pub points: u32,
    /// Their value, minor units.
    pub value: i64,
    /// Fewest points per redemption (default 0).
    #[serde(default)]
    pub min_points: u64,
    /// Step (default 1).
    #[serde(default = "one_u64")]
    pub step: u64,
    /// Largest share of the basket, basis points (default 10000: all of it).
    #[serde(default = "all_bp")]
    pub max_share_bp: u16,
}

fn one_u64() -> u64 {
    1
}

fn all_bp() -> u16 {
    10_000
}

/// A tier level in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierLevelDoc {
    /// Tier number, 1 upward.
    pub tier: u8,
    /// Qualifying figure (minor units or points).
    pub threshold: u64,
}

/// Tiers in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TiersDoc {
    /// `spend` or `points`.
    pub basis: TierBasis,
    /// Rolling window, days.
    pub window_days: u16,
    /// Grace before a downgrade, days (default 0).
    #[serde(default)]
    pub grace_days: u16,
    /// Levels, increasing.
    pub levels: Vec<TierLevelDoc>,
}

/// A rule-set document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetDoc {
    /// Up to 48 bytes.
    pub name: String,
    /// Version number; loaders may refuse older ones.
    pub serial: u32,
    /// First valid local day, `"YYYY-MM-DD"`.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Last valid local day.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// `gross` (default) or `net`: what points are computed on.
    #[serde(default)]
    pub points_basis: Basis,
    /// Per-transaction caps.
    #[serde(default)]
    pub caps: CapsDoc,
    /// Lines that never earn (gift cards, deposits, tobacco).
    #[serde(default)]
    pub non_earning: Option<ItemsDoc>,
    /// Lines that never get a discount.
    #[serde(default)]
    pub non_discountable: Option<ItemsDoc>,
    /// Points to money.
    #[serde(default)]
    pub redemption: Option<RedemptionDoc>,
    /// Tier qualification.
    #[serde(default)]
    pub tiers: Option<TiersDoc>,
    /// Punch-card programs.
    #[serde(default)]
    pub programs: Vec<ProgramDoc>,
    /// Exclusive groups.
    #[serde(default)]
    pub groups: Vec<GroupDoc>,
    /// The rules.
    pub rules: Vec<RuleDoc>,
}

impl RuleSetDoc {
    /// Parses a JSON document (schema errors name the rule and field).
    pub fn from_json(text: &str) -> Result<RuleSetDoc, AuthoringError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| AuthoringError {
                kind: AuthoringErrorKind::Syntax,
                rule: None,
                field: String::new(),
                message: std::format!("invalid JSON: {error}"),
            })?;
        RuleSetDoc::from_value(value)
    }

    /// Parses a TOML document (schema errors name the rule and field).
    pub fn from_toml(text: &str) -> Result<RuleSetDoc, AuthoringError> {
        let table: toml::Table = toml::from_str(text).map_err(|error| AuthoringError {
            kind: AuthoringErrorKind::Syntax,
            rule: None,
            field: String::new(),
            message: std::format!("invalid TOML: {}", error.message()),
        })?;
        let value = serde_json::to_value(table).map_err(|error| AuthoringError {
            kind: AuthoringErrorKind::Syntax,
            rule: None,
            field: String::new(),
            message: std::format!("unsupported TOML value: {error}"),
        })?;
        RuleSetDoc::from_value(value)
    }

    /// A document from a parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<RuleSetDoc, AuthoringError> {
        let raw = value.clone();
        serde_path_to_error::deserialize(value).map_err(|error| {
            let path: Vec<String> = error.path().iter().map(|s| s.to_string()).collect();
            let message = error.into_inner().to_string();
            schema_error(&raw, &path, message)
        })
    }

    /// Validates and compiles the document into a rule set.
    pub fn compile(&self) -> Result<RuleSet, AuthoringError> {
        Compiler::default().compile(self)
    }
}

impl RuleSet {
    /// Compiles a JSON rule-set document (see `docs/rules.md`).
    pub fn from_json(text: &str) -> Result<RuleSet, AuthoringError> {
        RuleSetDoc::from_json(text)?.compile()
    }

    /// Compiles a TOML rule-set document (see `docs/rules.md`).
    pub fn from_toml(text: &str) -> Result<RuleSet, AuthoringError> {
        RuleSetDoc::from_toml(text)?.compile()
    }
}

/// A schema error, located: the rule (id and name read from the raw document) and the field.
fn schema_error(raw: &serde_json::Value, path: &[String], message: String) -> AuthoringError {
    // serde_path_to_error writes sequence positions as "[3]" segments after their field name.
    let mut rule = None;
    let mut rest: &[String] = path;
    if let [first, index, tail @ ..] = path {
        if first == "rules" {
            if let Some(position) = index
                .strip_prefix('[')
                .and_then(|i| i.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
            {
                rule = Some(rule_ref(raw, position));
                rest = tail;
            }
        }
    }
    let mut field = String::new();
    for segment in rest {
        if !field.is_empty() && !segment.starts_with('[') {
            field.push('.');
        }
        field.push_str(segment);
    }
    AuthoringError {
        kind: AuthoringErrorKind::Schema,
        rule,
        field,
        message,
    }
}

fn rule_ref(raw: &serde_json::Value, index: usize) -> RuleRef {
    let entry = raw.get("rules").and_then(|rules| rules.get(index));
    RuleRef {
        index,
        id: entry
            .and_then(|r| r.get("id"))
            .and_then(serde_json::Value::as_u64)
            .and_then(|id| u16::try_from(id).ok()),
        name: entry
            .and_then(|r| r.get("name"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
    }
}

/// Builds the pools of a [`RuleSetData`], checking as it goes.
#[derive(Default)]
struct Compiler {
    ids: Vec<u32>,
    lists: Vec<Span>,
    selectors: Vec<Selector>,
    conditions: Vec<Condition>,
    text: String,
    /// Where errors are reported: the current rule.
    rule: Option<RuleRef>,
}

/// A compiler step's result.
type Step<T> = Result<T, AuthoringError>;

impl Compiler {
    fn error(&self, kind: AuthoringErrorKind, field: &str, message: String) -> AuthoringError {
        AuthoringError {
            kind,
            rule: self.rule.clone(),
            field: field.to_string(),
            message,
        }
    }

    fn invalid(&self, field: &str, message: impl Into<String>) -> AuthoringError {
        self.error(AuthoringErrorKind::Invalid, field, message.into())
    }

    fn capacity(&self, field: &str, what: &str, limit: usize, found: usize) -> AuthoringError {
        self.error(
            AuthoringErrorKind::OverCapacity,
            field,
            std::format!("{found} {what}; at most {limit} allowed"),
        )
    }

    fn name(&mut self, field: &str, name: &str) -> Step<Span> {
        if name.is_empty() {
            return Err(self.invalid(field, "must not be empty"));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(self.capacity(field, "bytes", MAX_NAME_LEN, name.len()));
        }
        let start = self.text.len();
        if start.saturating_add(name.len()) > MAX_TEXT_LEN {
            return Err(self.capacity(
                field,
                "bytes of names in the rule set",
                MAX_TEXT_LEN,
                start.saturating_add(name.len()),
            ));
        }
        self.text.push_str(name);
        Ok(Span {
            start: u16::try_from(start).map_err(|_| self.invalid(field, "too long"))?,
            len: u16::try_from(name.len()).map_err(|_| self.invalid(field, "too long"))?,
        })
    }

    /// Interns a set of ids: sorted, without duplicates; identical sets are stored once.
    fn list(&mut self, field: &str, ids: &[u32], allow_empty: bool) -> Step<Span> {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.is_empty() {
            if allow_empty {
                return Ok(Span::EMPTY);
            }
            return Err(self.invalid(field, "must list at least one id"));
        }
        if sorted.len() > MAX_LIST_LEN {
            return Err(self.capacity(field, "ids", MAX_LIST_LEN, sorted.len()));
        }
        for span in &self.lists {
            let start = usize::from(span.start);
            if self
                .ids
                .get(start..start.saturating_add(usize::from(span.len)))
                == Some(&sorted[..])
            {
                return Ok(*span);
            }
        }
        if self.ids.len().saturating_add(sorted.len()) > MAX_IDS {
            return Err(self.capacity(
                field,
                "ids in all lists of the rule set",
                MAX_IDS,
                self.ids.len().saturating_add(sorted.len()),
            ));
        }
        let span = Span {
            start: u16::try_from(self.ids.len())
                .map_err(|_| self.invalid(field, "too many ids"))?,
            len: u16::try_from(sorted.len()).map_err(|_| self.invalid(field, "too many ids"))?,
        };
        self.ids.extend_from_slice(&sorted);
        self.lists.push(span);
        Ok(span)
    }

    fn selector(&mut self, field: &str, items: Option<&ItemsDoc>) -> Step<u8> {
        let everything = ItemsDoc {
            all: true,
            ..ItemsDoc::default()
        };
        let items = items.unwrap_or(&everything);
        if items.all && (items.skus.is_some() || items.categories.is_some()) {
            return Err(self.invalid(
                field,
                "\"all\": true cannot be combined with \"skus\" or \"categories\"",
            ));
        }
        if !items.all && items.skus.is_none() && items.categories.is_none() {
            return Err(self.invalid(
                field,
                "select items with \"all\": true, \"skus\" or \"categories\"",
            ));
        }
        let skus = match &items.skus {
            Some(skus) => self.list(&std::format!("{field}.skus"), skus, false)?,
            None => Span::EMPTY,
        };
        let categories = match &items.categories {
            Some(categories) => {
                self.list(&std::format!("{field}.categories"), categories, false)?
            }
            None => Span::EMPTY,
        };
        let selector = Selector {
            all: items.all,
            skus,
            categories,
            exclude_skus: self.list(
                &std::format!("{field}.exclude_skus"),
                &items.exclude_skus,
                true,
            )?,
            exclude_categories: self.list(
                &std::format!("{field}.exclude_categories"),
                &items.exclude_categories,
                true,
            )?,
        };
        let index = match self.selectors.iter().position(|s| *s == selector) {
            Some(index) => index,
            None => {
                if self.selectors.len() >= MAX_SELECTORS {
                    return Err(self.capacity(
                        field,
                        "distinct item selectors in the rule set",
                        MAX_SELECTORS,
                        self.selectors.len().saturating_add(1),
                    ));
                }
                self.selectors.push(selector);
                self.selectors.len().saturating_sub(1)
            }
        };
        u8::try_from(index).map_err(|_| self.invalid(field, "too many selectors"))
    }

    fn money(&self, field: &str, amount: i64, positive: bool) -> Step<Money> {
        if amount < 0 || (positive && amount == 0) {
            let allowed = if positive { "above 0" } else { "0 or more" };
            return Err(self.invalid(
                field,
                std::format!("{amount} is out of range: an amount in minor units, {allowed}"),
            ));
        }
        Ok(Money::from_minor(amount))
    }

    fn day(&self, field: &str, text: &Option<String>) -> Step<Option<i32>> {
        let Some(text) = text else {
            return Ok(None);
        };
        let parts: Vec<&str> = text.split('-').collect();
        let parsed = match parts[..] {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                match (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) {
                    (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).ok(),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(date) => Ok(Some(date.to_day().number())),
            None => Err(self.invalid(
                field,
                std::format!("{text:?} is not a date: write \"YYYY-MM-DD\", years 1900..=9999"),
            )),
        }
    }

    fn minute(&self, field: &str, text: &str, allow_end: bool) -> Step<u16> {
        let parsed = text.split_once(':').and_then(|(h, m)| {
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
            (m < 60)
                .then(|| h.checked_mul(60)?.checked_add(m))
                .flatten()
        });
        match parsed {
            Some(minute)
                if minute < MINUTES_PER_DAY || (allow_end && minute == MINUTES_PER_DAY) =>
            {
                Ok(minute)
            }
            _ => Err(self.invalid(
                field,
                std::format!(
                    "{text:?} is not a time of day: write \"HH:MM\", 00:00 to 23:59{}",
                    if allow_end { " (or 24:00)" } else { "" }
                ),
            )),
        }
    }

    fn bits(&self, field: &str, bits: &[u8], what: &str) -> Step<u32> {
        if bits.is_empty() {
            return Err(self.invalid(field, std::format!("must list at least one {what}")));
        }
        let mut mask = 0u32;
        for &bit in bits {
            if bit > 31 {
                return Err(
                    self.invalid(field, std::format!("{what} {bit} is out of range: 0..=31"))
                );
            }
            mask |= 1 << bit;
        }
        Ok(mask)
    }

    fn condition(&mut self, field: &str, doc: &ConditionDoc) -> Step<Condition> {
        Ok(match doc {
            ConditionDoc::BasketTotal { at_least, basis } => Condition::BasketTotal {
                basis: *basis,
                at_least: self.money(&std::format!("{field}.at_least"), *at_least, false)?,
            },
            ConditionDoc::Quantity { items, at_least } => {
                if *at_least == 0 {
                    return Err(
                        self.invalid(&std::format!("{field}.at_least"), "must be at least 1 unit")
                    );
                }
                Condition::Quantity {
                    selector: self.selector(&std::format!("{field}.items"), Some(items))?,
                    at_least: *at_least,
                }
            }
            ConditionDoc::Amount {
                items,
                at_least,
                basis,
            } => Condition::Amount {
                selector: self.selector(&std::format!("{field}.items"), Some(items))?,
                basis: *basis,
                at_least: self.money(&std::format!("{field}.at_least"), *at_least, false)?,
            },
            ConditionDoc::Weekdays(days) => {
                if days.is_empty() {
                    return Err(self.invalid(field, "must list at least one day"));
                }
                let mut mask = 0u8;
                for day in days {
                    let weekday = parse_weekday(day).ok_or_else(|| {
                        self.invalid(
                            field,
                            std::format!(
                                "{day:?} is not a day: use mon, tue, wed, thu, fri, sat, sun (or full names)"
                            ),
                        )
                    })?;
                    mask |= weekday.mask_bit();
                }
                Condition::Weekdays { mask }
            }
            ConditionDoc::TimeOfDay { from, until } => {
                let start = self.minute(&std::format!("{field}.from"), from, false)?;
                let end = self.minute(&std::format!("{field}.until"), until, true)?;
                if start >= end {
                    return Err(self.invalid(
                        field,
                        std::format!("\"from\" ({from}) must be before \"until\" ({until})"),
                    ));
                }
                Condition::TimeOfDay {
                    from: start,
                    until: end,
                }
            }
            ConditionDoc::Stores(stores) => Condition::Stores {
                stores: self.list(field, stores, false)?,
            },
            ConditionDoc::Channels(channels) => Condition::Channels {
                mask: self.bits(field, channels, "channel")?,
            },
            ConditionDoc::TierAtLeast(tier) => Condition::TierAtLeast { tier: *tier },
            ConditionDoc::SegmentsAny(bits) => Condition::SegmentsAny {
                mask: self.bits(field, bits, "segment")?,
            },
            ConditionDoc::SegmentsAll(bits) => Condition::SegmentsAll {
                mask: self.bits(field, bits, "segment")?,
            },
            ConditionDoc::NthVisit(every) => {
                if *every < 2 {
                    return Err(self.invalid(
                        field,
                        std::format!(
                            "{every} is out of range: every Nth visit needs N of 2 or more"
                        ),
                    ));
                }
                Condition::NthVisit { every: *every }
            }
            ConditionDoc::VisitsAtLeast(visits) => {
                if *visits == 0 {
                    return Err(self.invalid(field, "must be at least 1 (the first visit)"));
                }
                Condition::VisitsAtLeast { visits: *visits }
            }
            ConditionDoc::FirstPurchase => Condition::FirstPurchase,
            ConditionDoc::Birthday { within_days } => {
                if *within_days > 183 {
                    return Err(self.invalid(
                        &std::format!("{field}.within_days"),
                        std::format!("{within_days} is out of range: 0..=183 days"),
                    ));
                }
                Condition::Birthday {
                    within_days: *within_days,
                }
            }
            ConditionDoc::LapsedDays(days) => Condition::LapsedDays { days: *days },
            ConditionDoc::ChurnRiskAtLeast(risk) => {
                if *risk > MAX_CHURN_RISK {
                    return Err(self.invalid(
                        field,
                        std::format!("{risk} is out of range: 0..=1000 (thousandths)"),
                    ));
                }
                Condition::ChurnRiskAtLeast { risk: *risk }
            }
            ConditionDoc::Coupon(coupon) => Condition::Coupon { coupon: *coupon },
        })
    }

    fn effect(&mut self, doc: &EffectDoc, programs: &[StampProgram]) -> Step<Effect> {
        Ok(match doc {
            EffectDoc::PointsPerAmount {
                points,
                per,
                items,
                rounding,
            } => {
                if *points == 0 {
                    return Err(
                        self.invalid("effect.points_per_amount.points", "must be at least 1")
                    );
                }
                Effect::PointsPerAmount {
                    selector: self.selector("effect.points_per_amount.items", items.as_ref())?,
                    points: *points,
                    per: self.money("effect.points_per_amount.per", *per, true)?,
                    rounding: *rounding,
                }
            }
            EffectDoc::Multiplier { permille, items } => {
                if *permille <= 1_000 || *permille > MAX_PERMILLE {
                    return Err(self.invalid(
                        "effect.multiplier.permille",
                        std::format!(
                            "{permille} is out of range: 1001..={MAX_PERMILLE} thousandths (2000 is double points)"
                        ),
                    ));
                }
                Effect::Multiplier {
                    selector: self.selector("effect.multiplier.items", items.as_ref())?,
                    permille: *permille,
                }
            }
            EffectDoc::BonusPoints { points, items } => {
                if *points == 0 {
                    return Err(self.invalid("effect.bonus_points.points", "must be at least 1"));
                }
                Effect::BonusPoints {
                    selector: self.selector("effect.bonus_points.items", items.as_ref())?,
                    points: *points,
                }
            }
            EffectDoc::PercentOff {
                basis_points,
                items,
            } => {
                if *basis_points == 0 || *basis_points > 10_000 {
                    return Err(self.invalid(
                        "effect.percent_off.basis_points",
                        std::format!(
                            "{basis_points} is out of range: 1..=10000 basis points (1000 is 10 %)"
                        ),
                    ));
                }
                Effect::PercentOff {
                    selector: self.selector("effect.percent_off.items", items.as_ref())?,
                    basis_points: *basis_points,
                }
            }
            EffectDoc::AmountOff { amount, items } => Effect::AmountOff {
                selector: self.selector("effect.amount_off.items", items.as_ref())?,
                amount: self.money("effect.amount_off.amount", *amount, true)?,
            },
            EffectDoc::FreeItem { items, units } => {
                if *units == 0 {
                    return Err(self.invalid("effect.free_item.units", "must be at least 1"));
                }
                Effect::FreeItem {
                    selector: self.selector("effect.free_item.items", Some(items))?,
                    units: *units,
                }
            }
            EffectDoc::Stamps {
                program,
                items,
                per_unit,
            } => {
                if !programs.iter().any(|p| p.id == ProgramId(*program)) {
                    return Err(self.invalid(
                        "effect.stamps.program",
                        std::format!("program {program} is not declared in \"programs\""),
                    ));
                }
                if *per_unit == 0 {
                    return Err(self.invalid("effect.stamps.per_unit", "must be at least 1"));
                }
                Effect::Stamps {
                    program: ProgramId(*program),
                    selector: self.selector("effect.stamps.items", Some(items))?,
                    per_unit: *per_unit,
                }
            }
            EffectDoc::Reward { reward } => Effect::Reward { reward: *reward },
        })
    }

    fn compile(mut self, doc: &RuleSetDoc) -> Step<RuleSet> {
        let name = self.name("name", &doc.name)?;
        let valid_from = self.day("valid_from", &doc.valid_from)?;
        let valid_until = self.day("valid_until", &doc.valid_until)?;
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            if from > until {
                return Err(self.invalid("valid_from", "must not be after \"valid_until\""));
            }
        }
        let max_discount = doc
            .caps
            .discount
            .map(|amount| self.money("caps.discount", amount, false))
            .transpose()?;
        let non_earning = doc
            .non_earning
            .as_ref()
            .map(|items| self.selector("non_earning", Some(items)))
            .transpose()?;
        let non_discountable = doc
            .non_discountable
            .as_ref()
            .map(|items| self.selector("non_discountable", Some(items)))
            .transpose()?;
        let redemption = doc
            .redemption
            .as_ref()
            .map(|r| self.redemption(r))
            .transpose()?;
        let tiers = doc.tiers.as_ref().map(|t| self.tiers(t)).transpose()?;
        if doc.programs.len() > MAX_PROGRAMS {
            return Err(self.capacity("programs", "programs", MAX_PROGRAMS, doc.programs.len()));
        }
        let mut programs: Bounded<StampProgram, MAX_PROGRAMS> = Bounded::new();
        for (index, program) in doc.programs.iter().enumerate() {
            let field = std::format!("programs[{index}]");
            if program.stamps_needed == 0 {
                return Err(
                    self.invalid(&std::format!("{field}.stamps_needed"), "must be at least 1")
                );
            }
            if programs.iter().any(|p| p.id == ProgramId(program.id)) {
                return Err(self.invalid(
                    &field,
                    std::format!("program {} is declared twice", program.id),
                ));
            }
            let reward_value = self.money(
                &std::format!("{field}.reward_value"),
                program.reward_value,
                false,
            )?;
            let _ = programs.push(StampProgram {
                id: ProgramId(program.id),
                stamps_needed: program.stamps_needed,
                reward_value,
            });
        }
        if doc.groups.len() > MAX_GROUPS {
            return Err(self.capacity("groups", "groups", MAX_GROUPS, doc.groups.len()));
        }
        let mut groups: Bounded<Group, MAX_GROUPS> = Bounded::new();
        for (index, group) in doc.groups.iter().enumerate() {
            if groups.iter().any(|g| g.id == group.id) {
                return Err(self.invalid(
                    &std::format!("groups[{index}]"),
                    std::format!("group {} is declared twice", group.id),
                ));
            }
            let _ = groups.push(Group {
                id: group.id,
                mode: group.mode,
            });
        }
        if doc.rules.len() > MAX_RULES {
            return Err(self.capacity("rules", "rules", MAX_RULES, doc.rules.len()));
        }
        let mut compiled: Vec<(usize, Rule)> = Vec::new();
        for (index, rule) in doc.rules.iter().enumerate() {
            self.rule = Some(RuleRef {
                index,
                id: Some(rule.id),
                name: Some(rule.name.clone()),
            });
            if compiled.iter().any(|(_, r)| r.id == rule.id) {
                return Err(self.invalid("id", std::format!("rule id {} is used twice", rule.id)));
            }
            compiled.push((index, self.rule_of(rule, &programs, &groups)?));
        }
        // Evaluation order: discount rules, then earning rules, each by priority, ties in
        // document order (the sort is stable).
        compiled.sort_by_key(|(_, rule)| (!rule.effect.is_discount(), rule.priority));
        self.check_order(doc, &compiled, &groups, redemption.is_some(), &programs)?;
        self.rule = None;
        let mut rules: Bounded<Rule, MAX_RULES> = Bounded::new();
        for (_, rule) in compiled {
            let _ = rules.push(rule);
        }
        let data = RuleSetData {
            name,
            serial: doc.serial,
            valid_from,
            valid_until,
            points_basis: doc.points_basis,
            max_points: doc.caps.points,
            max_discount,
            non_earning,
            non_discountable,
            redemption,
            tiers,
            programs,
            groups,
            ids: Bounded::from_slice(&self.ids).ok_or_else(|| self.invalid("", "too many ids"))?,
            selectors: Bounded::from_slice(&self.selectors)
                .ok_or_else(|| self.invalid("", "too many selectors"))?,
            conditions: Bounded::from_slice(&self.conditions)
                .ok_or_else(|| self.invalid("", "too many conditions"))?,
            rules,
            text: Bounded::from_slice(self.text.as_bytes())
                .ok_or_else(|| self.invalid("", "names too long"))?,
        };
        RuleSet::from_data(data).map_err(|error| {
            self.invalid(
                "",
                match error {
                    Inconsistent::OverCapacity => "a capacity is exceeded",
                    Inconsistent::OutOfRange => {
                        "the compiled rule set is inconsistent (a bug in the SDK)"
                    }
                },
            )
        })
    }

    fn rule_of(
        &mut self,
        doc: &RuleDoc,
        programs: &[StampProgram],
        groups: &[Group],
    ) -> Step<Rule> {
        let name = self.name("name", &doc.name)?;
        let valid_from = self.day("valid_from", &doc.valid_from)?;
        let valid_until = self.day("valid_until", &doc.valid_until)?;
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            if from > until {
                return Err(self.invalid(
                    "valid_from",
                    std::format!(
                        "{} must not be after \"valid_until\" {}",
                        doc.valid_from.as_deref().unwrap_or(""),
                        doc.valid_until.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
        if doc.when.len() > MAX_CONDITIONS_PER_RULE {
            return Err(self.capacity(
                "when",
                "conditions",
                MAX_CONDITIONS_PER_RULE,
                doc.when.len(),
            ));
        }
        if self.conditions.len().saturating_add(doc.when.len()) > MAX_CONDITIONS {
            return Err(self.capacity(
                "when",
                "conditions in the rule set",
                MAX_CONDITIONS,
                self.conditions.len().saturating_add(doc.when.len()),
            ));
        }
        let start = self.conditions.len();
        for (index, condition) in doc.when.iter().enumerate() {
            let field = std::format!("when[{index}].{}", condition_name(condition));
            let compiled = self.condition(&field, condition)?;
            self.conditions.push(compiled);
        }
        // An empty span is written canonically as (0, 0).
        let conditions = if doc.when.is_empty() {
            Span::EMPTY
        } else {
            Span {
                start: u16::try_from(start)
                    .map_err(|_| self.invalid("when", "too many conditions"))?,
                len: u16::try_from(doc.when.len())
                    .map_err(|_| self.invalid("when", "too many conditions"))?,
            }
        };
        let effect = self.effect(&doc.effect, programs)?;
        let group = match doc.group {
            None => None,
            Some(id) => {
                let index = groups.iter().position(|g| g.id == id).ok_or_else(|| {
                    self.invalid(
                        "group",
                        std::format!("group {id} is not declared in \"groups\""),
                    )
                })?;
                Some(u8::try_from(index).map_err(|_| self.invalid("group", "too many groups"))?)
            }
        };
        if doc.limits.len() > MAX_LIMITS_PER_RULE {
            return Err(self.capacity(
                "limits",
                "usage limits",
                MAX_LIMITS_PER_RULE,
                doc.limits.len(),
            ));
        }
        let mut limits: Bounded<UsageLimit, MAX_LIMITS_PER_RULE> = Bounded::new();
        for (index, limit) in doc.limits.iter().enumerate() {
            if limit.max == 0 {
                return Err(self.invalid(
                    &std::format!("limits[{index}].max"),
                    "must be at least 1 use per period",
                ));
            }
            let counter = limit.counter.unwrap_or(doc.id);
            if limits
                .iter()
                .any(|l| l.counter == counter && l.period == limit.per)
            {
                return Err(self.invalid(
                    &std::format!("limits[{index}]"),
                    std::format!("a second \"{}\" limit on the same counter", limit.per),
                ));
            }
            let _ = limits.push(UsageLimit {
                counter,
                period: limit.per,
                max: limit.max,
            });
        }
        Ok(Rule {
            id: doc.id,
            name,
            priority: doc.priority,
            group,
            stop: doc.stop,
            valid_from,
            valid_until,
            conditions,
            effect,
            cap: doc.cap,
            limits,
        })
    }

    /// Checks that need the whole set: multipliers after a points-per-amount rule; groups in
    /// one phase; "best" groups over effects with a money value.
    fn check_order(
        &mut self,
        doc: &RuleSetDoc,
        compiled: &[(usize, Rule)],
        groups: &[Group],
        has_redemption: bool,
        programs: &[StampProgram],
    ) -> Step<()> {
        let locate = |this: &mut Compiler, index: usize| {
            let rule = doc.rules.get(index);
            this.rule = Some(RuleRef {
                index,
                id: rule.map(|r| r.id),
                name: rule.map(|r| r.name.clone()),
            });
        };
        let mut per_amount_seen = false;
        for (index, rule) in compiled {
            match rule.effect {
                Effect::PointsPerAmount { .. } => per_amount_seen = true,
                Effect::Multiplier { .. } if !per_amount_seen => {
                    locate(self, *index);
                    return Err(self.invalid(
                        "effect.multiplier",
                        "a multiplier multiplies base points: give a points_per_amount rule a lower priority number so it runs first",
                    ));
                }
                _ => {}
            }
        }
        for (group_index, group) in groups.iter().enumerate() {
            let members: Vec<&(usize, Rule)> = compiled
                .iter()
                .filter(|(_, r)| r.group.is_some_and(|g| usize::from(g) == group_index))
                .collect();
            let Some((_, first)) = members.first() else {
                self.rule = None;
                return Err(self.invalid("groups", std::format!("group {} has no rules", group.id)));
            };
            for (index, rule) in &members {
                if rule.effect.is_discount() != first.effect.is_discount() {
                    locate(self, *index);
                    return Err(self.invalid(
                        "group",
                        std::format!(
                            "group {} mixes discount and earning rules; discounts run before earning, so a group must hold only one kind",
                            group.id
                        ),
                    ));
                }
                if group.mode == GroupMode::Best {
                    let comparable = match rule.effect {
                        Effect::PointsPerAmount { .. }
                        | Effect::Multiplier { .. }
                        | Effect::BonusPoints { .. } => has_redemption,
                        Effect::Stamps { program, .. } => programs.iter().any(|p| p.id == program),
                        Effect::Reward { .. } => false,
                        _ => true,
                    };
                    if !comparable {
                        locate(self, *index);
                        return Err(self.invalid(
                            "effect",
                            std::format!(
                                "group {} picks the best for the customer, but this effect has no money value: {}",
                                group.id,
                                if matches!(rule.effect, Effect::Reward { .. }) {
                                    "a reward cannot be compared; use mode \"first\""
                                } else {
                                    "points need a \"redemption\" rate to be compared with money"
                                }
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn redemption(&self, doc: &RedemptionDoc) -> Step<Redemption> {
        if doc.points == 0 {
            return Err(self.invalid("redemption.points", "must be at least 1"));
        }
        if doc.step == 0 {
            return Err(self.invalid("redemption.step", "must be at least 1 point"));
        }
        if doc.max_share_bp == 0 || doc.max_share_bp > 10_000 {
            return Err(self.invalid(
                "redemption.max_share_bp",
                std::format!(
                    "{} is out of range: 1..=10000 basis points",
                    doc.max_share_bp
                ),
            ));
        }
        Ok(Redemption {
            points: doc.points,
            value: self.money("redemption.value", doc.value, true)?,
            min_points: doc.min_points,
            step: doc.step,
            max_share_bp: doc.max_share_bp,
        })
    }

    fn tiers(&self, doc: &TiersDoc) -> Step<TierPolicy> {
        if doc.window_days == 0 {
            return Err(self.invalid("tiers.window_days", "must be at least 1 day"));
        }
        if doc.levels.is_empty() {
            return Err(self.invalid("tiers.levels", "must list at least one tier"));
        }
        if doc.levels.len() > MAX_TIERS {
            return Err(self.capacity("tiers.levels", "tiers", MAX_TIERS, doc.levels.len()));
        }
        let mut levels: Bounded<TierLevel, MAX_TIERS> = Bounded::new();
        for (index, level) in doc.levels.iter().enumerate() {
            let field = std::format!("tiers.levels[{index}]");
            if level.tier == 0 {
                return Err(self.invalid(&field, "tier numbers start at 1 (0 is \"no tier\")"));
            }
            if let Some(previous) = levels.last() {
                if level.tier <= previous.tier || level.threshold <= previous.threshold {
                    return Err(self.invalid(
                        &field,
                        "tiers and thresholds must increase from one level to the next",
                    ));
                }
            }
            let _ = levels.push(TierLevel {
                tier: level.tier,
                threshold: level.threshold,
            });
        }
        Ok(TierPolicy {
            basis: doc.basis,
            window_days: doc.window_days,
            grace_days: doc.grace_days,
            levels,
        })
    }
}

fn condition_name(doc: &ConditionDoc) -> &'static str {
    match doc {
        ConditionDoc::BasketTotal { .. } => "basket_total",
        ConditionDoc::Quantity { .. } => "quantity",
        ConditionDoc::Amount { .. } => "amount",
        ConditionDoc::Weekdays(_) => "weekdays",
        ConditionDoc::TimeOfDay { .. } => "time_of_day",
        ConditionDoc::Stores(_) => "stores",
        ConditionDoc::Channels(_) => "channels",
        ConditionDoc::TierAtLeast(_) => "tier_at_least",
        ConditionDoc::SegmentsAny(_) => "segments_any",
        ConditionDoc::SegmentsAll(_) => "segments_all",
        ConditionDoc::NthVisit(_) => "nth_visit",
        ConditionDoc::VisitsAtLeast(_) => "visits_at_least",
        ConditionDoc::FirstPurchase => "first_purchase",
        ConditionDoc::Birthday { .. } => "birthday",
        ConditionDoc::LapsedDays(_) => "lapsed_days",
        ConditionDoc::ChurnRiskAtLeast(_) => "churn_risk_at_least",
        ConditionDoc::Coupon(_) => "coupon",
    }
}

fn parse_weekday(text: &str) -> Option<Weekday> {
    let lower = text.to_ascii_lowercase();
    Weekday::ALL.into_iter().find(|day| {
        let full = match day {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        };
        lower == full || lower == full[..3]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> AuthoringError {
        RuleSet::from_json(json).unwrap_err()
    }

    fn one_rule(rule: &str) -> String {
        std::format!(r#"{{"name": "t", "serial": 1, "rules": [{rule}]}}"#)
    }

    #[test]
    fn syntax_errors() {
        let e = error("{\"name\": ");
        assert_eq!(e.kind, AuthoringErrorKind::Syntax);
        assert!(
            e.message.starts_with("invalid JSON: EOF while parsing"),
            "{e}"
        );
        assert!(e.message.contains("line 1"), "{e}");
        let e = RuleSet::from_toml("name = \n").unwrap_err();
        assert_eq!(e.kind, AuthoringErrorKind::Syntax);
        assert!(e.message.starts_with("invalid TOML"), "{e}");
    }

    #[test]
    fn schema_errors_name_rule_and_field() {
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "whn": [], "effect": {"reward": {"reward": 1}}}"#,
        ));
        assert_eq!(e.kind, AuthoringErrorKind::Schema);
        assert_eq!(e.rule.as_ref().and_then(|r| r.id), Some(4));
        assert!(
            e.to_string()
                .starts_with(r#"rule 4 "Coffee": whn: unknown field `whn`, expected one of"#),
            "{e}"
        );
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "when": [{"weekdays": "tue"}], "effect": {"reward": {"reward": 1}}}"#,
        ));
        assert_eq!(e.field, "when[0].weekdays");
        assert!(e.message.contains("expected a sequence"), "{e}");
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "effect": {"points_per_amount": {"points": -1, "per": 100}}}"#,
        ));
        assert_eq!(e.field, "effect.points_per_amount.points");
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "effect": {"cashback": {}}}"#,
        ));
        assert_eq!(e.field, "effect");
        assert!(e.message.contains("unknown variant `cashback`"), "{e}");
        let e = error(r#"{"name": "t", "serial": 1, "rules": [], "colour": "red"}"#);
        assert_eq!(e.rule, None);
        assert!(e.message.contains("unknown field `colour`"), "{e}");
        let e = error(r#"{"name": "t", "rules": []}"#);
        assert!(e.message.contains("missing field `serial`"), "{e}");
        // TOML locates the same way.
        let e = RuleSet::from_toml(
            "name = \"t\"\nserial = 1\n[[rules]]\nid = 9\nname = \"Tea\"\neffect = { reward = { reward = 1, extra = 2 } }\n",
        )
        .unwrap_err();
        assert_eq!(e.to_string().split(':').next(), Some(r#"rule 9 "Tea""#));
        assert_eq!(e.field, "effect.reward.extra");
    }

    #[test]
    fn invalid_values_say_what_is_allowed() {
        let cases: &[(&str, &str, &str)] = &[
            (
                r#"{"id": 1, "name": "x", "when": [{"time_of_day": {"from": "17:00", "until": "14:00"}}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].time_of_day",
                r#""from" (17:00) must be before "until" (14:00)"#,
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"time_of_day": {"from": "25:00", "until": "26:00"}}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].time_of_day.from",
                r#""25:00" is not a time of day: write "HH:MM", 00:00 to 23:59"#,
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"percent_off": {"basis_points": 12000}}}"#,
                "effect.percent_off.basis_points",
                "12000 is out of range: 1..=10000 basis points (1000 is 10 %)",
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"free_item": {"items": {"skus": []}}}}"#,
                "effect.free_item.items.skus",
                "must list at least one id",
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"free_item": {"items": {}}}}"#,
                "effect.free_item.items",
                r#"select items with "all": true, "skus" or "categories""#,
            ),
            (
                r#"{"id": 1, "name": "x", "valid_from": "2024-05-01", "valid_until": "2024-04-01", "effect": {"reward": {"reward": 1}}}"#,
                "valid_from",
                r#"2024-05-01 must not be after "valid_until" 2024-04-01"#,
            ),
            (
                r#"{"id": 1, "name": "x", "valid_from": "2023-02-29", "effect": {"reward": {"reward": 1}}}"#,
                "valid_from",
                r#""2023-02-29" is not a date: write "YYYY-MM-DD", years 1900..=9999"#,
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"churn_risk_at_least": 1200}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].churn_risk_at_least",
                "1200 is out of range: 0..=1000 (thousandths)",
            ),
            (
                r#"{"id": 1, "name": "x", "group": 3, "effect": {"reward": {"reward": 1}}}"#,
                "group",
                r#"group 3 is not declared in "groups""#,
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"stamps": {"program": 2, "items": {"all": true}}}}"#,
                "effect.stamps.program",
                r#"program 2 is not declared in "programs""#,
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"amount_off": {"amount": -5}}}"#,
                "effect.amount_off.amount",
                "-5 is out of range: an amount in minor units, above 0",
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"weekdays": ["tue", "caturday"]}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].weekdays",
                r#""caturday" is not a day: use mon, tue, wed, thu, fri, sat, sun (or full names)"#,
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"multiplier": {"permille": 2000}}}"#,
                "effect.multiplier",
                "a multiplier multiplies base points: give a points_per_amount rule a lower priority number so it runs first",
            ),
        ];
        for (rule, field, message) in cases {
            let e = error(&one_rule(rule));
            assert_eq!(e.kind, AuthoringErrorKind::Invalid, "{e}");
            assert_eq!(
                e.rule.as_ref().map(|r| (r.id, r.name.as_deref())),
                Some((Some(1), Some("x")))
            );
            assert_eq!((e.field.as_str(), e.message.as_str()), (*field, *message));
        }
    }

    #[test]
    fn whole_set_checks() {
        let e = error(
            r#"{"name": "t", "serial": 1, "groups": [{"id": 1, "mode": "best"}], "rules": [
            {"id": 1, "name": "gift", "group": 1, "effect": {"reward": {"reward": 1}}},
            {"id": 2, "name": "pts", "group": 1, "effect": {"bonus_points": {"points": 5}}}]}"#,
        );
        assert_eq!(
            e.to_string(),
            r#"rule 1 "gift": effect: group 1 picks the best for the customer, but this effect has no money value: a reward cannot be compared; use mode "first""#
        );
        let e = error(
            r#"{"name": "t", "serial": 1, "groups": [{"id": 1, "mode": "best"}], "rules": [
            {"id": 2, "name": "pts", "group": 1, "effect": {"bonus_points": {"points": 5}}}]}"#,
        );
        assert!(e.message.contains("need a \"redemption\" rate"), "{e}");
        let e = error(
            r#"{"name": "t", "serial": 1, "groups": [{"id": 1, "mode": "first"}], "rules": [
            {"id": 1, "name": "off", "group": 1, "effect": {"amount_off": {"amount": 5}}},
            {"id": 2, "name": "pts", "group": 1, "effect": {"bonus_points": {"points": 5}}}]}"#,
        );
        assert!(
            e.message.contains("mixes discount and earning rules"),
            "{e}"
        );
        let e = error(
            r#"{"name": "t", "serial": 1, "rules": [
            {"id": 1, "name": "a", "effect": {"reward": {"reward": 1}}},
            {"id": 1, "name": "b", "effect": {"reward": {"reward": 1}}}]}"#,
        );
        assert_eq!(e.to_string(), r#"rule 1 "b": id: rule id 1 is used twice"#);
        let e = error(
            r#"{"name": "t", "serial": 1, "valid_from": "2024-02-01", "valid_until": "2024-01-01", "rules": []}"#,
        );
        assert_eq!(
            e.to_string(),
            r#"valid_from: must not be after "valid_until""#
        );
    }

    #[test]
    #[cfg_attr(miri, ignore)] // A 65-rule document: slow under Miri, nothing unsafe.
    fn capacities_are_errors_not_truncation() {
        let rules: Vec<String> = (0..65)
            .map(|i| {
                std::format!(
                    r#"{{"id": {i}, "name": "r{i}", "effect": {{"reward": {{"reward": 1}}}}}}"#
                )
            })
            .collect();
        let e = error(&std::format!(
            r#"{{"name": "t", "serial": 1, "rules": [{}]}}"#,
            rules.join(",")
        ));
        assert_eq!(e.kind, AuthoringErrorKind::OverCapacity);
        assert_eq!(e.to_string(), "rules: 65 rules; at most 64 allowed");
        let when: Vec<&str> = std::iter::repeat_n(r#"{"tier_at_least": 1}"#, 9).collect();
        let e = error(&one_rule(&std::format!(
            r#"{{"id": 1, "name": "x", "when": [{}], "effect": {{"reward": {{"reward": 1}}}}}}"#,
            when.join(",")
        )));
        assert_eq!(
            e.to_string(),
            r#"rule 1 "x": when: 9 conditions; at most 8 allowed"#
        );
        let skus: Vec<String> = (0..65).map(|i| i.to_string()).collect();
        let e = error(&one_rule(&std::format!(
            r#"{{"id": 1, "name": "x", "effect": {{"free_item": {{"items": {{"skus": [{}]}}}}}}}}"#,
            skus.join(",")
        )));
        assert_eq!(e.kind, AuthoringErrorKind::OverCapacity);
        assert_eq!(e.field, "effect.free_item.items.skus");
        let e = error(&one_rule(&std::format!(
            r#"{{"id": 1, "name": "{}", "effect": {{"reward": {{"reward": 1}}}}}}"#,
            "n".repeat(49)
        )));
        assert_eq!(e.field, "name");
        assert_eq!(e.message, "49 bytes; at most 48 allowed");
    }

    #[test]
    fn identical_lists_and_selectors_are_stored_once() {
        let rules = RuleSet::from_json(
            r#"{"name": "t", "serial": 1, "rules": [
            {"id": 1, "name": "a", "effect": {"bonus_points": {"points": 1, "items": {"skus": [3, 1, 2, 2]}}}},
            {"id": 2, "name": "b", "effect": {"bonus_points": {"points": 2, "items": {"skus": [1, 2, 3]}}}},
            {"id": 3, "name": "c", "when": [{"stores": [2, 3, 1]}], "effect": {"bonus_points": {"points": 3, "items": {"categories": [1, 2, 3]}}}}]}"#,
        )
        .unwrap();
        // One id list [1, 2, 3] serves the SKU selector, the category selector and the stores.
        assert_eq!(rules.data.ids.len(), 3);
        assert_eq!(rules.data.selectors.len(), 2);
        assert_eq!(rules.rule_name(&rules.rules()[2]), "c");
    }

    #[test]
    fn json_and_toml_compile_to_the_same_set() {
        let json = RuleSet::from_json(
            r#"{"name": "same", "serial": 4, "rules": [
            {"id": 1, "name": "base", "effect": {"points_per_amount": {"points": 2, "per": 100}}},
            {"id": 2, "name": "tue", "when": [{"weekdays": ["tuesday"]}, "first_purchase"], "effect": {"multiplier": {"permille": 1500}}}]}"#,
        )
        .unwrap();
        let toml = RuleSet::from_toml(
            r#"
name = "same"
serial = 4
[[rules]]
id = 1
name = "base"
effect = { points_per_amount = { points = 2, per = 100 } }
[[rules]]
id = 2
name = "tue"
when = [ { weekdays = ["tue"] }, "first_purchase" ]
effect = { multiplier = { permille = 1500 } }
"#,
        )
        .unwrap();
        assert_eq!(json.hash(), toml.hash());
    }
}
