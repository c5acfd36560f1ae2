/*  indicators_outlook: forecast.report. See the header.

    A forecast needs two values of a hash: the latest of a period ending in
    or before the plan's end year that has a value (whole years only for a
    flow indicator), and at an org unit that is not the root its own value
    of the baseline period. So the reply is read in two round trips for
    every org unit and indicator together (indicators_fields_store): which
    periods each hash holds (HKEYS), then the values of the latest such
    period and of the baseline period (HMGET). Only when the latest period
    holds no value (withdrawn) are the hash's other periods of the plan
    read, in a third round trip: the table then holds every period that
    could be the latest, as progress reads it whole, so both find the same.
    Memory grows with the rows, and the periods' names, not with the values.
*/
#include "indicators_outlook.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_catalog.h"
#include "indicators_fields_store.h"
#include "indicators_forecast.h"

struct _indicators_outlook_t {
    indicators_store_t *store;        // borrowed: the values
    sti_catalog_store_t *catalog;     // borrowed
    indicators_table_t *table;        // values of the request, reused
    indicators_fields_store_t *reads; // the reads of the fields needed
};

//  The rows of one request and the periods read for them.
typedef struct {
    const sti_catalog_t *catalog; // borrowed
    int end_year;                 // the plan's end year
    indicators_store_ask_t *rows; // one per row: (indicator, org), in reply order
    size_t count;                 // rows
    sti_period_t *candidates;     // every period of every row that may be its latest
    size_t candidate_count, cap;  // in use, room
    size_t *first;                // per row: where its candidates start
    size_t *held;                 // per row: how many
    sti_period_t *reads;          // per row: the latest candidate and the baseline period
    size_t *read_count;           // per row: how many of those two
} s_request_t;

indicators_outlook_t *indicators_outlook_new(indicators_store_t *store,
                                             sti_catalog_store_t *catalog)
{
    assert(store && catalog);
    indicators_outlook_t *self = (indicators_outlook_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    self->table = indicators_table_new();
    self->reads = indicators_fields_store_new(store);
    return self;
}

void indicators_outlook_destroy(indicators_outlook_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        indicators_table_destroy(&(*self_p)->table);
        indicators_fields_store_destroy(&(*self_p)->reads);
        free(*self_p);
        *self_p = NULL;
    }
}

//  Writes one row of the reply.
static void s_write_row(indicators_table_t *table, const indicators_group_t *group,
                        const indicators_forecast_t *f, sti_writer_t *w)
{
    const sti_indicator_t *ind = group->indicator;
    sti_writer_map(w, 8 + 6 + INDICATORS_FORECAST_PAIRS);
    sti_writer_kv_str(w, "indicator", ind->code);
    sti_writer_kv_str(w, "name_zh", ind->name_zh);
    sti_writer_kv_str(w, "name_en", ind->name_en);
    sti_writer_kv_str(w, "org", group->org->code);
    sti_writer_kv_str(w, "org_name_zh", group->org->name_zh);
    sti_writer_kv_str(w, "org_name_en", group->org->name_en);
    sti_writer_kv_str(w, "unit", ind->unit);
    sti_writer_kv_str(w, "direction", sti_direction_name(ind->direction));
    indicators_forecast_write_figures(table, f, "latest", "latest_period", w);
    indicators_forecast_write_pairs(f, w);
}

//  Collects the indicators of one org unit the request covers: the one
//  asked (with or without a target when org was asked too), else those
//  with a final target there. Returns how many (in out, cap at least the
//  catalog's count).
static size_t s_indicators(const sti_catalog_t *catalog, const sti_indicator_t *only,
                           const sti_org_unit_t *org, bool org_asked, const sti_indicator_t **out)
{
    size_t n = 0;
    for (size_t i = 0; i < sti_catalog_indicator_count(catalog); i++) {
        const sti_indicator_t *ind = sti_catalog_indicator_at(catalog, i);
        if ((!only || ind == only) &&
            ((only && org_asked) || sti_catalog_final_target(catalog, ind, org) != NULL)) {
            out[n++] = ind;
        }
    }
    return n;
}

//  Whether period may be the latest of row: it ends in or before the
//  plan's end year, and is a whole year for a flow indicator
//  (indicators_table_progress).
static bool s_candidate(const s_request_t *r, const indicators_store_ask_t *row,
                        const sti_period_t *period)
{
    return period->year <= r->end_year &&
           (row->indicator->kind != STI_KIND_FLOW || period->kind == STI_PERIOD_YEAR);
}

//  The periods a row's hash holds: keeps its candidates, and asks for the
//  latest of them and (not at the root) the baseline period.
static void s_periods(void *arg, size_t at, const sti_period_t *periods, size_t count)
{
    s_request_t *r = (s_request_t *)arg;
    const indicators_store_ask_t *row = &r->rows[at];
    const sti_indicator_t *ind = row->indicator;
    if (r->candidate_count + count > r->cap) {
        r->cap = 2 * (r->candidate_count + count) + 64;
        r->candidates = realloc(r->candidates, r->cap * sizeof *r->candidates);
        assert(r->candidates);
    }
    r->first[at] = r->candidate_count;
    bool base = false;
    int latest = -1;
    for (size_t k = 0; k < count; k++) {
        base = base || sti_period_compare(&periods[k], &ind->baseline_period) == 0;
        if (s_candidate(r, row, &periods[k])) {
            sti_period_t *c = &r->candidates[r->candidate_count++];
            *c = periods[k];
            latest = latest < 0 || sti_period_compare(c, &periods[latest]) > 0 ? (int)k : latest;
        }
    }
    r->held[at] = r->candidate_count - r->first[at];
    sti_period_t *reads = &r->reads[2 * at];
    size_t n = 0;
    if (latest >= 0) {
        reads[n++] = periods[latest];
    }
    if (base && ind->has_baseline && row->org->parent[0]) {
        reads[n++] = ind->baseline_period;
    }
    r->read_count[at] = n;
}

//  Reads what the forecasts of the rows need into the table. Returns 0, or
//  -1 when Redis failed.
static int s_read(indicators_outlook_t *self, s_request_t *r)
{
    indicators_store_ask_t *asks = calloc(r->count + 1, sizeof *asks);
    assert(asks);
    int rc = indicators_fields_store_periods(self->reads, r->rows, r->count, s_periods, r);
    for (size_t i = 0; i < r->count; i++) {
        asks[i] = (indicators_store_ask_t){r->rows[i].indicator, r->rows[i].org, &r->reads[2 * i],
                                           r->read_count[i]};
    }
    rc = rc ? rc : indicators_fields_store_table(self->reads, self->table, asks, r->count);
    //  The rows whose latest period holds no value: every candidate.
    size_t more = 0;
    for (size_t i = 0; i < r->count && rc == 0; i++) {
        const indicators_store_ask_t *row = &r->rows[i];
        int v = r->read_count[i]
                    ? indicators_table_find(self->table, row->indicator, row->org, &r->reads[2 * i])
                    : -1;
        if (r->held[i] > 1 && v >= 0 && !indicators_table_value_at(self->table, v)->record.has_v) {
            asks[more++] = (indicators_store_ask_t){row->indicator, row->org,
                                                    &r->candidates[r->first[i]], r->held[i]};
        }
    }
    rc = rc || !more ? rc : indicators_fields_store_table(self->reads, self->table, asks, more);
    free(asks);
    return rc;
}

//  Writes the rows of the request after reading their values. Returns 0,
//  or -1 when Redis failed (nothing written).
static int s_rows(indicators_outlook_t *self, s_request_t *r, sti_writer_t *w)
{
    indicators_table_reset(self->table);
    r->first = (size_t *)calloc(r->count + 1, sizeof *r->first);
    r->held = (size_t *)calloc(r->count + 1, sizeof *r->held);
    r->reads = (sti_period_t *)calloc(2 * r->count + 1, sizeof *r->reads);
    r->read_count = (size_t *)calloc(r->count + 1, sizeof *r->read_count);
    assert(r->first && r->held && r->reads && r->read_count);
    int rc = s_read(self, r);
    for (size_t i = 0; i < r->count && rc == 0; i++) {
        int at = indicators_table_group(self->table, r->rows[i].indicator, r->rows[i].org);
        const indicators_group_t *group = indicators_table_group_at(self->table, at);
        indicators_forecast_t f;
        indicators_forecast_compute(self->table, r->catalog, group, &f);
        s_write_row(self->table, group, &f, w);
    }
    free(r->first);
    free(r->held);
    free(r->reads);
    free(r->read_count);
    free(r->candidates);
    return rc;
}

//  Reads indicator and org of the request (NULL when not given). Returns 0,
//  or -1 after answering not_found.
static int s_args(const sti_call_t *call, const sti_catalog_t *catalog, const sti_indicator_t **ind,
                  const sti_org_unit_t **org)
{
    char code[STI_CODE_MAX] = "", org_code[STI_CODE_MAX] = "", message[200];
    if (indicators_body_str(call, "indicator", code, sizeof code) ||
        indicators_body_str(call, "org", org_code, sizeof org_code)) {
        return -1;
    }
    *ind = *code ? sti_catalog_indicator_find(catalog, code) : NULL;
    *org = *org_code ? sti_catalog_org_find(catalog, org_code) : NULL;
    if ((*code && !*ind) || (*org_code && !*org)) {
        snprintf(message, sizeof message, "%s '%s' is not in the catalog",
                 *code && !*ind ? "indicator" : "org unit", *code && !*ind ? code : org_code);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, message, NULL,
                                 0);
        return -1;
    }
    return 0;
}

static int s_forecast_report(void *object, const sti_call_t *call)
{
    indicators_outlook_t *self = (indicators_outlook_t *)object;
    const sti_catalog_t *catalog;
    const sti_indicator_t *only;
    const sti_org_unit_t *org;
    if (!(catalog = indicators_catalog_read(self->catalog, call)) ||
        s_args(call, catalog, &only, &org)) {
        return 0;
    }
    size_t orgs = org ? 1 : sti_catalog_org_count(catalog);
    size_t cap = sti_catalog_indicator_count(catalog) + 1;
    const sti_indicator_t **list = (const sti_indicator_t **)malloc(cap * sizeof *list);
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    s_request_t r = {.catalog = catalog, .end_year = plan ? plan->end_year : 0};
    r.rows = (indicators_store_ask_t *)calloc(orgs * cap, sizeof *r.rows);
    assert(list && r.rows);
    for (size_t o = 0; o < orgs; o++) {
        const sti_org_unit_t *at = org ? org : sti_catalog_org_at(catalog, o);
        size_t n = s_indicators(catalog, only, at, org != NULL, list);
        for (size_t i = 0; i < n; i++) {
            r.rows[r.count++] = (indicators_store_ask_t){list[i], at, NULL, 0};
        }
    }
    free(list);
    sti_writer_t *w = call->reply;
    sti_envelope_reply_ok(w, call->request->id);
    sti_writer_map(w, 2);
    sti_writer_str(w, "year");
    plan ? sti_writer_int(w, plan->end_year) : sti_writer_nil(w);
    sti_writer_str(w, "forecasts");
    sti_writer_array(w, r.count);
    int rc = s_rows(self, &r, w);
    free(r.rows);
    return rc ? indicators_reply_unavailable(call, indicators_store_errstr(self->store)) : 0;
}

static const sti_arg_t s_forecast_body[] = {
    {"indicator", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL,
     "only this indicator (default: every indicator with a target)"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL,
     "only this org unit (default: every org unit)"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"forecast.report", s_forecast_report, STI_ROLES_ANY, s_forecast_body,
     "where each indicator will land at the plan's end, and whether that meets its target",
     "{year, forecasts: [{indicator, name_zh, name_en, org, org_name_zh, org_name_en, unit, "
     "direction, baseline, baseline_period, latest, latest_period, target, target_year, "
     "forecast_year, forecast_class, projection, score, method, rate, required_rate}]}",
     "The anticipated-progress method of the UN Statistics Division, as "
     "[forecast.md](forecast.md) defines it: from the baseline (the plan's at the root, the org "
     "unit's own value of the baseline period elsewhere) and the latest value of a period ending "
     "in or before the plan's end year (`year`, the catalog's), the value projected at that year "
     "(`projection`), its `score` against the org unit's final target, and `forecast_class`: "
     "`achieved`, `expected_to_meet` (score >= 0.95), `needs_acceleration` (0.10 to 0.95), "
     "`stagnation_or_regression` (< 0.10), `insufficient_data` (fewer than two values) or "
     "`no_target`. `method` is `cagr` (`rate` and `required_rate` are growth rates a year, "
     "fractions) or `linear` (for ranks and a zero or negative value; the rates are changes a "
     "year in the unit); `required_rate` is what would still reach the target by `year`. One "
     "row for each org unit (root first, in catalog order) and indicator with a final target "
     "there; with both `indicator` and `org`, that row whatever its target. Numbers are "
     "MessagePack floats, nil where not defined. Errors: `not_found` (no plan is loaded, no "
     "such indicator or org unit)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_outlook_ops = {"indicators_outlook", s_ops};
