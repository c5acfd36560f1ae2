/*  talent_count_store: the registry's counts in Redis. See talent_count_store.h. */
#include "talent_count_store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_lua_talent_core.h"
#include "talent_keyspace.h"

struct _talent_count_store_t {
    sti_redis_t *redis; // borrowed
    sti_script_t *done; // talent_counts_done.lua
};

talent_count_store_t *talent_count_store_new(sti_redis_t *redis)
{
    assert(redis);
    talent_count_store_t *self = (talent_count_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->done = sti_redis_script(redis, sti_lua_talent_counts_done);
    return self;
}

void talent_count_store_destroy(talent_count_store_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  The index of an indicator's code among the codes', or -1.
static int s_indicator(const talent_codes_t *codes, const char *code, size_t len)
{
    for (size_t i = 0; i < talent_codes_indicator_count(codes); i++) {
        const char *have = talent_codes_indicator_at(codes, i)->code;
        if (strlen(have) == len && memcmp(have, code, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

//  Fills read from the EXEC reply [gen, dirty, contributions, upto].
//  Returns 0, or -1 when the reply is not that.
static int s_parse(const talent_codes_t *codes, const redisReply *exec, talent_count_read_t *read)
{
    if (!exec || exec->type != REDIS_REPLY_ARRAY || exec->elements != 4) {
        return -1;
    }
    const redisReply *gen = exec->element[0], *dirty = exec->element[1],
                     *contrib = exec->element[2], *upto = exec->element[3];
    snprintf(read->gen, sizeof read->gen, "%s", gen->type == REDIS_REPLY_STRING ? gen->str : "0");
    for (size_t i = 0; dirty->type == REDIS_REPLY_ARRAY && i + 1 < dirty->elements; i += 2) {
        int at = s_indicator(codes, dirty->element[i]->str, dirty->element[i]->len);
        if (at >= 0) {
            read->dirty[at] = atoi(dirty->element[i + 1]->str);
        }
    }
    read->upto = upto->type == REDIS_REPLY_STRING ? atoi(upto->str) : 0;
    for (size_t i = 0; contrib->type == REDIS_REPLY_ARRAY && i + 1 < contrib->elements; i += 2) {
        const char *field = contrib->element[i]->str;
        const char *colon = strrchr(field, ':');
        int at = colon ? s_indicator(codes, field, (size_t)(colon - field)) : -1;
        if (at >= 0 && read->count[at] < TALENT_COUNT_YEARS) {
            read->years[at][read->count[at]] = atoi(colon + 1);
            read->deltas[at][read->count[at]++] = strtoll(contrib->element[i + 1]->str, NULL, 10);
        }
    }
    return 0;
}

talent_count_read_t *talent_count_store_read(talent_count_store_t *self,
                                             const talent_codes_t *codes, char *err, size_t errlen)
{
    assert(self && codes);
    char gen[256], dirty[256], count[256], upto[256];
    talent_keyspace_count(self->redis, "count:gen", gen, sizeof gen);
    talent_keyspace_count(self->redis, "count:dirty", dirty, sizeof dirty);
    talent_keyspace_count(self->redis, "count", count, sizeof count);
    talent_keyspace_count(self->redis, "count:upto", upto, sizeof upto);
    sti_redis_appendf(self->redis, "MULTI");
    sti_redis_appendf(self->redis, "GET %s", gen);
    sti_redis_appendf(self->redis, "HGETALL %s", dirty);
    sti_redis_appendf(self->redis, "HGETALL %s", count);
    sti_redis_appendf(self->redis, "GET %s", upto);
    sti_redis_appendf(self->redis, "EXEC");
    redisReply *replies[6] = {NULL};
    for (int i = 0; i < 6; i++) {
        replies[i] = sti_redis_reply(self->redis);
    }
    talent_count_read_t *read = (talent_count_read_t *)calloc(1, sizeof *read);
    assert(read);
    if (s_parse(codes, replies[5], read) != 0) {
        snprintf(err, errlen, "%s", sti_redis_errstr(self->redis));
        free(read);
        read = NULL;
    }
    for (int i = 0; i < 6; i++) {
        if (replies[i]) {
            freeReplyObject(replies[i]);
        }
    }
    return read;
}

int talent_count_store_done(talent_count_store_t *self, const char *gen, int year, char *err,
                            size_t errlen)
{
    assert(self && gen);
    char dirty[256], genkey[256], upto[256], year_text[16];
    talent_keyspace_count(self->redis, "count:dirty", dirty, sizeof dirty);
    talent_keyspace_count(self->redis, "count:gen", genkey, sizeof genkey);
    talent_keyspace_count(self->redis, "count:upto", upto, sizeof upto);
    snprintf(year_text, sizeof year_text, "%d", year);
    const char *argv[] = {dirty, genkey, upto, gen, year_text};
    redisReply *reply = sti_redis_eval(self->redis, self->done, 3, 2, argv, NULL);
    int rc = reply && reply->type != REDIS_REPLY_ERROR ? 0 : -1;
    if (rc) {
        snprintf(err, errlen, "%s", reply ? reply->str : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}
