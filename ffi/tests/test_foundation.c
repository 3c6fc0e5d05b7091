/* The foundation of the C API: version, status names, the envelope. */
#include "harness.h"

#include "generated/envelope_vectors.h"

static const uint8_t UID[3] = {'u', 'i', 'd'};

static rtn_seal seal_for(const uint8_t *context, size_t context_len) {
    rtn_seal seal;
    seal.key = VECTOR_KEY;
    seal.key_len = sizeof VECTOR_KEY;
    seal.context = context;
    seal.context_len = context_len;
    return seal;
}

static void version_matches_header(void) {
    CHECK(rtn_version_number() == RTN_VERSION_NUMBER);
    CHECK(strcmp(rtn_version(), "0.1.0") == 0);
    CHECK(RTN_VERSION_NUMBER == RTN_VERSION_MAJOR * 10000 + RTN_VERSION_MINOR * 100 +
                                    RTN_VERSION_PATCH);
}

static void status_names_cover_every_value(void) {
    CHECK(strcmp(rtn_status_str(RTN_OK), "RTN_OK") == 0);
    CHECK(strcmp(rtn_status_str(RTN_NULL_PARAMETER), "RTN_NULL_PARAMETER") == 0);
    CHECK(strcmp(rtn_status_str(RTN_DECODE_BAD_TAG), "RTN_DECODE_BAD_TAG") == 0);
    CHECK(strcmp(rtn_status_str(99), "RTN_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(rtn_status_str(0xFFFFFFFFu), "RTN_UNKNOWN_STATUS") == 0);
}

/* tests/vectors/envelope.json: bytes computed independently, shared with Rust and Python. */
static void shared_valid_vectors(void) {
    size_t i;
    for (i = 0; i < ENVELOPE_VALID_COUNT; i++) {
        const envelope_vector *v = &ENVELOPE_VALID[i];
        rtn_seal seal = seal_for(v->context, v->context_len);
        const rtn_seal *maybe_seal = v->context != NULL ? &seal : NULL;
        uint8_t blob[128];
        uint8_t payload[64];
        size_t written = 0;
        size_t payload_len = 0;
        CHECK_STATUS(rtn_envelope_encode(v->kind, v->payload, v->payload_len, maybe_seal, blob,
                                         sizeof blob, &written),
                     RTN_OK);
        CHECK(written == v->blob_len && memcmp(blob, v->blob, v->blob_len) == 0);
        CHECK_STATUS(rtn_envelope_decode(v->blob, v->blob_len, v->kind, maybe_seal, payload,
                                         sizeof payload, &payload_len),
                     RTN_OK);
        CHECK(payload_len == v->payload_len && memcmp(payload, v->payload, payload_len) == 0);
        if (harness_current_failed) {
            printf("  in vector %s\n", v->name);
            return;
        }
    }
}

static void shared_invalid_vectors(void) {
    size_t i;
    for (i = 0; i < ENVELOPE_INVALID_COUNT; i++) {
        const envelope_vector *v = &ENVELOPE_INVALID[i];
        rtn_seal seal = seal_for(v->context, v->context_len);
        const rtn_seal *maybe_seal = v->context != NULL ? &seal : NULL;
        uint8_t payload[64];
        size_t payload_len = 4242;
        /* An empty input still needs a non-NULL pointer. */
        const uint8_t *blob = v->blob_len > 0 ? v->blob : payload;
        CHECK_STATUS(rtn_envelope_decode(blob, v->blob_len, v->kind, maybe_seal, payload,
                                         sizeof payload, &payload_len),
                     v->error);
        CHECK(payload_len == 4242);
        if (harness_current_failed) {
            printf("  in vector %s\n", v->name);
            return;
        }
    }
}

static void round_trip_and_every_bit_flip(void) {
    rtn_seal seal = seal_for(UID, sizeof UID);
    uint8_t blob[64];
    uint8_t payload[16];
    size_t written = 0;
    size_t payload_len = 0;
    size_t byte;
    int bit;
    int rejected = 0;
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE_TAGGED, (const uint8_t *)"stamp x3", 8,
                                     &seal, blob, sizeof blob, &written),
                 RTN_OK);
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &payload_len),
                 RTN_OK);
    CHECK(payload_len == 8 && memcmp(payload, "stamp x3", 8) == 0);
    for (byte = 0; byte < written; byte++) {
        for (bit = 0; bit < 8; bit++) {
            rtn_status status;
            blob[byte] ^= (uint8_t)(1u << bit);
            payload_len = 12345;
            status = rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                         sizeof payload, &payload_len);
            if (status != RTN_OK && payload_len == 12345) {
                rejected++;
            }
            blob[byte] ^= (uint8_t)(1u << bit);
        }
    }
    CHECK(rejected == (int)(written * 8));
}

static void each_check_has_its_status(void) {
    rtn_seal seal = seal_for(UID, sizeof UID);
    rtn_seal other = seal_for((const uint8_t *)"xyz", 3);
    uint8_t blob[64];
    uint8_t payload[16];
    size_t written = 0;
    size_t len = 0;
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE_TAGGED, (const uint8_t *)"abc", 3, &seal,
                                     blob, sizeof blob, &written),
                 RTN_OK);
    CHECK_STATUS(rtn_envelope_decode(blob, 4, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_TRUNCATED);
    CHECK_STATUS(rtn_envelope_decode(blob, written - 1, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_TRUNCATED);
    CHECK_STATUS(rtn_envelope_decode(blob, written + 1, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_LENGTH_MISMATCH);
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_CARD, &seal, payload, sizeof payload,
                                     &len),
                 RTN_DECODE_WRONG_KIND);
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &other, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_BAD_TAG);
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, NULL, payload,
                                     sizeof payload, &len),
                 RTN_SEAL_REQUIRED);
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload, 2,
                                     &len),
                 RTN_BUFFER_TOO_SMALL);
    blob[0] = 'X';
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_BAD_MAGIC);
    blob[0] = 'R';
    blob[2] = 9;
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_UNSUPPORTED_VERSION);
    blob[2] = 1;
    blob[3] = 0x7F;
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_UNKNOWN_KIND);
    blob[3] = RTN_KIND_OPAQUE_TAGGED;
    blob[7] ^= 0x01;
    CHECK_STATUS(rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                     sizeof payload, &len),
                 RTN_DECODE_BAD_CHECKSUM);
}

static void nulls_and_short_buffers_write_nothing(void) {
    static const uint8_t short_key[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    rtn_seal seal = seal_for(UID, sizeof UID);
    rtn_seal weak;
    uint8_t blob[12];
    size_t written = 777;
    size_t i;
    memset(blob, 0xAA, sizeof blob);
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE, NULL, 0, NULL, blob, sizeof blob, &written),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE, (const uint8_t *)"x", 1, NULL, NULL, 0,
                                     &written),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE, (const uint8_t *)"x", 1, NULL, blob,
                                     sizeof blob, NULL),
                 RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE, (const uint8_t *)"hello", 5, NULL, blob,
                                     sizeof blob, &written),
                 RTN_BUFFER_TOO_SMALL);
    CHECK_STATUS(rtn_envelope_encode(0x7F, (const uint8_t *)"x", 1, NULL, blob, sizeof blob,
                                     &written),
                 RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE, (const uint8_t *)"x", 1, &seal, blob,
                                     sizeof blob, &written),
                 RTN_SEAL_NOT_APPLICABLE);
    weak.key = short_key;
    weak.key_len = sizeof short_key;
    weak.context = NULL;
    weak.context_len = 0;
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE_TAGGED, (const uint8_t *)"x", 1, &weak, blob,
                                     sizeof blob, &written),
                 RTN_KEY_TOO_SHORT);
    weak.key = NULL;
    CHECK_STATUS(rtn_envelope_encode(RTN_KIND_OPAQUE_TAGGED, (const uint8_t *)"x", 1, &weak, blob,
                                     sizeof blob, &written),
                 RTN_NULL_PARAMETER);
    CHECK(written == 777);
    for (i = 0; i < sizeof blob; i++) {
        CHECK(blob[i] == 0xAA);
    }
    CHECK_STATUS(rtn_envelope_encoded_len(RTN_KIND_OPAQUE, 1, NULL), RTN_NULL_PARAMETER);
    CHECK_STATUS(rtn_envelope_encoded_len(RTN_KIND_OPAQUE, RTN_ENVELOPE_MAX_PAYLOAD_LEN + 1,
                                          &written),
                 RTN_PAYLOAD_TOO_LARGE);
}

/* A length beyond PTRDIFF_MAX (SIZE_MAX here) describes no C object: every function that takes
 * a byte buffer and its length answers RTN_INVALID_ARGUMENT, as its return list says, and
 * writes nothing. The buffers are real, so only the length is wrong. */
static void lengths_beyond_ptrdiff_max_are_invalid_arguments(void) {
    static const rtn_card_program card_program = {7, 10, 3, 0, 0};
    static const rtn_account_program account_program = {12, 0};
    static rtn_card card;
    static rtn_card card_out;
    static rtn_customer customer;
    static rtn_customer customer_out;
    static rtn_account account;
    static rtn_account account_out;
    static rtn_churn_model model;
    rtn_seal seal = seal_for(UID, sizeof UID);
    uint8_t blob[64];
    size_t written = 777;
    size_t i;
    memset(blob, 0xAA, sizeof blob);
    CHECK_STATUS(rtn_card_init(&card_program, &card), RTN_OK);
    CHECK_STATUS(rtn_customer_init(&customer), RTN_OK);
    CHECK_STATUS(rtn_account_init(&account_program, &account), RTN_OK);
    CHECK_STATUS(rtn_card_encode(&card, &seal, blob, SIZE_MAX, &written), RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_customer_encode(&customer, &seal, blob, SIZE_MAX, &written),
                 RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_account_encode(&account, &seal, blob, SIZE_MAX, &written),
                 RTN_INVALID_ARGUMENT);
    CHECK(written == 777);
    for (i = 0; i < sizeof blob; i++) {
        CHECK(blob[i] == 0xAA);
    }
    CHECK_STATUS(rtn_card_decode(blob, SIZE_MAX, &seal, 0, &card_out), RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_customer_decode(blob, SIZE_MAX, &seal, &customer_out), RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_account_decode(blob, SIZE_MAX, &seal, 0, &account_out),
                 RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_churn_model_load(blob, SIZE_MAX, &model), RTN_INVALID_ARGUMENT);
    CHECK_STATUS(rtn_envelope_decode(blob, SIZE_MAX, RTN_KIND_OPAQUE, NULL, blob, sizeof blob,
                                     &written),
                 RTN_INVALID_ARGUMENT);
    /* The key's length too. */
    seal.key_len = SIZE_MAX;
    CHECK_STATUS(rtn_card_decode(blob, sizeof blob, &seal, 0, &card_out), RTN_INVALID_ARGUMENT);
    CHECK(written == 777);
}

int main(void) {
    RUN(version_matches_header);
    RUN(status_names_cover_every_value);
    RUN(shared_valid_vectors);
    RUN(shared_invalid_vectors);
    RUN(round_trip_and_every_bit_flip);
    RUN(each_check_has_its_status);
    RUN(nulls_and_short_buffers_write_nothing);
    RUN(lengths_beyond_ptrdiff_max_are_invalid_arguments);
    return HARNESS_SUMMARY();
}
