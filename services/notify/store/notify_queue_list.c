/*  notify_queue_list: the listing of deliveries (delivery.list).
    See notify_queue.h.

    Reads the index newest first in pages of 100 ids, each page one
    pipelined round of HMGETs, and stops at the limit or after S_SCAN
    entries. Entries whose hash has expired are dropped from the index on
    the way. The failed ones are the dead letters, read from the dead-letter
    list (the index forgets entries older than the retention), then the
    retrying ones from the index. Receivers are shown with their secrets
    masked.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_queue.h"
#include "notify_receiver.h"

#define S_SCAN 10000 // index entries looked at, at most
#define S_PAGE 100   // ids per round trip

static const char *const s_fields[] = {"id",          "rule",        "rule_name", "receiver",
                                       "state",       "attempts",    "last_error", "last_status",
                                       "created",     "updated",     "label"};
#define S_FIELDS (sizeof s_fields / sizeof s_fields[0])

//  Whether the entry passes the filters: state (NULL: any) and rule (NULL: any).
static bool s_wanted(redisReply *entry, const char *state_only, const char *rule)
{
    redisReply *state = entry->element[4], *owner = entry->element[1];
    if (state->type != REDIS_REPLY_STRING) {
        return false;
    }
    if (state_only && strcmp(state->str, state_only) != 0) {
        return false;
    }
    return !rule || (owner->type == REDIS_REPLY_STRING && strcmp(owner->str, rule) == 0);
}

//  Writes one entry's map.
static void s_write(redisReply *entry, sti_writer_t *out)
{
    sti_writer_map(out, S_FIELDS);
    for (size_t f = 0; f < S_FIELDS; f++) {
        redisReply *value = entry->element[f];
        const char *text = value->type == REDIS_REPLY_STRING ? value->str : "";
        sti_writer_str(out, s_fields[f]);
        if (strcmp(s_fields[f], "attempts") == 0 || strcmp(s_fields[f], "last_status") == 0 ||
            strcmp(s_fields[f], "created") == 0 || strcmp(s_fields[f], "updated") == 0) {
            sti_writer_int(out, atoll(text));
        } else if (strcmp(s_fields[f], "receiver") == 0) {
            notify_receiver_t receiver;
            char err[256], shown[NOTIFY_TARGET_MAX + 64];
            sti_writer_str(out, notify_receiver_parse(text, &receiver, err, sizeof err) == 0
                                    ? notify_receiver_describe(&receiver, shown, sizeof shown)
                                    : "(unreadable)");
        } else {
            sti_writer_str(out, text);
        }
    }
}

//  Reads one page of ids with HMGET. index_key: where to drop ids whose
//  delivery expired (NULL: none). Returns the entries written, -1 on failure.
static long s_page(sti_redis_t *redis, const char *index_key, redisReply *ids, size_t from,
                   size_t to, const char *state_only, const char *rule, size_t room,
                   sti_writer_t *out)
{
    char key[512];
    for (size_t i = from; i < to; i++) {
        sti_redis_key(redis, key, sizeof key, "notify", "dlv",
                      ids->element[i]->type == REDIS_REPLY_STRING ? ids->element[i]->str : "-",
                      NULL);
        const char *argv[2 + S_FIELDS] = {"HMGET", key};
        for (size_t f = 0; f < S_FIELDS; f++) {
            argv[2 + f] = s_fields[f];
        }
        sti_redis_append(redis, 2 + S_FIELDS, argv, NULL);
    }
    long written = 0;
    int rc = 0;
    for (size_t i = from; i < to; i++) {
        redisReply *entry = sti_redis_reply(redis);
        if (!entry || entry->type != REDIS_REPLY_ARRAY || entry->elements != S_FIELDS) {
            rc = -1;
        } else if (entry->element[0]->type == REDIS_REPLY_NIL && index_key) {
            redisReply *gone = sti_redis_command(redis, "ZREM %s %s", index_key,
                                                 ids->element[i]->str);
            if (gone) {
                freeReplyObject(gone);
            }
        } else if ((size_t)written < room && entry->element[0]->type != REDIS_REPLY_NIL &&
                   s_wanted(entry, state_only, rule)) {
            s_write(entry, out);
            written++;
        }
        if (entry) {
            freeReplyObject(entry);
        }
    }
    return rc ? -1 : written;
}

//  Lists the ids of one command's reply (ZREVRANGE or LRANGE) into entries.
//  Returns the count added, or -1.
static long s_scan(sti_redis_t *redis, const char *command, const char *key,
                   const char *index_key, const char *state_only, const char *rule, size_t room,
                   sti_writer_t *entries)
{
    redisReply *ids = sti_redis_command(redis, "%s %s 0 %d", command, key, S_SCAN - 1);
    if (!ids || ids->type != REDIS_REPLY_ARRAY) {
        if (ids) {
            freeReplyObject(ids);
        }
        return -1;
    }
    long count = 0;
    for (size_t from = 0; from < ids->elements && (size_t)count < room; from += S_PAGE) {
        size_t to = from + S_PAGE < ids->elements ? from + S_PAGE : ids->elements;
        long n = s_page(redis, index_key, ids, from, to, state_only, rule, room - (size_t)count,
                        entries);
        if (n < 0) {
            count = -1;
            break;
        }
        count += n;
    }
    freeReplyObject(ids);
    return count;
}

int notify_queue_list_redis(sti_redis_t *redis, bool failed, const char *rule, size_t limit,
                            sti_writer_t *writer)
{
    char index_key[256], dead_key[256];
    sti_redis_key(redis, index_key, sizeof index_key, "notify", "index", NULL);
    sti_redis_key(redis, dead_key, sizeof dead_key, "notify", "dead", NULL);
    sti_writer_t *entries = sti_writer_new();
    long count = 0, more = 0;
    if (failed) {
        count = s_scan(redis, "LRANGE", dead_key, NULL, "dead", rule, limit, entries);
        more = count < 0 || (size_t)count >= limit
                   ? 0
                   : s_scan(redis, "ZREVRANGE", index_key, index_key, "retrying", rule,
                            limit - (size_t)count, entries);
    } else {
        count = s_scan(redis, "ZREVRANGE", index_key, index_key, NULL, rule, limit, entries);
    }
    int rc = count < 0 || more < 0 ? -1 : 0;
    if (rc == 0) {
        size_t size;
        const void *data = sti_writer_data(entries, &size);
        sti_writer_map(writer, 1);
        sti_writer_str(writer, "deliveries");
        sti_writer_array(writer, (size_t)(count + more));
        sti_writer_raw(writer, data, size);
    }
    sti_writer_destroy(&entries);
    return rc;
}
