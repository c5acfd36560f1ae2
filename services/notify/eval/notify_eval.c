/*  notify_eval: the evaluator threads. See notify_eval.h.

    Each thread runs one loop: renew the lease (a third of its length),
    poll the stream's socket (100 ms), drain up to `eval_batch` events and
    commit them, flush due groups, check stale rules. Every Redis failure
    or refused commit drops the stream's subscriber; it is made again from
    the stored cursor on the next lease round, so what was not committed is
    evaluated again and what was is not.
*/
#include "notify_eval.h"

#include <assert.h>
#include <czmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_eval_batch.h"
#include "notify_eval_timers.h"
#include "sti_log.h"

#define S_STREAMS 3 // ind, tal and prj

//  One evaluator thread.
typedef struct {
    notify_evaluator_t state;      // what the steps share
    notify_eval_metrics_t metrics; // the shared counters and the stream's own gauge
    pthread_t thread;              // the loop
    bool started;                  // whether it runs
    atomic_bool stop;              // set by destroy
    int64_t next_lease;            // zclock_mono time of the next lease round
    int64_t next_flush;            // ... of the next group flush
    int64_t next_stale;            // ... of the next stale check
} s_runner_t;

struct _notify_eval_t {
    s_runner_t runners[S_STREAMS]; // one per stream evaluated
    size_t count;                  // how many
};

//  Calls fn for each name of a comma-separated list, spaces trimmed. Stops
//  at the first that fn refuses (non-zero). Returns 0, or fn's answer.
static int s_each_stream(const char *streams, int (*fn)(const char *name, void *arg), void *arg)
{
    const char *p = streams ? streams : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[32];
        const char *start = p, *end = p + len;
        while (start < end && *start == ' ') {
            start++;
        }
        while (end > start && end[-1] == ' ') {
            end--;
        }
        snprintf(name, sizeof name, "%.*s", (int)(end - start), start);
        int rc = fn(name, arg);
        if (rc != 0) {
            return rc;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

//  Refuses a name that is not a stream (err: the reason buffer, 256 bytes).
static int s_check_one(const char *name, void *arg)
{
    if (notify_evaluator_service(name)) {
        return 0;
    }
    snprintf(arg, 256, "'%.31s' is not a stream notify evaluates (ind, tal, prj)", name);
    return -1;
}

int notify_eval_check_streams(const char *streams, char *err, size_t errlen)
{
    char reason[256];
    if (s_each_stream(streams, s_check_one, reason) != 0) {
        snprintf(err, errlen, "%s", reason);
        return -1;
    }
    return 0;
}

//  Takes or keeps the lease of the stream; makes or drops its subscriber.
static void s_lease(s_runner_t *runner)
{
    notify_evaluator_t *state = &runner->state;
    notify_eval_stream_t *stream = &state->stream;
    int held = notify_eval_store_lease(state->store, stream->name, state->token,
                                       state->config->lease_ms, false);
    if (held != 1) {
        if (stream->sub && held == 0) {
            sti_info("stream %s: lease taken by another replica; stopping", stream->name);
        }
        if (held == 0) {
            sti_events_sub_destroy(&stream->sub);
        }
        return;
    }
    if (stream->sub || notify_eval_store_cursor(state->store, stream->name, &stream->cursor) != 0) {
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

//  Polls the stream's socket for up to ms (a plain wait when not held).
static void s_poll(s_runner_t *runner, int ms)
{
    notify_eval_stream_t *stream = &runner->state.stream;
    if (!stream->sub) {
        zmq_poll(NULL, 0, ms);
    } else if (sti_events_sub_queued(stream->sub) == 0) {
        zmq_pollitem_t item = {zsock_resolve(sti_events_sub_sock(stream->sub)), 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, ms);
    }
}

static void s_round(s_runner_t *runner)
{
    notify_evaluator_t *state = &runner->state;
    int64_t mono = zclock_mono();
    if (mono >= runner->next_lease) {
        s_lease(runner);
        sti_metric_set(runner->metrics.leases, state->stream.sub ? 1 : 0);
        runner->next_lease = mono + state->config->lease_ms / 3;
    }
    s_poll(runner, 100);
    if (state->stream.sub) {
        notify_eval_batch_drain(state, zclock_time());
    }
    mono = zclock_mono();
    if (mono >= runner->next_flush) {
        notify_eval_timers_flush(state, zclock_time());
        runner->next_flush = mono + state->config->flush_ms;
    }
    if (mono >= runner->next_stale && state->stream.sub && strcmp(state->stream.name, "ind") == 0) {
        notify_eval_timers_stale(state, zclock_time());
        runner->next_stale = mono + state->config->stale_check_ms;
    }
}

static void *s_run(void *arg)
{
    s_runner_t *runner = arg;
    while (!atomic_load(&runner->stop)) {
        s_round(runner);
    }
    return NULL;
}

//  What s_start needs besides the name.
typedef struct {
    notify_eval_t *self;                // where the runners go
    const notify_eval_config_t *config; // the settings
    sti_http_t *http;                   // for the stream's gauge
    notify_eval_metrics_t shared;       // the counters every stream shares
} s_starting_t;

//  Starts the evaluator of one stream (once, however often it is named).
static int s_start(const char *name, void *arg)
{
    s_starting_t *starting = arg;
    notify_eval_t *self = starting->self;
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(self->runners[i].state.stream.name, name) == 0) {
            return 0;
        }
    }
    char err[256], labels[32];
    assert(self->count < S_STREAMS);
    s_runner_t *runner = &self->runners[self->count];
    snprintf(labels, sizeof labels, "stream=\"%s\"", name);
    runner->metrics = starting->shared;
    runner->metrics.leases =
        sti_http_gauge(starting->http, "sti_notify_stream_evaluated", labels,
                       "1 while this replica evaluates the stream (holds its lease)");
    atomic_init(&runner->stop, false);
    if (notify_evaluator_init(&runner->state, starting->config, &runner->metrics, name, err,
                              sizeof err) != 0) {
        sti_error("evaluator of stream '%s': %s", name, err);
        notify_evaluator_fini(&runner->state);
        return -1;
    }
    self->count++;
    runner->started = pthread_create(&runner->thread, NULL, s_run, runner) == 0;
    return runner->started ? 0 : -1;
}

notify_eval_t *notify_eval_new(const notify_eval_config_t *config, sti_http_t *http)
{
    assert(config->batch >= 1 && config->lease_ms >= 3 && config->flush_ms >= 1);
    notify_eval_t *self = calloc(1, sizeof *self);
    assert(self);
    s_starting_t starting = {self, config, http, {0}};
    starting.shared.events =
        sti_http_counter(http, "sti_notify_events_total", NULL, "Events evaluated");
    starting.shared.alerts =
        sti_http_counter(http, "sti_notify_alerts_total", NULL,
                         "Deliveries queued or recorded silenced (one per alert and receiver)");
    starting.shared.silenced =
        sti_http_counter(http, "sti_notify_silenced_total", NULL, "Alerts held by a silence");
    if (s_each_stream(config->streams, s_start, &starting) != 0) {
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
    for (size_t i = 0; i < self->count; i++) {
        atomic_store(&self->runners[i].stop, true);
    }
    for (size_t i = 0; i < self->count; i++) {
        s_runner_t *runner = &self->runners[i];
        if (runner->started) {
            pthread_join(runner->thread, NULL);
        }
        notify_evaluator_t *state = &runner->state;
        if (state->stream.sub) {
            notify_eval_store_lease(state->store, state->stream.name, state->token, 1, true);
        }
        notify_evaluator_fini(state);
    }
    free(self);
    *self_p = NULL;
}
