/*  indicators_completeness: reporting rates, overdue reports and their
    events. See the header.
*/
#include "indicators_completeness.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicators_calendar.h"
#include "indicators_catalog.h"
#include "indicators_duty_book.h"
#include "sti_log.h"
#include "sti_time.h"

#define S_YEARS_MAX 101                 // periods one question covers at most (2000..2100)
#define S_CHECK_MAX 1000                // reports one SMISMEMBER asks about
#define S_MEMBER_MAX (3 * STI_CODE_MAX) // "<indicator>|<org>|<period>", with NUL

struct _indicators_completeness_t {
    sti_catalog_store_t *catalog;    // borrowed
    indicators_duty_store_t *duties; // borrowed
    indicators_calendar_t *calendar; // the reports, worked out
    int64_t every_ms;                // the overdue check's interval (0: none)
    int years;                       // years before this one it looks at
    int batch;                       // events one check raises at most
    int64_t next;                    // zclock_mono time of the next check
    char (*members)[S_MEMBER_MAX];   // the reports one check asks about
};

//  The tallies of one group of reports.
typedef struct {
    int64_t expected, received, on_time, late, missing, not_due;
} s_counts_t;

indicators_completeness_t *indicators_completeness_new(sti_catalog_store_t *catalog,
                                                       indicators_duty_store_t *duties,
                                                       indicators_store_t *store)
{
    assert(catalog && duties && store);
    indicators_completeness_t *self = (indicators_completeness_t *)calloc(1, sizeof *self);
    assert(self);
    self->catalog = catalog;
    self->duties = duties;
    self->calendar = indicators_calendar_new(store);
    self->batch = 100;
    self->members = calloc(S_CHECK_MAX, sizeof *self->members);
    assert(self->members);
    return self;
}

void indicators_completeness_destroy(indicators_completeness_t **self_p)
{
    assert(self_p);
    indicators_completeness_t *self = *self_p;
    if (self) {
        indicators_calendar_destroy(&self->calendar);
        free(self->members);
        free(self);
        *self_p = NULL;
    }
}

void indicators_completeness_set_overdue(indicators_completeness_t *self, int64_t every_ms,
                                         int years, int batch)
{
    self->every_ms = every_ms;
    self->years = years;
    self->batch = batch;
}

static void s_count(s_counts_t *counts, indicators_report_status_t status)
{
    counts->expected++;
    counts->received += status <= INDICATORS_REPORT_LATE;
    counts->on_time += status == INDICATORS_REPORT_ON_TIME;
    counts->late += status == INDICATORS_REPORT_LATE;
    counts->missing += status == INDICATORS_REPORT_MISSING;
    counts->not_due += status == INDICATORS_REPORT_NOT_DUE;
}

//  Writes the tallies' keys (8 of them) into the open map.
static void s_write_counts(const s_counts_t *c, sti_writer_t *w)
{
    int64_t owed = c->received + c->missing;
    sti_writer_kv_int(w, "expected", c->expected);
    sti_writer_kv_int(w, "received", c->received);
    sti_writer_kv_int(w, "on_time", c->on_time);
    sti_writer_kv_int(w, "late", c->late);
    sti_writer_kv_int(w, "missing", c->missing);
    sti_writer_kv_int(w, "not_due", c->not_due);
    sti_writer_str(w, "rate");
    owed ? sti_writer_double(w, (double)c->received / (double)owed) : sti_writer_nil(w);
    sti_writer_str(w, "rate_on_time");
    owed ? sti_writer_double(w, (double)c->on_time / (double)owed) : sti_writer_nil(w);
}

//  What a question needs: the catalog, the book, and the reports.
typedef struct {
    const sti_catalog_t *catalog;       // borrowed from the store
    indicators_duty_book_t *book;       // owned
    const indicators_report_t *reports; // the calendar's
    int64_t count;                      // how many
    char period[STI_PERIOD_TEXT_MAX];   // the period asked ("" for the overdue list)
} s_question_t;

//  Reads the body's period ("" with fallback: the plan's years up to this
//  one) into periods. Returns how many, or -1 after answering.
static int s_periods(const sti_call_t *call, const sti_catalog_t *catalog, bool required,
                     sti_period_t *periods, char *text)
{
    char reason[160];
    if (indicators_body_str(call, "period", text, STI_PERIOD_TEXT_MAX)) {
        return -1;
    }
    if (text[0]) {
        if (sti_period_parse(text, strlen(text), &periods[0], reason, sizeof reason) == 0) {
            return 1;
        }
    } else if (!required) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        const sti_plan_t *plan = sti_catalog_plan(catalog);
        int first = plan ? plan->start_year : tm.tm_year + 1900, n = 0;
        for (int year = first; year <= tm.tm_year + 1900 && n < S_YEARS_MAX; year++) {
            periods[n++] = (sti_period_t){year, STI_PERIOD_YEAR, 0};
        }
        return n;
    } else {
        snprintf(reason, sizeof reason, "missing");
    }
    char err[256];
    snprintf(err, sizeof err, "period: %s", reason);
    sti_detail_t detail = {-1, "period", reason};
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT, err, &detail,
                             1);
    return -1;
}

//  Works out the reports of periods at org (NULL: all) under q's catalog
//  into q, as need says. Returns 0, or -1 when Redis failed (err says why).
static int s_reports(indicators_completeness_t *self, const sti_period_t *periods, size_t count,
                     const sti_org_unit_t *org, indicators_calendar_need_t need, s_question_t *q,
                     char *err, size_t errlen)
{
    indicators_duty_pairs_t hashes[INDICATORS_DUTY_HASHES];
    if (indicators_duty_store_read(self->duties, hashes, err, errlen) == 0) {
        q->book = indicators_duty_book_new(q->catalog, hashes);
        q->count =
            indicators_calendar_reports(self->calendar, q->catalog, q->book, periods, count, org,
                                        sti_time_now_ms(), need, &q->reports, err, errlen);
    }
    if (!q->book || q->count < 0) {
        indicators_duty_book_destroy(&q->book);
        return -1;
    }
    return 0;
}

//  Works out the question's reports: the completeness (period required),
//  or the overdue list (only whether each is missing matters). Returns 0,
//  or -1 after answering.
static int s_ask(indicators_completeness_t *self, const sti_call_t *call, bool period_required,
                 s_question_t *q)
{
    char org_code[STI_CODE_MAX], err[512];
    sti_period_t periods[S_YEARS_MAX];
    memset(q, 0, sizeof *q);
    q->catalog = indicators_catalog_read(self->catalog, call);
    if (!q->catalog || indicators_body_str(call, "org", org_code, sizeof org_code)) {
        return -1;
    }
    int count = s_periods(call, q->catalog, period_required, periods, q->period);
    if (count < 0) {
        return -1;
    }
    const sti_org_unit_t *org = org_code[0] ? sti_catalog_org_find(q->catalog, org_code) : NULL;
    if (org_code[0] && !org) {
        snprintf(err, sizeof err, "org: '%s' is not an org unit (stictl org list)", org_code);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, err, NULL, 0);
        return -1;
    }
    indicators_calendar_need_t need =
        period_required ? INDICATORS_CALENDAR_STATUS : INDICATORS_CALENDAR_MISSING;
    if (s_reports(self, periods, (size_t)count, org, need, q, err, sizeof err)) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE, err, NULL, 0);
        return -1;
    }
    return 0;
}

//  Writes one report {org, indicator, period, due, status, received_at}.
static void s_write_report(const indicators_report_t *report, sti_writer_t *w)
{
    char period[STI_PERIOD_TEXT_MAX], due[16], at[40];
    sti_period_format(&report->period, period, sizeof period);
    sti_writer_map(w, 6);
    sti_writer_kv_str(w, "org", report->unit->org->code);
    sti_writer_kv_str(w, "indicator", report->duty->indicator->code);
    sti_writer_kv_str(w, "period", period);
    sti_writer_kv_str(w, "due",
                      sti_due_date(&report->duty->rule->rule, &report->period, due, sizeof due));
    sti_writer_kv_str(w, "status", indicators_report_status_name(report->status));
    sti_writer_kv_str(w, "received_at",
                      report->received_ms ? sti_time_rfc3339(report->received_ms, at, sizeof at)
                                          : NULL);
}

//  Writes the per-org-unit tallies: each unit of the book with reports.
static void s_write_orgs(const s_question_t *q, sti_writer_t *w)
{
    size_t units = indicators_duty_book_unit_count(q->book), shown = 0;
    s_counts_t *counts = (s_counts_t *)calloc(units + 1, sizeof *counts);
    assert(counts);
    for (int64_t i = 0; i < q->count; i++) {
        size_t u = 0;
        while (indicators_duty_book_unit_at(q->book, u) != q->reports[i].unit) {
            u++;
        }
        s_count(&counts[u], q->reports[i].status);
    }
    for (size_t u = 0; u < units; u++) {
        shown += counts[u].expected > 0;
    }
    sti_writer_array(w, shown);
    for (size_t u = 0; u < units; u++) {
        const indicators_duty_unit_t *unit = indicators_duty_book_unit_at(q->book, u);
        if (counts[u].expected) {
            sti_writer_map(w, 8 + 8);
            sti_writer_kv_str(w, "org", unit->org->code);
            sti_writer_kv_str(w, "name_zh", unit->org->name_zh);
            sti_writer_kv_str(w, "name_en", unit->org->name_en);
            sti_writer_kv_str(w, "type", unit->type[0] ? unit->type : NULL);
            sti_writer_kv_str(w, "contact_name", unit->contact_name);
            sti_writer_kv_str(w, "contact_phone", unit->contact_phone);
            sti_writer_kv_str(w, "contact_email", unit->contact_email);
            sti_writer_kv_str(w, "contact_dingtalk", unit->contact_dingtalk);
            s_write_counts(&counts[u], w);
        }
    }
    free(counts);
}

//  Writes the per-indicator tallies, in catalog order.
static void s_write_indicators(const s_question_t *q, sti_writer_t *w)
{
    size_t n = sti_catalog_indicator_count(q->catalog), shown = 0;
    s_counts_t *counts = (s_counts_t *)calloc(n + 1, sizeof *counts);
    assert(counts);
    for (int64_t i = 0; i < q->count; i++) {
        for (size_t k = 0; k < n; k++) {
            if (sti_catalog_indicator_at(q->catalog, k) == q->reports[i].duty->indicator) {
                s_count(&counts[k], q->reports[i].status);
                break;
            }
        }
    }
    for (size_t k = 0; k < n; k++) {
        shown += counts[k].expected > 0;
    }
    sti_writer_array(w, shown);
    for (size_t k = 0; k < n; k++) {
        const sti_indicator_t *ind = sti_catalog_indicator_at(q->catalog, k);
        if (counts[k].expected) {
            const indicators_duty_rule_t *rule = indicators_duty_book_rule(q->book, ind);
            sti_writer_map(w, 5 + 8);
            sti_writer_kv_str(w, "indicator", ind->code);
            sti_writer_kv_str(w, "name_zh", ind->name_zh);
            sti_writer_kv_str(w, "name_en", ind->name_en);
            sti_writer_kv_str(w, "frequency", sti_frequency_name(rule->frequency));
            sti_writer_kv_str(w, "due", rule->due);
            s_write_counts(&counts[k], w);
        }
    }
    free(counts);
}

//  Writes the answer {period, as_of, total, orgs, indicators, reports (with
//  detail)} of q.
static void s_write_answer(const s_question_t *q, bool detail, sti_writer_t *w)
{
    s_counts_t total = {0, 0, 0, 0, 0, 0};
    for (int64_t i = 0; i < q->count; i++) {
        s_count(&total, q->reports[i].status);
    }
    char as_of[40];
    sti_writer_map(w, 5 + detail);
    sti_writer_kv_str(w, "period", q->period);
    sti_writer_kv_str(w, "as_of", sti_time_rfc3339(sti_time_now_ms(), as_of, sizeof as_of));
    sti_writer_str(w, "total");
    sti_writer_map(w, 8);
    s_write_counts(&total, w);
    sti_writer_str(w, "orgs");
    s_write_orgs(q, w);
    sti_writer_str(w, "indicators");
    s_write_indicators(q, w);
    if (detail) {
        sti_writer_str(w, "reports");
        sti_writer_array(w, (size_t)q->count);
        for (int64_t i = 0; i < q->count; i++) {
            s_write_report(&q->reports[i], w);
        }
    }
}

static int s_completeness(void *object, const sti_call_t *call)
{
    indicators_completeness_t *self = (indicators_completeness_t *)object;
    s_question_t q;
    bool detail = false;
    sti_node_t reports = sti_node_get(call->request->body, "reports");
    if (!sti_node_is_missing(reports) && sti_node_bool(reports, &detail, NULL) != 0) {
        detail = false;
    }
    if (s_ask(self, call, true, &q)) {
        return 0;
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    s_write_answer(&q, detail, call->reply);
    indicators_duty_book_destroy(&q.book);
    return 0;
}

int indicators_completeness_year(indicators_completeness_t *self, const sti_catalog_t *catalog,
                                 int year, sti_writer_t *w, char *err, size_t errlen)
{
    assert(self && catalog && w);
    s_question_t q;
    memset(&q, 0, sizeof q);
    q.catalog = catalog;
    sti_period_t period = {year, STI_PERIOD_YEAR, 0};
    sti_period_format(&period, q.period, sizeof q.period);
    if (s_reports(self, &period, 1, NULL, INDICATORS_CALENDAR_STATUS, &q, err, errlen)) {
        return -1;
    }
    s_write_answer(&q, false, w);
    indicators_duty_book_destroy(&q.book);
    return 0;
}

//  Writes one overdue report with its contact and days overdue.
static void s_write_overdue(const indicators_report_t *report, int64_t now_ms, sti_writer_t *w)
{
    char period[STI_PERIOD_TEXT_MAX], due[16];
    const indicators_duty_unit_t *unit = report->unit;
    sti_period_format(&report->period, period, sizeof period);
    sti_writer_map(w, 13);
    sti_writer_kv_str(w, "org", unit->org->code);
    sti_writer_kv_str(w, "org_name_zh", unit->org->name_zh);
    sti_writer_kv_str(w, "org_name_en", unit->org->name_en);
    sti_writer_kv_str(w, "indicator", report->duty->indicator->code);
    sti_writer_kv_str(w, "indicator_name_zh", report->duty->indicator->name_zh);
    sti_writer_kv_str(w, "indicator_name_en", report->duty->indicator->name_en);
    sti_writer_kv_str(w, "period", period);
    sti_writer_kv_str(w, "due",
                      sti_due_date(&report->duty->rule->rule, &report->period, due, sizeof due));
    sti_writer_kv_int(w, "days_overdue", (now_ms - report->due_ms) / 86400000 + 1);
    sti_writer_kv_str(w, "contact_name", unit->contact_name);
    sti_writer_kv_str(w, "contact_phone", unit->contact_phone);
    sti_writer_kv_str(w, "contact_email", unit->contact_email);
    sti_writer_kv_str(w, "contact_dingtalk", unit->contact_dingtalk);
}

static int s_overdue(void *object, const sti_call_t *call)
{
    indicators_completeness_t *self = (indicators_completeness_t *)object;
    s_question_t q;
    if (s_ask(self, call, false, &q)) {
        return 0;
    }
    size_t missing = 0;
    for (int64_t i = 0; i < q.count; i++) {
        missing += q.reports[i].status == INDICATORS_REPORT_MISSING;
    }
    int64_t now = sti_time_now_ms();
    sti_writer_t *w = call->reply;
    sti_envelope_reply_ok(w, call->request->id);
    sti_writer_map(w, 1);
    sti_writer_str(w, "overdue");
    sti_writer_array(w, missing);
    for (int64_t i = 0; i < q.count; i++) {
        if (q.reports[i].status == INDICATORS_REPORT_MISSING) {
            s_write_overdue(&q.reports[i], now, w);
        }
    }
    indicators_duty_book_destroy(&q.book);
    return 0;
}

//  --- the overdue events ---

//  Raises one missing report with its duty.overdue event. Returns 1, 0
//  (raised before), -1 when Redis failed.
static int s_raise(indicators_completeness_t *self, const indicators_report_t *report,
                   const char *member)
{
    char time[40], topic[STI_EVENTS_TOPIC_MAX + 1], subject[STI_EVENTS_SUBJECT_MAX], err[512];
    const indicators_duty_unit_t *unit = report->unit;
    snprintf(topic, sizeof topic, "ind._overdue.%s", unit->org->code);
    sti_writer_t *data = sti_writer_new();
    int64_t now = sti_time_now_ms();
    s_write_overdue(report, now, data);
    size_t size;
    const void *bytes = sti_writer_data(data, &size);
    char period[STI_PERIOD_TEXT_MAX];
    sti_period_format(&report->period, period, sizeof period);
    snprintf(subject, sizeof subject, "%s/%s/%s", report->duty->indicator->code, unit->org->code,
             period);
    indicators_duty_event_t event = {topic,   INDICATORS_OVERDUE_EVENT_TYPE,
                                     subject, sti_time_rfc3339(now, time, sizeof time),
                                     bytes,   size};
    int rc = indicators_duty_store_raise(self->duties, member, &event, err, sizeof err);
    if (rc < 0) {
        sti_warn("completeness: overdue report %s cannot be raised now: %s", member, err);
    } else if (rc == 1) {
        sti_info("completeness: report %s is overdue", member);
    }
    sti_writer_destroy(&data);
    return rc;
}

//  Raises what is missing among reports[*from..count) and not raised yet,
//  up to *budget, asking Redis about S_CHECK_MAX of them at a time; moves
//  *from past those it asked about. Returns how many it raised, or -1.
static int s_raise_chunk(indicators_completeness_t *self, const indicators_report_t *reports,
                         size_t count, size_t *from, int *budget)
{
    const char *names[S_CHECK_MAX] = {NULL};
    size_t at[S_CHECK_MAX], n = 0;
    bool raised[S_CHECK_MAX];
    char err[512], period[STI_PERIOD_TEXT_MAX];
    for (; *from < count && n < S_CHECK_MAX; (*from)++) {
        const indicators_report_t *report = &reports[*from];
        if (report->status == INDICATORS_REPORT_MISSING) {
            sti_period_format(&report->period, period, sizeof period);
            snprintf(self->members[n], S_MEMBER_MAX, "%s|%s|%s", report->duty->indicator->code,
                     report->unit->org->code, period);
            names[n] = self->members[n];
            at[n++] = *from;
        }
    }
    if (indicators_duty_store_raised(self->duties, names, n, raised, err, sizeof err)) {
        sti_warn("completeness: %s", err);
        return -1;
    }
    int made = 0;
    for (size_t k = 0; k<n && * budget> 0; k++) {
        if (!raised[k]) {
            int rc = s_raise(self, &reports[at[k]], self->members[k]);
            if (rc < 0) {
                return -1;
            }
            made += rc;
            *budget -= rc;
        }
    }
    return made;
}

//  Raises what is missing among reports[0..count), up to *budget.
//  Returns how many it raised, or -1.
static int s_raise_missing(indicators_completeness_t *self, const indicators_report_t *reports,
                           size_t count, int *budget)
{
    size_t from = 0;
    int made = 0;
    while (from<count && * budget> 0 && made >= 0) {
        int rc = s_raise_chunk(self, reports, count, &from, budget);
        made = rc < 0 ? -1 : made + rc;
    }
    return made;
}

int indicators_completeness_tick(indicators_completeness_t *self)
{
    if (!self->every_ms || zclock_mono() < self->next) {
        return 0;
    }
    self->next = zclock_mono() + self->every_ms;
    sti_errcode_t code;
    char err[512];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, &code, err, sizeof err);
    indicators_duty_pairs_t hashes[INDICATORS_DUTY_HASHES];
    if (!catalog || indicators_duty_store_read(self->duties, hashes, err, sizeof err)) {
        return catalog ? -1 : 0; // no plan yet: nothing is owed
    }
    indicators_duty_book_t *book = indicators_duty_book_new(catalog, hashes);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int budget = self->batch, made = 0;
    for (int year = tm.tm_year + 1900 - self->years; year <= tm.tm_year + 1900 && made >= 0;
         year++) {
        sti_period_t period = {year, STI_PERIOD_YEAR, 0};
        const indicators_report_t *reports;
        int64_t count = indicators_calendar_reports(self->calendar, catalog, book, &period, 1, NULL,
                                                    sti_time_now_ms(), INDICATORS_CALENDAR_MISSING,
                                                    &reports, err, sizeof err);
        int rc = count < 0 ? -1 : s_raise_missing(self, reports, (size_t)count, &budget);
        made = rc < 0 ? -1 : made + rc;
    }
    if (made < 0 || budget <= 0) {
        self->next = made < 0 ? self->next : 0; // more may wait
    }
    indicators_duty_book_destroy(&book);
    return made;
}

//  --- the declarations ---

static const sti_arg_t s_completeness_body[] = {
    {"period", STI_ARG_STR, STI_REQUIRED, 4, 7, NULL,
     "the period: 2025 (a year), 2025Q2, 2025-05; reports of each indicator's frequency within it"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL,
     "only this org unit and the units under it"},
    {"reports", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL, "also list every report with its status"},
    STI_ARGS_END,
};

static const sti_arg_t s_overdue_body[] = {
    {"period", STI_ARG_STR, STI_OPTIONAL, 0, 7, NULL,
     "only this period (default: every year of the plan up to this one)"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL,
     "only this org unit and the units under it"},
    STI_ARGS_END,
};

#define S_COUNTS "expected, received, on_time, late, missing, not_due, rate, rate_on_time"

static const sti_op_decl_t s_ops[] = {
    {"completeness", s_completeness, STI_ROLES_ANY, s_completeness_body,
     "how complete and timely the reporting of a period is: per org unit, per indicator, in total",
     "{period, as_of, total: {" S_COUNTS "}, orgs: [{org, name_zh, name_en, type, contact_name, "
     "contact_phone, contact_email, contact_dingtalk, " S_COUNTS "}], indicators: [{indicator, "
     "name_zh, name_en, frequency, due, " S_COUNTS "}], reports?: [{org, indicator, period, due, "
     "status, received_at}]}",
     "A report is one org unit's figure of one indicator for one period of the indicator's "
     "frequency within `period` (docs/completeness.md). `received` = `on_time` + `late`; "
     "`expected` = `received` + `missing` + `not_due`; `rate` = received / (received + missing) "
     "and `rate_on_time` = on_time / (received + missing), nil when nothing is owed yet. `due` "
     "of a report is the last day on time (UTC). Errors: `invalid_argument` (a period that does "
     "not parse), `not_found` (no plan, no such org unit)."},
    {"overdue", s_overdue, STI_ROLES_ANY, s_overdue_body,
     "the reports past their due date with nothing received, with whom to remind",
     "{overdue: [{org, org_name_zh, org_name_en, indicator, indicator_name_zh, indicator_name_en, "
     "period, due, days_overdue, contact_name, contact_phone, contact_email, contact_dingtalk}]}",
     "By org unit, then indicator, then period. Errors: as `completeness`."},
    STI_OPS_END,
};

const sti_op_table_t indicators_completeness_ops = {"indicators_completeness", s_ops};
