/*  indicators_progress: the progress.changed and indicator.forecast_changed
    events of a catalog change (docs/events.md).

    A target set or removed, or a plan loaded, changes progress without
    changing a value, so no indicator.changed event says so. For each
    (indicator, org unit) the change touches, this module reads the values
    (indicators_store), computes the progress of every year of the plan up
    to this year under the catalog before the change and under the catalog
    after it, and writes one event for each year whose status, completion
    or expected completion differs, and one indicator.forecast_changed when
    the class of its forecast (indicators_forecast) differs. The events go out with the change
    itself, in one Lua call (sti_catalog_store_put_target), so none is lost
    and none is sent for a change that did not happen.

    Use: begin (the pairs, read once), before (the catalog as it is),
    change the catalog in memory, after (the catalog as it will be), which
    fills a sti_catalog_events_t whose arrays the module owns until the
    next begin.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "indicators_moved.h"
#include "indicators_store.h"
#include "sti_catalog_store.h"

#define INDICATORS_PROGRESS_PAIRS_MAX 4096 // (indicator, org) pairs of one change

typedef struct _indicators_progress_t indicators_progress_t;

//  store is borrowed; tolerance: of `lagging`.
indicators_progress_t *indicators_progress_new(indicators_store_t *store, double tolerance);
void indicators_progress_destroy(indicators_progress_t **self_p);

//  Starts a change of the pairs (indicators[i], orgs[i]) of catalog
//  (borrowed until after): reads their values. Pairs past
//  INDICATORS_PROGRESS_PAIRS_MAX are left out. Returns 0, or -1 when Redis
//  failed (the reason in indicators_store_errstr).
int indicators_progress_begin(indicators_progress_t *self, const sti_catalog_t *catalog,
                              const sti_indicator_t *const *indicators,
                              const sti_org_unit_t *const *orgs, size_t count);
//  Computes progress and forecasts under catalog as it is before the change.
void indicators_progress_before(indicators_progress_t *self, const sti_catalog_t *catalog);
//  Computes progress under catalog as it is after the change and fills
//  events (topics, subjects, data, sizes, count, types) with one event per
//  pair and year that differs, and one per pair whose forecast class differs; cause ("target.set",
//  "target.remove", "plan.load") and by (who) go into each event's data. Returns the count.
size_t indicators_progress_after(indicators_progress_t *self, const sti_catalog_t *catalog,
                                 const char *cause, const char *by, sti_catalog_events_t *events);
//  How many of the events of the last after are indicator.forecast_changed
//  (the others are progress.changed).
size_t indicators_progress_forecasts(const indicators_progress_t *self);
