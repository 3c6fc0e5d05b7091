//! Arbitrary inputs into `evaluate` and `refund`: a rule-set blob, a customer, a context and a
//! basket decoded from the bytes. Evaluation succeeds with consistent totals, or fails with an
//! error and an empty outcome; a full refund claws back exactly what was earned.
//!
//! Input layout (the seeds in `fuzz/seeds/evaluate/` are the scenarios of `tests/scenarios/`,
//! written by `cargo test -p retention-core --test scenarios -- --ignored write_fuzz_seeds`):
//!
//! ```text
//! u16 LE  blob length L, then L bytes: the rule-set blob
//! u32 LE  seconds after 2024-03-04T00:00Z          i16 LE  UTC offset, minutes
//! u8      tier      u8  segments   u8  visits       u8      days since the last visit + 1 (0: never)
//! u8      birthday month (0: none)  u8  birthday day
//! u16 LE  churn risk (0xffff: none)  u8 store  u8 channel  u16 LE coupon (0: none)
//! then 12 bytes per line: u16 LE sku, u8 category, u8 quantity, i64 LE unit price
//! ```

use retention_core::customer::{Birthday, CustomerRecord};
use retention_core::money::Money;
use retention_core::rules::{
    Context, Line, LoadOptions, Outcome, Returns, RuleSet, ShareKind, evaluate, refund,
};
use retention_core::terminal::EventId;
use retention_core::time::{Timestamp, UtcOffset};

/// 2024-03-04T00:00:00Z, a Monday.
const MONDAY: i64 = 1_709_510_400;

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(head)
    }
}

fn evaluate_input(data: &[u8]) -> Option<()> {
    let mut input = Reader(data);
    let len = u16::from_le_bytes(input.take()?);
    let rules = RuleSet::load(input.bytes(usize::from(len))?, &LoadOptions::new()).ok()?;
    let seconds = u32::from_le_bytes(input.take()?);
    let offset = i16::from_le_bytes(input.take()?);
    let [tier, segments, visits, since, month, day] = input.take()?;
    let churn = u16::from_le_bytes(input.take()?);
    let [store, channel] = input.take()?;
    let coupon = u16::from_le_bytes(input.take()?);
    let now = MONDAY + i64::from(seconds % (14 * 86_400));
    let offset = UtcOffset::from_minutes(offset % 1_081).ok()?;
    let today = Timestamp::from_unix(now).local(offset).ok()?.day().number();
    let customer = CustomerRecord {
        tier,
        segments: u32::from(segments),
        visits: u32::from(visits),
        last_visit: (since > 0).then(|| today - i32::from(since) + 1),
        birthday: Birthday::new(month, day).ok(),
        ..CustomerRecord::new()
    };
    let mut context = Context {
        now: Timestamp::from_unix(now),
        offset,
        store: u32::from(store),
        channel,
        event: EventId::new(1, 1),
        churn_risk: (churn != u16::MAX).then_some(churn),
        ..Context::default()
    };
    if coupon != 0 {
        let _ = context.coupons.push(u32::from(coupon));
    }
    let mut basket = Vec::new();
    while let Some(line) = input.take::<12>() {
        let [s0, s1, category, quantity, price @ ..] = line;
        basket.push(Line {
            sku: u32::from(u16::from_le_bytes([s0, s1])),
            category: u32::from(category),
            quantity: u32::from(quantity),
            unit_price: Money::from_minor(i64::from_le_bytes(price)),
        });
    }
    let mut outcome = Box::new(Outcome::new());
    match evaluate(&rules, &basket, &customer, &context, &mut outcome) {
        Err(_) => assert_eq!(
            *outcome,
            Outcome::new(),
            "a failed evaluation leaves the outcome empty"
        ),
        Ok(()) => {
            let sum = |kind| {
                outcome
                    .shares
                    .iter()
                    .filter(|s| s.kind == kind)
                    .map(|s| u128::from(s.amount))
                    .sum::<u128>()
            };
            assert_eq!(sum(ShareKind::Points), u128::from(outcome.points.0));
            assert_eq!(
                sum(ShareKind::Discount),
                u128::try_from(outcome.discount.minor()).unwrap()
            );
            assert_eq!(outcome.trace.len(), rules.rules().len());
            let all: Vec<u32> = basket.iter().map(|line| line.quantity).collect();
            let (clawback, _) =
                refund(&outcome, &Returns::none(&outcome), &all).expect("a full refund works");
            assert_eq!(clawback.points, outcome.points);
            assert_eq!(clawback.discount, outcome.discount);
        }
    }
    Some(())
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    let _ = evaluate_input(data);
}
