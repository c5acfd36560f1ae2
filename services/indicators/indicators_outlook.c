/*  indicators_outlook: forecast.report. See the header.

    The hashes of one org unit are read at a time (one pipelined round trip
    each) into a reused table, so memory is bounded by one org unit's
    values, not the whole plan's.
*/
#include "indicators_outlook.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_catalog.h"
#include "indicators_forecast.h"

struct _indicators_outlook_t {
    indicators_store_t *store;    // borrowed: the values
    sti_catalog_store_t *catalog; // borrowed
    indicators_table_t *table;    // values of the request, reused
};

indicators_outlook_t *indicators_outlook_new(indicators_store_t *store,
                                             sti_catalog_store_t *catalog)
{
    assert(store && catalog);
    indicators_outlook_t *self = (indicators_outlook_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    self->table = indicators_table_new();
    return self;
}

void indicators_outlook_destroy(indicators_outlook_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        indicators_table_destroy(&(*self_p)->table);
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

//  Writes the rows of org (count of them) after reading their hashes.
//  Returns 0, or -1 when Redis failed.
static int s_org_rows(indicators_outlook_t *self, const sti_catalog_t *catalog,
                      const sti_org_unit_t *org, const sti_indicator_t **indicators, size_t count,
                      sti_writer_t *w)
{
    indicators_table_reset(self->table);
    if (count && indicators_store_read_hashes(self->store, self->table, indicators, count, org)) {
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        int at = indicators_table_group(self->table, indicators[i], org);
        const indicators_group_t *group = indicators_table_group_at(self->table, at);
        indicators_forecast_t f;
        indicators_forecast_compute(self->table, catalog, group, &f);
        s_write_row(self->table, group, &f, w);
    }
    return 0;
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
    size_t orgs = org ? 1 : sti_catalog_org_count(catalog), total = 0;
    size_t cap = sti_catalog_indicator_count(catalog) + 1;
    const sti_indicator_t **list = (const sti_indicator_t **)malloc(cap * sizeof *list);
    assert(list);
    for (size_t o = 0; o < orgs; o++) {
        total += s_indicators(catalog, only, org ? org : sti_catalog_org_at(catalog, o),
                              org != NULL, list);
    }
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    sti_writer_t *w = call->reply;
    sti_envelope_reply_ok(w, call->request->id);
    sti_writer_map(w, 2);
    sti_writer_str(w, "year");
    plan ? sti_writer_int(w, plan->end_year) : sti_writer_nil(w);
    sti_writer_str(w, "forecasts");
    sti_writer_array(w, total);
    int rc = 0;
    for (size_t o = 0; o < orgs && rc == 0; o++) {
        const sti_org_unit_t *at = org ? org : sti_catalog_org_at(catalog, o);
        rc = s_org_rows(self, catalog, at, list, s_indicators(catalog, only, at, org != NULL, list),
                        w);
    }
    free(list);
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
