/*
 * Stack per call of the C API on the Cortex-M3 (QEMU lm3s6965evb, the firmware staticlib),
 * measured by painting. scripts/test.sh (step c-qemu) links this file like the C tests, runs it
 * and keeps the `stack:` lines it prints; scripts/figures.py puts them in the README.
 *
 * For each call: fill WINDOW_BYTES below the caller's stack pointer with a pattern, make the
 * call, then find the lowest word that no longer holds the pattern. The figure is the largest
 * over the shared rule scenarios (ffi/tests/generated/rule_scenarios.h). A call that fails where
 * the scenarios say it succeeds, or a window too small to hold a call, fails the run.
 *
 * Built twice: against the staticlib with `signing` (the default) and, with -DPROBE_NO_SIGNING,
 * against the one without it (no signed rule set to load there).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "generated/rule_scenarios.h"

#define WINDOW_BYTES (24u * 1024u)
#define WINDOW_WORDS (WINDOW_BYTES / 4u)
#define PATTERN 0xa5c3e187u

#ifdef PROBE_NO_SIGNING
#define PROBE_BUILD "no-signing"
#else
#define PROBE_BUILD "signing"
#endif

typedef enum probe_call { LOAD, LOAD_SIGNED, DECODE, EVALUATE } probe_call;

static rtn_rule_set rule_set;
static rtn_outcome outcome;
static rtn_customer customer;
static const rules_scenario *scenario;
static rtn_status status;
static int window_exceeded;

static __attribute__((noinline)) void call(probe_call which) {
    const rules_blob *blob = &RULES_BLOBS[scenario->blob];
    rtn_seal seal;
    seal.key = RULES_CUSTOMER_KEY;
    seal.key_len = sizeof RULES_CUSTOMER_KEY;
    seal.context = RULES_CUSTOMER_ID;
    seal.context_len = sizeof RULES_CUSTOMER_ID;
    switch (which) {
    case LOAD:
        status = rtn_rule_set_load(blob->bytes, blob->len, 0, NULL, &rule_set);
        break;
    case LOAD_SIGNED:
        status = rtn_rule_set_load(RULES_COFFEE_SIGNED, sizeof RULES_COFFEE_SIGNED, 1,
                                   RULES_OPERATOR_PUBLIC_KEY, &rule_set);
        break;
    case DECODE:
        status = rtn_customer_decode(scenario->customer, scenario->customer_len, &seal, &customer);
        break;
    case EVALUATE:
        status = rtn_rules_evaluate(&rule_set, scenario->lines, scenario->line_count, &customer,
                                    &scenario->context, &outcome);
        break;
    }
}

/* The bytes of stack `call(which)` used below this function's stack pointer. */
static __attribute__((noinline)) size_t measure(probe_call which) {
    volatile uint32_t *top;
    size_t i;
    __asm__ volatile("mov %0, sp" : "=r"(top));
    for (i = 1; i <= WINDOW_WORDS; i++) top[-(ptrdiff_t)i] = PATTERN;
    call(which);
    for (i = WINDOW_WORDS; i > 0 && top[-(ptrdiff_t)i] == PATTERN; i--) {
    }
    if (i == WINDOW_WORDS) window_exceeded = 1;
    return i * 4u;
}

static void report(const char *name, size_t bytes, const char *what) {
    printf("stack: " PROBE_BUILD " %s %u B (%s)\n", name, (unsigned)bytes, what);
}

int main(void) {
    size_t load = 0, decode = 0, evaluate = 0, used, i;
    unsigned evaluated = 0, failures = 0;
    for (i = 0; i < RULES_SCENARIO_COUNT; i++) {
        scenario = &RULES_SCENARIOS[i];
        used = measure(LOAD);
        if (status != RTN_OK) failures++;
        if (used > load) load = used;
        used = measure(DECODE);
        if (status != RTN_OK) failures++;
        if (used > decode) decode = used;
        used = measure(EVALUATE);
        if (status == RTN_OK) evaluated++;
        if (used > evaluate) evaluate = used;
    }
    report("rtn_rule_set_load", load, "largest over the scenarios' rule sets, unsigned");
#ifndef PROBE_NO_SIGNING
    used = measure(LOAD_SIGNED);
    if (status != RTN_OK) failures++;
    report("rtn_rule_set_load/signed", used, "the signed coffee program, signature checked");
#endif
    report("rtn_customer_decode", decode, "largest over the scenarios' customer records");
    report("rtn_rules_evaluate", evaluate, "largest over the scenarios' baskets");
    printf("stack-probe: %u scenarios, %u evaluated to an outcome, %u failed calls%s\n",
           (unsigned)RULES_SCENARIO_COUNT, evaluated, failures,
           window_exceeded ? ", a call used the whole window" : "");
    return failures == 0 && !window_exceeded ? 0 : 1;
}
