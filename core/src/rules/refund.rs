//! Partial returns: what returned units claw back, from the outcome's attribution.
//!
//! A pure function of the original outcome, the units returned before, and the units returned
//! now: no re-evaluation with today's rules, and thresholds are **not** re-tested (a basket that
//! earned a "spend 100.00" bonus keeps the part of it attributed to the lines still kept).
//!
//! A return states, per line, how many units have been returned **in total** once it is done
//! (cumulative counts, so a return is idempotent). For each line share `P` of a line sold `q`
//! units, the line's returned count going from `r_before` to `r_after` claws back
//! `floor(P·r_after/q) − floor(P·r_before/q)`. Returning every unit claws back exactly `P`;
//! the same return presented twice (or an older one replayed after a newer one) claws back
//! nothing the second time.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::bounded;
use crate::card::ProgramId;
use crate::money::{Money, Overflow};
use crate::points::Points;
use crate::terminal::EventId;

use super::limits::{MAX_LINES, MAX_PROGRAMS, MAX_RULES};
use super::outcome::{Outcome, ShareKind, StampAward};

/// Units of each line of one transaction returned so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Returns {
    /// The original transaction.
    pub event: EventId,
    /// Units returned so far, per line.
    pub units: heapless::Vec<u32, MAX_LINES>,
}

impl Returns {
    /// Nothing returned yet from the transaction of `outcome`.
    #[must_use]
    pub fn none(outcome: &Outcome) -> Returns {
        let mut units = heapless::Vec::new();
        for _ in &outcome.lines {
            // As many lines as the outcome has, which has the same capacity.
            let _ = units.push(0);
        }
        Returns {
            event: outcome.event,
            units,
        }
    }
}

/// Points clawed back from one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RulePoints {
    /// The rule's id.
    pub rule: u16,
    /// Points clawed back.
    pub points: Points,
}

/// What a return takes back: for the points account, the punch cards and the till.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clawback {
    /// The original transaction.
    pub event: EventId,
    /// The rule set that produced the original outcome.
    pub rule_set: [u8; 32],
    /// Points to take back, all rules.
    pub points: Points,
    /// Points to take back, per rule (rules with something to take back, in trace order).
    pub points_by_rule: heapless::Vec<RulePoints, MAX_RULES>,
    /// Stamps to take back, per program.
    pub stamps: heapless::Vec<StampAward, MAX_PROGRAMS>,
    /// Discount the returned units had, in minor units (not refunded to the customer).
    pub discount: Money,
}

/// Why a return could not be worked out. Nothing is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefundError {
    /// The returns so far belong to another transaction.
    WrongTransaction,
    /// The returns so far do not have one count per line of the outcome.
    LineCountMismatch,
    /// More returned lines than the outcome has.
    UnknownLine {
        /// The first line index that does not exist.
        line: u8,
    },
    /// A line would have more units returned than were sold.
    TooManyUnits {
        /// The line's index.
        line: u8,
    },
    /// An amount overflowed.
    Overflow,
    /// The outcome is inconsistent (a share names a line it does not have).
    InvalidOutcome,
}

impl fmt::Display for RefundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefundError::WrongTransaction => f.write_str("returns belong to another transaction"),
            RefundError::LineCountMismatch => {
                f.write_str("returns do not match the outcome's lines")
            }
            RefundError::UnknownLine { line } => write!(f, "line {line} is not in the outcome"),
            RefundError::TooManyUnits { line } => {
                write!(f, "line {line}: more units returned than sold")
            }
            RefundError::Overflow => f.write_str("arithmetic overflow"),
            RefundError::InvalidOutcome => f.write_str("outcome is inconsistent"),
        }
    }
}

impl core::error::Error for RefundError {}

impl From<Overflow> for RefundError {
    fn from(_: Overflow) -> RefundError {
        RefundError::Overflow
    }
}

/// `floor(amount · returned / sold)`, in 128 bits.
fn portion(amount: u64, returned: u32, sold: u32) -> Result<u64, RefundError> {
    let product = u128::from(amount)
        .checked_mul(u128::from(returned))
        .ok_or(RefundError::Overflow)?;
    let share = product
        .checked_div(u128::from(sold))
        .ok_or(RefundError::InvalidOutcome)?;
    u64::try_from(share).map_err(|_| RefundError::Overflow)
}

/// Works out what a return of the transaction of `outcome` claws back.
///
/// `returned_units[l]` is the number of units of line `l` returned in total once this return is
/// done (lines past the slice's end: no change); a count below the one in `returns_so_far`
/// changes nothing for that line. Gives the clawback and the new returns so far, which the
/// caller keeps with the transaction. Thresholds are not re-tested.
///
/// ```
/// use retention_core::rules::{refund, Returns};
/// # use retention_core::rules::Outcome;
/// # fn demo(outcome: &Outcome) -> Result<(), retention_core::rules::RefundError> {
/// let none = Returns::none(outcome);
/// let (clawback, after) = refund(outcome, &none, &[1])?; // one unit of line 0 back
/// let (again, _) = refund(outcome, &after, &[1])?;       // the same return again
/// assert_eq!(again.points.0, 0);
/// # Ok(()) }
/// ```
pub fn refund(
    outcome: &Outcome,
    returns_so_far: &Returns,
    returned_units: &[u32],
) -> Result<(Clawback, Returns), RefundError> {
    if returns_so_far.event != outcome.event {
        return Err(RefundError::WrongTransaction);
    }
    if returns_so_far.units.len() != outcome.lines.len() {
        return Err(RefundError::LineCountMismatch);
    }
    if returned_units.len() > outcome.lines.len() {
        let line = u8::try_from(outcome.lines.len()).unwrap_or(u8::MAX);
        return Err(RefundError::UnknownLine { line });
    }
    let mut after = returns_so_far.clone();
    for (index, ((line, total), now)) in outcome
        .lines
        .iter()
        .zip(after.units.iter_mut())
        .zip(returned_units.iter().chain(core::iter::repeat(&0)))
        .enumerate()
    {
        let position = u8::try_from(index).unwrap_or(u8::MAX);
        let next = (*total).max(*now);
        if next > line.quantity {
            return Err(RefundError::TooManyUnits { line: position });
        }
        *total = next;
    }
    let mut clawback = Clawback {
        event: outcome.event,
        rule_set: outcome.rule_set,
        ..Clawback::default()
    };
    for share in &outcome.shares {
        let line = usize::from(share.line);
        let sold = outcome
            .lines
            .get(line)
            .ok_or(RefundError::InvalidOutcome)?
            .quantity;
        let before = *returns_so_far
            .units
            .get(line)
            .ok_or(RefundError::InvalidOutcome)?;
        let now = *after.units.get(line).ok_or(RefundError::InvalidOutcome)?;
        let back = portion(share.amount, now, sold)?
            .checked_sub(portion(share.amount, before, sold)?)
            .ok_or(RefundError::Overflow)?;
        if back == 0 {
            continue;
        }
        match share.kind {
            ShareKind::Points => {
                clawback.points = clawback.points.checked_add(Points(back))?;
                match clawback
                    .points_by_rule
                    .iter_mut()
                    .find(|entry| entry.rule == share.rule)
                {
                    Some(entry) => entry.points = entry.points.checked_add(Points(back))?,
                    None => clawback
                        .points_by_rule
                        .push(RulePoints {
                            rule: share.rule,
                            points: Points(back),
                        })
                        .map_err(|_| RefundError::InvalidOutcome)?,
                }
            }
            ShareKind::Discount => {
                let money = i64::try_from(back).map_err(|_| RefundError::Overflow)?;
                clawback.discount = clawback.discount.checked_add(Money::from_minor(money))?;
            }
            ShareKind::Stamps => add_stamps(&mut clawback, share.program, back)?,
        }
    }
    // Points by rule in trace order, whatever the order of the shares.
    bounded::sort_by_key(&mut clawback.points_by_rule, |entry| {
        outcome
            .trace
            .iter()
            .position(|t| t.rule == entry.rule)
            .unwrap_or(usize::MAX)
    });
    Ok((clawback, after))
}

fn add_stamps(clawback: &mut Clawback, program: ProgramId, stamps: u64) -> Result<(), RefundError> {
    match clawback.stamps.iter_mut().find(|s| s.program == program) {
        Some(award) => {
            award.stamps = award
                .stamps
                .checked_add(stamps)
                .ok_or(RefundError::Overflow)?;
            Ok(())
        }
        None => clawback
            .stamps
            .push(StampAward { program, stamps })
            .map_err(|_| RefundError::InvalidOutcome),
    }
}
