/*  ingest_store: sti-ingest's Redis. See the header. */
#include "ingest_store.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_index.h"
#include "sti_codec.h"
#include "sti_lua_ingest_core.h"
#include "sti_lua_sti.h"

#define S_SERIES_ROWS 500 // rows of one value hash read by one HMGET (two fields each)

struct _ingest_store_t {
    sti_redis_t *redis;                // borrowed
    char *script_text;                 // events_append.lua + ingest_submit.lua (owned)
    sti_script_t *script;              // the submit step
    redisReply *result;                // the last submit step's reply (owned)
    char keys[INGEST_STORE_KEYS][256]; // the step's fixed keys
    const char *key_list[INGEST_STORE_KEYS];
    ingest_index_t *series_group; // a value hash -> its group being filled + 1
    size_t *next;                 // the next row of a row's group, or SIZE_MAX
    size_t *first;                // a group's first row
    size_t *tail;                 // and its last
    size_t *size;                 // its rows
    size_t cap;                   // rows the arrays hold
    const char **argv;            // one HMGET: the command, the key, two fields a row
    char key[256];                // its value hash
};

ingest_store_t *ingest_store_new(sti_redis_t *redis, const char *intake)
{
    assert(redis && intake);
    ingest_store_t *self = (ingest_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->script_text = zsys_sprintf("%s\n%s", sti_lua_events_append, sti_lua_ingest_submit);
    assert(self->script_text);
    self->script = sti_redis_script(redis, self->script_text);
    sti_redis_key(redis, self->keys[0], sizeof self->keys[0], intake, NULL);
    sti_redis_key(redis, self->keys[2], sizeof self->keys[2], "approval", "audit", NULL);
    sti_redis_key(redis, self->keys[3], sizeof self->keys[3], "events", "ind", NULL);
    sti_redis_key(redis, self->keys[4], sizeof self->keys[4], "events", "ind", "seq", NULL);
    sti_redis_key(redis, self->keys[5], sizeof self->keys[5], "events", "ind", "prev", NULL);
    sti_redis_key(redis, self->keys[6], sizeof self->keys[6], "events", "ind", "epoch", NULL);
    for (size_t i = 0; i < INGEST_STORE_KEYS; i++) {
        self->key_list[i] = self->keys[i];
    }
    self->series_group = ingest_index_new();
    self->argv = (const char **)malloc((2 + 2 * S_SERIES_ROWS) * sizeof *self->argv);
    assert(self->argv);
    return self;
}

void ingest_store_destroy(ingest_store_t **self_p)
{
    assert(self_p);
    ingest_store_t *self = *self_p;
    if (self) {
        if (self->result) {
            freeReplyObject(self->result);
        }
        zstr_free(&self->script_text);
        ingest_index_destroy(&self->series_group);
        free(self->next);
        free(self->first);
        free(self->tail);
        free(self->size);
        free(self->argv);
        free(self);
        *self_p = NULL;
    }
}

const char *const *ingest_store_keys(ingest_store_t *self, const char *request_id)
{
    assert(self && request_id);
    sti_redis_key(self->redis, self->keys[1], sizeof self->keys[1], "ingest", "req",
                  request_id[0] ? request_id : "-", NULL);
    return self->key_list;
}

//  The locks of a reply {2, pair, record, ...}, given to found.
static void s_locks(const redisReply *result, ingest_store_lock_fn *found, void *arg)
{
    for (size_t i = 1; i + 1 < result->elements; i += 2) {
        const redisReply *pair = result->element[i], *record = result->element[i + 1];
        if (pair->type == REDIS_REPLY_INTEGER && record->type == REDIS_REPLY_STRING) {
            found(arg, (size_t)pair->integer, record->str, record->len);
        } else {
            found(arg, 0, NULL, 0);
        }
    }
}

ingest_store_outcome_t ingest_store_submit(ingest_store_t *self, int nkeys, int nargs,
                                           const char **argv, const size_t *lens, bool twice,
                                           ingest_store_lock_fn *found, void *arg,
                                           const char **stored, size_t *stored_len, char *err,
                                           size_t errlen)
{
    assert(self && argv && lens && found && stored && stored_len);
    if (self->result) {
        freeReplyObject(self->result);
    }
    bool again = false;
    redisReply *result = self->result =
        twice ? sti_redis_eval_retry(self->redis, self->script, nkeys, nargs, argv, lens, &again)
              : sti_redis_eval(self->redis, self->script, nkeys, nargs, argv, lens);
    *stored = NULL;
    *stored_len = 0;
    if (!result || result->type != REDIS_REPLY_ARRAY || result->elements < 2 ||
        result->element[0]->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "%s",
                 result && result->type == REDIS_REPLY_ERROR ? result->str
                 : result                                    ? "the submit step answered oddly"
                                                             : sti_redis_errstr(self->redis));
        return INGEST_STORE_FAILED;
    }
    long long outcome = result->element[0]->integer;
    if (outcome == INGEST_STORE_LOCKED && result->elements >= 3) {
        s_locks(result, found, arg);
        return INGEST_STORE_LOCKED;
    }
    if ((outcome == INGEST_STORE_TAKEN || outcome == INGEST_STORE_REPLAYED) &&
        result->elements == 2 && result->element[1]->type == REDIS_REPLY_STRING) {
        *stored = result->element[1]->str;
        *stored_len = result->element[1]->len;
        return again ? INGEST_STORE_TAKEN : (ingest_store_outcome_t)outcome;
    }
    snprintf(err, errlen, "the submit step answered oddly");
    return INGEST_STORE_FAILED;
}

void ingest_store_series_key(ingest_store_series_t *series, const char *indicator, const char *org)
{
    assert(series && indicator && org);
    size_t a = strlen(indicator), b = strlen(org), cap = sizeof series->member;
    a = a < cap - 1 ? a : cap - 1;
    b = b < cap - 2 - a ? b : cap - 2 - a;
    memcpy(series->member, indicator, a);
    series->member[a] = ':';
    memcpy(series->member + a + 1, org, b);
    series->member[a + 1 + b] = 0;
}

//  The effective value `v` of a stored value record, when it has one.
static bool s_value_of(const redisReply *field, double *out)
{
    if (!field || field->type != REDIS_REPLY_STRING) {
        return false;
    }
    char err[128];
    sti_field_error_t ferr;
    sti_reader_t *reader = sti_reader_new(field->str, field->len, NULL, err, sizeof err);
    bool has = reader && sti_node_type(sti_reader_root(reader)) == STI_TYPE_MAP &&
               sti_map_double(sti_reader_root(reader), "v", out, &ferr) == 0 && isfinite(*out);
    sti_reader_destroy(&reader);
    return has;
}

//  Groups the rows by value hash in the order each hash first comes, at
//  most S_SERIES_ROWS a group, the rows of a group linked by self->next
//  from self->first. Returns the number of groups.
static size_t s_group(ingest_store_t *self, const ingest_store_series_t *series, size_t count)
{
    if (count > self->cap) {
        self->cap = count;
        self->next = (size_t *)realloc(self->next, count * sizeof(size_t));
        self->first = (size_t *)realloc(self->first, count * sizeof(size_t));
        self->tail = (size_t *)realloc(self->tail, count * sizeof(size_t));
        self->size = (size_t *)realloc(self->size, count * sizeof(size_t));
        assert(self->next && self->first && self->tail && self->size);
    }
    size_t groups = 0;
    ingest_index_reset(self->series_group);
    for (size_t i = 0; i < count; i++) {
        const char *member = series[i].member;
        size_t len = strlen(member), g = ingest_index_get(self->series_group, member, len);
        self->next[i] = SIZE_MAX;
        if (!g || self->size[g - 1] == S_SERIES_ROWS) {
            g = ++groups;
            self->first[g - 1] = i;
            self->size[g - 1] = 0;
            ingest_index_put(self->series_group, member, len, g);
        } else {
            self->next[self->tail[g - 1]] = i;
        }
        self->tail[g - 1] = i;
        self->size[g - 1]++;
    }
    return groups;
}

//  Sends one group's HMGET: per row its period and the period before.
static void s_send_group(ingest_store_t *self, const ingest_store_series_t *series, size_t group)
{
    int argc = 0;
    self->argv[argc++] = "HMGET";
    sti_redis_key(self->redis, self->key, sizeof self->key, "val",
                  series[self->first[group]].member, NULL);
    self->argv[argc++] = self->key; // copied into the pipeline by the append
    for (size_t i = self->first[group]; i != SIZE_MAX; i = self->next[i]) {
        self->argv[argc++] = series[i].period;
        self->argv[argc++] = series[i].before[0] ? series[i].before : series[i].period;
    }
    sti_redis_append(self->redis, argc, self->argv, NULL);
}

int ingest_store_last_values(ingest_store_t *self, const ingest_store_series_t *series,
                             size_t count, ingest_store_last_t *last)
{
    assert(self && (series || !count) && (last || !count));
    //  One HMGET per value hash (indicator and org unit), not per row: the
    //  rows of a request share few series.
    size_t groups = s_group(self, series, count);
    for (size_t g = 0; g < groups; g++) {
        s_send_group(self, series, g);
    }
    bool failed = false;
    for (size_t g = 0; g < groups; g++) {
        redisReply *reply = sti_redis_reply(self->redis);
        bool whole =
            reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 * self->size[g];
        failed |= !whole;
        size_t at = 0;
        for (size_t i = self->first[g]; i != SIZE_MAX; i = self->next[i], at += 2) {
            memset(&last[i], 0, sizeof last[i]);
            if (whole) {
                last[i].has[0] = s_value_of(reply->element[at], &last[i].value[0]);
                last[i].has[1] =
                    series[i].before[0] && s_value_of(reply->element[at + 1], &last[i].value[1]);
            }
        }
        if (reply) {
            freeReplyObject(reply);
        }
    }
    return failed ? -1 : 0;
}
