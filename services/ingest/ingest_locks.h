/*  ingest_locks: the sign-off locks one obs.submit meets (docs/signoff.md).

    An org unit's period approved by an officer (sti-indicators'
    approval.approve, the hash <ns>:approval:<org>) is locked: its rows are
    refused with a reason that names the row, the unit, the period and who
    approved it when, and the other rows are taken. The lock is checked by
    ingest_submit.lua atomically with the append: the script is told the
    (org, period) pairs of the rows about to be taken, and when one is
    locked it appends nothing and names it; the rows are then checked again
    with that lock known, and the script run again. The pairs are listed
    grouped by org unit, so that the script reads each unit's hash once (one
    HMGET of its periods), not once a pair. Each pair that refused
    rows is audited and sent as an `observation.refused_locked` event by the
    same script that appends the rest.

    This module keeps the pairs and the locks of one request and builds the
    script's arguments; it does not talk to Redis.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_observation.h"
#include "sti_redis.h"

#define INGEST_LOCKS_KEYS 7   // the script's fixed keys before the pairs' hashes
#define INGEST_LOCKS_FIXED 11 // the script's fixed arguments before the pairs

typedef struct _ingest_locks_t ingest_locks_t;

//  redis is borrowed (the namespace of the keys).
ingest_locks_t *ingest_locks_new(sti_redis_t *redis);
void ingest_locks_destroy(ingest_locks_t **self_p);

//  Forgets everything: a new request.
void ingest_locks_reset(ingest_locks_t *self);
//  Forgets the pairs and the refused rows, keeping the locks: the rows are
//  checked again.
void ingest_locks_again(ingest_locks_t *self);

//  Row index, checked and about to be taken: when its unit's period is
//  locked, writes the refusal's reason into reason and returns true (the
//  row is counted as refused by the lock); else notes its pair and returns
//  false.
bool ingest_locks_row(ingest_locks_t *self, const sti_observation_t *obs, size_t index,
                      char *reason, size_t cap);

//  The script found pair (0-based, in the order the last call listed the
//  pairs, grouped by org unit; before any call, the order of the rows) locked by
//  record (its MessagePack map {state, by, at, ...}). Returns 0, or -1 for
//  a pair out of range or a record that does not decode.
int ingest_locks_found(ingest_locks_t *self, size_t pair, const char *record, size_t size);

//  Pairs listed, and locked pairs that refused rows this round.
size_t ingest_locks_pair_count(const ingest_locks_t *self);
size_t ingest_locks_refusal_count(const ingest_locks_t *self);

//  The script's call: keys (INGEST_LOCKS_KEYS given, then one approval
//  hash per group of pairs), then arguments (INGEST_LOCKS_FIXED given, the
//  number of groups, per group its number of periods and its periods, the
//  refusals, then extra, extra_count of them). A group is pairs of one org
//  unit (at most 500 of them). who, role, via,
//  request: the submitter, for the refusals' events. Returns the number of
//  strings in *argv and *lens (owned by self until the next call), nkeys
//  in *nkeys.
size_t ingest_locks_argv(ingest_locks_t *self, const char *const *keys, const char *const *fixed,
                         const size_t *fixed_lens, const char *const *extra,
                         const size_t *extra_lens, size_t extra_count, const char *who,
                         const char *role, const char *via, const char *request, const char ***argv,
                         size_t **lens, int *nkeys);
