/* The churn summary in the customer record through the C API: read and set it, score the record
 * from a model blob straight into the rules' churn-risk input, and the errors. Expected risks are
 * hand-worked (Pareto/NBD, the published CDNOW fit; see tests/scenarios/60-*.json and 61-*.json).
 * Big structs are static: this also runs on a 64 KiB Cortex-M3. */
#include "harness.h"

#include "generated/churn_vectors.h"

static rtn_churn_model model;
static rtn_customer customer;
static rtn_customer copy;
static uint8_t blob[RTN_CUSTOMER_MAX_LEN];

static const uint8_t KEY[32] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const uint8_t CUSTOMER_ID[] = "customer-1042";

/* Tuesday 2024-03-05 10:00 UTC: local day 19787 at offset 0. */
static const int64_t NOW = 1709632800;
static const int32_t TODAY = 19787;

static void load_default_model(void) {
    /* Pareto/NBD with the published CDNOW fit, purchases by day, times in weeks. */
    CHECK(strcmp(CHURN_MODELS[1].name, "pareto_cdnow") == 0);
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[1].blob, CHURN_MODELS[1].blob_len, &model),
                 RTN_OK);
}

static rtn_customer_churn summary(int32_t first, int32_t last, uint32_t frequency, int64_t spend) {
    rtn_customer_churn churn;
    memset(&churn, 0, sizeof churn);
    churn.grain = RTN_CHURN_GRAIN_DAY;
    churn.has_purchases = true;
    churn.first_period = first;
    churn.last_period = last;
    churn.frequency = frequency;
    churn.repeat_spend_minor = spend;
    return churn;
}

static void a_new_customer_has_no_history_and_unknown_risk(void) {
    rtn_customer_churn churn;
    int32_t risk = 0;
    load_default_model();
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_customer_get_churn(&customer, &churn), RTN_OK);
    CHECK(!churn.has_purchases && churn.grain == RTN_CHURN_GRAIN_DAY);
    CHECK(churn.frequency == 0 && churn.repeat_spend_minor == 0 && churn.first_period == 0);
    /* Unknown, not 0: the rules' churn-risk condition then fails. */
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 0, &risk), RTN_OK);
    CHECK(risk == RTN_RULES_CHURN_RISK_UNKNOWN);
}

static void a_lapsed_one_time_buyer_scores_high_and_a_regular_low(void) {
    rtn_customer_churn churn;
    rtn_rules_context context;
    load_default_model();
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    /* One purchase 364 days (52 weeks) ago: x = 0, T = 52; P(alive) = 0.233063 (mpmath),
     * risk round(1000 * 0.766937) = 767. */
    churn = summary(TODAY - 364, TODAY - 364, 0, 0);
    CHECK_STATUS(rtn_customer_set_churn(&customer, &churn), RTN_OK);
    memset(&context, 0, sizeof context);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 0, &context.churn_risk),
                 RTN_OK);
    CHECK(context.churn_risk == 767);
    /* A regular: 11 purchase days a fortnight apart, the last a week ago: x = 10, t_x = 20,
     * T = 21 weeks; P(alive) = 0.977841, risk 22. Mean spend 90.00 / 10 = 9.00. */
    churn = summary(TODAY - 147, TODAY - 7, 10, 9000);
    CHECK_STATUS(rtn_customer_set_churn(&customer, &churn), RTN_OK);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 0, &context.churn_risk),
                 RTN_OK);
    CHECK(context.churn_risk == 22);
    CHECK_STATUS(rtn_customer_get_churn(&customer, &churn), RTN_OK);
    CHECK(churn.has_purchases && churn.frequency == 10 && churn.repeat_spend_minor == 9000);
    CHECK(churn.mean_spend_minor == 900);
    CHECK(churn.first_period == TODAY - 147 && churn.last_period == TODAY - 7);
}

static void the_summary_travels_in_the_blob(void) {
    rtn_customer_churn churn = summary(TODAY - 147, TODAY - 7, 10, 9000);
    rtn_customer_churn back;
    rtn_seal seal;
    size_t written = 0;
    seal.key = KEY;
    seal.key_len = sizeof KEY;
    seal.context = CUSTOMER_ID;
    seal.context_len = sizeof CUSTOMER_ID - 1;
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_customer_set_churn(&customer, &churn), RTN_OK);
    CHECK_STATUS(rtn_customer_encode(&customer, &seal, blob, sizeof blob, &written), RTN_OK);
    CHECK(written > 0 && written <= RTN_CUSTOMER_MAX_LEN);
    CHECK_STATUS(rtn_customer_decode(blob, written, &seal, &copy), RTN_OK);
    CHECK_STATUS(rtn_customer_get_churn(&copy, &back), RTN_OK);
    CHECK(back.has_purchases && back.frequency == 10 && back.repeat_spend_minor == 9000);
    CHECK(back.first_period == TODAY - 147 && back.last_period == TODAY - 7);
}

static void invalid_summaries_are_refused_and_change_nothing(void) {
    rtn_customer_churn good = summary(TODAY - 30, TODAY - 2, 3, 4500);
    rtn_customer_churn bad;
    rtn_customer_churn now;
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_customer_set_churn(&customer, &good), RTN_OK);
    bad = summary(TODAY, TODAY - 1, 1, 0); /* first after last */
    CHECK_STATUS(rtn_customer_set_churn(&customer, &bad), RTN_CUSTOMER_INVALID_CHURN);
    bad = summary(TODAY - 5, TODAY, 0, 0); /* a span without repeats */
    CHECK_STATUS(rtn_customer_set_churn(&customer, &bad), RTN_CUSTOMER_INVALID_CHURN);
    bad = summary(TODAY - 5, TODAY, 6, 0); /* more repeats than days after the first */
    CHECK_STATUS(rtn_customer_set_churn(&customer, &bad), RTN_CUSTOMER_INVALID_CHURN);
    bad = summary(TODAY - 5, TODAY, 2, -1); /* negative spend */
    CHECK_STATUS(rtn_customer_set_churn(&customer, &bad), RTN_CUSTOMER_INVALID_CHURN);
    bad = summary(TODAY - 5, 2932897, 2, 0); /* after 9999-12-31 */
    CHECK_STATUS(rtn_customer_set_churn(&customer, &bad), RTN_CUSTOMER_INVALID_CHURN);
    bad = good;
    bad.grain = 3; /* no such grain (0 day, 1 week, 2 month) */
    CHECK_STATUS(rtn_customer_set_churn(&customer, &bad), RTN_CUSTOMER_INVALID_CHURN);
    CHECK_STATUS(rtn_customer_get_churn(&customer, &now), RTN_OK);
    CHECK(now.first_period == good.first_period && now.last_period == good.last_period);
    CHECK(now.frequency == 3 && now.repeat_spend_minor == 4500);
}

static void scoring_errors(void) {
    rtn_customer_churn churn;
    int32_t risk = 12345;
    load_default_model();
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    /* Re-grained by week while empty: still unknown, no mismatch to report. */
    memset(&churn, 0, sizeof churn);
    churn.grain = RTN_CHURN_GRAIN_WEEK;
    CHECK_STATUS(rtn_customer_set_churn(&customer, &churn), RTN_OK);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 0, &risk), RTN_OK);
    CHECK(risk == RTN_RULES_CHURN_RISK_UNKNOWN);
    /* Weekly purchases against a model of daily grain. */
    churn.has_purchases = true;
    churn.first_period = 2826;
    churn.last_period = 2826;
    CHECK_STATUS(rtn_customer_set_churn(&customer, &churn), RTN_OK);
    risk = 12345;
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 0, &risk),
                 RTN_CHURN_GRAIN_MISMATCH);
    CHECK(risk == 12345);
    /* A till clock behind the record's last purchase. */
    churn = summary(TODAY + 1, TODAY + 1, 0, 0);
    CHECK_STATUS(rtn_customer_set_churn(&customer, &churn), RTN_OK);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 0, &risk),
                 RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 5000, &risk),
                 RTN_INVALID_ARGUMENT);
    CHECK(risk == 12345);
    /* NULLs and storage never initialised. */
    CHECK_STATUS(rtn_churn_risk_of_customer(NULL, &customer, NOW, 0, &risk), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, NULL, NOW, 0, &risk), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, NOW, 0, NULL), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_customer_get_churn(&customer, NULL), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_customer_set_churn(&customer, NULL), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_customer_set_churn(NULL, &churn), RTN_NULL_PARAMETER);
    memset(&copy, 0, sizeof copy);
    CHECK_STATUS(rtn_customer_get_churn(&copy, &churn), RTN_UNINITIALIZED);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &copy, NOW, 0, &risk), RTN_UNINITIALIZED);
}

int main(void) {
    RUN(a_new_customer_has_no_history_and_unknown_risk);
    RUN(a_lapsed_one_time_buyer_scores_high_and_a_regular_low);
    RUN(the_summary_travels_in_the_blob);
    RUN(invalid_summaries_are_refused_and_change_nothing);
    RUN(scoring_errors);
    return HARNESS_SUMMARY();
}
