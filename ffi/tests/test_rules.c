/* Loyalty rules through the C API: every shared scenario (tests/scenarios/, as JSON, generated into
 * rule_scenarios.h with its hand-worked expected outcome), the coffee-chain program from a signed
 * blob, bit flips, and bad input. Big structs are static: this also runs on a 64 KiB Cortex-M3. */
#include "harness.h"

#include "generated/rule_scenarios.h"

static rtn_rule_set rule_set;
static rtn_outcome outcome;
static rtn_outcome other_outcome;
static rtn_customer customer;
static rtn_customer updated;
static rtn_churn_model churn_model;
static rtn_clawback clawback;
static rtn_share shares[RTN_RULES_MAX_SHARES];
static rtn_trace_entry trace[RTN_RULES_MAX_RULES];
static rtn_hint hints[RTN_RULES_MAX_HINTS];
static rtn_line_result results[RTN_RULES_MAX_LINES];
static rtn_stamp_award stamps[RTN_RULES_MAX_PROGRAMS];
static rtn_free_item free_items[RTN_RULES_MAX_FREE_ITEMS];
static rtn_reward_grant rewards[RTN_RULES_MAX_REWARDS];
static uint8_t record[RTN_CUSTOMER_MAX_LEN];
static uint8_t flipped[1024]; /* the first scenario's blob, flipped bit by bit */

static rtn_seal customer_seal(void) {
    rtn_seal seal;
    seal.key = RULES_CUSTOMER_KEY;
    seal.key_len = sizeof RULES_CUSTOMER_KEY;
    seal.context = RULES_CUSTOMER_ID;
    seal.context_len = sizeof RULES_CUSTOMER_ID;
    return seal;
}

/* Reports the scenario and field of a mismatch. */
static int mismatch(const char *scenario, const char *what, size_t index) {
    printf("  %s: %s [%u] differs from the hand-worked value\n", scenario, what, (unsigned)index);
    harness_current_failed = 1;
    return 1;
}

static void check_arrays(const rules_scenario *s) {
    size_t n = 0, i;
    CHECK_STATUS(rtn_outcome_lines(&outcome, results, RTN_RULES_MAX_LINES, &n), RTN_OK);
    if (n != s->result_count) mismatch(s->name, "line count", n);
    for (i = 0; i < n && i < s->result_count; i++) {
        if (results[i].quantity != s->results[i].quantity ||
            results[i].discount != s->results[i].discount)
            mismatch(s->name, "lines", i);
    }
    CHECK_STATUS(rtn_outcome_attribution(&outcome, shares, RTN_RULES_MAX_SHARES, &n), RTN_OK);
    if (n != s->share_count) mismatch(s->name, "share count", n);
    for (i = 0; i < n && i < s->share_count; i++) {
        const rtn_share *a = &shares[i], *e = &s->shares[i];
        if (a->rule != e->rule || a->line != e->line || a->kind != e->kind ||
            a->program != e->program || a->amount != e->amount)
            mismatch(s->name, "shares", i);
    }
    CHECK_STATUS(rtn_outcome_trace(&outcome, trace, RTN_RULES_MAX_RULES, &n), RTN_OK);
    if (n != s->trace_count) mismatch(s->name, "trace count", n);
    for (i = 0; i < n && i < s->trace_count; i++) {
        const rtn_trace_entry *a = &trace[i], *e = &s->trace[i];
        if (a->rule != e->rule || a->effect != e->effect || a->status != e->status ||
            a->amount != e->amount || a->other_rule != e->other_rule ||
            a->condition != e->condition || a->condition_kind != e->condition_kind ||
            a->period != e->period)
            mismatch(s->name, "trace", i);
    }
    CHECK_STATUS(rtn_outcome_hints(&outcome, hints, RTN_RULES_MAX_HINTS, &n), RTN_OK);
    if (n != s->hint_count) mismatch(s->name, "hint count", n);
    for (i = 0; i < n && i < s->hint_count; i++) {
        const rtn_hint *a = &hints[i], *e = &s->hints[i];
        if (a->rule != e->rule || a->condition != e->condition ||
            a->shortfall_kind != e->shortfall_kind || a->shortfall != e->shortfall ||
            a->effect != e->effect || a->amount != e->amount)
            mismatch(s->name, "hints", i);
    }
    CHECK_STATUS(rtn_outcome_stamps(&outcome, stamps, RTN_RULES_MAX_PROGRAMS, &n), RTN_OK);
    if (n != s->stamp_count) mismatch(s->name, "stamp count", n);
    for (i = 0; i < n && i < s->stamp_count; i++) {
        if (stamps[i].program != s->stamps[i].program || stamps[i].stamps != s->stamps[i].stamps)
            mismatch(s->name, "stamps", i);
    }
    CHECK_STATUS(rtn_outcome_free_items(&outcome, free_items, RTN_RULES_MAX_FREE_ITEMS, &n), RTN_OK);
    if (n != s->free_item_count) mismatch(s->name, "free item count", n);
    for (i = 0; i < n && i < s->free_item_count; i++) {
        if (free_items[i].rule != s->free_items[i].rule ||
            free_items[i].line != s->free_items[i].line ||
            free_items[i].units != s->free_items[i].units)
            mismatch(s->name, "free items", i);
    }
    CHECK_STATUS(rtn_outcome_rewards(&outcome, rewards, RTN_RULES_MAX_REWARDS, &n), RTN_OK);
    if (n != s->reward_count) mismatch(s->name, "reward count", n);
    for (i = 0; i < n && i < s->reward_count; i++) {
        if (rewards[i].rule != s->rewards[i].rule || rewards[i].reward != s->rewards[i].reward)
            mismatch(s->name, "rewards", i);
    }
}

static void check_refunds(const rules_scenario *s) {
    static rtn_returns returns;
    size_t step, i;
    CHECK_STATUS(rtn_returns_init(&outcome, &returns), RTN_OK);
    for (step = 0; step < s->refund_count; step++) {
        const rules_refund_step *r = &s->refunds[step];
        CHECK_STATUS(rtn_rules_refund(&outcome, &returns, r->returned, r->returned_count,
                                      &clawback, &returns),
                     RTN_OK);
        if (clawback.points != r->points || clawback.discount != r->discount ||
            clawback.rule_count != r->rule_count || clawback.stamp_count != r->stamp_count)
            mismatch(s->name, "refund totals", step);
        for (i = 0; i < r->rule_count && i < clawback.rule_count; i++) {
            if (clawback.points_by_rule[i].rule != r->points_by_rule[i].rule ||
                clawback.points_by_rule[i].points != r->points_by_rule[i].points)
                mismatch(s->name, "refund points by rule", step);
        }
        for (i = 0; i < r->stamp_count && i < clawback.stamp_count; i++) {
            if (clawback.stamps[i].program != r->stamps[i].program ||
                clawback.stamps[i].stamps != r->stamps[i].stamps)
                mismatch(s->name, "refund stamps", step);
        }
    }
}

static void every_shared_scenario(void) {
    size_t i;
    for (i = 0; i < RULES_SCENARIO_COUNT; i++) {
        const rules_scenario *s = &RULES_SCENARIOS[i];
        const rules_blob *blob = &RULES_BLOBS[s->blob];
        rtn_seal seal = customer_seal();
        rtn_outcome_summary summary;
        rtn_rule_set_info info;
        size_t written = 0;
        rtn_status status;
        CHECK_STATUS(rtn_rule_set_load(blob->bytes, blob->len, 0, NULL, &rule_set), RTN_OK);
        CHECK_STATUS(rtn_rule_set_describe(&rule_set, &info), RTN_OK);
        rtn_rules_context context = s->context;
        CHECK_STATUS(rtn_customer_decode(s->customer, s->customer_len, &seal, &customer), RTN_OK);
        if (s->churn_model != NULL) {
            /* The till's way: score the record's churn summary with the model blob, and feed
             * the risk (or RTN_RULES_CHURN_RISK_UNKNOWN) to the rules. */
            int32_t risk = -2;
            CHECK_STATUS(rtn_churn_model_load(s->churn_model, s->churn_model_len, &churn_model),
                         RTN_OK);
            CHECK_STATUS(rtn_churn_risk_of_customer(&churn_model, &customer, context.now,
                                                    context.utc_offset_minutes, &risk),
                         RTN_OK);
            if (risk != s->churn_risk) {
                printf("  %s: churn risk %ld, expected %ld\n", s->name, (long)risk,
                       (long)s->churn_risk);
                harness_current_failed = 1;
            }
            context.churn_risk = risk;
        }
        status = rtn_rules_evaluate(&rule_set, s->lines, s->line_count, &customer, &context,
                                    &outcome);
        if (status != s->error) {
            printf("  %s: evaluate returned %s, expected %s\n", s->name, rtn_status_str(status),
                   rtn_status_str(s->error));
            harness_current_failed = 1;
            continue;
        }
        if (s->error != RTN_OK) {
            /* An evaluation error leaves no outcome behind, never a partial one. */
            CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_UNINITIALIZED);
            continue;
        }
        CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
        if (summary.points != s->points) mismatch(s->name, "points", 0);
        if (summary.discount != s->discount) mismatch(s->name, "discount", 0);
        CHECK(memcmp(summary.rule_set_hash, info.hash, RTN_RULE_SET_HASH_LEN) == 0);
        CHECK(summary.event.terminal == s->context.event.terminal &&
              summary.event.sequence == s->context.event.sequence);
        check_arrays(s);
        /* The updated customer record, sealed, is the hand-worked one byte for byte. */
        CHECK_STATUS(rtn_outcome_customer(&outcome, &updated), RTN_OK);
        CHECK_STATUS(rtn_customer_encode(&updated, &seal, record, sizeof record, &written), RTN_OK);
        if (written != s->updated_customer_len ||
            memcmp(record, s->updated_customer, written) != 0)
            mismatch(s->name, "updated customer record", 0);
        if (s->has_churn_expect) {
            rtn_customer_churn churn;
            CHECK_STATUS(rtn_customer_get_churn(&updated, &churn), RTN_OK);
            if (!churn.has_purchases || churn.frequency != s->churn_frequency ||
                churn.repeat_spend_minor != s->churn_repeat_spend)
                mismatch(s->name, "updated churn summary", 0);
        }
        check_refunds(s);
    }
    printf("  %u scenarios\n", (unsigned)RULES_SCENARIO_COUNT);
}

/* Tuesday 2024-03-05 15:10 UTC (terminal at UTC): inside the coffee program's double-points
 * window (Tuesdays 14:00-17:00). */
static const int64_t TUESDAY_1510 = 1709651400;

static rtn_rules_context coffee_context(int64_t now, uint32_t sequence) {
    rtn_rules_context context;
    memset(&context, 0, sizeof context);
    context.now = now;
    context.event.terminal = 7;
    context.event.sequence = sequence;
    context.store = 1;
    context.churn_risk = RTN_RULES_CHURN_RISK_UNKNOWN;
    return context;
}

static void coffee_chain_from_a_signed_blob(void) {
    /* 2 coffees at 3.50 (category 1), a cake at 2.75 (category 3), a 20.00 gift card (90). */
    static const rtn_line basket[3] = {
        {1001, 1, 2, 350}, {2001, 3, 1, 275}, {9001, 90, 1, 2000}};
    uint8_t wrong_key[RTN_RULE_SET_PUBLIC_KEY_LEN];
    rtn_rules_context context = coffee_context(TUESDAY_1510, 1);
    rtn_outcome_summary summary;
    rtn_rule_set_info info;
    rtn_customer_profile profile;
    static rtn_returns returns;
    static const uint32_t one_coffee_back[1] = {1};
    size_t n = 0;

    memcpy(wrong_key, RULES_OPERATOR_PUBLIC_KEY, sizeof wrong_key);
    wrong_key[0] ^= 0x01;
    CHECK_STATUS(rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 2,
                                   RULES_OPERATOR_PUBLIC_KEY, &rule_set),
                 RTN_RULES_SERIAL_TOO_OLD);
    {
        rtn_status status = rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 0,
                                              wrong_key, &rule_set);
        CHECK(status == RTN_RULES_BAD_SIGNATURE || status == RTN_RULES_BAD_PUBLIC_KEY);
    }
    CHECK_STATUS(rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 1,
                                   RULES_OPERATOR_PUBLIC_KEY, &rule_set),
                 RTN_OK);
    CHECK_STATUS(rtn_rule_set_describe(&rule_set, &info), RTN_OK);
    CHECK(strcmp(info.name, "Coffee chain") == 0);
    CHECK(info.serial == 1 && info.rule_count == 4);

    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, basket, 3, &customer, &context, &outcome), RTN_OK);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
    /* Points on net, gift cards never earn: floor(7.00 + 2.75) = 9 base points; Tuesday 15:10
     * doubles them: + 9. Stamps: one per coffee, 2. No discount (no birthday). */
    CHECK(summary.points == 18);
    CHECK(summary.discount == 0);
    CHECK(summary.trace_count == 4 && summary.stamp_count == 1);
    CHECK_STATUS(rtn_outcome_trace(&outcome, trace, RTN_RULES_MAX_RULES, &n), RTN_OK);
    /* Discount rules first (3: birthday), then earning by priority: 1, 2, 4. */
    CHECK(trace[0].rule == 3 && trace[0].status == RTN_TRACE_CONDITION_FAILED &&
          trace[0].condition_kind == RTN_CONDITION_BIRTHDAY);
    CHECK(trace[1].rule == 1 && trace[1].status == RTN_TRACE_APPLIED && trace[1].amount == 9);
    CHECK(trace[2].rule == 2 && trace[2].effect == RTN_EFFECT_MULTIPLIER && trace[2].amount == 9);
    CHECK(trace[3].rule == 4 && trace[3].effect == RTN_EFFECT_STAMPS && trace[3].amount == 2);
    CHECK_STATUS(rtn_outcome_stamps(&outcome, stamps, RTN_RULES_MAX_PROGRAMS, &n), RTN_OK);
    CHECK(n == 1 && stamps[0].program == 1 && stamps[0].stamps == 2);

    /* One coffee back: base shares 9*700/975 = 6.46 and 9*275/975 = 2.54 -> 6 and 3 (the
     * leftover point to the larger remainder), doubled the same way; line 0 returns 1 of 2
     * units: floor(6/2) + floor(6/2) = 6 points, floor(2/2) = 1 stamp. */
    CHECK_STATUS(rtn_returns_init(&outcome, &returns), RTN_OK);
    CHECK_STATUS(rtn_rules_refund(&outcome, &returns, one_coffee_back, 1, &clawback, &returns),
                 RTN_OK);
    CHECK(clawback.points == 6 && clawback.stamp_count == 1 && clawback.stamps[0].stamps == 1);
    CHECK(returns.units[0] == 1 && returns.units[1] == 0);

    /* A second basket the same afternoon is the same visit: no second round of stamps. */
    CHECK_STATUS(rtn_outcome_customer(&outcome, &updated), RTN_OK);
    context = coffee_context(TUESDAY_1510 + 20 * 60, 2);
    CHECK_STATUS(rtn_rules_evaluate_blob(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 1,
                                         RULES_OPERATOR_PUBLIC_KEY, &rule_set, basket, 1,
                                         &updated, &context, &other_outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_outcome_trace(&other_outcome, trace, RTN_RULES_MAX_RULES, &n), RTN_OK);
    CHECK(trace[3].rule == 4 && trace[3].status == RTN_TRACE_USAGE_LIMIT_REACHED &&
          trace[3].period == RTN_PERIOD_DAY);
    CHECK_STATUS(rtn_outcome_customer(&other_outcome, &updated), RTN_OK);
    CHECK_STATUS(rtn_customer_get_profile(&updated, &profile), RTN_OK);
    CHECK(profile.visits == 1 && profile.usage_count == 1);
}

static void every_bit_flip_of_a_rule_set_is_refused(void) {
    const rules_blob *blob = &RULES_BLOBS[0];
    size_t byte;
    int bit, accepted = 0;
    CHECK(blob->len <= sizeof flipped);
    for (byte = 0; blob->len <= sizeof flipped && byte < blob->len; byte++) {
        for (bit = 0; bit < 8; bit++) {
            memcpy(flipped, blob->bytes, blob->len);
            flipped[byte] ^= (uint8_t)(1u << bit);
            if (rtn_rule_set_load(flipped, blob->len, 0, NULL, &rule_set) == RTN_OK) accepted++;
        }
    }
    CHECK(accepted == 0);
}

static void bad_input_is_refused(void) {
    static const rtn_line line = {1, 1, 1, 100};
    static rtn_line many[RTN_RULES_MAX_LINES + 1];
    rtn_rules_context context = coffee_context(TUESDAY_1510, 3);
    rtn_outcome_summary summary;
    rtn_rule_set_info info;
    size_t n = 0;
    static rtn_outcome never;
    CHECK_STATUS(rtn_rule_set_load(NULL, 0, 0, NULL, &rule_set), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_rule_set_load(RULES_BLOBS[0].bytes, RULES_BLOBS[0].len - 1, 0, NULL, &rule_set),
                 RTN_DECODE_TRUNCATED);
    CHECK_STATUS(rtn_rule_set_load(RULES_BLOBS[0].bytes, RULES_BLOBS[0].len, 0, NULL, NULL),
                 RTN_NULL_PARAMETER);
    /* The refused loads above kept the coffee set loaded last (refused before its payload). */
    CHECK_STATUS(rtn_rule_set_describe(&rule_set, &info), RTN_OK);
    CHECK(strcmp(info.name, "Coffee chain") == 0);
    /* An older serial is refused and keeps the set in place too. */
    CHECK_STATUS(rtn_rule_set_load(RULES_BLOBS[0].bytes, RULES_BLOBS[0].len, 2, NULL, &rule_set),
                 RTN_RULES_SERIAL_TOO_OLD);
    CHECK_STATUS(rtn_rule_set_describe(&rule_set, &info), RTN_OK);
    CHECK(info.serial == 1 && strcmp(info.name, "Coffee chain") == 0);
    CHECK_STATUS(rtn_rule_set_load(RULES_BLOBS[0].bytes, RULES_BLOBS[0].len, 0, NULL, &rule_set),
                 RTN_OK);
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_outcome_summarize(&never, &summary), RTN_UNINITIALIZED);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &line, 1, &customer, &context, &outcome), RTN_OK);
    /* Argument errors leave the outcome as it was. */
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, many, RTN_RULES_MAX_LINES + 1, &customer, &context,
                                    &outcome),
                 RTN_RULES_TOO_MANY_LINES);
    context.coupon_count = RTN_RULES_MAX_COUPONS + 1;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &line, 1, &customer, &context, &outcome),
                 RTN_RULES_TOO_MANY_COUPONS);
    context.coupon_count = 0;
    context.utc_offset_minutes = 24 * 60;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &line, 1, &customer, &context, &outcome),
                 RTN_INVALID_ARGUMENT);
    context.utc_offset_minutes = 0;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, NULL, 1, &customer, &context, &outcome),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &line, 1, &customer, &context, &outcome), RTN_OK);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
    /* A short buffer writes nothing. */
    CHECK_STATUS(rtn_outcome_trace(&outcome, trace, 0, &n), summary.trace_count == 0 ? RTN_OK
                                                                                 : RTN_BUFFER_TOO_SMALL);
    /* Out-of-range context values found while evaluating leave no outcome. */
    context.channel = RTN_RULES_MAX_CHANNEL + 1;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &line, 1, &customer, &context, &outcome),
                 RTN_RULES_CHANNEL_OUT_OF_RANGE);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_UNINITIALIZED);
    context.channel = 0;
    context.churn_risk = 1001;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &line, 1, &customer, &context, &outcome),
                 RTN_RULES_CHURN_RISK_OUT_OF_RANGE);
    context.churn_risk = RTN_RULES_CHURN_RISK_UNKNOWN;
    /* Sale number 0 is never issued: refused here, not by rtn_outcome_apply afterwards. */
    context.event.sequence = 0;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &line, 1, &customer, &context, &outcome),
                 RTN_RULES_INVALID_EVENT_ID);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_UNINITIALIZED);
    CHECK_STATUS(rtn_customer_set_profile(&customer, 1, 0, 2, 30), RTN_CUSTOMER_INVALID_BIRTHDAY);
    CHECK_STATUS(rtn_customer_decode(RULES_BLOBS[0].bytes, RULES_BLOBS[0].len, NULL, &customer),
                 RTN_SEAL_REQUIRED);
}

int main(void) {
    RUN(every_shared_scenario);
    RUN(coffee_chain_from_a_signed_blob);
    RUN(every_bit_flip_of_a_rule_set_is_refused);
    RUN(bad_input_is_refused);
    return HARNESS_SUMMARY();
}
