/*  talent_rekey_store: what re-keying the registry reads and writes in
    Redis (docs/talent.md, "Rotation"; the re-keyer is talent_rekey).

    talent_keys.lua looks at a slice of records after a cursor and says
    which are under another key than the current one and which under a key
    the service does not hold; a record's sealed values and document hash
    are read with one HMGET; talent_rekey.lua replaces them, moving the
    record's duplicate-index entry in the same step, only when the record is
    still exactly what was read. Everything returned is a copy.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "sti_redis.h"
#include "talent_at_rest.h"
#include "talent_crypto.h"
#include "talent_store.h"

typedef struct _talent_rekey_store_t talent_rekey_store_t;

//  How many records are under which kind of key.
typedef struct {
    int64_t old;     // records with a value under another key than the current one
    int64_t unknown; // of these, records under a key the service does not hold
} talent_rekey_count_t;

//  A record's sealed values and document hash as stored (copies, freed by
//  talent_rekey_store_free).
typedef struct {
    char *version;                         // the version, NULL when the record is gone
    char *hash;                            // the document hash, or NULL
    char *id_type;                         // the document's type, or NULL
    uint8_t *sealed[TALENT_SEALED_FIELDS]; // id_number, phone, email, or NULL
    size_t len[TALENT_SEALED_FIELDS];      // their lengths
} talent_rekey_read_t;

//  On borrowed objects (they outlive it): crypto says which keys are held
//  and which is current. Returns a new object the caller destroys.
talent_rekey_store_t *talent_rekey_store_new(sti_redis_t *redis, const talent_crypto_t *crypto);
void talent_rekey_store_destroy(talent_rekey_store_t **self_p);

//  Looks at up to slice records after id number *cursor: adds them to count
//  and copies the ids of records under a held old key into ids (at most
//  want, counted in *found). Moves *cursor (-1 at the end of the registry).
//  Returns 0, or -1 with err when Redis failed.
int talent_rekey_store_slice(talent_rekey_store_t *self, int64_t *cursor, int slice, int64_t want,
                             talent_rekey_count_t *count, char (*ids)[TALENT_REGISTRY_ID_MAX + 1],
                             int64_t *found, char *err, size_t errlen);
//  Reads record id's sealed values into read. Returns 0, or -1 with err.
int talent_rekey_store_read(talent_rekey_store_t *self, const char *id, talent_rekey_read_t *read,
                            char *err, size_t errlen);
void talent_rekey_store_free(talent_rekey_read_t *read);
//  Replaces the values read by made (its sealed values and hash) if record
//  id is still as read, with an audit entry as actor. Returns OK, NOT_FOUND
//  (erased since), STALE (changed since), DUPLICATE (the new hash names
//  another record: its id in other) or FAILED with err.
talent_store_rc_t talent_rekey_store_write(talent_rekey_store_t *self, const char *id,
                                           const talent_rekey_read_t *read,
                                           const talent_sealed_t *made, const talent_actor_t *actor,
                                           char other[TALENT_REGISTRY_ID_MAX + 1], char *err,
                                           size_t errlen);
