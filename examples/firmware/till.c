/*
 * A till's session on a Cortex-M4F, through the C API only: QEMU's mps2-an386 board,
 * thumbv7em-none-eabihf staticlib (hard float), output over semihosting. The test command runs
 * it (step c-qemu); by hand, after `source scripts/setup.sh`:
 *
 *   build_firmware_lib "" thumbv7em-none-eabihf
 *   link_arm_m4f examples/firmware/till.c target/till-m4f.elf && run_qemu_m4f target/till-m4f.elf
 *
 * The session: load the operator-signed coffee program and verify it with the operator's key;
 * evaluate every shared coffee basket with it (tests/scenarios/, hand-worked expected points and
 * discounts) and print the receipt lines; sell a coffee through a punch card and a points
 * account, seal and re-read the card and the account, return part of the sale
 * (tests/scenarios/apply/); score the published CDNOW customer's churn
 * (tests/vectors/churn.json). Then the ways outside data goes wrong: a corrupt blob, a wrong
 * key, NULL pointers and short buffers, each answering the code the header documents, as on
 * the host (ffi/tests/). Every value checked comes from the shared test data
 * (ffi/tests/generated/), not from this program's own output; a mismatch fails the run
 * (non-zero exit through semihosting).
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include "generated/apply_scenarios.h"
#include "generated/churn_vectors.h"
#include "generated/rule_scenarios.h"

/* Static storage, as firmware has it: nothing here lives on the heap. */
static rtn_rule_set coffee;
static rtn_rule_set scratch;
static rtn_customer customer;
static rtn_outcome outcome;
static rtn_card card;
static rtn_account account;
static rtn_returns returns;
static rtn_clawback clawback;
static rtn_churn_model model;
static rtn_churn_summary history;
static uint8_t blob[1024];
static uint8_t tag[RTN_CARD_MAX_LEN];
static uint8_t account_blob[RTN_ACCOUNT_MAX_LEN];

/* The terminals' key for cards and accounts, and the card's NFC UID. */
static const uint8_t TERMINAL_KEY[32] = {
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f};
static const uint8_t CARD_UID[7] = {0x04, 0xa2, 0x3b, 0x51, 0x7c, 0x80, 0x00};

static rtn_seal seal_of(const uint8_t *key, size_t key_len, const uint8_t *ctx, size_t ctx_len) {
    rtn_seal seal;
    seal.key = key;
    seal.key_len = key_len;
    seal.context = ctx;
    seal.context_len = ctx_len;
    return seal;
}

static void print_money(const char *label, int64_t minor) {
    int64_t v = minor < 0 ? -minor : minor;
    printf("%s%s%ld.%02ld\n", label, minor < 0 ? "-" : "", (long)(v / 100), (long)(v % 100));
}

/* The signed program, verified with the operator's key; the scenarios' coffee baskets with it. */
static void signed_program_and_baskets(void) {
    rtn_rule_set_info info, other;
    rtn_outcome_summary summary;
    const rtn_seal seal = seal_of(RULES_CUSTOMER_KEY, sizeof RULES_CUSTOMER_KEY, RULES_CUSTOMER_ID,
                                  sizeof RULES_CUSTOMER_ID);
    size_t i, baskets = 0;
    CHECK_STATUS(rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 0,
                                   RULES_OPERATOR_PUBLIC_KEY, &coffee),
                 RTN_OK);
    CHECK_STATUS(rtn_rule_set_describe(&coffee, &info), RTN_OK);
    printf("till: rule set \"%s\" loaded, signature verified\n", info.name);
    for (i = 0; i < RULES_SCENARIO_COUNT; i++) {
        const rules_scenario *s = &RULES_SCENARIOS[i];
        const rules_blob *b = &RULES_BLOBS[s->blob];
        if (s->error != RTN_OK || s->churn_model != NULL) continue;
        /* The scenarios' sets are unsigned; the same content has the same hash. */
        CHECK_STATUS(rtn_rule_set_load(b->bytes, b->len, 0, NULL, &scratch), RTN_OK);
        CHECK_STATUS(rtn_rule_set_describe(&scratch, &other), RTN_OK);
        if (memcmp(info.hash, other.hash, RTN_RULE_SET_HASH_LEN) != 0) continue;
        CHECK_STATUS(rtn_customer_decode(s->customer, s->customer_len, &seal, &customer), RTN_OK);
        CHECK_STATUS(rtn_rules_evaluate(&coffee, s->lines, s->line_count, &customer, &s->context,
                                        &outcome),
                     RTN_OK);
        CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
        printf("receipt: %s: %u line(s), %lu points\n", s->name, (unsigned)s->line_count,
               (unsigned long)summary.points);
        print_money("receipt:   discount ", summary.discount);
        if (summary.points != s->points || summary.discount != s->discount) {
            printf("  %s: expected %lu points, discount %ld\n", s->name, (unsigned long)s->points,
                   (long)s->discount);
            harness_current_failed = 1;
        }
        baskets++;
    }
    printf("till: %u coffee basket(s) evaluated with the signed program\n", (unsigned)baskets);
    CHECK(baskets > 0);
}

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

static void check_expect(const apply_expect *e, int64_t now) {
    rtn_card_summary cs;
    rtn_account_summary as;
    CHECK_STATUS(rtn_card_summarize(&card, &cs), RTN_OK);
    CHECK_STATUS(rtn_account_summarize(&account, now, 0, &as), RTN_OK);
    printf("receipt:   card %u stamp(s), %u reward(s); points %lu available, %lu pending\n",
           (unsigned)cs.stamps, (unsigned)cs.rewards_available, (unsigned long)as.available,
           (unsigned long)as.pending);
    CHECK(cs.stamps == e->stamps && cs.rewards_available == e->rewards_available);
    CHECK(cs.owed_stamps == e->owed_stamps && cs.write_counter == e->write_counter);
    CHECK(as.available == e->available && as.pending == e->pending && as.debt == e->debt);
}

/* A sale onto a punch card and an account, both sealed and read back, then a partial return. */
static void card_account_and_return(void) {
    const apply_scenario *s = NULL;
    const rtn_seal seal = seal_of(TERMINAL_KEY, sizeof TERMINAL_KEY, CARD_UID, sizeof CARD_UID);
    size_t i, written = 0;
    for (i = 0; i < APPLY_SCENARIO_COUNT && s == NULL; i++) {
        const apply_scenario *t = &APPLY_SCENARIOS[i];
        if (t->has_card && t->has_account && t->has_refund && t->error == RTN_OK) s = t;
    }
    CHECK(s != NULL);
    if (s == NULL) return;
    printf("till: sale %s\n", s->name);
    CHECK_STATUS(rtn_rule_set_load(s->blob, s->blob_len, 0, NULL, &scratch), RTN_OK);
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_rules_evaluate(&scratch, s->lines, s->line_count, &customer, &s->context,
                                    &outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_card_init(&s->card_program, &card), RTN_OK);
    play(s->card_events, s->card_event_count, &card, NULL, s->card_program.program);
    CHECK_STATUS(rtn_account_init(&s->account_program, &account), RTN_OK);
    play(s->account_events, s->account_event_count, NULL, &account, 0);
    CHECK_STATUS(rtn_outcome_apply(&outcome, &card, &account, s->context.now, 0, &card, &account),
                 RTN_OK);
    check_expect(&s->after_sale, s->context.now);
    /* Onto the NFC tag and back; a tag too small for it is refused without a write. */
    CHECK_STATUS(rtn_card_encode(&card, &seal, tag, 8, &written), RTN_BUFFER_TOO_SMALL);
    CHECK_STATUS(rtn_card_encode(&card, &seal, tag, sizeof tag, &written), RTN_OK);
    CHECK(written > 0 && written <= RTN_CARD_MAX_LEN);
    CHECK_STATUS(rtn_card_decode(tag, written, &seal, 0, &card), RTN_OK);
    printf("till: card sealed in %u bytes and read back\n", (unsigned)written);
    CHECK_STATUS(rtn_account_encode(&account, &seal, account_blob, sizeof account_blob, &written),
                 RTN_OK);
    CHECK_STATUS(rtn_account_decode(account_blob, written, &seal, 0, &account), RTN_OK);
    play(s->between_card, s->between_card_count, &card, NULL, s->card_program.program);
    play(s->between_account, s->between_account_count, NULL, &account, 0);
    CHECK_STATUS(rtn_returns_init(&outcome, &returns), RTN_OK);
    CHECK_STATUS(rtn_rules_refund(&outcome, &returns, s->returned, s->returned_count, &clawback,
                                  &returns),
                 RTN_OK);
    printf("receipt: return: %lu points clawed back\n", (unsigned long)clawback.points);
    CHECK(clawback.points == s->refund_points);
    CHECK_STATUS(rtn_clawback_apply(&clawback, s->refund_event, &card, &account, s->refund_now, 0,
                                    &card, &account),
                 RTN_OK);
    check_expect(&s->after_refund, s->refund_now);
}

/* The published CDNOW customer scored from the purchases the till recorded. */
static void churn_score(void) {
    const churn_score_vector *v = &CHURN_SCORES[0];
    const churn_model_vector *m = &CHURN_MODELS[v->model];
    rtn_churn_result score;
    size_t i;
    double diff;
    CHECK_STATUS(rtn_churn_model_load(m->blob, m->blob_len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_summary_init(RTN_CHURN_GRAIN_DAY, &history), RTN_OK);
    for (i = 0; i < v->purchase_count; i++) {
        CHECK_STATUS(rtn_churn_summary_record_purchase(&history, v->purchases[i].unix_seconds,
                                                       v->utc_offset_minutes,
                                                       v->purchases[i].amount_minor),
                     RTN_OK);
    }
    CHECK_STATUS(rtn_churn_score(&model, &history, v->now, v->utc_offset_minutes, &score), RTN_OK);
    printf("till: churn %s: risk %u of 1000, P(alive) %ld per mille\n", v->name,
           (unsigned)score.risk, (long)(score.p_alive * 1000.0 + 0.5));
    CHECK(score.risk == v->risk && score.band == v->band);
    diff = score.p_alive - v->p_alive;
    CHECK(diff < 1e-12 && diff > -1e-12);
}

/* Outside data gone wrong: the documented codes, on the target as on the host. */
static void bad_input(void) {
    uint8_t wrong_key[RTN_RULE_SET_PUBLIC_KEY_LEN];
    size_t written = 0;
    const rtn_seal seal = seal_of(TERMINAL_KEY, sizeof TERMINAL_KEY, CARD_UID, sizeof CARD_UID);
    memcpy(blob, RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED);
    blob[sizeof RULES_COFFEE_SIGNED - 1] ^= 0x01; /* the checksum's last byte */
    CHECK_STATUS(rtn_rule_set_load(blob, sizeof RULES_COFFEE_SIGNED, 0, RULES_OPERATOR_PUBLIC_KEY,
                                   &scratch),
                 RTN_DECODE_BAD_CHECKSUM);
    CHECK_STATUS(rtn_rule_set_load(RULES_COFFEE_SIGNED, 5, 0, NULL, &scratch),
                 RTN_DECODE_TRUNCATED);
    /* Another key than the operator's (its first byte changed): not a valid point, or a point
     * the signature does not verify under; either is refused. */
    memcpy(wrong_key, RULES_OPERATOR_PUBLIC_KEY, sizeof wrong_key);
    wrong_key[0] ^= 0x01;
    {
        rtn_status status = rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 0,
                                              wrong_key, &scratch);
        CHECK(status == RTN_RULES_BAD_SIGNATURE || status == RTN_RULES_BAD_PUBLIC_KEY);
    }
    CHECK_STATUS(rtn_rule_set_load(NULL, 10, 0, NULL, &scratch), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 0, NULL, NULL),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_card_decode(tag, 3, &seal, 0, &card), RTN_DECODE_TRUNCATED);
    CHECK_STATUS(rtn_card_encode(&card, &seal, NULL, sizeof tag, &written), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_model_load(NULL, 4, &model), RTN_NULL_PARAMETER);
    printf("till: corrupt, truncated, wrongly keyed and NULL input refused with their codes\n");
}

int main(void) {
    printf("till: Cortex-M4F session, SDK %s\n", rtn_version());
    RUN(signed_program_and_baskets);
    RUN(card_account_and_return);
    RUN(churn_score);
    RUN(bad_input);
    return HARNESS_SUMMARY();
}
