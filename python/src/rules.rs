//! `retention.RuleSet`, `Customer`, `Line`, `Outcome` and friends: loyalty rules from Python,
//! and the native half of back-testing (`retention.rules.backtest` converts the columns).

use std::sync::Arc;

use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use retention_core::customer::{Birthday, CustomerRecord, UsageCount, UsagePeriod};
use retention_core::error::{Code, Coded, TimeUse};
use retention_core::rules::backtest::{self, Backtest, Customers, History};
use retention_core::rules::{
    self, Applied, Clawback, Context, EffectKind, Line, LoadOptions, Outcome, Returns, RuleSet,
    Shortfall, Status,
};
use retention_core::time::{Day, Timestamp, UtcOffset};

use crate::args::{count, day, event_id, event_tuple, seal};
use crate::card::PyPunchCard;
use crate::customer_churn::{self, PyCustomerChurn};
use crate::errors::{ToPyErr, one_of, raise};
use crate::points::PyPointsAccount;

/// A compiled, validated loyalty rule set (`docs/rules.md` is the schema). Immutable.
///
/// Make one with `RuleSet.from_json(text)` / `RuleSet.from_toml(text)` (raise
/// `ValidationError` naming the rule and field, `CapacityError` over a capacity: 64 rules, 8
/// conditions per rule, 64 ids per list) or `RuleSet.from_bytes(blob)` (a compiled blob).
/// Amounts are integers in minor units (cents).
#[pyclass(name = "RuleSet", module = "retention", frozen)]
pub(crate) struct PyRuleSet {
    rules: Arc<RuleSet>,
}

/// One basket line: `sku`, `category`, `quantity` (units, at least 1) and `unit_price` (minor
/// units, not negative).
#[pyclass(name = "Line", module = "retention", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyLine {
    /// The item's SKU id.
    sku: u32,
    /// The item's category id.
    category: u32,
    /// Units.
    quantity: u32,
    /// Price of one unit, in minor units.
    unit_price: i64,
}

#[pymethods]
impl PyLine {
    #[new]
    #[pyo3(signature = (sku, category, quantity, unit_price))]
    fn new(sku: u32, category: u32, quantity: u32, unit_price: i64) -> PyLine {
        PyLine {
            sku,
            category,
            quantity,
            unit_price,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Line(sku={}, category={}, quantity={}, unit_price={})",
            self.sku, self.category, self.quantity, self.unit_price
        )
    }
}

/// The per-customer state the rules read and update: tier, segment flags (an int, bit n for
/// segment n), visits, the last visit day, the birthday (`(month, day)`), and the usage counts
/// of limited rules, and the churn summary (`CustomerChurn`) with the last sale counted into it.
/// Immutable; an evaluation's `Outcome.customer` is the updated record.
#[pyclass(name = "Customer", module = "retention", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyCustomer {
    pub(crate) record: CustomerRecord,
}

/// `text` as Python writes a `str` in a repr: single-quoted.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[pymethods]
impl PyCustomer {
    /// A customer record. `tier` 0..=255; `segments` a 32-bit mask; `visits` so far;
    /// `last_visit` a `datetime.date` or None; `birthday` a `(month, day)` tuple or None
    /// (29 February allowed); `usage`: `(counter, period, period_index, count)` tuples as
    /// `Customer.usage` gives them (at most 32); `churn`: a `CustomerChurn` (default: no
    /// purchases, grain `"D"`, matching the default churn model); `churn_event`: the last sale
    /// counted into it as `(terminal, sequence)`, or None. Raises `ValidationError` for values
    /// out of range, `CapacityError` for more than 32 usage counts.
    #[new]
    #[pyo3(signature = (tier=0, segments=0, visits=0, last_visit=None, birthday=None, usage=Vec::new(), churn=None, churn_event=None))]
    #[allow(clippy::too_many_arguments)] // The keyword arguments of the Python signature.
    fn new(
        tier: i64,
        segments: i64,
        visits: i64,
        last_visit: Option<&Bound<'_, PyAny>>,
        birthday: Option<(u8, u8)>,
        usage: Vec<(u16, String, i32, u16)>,
        churn: Option<PyRef<'_, PyCustomerChurn>>,
        churn_event: Option<(u32, u32)>,
    ) -> PyResult<PyCustomer> {
        let mut record = CustomerRecord::new();
        if let Some(churn) = churn {
            record.churn = churn.summary;
        }
        record.churn_event = churn_event.map(event_id);
        record.tier = count(tier, "tier", 255)?;
        record.segments = count(segments, "segments", u64::from(u32::MAX))?;
        record.visits = count(visits, "visits", u64::from(u32::MAX))?;
        record.last_visit = last_visit.map(|d| day(d).map(Day::number)).transpose()?;
        record.birthday = birthday
            .map(|(month, day)| Birthday::new(month, day))
            .transpose()
            .map_err(|error| {
                raise(
                    TimeUse::Birthday.refuse(error).code(),
                    format!("birthday: {error}"),
                )
            })?;
        for (counter, period, index, count) in usage {
            let period = usage_period(&period)?;
            let entry = UsageCount {
                counter,
                period,
                index,
                count,
            };
            record.usage.push(entry).map_err(|_| {
                raise(
                    Code::RULES_USAGE_COUNTS_FULL,
                    format!(
                        "at most {} usage counts per customer",
                        retention_core::customer::MAX_USAGE_COUNTS
                    ),
                )
            })?;
        }
        record.validate().map_err(ToPyErr::to_py)?;
        Ok(PyCustomer { record })
    }

    /// The tier, 0 (none) upward.
    #[getter]
    fn tier(&self) -> u8 {
        self.record.tier
    }

    /// Segment flags: bit n set when the customer is in segment n.
    #[getter]
    fn segments(&self) -> u32 {
        self.record.segments
    }

    /// Visits so far (local days with a purchase).
    #[getter]
    fn visits(&self) -> u32 {
        self.record.visits
    }

    /// The last visit's local day, or None.
    #[getter]
    fn last_visit(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let last = self.record.last_visit_day().map_err(ToPyErr::to_py)?;
        crate::args::optional_date(py, last)
    }

    /// The birthday as `(month, day)`, or None.
    #[getter]
    fn birthday(&self) -> Option<(u8, u8)> {
        self.record.birthday.map(|b| (b.month(), b.day()))
    }

    /// Usage counts as `(counter, period, period_index, count)` tuples; `period` is `"day"`,
    /// `"week"`, `"month"`, `"year"`, `"lifetime"` or `"campaign"`.
    #[getter]
    fn usage(&self) -> Vec<(u16, &'static str, i32, u16)> {
        self.record
            .usage
            .iter()
            .map(|u| (u.counter, u.period.name(), u.index, u.count))
            .collect()
    }

    /// The churn summary the churn model scores (updated by every evaluated sale).
    #[getter]
    fn churn(&self) -> PyCustomerChurn {
        PyCustomerChurn {
            summary: self.record.churn,
        }
    }

    /// The last sale counted into the churn summary as `(terminal, sequence)`, or None: a
    /// replay of it (or of an earlier event of its terminal) is not counted again.
    #[getter]
    fn churn_event(&self) -> Option<(u32, u32)> {
        self.record.churn_event.map(event_tuple)
    }

    /// The record's tagged blob (at most `CUSTOMER_MAX_LEN`, 464 bytes), bound to
    /// `customer_id`. Raises `ValidationError` for a key under 16 bytes or an id over 64.
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        key: &[u8],
        customer_id: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let seal = seal(key, customer_id)?;
        let mut out = [0u8; retention_core::customer::CUSTOMER_MAX_LEN];
        let used = self.record.encode(seal, &mut out).map_err(ToPyErr::to_py)?;
        Ok(PyBytes::new(py, out.get(..used).unwrap_or(&[])))
    }

    /// Reads a customer-record blob, verifying its tag with `key` and `customer_id`. Raises
    /// `DecodeError` (corrupt, truncated, another kind), `AuthenticationError` (wrong key or
    /// another customer's record), `CapacityError` (over 32 usage counters).
    #[staticmethod]
    fn from_bytes(data: &[u8], key: &[u8], customer_id: &[u8]) -> PyResult<PyCustomer> {
        let record =
            CustomerRecord::decode(data, seal(key, customer_id)?).map_err(ToPyErr::to_py)?;
        Ok(PyCustomer { record })
    }

    fn __repr__(&self) -> String {
        let last = self
            .record
            .last_visit_day()
            .ok()
            .flatten()
            .map_or_else(|| "None".to_string(), |d| format!("'{}'", d.date()));
        let birthday = self.record.birthday.map_or_else(
            || "None".to_string(),
            |b| format!("({}, {})", b.month(), b.day()),
        );
        format!(
            "Customer(tier={}, segments={:#x}, visits={}, last_visit={last}, birthday={birthday}, usage={}{})",
            self.record.tier,
            self.record.segments,
            self.record.visits,
            self.record.usage.len(),
            if self.record.churn.has_purchases() {
                format!(", churn={}", self.churn().__repr__())
            } else {
                String::new()
            }
        )
    }
}

/// The usage period named `name` (the core's names: `"day"`, `"week"`, ...).
fn usage_period(name: &str) -> PyResult<UsagePeriod> {
    UsagePeriod::from_name(name).ok_or_else(|| {
        let names = UsagePeriod::ALL.map(|period| period.name().to_string());
        raise(
            Code::INVALID_ARGUMENT,
            format!("usage period `{name}`: expected {}", one_of(names)),
        )
    })
}

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
}

#[pymethods]
impl PyTraceEntry {
    /// True when the rule applied (`applied` or `capped`).
    #[getter]
    fn applied(&self) -> bool {
        matches!(self.status, "applied" | "capped")
    }

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

/// What a return claws back (from `Outcome.refund`).
#[pyclass(name = "Refund", module = "retention", frozen)]
pub(crate) struct PyRefund {
    /// Points to take back, all rules.
    #[pyo3(get)]
    points: u64,
    /// Points to take back per rule id.
    #[pyo3(get)]
    points_by_rule: Vec<(u16, u64)>,
    /// Stamps to take back per program.
    #[pyo3(get)]
    stamps: Vec<(u16, u64)>,
    /// The discount the returned units had, in minor units.
    #[pyo3(get)]
    discount: i64,
    /// Units returned per line once this return is done (pass as `before` next time).
    #[pyo3(get)]
    returned: Vec<u32>,
    /// The core clawback, for `apply`.
    clawback: Box<Clawback>,
}

#[pymethods]
impl PyRefund {
    /// Applies this return, made as event `refund` (a `(terminal, sequence)` tuple), to the
    /// customer's `card` and `account` on `today` (a `datetime.date`, the terminal's local
    /// day): the account gets a clawback of `points` (pending first, then available; what is
    /// missing becomes `debt`), the card a void of the stamps for its own program (stamps
    /// already redeemed leave it owing them: `owed_stamps`). Either may be `None`. Returns
    /// `(card, account)`, new objects (or `None` where none was given); both or neither: on
    /// any error nothing changed. Applying the same refund again returns them unchanged.
    /// Raises `StateError` (a sale the card or account never saw), `ValidationError`,
    /// `CapacityError` (more than 65,535 stamps for the card; 8 terminals),
    /// `AmountOverflowError`.
    #[pyo3(signature = (refund, card=None, account=None, *, today))]
    fn apply(
        &self,
        refund: (u32, u32),
        card: Option<PyRef<'_, PyPunchCard>>,
        account: Option<PyRef<'_, PyPointsAccount>>,
        today: &Bound<'_, PyAny>,
    ) -> PyResult<(Option<PyPunchCard>, Option<PyPointsAccount>)> {
        let applied = self
            .clawback
            .apply(
                event_id(refund),
                card.as_deref().map(|c| &c.card),
                account.as_deref().map(|a| &a.account),
                day(today)?,
            )
            .map_err(ToPyErr::to_py)?;
        Ok(settled(applied))
    }

    fn __repr__(&self) -> String {
        format!(
            "Refund(points={}, points_by_rule={:?}, stamps={:?}, discount={}, returned={:?})",
            self.points, self.points_by_rule, self.stamps, self.discount, self.returned
        )
    }
}

/// The new card and account of an `apply`, as Python objects.
fn settled(applied: Applied) -> (Option<PyPunchCard>, Option<PyPointsAccount>) {
    (
        applied.card.map(|card| PyPunchCard { card }),
        applied.account.map(|account| PyPointsAccount { account }),
    )
}

/// Everything an evaluation decided: totals, per-line attribution, a trace entry per rule,
/// hints and the updated customer record. Immutable.
#[pyclass(name = "Outcome", module = "retention", frozen)]
pub(crate) struct PyOutcome {
    outcome: Box<Outcome>,
    rules: Arc<RuleSet>,
}

fn effect_name(kind: EffectKind) -> &'static str {
    kind.name()
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
                let mut trace = PyTraceEntry {
                    rule: entry.rule,
                    name,
                    effect: effect_name(entry.effect),
                    status: "applied",
                    amount: entry.amount,
                    condition: None,
                    condition_kind: None,
                    by_rule: None,
                    period: None,
                };
                trace.status = match entry.status {
                    Status::Applied => "applied",
                    Status::Capped => "capped",
                    Status::ConditionFailed { condition, kind } => {
                        trace.condition = Some(condition);
                        trace.condition_kind = Some(kind.name());
                        "condition_failed"
                    }
                    Status::OutsideValidity => "outside_validity",
                    Status::SupersededBy { rule } => {
                        trace.by_rule = Some(rule);
                        "superseded_by"
                    }
                    Status::StoppedBy { rule } => {
                        trace.by_rule = Some(rule);
                        "stopped_by"
                    }
                    Status::CapReached => "cap_reached",
                    Status::UsageLimitReached { period } => {
                        trace.period = Some(period.name());
                        "usage_limit_reached"
                    }
                    Status::NothingEligible => "nothing_eligible",
                };
                trace
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
                kind: match share.kind {
                    rules::ShareKind::Points => "points",
                    rules::ShareKind::Discount => "discount",
                    rules::ShareKind::Stamps => "stamps",
                },
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
                    effect: effect_name(hint.effect),
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
                day(today)?,
            )
            .map_err(ToPyErr::to_py)?;
        Ok(settled(applied))
    }

    /// What returning units claws back, from the attribution (no re-evaluation; thresholds
    /// are not re-tested). `returned[l]`: units of line `l` returned **in total** once this
    /// return is done; `before`: the `returned` of the previous refund (default: nothing
    /// returned yet). Raises `ValidationError` (more units than sold, more lines than the
    /// basket, `before` of another length).
    #[pyo3(signature = (returned, before=None))]
    fn refund(&self, returned: Vec<u32>, before: Option<Vec<u32>>) -> PyResult<PyRefund> {
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
        Ok(PyRefund {
            points: clawback.points.0,
            points_by_rule: clawback
                .points_by_rule
                .iter()
                .map(|r| (r.rule, r.points.0))
                .collect(),
            stamps: clawback
                .stamps
                .iter()
                .map(|s| (s.program.0, s.stamps))
                .collect(),
            discount: clawback.discount.minor(),
            returned: after.units.to_vec(),
            clawback: Box::new(clawback),
        })
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

/// A basket line from a `Line`, a `(sku, category, quantity, unit_price)` tuple, or a dict
/// with those keys (`sku` and `category` default to 0, `quantity` to 1).
fn line_of(item: &Bound<'_, PyAny>) -> PyResult<Line> {
    if let Ok(line) = item.cast::<PyLine>() {
        let line = line.get();
        return Ok(Line::new(
            line.sku,
            line.category,
            line.quantity,
            line.unit_price,
        ));
    }
    if let Ok(tuple) = item.cast::<PyTuple>() {
        let (sku, category, quantity, unit_price): (u32, u32, u32, i64) = tuple.extract()?;
        return Ok(Line::new(sku, category, quantity, unit_price));
    }
    if let Ok(dict) = item.cast::<PyDict>() {
        let get = |key: &str| dict.get_item(key);
        let unit_price: i64 = get("unit_price")?
            .ok_or_else(|| raise(Code::INVALID_ARGUMENT, "a basket line needs `unit_price`"))?
            .extract()?;
        let number = |key: &str, default: u32| -> PyResult<u32> {
            get(key)?.map_or(Ok(default), |v| v.extract())
        };
        for key in dict.keys() {
            let key: String = key.extract()?;
            if !matches!(key.as_str(), "sku" | "category" | "quantity" | "unit_price") {
                return Err(raise(
                    Code::INVALID_ARGUMENT,
                    format!(
                        "unknown basket line key `{key}`: expected sku, category, quantity, unit_price"
                    ),
                ));
            }
        }
        return Ok(Line::new(
            number("sku", 0)?,
            number("category", 0)?,
            number("quantity", 1)?,
            unit_price,
        ));
    }
    Err(PyTypeError::new_err(format!(
        "a basket line is a retention.Line, a (sku, category, quantity, unit_price) tuple or a \
         dict, not {}",
        item.get_type().name()?
    )))
}

/// `at` as Unix seconds and a UTC offset: an aware `datetime` (its own offset), or an int of
/// Unix seconds with `utc_offset_minutes`.
pub(crate) fn instant(
    at: &Bound<'_, PyAny>,
    utc_offset_minutes: Option<i16>,
) -> PyResult<(Timestamp, UtcOffset)> {
    let offset_of = |minutes: i16| {
        UtcOffset::from_minutes(minutes)
            .map_err(|error| raise(error.code(), format!("utc_offset_minutes: {error}")))
    };
    if let Ok(seconds) = at.extract::<i64>() {
        return Ok((
            Timestamp::from_unix(seconds),
            offset_of(utc_offset_minutes.unwrap_or(0))?,
        ));
    }
    if at.hasattr("utcoffset")? && at.hasattr("timestamp")? {
        if utc_offset_minutes.is_some() {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "utc_offset_minutes goes with a Unix timestamp; an aware datetime has its own offset",
            ));
        }
        let delta = at.call_method0("utcoffset")?;
        if delta.is_none() {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "a naive datetime is ambiguous: give it a tzinfo, or pass Unix seconds and \
                 utc_offset_minutes",
            ));
        }
        let days: i64 = delta.getattr("days")?.extract()?;
        let seconds: i64 = delta.getattr("seconds")?.extract()?;
        let micros: i64 = delta.getattr("microseconds")?.extract()?;
        let total = days.saturating_mul(86_400).saturating_add(seconds);
        if micros != 0 || total % 60 != 0 {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "the UTC offset must be whole minutes",
            ));
        }
        let minutes = i16::try_from(total / 60)
            .map_err(|_| raise(Code::INVALID_ARGUMENT, "UTC offset out of range"))?;
        // Whole seconds since the epoch, sub-seconds dropped.
        let utc = at.call_method0("utctimetuple")?;
        let unix: i64 = at
            .py()
            .import("calendar")?
            .call_method1("timegm", (utc,))?
            .extract()?;
        return Ok((Timestamp::from_unix(unix), offset_of(minutes)?));
    }
    Err(PyTypeError::new_err(format!(
        "`at` is an aware datetime or Unix seconds (int), not {}",
        at.get_type().name()?
    )))
}

#[pymethods]
impl PyRuleSet {
    /// Compiles a JSON rule-set document. Raises `ValidationError` (with `rule_id`,
    /// `rule_name` and `field` attributes; the message names them and says what is allowed)
    /// or `CapacityError`.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<PyRuleSet> {
        let rules = RuleSet::from_json(text).map_err(ToPyErr::to_py)?;
        Ok(PyRuleSet {
            rules: Arc::new(rules),
        })
    }

    /// Compiles a TOML rule-set document (same schema, errors as `from_json`).
    #[staticmethod]
    fn from_toml(text: &str) -> PyResult<PyRuleSet> {
        let rules = RuleSet::from_toml(text).map_err(ToPyErr::to_py)?;
        Ok(PyRuleSet {
            rules: Arc::new(rules),
        })
    }

    /// Loads a compiled rule-set blob. `public_key`: the operator's 32-byte Ed25519 public key
    /// (then only sets signed with it load); `min_serial`: older sets are refused. Raises
    /// `DecodeError` (corrupt, truncated, not a rule set), `AuthenticationError` (unsigned when
    /// a key is given, or a bad signature), `StateError` (serial below `min_serial`),
    /// `ValidationError` (a key that is not 32 bytes or not a valid point).
    #[staticmethod]
    #[pyo3(signature = (data, public_key=None, min_serial=0))]
    fn from_bytes(data: &[u8], public_key: Option<&[u8]>, min_serial: u32) -> PyResult<PyRuleSet> {
        let mut options = LoadOptions::new().min_serial(min_serial);
        if let Some(key) = public_key {
            let key: [u8; rules::PUBLIC_KEY_LEN] = key.try_into().map_err(|_| {
                raise(
                    Code::RULES_BAD_PUBLIC_KEY,
                    format!(
                        "public_key must be {} bytes, got {}",
                        rules::PUBLIC_KEY_LEN,
                        key.len()
                    ),
                )
            })?;
            options = options.public_key(key);
        }
        let rules = RuleSet::load(data, &options).map_err(ToPyErr::to_py)?;
        Ok(PyRuleSet {
            rules: Arc::new(rules),
        })
    }

    /// The compiled blob (at most `RULE_SET_MAX_LEN`, 13 119 bytes), signed with the 32-byte
    /// Ed25519 secret key `signing_key` if given (the hash does not change). Raises
    /// `ValidationError` for a key that is not 32 bytes.
    #[pyo3(signature = (signing_key=None))]
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        signing_key: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = vec![0u8; rules::RULE_SET_MAX_LEN];
        let used = match signing_key {
            None => self.rules.encode(&mut out),
            Some(key) => self.rules.encode_signed(secret_key(key)?, &mut out),
        }
        .map_err(ToPyErr::to_py)?;
        Ok(PyBytes::new(py, out.get(..used).unwrap_or(&[])))
    }

    /// The Ed25519 public key of a 32-byte secret key, for `from_bytes(public_key=...)`.
    /// Raises `ValidationError` for a key that is not 32 bytes.
    #[staticmethod]
    fn public_key_of<'py>(py: Python<'py>, signing_key: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(
            py,
            &RuleSet::public_key_of(secret_key(signing_key)?),
        ))
    }

    /// The rule set's identity: the SHA-256 of its compiled content (32 bytes).
    #[getter]
    fn hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.rules.hash())
    }

    /// The program's version number.
    #[getter]
    fn serial(&self) -> u32 {
        self.rules.serial()
    }

    /// The rule set's name.
    #[getter]
    fn name(&self) -> &str {
        self.rules.name()
    }

    /// The rules as `(id, name)` tuples, in evaluation order (discounts first, by priority).
    #[getter]
    fn rules(&self) -> Vec<(u16, String)> {
        self.rules
            .rules()
            .iter()
            .map(|rule| (rule.id, self.rules.rule_name(rule).to_string()))
            .collect()
    }

    /// Evaluates a basket for `customer` (default: a new customer) at `at`.
    ///
    /// `basket`: up to 32 lines, each a `Line`, a `(sku, category, quantity, unit_price)`
    /// tuple or a dict with those keys (prices in minor units). `at`: an aware `datetime` (its
    /// offset is the terminal's), or Unix seconds (int) with `utc_offset_minutes` (default 0).
    /// `coupons`: up to 8 coupon ids; `event`: the sale's `(terminal, sequence)`; `churn_risk`:
    /// 0..=1000 or None; or `churn_model`: a `ChurnModel` that scores the customer's churn
    /// summary on the sale's local day, as a till does (no purchases yet: unknown). The sale is
    /// counted into the updated record's churn summary once per `event`. Raises
    /// `ValidationError` (a negative price, quantity 0, a naive datetime, a value out of range,
    /// both `churn_risk` and `churn_model`, a summary of another grain than the model's),
    /// `CapacityError` (more than 32 lines or 8 coupons, an outcome capacity),
    /// `AmountOverflowError`, `ConvergenceError` (the model's series did not converge).
    #[pyo3(signature = (basket, customer=None, at=None, *, utc_offset_minutes=None, store=0, channel=0, coupons=Vec::new(), event=(0, 0), churn_risk=None, churn_model=None))]
    #[allow(clippy::too_many_arguments)] // The keyword arguments of the Python signature.
    fn evaluate(
        &self,
        basket: &Bound<'_, PyAny>,
        customer: Option<&PyCustomer>,
        at: Option<&Bound<'_, PyAny>>,
        utc_offset_minutes: Option<i16>,
        store: u32,
        channel: u8,
        coupons: Vec<u32>,
        event: (u32, u32),
        churn_risk: Option<u16>,
        churn_model: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        let mut lines = Vec::new();
        for item in basket.try_iter()? {
            lines.push(line_of(&item?)?);
        }
        let Some(at) = at else {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "`at` is required: an aware datetime, or Unix seconds with utc_offset_minutes",
            ));
        };
        let (now, offset) = instant(at, utc_offset_minutes)?;
        let new_customer = CustomerRecord::new();
        let record = customer.map_or(&new_customer, |c| &c.record);
        let churn_risk = match (churn_model, churn_risk) {
            (None, risk) => risk,
            (Some(_), Some(_)) => {
                return Err(raise(
                    Code::INVALID_ARGUMENT,
                    "give churn_risk or churn_model, not both",
                ));
            }
            (Some(model), None) => {
                let today = now
                    .local(offset)
                    .map(|local| local.day())
                    .map_err(ToPyErr::to_py)?;
                customer_churn::model_of(model)?
                    .risk_of(&record.churn, today)
                    .map_err(ToPyErr::to_py)?
            }
        };
        let context = Context {
            now,
            offset,
            store,
            channel,
            coupons: heapless::Vec::from_slice(&coupons).map_err(|_| {
                raise(
                    Code::RULES_TOO_MANY_COUPONS,
                    format!("at most {} coupons per sale", rules::MAX_COUPONS),
                )
            })?,
            event: event_id(event),
            churn_risk,
        };
        let mut outcome = Box::new(Outcome::new());
        rules::evaluate(&self.rules, &lines, record, &context, &mut outcome)
            .map_err(ToPyErr::to_py)?;
        Ok(PyOutcome {
            outcome,
            rules: Arc::clone(&self.rules),
        })
    }

    /// Back-tests the rule set over a history of sales: `retention.rules.backtest` documents
    /// the columns, units, options and result.
    #[pyo3(signature = (transactions, customers=None, **options))]
    fn backtest<'py>(
        slf: &Bound<'py, Self>,
        transactions: &Bound<'py, PyAny>,
        customers: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let module = slf.py().import("retention.rules")?;
        module
            .getattr("backtest")?
            .call((slf, transactions, customers), options)
    }

    fn __repr__(&self) -> String {
        let hash: String = self
            .rules
            .hash()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            "RuleSet(name={}, serial={}, rules={}, hash='{hash}…')",
            quoted(self.rules.name()),
            self.rules.serial(),
            self.rules.rules().len()
        )
    }
}

/// A 32-byte Ed25519 secret key, or a `ValidationError`.
fn secret_key(key: &[u8]) -> PyResult<&[u8; 32]> {
    key.try_into().map_err(|_| {
        raise(
            Code::INVALID_ARGUMENT,
            format!("signing_key must be 32 bytes, got {}", key.len()),
        )
    })
}

/// The native back-test over prepared columns (`retention.rules.backtest` prepares them).
/// Columns are contiguous NumPy arrays of one length; optional ones may be empty; with
/// `churn_model` each basket's churn risk comes from the customer's carried record. Releases the
/// GIL while it runs; `progress(done, total)` is called with the GIL every 16 384 baskets.
#[pyfunction]
#[pyo3(signature = (rule_set, customer, basket, time, sku, category, quantity, unit_price, store, channel, coupon, churn_risk, utc_offset_minutes, tier, segments, birthday_month, birthday_day, segment, segment_count, skip_invalid, progress=None, churn_model=None))]
#[allow(clippy::too_many_arguments, clippy::too_many_lines)] // One array per column.
fn _backtest<'py>(
    py: Python<'py>,
    rule_set: &PyRuleSet,
    customer: PyReadonlyArray1<'py, u32>,
    basket: PyReadonlyArray1<'py, u64>,
    time: PyReadonlyArray1<'py, i64>,
    sku: PyReadonlyArray1<'py, u32>,
    category: PyReadonlyArray1<'py, u32>,
    quantity: PyReadonlyArray1<'py, u32>,
    unit_price: PyReadonlyArray1<'py, i64>,
    store: PyReadonlyArray1<'py, u32>,
    channel: PyReadonlyArray1<'py, u8>,
    coupon: PyReadonlyArray1<'py, u32>,
    churn_risk: PyReadonlyArray1<'py, i32>,
    utc_offset_minutes: i16,
    tier: PyReadonlyArray1<'py, u8>,
    segments: PyReadonlyArray1<'py, u32>,
    birthday_month: PyReadonlyArray1<'py, u8>,
    birthday_day: PyReadonlyArray1<'py, u8>,
    segment: PyReadonlyArray1<'py, u32>,
    segment_count: u32,
    skip_invalid: bool,
    progress: Option<Py<PyAny>>,
    churn_model: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    macro_rules! contiguous {
        ($array:ident) => {
            $array.as_slice().map_err(|_| {
                raise(
                    Code::INVALID_ARGUMENT,
                    concat!("column `", stringify!($array), "` is not contiguous"),
                )
            })?
        };
    }
    let offset = UtcOffset::from_minutes(utc_offset_minutes)
        .map_err(|error| raise(error.code(), format!("utc_offset_minutes: {error}")))?;
    let history = History {
        customer: contiguous!(customer),
        basket: contiguous!(basket),
        time: contiguous!(time),
        sku: contiguous!(sku),
        category: contiguous!(category),
        quantity: contiguous!(quantity),
        unit_price: contiguous!(unit_price),
        store: contiguous!(store),
        channel: contiguous!(channel),
        coupon: contiguous!(coupon),
        churn_risk: contiguous!(churn_risk),
        churn_model: churn_model.map(customer_churn::model_of).transpose()?,
        offset,
    };
    let (tier, segments, birthday_month, birthday_day, segment) = (
        contiguous!(tier),
        contiguous!(segments),
        contiguous!(birthday_month),
        contiguous!(birthday_day),
        contiguous!(segment),
    );
    let mut records = Vec::with_capacity(tier.len());
    for (index, &tier) in tier.iter().enumerate() {
        let mut record = CustomerRecord::new();
        record.tier = tier;
        record.segments = segments.get(index).copied().unwrap_or(0);
        let month = birthday_month.get(index).copied().unwrap_or(0);
        let day = birthday_day.get(index).copied().unwrap_or(0);
        if month != 0 {
            record.birthday = Some(Birthday::new(month, day).map_err(|error| {
                raise(
                    TimeUse::Birthday.refuse(error).code(),
                    format!("customer {index}: birthday: {error}"),
                )
            })?);
        }
        records.push(record);
    }
    let customers = Customers {
        records,
        segment: segment.to_vec(),
        segment_count,
    };
    let rules = Arc::clone(&rule_set.rules);
    let mut callback_error: Option<PyErr> = None;
    let result: Result<Backtest, backtest::BacktestError> = py.detach(|| {
        let mut report = |done: u64, total: u64| -> bool {
            Python::attach(|py| {
                if let Err(error) = py.check_signals() {
                    callback_error = Some(error);
                    return false;
                }
                if let Some(progress) = &progress {
                    if let Err(error) = progress.call1(py, (done, total)) {
                        callback_error = Some(error);
                        return false;
                    }
                }
                true
            })
        };
        if skip_invalid {
            backtest::backtest_skipping_invalid(&rules, &history, &customers, &mut report)
        } else {
            backtest::backtest(&rules, &history, &customers, &mut report)
        }
    });
    if let Some(error) = callback_error {
        return Err(error);
    }
    let result = result.map_err(ToPyErr::to_py)?;
    let out = PyDict::new(py);
    out.set_item("baskets", result.baskets)?;
    out.set_item("skipped", result.skipped)?;
    out.set_item(
        "first_skipped",
        result
            .first_skipped
            .map(|(row, error)| (row, error.to_string())),
    )?;
    let names: Vec<String> = rules
        .rules()
        .iter()
        .map(|rule| rules.rule_name(rule).to_string())
        .collect();
    let rule_columns = |totals: &[backtest::RuleTotals]| -> PyResult<Bound<'py, PyDict>> {
        let columns = PyDict::new(py);
        let counts = |f: fn(&backtest::RuleTotals) -> u64| totals.iter().map(f).collect::<Vec<_>>();
        columns.set_item("rule", totals.iter().map(|t| t.rule).collect::<Vec<_>>())?;
        columns.set_item("applied", counts(|t| t.applied))?;
        columns.set_item("customers", counts(|t| t.customers))?;
        columns.set_item("points", counts(|t| t.points))?;
        columns.set_item(
            "discount",
            totals
                .iter()
                .map(|t| t.discount.minor())
                .collect::<Vec<_>>(),
        )?;
        columns.set_item("stamps", counts(|t| t.stamps))?;
        columns.set_item("rewards", counts(|t| t.rewards))?;
        Ok(columns)
    };
    let by_rule = rule_columns(&result.by_rule)?;
    by_rule.set_item("name", names)?;
    out.set_item("by_rule", by_rule)?;
    let by_rule_segment = rule_columns(&result.by_rule_segment)?;
    let per_rule = usize::try_from(segment_count.max(1)).unwrap_or(1);
    by_rule_segment.set_item(
        "segment",
        (0..result.by_rule_segment.len())
            .map(|i| i % per_rule)
            .collect::<Vec<_>>(),
    )?;
    out.set_item("by_rule_segment", by_rule_segment)?;
    let by_segment = PyDict::new(py);
    let s = &result.by_segment;
    by_segment.set_item("segment", s.iter().map(|t| t.segment).collect::<Vec<_>>())?;
    by_segment.set_item(
        "customers",
        s.iter().map(|t| t.customers).collect::<Vec<_>>(),
    )?;
    by_segment.set_item("baskets", s.iter().map(|t| t.baskets).collect::<Vec<_>>())?;
    by_segment.set_item(
        "spend",
        s.iter().map(|t| t.spend.minor()).collect::<Vec<_>>(),
    )?;
    by_segment.set_item("points", s.iter().map(|t| t.points).collect::<Vec<_>>())?;
    by_segment.set_item(
        "discount",
        s.iter().map(|t| t.discount.minor()).collect::<Vec<_>>(),
    )?;
    by_segment.set_item("stamps", s.iter().map(|t| t.stamps).collect::<Vec<_>>())?;
    by_segment.set_item("rewards", s.iter().map(|t| t.rewards).collect::<Vec<_>>())?;
    out.set_item("by_segment", by_segment)?;
    out.set_item(
        "tiers",
        result
            .records
            .iter()
            .map(|r| u32::from(r.tier))
            .collect::<Vec<_>>(),
    )?;
    out.set_item(
        "visits",
        result.records.iter().map(|r| r.visits).collect::<Vec<_>>(),
    )?;
    Ok(out)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRuleSet>()?;
    m.add_class::<PyLine>()?;
    m.add_class::<PyCustomer>()?;
    m.add_class::<PyOutcome>()?;
    m.add_class::<PyTraceEntry>()?;
    m.add_class::<PyShare>()?;
    m.add_class::<PyHint>()?;
    m.add_class::<PyRefund>()?;
    m.add_function(wrap_pyfunction!(_backtest, m)?)?;
    m.add("RULE_SET_MAX_LEN", rules::RULE_SET_MAX_LEN)?;
    m.add(
        "CUSTOMER_MAX_LEN",
        retention_core::customer::CUSTOMER_MAX_LEN,
    )?;
    m.add("RULES_MAX_RULES", rules::MAX_RULES)?;
    m.add("RULES_MAX_LINES", rules::MAX_LINES)?;
    m.add("RULES_MAX_COUPONS", rules::MAX_COUPONS)?;
    Ok(())
}
