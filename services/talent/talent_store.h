/*  talent_store: the talent registry in Redis (docs/talent.md, docs/keys.md).

    A record is the hash <ns>:tal:rec:<id>. Only what is not personal is in
    clear (the MessagePack map of the record without its document and
    contacts, in field `data`); the document number, phone and e-mail are
    sealed with talent_crypto, and the document's keyed hash is the key of
    the duplicate index <ns>:tal:doc. Index sets (<ns>:tal:idx:<token>), the
    ordered set of every id, the name index and the stats counters follow
    each record.

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
*/
#pragma once
#include <stdint.h>

#include "sti_events.h"
#include "sti_redis.h"
#include "talent_codes.h"
#include "talent_crypto.h"
#include "talent_record.h"

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
    TALENT_STORE_OK = 0,     // done
    TALENT_STORE_NOT_FOUND,  // no such record
    TALENT_STORE_DUPLICATE,  // the document is registered already (conflict_id names it)
    TALENT_STORE_STALE,      // the version given is not the stored one
    TALENT_STORE_REPLAYED,   // a retried add: the record it made is named
    TALENT_STORE_FAILED,     // Redis failed or a stored value is damaged (err says which)
} talent_store_rc_t;

//  Creates the store on borrowed objects (they outlive it). pub may be NULL
//  (events are then only logged, and go out with the next heartbeat's
//  replay). Returns a new store the caller destroys.
talent_store_t *talent_store_new(sti_redis_t *redis, const talent_codes_t *codes,
                                 const talent_crypto_t *crypto, sti_events_pub_t *pub);
void talent_store_destroy(talent_store_t **self_p);

//  Reads and opens the record id into record (the caller wipes it with
//  talent_store_wipe after use) and *version. Not audited (see
//  talent_store_audit_reads). Returns OK, NOT_FOUND or FAILED with err.
talent_store_rc_t talent_store_read(talent_store_t *self, const char *id, talent_record_t *record,
                                    int64_t *version, char *err, size_t errlen);
//  Overwrites a record with zeros (it may hold opened personal data).
void talent_store_wipe(talent_record_t *record);

//  Registers a new record: assigns its id (T + 6 or more digits) into id
//  (TALENT_REGISTRY_ID_MAX + 1 bytes). A document already registered gives
//  DUPLICATE with its registry id in id; a request id seen before gives
//  REPLAYED with the id it made. Returns OK, DUPLICATE, REPLAYED or FAILED.
talent_store_rc_t talent_store_add(talent_store_t *self, const talent_record_t *record,
                                   const talent_actor_t *actor, char *id, char *err,
                                   size_t errlen);
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

//  Builds "<ns>:tal:<part>" (and more parts) into buf. Returns buf or NULL.
char *talent_store_key(talent_store_t *self, char *buf, size_t cap, const char *part,
                       const char *more);
sti_redis_t *talent_store_redis(talent_store_t *self);
//  The keyring the store seals and hashes with (borrowed).
const talent_crypto_t *talent_store_crypto(talent_store_t *self);
const talent_codes_t *talent_store_codes(talent_store_t *self);

//  The index tokens of a record ("category:top", "year:2023", ...), one per
//  line, into buf. Returns 0, or -1 when it does not fit.
int talent_store_tokens(const talent_record_t *record, char *buf, size_t cap);
//  The number of a registry id ("T000012" -> 12), or -1 when it is not one.
int64_t talent_store_id_number(const char *id);
