/*  indicators_moved: when progress has moved, and the data of the
    progress.changed event that says so (docs/events.md); no I/O.

    Progress moves without a value of its own year changing: a target set
    or removed, a plan loaded (indicators_progress), or a value of an
    earlier year, which later years with no value of their own are measured
    at (indicators_batch). Both write their events here, so they read the
    same.
*/
#pragma once
#include <stdbool.h>

#include "indicators_values.h"
#include "sti_codec.h"

#define INDICATORS_PROGRESS_EVENT_TYPE "progress.changed" // the events' type

//  The years whose progress is compared: the plan's, from its start to
//  this year (UTC), at most its end, and at most span of them (the last
//  ones). None when *last < *first.
void indicators_moved_years(const sti_catalog_t *catalog, int span, int *first, int *last);

//  Whether two results differ in status, completion or expected completion
//  (by more than rounding).
bool indicators_moved(const sti_progress_t *a, const sti_progress_t *b);

//  Writes to w the data map of the progress.changed event of group at year:
//  latest is the table's index of the value progress is measured at (or
//  -1), cause ("target.set", "target.remove", "plan.load", "value") and by
//  (who) go into it. The target is looked up by code in catalog (the group
//  may come from the catalog before the change).
void indicators_moved_write(sti_writer_t *w, indicators_table_t *table,
                            const sti_catalog_t *catalog, const indicators_group_t *group, int year,
                            int latest, const sti_progress_t *before, const sti_progress_t *after,
                            const char *cause, const char *by);
