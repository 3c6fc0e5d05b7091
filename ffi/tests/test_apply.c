/* After the sale: the shared scenarios of tests/scenarios/apply (a rule outcome and a
 * return's clawback applied to a punch card and a points account in one call), and the
 * calls' NULL and all-or-nothing rules. Big structs are static: this also runs on a
 * Cortex-M3 with 64 KiB of RAM. */
#include "harness.h"

#include "generated/apply_scenarios.h"

static rtn_rule_set rule_set;
static rtn_outcome outcome;
static rtn_customer customer;
static rtn_card card;
static rtn_card card_before;
static rtn_account account;
static rtn_account account_before;
static rtn_returns returns;
static rtn_clawback clawback;

static void play(const apply_event *events, size_t count, rtn_card *c, rtn_account *a,
                 uint16_t program) {
    size_t i;
    for (i = 0; i < count; i++) {
        const apply_event *e = &events[i];
        if (c != NULL && e->op == APPLY_OP_STAMP) {
            CHECK_STATUS(rtn_card_stamp(c, program, e->id, (uint16_t)e->amount, e->now, 0), RTN_OK);
        } else if (c != NULL && e->op == APPLY_OP_REDEEM) {
            CHECK_STATUS(rtn_card_redeem(c, program, e->id, e->now, 0), RTN_OK);
        } else if (a != NULL && e->op == APPLY_OP_EARN) {
            CHECK_STATUS(rtn_account_earn(a, e->id, e->amount, e->now, 0), RTN_OK);
        } else if (a != NULL && e->op == APPLY_OP_REDEEM) {
            CHECK_STATUS(rtn_account_redeem(a, e->id, e->amount, e->now, 0), RTN_OK);
        } else {
            CHECK(0);
        }
    }
}

static void check_expect(const char *name, const apply_scenario *s, const apply_expect *e,
                         int64_t now) {
    rtn_card_summary cs;
    rtn_account_summary as;
    if (s->has_card) {
        CHECK_STATUS(rtn_card_summarize(&card, &cs), RTN_OK);
        if (cs.stamps != e->stamps || cs.rewards_available != e->rewards_available ||
            cs.owed_stamps != e->owed_stamps || cs.write_counter != e->write_counter) {
            printf("  %s: card %u/%u/%u/%u, expected %u/%u/%u/%u\n", name, (unsigned)cs.stamps,
                   (unsigned)cs.rewards_available, (unsigned)cs.owed_stamps,
                   (unsigned)cs.write_counter, (unsigned)e->stamps,
                   (unsigned)e->rewards_available, (unsigned)e->owed_stamps,
                   (unsigned)e->write_counter);
            harness_current_failed = 1;
        }
    }
    if (s->has_account) {
        CHECK_STATUS(rtn_account_summarize(&account, now, 0, &as), RTN_OK);
        if (as.available != e->available || as.pending != e->pending || as.debt != e->debt) {
            printf("  %s: account %lu/%lu/%lu, expected %lu/%lu/%lu\n", name,
                   (unsigned long)as.available, (unsigned long)as.pending,
                   (unsigned long)as.debt, (unsigned long)e->available,
                   (unsigned long)e->pending, (unsigned long)e->debt);
            harness_current_failed = 1;
        }
    }
}

static void every_shared_scenario(void) {
    size_t i;
    rtn_outcome_summary summary;
    for (i = 0; i < APPLY_SCENARIO_COUNT; i++) {
        const apply_scenario *s = &APPLY_SCENARIOS[i];
        rtn_card *c = s->has_card ? &card : NULL;
        rtn_account *a = s->has_account ? &account : NULL;
        rtn_status status;
        CHECK_STATUS(rtn_rule_set_load(s->blob, s->blob_len, 0, NULL, &rule_set), RTN_OK);
        CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
        CHECK_STATUS(rtn_rules_evaluate(&rule_set, s->lines, s->line_count, &customer,
                                        &s->context, &outcome),
                     RTN_OK);
        CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
        CHECK(summary.points == s->points);
        if (c != NULL) {
            CHECK_STATUS(rtn_card_init(&s->card_program, c), RTN_OK);
            play(s->card_events, s->card_event_count, c, NULL, s->card_program.program);
        }
        if (a != NULL) {
            CHECK_STATUS(rtn_account_init(&s->account_program, a), RTN_OK);
            play(s->account_events, s->account_event_count, NULL, a, 0);
        }
        /* In place: each output is its own input. */
        status = rtn_outcome_apply(&outcome, c, a, s->context.now, 0, c, a);
        CHECK_STATUS(status, s->error);
        check_expect(s->name, s, &s->after_sale, s->context.now);
        if (s->error != RTN_OK) {
            continue;
        }
        /* The same sale again changes nothing (the write counter included). */
        CHECK_STATUS(rtn_outcome_apply(&outcome, c, a, s->context.now, 0, c, a), RTN_OK);
        check_expect(s->name, s, &s->after_sale, s->context.now);
        play(s->between_card, s->between_card_count, c, NULL, s->card_program.program);
        play(s->between_account, s->between_account_count, NULL, a, 0);
        if (!s->has_refund) {
            continue;
        }
        CHECK_STATUS(rtn_returns_init(&outcome, &returns), RTN_OK);
        CHECK_STATUS(rtn_rules_refund(&outcome, &returns, s->returned, s->returned_count,
                                      &clawback, &returns),
                     RTN_OK);
        CHECK(clawback.points == s->refund_points);
        CHECK_STATUS(rtn_clawback_apply(&clawback, s->refund_event, c, a, s->refund_now, 0, c, a),
                     RTN_OK);
        check_expect(s->name, s, &s->after_refund, s->refund_now);
    }
}

/* The first scenario's sale, refused in every way the call checks before it changes anything:
 * neither output is written. */
static void bad_input_writes_nothing(void) {
    const apply_scenario *s = &APPLY_SCENARIOS[0];
    rtn_event_id refund = {9, 1};
    CHECK_STATUS(rtn_rule_set_load(s->blob, s->blob_len, 0, NULL, &rule_set), RTN_OK);
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, s->lines, s->line_count, &customer, &s->context,
                                    &outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_card_init(&s->card_program, &card), RTN_OK);
    CHECK_STATUS(rtn_account_init(&s->account_program, &account), RTN_OK);
    memcpy(&card_before, &card, sizeof card);
    memcpy(&account_before, &account, sizeof account);
    CHECK_STATUS(rtn_outcome_apply(NULL, &card, &account, s->context.now, 0, &card, &account),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_outcome_apply(&outcome, &card, &account, s->context.now, 0, NULL, &account),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_outcome_apply(&outcome, &card, &account, s->context.now, 0, &card, NULL),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_outcome_apply(&outcome, &card, &account, s->context.now, 24 * 60, &card,
                                   &account),
                 RTN_INVALID_ARGUMENT);
    /* A refund of a sale neither side has seen: the card's status, nothing written. */
    CHECK_STATUS(rtn_returns_init(&outcome, &returns), RTN_OK);
    CHECK_STATUS(rtn_rules_refund(&outcome, &returns, s->returned, s->returned_count, &clawback,
                                  &returns),
                 RTN_OK);
    CHECK_STATUS(rtn_clawback_apply(&clawback, refund, &card, &account, s->context.now, 0, &card,
                                    &account),
                 RTN_CARD_UNKNOWN_TRANSACTION);
    CHECK_STATUS(rtn_clawback_apply(&clawback, refund, NULL, &account, s->context.now, 0, NULL,
                                    &account),
                 RTN_ACCOUNT_UNKNOWN_TRANSACTION);
    CHECK(memcmp(&card_before, &card, sizeof card) == 0);
    CHECK(memcmp(&account_before, &account, sizeof account) == 0);
    /* Neither presented: nothing to do, nothing written. */
    CHECK_STATUS(rtn_outcome_apply(&outcome, NULL, NULL, s->context.now, 0, NULL, NULL), RTN_OK);
    CHECK(strcmp(rtn_status_str(RTN_APPLY_TOO_MANY_STAMPS), "RTN_APPLY_TOO_MANY_STAMPS") == 0);
}

/* Scenario 04's sale with rtn_outcome_apply_within_daily_limit: the card took 2 stamps this
 * morning (limit 3), the sale brings 2 more and 7 points (2 coffees at 3.50). The card takes the
 * 1 stamp that fits (3 in all, write counter 2), 1 is refused, and the account gets its 7 points
 * (pending: 14 pending days). Then 4 coffees on fresh storage, limit 3: 3 stamps, all 14 points,
 * 1 refused. */
static void within_the_daily_limit_the_stamps_that_fit_and_all_points(void) {
    const apply_scenario *s = &APPLY_SCENARIOS[3];
    rtn_line four;
    rtn_card_summary cs;
    rtn_account_summary as;
    rtn_outcome_summary summary;
    uint16_t refused = 99;
    CHECK(strcmp(s->name, "daily-limit-refuses-both") == 0);
    CHECK_STATUS(rtn_rule_set_load(s->blob, s->blob_len, 0, NULL, &rule_set), RTN_OK);
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, s->lines, s->line_count, &customer, &s->context,
                                    &outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_card_init(&s->card_program, &card), RTN_OK);
    play(s->card_events, s->card_event_count, &card, NULL, s->card_program.program);
    CHECK_STATUS(rtn_account_init(&s->account_program, &account), RTN_OK);
    play(s->account_events, s->account_event_count, NULL, &account, 0);
    memcpy(&card_before, &card, sizeof card);
    memcpy(&account_before, &account, sizeof account);
    /* Checked before anything is written. */
    CHECK_STATUS(rtn_outcome_apply_within_daily_limit(&outcome, &card, &account, s->context.now, 0,
                                                      &card, &account, NULL),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_outcome_apply_within_daily_limit(NULL, &card, &account, s->context.now, 0,
                                                      &card, &account, &refused),
                 RTN_NULL_PARAMETER);
    CHECK(refused == 99);
    CHECK(memcmp(&card_before, &card, sizeof card) == 0);
    CHECK_STATUS(rtn_outcome_apply(&outcome, &card, &account, s->context.now, 0, &card, &account),
                 RTN_CARD_DAILY_LIMIT_REACHED);
    CHECK_STATUS(rtn_outcome_apply_within_daily_limit(&outcome, &card, &account, s->context.now, 0,
                                                      &card, &account, &refused),
                 RTN_OK);
    CHECK(refused == 1);
    CHECK_STATUS(rtn_card_summarize(&card, &cs), RTN_OK);
    CHECK(cs.stamps == 3 && cs.write_counter == 2);
    CHECK_STATUS(rtn_account_summarize(&account, s->context.now, 0, &as), RTN_OK);
    CHECK(as.available == 40 && as.pending == 7 && as.debt == 0);
    /* The same sale again changes nothing and refuses nothing more. */
    CHECK_STATUS(rtn_outcome_apply_within_daily_limit(&outcome, &card, &account, s->context.now, 0,
                                                      &card, &account, &refused),
                 RTN_OK);
    CHECK(refused == 0);
    CHECK_STATUS(rtn_card_summarize(&card, &cs), RTN_OK);
    CHECK(cs.stamps == 3 && cs.write_counter == 2);

    four = s->lines[0];
    four.quantity = 4;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, &four, 1, &customer, &s->context, &outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
    CHECK(summary.points == 14);
    CHECK_STATUS(rtn_card_init(&s->card_program, &card), RTN_OK);
    CHECK_STATUS(rtn_account_init(&s->account_program, &account), RTN_OK);
    CHECK_STATUS(rtn_outcome_apply_within_daily_limit(&outcome, &card, &account, s->context.now, 0,
                                                      &card, &account, &refused),
                 RTN_OK);
    CHECK(refused == 1);
    CHECK_STATUS(rtn_card_summarize(&card, &cs), RTN_OK);
    CHECK(cs.stamps == 3);
    CHECK_STATUS(rtn_account_summarize(&account, s->context.now, 0, &as), RTN_OK);
    CHECK(as.available == 0 && as.pending == 14);
    /* No card: every point, nothing refused. */
    CHECK_STATUS(rtn_account_init(&s->account_program, &account), RTN_OK);
    CHECK_STATUS(rtn_outcome_apply_within_daily_limit(&outcome, NULL, &account, s->context.now, 0,
                                                      NULL, &account, &refused),
                 RTN_OK);
    CHECK(refused == 0);
}

int main(void) {
    RUN(every_shared_scenario);
    RUN(bad_input_writes_nothing);
    RUN(within_the_daily_limit_the_stamps_that_fit_and_all_points);
    return HARNESS_SUMMARY();
}
