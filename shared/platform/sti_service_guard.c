/*  sti_service_guard: see sti_service_guard.h.

    A PING on a broken connection fails fast while sti_redis backs off, so
    the turn never blocks the loop for long. The marker is read with the
    PING, not on every turn: once a second is soon enough to stop writes
    after a loss, and costs one round trip a second.
*/
#include "sti_service_guard.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"

struct _sti_service_guard_t {
    sti_redis_t *redis;           // the service's connection (borrowed)
    sti_dataset_watch_t *dataset; // what this service knows of the dataset
    int64_t replicas;             // replicas a write must reach (0: none)
    int64_t replicas_ms;          // how long to wait for them
    int64_t next_ping;            // zclock_mono ms the next PING is due
    sti_log_limit_t lost_log;     // the repeated line while lost
    sti_log_limit_t wait_log;     // lines about writes the replicas did not confirm
};

sti_service_guard_t *sti_service_guard_new(sti_redis_t *redis, const char *dataset,
                                           int64_t replicas, int64_t replicas_ms)
{
    assert(redis);
    sti_service_guard_t *self = calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->dataset = sti_dataset_watch_new(dataset);
    self->replicas = replicas;
    self->replicas_ms = replicas_ms;
    return self;
}

void sti_service_guard_destroy(sti_service_guard_t **self_p)
{
    assert(self_p);
    sti_service_guard_t *self = *self_p;
    if (!self) {
        return;
    }
    sti_dataset_watch_destroy(&self->dataset);
    free(self);
    *self_p = NULL;
}

sti_dataset_watch_t *sti_service_guard_dataset(sti_service_guard_t *self)
{
    assert(self);
    return self->dataset;
}

bool sti_service_guard_lost(sti_service_guard_t *self)
{
    assert(self);
    return sti_dataset_watch_lost(self->dataset, NULL, 0);
}

//  Feeds the watch what Redis holds and what the publisher found, and says
//  so when the state changes (and every minute while lost).
static void s_watch_dataset(sti_service_guard_t *self, sti_events_pub_t *publisher, int64_t now)
{
    sti_dataset_t dataset;
    bool changed = false;
    if (sti_redis_connected(self->redis) && sti_dataset_read(self->redis, &dataset) == 0) {
        changed = sti_dataset_watch_update(self->dataset, &dataset);
    }
    const char *stream = publisher ? sti_events_pub_lost(publisher) : NULL;
    //  A stream lost in the epoch of a dataset the watch has left (an
    //  operator accepted the loss; the publisher moves on at its next tick)
    //  is no new loss: taken as one, it would stick to the accepted dataset.
    char floor[24], seen[STI_DATASET_ID_LEN + 1];
    const char *epoch = NULL;
    if (stream) {
        sti_events_pub_floor(publisher, floor, sizeof floor, &epoch);
        sti_dataset_watch_id(self->dataset, seen, sizeof seen);
    }
    if (stream && !(epoch && epoch[0] && seen[0] && strcmp(epoch, seen) != 0)) {
        changed = sti_dataset_watch_loss(self->dataset, stream) || changed;
    }
    char why[STI_DATASET_WHY_MAX];
    bool lost = sti_dataset_watch_lost(self->dataset, why, sizeof why);
    int64_t suppressed;
    bool due =
        lost && sti_log_due(&self->lost_log, now, STI_SERVICE_GUARD_LOST_LOG_MS, &suppressed);
    if (lost && (changed || due)) {
        sti_error("the dataset lost data: %s. Writes are refused and nothing is applied until an "
                  "operator accepts the loss (stictl dataset accept-loss --reason TEXT) or "
                  "restores Redis; see docs/operations.md",
                  why);
    } else if (changed) {
        char id[STI_DATASET_ID_LEN + 1];
        sti_dataset_watch_id(self->dataset, id, sizeof id);
        sti_warn("the dataset is %s now: the loss was accepted or repaired; going on", id);
    }
}

void sti_service_guard_turn(sti_service_guard_t *self, sti_events_pub_t *publisher, int64_t now)
{
    assert(self);
    if (now < self->next_ping) {
        return;
    }
    self->next_ping = now + STI_SERVICE_GUARD_PING_MS;
    redisReply *reply = sti_redis_command(self->redis, "PING");
    if (reply) {
        freeReplyObject(reply);
    }
    s_watch_dataset(self, publisher, now);
}

bool sti_service_guard_replicated(sti_service_guard_t *self, uint64_t generation)
{
    assert(self);
    if (self->replicas <= 0) {
        return true;
    }
    if (!generation) {
        //  The connection as it is now; none up: the one written on broke.
        generation = sti_redis_connected(self->redis) ? sti_redis_generation(self->redis) : 0;
    }
    long long held =
        sti_redis_wait_replicas(self->redis, (int)self->replicas, (int)self->replicas_ms);
    //  A WAIT covers only the writes of the connection it runs on: one made
    //  again since the writes (a command broke, maybe in a fail-over) has
    //  written nothing and is answered at once.
    bool moved = held >= 0 && sti_redis_waited(self->redis) != generation;
    bool ok = held >= self->replicas && !moved;
    int64_t suppressed;
    if (!ok && sti_log_due(&self->wait_log, zclock_mono(), 1000, &suppressed)) {
        if (moved) {
            sti_warn("the connection to Redis was made again since a write: its WAIT does not "
                     "confirm it (%" PRId64 " more since the last line)",
                     suppressed);
        } else if (held >= 0) {
            sti_warn("a write reached %lld of %lld replicas within %lld ms (%" PRId64
                     " more since the last line)",
                     held, (long long)self->replicas, (long long)self->replicas_ms, suppressed);
        } else {
            sti_warn("WAIT for the replicas failed: %s", sti_redis_errstr(self->redis));
        }
    }
    return ok;
}
