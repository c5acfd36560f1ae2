/*  indicators_store_history: see the header. For a value with no list, its
    record is the table's copy (values of a table), or read in a second
    round trip of HGETs for those values only (asks).
*/
#include "indicators_store_history.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#define S_KEY_MAX 256 // bytes of one key name

struct _indicators_store_history_t {
    indicators_store_t *store;        // borrowed: the key names
    sti_redis_t *redis;               // borrowed: the store's connection
    indicators_revision_t *revisions; // the revisions of one value, handed to a reader
};

indicators_store_history_t *indicators_store_history_new(indicators_store_t *store)
{
    assert(store);
    indicators_store_history_t *self = (indicators_store_history_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->redis = indicators_store_redis(store);
    self->revisions =
        (indicators_revision_t *)calloc(INDICATORS_STORE_REVISIONS_MAX, sizeof *self->revisions);
    assert(self->revisions);
    return self;
}

void indicators_store_history_destroy(indicators_store_history_t **self_p)
{
    assert(self_p);
    indicators_store_history_t *self = *self_p;
    if (self) {
        free(self->revisions);
        free(self);
        *self_p = NULL;
    }
}

//  Decodes the revisions of an LRANGE reply (NULL: none) into
//  self->revisions; with no list, the one the value's record keeps, if it
//  keeps one (record NULL: not known). Returns how many.
static size_t s_decode_revisions(indicators_store_history_t *self, const redisReply *list,
                                 const indicators_record_t *record)
{
    size_t n = list && list->type == REDIS_REPLY_ARRAY ? list->elements : 0;
    n = n < INDICATORS_STORE_REVISIONS_MAX ? n : INDICATORS_STORE_REVISIONS_MAX;
    for (size_t r = 0; r < n; r++) {
        const redisReply *item = list->element[r];
        bool bytes = item->type == REDIS_REPLY_STRING;
        indicators_revision_decode(bytes ? item->str : NULL, bytes ? item->len : 0,
                                   &self->revisions[r]);
    }
    if (n == 0 && record && record->has_first) {
        indicators_record_first(record, &self->revisions[n++]);
    }
    return n;
}

//  Whether an LRANGE reply is a list with nothing in it.
static bool s_empty_list(const redisReply *list)
{
    return list && list->type == REDIS_REPLY_ARRAY && list->elements == 0;
}

int indicators_store_history_values(indicators_store_history_t *self, indicators_table_t *table,
                                    const int *values, size_t count,
                                    indicators_store_revisions_fn *fn, void *arg)
{
    assert(self && table && (values || count == 0) && fn);
    char key[S_KEY_MAX];
    for (size_t i = 0; i < count; i++) {
        const indicators_value_t *value = indicators_table_value_at(table, values[i]);
        indicators_store_revision_key(self->store, value->indicator, value->org, value->period_text,
                                      key, sizeof key);
        sti_redis_appendf(self->redis, "LRANGE %s %d -1", key, -INDICATORS_STORE_REVISIONS_MAX);
    }
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        redisReply *list = sti_redis_reply(self->redis);
        rc = list ? rc : -1;
        const indicators_value_t *value = indicators_table_value_at(table, values[i]);
        fn(arg, i, self->revisions, s_decode_revisions(self, list, &value->record));
        if (list) {
            freeReplyObject(list);
        }
    }
    return rc;
}

//  Sends the command of each point of the asks: LRANGE of its revisions
//  (record false), or HGET of its record, for the points whose list came
//  back empty (record true; empty[point], NULL: all). Returns the number
//  sent; fewer than wanted when the connection broke.
static size_t s_send_points(indicators_store_history_t *self, const indicators_store_ask_t *asks,
                            size_t count, bool record, const bool *empty)
{
    char key[S_KEY_MAX], text[STI_PERIOD_TEXT_MAX];
    size_t point = 0, sent = 0;
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < asks[i].count; k++, point++) {
            if (empty && !empty[point]) {
                continue;
            }
            sti_period_format(&asks[i].periods[k], text, sizeof text);
            int rc;
            if (record) {
                indicators_store_value_key(self->store, asks[i].indicator, asks[i].org, key,
                                           sizeof key);
                rc = sti_redis_appendf(self->redis, "HGET %s %s", key, text);
            } else {
                indicators_store_revision_key(self->store, asks[i].indicator, asks[i].org, text,
                                              key, sizeof key);
                rc = sti_redis_appendf(self->redis, "LRANGE %s %d -1", key,
                                       -INDICATORS_STORE_REVISIONS_MAX);
            }
            if (rc) {
                return sent;
            }
            sent++;
        }
    }
    return sent;
}

int indicators_store_history_asks(indicators_store_history_t *self,
                                  const indicators_store_ask_t *asks, size_t count,
                                  indicators_store_revisions_fn *fn, void *arg)
{
    assert(self && (asks || count == 0) && fn);
    size_t points = 0, empties = 0;
    for (size_t i = 0; i < count; i++) {
        points += asks[i].count;
    }
    size_t sent = s_send_points(self, asks, count, false, NULL);
    int rc = sent == points ? 0 : -1;
    redisReply **lists = (redisReply **)calloc(points + 1, sizeof *lists);
    bool *empty = (bool *)calloc(points + 1, sizeof *empty);
    assert(lists && empty);
    for (size_t point = 0; point < sent; point++) {
        lists[point] = sti_redis_reply(self->redis);
        rc = lists[point] ? rc : -1;
        empty[point] = s_empty_list(lists[point]);
        empties += empty[point];
    }
    //  A value of one revision keeps it in its record: a second round trip,
    //  for those only.
    size_t asked = rc == 0 && empties ? s_send_points(self, asks, count, true, empty) : 0;
    rc = asked == (rc == 0 ? empties : 0) ? rc : -1;
    for (size_t point = 0; point < points; point++) {
        indicators_record_t record, *known = NULL;
        redisReply *bytes = empty[point] && asked ? sti_redis_reply(self->redis) : NULL;
        char err[128];
        if (bytes && bytes->type == REDIS_REPLY_STRING &&
            indicators_record_decode(bytes->str, bytes->len, &record, err, sizeof err) == 0) {
            known = &record;
        }
        fn(arg, point, self->revisions, s_decode_revisions(self, lists[point], known));
        if (bytes) {
            freeReplyObject(bytes);
        }
        if (lists[point]) {
            freeReplyObject(lists[point]);
        }
    }
    free(lists);
    free(empty);
    return rc;
}
