//! `retention.Outcome` and its parts (`TraceEntry`, `Share`, `Hint`): everything an evaluation
//! decided (`retention_core::rules::outcome`), explained, applied to a card and account, or
//! refunded.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use retention_core::error::Code;
use retention_core::rules::{self, Outcome, Returns, RuleSet, Shortfall, Status};

use super::apply::settled;
use super::refund::PyRefund;
use crate::args::{arg, event_tuple, quoted};
use crate::card::PyPunchCard;
use crate::customer::PyCustomer;
use crate::errors::{ToPyErr, raise};
use crate::points::PyPointsAccount;
use crate::time::day;

/// Why a rule did or did not apply (one per rule, in evaluation order).
#[pyclass(name = "TraceEntry", module = "retention", frozen, get_all)]
pub(crate) struct PyTraceEntry {
    /// The rule's id.
    rule: u16,
    /// The rule's name.
    name: String,
    /// Its effect: `"points_per_amount"`, `"multiplier"`, `"bonus_points"`, `"percent_off"`,
    /// `"amount_off"`, `"free_item"`, `"stamps"` or `"reward"`.
    effect: &'static str,
    /// `"applied"`, `"capped"`, `"condition_failed"`, `"outside_validity"`,
    /// `"superseded_by"`, `"stopped_by"`, `"cap_reached"`, `"usage_limit_reached"` or
    /// `"nothing_eligible"`.
    status: &'static str,
    /// What it gave: points, minor units, stamps, or 1 for a reward.
    amount: u64,
    /// For `condition_failed`: the condition's position (0 first).
    condition: Option<u8>,
    /// For `condition_failed`: the condition's kind (`"basket_total"`, `"weekdays"`, ...).
    condition_kind: Option<&'static str>,
    /// For `superseded_by` and `stopped_by`: the other rule's id.
    by_rule: Option<u16>,
    /// For `usage_limit_reached`: the limit's period.
    period: Option<&'static str>,
    /// True when the rule applied (`applied` or `capped`).
    applied: bool,
}

#[pymethods]
impl PyTraceEntry {
    fn __repr__(&self) -> String {
        let detail = match (
            self.condition,
            self.condition_kind,
            self.by_rule,
            self.period,
        ) {
            (Some(position), Some(kind), _, _) => format!(", condition={position} ({kind})"),
            (_, _, Some(rule), _) => format!(", by_rule={rule}"),
            (_, _, _, Some(period)) => format!(", period={}", quoted(period)),
            _ => String::new(),
        };
        format!(
            "TraceEntry(rule={}, name={}, effect={}, status={}, amount={}{detail})",
            self.rule,
            quoted(&self.name),
            quoted(self.effect),
            quoted(self.status),
            self.amount
        )
    }
}

/// Attribution: what one rule gave one basket line.
#[pyclass(name = "Share", module = "retention", frozen, get_all)]
pub(crate) struct PyShare {
    /// The rule's id.
    rule: u16,
    /// The line's index in the basket.
    line: u8,
    /// `"points"`, `"discount"` (minor units) or `"stamps"`.
    kind: &'static str,
    /// The punch-card program, for stamps (0 otherwise).
    program: u16,
    /// The amount.
    amount: u64,
}

#[pymethods]
impl PyShare {
    fn __repr__(&self) -> String {
        format!(
            "Share(rule={}, line={}, kind={}, program={}, amount={})",
            self.rule,
            self.line,
            quoted(self.kind),
            self.program,
            self.amount
        )
    }
}

/// A nearest miss: the smallest basket change that makes a rule fire.
#[pyclass(name = "Hint", module = "retention", frozen, get_all)]
pub(crate) struct PyHint {
    /// The rule that would fire.
    rule: u16,
    /// The position of its failing threshold condition.
    condition: u8,
    /// Minor units more to spend, or None.
    spend: Option<i64>,
    /// Units more to add, or None.
    units: Option<u32>,
    /// The rule's effect.
    effect: &'static str,
    /// What it would give where that does not depend on the added items (0 otherwise).
    amount: u64,
}

#[pymethods]
impl PyHint {
    fn __repr__(&self) -> String {
        let change = match (self.spend, self.units) {
            (Some(spend), _) => format!("spend={spend}"),
            (_, Some(units)) => format!("units={units}"),
            _ => String::new(),
        };
        format!(
            "Hint(rule={}, {change}, effect={}, amount={})",
            self.rule,
            quoted(self.effect),
            self.amount
        )
    }
}

/// Everything an evaluation decided: totals, per-line attribution, a trace entry per rule,
/// hints and the updated customer record. Immutable.
#[pyclass(name = "Outcome", module = "retention", frozen)]
pub(crate) struct PyOutcome {
    pub(crate) outcome: Box<Outcome>,
    pub(crate) rules: Arc<RuleSet>,
}

#[pymethods]
impl PyOutcome {
    /// Points earned, all rules.
    #[getter]
    fn points(&self) -> u64 {
        self.outcome.points.0
    }

    /// Discount, all rules, in minor units.
    #[getter]
    fn discount(&self) -> i64 {
        self.outcome.discount.minor()
    }

    /// Stamps earned per punch-card program: `{program: stamps}`.
    #[getter]
    fn stamps<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for award in &self.outcome.stamps {
            dict.set_item(award.program.0, award.stamps)?;
        }
        Ok(dict)
    }

    /// Rewards granted, as `(rule, reward)` tuples.
    #[getter]
    fn rewards(&self) -> Vec<(u16, u32)> {
        self.outcome
            .rewards
            .iter()
            .map(|r| (r.rule, r.reward))
            .collect()
    }

    /// Free units given, as `(rule, line, units)` tuples.
    #[getter]
    fn free_items(&self) -> Vec<(u16, u8, u32)> {
        self.outcome
            .free_items
            .iter()
            .map(|f| (f.rule, f.line, f.units))
            .collect()
    }

    /// Per line, in basket order: `(quantity, discount)` (discount in minor units).
    #[getter]
    fn lines(&self) -> Vec<(u32, i64)> {
        self.outcome
            .lines
            .iter()
            .map(|l| (l.quantity, l.discount.minor()))
            .collect()
    }

    /// One entry per rule, in evaluation order.
    #[getter]
    fn trace(&self) -> Vec<PyTraceEntry> {
        self.outcome
            .trace
            .iter()
            .map(|entry| {
                let name = self
                    .rules
                    .rule(entry.rule)
                    .map_or_else(String::new, |rule| self.rules.rule_name(rule).to_string());
                let (condition, condition_kind) = match entry.status {
                    Status::ConditionFailed { condition, kind } => {
                        (Some(condition), Some(kind.name()))
                    }
                    _ => (None, None),
                };
                PyTraceEntry {
                    rule: entry.rule,
                    name,
                    effect: entry.effect.name(),
                    status: entry.status.name(),
                    amount: entry.amount,
                    condition,
                    condition_kind,
                    by_rule: match entry.status {
                        Status::SupersededBy { rule } | Status::StoppedBy { rule } => Some(rule),
                        _ => None,
                    },
                    period: match entry.status {
                        Status::UsageLimitReached { period } => Some(period.name()),
                        _ => None,
                    },
                    applied: entry.status.applied(),
                }
            })
            .collect()
    }

    /// Attribution: which rule gave which line what (what refunds claw back).
    #[getter]
    fn attribution(&self) -> Vec<PyShare> {
        self.outcome
            .shares
            .iter()
            .map(|share| PyShare {
                rule: share.rule,
                line: share.line,
                kind: share.kind.name(),
                program: share.program.0,
                amount: share.amount,
            })
            .collect()
    }

    /// Nearest misses, in rule order (at most 4).
    #[getter]
    fn hints(&self) -> Vec<PyHint> {
        self.outcome
            .hints
            .iter()
            .map(|hint| {
                let (spend, units) = match hint.shortfall {
                    Shortfall::Spend(amount) => (Some(amount.minor()), None),
                    Shortfall::Units(units) => (None, Some(units)),
                };
                PyHint {
                    rule: hint.rule,
                    condition: hint.condition,
                    spend,
                    units,
                    effect: hint.effect.name(),
                    amount: hint.amount,
                }
            })
            .collect()
    }

    /// The customer record after this sale (visit counted, usage counts updated): store it.
    #[getter]
    fn customer(&self) -> PyCustomer {
        PyCustomer {
            record: self.outcome.customer.clone(),
        }
    }

    /// The SHA-256 of the rule set that produced it.
    #[getter]
    fn rule_set_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.outcome.rule_set)
    }

    /// The sale's `(terminal, sequence)`.
    #[getter]
    fn event(&self) -> (u32, u32) {
        event_tuple(self.outcome.event)
    }

    /// The outcome in plain words (the receipt text the core writes): totals, each rule
    /// applied or why not, hints. Amounts with two decimals.
    fn explain(&self) -> String {
        rules::explain(&self.rules, &self.outcome)
    }

    /// Applies this sale to the customer's `card` (a `PunchCard`) and `account` (a
    /// `PointsAccount`) on `today` (a `datetime.date`, the terminal's local day): the account
    /// earns `points` (event id: the outcome's), the card gets the stamps for **its own
    /// program** (stamps for other programs are not for it: call once per card). Either may be
    /// `None`. Returns `(card, account)`, new objects (or `None` where none was given); both
    /// or neither: on any error nothing changed. Applying the same outcome again returns them
    /// unchanged. Raises `StateError` (daily stamp limit reached, card expired),
    /// `ValidationError`, `CapacityError` (more than 65,535 stamps; 8 terminals),
    /// `AmountOverflowError` (more than 16,777,215 points).
    #[pyo3(signature = (card=None, account=None, *, today))]
    fn apply(
        &self,
        card: Option<PyRef<'_, PyPunchCard>>,
        account: Option<PyRef<'_, PyPointsAccount>>,
        today: &Bound<'_, PyAny>,
    ) -> PyResult<(Option<PyPunchCard>, Option<PyPointsAccount>)> {
        let applied = self
            .outcome
            .apply(
                card.as_deref().map(|c| &c.card),
                account.as_deref().map(|a| &a.account),
                day(today, "today")?,
            )
            .map_err(ToPyErr::to_py)?;
        Ok(settled(applied))
    }

    /// As `apply`, except that a card whose daily stamp limit cannot take all of the sale's
    /// stamps for its program gets the stamps it still takes today, and the account every point,
    /// instead of the whole sale being refused. Returns `(card, account, refused_stamps)`:
    /// four coffees with a limit of 3 (none yet today) give 3 stamps, all the points and
    /// `refused_stamps` 1. A card that takes no stamp today comes back unchanged and does not
    /// remember the sale: apply a sale once, on its day. Raises as `apply`, but never for the
    /// daily limit.
    #[pyo3(signature = (card=None, account=None, *, today))]
    fn apply_within_daily_limit(
        &self,
        card: Option<PyRef<'_, PyPunchCard>>,
        account: Option<PyRef<'_, PyPointsAccount>>,
        today: &Bound<'_, PyAny>,
    ) -> PyResult<(Option<PyPunchCard>, Option<PyPointsAccount>, u16)> {
        let applied = self
            .outcome
            .apply_within_daily_limit(
                card.as_deref().map(|c| &c.card),
                account.as_deref().map(|a| &a.account),
                day(today, "today")?,
            )
            .map_err(ToPyErr::to_py)?;
        let refused = applied.refused_stamps;
        let (card, account) = settled(applied);
        Ok((card, account, refused))
    }

    /// What returning units claws back, from the attribution (no re-evaluation; thresholds
    /// are not re-tested). `returned[l]`: units of line `l` returned **in total** once this
    /// return is done; `before`: the `returned` of the previous refund (default: nothing
    /// returned yet). Raises `ValidationError` (more units than sold, more lines than the
    /// basket, `before` of another length).
    #[pyo3(signature = (returned, before=None))]
    fn refund(
        &self,
        #[pyo3(from_py_with = arg::returned)] returned: Vec<u32>,
        #[pyo3(from_py_with = arg::before)] before: Option<Vec<u32>>,
    ) -> PyResult<PyRefund> {
        let mut so_far = Returns::none(&self.outcome);
        if let Some(before) = before {
            so_far.units = heapless::Vec::from_slice(&before).map_err(|_| {
                raise(
                    Code::RULES_REFUND_LINE_COUNT_MISMATCH,
                    "before: more lines than a basket holds (32)",
                )
            })?;
        }
        let (clawback, after) =
            rules::refund(&self.outcome, &so_far, &returned).map_err(ToPyErr::to_py)?;
        Ok(PyRefund::new(clawback, &after))
    }

    fn __repr__(&self) -> String {
        let applied = self
            .outcome
            .trace
            .iter()
            .filter(|t| t.status.applied())
            .count();
        format!(
            "Outcome(points={}, discount={}, stamps={:?}, rewards={}, rules_applied={}/{}, hints={})",
            self.outcome.points.0,
            self.outcome.discount.minor(),
            self.outcome
                .stamps
                .iter()
                .map(|s| (s.program.0, s.stamps))
                .collect::<Vec<_>>(),
            self.outcome.rewards.len(),
            applied,
            self.outcome.trace.len(),
            self.outcome.hints.len()
        )
    }
}
