//! Shared fixtures for the criterion benchmarks in `benches/benches/`. Run them with
//! `cargo bench -p retention-benches`; figures are ns per operation on the machine that runs
//! them, and every comparison is made against a baseline measured in the same run.

use retention_core::card;

/// A 32-byte key, as a terminal would hold.
pub const KEY: [u8; 32] = [0x5a; 32];

/// A card-sized payload: a punch card's header and 8 terminal entries, 126 bytes
/// (`card::MAX_PAYLOAD_LEN`), the payload of the largest card.
#[must_use]
pub fn card_sized_payload() -> [u8; card::MAX_PAYLOAD_LEN] {
    let mut payload = [0u8; card::MAX_PAYLOAD_LEN];
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte = u8::try_from(i % 251).unwrap_or(0);
    }
    payload
}

pub mod rules {
    //! Fixtures of the rules benchmark: the coffee-chain program, a 20-line basket, a 64-rule
    //! set, and a hand-written function computing the coffee program's outcome — the limit the
    //! engine is measured against.

    use retention_core::card::ProgramId;
    use retention_core::churn::summary::PurchaseError;
    use retention_core::customer::{CustomerRecord, UsagePeriod};
    use retention_core::money::{Money, allocate_largest_remainder};
    use retention_core::points::Points;
    use retention_core::rules::{
        ConditionKind, Context, EffectKind, EvalError, FreeItem, Line, LineResult, Outcome,
        RuleSet, Share, ShareKind, StampAward, Status, TraceEntry,
    };
    use retention_core::time::Weekday;

    /// The shipped coffee-chain program.
    #[must_use]
    pub fn coffee() -> RuleSet {
        RuleSet::from_json(include_str!("../../examples/programs/coffee.json"))
            .expect("the shipped program compiles")
    }

    /// A 20-line till basket: coffees, teas, pastries, a gift card.
    #[must_use]
    pub fn basket() -> Vec<Line> {
        basket_of(20)
    }

    /// A till basket of `lines` lines (at most 32): coffees, teas and pastries, the last one a
    /// gift card. Its first lines are the same for every length.
    #[must_use]
    pub fn basket_of(lines: u32) -> Vec<Line> {
        (0..lines)
            .map(|i| {
                let category = [1, 2, 3, 1, 3][(i % 5) as usize];
                let category = if i + 1 == lines { 90 } else { category };
                Line::new(1000 + i, category, 1 + i % 3, 150 + 37 * i64::from(i))
            })
            .collect()
    }

    /// A 64-rule program: base points, category bonuses behind thresholds, coupon-gated
    /// discounts, tier- and segment-gated offers — most of which do not apply to a given basket,
    /// as in a real program.
    #[must_use]
    pub fn sixty_four() -> RuleSet {
        let mut rules = vec![
            r#"{"id": 1, "name": "base", "priority": 1, "effect": {"points_per_amount": {"points": 1, "per": 100}}}"#
                .to_string(),
        ];
        for id in 2..=64u32 {
            let category = id % 5 + 1;
            let rule = match id % 4 {
                0 => format!(
                    r#"{{"id": {id}, "name": "bonus {id}", "priority": {id}, "when": [{{"amount": {{"items": {{"categories": [{category}]}}, "at_least": {}}}}}], "effect": {{"bonus_points": {{"points": {id}, "items": {{"categories": [{category}]}}}}}}}}"#,
                    300 * id
                ),
                1 => format!(
                    r#"{{"id": {id}, "name": "coupon {id}", "priority": {id}, "when": [{{"coupon": {id}}}], "effect": {{"percent_off": {{"basis_points": 500, "items": {{"skus": [{}, {}, {}]}}}}}}}}"#,
                    1000 + id % 20,
                    1001 + id % 20,
                    1002 + id % 20
                ),
                2 => format!(
                    r#"{{"id": {id}, "name": "tier {id}", "priority": {id}, "when": [{{"tier_at_least": {}}}, {{"weekdays": ["sat", "sun"]}}], "effect": {{"multiplier": {{"permille": 1500, "items": {{"categories": [{category}]}}}}}}}}"#,
                    id % 3 + 1
                ),
                _ => format!(
                    r#"{{"id": {id}, "name": "segment {id}", "priority": {id}, "when": [{{"segments_any": [{}]}}, {{"basket_total": {{"at_least": 5000}}}}], "effect": {{"bonus_points": {{"points": 25}}}}, "limits": [{{"per": "week", "max": 1}}]}}"#,
                    id % 32
                ),
            };
            rules.push(rule);
        }
        RuleSet::from_json(&format!(
            r#"{{"name": "sixty-four", "serial": 1, "points_basis": "net", "non_earning": {{"categories": [90]}}, "rules": [{}]}}"#,
            rules.join(",")
        ))
        .expect("the 64-rule program compiles")
    }

    const GIFT_CARDS: u32 = 90;
    const COFFEE: u32 = 1;
    const TEA: u32 = 2;

    fn status(entry: &mut TraceEntry, status: Status, amount: u64) {
        entry.status = status;
        entry.amount = amount;
    }

    /// The coffee program's outcome, written by hand for exactly that program: rule 3 (birthday
    /// free drink), rule 1 (1 point per 1.00 net), rule 2 (double points Tuesday 14–17), rule 4
    /// (a stamp per coffee, once a day). It produces the engine's outcome field for field
    /// (checked by `hand_written_matches_engine`).
    pub fn hand_written_coffee(
        hash: &[u8; 32],
        basket: &[Line],
        customer: &CustomerRecord,
        context: &Context,
        out: &mut Outcome,
    ) -> Result<(), EvalError> {
        out.clear();
        let local = context.now.local(context.offset).map_err(EvalError::Time)?;
        let day = local.day();
        out.rule_set = *hash;
        out.event = context.event;
        out.customer.clone_from(customer);
        let mut net = [0i64; 32];
        for (index, line) in basket.iter().enumerate() {
            let amount = line.unit_price.checked_mul(i64::from(line.quantity))?;
            net[index] = amount.minor();
            out.lines
                .push(LineResult {
                    quantity: line.quantity,
                    discount: Money::ZERO,
                })
                .map_err(|_| EvalError::TooManyLines)?;
        }
        for (rule, effect) in [
            (3, EffectKind::FreeItem),
            (1, EffectKind::PointsPerAmount),
            (2, EffectKind::Multiplier),
            (4, EffectKind::Stamps),
        ] {
            let _ = out.trace.push(TraceEntry {
                rule,
                effect,
                status: Status::NothingEligible,
                amount: 0,
            });
        }
        let n = basket.len();
        // Rule 3: the cheapest drink free within 3 days of the birthday, once a year.
        let birthday = match customer.birthday {
            Some(b) => {
                day.days_to_anniversary(b.month(), b.day())
                    .map_err(EvalError::Time)?
                    .unsigned_abs()
                    <= 3
            }
            None => false,
        };
        let year = day.date().year();
        if !birthday {
            status(
                &mut out.trace[0],
                Status::ConditionFailed {
                    condition: 0,
                    kind: ConditionKind::Birthday,
                },
                0,
            );
        } else if out.customer.usage_count(3, UsagePeriod::Year, year) >= 1 {
            status(
                &mut out.trace[0],
                Status::UsageLimitReached {
                    period: UsagePeriod::Year,
                },
                0,
            );
        } else {
            let cheapest = basket
                .iter()
                .enumerate()
                .filter(|(i, l)| (l.category == COFFEE || l.category == TEA) && net[*i] > 0)
                .min_by_key(|(i, l)| (l.unit_price, *i));
            if let Some((index, line)) = cheapest {
                let value = line.unit_price.minor().min(net[index]);
                net[index] -= value;
                out.discount = Money::from_minor(value);
                out.lines[index].discount = Money::from_minor(value);
                let line = u8::try_from(index).map_err(|_| EvalError::TooManyLines)?;
                let _ = out.free_items.push(FreeItem {
                    rule: 3,
                    line,
                    units: 1,
                });
                let _ = out.shares.push(Share {
                    rule: 3,
                    line,
                    kind: ShareKind::Discount,
                    program: ProgramId(0),
                    amount: u64::try_from(value).unwrap_or(0),
                });
                status(
                    &mut out.trace[0],
                    Status::Applied,
                    u64::try_from(value).unwrap_or(0),
                );
                out.customer.record_use(3, UsagePeriod::Year, year)?;
            }
        }
        // Rule 1: 1 point per 1.00 of net earning amounts, floor, by largest remainder.
        let mut weights = [0u64; 32];
        for (index, line) in basket.iter().enumerate() {
            if line.category != GIFT_CARDS {
                weights[index] = u64::try_from(net[index]).unwrap_or(0);
            }
        }
        let eligible: u64 = weights[..n].iter().sum();
        let base = eligible / 100;
        let mut shares = [0u64; 32];
        if base > 0 {
            allocate_largest_remainder(base, &weights[..n], &mut shares[..n])?;
            push_points(out, 1, &shares[..n])?;
            status(&mut out.trace[1], Status::Applied, base);
        }
        // Rule 2: Tuesday 14:00-17:00 doubles the base (the whole basket's, recomputed: the same).
        let minute = local.minute_of_day();
        if local.weekday() != Weekday::Tuesday {
            status(
                &mut out.trace[2],
                Status::ConditionFailed {
                    condition: 0,
                    kind: ConditionKind::Weekdays,
                },
                0,
            );
        } else if !(14 * 60..17 * 60).contains(&minute) {
            status(
                &mut out.trace[2],
                Status::ConditionFailed {
                    condition: 1,
                    kind: ConditionKind::TimeOfDay,
                },
                0,
            );
        } else if base > 0 {
            push_points(out, 2, &shares[..n])?;
            status(&mut out.trace[2], Status::Applied, base);
        }
        // Rule 4: a stamp per coffee, on one visit a day.
        let today = day.number();
        if out.customer.usage_count(4, UsagePeriod::Day, today) >= 1 {
            status(
                &mut out.trace[3],
                Status::UsageLimitReached {
                    period: UsagePeriod::Day,
                },
                0,
            );
        } else {
            let mut stamps = 0u64;
            for (index, line) in basket.iter().enumerate() {
                if line.category == COFFEE {
                    stamps += u64::from(line.quantity);
                    let _ = out.shares.push(Share {
                        rule: 4,
                        line: u8::try_from(index).map_err(|_| EvalError::TooManyLines)?,
                        kind: ShareKind::Stamps,
                        program: ProgramId(1),
                        amount: u64::from(line.quantity),
                    });
                }
            }
            if stamps > 0 {
                let _ = out.stamps.push(StampAward {
                    program: ProgramId(1),
                    stamps,
                });
                status(&mut out.trace[3], Status::Applied, stamps);
                out.customer.record_use(4, UsagePeriod::Day, today)?;
            }
        }
        let same_day = customer.last_visit == Some(today);
        out.customer.visits = if same_day {
            customer.visits.max(1)
        } else {
            customer.visits + 1
        };
        out.customer.last_visit = Some(customer.last_visit.map_or(today, |last| last.max(today)));
        // The sale into the churn summary: the net spend, once per event id.
        let spend = Money::from_minor(net[..basket.len()].iter().sum());
        match out.customer.record_sale(context.event, day, spend) {
            Ok(_) => Ok(()),
            Err(PurchaseError::Overflow) => Err(EvalError::Overflow),
            Err(_) => Err(EvalError::Internal),
        }
    }

    fn push_points(out: &mut Outcome, rule: u16, shares: &[u64]) -> Result<(), EvalError> {
        for (index, &amount) in shares.iter().enumerate() {
            if amount > 0 {
                out.points = out.points.checked_add(Points(amount))?;
                out.shares
                    .push(Share {
                        rule,
                        line: u8::try_from(index).map_err(|_| EvalError::TooManyLines)?,
                        kind: ShareKind::Points,
                        program: ProgramId(0),
                        amount,
                    })
                    .map_err(|_| {
                        EvalError::Capacity(retention_core::rules::OutcomeCapacity::Shares)
                    })?;
            }
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use retention_core::customer::Birthday;
        use retention_core::rules::evaluate;
        use retention_core::terminal::EventId;
        use retention_core::time::{Timestamp, UtcOffset};

        #[test]
        fn hand_written_matches_engine() {
            let rules = coffee();
            let tuesday_afternoon = 1_709_651_400; // 2024-03-05T15:10Z
            let mut baskets = vec![
                basket(),
                basket()[..5].to_vec(),
                vec![Line::new(1, 90, 1, 2_000)],
                vec![],
            ];
            baskets.push(vec![
                Line::new(1, 2, 1, 280),
                Line::new(2, 2, 3, 199),
                Line::new(3, 1, 1, 350),
            ]);
            let mut customers = vec![CustomerRecord::new()];
            let mut regular = CustomerRecord {
                visits: 12,
                last_visit: Some(19_787),
                ..CustomerRecord::new()
            };
            regular.birthday = Some(Birthday::new(3, 7).unwrap());
            customers.push(regular.clone());
            regular.record_use(4, UsagePeriod::Day, 19_787).unwrap();
            regular.record_use(3, UsagePeriod::Year, 2024).unwrap();
            customers.push(regular);
            customers.push(CustomerRecord {
                birthday: Some(Birthday::new(3, 4).unwrap()),
                last_visit: Some(19_700),
                visits: 3,
                ..CustomerRecord::new()
            });
            for now in [
                tuesday_afternoon,
                tuesday_afternoon - 4 * 3600,
                tuesday_afternoon + 86_400,
                tuesday_afternoon + 2 * 3600,
            ] {
                for offset in [0, 60, -300] {
                    let context = Context {
                        now: Timestamp::from_unix(now),
                        offset: UtcOffset::from_minutes(offset).unwrap(),
                        event: EventId::new(4, 2),
                        ..Context::default()
                    };
                    for basket in &baskets {
                        for customer in &customers {
                            let mut engine = Box::new(Outcome::new());
                            let mut hand = Box::new(Outcome::new());
                            evaluate(&rules, basket, customer, &context, &mut engine).unwrap();
                            hand_written_coffee(
                                rules.hash(),
                                basket,
                                customer,
                                &context,
                                &mut hand,
                            )
                            .unwrap();
                            assert_eq!(
                                hand, engine,
                                "now {now} offset {offset} basket {basket:?} customer {customer:?}"
                            );
                        }
                    }
                }
            }
        }

        #[test]
        fn sixty_four_rules_fit() {
            let rules = sixty_four();
            assert_eq!(rules.rules().len(), 64);
            let mut outcome = Box::new(Outcome::new());
            let context = Context {
                now: Timestamp::from_unix(1_709_651_400),
                event: EventId::new(1, 1),
                ..Context::default()
            };
            evaluate(
                &rules,
                &basket(),
                &CustomerRecord::new(),
                &context,
                &mut outcome,
            )
            .unwrap();
            assert_eq!(outcome.trace.len(), 64);
            assert!(outcome.points.0 > 0);
        }
    }
}
