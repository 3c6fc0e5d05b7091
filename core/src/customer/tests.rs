//! Customer record tests: encoding round trips and pinned bytes, usage counters, the churn
//! summary and its grain, validation.

use super::*;
use proptest::prelude::*;

const KEY: [u8; 32] = [0x42; 32];

fn seal() -> Seal<'static> {
    Seal::new(&KEY, b"customer-7").unwrap()
}

/// The record of the pinned-bytes tests, without its churn summary.
fn pinned_record() -> CustomerRecord {
    let mut record = CustomerRecord::new();
    record.tier = 2;
    record.segments = 0b101;
    record.visits = 300;
    record.last_visit = Some(19_782); // 2024-02-29
    record.birthday = Some(Birthday::new(3, 7).unwrap());
    record
        .usage
        .push(UsageCount {
            counter: 7,
            period: UsagePeriod::Day,
            index: 19_782,
            count: 1,
        })
        .unwrap();
    record
}

/// The version 1 payload of [`pinned_record`], worked by hand from the postcard rules:
/// tier 02 | segments 05 | visits 300 = ac 02 | Some 01, 19782 zig-zag 39564 =
/// 0x9a8c -> varint 8c b5 02 | Some 01, month 03, day 07 | 1 counter: 01,
/// counter 07, period Day 00, index 19782 -> 8c b5 02, count 01.
const V1_PAYLOAD: [u8; 18] = [
    0x02, 0x05, 0xac, 0x02, 0x01, 0x8c, 0xb5, 0x02, 0x01, 0x03, 0x07, 0x01, 0x07, 0x00, 0x8c, 0xb5,
    0x02, 0x01,
];

/// What version 2 appends to [`V1_PAYLOAD`] for the two sales of [`pinned_bytes`] (worked out
/// there).
const V2_ADDED: [u8; 14] = [
    0x00, 0x01, 0xe8, 0xb3, 0x02, 0x8c, 0xb5, 0x02, 0x01, 0x88, 0x27, 0x01, 0x01, 0x1c,
];

#[test]
fn pinned_bytes() {
    let mut record = pinned_record();
    // 10.00 on day 19700 (2023-12-09), 25.00 on day 19782: one repeat day.
    record
        .record_sale(
            EventId::new(1, 27),
            Day::from_number(19_700).unwrap(),
            Money::from_minor(1000),
        )
        .unwrap();
    record
        .record_sale(
            EventId::new(1, 28),
            Day::from_number(19_782).unwrap(),
            Money::from_minor(2500),
        )
        .unwrap();
    record.first_visit = Some(19_700);
    // A score of 3 (a detractor) at the till on day 19782, event T1#29.
    let answer = Feedback {
        score: crate::feedback::NpsScore::new(3).unwrap(),
        day: Day::from_number(19_782).unwrap(),
        channel: crate::feedback::FeedbackChannel::Till,
    };
    assert_eq!(
        record.record_feedback(EventId::new(1, 29), answer, answer.day),
        Ok(FeedbackRecorded::Recorded)
    );
    let mut blob = [0u8; CUSTOMER_MAX_LEN];
    let used = record.encode(seal(), &mut blob).unwrap();
    // Version 2 appends the churn summary and the last counted sale: grain Day 00 | Some 01
    // | first period 19700 zig-zag 39400 = 0x99e8 -> e8 b3 02 | last period 19782 -> 8c b5
    // 02 | 1 repeat 01 | repeat spend 2500 zig-zag 5000 = 0x1388 -> 88 27 | Some 01,
    // terminal 01, sequence 28 = 1c.
    let mut payload = V1_PAYLOAD.to_vec();
    payload.extend_from_slice(&V2_ADDED);
    // Version 3 appends the first visit and the latest feedback: Some 01, 19700 -> e8 b3 02
    // | Some 01, score 03, day 19782 -> 8c b5 02, channel till 00, terminal 01, sequence
    // 29 = 1d.
    payload.extend_from_slice(&[
        0x01, 0xe8, 0xb3, 0x02, 0x01, 0x03, 0x8c, 0xb5, 0x02, 0x00, 0x01, 0x1d,
    ]);
    assert_eq!(used, OVERHEAD_LEN + payload.len() + LONG_TAG_LEN);
    assert_eq!(
        &blob[..6],
        &[0x52, 0x54, 0x03, 0x11, payload.len() as u8, 0]
    );
    assert_eq!(&blob[6..6 + payload.len()], payload.as_slice());
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()).unwrap(),
        record
    );
    // Another customer's context is refused.
    let other = Seal::new(&KEY, b"customer-8").unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], other),
        Err(DecodeError::BadTag)
    );
}

/// A blob framed by hand as docs/formats.md describes it (magic, version, kind, length,
/// payload, CRC-32 of all that, HMAC-SHA256 over context length, context and the rest,
/// first 16 bytes), independently of `envelope`.
fn framed(version: u8, payload: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut blob = vec![0x52, 0x54, version, 0x11, payload.len() as u8, 0];
    blob.extend_from_slice(payload);
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob);
    blob.extend_from_slice(&crc.to_le_bytes());
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&KEY).unwrap();
    mac.update(&[10]);
    mac.update(b"customer-7");
    mac.update(&blob);
    blob.extend_from_slice(&mac.finalize().into_bytes()[..16]);
    blob
}

#[test]
fn version_1_still_decodes_with_an_empty_summary() {
    let blob = framed(1, &V1_PAYLOAD);
    let record = CustomerRecord::decode(&blob, seal()).unwrap();
    assert_eq!(record, pinned_record());
    assert!(!record.churn.has_purchases());
    assert_eq!(record.churn.grain(), DEFAULT_CHURN_GRAIN);
    assert_eq!(record.churn_event, None);
    // A version 1 payload is not a version 2 payload (it lacks the summary) ...
    assert_eq!(
        CustomerRecord::decode(&framed(2, &V1_PAYLOAD), seal()),
        Err(DecodeError::Payload)
    );
    // ... and a version 4 is refused.
    assert_eq!(
        CustomerRecord::decode(&framed(4, &V1_PAYLOAD), seal()),
        Err(DecodeError::UnsupportedVersion {
            found: 4,
            newest: 3
        })
    );
    // The hand framing agrees with the encoder's on version 3.
    let mut record = pinned_record();
    record
        .record_sale(
            EventId::new(1, 1),
            Day::from_number(19_782).unwrap(),
            Money::ZERO,
        )
        .unwrap();
    let mut blob = [0u8; CUSTOMER_MAX_LEN];
    let used = record.encode(seal(), &mut blob).unwrap();
    let payload = postcard::to_allocvec(&record).unwrap();
    assert_eq!(&blob[..used], framed(3, &payload).as_slice());
}

#[test]
fn version_2_still_decodes_without_first_visit_and_feedback() {
    let mut payload = V1_PAYLOAD.to_vec();
    payload.extend_from_slice(&V2_ADDED);
    let record = CustomerRecord::decode(&framed(2, &payload), seal()).unwrap();
    // The two sales of pinned_bytes, by hand: days 19700 and 19782, one repeat of 25.00.
    assert_eq!(record.churn.first_period(), Some(19_700));
    assert_eq!(record.churn.last_period(), Some(19_782));
    assert_eq!(record.churn.frequency(), 1);
    assert_eq!(record.churn.repeat_spend(), Money::from_minor(2500));
    assert_eq!(record.churn_event, Some(EventId::new(1, 28)));
    // Unknown: version 2 did not keep them.
    assert_eq!(record.first_visit, None);
    assert_eq!(record.feedback, None);
    // A version 2 payload is not a version 3 payload (it lacks the two options).
    assert_eq!(
        CustomerRecord::decode(&framed(3, &payload), seal()),
        Err(DecodeError::Payload)
    );
}

fn answer(score: u8, day: i32) -> Feedback {
    Feedback {
        score: crate::feedback::NpsScore::new(score).unwrap(),
        day: Day::from_number(day).unwrap(),
        channel: crate::feedback::FeedbackChannel::Web,
    }
}

#[test]
fn feedback_keeps_the_latest_answer_once() {
    let today = Day::from_number(20_000).unwrap();
    let mut record = CustomerRecord::new();
    record.first_visit = Some(19_990);
    record.last_visit = Some(19_999);
    assert_eq!(record.feedback_group(), None);
    // A detractor's answer on day 19995, event T2#5.
    let first = answer(4, 19_995);
    assert_eq!(
        record.record_feedback(EventId::new(2, 5), first, today),
        Ok(FeedbackRecorded::Recorded)
    );
    assert_eq!(record.feedback_group(), Some(FeedbackGroup::Detractor));
    let kept = record.clone();
    // Its replay, even with another score, changes nothing.
    assert_eq!(
        record.record_feedback(EventId::new(2, 5), answer(10, 19_995), today),
        Ok(FeedbackRecorded::Replayed)
    );
    // An answer of an earlier day, whatever its event, does not replace it.
    assert_eq!(
        record.record_feedback(EventId::new(3, 100), answer(9, 19_994), today),
        Ok(FeedbackRecorded::Older)
    );
    // An earlier event of the same terminal on the same day does not either.
    assert_eq!(
        record.record_feedback(EventId::new(2, 4), answer(9, 19_995), today),
        Ok(FeedbackRecorded::Older)
    );
    assert_eq!(record, kept);
    // Errors leave the record unchanged: before the first visit (19990), or two days ahead.
    assert_eq!(
        record.record_feedback(EventId::new(2, 6), answer(9, 19_989), today),
        Err(FeedbackError::BeforeFirstVisit)
    );
    assert_eq!(
        record.record_feedback(EventId::new(2, 6), answer(9, 20_002), today),
        Err(FeedbackError::InFuture)
    );
    assert_eq!(record, kept);
    // One day ahead is allowed (a terminal's clock or zone ahead); a later event of another
    // terminal on the same day as the kept one replaces it, and so does a later day.
    assert_eq!(
        record.record_feedback(EventId::new(7, 1), answer(8, 19_995), today),
        Ok(FeedbackRecorded::Recorded)
    );
    assert_eq!(record.feedback_group(), Some(FeedbackGroup::Passive));
    assert_eq!(
        record.record_feedback(EventId::new(2, 6), answer(10, 20_001), today),
        Ok(FeedbackRecorded::Recorded)
    );
    let latest = record.feedback.unwrap();
    assert_eq!(latest.event, EventId::new(2, 6));
    assert_eq!(latest.feedback.score.get(), 10);
    assert_eq!(latest.feedback.day.number(), 20_001);
    assert_eq!(latest.group(), FeedbackGroup::Promoter);
    // Without a known first visit (an older record), any past day is accepted.
    let mut old = CustomerRecord::new();
    old.visits = 12;
    assert_eq!(
        old.record_feedback(EventId::new(1, 0), answer(0, 10), today),
        Ok(FeedbackRecorded::Recorded)
    );
    // Sequence 0 is never a replay: a second anonymous answer of a later day is kept.
    assert_eq!(
        old.record_feedback(EventId::new(1, 0), answer(6, 11), today),
        Ok(FeedbackRecorded::Recorded)
    );
    assert_eq!(old.feedback.unwrap().feedback.day.number(), 11);
}

#[test]
fn first_visit_is_validated() {
    let mut record = CustomerRecord::new();
    record.first_visit = Some(19_000);
    assert_eq!(record.validate(), Ok(()));
    record.last_visit = Some(18_999);
    assert_eq!(record.validate(), Err(RecordError::InvalidFirstVisit));
    record.last_visit = Some(19_000);
    assert_eq!(record.validate(), Ok(()));
    // 2_932_897 is 10000-01-01.
    record.first_visit = Some(2_932_897);
    record.last_visit = None;
    assert_eq!(record.validate(), Err(RecordError::InvalidFirstVisit));
}

#[test]
fn sales_count_once_per_event() {
    let mut record = CustomerRecord::new();
    let day = |n| Day::from_number(n).unwrap();
    let sale = |r: &mut CustomerRecord, t, s, d, m| {
        r.record_sale(EventId::new(t, s), day(d), Money::from_minor(m))
    };
    assert_eq!(sale(&mut record, 1, 5, 100, 500), Ok(SaleCounted::Counted));
    assert_eq!(sale(&mut record, 1, 6, 103, 700), Ok(SaleCounted::Counted));
    let once = record.clone();
    // The same event again, or an earlier one of terminal 1: not counted.
    assert_eq!(sale(&mut record, 1, 6, 103, 700), Ok(SaleCounted::Replayed));
    assert_eq!(sale(&mut record, 1, 2, 103, 700), Ok(SaleCounted::Replayed));
    assert_eq!(record, once);
    // x = 1 (day 103), repeat spend 7.00.
    assert_eq!(
        (record.churn.frequency(), record.churn.repeat_spend()),
        (1, Money::from_minor(700))
    );
    // Another terminal's sale the same day adds to that day's spend.
    assert_eq!(sale(&mut record, 2, 1, 103, 300), Ok(SaleCounted::Counted));
    assert_eq!(
        (record.churn.frequency(), record.churn.repeat_spend()),
        (1, Money::from_minor(1000))
    );
    assert_eq!(record.churn_event, Some(EventId::new(2, 1)));
    // A back-dated sale before day 103: left out, record unchanged.
    let before = record.clone();
    assert_eq!(
        sale(&mut record, 3, 1, 101, 300),
        Ok(SaleCounted::OutOfOrder)
    );
    assert_eq!(record, before);
    // Sequence 0 (no event id) is always counted.
    assert_eq!(sale(&mut record, 0, 0, 104, 100), Ok(SaleCounted::Counted));
    assert_eq!(sale(&mut record, 0, 0, 104, 100), Ok(SaleCounted::Counted));
    assert_eq!(record.churn.repeat_spend(), Money::from_minor(1200));
    // A negative amount is an error and changes nothing.
    let before = record.clone();
    assert_eq!(
        sale(&mut record, 4, 1, 105, -1),
        Err(PurchaseError::NegativeAmount)
    );
    assert_eq!(record, before);
}

#[test]
fn regrain_only_when_empty() {
    let mut record = CustomerRecord::new();
    assert_eq!(record.churn.grain(), Grain::Day);
    record.set_churn_grain(Grain::Week).unwrap();
    assert_eq!(record.churn.grain(), Grain::Week);
    record
        .record_sale(
            EventId::new(1, 1),
            Day::from_number(100).unwrap(),
            Money::ZERO,
        )
        .unwrap();
    let before = record.clone();
    assert_eq!(record.set_churn_grain(Grain::Day), Err(ChurnNotEmpty));
    assert_eq!(record, before);
}

#[test]
#[cfg_attr(miri, ignore)] // 400 HMACs: minutes under Miri, nothing unsafe.
fn every_single_bit_flip_is_refused() {
    let mut record = CustomerRecord::new();
    record.visits = 300;
    record.birthday = Some(Birthday::new(3, 7).unwrap());
    record.record_use(7, UsagePeriod::Day, 19_782).unwrap();
    record
        .record_sale(
            EventId::new(1, 28),
            Day::from_number(19_782).unwrap(),
            Money::from_minor(2500),
        )
        .unwrap();
    let mut blob = [0u8; CUSTOMER_MAX_LEN];
    let used = record.encode(seal(), &mut blob).unwrap();
    for byte in 0..used {
        for bit in 0..8 {
            let mut flipped = blob;
            flipped[byte] ^= 1 << bit;
            assert!(
                CustomerRecord::decode(&flipped[..used], seal()).is_err(),
                "byte {byte} bit {bit}"
            );
        }
    }
}

fn full_record() -> CustomerRecord {
    let mut record = CustomerRecord {
        tier: u8::MAX,
        segments: u32::MAX,
        visits: u32::MAX,
        last_visit: Some(2_932_896),
        birthday: Some(Birthday::new(12, 31).unwrap()),
        usage: Bounded::new(),
        churn: ChurnSummary::new(Grain::Day),
        churn_event: Some(EventId::new(u32::MAX, u32::MAX)),
        // 9999-12-31 takes 4 bytes (zig-zag 5_865_792 < 2^28); the feedback's event 5 + 5.
        first_visit: Some(2_932_896),
        feedback: Some(LatestFeedback {
            feedback: Feedback {
                score: crate::feedback::NpsScore::new(10).unwrap(),
                day: Day::from_number(2_932_896).unwrap(),
                channel: crate::feedback::FeedbackChannel::Other,
            },
            event: EventId::new(u32::MAX, u32::MAX),
        }),
    };
    // The longest summary (see CUSTOMER_MAX_LEN): first period 2^20 (zig-zag 2^21, 4
    // bytes), last 9999-12-31 (4 bytes), repeats 2_932_896 − 2^20 = 1_884_320 (3 bytes),
    // spend i64::MAX (10 bytes).
    let first = Day::from_number(1 << 20).unwrap();
    let last = Day::from_number(2_932_896).unwrap();
    record.churn.record_purchase(first, Money::ZERO).unwrap();
    for day in (1 << 20) + 1..2_932_896 {
        record
            .churn
            .record_purchase(Day::from_number(day).unwrap(), Money::ZERO)
            .unwrap();
    }
    record
        .churn
        .record_purchase(last, Money::from_minor(i64::MAX))
        .unwrap();
    assert_eq!(record.churn.frequency(), 1_884_320);
    for counter in 0..MAX_USAGE_COUNTS as u16 {
        record
            .usage
            .push(UsageCount {
                counter: u16::MAX - counter,
                period: UsagePeriod::Campaign,
                index: i32::MIN,
                count: u16::MAX,
            })
            .unwrap();
    }
    record
}

#[test]
#[cfg_attr(miri, ignore)] // 1.9 million purchases to build the longest summary.
fn largest_record_fits_the_published_length() {
    let record = full_record();
    let mut blob = [0u8; CUSTOMER_MAX_LEN];
    let used = record.encode(seal(), &mut blob).unwrap();
    assert_eq!(used, CUSTOMER_MAX_LEN);
    assert_eq!(CustomerRecord::decode(&blob, seal()).unwrap(), record);
}

#[test]
fn decode_reports_capacity_and_range() {
    // 33 counters: a hand-built payload with the length byte 33.
    let mut payload = vec![0x00, 0x00, 0x00, 0x00, 0x00, 33];
    for _ in 0..33 {
        payload.extend_from_slice(&[0x01, 0x00, 0x00, 0x01]);
    }
    // Then an empty day-grain summary (00 00), no counted sale (00), no first visit (00), no
    // feedback (00).
    payload.extend_from_slice(&[0x00, 0x00, 0x00, 0x00, 0x00]);
    let mut blob = [0u8; 512];
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()),
        Err(DecodeError::OverCapacity)
    );
    // A birthday of 31 February.
    let payload = [
        0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()),
        Err(DecodeError::OutOfRange)
    );
    // A last visit in the year 10000 (day 2_932_897, zig-zag 5_865_794 = varint c2 82 e6 02).
    let payload = [
        0x00, 0x00, 0x00, 0x01, 0xc2, 0x82, 0xe6, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()),
        Err(DecodeError::OutOfRange)
    );
    // A first visit (day 2, zig-zag 04) after the last (day 1, zig-zag 02).
    let payload = [
        0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00,
    ];
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()),
        Err(DecodeError::OutOfRange)
    );
    // A feedback score of 11 (0b; day 1, till, event T1#1) is not the format; with a score of
    // 10 (0a) the same payload decodes.
    let mut payload = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x00, 0x01,
        0x01,
    ];
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    let decoded = CustomerRecord::decode(&blob[..used], seal()).unwrap();
    assert_eq!(decoded.feedback_group(), Some(FeedbackGroup::Promoter));
    payload[11] = 0x0b;
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()),
        Err(DecodeError::Payload)
    );
    // A summary that breaks its invariants (Some, first period 2 after last period 1) is
    // not the format.
    let payload = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()),
        Err(DecodeError::Payload)
    );
    // An unknown period (variant 6) is not the format.
    let payload = [0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x06, 0x00, 0x01];
    let used = envelope::encode_raw(Kind::Customer, &payload, Some(seal()), &mut blob).unwrap();
    assert_eq!(
        CustomerRecord::decode(&blob[..used], seal()),
        Err(DecodeError::Payload)
    );
}

#[test]
fn usage_counting() {
    let mut record = CustomerRecord::new();
    record.record_use(5, UsagePeriod::Day, 100).unwrap();
    record.record_use(5, UsagePeriod::Day, 100).unwrap();
    assert_eq!(record.usage_count(5, UsagePeriod::Day, 100), 2);
    // Next day: the count starts again at 1 in the same slot.
    record.record_use(5, UsagePeriod::Day, 101).unwrap();
    assert_eq!(record.usage_count(5, UsagePeriod::Day, 100), 0);
    assert_eq!(record.usage_count(5, UsagePeriod::Day, 101), 1);
    assert_eq!(record.usage.len(), 1);
    // A full table of lifetime counters refuses a new counter and stays as it was.
    let mut full = CustomerRecord::new();
    for counter in 0..MAX_USAGE_COUNTS as u16 {
        full.record_use(counter, UsagePeriod::Lifetime, 0).unwrap();
    }
    let before = full.clone();
    assert_eq!(
        full.record_use(999, UsagePeriod::Lifetime, 0),
        Err(UsageFull)
    );
    assert_eq!(full, before);
    // A full table with a passed day makes room by replacing it.
    let mut days = CustomerRecord::new();
    for counter in 0..MAX_USAGE_COUNTS as u16 {
        days.record_use(counter, UsagePeriod::Day, 10).unwrap();
    }
    days.record_use(999, UsagePeriod::Day, 11).unwrap();
    assert_eq!(days.usage_count(999, UsagePeriod::Day, 11), 1);
    assert_eq!(days.usage.len(), MAX_USAGE_COUNTS);
}

#[test]
fn validation() {
    let mut record = CustomerRecord::new();
    assert!(record.is_first_purchase());
    record.last_visit = Some(3_000_000);
    assert_eq!(record.validate(), Err(RecordError::LastVisitOutOfRange));
    record.last_visit = Some(0);
    assert!(!record.is_first_purchase());
    record.birthday = Some(Birthday { month: 2, day: 30 });
    assert_eq!(record.validate(), Err(RecordError::InvalidBirthday));
    record.birthday = None;
    let usage = UsageCount {
        counter: 1,
        period: UsagePeriod::Week,
        index: 3,
        count: 1,
    };
    record.usage.push(usage).unwrap();
    record.usage.push(usage).unwrap();
    assert_eq!(record.validate(), Err(RecordError::DuplicateUsage));
    assert_eq!(
        Birthday::new(2, 29).map(|b| (b.month(), b.day())),
        Ok((2, 29))
    );
    assert_eq!(Birthday::new(4, 31), Err(TimeError::InvalidDate));
}

proptest! {
    #[test]
    fn round_trip(tier: u8, segments: u32, visits: u32, last in proptest::option::of(-25_567i32..2_932_896),
                  counters in proptest::collection::vec((any::<u16>(), 0u8..6, any::<i32>(), any::<u16>()), 0..MAX_USAGE_COUNTS),
                  weekly: bool, start in -25_567i32..2_932_000,
                  sales in proptest::collection::vec((0i32..400, 0i64..1_000_000_000_000, 0u32..4, 1u32..1000), 0..12),
                  answer_of in proptest::option::of((0u8..=10, 0u8..7, any::<u32>(), any::<u32>()))) {
        let periods = [UsagePeriod::Day, UsagePeriod::Week, UsagePeriod::Month, UsagePeriod::Year, UsagePeriod::Lifetime, UsagePeriod::Campaign];
        let churn = ChurnSummary::new(if weekly { Grain::Week } else { Grain::Day });
        let mut record = CustomerRecord { tier, segments, visits, last_visit: last, birthday: Birthday::new(2, 29).ok(), usage: Bounded::new(), churn, churn_event: None, first_visit: last.map(|last| last.min(start)), feedback: None };
        if let Some((score, channel, terminal, sequence)) = answer_of {
            let day = Day::from_number(start).unwrap();
            let feedback = Feedback { score: crate::feedback::NpsScore::new(score).unwrap(), day, channel: crate::feedback::FeedbackChannel::from_code(channel).unwrap() };
            record.feedback = Some(LatestFeedback { feedback, event: EventId::new(terminal, sequence) });
        }
        let mut day = start;
        for (gap, amount, terminal, sequence) in sales {
            day = (day + gap).min(2_932_896);
            let _ = record.record_sale(EventId::new(terminal, sequence), Day::from_number(day).unwrap(), Money::from_minor(amount)).unwrap();
        }
        for (counter, period, index, count) in counters {
            let period = periods[usize::from(period)];
            if record.usage.iter().any(|u| u.counter == counter && u.period == period) { continue; }
            record.usage.push(UsageCount { counter, period, index, count }).unwrap();
        }
        let mut blob = [0u8; CUSTOMER_MAX_LEN];
        let used = record.encode(seal(), &mut blob).unwrap();
        let payload = postcard::to_allocvec(&record).unwrap();
        prop_assert_eq!(used, envelope::encoded_len(Kind::Customer, payload.len()));
        prop_assert!(used <= CUSTOMER_MAX_LEN);
        prop_assert_eq!(CustomerRecord::decode(&blob[..used], seal()).unwrap(), record);
    }
}

#[test]
fn usage_period_names() {
    let expected = [
        (UsagePeriod::Day, "day"),
        (UsagePeriod::Week, "week"),
        (UsagePeriod::Month, "month"),
        (UsagePeriod::Year, "year"),
        (UsagePeriod::Lifetime, "lifetime"),
        (UsagePeriod::Campaign, "campaign"),
    ];
    assert_eq!(UsagePeriod::ALL.len(), expected.len());
    for (period, name) in expected {
        assert_eq!(period.name(), name);
        assert_eq!(UsagePeriod::from_name(name), Some(period));
        // Rule documents spell periods the same way (serde).
        assert_eq!(
            serde_json::to_string(&period).unwrap(),
            std::format!("\"{name}\"")
        );
    }
    for refused in ["", "Day", "days", "validity", "D"] {
        assert_eq!(UsagePeriod::from_name(refused), None, "{refused:?}");
    }
}
