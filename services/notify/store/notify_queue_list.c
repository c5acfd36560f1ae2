/*  notify_queue_list: the listing of deliveries. See notify_queue_list.h.

    Reads the index (or the dead-letter list) newest first in pages of 100
    ids, each page one pipelined round of HMGETs, and stops at the limit or
    after S_SCAN entries. Entries whose hash has expired are dropped from
    the index on the way.
*/
#include "notify_queue_list.h"

#include <stdlib.h>
#include <string.h>

#include "notify_keys.h"

#define S_SCAN 10000 // index entries looked at, at most
#define S_PAGE 100   // ids per round trip

static const char *const s_fields[] = {"id",      "rule",     "rule_name",  "receiver",
                                       "state",   "attempts", "last_error", "last_status",
                                       "created", "updated",  "label"};
#define S_FIELDS (sizeof s_fields / sizeof s_fields[0])

//  What one listing asks.
typedef struct {
    sti_redis_t *redis;         // the connection
    const char *index_key;      // where to drop ids whose delivery expired (NULL: nowhere)
    const char *state_only;     // only deliveries in this state (NULL: any)
    const char *rule;           // only this rule's (NULL: any)
    notify_delivery_row_fn *fn; // gets the rows
    void *arg;                  // its argument
} s_listing_t;

static const char *s_text(const redisReply *value)
{
    return value->type == REDIS_REPLY_STRING ? value->str : "";
}

//  Whether the entry passes the filters.
static bool s_wanted(const s_listing_t *listing, const redisReply *entry)
{
    const redisReply *state = entry->element[4], *owner = entry->element[1];
    if (state->type != REDIS_REPLY_STRING) {
        return false;
    }
    if (listing->state_only && strcmp(state->str, listing->state_only) != 0) {
        return false;
    }
    return !listing->rule ||
           (owner->type == REDIS_REPLY_STRING && strcmp(owner->str, listing->rule) == 0);
}

//  Hands one entry (the HMGET of s_fields) to the callback.
static void s_give(const s_listing_t *listing, const redisReply *entry)
{
    redisReply *const *f = entry->element;
    notify_delivery_row_t row = {
        s_text(f[0]),        s_text(f[1]),        s_text(f[2]),  s_text(f[3]),
        s_text(f[4]),        atoll(s_text(f[5])), s_text(f[6]),  atoll(s_text(f[7])),
        atoll(s_text(f[8])), atoll(s_text(f[9])), s_text(f[10]),
    };
    listing->fn(&row, listing->arg);
}

//  Reads ids [from, to) with one pipelined round of HMGETs and gives the
//  wanted ones, at most room. Returns the rows given, -1 on failure.
static long s_page(const s_listing_t *listing, const redisReply *ids, size_t from, size_t to,
                   size_t room)
{
    char key[NOTIFY_KEY_MAX];
    for (size_t i = from; i < to; i++) {
        const char *id = ids->element[i]->type == REDIS_REPLY_STRING ? ids->element[i]->str : "-";
        const char *argv[2 + S_FIELDS] = {"HMGET",
                                          notify_key_delivery(listing->redis, id, key, sizeof key)};
        for (size_t f = 0; f < S_FIELDS; f++) {
            argv[2 + f] = s_fields[f];
        }
        sti_redis_append(listing->redis, 2 + S_FIELDS, argv, NULL);
    }
    long given = 0;
    int rc = 0;
    for (size_t i = from; i < to; i++) {
        redisReply *entry = sti_redis_reply(listing->redis);
        if (!entry || entry->type != REDIS_REPLY_ARRAY || entry->elements != S_FIELDS) {
            rc = -1;
        } else if (entry->element[0]->type == REDIS_REPLY_NIL && listing->index_key) {
            redisReply *gone = sti_redis_command(listing->redis, "ZREM %s %s", listing->index_key,
                                                 s_text(ids->element[i]));
            if (gone) {
                freeReplyObject(gone);
            }
        } else if ((size_t)given < room && entry->element[0]->type != REDIS_REPLY_NIL &&
                   s_wanted(listing, entry)) {
            s_give(listing, entry);
            given++;
        }
        if (entry) {
            freeReplyObject(entry);
        }
    }
    return rc ? -1 : given;
}

//  Lists the ids of one command's reply (ZREVRANGE or LRANGE of key) and
//  gives their entries, at most room. Returns the count given, or -1.
static long s_scan(const s_listing_t *listing, const char *command, const char *key, size_t room)
{
    redisReply *ids = sti_redis_command(listing->redis, "%s %s 0 %d", command, key, S_SCAN - 1);
    if (!ids || ids->type != REDIS_REPLY_ARRAY) {
        if (ids) {
            freeReplyObject(ids);
        }
        return -1;
    }
    long count = 0;
    for (size_t from = 0; from < ids->elements && (size_t)count < room; from += S_PAGE) {
        size_t to = from + S_PAGE < ids->elements ? from + S_PAGE : ids->elements;
        long n = s_page(listing, ids, from, to, room - (size_t)count);
        if (n < 0) {
            count = -1;
            break;
        }
        count += n;
    }
    freeReplyObject(ids);
    return count;
}

long notify_queue_list(sti_redis_t *redis, bool failed, const char *rule, size_t limit,
                       notify_delivery_row_fn *fn, void *arg)
{
    char index_key[NOTIFY_KEY_MAX], dead_key[NOTIFY_KEY_MAX];
    notify_key_index(redis, index_key, sizeof index_key);
    notify_key_dead(redis, dead_key, sizeof dead_key);
    if (!failed) {
        s_listing_t all = {redis, index_key, NULL, rule, fn, arg};
        return s_scan(&all, "ZREVRANGE", index_key, limit);
    }
    s_listing_t dead = {redis, NULL, "dead", rule, fn, arg};
    long count = s_scan(&dead, "LRANGE", dead_key, limit);
    if (count < 0 || (size_t)count >= limit) {
        return count;
    }
    s_listing_t retrying = {redis, index_key, "retrying", rule, fn, arg};
    long more = s_scan(&retrying, "ZREVRANGE", index_key, limit - (size_t)count);
    return more < 0 ? -1 : count + more;
}
