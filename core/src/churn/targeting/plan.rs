//! Offer planning (`std`): who gets which of several retention offers, under a money budget and
//! a contact cap, for the most expected value — and how close to the best possible plan it is.
//!
//! **The problem.** Customer `i` (P(alive) `pᵢ`, CLV `vᵢ`, feedback group, risk band) given
//! offer `j` (cost `cⱼ`, uplift `u_j` for the customer's group or band) is worth
//! `eᵢⱼ = uⱼ · (1 − pᵢ) · vᵢ − cⱼ` ([`expected_value`]). A plan gives each customer at most
//! one offer they are eligible for, contacts nobody the contact cap forbids, and spends at most
//! the budget `B`: maximise `Σ eᵢⱼ` subject to `Σ cⱼ ≤ B`. Offers worth ≤ 0 to a customer are
//! never worth sending (dropping one adds value and frees budget), so only positive `eᵢⱼ`
//! count. Each customer is a class of items (their offers) of which at most one is chosen: the
//! **multiple-choice knapsack problem**, NP-hard in general.
//!
//! **The algorithm** (Sinha & Zoltners 1979, "The multiple-choice knapsack problem", Operations
//! Research 27(3); Kellerer, Pferschy & Pisinger, *Knapsack Problems*, 2004, §11.2): the linear
//! relaxation, where a customer may take fractions of offers, is solved exactly by a greedy on
//! the classes' convex hulls:
//!
//! 1. per customer, the offers as points `(cost, value)` with the origin (no offer); drop the
//!    dominated ones (costlier and worth no more) and those under the upper convex hull;
//! 2. the hull's successive steps are *increments* `(Δcost, Δvalue)` of decreasing efficiency
//!    `Δvalue / Δcost` (a free offer's step is infinitely efficient);
//! 3. all customers' increments, most efficient first (ties by customer, then step), are taken
//!    while they fit in the budget. The first that does not fit is the *split* increment: the
//!    LP optimum takes the fraction of it that fills the budget. That optimum is the **upper
//!    bound** ([`Plan::lp_bound`]): no plan is worth more.
//!
//! The integer plan is the increments taken before the split, then every later increment that
//! still fits (never one of the split customer's, whose next step needs the split one);
//! and if a single offer to a single customer is worth more than all that, that offer alone.
//! It is worth at least the LP optimum less the split increment's value share, so the **gap**
//! ([`Plan::gap`], `lp_bound − expected_value`) is at most the largest single offer value —
//! small beside a campaign's total with thousands of customers. When everything fits (the
//! budget binds nowhere) there is no split, every customer gets their most valuable offer, and
//! the plan is optimal ([`Plan::optimal`]).
//!
//! **The contact cap**: at most `max_contacts` contacts per customer in the last `window_days`
//! days, today's planned one included. The contacts already made in the window count: a
//! customer's `contacts_in_window` when given (it includes the last contact, so it is 0 exactly
//! when the last contact is older than the window), or 1 if the last contact falls in the window
//! and 0 otherwise. A customer with `contacts_in_window + 1 > max_contacts` is not contacted.
//!
//! **Cost**: `O(n·m log(n·m))` time for `n` customers and `m` offers (one sort of the
//! increments), `O(n·m)` memory.

use std::collections::HashSet;
use std::fmt;

use super::expected_value;
use crate::churn::risk::{RiskBand, RiskThresholds, churn_risk};
use crate::feedback::FeedbackGroup;
use crate::time::Day;

/// The name of "no feedback" beside the [`FeedbackGroup`] names, in uplift and eligibility
/// tables: a customer who never answered.
pub const NO_FEEDBACK: &str = "no_feedback";

/// Slots of a by-group table: the three groups in code order, then no feedback.
pub const GROUP_SLOTS: usize = 4;

/// The slot of a customer's feedback in by-group tables: the group's code, or 3 for none.
#[must_use]
pub const fn group_slot(group: Option<FeedbackGroup>) -> usize {
    match group {
        Some(group) => group.code() as usize,
        None => 3,
    }
}

/// The name of a customer's feedback: the group's name, or [`NO_FEEDBACK`].
#[must_use]
pub const fn feedback_name(group: Option<FeedbackGroup>) -> &'static str {
    match group {
        Some(group) => group.name(),
        None => NO_FEEDBACK,
    }
}

/// The feedback named `name`: `Some(Some(group))` for a group's name, `Some(None)` for
/// [`NO_FEEDBACK`], `None` for anything else.
#[must_use]
pub fn feedback_from_name(name: &str) -> Option<Option<FeedbackGroup>> {
    if name == NO_FEEDBACK {
        Some(None)
    } else {
        FeedbackGroup::from_name(name).map(Some)
    }
}

/// What share of would-be-lost customers an offer wins back, each in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Uplift {
    /// The same for everyone.
    Flat(f64),
    /// By feedback: detractor, passive, promoter, no feedback ([`group_slot`]).
    ByGroup([f64; GROUP_SLOTS]),
    /// By risk band: low, medium, high, critical ([`RiskBand::code`]).
    ByBand([f64; 4]),
}

impl Uplift {
    /// The uplift for a customer of feedback slot `slot` and band `band`.
    #[must_use]
    pub fn of(&self, slot: usize, band: RiskBand) -> f64 {
        match self {
            Uplift::Flat(uplift) => *uplift,
            Uplift::ByGroup(table) => table.get(slot).copied().unwrap_or(0.0),
            Uplift::ByBand(table) => table.get(usize::from(band.code())).copied().unwrap_or(0.0),
        }
    }

    /// An uplift table from `(name, uplift)` pairs, all feedback names ([`feedback_name`]) or
    /// all risk band names ([`RiskBand::name`]); a name not given has uplift 0. `offer` names
    /// the offer in errors. No pairs is an uplift of 0 for everyone.
    ///
    /// Errors: [`PlanError::UnknownName`] for a name that is neither, or a mix of both kinds.
    pub fn by_names(offer: &str, pairs: &[(&str, f64)]) -> Result<Uplift, PlanError> {
        let unknown = |name: &str| PlanError::UnknownName {
            offer: Some(offer.to_owned()),
            field: "uplift",
            name: name.to_owned(),
        };
        let Some(&(first, _)) = pairs.first() else {
            return Ok(Uplift::Flat(0.0));
        };
        if feedback_from_name(first).is_some() {
            let mut table = [0.0; GROUP_SLOTS];
            for &(name, uplift) in pairs {
                let group = feedback_from_name(name).ok_or_else(|| unknown(name))?;
                if let Some(cell) = table.get_mut(group_slot(group)) {
                    *cell = uplift;
                }
            }
            Ok(Uplift::ByGroup(table))
        } else if RiskBand::from_name(first).is_some() {
            let mut table = [0.0; 4];
            for &(name, uplift) in pairs {
                let band = RiskBand::from_name(name).ok_or_else(|| unknown(name))?;
                if let Some(cell) = table.get_mut(usize::from(band.code())) {
                    *cell = uplift;
                }
            }
            Ok(Uplift::ByBand(table))
        } else {
            Err(unknown(first))
        }
    }

    fn values(&self) -> &[f64] {
        match self {
            Uplift::Flat(uplift) => core::slice::from_ref(uplift),
            Uplift::ByGroup(table) | Uplift::ByBand(table) => table,
        }
    }
}

/// Which customers an offer may go to: by feedback ([`group_slot`]) and by risk band
/// ([`RiskBand::code`]); both must allow the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Eligibility {
    /// Allowed feedback slots: detractor, passive, promoter, no feedback.
    pub groups: [bool; GROUP_SLOTS],
    /// Allowed risk bands: low, medium, high, critical.
    pub bands: [bool; 4],
}

impl Eligibility {
    /// Everyone.
    pub const ALL: Eligibility = Eligibility {
        groups: [true; GROUP_SLOTS],
        bands: [true; 4],
    };

    /// Whether a customer of feedback slot `slot` and band `band` may get the offer.
    #[must_use]
    pub fn allows(&self, slot: usize, band: RiskBand) -> bool {
        self.groups.get(slot).copied().unwrap_or(false)
            && self
                .bands
                .get(usize::from(band.code()))
                .copied()
                .unwrap_or(false)
    }

    /// The customers of the named feedback ([`feedback_name`]) and risk bands
    /// ([`RiskBand::name`]); `None` allows all of that kind. `offer` names the offer in errors.
    ///
    /// Errors: [`PlanError::UnknownName`].
    pub fn by_names(
        offer: &str,
        groups: Option<&[&str]>,
        bands: Option<&[&str]>,
    ) -> Result<Eligibility, PlanError> {
        let mut eligibility = Eligibility::ALL;
        if let Some(names) = groups {
            eligibility.groups = [false; GROUP_SLOTS];
            for &name in names {
                let group = feedback_from_name(name).ok_or_else(|| PlanError::UnknownName {
                    offer: Some(offer.to_owned()),
                    field: "eligible_groups",
                    name: name.to_owned(),
                })?;
                if let Some(cell) = eligibility.groups.get_mut(group_slot(group)) {
                    *cell = true;
                }
            }
        }
        if let Some(names) = bands {
            eligibility.bands = [false; 4];
            for &name in names {
                let band = RiskBand::from_name(name).ok_or_else(|| PlanError::UnknownName {
                    offer: Some(offer.to_owned()),
                    field: "eligible_bands",
                    name: name.to_owned(),
                })?;
                if let Some(cell) = eligibility.bands.get_mut(usize::from(band.code())) {
                    *cell = true;
                }
            }
        }
        Ok(eligibility)
    }
}

/// A retention offer to plan with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanOffer<'a> {
    /// Its name, unique among the plan's offers.
    pub name: &'a str,
    /// What one costs, in the CLV's money unit (finite, ≥ 0).
    pub cost: f64,
    /// Its uplift.
    pub uplift: Uplift,
    /// Who may get it.
    pub eligible: Eligibility,
}

/// The customers to plan for, as columns of one length (that of `p_alive`); an empty optional
/// column means "none known" for everyone.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanCustomers<'a> {
    /// A number per customer (any id), to refuse a customer listed twice; empty: every row is
    /// a different customer.
    pub ids: &'a [u64],
    /// P(alive), in [0, 1].
    pub p_alive: &'a [f64],
    /// Customer lifetime value, finite and ≥ 0, in the offers' money unit.
    pub clv: &'a [f64],
    /// The customer's feedback group (`None`: never answered); empty: none known.
    pub group: &'a [Option<FeedbackGroup>],
    /// The day number ([`Day::number`]) of the last contact (`None`: never); empty: nobody
    /// contacted.
    pub last_contact_day: &'a [Option<i32>],
    /// Contacts in the window, the last one included; empty: 1 when the last contact is in the
    /// window, else 0.
    pub contacts_in_window: &'a [u32],
}

/// The budget, the contact cap and the bands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanSettings {
    /// The most the plan may spend, in the offers' money unit (finite, ≥ 0).
    pub budget: f64,
    /// The day the offers go out.
    pub today: Day,
    /// At most this many contacts per customer in the window, the planned one included.
    pub max_contacts: u32,
    /// The window's length in days (≥ 1): a contact on day `d` is in it when
    /// `today − d < window_days`.
    pub window_days: u32,
    /// The risk bands' thresholds (from the churn model).
    pub thresholds: RiskThresholds,
}

/// Why a customer gets the offer they get.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Choice {
    /// Their most valuable offer.
    Best,
    /// A cheaper offer than their most valuable one: the budget binds.
    Cheaper,
}

/// Why a customer is on the contact list: their feedback, their risk band, and which of their
/// offers they got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reason {
    /// The customer's feedback group, `None` without feedback.
    pub group: Option<FeedbackGroup>,
    /// The customer's risk band.
    pub band: RiskBand,
    /// Which offer.
    pub choice: Choice,
}

impl Reason {
    /// How many reasons there are: codes are `0..COUNT`.
    pub const COUNT: u8 = 32;

    /// A number 0..32 for the reason: `8 · feedback slot + 2 · band + (1 if cheaper)`.
    #[must_use]
    pub fn code(&self) -> u8 {
        let slot = u8::try_from(group_slot(self.group)).unwrap_or(3);
        let choice = match self.choice {
            Choice::Best => 0,
            Choice::Cheaper => 1,
        };
        slot.saturating_mul(8)
            .saturating_add(self.band.code().saturating_mul(2))
            .saturating_add(choice)
    }

    /// The reason with code `code` ([`Reason::code`]), if any.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Reason> {
        let group = match code / 8 {
            3 => None,
            slot => Some(FeedbackGroup::from_code(slot)?),
        };
        let band = RiskBand::from_code((code % 8) / 2)?;
        let choice = if code.is_multiple_of(2) {
            Choice::Best
        } else {
            Choice::Cheaper
        };
        Some(Reason {
            group,
            band,
            choice,
        })
    }
}

impl fmt::Display for Reason {
    /// `"detractor, high churn risk: best offer"`, `"no feedback, low churn risk: cheaper
    /// offer (budget)"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = self.group.map_or("no feedback", FeedbackGroup::name);
        let choice = match self.choice {
            Choice::Best => "best offer",
            Choice::Cheaper => "cheaper offer (budget)",
        };
        write!(f, "{group}, {} churn risk: {choice}", self.band)
    }
}

/// One line of the contact list.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assignment {
    /// The customer's row.
    pub row: usize,
    /// The offer's index.
    pub offer: usize,
    /// The offer's expected net value for the customer ([`expected_value`]), > 0.
    pub expected_value: f64,
    /// Why.
    pub reason: Reason,
}

/// An offer plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The contact list, most valuable first (ties by row).
    pub assignments: Vec<Assignment>,
    /// Its expected net value: the sum of the assignments'.
    pub expected_value: f64,
    /// What it spends: `Σ count(offer) · cost(offer)`, ≤ the budget.
    pub cost: f64,
    /// The LP relaxation's optimum: no plan is worth more (≥ `expected_value`).
    pub lp_bound: f64,
    /// Proven optimal: the budget bound nowhere, or the plan reaches the bound.
    pub optimal: bool,
    /// Customers with at least one offer worth sending and not stopped by the contact cap.
    pub eligible: usize,
    /// Customers the contact cap stops.
    pub capped: usize,
}

impl Plan {
    /// How far the plan may be from the best one: `lp_bound − expected_value` (≥ 0; at most
    /// the largest single offer value, see the module docs).
    #[must_use]
    pub fn gap(&self) -> f64 {
        self.lp_bound - self.expected_value
    }
}

/// What is wrong with a customer's contact history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactProblem {
    /// The last contact is after today.
    InTheFuture,
    /// The last contact's day number lies outside the supported calendar (1900–9999).
    OutOfRange,
    /// Contacts in the window are counted, but the last contact is not in the window.
    CountWithoutContact,
    /// The last contact is in the window, but the count of contacts in it is 0.
    ContactNotCounted,
}

impl fmt::Display for ContactProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContactProblem::InTheFuture => "the last contact is after today",
            ContactProblem::OutOfRange => "the last contact is outside the years 1900..=9999",
            ContactProblem::CountWithoutContact => {
                "contacts_in_window is above 0 but the last contact is not in the window"
            }
            ContactProblem::ContactNotCounted => {
                "the last contact is in the window but contacts_in_window is 0"
            }
        })
    }
}

/// Why no plan could be made. Every variant names the field at fault.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PlanError {
    /// A customer column's length differs from `p_alive`'s.
    LengthMismatch {
        /// The column.
        column: &'static str,
    },
    /// An offer's cost is negative or not finite, an uplift outside [0, 1] (or NaN), or its
    /// name repeats an earlier offer's.
    InvalidOffer {
        /// The offer's name.
        offer: String,
        /// The field: `"cost"`, `"uplift"` or `"name"`.
        field: &'static str,
    },
    /// A feedback group or risk band name that does not exist.
    UnknownName {
        /// The offer it was given for; `None` for the customers' column.
        offer: Option<String>,
        /// The field: `"uplift"`, `"eligible_groups"`, `"eligible_bands"` or `"group"`.
        field: &'static str,
        /// The name given.
        name: String,
    },
    /// A customer's value is invalid (P(alive) outside [0, 1], a CLV negative or not
    /// finite), or the customer is listed twice.
    InvalidRow {
        /// The row.
        row: usize,
        /// The field: `"p_alive"`, `"clv"` or `"customer"`.
        field: &'static str,
    },
    /// A customer's contact history is impossible.
    InvalidContact {
        /// The row.
        row: usize,
        /// What is wrong.
        problem: ContactProblem,
    },
    /// The budget is negative or not finite, or the contact window is 0 days.
    InvalidLimits {
        /// The field: `"budget"` or `"window_days"`.
        field: &'static str,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::LengthMismatch { column } => {
                write!(f, "customer column {column} differs in length from p_alive")
            }
            PlanError::InvalidOffer { offer, field } => match *field {
                "cost" => write!(f, "offer {offer:?}: cost must be finite and ≥ 0"),
                "uplift" => write!(f, "offer {offer:?}: every uplift must be in [0, 1]"),
                _ => write!(f, "offer {offer:?}: {field} repeats another offer's"),
            },
            PlanError::UnknownName { offer, field, name } => {
                if let Some(offer) = offer {
                    write!(f, "offer {offer:?}: ")?;
                }
                let groups = FeedbackGroup::ALL.map(FeedbackGroup::name).join(", ");
                let bands = RiskBand::ALL.map(RiskBand::name).join(", ");
                match *field {
                    "eligible_groups" | "group" => write!(
                        f,
                        "{field}: unknown feedback group {name:?} (expected {groups} or {NO_FEEDBACK})"
                    ),
                    "eligible_bands" => {
                        write!(f, "{field}: unknown risk band {name:?} (expected {bands})")
                    }
                    _ => write!(
                        f,
                        "{field}: {name:?} is neither a feedback group ({groups}, {NO_FEEDBACK}) nor a risk band ({bands}), or the keys mix both"
                    ),
                }
            }
            PlanError::InvalidRow { row, field } => match *field {
                "p_alive" => write!(f, "row {row}: p_alive must be in [0, 1]"),
                "clv" => write!(f, "row {row}: clv must be finite and ≥ 0"),
                _ => write!(f, "row {row}: {field} is listed twice"),
            },
            PlanError::InvalidContact { row, problem } => {
                write!(f, "row {row}: {problem}")
            }
            PlanError::InvalidLimits { field } => match *field {
                "budget" => f.write_str("budget must be finite and ≥ 0"),
                _ => write!(f, "{field} must be at least 1"),
            },
        }
    }
}

impl std::error::Error for PlanError {}

/// A point of a customer's hull: an offer, its cost and value.
#[derive(Clone, Copy, Debug)]
struct Point {
    offer: u32,
    cost: f64,
    value: f64,
}

/// A customer with offers worth sending: their row, band, feedback and hull.
#[derive(Clone, Copy, Debug)]
struct Class {
    row: usize,
    group: Option<FeedbackGroup>,
    band: RiskBand,
    /// The hull's points are `points[start..start + len]`, by increasing cost and value.
    start: usize,
    len: usize,
}

/// A step along a hull, for the global order.
#[derive(Clone, Copy, Debug)]
struct Increment {
    efficiency: f64,
    class: u32,
    step: u32,
}

fn check_limits(offers: &[PlanOffer<'_>], settings: &PlanSettings) -> Result<(), PlanError> {
    if !(settings.budget.is_finite() && settings.budget >= 0.0) {
        return Err(PlanError::InvalidLimits { field: "budget" });
    }
    if settings.window_days == 0 {
        return Err(PlanError::InvalidLimits {
            field: "window_days",
        });
    }
    let mut names = HashSet::new();
    for offer in offers {
        let invalid = |field| PlanError::InvalidOffer {
            offer: offer.name.to_owned(),
            field,
        };
        if !(offer.cost.is_finite() && offer.cost >= 0.0) {
            return Err(invalid("cost"));
        }
        if !offer
            .uplift
            .values()
            .iter()
            .all(|u| (0.0..=1.0).contains(u))
        {
            return Err(invalid("uplift"));
        }
        if !names.insert(offer.name) {
            return Err(invalid("name"));
        }
    }
    Ok(())
}

fn check_columns(customers: &PlanCustomers<'_>) -> Result<(), PlanError> {
    let n = customers.p_alive.len();
    let optional = |len: usize| len == 0 || len == n;
    let mismatch = if customers.clv.len() != n {
        Some("clv")
    } else if !optional(customers.ids.len()) {
        Some("ids")
    } else if !optional(customers.group.len()) {
        Some("group")
    } else if !optional(customers.last_contact_day.len()) {
        Some("last_contact_day")
    } else if !optional(customers.contacts_in_window.len()) {
        Some("contacts_in_window")
    } else {
        None
    };
    if let Some(column) = mismatch {
        return Err(PlanError::LengthMismatch { column });
    }
    if !customers.ids.is_empty() {
        let mut seen = HashSet::with_capacity(n);
        for (row, id) in customers.ids.iter().enumerate() {
            if !seen.insert(*id) {
                return Err(PlanError::InvalidRow {
                    row,
                    field: "customer",
                });
            }
        }
    }
    Ok(())
}

/// Contacts already made in the window (see the module docs).
fn contacts_made(
    customers: &PlanCustomers<'_>,
    row: usize,
    settings: &PlanSettings,
) -> Result<u32, PlanError> {
    let problem = |problem| PlanError::InvalidContact { row, problem };
    let last = match customers.last_contact_day.get(row).copied().flatten() {
        Some(number) => {
            let day = Day::from_number(number).map_err(|_| problem(ContactProblem::OutOfRange))?;
            let ago = settings.today.days_since(day);
            if ago < 0 {
                return Err(problem(ContactProblem::InTheFuture));
            }
            Some(ago)
        }
        None => None,
    };
    let in_window =
        last.is_some_and(|ago| u32::try_from(ago).is_ok_and(|ago| ago < settings.window_days));
    match customers.contacts_in_window.get(row) {
        Some(&0) if in_window => Err(problem(ContactProblem::ContactNotCounted)),
        Some(&count) if count > 0 && !in_window => {
            Err(problem(ContactProblem::CountWithoutContact))
        }
        Some(&count) => Ok(count),
        None => Ok(u32::from(in_window)),
    }
}

/// Keeps the upper convex hull, from the origin, of `items` sorted by cost (then value
/// descending): each kept point costs more and is worth more than the last, with strictly
/// decreasing slopes.
fn upper_hull(items: &[Point], hull: &mut Vec<Point>) {
    hull.clear();
    for &item in items {
        let last_value = hull.last().map_or(0.0, |p| p.value);
        if item.value <= last_value {
            continue;
        }
        while let Some(&last) = hull.last() {
            let before = hull.len().checked_sub(2).and_then(|i| hull.get(i)).copied();
            let (prior_cost, prior_value) = before.map_or((0.0, 0.0), |p| (p.cost, p.value));
            // `last` is under the chord from `before` to `item` (or on it): drop it.
            if (last.value - prior_value) * (item.cost - last.cost)
                <= (item.value - last.value) * (last.cost - prior_cost)
            {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(item);
    }
}

/// Plans who gets which offer (see the module docs).
///
/// Errors: [`PlanError::LengthMismatch`], [`PlanError::InvalidOffer`],
/// [`PlanError::InvalidRow`], [`PlanError::InvalidContact`], [`PlanError::InvalidLimits`];
/// [`PlanError::UnknownName`] comes from building offers ([`Uplift::by_names`],
/// [`Eligibility::by_names`]) and the bindings' group columns.
#[allow(clippy::too_many_lines)]
pub fn plan(
    customers: &PlanCustomers<'_>,
    offers: &[PlanOffer<'_>],
    settings: &PlanSettings,
) -> Result<Plan, PlanError> {
    check_limits(offers, settings)?;
    check_columns(customers)?;
    let budget = settings.budget;

    // 1. Every customer's hull.
    let mut classes: Vec<Class> = Vec::new();
    let mut points: Vec<Point> = Vec::new();
    let mut items: Vec<Point> = Vec::with_capacity(offers.len());
    let mut hull: Vec<Point> = Vec::with_capacity(offers.len());
    let mut capped = 0usize;
    // The single most valuable offer that fits the budget alone: (value, class, point).
    let mut best_single: Option<(f64, usize, usize)> = None;
    for (row, (&p, &clv)) in customers.p_alive.iter().zip(customers.clv).enumerate() {
        if !(0.0..=1.0).contains(&p) {
            return Err(PlanError::InvalidRow {
                row,
                field: "p_alive",
            });
        }
        if !(clv.is_finite() && clv >= 0.0) {
            return Err(PlanError::InvalidRow { row, field: "clv" });
        }
        let made = contacts_made(customers, row, settings)?;
        if made >= settings.max_contacts {
            capped = capped.saturating_add(1);
            continue;
        }
        let band = settings
            .thresholds
            .band(churn_risk(p).map_err(|_| PlanError::InvalidRow {
                row,
                field: "p_alive",
            })?);
        let group = customers.group.get(row).copied().flatten();
        let slot = group_slot(group);
        items.clear();
        for (index, offer) in offers.iter().enumerate() {
            if !offer.eligible.allows(slot, band) {
                continue;
            }
            let value = expected_value(p, clv, offer.uplift.of(slot, band), offer.cost);
            if value > 0.0 {
                items.push(Point {
                    offer: u32::try_from(index).unwrap_or(u32::MAX),
                    cost: offer.cost,
                    value,
                });
            }
        }
        if items.is_empty() {
            continue;
        }
        items.sort_by(|a, b| {
            a.cost
                .total_cmp(&b.cost)
                .then(b.value.total_cmp(&a.value))
                .then(a.offer.cmp(&b.offer))
        });
        let fits_alone = items
            .iter()
            .filter(|item| item.cost <= budget)
            .max_by(|a, b| a.value.total_cmp(&b.value).then(b.offer.cmp(&a.offer)))
            .copied();
        upper_hull(&items, &mut hull);
        let start = points.len();
        points.extend_from_slice(&hull);
        if let Some(fits) = fits_alone {
            if best_single.is_none_or(|(value, _, _)| fits.value > value) {
                // Its point: in the hull, or kept after it (outside every class's range).
                let index = match hull.iter().position(|p| p.offer == fits.offer) {
                    Some(position) => start.saturating_add(position),
                    None => {
                        points.push(fits);
                        points.len().saturating_sub(1)
                    }
                };
                best_single = Some((fits.value, classes.len(), index));
            }
        }
        classes.push(Class {
            row,
            group,
            band,
            start,
            len: hull.len(),
        });
    }

    // 2. The increments, most efficient first.
    let mut increments: Vec<Increment> = Vec::with_capacity(points.len());
    for (class_index, class) in classes.iter().enumerate() {
        let mut previous = (0.0, 0.0);
        let mut ceiling = f64::INFINITY;
        for step in 0..class.len {
            let Some(point) = points.get(class.start.saturating_add(step)) else {
                break;
            };
            let (delta_cost, delta_value) = (point.cost - previous.0, point.value - previous.1);
            let efficiency = if delta_cost > 0.0 {
                delta_value / delta_cost
            } else {
                f64::INFINITY
            };
            // Rounding must not reorder one customer's steps.
            ceiling = efficiency.min(ceiling);
            increments.push(Increment {
                efficiency: ceiling,
                class: u32::try_from(class_index).unwrap_or(u32::MAX),
                step: u32::try_from(step).unwrap_or(u32::MAX),
            });
            previous = (point.cost, point.value);
        }
    }
    increments.sort_unstable_by(|a, b| {
        b.efficiency
            .total_cmp(&a.efficiency)
            .then(a.class.cmp(&b.class))
            .then(a.step.cmp(&b.step))
    });

    // 3. The greedy: LP bound at the split, integer plan continued past it.
    let offer_costs: Vec<f64> = offers.iter().map(|o| o.cost).collect();
    let mut counts = vec![0u64; offers.len()];
    let spent_of = |counts: &[u64]| -> f64 {
        #[allow(clippy::cast_precision_loss)]
        counts
            .iter()
            .zip(&offer_costs)
            .map(|(&count, &cost)| count as f64 * cost)
            .sum()
    };
    let mut level = vec![0usize; classes.len()];
    let mut blocked = vec![false; classes.len()];
    let mut spent = 0.0;
    let mut prefix_value = 0.0;
    let mut lp_bound: Option<f64> = None;
    for increment in &increments {
        let class_index = usize::try_from(increment.class).unwrap_or(usize::MAX);
        let step = usize::try_from(increment.step).unwrap_or(usize::MAX);
        let (Some(class), Some(taken), Some(is_blocked)) = (
            classes.get(class_index),
            level.get_mut(class_index),
            blocked.get_mut(class_index),
        ) else {
            continue;
        };
        if *is_blocked || *taken != step {
            *is_blocked = true;
            continue;
        }
        let Some(point) = points.get(class.start.saturating_add(step)) else {
            continue;
        };
        let previous = step
            .checked_sub(1)
            .and_then(|s| points.get(class.start.saturating_add(s)))
            .copied();
        let new_offer = usize::try_from(point.offer).unwrap_or(usize::MAX);
        let old_offer = previous.map(|p| usize::try_from(p.offer).unwrap_or(usize::MAX));
        if let Some(count) = counts.get_mut(new_offer) {
            *count = count.saturating_add(1);
        }
        if let Some(count) = old_offer.and_then(|o| counts.get_mut(o)) {
            *count = count.saturating_sub(1);
        }
        let new_spent = spent_of(&counts);
        let delta_value = point.value - previous.map_or(0.0, |p| p.value);
        if new_spent <= budget {
            spent = new_spent;
            *taken = step.saturating_add(1);
            if lp_bound.is_none() {
                prefix_value += delta_value;
            }
        } else {
            // Undo, and block this customer's further steps.
            if let Some(count) = counts.get_mut(new_offer) {
                *count = count.saturating_sub(1);
            }
            if let Some(count) = old_offer.and_then(|o| counts.get_mut(o)) {
                *count = count.saturating_add(1);
            }
            *is_blocked = true;
            if lp_bound.is_none() {
                let delta_cost = point.cost - previous.map_or(0.0, |p| p.cost);
                let fraction = if delta_cost > 0.0 {
                    ((budget - spent) / delta_cost).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                lp_bound = Some(prefix_value + fraction * delta_value);
            }
        }
    }

    // 4. The plan: the greedy's, or the best single offer if that is worth more.
    let mut chosen: Vec<(usize, usize)> = classes
        .iter()
        .zip(&level)
        .enumerate()
        .filter(|(_, (_, taken))| **taken > 0)
        .map(|(class_index, (class, &taken))| {
            (
                class_index,
                class.start.saturating_add(taken.saturating_sub(1)),
            )
        })
        .collect();
    let greedy_value: f64 = chosen
        .iter()
        .filter_map(|&(_, point)| points.get(point).map(|p| p.value))
        .sum();
    if let Some((value, class_index, point)) = best_single {
        if value > greedy_value {
            chosen = vec![(class_index, point)];
        }
    }
    let mut assignments: Vec<Assignment> = Vec::with_capacity(chosen.len());
    let mut plan_counts = vec![0u64; offers.len()];
    for (class_index, point_index) in chosen {
        let (Some(class), Some(point)) = (classes.get(class_index), points.get(point_index)) else {
            continue;
        };
        let top = class
            .len
            .checked_sub(1)
            .and_then(|last| points.get(class.start.saturating_add(last)));
        let best = top.is_some_and(|top| top.value <= point.value);
        let offer = usize::try_from(point.offer).unwrap_or(usize::MAX);
        if let Some(count) = plan_counts.get_mut(offer) {
            *count = count.saturating_add(1);
        }
        assignments.push(Assignment {
            row: class.row,
            offer,
            expected_value: point.value,
            reason: Reason {
                group: class.group,
                band: class.band,
                choice: if best { Choice::Best } else { Choice::Cheaper },
            },
        });
    }
    assignments.sort_by(|a, b| {
        b.expected_value
            .total_cmp(&a.expected_value)
            .then(a.row.cmp(&b.row))
    });
    let expected_value: f64 = assignments.iter().map(|a| a.expected_value).sum();
    let optimal = lp_bound.is_none();
    // Without a split the greedy took everything: the bound is the plan. With one, the bound
    // is at least the plan (to rounding).
    let lp_bound = lp_bound.map_or(expected_value, |bound| bound.max(expected_value));
    Ok(Plan {
        assignments,
        expected_value,
        cost: spent_of(&plan_counts),
        lp_bound,
        optimal: optimal || lp_bound <= expected_value,
        eligible: classes.len(),
        capped,
    })
}

#[cfg(test)]
mod tests;
