/*  stictl completeness: how complete and timely the reporting of a period
    is, per org unit and per indicator (completeness on sti.indicators),
    and the reports that are overdue with whom to remind (overdue); the
    counts and rates are defined in docs/completeness.md.

    The service computes everything; this command only lays it out, with
    columns sized by display width (Chinese names are two columns a
    character). --json prints the service's answer as it is.
*/
#include <stdio.h>
#include <string.h>

#include "stictl.h"

const char stictl_completeness_usage[] =
    "usage: stictl completeness --period PERIOD [--org ORG] [--reports] [--json]\n"
    "       stictl completeness --overdue [--period PERIOD] [--org ORG] [--json]\n"
    "\n"
    "Prints, for PERIOD (2025, 2025Q2, 2025-05), the reports the reporting duties\n"
    "call for (`stictl duty list`): one table by org unit, one by indicator, and\n"
    "the total, each with EXPECTED, RECEIVED, ON_TIME, LATE, MISSING, NOT_DUE, the\n"
    "reporting rate RATE = received / (received + missing) and ON_TIME_RATE =\n"
    "on time / (received + missing), as percentages ('-' when nothing is owed\n"
    "yet). --org: only ORG and the units under it. --reports: also every report\n"
    "with its status (按时 on_time, 逾期 late, 缺报 missing, 未到期 not_due), due date\n"
    "and when it was received.\n"
    "--overdue: the reports past their due date with nothing received (default:\n"
    "every year of the plan up to this one), with the unit's contact.\n"
    "Exit 4 when there is no org unit ORG, 1 when PERIOD does not parse (the\n"
    "service names what is wrong), 2 for a wrong command line.\n";

#define S_COUNT_COLUMNS 8 // the tallies' columns

static const char *const s_count_heads[S_COUNT_COLUMNS] = {
    "EXPECTED", "RECEIVED", "ON_TIME", "LATE", "MISSING", "NOT_DUE", "RATE", "ON_TIME_RATE"};
static const char *const s_count_keys[S_COUNT_COLUMNS] = {
    "expected", "received", "on_time", "late", "missing", "not_due", "rate", "rate_on_time"};

//  A rate as a percentage with one decimal, or "-" when nil.
static const char *s_percent(sti_node_t row, const char *key, char *buf, size_t cap)
{
    double value = 0;
    sti_field_error_t err;
    if (sti_node_double(sti_node_get(row, key), &value, &err) != 0) {
        snprintf(buf, cap, "-");
    } else {
        snprintf(buf, cap, "%.1f%%", 100 * value);
    }
    return buf;
}

//  A table of rows: heads[0..lead) from keys[0..lead), then the tallies.
typedef struct {
    const char *const *heads; // the leading columns' heads
    const char *const *keys;  // and keys
    size_t lead;              // how many
} s_table_t;

static const char *s_cell(const void *ctx, sti_node_t row, int column_, char *buf, size_t cap)
{
    const s_table_t *table = (const s_table_t *)ctx;
    size_t column = (size_t)column_;
    if (column < table->lead) {
        stictl_map_text(row, table->keys[column], buf, cap);
        if (strcmp(table->keys[column], "status") == 0) {
            static const char *const zh[][2] = {
                {"on_time", "按时"}, {"late", "逾期"}, {"missing", "缺报"}, {"not_due", "未到期"}};
            for (size_t i = 0; i < 4; i++) {
                if (strcmp(buf, zh[i][0]) == 0) {
                    snprintf(buf, cap, "%s %s", zh[i][1], zh[i][0]);
                    break;
                }
            }
        }
        return strcmp(table->keys[column], "name_zh") == 0 ? stictl_text_fit(buf, 20) : buf;
    }
    size_t k = column - table->lead;
    if (k >= 6) {
        return s_percent(row, s_count_keys[k], buf, cap);
    }
    return stictl_map_text(row, s_count_keys[k], buf, cap);
}

static const char *s_head(const s_table_t *table, size_t column)
{
    return column < table->lead ? table->heads[column] : s_count_heads[column - table->lead];
}

//  Prints rows as a table with columns sized to fit.
static void s_print(const s_table_t *table, sti_node_t rows, size_t columns)
{
    const char *heads[16];
    for (size_t k = 0; k < columns && k < 16; k++) {
        heads[k] = s_head(table, k);
    }
    stictl_print_grid(heads, (int)columns, rows, s_cell, table);
}

static void s_print_completeness(sti_node_t body, void *arg)
{
    (void)arg;
    static const char *const org_heads[] = {"ORG", "NAME", "TYPE", "CONTACT"};
    static const char *const org_keys[] = {"org", "name_zh", "type", "contact_name"};
    static const char *const ind_heads[] = {"CODE", "NAME", "FREQ", "DUE"};
    static const char *const ind_keys[] = {"indicator", "name_zh", "frequency", "due"};
    static const char *const rep_heads[] = {"ORG", "CODE", "PERIOD", "DUE", "STATUS", "RECEIVED"};
    static const char *const rep_keys[] = {"org", "indicator", "period",
                                           "due", "status",    "received_at"};
    char period[16], as_of[48];
    printf("报送完整性 completeness of %s (as of %s)\n",
           stictl_map_text(body, "period", period, sizeof period),
           stictl_map_time(body, "as_of", as_of, sizeof as_of));
    s_table_t orgs = {org_heads, org_keys, 4}, inds = {ind_heads, ind_keys, 4};
    s_table_t total = {NULL, NULL, 0};
    printf("\n按单位 by org unit\n");
    s_print(&orgs, sti_node_get(body, "orgs"), 4 + S_COUNT_COLUMNS);
    printf("\n按指标 by indicator\n");
    s_print(&inds, sti_node_get(body, "indicators"), 4 + S_COUNT_COLUMNS);
    printf("\n合计 total\n");
    sti_node_t one = sti_node_get(body, "total");
    char cell[64];
    for (size_t k = 0; k < S_COUNT_COLUMNS; k++) {
        size_t w = (strlen(s_count_heads[k]) > 7 ? strlen(s_count_heads[k]) : 7) + 2;
        stictl_print_padded(stdout, s_count_heads[k], k + 1 < S_COUNT_COLUMNS ? w : 0);
    }
    putchar('\n');
    for (size_t k = 0; k < S_COUNT_COLUMNS; k++) {
        size_t w = (strlen(s_count_heads[k]) > 7 ? strlen(s_count_heads[k]) : 7) + 2;
        stictl_print_padded(stdout, s_cell(&total, one, (int)k, cell, sizeof cell),
                            k + 1 < S_COUNT_COLUMNS ? w : 0);
    }
    putchar('\n');
    sti_node_t reports = sti_node_get(body, "reports");
    if (!sti_node_is_missing(reports)) {
        s_table_t rep = {rep_heads, rep_keys, 6};
        printf("\n报表 reports\n");
        s_print(&rep, reports, 6);
    }
}

static void s_print_overdue(sti_node_t body, void *arg)
{
    (void)arg;
    static const char *const heads[] = {"ORG",  "NAME",    "CODE",  "INDICATOR", "PERIOD",  "DUE",
                                        "DAYS", "CONTACT", "PHONE", "EMAIL",     "DINGTALK"};
    static const char *const keys[] = {
        "org",           "org_name_zh",   "indicator",       "indicator_name_zh",
        "period",        "due",           "days_overdue",    "contact_name",
        "contact_phone", "contact_email", "contact_dingtalk"};
    sti_node_t rows = sti_node_get(body, "overdue");
    printf("逾期未报 overdue reports: %zu\n", sti_node_size(rows));
    if (sti_node_size(rows)) {
        s_table_t table = {heads, keys, 11};
        s_print(&table, rows, 11);
    }
}

int stictl_completeness(stictl_t *ctl, int argc, char **argv)
{
    const char *period = NULL, *org = NULL, *value;
    bool overdue = false, reports = false;
    for (int i = 1; i < argc; i++) {
        if ((value = stictl_flag_value(argc, argv, &i, "--period"))) {
            period = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--org"))) {
            org = value;
        } else if (strcmp(argv[i], "--overdue") == 0) {
            overdue = true;
        } else if (strcmp(argv[i], "--reports") == 0) {
            reports = true;
        } else {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
    }
    if (!overdue && !period) {
        return stictl_usage_error(argv[0], "--period PERIOD is required (or --overdue)");
    }
    sti_writer_t *request = stictl_request(overdue ? "overdue" : "completeness", NULL, 0);
    sti_writer_map(request, (period != NULL) + (org != NULL) + (reports && !overdue));
    if (period) {
        sti_writer_kv_str(request, "period", period);
    }
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    if (reports && !overdue) {
        sti_writer_kv_bool(request, "reports", true);
    }
    return stictl_call_show(ctl, "sti.indicators", &request,
                            overdue ? s_print_overdue : s_print_completeness, NULL);
}
