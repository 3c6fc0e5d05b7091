//! Loyalty rules at a till: the shipped coffee-chain and grocery programs evaluated on a few
//! baskets, each receipt in plain words (points, discounts, stamps, the trace), and a partial
//! return. Run with `cargo run -p retention-examples --bin rules` (the demo command runs it).

use std::error::Error;
use std::fs;
use std::path::Path;

use retention_core::customer::{Birthday, CustomerRecord};
use retention_core::rules::{Context, Line, Outcome, Returns, RuleSet, evaluate, explain, refund};
use retention_core::terminal::EventId;
use retention_core::time::{Timestamp, UtcOffset};

fn program(name: &str) -> Result<RuleSet, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("programs")
        .join(name);
    let text = fs::read_to_string(&path)?;
    Ok(if name.ends_with(".toml") {
        RuleSet::from_toml(&text)?
    } else {
        RuleSet::from_json(&text)?
    })
}

/// Evaluates and prints one receipt; returns the outcome.
fn sale(
    title: &str,
    rules: &RuleSet,
    basket: &[Line],
    customer: &CustomerRecord,
    context: &Context,
) -> Result<Box<Outcome>, Box<dyn Error>> {
    let mut outcome = Box::new(Outcome::new());
    evaluate(rules, basket, customer, context, &mut outcome)?;
    println!("--- {title}");
    for (index, line) in basket.iter().enumerate() {
        println!(
            "  line {index}: {} x sku {} (category {}) at {}",
            line.quantity, line.sku, line.category, line.unit_price
        );
    }
    for text in explain(rules, &outcome).lines() {
        println!("  | {text}");
    }
    Ok(outcome)
}

fn main() -> Result<(), Box<dyn Error>> {
    let coffee = program("coffee.json")?;
    let grocery = program("grocery.toml")?;
    let berlin = UtcOffset::from_minutes(60)?;
    // Tuesday 2024-03-05, 15:10 in Berlin: inside the coffee chain's double-points window.
    let tuesday = Context {
        now: Timestamp::from_unix(1_709_647_800),
        offset: berlin,
        event: EventId::new(7, 1),
        ..Context::default()
    };
    println!(
        "coffee chain: {} rules, serial {}; grocery: {} rules",
        coffee.rules().len(),
        coffee.serial(),
        grocery.rules().len()
    );

    // Two coffees, a cake, a gift card; a new customer.
    let round = [
        Line::new(1001, 1, 2, 3_50),
        Line::new(2001, 3, 1, 2_75),
        Line::new(9001, 90, 1, 20_00),
    ];
    let first = sale(
        "coffee chain, Tuesday 15:10: two coffees, a cake, a gift card",
        &coffee,
        &round,
        &CustomerRecord::new(),
        &tuesday,
    )?;

    // Twenty minutes later the same customer comes back: the same visit, so no more stamps.
    let later = Context {
        now: Timestamp::from_unix(1_709_649_000),
        event: EventId::new(7, 2),
        ..tuesday.clone()
    };
    sale(
        "coffee chain, 20 minutes later, two more coffees (stamps: once per visit)",
        &coffee,
        &round[..1],
        &first.customer,
        &later,
    )?;

    // A customer whose birthday is in two days: the cheapest drink is free.
    let mut birthday = CustomerRecord::new();
    birthday.birthday = Some(Birthday::new(3, 7)?);
    sale(
        "coffee chain, birthday in two days",
        &coffee,
        &round[..2],
        &birthday,
        &Context {
            event: EventId::new(7, 3),
            ..tuesday.clone()
        },
    )?;

    // Grocery: a gold member's weekly shop with a coupon; tobacco and a gift card in it.
    let mut gold = CustomerRecord::new();
    gold.tier = 2;
    gold.visits = 41;
    gold.last_visit = Some(19_780);
    let shop = [
        Line::new(501, 10, 3, 1_99),  // apples: fresh produce, 3x points
        Line::new(601, 20, 2, 3_40),  // bread: bakery, 10 % off for gold
        Line::new(701, 40, 4, 12_50), // dry goods
        Line::new(801, 30, 1, 9_80),  // tobacco: never earns, never discounted
        Line::new(901, 90, 1, 25_00), // gift card
    ];
    let mut coupon = tuesday.clone();
    coupon.event = EventId::new(3, 88);
    coupon.coupons.push(5001).map_err(|_| "coupons full")?;
    let weekly = sale(
        "grocery, gold member with coupon 5001",
        &grocery,
        &shop,
        &gold,
        &coupon,
    )?;

    // Two of the four dry-goods packs come back: what do they claw back?
    let none = Returns::none(&weekly);
    let (clawback, after) = refund(&weekly, &none, &[0, 0, 2])?;
    println!("--- grocery, partial return: 2 of 4 units of line 2");
    println!(
        "  | clawback: {} points ({:?} by rule), discount share {}; returns so far {:?}",
        clawback.points.0,
        clawback
            .points_by_rule
            .iter()
            .map(|r| (r.rule, r.points.0))
            .collect::<Vec<_>>(),
        clawback.discount,
        after.units.as_slice()
    );
    let (again, _) = refund(&weekly, &after, &[0, 0, 2])?;
    println!(
        "  | the same return presented again claws back {} points",
        again.points.0
    );

    // A small basket: the till's hint.
    sale(
        "grocery, a small basket (hints)",
        &grocery,
        &shop[2..3],
        &CustomerRecord::new(),
        &Context {
            event: EventId::new(3, 89),
            ..tuesday
        },
    )?;
    Ok(())
}
