/*  indicators_issue: report.issue and report.list. See the header. */
#include "indicators_issue.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicators_catalog.h"
#include "sti_time.h"

#define S_LIST_MAX 100   // records report.list answers at most
#define S_SKEW_MS 300000 // how far in the future a `made` may be (clocks differ)

struct _indicators_issue_ops_t {
    indicators_issue_store_t *store; // borrowed
    sti_catalog_store_t *catalog;    // borrowed
};

indicators_issue_ops_t *indicators_issue_ops_new(indicators_issue_store_t *store,
                                                 sti_catalog_store_t *catalog)
{
    assert(store && catalog);
    indicators_issue_ops_t *self = (indicators_issue_ops_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    return self;
}

void indicators_issue_ops_destroy(indicators_issue_ops_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

int indicators_issue_check(const sti_plan_t *plan, const char *kind, int year, char *field,
                           size_t field_cap, char *why, size_t why_cap)
{
    if (strcmp(kind, "annual") && strcmp(kind, "midterm") && strcmp(kind, "final")) {
        snprintf(field, field_cap, "kind");
        snprintf(why, why_cap, "must be annual, midterm or final, got '%s'", kind);
    } else if (year < plan->start_year || year > plan->end_year) {
        snprintf(field, field_cap, "year");
        snprintf(why, why_cap, "%d is outside the plan's years %d to %d", year, plan->start_year,
                 plan->end_year);
    } else if (strcmp(kind, "midterm") == 0 &&
               (year == plan->start_year || year == plan->end_year)) {
        snprintf(field, field_cap, "year");
        snprintf(why, why_cap,
                 "a midterm report is of a year after the plan's first (%d) and before its "
                 "last (%d), got %d",
                 plan->start_year, plan->end_year, year);
    } else if (strcmp(kind, "final") == 0 && year != plan->end_year) {
        snprintf(field, field_cap, "year");
        snprintf(why, why_cap, "a final report is of the plan's last year %d, got %d",
                 plan->end_year, year);
    } else {
        return 0;
    }
    return -1;
}

int indicators_issue_parse_time(const char *text, int64_t *ms)
{
    //  The shape first, character by character: 9 a digit, others as they are.
    size_t len = strlen(text);
    const char *shape = len == 10   ? "9999-99-99"
                        : len == 20 ? "9999-99-99T99:99:99Z"
                                    : "9999-99-99T99:99:99.999Z";
    for (size_t i = 0; shape[i] || text[i]; i++) {
        if (shape[i] == '9' ? !isdigit((unsigned char)text[i]) : text[i] != shape[i]) {
            return -1;
        }
    }
    struct tm tm = {0};
    int milli = 0;
    sscanf(text, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    if (len > 10) {
        sscanf(text + 11, "%2d:%2d:%2d", &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    }
    if (len > 20) {
        sscanf(text + 20, "%3d", &milli);
    }
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60) {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *ms = (int64_t)timegm(&tm) * 1000 + milli;
    return 0;
}

//  Reads and checks report.issue's body into record. Returns 0, or -1
//  after replying.
static int s_read(indicators_issue_ops_t *self, const sti_call_t *call, indicators_issue_t *record)
{
    char made[40] = "", field[16], why[200], message[400];
    int64_t year = 0;
    sti_field_error_t ferr;
    memset(record, 0, sizeof *record);
    sti_node_int(sti_node_get(call->request->body, "year"), &year, &ferr);
    record->year = (int)year;
    const sti_catalog_t *catalog;
    if (indicators_body_str(call, "kind", record->kind, sizeof record->kind) ||
        indicators_body_str(call, "made", made, sizeof made) ||
        indicators_body_str(call, "file", record->file, sizeof record->file) ||
        indicators_body_str(call, "request_id", record->request, sizeof record->request) ||
        !(catalog = indicators_catalog_read(self->catalog, call))) {
        return -1;
    }
    if (indicators_issue_check(sti_catalog_plan(catalog), record->kind, record->year, field,
                               sizeof field, why, sizeof why)) {
        snprintf(message, sizeof message, "%s: %s", field, why);
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, field, message), -1;
    }
    record->at = sti_time_now_ms();
    record->made = record->at;
    if (made[0] && indicators_issue_parse_time(made, &record->made)) {
        snprintf(message, sizeof message,
                 "made: '%s' must be YYYY-MM-DDTHH:MM:SS.mmmZ (report.data's made), "
                 "YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD (UTC)",
                 made);
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, "made", message), -1;
    }
    if (record->made > record->at + S_SKEW_MS) {
        snprintf(message, sizeof message, "made: '%s' is in the future", made);
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, "made", message), -1;
    }
    if (strpbrk(record->file, "/\\")) {
        snprintf(message, sizeof message, "file: '%s' must be a file's name without a directory",
                 record->file);
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, "file", message), -1;
    }
    snprintf(record->by, sizeof record->by, "%s", call->caller->name);
    snprintf(record->role, sizeof record->role, "%s", call->caller->role);
    snprintf(record->via, sizeof record->via, "%s", call->caller->via);
    return 0;
}

//  report.issue: records a report issued.
static int s_issue(void *object, const sti_call_t *call)
{
    indicators_issue_ops_t *self = (indicators_issue_ops_t *)object;
    indicators_issue_t record;
    char err[512];
    bool replayed = false;
    if (s_read(self, call, &record)) {
        return 0;
    }
    if (indicators_issue_store_record(self->store, &record, &replayed, err, sizeof err)) {
        return indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, err);
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    indicators_issue_store_write(call->reply, &record, replayed ? 1 : 0);
    return 0;
}

//  report.list: the reports issued, newest first.
static int s_list(void *object, const sti_call_t *call)
{
    indicators_issue_ops_t *self = (indicators_issue_ops_t *)object;
    char kind[INDICATORS_ISSUE_KIND_MAX] = "", err[300];
    int64_t limit = 20;
    sti_field_error_t ferr;
    if (indicators_body_str(call, "kind", kind, sizeof kind)) {
        return 0;
    }
    sti_node_int(sti_node_get(call->request->body, "limit"), &limit, &ferr);
    indicators_issue_t *records = (indicators_issue_t *)calloc(S_LIST_MAX, sizeof *records);
    assert(records);
    int count =
        indicators_issue_store_list(self->store, kind, records, (size_t)limit, err, sizeof err);
    if (count < 0) {
        indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, err);
    } else {
        sti_writer_t *w = call->reply;
        sti_envelope_reply_ok(w, call->request->id);
        sti_writer_map(w, 1);
        sti_writer_str(w, "reports");
        sti_writer_array(w, (size_t)count);
        for (int i = 0; i < count; i++) {
            indicators_issue_store_write(w, &records[i], -1);
        }
    }
    free(records);
    return 0;
}

static const sti_arg_t s_issue_args[] = {
    {"year", STI_ARG_INT, STI_REQUIRED, STI_PERIOD_MIN_YEAR, STI_PERIOD_MAX_YEAR, NULL,
     "the year reported (as report.data)"},
    {"kind", STI_ARG_STR, STI_REQUIRED, 1, INDICATORS_ISSUE_KIND_MAX - 1, NULL,
     "annual, midterm or final"},
    {"made", STI_ARG_STR, STI_OPTIONAL, 1, 31, NULL,
     "when the report's figures were read: report.data's `made` (default: now); the next "
     "report of the kind lists the revisions made since"},
    {"file", STI_ARG_STR, STI_OPTIONAL, 1, INDICATORS_ISSUE_FILE_MAX - 1, NULL,
     "the workbook's file name, without a directory"},
    {"request_id", STI_ARG_STR, STI_OPTIONAL, 1, STI_ID_MAX, NULL,
     "makes a retry safe: the same id again gets the first reply and records nothing"},
    STI_ARGS_END,
};

static const sti_arg_t s_list_args[] = {
    {"kind", STI_ARG_STR, STI_OPTIONAL, 1, INDICATORS_ISSUE_KIND_MAX - 1, NULL,
     "only reports of this kind: annual, midterm or final (default: every kind)"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, S_LIST_MAX, NULL, "at most this many (default 20)"},
    STI_ARGS_END,
};

#define S_RECORD "{kind, year, at, time, made, by, role, via, file, request"

static const sti_op_decl_t s_ops[] = {
    {"report.issue", s_issue, STI_ROLE_OFFICER | STI_OP_WRITE, s_issue_args,
     "records an evaluation report as issued: the next one of its kind lists the revisions "
     "since",
     S_RECORD ", replayed}",
     "stictl report calls it after writing a workbook (without `--draft`). The record is kept "
     "in `<ns>:report:issued` (the latest 1,000), audited in `<ns>:report:audit` and "
     "announced by a `report.issued` event ([events.md](events.md)); "
     "report.data without `since` lists the revisions made since the `made` of the latest "
     "report of the same kind ([report.md](report.md)). `at` is when it was recorded, ms since "
     "1970, `time` the same in RFC 3339; `made` is RFC 3339. Errors: `invalid_argument` "
     "(`kind` or `year` as report.data refuses them, a `made` that does not parse or lies in "
     "the future, a `file` with a directory), `not_found` (no plan is loaded), `unavailable` "
     "(Redis cannot take it now, or the event stream takes no events: nothing recorded)."},
    {"report.list", s_list, STI_ROLES_ANY, s_list_args,
     "the evaluation reports issued, newest first", "{reports: [" S_RECORD "}]}",
     "As report.issue recorded them ([report.md](report.md)). Errors: `unavailable` (Redis)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_issue_ops = {"indicators_issue", s_ops};
