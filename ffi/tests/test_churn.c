/* Churn scoring through the C API: model blobs, summaries, scores. Expected values come from
 * tests/vectors/churn.json (mpmath and Python's struct/zlib), shared with the Rust tests. */
#include "harness.h"

#include "generated/churn_vectors.h"
#include "generated/golden_bits.h"

#include <string.h>

static rtn_churn_model model;
static rtn_churn_summary summary;

static double absd(double x) { return x < 0 ? -x : x; }

static int close_rel(double got, double want, double rel) {
    return absd(got - want) <= rel * (absd(want) > 1e-300 ? absd(want) : 1e-300);
}

static int fill_summary(const churn_score_vector *v, rtn_churn_summary *out) {
    size_t i;
    if (rtn_churn_summary_init(RTN_CHURN_GRAIN_DAY, out) != RTN_OK) {
        return 0;
    }
    for (i = 0; i < v->purchase_count; i++) {
        if (rtn_churn_summary_record_purchase(out, v->purchases[i].unix_seconds, v->utc_offset_minutes,
                                              v->purchases[i].amount_minor) != RTN_OK) {
            return 0;
        }
    }
    return 1;
}

static void check_score(const rtn_churn_result *s, const churn_score_vector *v) {
    CHECK(close_rel(s->p_alive, v->p_alive, 1e-12));
    CHECK(s->risk == v->risk);
    CHECK(s->band == v->band);
    CHECK(close_rel(s->expected_purchases, v->expected_purchases, 1e-10));
    CHECK(s->has_clv == v->has_clv);
    CHECK(s->clv_minor == v->clv_minor);
    CHECK(s->rfm_segment == 0);
}

/* The published CDNOW customer (BG/NBD P(alive) 0.7266, E[Y(39)] 1.226) and a lapsed one-time
 * buyer, from purchases, from the observation, and straight from the blob. */
static void shared_scores(void) {
    size_t i;
    for (i = 0; i < CHURN_SCORES_COUNT; i++) {
        const churn_score_vector *v = &CHURN_SCORES[i];
        const churn_model_vector *m = &CHURN_MODELS[v->model];
        rtn_churn_result score;
        CHECK_STATUS(rtn_churn_model_load(m->blob, m->blob_len, &model), RTN_OK);
        CHECK(fill_summary(v, &summary));
        CHECK_STATUS(rtn_churn_score(&model, &summary, v->now, v->utc_offset_minutes, &score), RTN_OK);
        check_score(&score, v);
        CHECK_STATUS(rtn_churn_score_observation(&model, v->frequency, v->recency, v->age,
                                                 v->mean_spend_minor, &score),
                     RTN_OK);
        check_score(&score, v);
        CHECK_STATUS(rtn_churn_score_blob(m->blob, m->blob_len, &summary, v->now, v->utc_offset_minutes,
                                          &score),
                     RTN_OK);
        check_score(&score, v);
        if (harness_current_failed) {
            printf("  in vector %s\n", v->name);
            return;
        }
    }
}

static void published_cdnow_figures(void) {
    /* Fader, Hardie & Lee (2005): x = 2, t_x = 30.43, T = 38.86 has P(alive) = 0.7266 and
     * E[Y(39)] = 1.226 under r = 0.2426, alpha = 4.4135, a = 0.7929, b = 2.4258. */
    rtn_churn_result score;
    double expected = 0;
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[0].blob, CHURN_MODELS[0].blob_len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_score_observation(&model, 2, 30.43, 38.86, 2235, &score), RTN_OK);
    CHECK(absd(score.p_alive - 0.7266) < 5e-5);
    CHECK(score.risk == 273 && score.band == RTN_CHURN_BAND_MEDIUM);
    CHECK_STATUS(rtn_churn_expected_purchases(&model, 2, 30.43, 38.86, 39, &expected), RTN_OK);
    CHECK(absd(expected - 1.226) < 5e-4);
}

static uint64_t bits_of(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

/* tests/vectors/golden_bits.json: P(alive) and expected purchases are the same bits here (the
 * host, and the Cortex-M3 under QEMU) as in the Rust tests and Python; the bits were pinned by
 * `cargo xtask golden-bits` after checking them against mpmath's values. */
static void golden_bits_are_the_same_on_every_target(void) {
    size_t i;
    for (i = 0; i < GOLDEN_SCORES_COUNT; i++) {
        const golden_score_vector *v = &GOLDEN_SCORES[i];
        rtn_churn_result score;
        double expected = 0;
        CHECK_STATUS(rtn_churn_model_load(v->blob, v->blob_len, &model), RTN_OK);
        CHECK_STATUS(rtn_churn_score_observation(&model, v->frequency, v->recency, v->age, 0, &score), RTN_OK);
        CHECK(bits_of(score.p_alive) == v->p_alive_bits);
        CHECK_STATUS(rtn_churn_expected_purchases(&model, v->frequency, v->recency, v->age, v->horizon, &expected),
                     RTN_OK);
        CHECK(bits_of(expected) == v->expected_bits);
        if (harness_current_failed) {
            printf("  in golden case %u (%s)\n", (unsigned)i, v->model);
            return;
        }
    }
}

/* scripts/churn_vectors.py packs bg_cdnow as BG/NBD and pareto_cdnow as Pareto/NBD, both on
 * daily purchases with times in weeks. */
static void loaded_models_say_what_they_are(void) {
    rtn_churn_model_info info;
    rtn_churn_model blank;
    memset(&info, 0xAA, sizeof info);
    memset(&blank, 0, sizeof blank);
    CHECK_STATUS(rtn_churn_model_describe(&blank, &info), RTN_UNINITIALIZED);
    CHECK(info.kind == 0xAA && info.grain == 0xAA && info.time_unit == 0xAA);
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[0].blob, CHURN_MODELS[0].blob_len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_model_describe(&model, NULL), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_model_describe(NULL, &info), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_model_describe(&model, &info), RTN_OK);
    CHECK(info.kind == RTN_CHURN_MODEL_BG_NBD);
    CHECK(info.grain == RTN_CHURN_GRAIN_DAY && info.time_unit == RTN_CHURN_UNIT_WEEKS);
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[1].blob, CHURN_MODELS[1].blob_len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_model_describe(&model, &info), RTN_OK);
    CHECK(info.kind == RTN_CHURN_MODEL_PARETO_NBD);
    CHECK(info.grain == RTN_CHURN_GRAIN_DAY && info.time_unit == RTN_CHURN_UNIT_WEEKS);
}

static void invalid_blobs_are_refused(void) {
    size_t i;
    static rtn_churn_model fresh;
    rtn_churn_result score;
    memset(&fresh, 0, sizeof fresh);
    for (i = 0; i < CHURN_INVALID_COUNT; i++) {
        const churn_invalid_vector *v = &CHURN_INVALID[i];
        CHECK_STATUS(rtn_churn_model_load(v->blob, v->blob_len, &fresh), v->error);
        if (harness_current_failed) {
            printf("  in vector %s\n", v->name);
            return;
        }
    }
    /* Nothing was written: the storage is still uninitialised. */
    CHECK_STATUS(rtn_churn_score_observation(&fresh, 1, 1, 2, 0, &score), RTN_UNINITIALIZED);
}

static void every_bit_flip_is_refused(void) {
    static uint8_t blob[RTN_CHURN_MODEL_MAX_LEN];
    static rtn_churn_model scratch;
    size_t len = CHURN_MODELS[0].blob_len;
    size_t byte;
    int bit;
    int refused = 0;
    memcpy(blob, CHURN_MODELS[0].blob, len);
    for (byte = 0; byte < len; byte++) {
        for (bit = 0; bit < 8; bit++) {
            blob[byte] ^= (uint8_t)(1u << bit);
            if (rtn_churn_model_load(blob, len, &scratch) != RTN_OK) {
                refused++;
            }
            blob[byte] ^= (uint8_t)(1u << bit);
        }
    }
    CHECK(refused == (int)(len * 8));
}

static void summary_errors(void) {
    rtn_churn_result score;
    memset(&score, 0x5A, sizeof score);
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[1].blob, CHURN_MODELS[1].blob_len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_summary_init(RTN_CHURN_GRAIN_DAY, &summary), RTN_OK);
    CHECK_STATUS(rtn_churn_score(&model, &summary, 86400, 0, &score), RTN_CHURN_NO_PURCHASES);
    CHECK_STATUS(rtn_churn_summary_record_purchase(&summary, 10 * 86400, 0, -1), RTN_CHURN_NEGATIVE_AMOUNT);
    CHECK_STATUS(rtn_churn_summary_record_purchase(&summary, 10 * 86400, 0, 500), RTN_OK);
    CHECK_STATUS(rtn_churn_summary_record_purchase(&summary, 9 * 86400, 0, 500), RTN_CHURN_OUT_OF_ORDER);
    CHECK_STATUS(rtn_churn_summary_record_purchase(&summary, 10 * 86400, 2000, 500), RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_churn_score(&model, &summary, 9 * 86400, 0, &score),
                 RTN_CHURN_TODAY_BEFORE_LAST_PURCHASE);
    CHECK_STATUS(rtn_churn_score(&model, &summary, 10 * 86400, 0, NULL), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_score(NULL, &summary, 10 * 86400, 0, &score), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_score_observation(&model, 1.5, 1, 2, 0, &score), RTN_CHURN_INVALID_OBSERVATION);
    CHECK_STATUS(rtn_churn_score_observation(&model, 1, 3, 2, 0, &score), RTN_CHURN_RECENCY_AFTER_AGE);
    CHECK_STATUS(rtn_churn_score_observation(&model, 0, 1, 2, 0, &score), RTN_CHURN_RECENCY_WITHOUT_REPEAT);
    CHECK_STATUS(rtn_churn_summary_init(9, &summary), RTN_INVALID_ARGUMENT);
    /* Nothing was written on failure. */
    CHECK(score.risk == 0x5A5A);
    /* A just-scored one-time buyer: risk 0 on the day of the purchase under Pareto/NBD. */
    CHECK_STATUS(rtn_churn_score(&model, &summary, 10 * 86400 + 3600, 0, &score), RTN_OK);
    CHECK(score.risk == 0 && score.band == RTN_CHURN_BAND_LOW);
}

static void expected_purchases_grow_with_the_horizon(void) {
    double previous = -1;
    double expected = 0;
    int weeks;
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[0].blob, CHURN_MODELS[0].blob_len, &model), RTN_OK);
    for (weeks = 0; weeks <= 104; weeks += 13) {
        CHECK_STATUS(rtn_churn_expected_purchases(&model, 3, 20, 38, weeks, &expected), RTN_OK);
        CHECK(expected >= previous);
        previous = expected;
    }
    CHECK_STATUS(rtn_churn_expected_purchases(&model, 3, 20, 38, -1, &expected), RTN_INVALID_ARGUMENT);
}

/* A BG/BB model blob, packed here by hand as docs/formats.md describes it (independently of the
 * SDK's encoder; scripts/churn_vectors.py packs the other blobs the same way): envelope "RT",
 * version 1, kind 0x30, payload length (u16 LE), payload, CRC-32 (zlib's) of all before it.
 * Payload: variant 3 (BG/BB), alpha, beta, gamma, delta (f64 LE), grain 1 and unit 1 (ISO
 * weeks), thresholds 250, 500, 750 (varints), horizon 52 weeks, 100 minor units, no spend
 * model, no RFM cuts. */
static size_t put_varint(uint8_t *out, unsigned value) {
    size_t n = 0;
    while (value >= 0x80) {
        out[n++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[n++] = (uint8_t)value;
    return n;
}

static size_t put_f64(uint8_t *out, double value) {
    /* Host and Cortex-M are little-endian, as the format. */
    memcpy(out, &value, sizeof value);
    return sizeof value;
}

static uint32_t crc32_zlib(const uint8_t *bytes, size_t len) {
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    int bit;
    for (i = 0; i < len; i++) {
        crc ^= bytes[i];
        for (bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static size_t bg_bb_blob(uint8_t *blob, double alpha, double beta, double gamma, double delta) {
    size_t n = 6, payload_len;
    uint32_t crc;
    blob[0] = 'R';
    blob[1] = 'T';
    blob[2] = 1;
    blob[3] = 0x30;
    n += put_varint(blob + n, 3);
    n += put_f64(blob + n, alpha);
    n += put_f64(blob + n, beta);
    n += put_f64(blob + n, gamma);
    n += put_f64(blob + n, delta);
    n += put_varint(blob + n, 1);
    n += put_varint(blob + n, 1);
    n += put_varint(blob + n, 250);
    n += put_varint(blob + n, 500);
    n += put_varint(blob + n, 750);
    n += put_f64(blob + n, 52.0);
    n += put_varint(blob + n, 100);
    blob[n++] = 0;
    blob[n++] = 0;
    payload_len = n - 6;
    blob[4] = (uint8_t)(payload_len & 0xFF);
    blob[5] = (uint8_t)(payload_len >> 8);
    crc = crc32_zlib(blob, n);
    blob[n++] = (uint8_t)(crc & 0xFF);
    blob[n++] = (uint8_t)((crc >> 8) & 0xFF);
    blob[n++] = (uint8_t)((crc >> 16) & 0xFF);
    blob[n++] = (uint8_t)(crc >> 24);
    return n;
}

/* BG/BB P(alive) under the donation data's published fit (Fader, Hardie and Shang 2010:
 * alpha 1.204, beta 0.750, gamma 0.657, delta 2.783). Table 6, P(alive in 2002) after n = 6
 * opportunities: 0.11 for x = 0, 0.59 for x = 2, t_x = 4; the 50-digit values of
 * tests/vectors/discrete_churn.json (scripts/discrete_churn_reference.py, mpmath). */
static void bg_bb_p_alive(void) {
    static uint8_t blob[RTN_CHURN_MODEL_MAX_LEN];
    size_t len = bg_bb_blob(blob, 1.204, 0.750, 0.657, 2.783);
    rtn_churn_result score;
    double p = -1;
    CHECK_STATUS(rtn_churn_model_load(blob, len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 0, 0, 6, 1, &p), RTN_OK);
    CHECK(absd(p - 0.11) < 0.005);
    CHECK(close_rel(p, 0.1080165841686741951847114, 1e-11));
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 2, 4, 6, 1, &p), RTN_OK);
    CHECK(absd(p - 0.59) < 0.005);
    CHECK(close_rel(p, 0.5895141164336978927812583, 1e-11));
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 1, 1, 1, 3, &p), RTN_OK);
    CHECK(close_rel(p, 0.6727011611131306224017221, 1e-11));
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 40, 300, 365, 1, &p), RTN_OK);
    CHECK(close_rel(p, 0.01032310284826107178547884, 1e-11));
    /* A purchase at the last opportunity: alive there for sure (m = 0). */
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 6, 6, 6, 0, &p), RTN_OK);
    CHECK(p == 1.0);
    /* The score's P(alive) is the next period's, m = 1. */
    CHECK_STATUS(rtn_churn_score_observation(&model, 2, 4, 6, 0, &score), RTN_OK);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 2, 4, 6, 1, &p), RTN_OK);
    CHECK(score.p_alive == p);

    /* Bad input; nothing is written on failure. */
    p = -1;
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 3, 2, 6, 1, &p), RTN_CHURN_FREQUENCY_ABOVE_RECENCY);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 1, 1.5, 6, 1, &p), RTN_CHURN_INVALID_OBSERVATION);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 1, 7, 6, 1, &p), RTN_CHURN_RECENCY_AFTER_AGE);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 0, 1, 6, 1, &p), RTN_CHURN_RECENCY_WITHOUT_REPEAT);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 1, 1, 200000, 1, &p), RTN_CHURN_TOO_MANY_PERIODS);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 1, 1, 6, -1, &p), RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 1, 1, 6, 1, NULL), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(NULL, 1, 1, 6, 1, &p), RTN_NULL_PARAMETER);
    CHECK(p == -1);
    /* Another model kind (BG/NBD) is not BG/BB. */
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[0].blob, CHURN_MODELS[0].blob_len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_bg_bb_p_alive(&model, 1, 1, 6, 1, &p), RTN_INVALID_ARGUMENT);
    CHECK(p == -1);
}

int main(void) {
    RUN(shared_scores);
    RUN(published_cdnow_figures);
    RUN(golden_bits_are_the_same_on_every_target);
    RUN(loaded_models_say_what_they_are);
    RUN(invalid_blobs_are_refused);
    RUN(every_bit_flip_is_refused);
    RUN(summary_errors);
    RUN(expected_purchases_grow_with_the_horizon);
    RUN(bg_bb_p_alive);
    return HARNESS_SUMMARY();
}
