/*  sti_catalog_store: the catalog as it is kept in Redis, and a cached copy.

    The plan (as loaded by plan.load) is one MessagePack value under
    <ns>:plan; org units added by operators are a hash <ns>:orgs (code ->
    {parent, name_zh, name_en}); targets are a hash <ns>:targets
    ("<indicator>:<year>" -> value); <ns>:catalog:version grows with every
    change of the three. Each change is one Lua call that also bumps the
    version (catalog_put.lua), and the catalog is read in one Lua call
    (catalog_read.lua), so a reader never sees half a change.

    A store keeps the catalog it read last and reads it again only when the
    version in Redis differs: one GET per sti_catalog_store_get. The store
    borrows the Redis connection.
*/
#pragma once
#include <stdint.h>

#include "sti_catalog.h"
#include "sti_envelope.h"
#include "sti_redis.h"

typedef struct _sti_catalog_store_t sti_catalog_store_t;

sti_catalog_store_t *sti_catalog_store_new(sti_redis_t *redis);
void sti_catalog_store_destroy(sti_catalog_store_t **self_p);

//  The current catalog (borrowed: valid until the next call on the store),
//  read again when the version in Redis changed. Returns NULL with *code and
//  err set: unavailable when Redis fails, not_found when no plan is loaded,
//  internal when what Redis holds does not decode.
const sti_catalog_t *sti_catalog_store_get(sti_catalog_store_t *self, sti_errcode_t *code,
                                           char *err, size_t errlen);
//  The version of the catalog last returned by sti_catalog_store_get.
uint64_t sti_catalog_store_version(sti_catalog_store_t *self);

//  Stores a plan (org units beyond the root and targets are not taken from
//  it). Loading an equal plan again changes nothing; a plan with another code
//  than the one the namespace holds is a conflict. Returns STI_ERR_NONE and
//  sets *changed, or an error code with err set.
sti_errcode_t sti_catalog_store_put_plan(sti_catalog_store_t *self, const sti_catalog_t *plan,
                                         bool *changed, char *err, size_t errlen);
//  Adds an org unit after checking it against the current catalog (parent
//  exists, code well formed). Adding an equal one again changes nothing; one
//  with the same code and other data is a conflict.
sti_errcode_t sti_catalog_store_add_org(sti_catalog_store_t *self, const char *org,
                                        const char *parent, const char *name_zh,
                                        const char *name_en, bool *changed, char *err,
                                        size_t errlen);
//  Sets the target of an indicator for a year after checking it against the
//  current catalog (indicator known, year within 2000–2100, value allowed
//  by the unit).
sti_errcode_t sti_catalog_store_set_target(sti_catalog_store_t *self, const char *indicator,
                                           int year, double value, bool *changed, char *err,
                                           size_t errlen);
