//! Refunds: what a return of (part of) a sale claws back, worked out from the sale's outcome,
//! and the returns so far that make presenting the same return twice harmless.

use retention_core::rules::{self, Returns};
use retention_core::terminal::EventId;

use super::{
    RTN_RULE_SET_HASH_LEN, RTN_RULES_MAX_LINES, RTN_RULES_MAX_PROGRAMS, RTN_RULES_MAX_RULES,
    rtn_outcome, rtn_stamp_award,
};
use crate::boundary;
use crate::handle::{In, InSlice, Out};
use crate::status::rtn_status;
use crate::terminal::rtn_event_id;

/// Units of each line of one sale returned so far: kept by the caller with the sale's
/// outcome, started by `rtn_returns_init`, advanced by `rtn_rules_refund`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_returns {
    /// The sale.
    pub event: rtn_event_id,
    /// Lines of the sale (the first `line_count` entries of `units` count).
    pub line_count: u32,
    /// Units returned so far, per line.
    pub units: [u32; RTN_RULES_MAX_LINES],
}

/// Points clawed back from one rule.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_rule_points {
    /// Points.
    pub points: u64,
    /// The rule's id.
    pub rule: u16,
}

/// What a return takes back, for the points account, the punch cards and the till
/// (about 1.2 KiB: keep it static on a small stack).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rtn_clawback {
    /// The rule set that produced the original outcome.
    pub rule_set_hash: [u8; RTN_RULE_SET_HASH_LEN],
    /// The original sale.
    pub event: rtn_event_id,
    /// Points to take back, all rules (for `rtn_account_clawback`).
    pub points: u64,
    /// Discount the returned units had, in minor units.
    pub discount: i64,
    /// Programs with stamps to take back (the first `stamp_count` entries of `stamps`).
    pub stamp_count: u32,
    /// Stamps to take back per program (for `rtn_card_void`).
    pub stamps: [rtn_stamp_award; RTN_RULES_MAX_PROGRAMS],
    /// Rules with points to take back (the first `rule_count` entries of `points_by_rule`).
    pub rule_count: u32,
    /// Points to take back per rule, in trace order.
    pub points_by_rule: [rtn_rule_points; RTN_RULES_MAX_RULES],
}

/// Initialises `*returns_out` for the sale of `*outcome`: nothing returned yet.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `outcome` must be NULL or valid; `returns_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_returns_init(
    outcome: *const rtn_outcome,
    returns_out: *mut rtn_returns,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (outcome, returns_out) = unsafe { (In::new(outcome), Out::new(returns_out)) };
        let returns_out = returns_out.required()?;
        returns_out.write(c_returns(&Returns::none(outcome.value()?))?);
        Ok(())
    })
}

/// The returns so far, for C.
fn c_returns(returns: &Returns) -> Result<rtn_returns, rtn_status> {
    let mut units = [0u32; RTN_RULES_MAX_LINES];
    for (slot, count) in units.iter_mut().zip(&returns.units) {
        *slot = *count;
    }
    Ok(rtn_returns {
        event: returns.event.into(),
        line_count: u32::try_from(returns.units.len()).map_err(|_| rtn_status::RTN_INTERNAL)?,
        units,
    })
}

/// Works out what a return of the sale of `*outcome` claws back, from the outcome's
/// attribution (no re-evaluation; thresholds are not re-tested): for every share `P` of a
/// line sold `q` units whose returned count goes from `r_before` to `r_after`,
/// `floor(P·r_after/q) − floor(P·r_before/q)` points, stamps and discount.
///
/// `returned_units[l]` is the number of units of line `l` returned **in total** once this
/// return is done (cumulative, so presenting the same return twice claws back nothing the
/// second time); lines past `line_count` are unchanged, and a count below the one already in
/// `*returned_so_far` changes nothing for its line. Writes the clawback to `*clawback_out` and
/// the new returns so far to `*returns_out` (which may be `returned_so_far`).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`returned_units` may be NULL only when
/// `line_count` is 0); `RTN_UNINITIALIZED`; `RTN_RULES_REFUND_WRONG_SALE` (the returns belong
/// to another sale); `RTN_RULES_REFUND_LINE_COUNT_MISMATCH` (more lines than the sale had, or
/// returns of another basket size); `RTN_RULES_REFUND_TOO_MANY_UNITS`; `RTN_OVERFLOW`. On error
/// nothing is written.
///
/// # Safety
/// `outcome` and `returned_so_far` must be NULL or valid; `returned_units` valid for
/// `line_count` entries; `clawback_out` and `returns_out` NULL or valid for a write, not
/// overlapping each other or `outcome`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rules_refund(
    outcome: *const rtn_outcome,
    returned_so_far: *const rtn_returns,
    returned_units: *const u32,
    line_count: usize,
    clawback_out: *mut rtn_clawback,
    returns_out: *mut rtn_returns,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises; `returns_out` may
        // alias `returned_so_far`, which is copied before anything is written.
        let (outcome, returned_so_far, returned_units, clawback_out, returns_out) = unsafe {
            (
                In::new(outcome),
                In::new(returned_so_far),
                InSlice::new(returned_units, line_count),
                Out::new(clawback_out),
                Out::new(returns_out),
            )
        };
        let clawback_out = clawback_out.required()?;
        let returns_out = returns_out.required()?;
        let (outcome, so_far) = (outcome.value()?, *returned_so_far.get()?);
        if returned_units.len() > RTN_RULES_MAX_LINES {
            return Err(rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH);
        }
        let returned = returned_units.get_or_empty()?;
        let units = so_far
            .units
            .get(..usize::try_from(so_far.line_count).unwrap_or(usize::MAX))
            .ok_or(rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH)?;
        let before = Returns {
            event: EventId::from(so_far.event),
            units: heapless::Vec::from_slice(units)
                .map_err(|_| rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH)?,
        };
        let (clawback, after) = rules::refund(outcome, &before, returned)?;
        let mut c_clawback = rtn_clawback {
            rule_set_hash: clawback.rule_set,
            event: clawback.event.into(),
            points: clawback.points.0,
            discount: clawback.discount.minor(),
            stamp_count: u32::try_from(clawback.stamps.len())
                .map_err(|_| rtn_status::RTN_INTERNAL)?,
            stamps: [rtn_stamp_award::default(); RTN_RULES_MAX_PROGRAMS],
            rule_count: u32::try_from(clawback.points_by_rule.len())
                .map_err(|_| rtn_status::RTN_INTERNAL)?,
            points_by_rule: [rtn_rule_points::default(); RTN_RULES_MAX_RULES],
        };
        for (slot, award) in c_clawback.stamps.iter_mut().zip(&clawback.stamps) {
            *slot = rtn_stamp_award {
                stamps: award.stamps,
                program: award.program.0,
            };
        }
        for (slot, entry) in c_clawback
            .points_by_rule
            .iter_mut()
            .zip(&clawback.points_by_rule)
        {
            *slot = rtn_rule_points {
                points: entry.points.0,
                rule: entry.rule,
            };
        }
        let after = c_returns(&after)?;
        clawback_out.write(c_clawback);
        returns_out.write(after);
        Ok(())
    })
}
