/*  sti_service_guard: what keeps a service from building on lost data.

    Three watches over the service's Redis, run by the service's loop:

    - a PING once a second, so a connection that broke while the service was
      idle is noticed (and, through sti_redis, reconnected);
    - with it, the dataset marker read and fed to the dataset watch
      (sti_dataset.h), with the publisher's word that its event stream went
      back; while lost, an error line repeats every minute and says how to
      go on, and a line says when the loss was accepted or repaired;
    - with redis_replicas set, WAIT until that many replicas have every write
      (sti_service_guard_replicated), so a fail-over to a replica loses
      nothing acknowledged.

    What the service does while lost (refuse writes, not run its tick, fail
    /readyz) is the frame's: this module only knows.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "sti_dataset.h"
#include "sti_events.h"
#include "sti_redis.h"

#define STI_SERVICE_GUARD_PING_MS 1000      // how often an idle service checks Redis
#define STI_SERVICE_GUARD_LOST_LOG_MS 60000 // a loss is said again this often

typedef struct _sti_service_guard_t sti_service_guard_t;

//  Guards redis (borrowed, outliving it). dataset: the id this deployment's
//  dataset must have, or "" for the id seen first; replicas (0: none) and
//  replicas_ms: what a write must reach, and how long to wait for it.
sti_service_guard_t *sti_service_guard_new(sti_redis_t *redis, const char *dataset,
                                           int64_t replicas, int64_t replicas_ms);
void sti_service_guard_destroy(sti_service_guard_t **self_p);
//  The dataset watch (borrowed, for /readyz and the ops' refusals).
sti_dataset_watch_t *sti_service_guard_dataset(sti_service_guard_t *self);
//  Once a second (now: zclock_mono ms): PINGs Redis, reads the dataset
//  marker, takes publisher's word on its stream (NULL: none), and logs a
//  change. Cheap between seconds.
void sti_service_guard_turn(sti_service_guard_t *self, sti_events_pub_t *publisher, int64_t now);
//  True while the dataset is lost.
bool sti_service_guard_lost(sti_service_guard_t *self);
//  With replicas > 0: waits (WAIT) until that many replicas have every
//  write of redis, at most replicas_ms. generation: the connection's
//  generation the writes went on (sti_redis_generation; 0: the connection
//  as it is now, none when it is down). A WAIT on a later connection (made
//  again after a break) does not cover them: false. Returns true when they
//  have (always true with 0 replicas), false else (logged at most once a
//  second).
bool sti_service_guard_replicated(sti_service_guard_t *self, uint64_t generation);
