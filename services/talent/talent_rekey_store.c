/*  talent_rekey_store: re-keying's reads and writes. See talent_rekey_store.h. */
#include "talent_rekey_store.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_lua_talent_core.h"
#include "talent_keyspace.h"

struct _talent_rekey_store_t {
    sti_redis_t *redis;            // borrowed
    const talent_crypto_t *crypto; // borrowed
    sti_script_t *keys;            // talent_keys.lua
    sti_script_t *rekey;           // talent_rekey.lua
};

talent_rekey_store_t *talent_rekey_store_new(sti_redis_t *redis, const talent_crypto_t *crypto)
{
    assert(redis && crypto);
    talent_rekey_store_t *self = (talent_rekey_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->crypto = crypto;
    self->keys = sti_redis_script(redis, sti_lua_talent_keys);
    self->rekey = sti_redis_script(redis, sti_lua_talent_rekey);
    return self;
}

void talent_rekey_store_destroy(talent_rekey_store_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  The reason Redis gave for a failed reply, or the connection's.
static const char *s_why(talent_rekey_store_t *self, const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR ? reply->str : sti_redis_errstr(self->redis);
}

//  True when a talent_keys.lua reply is {next, old, unknown, {id...}}.
static bool s_slice_valid(const redisReply *reply)
{
    bool good = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4 &&
                reply->element[3]->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; good && i < 3; i++) {
        good = reply->element[i]->type == REDIS_REPLY_INTEGER;
    }
    for (size_t i = 0; good && i < reply->element[3]->elements; i++) {
        const redisReply *id = reply->element[3]->element[i];
        good = id->type == REDIS_REPLY_STRING && id->len <= TALENT_REGISTRY_ID_MAX;
    }
    return good;
}

int talent_rekey_store_slice(talent_rekey_store_t *self, int64_t *cursor, int slice, int64_t want,
                             talent_rekey_count_t *count, char (*ids)[TALENT_REGISTRY_ID_MAX + 1],
                             int64_t *found, char *err, size_t errlen)
{
    assert(self && cursor && count && found);
    uint8_t key_ids[TALENT_CRYPTO_KEYS_MAX];
    size_t n = talent_crypto_key_ids(self->crypto, key_ids, TALENT_CRYPTO_KEYS_MAX);
    char known[TALENT_CRYPTO_KEYS_MAX * 4 + 2] = ",", all[256], prefix[256], after[24], size[16],
                                            current[8], wanted[24];
    for (size_t i = 0; i < n; i++) {
        size_t at = strlen(known);
        snprintf(known + at, sizeof known - at, "%u,", key_ids[i]);
    }
    talent_keyspace_all(self->redis, all, sizeof all);
    talent_keyspace_record_prefix(self->redis, prefix, sizeof prefix);
    snprintf(after, sizeof after, "%" PRId64, *cursor);
    snprintf(size, sizeof size, "%d", slice);
    snprintf(current, sizeof current, "%u", key_ids[0]);
    snprintf(wanted, sizeof wanted, "%" PRId64, want);
    const char *argv[] = {all, prefix, after, size, current, known, wanted};
    redisReply *reply = sti_redis_eval(self->redis, self->keys, 1, 6, argv, NULL);
    bool good = s_slice_valid(reply);
    if (!good) {
        snprintf(err, errlen, "the registry cannot be read now: %s", s_why(self, reply));
    } else {
        *cursor = reply->element[0]->integer;
        count->old += reply->element[1]->integer;
        count->unknown += reply->element[2]->integer;
        for (size_t i = 0; i < reply->element[3]->elements && *found < want; i++) {
            snprintf(ids[(*found)++], TALENT_REGISTRY_ID_MAX + 1, "%s",
                     reply->element[3]->element[i]->str);
        }
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return good ? 0 : -1;
}

//  A copy of a string reply, or NULL for nil.
static char *s_text(const redisReply *value)
{
    if (value->type != REDIS_REPLY_STRING) {
        return NULL;
    }
    char *copy = (char *)malloc(value->len + 1);
    assert(copy);
    memcpy(copy, value->str, value->len + 1);
    return copy;
}

int talent_rekey_store_read(talent_rekey_store_t *self, const char *id, talent_rekey_read_t *read,
                            char *err, size_t errlen)
{
    assert(self && id && read);
    memset(read, 0, sizeof *read);
    char key[256];
    talent_keyspace_record(self->redis, id, key, sizeof key);
    const char *argv[] = {"HMGET",   key,         "version", "hash",
                          "id_type", "id_number", "phone",   "email"};
    redisReply *reply = sti_redis_argv_retry(self->redis, 8, argv, NULL);
    bool good = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 6;
    for (size_t i = 0; good && i < 6; i++) {
        good = reply->element[i]->type == REDIS_REPLY_STRING ||
               reply->element[i]->type == REDIS_REPLY_NIL;
    }
    if (!good) {
        snprintf(err, errlen, "the registry cannot be read now: %s", s_why(self, reply));
    } else {
        read->version = s_text(reply->element[0]);
        read->hash = s_text(reply->element[1]);
        read->id_type = s_text(reply->element[2]);
        for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
            read->sealed[f] = (uint8_t *)s_text(reply->element[3 + f]);
            read->len[f] = read->sealed[f] ? reply->element[3 + f]->len : 0;
        }
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return good ? 0 : -1;
}

void talent_rekey_store_free(talent_rekey_read_t *read)
{
    assert(read);
    free(read->version);
    free(read->hash);
    free(read->id_type);
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        free(read->sealed[f]);
    }
    memset(read, 0, sizeof *read);
}

//  Runs talent_rekey.lua (see its header). Returns its reply (caller frees) or NULL.
static redisReply *s_write(talent_rekey_store_t *self, const char *id,
                           const talent_rekey_read_t *read, const talent_sealed_t *made,
                           const talent_actor_t *actor)
{
    char keys[3][256], now_ms[24];
    talent_keyspace_record(self->redis, id, keys[0], sizeof keys[0]);
    talent_keyspace_documents(self->redis, keys[1], sizeof keys[1]);
    talent_keyspace_audit(self->redis, id, keys[2], sizeof keys[2]);
    snprintf(now_ms, sizeof now_ms, "%" PRId64, zclock_time());
    const char *argv[17] = {keys[0], keys[1],       keys[2],
                            id,      read->version, read->hash ? read->hash : ""};
    size_t lens[17];
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        argv[6 + f] = read->sealed[f] ? (const char *)read->sealed[f] : "";
        lens[6 + f] = read->len[f];
        argv[10 + f] = made->value[f] ? (const char *)made->value[f] : "";
        lens[10 + f] = made->len[f];
    }
    argv[9] = made->hash;
    argv[13] = actor->op;
    argv[14] = actor->who;
    argv[15] = now_ms;
    argv[16] = actor->request;
    for (int a = 0; a < 17; a++) {
        bool binary = (a >= 6 && a <= 8) || (a >= 10 && a <= 12);
        lens[a] = binary ? lens[a] : strlen(argv[a]);
    }
    return sti_redis_eval(self->redis, self->rekey, 3, 14, argv, lens);
}

talent_store_rc_t talent_rekey_store_write(talent_rekey_store_t *self, const char *id,
                                           const talent_rekey_read_t *read,
                                           const talent_sealed_t *made, const talent_actor_t *actor,
                                           char other[TALENT_REGISTRY_ID_MAX + 1], char *err,
                                           size_t errlen)
{
    assert(self && id && read && read->version && made && actor && other);
    redisReply *reply = s_write(self, id, read, made, actor);
    const char *what = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
                               reply->element[0]->type == REDIS_REPLY_STRING
                           ? reply->element[0]->str
                           : NULL;
    talent_store_rc_t rc = TALENT_STORE_FAILED;
    other[0] = 0;
    if (!what) {
        snprintf(err, errlen, "the registry cannot be changed now: %s", s_why(self, reply));
    } else if (strcmp(what, "ok") == 0) {
        rc = TALENT_STORE_OK;
    } else if (strcmp(what, "missing") == 0) {
        rc = TALENT_STORE_NOT_FOUND;
    } else if (strcmp(what, "stale") == 0) {
        rc = TALENT_STORE_STALE;
    } else if (strcmp(what, "duplicate") == 0) {
        if (reply->elements > 1 && reply->element[1]->type == REDIS_REPLY_STRING) {
            snprintf(other, TALENT_REGISTRY_ID_MAX + 1, "%s", reply->element[1]->str);
        }
        rc = TALENT_STORE_DUPLICATE;
    } else {
        snprintf(err, errlen, "the re-key script answered %s", what);
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}
