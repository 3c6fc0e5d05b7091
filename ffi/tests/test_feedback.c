/* Customer feedback through the C API: record an NPS answer in the customer record, read it back
 * with its group, replays and older answers change nothing, the first visit day, the errors (the
 * record unchanged), and the record's blob carrying both. Expected values are worked by hand from
 * the NPS convention (0-6 detractor, 7-8 passive, 9-10 promoter). Static storage: this also runs
 * on a 64 KiB Cortex-M3. */
#include "harness.h"

static rtn_customer customer;
static rtn_customer copy;
static uint8_t blob[RTN_CUSTOMER_MAX_LEN];

static const uint8_t KEY[32] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
static const uint8_t CUSTOMER_ID[] = "customer-77";

/* Tuesday 2024-03-05: local day 19787. */
static const int32_t TODAY = 19787;

static rtn_event_id event(uint32_t terminal, uint32_t sequence) {
    rtn_event_id id;
    id.terminal = terminal;
    id.sequence = sequence;
    return id;
}

static void a_detractor_is_recorded_once(void) {
    rtn_customer_feedback latest;
    uint8_t recorded = 99;
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_customer_get_feedback(&customer, &latest), RTN_OK);
    CHECK(!latest.has_feedback && latest.score == 0 && latest.day == 0);
    /* 4 at the till today: a detractor. */
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(3, 41), 4, TODAY,
                                              RTN_FEEDBACK_CHANNEL_TILL, TODAY, &recorded),
                 RTN_OK);
    CHECK(recorded == RTN_FEEDBACK_RECORDED);
    /* The same event again, even with another score: a replay. */
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(3, 41), 10, TODAY,
                                              RTN_FEEDBACK_CHANNEL_TILL, TODAY, &recorded),
                 RTN_OK);
    CHECK(recorded == RTN_FEEDBACK_REPLAYED);
    /* A web answer of yesterday arriving late: older, not kept. */
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(8, 2), 9, TODAY - 1,
                                              RTN_FEEDBACK_CHANNEL_WEB, TODAY, &recorded),
                 RTN_OK);
    CHECK(recorded == RTN_FEEDBACK_OLDER);
    CHECK_STATUS(rtn_customer_get_feedback(&customer, &latest), RTN_OK);
    CHECK(latest.has_feedback && latest.score == 4 && latest.day == TODAY);
    CHECK(latest.group == RTN_FEEDBACK_GROUP_DETRACTOR);
    CHECK(latest.channel == RTN_FEEDBACK_CHANNEL_TILL);
    CHECK(latest.event.terminal == 3 && latest.event.sequence == 41);
    /* Tomorrow's 8 (one day ahead is allowed): a passive now. */
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(3, 42), 8, TODAY + 1,
                                              RTN_FEEDBACK_CHANNEL_APP, TODAY, &recorded),
                 RTN_OK);
    CHECK(recorded == RTN_FEEDBACK_RECORDED);
    CHECK_STATUS(rtn_customer_get_feedback(&customer, &latest), RTN_OK);
    CHECK(latest.group == RTN_FEEDBACK_GROUP_PASSIVE && latest.score == 8);
}

static void bad_input_names_the_field_and_changes_nothing(void) {
    rtn_customer_feedback latest;
    rtn_customer_profile profile;
    uint8_t recorded = 99;
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_customer_set_first_visit(&customer, TODAY - 10), RTN_OK);
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(1, 1), 11, TODAY,
                                              RTN_FEEDBACK_CHANNEL_TILL, TODAY, &recorded),
                 RTN_FEEDBACK_SCORE_OUT_OF_RANGE);
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(1, 1), 5, TODAY - 11,
                                              RTN_FEEDBACK_CHANNEL_TILL, TODAY, &recorded),
                 RTN_FEEDBACK_BEFORE_FIRST_VISIT);
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(1, 1), 5, TODAY + 2,
                                              RTN_FEEDBACK_CHANNEL_TILL, TODAY, &recorded),
                 RTN_FEEDBACK_IN_FUTURE);
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(1, 1), 5, TODAY, 7, TODAY,
                                              &recorded),
                 RTN_FEEDBACK_INVALID_CHANNEL);
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(1, 1), 5, 2932897,
                                              RTN_FEEDBACK_CHANNEL_TILL, TODAY, &recorded),
                 RTN_FEEDBACK_INVALID_DAY);
    CHECK_STATUS(rtn_customer_record_feedback(NULL, event(1, 1), 5, TODAY,
                                              RTN_FEEDBACK_CHANNEL_TILL, TODAY, &recorded),
                 RTN_NULL_PARAMETER);
    CHECK(recorded == 99);
    CHECK_STATUS(rtn_customer_get_feedback(&customer, &latest), RTN_OK);
    CHECK(!latest.has_feedback);
    /* The first visit day: after the last visit, or past 9999, is refused; 0 clears it. */
    CHECK_STATUS(rtn_customer_set_first_visit(&customer, 2932897),
                 RTN_CUSTOMER_INVALID_FIRST_VISIT);
    CHECK_STATUS(rtn_customer_get_profile(&customer, &profile), RTN_OK);
    CHECK(profile.first_visit == TODAY - 10);
    CHECK_STATUS(rtn_customer_set_first_visit(&customer, 0), RTN_OK);
    CHECK_STATUS(rtn_customer_get_profile(&customer, &profile), RTN_OK);
    CHECK(profile.first_visit == 0);
}

static void feedback_and_first_visit_travel_in_the_blob(void) {
    rtn_customer_feedback latest;
    rtn_customer_profile profile;
    rtn_seal seal;
    size_t written = 0;
    uint8_t recorded = 99;
    seal.key = KEY;
    seal.key_len = sizeof KEY;
    seal.context = CUSTOMER_ID;
    seal.context_len = sizeof CUSTOMER_ID - 1;
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_customer_set_first_visit(&customer, TODAY - 400), RTN_OK);
    CHECK_STATUS(rtn_customer_record_feedback(&customer, event(2, 7), 10, TODAY - 3,
                                              RTN_FEEDBACK_CHANNEL_EMAIL, TODAY, &recorded),
                 RTN_OK);
    CHECK_STATUS(rtn_customer_encode(&customer, &seal, blob, sizeof blob, &written), RTN_OK);
    CHECK(written > 0 && written <= RTN_CUSTOMER_MAX_LEN);
    CHECK(blob[2] == 3); /* format version 3 */
    CHECK_STATUS(rtn_customer_decode(blob, written, &seal, &copy), RTN_OK);
    CHECK_STATUS(rtn_customer_get_feedback(&copy, &latest), RTN_OK);
    CHECK(latest.has_feedback && latest.score == 10 && latest.day == TODAY - 3);
    CHECK(latest.group == RTN_FEEDBACK_GROUP_PROMOTER);
    CHECK(latest.channel == RTN_FEEDBACK_CHANNEL_EMAIL);
    CHECK_STATUS(rtn_customer_get_profile(&copy, &profile), RTN_OK);
    CHECK(profile.first_visit == TODAY - 400);
}

int main(void) {
    RUN(a_detractor_is_recorded_once);
    RUN(bad_input_names_the_field_and_changes_nothing);
    RUN(feedback_and_first_visit_travel_in_the_blob);
    return HARNESS_SUMMARY();
}
