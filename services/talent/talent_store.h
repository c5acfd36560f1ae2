/*  talent_store: the talent registry's records in Redis (docs/talent.md,
    docs/keys.md), and the plan's talent codes they are checked against.

    A record is the hash <ns>:tal:rec:<id>. Only what is not personal is in
    clear (talent_at_rest); the document number, phone and e-mail are sealed
    values, and the document's keyed hash is the key of the duplicate index
    <ns>:tal:doc. Index sets (<ns>:tal:idx:<token>), the ordered set of every
    id, the name index and the stats counters follow each record.

    Every change (add, update, leave, remove) is one call of
    talent_change.lua, which in the same step checks the version and the
    duplicate index, writes the record and its index entries, appends the
    audit entry, appends the event (talent.registered / updated / left /
    removed on topic tal.<category>, without personal data) and records the
    count changes the registry owes sti-ingest (talent_counts). The event is
    published after the script returns; if the process dies first, the
    event is still in the log (docs/events.md).

    Reads are audited too: talent_store_audit_reads() appends one audit
    entry per record read, pipelined. The audit log of a record is the
    stream <ns>:tal:audit:<id>: who, when, which op, which request; it holds
    no personal data, so erasure leaves it.

    The plan's talent codes (talent.json's levels, fields, channels and
    indicators) are what every record is checked against. They come from
    the plan's catalog in Redis (<ns>:plan, written by plan.load, read by
    catalog_read.lua through sti_catalog_store), read again when the
    catalog's version changes; no plan directory is read. The store's own
    reads and changes use the codes of the last talent_store_codes call, so
    a handler asks for them once, first.
*/
#pragma once
#include <stdint.h>

#include "sti_envelope.h"
#include "sti_events.h"
#include "sti_redis.h"
#include "talent_codes.h"
#include "talent_crypto.h"
#include "talent_record.h"

#define TALENT_REASON_MAX 200 // longest reason a read in clear gives, bytes

typedef struct _talent_store_t talent_store_t;

//  Who does what, for the audit log and events.
typedef struct {
    const char *op;      // "talent.get", ...
    const char *who;     // the caller's name ("local" without CURVE)
    const char *request; // the request's id
    const char *key;     // the caller's public key, or NULL/"" (read audits only)
    const char *reason;  // why the caller reads, or NULL/"" (read audits only)
} talent_actor_t;

typedef enum {
    TALENT_STORE_OK = 0,    // done
    TALENT_STORE_NOT_FOUND, // no such record
    TALENT_STORE_DUPLICATE, // the document is registered already (conflict_id names it)
    TALENT_STORE_STALE,     // the version given is not the stored one
    TALENT_STORE_REPLAYED,  // a retried add: the record it made is named
    TALENT_STORE_FAILED,    // Redis failed or a stored value is damaged (err says which)
} talent_store_rc_t;

//  Creates the store on borrowed objects (they outlive it). pub may be NULL
//  (events are then only logged, and go out with the next heartbeat's
//  replay). Returns a new store the caller destroys.
talent_store_t *talent_store_new(sti_redis_t *redis, const talent_crypto_t *crypto,
                                 sti_events_pub_t *pub);
void talent_store_destroy(talent_store_t **self_p);

//  The plan's talent codes as the catalog in Redis holds them now (one GET
//  of its version when it has not changed; borrowed: valid until the next
//  call). Returns NULL with *code and err: not_found when no plan is loaded
//  or the plan has no talent codes, internal when they do not load (also
//  logged, once per catalog version), unavailable when Redis fails.
const talent_codes_t *talent_store_codes(talent_store_t *self, sti_errcode_t *code, char *err,
                                         size_t errlen);
//  The code of the plan's root org unit, as the catalog in Redis holds it
//  now (borrowed: valid until the next call). Returns NULL with *code and
//  err when no plan is loaded (not_found) or Redis fails (unavailable).
const char *talent_store_root_org(talent_store_t *self, sti_errcode_t *code, char *err,
                                  size_t errlen);
//  The keyring the store seals and hashes with (borrowed).
const talent_crypto_t *talent_store_crypto(talent_store_t *self);

//  Reads and opens the record id into record (the caller wipes it with
//  talent_record_wipe after use) and *version. Not audited (see
//  talent_store_audit_reads). Returns OK, NOT_FOUND or FAILED with err.
talent_store_rc_t talent_store_read(talent_store_t *self, const char *id, talent_record_t *record,
                                    int64_t *version, char *err, size_t errlen);

//  Registers a new record: assigns its id (T + 6 or more digits) into id
//  (TALENT_REGISTRY_ID_MAX + 1 bytes). A document already registered gives
//  DUPLICATE with its registry id in id; a request id seen before gives
//  REPLAYED with the id it made. Returns OK, DUPLICATE, REPLAYED or FAILED.
talent_store_rc_t talent_store_add(talent_store_t *self, const talent_record_t *record,
                                   const talent_actor_t *actor, char *id, char *err, size_t errlen);
//  Replaces record id, whose stored form is old at version expected, by
//  record (version expected + 1). event_type is "talent.updated" or
//  "talent.left". Returns OK, NOT_FOUND, STALE, DUPLICATE (another record
//  has the new document; conflict_id names it) or FAILED.
talent_store_rc_t talent_store_update(talent_store_t *self, const char *id, int64_t expected,
                                      const talent_record_t *old, const talent_record_t *record,
                                      const char *event_type, const talent_actor_t *actor,
                                      char *conflict_id, char *err, size_t errlen);
//  Erases record id (stored as old at version expected): the record, its
//  sealed fields, its hash and index entries, its team memberships. The
//  audit log keeps the id and the fact. Returns OK, NOT_FOUND, STALE or FAILED.
talent_store_rc_t talent_store_remove(talent_store_t *self, const char *id, int64_t expected,
                                      const talent_record_t *old, const talent_actor_t *actor,
                                      char *err, size_t errlen);

//  Appends an audit entry for each of count ids (one round trip).
//  Returns 0, or -1 when Redis failed.
int talent_store_audit_reads(talent_store_t *self, const char *const *ids, size_t count,
                             const talent_actor_t *actor);
