/*  indicators_store_history: see the header. For a value with no list, its
    record is the table's copy (values of a table), or read just before its
    list in the same round trip (asks).
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

//  Sends, for each point of the asks, an HGET of its record and then an
//  LRANGE of its revisions. The record is read first: a list only grows, so
//  a list found empty was empty when the record was read, and that record
//  then kept the value's only revision (a window between the two reads that
//  moves it into the list leaves the list holding it). Returns the number
//  of commands sent; fewer than wanted when the connection broke.
static size_t s_send_points(indicators_store_history_t *self, const indicators_store_ask_t *asks,
                            size_t count)
{
    char key[S_KEY_MAX], text[STI_PERIOD_TEXT_MAX];
    size_t sent = 0;
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < asks[i].count; k++) {
            sti_period_format(&asks[i].periods[k], text, sizeof text);
            indicators_store_value_key(self->store, asks[i].indicator, asks[i].org, key,
                                       sizeof key);
            if (sti_redis_appendf(self->redis, "HGET %s %s", key, text)) {
                return sent;
            }
            sent++;
            indicators_store_revision_key(self->store, asks[i].indicator, asks[i].org, text, key,
                                          sizeof key);
            if (sti_redis_appendf(self->redis, "LRANGE %s %d -1", key,
                                  -INDICATORS_STORE_REVISIONS_MAX)) {
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
    size_t points = 0;
    for (size_t i = 0; i < count; i++) {
        points += asks[i].count;
    }
    size_t sent = s_send_points(self, asks, count);
    int rc = sent == 2 * points ? 0 : -1;
    for (size_t point = 0; point < points; point++) {
        redisReply *bytes = 2 * point < sent ? sti_redis_reply(self->redis) : NULL;
        redisReply *list = 2 * point + 1 < sent ? sti_redis_reply(self->redis) : NULL;
        rc = (2 * point < sent && !bytes) || (2 * point + 1 < sent && !list) ? -1 : rc;
        indicators_record_t record, *known = NULL;
        char err[128];
        if (bytes && bytes->type == REDIS_REPLY_STRING &&
            indicators_record_decode(bytes->str, bytes->len, &record, err, sizeof err) == 0) {
            known = &record;
        }
        fn(arg, point, self->revisions, s_decode_revisions(self, list, known));
        if (bytes) {
            freeReplyObject(bytes);
        }
        if (list) {
            freeReplyObject(list);
        }
    }
    return rc;
}
