/*  notify_eval_store: the evaluators' keys. See notify_eval_store.h.

    Reads that belong together are one pipelined round (a group's meta and
    events; the latest values of a batch). A latest value or a group event
    that does not read is skipped, never an error: they were written by
    this service, and one bad entry must not stop the others.
*/
#include "notify_eval_store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_keys.h"
#include "sti_log.h"
#include "sti_lua_notify_core.h"

struct _notify_eval_store_t {
    sti_redis_t *redis;              // borrowed
    sti_script_t *lease;             // notify_lease.lua
    char latest_key[NOTIFY_KEY_MAX]; // <ns>:notify:latest
    char groups_key[NOTIFY_KEY_MAX]; // <ns>:notify:groups
};

notify_eval_store_t *notify_eval_store_new(sti_redis_t *redis)
{
    notify_eval_store_t *self = calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->lease = sti_redis_script(redis, sti_lua_notify_lease);
    notify_key_latest(redis, self->latest_key, sizeof self->latest_key);
    notify_key_groups(redis, self->groups_key, sizeof self->groups_key);
    return self;
}

void notify_eval_store_destroy(notify_eval_store_t **self_p)
{
    assert(self_p);
    notify_eval_store_t *self = *self_p;
    if (self) {
        free(self);
        *self_p = NULL;
    }
}

int notify_eval_store_lease(notify_eval_store_t *self, const char *stream, const char *token,
                            int64_t ms, bool release)
{
    char key[NOTIFY_KEY_MAX], ms_text[32];
    snprintf(ms_text, sizeof ms_text, "%lld", (long long)ms);
    notify_key_lease(self->redis, stream, key, sizeof key);
    const char *argv[] = {key, token, ms_text, release ? "release" : "keep"};
    size_t lens[4];
    for (size_t i = 0; i < 4; i++) {
        lens[i] = strlen(argv[i]);
    }
    redisReply *reply = sti_redis_eval(self->redis, self->lease, 1, 3, argv, lens);
    int held = reply && reply->type == REDIS_REPLY_INTEGER ? (int)reply->integer : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return held;
}

int notify_eval_store_cursor(notify_eval_store_t *self, const char *stream, uint64_t *cursor)
{
    char key[NOTIFY_KEY_MAX];
    redisReply *reply = sti_redis_command(self->redis, "GET %s",
                                          notify_key_cursor(self->redis, stream, key, sizeof key));
    int rc = -1;
    if (reply && reply->type == REDIS_REPLY_NIL) {
        *cursor = 0;
        rc = 0;
    } else if (reply && reply->type == REDIS_REPLY_STRING) {
        *cursor = strtoull(reply->str, NULL, 10);
        rc = 0;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int notify_eval_store_latest(notify_eval_store_t *self, const char *const *fields, size_t count,
                             notify_latest_t *latest)
{
    for (size_t i = 0; i < count; i++) {
        if (fields[i]) {
            sti_redis_appendf(self->redis, "HGET %s %s", self->latest_key, fields[i]);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        memset(&latest[i], 0, sizeof latest[i]);
        if (!fields[i]) {
            continue;
        }
        redisReply *reply = sti_redis_reply(self->redis);
        if (!reply) {
            rc = -1;
        } else if (reply->type == REDIS_REPLY_STRING) {
            notify_latest_parse(reply->str, reply->len, &latest[i]);
        }
        if (reply) {
            freeReplyObject(reply);
        }
    }
    return rc;
}

long notify_eval_store_latest_each(notify_eval_store_t *self, size_t max, notify_latest_fn *fn,
                                   void *arg)
{
    redisReply *length = sti_redis_command(self->redis, "HLEN %s", self->latest_key);
    bool fits = length && length->type == REDIS_REPLY_INTEGER && length->integer >= 0 &&
                (size_t)length->integer <= max;
    if (length && !fits && length->type == REDIS_REPLY_INTEGER) {
        sti_warn("%s: %lld latest values, more than the %zu a stale check reads", self->latest_key,
                 length->integer, max);
    }
    if (length) {
        freeReplyObject(length);
    }
    redisReply *all = fits ? sti_redis_command(self->redis, "HGETALL %s", self->latest_key) : NULL;
    if (!all || all->type != REDIS_REPLY_ARRAY) {
        if (all) {
            freeReplyObject(all);
        }
        return -1;
    }
    long count = 0;
    for (size_t i = 0; i + 1 < all->elements; i += 2) {
        const redisReply *field = all->element[i], *value = all->element[i + 1];
        char indicator[64], org[64];
        notify_latest_t latest;
        if (field->type == REDIS_REPLY_STRING && value->type == REDIS_REPLY_STRING &&
            notify_latest_field_split(field->str, field->len, indicator, org, sizeof org) == 0 &&
            notify_latest_parse(value->str, value->len, &latest) == 0) {
            fn(indicator, org, &latest, arg);
            count++;
        }
    }
    freeReplyObject(all);
    return count;
}

long notify_eval_store_due_groups(notify_eval_store_t *self, int64_t now_ms, size_t max,
                                  char gids[][NOTIFY_GROUP_ID_MAX])
{
    redisReply *due = sti_redis_command(self->redis, "ZRANGEBYSCORE %s -inf %lld LIMIT 0 %lld",
                                        self->groups_key, (long long)now_ms, (long long)max);
    long count = due && due->type == REDIS_REPLY_ARRAY ? 0 : -1;
    for (size_t i = 0; count >= 0 && i < due->elements && (size_t)count < max; i++) {
        const redisReply *gid = due->element[i];
        if (gid->type == REDIS_REPLY_STRING && gid->len < NOTIFY_GROUP_ID_MAX) {
            memcpy(gids[count], gid->str, gid->len + 1);
            count++;
        }
    }
    if (due) {
        freeReplyObject(due);
    }
    return count;
}

int notify_eval_store_group(notify_eval_store_t *self, const char *gid, size_t max,
                            notify_group_head_t *head, sti_writer_t *events)
{
    char meta[NOTIFY_KEY_MAX], list[NOTIFY_KEY_MAX];
    notify_key_group_meta(self->redis, gid, meta, sizeof meta);
    notify_key_group_events(self->redis, gid, list, sizeof list);
    sti_redis_appendf(self->redis, "HMGET %s rule flushes", meta);
    sti_redis_appendf(self->redis, "LRANGE %s 0 %lld", list, (long long)(max ? max - 1 : 0));
    redisReply *fields = sti_redis_reply(self->redis);
    redisReply *taken = sti_redis_reply(self->redis);
    int rc = -1;
    memset(head, 0, sizeof *head);
    sti_writer_reset(events);
    if (fields && taken && fields->type == REDIS_REPLY_ARRAY && fields->elements == 2 &&
        taken->type == REDIS_REPLY_ARRAY) {
        const redisReply *rule = fields->element[0], *flushes = fields->element[1];
        if (rule->type == REDIS_REPLY_STRING && rule->len < sizeof head->rule) {
            memcpy(head->rule, rule->str, rule->len + 1);
        }
        head->flushes = flushes->type == REDIS_REPLY_STRING ? strtoll(flushes->str, NULL, 10) : 0;
        head->count = taken->elements;
        sti_writer_array(events, taken->elements);
        for (size_t i = 0; i < taken->elements; i++) {
            const redisReply *event = taken->element[i];
            sti_writer_raw(events, event->type == REDIS_REPLY_STRING ? event->str : "\xc0",
                           event->type == REDIS_REPLY_STRING ? event->len : 1);
        }
        rc = 0;
    }
    if (fields) {
        freeReplyObject(fields);
    }
    if (taken) {
        freeReplyObject(taken);
    }
    return rc;
}
