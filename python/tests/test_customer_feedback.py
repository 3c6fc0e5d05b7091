"""Feedback in the customer record from Python: the latest NPS answer and its group, replays and
older answers, the first visit day, the errors (this record unchanged), and the blob carrying both.
Groups by the NPS convention: 0-6 detractor, 7-8 passive, 9-10 promoter."""

import datetime as dt

import pytest

from retention import Customer, ValidationError

KEY = bytes(range(32))
TODAY = dt.date(2024, 3, 5)


def test_a_detractor_is_recorded_once() -> None:
    customer = Customer(visits=3, last_visit=TODAY)
    assert customer.feedback is None and customer.feedback_group is None
    assert customer.first_visit is None  # unknown until set
    after, result = customer.record_feedback((3, 41), 4, TODAY, TODAY)
    assert result == "recorded"
    assert after.feedback == (4, TODAY, "till", (3, 41))
    assert after.feedback_group == "detractor"
    assert customer.feedback is None  # immutable: the old record is unchanged
    # The same event again, even with another score: a replay.
    same, result = after.record_feedback((3, 41), 10, TODAY, TODAY)
    assert (same, result) == (after, "replayed")
    # Yesterday's web answer arriving late: older.
    same, result = after.record_feedback((8, 2), 9, TODAY - dt.timedelta(days=1), TODAY, channel="web")
    assert (same, result) == (after, "older")
    # Tomorrow's 8 from the app (a day ahead is allowed): a passive now.
    later, result = after.record_feedback((3, 42), 8, TODAY + dt.timedelta(days=1), TODAY, channel="app")
    assert result == "recorded"
    assert later.feedback_group == "passive"
    assert later.feedback == (8, TODAY + dt.timedelta(days=1), "app", (3, 42))


@pytest.mark.parametrize(
    ("score", "day", "channel", "code_name"),
    [
        (11, TODAY, "till", "RTN_FEEDBACK_SCORE_OUT_OF_RANGE"),
        (-1, TODAY, "till", "RTN_FEEDBACK_SCORE_OUT_OF_RANGE"),
        (5, TODAY, "post", "RTN_FEEDBACK_INVALID_CHANNEL"),
        (5, dt.date(2024, 2, 23), "till", "RTN_FEEDBACK_BEFORE_FIRST_VISIT"),
        (5, dt.date(2024, 3, 7), "till", "RTN_FEEDBACK_IN_FUTURE"),
    ],
)
def test_bad_input_names_the_field(score: int, day: dt.date, channel: str, code_name: str) -> None:
    customer = Customer(visits=2, first_visit=dt.date(2024, 2, 24), last_visit=TODAY)
    with pytest.raises(ValidationError) as raised:
        customer.record_feedback((1, 1), score, day, TODAY, channel=channel)
    assert raised.value.code_name == code_name
    assert "feedback" in str(raised.value)
    assert customer.feedback is None


def test_constructor_checks_first_visit_and_feedback() -> None:
    with pytest.raises(ValidationError) as raised:
        Customer(first_visit=dt.date(2024, 3, 6), last_visit=TODAY)
    assert raised.value.code_name == "RTN_CUSTOMER_INVALID_FIRST_VISIT"
    with pytest.raises(ValidationError) as raised:
        Customer(first_visit=TODAY, last_visit=TODAY, feedback=(7, dt.date(2024, 3, 4), "web", (1, 1)))
    assert raised.value.code_name == "RTN_FEEDBACK_BEFORE_FIRST_VISIT"
    with pytest.raises(ValidationError) as raised:
        Customer(feedback=(12, TODAY, "web", (1, 1)))
    assert raised.value.code_name == "RTN_FEEDBACK_SCORE_OUT_OF_RANGE"
    customer = Customer(feedback=(9, TODAY, "sms", (4, 5)))
    assert customer.feedback_group == "promoter"


def test_feedback_and_first_visit_travel_in_the_blob() -> None:
    customer = Customer(visits=40, first_visit=dt.date(2023, 1, 31), last_visit=TODAY,
                        feedback=(6, dt.date(2024, 3, 2), "email", (2, 7)))
    blob = customer.to_bytes(KEY, b"customer-77")
    assert blob[2] == 3  # format version 3
    back = Customer.from_bytes(blob, KEY, b"customer-77")
    assert back == customer
    assert back.first_visit == dt.date(2023, 1, 31)
    assert back.feedback == (6, dt.date(2024, 3, 2), "email", (2, 7))
    assert back.feedback_group == "detractor"
