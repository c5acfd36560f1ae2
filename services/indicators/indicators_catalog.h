/*  indicators_catalog: the ops over the catalog (docs/ops.md): catalog.list,
    catalog.get, org.list, org.add, target.set, plan.load.

    The catalog lives in Redis (sti_catalog_store); every op reads it
    through the store's cached copy, and every change goes through the
    store's Lua calls, so all replicas and sti-ingest see it at once.
    Each handler writes a whole reply (ok or error) and returns 0.
*/
#pragma once
#include "sti_catalog_store.h"
#include "sti_envelope.h"

int indicators_catalog_list(sti_catalog_store_t *store, const sti_request_t *request,
                            sti_writer_t *reply);
int indicators_catalog_get(sti_catalog_store_t *store, const sti_request_t *request,
                           sti_writer_t *reply);
int indicators_org_list(sti_catalog_store_t *store, const sti_request_t *request,
                        sti_writer_t *reply);
int indicators_org_add(sti_catalog_store_t *store, const sti_request_t *request,
                       sti_writer_t *reply);
int indicators_target_set(sti_catalog_store_t *store, const sti_request_t *request,
                          sti_writer_t *reply);
//  dataset: the id of the dataset the plan goes into (the reply names it).
int indicators_plan_load(sti_catalog_store_t *store, const char *dataset,
                         const sti_request_t *request, sti_writer_t *reply);

//  Checks that body is a map holding only keys (NULL-terminated); a missing
//  or nil body counts as an empty map. Returns 0, or -1 after writing an
//  invalid_argument reply.
int indicators_body_check(const sti_request_t *request, const char *const *keys,
                          sti_writer_t *reply);
