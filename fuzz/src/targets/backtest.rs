//! Arbitrary histories into `rules::backtest` with the grocery program: totals or a specific
//! error, never a panic; the skipping variant never fails on a basket, and the baskets it
//! counts plus those it skips are all the baskets.
//!
//! Input: 8 bytes per row: customer (0..8), basket key (0..4), minutes after a Monday noon
//! (u16), category (one of 10, 20, 30, 40, 90), quantity (0..8), unit price (i16: negative
//! prices included), coupon 5001 when the top bit of the quantity byte is set.

use retention_core::customer::CustomerRecord;
use retention_core::rules::RuleSet;
use retention_core::rules::backtest::{
    BacktestError, Customers, History, backtest, backtest_skipping_invalid,
};

fn grocery() -> &'static RuleSet {
    static GROCERY: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    GROCERY.get_or_init(|| {
        RuleSet::from_toml(include_str!("../../../examples/programs/grocery.toml"))
            .expect("the grocery program compiles")
    })
}

/// One input of the target (libFuzzer's, or a committed corpus file's in the replay test).
pub fn run(data: &[u8]) {
    const MONDAY_NOON: i64 = 1_709_553_600;
    let categories = [10u32, 20, 30, 40, 90];
    let (mut customer, mut basket, mut time, mut category, mut quantity, mut price, mut coupon) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for row in data.chunks_exact(8) {
        customer.push(u32::from(row[0] % 8));
        basket.push(u64::from(row[1] % 4));
        time.push(MONDAY_NOON + 60 * i64::from(u16::from_le_bytes([row[2], row[3]])));
        category.push(categories[usize::from(row[4]) % categories.len()]);
        quantity.push(u32::from(row[5] & 0x07));
        price.push(i64::from(i16::from_le_bytes([row[6], row[7]])));
        coupon.push(if row[5] & 0x80 != 0 { 5001 } else { 0 });
    }
    let history = History {
        customer: &customer,
        basket: &basket,
        time: &time,
        category: &category,
        quantity: &quantity,
        unit_price: &price,
        coupon: &coupon,
        ..History::default()
    };
    let mut records = vec![CustomerRecord::new(); 8];
    records[0].tier = 2;
    let customers = Customers {
        records,
        segment: (0..8).map(|c| c % 3).collect(),
        segment_count: 3,
    };
    let strict = backtest(grocery(), &history, &customers, &mut |_, _| true);
    let lenient = backtest_skipping_invalid(grocery(), &history, &customers, &mut |_, _| true)
        .expect("skipping never fails on a basket");
    match strict {
        Ok(result) => assert_eq!(result, lenient),
        Err(BacktestError::Basket { .. }) => assert!(lenient.skipped > 0),
        Err(other) => panic!("unexpected {other:?}"),
    }
    let rows = customer.len() as u64;
    assert!(lenient.baskets + lenient.skipped <= rows);
}
