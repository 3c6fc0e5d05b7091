/* The store demo's till: a day at a coffee shop's terminal, through the C API only, with the
 * static storage firmware would use (no heap anywhere in the SDK).
 *
 * It loads the operator-signed rule set (refusing an unsigned or older one) and the churn model
 * the back office fitted (examples/python/store.py prepare), then for each sale: opens the
 * customer's sealed record, scores their churn risk from the record's churn summary, evaluates
 * the basket, prints the receipt and the reasons, puts the points and stamps on the customer's
 * punch card and points account in one call, and seals the new card, account and record. A
 * customer's answer to the NPS survey goes into their record first (rtn_customer_record_feedback):
 * a detractor who answered within 30 days gets the service-recovery offer at the next sale. Then
 * a partial return claws back exactly what the returned line earned. The blobs go back to the
 * back office (examples/python/store.py check), which replays the day in Python.
 *
 * Usage: store-demo DIR   (DIR holds rules.bin, operator.pub, model.bin, customer-*.bin,
 * sales.txt; see examples/python/store.py for its lines)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retention.h"

#define CUSTOMERS 4
#define NAME_LEN 16

static const uint8_t STORE_KEY[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                      11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                      22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

/* The till's view of one customer during the day (static: about 7 KiB each). */
typedef struct {
    char name[NAME_LEN];
    rtn_customer record;
    rtn_card card;
    rtn_account account;
    rtn_outcome outcome;
    rtn_returns returns;
} shopper;

static rtn_rule_set rules;
static rtn_churn_model model;
static shopper shoppers[CUSTOMERS];
static size_t shopper_count;
static char dir[512];

static void check(rtn_status status, const char *what) {
    if (status != RTN_OK) {
        fprintf(stderr, "till: %s: %s\n", what, rtn_status_str(status));
        exit(1);
    }
}

static size_t read_file(const char *name, uint8_t *buf, size_t cap) {
    char path[600];
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void write_file(const char *name, const uint8_t *buf, size_t len) {
    char path[600];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len) {
        perror(path);
        exit(2);
    }
    fclose(f);
}

static rtn_seal seal_for(const shopper *s) {
    rtn_seal seal;
    seal.key = STORE_KEY;
    seal.key_len = sizeof STORE_KEY;
    seal.context = (const uint8_t *)s->name;
    seal.context_len = strlen(s->name);
    return seal;
}

static const char *rule_name(uint16_t rule) {
    switch (rule) {
    case 1: return "1 point per 1.00";
    case 2: return "double points Tuesday 14-17";
    case 3: return "birthday free drink";
    case 4: return "a stamp per coffee";
    case 5: return "win-back: churn risk >= 700";
    case 6: return "win-back: lapsed 60 days";
    case 7: return "service recovery: 5.00 off";
    case 8: return "membership anniversary";
    case 9: return "10th/25th/50th visit bonus";
    default: return "?";
    }
}

static const char *reason(const rtn_trace_entry *t) {
    switch (t->status) {
    case RTN_TRACE_APPLIED: return "applied";
    case RTN_TRACE_CONDITION_FAILED: return "a condition failed";
    case RTN_TRACE_SUPERSEDED_BY: return "superseded by another rule of its group";
    case RTN_TRACE_USAGE_LIMIT_REACHED: return "usage limit reached";
    default: return "did not apply";
    }
}

static shopper *find(const char *name) {
    size_t i;
    for (i = 0; i < shopper_count; i++) {
        if (strcmp(shoppers[i].name, name) == 0) {
            return &shoppers[i];
        }
    }
    return NULL;
}

/* The shopper `name`, its sealed record opened on first use (NULL: no room). */
static shopper *open_shopper(const char *name, const rtn_card_program *card_program,
                             const rtn_account_program *account_program) {
    static uint8_t out[RTN_CUSTOMER_MAX_LEN];
    char file[64];
    rtn_seal seal;
    size_t len;
    shopper *s = find(name);
    if (s != NULL || shopper_count >= CUSTOMERS || strlen(name) >= NAME_LEN) {
        return s;
    }
    s = &shoppers[shopper_count++];
    strcpy(s->name, name);
    seal = seal_for(s);
    snprintf(file, sizeof file, "customer-%s.bin", name);
    len = read_file(file, out, sizeof out);
    check(rtn_customer_decode(out, len, &seal, &s->record), "open the record");
    check(rtn_card_init(card_program, &s->card), "new card");
    check(rtn_account_init(account_program, &s->account), "new account");
    return s;
}

/* The customer's answer to the NPS survey, into their record (an older one changes nothing). */
static void answer(shopper *s, rtn_event_id event, uint8_t score, int32_t day, uint8_t channel,
                   int64_t now, int16_t offset) {
    static const char *const GROUPS[] = {"detractor", "passive", "promoter"};
    rtn_customer_feedback latest;
    uint8_t recorded;
    int64_t local = now + (int64_t)offset * 60;
    int32_t today = (int32_t)((local - (local % 86400 + 86400) % 86400) / 86400);
    check(rtn_customer_record_feedback(&s->record, event, score, day, channel, today, &recorded),
          "record the feedback");
    check(rtn_customer_get_feedback(&s->record, &latest), "read the feedback");
    printf("  %s answered the survey %d days ago: %u of 10, a %s (%s)\n", s->name,
           (int)(today - latest.day), (unsigned)latest.score,
           latest.group < 3 ? GROUPS[latest.group] : "?",
           recorded == RTN_FEEDBACK_RECORDED ? "recorded" : "kept the newer answer");
}

static void print_state(const shopper *s, int64_t now, int16_t offset) {
    rtn_card_summary card;
    rtn_account_summary account;
    check(rtn_card_summarize(&s->card, &card), "card summary");
    check(rtn_account_summarize(&s->account, now, offset, &account), "account summary");
    printf("      card: %u stamps, %u to a free coffee; account: %llu available, %llu pending, "
           "%llu debt\n",
           (unsigned)card.stamps, (unsigned)card.stamps_to_next_reward,
           (unsigned long long)account.available, (unsigned long long)account.pending,
           (unsigned long long)account.debt);
}

static void sale(shopper *s, rtn_event_id event, const rtn_line *lines, size_t n, int64_t now,
                 int16_t offset) {
    static rtn_trace_entry trace[RTN_RULES_MAX_RULES];
    rtn_rules_context context;
    rtn_outcome_summary summary;
    rtn_stamp_award stamps[RTN_RULES_MAX_PROGRAMS];
    size_t count, i;
    int32_t risk;
    int64_t total = 0;

    check(rtn_churn_risk_of_customer(&model, &s->record, now, offset, &risk), "churn risk");
    memset(&context, 0, sizeof context);
    context.now = now;
    context.utc_offset_minutes = offset;
    context.event = event;
    context.churn_risk = risk;
    check(rtn_rules_evaluate(&rules, lines, n, &s->record, &context, &s->outcome), "evaluate");
    check(rtn_outcome_summarize(&s->outcome, &summary), "summarize");
    for (i = 0; i < n; i++) {
        total += (int64_t)lines[i].quantity * lines[i].unit_price;
    }
    if (risk == RTN_RULES_CHURN_RISK_UNKNOWN) {
        printf("  %s (terminal %u, sale %u): no purchase history, churn risk unknown\n", s->name,
               (unsigned)event.terminal, (unsigned)event.sequence);
    } else {
        printf("  %s (terminal %u, sale %u): churn risk %d of 1000 from the record's summary\n",
               s->name, (unsigned)event.terminal, (unsigned)event.sequence, (int)risk);
    }
    check(rtn_outcome_stamps(&s->outcome, stamps, RTN_RULES_MAX_PROGRAMS, &count), "stamps");
    printf("    receipt: %u lines, %lld.%02lld, discount %lld.%02lld; %llu points, %llu stamps\n",
           (unsigned)n, (long long)(total / 100), (long long)(total % 100),
           (long long)(summary.discount / 100), (long long)(summary.discount % 100),
           (unsigned long long)summary.points,
           (unsigned long long)(count > 0 ? stamps[0].stamps : 0));
    check(rtn_outcome_trace(&s->outcome, trace, RTN_RULES_MAX_RULES, &count), "trace");
    for (i = 0; i < count; i++) {
        printf("      rule %u %-28s %s", (unsigned)trace[i].rule, rule_name(trace[i].rule),
               reason(&trace[i]));
        if (trace[i].status == RTN_TRACE_APPLIED && trace[i].amount > 0) {
            printf(" (%llu)", (unsigned long long)trace[i].amount);
        } else if (trace[i].status == RTN_TRACE_CONDITION_FAILED) {
            printf(" (condition %u)", (unsigned)trace[i].condition + 1);
        }
        printf("\n");
    }
    /* Points on the account and stamps on the card: both or neither. */
    check(rtn_outcome_apply(&s->outcome, &s->card, &s->account, now, offset, &s->card,
                            &s->account),
          "apply the outcome");
    check(rtn_outcome_customer(&s->outcome, &s->record), "updated record");
    check(rtn_returns_init(&s->outcome, &s->returns), "returns");
    print_state(s, now, offset);
}

static void give_back(shopper *s, rtn_event_id refund, const uint32_t *units, size_t n,
                      int64_t now, int16_t offset) {
    rtn_clawback clawback;
    check(rtn_rules_refund(&s->outcome, &s->returns, units, n, &clawback, &s->returns), "refund");
    printf("  %s returns part of sale %u (terminal %u, refund %u): %llu points and %llu stamps "
           "come back\n",
           s->name, (unsigned)clawback.event.sequence, (unsigned)refund.terminal,
           (unsigned)refund.sequence, (unsigned long long)clawback.points,
           (unsigned long long)(clawback.stamp_count > 0 ? clawback.stamps[0].stamps : 0));
    check(rtn_clawback_apply(&clawback, refund, &s->card, &s->account, now, offset, &s->card,
                             &s->account),
          "apply the clawback");
    print_state(s, now, offset);
}

int main(int argc, char **argv) {
    static uint8_t blob[RTN_RULE_SET_MAX_LEN];
    static uint8_t out[RTN_CUSTOMER_MAX_LEN + RTN_ACCOUNT_MAX_LEN];
    static char line[1024];
    uint8_t public_key[RTN_RULE_SET_PUBLIC_KEY_LEN];
    rtn_rule_set_info info;
    rtn_card_program card_program;
    rtn_account_program account_program;
    long long now = 0;
    int offset = 0;
    size_t len, i;
    rtn_status status;
    FILE *sales;
    char path[600];

    if (argc != 2 || strlen(argv[1]) >= sizeof dir) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    strcpy(dir, argv[1]);
    memset(&card_program, 0, sizeof card_program);
    memset(&account_program, 0, sizeof account_program);

    /* The rule set: only the operator's signature loads; an unsigned copy is refused. */
    len = read_file("rules.bin", blob, sizeof blob);
    if (read_file("operator.pub", public_key, sizeof public_key) != sizeof public_key) {
        fprintf(stderr, "till: operator.pub is not a public key\n");
        return 2;
    }
    check(rtn_rule_set_load(blob, len, 1, public_key, &rules), "load the rule set");
    check(rtn_rule_set_describe(&rules, &info), "describe");
    printf("till: rule set '%s' serial %u, %u rules, signature verified (%u bytes; storage %u "
           "bytes)\n",
           info.name, (unsigned)info.serial, (unsigned)info.rule_count, (unsigned)len,
           (unsigned)sizeof rules);
    blob[len - 1] ^= 1;
    status = rtn_rule_set_load(blob, len, 1, public_key, &rules);
    printf("till: the same blob with one bit flipped: %s (the loaded set is kept)\n",
           rtn_status_str(status));
    len = read_file("model.bin", blob, sizeof blob);
    check(rtn_churn_model_load(blob, len, &model), "load the churn model");
    printf("till: churn model loaded (%u bytes)\n", (unsigned)len);

    snprintf(path, sizeof path, "%s/sales.txt", dir);
    sales = fopen(path, "r");
    if (sales == NULL) {
        perror(path);
        return 2;
    }
    while (fgets(line, sizeof line, sales) != NULL) {
        char kind[16], name[NAME_LEN];
        unsigned terminal, sequence, n, k, a, b, c;
        int used = 0, step = 0;
        const char *p = line;
        if (sscanf(p, "%15s%n", kind, &used) != 1) {
            continue;
        }
        p += used;
        if (strcmp(kind, "now") == 0) {
            if (sscanf(p, "%lld %d", &now, &offset) != 2) {
                return 2;
            }
        } else if (strcmp(kind, "card") == 0) {
            if (sscanf(p, "%u %u %u %u", &a, &b, &c, &k) != 4) {
                return 2;
            }
            card_program.program = (uint16_t)a;
            card_program.stamps_per_reward = (uint8_t)b;
            card_program.daily_limit = (uint8_t)c;
            card_program.lapse_after_days = (uint16_t)k;
            card_program.expires_on = 0; /* no expiry date */
        } else if (strcmp(kind, "account") == 0) {
            if (sscanf(p, "%u %u", &a, &b) != 2) {
                return 2;
            }
            account_program.expiry_months = (uint8_t)a;
            account_program.pending_days = (uint8_t)b;
        } else if (strcmp(kind, "feedback") == 0) {
            rtn_event_id event;
            shopper *s;
            int day;
            if (sscanf(p, "%15s %u %u %u %d %u", name, &terminal, &sequence, &a, &day, &b) != 6) {
                return 2;
            }
            s = open_shopper(name, &card_program, &account_program);
            if (s == NULL) {
                return 2;
            }
            event.terminal = terminal;
            event.sequence = sequence;
            answer(s, event, (uint8_t)a, (int32_t)day, (uint8_t)b, now, (int16_t)offset);
        } else if (strcmp(kind, "sale") == 0 || strcmp(kind, "return") == 0) {
            rtn_line lines[RTN_RULES_MAX_LINES];
            uint32_t units[RTN_RULES_MAX_LINES];
            rtn_event_id event;
            shopper *s;
            if (sscanf(p, "%15s %u %u %u%n", name, &terminal, &sequence, &n, &used) != 4 ||
                n > RTN_RULES_MAX_LINES) {
                return 2;
            }
            p += used;
            event.terminal = terminal;
            event.sequence = sequence;
            s = strcmp(kind, "sale") == 0
                    ? open_shopper(name, &card_program, &account_program)
                    : find(name);
            if (s == NULL) {
                return 2;
            }
            for (k = 0; k < n; k++) {
                if (strcmp(kind, "sale") == 0) {
                    long long price;
                    if (sscanf(p, "%u %u %u %lld%n", &a, &b, &c, &price, &step) != 4) {
                        return 2;
                    }
                    lines[k].sku = a;
                    lines[k].category = b;
                    lines[k].quantity = c;
                    lines[k].unit_price = price;
                } else if (sscanf(p, "%u%n", &units[k], &step) != 1) {
                    return 2;
                }
                p += step;
            }
            if (strcmp(kind, "sale") == 0) {
                sale(s, event, lines, n, now, (int16_t)offset);
            } else {
                give_back(s, event, units, n, now, (int16_t)offset);
            }
        }
    }
    fclose(sales);

    for (i = 0; i < shopper_count; i++) {
        shopper *s = &shoppers[i];
        rtn_seal seal = seal_for(s);
        char file[64];
        size_t written;
        check(rtn_card_encode(&s->card, &seal, out, sizeof out, &written), "seal the card");
        snprintf(file, sizeof file, "card-%s.bin", s->name);
        write_file(file, out, written);
        printf("till: %-8s card %u bytes (NTAG213 holds 144)", s->name, (unsigned)written);
        check(rtn_account_encode(&s->account, &seal, out, sizeof out, &written), "seal the account");
        snprintf(file, sizeof file, "account-%s.bin", s->name);
        write_file(file, out, written);
        printf(", account %u bytes", (unsigned)written);
        check(rtn_customer_encode(&s->record, &seal, out, sizeof out, &written), "seal the record");
        snprintf(file, sizeof file, "customer-%s.out.bin", s->name);
        write_file(file, out, written);
        printf(", record %u bytes\n", (unsigned)written);
    }
    return 0;
}
