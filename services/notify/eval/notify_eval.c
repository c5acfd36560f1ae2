/*  notify_eval: the evaluator thread. See notify_eval.h.

    One loop: renew the leases (a third of their length), poll the held
    streams' sockets (100 ms), drain up to `batch` events per stream and
    commit them, flush due groups, check stale rules. Every Redis failure
    or refused commit drops the stream's subscriber; it is made again from
    the stored cursor on the next lease round, so what was not committed is
    evaluated again and what was is not.
*/
#include "notify_eval.h"

#include <assert.h>
#include <czmq.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "notify_eval_steps.h"
#include "sti_log.h"

static int64_t s_now_ms(void)
{
    return zclock_time();
}

struct _notify_eval_t {
    notify_eval_state_t state; // what the steps share
    pthread_t thread;          // the loop
    bool started;              // whether it runs
    atomic_bool stop;          // set by destroy
    int64_t next_lease;        // zclock_mono time of the next lease round
    int64_t next_flush;        // ... of the next group flush
    int64_t next_stale;        // ... of the next stale check
};

//  Takes or keeps the lease of a stream; makes or drops its subscriber.
static void s_lease(notify_eval_t *self, notify_eval_stream_t *stream)
{
    notify_eval_state_t *state = &self->state;
    char key[256];
    notify_queue_lease_key(state->queue, stream->name, key, sizeof key);
    int held = notify_queue_lease(state->queue, key, state->token, state->config->lease_ms, false);
    if (held != 1) {
        if (stream->sub && held == 0) {
            sti_info("stream %s: lease taken by another replica; stopping", stream->name);
        }
        if (held == 0) {
            sti_events_sub_destroy(&stream->sub);
        }
        return;
    }
    if (!stream->sub) {
        if (notify_eval_read_cursor(state, stream) != 0) {
            return;
        }
        if (stream->cursor < stream->high) {
            //  Redis came back with less than this replica committed.
            sti_error("stream %s: the stored cursor went back from seq %llu to %llu: Redis lost "
                      "the tail of its data (events this replica evaluated, and perhaps "
                      "notified, are gone); evaluating from seq %llu",
                      stream->name, (unsigned long long)stream->high,
                      (unsigned long long)stream->cursor, (unsigned long long)stream->cursor);
        }
        stream->high = stream->cursor;
        stream->sub = sti_events_sub_new(state->config->events_sub, state->config->broker,
                                         stream->service, stream->name, "", stream->cursor);
        sti_info("stream %s: evaluating from seq %llu", stream->name,
                 (unsigned long long)stream->cursor);
    }
}

//  Polls the stream's socket for up to ms (a plain wait when not held).
static void s_poll(notify_eval_t *self, int ms)
{
    notify_eval_stream_t *stream = &self->state.stream;
    if (!stream->sub) {
        zmq_poll(NULL, 0, ms);
    } else if (sti_events_sub_queued(stream->sub) == 0) {
        zmq_pollitem_t item = {zsock_resolve(sti_events_sub_sock(stream->sub)), 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, ms);
    }
}

static void s_round(notify_eval_t *self)
{
    notify_eval_state_t *state = &self->state;
    int64_t mono = zclock_mono();
    if (mono >= self->next_lease) {
        s_lease(self, &state->stream);
        sti_metric_set(state->metrics->leases, state->stream.sub ? 1 : 0);
        self->next_lease = mono + state->config->lease_ms / 3;
    }
    s_poll(self, 100);
    if (state->stream.sub) {
        notify_eval_drain(state, &state->stream, s_now_ms());
    }
    mono = zclock_mono();
    if (mono >= self->next_flush) {
        notify_eval_flush_groups(state, s_now_ms());
        self->next_flush = mono + state->config->flush_ms;
    }
    if (mono >= self->next_stale && state->stream.sub && strcmp(state->stream.name, "ind") == 0) {
        notify_eval_check_stale(state, s_now_ms());
        self->next_stale = mono + state->config->stale_check_ms;
    }
}

static void *s_run(void *arg)
{
    notify_eval_t *self = arg;
    while (!atomic_load(&self->stop)) {
        s_round(self);
    }
    return NULL;
}

//  Names the stream and the service that replays it. Returns 0, or -1.
static int s_stream(notify_eval_t *self, const char *name)
{
    static const char *const known[][2] = {{"ind", "sti.indicators"}, {"tal", "sti.talent"}};
    for (size_t k = 0; k < 2; k++) {
        if (strcmp(name, known[k][0]) == 0) {
            notify_eval_stream_t *stream = &self->state.stream;
            snprintf(stream->name, sizeof stream->name, "%s", known[k][0]);
            snprintf(stream->service, sizeof stream->service, "%s", known[k][1]);
            return 0;
        }
    }
    return -1;
}

notify_eval_t *notify_eval_new(const notify_eval_config_t *config,
                               const notify_eval_metrics_t *metrics)
{
    char err[256];
    notify_eval_t *self = calloc(1, sizeof *self);
    assert(self);
    atomic_init(&self->stop, false);
    if (notify_eval_state_init(&self->state, config, metrics, err, sizeof err) != 0 ||
        s_stream(self, config->stream ? config->stream : "") != 0) {
        sti_error("evaluator of stream '%s': %s", config->stream ? config->stream : "",
                  self->state.redis ? "unknown stream (ind, tal)" : err);
        notify_eval_state_fini(&self->state);
        free(self);
        return NULL;
    }
    self->started = pthread_create(&self->thread, NULL, s_run, self) == 0;
    if (!self->started) {
        notify_eval_destroy(&self);
    }
    return self;
}

void notify_eval_destroy(notify_eval_t **self_p)
{
    assert(self_p);
    notify_eval_t *self = *self_p;
    if (!self) {
        return;
    }
    atomic_store(&self->stop, true);
    if (self->started) {
        pthread_join(self->thread, NULL);
    }
    notify_eval_stream_t *stream = &self->state.stream;
    if (stream->sub) {
        char key[256];
        notify_queue_lease_key(self->state.queue, stream->name, key, sizeof key);
        notify_queue_lease(self->state.queue, key, self->state.token, 1, true);
    }
    sti_events_sub_destroy(&stream->sub);
    notify_eval_state_fini(&self->state);
    free(self);
    *self_p = NULL;
}
