//! The rule-set document as authored (JSON or TOML): the serde types, and parsing with schema
//! errors that name the rule and the field.

use std::string::{String, ToString};
use std::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::customer::UsagePeriod;
use crate::money::Rounding;
use crate::rules::rule_set::GroupMode;
use crate::rules::selector::Basis;
use crate::rules::tiers::TierBasis;

use super::error::{AuthoringError, AuthoringErrorKind, RuleRef};

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
    /// `{"feedback_group": ["detractor"]}` (any of `detractor`, `passive`, `promoter`)
    FeedbackGroup(Vec<String>),
    /// `{"feedback_within_days": 30}`
    FeedbackWithinDays(u16),
    /// `{"anniversary": {"within_days": 7}}`
    Anniversary {
        /// Days either side.
        within_days: u16,
    },
    /// `{"visit_milestones": [10, 50, 100]}`
    VisitMilestones(Vec<u32>),
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
    /// The churn model the churn conditions were written for: its hash
    /// (`ChurnModel::hash`, Python `ChurnModel.hash`) as 64 hexadecimal digits. A till then
    /// refuses a churn risk from any other model. Omitted: no pin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn_model: Option<String>,
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
