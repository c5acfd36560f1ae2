/*  notify_eval_steps: draining a stream and committing. See
    notify_eval_steps.h.

    A batch: take up to `batch` events from the subscriber; read the latest
    values their indicators had (one pipelined round of HGETs); evaluate
    each event against every rule in seq order, later events seeing the
    latest values earlier ones set; then one commit. The cursor committed
    is the last event taken, or the subscriber's own cursor when nothing
    more is queued (it moves past events of other topics and heartbeats).
*/
#include "notify_eval_steps.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"

int notify_eval_state_init(notify_eval_state_t *state, const notify_eval_config_t *config,
                           const notify_eval_metrics_t *metrics, char *err, size_t errlen)
{
    memset(state, 0, sizeof *state);
    state->config = config;
    state->metrics = metrics;
    state->redis = sti_redis_new(config->redis_url, config->ns, err, errlen);
    if (!state->redis) {
        return -1;
    }
    state->queue = notify_queue_new(state->redis, config->retention_ms);
    state->store = notify_store_new(state->redis);
    state->catalog = sti_catalog_store_new(state->redis);
    state->writer = sti_writer_new();
    unsigned char random[16];
    randombytes_buf(random, sizeof random);
    sodium_bin2hex(state->token, sizeof state->token, random, sizeof random);
    return 0;
}

void notify_eval_state_fini(notify_eval_state_t *state)
{
    sti_writer_destroy(&state->writer);
    sti_catalog_store_destroy(&state->catalog);
    notify_store_destroy(&state->store);
    notify_queue_destroy(&state->queue);
    sti_redis_destroy(&state->redis);
}

int notify_eval_read_cursor(notify_eval_state_t *state, notify_eval_stream_t *stream)
{
    char key[256];
    notify_queue_cursor_key(state->queue, stream->name, key, sizeof key);
    redisReply *reply = sti_redis_command(state->redis, "GET %s", key);
    int rc = -1;
    if (reply && reply->type == REDIS_REPLY_NIL) {
        stream->cursor = 0;
        rc = 0;
    } else if (reply && reply->type == REDIS_REPLY_STRING) {
        stream->cursor = strtoull(reply->str, NULL, 10);
        rc = 0;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

void notify_eval_deliveries(notify_eval_state_t *state, const notify_rule_t *rule,
                         const void *events, size_t size, const char *about, bool silenced,
                         const char *group, const char *label)
{
    for (size_t r = 0; r < rule->to_count; r++) {
        char id[NOTIFY_DELIVERY_ID_MAX + 1];
        notify_queue_delivery_id(rule->id, rule->to[r], about, id);
        notify_queue_item_t item = {id,     rule->id, rule->name, rule->severity, rule->to[r],
                                    events, size,     silenced,   group,          label};
        notify_queue_add(state->queue, &item);
    }
}

void notify_eval_alert(notify_eval_state_t *state, const notify_rule_t *rule,
                       const notify_alert_event_t *event, const char *about, bool groupable,
                       int64_t now_ms)
{
    char label[256];
    notify_label(event, label, sizeof label);
    bool silenced = notify_silenced(notify_store_silence_at(state->store, 0),
                                    notify_store_silence_count(state->store), rule, event, now_ms);
    sti_writer_reset(state->writer);
    size_t size;
    if (groupable && !silenced && notify_rule_grouped(rule)) {
        char gid[96];
        notify_group_id(rule, event, gid, sizeof gid);
        notify_alert_event_write(event, state->writer);
        const void *blob = sti_writer_data(state->writer, &size);
        notify_queue_group(state->queue, gid, rule->id, blob, size, rule->group_wait_ms,
                           rule->group_interval_ms);
        return;
    }
    sti_writer_array(state->writer, 1);
    notify_alert_event_write(event, state->writer);
    const void *blob = sti_writer_data(state->writer, &size);
    notify_eval_deliveries(state, rule, blob, size, about, silenced, "", label);
    if (silenced) {
        sti_metric_add(state->metrics->silenced, 1);
    }
}

//  Reads the latest values of the batch's indicator events (one pipelined
//  round). Returns 0 or -1.
static int s_read_latest(notify_eval_state_t *state, notify_alert_event_t *events, bool *ok,
                         size_t count, notify_latest_t *latest)
{
    char field[160];
    size_t asked = 0;
    for (size_t i = 0; i < count; i++) {
        if (ok[i] && *events[i].indicator) {
            notify_latest_field(events[i].indicator, events[i].org, field, sizeof field);
            sti_redis_appendf(state->redis, "HGET %s %s", notify_queue_latest_key(state->queue),
                              field);
            asked++;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        memset(&latest[i], 0, sizeof latest[i]);
        if (ok[i] && *events[i].indicator) {
            redisReply *reply = sti_redis_reply(state->redis);
            if (!reply) {
                rc = -1;
            } else if (reply->type == REDIS_REPLY_STRING) {
                notify_latest_parse(reply->str, reply->len, &latest[i]);
            }
            if (reply) {
                freeReplyObject(reply);
            }
        }
    }
    (void)asked;
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
    if (!*event->indicator || !event->has_new || !notify_latest_newer(before, event->period)) {
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
    snprintf(next->period, sizeof next->period, "%s", event->period);
    next->value = event->new_value;
    next->seen_ms = now_ms;
}

//  Evaluates one event against every rule. The deliveries are named after
//  the event (its stream, epoch and seq): after a loss, seqs are handed out
//  again in a new epoch, and a new event must not take the delivery ids of
//  the one that was lost.
static void s_evaluate(notify_eval_state_t *state, const notify_eval_stream_t *stream,
                       const sti_event_t *raw, const notify_alert_event_t *event,
                       const notify_latest_t *latest, int64_t now_ms)
{
    char about[96];
    if (raw->epoch && raw->epoch[0]) {
        snprintf(about, sizeof about, "%s-%s-%llu", stream->name, raw->epoch,
                 (unsigned long long)raw->seq);
    } else {
        snprintf(about, sizeof about, "%s-%llu", stream->name, (unsigned long long)raw->seq);
    }
    notify_match_t match = {event->type, *event->indicator ? event->indicator : NULL,
                            *event->org ? event->org : NULL,
                            *event->category ? event->category : NULL};
    for (size_t r = 0; r < notify_store_rule_count(state->store); r++) {
        const notify_rule_t *rule = notify_store_rule_at(state->store, r);
        if (notify_rule_matches(rule, &match) && notify_condition_holds(rule, event, latest)) {
            notify_eval_alert(state, rule, event, about, true, now_ms);
        }
    }
}

//  Evaluates the taken events into the batch.
static void s_batch(notify_eval_state_t *state, const notify_eval_stream_t *stream,
                    sti_event_t **taken, size_t count, int64_t now_ms, int *failed)
{
    const sti_catalog_t *catalog = NULL;
    sti_errcode_t code;
    char err[256];
    if (notify_store_refresh(state->store) != 0) {
        *failed = 1;
        return;
    }
    catalog = sti_catalog_store_get(state->catalog, &code, err, sizeof err);
    notify_alert_event_t *events = calloc(count, sizeof *events);
    notify_latest_t *latest = calloc(count, sizeof *latest);
    bool *ok = calloc(count, sizeof *ok);
    zhash_t *local = zhash_new();
    assert(events && latest && ok && local);
    for (size_t i = 0; i < count; i++) {
        ok[i] = notify_alert_event_from(taken[i], catalog, &events[i], err, sizeof err) == 0;
        if (!ok[i] && taken[i]->type && (strcmp(taken[i]->type, "indicator.changed") == 0 ||
                                         strncmp(taken[i]->type, "talent.", 7) == 0)) {
            sti_warn("event %s: %s; not evaluated", taken[i]->id ? taken[i]->id : "?", err);
        }
    }
    *failed = s_read_latest(state, events, ok, count, latest);
    for (size_t i = 0; i < count && !*failed; i++) {
        if (ok[i]) {
            notify_latest_t *before = s_latest_for(local, &events[i], &latest[i]);
            s_evaluate(state, stream, taken[i], &events[i], before, now_ms);
            s_note_latest(local, &events[i], before, now_ms);
        }
    }
    char value[128];
    for (notify_latest_t *l = zhash_first(local); l; l = zhash_next(local)) {
        notify_queue_latest(state->queue, zhash_cursor(local),
                            notify_latest_format(l, value, sizeof value));
    }
    zhash_destroy(&local);
    free(events);
    free(latest);
    free(ok);
}

void notify_eval_drain(notify_eval_state_t *state, notify_eval_stream_t *stream, int64_t now_ms)
{
    size_t max = state->config->batch > 0 ? (size_t)state->config->batch : 256;
    sti_event_t **taken = calloc(max, sizeof *taken);
    assert(taken);
    size_t count = 0;
    bool lost = false;
    while (count < max) {
        sti_event_t *event = sti_events_sub_recv(stream->sub, 0, &lost);
        char notice[512];
        if (sti_events_sub_notice(stream->sub, notice, sizeof notice)) {
            sti_error("stream %s: %s", stream->name, notice);
        }
        if (lost) {
            sti_error("stream %s: events after seq %llu are gone from the log; they were not "
                      "evaluated", stream->name, (unsigned long long)stream->cursor);
        }
        if (!event) {
            break;
        }
        taken[count++] = event;
    }
    uint64_t cursor = count ? taken[count - 1]->seq : stream->cursor;
    if (sti_events_sub_queued(stream->sub) == 0 && sti_events_sub_cursor(stream->sub) > cursor &&
        sti_events_sub_cursor(stream->sub) != STI_EVENTS_LIVE) {
        cursor = sti_events_sub_cursor(stream->sub);
    }
    if (cursor != stream->cursor) {
        int failed = 0;
        notify_queue_begin(state->queue);
        s_batch(state, stream, taken, count, now_ms, &failed);
        long created = failed ? -1
                              : notify_queue_commit_events(state->queue, stream->name,
                                                           state->token, stream->cursor, cursor,
                                                           now_ms);
        if (created >= 0) {
            stream->cursor = cursor;
            stream->high = cursor > stream->high ? cursor : stream->high;
            sti_metric_add(state->metrics->events, (int64_t)count);
            sti_metric_add(state->metrics->alerts, created);
        } else {
            sti_warn("stream %s: batch up to seq %llu not committed (%s); evaluating again from "
                     "seq %llu", stream->name, (unsigned long long)cursor,
                     created == -2 ? "lease or cursor moved" : sti_redis_errstr(state->redis),
                     (unsigned long long)stream->cursor);
            sti_events_sub_destroy(&stream->sub);
        }
    }
    for (size_t i = 0; i < count; i++) {
        sti_event_destroy(&taken[i]);
    }
    free(taken);
}
