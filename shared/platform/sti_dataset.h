/*  sti_dataset: which dataset a Redis holds, so that a loss is never hidden.

    The first plan load into an empty Redis makes the dataset: a hash
    <ns>:dataset {id, created, previous, reason, by} whose id is 32 random hex
    characters. Every later write lives in the same Redis, so as long as the
    hash is there the data written since is there too (up to the tail that the
    fsync mode may lose). A Redis that comes back without the hash, or with a
    different id, lost what this deployment wrote: the services notice it
    (sti_dataset_watch), and so do scripts/up and the overlays' plan-load job,
    which keep the id outside Redis too.

    Going on after a loss is an operator's decision (stictl dataset
    accept-loss): it makes a new id whose `previous` is the one Redis held (or
    "" when it held none) and whose `reason` says why. The id is also the
    epoch of every event stream (sti_events.h): a new id tells every
    subscriber that seqs were handed out again.

    The watch is what each service keeps: the id it has seen, whether the
    dataset is lost and why. It is fed by the service's loop (what Redis holds,
    once a second; a publisher's report that its stream went back) and read by
    /readyz on the HTTP thread, so it locks.
*/
#pragma once
#include <stdbool.h>

#include "sti_redis.h"

#define STI_DATASET_ID_LEN 32      // hex characters of an id
#define STI_DATASET_REASON_MAX 200 // longest reason for an accepted loss, bytes
#define STI_DATASET_WHY_MAX 320    // longest description of a loss, bytes

typedef struct {
    char id[STI_DATASET_ID_LEN + 1];         // "" when Redis holds no dataset
    char created[40];                        // RFC 3339 UTC, when it was made
    char previous[STI_DATASET_ID_LEN + 1];   // the dataset it continues after a loss, or ""
    char reason[STI_DATASET_REASON_MAX + 1]; // why a loss was accepted; "" for a first load
    char by[65];                             // who accepted it, or who loaded first
} sti_dataset_t;

//  Reads <ns>:dataset. Returns 0 (out->id is "" when there is none), or -1
//  when Redis cannot be read or holds a malformed hash (logged).
int sti_dataset_read(sti_redis_t *redis, sti_dataset_t *out);
//  Makes the dataset when Redis holds none (by: who asked). Returns 1 made,
//  0 already there (out holds it either way), -1 on a Redis failure.
int sti_dataset_init(sti_redis_t *redis, const char *by, sti_dataset_t *out);
//  An operator's acceptance of a loss: a new id whose previous is the id
//  Redis holds now ("" when none), with the reason (1 to
//  STI_DATASET_REASON_MAX bytes, checked by the caller) and who. Returns 0
//  (out holds the new dataset) or -1.
int sti_dataset_accept_loss(sti_redis_t *redis, const char *reason, const char *by,
                            sti_dataset_t *out);

//  --- the watch ---

typedef struct _sti_dataset_watch_t sti_dataset_watch_t;

//  expected: the id this deployment's dataset must have (STI_DATASET, kept
//  outside Redis), or NULL / "" when the service only knows what it sees.
sti_dataset_watch_t *sti_dataset_watch_new(const char *expected);
void sti_dataset_watch_destroy(sti_dataset_watch_t **self_p);
//  Compares what Redis holds now with what was seen before. A dataset that
//  vanished or was replaced by one no operator made is a loss; an id made by
//  an accepted loss (a reason, an id not seen before) ends one. Returns true
//  when this call changed the state (the caller logs it).
bool sti_dataset_watch_update(sti_dataset_watch_t *self, const sti_dataset_t *now);
//  Another part of the service found a loss (an event stream went back).
//  Returns true when this call changed the state.
bool sti_dataset_watch_loss(sti_dataset_watch_t *self, const char *why);
//  True while the dataset is lost; why (cap bytes, may be NULL) says how.
bool sti_dataset_watch_lost(sti_dataset_watch_t *self, char *why, size_t cap);
//  The id seen last ("" before any); copied into buf.
void sti_dataset_watch_id(sti_dataset_watch_t *self, char *buf, size_t cap);
