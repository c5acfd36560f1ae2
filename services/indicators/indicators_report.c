/*  indicators_report: report.data. See the header.

    The root's hashes are read first and its rows written with their series
    by year; then each other org unit's hashes replace them in the table,
    its rows are written and its reported values looked at for revisions,
    which are kept in a second writer and appended at the end (their count
    is known only then). The revisions are those of the stored records: a
    value reported (not only summed or derived) whose last revision is at
    least the second and came at or after `since`.
*/
#include "indicators_report.h"

#include "indicators_completeness.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicators_catalog.h"
#include "indicators_forecast.h"
#include "indicators_issue.h"
#include "sti_time.h"

#define S_PAIRS_ROW (14 + INDICATORS_FORECAST_PAIRS) // pairs of a row without its series

struct _indicators_report_t {
    indicators_store_t *store;               // borrowed: the values
    sti_catalog_store_t *catalog;            // borrowed
    double tolerance;                        // of `lagging`
    indicators_table_t *table;               // one org unit's values, reused
    sti_writer_t *revisions;                 // the revisions' maps, reused
    size_t revision_count;                   // how many it holds
    bool revisions_more;                     // more were found than it holds
    const sti_indicator_t **indices;         // every indicator of the catalog, reused
    size_t indices_cap;                      // entries of indices
    indicators_completeness_t *completeness; // borrowed: the duties' section, or NULL
    indicators_issue_store_t *issued;        // borrowed: the reports issued, or NULL
};

//  What a request asks, checked against the plan.
typedef struct {
    int year;                             // the year reported
    char kind[INDICATORS_ISSUE_KIND_MAX]; // annual, midterm, final
    int64_t since_ms;                     // revisions at or after this time
    indicators_issue_t last;              // the latest report of the kind issued
    bool has_last;                        // last holds one (since was not given)
} s_ask_t;

indicators_report_t *indicators_report_new(indicators_store_t *store, sti_catalog_store_t *catalog,
                                           double tolerance)
{
    assert(store && catalog);
    indicators_report_t *self = (indicators_report_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    self->tolerance = tolerance;
    self->table = indicators_table_new();
    self->revisions = sti_writer_new();
    return self;
}

void indicators_report_destroy(indicators_report_t **self_p)
{
    assert(self_p);
    indicators_report_t *self = *self_p;
    if (self) {
        indicators_table_destroy(&self->table);
        sti_writer_destroy(&self->revisions);
        free(self->indices);
        free(self);
        *self_p = NULL;
    }
}

static void s_write_opt(sti_writer_t *w, const char *key, bool has, double value)
{
    sti_writer_str(w, key);
    has ? sti_writer_double(w, value) : sti_writer_nil(w);
}

//  --- the request ---

//  The time 1 January of year began, ms since the epoch (UTC).
static int64_t s_year_start(int year)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mday = 1};
    return (int64_t)timegm(&tm) * 1000;
}

//  The default of since: when the latest report of the kind was made
//  (ask->last), else 1 January of the year (annual) or of the plan's first
//  year. Returns 0, or -1 after answering unavailable.
static int s_default_since(indicators_report_t *self, const sti_call_t *call,
                           const sti_plan_t *plan, s_ask_t *ask)
{
    char err[300];
    int found = self->issued ? indicators_issue_store_list(self->issued, ask->kind, &ask->last, 1,
                                                           err, sizeof err)
                             : 0;
    if (found < 0) {
        return indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, err), -1;
    }
    ask->has_last = found == 1;
    ask->since_ms =
        ask->has_last
            ? ask->last.made
            : s_year_start(strcmp(ask->kind, "annual") == 0 ? ask->year : plan->start_year);
    return 0;
}

//  Reads year, kind and since. Returns 0, or -1 after answering.
static int s_ask(indicators_report_t *self, const sti_call_t *call, const sti_catalog_t *catalog,
                 s_ask_t *ask)
{
    memset(ask, 0, sizeof *ask);
    int64_t year = 0;
    sti_field_error_t err;
    sti_node_int(sti_node_get(call->request->body, "year"), &year, &err);
    ask->year = (int)year;
    char since[32] = "", field[16], why[200], message[300];
    if (indicators_body_str(call, "kind", ask->kind, sizeof ask->kind) ||
        indicators_body_str(call, "since", since, sizeof since)) {
        return -1;
    }
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    if (!plan) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND,
                                 "no plan is loaded", NULL, 0);
        return -1;
    }
    if (indicators_issue_check(plan, ask->kind, ask->year, field, sizeof field, why, sizeof why)) {
        snprintf(message, sizeof message, "%s: %s", field, why);
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, field, message), -1;
    }
    if (!since[0]) {
        return s_default_since(self, call, plan, ask);
    }
    if (indicators_issue_parse_time(since, &ask->since_ms) != 0) {
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, "since",
                                     "since: must be YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
                                     "YYYY-MM-DDTHH:MM:SS.mmmZ (UTC)"),
               -1;
    }
    return 0;
}

//  --- the rows ---

//  Reads every indicator's hash at org into the table. Returns 0, or -1.
static int s_read_org(indicators_report_t *self, const sti_catalog_t *catalog,
                      const sti_org_unit_t *org)
{
    size_t count = sti_catalog_indicator_count(catalog);
    if (count + 1 > self->indices_cap) {
        self->indices_cap = count + 1;
        self->indices = realloc(self->indices, self->indices_cap * sizeof *self->indices);
        assert(self->indices);
    }
    for (size_t i = 0; i < count; i++) {
        self->indices[i] = sti_catalog_indicator_at(catalog, i);
    }
    indicators_table_reset(self->table);
    return count ? indicators_store_read_hashes(self->store, self->table, self->indices, count, org)
                 : 0;
}

//  Writes {year, value, period, expected}: the value of a period ending in
//  year (nil when the latest one is of an earlier year) and the value
//  expected by the trajectory E(year) (nil without a target).
static void s_write_year(indicators_report_t *self, const sti_catalog_t *catalog,
                         const indicators_group_t *group, int year, sti_writer_t *w)
{
    sti_progress_t progress;
    int latest;
    indicators_table_progress(self->table, catalog, group, year, self->tolerance, &progress,
                              &latest);
    const indicators_value_t *value =
        latest >= 0 ? indicators_table_value_at(self->table, latest) : NULL;
    if (value && value->period.year != year) {
        value = NULL;
    }
    sti_writer_map(w, 4);
    sti_writer_kv_int(w, "year", year);
    s_write_opt(w, "value", value != NULL, value ? value->record.v : 0);
    sti_writer_kv_str(w, "period", value ? value->period_text : NULL);
    s_write_opt(w, "expected", progress.has_expected, progress.expected_value);
}

//  Writes one indicator's row at the group's org unit for year: the fields
//  of a progress.report row but flag; with_years, its series too.
static void s_write_row(indicators_report_t *self, const sti_catalog_t *catalog,
                        const indicators_group_t *group, int year, bool with_years, sti_writer_t *w)
{
    const sti_indicator_t *ind = group->indicator;
    sti_progress_t progress;
    int latest;
    indicators_table_progress(self->table, catalog, group, year, self->tolerance, &progress,
                              &latest);
    indicators_forecast_t forecast;
    indicators_forecast_compute(self->table, catalog, group, &forecast);
    const indicators_value_t *value =
        latest >= 0 ? indicators_table_value_at(self->table, latest) : NULL;
    sti_writer_map(w, S_PAIRS_ROW + (with_years ? 1 : 0));
    sti_writer_kv_str(w, "code", ind->code);
    sti_writer_kv_str(w, "name_zh", ind->name_zh);
    sti_writer_kv_str(w, "name_en", ind->name_en);
    sti_writer_kv_str(w, "unit", ind->unit);
    sti_writer_kv_str(w, "direction", sti_direction_name(ind->direction));
    s_write_opt(w, "baseline", forecast.has_baseline, forecast.baseline);
    sti_writer_kv_str(w, "baseline_period",
                      forecast.has_baseline ? forecast.baseline_period : NULL);
    s_write_opt(w, "latest", value != NULL, value ? value->record.v : 0);
    sti_writer_kv_str(w, "latest_period", value ? value->period_text : NULL);
    s_write_opt(w, "target", forecast.target != NULL, forecast.target ? forecast.target->value : 0);
    sti_writer_str(w, "target_year");
    forecast.target ? sti_writer_int(w, forecast.target->year) : sti_writer_nil(w);
    s_write_opt(w, "completion", progress.has_completion, progress.completion);
    s_write_opt(w, "expected_completion", progress.has_expected, progress.expected_completion);
    sti_writer_kv_str(w, "status", sti_status_name(progress.status));
    indicators_forecast_write_pairs(&forecast, w);
    if (with_years) {
        const sti_plan_t *plan = sti_catalog_plan(catalog);
        sti_writer_str(w, "years");
        sti_writer_array(w, (size_t)(plan->end_year - plan->start_year + 1));
        for (int y = plan->start_year; y <= plan->end_year; y++) {
            s_write_year(self, catalog, group, y, w);
        }
    }
}

//  Writes the rows of every indicator at org (read into the table).
static void s_write_rows(indicators_report_t *self, const sti_catalog_t *catalog,
                         const sti_org_unit_t *org, int year, bool with_years, sti_writer_t *w)
{
    size_t count = sti_catalog_indicator_count(catalog);
    sti_writer_array(w, count);
    for (size_t i = 0; i < count; i++) {
        int group = indicators_table_group(self->table, sti_catalog_indicator_at(catalog, i), org);
        s_write_row(self, catalog, indicators_table_group_at(self->table, group), year, with_years,
                    w);
    }
}

//  --- the revisions ---

//  Adds the revised reported values of the table (one org unit's) to the
//  revisions' writer.
static void s_collect_revisions(indicators_report_t *self, int64_t since_ms)
{
    size_t count = indicators_table_value_count(self->table);
    char when[40];
    for (size_t i = 0; i < count; i++) {
        const indicators_value_t *value = indicators_table_value_at(self->table, (int)i);
        const indicators_record_t *r = &value->record;
        if (!value->exists || !r->has_r || r->rev < 2 || r->t < since_ms) {
            continue;
        }
        if (self->revision_count == INDICATORS_REPORT_REVISIONS_MAX) {
            self->revisions_more = true;
            return;
        }
        self->revision_count++;
        sti_writer_t *w = self->revisions;
        sti_writer_map(w, 8);
        sti_writer_kv_str(w, "indicator", value->indicator->code);
        sti_writer_kv_str(w, "org", value->org->code);
        sti_writer_kv_str(w, "period", value->period_text);
        s_write_opt(w, "value", r->has_v, r->v);
        sti_writer_kv_int(w, "revision", r->rev);
        sti_writer_kv_str(w, "time", sti_time_rfc3339(r->t, when, sizeof when));
        sti_writer_kv_str(w, "submitter", r->by[0] ? r->by : NULL);
        sti_writer_kv_str(w, "source", r->source[0] ? r->source : NULL);
    }
}

//  --- the op ---

//  Writes the reply's head: plan, year, kind, since, last_report, made.
static void s_write_head(const sti_catalog_t *catalog, const s_ask_t *ask, sti_writer_t *w)
{
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    char when[40];
    sti_writer_str(w, "plan");
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "code", plan->code);
    sti_writer_kv_str(w, "name_zh", plan->name_zh);
    sti_writer_kv_str(w, "name_en", plan->name_en);
    sti_writer_kv_int(w, "start_year", plan->start_year);
    sti_writer_kv_int(w, "end_year", plan->end_year);
    sti_writer_kv_int(w, "year", ask->year);
    sti_writer_kv_str(w, "kind", ask->kind);
    sti_writer_kv_str(w, "since", sti_time_rfc3339(ask->since_ms, when, sizeof when));
    sti_writer_str(w, "last_report");
    ask->has_last ? indicators_issue_store_write(w, &ask->last, -1) : sti_writer_nil(w);
    sti_writer_kv_str(w, "made", sti_time_rfc3339(sti_time_now_ms(), when, sizeof when));
}

//  Writes one org unit's entry (not the root): its names and rows.
static void s_write_org(indicators_report_t *self, const sti_catalog_t *catalog,
                        const sti_org_unit_t *org, int year, sti_writer_t *w)
{
    sti_writer_map(w, 6);
    sti_writer_kv_str(w, "org", org->code);
    sti_writer_kv_str(w, "name_zh", org->name_zh);
    sti_writer_kv_str(w, "name_en", org->name_en);
    sti_writer_kv_str(w, "parent", org->parent);
    sti_writer_kv_bool(w, "retired", org->retired);
    sti_writer_str(w, "indicators");
    s_write_rows(self, catalog, org, year, false, w);
}

static int s_report_data(void *object, const sti_call_t *call)
{
    indicators_report_t *self = (indicators_report_t *)object;
    const sti_catalog_t *catalog;
    s_ask_t ask;
    if (!(catalog = indicators_catalog_read(self->catalog, call)) ||
        s_ask(self, call, catalog, &ask)) {
        return 0;
    }
    const sti_org_unit_t *root = sti_catalog_org_root(catalog);
    if (!root) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND,
                                 "the catalog has no org unit", NULL, 0);
        return 0;
    }
    sti_writer_reset(self->revisions);
    self->revision_count = 0;
    self->revisions_more = false;
    sti_writer_t *w = call->reply;
    sti_envelope_reply_ok(w, call->request->id);
    sti_writer_map(w, 11); // 6 of the head, 5 below
    s_write_head(catalog, &ask, w);
    if (s_read_org(self, catalog, root)) {
        return indicators_reply_unavailable(call, indicators_store_errstr(self->store));
    }
    s_collect_revisions(self, ask.since_ms);
    sti_writer_str(w, "indicators");
    s_write_rows(self, catalog, root, ask.year, true, w);
    size_t orgs = sti_catalog_org_count(catalog);
    sti_writer_str(w, "orgs");
    sti_writer_array(w, orgs - 1);
    for (size_t o = 0; o < orgs; o++) {
        const sti_org_unit_t *org = sti_catalog_org_at(catalog, o);
        if (org == root) {
            continue;
        }
        if (s_read_org(self, catalog, org)) {
            return indicators_reply_unavailable(call, indicators_store_errstr(self->store));
        }
        s_collect_revisions(self, ask.since_ms);
        s_write_org(self, catalog, org, ask.year, w);
    }
    size_t size;
    const void *bytes = sti_writer_data(self->revisions, &size);
    sti_writer_str(w, "revisions");
    sti_writer_array(w, self->revision_count);
    sti_writer_raw(w, bytes, size);
    sti_writer_kv_bool(w, "revisions_more", self->revisions_more);
    //  The reporting duties' completeness of the year, as the op
    //  completeness answers it (nil when the duties cannot be read).
    sti_writer_str(w, "completeness");
    char err[256];
    sti_writer_t *section = sti_writer_new();
    if (self->completeness && indicators_completeness_year(self->completeness, catalog, ask.year,
                                                           section, err, sizeof err) == 0) {
        size_t len;
        const void *map = sti_writer_data(section, &len);
        sti_writer_raw(w, map, len);
    } else {
        sti_writer_nil(w);
    }
    sti_writer_destroy(&section);
    return 0;
}

void indicators_report_set_issued(indicators_report_t *self, indicators_issue_store_t *issued)
{
    assert(self);
    self->issued = issued;
}

void indicators_report_set_completeness(indicators_report_t *self,
                                        indicators_completeness_t *completeness)
{
    assert(self);
    self->completeness = completeness;
}

static const sti_arg_t s_report_body[] = {
    {"year", STI_ARG_INT, STI_REQUIRED, STI_PERIOD_MIN_YEAR, STI_PERIOD_MAX_YEAR, NULL,
     "the year reported: any of the plan's (annual), one strictly inside it (midterm), its last "
     "(final)"},
    {"kind", STI_ARG_STR, STI_REQUIRED, 1, 15, NULL, "annual, midterm or final"},
    {"since", STI_ARG_STR, STI_OPTIONAL, 1, 31, NULL,
     "list the revisions made at or after this time, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
     "YYYY-MM-DDTHH:MM:SS.mmmZ (UTC); default: when the latest report of the kind was made "
     "(report.issue), else 1 January of the year (annual), of the plan's first year (midterm, "
     "final)"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"report.data", s_report_data, STI_ROLES_ANY, s_report_body,
     "everything an evaluation report holds about the indicators, as one document",
     "{plan: {code, name_zh, name_en, start_year, end_year}, year, kind, since, last_report, "
     "made, "
     "indicators: [ROW + years: [{year, value, period, expected}]], orgs: [{org, name_zh, "
     "name_en, parent, retired, indicators: [ROW]}], revisions: [{indicator, org, period, value, "
     "revision, time, submitter, source}], revisions_more, completeness}",
     "[report.md](report.md) says what each part is for. ROW is a progress.report row without "
     "`flag` (`code` to `status`, then `forecast_year` to `required_rate`), computed the same "
     "way: `indicators` at the root org unit, `orgs` every other org unit in catalog order. "
     "`years` is the root's series over the plan's years: the value of a period ending in the "
     "year (nil when none) and `expected`, the trajectory's value E(year) (nil without a "
     "target). `revisions` are the reported values revised (revision 2 or later) at or after "
     "`since`, at most 5,000 (`revisions_more` is then true). `last_report` is the latest "
     "report of the kind issued (report.issue's record, report.list) when `since` was not "
     "given and there is one, else nil. `completeness` is the year's "
     "reporting completeness at every org unit, as the op completeness answers it without "
     "`reports` (nil when the duties cannot be read). Times are RFC "
     "3339 UTC; numbers MessagePack floats. Errors: `invalid_argument` (`kind` not one of the "
     "three, `year` outside the plan's years or not one the kind allows, `since` that does not "
     "parse), `not_found` (no plan is loaded), `unavailable` (Redis)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_report_ops = {"indicators_report", s_ops};
