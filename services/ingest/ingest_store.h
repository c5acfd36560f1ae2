/*  ingest_store: what sti-ingest keeps in Redis and reads from it
    (docs/keys.md, docs/data-path.md), and the only module of the service
    that reads Redis replies.

    The submit step is one Lua call (events_append.lua + ingest_submit.lua):
    it appends the accepted rows as one intake entry, audits and announces
    the rows a sign-off lock refuses, and keeps the reply under the request
    id, all or nothing. The series' last values the warnings compare with
    are read from sti-indicators' value hashes, read only, in one pipelined
    round trip.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_redis.h"

#define INGEST_STORE_KEYS 7 // the submit step's fixed keys (ingest_submit.lua)

typedef struct _ingest_store_t ingest_store_t;

//  What the submit step did.
typedef enum {
    INGEST_STORE_FAILED = -1,  // Redis failed: nothing was kept
    INGEST_STORE_TAKEN = 0,    // the entry (if any) appended, the reply kept
    INGEST_STORE_REPLAYED = 1, // the request id was seen: the reply kept then
    INGEST_STORE_LOCKED = 2,   // locks not given were found: nothing was kept
} ingest_store_outcome_t;

//  A lock the submit step found: the pair's number in the call and the
//  sign-off record's bytes (record NULL when the script's reply did not
//  hold a number and bytes there).
typedef void(ingest_store_lock_fn)(void *arg, size_t pair, const char *record, size_t len);

//  redis is borrowed; intake is the intake log's name under the namespace.
ingest_store_t *ingest_store_new(sti_redis_t *redis, const char *intake);
void ingest_store_destroy(ingest_store_t **self_p);

//  The submit step's fixed keys in the script's order (intake log, the
//  request id's reply, the sign-off audit, the `ind` event log and its seq,
//  prev and epoch) for request_id ("" for none). Borrowed until the next call.
const char *const *ingest_store_keys(ingest_store_t *self, const char *request_id);

//  Runs the submit step: argv holds nkeys keys then nargs arguments
//  (ingest_submit.lua). On TAKEN and REPLAYED, *stored and *stored_len are
//  the reply kept (valid until the next call); on LOCKED, found is called
//  for each lock; on FAILED, err says why. With twice (the step is safe to
//  run twice: the request has an id, or it is a dry run), a step whose
//  connection broke before its reply is sent once more on a new one
//  (sti_redis_eval_retry); a write of the first run found then by its
//  request id is this request's own: TAKEN, not REPLAYED. Returns the
//  outcome.
ingest_store_outcome_t ingest_store_submit(ingest_store_t *self, int nkeys, int nargs,
                                           const char **argv, const size_t *lens, bool twice,
                                           ingest_store_lock_fn *found, void *arg,
                                           const char **stored, size_t *stored_len, char *err,
                                           size_t errlen);

//  One series asked for its last value: its value hash's member
//  "indicator:org" (sti-indicators' `val` key of indicator and org), the
//  period and the period before it ("" for none).
#define INGEST_STORE_MEMBER_MAX (2 * 65 + 2)
typedef struct {
    char member[INGEST_STORE_MEMBER_MAX];
    const char *period;
    const char *before;
} ingest_store_series_t;

//  Fills series->member for indicator and org (no Redis key is built per
//  row: the reads build one per value hash).
void ingest_store_series_key(ingest_store_series_t *series, const char *indicator, const char *org);

//  A series' values found: the period's and the period before's effective
//  value `v` (sti-indicators' value record), when stored and finite.
typedef struct {
    bool has[2];
    double value[2];
} ingest_store_last_t;

//  Reads count series' values in one round trip into last[0 .. count):
//  one HMGET per value hash, of the periods of all rows that share it.
//  Returns 0, or -1 when Redis failed (last is then all "none").
int ingest_store_last_values(ingest_store_t *self, const ingest_store_series_t *series,
                             size_t count, ingest_store_last_t *last);
