/*  notify_eval_timers: the evaluator's timed steps, group flushes and stale
    checks. See notify_eval_steps.h.

    A flush reads the group's flush count and its first events, builds one
    delivery per receiver (id from the group id and the flush count), and
    commits it as a compare-and-set on the count, so two replicas flushing
    the same group make one message. A stale check reads the latest values
    notify has seen and queues an alert for every one a stale rule finds
    too old; the delivery id names the indicator, org unit and period (and
    the repeat interval's round), so the same staleness is sent once per
    repeat_interval (once in all when it is 0).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_eval_steps.h"
#include "sti_log.h"

#define S_GROUPS_PER_ROUND 16   // groups flushed per round at most
#define S_GROUP_EVENTS 100      // events one grouped message carries at most
#define S_LATEST_MAX 200000     // latest values a stale check reads at most
#define S_STALE_COMMIT 256      // deliveries per stale commit

//  Flushes one group. Returns 0, or -1 when Redis failed.
static int s_flush(notify_eval_state_t *state, const char *gid, int64_t now_ms)
{
    char meta[256], list[256];
    notify_queue_group_key(state->queue, gid, "meta", meta, sizeof meta);
    notify_queue_group_key(state->queue, gid, "events", list, sizeof list);
    sti_redis_appendf(state->redis, "HMGET %s rule flushes", meta);
    sti_redis_appendf(state->redis, "LRANGE %s 0 %d", list, S_GROUP_EVENTS - 1);
    redisReply *head = sti_redis_reply(state->redis);
    redisReply *events = sti_redis_reply(state->redis);
    int rc = -1;
    if (head && events && head->type == REDIS_REPLY_ARRAY && head->elements == 2 &&
        events->type == REDIS_REPLY_ARRAY) {
        const char *rule_id = head->element[0]->type == REDIS_REPLY_STRING ? head->element[0]->str
                                                                          : "";
        int64_t flushes = head->element[1]->type == REDIS_REPLY_STRING
                              ? strtoll(head->element[1]->str, NULL, 10)
                              : 0;
        const notify_rule_t *rule = notify_store_rule_find(state->store, rule_id);
        notify_queue_begin(state->queue);
        sti_writer_reset(state->writer);
        sti_writer_array(state->writer, events->elements);
        for (size_t i = 0; i < events->elements; i++) {
            sti_writer_raw(state->writer, events->element[i]->str, events->element[i]->len);
        }
        if (rule && events->elements > 0) {
            size_t size;
            const void *blob = sti_writer_data(state->writer, &size);
            char about[160], label[160];
            snprintf(about, sizeof about, "%s#%lld", gid, (long long)flushes);
            snprintf(label, sizeof label, "group %s: %zu events", gid, events->elements);
            notify_eval_deliveries(state, rule, blob, size, about, false, gid, label);
        }
        long created = notify_queue_commit_flush(state->queue, gid, flushes, events->elements,
                                                 rule ? rule->group_interval_ms : 0, now_ms);
        if (created > 0) {
            sti_metric_add(state->metrics->alerts, created);
        }
        rc = created == -1 ? -1 : 0;
    }
    if (head) {
        freeReplyObject(head);
    }
    if (events) {
        freeReplyObject(events);
    }
    return rc;
}

void notify_eval_flush_groups(notify_eval_state_t *state, int64_t now_ms)
{
    redisReply *due = sti_redis_command(state->redis, "ZRANGEBYSCORE %s -inf %lld LIMIT 0 %d",
                                        notify_queue_groups_key(state->queue),
                                        (long long)now_ms, S_GROUPS_PER_ROUND);
    if (due && due->type == REDIS_REPLY_ARRAY && due->elements > 0 &&
        notify_store_refresh(state->store) == 0) {
        for (size_t i = 0; i < due->elements; i++) {
            if (due->element[i]->type == REDIS_REPLY_STRING &&
                s_flush(state, due->element[i]->str, now_ms) != 0) {
                break;
            }
        }
    }
    if (due) {
        freeReplyObject(due);
    }
}

//  Fills a stale alert event for indicator at org from latest.
static void s_stale_event(const sti_catalog_t *catalog, const char *indicator, const char *org,
                          const notify_latest_t *latest, notify_alert_event_t *event)
{
    memset(event, 0, sizeof *event);
    snprintf(event->type, sizeof event->type, "indicator.stale");
    snprintf(event->indicator, sizeof event->indicator, "%s", indicator);
    snprintf(event->org, sizeof event->org, "%s", org);
    snprintf(event->period, sizeof event->period, "%s", latest->period);
    snprintf(event->status_after, sizeof event->status_after, "stale");
    event->has_new = true;
    event->new_value = latest->value;
    const sti_indicator_t *found = catalog ? sti_catalog_indicator_find(catalog, indicator) : NULL;
    if (found) {
        snprintf(event->name_zh, sizeof event->name_zh, "%s", found->name_zh);
        snprintf(event->name_en, sizeof event->name_en, "%s", found->name_en);
        snprintf(event->unit, sizeof event->unit, "%s", found->unit);
        const sti_target_t *target = sti_indicator_final_target(found);
        if (target) {
            event->has_target = true;
            event->target = target->value;
            snprintf(event->target_year, sizeof event->target_year, "%d", target->year);
        }
    }
}

//  Checks one latest value against every stale rule.
static void s_stale_one(notify_eval_state_t *state, const sti_catalog_t *catalog,
                        const redisReply *field, const redisReply *value, int64_t now_ms)
{
    notify_latest_t latest;
    char indicator[64], org[64];
    const char *bar = field->type == REDIS_REPLY_STRING ? strchr(field->str, '|') : NULL;
    if (!bar || (size_t)(bar - field->str) >= sizeof indicator || strlen(bar + 1) >= sizeof org ||
        value->type != REDIS_REPLY_STRING ||
        notify_latest_parse(value->str, value->len, &latest) != 0) {
        return;
    }
    snprintf(indicator, sizeof indicator, "%.*s", (int)(bar - field->str), field->str);
    snprintf(org, sizeof org, "%s", bar + 1);
    notify_match_t match = {"indicator.changed", indicator, org, NULL};
    for (size_t r = 0; r < notify_store_rule_count(state->store); r++) {
        const notify_rule_t *rule = notify_store_rule_at(state->store, r);
        if (rule->when != NOTIFY_WHEN_STALE || !notify_rule_matches(rule, &match) ||
            !notify_latest_stale(&latest, rule->stale_days, now_ms / 1000)) {
            continue;
        }
        notify_alert_event_t event;
        s_stale_event(catalog, indicator, org, &latest, &event);
        char about[256];
        long long round = rule->repeat_interval_ms > 0 ? now_ms / rule->repeat_interval_ms : 0;
        snprintf(about, sizeof about, "stale:%s|%s|%s#%lld", indicator, org, latest.period, round);
        notify_eval_alert(state, rule, &event, about, false, now_ms);
    }
}

void notify_eval_check_stale(notify_eval_state_t *state, int64_t now_ms)
{
    if (notify_store_refresh(state->store) != 0) {
        return;
    }
    bool any = false;
    for (size_t r = 0; r < notify_store_rule_count(state->store); r++) {
        any = any || notify_store_rule_at(state->store, r)->when == NOTIFY_WHEN_STALE;
    }
    if (!any) {
        return;
    }
    const char *key = notify_queue_latest_key(state->queue);
    redisReply *length = sti_redis_command(state->redis, "HLEN %s", key);
    bool fits = length && length->type == REDIS_REPLY_INTEGER && length->integer <= S_LATEST_MAX;
    if (length) {
        freeReplyObject(length);
    }
    redisReply *all = fits ? sti_redis_command(state->redis, "HGETALL %s", key) : NULL;
    if (!all || all->type != REDIS_REPLY_ARRAY) {
        if (all) {
            freeReplyObject(all);
        }
        return;
    }
    sti_errcode_t code;
    char err[256];
    const sti_catalog_t *catalog = sti_catalog_store_get(state->catalog, &code, err, sizeof err);
    notify_queue_begin(state->queue);
    size_t pending = 0;
    for (size_t i = 0; i + 1 < all->elements; i += 2) {
        s_stale_one(state, catalog, all->element[i], all->element[i + 1], now_ms);
        if (++pending == S_STALE_COMMIT) {
            long created = notify_queue_commit_plain(state->queue, now_ms);
            sti_metric_add(state->metrics->alerts, created > 0 ? created : 0);
            notify_queue_begin(state->queue);
            pending = 0;
        }
    }
    long created = notify_queue_commit_plain(state->queue, now_ms);
    sti_metric_add(state->metrics->alerts, created > 0 ? created : 0);
    freeReplyObject(all);
}
