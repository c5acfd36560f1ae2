/*  indicators_query: the ops that read values and events: series.get,
    progress.report, snapshot.get, events.since (docs/ops.md is made from
    their declarations here).

    They read what the applier wrote through indicators_store and the `ind`
    event log through sti_events, and never write. Each handler writes a
    whole reply and returns 0.
*/
#pragma once
#include "indicators_approval_store.h"
#include "indicators_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _indicators_query_t indicators_query_t;

//  All arguments are borrowed. tolerance: of `lagging`.
indicators_query_t *indicators_query_new(indicators_store_t *store, sti_catalog_store_t *catalog,
                                         double tolerance);
void indicators_query_destroy(indicators_query_t **self_p);
//  Sets how far a latest value may be from the one before it before
//  progress.report flags it (default 10; 1 or less: never).
void indicators_query_set_warn_factor(indicators_query_t *self, double factor);
//  Sets where progress.report reads which periods are approved (borrowed;
//  without it every value reads as not approved).
void indicators_query_set_approvals(indicators_query_t *self, indicators_approval_store_t *store);

//  The ops, bound to an indicators_query_t.
extern const sti_op_table_t indicators_query_ops;
