//! The customer record in C: the per-customer state the loyalty rules read and update (tier,
//! segments, visits, birthday, usage counts, the churn summary, the latest feedback, see
//! `feedback.rs`), in caller-owned `rtn_customer` storage; it travels
//! as a tagged blob of at most `RTN_CUSTOMER_MAX_LEN` bytes, bound to the customer's id.

use core::mem::MaybeUninit;

use retention_core::churn::summary::{ChurnSummary, Grain};
use retention_core::customer::{self, Birthday, CustomerRecord, UsagePeriod};
use retention_core::error::TimeUse;
use retention_core::money::Money;
use retention_core::time::Day;

use crate::boundary;
use crate::envelope::rtn_seal;
use crate::handle::{In, InOut, InSlice, Out, OutArray, OutSlice, opaque};
use crate::status::rtn_status;
use crate::terminal::{day_number, optional_day};

/// The largest customer-record blob in bytes (envelope and 16-byte tag included).
pub const RTN_CUSTOMER_MAX_LEN: usize = 486;
/// Usage counters a customer record holds (one per limited rule and period used).
pub const RTN_CUSTOMER_MAX_USAGE_COUNTS: usize = 32;
/// Size of `rtn_customer` in 64-bit words.
pub const RTN_CUSTOMER_STORAGE_WORDS: usize = 64;

const _: () = {
    assert!(RTN_CUSTOMER_MAX_LEN == customer::CUSTOMER_MAX_LEN);
    assert!(RTN_CUSTOMER_MAX_USAGE_COUNTS == customer::MAX_USAGE_COUNTS);
};

/// A customer record in caller-owned storage (`uint64_t opaque[RTN_CUSTOMER_STORAGE_WORDS]`,
/// 512 bytes). Initialise it with `rtn_customer_init`, `rtn_customer_decode` or
/// `rtn_outcome_customer`; copy it with `memcpy`; it needs no clean-up.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_customer {
    /// Opaque; only the SDK reads it.
    pub opaque: [MaybeUninit<u64>; RTN_CUSTOMER_STORAGE_WORDS],
}

opaque!(rtn_customer: [RTN_CUSTOMER_STORAGE_WORDS] holds CustomerRecord, magic b"rtnCUST1");

/// The calendar period a usage limit counts in (terminal's local time). `RTN_PERIOD_NONE`
/// where a field has no period.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rtn_period {
    /// No period (the field does not apply).
    RTN_PERIOD_NONE = 0,
    /// A local calendar day.
    RTN_PERIOD_DAY = 1,
    /// An ISO week, Monday to Sunday.
    RTN_PERIOD_WEEK = 2,
    /// A calendar month.
    RTN_PERIOD_MONTH = 3,
    /// A calendar year.
    RTN_PERIOD_YEAR = 4,
    /// All time.
    RTN_PERIOD_LIFETIME = 5,
    /// The rule set's validity.
    RTN_PERIOD_CAMPAIGN = 6,
}

impl From<UsagePeriod> for rtn_period {
    fn from(period: UsagePeriod) -> rtn_period {
        match period {
            UsagePeriod::Day => rtn_period::RTN_PERIOD_DAY,
            UsagePeriod::Week => rtn_period::RTN_PERIOD_WEEK,
            UsagePeriod::Month => rtn_period::RTN_PERIOD_MONTH,
            UsagePeriod::Year => rtn_period::RTN_PERIOD_YEAR,
            UsagePeriod::Lifetime => rtn_period::RTN_PERIOD_LIFETIME,
            UsagePeriod::Campaign => rtn_period::RTN_PERIOD_CAMPAIGN,
        }
    }
}

/// A customer record's fields at a glance (`rtn_customer_get_profile`). Days are days since
/// 1970-01-01, 0 meaning none.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_customer_profile {
    /// Segment flags, one bit per operator-defined segment (bit 0 ... bit 31).
    pub segments: u32,
    /// Visits so far (local days with a purchase).
    pub visits: u32,
    /// The local day of the last visit; 0 before the first purchase.
    pub last_visit: i32,
    /// The local day of the first visit; 0 before the first purchase, and for a record read
    /// from format version 1 or 2 until `rtn_customer_set_first_visit` sets it.
    pub first_visit: i32,
    /// The tier, 0 (none) upward.
    pub tier: u8,
    /// Birthday month 1..=12; 0 when the customer gave no birthday.
    pub birthday_month: u8,
    /// Birthday day of the month 1..=31; 0 when none.
    pub birthday_day: u8,
    /// Usage counters held, 0..=`RTN_CUSTOMER_MAX_USAGE_COUNTS`.
    pub usage_count: u8,
}

/// How often a customer used one usage counter (a limited rule, or rules sharing a counter)
/// in one period.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rtn_usage_count {
    /// The index of the period the count belongs to (the local day number for days; ISO week,
    /// month and year numbers otherwise).
    pub index: i32,
    /// The counter: the rule's id, or the counter id rules share.
    pub counter: u16,
    /// Uses in that period.
    pub count: u16,
    /// The period the limit counts in.
    pub period: rtn_period,
}

/// A customer record's churn summary (`rtn_customer_get_churn`, `rtn_customer_set_churn`):
/// purchases collapse into periods of `grain` (a day, an ISO week or a calendar month); the
/// first period's purchase is left out of the repeat count and spend (lifetimes' definitions,
/// see docs/churn.md). Period indices are `RTN_CHURN_GRAIN_DAY`: the local day number (days
/// since 1970-01-01); `RTN_CHURN_GRAIN_WEEK`: weeks since Monday 1969-12-29;
/// `RTN_CHURN_GRAIN_MONTH`: `year * 12 + month - 1`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_customer_churn {
    /// Spend of the repeat periods in minor units (cents), ≥ 0; 0 without purchases.
    pub repeat_spend_minor: i64,
    /// The mean spend of a repeat period in minor units, rounded half up (0 without repeats);
    /// read only (`rtn_customer_set_churn` ignores it).
    pub mean_spend_minor: i64,
    /// The first purchase period's index; 0 without purchases.
    pub first_period: i32,
    /// The last purchase period's index; 0 without purchases.
    pub last_period: i32,
    /// Repeat purchase periods (frequency x): periods with a purchase after the first.
    pub frequency: u32,
    /// `RTN_CHURN_GRAIN_DAY`, `RTN_CHURN_GRAIN_WEEK` or `RTN_CHURN_GRAIN_MONTH`.
    pub grain: u8,
    /// False before the first recorded purchase (the other fields are then 0).
    pub has_purchases: bool,
}

/// Reads the churn summary of `*customer` into `*churn_out`. Recency and age depend on the day
/// and the model's unit: `rtn_churn_risk_of_customer` scores the record directly.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `customer` must be NULL or valid; `churn_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_get_churn(
    customer: *const rtn_customer,
    churn_out: *mut rtn_customer_churn,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (customer, churn_out) = unsafe { (In::new(customer), Out::new(churn_out)) };
        let churn_out = churn_out.required()?;
        let summary = &customer.value()?.churn;
        churn_out.write(rtn_customer_churn {
            repeat_spend_minor: summary.repeat_spend().minor(),
            mean_spend_minor: summary.mean_spend_rounded().minor(),
            first_period: summary.first_period().unwrap_or(0),
            last_period: summary.last_period().unwrap_or(0),
            frequency: summary.frequency(),
            grain: summary.grain().code(),
            has_purchases: summary.has_purchases(),
        });
        Ok(())
    })
}

/// Replaces the churn summary of `*customer` with `*churn` (a back-office import of a
/// customer's history, or a re-grain: `has_purchases` false and the new `grain`). The fields
/// are checked as a decoded record's are; `mean_spend_minor` is ignored. The record's last
/// counted sale is kept, so replays stay detected.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_CUSTOMER_INVALID_CHURN`
/// (unknown grain, first period after the last, `frequency` not matching the span — 0 exactly
/// when first equals last, at most last − first — negative spend, a period outside the years
/// 1900–9999). On error the record is unchanged.
///
/// # Safety
/// `customer` must be NULL or valid and not accessed elsewhere during the call; `churn` NULL
/// or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_set_churn(
    customer: *mut rtn_customer,
    churn: *const rtn_customer_churn,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (customer, churn) = unsafe { (InOut::new(customer), In::new(churn)) };
        let churn = churn.get()?;
        let record = customer.value_mut()?;
        let grain = Grain::from_code(churn.grain).ok_or(rtn_status::RTN_CUSTOMER_INVALID_CHURN)?;
        let history = churn.has_purchases.then_some((
            churn.first_period,
            churn.last_period,
            churn.frequency,
            Money::from_minor(churn.repeat_spend_minor),
        ));
        record.churn = ChurnSummary::from_parts(grain, history)?;
        Ok(())
    })
}

/// Initialises `*customer_out` with a new customer: no tier, no segments, no visits, no
/// birthday, no usage, an empty churn summary of day grain (`RTN_CHURN_GRAIN_DAY`).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`.
///
/// # Safety
/// `customer_out` must be NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_init(customer_out: *mut rtn_customer) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `customer_out` is as the `# Safety` section above promises.
        let customer_out = unsafe { Out::new(customer_out) }.required()?;
        customer_out.init(CustomerRecord::new());
        Ok(())
    })
}

/// Sets the fields the operator manages: the tier, the segment flags and the birthday
/// (`birthday_month` 0 and `birthday_day` 0: none; 29 February is allowed). Visits and usage
/// counts are the rules' to update.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_CUSTOMER_INVALID_BIRTHDAY`
/// (not a calendar day, or only one of the two is 0). On error the record is unchanged.
///
/// # Safety
/// `customer` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_set_profile(
    customer: *mut rtn_customer,
    tier: u8,
    segments: u32,
    birthday_month: u8,
    birthday_day: u8,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `customer` is as the `# Safety` section above promises.
        let record = unsafe { InOut::new(customer) }.value_mut()?;
        let birthday = match (birthday_month, birthday_day) {
            (0, 0) => None,
            (month, day) => {
                Some(Birthday::new(month, day).map_err(|error| TimeUse::Birthday.refuse(error))?)
            }
        };
        record.tier = tier;
        record.segments = segments;
        record.birthday = birthday;
        Ok(())
    })
}

/// Sets the customer's first visit day (days since 1970-01-01; 0: unknown), for a record read
/// from format version 1 or 2, which did not keep it: the membership anniversary counts from
/// it. The rules set it on a new customer's first sale.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_CUSTOMER_INVALID_FIRST_VISIT`
/// (outside the years 1900–9999, or after the last visit). On error the record is unchanged.
///
/// # Safety
/// `customer` must be NULL or valid and not accessed elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_set_first_visit(
    customer: *mut rtn_customer,
    first_visit: i32,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: `customer` is as the `# Safety` section above promises.
        let record = unsafe { InOut::new(customer) }.value_mut()?;
        let first = optional_day(first_visit, TimeUse::FirstVisit)?;
        let mut updated = record.clone();
        updated.first_visit = first.map(Day::number);
        updated.validate()?;
        *record = updated;
        Ok(())
    })
}

/// Writes the record's fields to `*profile_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `customer` must be NULL or valid; `profile_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_get_profile(
    customer: *const rtn_customer,
    profile_out: *mut rtn_customer_profile,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (customer, profile_out) = unsafe { (In::new(customer), Out::new(profile_out)) };
        let profile_out = profile_out.required()?;
        let record = customer.value()?;
        let last_visit = record
            .last_visit_day()
            .map_err(|_| rtn_status::RTN_INTERNAL)?;
        let first_visit = record
            .first_visit_day()
            .map_err(|_| rtn_status::RTN_INTERNAL)?;
        profile_out.write(rtn_customer_profile {
            segments: record.segments,
            visits: record.visits,
            last_visit: day_number(last_visit),
            first_visit: day_number(first_visit),
            tier: record.tier,
            birthday_month: record.birthday.map_or(0, Birthday::month),
            birthday_day: record.birthday.map_or(0, Birthday::day),
            usage_count: u8::try_from(record.usage.len()).map_err(|_| rtn_status::RTN_INTERNAL)?,
        });
        Ok(())
    })
}

/// Copies the record's usage counters into `usage_out` (room for `capacity` entries;
/// `RTN_CUSTOMER_MAX_USAGE_COUNTS` always suffices) and writes their number to `*count_out`.
/// `usage_out` may be NULL when `capacity` is 0.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL` (nothing
/// written).
///
/// # Safety
/// `customer` must be NULL or valid; `usage_out` valid for `capacity` entries; `count_out`
/// NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_usage(
    customer: *const rtn_customer,
    usage_out: *mut rtn_usage_count,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (customer, usage_out) = unsafe {
            (
                In::new(customer),
                OutArray::new(usage_out, capacity, count_out),
            )
        };
        usage_out.copy_from(&customer.value()?.usage, |usage| {
            Ok(rtn_usage_count {
                index: usage.index,
                counter: usage.counter,
                count: usage.count,
                period: usage.period.into(),
            })
        })
    })
}

/// Writes the record's blob to `out` (`out_len` bytes; `RTN_CUSTOMER_MAX_LEN` always
/// suffices), tagged with `*seal` (the operator's key; context: the customer id), and its
/// length to `*written_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (a length beyond `PTRDIFF_MAX`,
/// such as `SIZE_MAX`); `RTN_UNINITIALIZED`; `RTN_SEAL_REQUIRED`; `RTN_KEY_TOO_SHORT`;
/// `RTN_CONTEXT_TOO_LONG`; `RTN_BUFFER_TOO_SMALL`. On error nothing is written.
///
/// # Safety
/// `customer` and `seal` must be NULL or valid; `out` valid for `out_len` bytes and not
/// overlapping the record; `written_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_encode(
    customer: *const rtn_customer,
    seal: *const rtn_seal,
    out: *mut u8,
    out_len: usize,
    written_out: *mut usize,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (customer, seal, out, written_out) = unsafe {
            (
                In::new(customer),
                In::new(seal),
                OutSlice::new(out, out_len),
                Out::new(written_out),
            )
        };
        let written_out = written_out.required()?;
        let (record, out, seal) = (customer.value()?, out.get()?, rtn_seal::read(seal)?);
        written_out.write(record.encode(seal.ok_or(rtn_status::RTN_SEAL_REQUIRED)?, out)?);
        Ok(())
    })
}

/// Verifies a customer-record blob with `*seal` (key and customer id) and initialises
/// `*customer_out` with it.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (a length beyond `PTRDIFF_MAX`,
/// such as `SIZE_MAX`); `RTN_SEAL_REQUIRED`; `RTN_KEY_TOO_SHORT`; `RTN_CONTEXT_TOO_LONG`;
/// `RTN_DECODE_TRUNCATED`; `RTN_DECODE_BAD_MAGIC`; `RTN_DECODE_UNKNOWN_KIND`;
/// `RTN_DECODE_WRONG_KIND`; `RTN_DECODE_UNSUPPORTED_VERSION`; `RTN_DECODE_LENGTH_MISMATCH`;
/// `RTN_DECODE_BAD_CHECKSUM`; `RTN_DECODE_BAD_TAG` (wrong key, another customer's record, forged);
/// `RTN_DECODE_PAYLOAD`; `RTN_DECODE_OVER_CAPACITY`; `RTN_DECODE_OUT_OF_RANGE`. On error
/// `*customer_out` is not written.
///
/// # Safety
/// `blob` must be valid for `blob_len` bytes; `seal` NULL or valid; `customer_out` NULL or
/// valid for a write and not overlapping `blob`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_decode(
    blob: *const u8,
    blob_len: usize,
    seal: *const rtn_seal,
    customer_out: *mut rtn_customer,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (blob, seal, customer_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(seal),
                Out::new(customer_out),
            )
        };
        let customer_out = customer_out.required()?;
        let (blob, seal) = (blob.get()?, rtn_seal::read(seal)?);
        let record = CustomerRecord::decode(blob, seal.ok_or(rtn_status::RTN_SEAL_REQUIRED)?)?;
        customer_out.init(record);
        Ok(())
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const KEY: [u8; 32] = [0x42; 32];

    pub(crate) fn empty() -> rtn_customer {
        rtn_customer {
            opaque: [MaybeUninit::new(0); RTN_CUSTOMER_STORAGE_WORDS],
        }
    }

    #[test]
    fn profile_round_trip_and_bad_input() {
        let mut customer = empty();
        let mut profile = rtn_customer_profile::default();
        let seal = rtn_seal {
            key: KEY.as_ptr(),
            key_len: KEY.len(),
            context: b"customer-7".as_ptr(),
            context_len: 10,
        };
        let mut blob = [0u8; RTN_CUSTOMER_MAX_LEN];
        let mut written = 0usize;
        let mut back = empty();
        // SAFETY: valid pointers and lengths; NULL and zeroed storage are rejected first.
        unsafe {
            assert_eq!(
                rtn_customer_get_profile(&customer, &mut profile),
                rtn_status::RTN_UNINITIALIZED
            );
            assert_eq!(rtn_customer_init(&mut customer), rtn_status::RTN_OK);
            assert_eq!(
                rtn_customer_set_profile(&mut customer, 2, 0b101, 2, 30),
                rtn_status::RTN_CUSTOMER_INVALID_BIRTHDAY
            );
            assert_eq!(
                rtn_customer_set_profile(&mut customer, 2, 0b101, 0, 7),
                rtn_status::RTN_CUSTOMER_INVALID_BIRTHDAY
            );
            assert_eq!(
                rtn_customer_set_profile(&mut customer, 2, 0b101, 2, 29),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_customer_encode(
                    &customer,
                    core::ptr::null(),
                    blob.as_mut_ptr(),
                    blob.len(),
                    &mut written
                ),
                rtn_status::RTN_SEAL_REQUIRED
            );
            assert_eq!(
                rtn_customer_encode(
                    &customer,
                    &seal,
                    blob.as_mut_ptr(),
                    blob.len(),
                    &mut written
                ),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_customer_decode(blob.as_ptr(), written, &seal, &mut back),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_customer_get_profile(&back, &mut profile),
                rtn_status::RTN_OK
            );
        }
        assert_eq!(
            profile,
            rtn_customer_profile {
                segments: 0b101,
                visits: 0,
                last_visit: 0,
                first_visit: 0,
                tier: 2,
                birthday_month: 2,
                birthday_day: 29,
                usage_count: 0,
            }
        );
        let mut count = 9usize;
        // SAFETY: NULL usage buffer with capacity 0 is allowed.
        unsafe {
            assert_eq!(
                rtn_customer_usage(&back, core::ptr::null_mut(), 0, &mut count),
                rtn_status::RTN_OK
            );
        }
        assert_eq!(count, 0);
        // Another customer's context: refused, storage untouched.
        let other = rtn_seal {
            context: b"customer-8".as_ptr(),
            ..seal
        };
        let mut untouched = empty();
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                rtn_customer_decode(blob.as_ptr(), written, &other, &mut untouched),
                rtn_status::RTN_DECODE_BAD_TAG
            );
            assert_eq!(
                rtn_customer_get_profile(&untouched, &mut profile),
                rtn_status::RTN_UNINITIALIZED
            );
        }
    }
}
