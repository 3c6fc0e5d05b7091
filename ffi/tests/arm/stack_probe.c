/*
 * Stack per C API function on Cortex-M, measured by painting: for every function of the header,
 * the largest stack any of its calls below used, on the emulated Cortex-M3 (QEMU lm3s6965evb,
 * thumbv7m staticlib) and Cortex-M4F (QEMU mps2-an386, thumbv7em-none-eabihf staticlib).
 * scripts/test.sh (step c-qemu) builds and runs it for each, with and without `signing`, and
 * keeps the `stack:` lines it prints; scripts/figures.py puts them in the README and
 * docs/figures/, from which `cargo xtask gen` writes the table of include/retention.h.
 *
 * Each call: read the stack pointer, paint WINDOW_BYTES below it with a pattern, make the call,
 * then find the lowest word that no longer holds the pattern. The calls are the shared test
 * data's (ffi/tests/generated/): every rule scenario's rule set, customer record, basket and
 * refunds, every apply scenario, the card and account scenario's programs and pinned blobs, the
 * churn vectors, the envelope vectors, and the signed coffee program with its key. A call that
 * does not answer what the data says, a function never measured, a window too small or a
 * function over STACK_CEILING_BYTES fails the run.
 *
 * Built with -DPROBE_NO_SIGNING against the staticlib without `signing` (no signed load there),
 * and with -DPROBE_CPU=\"cortex-m4f\" for the M4F.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "generated/apply_scenarios.h"
#include "generated/cards_scenario.h"
#include "generated/churn_vectors.h"
#include "generated/envelope_vectors.h"
#include "generated/rule_scenarios.h"

/* The ceiling every function must stay under, a signed load included (README, "Footprint and
 * timings"; docs/firmware.md, "Stack"). */
#define STACK_CEILING_BYTES (8u * 1024u)
#define WINDOW_BYTES (12u * 1024u)
#define WINDOW_WORDS (WINDOW_BYTES / 4u)
#define PATTERN 0xa5c3e187u

#ifdef PROBE_NO_SIGNING
#define PROBE_BUILD "no-signing"
#else
#define PROBE_BUILD "signing"
#endif
#ifndef PROBE_CPU
#define PROBE_CPU "cortex-m3"
#endif

/* One entry per function: the largest use seen and how many calls were measured. */
typedef struct probe_entry {
    const char *name;
    size_t bytes;
    unsigned calls;
} probe_entry;

#define MAX_FUNCTIONS 80
static probe_entry entries[MAX_FUNCTIONS];
static size_t entry_count;
static unsigned failures;
static int window_exceeded;
static volatile uint32_t *painted_top;

/* Paints the window below `top` (the caller's stack pointer); this function's own frame lies
 * just below `top` and is painted over only below its stack pointer. */
static __attribute__((noinline)) void paint(volatile uint32_t *top) {
    volatile uint32_t *here;
    size_t i;
    __asm__ volatile("mov %0, sp" : "=r"(here));
    painted_top = top;
    for (i = 1; i <= WINDOW_WORDS - (size_t)(top - here); i++) here[-(ptrdiff_t)i] = PATTERN;
}

/* The bytes below the painted top that no longer hold the pattern. */
static __attribute__((noinline)) size_t used_bytes(void) {
    size_t i;
    for (i = WINDOW_WORDS; i > 0 && painted_top[-(ptrdiff_t)i] == PATTERN; i--) {
    }
    if (i == WINDOW_WORDS) window_exceeded = 1;
    return i * 4u;
}

static void record(const char *name, size_t bytes, rtn_status got, rtn_status want) {
    size_t i;
    if (got != want) {
        printf("stack-probe: %s returned %s, expected %s\n", name, rtn_status_str(got),
               rtn_status_str(want));
        failures++;
    }
    for (i = 0; i < entry_count; i++) {
        if (strcmp(entries[i].name, name) == 0) break;
    }
    if (i == entry_count) {
        if (entry_count == MAX_FUNCTIONS) {
            failures++;
            return;
        }
        entries[entry_count++].name = name;
    }
    if (bytes > entries[i].bytes) entries[i].bytes = bytes;
    entries[i].calls++;
}

/* Measures one call of `function` (a name of the header) that must answer `want`. */
#define PROBE(function, want, ...)                                                       \
    do {                                                                                 \
        volatile uint32_t *probe_top;                                                    \
        rtn_status probe_status;                                                         \
        __asm__ volatile("mov %0, sp" : "=r"(probe_top));                                \
        paint(probe_top);                                                                \
        probe_status = function(__VA_ARGS__);                                            \
        record(#function, used_bytes(), probe_status, (want));                           \
    } while (0)

/* As PROBE for a function that returns no status; `call` is the whole call. */
#define PROBE_VALUE(function, call)                                                      \
    do {                                                                                 \
        volatile uint32_t *probe_top;                                                    \
        __asm__ volatile("mov %0, sp" : "=r"(probe_top));                                \
        paint(probe_top);                                                                \
        (void)(call);                                                                    \
        record(#function, used_bytes(), RTN_OK, RTN_OK);                                 \
    } while (0)

static rtn_rule_set rule_set;
static rtn_outcome outcome;
static rtn_customer customer, customer_copy;
static rtn_returns returns;
static rtn_clawback clawback;
static rtn_card card, card_copy, card_merged;
static rtn_account account, account_copy, account_merged;
static rtn_churn_model model;
static rtn_churn_summary summary;
static rtn_line_result line_results[RTN_RULES_MAX_LINES];
static rtn_share shares[RTN_RULES_MAX_SHARES];
static rtn_trace_entry trace[RTN_RULES_MAX_RULES];
static rtn_hint hints[RTN_RULES_MAX_HINTS];
static rtn_stamp_award stamps[RTN_RULES_MAX_PROGRAMS];
static rtn_reward_grant rewards[RTN_RULES_MAX_REWARDS];
static rtn_free_item free_items[RTN_RULES_MAX_FREE_ITEMS];
static rtn_usage_count usage[RTN_CUSTOMER_MAX_USAGE_COUNTS];
static uint8_t blob_out[RTN_CUSTOMER_MAX_LEN];
static uint8_t payload_out[64];

static const rtn_seal customer_seal = {RULES_CUSTOMER_KEY, sizeof RULES_CUSTOMER_KEY,
                                       RULES_CUSTOMER_ID, sizeof RULES_CUSTOMER_ID};
static const rtn_seal card_seal = {SCENARIO_KEY, sizeof SCENARIO_KEY, SCENARIO_UID,
                                   sizeof SCENARIO_UID};
static const rtn_seal account_seal = {SCENARIO_KEY, sizeof SCENARIO_KEY, SCENARIO_CUSTOMER,
                                      sizeof SCENARIO_CUSTOMER};

/* Every outcome reader, on the outcome just evaluated. */
static void read_outcome(void) {
    rtn_outcome_summary outcome_summary;
    size_t count;
    PROBE(rtn_outcome_summarize, RTN_OK, &outcome, &outcome_summary);
    PROBE(rtn_outcome_lines, RTN_OK, &outcome, line_results, RTN_RULES_MAX_LINES, &count);
    PROBE(rtn_outcome_attribution, RTN_OK, &outcome, shares, RTN_RULES_MAX_SHARES, &count);
    PROBE(rtn_outcome_trace, RTN_OK, &outcome, trace, RTN_RULES_MAX_RULES, &count);
    PROBE(rtn_outcome_hints, RTN_OK, &outcome, hints, RTN_RULES_MAX_HINTS, &count);
    PROBE(rtn_outcome_stamps, RTN_OK, &outcome, stamps, RTN_RULES_MAX_PROGRAMS, &count);
    PROBE(rtn_outcome_rewards, RTN_OK, &outcome, rewards, RTN_RULES_MAX_REWARDS, &count);
    PROBE(rtn_outcome_free_items, RTN_OK, &outcome, free_items, RTN_RULES_MAX_FREE_ITEMS,
          &count);
    PROBE(rtn_outcome_customer, RTN_OK, &outcome, &customer_copy);
}

/* Every rule scenario: load, decode the record, evaluate (from storage and from the blob),
 * read the outcome, refund as the scenario does, and the record's own functions. */
static void rules(void) {
    size_t i, j, count;
    rtn_rule_set_info info;
    rtn_customer_profile profile;
    rtn_customer_churn churn;
    for (i = 0; i < RULES_SCENARIO_COUNT; i++) {
        const rules_scenario *s = &RULES_SCENARIOS[i];
        const rules_blob *blob = &RULES_BLOBS[s->blob];
        PROBE(rtn_rule_set_load, RTN_OK, blob->bytes, blob->len, 0, NULL, &rule_set);
        PROBE(rtn_rule_set_describe, RTN_OK, &rule_set, &info);
        PROBE(rtn_customer_decode, RTN_OK, s->customer, s->customer_len, &customer_seal,
              &customer);
        PROBE(rtn_rules_evaluate_blob, s->error, blob->bytes, blob->len, 0, NULL, &rule_set,
              s->lines, s->line_count, &customer, &s->context, &outcome);
        PROBE(rtn_rules_evaluate, s->error, &rule_set, s->lines, s->line_count, &customer,
              &s->context, &outcome);
        if (s->error == RTN_OK) {
            read_outcome();
            PROBE(rtn_returns_init, RTN_OK, &outcome, &returns);
            for (j = 0; j < s->refund_count; j++) {
                const rules_refund_step *step = &s->refunds[j];
                PROBE(rtn_rules_refund, RTN_OK, &outcome, &returns, step->returned,
                      step->returned_count, &clawback, &returns);
            }
        }
        PROBE(rtn_customer_get_profile, RTN_OK, &customer, &profile);
        PROBE(rtn_customer_set_profile, RTN_OK, &customer, profile.tier, profile.segments,
              profile.birthday_month, profile.birthday_day);
        PROBE(rtn_customer_usage, RTN_OK, &customer, usage, RTN_CUSTOMER_MAX_USAGE_COUNTS,
              &count);
        PROBE(rtn_customer_get_churn, RTN_OK, &customer, &churn);
        PROBE(rtn_customer_set_churn, RTN_OK, &customer, &churn);
        PROBE(rtn_customer_encode, RTN_OK, &customer, &customer_seal, blob_out, sizeof blob_out,
              &count);
        if (s->churn_model != NULL) {
            int32_t risk;
            PROBE(rtn_churn_model_load, RTN_OK, s->churn_model, s->churn_model_len, &model);
            PROBE(rtn_churn_risk_of_customer, RTN_OK, &model, &customer, s->context.now,
                  s->context.utc_offset_minutes, &risk);
        }
    }
    PROBE(rtn_customer_init, RTN_OK, &customer);
#ifndef PROBE_NO_SIGNING
    {
        /* Recorded apart ("rtn_rule_set_load/signed"): the signature check is the deepest
         * path of a load, and only this call with a key takes it. */
        volatile uint32_t *probe_top;
        rtn_status status;
        __asm__ volatile("mov %0, sp" : "=r"(probe_top));
        paint(probe_top);
        status = rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 1,
                                   RULES_OPERATOR_PUBLIC_KEY, &rule_set);
        record("rtn_rule_set_load/signed", used_bytes(), status, RTN_OK);
    }
#endif
}

/* The scenario's events before (or after) the sale, measured as any other call. */
static void play(const apply_event *events, size_t count, rtn_card *c, rtn_account *a,
                 uint16_t program) {
    size_t i;
    for (i = 0; i < count; i++) {
        const apply_event *e = &events[i];
        if (c != NULL && e->op == APPLY_OP_STAMP) {
            PROBE(rtn_card_stamp, RTN_OK, c, program, e->id, (uint16_t)e->amount, e->now, 0);
        } else if (c != NULL && e->op == APPLY_OP_REDEEM) {
            PROBE(rtn_card_redeem, RTN_OK, c, program, e->id, e->now, 0);
        } else if (a != NULL && e->op == APPLY_OP_EARN) {
            PROBE(rtn_account_earn, RTN_OK, a, e->id, e->amount, e->now, 0);
        } else if (a != NULL && e->op == APPLY_OP_REDEEM) {
            PROBE(rtn_account_redeem, RTN_OK, a, e->id, e->amount, e->now, 0);
        } else {
            failures++;
        }
    }
}

/* Every apply scenario: the sale onto a card and an account, and its refund. */
static void apply(void) {
    size_t i;
    for (i = 0; i < APPLY_SCENARIO_COUNT; i++) {
        const apply_scenario *s = &APPLY_SCENARIOS[i];
        rtn_card *c = s->has_card ? &card : NULL;
        rtn_account *a = s->has_account ? &account : NULL;
        if (rtn_rule_set_load(s->blob, s->blob_len, 0, NULL, &rule_set) != RTN_OK ||
            rtn_customer_init(&customer) != RTN_OK ||
            rtn_rules_evaluate(&rule_set, s->lines, s->line_count, &customer, &s->context,
                               &outcome) != RTN_OK) {
            failures++;
            continue;
        }
        if (c != NULL) {
            PROBE(rtn_card_init, RTN_OK, &s->card_program, c);
            play(s->card_events, s->card_event_count, c, NULL, s->card_program.program);
        }
        if (a != NULL) {
            PROBE(rtn_account_init, RTN_OK, &s->account_program, a);
            play(s->account_events, s->account_event_count, NULL, a, 0);
        }
        PROBE(rtn_outcome_apply, s->error, &outcome, c, a, s->context.now, 0, c, a);
        if (s->error == RTN_CARD_DAILY_LIMIT_REACHED) {
            /* The same sale with the stamps that fit: nothing refused as a whole. */
            uint16_t refused;
            PROBE(rtn_outcome_apply_within_daily_limit, RTN_OK, &outcome, c, a, s->context.now, 0,
                  c, a, &refused);
        }
        if (s->error != RTN_OK) continue;
        play(s->between_card, s->between_card_count, c, NULL, s->card_program.program);
        play(s->between_account, s->between_account_count, NULL, a, 0);
        if (!s->has_refund) continue;
        if (rtn_returns_init(&outcome, &returns) != RTN_OK ||
            rtn_rules_refund(&outcome, &returns, s->returned, s->returned_count, &clawback,
                             &returns) != RTN_OK) {
            failures++;
            continue;
        }
        PROBE(rtn_clawback_apply, RTN_OK, &clawback, s->refund_event, c, a, s->refund_now, 0, c,
              a);
    }
}

/* The card and account functions, on the scenario's programs and pinned blobs. */
static void cards(void) {
    const rtn_event_id sale = {1, 1}, second = {2, 1}, refund = {1, 2}, office = {99, 1};
    const int64_t now = SCENARIO_STEPS[0].now;
    const uint16_t program = SCENARIO_CARD_PROGRAM.program;
    rtn_card_summary card_summary;
    rtn_account_summary account_summary;
    uint64_t points;
    size_t written;
    bool applied;
    PROBE(rtn_card_decode, RTN_OK, SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD, &card_seal,
          0, &card);
    PROBE(rtn_card_init, RTN_OK, &SCENARIO_CARD_PROGRAM, &card);
    PROBE(rtn_card_stamp, RTN_OK, &card, program, sale, 5, now, 0);
    card_copy = card;
    PROBE(rtn_card_redeem, RTN_OK, &card, program, second, now, 0);
    PROBE(rtn_card_void, RTN_OK, &card_copy, program, refund, sale, 1, now, 0);
    PROBE(rtn_card_merge, RTN_OK, &card, &card_copy, &card_merged);
    PROBE(rtn_card_expire, RTN_OK, &card_merged, now, 0);
    PROBE(rtn_card_has_applied, RTN_OK, &card_merged, sale, &applied);
    PROBE(rtn_card_summarize, RTN_OK, &card_merged, &card_summary);
    PROBE(rtn_card_encode, RTN_OK, &card_merged, &card_seal, blob_out, RTN_CARD_MAX_LEN,
          &written);
    PROBE(rtn_card_compact, RTN_OK, &card_merged, office);

    PROBE(rtn_account_decode, RTN_OK, SCENARIO_PINNED_ACCOUNT, sizeof SCENARIO_PINNED_ACCOUNT,
          &account_seal, 0, &account);
    PROBE(rtn_account_init, RTN_OK, &SCENARIO_ACCOUNT_PROGRAM, &account);
    /* A month ago: past the program's pending days, so the points can be redeemed now. */
    PROBE(rtn_account_earn, RTN_OK, &account, sale, 500, now - 30 * 86400, 0);
    account_copy = account;
    PROBE(rtn_account_redeem, RTN_OK, &account, second, 200, now, 0);
    PROBE(rtn_account_clawback, RTN_OK, &account_copy, refund, sale, 100, now, 0);
    PROBE(rtn_account_merge, RTN_OK, &account, &account_copy, &account_merged);
    PROBE(rtn_account_expire, RTN_OK, &account_merged, now, 0);
    PROBE(rtn_account_has_applied, RTN_OK, &account_merged, sale, &applied);
    PROBE(rtn_account_summarize, RTN_OK, &account_merged, now, 0, &account_summary);
    PROBE(rtn_account_expiring_within, RTN_OK, &account_merged, now, 0, 30, &points);
    PROBE(rtn_account_qualifying_points, RTN_OK, &account_merged, now, 0, 12, &points);
    PROBE(rtn_account_encode, RTN_OK, &account_merged, &account_seal, blob_out, RTN_ACCOUNT_MAX_LEN,
          &written);
}

/* Every churn vector: load, the summary of its purchases, every way of scoring it. */
static void churn(void) {
    size_t i, j;
    rtn_churn_result result;
    double expected;
    for (i = 0; i < CHURN_SCORES_COUNT; i++) {
        const churn_score_vector *v = &CHURN_SCORES[i];
        const churn_model_vector *m = &CHURN_MODELS[v->model];
        PROBE(rtn_churn_model_load, RTN_OK, m->blob, m->blob_len, &model);
        {
            /* The same model tagged with an operator's key (empty context), and its hash. */
            static const uint8_t model_key[16] = {1, 2, 3, 4, 5, 6, 7, 8,
                                                  9, 10, 11, 12, 13, 14, 15, 16};
            rtn_seal model_seal = {model_key, sizeof model_key, NULL, 0};
            uint8_t hash[RTN_CHURN_MODEL_HASH_LEN];
            size_t tagged_len = 0;
            PROBE(rtn_churn_model_hash, RTN_OK, &model, &hash);
            if (rtn_envelope_encode(RTN_KIND_MODEL_TAGGED, m->blob + 6, m->blob_len - 10,
                                    &model_seal, blob_out, sizeof blob_out,
                                    &tagged_len) != RTN_OK) {
                printf("FAIL tagging churn model %s\n", m->name);
                failures++;
            }
            PROBE(rtn_churn_model_load_tagged, RTN_OK, blob_out, tagged_len, model_key,
                  sizeof model_key, &model);
        }
        PROBE(rtn_churn_summary_init, RTN_OK, RTN_CHURN_GRAIN_DAY, &summary);
        for (j = 0; j < v->purchase_count; j++) {
            PROBE(rtn_churn_summary_record_purchase, RTN_OK, &summary,
                  v->purchases[j].unix_seconds, v->utc_offset_minutes,
                  v->purchases[j].amount_minor);
        }
        PROBE(rtn_churn_score, RTN_OK, &model, &summary, v->now, v->utc_offset_minutes, &result);
        /* The shared vectors hold no BG/BB model yet: only the refusal of another model's
         * (RTN_INVALID_ARGUMENT) is measured, not the BG/BB computation. */
        {
            double p_alive;
            PROBE(rtn_churn_bg_bb_p_alive, RTN_INVALID_ARGUMENT, &model, 0.0, 0.0, 6.0, 1.0,
                  &p_alive);
        }
        PROBE(rtn_churn_score_blob, RTN_OK, m->blob, m->blob_len, &summary, v->now,
              v->utc_offset_minutes, &result);
        PROBE(rtn_churn_score_observation, RTN_OK, &model, v->frequency, v->recency, v->age,
              v->mean_spend_minor, &result);
        PROBE(rtn_churn_expected_purchases, RTN_OK, &model, v->frequency, v->recency, v->age,
              52.0, &expected);
    }
    for (i = 0; i < CHURN_INVALID_COUNT; i++) {
        PROBE(rtn_churn_model_load, CHURN_INVALID[i].error, CHURN_INVALID[i].blob,
              CHURN_INVALID[i].blob_len, &model);
    }
}

/* Every valid envelope vector: its length, encoding and decoding. */
static void envelopes(void) {
    size_t i, len;
    for (i = 0; i < ENVELOPE_VALID_COUNT; i++) {
        const envelope_vector *v = &ENVELOPE_VALID[i];
        rtn_seal seal = {VECTOR_KEY, sizeof VECTOR_KEY, v->context, v->context_len};
        const rtn_seal *sealed = v->context != NULL ? &seal : NULL;
        PROBE(rtn_envelope_encoded_len, RTN_OK, v->kind, v->payload_len, &len);
        PROBE(rtn_envelope_encode, RTN_OK, v->kind, v->payload, v->payload_len, sealed, blob_out,
              sizeof blob_out, &len);
        PROBE(rtn_envelope_decode, RTN_OK, v->blob, v->blob_len, v->kind, sealed, payload_out,
              sizeof payload_out, &len);
    }
    PROBE_VALUE(rtn_status_str, rtn_status_str(RTN_DECODE_BAD_TAG));
    PROBE_VALUE(rtn_status_str, rtn_status_str(9999u));
    PROBE_VALUE(rtn_version, rtn_version());
    PROBE_VALUE(rtn_version_number, rtn_version_number());
}

int main(void) {
    size_t i, largest = 0;
    int over = 0;
    rules();
    apply();
    cards();
    churn();
    envelopes();
    for (i = 0; i < entry_count; i++) {
        printf("stack: " PROBE_BUILD " " PROBE_CPU " %s %u B (%u calls)\n", entries[i].name,
               (unsigned)entries[i].bytes, entries[i].calls);
        if (entries[i].bytes > STACK_CEILING_BYTES) {
            printf("stack-probe: %s needs %u B, over the ceiling of %u B\n", entries[i].name,
                   (unsigned)entries[i].bytes, (unsigned)STACK_CEILING_BYTES);
            over = 1;
        }
        if (entries[i].bytes > largest) largest = entries[i].bytes;
    }
    printf("stack-probe: " PROBE_BUILD " " PROBE_CPU ": %u functions measured, largest %u B, "
           "%u failed calls%s\n",
           (unsigned)entry_count, (unsigned)largest, failures,
           window_exceeded ? ", a call used the whole window" : "");
    return failures == 0 && !window_exceeded && !over ? 0 : 1;
}
