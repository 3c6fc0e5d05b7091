/* The C API from firmware's point of view: no allocation, caller buffers, status codes. */
#include <stdio.h>
#include <string.h>

#include "retention.h"

static void print_hex(const uint8_t *bytes, size_t len) {
    size_t i;
    for (i = 0; i < len; i++) {
        printf("%02x", bytes[i]);
    }
    printf("\n");
}

int main(void) {
    static const uint8_t key[32] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
    static const uint8_t uid[14] = {'0', '4', 'A', '1', 'B', '2', 'C', '3', 'D', '4', 'E', '5', 'F', '6'};
    rtn_seal seal;
    uint8_t blob[64];
    uint8_t payload[32];
    size_t written = 0, payload_len = 0;
    rtn_status status;

    if (rtn_version_number() != RTN_VERSION_NUMBER) {
        printf("header and library versions differ\n");
        return 1;
    }
    printf("C API %s\n", rtn_version());
    seal.key = key;
    seal.key_len = sizeof key;
    seal.context = uid;
    seal.context_len = sizeof uid;

    status = rtn_envelope_encode(RTN_KIND_OPAQUE_TAGGED, (const uint8_t *)"till #7", 7, &seal, blob,
                                 sizeof blob, &written);
    printf("encode: %s, %u bytes: ", rtn_status_str(status), (unsigned)written);
    print_hex(blob, written);

    status = rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                 sizeof payload, &payload_len);
    printf("decode: %s, payload \"%.*s\"\n", rtn_status_str(status), (int)payload_len, payload);

    blob[9] ^= 0x01;
    status = rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, &seal, payload,
                                 sizeof payload, &payload_len);
    printf("decode after flipping one bit: %s\n", rtn_status_str(status));
    status = rtn_envelope_decode(blob, written, RTN_KIND_OPAQUE_TAGGED, NULL, payload,
                                 sizeof payload, &payload_len);
    printf("decode without a key: %s\n", rtn_status_str(status));
    return 0;
}
