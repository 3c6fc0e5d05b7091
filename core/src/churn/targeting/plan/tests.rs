use proptest::prelude::*;

use super::*;

fn day(number: i32) -> Day {
    Day::from_number(number).unwrap()
}

fn settings(budget: f64) -> PlanSettings {
    PlanSettings {
        budget,
        today: day(100),
        max_contacts: 1,
        window_days: 30,
        thresholds: RiskThresholds::DEFAULT,
    }
}

fn flat(name: &str, cost: f64, uplift: f64) -> PlanOffer<'_> {
    PlanOffer {
        name,
        cost,
        uplift: Uplift::Flat(uplift),
        eligible: Eligibility::ALL,
    }
}

/// Offers A (cost 10, uplift 0.2) and B (cost 30, uplift 0.4); three customers with
/// P(alive) 0.5 and CLV 400, 200, 100, so 200, 100 and 50 at stake:
///
/// | customer | A = 0.2 · stake − 10 | B = 0.4 · stake − 30 |
/// | --- | --- | --- |
/// | 0 | 30 | 50 |
/// | 1 | 10 | 10 (no better than A for 3× the cost: dominated) |
/// | 2 | 0 (not worth sending) | −10 |
///
/// Hulls: customer 0 steps (10, 30) at efficiency 3 then (20, 20) at 1; customer 1 one step
/// (10, 10) at 1. Order: 0's first step, then the ties at 1 by customer: 0's second, 1's.
fn example() -> (Vec<f64>, Vec<f64>, [PlanOffer<'static>; 2]) {
    (
        vec![0.5, 0.5, 0.5],
        vec![400.0, 200.0, 100.0],
        [flat("A", 10.0, 0.2), flat("B", 30.0, 0.4)],
    )
}

#[test]
fn a_binding_budget_by_hand() {
    let (p_alive, clv, offers) = example();
    let customers = PlanCustomers {
        p_alive: &p_alive,
        clv: &clv,
        ..PlanCustomers::default()
    };
    // Budget 25: 0's first step (spent 10, value 30); 0's second needs 20 more, only 15 left:
    // the split, LP bound 30 + 15/20 · 20 = 45; 1's step fits (spent 20, value 40).
    let planned = plan(&customers, &offers, &settings(25.0)).unwrap();
    let lines: Vec<(usize, usize, f64, Choice)> = planned
        .assignments
        .iter()
        .map(|a| (a.row, a.offer, a.expected_value, a.reason.choice))
        .collect();
    assert_eq!(
        lines,
        vec![(0, 0, 30.0, Choice::Cheaper), (1, 0, 10.0, Choice::Best)]
    );
    assert_eq!(planned.expected_value, 40.0);
    assert_eq!(planned.cost, 20.0);
    assert_eq!(planned.lp_bound, 45.0);
    assert_eq!(planned.gap(), 5.0);
    assert!(!planned.optimal);
    assert_eq!((planned.eligible, planned.capped), (2, 0));
    // P(alive) 0.5 is risk 500: the high band (default thresholds 250, 500, 750).
    assert_eq!(planned.assignments[0].reason.band, RiskBand::High);
    assert_eq!(planned.assignments[0].reason.group, None);

    // Budget 40: everything fits, each customer gets their best offer: 50 + 10, optimal.
    let planned = plan(&customers, &offers, &settings(40.0)).unwrap();
    let lines: Vec<(usize, usize)> = planned
        .assignments
        .iter()
        .map(|a| (a.row, a.offer))
        .collect();
    assert_eq!(lines, vec![(0, 1), (1, 0)]);
    assert_eq!(
        (planned.expected_value, planned.cost, planned.lp_bound),
        (60.0, 40.0, 60.0)
    );
    assert!(planned.optimal);

    // Budget 5: nothing fits; the LP bound is half of 0's first step: 15.
    let planned = plan(&customers, &offers, &settings(5.0)).unwrap();
    assert!(planned.assignments.is_empty());
    assert_eq!((planned.expected_value, planned.lp_bound), (0.0, 15.0));
}

#[test]
fn the_best_single_offer_when_the_greedy_falls_short() {
    // Customer 0: offer A (cost 1) worth 2, efficiency 2. Customer 1: offer B (cost 10) worth
    // 10, efficiency 1. Budget 10: the greedy takes A (spent 1), then B does not fit (split;
    // LP bound 2 + 9/10 · 10 = 11); the plan is worth 2 — B alone is worth 10.
    // A: uplift 0.3 of stake 10 − 1 = 2; B: uplift 0.5 of stake 40 − 10 = 10.
    let offers = [
        PlanOffer {
            name: "A",
            cost: 1.0,
            uplift: Uplift::ByGroup([0.3, 0.0, 0.0, 0.0]),
            eligible: Eligibility::ALL,
        },
        PlanOffer {
            name: "B",
            cost: 10.0,
            uplift: Uplift::ByGroup([0.0, 0.5, 0.0, 0.0]),
            eligible: Eligibility::ALL,
        },
    ];
    let group = [Some(FeedbackGroup::Detractor), Some(FeedbackGroup::Passive)];
    let customers = PlanCustomers {
        p_alive: &[0.5, 0.5],
        clv: &[20.0, 80.0],
        group: &group,
        ..PlanCustomers::default()
    };
    let planned = plan(&customers, &offers, &settings(10.0)).unwrap();
    let lines: Vec<(usize, usize)> = planned
        .assignments
        .iter()
        .map(|a| (a.row, a.offer))
        .collect();
    assert_eq!(lines, vec![(1, 1)]);
    assert!((planned.expected_value - 10.0).abs() < 1e-12);
    assert!((planned.lp_bound - 11.0).abs() < 1e-12);
    assert_eq!(
        planned.assignments[0].reason.group,
        Some(FeedbackGroup::Passive)
    );
}

#[test]
fn eligibility_and_uplift_by_group_and_band() {
    // One offer only for detractors, worth 0.5 · stake − 1; P(alive) 0.2 (risk 800,
    // critical) and CLV 10: stake 8, value 3.
    let eligible = Eligibility::by_names("recovery", Some(&["detractor"]), None).unwrap();
    let offers = [PlanOffer {
        name: "recovery",
        cost: 1.0,
        uplift: Uplift::by_names("recovery", &[("detractor", 0.5), ("promoter", 0.1)]).unwrap(),
        eligible,
    }];
    let group = [
        Some(FeedbackGroup::Detractor),
        Some(FeedbackGroup::Promoter),
        None,
    ];
    let customers = PlanCustomers {
        p_alive: &[0.2, 0.2, 0.2],
        clv: &[10.0, 10.0, 10.0],
        group: &group,
        ..PlanCustomers::default()
    };
    let planned = plan(&customers, &offers, &settings(100.0)).unwrap();
    assert_eq!(planned.assignments.len(), 1);
    assert_eq!(planned.assignments[0].row, 0);
    assert!((planned.assignments[0].expected_value - 3.0).abs() < 1e-12);
    assert_eq!(planned.assignments[0].reason.band, RiskBand::Critical);

    // By band: 0.4 for critical only; a low-risk customer (P(alive) 0.9, risk 100) gets 0.
    let by_band = Uplift::by_names("x", &[("critical", 0.4)]).unwrap();
    assert_eq!(by_band, Uplift::ByBand([0.0, 0.0, 0.0, 0.4]));
    assert_eq!(by_band.of(0, RiskBand::Critical), 0.4);
    assert_eq!(by_band.of(0, RiskBand::Low), 0.0);
    let only_high = Eligibility::by_names("x", None, Some(&["high", "critical"])).unwrap();
    assert!(only_high.allows(3, RiskBand::High));
    assert!(!only_high.allows(3, RiskBand::Medium));

    // Unknown names, and a mix of groups and bands, name the offer and the field.
    let unknown = Uplift::by_names("x", &[("detractor", 0.1), ("high", 0.2)]).unwrap_err();
    assert_eq!(
        unknown,
        PlanError::UnknownName {
            offer: Some("x".into()),
            field: "uplift",
            name: "high".into()
        }
    );
    let unknown = Eligibility::by_names("x", Some(&["angry"]), None).unwrap_err();
    assert!(unknown.to_string().contains("eligible_groups"), "{unknown}");
    assert!(unknown.to_string().contains("\"angry\""), "{unknown}");
    assert!(Eligibility::by_names("x", None, Some(&["extreme"])).is_err());
    assert_eq!(Uplift::by_names("x", &[]).unwrap(), Uplift::Flat(0.0));
    assert_eq!(feedback_from_name(NO_FEEDBACK), Some(None));
    assert_eq!(feedback_name(None), NO_FEEDBACK);
}

#[test]
fn the_contact_cap() {
    // Today is day 100, window 30 days: a contact on day 71..=100 is in it.
    let offers = [flat("A", 1.0, 0.5)];
    let last = [Some(80), Some(70), Some(71), None];
    let customers = PlanCustomers {
        p_alive: &[0.5; 4],
        clv: &[100.0; 4],
        last_contact_day: &last,
        ..PlanCustomers::default()
    };
    // At most 1 contact: the customers contacted on 80 and 71 already had theirs.
    let planned = plan(&customers, &offers, &settings(100.0)).unwrap();
    let mut rows: Vec<usize> = planned.assignments.iter().map(|a| a.row).collect();
    rows.sort_unstable();
    assert_eq!(rows, vec![1, 3]);
    assert_eq!(planned.capped, 2);
    // At most 2, with counts: customer 0 had 1 in the window, customer 2 had 2.
    let counts = [1, 0, 2, 0];
    let counted = PlanCustomers {
        contacts_in_window: &counts,
        ..customers
    };
    let two = PlanSettings {
        max_contacts: 2,
        ..settings(100.0)
    };
    let planned = plan(&counted, &offers, &two).unwrap();
    let mut rows: Vec<usize> = planned.assignments.iter().map(|a| a.row).collect();
    rows.sort_unstable();
    assert_eq!(rows, vec![0, 1, 3]);
    // Impossible histories.
    let contradicting = PlanCustomers {
        contacts_in_window: &[0, 0, 2, 0],
        ..customers
    };
    assert_eq!(
        plan(&contradicting, &offers, &two),
        Err(PlanError::InvalidContact {
            row: 0,
            problem: ContactProblem::ContactNotCounted
        })
    );
    let counted_without = PlanCustomers {
        contacts_in_window: &[1, 1, 2, 0],
        ..customers
    };
    assert_eq!(
        plan(&counted_without, &offers, &two),
        Err(PlanError::InvalidContact {
            row: 1,
            problem: ContactProblem::CountWithoutContact
        })
    );
    let future = PlanCustomers {
        last_contact_day: &[Some(101), None, None, None],
        ..customers
    };
    assert_eq!(
        plan(&future, &offers, &settings(1.0)),
        Err(PlanError::InvalidContact {
            row: 0,
            problem: ContactProblem::InTheFuture
        })
    );
    let ancient = PlanCustomers {
        last_contact_day: &[Some(i32::MIN), None, None, None],
        ..customers
    };
    assert!(matches!(
        plan(&ancient, &offers, &settings(1.0)),
        Err(PlanError::InvalidContact {
            problem: ContactProblem::OutOfRange,
            ..
        })
    ));
    // No contact allowed at all.
    let none = PlanSettings {
        max_contacts: 0,
        ..settings(100.0)
    };
    assert_eq!(plan(&customers, &offers, &none).unwrap().capped, 4);
}

#[test]
fn bad_input_names_the_field() {
    let customers = PlanCustomers {
        p_alive: &[0.5, 0.5],
        clv: &[10.0, 10.0],
        ..PlanCustomers::default()
    };
    let good = [flat("A", 1.0, 0.5)];
    let error =
        |offers: &[PlanOffer<'_>], customers: &PlanCustomers<'_>, settings: PlanSettings| {
            plan(customers, offers, &settings).unwrap_err()
        };
    assert_eq!(
        error(&[flat("A", -1.0, 0.5)], &customers, settings(1.0)),
        PlanError::InvalidOffer {
            offer: "A".into(),
            field: "cost"
        }
    );
    assert_eq!(
        error(&[flat("A", f64::NAN, 0.5)], &customers, settings(1.0)),
        PlanError::InvalidOffer {
            offer: "A".into(),
            field: "cost"
        }
    );
    for uplift in [1.5, -0.1, f64::NAN] {
        assert_eq!(
            error(&[flat("A", 1.0, uplift)], &customers, settings(1.0)),
            PlanError::InvalidOffer {
                offer: "A".into(),
                field: "uplift"
            }
        );
    }
    let by_group = PlanOffer {
        uplift: Uplift::ByGroup([0.1, 0.2, 1.2, 0.0]),
        ..good[0]
    };
    assert!(
        error(&[by_group], &customers, settings(1.0))
            .to_string()
            .contains("uplift")
    );
    assert_eq!(
        error(
            &[flat("A", 1.0, 0.1), flat("A", 2.0, 0.1)],
            &customers,
            settings(1.0)
        ),
        PlanError::InvalidOffer {
            offer: "A".into(),
            field: "name"
        }
    );
    for budget in [-1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            error(&good, &customers, settings(budget)),
            PlanError::InvalidLimits { field: "budget" }
        );
    }
    let no_window = PlanSettings {
        window_days: 0,
        ..settings(1.0)
    };
    assert_eq!(
        error(&good, &customers, no_window),
        PlanError::InvalidLimits {
            field: "window_days"
        }
    );
    let bad_p = PlanCustomers {
        p_alive: &[0.5, f64::NAN],
        ..customers
    };
    assert_eq!(
        error(&good, &bad_p, settings(1.0)),
        PlanError::InvalidRow {
            row: 1,
            field: "p_alive"
        }
    );
    let bad_clv = PlanCustomers {
        clv: &[-1.0, 1.0],
        ..customers
    };
    assert_eq!(
        error(&good, &bad_clv, settings(1.0)),
        PlanError::InvalidRow {
            row: 0,
            field: "clv"
        }
    );
    let twice = PlanCustomers {
        ids: &[7, 7],
        ..customers
    };
    assert_eq!(
        error(&good, &twice, settings(1.0)),
        PlanError::InvalidRow {
            row: 1,
            field: "customer"
        }
    );
    let short = PlanCustomers {
        clv: &[1.0],
        ..customers
    };
    assert_eq!(
        error(&good, &short, settings(1.0)),
        PlanError::LengthMismatch { column: "clv" }
    );
    let short_group = PlanCustomers {
        group: &[None],
        ..customers
    };
    assert_eq!(
        error(&good, &short_group, settings(1.0)),
        PlanError::LengthMismatch { column: "group" }
    );
}

#[test]
fn reasons() {
    for code in 0..Reason::COUNT {
        let reason = Reason::from_code(code).unwrap();
        assert_eq!(reason.code(), code);
    }
    assert_eq!(Reason::from_code(Reason::COUNT), None);
    let reason = Reason {
        group: Some(FeedbackGroup::Detractor),
        band: RiskBand::High,
        choice: Choice::Best,
    };
    assert_eq!(reason.to_string(), "detractor, high churn risk: best offer");
    // 8 · 0 + 2 · 2 + 0.
    assert_eq!(reason.code(), 4);
    let reason = Reason {
        group: None,
        band: RiskBand::Low,
        choice: Choice::Cheaper,
    };
    assert_eq!(
        reason.to_string(),
        "no feedback, low churn risk: cheaper offer (budget)"
    );
    assert_eq!(reason.code(), 25);
}

/// A small random instance: customers (P(alive), CLV, feedback slot, last contact) and
/// offers (whole costs, uplift by group, eligible groups), a whole budget and a cap.
#[derive(Clone, Debug)]
struct Instance {
    p_alive: Vec<f64>,
    clv: Vec<f64>,
    group: Vec<Option<FeedbackGroup>>,
    last_contact: Vec<Option<i32>>,
    costs: Vec<f64>,
    uplifts: Vec<[f64; GROUP_SLOTS]>,
    eligible: Vec<[bool; GROUP_SLOTS]>,
    budget: f64,
    max_contacts: u32,
}

fn instance() -> impl Strategy<Value = Instance> {
    (1usize..=6, 1usize..=3).prop_flat_map(|(n, m)| {
        (
            prop::collection::vec(0.0f64..=1.0, n),
            prop::collection::vec(0.0f64..300.0, n),
            prop::collection::vec(prop::option::of(0u8..3), n),
            prop::collection::vec(prop::option::of(40i32..=100), n),
            prop::collection::vec(0u32..=20, m),
            prop::collection::vec(prop::array::uniform4(0.0f64..=1.0), m),
            prop::collection::vec(prop::array::uniform4(prop::bool::weighted(0.8)), m),
            0u32..=60,
            1u32..=2,
        )
            .prop_map(
                |(p_alive, clv, group, last_contact, costs, uplifts, eligible, budget, cap)| {
                    Instance {
                        p_alive,
                        clv,
                        group: group
                            .into_iter()
                            .map(|g| g.and_then(FeedbackGroup::from_code))
                            .collect(),
                        last_contact,
                        costs: costs.into_iter().map(f64::from).collect(),
                        uplifts,
                        eligible,
                        budget: f64::from(budget),
                        max_contacts: cap,
                    }
                },
            )
    })
}

/// The oracle: every assignment of at most one offer per customer, by brute force. The value
/// of an offer is computed here from its definition; a customer contacted in the last 30 days
/// (day 71 or later, today 100) has used one contact.
/// Returns (the best value within the budget, the value when every customer takes their best
/// offer, that plan's cost, the largest single offer value).
fn brute_force(instance: &Instance) -> (f64, f64, f64, f64) {
    let n = instance.p_alive.len();
    let m = instance.costs.len();
    let mut options: Vec<Vec<(f64, f64)>> = Vec::new();
    for i in 0..n {
        let used = u32::from(instance.last_contact[i].is_some_and(|d| d >= 71));
        let mut mine = vec![(0.0, 0.0)];
        if used < instance.max_contacts {
            let slot = instance.group[i].map_or(3, |g| usize::from(g.code()));
            for j in 0..m {
                if !instance.eligible[j][slot] {
                    continue;
                }
                let stake = (1.0 - instance.p_alive[i]) * instance.clv[i];
                let value = instance.uplifts[j][slot] * stake - instance.costs[j];
                if value > 0.0 {
                    mine.push((instance.costs[j], value));
                }
            }
        }
        options.push(mine);
    }
    let largest = options
        .iter()
        .flatten()
        .map(|&(_, v)| v)
        .fold(0.0, f64::max);
    let unconstrained: Vec<(f64, f64)> = options
        .iter()
        .map(|mine| {
            *mine
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.total_cmp(&a.0)))
                .unwrap()
        })
        .collect();
    let free_value: f64 = unconstrained.iter().map(|o| o.1).sum();
    let free_cost: f64 = unconstrained.iter().map(|o| o.0).sum();
    let mut best = 0.0f64;
    let mut choice = vec![0usize; n];
    loop {
        let (cost, value) = choice
            .iter()
            .enumerate()
            .map(|(i, &c)| options[i][c])
            .fold((0.0, 0.0), |(c, v), (oc, ov)| (c + oc, v + ov));
        if cost <= instance.budget {
            best = best.max(value);
        }
        let mut i = 0;
        loop {
            if i == n {
                return (best, free_value, free_cost, largest);
            }
            choice[i] += 1;
            if choice[i] < options[i].len() {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    #[cfg_attr(miri, ignore)] // 400 brute-force cases: slow under Miri, nothing unsafe.
    fn plans_against_brute_force(instance in instance()) {
        let names = ["o0", "o1", "o2"];
        let offers: Vec<PlanOffer<'_>> = (0..instance.costs.len())
            .map(|j| PlanOffer {
                name: names[j],
                cost: instance.costs[j],
                uplift: Uplift::ByGroup(instance.uplifts[j]),
                eligible: Eligibility { groups: instance.eligible[j], bands: [true; 4] },
            })
            .collect();
        let customers = PlanCustomers {
            p_alive: &instance.p_alive,
            clv: &instance.clv,
            group: &instance.group,
            last_contact_day: &instance.last_contact,
            ..PlanCustomers::default()
        };
        let settings = PlanSettings {
            budget: instance.budget,
            max_contacts: instance.max_contacts,
            ..settings(0.0)
        };
        let planned = plan(&customers, &offers, &settings).unwrap();
        let (optimum, free_value, free_cost, largest) = brute_force(&instance);
        let tolerance = 1e-9 * (1.0 + optimum);

        // Feasible: within budget (whole costs: exact), one offer per customer, eligible and
        // allowed by the cap, each line worth what the definition says.
        let cost: f64 = planned.assignments.iter().map(|a| instance.costs[a.offer]).sum();
        prop_assert!(cost <= instance.budget);
        prop_assert_eq!(cost, planned.cost);
        let mut rows: Vec<usize> = planned.assignments.iter().map(|a| a.row).collect();
        rows.sort_unstable();
        rows.dedup();
        prop_assert_eq!(rows.len(), planned.assignments.len());
        for line in &planned.assignments {
            let slot = instance.group[line.row].map_or(3, |g| usize::from(g.code()));
            prop_assert!(instance.eligible[line.offer][slot]);
            prop_assert!(instance.max_contacts > 1
                || instance.last_contact[line.row].is_none_or(|d| d < 71));
            let stake = (1.0 - instance.p_alive[line.row]) * instance.clv[line.row];
            let value = instance.uplifts[line.offer][slot] * stake - instance.costs[line.offer];
            prop_assert!((line.expected_value - value).abs() <= 1e-9 * (1.0 + value.abs()));
            prop_assert!(line.expected_value > 0.0);
        }
        // Never better than the optimum, never below the bound's guarantee; the bound holds.
        prop_assert!(planned.expected_value <= optimum + tolerance);
        prop_assert!(optimum <= planned.lp_bound + tolerance);
        prop_assert!(planned.gap() >= 0.0);
        prop_assert!(planned.gap() <= largest + tolerance);
        prop_assert!(planned.expected_value >= optimum - largest - tolerance);
        // Optimal when the budget binds nowhere, and whenever it says so.
        if free_cost <= instance.budget {
            prop_assert!((planned.expected_value - free_value).abs() <= tolerance);
            prop_assert!(planned.optimal);
        }
        if planned.optimal {
            prop_assert!((planned.expected_value - optimum).abs() <= tolerance);
        }
    }
}
