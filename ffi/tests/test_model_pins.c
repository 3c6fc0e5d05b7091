/* Models that cannot be swapped, through the C API: a churn model tagged with the operator's key
 * (built here with rtn_envelope_encode from the shared Pareto/NBD vector's payload), its hash,
 * and a rule set pinned to it (scenario 60's win-back set, re-framed with the pin flag). Expected
 * hashes are computed independently (Python hashlib over the vector's payload bytes); the risk
 * 767 is scenario 60's hand-worked value. Big structs are static: this also runs bare-metal. */
#include "harness.h"

#include "generated/churn_vectors.h"
#include "generated/rule_scenarios.h"

static rtn_churn_model model;
static rtn_churn_model other;
static rtn_rule_set rule_set;
static rtn_outcome outcome;
static rtn_customer customer;
static uint8_t tagged[RTN_CHURN_MODEL_TAGGED_MAX_LEN];
static size_t tagged_len;
static uint8_t edited[RTN_CHURN_MODEL_TAGGED_MAX_LEN];
/* Scenario 60's rule set is a few hundred bytes: small buffers keep this within a Cortex-M3's
 * 64 KiB of RAM. */
static uint8_t payload[1024];
static uint8_t pinned_blob[1024];

static const uint8_t KEY[32] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};

/* SHA-256 of the pareto_cdnow payload (bytes 6..58 of its blob), by Python's hashlib. */
static const uint8_t PARETO_HASH[RTN_CHURN_MODEL_HASH_LEN] = {
    0x7a, 0x70, 0x92, 0xbe, 0x25, 0xe0, 0xfe, 0x85, 0x91, 0x85, 0x94, 0x69, 0xad, 0xda, 0x98, 0x96,
    0xa3, 0x7d, 0x85, 0xa5, 0x06, 0xc6, 0xba, 0x3c, 0xe6, 0x21, 0xf6, 0xbb, 0xce, 0x79, 0x75, 0x9a};
/* SHA-256 of the bg_cdnow payload, by hashlib. */
static const uint8_t BG_HASH[RTN_CHURN_MODEL_HASH_LEN] = {
    0x85, 0xa9, 0x40, 0x24, 0x80, 0x1d, 0x40, 0x65, 0x37, 0x76, 0xfe, 0xd2, 0x07, 0xa2, 0x06, 0xc9,
    0x22, 0x14, 0x7d, 0x90, 0x86, 0x69, 0x82, 0x9d, 0x1c, 0xcd, 0x87, 0x8d, 0x6f, 0x0a, 0xd0, 0x5e};

/* SHA-256 of the payload of scenario 60's model (Pareto/NBD, CDNOW fit, money unit 1), by
 * hashlib. */
static const uint8_t SCENARIO_HASH[RTN_CHURN_MODEL_HASH_LEN] = {
    0xb3, 0xb9, 0x55, 0x77, 0x8d, 0x8a, 0x62, 0x85, 0x8f, 0x4a, 0x10, 0xd2, 0x49, 0xca, 0xfa, 0xae,
    0x48, 0xbe, 0x3b, 0xb4, 0x97, 0xf7, 0x33, 0x34, 0x5f, 0xd1, 0x27, 0xed, 0xe9, 0x78, 0xff, 0x4d};

/* CRC-32/ISO-HDLC (zlib's), bit by bit: what anyone editing a blob recomputes. */
static uint32_t crc32_of(const uint8_t *bytes, size_t len) {
    uint32_t crc = 0xffffffffu;
    size_t i;
    int bit;
    for (i = 0; i < len; i++) {
        crc ^= bytes[i];
        for (bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static void put_crc(uint8_t *blob, size_t crc_at) {
    uint32_t crc = crc32_of(blob, crc_at);
    blob[crc_at] = (uint8_t)crc;
    blob[crc_at + 1] = (uint8_t)(crc >> 8);
    blob[crc_at + 2] = (uint8_t)(crc >> 16);
    blob[crc_at + 3] = (uint8_t)(crc >> 24);
}

static const churn_model_vector *pareto(void) {
    CHECK(strcmp(CHURN_MODELS[1].name, "pareto_cdnow") == 0);
    return &CHURN_MODELS[1];
}

/* The pareto_cdnow payload in a tagged envelope under KEY (empty context). */
static void make_tagged(void) {
    const churn_model_vector *vector = pareto();
    rtn_seal seal;
    seal.key = KEY;
    seal.key_len = sizeof KEY;
    seal.context = NULL;
    seal.context_len = 0;
    tagged_len = 0;
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_MODEL_TAGGED, vector->blob + 6, vector->blob_len - 10,
                                     &seal, tagged, sizeof tagged, &tagged_len),
                 RTN_OK);
    CHECK(tagged_len == vector->blob_len + RTN_LONG_TAG_LEN);
}

static void a_model_hash_is_the_sha256_of_its_payload(void) {
    uint8_t hash[RTN_CHURN_MODEL_HASH_LEN];
    CHECK_STATUS(rtn_churn_model_load(pareto()->blob, pareto()->blob_len, &model), RTN_OK);
    CHECK_STATUS(rtn_churn_model_hash(&model, &hash), RTN_OK);
    CHECK(memcmp(hash, PARETO_HASH, sizeof hash) == 0);
    CHECK_STATUS(rtn_churn_model_load(CHURN_MODELS[0].blob, CHURN_MODELS[0].blob_len, &other),
                 RTN_OK);
    CHECK_STATUS(rtn_churn_model_hash(&other, &hash), RTN_OK);
    CHECK(memcmp(hash, BG_HASH, sizeof hash) == 0);
    /* Tagged, the same model has the same hash. */
    make_tagged();
    CHECK_STATUS(rtn_churn_model_load_tagged(tagged, tagged_len, KEY, sizeof KEY, &other), RTN_OK);
    CHECK_STATUS(rtn_churn_model_hash(&other, &hash), RTN_OK);
    CHECK(memcmp(hash, PARETO_HASH, sizeof hash) == 0);
    CHECK_STATUS(rtn_churn_model_hash(NULL, &hash), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_model_hash(&model, NULL), RTN_NULL_PARAMETER);
}

static void a_tagged_model_needs_its_key(void) {
    uint8_t wrong[32];
    make_tagged();
    memcpy(wrong, KEY, sizeof wrong);
    wrong[31] ^= 1;
    CHECK_STATUS(rtn_churn_model_load_tagged(tagged, tagged_len, wrong, sizeof wrong, &other),
                 RTN_DECODE_BAD_TAG);
    CHECK_STATUS(rtn_churn_model_load_tagged(tagged, tagged_len, KEY, 15, &other),
                 RTN_KEY_TOO_SHORT);
    CHECK_STATUS(rtn_churn_model_load_tagged(tagged, tagged_len, NULL, 0, &other),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_churn_model_load_tagged(tagged, (size_t)-1, KEY, sizeof KEY, &other),
                 RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_churn_model_load_tagged(tagged, tagged_len, KEY, sizeof KEY, NULL),
                 RTN_NULL_PARAMETER);
    /* Each loader refuses the other kind. */
    CHECK_STATUS(rtn_churn_model_load(tagged, tagged_len, &other), RTN_DECODE_WRONG_KIND);
    CHECK_STATUS(rtn_churn_model_load_tagged(pareto()->blob, pareto()->blob_len, KEY, sizeof KEY,
                                             &other),
                 RTN_DECODE_WRONG_KIND);
}

/* Every single-bit edit of the tagged model, with the CRC recomputed when the bit is before it,
 * is refused; and the loaded model is unchanged after each refusal. */
static void every_bit_of_a_tagged_model_is_guarded(void) {
    size_t bit;
    size_t crc_at;
    size_t accepted = 0;
    uint8_t hash[RTN_CHURN_MODEL_HASH_LEN];
    make_tagged();
    crc_at = tagged_len - RTN_LONG_TAG_LEN - 4;
    CHECK_STATUS(rtn_churn_model_load_tagged(tagged, tagged_len, KEY, sizeof KEY, &other), RTN_OK);
    for (bit = 0; bit < tagged_len * 8; bit++) {
        memcpy(edited, tagged, tagged_len);
        edited[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (bit / 8 < crc_at) {
            put_crc(edited, crc_at);
        }
        if (rtn_churn_model_load_tagged(edited, tagged_len, KEY, sizeof KEY, &other) == RTN_OK) {
            accepted++;
        }
    }
    CHECK(accepted == 0);
    CHECK_STATUS(rtn_churn_model_hash(&other, &hash), RTN_OK);
    CHECK(memcmp(hash, PARETO_HASH, sizeof hash) == 0);
    /* Untagged, the low mantissa bit of r (payload byte 1) is accepted with its CRC recomputed:
     * another model, which the pin below catches. */
    memcpy(edited, pareto()->blob, pareto()->blob_len);
    edited[7] ^= 1;
    put_crc(edited, pareto()->blob_len - 4);
    CHECK_STATUS(rtn_churn_model_load(edited, pareto()->blob_len, &other), RTN_OK);
    CHECK_STATUS(rtn_churn_model_hash(&other, &hash), RTN_OK);
    CHECK(memcmp(hash, PARETO_HASH, sizeof hash) != 0);
}

/* Scenario 60's rule set (unsigned: flag 0, then the rule-set bytes) re-framed with the pin flag
 * and the first `pin_len` bytes of `pin` after the rule-set bytes. */
static size_t pinned_rule_set(const rules_scenario *scenario, const uint8_t *pin, size_t pin_len) {
    const rules_blob *blob = &RULES_BLOBS[scenario->blob];
    size_t body_len = blob->len - 10 - 1;
    size_t written = 0;
    CHECK(blob->bytes[6] == 0x00);
    CHECK(1 + body_len + pin_len <= sizeof payload);
    if (1 + body_len + pin_len > sizeof payload) {
        return 0;
    }
    payload[0] = 0x02;
    memcpy(payload + 1, blob->bytes + 7, body_len);
    memcpy(payload + 1 + body_len, pin, pin_len);
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_RULE_SET, payload, 1 + body_len + pin_len, NULL,
                                     pinned_blob, sizeof pinned_blob, &written),
                 RTN_OK);
    return written;
}

static const rules_scenario *winback(void) {
    const rules_scenario *scenario = &RULES_SCENARIOS[59];
    CHECK(strcmp(scenario->name, "winback-churn-risk-from-the-record") == 0);
    return scenario;
}

static void a_pinned_rule_set_takes_a_risk_only_from_its_model(void) {
    const rules_scenario *scenario = winback();
    rtn_rules_context context = scenario->context;
    rtn_rule_set_info info;
    rtn_outcome_summary summary;
    size_t len = pinned_rule_set(scenario, SCENARIO_HASH, RTN_CHURN_MODEL_HASH_LEN);
    rtn_seal seal;
    seal.key = RULES_CUSTOMER_KEY;
    seal.key_len = sizeof RULES_CUSTOMER_KEY;
    seal.context = RULES_CUSTOMER_ID;
    seal.context_len = sizeof RULES_CUSTOMER_ID;
    CHECK_STATUS(rtn_rule_set_load(pinned_blob, len, 0, NULL, &rule_set), RTN_OK);
    CHECK_STATUS(rtn_rule_set_describe(&rule_set, &info), RTN_OK);
    CHECK(info.has_model_pin);
    CHECK(memcmp(info.model_pin, SCENARIO_HASH, sizeof info.model_pin) == 0);
    CHECK_STATUS(rtn_customer_decode(scenario->customer, scenario->customer_len, &seal, &customer),
                 RTN_OK);
    /* The model the set was written for: risk 767, 25 + 300 points (scenario 60). */
    CHECK_STATUS(rtn_churn_model_load(scenario->churn_model, scenario->churn_model_len, &model),
                 RTN_OK);
    CHECK_STATUS(rtn_churn_risk_of_customer(&model, &customer, context.now,
                                            context.utc_offset_minutes, &context.churn_risk),
                 RTN_OK);
    CHECK(context.churn_risk == 767);
    CHECK_STATUS(rtn_churn_model_hash(&model, &context.churn_model_hash), RTN_OK);
    CHECK(memcmp(context.churn_model_hash, SCENARIO_HASH, sizeof SCENARIO_HASH) == 0);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, scenario->lines, scenario->line_count, &customer,
                                    &context, &outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
    CHECK(summary.points == 325);
    /* Another model's hash (the same fit with money unit 100), or none: refused, and no
     * outcome is left. */
    memcpy(context.churn_model_hash, PARETO_HASH, sizeof PARETO_HASH);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, scenario->lines, scenario->line_count, &customer,
                                    &context, &outcome),
                 RTN_RULES_CHURN_MODEL_NOT_PINNED);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_UNINITIALIZED);
    memset(context.churn_model_hash, 0, sizeof context.churn_model_hash);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, scenario->lines, scenario->line_count, &customer,
                                    &context, &outcome),
                 RTN_RULES_CHURN_MODEL_NOT_PINNED);
    /* An unknown risk needs no model: rule 2 (churn risk) fails, and rule 3 (lapsed 364 >= 60
     * days) gives the group's 300 points instead: 25 + 300 again. */
    context.churn_risk = RTN_RULES_CHURN_RISK_UNKNOWN;
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, scenario->lines, scenario->line_count, &customer,
                                    &context, &outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
    CHECK(summary.points == 325);
    /* The unpinned set ignores the hash. */
    CHECK_STATUS(rtn_rule_set_load(RULES_BLOBS[scenario->blob].bytes,
                                   RULES_BLOBS[scenario->blob].len, 0, NULL, &rule_set),
                 RTN_OK);
    CHECK_STATUS(rtn_rule_set_describe(&rule_set, &info), RTN_OK);
    CHECK(!info.has_model_pin);
    context.churn_risk = 767;
    memcpy(context.churn_model_hash, BG_HASH, sizeof BG_HASH);
    CHECK_STATUS(rtn_rules_evaluate(&rule_set, scenario->lines, scenario->line_count, &customer,
                                    &context, &outcome),
                 RTN_OK);
    CHECK_STATUS(rtn_outcome_summarize(&outcome, &summary), RTN_OK);
    CHECK(summary.points == 325);
}

/* Without a public key the CRC is all that guards the pin: an edited pin with its CRC recomputed
 * loads (naming another model, so every risk is then refused). */
static void an_unsigned_pin_guards_against_accidents_only(void) {
    rtn_rule_set_info info;
    size_t len = pinned_rule_set(winback(), SCENARIO_HASH, RTN_CHURN_MODEL_HASH_LEN);
    pinned_blob[len - 5] ^= 1; /* the pin's last byte */
    put_crc(pinned_blob, len - 4);
    CHECK_STATUS(rtn_rule_set_load(pinned_blob, len, 0, NULL, &rule_set), RTN_OK);
    CHECK_STATUS(rtn_rule_set_describe(&rule_set, &info), RTN_OK);
    CHECK(info.has_model_pin && info.model_pin[31] == (SCENARIO_HASH[31] ^ 1));
    /* A pin flag with a 31-byte pin is a payload error. */
    len = pinned_rule_set(winback(), SCENARIO_HASH, RTN_CHURN_MODEL_HASH_LEN - 1);
    CHECK_STATUS(rtn_rule_set_load(pinned_blob, len, 0, NULL, &rule_set), RTN_DECODE_PAYLOAD);
}

int main(void) {
    RUN(a_model_hash_is_the_sha256_of_its_payload);
    RUN(a_tagged_model_needs_its_key);
    RUN(every_bit_of_a_tagged_model_is_guarded);
    RUN(a_pinned_rule_set_takes_a_risk_only_from_its_model);
    RUN(an_unsigned_pin_guards_against_accidents_only);
    return HARNESS_SUMMARY();
}
