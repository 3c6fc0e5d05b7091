//! The rules sub-APIs together: load, evaluate, read, refund; and their errors.

use core::mem::MaybeUninit;

use retention_core::rules::RuleSet;

use super::*;
use crate::customer::tests::empty as empty_customer;
use crate::customer::{
    rtn_customer_get_profile, rtn_customer_init, rtn_customer_profile as Profile,
};
use crate::status::rtn_status;
use crate::terminal::rtn_event_id;

fn rule_set_storage() -> Box<rtn_rule_set> {
    Box::new(rtn_rule_set {
        opaque: [MaybeUninit::new(0); RTN_RULE_SET_STORAGE_WORDS],
    })
}

fn outcome_storage() -> Box<rtn_outcome> {
    Box::new(rtn_outcome {
        opaque: [MaybeUninit::new(0); RTN_OUTCOME_STORAGE_WORDS],
    })
}

const PROGRAM: &str = r#"{"name": "Demo", "serial": 4, "rules": [
    {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
    {"id": 2, "name": "50 bonus over 20.00", "when": [{"basket_total": {"at_least": 2000}}],
     "effect": {"bonus_points": {"points": 50}}}]}"#;

fn blob() -> Vec<u8> {
    let rules = RuleSet::from_json(PROGRAM).unwrap();
    let mut blob = vec![0u8; RTN_RULE_SET_MAX_LEN];
    let used = rules.encode(&mut blob).unwrap();
    blob.truncate(used);
    blob
}

fn context() -> rtn_rules_context {
    rtn_rules_context {
        now: 1_709_651_400, // 2024-03-05T15:10:00Z
        event: rtn_event_id {
            terminal: 3,
            sequence: 9,
        },
        churn_risk: RTN_RULES_CHURN_RISK_UNKNOWN,
        ..rtn_rules_context::default()
    }
}

#[test]
fn load_evaluate_read_refund() {
    let blob = blob();
    let mut rule_set = rule_set_storage();
    let mut outcome = outcome_storage();
    let mut customer = empty_customer();
    // 2 × 4.50 + 9.00 = 18.00: 18 points; the bonus needs 2.00 more.
    let lines = [
        rtn_line {
            sku: 1,
            category: 7,
            quantity: 2,
            unit_price: 450,
        },
        rtn_line {
            sku: 2,
            category: 7,
            quantity: 1,
            unit_price: 900,
        },
    ];
    let mut summary = rtn_outcome_summary::default();
    let mut info = MaybeUninit::<rtn_rule_set_info>::uninit();
    // SAFETY: every pointer is valid for its length.
    unsafe {
        assert_eq!(
            rtn_rule_set_load(
                blob.as_ptr(),
                blob.len(),
                5,
                core::ptr::null(),
                &mut *rule_set
            ),
            rtn_status::RTN_RULES_SERIAL_TOO_OLD
        );
        assert_eq!(
            rtn_rule_set_load(
                blob.as_ptr(),
                blob.len(),
                4,
                core::ptr::null(),
                &mut *rule_set
            ),
            rtn_status::RTN_OK
        );
        assert_eq!(
            rtn_rule_set_describe(&*rule_set, info.as_mut_ptr()),
            rtn_status::RTN_OK
        );
        assert_eq!(rtn_customer_init(&mut customer), rtn_status::RTN_OK);
        assert_eq!(
            rtn_rules_evaluate(
                &*rule_set,
                lines.as_ptr(),
                2,
                &customer,
                &context(),
                &mut *outcome
            ),
            rtn_status::RTN_OK
        );
        assert_eq!(
            rtn_outcome_summarize(&*outcome, &mut summary),
            rtn_status::RTN_OK
        );
    }
    // SAFETY: written by rtn_rule_set_describe.
    let info = unsafe { info.assume_init() };
    assert_eq!((info.serial, info.rule_count), (4, 2));
    assert_eq!(&info.name.map(|c| c.to_ne_bytes()[0])[..5], b"Demo\0");
    assert_eq!(summary.rule_set_hash, info.hash);
    assert_eq!((summary.points, summary.discount), (18, 0));
    assert_eq!(
        (
            summary.line_count,
            summary.share_count,
            summary.trace_count,
            summary.hint_count
        ),
        (2, 2, 2, 1)
    );
    let mut hints = [MaybeUninit::<rtn_hint>::uninit(); RTN_RULES_MAX_HINTS];
    let mut trace = [MaybeUninit::<rtn_trace_entry>::uninit(); RTN_RULES_MAX_RULES];
    let mut count = 0usize;
    // SAFETY: arrays valid for their capacities.
    unsafe {
        assert_eq!(
            rtn_outcome_trace(&*outcome, trace.as_mut_ptr().cast(), 1, &mut count),
            rtn_status::RTN_BUFFER_TOO_SMALL
        );
        assert_eq!(
            rtn_outcome_trace(
                &*outcome,
                trace.as_mut_ptr().cast(),
                trace.len(),
                &mut count
            ),
            rtn_status::RTN_OK
        );
        assert_eq!(count, 2);
        let failed = trace[1].assume_init();
        assert_eq!(failed.status, rtn_trace_status::RTN_TRACE_CONDITION_FAILED);
        assert_eq!(
            failed.condition_kind,
            rtn_condition::RTN_CONDITION_BASKET_TOTAL
        );
        assert_eq!(
            rtn_outcome_hints(
                &*outcome,
                hints.as_mut_ptr().cast(),
                hints.len(),
                &mut count
            ),
            rtn_status::RTN_OK
        );
        let hint = hints[0].assume_init();
        assert_eq!(
            (hint.rule, hint.shortfall_kind, hint.shortfall, hint.amount),
            (2, rtn_shortfall::RTN_SHORTFALL_SPEND, 200, 50)
        );
    }
    // The updated record counts the visit.
    let mut updated = empty_customer();
    let mut profile = Profile::default();
    // SAFETY: valid pointers.
    unsafe {
        assert_eq!(
            rtn_outcome_customer(&*outcome, &mut updated),
            rtn_status::RTN_OK
        );
        assert_eq!(
            rtn_customer_get_profile(&updated, &mut profile),
            rtn_status::RTN_OK
        );
    }
    assert_eq!(profile.visits, 1);
    // Shares: 18·900/1800 = 9 each. Returning 1 of the 2 units of line 0 claws back 4.
    let mut returns = rtn_returns::default();
    let mut clawback = MaybeUninit::<rtn_clawback>::uninit();
    // SAFETY: valid pointers; `returns` is both input and output.
    unsafe {
        assert_eq!(
            rtn_returns_init(&*outcome, &mut returns),
            rtn_status::RTN_OK
        );
        let so_far: *mut rtn_returns = &mut returns;
        assert_eq!(
            rtn_rules_refund(
                &*outcome,
                so_far,
                [3u32].as_ptr(),
                1,
                clawback.as_mut_ptr(),
                so_far
            ),
            rtn_status::RTN_RULES_REFUND_TOO_MANY_UNITS
        );
        // SIZE_MAX returned lines: more lines than any sale had (checked before the buffer).
        assert_eq!(
            rtn_rules_refund(
                &*outcome,
                so_far,
                [1u32].as_ptr(),
                usize::MAX,
                clawback.as_mut_ptr(),
                so_far
            ),
            rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH
        );
        assert_eq!(returns.units[..2], [0, 0]);
        assert_eq!(
            rtn_rules_refund(
                &*outcome,
                so_far,
                [1u32].as_ptr(),
                1,
                clawback.as_mut_ptr(),
                so_far
            ),
            rtn_status::RTN_OK
        );
        assert_eq!(clawback.assume_init().points, 4);
        assert_eq!(returns.units[..2], [1, 0]);
        // The same return again: nothing.
        assert_eq!(
            rtn_rules_refund(
                &*outcome,
                so_far,
                [1u32].as_ptr(),
                1,
                clawback.as_mut_ptr(),
                so_far
            ),
            rtn_status::RTN_OK
        );
        assert_eq!(clawback.assume_init().points, 0);
    }
}

#[test]
fn errors_leave_no_outcome_or_nothing_written() {
    let blob = blob();
    let mut scratch = rule_set_storage();
    let mut outcome = outcome_storage();
    let mut customer = empty_customer();
    let good = [rtn_line {
        sku: 1,
        category: 1,
        quantity: 1,
        unit_price: 100,
    }];
    let negative = [rtn_line {
        sku: 1,
        category: 1,
        quantity: 1,
        unit_price: -1,
    }];
    let mut summary = rtn_outcome_summary::default();
    let mut too_many = context();
    too_many.coupon_count = 9;
    // SAFETY: every pointer is valid for its length.
    unsafe {
        assert_eq!(
            rtn_rules_evaluate_blob(
                blob.as_ptr(),
                blob.len(),
                0,
                core::ptr::null(),
                &mut *scratch,
                good.as_ptr(),
                1,
                &customer,
                &context(),
                &mut *outcome
            ),
            rtn_status::RTN_UNINITIALIZED
        );
        assert_eq!(rtn_customer_init(&mut customer), rtn_status::RTN_OK);
        assert_eq!(
            rtn_rules_evaluate_blob(
                blob.as_ptr(),
                blob.len(),
                0,
                core::ptr::null(),
                &mut *scratch,
                good.as_ptr(),
                1,
                &customer,
                &context(),
                &mut *outcome
            ),
            rtn_status::RTN_OK
        );
        // An argument error leaves the outcome as it was.
        assert_eq!(
            rtn_rules_evaluate(
                &*scratch,
                good.as_ptr(),
                1,
                &customer,
                &too_many,
                &mut *outcome
            ),
            rtn_status::RTN_RULES_TOO_MANY_COUPONS
        );
        assert_eq!(
            rtn_outcome_summarize(&*outcome, &mut summary),
            rtn_status::RTN_OK
        );
        assert_eq!(summary.points, 1);
        // An evaluation error leaves no outcome.
        assert_eq!(
            rtn_rules_evaluate(
                &*scratch,
                negative.as_ptr(),
                1,
                &customer,
                &context(),
                &mut *outcome
            ),
            rtn_status::RTN_RULES_NEGATIVE_PRICE
        );
        assert_eq!(
            rtn_outcome_summarize(&*outcome, &mut summary),
            rtn_status::RTN_UNINITIALIZED
        );
        assert_eq!(
            rtn_rules_evaluate(
                &*scratch,
                core::ptr::null(),
                1,
                &customer,
                &context(),
                &mut *outcome
            ),
            rtn_status::RTN_NULL_PARAMETER
        );
        // A corrupted blob is refused with its decode status.
        let mut bad = blob.clone();
        bad[8] ^= 0x01;
        assert_eq!(
            rtn_rule_set_load(bad.as_ptr(), bad.len(), 0, core::ptr::null(), &mut *scratch),
            rtn_status::RTN_DECODE_BAD_CHECKSUM
        );
    }
}

#[test]
#[cfg_attr(miri, ignore)] // Ed25519 under Miri takes minutes; nothing unsafe in it.
fn signed_blobs_need_the_operator_key() {
    let rules = RuleSet::from_json(PROGRAM).unwrap();
    let secret = [7u8; 32];
    let public = RuleSet::public_key_of(&secret);
    let mut blob = vec![0u8; RTN_RULE_SET_MAX_LEN];
    let used = rules.encode_signed(&secret, &mut blob).unwrap();
    let unsigned_len = rules.encode(&mut blob[used..]).unwrap();
    let (signed, unsigned) = blob.split_at(used);
    let other = RuleSet::public_key_of(&[8u8; 32]);
    let mut storage = rule_set_storage();
    // SAFETY: every pointer is valid for its length.
    unsafe {
        assert_eq!(
            rtn_rule_set_load(signed.as_ptr(), used, 0, public.as_ptr(), &mut *storage),
            rtn_status::RTN_OK
        );
        assert_eq!(
            rtn_rule_set_load(signed.as_ptr(), used, 0, other.as_ptr(), &mut *storage),
            rtn_status::RTN_RULES_BAD_SIGNATURE
        );
        assert_eq!(
            rtn_rule_set_load(
                unsigned.as_ptr(),
                unsigned_len,
                0,
                public.as_ptr(),
                &mut *storage
            ),
            rtn_status::RTN_RULES_UNSIGNED
        );
    }
}
