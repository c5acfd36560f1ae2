/*  indicators_orgs: the ops over org units: org.list, org.add, org.rename,
    org.retire (docs/ops.md is made from their declarations here).

    Org units are kept by code, so values, targets and history stay with a
    unit whatever it is called: a rename changes its names (the names
    before are kept, newest first, in former_names), and retiring it stops
    new values and targets (sti-ingest refuses rows for it, naming the
    unit) while everything it had stays readable under it. Retiring can be
    undone. Each change is one Lua call of the catalog store.
*/
#pragma once
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _indicators_orgs_t indicators_orgs_t;

//  store is borrowed.
indicators_orgs_t *indicators_orgs_new(sti_catalog_store_t *store);
void indicators_orgs_destroy(indicators_orgs_t **self_p);

//  The ops, bound to an indicators_orgs_t.
extern const sti_op_table_t indicators_orgs_ops;
