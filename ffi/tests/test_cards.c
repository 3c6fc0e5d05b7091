/* Punch cards and points accounts through the C API: the shared day at the till, pinned bytes,
 * bit flips, bad input. Big structs are static: this also runs on a 64 KiB Cortex-M3. */
#include "harness.h"

#include "generated/cards_scenario.h"

static rtn_card cards[SCENARIO_COPIES];
static rtn_account accounts[SCENARIO_COPIES];
static uint8_t saved[SCENARIO_SAVED][RTN_CARD_MAX_LEN];
static size_t saved_len[SCENARIO_SAVED];
static uint8_t blob[RTN_ACCOUNT_MAX_LEN];

static rtn_seal card_seal(void) {
    rtn_seal seal;
    seal.key = SCENARIO_KEY;
    seal.key_len = sizeof SCENARIO_KEY;
    seal.context = SCENARIO_UID;
    seal.context_len = sizeof SCENARIO_UID;
    return seal;
}

static rtn_seal account_seal(void) {
    rtn_seal seal = card_seal();
    seal.context = SCENARIO_CUSTOMER;
    seal.context_len = sizeof SCENARIO_CUSTOMER;
    return seal;
}

static rtn_event_id event(uint32_t terminal, uint32_t sequence) {
    rtn_event_id id;
    id.terminal = terminal;
    id.sequence = sequence;
    return id;
}

/* Noon UTC of 2024-03-05 (day 19787). */
static const int64_t NOON = 19787LL * 86400 + 43200;

static rtn_status card_step(const scenario_step *s) {
    rtn_card *card = &cards[s->copy];
    rtn_seal seal = card_seal();
    switch (s->op) {
    case OP_STAMP:
        return rtn_card_stamp(card, s->program, s->id, (uint16_t)s->amount, s->now, 0);
    case OP_REDEEM:
        return rtn_card_redeem(card, s->program, s->id, s->now, 0);
    case OP_VOID:
        return rtn_card_void(card, s->program, s->id, s->original, (uint16_t)s->amount, s->now, 0);
    case OP_EXPIRE:
        return rtn_card_expire(card, s->now, 0);
    case OP_FORK:
        memcpy(card, &cards[s->other], sizeof *card);
        return RTN_OK;
    case OP_MERGE:
        return rtn_card_merge(card, &cards[s->other], card);
    case OP_SAVE: {
        rtn_status status = rtn_card_encode(card, &seal, saved[s->saved], RTN_CARD_MAX_LEN,
                                            &saved_len[s->saved]);
        if (s->pinned) {
            CHECK(saved_len[s->saved] == sizeof SCENARIO_PINNED_CARD);
            CHECK(memcmp(saved[s->saved], SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD) == 0);
        }
        return status;
    }
    case OP_LOAD:
        return rtn_card_decode(saved[s->saved], saved_len[s->saved], &seal, s->min_write_counter,
                               card);
    default:
        return RTN_INTERNAL;
    }
}

static rtn_status account_step(const scenario_step *s) {
    rtn_account *account = &accounts[s->copy];
    rtn_seal seal = account_seal();
    switch (s->op) {
    case OP_EARN:
        return rtn_account_earn(account, s->id, s->amount, s->now, 0);
    case OP_REDEEM_POINTS:
        return rtn_account_redeem(account, s->id, s->amount, s->now, 0);
    case OP_CLAWBACK:
        return rtn_account_clawback(account, s->id, s->original, s->amount, s->now, 0);
    case OP_EXPIRE:
        return rtn_account_expire(account, s->now, 0);
    case OP_FORK:
        memcpy(account, &accounts[s->other], sizeof *account);
        return RTN_OK;
    case OP_MERGE:
        return rtn_account_merge(account, &accounts[s->other], account);
    case OP_SAVE: {
        size_t written = 0;
        rtn_status status = rtn_account_encode(account, &seal, blob, sizeof blob, &written);
        CHECK(written == sizeof SCENARIO_PINNED_ACCOUNT);
        CHECK(memcmp(blob, SCENARIO_PINNED_ACCOUNT, sizeof SCENARIO_PINNED_ACCOUNT) == 0);
        return status;
    }
    case OP_QUERY:
        return RTN_OK;
    default:
        return RTN_INTERNAL;
    }
}

static void check_card(const scenario_step *s) {
    rtn_card_summary summary;
    int64_t actual[CARD_FIELDS];
    int i;
    CHECK_STATUS(rtn_card_summarize(&cards[s->copy], &summary), RTN_OK);
    actual[CARD_STAMPS] = summary.stamps;
    actual[CARD_TO_NEXT] = summary.stamps_to_next_reward;
    actual[CARD_REWARDS] = summary.rewards_available;
    actual[CARD_OWED] = summary.owed_stamps;
    actual[CARD_OVERDRAWN] = summary.overdrawn_rewards;
    actual[CARD_ON_LAST_DAY] = summary.stamps_on_last_day;
    actual[CARD_EXCESS] = summary.daily_excess;
    actual[CARD_WRITE_COUNTER] = summary.write_counter;
    actual[CARD_GENERATION] = summary.generation;
    actual[CARD_TERMINALS] = summary.terminals;
    for (i = 0; i < CARD_FIELDS; i++) {
        if (actual[i] != s->card[i]) {
            printf("  card field %d: %ld, expected %ld\n", i, (long)actual[i], (long)s->card[i]);
            harness_current_failed = 1;
        }
    }
}

static void check_account(const scenario_step *s) {
    rtn_account_summary summary;
    const rtn_account *account = &accounts[s->copy];
    int64_t now = s->now != 0 ? s->now : NOON;
    int64_t actual[ACCOUNT_FIELDS];
    uint64_t points = 0;
    int i;
    CHECK_STATUS(rtn_account_summarize(account, now, 0, &summary), RTN_OK);
    actual[ACCOUNT_AVAILABLE] = (int64_t)summary.available;
    actual[ACCOUNT_PENDING] = (int64_t)summary.pending;
    actual[ACCOUNT_DEBT] = (int64_t)summary.debt;
    actual[ACCOUNT_OVERDRAWN] = (int64_t)summary.overdrawn;
    actual[ACCOUNT_QUALIFYING] = -1;
    actual[ACCOUNT_EXPIRING] = -1;
    if (s->window_months != 0) {
        CHECK_STATUS(rtn_account_qualifying_points(account, now, 0, s->window_months, &points),
                     RTN_OK);
        actual[ACCOUNT_QUALIFYING] = (int64_t)points;
    }
    if (s->expiring_days != 0) {
        CHECK_STATUS(rtn_account_expiring_within(account, now, 0, s->expiring_days, &points),
                     RTN_OK);
        actual[ACCOUNT_EXPIRING] = (int64_t)points;
    }
    for (i = 0; i < ACCOUNT_FIELDS; i++) {
        if (actual[i] != s->account[i]) {
            printf("  account field %d: %ld, expected %ld\n", i, (long)actual[i],
                   (long)s->account[i]);
            harness_current_failed = 1;
        }
    }
}

/* tests/vectors/cards.json: the same day the Rust and Python tests replay. */
static void a_day_at_the_till(void) {
    size_t i;
    CHECK_STATUS(rtn_card_init(&SCENARIO_CARD_PROGRAM, &cards[0]), RTN_OK);
    CHECK_STATUS(rtn_account_init(&SCENARIO_ACCOUNT_PROGRAM, &accounts[0]), RTN_OK);
    for (i = 0; i < SCENARIO_STEP_COUNT; i++) {
        const scenario_step *s = &SCENARIO_STEPS[i];
        rtn_status status = s->is_account ? account_step(s) : card_step(s);
        CHECK_STATUS(status, s->expect);
        if (s->has_card) {
            check_card(s);
        }
        if (s->has_account) {
            check_account(s);
        }
        if (harness_current_failed) {
            printf("  at step %u: %s\n", (unsigned)i, s->note);
            return;
        }
    }
}

static void every_bit_flip_of_a_card_or_account_is_refused(void) {
    rtn_seal cseal = card_seal();
    rtn_seal aseal = account_seal();
    size_t byte;
    int bit;
    int refused = 0;
    memcpy(blob, SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD);
    CHECK_STATUS(rtn_card_decode(blob, sizeof SCENARIO_PINNED_CARD, &cseal, 5, &cards[2]), RTN_OK);
    for (byte = 0; byte < sizeof SCENARIO_PINNED_CARD; byte++) {
        for (bit = 0; bit < 8; bit++) {
            blob[byte] ^= (uint8_t)(1u << bit);
            refused += rtn_card_decode(blob, sizeof SCENARIO_PINNED_CARD, &cseal, 0, &cards[2]) !=
                       RTN_OK;
            blob[byte] ^= (uint8_t)(1u << bit);
        }
    }
    CHECK(refused == (int)(8 * sizeof SCENARIO_PINNED_CARD));
    refused = 0;
    memcpy(blob, SCENARIO_PINNED_ACCOUNT, sizeof SCENARIO_PINNED_ACCOUNT);
    CHECK_STATUS(rtn_account_decode(blob, sizeof SCENARIO_PINNED_ACCOUNT, &aseal, 9, &accounts[2]),
                 RTN_OK);
    for (byte = 0; byte < sizeof SCENARIO_PINNED_ACCOUNT; byte++) {
        for (bit = 0; bit < 8; bit++) {
            blob[byte] ^= (uint8_t)(1u << bit);
            refused += rtn_account_decode(blob, sizeof SCENARIO_PINNED_ACCOUNT, &aseal, 0,
                                          &accounts[2]) != RTN_OK;
            blob[byte] ^= (uint8_t)(1u << bit);
        }
    }
    CHECK(refused == (int)(8 * sizeof SCENARIO_PINNED_ACCOUNT));
}

static void wrong_key_other_card_and_old_copies(void) {
    static const uint8_t other_key[32] = {9};
    rtn_seal seal = card_seal();
    CHECK_STATUS(rtn_card_decode(SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD, &seal, 6,
                                 &cards[2]),
                 RTN_CARD_OLDER_COPY);
    seal.key = other_key;
    CHECK_STATUS(rtn_card_decode(SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD, &seal, 0,
                                 &cards[2]),
                 RTN_DECODE_BAD_TAG);
    seal = card_seal();
    seal.context_len = 6; /* another UID */
    CHECK_STATUS(rtn_card_decode(SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD, &seal, 0,
                                 &cards[2]),
                 RTN_DECODE_BAD_TAG);
    CHECK_STATUS(rtn_card_decode(SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD - 1, &seal, 0,
                                 &cards[2]),
                 RTN_DECODE_TRUNCATED);
    seal = account_seal();
    CHECK_STATUS(rtn_account_decode(SCENARIO_PINNED_CARD, sizeof SCENARIO_PINNED_CARD, &seal, 0,
                                    &accounts[2]),
                 RTN_DECODE_WRONG_KIND);
    CHECK_STATUS(rtn_account_decode(SCENARIO_PINNED_ACCOUNT, sizeof SCENARIO_PINNED_ACCOUNT, &seal,
                                    10, &accounts[2]),
                 RTN_ACCOUNT_OLDER_COPY);
}

static void eight_terminals_fill_144_bytes_and_a_ninth_is_refused(void) {
    rtn_card_program program = SCENARIO_CARD_PROGRAM;
    rtn_seal seal = card_seal();
    size_t written = 0;
    uint32_t terminal;
    program.daily_limit = 255;
    CHECK_STATUS(rtn_card_init(&program, &cards[2]), RTN_OK);
    for (terminal = 1; terminal <= 8; terminal++) {
        CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(terminal, 1), 1, NOON, 0), RTN_OK);
    }
    CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(9, 1), 1, NOON, 0),
                 RTN_CARD_TERMINAL_SLOTS_FULL);
    CHECK_STATUS(rtn_card_encode(&cards[2], &seal, blob, RTN_CARD_MAX_LEN - 1, &written),
                 RTN_BUFFER_TOO_SMALL);
    CHECK(written == 0);
    CHECK_STATUS(rtn_card_encode(&cards[2], &seal, blob, RTN_CARD_MAX_LEN, &written), RTN_OK);
    CHECK(written == 144 && RTN_CARD_MAX_LEN == 144);
}

/* Two offline copies, four terminals each, merge into eight recent events, the most an account
 * keeps (its blob within RTN_ACCOUNT_MAX_LEN); one more event on either side is refused at the
 * merge; copies that both compacted since they diverged are refused. */
static void concurrent_account_copies_merge(void) {
    rtn_account_summary s;
    rtn_seal seal = account_seal();
    size_t written = 0;
    uint32_t t;
    CHECK_STATUS(rtn_account_init(&SCENARIO_ACCOUNT_PROGRAM, &accounts[0]), RTN_OK);
    memcpy(&accounts[1], &accounts[0], sizeof accounts[0]);
    for (t = 1; t <= 4; t++) {
        CHECK_STATUS(rtn_account_earn(&accounts[0], event(t, 1), 10 * t, NOON, 0), RTN_OK);
        CHECK_STATUS(rtn_account_earn(&accounts[1], event(t + 4, 1), 10 * t, NOON, 0), RTN_OK);
    }
    memcpy(&accounts[2], &accounts[1], sizeof accounts[1]);
    CHECK_STATUS(rtn_account_merge(&accounts[0], &accounts[1], &accounts[0]), RTN_OK);
    CHECK_STATUS(rtn_account_summarize(&accounts[0], NOON, 0, &s), RTN_OK);
    /* (10 + 20 + 30 + 40) x 2 pending; write counter max(4, 4) + 1. */
    CHECK(s.pending == 200 && s.available == 0 && s.terminals == 8);
    CHECK(s.recent_events == RTN_ACCOUNT_MAX_RECENT_EVENTS && s.write_counter == 5);
    CHECK_STATUS(rtn_account_encode(&accounts[0], &seal, blob, sizeof blob, &written), RTN_OK);
    CHECK(written == 26 + 21 + 8 * 8 + 8 * 10 && written <= RTN_ACCOUNT_MAX_LEN);
    /* Copy 2 takes a ninth event: 9 recent events together. */
    CHECK_STATUS(rtn_account_earn(&accounts[2], event(5, 2), 1, NOON, 0), RTN_OK);
    CHECK_STATUS(rtn_account_merge(&accounts[0], &accounts[2], &accounts[1]),
                 RTN_ACCOUNT_RECENT_EVENTS_FULL);
    /* The next day both compact: copy 0 folds all 8 for a new event, copy 2 fills up and folds
     * its own. Each checkpoint now holds events the other lacks. */
    CHECK_STATUS(rtn_account_earn(&accounts[0], event(1, 2), 1, NOON + 86400, 0), RTN_OK);
    for (t = 3; t <= 5; t++) {
        CHECK_STATUS(rtn_account_earn(&accounts[2], event(5, t), 1, NOON + 86400, 0), RTN_OK);
    }
    CHECK_STATUS(rtn_account_merge(&accounts[0], &accounts[2], &accounts[1]),
                 RTN_ACCOUNT_INCOMPARABLE_CHECKPOINTS);
    CHECK_STATUS(rtn_account_summarize(&accounts[0], NOON + 86400, 0, &s), RTN_OK);
    CHECK(s.pending == 201 && s.recent_events == 1);
}

static void bad_input_leaves_state_alone(void) {
    static rtn_card blank;
    rtn_card_summary before;
    rtn_card_summary after;
    rtn_card_program bad = SCENARIO_CARD_PROGRAM;
    rtn_account_program too_long = SCENARIO_ACCOUNT_PROGRAM;
    bool applied = true;
    memset(&blank, 0, sizeof blank);
    bad.stamps_per_reward = 0;
    too_long.pending_days = RTN_ACCOUNT_MAX_PENDING_DAYS + 1;
    CHECK_STATUS(rtn_card_init(&bad, &cards[2]), RTN_CARD_INVALID_PROGRAM);
    CHECK_STATUS(rtn_account_init(&too_long, &accounts[2]), RTN_ACCOUNT_INVALID_PROGRAM);
    CHECK_STATUS(rtn_card_stamp(&blank, 7, event(1, 1), 1, NOON, 0), RTN_UNINITIALIZED);
    CHECK_STATUS(rtn_card_stamp(NULL, 7, event(1, 1), 1, NOON, 0), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_card_init(&SCENARIO_CARD_PROGRAM, &cards[2]), RTN_OK);
    CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(1, 1), 2, NOON, 0), RTN_OK);
    CHECK_STATUS(rtn_card_summarize(&cards[2], &before), RTN_OK);
    CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(1, 0), 1, NOON, 0), RTN_CARD_INVALID_EVENT_ID);
    CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(1, 2), 0, NOON, 0), RTN_CARD_ZERO_STAMPS);
    CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(1, 2), 1, NOON, 19 * 60),
                 RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(1, 2), 1, 0, 0), RTN_CARD_DATE_OUT_OF_RANGE);
    /* 2026-01-01 is past the card's expiry date, 2025-12-31. */
    CHECK_STATUS(rtn_card_stamp(&cards[2], 7, event(1, 2), 1, 20454LL * 86400, 0),
                 RTN_CARD_EXPIRED);
    CHECK_STATUS(rtn_card_redeem(&cards[2], 7, event(1, 2), NOON, 0), RTN_CARD_NO_REWARD_AVAILABLE);
    CHECK_STATUS(rtn_card_void(&cards[2], 7, event(1, 2), event(5, 5), 1, NOON, 0),
                 RTN_CARD_UNKNOWN_TRANSACTION);
    CHECK_STATUS(rtn_card_summarize(&cards[2], &after), RTN_OK);
    CHECK(memcmp(&before, &after, sizeof before) == 0);
    CHECK_STATUS(rtn_card_has_applied(&cards[2], event(1, 1), &applied), RTN_OK);
    CHECK(applied);
    CHECK_STATUS(rtn_card_has_applied(&cards[2], event(1, 2), &applied), RTN_OK);
    CHECK(!applied);
    CHECK_STATUS(rtn_account_init(&SCENARIO_ACCOUNT_PROGRAM, &accounts[2]), RTN_OK);
    CHECK_STATUS(rtn_account_earn(&accounts[2], event(1, 1), 0, NOON, 0), RTN_ACCOUNT_ZERO_POINTS);
    CHECK_STATUS(rtn_account_redeem(&accounts[2], event(1, 1), 1, NOON, 0),
                 RTN_ACCOUNT_INSUFFICIENT_POINTS);
    CHECK_STATUS(rtn_account_clawback(&accounts[2], event(1, 1), event(2, 2), 1, NOON, 0),
                 RTN_ACCOUNT_UNKNOWN_TRANSACTION);
    CHECK_STATUS(rtn_account_earn(NULL, event(1, 1), 5, NOON, 0), RTN_NULL_PARAMETER);
}

int main(void) {
    RUN(a_day_at_the_till);
    RUN(every_bit_flip_of_a_card_or_account_is_refused);
    RUN(wrong_key_other_card_and_old_copies);
    RUN(eight_terminals_fill_144_bytes_and_a_ninth_is_refused);
    RUN(concurrent_account_copies_merge);
    RUN(bad_input_leaves_state_alone);
    return HARNESS_SUMMARY();
}
