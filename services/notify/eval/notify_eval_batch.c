/*  notify_eval_batch: draining a stream and committing. See
    notify_eval_batch.h.

    The cursor committed is the last event taken, or the subscriber's own
    cursor when nothing more is queued (it moves past events of other
    topics and heartbeats). The deliveries are named after the event (its
    stream, epoch and seq): after a loss, seqs are handed out again in a
    new epoch, and a new event must not take the delivery ids of the one
    that was lost.
*/
#include "notify_eval_batch.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_match.h"
#include "sti_log.h"

//  The events taken and what was read for them.
typedef struct {
    sti_event_t **taken;          // the events, in seq order
    size_t count;                 // how many
    notify_alert_event_t *events; // each read as an alert tells it
    bool *ok;                     // whether it read
    notify_latest_t *latest;      // the latest value its indicator had in Redis
    zhash_t *local;               // latest values set by earlier events of the batch
} s_batch_t;

//  Reads the latest values of the batch's indicator events (one round).
//  Returns 0 or -1.
static int s_read_latest(notify_evaluator_t *self, s_batch_t *batch)
{
    char(*fields)[160] = calloc(batch->count, sizeof *fields);
    const char **names = calloc(batch->count, sizeof *names);
    assert(fields && names);
    for (size_t i = 0; i < batch->count; i++) {
        if (batch->ok[i] && *batch->events[i].indicator) {
            names[i] = notify_latest_field(batch->events[i].indicator, batch->events[i].org,
                                           fields[i], sizeof fields[i]);
        }
    }
    int rc = notify_eval_store_latest(self->store, names, batch->count, batch->latest);
    free(names);
    free(fields);
    return rc;
}

//  The latest value of the event's indicator, from earlier events of the
//  batch (local) or from Redis (stored).
static notify_latest_t *s_latest_for(zhash_t *local, const notify_alert_event_t *event,
                                     notify_latest_t *stored)
{
    char field[160];
    notify_latest_field(event->indicator, event->org, field, sizeof field);
    notify_latest_t *seen = zhash_lookup(local, field);
    return seen ? seen : stored;
}

//  Records the event's value as the latest when its period is not earlier.
static void s_note_latest(zhash_t *local, const notify_alert_event_t *event,
                          const notify_latest_t *before, int64_t now_ms)
{
    if (!*event->indicator || !event->has_new || strcmp(event->type, "indicator.changed") != 0 ||
        !notify_latest_newer(before, event->period)) {
        return;
    }
    char field[160];
    notify_latest_field(event->indicator, event->org, field, sizeof field);
    notify_latest_t *next = zhash_lookup(local, field);
    if (!next) {
        next = calloc(1, sizeof *next);
        assert(next);
        zhash_insert(local, field, next);
        zhash_freefn(local, field, free);
    }
    next->known = true;
    //  An indicator's period is a period ("2023-05"): it fits.
    snprintf(next->period, sizeof next->period, "%.15s", event->period);
    next->value = event->new_value;
    next->seen_ms = now_ms;
}

//  Evaluates one event against every rule.
static void s_evaluate(notify_evaluator_t *self, const sti_event_t *raw,
                       const notify_alert_event_t *event, const notify_latest_t *latest,
                       int64_t now_ms)
{
    char about[96];
    if (raw->epoch && raw->epoch[0]) {
        snprintf(about, sizeof about, "%s-%s-%llu", self->stream.name, raw->epoch,
                 (unsigned long long)raw->seq);
    } else {
        snprintf(about, sizeof about, "%s-%llu", self->stream.name, (unsigned long long)raw->seq);
    }
    notify_match_t match = {event->type, *event->indicator ? event->indicator : NULL,
                            *event->org ? event->org : NULL,
                            *event->category ? event->category : NULL};
    for (size_t r = 0; r < notify_rule_store_rule_count(self->rules); r++) {
        const notify_rule_t *rule = notify_rule_store_rule_at(self->rules, r);
        if (notify_rule_matches(rule, &match) && notify_condition_holds(rule, event, latest)) {
            notify_evaluator_alert(self, rule, event, about, true, now_ms);
        }
    }
}

//  Reads every taken event as an alert tells it (names and targets from the
//  catalog); one that does not read is logged and not evaluated.
static void s_read_events(notify_evaluator_t *self, s_batch_t *batch)
{
    sti_errcode_t code;
    char err[256];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, &code, err, sizeof err);
    for (size_t i = 0; i < batch->count; i++) {
        sti_event_t *taken = batch->taken[i];
        batch->ok[i] =
            notify_alert_event_from(taken, catalog, &batch->events[i], err, sizeof err) == 0;
        if (!batch->ok[i] && taken->type &&
            (strcmp(taken->type, "indicator.changed") == 0 ||
             strcmp(taken->type, "progress.changed") == 0 ||
             strcmp(taken->type, "indicator.forecast_changed") == 0 ||
             strcmp(taken->type, "org.changed") == 0 || strcmp(taken->type, "duty.overdue") == 0 ||
             strncmp(taken->type, "talent.", 7) == 0 || strncmp(taken->type, "project.", 8) == 0)) {
            sti_warn("event %s: %s; not evaluated", taken->id ? taken->id : "?", err);
        }
    }
}

//  Evaluates the taken events into the commit being built. Returns 0, or
//  -1 when Redis failed.
static int s_evaluate_all(notify_evaluator_t *self, s_batch_t *batch, int64_t now_ms)
{
    if (notify_rule_store_refresh(self->rules) != 0) {
        return -1;
    }
    s_read_events(self, batch);
    if (s_read_latest(self, batch) != 0) {
        return -1;
    }
    for (size_t i = 0; i < batch->count; i++) {
        if (batch->ok[i]) {
            notify_latest_t *before =
                s_latest_for(batch->local, &batch->events[i], &batch->latest[i]);
            s_evaluate(self, batch->taken[i], &batch->events[i], before, now_ms);
            s_note_latest(batch->local, &batch->events[i], before, now_ms);
        }
    }
    char value[128];
    for (notify_latest_t *l = zhash_first(batch->local); l; l = zhash_next(batch->local)) {
        notify_queue_latest(self->queue, zhash_cursor(batch->local),
                            notify_latest_format(l, value, sizeof value));
    }
    return 0;
}

//  Takes up to config->batch events from the subscriber into batch.
static void s_take(notify_evaluator_t *self, s_batch_t *batch, size_t max)
{
    notify_eval_stream_t *stream = &self->stream;
    bool lost = false;
    while (batch->count < max) {
        sti_event_t *event = sti_events_sub_recv(stream->sub, 0, &lost);
        char notice[512];
        if (sti_events_sub_notice(stream->sub, notice, sizeof notice)) {
            sti_error("stream %s: %s", stream->name, notice);
        }
        if (lost) {
            sti_error("stream %s: events after seq %llu are gone from the log; they were not "
                      "evaluated",
                      stream->name, (unsigned long long)stream->cursor);
        }
        if (!event) {
            break;
        }
        batch->taken[batch->count++] = event;
    }
}

//  Evaluates the batch and commits it with the cursor moving to cursor.
static void s_commit(notify_evaluator_t *self, s_batch_t *batch, uint64_t cursor, int64_t now_ms)
{
    notify_eval_stream_t *stream = &self->stream;
    notify_queue_begin(self->queue);
    long created = s_evaluate_all(self, batch, now_ms) != 0
                       ? -1
                       : notify_queue_commit_events(self->queue, stream->name, self->token,
                                                    stream->cursor, cursor, now_ms);
    if (created >= 0) {
        stream->cursor = cursor;
        stream->high = cursor > stream->high ? cursor : stream->high;
        sti_metric_add(self->metrics->events, (int64_t)batch->count);
        sti_metric_add(self->metrics->alerts, created);
        return;
    }
    sti_warn("stream %s: batch up to seq %llu not committed (%s); evaluating again from seq %llu",
             stream->name, (unsigned long long)cursor,
             created == -2 ? "lease or cursor moved" : sti_redis_errstr(self->redis),
             (unsigned long long)stream->cursor);
    sti_events_sub_destroy(&stream->sub);
}

void notify_eval_batch_drain(notify_evaluator_t *self, int64_t now_ms)
{
    notify_eval_stream_t *stream = &self->stream;
    size_t max = (size_t)self->config->batch;
    s_batch_t batch = {0};
    batch.taken = calloc(max, sizeof *batch.taken);
    assert(batch.taken);
    s_take(self, &batch, max);
    size_t room = batch.count ? batch.count : 1;
    batch.events = calloc(room, sizeof *batch.events);
    batch.ok = calloc(room, sizeof *batch.ok);
    batch.latest = calloc(room, sizeof *batch.latest);
    batch.local = zhash_new();
    assert(batch.events && batch.ok && batch.latest && batch.local);
    uint64_t cursor = batch.count ? batch.taken[batch.count - 1]->seq : stream->cursor;
    if (sti_events_sub_queued(stream->sub) == 0 && sti_events_sub_cursor(stream->sub) > cursor &&
        sti_events_sub_cursor(stream->sub) != STI_EVENTS_LIVE) {
        cursor = sti_events_sub_cursor(stream->sub);
    }
    if (cursor != stream->cursor) {
        s_commit(self, &batch, cursor, now_ms);
    }
    for (size_t i = 0; i < batch.count; i++) {
        sti_event_destroy(&batch.taken[i]);
    }
    zhash_destroy(&batch.local);
    free(batch.taken);
    free(batch.events);
    free(batch.ok);
    free(batch.latest);
}
