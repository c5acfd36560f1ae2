/*  indicators_orgs: the ops over org units: org.list, org.add, org.rename,
    org.retire (docs/ops.md is made from their declarations here).

    Org units are kept by code, so values, targets and history stay with a
    unit whatever it is called: a rename changes its names (the names
    before are kept, newest first, in former_names), and retiring it stops
    new values and targets (sti-ingest refuses rows for it, naming the
    unit) while everything it had stays readable under it. Retiring can be
    undone. Each change is one Lua call of the catalog store, with its
    `org.changed` event (docs/events.md) appended in the same call.
*/
#pragma once
#include "sti_catalog_store.h"
#include "sti_events.h"
#include "sti_service.h"

typedef struct _indicators_orgs_t indicators_orgs_t;

#define INDICATORS_ORG_EVENT_TYPE "org.changed" // the events' type

//  Both borrowed. maxlen: the approximate bound of the `ind` event log.
indicators_orgs_t *indicators_orgs_new(sti_catalog_store_t *store, sti_events_pub_t *pub,
                                       int64_t maxlen);
void indicators_orgs_destroy(indicators_orgs_t **self_p);

//  The ops, bound to an indicators_orgs_t.
extern const sti_op_table_t indicators_orgs_ops;
