//! Customer feedback in C: record a customer's answer to the NPS question ("how likely are you
//! to recommend us, 0 to 10?") in their record, and read back the latest one with its group.

use retention_core::customer::FeedbackRecorded;
use retention_core::error::TimeUse;
use retention_core::feedback::{Feedback, FeedbackChannel, FeedbackGroup, MAX_SCORE, NpsScore};
use retention_core::time::Day;

use crate::boundary;
use crate::customer::rtn_customer;
use crate::handle::{In, InOut, Out};
use crate::status::rtn_status;
use crate::terminal::rtn_event_id;

/// The highest NPS score (scores are 0..=10).
pub const RTN_FEEDBACK_MAX_SCORE: u8 = 10;
/// Group of scores 0–6: unhappy, likely to leave and to say so.
pub const RTN_FEEDBACK_GROUP_DETRACTOR: u8 = 0;
/// Group of scores 7–8: satisfied but unenthusiastic.
pub const RTN_FEEDBACK_GROUP_PASSIVE: u8 = 1;
/// Group of scores 9–10: loyal enthusiasts.
pub const RTN_FEEDBACK_GROUP_PROMOTER: u8 = 2;
/// Channel: at the till (the terminal's keypad or customer display).
pub const RTN_FEEDBACK_CHANNEL_TILL: u8 = 0;
/// Channel: a web survey (a link or QR code on the receipt).
pub const RTN_FEEDBACK_CHANNEL_WEB: u8 = 1;
/// Channel: the shop's app.
pub const RTN_FEEDBACK_CHANNEL_APP: u8 = 2;
/// Channel: an e-mail survey.
pub const RTN_FEEDBACK_CHANNEL_EMAIL: u8 = 3;
/// Channel: a text message.
pub const RTN_FEEDBACK_CHANNEL_SMS: u8 = 4;
/// Channel: a phone call.
pub const RTN_FEEDBACK_CHANNEL_PHONE: u8 = 5;
/// Channel: any other.
pub const RTN_FEEDBACK_CHANNEL_OTHER: u8 = 6;
/// `rtn_customer_record_feedback`: the answer is now the customer's latest.
pub const RTN_FEEDBACK_RECORDED: u8 = 0;
/// `rtn_customer_record_feedback`: the record holds this event already; nothing changed.
pub const RTN_FEEDBACK_REPLAYED: u8 = 1;
/// `rtn_customer_record_feedback`: the record holds a newer answer (a later day, or a later
/// event of the same terminal on the same day); nothing changed.
pub const RTN_FEEDBACK_OLDER: u8 = 2;

const _: () = {
    assert!(RTN_FEEDBACK_MAX_SCORE == MAX_SCORE);
    assert!(RTN_FEEDBACK_GROUP_DETRACTOR == FeedbackGroup::Detractor.code());
    assert!(RTN_FEEDBACK_GROUP_PASSIVE == FeedbackGroup::Passive.code());
    assert!(RTN_FEEDBACK_GROUP_PROMOTER == FeedbackGroup::Promoter.code());
    assert!(FeedbackGroup::ALL.len() == 3);
    assert!(RTN_FEEDBACK_CHANNEL_TILL == FeedbackChannel::Till.code());
    assert!(RTN_FEEDBACK_CHANNEL_WEB == FeedbackChannel::Web.code());
    assert!(RTN_FEEDBACK_CHANNEL_APP == FeedbackChannel::App.code());
    assert!(RTN_FEEDBACK_CHANNEL_EMAIL == FeedbackChannel::Email.code());
    assert!(RTN_FEEDBACK_CHANNEL_SMS == FeedbackChannel::Sms.code());
    assert!(RTN_FEEDBACK_CHANNEL_PHONE == FeedbackChannel::Phone.code());
    assert!(RTN_FEEDBACK_CHANNEL_OTHER == FeedbackChannel::Other.code());
    assert!(FeedbackChannel::ALL.len() == 7);
};

/// A customer's latest NPS answer (`rtn_customer_get_feedback`). Days are days since
/// 1970-01-01.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_customer_feedback {
    /// The event that recorded it.
    pub event: rtn_event_id,
    /// The answer's local day.
    pub day: i32,
    /// The score, 0..=`RTN_FEEDBACK_MAX_SCORE`.
    pub score: u8,
    /// Its group, `RTN_FEEDBACK_GROUP_*`.
    pub group: u8,
    /// How it came, `RTN_FEEDBACK_CHANNEL_*`.
    pub channel: u8,
    /// False when the customer never answered (the other fields are then 0).
    pub has_feedback: bool,
}

/// Records the NPS answer `score` given on local day `day` (days since 1970-01-01) through
/// `channel` (`RTN_FEEDBACK_CHANNEL_*`), brought by `event`, in `*customer`, checked against
/// `today` (the terminal's local day). The record keeps the latest answer only: a replay of
/// the kept event, an answer of an earlier day, or an earlier event of the kept one's terminal
/// on the same day changes nothing. `*recorded_out` says which: `RTN_FEEDBACK_RECORDED`,
/// `RTN_FEEDBACK_REPLAYED` or `RTN_FEEDBACK_OLDER`. Sequence 0 means "no event id" and is never
/// taken for a replay.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`;
/// `RTN_FEEDBACK_SCORE_OUT_OF_RANGE` (`score` above 10); `RTN_FEEDBACK_INVALID_CHANNEL`;
/// `RTN_FEEDBACK_INVALID_DAY` (`day` outside the years 1900–9999); `RTN_INVALID_ARGUMENT`
/// (`today` outside them); `RTN_FEEDBACK_BEFORE_FIRST_VISIT` (the record's first visit day
/// is known and later than `day`); `RTN_FEEDBACK_IN_FUTURE` (`day` more than one day after
/// `today`). On error the record and `*recorded_out` are unchanged.
///
/// # Safety
/// `customer` must be NULL or valid and not accessed elsewhere during the call;
/// `recorded_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_record_feedback(
    customer: *mut rtn_customer,
    event: rtn_event_id,
    score: u8,
    day: i32,
    channel: u8,
    today: i32,
    recorded_out: *mut u8,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (customer, recorded_out) = unsafe { (InOut::new(customer), Out::new(recorded_out)) };
        let recorded_out = recorded_out.required()?;
        let record = customer.value_mut()?;
        let feedback = Feedback {
            score: NpsScore::new(score)?,
            day: Day::from_number(day).map_err(|error| TimeUse::FeedbackDay.refuse(error))?,
            channel: FeedbackChannel::from_code(channel)
                .ok_or(rtn_status::RTN_FEEDBACK_INVALID_CHANNEL)?,
        };
        let today = Day::from_number(today)?;
        let recorded = match record.record_feedback(event.into(), feedback, today)? {
            FeedbackRecorded::Recorded => RTN_FEEDBACK_RECORDED,
            FeedbackRecorded::Replayed => RTN_FEEDBACK_REPLAYED,
            FeedbackRecorded::Older => RTN_FEEDBACK_OLDER,
        };
        recorded_out.write(recorded);
        Ok(())
    })
}

/// Writes the customer's latest NPS answer to `*feedback_out` (`has_feedback` false, all else
/// 0, when they never answered).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `customer` must be NULL or valid; `feedback_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_customer_get_feedback(
    customer: *const rtn_customer,
    feedback_out: *mut rtn_customer_feedback,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (customer, feedback_out) = unsafe { (In::new(customer), Out::new(feedback_out)) };
        let feedback_out = feedback_out.required()?;
        let latest = customer.value()?.feedback;
        feedback_out.write(
            latest.map_or_else(rtn_customer_feedback::default, |latest| {
                rtn_customer_feedback {
                    event: latest.event.into(),
                    day: latest.feedback.day.number(),
                    score: latest.feedback.score.get(),
                    group: latest.group().code(),
                    channel: latest.feedback.channel.code(),
                    has_feedback: true,
                }
            }),
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{rtn_customer_init, rtn_customer_set_first_visit, tests::empty};

    fn id(terminal: u32, sequence: u32) -> rtn_event_id {
        rtn_event_id { terminal, sequence }
    }

    #[test]
    fn record_and_read_feedback() {
        use rtn_status::*;
        let mut customer = empty();
        let mut recorded = 9u8;
        let mut latest = rtn_customer_feedback::default();
        // SAFETY: valid pointers throughout; zeroed storage is rejected first.
        unsafe {
            assert_eq!(
                rtn_customer_record_feedback(
                    &mut customer,
                    id(1, 1),
                    3,
                    19_800,
                    0,
                    19_800,
                    &mut recorded
                ),
                RTN_UNINITIALIZED
            );
            assert_eq!(rtn_customer_init(&mut customer), RTN_OK);
            assert_eq!(rtn_customer_get_feedback(&customer, &mut latest), RTN_OK);
            assert_eq!(latest, rtn_customer_feedback::default());
            assert_eq!(rtn_customer_set_first_visit(&mut customer, 19_790), RTN_OK);
            // Bad input, each with its status; the record stays without feedback.
            let cases = [
                (
                    11,
                    19_800,
                    RTN_FEEDBACK_CHANNEL_TILL,
                    19_800,
                    RTN_FEEDBACK_SCORE_OUT_OF_RANGE,
                ),
                (3, 19_800, 7, 19_800, RTN_FEEDBACK_INVALID_CHANNEL),
                (3, 2_932_897, 0, 19_800, RTN_FEEDBACK_INVALID_DAY),
                (3, 19_800, 0, -25_568, RTN_INVALID_ARGUMENT),
                (3, 19_789, 0, 19_800, RTN_FEEDBACK_BEFORE_FIRST_VISIT),
                (3, 19_802, 0, 19_800, RTN_FEEDBACK_IN_FUTURE),
            ];
            for (score, day, channel, today, status) in cases {
                assert_eq!(
                    rtn_customer_record_feedback(
                        &mut customer,
                        id(1, 1),
                        score,
                        day,
                        channel,
                        today,
                        &mut recorded
                    ),
                    status
                );
            }
            assert_eq!(recorded, 9);
            assert_eq!(
                rtn_customer_record_feedback(
                    &mut customer,
                    id(1, 1),
                    3,
                    19_800,
                    0,
                    19_800,
                    core::ptr::null_mut()
                ),
                RTN_NULL_PARAMETER
            );
            assert_eq!(rtn_customer_get_feedback(&customer, &mut latest), RTN_OK);
            assert!(!latest.has_feedback);
            // A detractor's 3 at the till on day 19800, one day ahead allowed.
            assert_eq!(
                rtn_customer_record_feedback(
                    &mut customer,
                    id(1, 1),
                    3,
                    19_801,
                    RTN_FEEDBACK_CHANNEL_TILL,
                    19_800,
                    &mut recorded
                ),
                RTN_OK
            );
            assert_eq!(recorded, RTN_FEEDBACK_RECORDED);
            assert_eq!(
                rtn_customer_record_feedback(
                    &mut customer,
                    id(1, 1),
                    10,
                    19_801,
                    0,
                    19_800,
                    &mut recorded
                ),
                RTN_OK
            );
            assert_eq!(recorded, RTN_FEEDBACK_REPLAYED);
            assert_eq!(
                rtn_customer_record_feedback(
                    &mut customer,
                    id(2, 9),
                    10,
                    19_795,
                    1,
                    19_800,
                    &mut recorded
                ),
                RTN_OK
            );
            assert_eq!(recorded, RTN_FEEDBACK_OLDER);
            assert_eq!(rtn_customer_get_feedback(&customer, &mut latest), RTN_OK);
        }
        assert_eq!(
            latest,
            rtn_customer_feedback {
                event: id(1, 1),
                day: 19_801,
                score: 3,
                group: RTN_FEEDBACK_GROUP_DETRACTOR,
                channel: RTN_FEEDBACK_CHANNEL_TILL,
                has_feedback: true,
            }
        );
    }
}
