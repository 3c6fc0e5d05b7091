/*
 * A very small test harness for the C tests: the same file runs on the host (under ASan/UBSan)
 * and on an emulated Cortex-M3 (QEMU, semihosting). Output, parsed by scripts/test.sh:
 *   ok   <test name>
 *   FAIL <test name>        (preceded by one line per failed check)
 *   c-tests: <passed> passed, <failed> failed
 * The exit code is non-zero when a test failed.
 */
#ifndef RTN_TEST_HARNESS_H
#define RTN_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "retention.h"

static int harness_passed;
static int harness_failed;
static int harness_current_failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            printf("  check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);        \
            harness_current_failed = 1;                                                \
        }                                                                              \
    } while (0)

/* Compares two status codes and names both on failure. */
#define CHECK_STATUS(expr, expected)                                                   \
    do {                                                                               \
        rtn_status harness_got = (expr);                                               \
        rtn_status harness_want = (expected);                                          \
        if (harness_got != harness_want) {                                             \
            printf("  check failed at %s:%d: %s returned %s, expected %s\n", __FILE__, \
                   __LINE__, #expr, rtn_status_str(harness_got),                       \
                   rtn_status_str(harness_want));                                      \
            harness_current_failed = 1;                                                \
        }                                                                              \
    } while (0)

#define RUN(test)                                                                      \
    do {                                                                               \
        harness_current_failed = 0;                                                    \
        test();                                                                        \
        if (harness_current_failed) {                                                  \
            harness_failed++;                                                          \
            printf("FAIL %s\n", #test);                                                \
        } else {                                                                       \
            harness_passed++;                                                          \
            printf("ok   %s\n", #test);                                                \
        }                                                                              \
    } while (0)

#define HARNESS_SUMMARY()                                                              \
    (printf("c-tests: %d passed, %d failed\n", harness_passed, harness_failed),        \
     harness_failed == 0 ? 0 : 1)

#endif /* RTN_TEST_HARNESS_H */
