/*  indicators_forecast: where each indicator will land at the plan's end
    (docs/forecast.md), from the values a table holds; no I/O (the op
    forecast.report is indicators_outlook).

    For a hash (indicator, org) the projection runs from the baseline (at
    the root the plan's, elsewhere the org unit's own value of the baseline
    period, as progress measures it) to the latest value of a period ending
    in or before the plan's end year (whole years only for a flow
    indicator), towards the org unit's final target, by sti_forecast; an
    indicator whose unit is of the family `rank` takes the linear trend.
    The plan's end year is the catalog's (sti_plan_t.end_year).

    The same fields go into progress.report's rows, into forecast.report's
    and into the data of an `indicator.forecast_changed` event
    (docs/events.md), written here so they read the same everywhere.
*/
#pragma once
#include <stdbool.h>

#include "indicators_values.h"
#include "sti_codec.h"
#include "sti_forecast.h"

#define INDICATORS_FORECAST_EVENT_TYPE "indicator.forecast_changed" // the events' type

//  The forecast of one hash and what it was computed from.
typedef struct {
    sti_forecast_t forecast;    // the projection and its class
    int end_year;               // T, the plan's end year (0 without a plan)
    int latest;                 // index of the latest value in the table, or -1
    bool has_baseline;          // whether v0 is known
    double baseline;            // v0
    char baseline_period[16];   // its period ("" when none)
    const sti_target_t *target; // the final target at the org unit (borrowed), or NULL
} indicators_forecast_t;

//  Computes the forecast of group as table holds it now, under catalog
//  (the group's indicator and org unit are found by code, so the group may
//  come from another copy of it).
void indicators_forecast_compute(indicators_table_t *table, const sti_catalog_t *catalog,
                                 const indicators_group_t *group, indicators_forecast_t *out);

//  Writes the forecast's pairs of a row, INDICATORS_FORECAST_PAIRS of
//  them: forecast_year, forecast_class, projection, score, method, rate,
//  required_rate. Part of a map the caller opened.
#define INDICATORS_FORECAST_PAIRS 7
void indicators_forecast_write_pairs(const indicators_forecast_t *f, sti_writer_t *w);

//  Writes the data map of an indicator.forecast_changed event of group:
//  the class went from before to after; cause ("value", ...) and by (who).
void indicators_forecast_write_event(indicators_table_t *table, const indicators_group_t *group,
                                     sti_forecast_class_t before,
                                     const indicators_forecast_t *after, const char *cause,
                                     const char *by, sti_writer_t *w);
//  Writes baseline, baseline_period, latest (as latest_key), latest_period
//  (as period_key), target, target_year: 6 pairs of a map the caller opened.
void indicators_forecast_write_figures(indicators_table_t *table, const indicators_forecast_t *f,
                                       const char *latest_key, const char *period_key,
                                       sti_writer_t *w);
