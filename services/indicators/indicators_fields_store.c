/*  indicators_fields_store: reads of the fields asked. See the header.

    A read queues one command per hash (sti_redis_append) and stops queuing
    at the first that fails (the connection broke: its replies never come),
    then reads the replies of those queued; the asks after them get no
    value, and the read says it failed.
*/
#include "indicators_fields_store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"

#define S_KEY_MAX 256 // bytes of one key name

struct _indicators_fields_store_t {
    indicators_store_t *values;                         // borrowed: the keys
    sti_redis_t *redis;                                 // borrowed: the values' connection
    char (*texts)[STI_PERIOD_TEXT_MAX];                 // the periods of one command, as text
    const char *argv[INDICATORS_STORE_PERIODS_MAX + 2]; // one command's arguments
    size_t lens[INDICATORS_STORE_PERIODS_MAX + 2];      // their lengths
    sti_period_t *periods;                              // the periods of one HKEYS reply
    sti_reader_t *reader;                               // decodes the records, one after another
};

indicators_fields_store_t *indicators_fields_store_new(indicators_store_t *values)
{
    assert(values);
    indicators_fields_store_t *self = (indicators_fields_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->values = values;
    self->redis = indicators_store_redis(values);
    self->texts = calloc(INDICATORS_STORE_PERIODS_MAX, sizeof *self->texts);
    self->periods = (sti_period_t *)calloc(INDICATORS_STORE_PERIODS_MAX, sizeof *self->periods);
    assert(self->texts && self->periods);
    self->reader = sti_reader_new_reusable();
    return self;
}

void indicators_fields_store_destroy(indicators_fields_store_t **self_p)
{
    assert(self_p);
    indicators_fields_store_t *self = *self_p;
    if (self) {
        free(self->texts);
        free(self->periods);
        sti_reader_destroy(&self->reader);
        free(self);
        *self_p = NULL;
    }
}

//  The periods of ask that are read (at most INDICATORS_STORE_PERIODS_MAX).
static size_t s_ask_count(const indicators_store_ask_t *ask)
{
    return ask->count < INDICATORS_STORE_PERIODS_MAX ? ask->count : INDICATORS_STORE_PERIODS_MAX;
}

//  Queues one command: HMGET of ask's periods (values true) or HKEYS of
//  its hash. Returns 0, or -1 when the connection broke.
static int s_send(indicators_fields_store_t *self, const indicators_store_ask_t *ask, bool values)
{
    char key[S_KEY_MAX];
    size_t argc = 0, n = values ? s_ask_count(ask) : 0;
    self->argv[argc] = values ? "HMGET" : "HKEYS";
    self->lens[argc] = 5;
    argc++;
    self->argv[argc] =
        indicators_store_value_key(self->values, ask->indicator, ask->org, key, sizeof key);
    self->lens[argc] = strlen(key);
    argc++;
    for (size_t k = 0; k < n; k++, argc++) {
        int len = sti_period_format(&ask->periods[k], self->texts[k], STI_PERIOD_TEXT_MAX);
        self->argv[argc] = self->texts[k];
        self->lens[argc] = len > 0 ? (size_t)len : 0;
    }
    return sti_redis_append(self->redis, (int)argc, self->argv, self->lens);
}

//  Queues the commands of asks[0..count) until one fails; an HMGET of no
//  period is not sent. Returns how many of the first asks are queued (or
//  need no command).
static size_t s_send_all(indicators_fields_store_t *self, const indicators_store_ask_t *asks,
                         size_t count, bool values)
{
    for (size_t i = 0; i < count; i++) {
        if ((!values || s_ask_count(&asks[i])) && s_send(self, &asks[i], values)) {
            return i;
        }
    }
    return count;
}

//  Decodes one HMGET element of asks[point] into record. Returns record, or
//  NULL for an absent value or a record that does not decode (logged).
static const indicators_record_t *s_decode(indicators_fields_store_t *self,
                                           const indicators_store_ask_t *ask, size_t point,
                                           const redisReply *item, indicators_record_t *record)
{
    char err[128], text[STI_PERIOD_TEXT_MAX];
    if (!item || item->type != REDIS_REPLY_STRING) {
        return NULL;
    }
    if (indicators_record_read(self->reader, item->str, item->len, record, err, sizeof err)) {
        sti_period_format(&ask->periods[point], text, sizeof text);
        sti_warn("value %s/%s/%s: %s", ask->indicator->code, ask->org->code, text, err);
        return NULL;
    }
    return record;
}

int indicators_fields_store_values(indicators_fields_store_t *self,
                                   const indicators_store_ask_t *asks, size_t count,
                                   indicators_fields_value_fn *fn, void *arg)
{
    assert(self && (asks || count == 0) && fn);
    size_t sent = s_send_all(self, asks, count, true);
    int rc = sent == count ? 0 : -1;
    for (size_t i = 0; i < count; i++) {
        size_t n = s_ask_count(&asks[i]);
        redisReply *reply = i < sent && n ? sti_redis_reply(self->redis) : NULL;
        bool good = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == n;
        rc = good || !n ? rc : -1;
        for (size_t k = 0; k < n; k++) {
            indicators_record_t record;
            fn(arg, i, k, good ? s_decode(self, &asks[i], k, reply->element[k], &record) : NULL);
        }
        if (reply) {
            freeReplyObject(reply);
        }
    }
    return rc;
}

//  Where indicators_fields_store_table puts the values.
typedef struct {
    indicators_table_t *table;          // the table filled
    const indicators_store_ask_t *asks; // the asks read
} s_table_t;

static void s_to_table(void *arg, size_t ask, size_t point, const indicators_record_t *record)
{
    s_table_t *into = (s_table_t *)arg;
    const indicators_store_ask_t *at = &into->asks[ask];
    int v = indicators_table_value(into->table, at->indicator, at->org, &at->periods[point]);
    indicators_table_set(into->table, v, record);
}

int indicators_fields_store_table(indicators_fields_store_t *self, indicators_table_t *table,
                                  const indicators_store_ask_t *asks, size_t count)
{
    assert(self && table && (asks || count == 0));
    for (size_t i = 0; i < count; i++) {
        indicators_table_group(table, asks[i].indicator, asks[i].org);
    }
    s_table_t into = {table, asks};
    return indicators_fields_store_values(self, asks, count, s_to_table, &into);
}

//  Parses the fields of an HKEYS reply that are periods into
//  self->periods. Returns how many.
static size_t s_parse_periods(indicators_fields_store_t *self, const redisReply *reply)
{
    size_t n = 0;
    for (size_t k = 0; k < reply->elements && n < INDICATORS_STORE_PERIODS_MAX; k++) {
        const redisReply *field = reply->element[k];
        char err[128];
        n += field->type == REDIS_REPLY_STRING &&
             sti_period_parse(field->str, field->len, &self->periods[n], err, sizeof err) == 0;
    }
    return n;
}

int indicators_fields_store_periods(indicators_fields_store_t *self,
                                    const indicators_store_ask_t *asks, size_t count,
                                    indicators_fields_periods_fn *fn, void *arg)
{
    assert(self && (asks || count == 0) && fn);
    size_t sent = s_send_all(self, asks, count, false);
    int rc = sent == count ? 0 : -1;
    for (size_t i = 0; i < count; i++) {
        redisReply *reply = i < sent ? sti_redis_reply(self->redis) : NULL;
        bool good = reply && reply->type == REDIS_REPLY_ARRAY;
        rc = good ? rc : -1;
        fn(arg, i, self->periods, good ? s_parse_periods(self, reply) : 0);
        if (reply) {
            freeReplyObject(reply);
        }
    }
    return rc;
}
