/*  talent_rekey: moving the talent registry to its current key
    (docs/talent.md, "Rotation"), and the op talent.rekey (docs/ops.md).

    A record is under an old key when its document hash or one of its
    sealed values names another key id than the current one. Re-keying a
    record opens its sealed values with the keys that made them, seals them
    again under the current key, recomputes the document hash from the
    opened number, and replaces the record's values and its duplicate-index
    entry in one step that first checks the record is still what was read
    (talent_rekey_store); a record changed in between is read again. The
    version stays: the content is the same. Each re-keyed record gets an
    audit entry (op talent.rekey, who); nothing personal is logged.

    Counting walks the ids in slices (one slice a round trip), so Redis is
    never held for long. The counts are also gauges
    (sti_talent_records_old_key, sti_talent_records_unknown_key), refreshed
    every minute by the service's tick and after each re-key and stats call,
    so an operator sees when an old key may be destroyed.
*/
#pragma once
#include <stdint.h>

#include "sti_http.h"
#include "sti_service.h"
#include "talent_rekey_store.h"
#include "talent_store.h"

#define TALENT_REKEY_LIMIT_MAX 1000 // records one talent.rekey call re-keys at most
#define TALENT_REKEY_LIMIT_DEFAULT 100

typedef struct _talent_rekey_t talent_rekey_t;

//  What one re-key call did.
typedef struct {
    int64_t rekeyed;   // records moved to the current key
    int64_t conflicts; // records left: their document's new hash names another record
    int64_t failed;    // records left: a sealed value does not open (damaged)
    int64_t next;      // cursor to go on from, or 0 when the walk reached the end
} talent_rekey_result_t;

//  The re-keyer on borrowed objects (they outlive it); http: where its
//  gauges go (NULL: none). Returns a new object the caller destroys.
talent_rekey_t *talent_rekey_new(talent_store_t *store, talent_rekey_store_t *keys,
                                 sti_http_t *http);
void talent_rekey_destroy(talent_rekey_t **self_p);

//  Refreshes the gauges when a minute has passed since the last count.
void talent_rekey_tick(talent_rekey_t *self);

//  Counts the records under old and unknown keys (and sets the gauges).
//  Returns 0, or -1 with a reason in err when Redis failed.
int talent_rekey_count(talent_rekey_t *self, talent_rekey_count_t *count, char *err, size_t errlen);

//  Re-keys up to limit records under a held old key, in id order after the
//  id number cursor (0: from the start), writing audit entries as actor.
//  Safe to run twice at once and to retry. Returns 0 with result, or -1 with
//  a reason in err when Redis failed.
int talent_rekey_run(talent_rekey_t *self, int64_t cursor, int64_t limit,
                     const talent_actor_t *actor, talent_rekey_result_t *result, char *err,
                     size_t errlen);

//  The op talent.rekey, bound to a talent_rekey_t.
extern const sti_op_table_t talent_rekey_ops;
