//! The compiler: a document into a [`RuleSet`], building the shared pools (ids, selectors,
//! conditions, names) and checking capacities and the whole set as it goes.

use std::string::{String, ToString};
use std::vec::Vec;

use crate::bounded::Bounded;
use crate::card::ProgramId;
use crate::rules::condition::Condition;
use crate::rules::effect::Effect;
use crate::rules::limits::{
    MAX_CONDITIONS, MAX_CONDITIONS_PER_RULE, MAX_GROUPS, MAX_IDS, MAX_LIMITS_PER_RULE,
    MAX_LIST_LEN, MAX_NAME_LEN, MAX_PROGRAMS, MAX_RULES, MAX_SELECTORS, MAX_TEXT_LEN,
};
use crate::rules::rule_set::{
    Group, GroupMode, Inconsistent, Rule, RuleSet, RuleSetData, StampProgram, UsageLimit,
};
use crate::rules::selector::Selector;
use crate::rules::span::Span;

use super::doc::{ItemsDoc, RuleDoc, RuleSetDoc};
use super::error::{AuthoringError, AuthoringErrorKind, RuleRef};

mod fields;

use fields::condition_name;

impl RuleSetDoc {
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
        let pin = doc
            .churn_model
            .as_deref()
            .map(|hex| {
                model_pin_of(hex).ok_or_else(|| {
                    self.invalid(
                        "churn_model",
                        "the churn model's hash is 64 hexadecimal digits (ChurnModel.hash)",
                    )
                })
            })
            .transpose()?;
        let rule_set = RuleSet::from_data(data).map_err(|error| {
            self.invalid(
                "",
                match error {
                    Inconsistent::OverCapacity => "a capacity is exceeded",
                    Inconsistent::OutOfRange => {
                        "the compiled rule set is inconsistent (a bug in the SDK)"
                    }
                },
            )
        })?;
        rule_set.with_model_pin(pin).map_err(|_| {
            self.invalid(
                "",
                "the compiled rule set is inconsistent (a bug in the SDK)",
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
}

/// The 32 bytes of a model hash written as 64 hexadecimal digits (either case).
fn model_pin_of(hex: &str) -> Option<[u8; 32]> {
    let digits = hex.as_bytes();
    if digits.len() != 64 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut pin = [0u8; 32];
    for (byte, pair) in pin.iter_mut().zip(digits.chunks_exact(2)) {
        let text = core::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(pin)
}
