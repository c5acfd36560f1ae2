/*  sti_catalog_store: the catalog as it is kept in Redis, and a cached copy.

    The plan (as loaded by plan.load) is one MessagePack value under
    <ns>:plan; org units added by operators are a hash <ns>:orgs (code ->
    {parent, name_zh, name_en}); what changed on an org unit since (a
    rename, retirement) is a hash <ns>:orgs:state (code -> {name_zh,
    name_en, former_names, retired, retired_at, retired_reason}), for the
    root too; targets are a hash <ns>:targets ("<indicator>:<year>" ->
    value for the root, "<indicator>:<year>:<org>" for another org unit);
    <ns>:catalog:version grows with every change of them. Each change is one Lua call that also
   bumps the version (catalog_put.lua), and the catalog is read in one Lua call (catalog_read.lua),
   so a reader never sees half a change. A change may carry events (sti_catalog_events_t): they are
   appended to the event stream in the same Lua call, only when the change changed something, and
   only when the catalog's version is still the one they were computed from, so an event is never
   lost nor sent for a change that did not happen.

    A store keeps the catalog it read last and reads it again only when the
    version in Redis differs: one GET per sti_catalog_store_get (or none, for
    a caller that takes the held catalog and checks the version in a
    pipeline of its own). The store borrows the Redis connection.
*/
#pragma once
#include <stdint.h>

#include "sti_catalog.h"
#include "sti_envelope.h"
#include "sti_events.h"
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
//  The catalog the last sti_catalog_store_get returned, without asking Redis
//  whether it is still current (borrowed as there), or NULL when none is
//  held. For a caller that checks the version itself in a round trip it
//  makes anyway: GET sti_catalog_store_version_key, compared with
//  sti_catalog_store_version; on a difference it calls sti_catalog_store_get.
const sti_catalog_t *sti_catalog_store_held(sti_catalog_store_t *self);
//  The key of the catalog's version in Redis (<ns>:catalog:version).
const char *sti_catalog_store_version_key(sti_catalog_store_t *self);

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

//  Events to append with a change (see above).
typedef struct {
    sti_events_pub_t *pub;                // the stream's publisher: its epoch key and floor
    const char *stream;                   // the stream ("ind")
    int64_t maxlen;                       // the approximate bound of its log
    const char *source;                   // the events' CloudEvents source
    const char *time;                     // their time, RFC 3339
    const char *type;                     // their type
    const char *const *types;             // or, when not NULL, each one's
    uint64_t version;                     // the catalog version they were computed from
    size_t count;                         // how many
    const char *const *topics;            // each one's topic
    const char *const *subjects;          // its subject
    const void *const *data;              // its data map, encoded
    const size_t *sizes;                  // the data's sizes
    uint64_t first;                       // out: the first seq appended (0: none)
    uint64_t last;                        // out: the last
    char epoch[STI_EVENTS_EPOCH_MAX + 1]; // out: the stream's epoch
} sti_catalog_events_t;

//  The cached catalog, to change in memory before a put: the caller checks
//  a change on it (with sti_catalog_*), computes what it needs, then puts
//  the change, which drops the copy (so does sti_catalog_store_drop, for a
//  change the caller gives up). Returns NULL as sti_catalog_store_get does.
sti_catalog_t *sti_catalog_store_edit(sti_catalog_store_t *self, sti_errcode_t *code, char *err,
                                      size_t errlen);
//  The current catalog, handed over (the caller destroys it; the store
//  reads Redis again next time), to compare with what a change makes of
//  it. Returns NULL as sti_catalog_store_get does.
sti_catalog_t *sti_catalog_store_take(sti_catalog_store_t *self, sti_errcode_t *code, char *err,
                                      size_t errlen);
//  Drops the cached catalog: the next get reads Redis.
void sti_catalog_store_drop(sti_catalog_store_t *self);
//  Stores a target of indicator at org (NULL or "": the root) for year, or
//  removes it (value NULL), without a check (the caller made it on
//  sti_catalog_store_edit's copy), with events (may be NULL). Returns
//  STI_ERR_NONE and sets *changed; conflict with "stale: ..." when the
//  catalog's version is no longer events->version (compute them again);
//  unavailable when Redis fails or the event stream's guard refuses.
sti_errcode_t sti_catalog_store_put_target(sti_catalog_store_t *self, const char *indicator,
                                           const char *org, int year, const double *value,
                                           sti_catalog_events_t *events, bool *changed, char *err,
                                           size_t errlen);
//  Stores an org unit's state: names, former names, retirement (checked by
//  the caller on sti_catalog_store_edit's copy), with events (may be NULL;
//  as sti_catalog_store_put_target). Storing an equal state again changes
//  nothing.
sti_errcode_t sti_catalog_store_put_org_state(sti_catalog_store_t *self,
                                              const sti_org_unit_t *state,
                                              sti_catalog_events_t *events, bool *changed,
                                              char *err, size_t errlen);
