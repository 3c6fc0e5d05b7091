/* Churn scoring at the till: load the model blob a data script wrote, replay one customer's
 * purchases into their churn summary (as the till does at each checkout), score them, and check
 * that the till agrees with the data script bit for bit.
 *
 * Usage: churn-demo MODEL_BLOB CUSTOMER_FILE
 * CUSTOMER_FILE (written by examples/python/churn.py) has lines
 *   customer ID / now UNIX_SECONDS / purchase UNIX_SECONDS CENTS ... /
 *   expect P_ALIVE RISK BAND CLV_MINOR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retention.h"

static const char *band_name(uint8_t band) {
    switch (band) {
    case RTN_CHURN_BAND_LOW: return "low";
    case RTN_CHURN_BAND_MEDIUM: return "medium";
    case RTN_CHURN_BAND_HIGH: return "high";
    case RTN_CHURN_BAND_CRITICAL: return "critical";
    default: return "?";
    }
}

int main(int argc, char **argv) {
    static uint8_t blob[RTN_CHURN_MODEL_MAX_LEN + 1];
    static rtn_churn_model model;
    static rtn_churn_summary summary;
    rtn_churn_result result;
    char word[32];
    long long customer = 0, now = 0, when = 0, cents = 0, want_risk = -1, want_band = -1,
              want_clv = 0;
    double want_p = -1.0;
    size_t blob_len;
    unsigned purchases = 0;
    rtn_status status;
    FILE *f;

    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_BLOB CUSTOMER_FILE\n", argv[0]);
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    blob_len = fread(blob, 1, sizeof blob, f);
    fclose(f);
    status = rtn_churn_model_load(blob, blob_len, &model);
    printf("rtn_churn_model_load(%u bytes): %s\n", (unsigned)blob_len, rtn_status_str(status));
    if (status != RTN_OK) {
        return 1;
    }
    status = rtn_churn_summary_init(RTN_CHURN_GRAIN_DAY, &summary);
    if (status != RTN_OK) {
        printf("rtn_churn_summary_init: %s\n", rtn_status_str(status));
        return 1;
    }

    f = fopen(argv[2], "r");
    if (f == NULL) {
        perror(argv[2]);
        return 2;
    }
    while (fscanf(f, "%31s", word) == 1) {
        if (strcmp(word, "customer") == 0 && fscanf(f, "%lld", &customer) == 1) {
            continue;
        }
        if (strcmp(word, "now") == 0 && fscanf(f, "%lld", &now) == 1) {
            continue;
        }
        if (strcmp(word, "purchase") == 0 && fscanf(f, "%lld %lld", &when, &cents) == 2) {
            status = rtn_churn_summary_record_purchase(&summary, (int64_t)when, 0, (int64_t)cents);
            if (status != RTN_OK) {
                printf("rtn_churn_summary_record_purchase: %s\n", rtn_status_str(status));
                fclose(f);
                return 1;
            }
            purchases++;
            continue;
        }
        if (strcmp(word, "expect") == 0 &&
            fscanf(f, "%lf %lld %lld %lld", &want_p, &want_risk, &want_band, &want_clv) == 4) {
            continue;
        }
        fprintf(stderr, "%s: unexpected \"%s\"\n", argv[2], word);
        fclose(f);
        return 2;
    }
    fclose(f);

    status = rtn_churn_score(&model, &summary, (int64_t)now, 0, &result);
    printf("customer %lld: %u purchases recorded; rtn_churn_score: %s\n", customer, purchases,
           rtn_status_str(status));
    if (status != RTN_OK) {
        return 1;
    }
    printf("  C      P(alive) %.17g, risk %u, band %s, CLV %lld cents, expected purchases %.4f\n",
           result.p_alive, (unsigned)result.risk, band_name(result.band),
           (long long)result.clv_minor, result.expected_purchases);
    printf("  Python P(alive) %.17g, risk %lld, band %s, CLV %lld cents\n", want_p, want_risk,
           band_name((uint8_t)want_band), want_clv);
    if (result.p_alive == want_p && (long long)result.risk == want_risk &&
        (long long)result.band == want_band && result.has_clv &&
        (long long)result.clv_minor == want_clv) {
        printf("  the till and the data script agree, bit for bit\n");
        return 0;
    }
    printf("  the till and the data script DISAGREE\n");
    return 1;
}
