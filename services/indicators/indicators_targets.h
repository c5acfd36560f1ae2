/*  indicators_targets: the ops over targets: target.set, target.remove,
    target.list (docs/ops.md is made from their declarations here).

    A target belongs to an indicator at an org unit for a year: the root's
    (the district's) are the plan's own, any other org unit's are its share
    of the plan (sti_catalog.h). A change of a target changes progress
    without changing a value, so each change goes out with its
    progress.changed events in the same Lua call (indicators_progress,
    sti_catalog_store_put_target); a change computed from a catalog that
    changed meanwhile is computed again.
*/
#pragma once
#include "indicators_progress.h"
#include "sti_catalog_store.h"
#include "sti_events.h"
#include "sti_service.h"

typedef struct _indicators_targets_t indicators_targets_t;

//  All borrowed. maxlen: the approximate bound of the `ind` event log.
indicators_targets_t *indicators_targets_new(sti_catalog_store_t *store,
                                             indicators_progress_t *progress, sti_events_pub_t *pub,
                                             int64_t maxlen);
void indicators_targets_destroy(indicators_targets_t **self_p);

//  The ops, bound to an indicators_targets_t.
extern const sti_op_table_t indicators_targets_ops;
