/*  talent_lookup_store: the registry's reading queries. See talent_lookup_store.h.

    Replies are checked in full before anything is copied out of them: a
    reply of another shape is a failure ("cannot be read now"), never a
    partial answer.
*/
#include "talent_lookup_store.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events.h"
#include "sti_lua_talent_core.h"
#include "talent_keyspace.h"

struct _talent_lookup_store_t {
    sti_redis_t *redis;   // borrowed
    sti_script_t *search; // talent_search.lua
};

talent_lookup_store_t *talent_lookup_store_new(sti_redis_t *redis)
{
    assert(redis);
    talent_lookup_store_t *self = (talent_lookup_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->search = sti_redis_script(redis, sti_lua_talent_search);
    return self;
}

void talent_lookup_store_destroy(talent_lookup_store_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  The reason Redis gave for a failed reply, or the connection's.
static const char *s_why(talent_lookup_store_t *self, const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR ? reply->str : sti_redis_errstr(self->redis);
}

//  Runs talent_search.lua. Returns its reply (caller frees) or NULL.
static redisReply *s_find(talent_lookup_store_t *self, const talent_search_t *search)
{
    char keys[TALENT_SEARCH_FILTERS + 2][512], cursor[24], limit[24];
    const char *argv[TALENT_SEARCH_FILTERS + 5];
    talent_keyspace_all(self->redis, keys[0], sizeof keys[0]);
    talent_keyspace_names(self->redis, keys[1], sizeof keys[1]);
    for (size_t i = 0; i < search->count; i++) {
        talent_keyspace_index(self->redis, search->tokens[i], keys[2 + i], sizeof keys[2 + i]);
    }
    size_t nkeys = 2 + search->count;
    for (size_t i = 0; i < nkeys; i++) {
        argv[i] = keys[i];
    }
    snprintf(cursor, sizeof cursor, "%" PRId64, search->cursor);
    snprintf(limit, sizeof limit, "%" PRId64, search->limit);
    argv[nkeys] = cursor;
    argv[nkeys + 1] = limit;
    argv[nkeys + 2] = search->name;
    return sti_redis_eval(self->redis, self->search, (int)nkeys, 3, argv, NULL);
}

int talent_lookup_store_search(talent_lookup_store_t *self, const talent_search_t *search,
                               char (*ids)[TALENT_REGISTRY_ID_MAX + 1], size_t *count,
                               int64_t *next, char *err, size_t errlen)
{
    assert(self && search && ids && count && next);
    assert(search->count <= TALENT_SEARCH_FILTERS && search->limit >= 1);
    redisReply *found = s_find(self, search);
    bool good = found && found->type == REDIS_REPLY_ARRAY && found->elements == 2 &&
                found->element[0]->type == REDIS_REPLY_INTEGER &&
                found->element[1]->type == REDIS_REPLY_ARRAY;
    *count = 0;
    if (!good) {
        snprintf(err, errlen, "the registry cannot be searched now: %s", s_why(self, found));
    } else {
        const redisReply *page = found->element[1];
        for (size_t i = 0; i < page->elements && *count < (size_t)search->limit; i++) {
            const redisReply *id = page->element[i];
            if (id->type == REDIS_REPLY_STRING && id->len <= TALENT_REGISTRY_ID_MAX) {
                memcpy(ids[*count], id->str, id->len + 1);
                (*count)++;
            }
        }
        *next = found->element[0]->integer > 0 ? found->element[0]->integer : 0;
    }
    if (found) {
        freeReplyObject(found);
    }
    return good ? 0 : -1;
}

int talent_lookup_store_stats(talent_lookup_store_t *self, talent_stats_t *stats, char *err,
                              size_t errlen)
{
    assert(self && stats);
    char key[256];
    talent_keyspace_stats(self->redis, key, sizeof key);
    const char *argv[] = {"HGETALL", key};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    bool good = reply && reply->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; good && i < reply->elements; i++) {
        good = reply->element[i]->type == REDIS_REPLY_STRING;
    }
    stats->count = 0;
    if (!good) {
        snprintf(err, errlen, "the registry's counts cannot be read now: %s", s_why(self, reply));
    }
    for (size_t i = 0; good && i + 1 < reply->elements && stats->count < TALENT_STATS_MAX; i += 2) {
        const redisReply *token = reply->element[i];
        if (token->len < TALENT_STAT_TOKEN_MAX) {
            memcpy(stats->items[stats->count].token, token->str, token->len + 1);
            stats->items[stats->count++].count = strtoll(reply->element[i + 1]->str, NULL, 10);
        }
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return good ? 0 : -1;
}

int64_t talent_lookup_store_stat(const talent_stats_t *stats, const char *token)
{
    assert(stats && token);
    for (size_t i = 0; i < stats->count; i++) {
        if (strcmp(stats->items[i].token, token) == 0) {
            return stats->items[i].count;
        }
    }
    return 0;
}

//  True when an XRANGE reply is a well-formed list of entries.
static bool s_entries_valid(const redisReply *reply)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        return false;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY) {
            return false;
        }
    }
    return true;
}

//  Copies one XRANGE entry [id, [field, value, ...]] into entry.
static void s_audit_entry(const redisReply *raw, talent_audit_entry_t *entry)
{
    const redisReply *fields = raw->element[1];
    memset(entry, 0, sizeof *entry);
    snprintf(entry->at, sizeof entry->at, "%s", raw->element[0]->str);
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *name = fields->element[i], *value = fields->element[i + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) {
            continue;
        }
        if (strcmp(name->str, "time") == 0) {
            entry->time = strtoll(value->str, NULL, 10);
        } else if (strcmp(name->str, "op") == 0) {
            snprintf(entry->op, sizeof entry->op, "%s", value->str);
        } else if (strcmp(name->str, "who") == 0) {
            snprintf(entry->who, sizeof entry->who, "%s", value->str);
        } else if (strcmp(name->str, "request") == 0) {
            snprintf(entry->request, sizeof entry->request, "%s", value->str);
        } else if (strcmp(name->str, "key") == 0) {
            snprintf(entry->key, sizeof entry->key, "%s", value->str);
            entry->has_key = true;
        } else if (strcmp(name->str, "reason") == 0) {
            snprintf(entry->reason, sizeof entry->reason, "%s", value->str);
            entry->has_reason = true;
        }
    }
}

talent_audit_entry_t *talent_lookup_store_audit(talent_lookup_store_t *self, const char *id,
                                                const char *after, int64_t limit, size_t *count,
                                                char *err, size_t errlen)
{
    assert(self && id && count && limit >= 1);
    char key[256], start[64], most[24];
    talent_keyspace_audit(self->redis, id, key, sizeof key);
    if (after) {
        snprintf(start, sizeof start, "(%s", after); // exclusive: after the last entry shown
    } else {
        snprintf(start, sizeof start, "-");
    }
    snprintf(most, sizeof most, "%" PRId64, limit + 1);
    const char *argv[] = {"XRANGE", key, start, "+", "COUNT", most};
    redisReply *reply = sti_redis_argv_retry(self->redis, 6, argv, NULL);
    talent_audit_entry_t *entries = NULL;
    if (!s_entries_valid(reply)) {
        snprintf(err, errlen, "the audit log cannot be read now: %s", s_why(self, reply));
    } else {
        *count = reply->elements;
        entries = (talent_audit_entry_t *)calloc(*count + 1, sizeof *entries);
        assert(entries);
        for (size_t i = 0; i < *count; i++) {
            s_audit_entry(reply->element[i], &entries[i]);
        }
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return entries;
}

void talent_lookup_store_events_since(talent_lookup_store_t *self, const sti_request_t *request,
                                      sti_writer_t *reply)
{
    assert(self && request && reply);
    sti_events_since_reply(self->redis, "tal", request, reply);
}
