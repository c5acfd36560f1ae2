/*  talent_rekey: the registry moved to its current key. See talent_rekey.h.

    A call walks the ids after its cursor in slices of S_SLICE records
    (talent_keys.lua returns the ones under a held old key), re-keys them one
    by one, and stops when it has re-keyed its limit, looked at S_WALK_MAX
    records, or reached the end. Each record is read with HMGET (version,
    hash, id type, sealed values), re-sealed in C, and written by
    talent_rekey.lua only when it is still what was read; when it changed,
    it is read again (a change seals under the current key already, so the
    second look usually finds nothing to do). Opened document numbers live
    in libsodium's guarded memory and are wiped at once.
*/
#include "talent_rekey.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_talent_core.h"
#include "talent_ops.h"

#define S_SLICE 500          // records talent_keys.lua looks at in one call
#define S_WALK_MAX 20000     // records one re-key call looks at, at most
#define S_ATTEMPTS 3         // reads of a record that keeps changing under a re-key
#define S_GAUGE_MS 60000     // how often the tick counts again

struct _talent_rekey_t {
    talent_store_t *store;        // borrowed
    sti_script_t *keys;           // talent_keys.lua
    sti_script_t *rekey;          // talent_rekey.lua
    sti_metric_t *old_gauge;      // records under an old key (NULL without metrics)
    sti_metric_t *unknown_gauge;  // records under a key not held (NULL without metrics)
    int64_t counted_at;           // zclock_mono of the last count, 0: never
};

static const char *const s_fields[3] = {"id_number", "phone", "email"};

talent_rekey_t *talent_rekey_new(talent_store_t *store)
{
    assert(store);
    talent_rekey_t *self = (talent_rekey_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->keys = sti_redis_script(talent_store_redis(store), sti_lua_talent_keys);
    self->rekey = sti_redis_script(talent_store_redis(store), sti_lua_talent_rekey);
    return self;
}

void talent_rekey_destroy(talent_rekey_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

void talent_rekey_metrics(talent_rekey_t *self, sti_http_t *http)
{
    if (!http) {
        return;
    }
    self->old_gauge = sti_http_gauge(
        http, "sti_talent_records_old_key", NULL,
        "talent records with a value under another key than the current one (0: old keys may go)");
    self->unknown_gauge = sti_http_gauge(
        http, "sti_talent_records_unknown_key", NULL,
        "talent records under a key this process does not hold (unreadable until it is loaded)");
}

//  One slice of talent_keys.lua after *cursor; want ids of old records at
//  most. Adds the counts, appends the ids (up to want) to ids, moves
//  *cursor (-1 at the end). Returns 0, or -1 with err.
static int s_slice(talent_rekey_t *self, int64_t *cursor, int64_t want, talent_rekey_count_t *count,
                   char ids[][TALENT_REGISTRY_ID_MAX + 1], int64_t *found, char *err,
                   size_t errlen)
{
    const talent_crypto_t *crypto = talent_store_crypto(self->store);
    uint8_t key_ids[TALENT_CRYPTO_KEYS_MAX];
    size_t n = talent_crypto_key_ids(crypto, key_ids, TALENT_CRYPTO_KEYS_MAX);
    char known[TALENT_CRYPTO_KEYS_MAX * 4 + 2] = ",", all[256], prefix[256], after[24],
         slice[16], current[8], wanted[24];
    for (size_t i = 0; i < n; i++) {
        size_t at = strlen(known);
        snprintf(known + at, sizeof known - at, "%u,", key_ids[i]);
    }
    talent_store_key(self->store, all, sizeof all, "all", NULL);
    talent_store_key(self->store, prefix, sizeof prefix, "rec", "");
    snprintf(after, sizeof after, "%" PRId64, *cursor);
    snprintf(slice, sizeof slice, "%d", S_SLICE);
    snprintf(current, sizeof current, "%u", key_ids[0]);
    snprintf(wanted, sizeof wanted, "%" PRId64, want);
    const char *argv[] = {all, prefix, after, slice, current, known, wanted};
    redisReply *reply =
        sti_redis_eval(talent_store_redis(self->store), self->keys, 1, 6, argv, NULL);
    bool good = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4 &&
                reply->element[3]->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; good && i < 3; i++) {
        good = reply->element[i]->type == REDIS_REPLY_INTEGER;
    }
    for (size_t i = 0; good && i < reply->element[3]->elements; i++) {
        const redisReply *id = reply->element[3]->element[i];
        good = id->type == REDIS_REPLY_STRING && id->len <= TALENT_REGISTRY_ID_MAX;
    }
    if (!good) {
        snprintf(err, errlen, "the registry cannot be read now: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : sti_redis_errstr(
                                                                talent_store_redis(self->store)));
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

int talent_rekey_count(talent_rekey_t *self, talent_rekey_count_t *count, char *err,
                       size_t errlen)
{
    memset(count, 0, sizeof *count);
    int64_t cursor = 0, none = 0;
    while (cursor >= 0) {
        if (s_slice(self, &cursor, 0, count, NULL, &none, err, errlen) != 0) {
            return -1;
        }
    }
    self->counted_at = zclock_mono();
    if (self->old_gauge) {
        sti_metric_set(self->old_gauge, count->old);
        sti_metric_set(self->unknown_gauge, count->unknown);
    }
    return 0;
}

void talent_rekey_tick(talent_rekey_t *self)
{
    if (self->counted_at && zclock_mono() - self->counted_at < S_GAUGE_MS) {
        return;
    }
    talent_rekey_count_t count;
    char err[256];
    if (talent_rekey_count(self, &count, err, sizeof err) != 0) {
        self->counted_at = zclock_mono(); // try again in a minute, not every tick
        sti_warn("talent: the records under old keys cannot be counted: %s", err);
    }
}

//  The values of a record a re-key reads (borrowed from the HMGET reply).
typedef struct {
    const char *version;             // the version, NULL when the record is gone
    const char *hash;                // the document hash
    const char *id_type;             // the document's type
    const redisReply *sealed[3];     // id_number, phone, email (NULL when absent)
} s_read_t;

//  Its re-sealed values (freed by s_new_free).
typedef struct {
    uint8_t *sealed[3];                  // the values under the current key (NULL when absent)
    size_t len[3];                       // their lengths
    char hash[TALENT_HASH_TEXT_LEN + 1]; // the document hash under the current key
} s_new_t;

static void s_new_free(s_new_t *made)
{
    for (int f = 0; f < 3; f++) {
        free(made->sealed[f]);
        made->sealed[f] = NULL;
    }
}

//  Reads record id. Returns the reply (caller frees) filling read, or NULL
//  with err.
static redisReply *s_read(talent_rekey_t *self, const char *id, s_read_t *read, char *err,
                          size_t errlen)
{
    char key[256];
    talent_store_key(self->store, key, sizeof key, "rec", id);
    const char *argv[] = {"HMGET", key, "version", "hash", "id_type", "id_number", "phone", "email"};
    redisReply *reply = sti_redis_argv_retry(talent_store_redis(self->store), 8, argv, NULL);
    bool good = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 6;
    for (size_t i = 0; good && i < 6; i++) {
        good = reply->element[i]->type == REDIS_REPLY_STRING ||
               reply->element[i]->type == REDIS_REPLY_NIL;
    }
    if (!good) {
        snprintf(err, errlen, "the registry cannot be read now: %s",
                 reply && reply->type == REDIS_REPLY_ERROR
                     ? reply->str
                     : sti_redis_errstr(talent_store_redis(self->store)));
        if (reply) {
            freeReplyObject(reply);
        }
        return NULL;
    }
    const char *texts[3];
    for (int i = 0; i < 3; i++) {
        texts[i] = reply->element[i]->type == REDIS_REPLY_STRING ? reply->element[i]->str : NULL;
    }
    read->version = texts[0];
    read->hash = texts[1];
    read->id_type = texts[2];
    for (int f = 0; f < 3; f++) {
        read->sealed[f] = reply->element[3 + f]->type == REDIS_REPLY_STRING ? reply->element[3 + f]
                                                                            : NULL;
    }
    return reply;
}

//  True when a value of the record names another key than the current one.
static bool s_is_old(const talent_crypto_t *crypto, const s_read_t *read)
{
    char current[3];
    snprintf(current, sizeof current, "%02x", talent_crypto_key_id(crypto));
    bool old = !read->hash || strncmp(read->hash, current, 2) != 0;
    for (int f = 0; f < 3; f++) {
        old = old || (read->sealed[f] &&
                      talent_crypto_needs_rotation(crypto, (const uint8_t *)read->sealed[f]->str,
                                                   read->sealed[f]->len));
    }
    return old;
}

//  Re-seals the values of record id and hashes its document under the
//  current key. Returns 0, or -1 with err (a value does not open).
static int s_reseal(const talent_crypto_t *crypto, const char *id, const s_read_t *read,
                    s_new_t *made, char *err, size_t errlen)
{
    memset(made, 0, sizeof *made);
    if (!read->id_type || !read->sealed[0]) {
        snprintf(err, errlen, "the stored record is damaged");
        return -1;
    }
    for (int f = 0; f < 3; f++) {
        if (read->sealed[f] &&
            !(made->sealed[f] = talent_crypto_reseal(crypto, id, s_fields[f],
                                                     (const uint8_t *)read->sealed[f]->str,
                                                     read->sealed[f]->len, &made->len[f], err,
                                                     errlen))) {
            s_new_free(made);
            return -1;
        }
    }
    char *number = talent_crypto_open(crypto, id, s_fields[0],
                                      (const uint8_t *)read->sealed[0]->str,
                                      read->sealed[0]->len, NULL, err, errlen);
    if (!number) {
        s_new_free(made);
        return -1;
    }
    talent_crypto_hash(crypto, read->id_type, number, made->hash);
    talent_crypto_free_plain(&number);
    return 0;
}

//  Runs talent_rekey.lua for record id. Returns its reply (caller frees) or NULL.
static redisReply *s_write(talent_rekey_t *self, const char *id, const s_read_t *read,
                           const s_new_t *made, const talent_actor_t *actor)
{
    char keys[3][256], now_ms[24];
    talent_store_key(self->store, keys[0], sizeof keys[0], "rec", id);
    talent_store_key(self->store, keys[1], sizeof keys[1], "doc", NULL);
    talent_store_key(self->store, keys[2], sizeof keys[2], "audit", id);
    snprintf(now_ms, sizeof now_ms, "%" PRId64, zclock_time());
    const char *argv[17] = {keys[0], keys[1], keys[2], id, read->version,
                            read->hash ? read->hash : ""};
    size_t lens[17];
    for (int f = 0; f < 3; f++) {
        argv[6 + f] = read->sealed[f] ? read->sealed[f]->str : "";
        lens[6 + f] = read->sealed[f] ? read->sealed[f]->len : 0;
        argv[10 + f] = made->sealed[f] ? (const char *)made->sealed[f] : "";
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
    return sti_redis_eval(talent_store_redis(self->store), self->rekey, 3, 14, argv, lens);
}

//  What happened to one record.
typedef enum { S_DONE, S_SKIPPED, S_CONFLICT, S_DAMAGED, S_FAILED } s_outcome_t;

//  Re-keys record id (read again when it changed under us). Returns the outcome.
static s_outcome_t s_rekey_one(talent_rekey_t *self, const char *id, const talent_actor_t *actor,
                               char *err, size_t errlen)
{
    const talent_crypto_t *crypto = talent_store_crypto(self->store);
    for (int attempt = 0; attempt < S_ATTEMPTS; attempt++) {
        s_read_t read;
        redisReply *stored = s_read(self, id, &read, err, errlen);
        if (!stored) {
            return S_FAILED;
        }
        if (!read.version || !s_is_old(crypto, &read)) {
            freeReplyObject(stored); // erased, or re-keyed by a change or another replica
            return S_SKIPPED;
        }
        s_new_t made;
        if (s_reseal(crypto, id, &read, &made, err, errlen) != 0) {
            freeReplyObject(stored);
            sti_error("talent: %s cannot be re-keyed: %s", id, err);
            return S_DAMAGED;
        }
        redisReply *reply = s_write(self, id, &read, &made, actor);
        s_new_free(&made);
        freeReplyObject(stored);
        const char *what = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
                                   reply->element[0]->type == REDIS_REPLY_STRING
                               ? reply->element[0]->str
                               : NULL;
        s_outcome_t outcome = S_FAILED;
        if (!what) {
            snprintf(err, errlen, "the registry cannot be changed now: %s",
                     reply && reply->type == REDIS_REPLY_ERROR
                         ? reply->str
                         : sti_redis_errstr(talent_store_redis(self->store)));
        } else if (strcmp(what, "ok") == 0) {
            outcome = S_DONE;
        } else if (strcmp(what, "missing") == 0) {
            outcome = S_SKIPPED;
        } else if (strcmp(what, "duplicate") == 0) {
            sti_warn("talent: %s cannot be re-keyed: its document is registered as %s too", id,
                     reply->elements > 1 && reply->element[1]->type == REDIS_REPLY_STRING
                         ? reply->element[1]->str
                         : "another record");
            outcome = S_CONFLICT;
        } else if (strcmp(what, "stale") != 0) {
            snprintf(err, errlen, "the re-key script answered %s", what);
        }
        bool stale = what && strcmp(what, "stale") == 0;
        if (reply) {
            freeReplyObject(reply);
        }
        if (!stale) {
            return outcome;
        }
    }
    sti_warn("talent: %s changed under %d re-keys in a row; left for the next pass", id,
             S_ATTEMPTS);
    return S_CONFLICT;
}

int talent_rekey_run(talent_rekey_t *self, int64_t cursor, int64_t limit,
                     const talent_actor_t *actor, talent_rekey_result_t *result, char *err,
                     size_t errlen)
{
    assert(limit >= 1 && limit <= TALENT_REKEY_LIMIT_MAX);
    memset(result, 0, sizeof *result);
    char(*ids)[TALENT_REGISTRY_ID_MAX + 1] = calloc((size_t)limit, sizeof *ids);
    assert(ids);
    int64_t walked = 0, done = 0;
    int rc = 0;
    while (rc == 0 && cursor >= 0 && done < limit && walked < S_WALK_MAX) {
        int64_t found = 0;
        talent_rekey_count_t unused = {0, 0};
        rc = s_slice(self, &cursor, limit - done, &unused, ids, &found, err, errlen);
        walked += S_SLICE;
        for (int64_t i = 0; rc == 0 && i < found; i++) {
            s_outcome_t outcome = s_rekey_one(self, ids[i], actor, err, errlen);
            result->rekeyed += outcome == S_DONE;
            result->conflicts += outcome == S_CONFLICT;
            result->failed += outcome == S_DAMAGED;
            rc = outcome == S_FAILED ? -1 : 0;
            done++;
        }
    }
    free(ids);
    result->next = cursor < 0 ? 0 : cursor;
    if (rc == 0 && result->rekeyed > 0) {
        sti_info("talent: %" PRId64 " records re-keyed to key %u by %s", result->rekeyed,
                 talent_crypto_key_id(talent_store_crypto(self->store)), actor->who);
    }
    return rc;
}

//  Reads the body of talent.rekey. Returns 0, or -1 after writing the reply.
static int s_read_body(const sti_request_t *request, int64_t *cursor, int64_t *limit,
                       sti_writer_t *reply)
{
    static const char *const keys[] = {"cursor", "limit", NULL};
    sti_node_t body = request->body;
    sti_field_error_t err = {"body", ""};
    *cursor = 0;
    *limit = TALENT_REKEY_LIMIT_DEFAULT;
    if (sti_node_is_missing(body) || sti_node_type(body) == STI_TYPE_NIL) {
        return 0;
    }
    if (sti_node_type(body) != STI_TYPE_MAP) {
        snprintf(err.reason, sizeof err.reason, "must be a map");
    } else if (sti_map_only(body, keys, &err) != 0) {
        // err names the key
    } else if (!sti_node_is_missing(sti_node_get(body, "cursor")) &&
               (sti_map_int(body, "cursor", cursor, &err) != 0 || *cursor < 0)) {
        snprintf(err.field, sizeof err.field, "cursor");
        snprintf(err.reason, sizeof err.reason, "must be the next of a previous answer");
    } else if (!sti_node_is_missing(sti_node_get(body, "limit")) &&
               (sti_map_int(body, "limit", limit, &err) != 0 || *limit < 1 ||
                *limit > TALENT_REKEY_LIMIT_MAX)) {
        snprintf(err.field, sizeof err.field, "limit");
        snprintf(err.reason, sizeof err.reason, "must be from 1 to %d", TALENT_REKEY_LIMIT_MAX);
    } else {
        return 0;
    }
    sti_service_reply_invalid(reply, request, &err);
    return -1;
}

int talent_ops_rekey(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx)
{
    (void)service;
    talent_ops_t *ops = (talent_ops_t *)ctx;
    talent_rekey_t *self = talent_ops_rekeyer(ops);
    int64_t cursor, limit;
    if (s_read_body(request, &cursor, &limit, reply) != 0) {
        return 0;
    }
    talent_actor_t actor = talent_ops_actor(ops, "talent.rekey", request->id);
    actor.key = NULL; // a change's audit entry names who, as every change's does
    talent_rekey_result_t result;
    talent_rekey_count_t count;
    char err[512] = "";
    sti_writer_reset(reply);
    if (talent_rekey_run(self, cursor, limit, &actor, &result, err, sizeof err) != 0 ||
        talent_rekey_count(self, &count, err, sizeof err) != 0) {
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE, err, NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 7);
    sti_writer_kv_int(reply, "rekeyed", result.rekeyed);
    sti_writer_kv_int(reply, "conflicts", result.conflicts);
    sti_writer_kv_int(reply, "failed", result.failed);
    sti_writer_kv_int(reply, "remaining", count.old);
    sti_writer_kv_int(reply, "unknown_key", count.unknown);
    sti_writer_kv_int(reply, "current_key", talent_crypto_key_id(talent_store_crypto(
                                                talent_ops_store(ops))));
    sti_writer_str(reply, "next");
    if (result.next > 0) {
        sti_writer_int(reply, result.next);
    } else {
        sti_writer_nil(reply);
    }
    return 0;
}
