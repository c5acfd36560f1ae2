/*  indicators_query: series.get, progress.report, snapshot.get,
    events.since. See the header.

    The frame checks every body against the declarations at the end of this
    file; the handlers check what depends on the catalog (an unknown
    indicator or org unit is not_found). What the store hands over was
    checked when it was read (indicators_store).
*/
#include "indicators_store_history.h"
#include "indicators_query.h"

#include <assert.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicators_catalog.h"
#include "indicators_forecast.h"

#define S_SNAPSHOT_LIMIT 100                // default hashes per snapshot page
#define S_SNAPSHOT_MAX 1000                 // most hashes per snapshot page
#define S_CURSOR_MAX (2 * STI_CODE_MAX + 2) // bytes of a snapshot cursor, with NUL

struct _indicators_query_t {
    indicators_store_t *store;           // borrowed: the values
    sti_catalog_store_t *catalog;        // borrowed
    double tolerance;                    // of `lagging`
    double warn_factor;                  // a latest value this far from the one before is flagged
    indicators_table_t *table;           // values of the request, reused
    indicators_store_history_t *history; // their revisions' reads
    int *order;                          // a series' values by period
    size_t order_cap;                    // entries of order
    sti_writer_t *points;                // where the revisions' reader writes points
    size_t keep;                         // revisions of a point written at most (the newest)
    indicators_approval_store_t *approvals; // borrowed: which periods are approved, or NULL
    sti_period_t *approved;                 // the asked unit's approved periods
    size_t approved_count;                  // entries of approved in use
};

//  What a series.get asks beyond the indicator and the org unit.
typedef struct {
    int first, last;  // months (year * 12 + month - 1) a point must lie within
    size_t limit;     // the newest points kept at most
    size_t revisions; // revisions per point at most
} s_series_ask_t;

indicators_query_t *indicators_query_new(indicators_store_t *store, sti_catalog_store_t *catalog,
                                         double tolerance)
{
    assert(store && catalog);
    indicators_query_t *self = (indicators_query_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    self->tolerance = tolerance;
    self->warn_factor = 10;
    self->table = indicators_table_new();
    self->history = indicators_store_history_new(store);
    return self;
}

void indicators_query_set_warn_factor(indicators_query_t *self, double factor)
{
    assert(self);
    self->warn_factor = factor;
}

void indicators_query_set_approvals(indicators_query_t *self, indicators_approval_store_t *store)
{
    assert(self);
    self->approvals = store;
}

void indicators_query_destroy(indicators_query_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free((*self_p)->approved);
        indicators_table_destroy(&(*self_p)->table);
        indicators_store_history_destroy(&(*self_p)->history);
        free((*self_p)->order);
        free(*self_p);
        *self_p = NULL;
    }
}

//  --- shared helpers ---

static int s_not_found(const sti_call_t *call, const char *what, const char *code)
{
    char message[160];
    snprintf(message, sizeof message, "%s '%s' is not in the catalog", what, code);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, message, NULL, 0);
    return 0;
}

//  Writes ms since the epoch as RFC 3339 UTC with milliseconds (nil: unknown).
static void s_write_time(sti_writer_t *w, int64_t ms)
{
    char text[128];
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&secs, &tm)) {
        sti_writer_nil(w);
        return;
    }
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    sti_writer_str(w, text);
}

static void s_write_opt(sti_writer_t *w, const char *key, bool has, double value)
{
    sti_writer_str(w, key);
    has ? sti_writer_double(w, value) : sti_writer_nil(w);
}

//  --- series.get ---

//  Orders value indices by period.
static int s_by_period(const void *a, const void *b, void *table)
{
    const indicators_value_t *va = indicators_table_value_at(table, *(const int *)a);
    const indicators_value_t *vb = indicators_table_value_at(table, *(const int *)b);
    return sti_period_compare(&va->period, &vb->period);
}

//  Writes one revision as {revision, value, origin, time, source, submitter, reason}.
static void s_write_revision(sti_writer_t *w, const indicators_revision_t *revision)
{
    sti_writer_map(w, 7);
    sti_writer_kv_int(w, "revision", revision->rev);
    s_write_opt(w, "value", revision->has_v, revision->v);
    sti_writer_kv_str(w, "origin", revision->origin);
    sti_writer_str(w, "time");
    s_write_time(w, revision->t);
    sti_writer_kv_str(w, "source", revision->source);
    sti_writer_kv_str(w, "submitter", revision->by);
    sti_writer_kv_str(w, "reason", revision->reason[0] ? revision->reason : NULL);
}

//  Writes point order[point] and its revisions (indicators_store_revisions_fn).
static void s_write_point(void *arg, size_t point, const indicators_revision_t *revisions,
                          size_t count)
{
    indicators_query_t *self = (indicators_query_t *)arg;
    sti_writer_t *w = self->points;
    const indicators_value_t *value = indicators_table_value_at(self->table, self->order[point]);
    const indicators_record_t *record = &value->record;
    const char *origin = value->indicator->formula ? "derived"
                         : record->has_r           ? "reported"
                                                   : "aggregated";
    //  The latest revision says best what made the value (a withdrawal).
    const indicators_revision_t *last = count ? &revisions[count - 1] : NULL;
    if (last && last->rev == record->rev && last->origin[0]) {
        origin = last->origin;
    }
    sti_writer_map(w, 9);
    sti_writer_kv_str(w, "period", value->period_text);
    s_write_opt(w, "value", record->has_v, record->v);
    sti_writer_kv_int(w, "revision", record->rev);
    sti_writer_kv_str(w, "origin", origin);
    sti_writer_str(w, "time");
    s_write_time(w, record->t);
    sti_writer_kv_str(w, "source", record->source);
    sti_writer_kv_str(w, "submitter", record->by);
    sti_writer_kv_str(w, "reason",
                      last && last->rev == record->rev && last->reason[0] ? last->reason : NULL);
    size_t skip = count > self->keep ? count - self->keep : 0;
    sti_writer_str(w, "revisions");
    sti_writer_array(w, count - skip);
    for (size_t i = skip; i < count; i++) {
        s_write_revision(w, &revisions[i]);
    }
}

//  The months a period covers, as year * 12 + month - 1.
static void s_months(const sti_period_t *period, int *first, int *last)
{
    int year, month, day;
    sti_period_end_date(period, &year, &month, &day);
    *first = period->year * 12 + sti_period_first_month(period) - 1;
    *last = year * 12 + month - 1;
}

//  Keeps the points of order[0..count) that lie within the months asked,
//  then the newest `limit` of them. Returns how many are left.
static size_t s_select(indicators_query_t *self, size_t count, const s_series_ask_t *ask)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        const indicators_value_t *value = indicators_table_value_at(self->table, self->order[i]);
        int first, last;
        s_months(&value->period, &first, &last);
        if (first >= ask->first && last <= ask->last) {
            self->order[kept++] = self->order[i];
        }
    }
    if (kept > ask->limit) {
        memmove(self->order, self->order + (kept - ask->limit), ask->limit * sizeof *self->order);
        kept = ask->limit;
    }
    return kept;
}

//  Writes the points of the table's hash group that the request asks for,
//  ordered by period, with their revisions. Returns 0, or -1 when a read
//  failed.
static int s_write_points(indicators_query_t *self, int group, const s_series_ask_t *ask,
                          sti_writer_t *w)
{
    size_t count = 0, values = indicators_table_value_count(self->table);
    if (self->order_cap < values + 1) {
        self->order_cap = values * 2 + 16;
        self->order = (int *)realloc(self->order, self->order_cap * sizeof *self->order);
        assert(self->order);
    }
    for (int i = indicators_table_group_at(self->table, group)->head; i >= 0;
         i = indicators_table_value_at(self->table, i)->next_in_hash) {
        self->order[count++] = i;
    }
    qsort_r(self->order, count, sizeof *self->order, s_by_period, self->table);
    count = s_select(self, count, ask);
    sti_writer_str(w, "points");
    sti_writer_array(w, count);
    self->points = w;
    self->keep = ask->revisions;
    if (ask->revisions == 0) {
        for (size_t i = 0; i < count; i++) {
            s_write_point(self, i, NULL, 0);
        }
        return 0;
    }
    return indicators_store_history_values(self->history, self->table, self->order, count,
                                           s_write_point, self);
}

//  Reads from, to, limit and revisions of a series.get body (declared, so
//  of the right types). Returns 0, or -1 after answering a period that
//  does not parse.
static int s_series_ask(const sti_call_t *call, s_series_ask_t *ask)
{
    const char *keys[2] = {"from", "to"};
    int months[2][2] = {{0, 0}, {INT32_MAX, INT32_MAX}};
    for (int k = 0; k < 2; k++) {
        char text[STI_PERIOD_TEXT_MAX + 8], why[160];
        sti_period_t period;
        if (indicators_body_str(call, keys[k], text, sizeof text)) {
            return -1;
        }
        if (!text[0]) {
            continue;
        }
        if (sti_period_parse(text, strlen(text), &period, why, sizeof why)) {
            sti_field_error_t err;
            snprintf(err.field, sizeof err.field, "%s", keys[k]);
            snprintf(err.reason, sizeof err.reason, "%s", why);
            sti_envelope_reply_invalid(call->reply, call->request->id, &err);
            return -1;
        }
        s_months(&period, &months[k][0], &months[k][1]);
    }
    int64_t limit = 0, revisions = -1;
    sti_field_error_t err;
    sti_node_t body = call->request->body;
    if (!sti_node_is_missing(sti_node_get(body, "limit"))) {
        sti_map_int(body, "limit", &limit, &err);
    }
    if (!sti_node_is_missing(sti_node_get(body, "revisions"))) {
        sti_map_int(body, "revisions", &revisions, &err);
    }
    ask->first = months[0][0];
    ask->last = months[1][1];
    ask->limit = limit > 0 ? (size_t)limit : SIZE_MAX;
    ask->revisions = revisions >= 0 ? (size_t)revisions : SIZE_MAX;
    return 0;
}

static int s_series_get(void *object, const sti_call_t *call)
{
    indicators_query_t *self = (indicators_query_t *)object;
    char code[STI_CODE_MAX], org_code[STI_CODE_MAX];
    const sti_catalog_t *catalog;
    s_series_ask_t ask;
    if (indicators_body_str(call, "indicator", code, sizeof code) ||
        indicators_body_str(call, "org", org_code, sizeof org_code) || s_series_ask(call, &ask) ||
        !(catalog = indicators_catalog_read(self->catalog, call))) {
        return 0;
    }
    const sti_indicator_t *indicator = sti_catalog_indicator_find(catalog, code);
    const sti_org_unit_t *org = sti_catalog_org_find(catalog, org_code);
    if (!indicator || !org) {
        return s_not_found(call, indicator ? "org unit" : "indicator", indicator ? org_code : code);
    }
    indicators_table_reset(self->table);
    if (indicators_store_read_hashes(self->store, self->table, &indicator, 1, org)) {
        return indicators_reply_unavailable(call, indicators_store_errstr(self->store));
    }
    sti_writer_t *reply = call->reply;
    sti_envelope_reply_ok(reply, call->request->id);
    sti_writer_map(reply, 4);
    sti_writer_kv_str(reply, "indicator", code);
    sti_writer_kv_str(reply, "org", org_code);
    sti_writer_kv_str(reply, "unit", indicator->unit);
    if (s_write_points(self, indicators_table_group(self->table, indicator, org), &ask, reply)) {
        return indicators_reply_unavailable(call, indicators_store_errstr(self->store));
    }
    return 0;
}

//  --- progress.report ---

//  Writes "flag": why the latest value (index latest) looks wrong, or nil:
//  more than warn_factor times above or below the value of the period
//  before it of the same kind.
static void s_write_flag(indicators_query_t *self, const indicators_group_t *group, int latest,
                         sti_writer_t *w)
{
    const indicators_value_t *last =
        latest >= 0 ? indicators_table_value_at(self->table, latest) : NULL;
    const indicators_value_t *before = NULL;
    for (int i = group->head; last && i >= 0;) {
        const indicators_value_t *value = indicators_table_value_at(self->table, i);
        if (value->record.has_v && value->period.kind == last->period.kind &&
            sti_period_compare(&value->period, &last->period) < 0 &&
            (!before || sti_period_compare(&value->period, &before->period) > 0)) {
            before = value;
        }
        i = value->next_in_hash;
    }
    double ratio = before && before->record.v != 0 ? fabs(last->record.v / before->record.v) : 0;
    sti_writer_str(w, "flag");
    if (self->warn_factor <= 1 || ratio == 0 ||
        (ratio <= self->warn_factor && ratio * self->warn_factor >= 1)) {
        sti_writer_nil(w);
        return;
    }
    char text[200];
    snprintf(text, sizeof text, "%s: %.10g is %.3g times %s's %.10g: check it", last->period_text,
             last->record.v, ratio, before->period_text, before->record.v);
    sti_writer_str(w, text);
}

//  True when period is one of the asked unit's approved periods.
static bool s_is_approved(const indicators_query_t *self, const sti_period_t *period)
{
    for (size_t i = 0; i < self->approved_count; i++) {
        if (sti_period_compare(&self->approved[i], period) == 0) {
            return true;
        }
    }
    return false;
}

//  Reads the approved periods of org; with only, hides every value of
//  another period from what follows (progress, forecast). Returns 0, or -1.
static int s_read_approved(indicators_query_t *self, const sti_org_unit_t *org, bool only)
{
    self->approved_count = 0;
    if (!self->approvals) {
        return 0;
    }
    if (!self->approved) {
        self->approved =
            (sti_period_t *)calloc(INDICATORS_APPROVAL_PERIODS_MAX, sizeof *self->approved);
        assert(self->approved);
    }
    char err[300];
    int n = indicators_approval_store_approved(self->approvals, org->code, self->approved,
                                               INDICATORS_APPROVAL_PERIODS_MAX, err, sizeof err);
    if (n < 0) {
        return -1;
    }
    self->approved_count = (size_t)n;
    size_t count = indicators_table_value_count(self->table);
    for (size_t i = 0; only && i < count; i++) {
        indicators_value_t *value = indicators_table_value_at(self->table, (int)i);
        if (!s_is_approved(self, &value->period)) {
            value->record.has_v = false;
        }
    }
    return 0;
}

//  Writes one indicator's progress row.
static void s_write_progress(indicators_query_t *self, const sti_catalog_t *catalog,
                             const indicators_group_t *group, int year, sti_writer_t *w)
{
    const sti_indicator_t *ind = group->indicator;
    bool root = !group->org->parent[0];
    sti_progress_t progress;
    int latest;
    indicators_table_progress(self->table, catalog, group, year, self->tolerance, &progress,
                              &latest);
    const sti_target_t *target = sti_catalog_final_target(catalog, ind, group->org);
    int base = root ? -1 : indicators_table_at_period(self->table, group, &ind->baseline_period);
    bool has_baseline = ind->has_baseline && (root || base >= 0);
    double baseline = root        ? ind->baseline_value
                      : base >= 0 ? indicators_table_value_at(self->table, base)->record.v
                                  : 0;
    char period[STI_PERIOD_TEXT_MAX] = "";
    sti_period_format(&ind->baseline_period, period, sizeof period);
    sti_writer_map(w, 16 + INDICATORS_FORECAST_PAIRS);
    sti_writer_kv_str(w, "code", ind->code);
    sti_writer_kv_str(w, "name_zh", ind->name_zh);
    sti_writer_kv_str(w, "name_en", ind->name_en);
    sti_writer_kv_str(w, "unit", ind->unit);
    sti_writer_kv_str(w, "direction", sti_direction_name(ind->direction));
    s_write_opt(w, "baseline", has_baseline, baseline);
    sti_writer_kv_str(w, "baseline_period", has_baseline ? period : NULL);
    const indicators_value_t *value =
        latest >= 0 ? indicators_table_value_at(self->table, latest) : NULL;
    s_write_opt(w, "latest", value != NULL, value ? value->record.v : 0);
    sti_writer_kv_str(w, "latest_period", value ? value->period_text : NULL);
    sti_writer_str(w, "approved");
    value ? sti_writer_bool(w, s_is_approved(self, &value->period)) : sti_writer_nil(w);
    s_write_opt(w, "target", target != NULL, target ? target->value : 0);
    sti_writer_str(w, "target_year");
    target ? sti_writer_int(w, target->year) : sti_writer_nil(w);
    s_write_opt(w, "completion", progress.has_completion, progress.completion);
    s_write_opt(w, "expected_completion", progress.has_expected, progress.expected_completion);
    sti_writer_kv_str(w, "status", sti_status_name(progress.status));
    s_write_flag(self, group, latest, w);
    indicators_forecast_t forecast;
    indicators_forecast_compute(self->table, catalog, group, &forecast);
    indicators_forecast_write_pairs(&forecast, w);
}

//  Reads year (default: this year, capped to the plan's end) and org
//  (default: the root) of a progress.report. Returns 0, or -1 after replying.
static int s_progress_args(const sti_call_t *call, const sti_catalog_t *catalog, int64_t *year,
                           const sti_org_unit_t **org)
{
    char code[STI_CODE_MAX] = "";
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    *year = tm.tm_year + 1900;
    if (plan && *year > plan->end_year) {
        *year = plan->end_year;
    }
    sti_field_error_t err;
    sti_node_t given = sti_node_get(call->request->body, "year");
    if (!sti_node_is_missing(given)) {
        sti_node_int(given, year, &err);
    }
    if (indicators_body_str(call, "org", code, sizeof code)) {
        return -1;
    }
    *org = code[0] ? sti_catalog_org_find(catalog, code) : sti_catalog_org_root(catalog);
    if (!*org) {
        s_not_found(call, "org unit", code);
        return -1;
    }
    return 0;
}

static int s_progress_report(void *object, const sti_call_t *call)
{
    indicators_query_t *self = (indicators_query_t *)object;
    const sti_catalog_t *catalog;
    int64_t year;
    const sti_org_unit_t *org;
    if (!(catalog = indicators_catalog_read(self->catalog, call)) ||
        s_progress_args(call, catalog, &year, &org)) {
        return 0;
    }
    size_t count = sti_catalog_indicator_count(catalog);
    const sti_indicator_t **indicators =
        (const sti_indicator_t **)malloc((count ? count : 1) * sizeof *indicators);
    assert(indicators);
    for (size_t i = 0; i < count; i++) {
        indicators[i] = sti_catalog_indicator_at(catalog, i);
    }
    indicators_table_reset(self->table);
    int rc = indicators_store_read_hashes(self->store, self->table, indicators, count, org);
    free(indicators);
    bool only = false;
    sti_field_error_t ferr;
    if (!sti_node_is_missing(sti_node_get(call->request->body, "approved"))) {
        sti_map_bool(call->request->body, "approved", &only, &ferr); // checked by the frame
    }
    if (rc || s_read_approved(self, org, only)) {
        return indicators_reply_unavailable(call, indicators_store_errstr(self->store));
    }
    sti_writer_t *reply = call->reply;
    sti_envelope_reply_ok(reply, call->request->id);
    sti_writer_map(reply, 6);
    sti_writer_kv_int(reply, "year", year);
    sti_writer_kv_bool(reply, "approved_only", only);
    sti_writer_kv_str(reply, "org", org->code);
    sti_writer_kv_str(reply, "org_name_zh", org->name_zh);
    sti_writer_kv_str(reply, "org_name_en", org->name_en);
    sti_writer_str(reply, "indicators");
    sti_writer_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        int group = indicators_table_group(self->table, sti_catalog_indicator_at(catalog, i), org);
        s_write_progress(self, catalog, indicators_table_group_at(self->table, group), (int)year,
                         reply);
    }
    return 0;
}

//  --- snapshot.get ---

static int s_snapshot_get(void *object, const sti_call_t *call)
{
    indicators_query_t *self = (indicators_query_t *)object;
    char after[S_CURSOR_MAX];
    int64_t limit = S_SNAPSHOT_LIMIT;
    sti_field_error_t err;
    sti_node_t given = sti_node_get(call->request->body, "limit");
    if (!sti_node_is_missing(given)) {
        sti_node_int(given, &limit, &err);
    }
    if (indicators_body_str(call, "after", after, sizeof after)) {
        return 0;
    }
    indicators_snapshot_page_t page;
    if (indicators_store_snapshot(self->store, after, limit, &page)) {
        return indicators_reply_unavailable(call, indicators_store_errstr(self->store));
    }
    sti_writer_t *w = call->reply;
    sti_envelope_reply_ok(w, call->request->id);
    sti_writer_map(w, 3);
    sti_writer_str(w, "seq");
    sti_writer_uint(w, page.seq);
    sti_writer_str(w, "values");
    sti_writer_array(w, page.count);
    for (size_t i = 0; i < page.count; i++) {
        const indicators_snapshot_value_t *value = &page.values[i];
        sti_writer_map(w, 5);
        sti_writer_str(w, "indicator");
        sti_writer_strn(w, value->indicator, value->indicator_len);
        sti_writer_str(w, "org");
        sti_writer_strn(w, value->org, value->org_len);
        sti_writer_str(w, "period");
        sti_writer_strn(w, value->period, value->period_len);
        s_write_opt(w, "value", value->record.has_v, value->record.v);
        sti_writer_kv_int(w, "revision", value->record.rev);
    }
    sti_writer_str(w, "next");
    page.next ? sti_writer_strn(w, page.next, page.next_len) : sti_writer_nil(w);
    return 0;
}

//  --- events.since ---

//  The `ind` stream's log, as sti_events serves it to every publisher.
static int s_events_since(void *object, const sti_call_t *call)
{
    (void)object;
    sti_events_since_reply(sti_service_redis(call->service), "ind", call->request, call->reply);
    return 0;
}

//  --- the declarations ---

static const sti_arg_t s_series_body[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the indicator's code"},
    {"org", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the org unit's code"},
    {"from", STI_ARG_STR, STI_OPTIONAL, 4, STI_PERIOD_TEXT_MAX - 1, NULL,
     "only periods that begin at or after the start of this one (2021, 2021Q3, 2021-07)"},
    {"to", STI_ARG_STR, STI_OPTIONAL, 4, STI_PERIOD_TEXT_MAX - 1, NULL,
     "only periods that end at or before the end of this one"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, 100000, NULL,
     "the newest points at most (after from and to)"},
    {"revisions", STI_ARG_INT, STI_OPTIONAL, 0, 1000, NULL,
     "revisions of each point at most, the newest (0: none; default: all kept)"},
    STI_ARGS_END,
};

static const sti_arg_t s_progress_body[] = {
    {"year", STI_ARG_INT, STI_OPTIONAL, STI_PERIOD_MIN_YEAR, STI_PERIOD_MAX_YEAR, NULL,
     "the year to report (default: this year, at most the plan's end year)"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL,
     "the org unit (default: the root, the district)"},
    {"approved", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL,
     "true: approved figures only (default false: all, each row saying whether its latest is)"},
    STI_ARGS_END,
};

static const sti_arg_t s_snapshot_body[] = {
    {"after", STI_ARG_STR, STI_OPTIONAL, 0, S_CURSOR_MAX - 1, NULL,
     "the cursor `next` of the page before (default: from the start)"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, S_SNAPSHOT_MAX, NULL,
     "hashes `<indicator>:<org>` of the page at most (default 100)"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"series.get", s_series_get, STI_ROLES_ANY, s_series_body,
     "the stored periods of one indicator at one org unit, with their revisions",
     "{indicator, org, unit, points: [{period, value, revision, origin, time, source, submitter, "
     "reason, revisions: [{revision, value, origin, time, source, submitter, reason}]}]}",
     "Points are ordered by period (`2023-12` < `2023Q4` < `2023`), revisions oldest first (at "
     "most the last 1,000 of a point). `origin` is `reported`, `aggregated` (the sum of the "
     "children), `derived` (the formula) or, for a revision, `withdrawn` (value.withdraw: "
     "`reason` says why; nil for the others). `value` is a MessagePack float, nil when a derived "
     "value has no value (an input missing, a division by zero). `time`, `source` and "
     "`submitter` are those of the intake entry that caused the revision. `from` and `to` "
     "keep the periods within (`from: 2023, to: 2023`: the year, its quarters and months), "
     "`limit` the newest of those, `revisions` the newest revisions of each. Errors: "
     "`not_found` (no plan is loaded, no such indicator or org unit), `invalid_argument` (a "
     "period that does not parse)."},
    {"progress.report", s_progress_report, STI_ROLES_ANY, s_progress_body,
     "the plan's progress in a year at an org unit, indicator by indicator",
     "{year, approved_only, org, org_name_zh, org_name_en, indicators: [{code, name_zh, name_en, "
     "unit, direction, baseline, baseline_period, latest, latest_period, approved, target, "
     "target_year, "
     "completion, expected_completion, status, flag, forecast_year, forecast_class, projection, "
     "score, method, rate, required_rate}]}",
     "For each indicator of the catalog, in catalog order: the latest value of a period ending "
     "in or before the year (whole years only for a flow indicator), and progress as "
     "docs/data-path.md defines it. At the root org unit the baseline is the plan's and the "
     "targets the district's; at another org unit the targets are its own (target.set with "
     "`org`) and the baseline its own value of the indicator's baseline period; without them "
     "`baseline`, `target` are nil and the status is `no_target`. `flag` says why the latest "
     "value looks wrong (more than `warn_factor` times above or below the value of the period "
     "before it of the same kind), else nil. `completion` is nil "
     "for `no_data` and `no_target`; `expected_completion` nil for `no_target`. `status` is one "
     "of `achieved`, `on_track`, `lagging`, `at_risk`, `no_data`, `no_target`. `forecast_year` to "
     "`required_rate` are the indicator's forecast at the plan's end as forecast.report gives "
     "it ([forecast.md](forecast.md)), whatever the year asked. `approved` says whether the "
     "org unit's figures of `latest_period` are approved (approval.approve; nil without a "
     "latest); with `approved: true` in the request (`approved_only` in the reply) only the "
     "periods approved count, for progress and forecast alike ([signoff.md](signoff.md)). "
     "Numbers are "
     "MessagePack floats. Errors: `not_found` (no plan is loaded, no such org unit)."},
    {"snapshot.get", s_snapshot_get, STI_ROLES_ANY, s_snapshot_body,
     "a page of every stored value, to start a copy that events.since then keeps up",
     "{seq, values: [{indicator, org, period, value, revision}], next (cursor or nil)}",
     "Pages through every stored value, by hash `<indicator>:<org>` in byte order: a page holds "
     "every period of at most `limit` hashes; `next` is the cursor to pass as `after` for the "
     "next page, nil on the last. `seq` is the `ind` event sequence read before the values, so "
     "every value changed after it has an event with a greater seq: a subscriber applies "
     "`events.since {seq}` on top of the snapshot (events carry the revision, so one already in "
     "the snapshot is recognised). Values are MessagePack floats."},
    {"events.since", s_events_since, STI_ROLES_ANY, sti_events_since_args,
     "the events of the `ind` stream after a seq, from its log",
     "{events: [map...], upto, first, latest, epoch, epoch_start}",
     "As [events.md](events.md) documents it (`sti_events_since_reply`), for the stream `ind` "
     "only: `invalid_argument` for another stream."},
    STI_OPS_END,
};

const sti_op_table_t indicators_query_ops = {"indicators_query", s_ops};
