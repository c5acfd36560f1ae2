/*  indicators_forecast: projections of hashes. See the header.

    The latest value is the one progress would use for the plan's end year
    (indicators_table_progress), so progress and forecast never disagree on
    which figure is the latest.
*/
#include "indicators_forecast.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Whether indicator's unit counts ranks (a linear trend).
static bool s_rank(const sti_catalog_t *catalog, const sti_indicator_t *indicator)
{
    const sti_unit_t *unit = sti_units_find(sti_catalog_units(catalog), indicator->unit);
    return unit && strcmp(unit->family, "rank") == 0;
}

void indicators_forecast_compute(indicators_table_t *table, const sti_catalog_t *catalog,
                                 const indicators_group_t *group, indicators_forecast_t *out)
{
    assert(table && catalog && group && out);
    memset(out, 0, sizeof *out);
    const sti_indicator_t *ind;
    const sti_org_unit_t *org;
    indicators_table_records(table, catalog, group, &ind, &org);
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    out->end_year = plan ? plan->end_year : 0;
    sti_progress_t progress;
    indicators_table_progress(table, catalog, group, out->end_year, STI_PROGRESS_TOLERANCE,
                              &progress, &out->latest);
    out->target = sti_catalog_final_target(catalog, ind, org);
    bool root = !org->parent[0];
    int base = root ? -1 : indicators_table_at_period(table, group, &ind->baseline_period);
    out->has_baseline = ind->has_baseline && (root || base >= 0);
    out->baseline = root        ? ind->baseline_value
                    : base >= 0 ? indicators_table_value_at(table, base)->record.v
                                : 0;
    if (out->has_baseline) {
        sti_period_format(&ind->baseline_period, out->baseline_period, sizeof out->baseline_period);
    }
    const indicators_value_t *latest =
        out->latest >= 0 ? indicators_table_value_at(table, out->latest) : NULL;
    sti_forecast_input_t input = {
        .direction = ind->direction,
        .linear = s_rank(catalog, ind),
        .has_baseline = out->has_baseline,
        .baseline_time = sti_forecast_time(&ind->baseline_period),
        .baseline = out->baseline,
        .has_latest = latest != NULL,
        .latest_time = latest ? sti_forecast_time(&latest->period) : 0,
        .latest = latest ? latest->record.v : 0,
        .has_target = out->target != NULL,
        .target = out->target ? out->target->value : 0,
        .end_time = out->end_year,
    };
    sti_forecast_compute(&input, &out->forecast);
}

static void s_write_opt(sti_writer_t *w, const char *key, bool has, double value)
{
    sti_writer_str(w, key);
    has ? sti_writer_double(w, value) : sti_writer_nil(w);
}

void indicators_forecast_write_pairs(const indicators_forecast_t *f, sti_writer_t *w)
{
    const sti_forecast_t *fc = &f->forecast;
    sti_writer_str(w, "forecast_year");
    f->end_year ? sti_writer_int(w, f->end_year) : sti_writer_nil(w);
    sti_writer_kv_str(w, "forecast_class", sti_forecast_class_name(fc->outcome));
    s_write_opt(w, "projection", fc->has_projection, fc->projection);
    s_write_opt(w, "score", fc->has_score, fc->score);
    sti_writer_kv_str(w, "method", fc->has_rate ? sti_forecast_method_name(fc->method) : NULL);
    s_write_opt(w, "rate", fc->has_rate, fc->rate);
    s_write_opt(w, "required_rate", fc->has_required, fc->required);
}

void indicators_forecast_write_figures(indicators_table_t *table, const indicators_forecast_t *f,
                                       const char *latest_key, const char *period_key,
                                       sti_writer_t *w)
{
    const indicators_value_t *latest =
        f->latest >= 0 ? indicators_table_value_at(table, f->latest) : NULL;
    s_write_opt(w, "baseline", f->has_baseline, f->baseline);
    sti_writer_kv_str(w, "baseline_period", f->has_baseline ? f->baseline_period : NULL);
    s_write_opt(w, latest_key, latest != NULL, latest ? latest->record.v : 0);
    sti_writer_kv_str(w, period_key, latest ? latest->period_text : NULL);
    s_write_opt(w, "target", f->target != NULL, f->target ? f->target->value : 0);
    sti_writer_str(w, "target_year");
    f->target ? sti_writer_int(w, f->target->year) : sti_writer_nil(w);
}

void indicators_forecast_write_event(indicators_table_t *table, const indicators_group_t *group,
                                     sti_forecast_class_t before,
                                     const indicators_forecast_t *after, const char *cause,
                                     const char *by, sti_writer_t *w)
{
    assert(table && group && after && cause && w);
    char year[16];
    snprintf(year, sizeof year, "%d", after->end_year);
    sti_writer_map(w, 19);
    sti_writer_kv_str(w, "indicator", group->indicator->code);
    sti_writer_kv_str(w, "org", group->org->code);
    sti_writer_kv_str(w, "year", year);
    sti_writer_kv_str(w, "unit", group->indicator->unit);
    indicators_forecast_write_figures(table, after, "value", "period", w);
    sti_writer_kv_str(w, "class_before", sti_forecast_class_name(before));
    sti_writer_kv_str(w, "class_after", sti_forecast_class_name(after->forecast.outcome));
    const sti_forecast_t *fc = &after->forecast;
    s_write_opt(w, "projection", fc->has_projection, fc->projection);
    s_write_opt(w, "score", fc->has_score, fc->score);
    sti_writer_kv_str(w, "method", fc->has_rate ? sti_forecast_method_name(fc->method) : NULL);
    s_write_opt(w, "rate", fc->has_rate, fc->rate);
    s_write_opt(w, "required_rate", fc->has_required, fc->required);
    sti_writer_kv_str(w, "cause", cause);
    sti_writer_kv_str(w, "by", by);
}
