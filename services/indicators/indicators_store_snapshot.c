/*  indicators_store_snapshot: snapshot pages of the values. See the header.

    A page is the `ind` stream's seq (GET), a page of <ns>:vals
    (ZRANGEBYLEX) and the HGETALL of each of its hashes, in one round trip.
    The replies are kept until the next page, so the page can point into
    them.
*/
#include "indicators_store_snapshot.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY_MAX 256                       // bytes of one key name
#define S_MEMBER_MAX (2 * STI_CODE_MAX + 2) // bytes of "<indicator>:<org>"

struct _indicators_store_snapshot_t {
    sti_redis_t *redis;                       // borrowed
    redisReply *snap_seq;                     // the snapshot page's seq
    redisReply *snap_members;                 // its hashes
    redisReply **snap_hashes;                 // their HGETALLs
    size_t snap_count;                        // entries of snap_hashes in use
    indicators_snapshot_value_t *snap_values; // the page's values
    size_t snap_cap;                          // entries of snap_values
};

indicators_store_snapshot_t *indicators_store_snapshot_new(sti_redis_t *redis)
{
    assert(redis);
    indicators_store_snapshot_t *self = (indicators_store_snapshot_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    return self;
}

//  Frees the replies of the last snapshot page.
static void s_snapshot_free(indicators_store_snapshot_t *self)
{
    for (size_t i = 0; i < self->snap_count; i++) {
        if (self->snap_hashes[i]) {
            freeReplyObject(self->snap_hashes[i]);
        }
    }
    free(self->snap_hashes);
    self->snap_hashes = NULL;
    self->snap_count = 0;
    if (self->snap_seq) {
        freeReplyObject(self->snap_seq);
        self->snap_seq = NULL;
    }
    if (self->snap_members) {
        freeReplyObject(self->snap_members);
        self->snap_members = NULL;
    }
}

void indicators_store_snapshot_destroy(indicators_store_snapshot_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        s_snapshot_free(*self_p);
        free((*self_p)->snap_values);
        free(*self_p);
        *self_p = NULL;
    }
}

//  Adds the values of one HGETALL reply of member to the page's values.
static void s_snapshot_hash(indicators_store_snapshot_t *self, const redisReply *member,
                            const redisReply *hash, size_t *count)
{
    const char *colon =
        member->type == REDIS_REPLY_STRING ? memchr(member->str, ':', member->len) : NULL;
    if (!colon || !hash || hash->type != REDIS_REPLY_ARRAY) {
        return;
    }
    for (size_t i = 0; i + 1 < hash->elements; i += 2) {
        const redisReply *field = hash->element[i], *data = hash->element[i + 1];
        indicators_record_t record;
        char err[128];
        if (field->type != REDIS_REPLY_STRING || data->type != REDIS_REPLY_STRING ||
            indicators_record_decode(data->str, data->len, &record, err, sizeof err)) {
            continue;
        }
        if (*count == self->snap_cap) {
            self->snap_cap = self->snap_cap ? self->snap_cap * 2 : 1024;
            self->snap_values = (indicators_snapshot_value_t *)realloc(
                self->snap_values, self->snap_cap * sizeof *self->snap_values);
            assert(self->snap_values);
        }
        indicators_snapshot_value_t *value = &self->snap_values[(*count)++];
        value->indicator = member->str;
        value->indicator_len = (size_t)(colon - member->str);
        value->org = colon + 1;
        value->org_len = member->len - value->indicator_len - 1;
        value->period = field->str;
        value->period_len = field->len;
        value->record = record;
    }
}

//  Reads the HGETALL of every member of the page in one round trip.
//  Returns 0, or -1 when a read failed.
static int s_snapshot_read(indicators_store_snapshot_t *self)
{
    const redisReply *members = self->snap_members;
    size_t count = members->elements;
    char key[S_KEY_MAX];
    for (size_t i = 0; i < count; i++) {
        const redisReply *m = members->element[i];
        sti_redis_key(self->redis, key, S_KEY_MAX, "val",
                      m->type == REDIS_REPLY_STRING ? m->str : "", NULL);
        sti_redis_appendf(self->redis, "HGETALL %s", key);
    }
    self->snap_hashes = (redisReply **)calloc(count ? count : 1, sizeof *self->snap_hashes);
    assert(self->snap_hashes);
    self->snap_count = count;
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        self->snap_hashes[i] = sti_redis_reply(self->redis);
        rc = self->snap_hashes[i] ? rc : -1;
    }
    return rc;
}

int indicators_store_snapshot_page(indicators_store_snapshot_t *self, const char *after,
                                   int64_t limit, indicators_snapshot_page_t *page)
{
    assert(self && after && limit > 0 && page);
    s_snapshot_free(self);
    memset(page, 0, sizeof *page);
    char start[S_MEMBER_MAX + 1], index[S_KEY_MAX], seq_key[S_KEY_MAX];
    snprintf(start, sizeof start, "%s%s", after[0] ? "(" : "-", after);
    sti_redis_key(self->redis, index, S_KEY_MAX, "vals", NULL);
    sti_redis_key(self->redis, seq_key, S_KEY_MAX, "events", "ind", "seq", NULL);
    self->snap_seq = sti_redis_command(self->redis, "GET %s", seq_key);
    self->snap_members = sti_redis_command(self->redis, "ZRANGEBYLEX %s %s + LIMIT 0 %lld", index,
                                           start, (long long)limit);
    const redisReply *seq = self->snap_seq, *members = self->snap_members;
    bool good = seq && (seq->type == REDIS_REPLY_STRING || seq->type == REDIS_REPLY_NIL) &&
                members && members->type == REDIS_REPLY_ARRAY;
    if (!good || s_snapshot_read(self) != 0) {
        return -1;
    }
    size_t count = 0;
    for (size_t i = 0; i < members->elements; i++) {
        s_snapshot_hash(self, members->element[i], self->snap_hashes[i], &count);
    }
    page->seq = seq->type == REDIS_REPLY_STRING ? strtoull(seq->str, NULL, 10) : 0;
    page->values = self->snap_values;
    page->count = count;
    const redisReply *last = members->elements ? members->element[members->elements - 1] : NULL;
    if ((int64_t)members->elements == limit && last && last->type == REDIS_REPLY_STRING) {
        page->next = last->str;
        page->next_len = last->len;
    }
    return 0;
}
