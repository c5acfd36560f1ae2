/*  indicators_catalog: the ops over the catalog: catalog.list, catalog.get,
    plan.load (docs/ops.md is made from their declarations here; org units'
    are in indicators_orgs, targets' in indicators_targets).

    The catalog lives in Redis (sti_catalog_store); every op reads it
    through the store's cached copy, and every change goes through the
    store's Lua calls, so all replicas and sti-ingest see it at once. The
    first plan load into an empty Redis makes the dataset
    (indicators_dataset). A plan load that changes progress (a baseline, a
    direction, a formula) sends progress.changed events for it, computed
    from the catalog before and after; they are appended right after the
    plan is stored (not in the same step: only after it is stored is the
    catalog after known whole). Each handler writes a whole reply (ok or
    error) and returns 0.

    Two helpers every handler module of the service uses live here too:
    the catalog a call reads, and a string of a checked body.
*/
#pragma once
#include "indicators_dataset.h"
#include "indicators_progress.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _indicators_catalog_t indicators_catalog_t;

//  All borrowed. progress and pub: the progress.changed events of a plan
//  load that moves progress.
indicators_catalog_t *indicators_catalog_new(sti_catalog_store_t *store,
                                             indicators_dataset_t *dataset,
                                             indicators_progress_t *progress,
                                             sti_events_pub_t *pub);
void indicators_catalog_destroy(indicators_catalog_t **self_p);

//  The ops, bound to an indicators_catalog_t.
extern const sti_op_table_t indicators_catalog_ops;

//  The current catalog (borrowed from store), or NULL after writing the
//  error reply to call (not_found: no plan is loaded; unavailable).
const sti_catalog_t *indicators_catalog_read(sti_catalog_store_t *store, const sti_call_t *call);
//  The org unit code names in catalog, or NULL after answering not_found
//  ("org: 'X' is not an org unit", field org).
const sti_org_unit_t *indicators_org_or_fail(const sti_call_t *call, const sti_catalog_t *catalog,
                                             const char *code);
//  Copies the string key of the call's body, which the frame checked
//  against its declaration (so it fits buf when declared so), into buf; ""
//  when the body has none. Returns 0, or -1 after writing an
//  invalid_argument reply (a NUL byte, which no declaration refuses).
int indicators_body_str(const sti_call_t *call, const char *key, char *buf, size_t cap);
//  Answers the call with an error of code: message, and one detail
//  {index -1, field, message} when field is not NULL. Returns 0 (answered).
int indicators_reply_fail(const sti_call_t *call, sti_errcode_t code, const char *field,
                          const char *message);
//  Drops what the reply holds so far and answers unavailable: "Redis cannot
//  be read now: WHY". Returns 0 (answered).
int indicators_reply_unavailable(const sti_call_t *call, const char *why);
