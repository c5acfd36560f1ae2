/*  talent_store: the registry's records in Redis. See talent_store.h.

    A change is prepared in C (sealing, hashing, index tokens, count deltas,
    the event's data: talent_at_rest, talent_counts) and applied by one
    EVALSHA of talent_change.lua, whose text is events_append.lua followed by
    the script. The record's stored `data` is read back with a partial
    decode; the sealed values are opened with the record's id as associated
    data, so a value moved to another record does not open.
*/
#include "talent_store.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog_store.h"
#include "sti_log.h"
#include "sti_lua_sti.h"
#include "sti_lua_talent_core.h"
#include "talent_at_rest.h"
#include "talent_counts.h"
#include "talent_keyspace.h"

#define S_TOKENS_MAX 4096     // bytes of a record's index tokens
#define S_INDEX_KEYS 16       // index sets one record is in, at most
#define S_COUNTS_MAX 8192     // bytes of one change's count deltas
#define S_REQUEST_TTL "86400" // seconds a request id remembers the record it made
#define S_KEYS 13             // the fixed keys of talent_change.lua
#define S_VALUES 30           // its arguments before the event guard's two
#define S_ARGS (S_KEYS + 2 * S_INDEX_KEYS + 1 + S_VALUES + 2)

struct _talent_store_t {
    sti_redis_t *redis;            // borrowed
    talent_codes_t *codes;         // the plan's talent codes (owned), or NULL
    uint64_t codes_version;        // the catalog version they were read at, 0: none
    sti_errcode_t codes_code;      // why there are none at that version
    char codes_err[256];           // and the reason
    const talent_crypto_t *crypto; // borrowed
    sti_events_pub_t *pub;         // borrowed, may be NULL
    sti_catalog_store_t *catalog;  // the plan's catalog, cached by version
    char root_org[STI_CODE_MAX];   // its root org unit, as last read
    sti_script_t *change;          // events_append.lua + talent_change.lua
    char *change_text;             // the script's text (owned)
    sti_writer_t *writer;          // scratch for the event's data
};

//  The stored form of a record, as HGETALL returns it (borrowed from the reply).
typedef struct {
    const char *data;                            // non-personal fields, MessagePack
    size_t data_len;                             // bytes of data
    const char *id_type;                         // id_type name
    const uint8_t *sealed[TALENT_SEALED_FIELDS]; // id_number, phone, email (NULL when absent)
    size_t sealed_len[TALENT_SEALED_FIELDS];     // their lengths
    int64_t version;                             // the record's version
} s_stored_t;

talent_store_t *talent_store_new(sti_redis_t *redis, const talent_crypto_t *crypto,
                                 sti_events_pub_t *pub)
{
    assert(redis && crypto);
    talent_store_t *self = (talent_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->crypto = crypto;
    self->pub = pub;
    size_t len = strlen(sti_lua_events_append) + strlen(sti_lua_talent_change) + 2;
    self->change_text = (char *)malloc(len);
    assert(self->change_text);
    snprintf(self->change_text, len, "%s\n%s", sti_lua_events_append, sti_lua_talent_change);
    self->change = sti_redis_script(redis, self->change_text);
    self->catalog = sti_catalog_store_new(redis);
    self->writer = sti_writer_new();
    return self;
}

void talent_store_destroy(talent_store_t **self_p)
{
    assert(self_p);
    talent_store_t *self = *self_p;
    if (self) {
        sti_writer_destroy(&self->writer);
        sti_catalog_store_destroy(&self->catalog);
        talent_codes_destroy(&self->codes);
        free(self->change_text);
        free(self);
        *self_p = NULL;
    }
}

//  Reads the talent codes of catalog (at version) into the store, or why
//  there are none into codes_code and codes_err.
static void s_load_codes(talent_store_t *self, const sti_catalog_t *catalog, uint64_t version)
{
    talent_codes_destroy(&self->codes);
    self->codes_version = version;
    size_t size = 0;
    const void *talent = sti_catalog_talent(catalog, &size);
    char why[200] = "";
    if (!talent) {
        self->codes_code = STI_ERR_NOT_FOUND;
        snprintf(self->codes_err, sizeof self->codes_err,
                 "the plan %s has no talent codes (talent.json): load a plan that has them "
                 "(stictl plan load DIR)",
                 sti_catalog_plan(catalog) ? sti_catalog_plan(catalog)->code : "loaded");
    } else if (!(self->codes = talent_codes_decode(talent, size, why, sizeof why))) {
        self->codes_code = STI_ERR_INTERNAL;
        snprintf(self->codes_err, sizeof self->codes_err, "the plan's talent codes do not load: %s",
                 why);
        sti_error("talent: %s", self->codes_err);
    } else {
        sti_info("talent: the plan's talent codes read (catalog version %llu)",
                 (unsigned long long)version);
    }
}

const talent_codes_t *talent_store_codes(talent_store_t *self, sti_errcode_t *code, char *err,
                                         size_t errlen)
{
    assert(self && code);
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, code, err, errlen);
    if (!catalog) {
        talent_codes_destroy(&self->codes);
        self->codes_version = 0;
        return NULL;
    }
    uint64_t version = sti_catalog_store_version(self->catalog);
    if (version != self->codes_version) {
        s_load_codes(self, catalog, version);
    }
    if (!self->codes) {
        *code = self->codes_code;
        snprintf(err, errlen, "%s", self->codes_err);
    }
    return self->codes;
}

const char *talent_store_root_org(talent_store_t *self, sti_errcode_t *code, char *err,
                                  size_t errlen)
{
    assert(self && code);
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, code, err, errlen);
    const sti_org_unit_t *root = catalog ? sti_catalog_org_root(catalog) : NULL;
    if (catalog && !root) {
        *code = STI_ERR_NOT_FOUND;
        snprintf(err, errlen, "the plan has no root org unit");
    }
    if (!root) {
        return NULL;
    }
    snprintf(self->root_org, sizeof self->root_org, "%s", root->code);
    return self->root_org;
}

const talent_crypto_t *talent_store_crypto(talent_store_t *self)
{
    assert(self);
    return self->crypto;
}

//  The reason Redis gave for a failed reply, or the connection's.
static const char *s_why(talent_store_t *self, const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR ? reply->str : sti_redis_errstr(self->redis);
}

//  --- reading a record ---

//  Fills a stored view from an HGETALL reply. Returns 0, or -1 when a field
//  is missing or malformed.
static int s_stored(const redisReply *reply, s_stored_t *stored)
{
    memset(stored, 0, sizeof *stored);
    stored->version = -1;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *key = reply->element[i], *value = reply->element[i + 1];
        if (key->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) {
            return -1;
        }
        if (strcmp(key->str, "data") == 0) {
            stored->data = value->str;
            stored->data_len = value->len;
        } else if (strcmp(key->str, "id_type") == 0) {
            stored->id_type = value->str;
        } else if (strcmp(key->str, "version") == 0) {
            stored->version = strtoll(value->str, NULL, 10);
        }
        for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
            if (strcmp(key->str, talent_at_rest_fields[f]) == 0) {
                stored->sealed[f] = (const uint8_t *)value->str;
                stored->sealed_len[f] = value->len;
            }
        }
    }
    return stored->data && stored->id_type && stored->sealed[0] && stored->version > 0 ? 0 : -1;
}

//  Turns a stored view into the record. Returns 0, or -1 with err.
static int s_open(talent_store_t *self, const char *id, const s_stored_t *stored,
                  talent_record_t *record, char *err, size_t errlen)
{
    talent_errors_t errors;
    if (talent_record_decode(stored->data, stored->data_len, self->codes, TALENT_DECODE_PARTIAL,
                             record, &errors) != 0) {
        snprintf(err, errlen, "the stored record %s does not decode: %s: %s", id,
                 errors.items[0].field, errors.items[0].reason);
        return -1;
    }
    if (talent_at_rest_open(self->crypto, id, stored->sealed, stored->sealed_len, record, err,
                            errlen) != 0) {
        return -1;
    }
    record->id_type = talent_at_rest_id_type(stored->id_type);
    record->present |= TALENT_F_ID_TYPE | TALENT_F_ID_NUMBER;
    return 0;
}

talent_store_rc_t talent_store_read(talent_store_t *self, const char *id, talent_record_t *record,
                                    int64_t *version, char *err, size_t errlen)
{
    assert(self && id && record && version);
    char key[256];
    if (!self->codes || !talent_keyspace_record(self->redis, id, key, sizeof key)) {
        snprintf(err, errlen, self->codes ? "no talent %s" : "the talent codes are not loaded", id);
        return self->codes ? TALENT_STORE_NOT_FOUND : TALENT_STORE_FAILED;
    }
    const char *argv[] = {"HGETALL", key};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "the registry cannot be read now: %s", s_why(self, reply));
        if (reply) {
            freeReplyObject(reply);
        }
        return TALENT_STORE_FAILED;
    }
    s_stored_t stored;
    talent_store_rc_t rc = TALENT_STORE_FAILED;
    if (reply->elements == 0) {
        snprintf(err, errlen, "no talent %s", id);
        rc = TALENT_STORE_NOT_FOUND;
    } else if (s_stored(reply, &stored) != 0) {
        snprintf(err, errlen, "the stored record %s is damaged", id);
    } else if (s_open(self, id, &stored, record, err, errlen) == 0) {
        *version = stored.version;
        rc = TALENT_STORE_OK;
    }
    if (rc == TALENT_STORE_FAILED) {
        sti_error("talent: %s", err);
        talent_record_wipe(record);
    }
    freeReplyObject(reply);
    return rc;
}

//  --- changes ---

//  Everything one change passes to talent_change.lua.
typedef struct {
    const char *mode;              // add, update, remove
    const char *id;                // the record's id
    int64_t expected;              // expected version (0 for add)
    const talent_record_t *old;    // the stored record, or NULL
    const talent_record_t *record; // the new record, or NULL for remove
    const char *event_type;        // talent.registered, ...
    const talent_actor_t *actor;   // for the audit entry
} s_change_t;

//  The script's keys and arguments as prepared for one change.
typedef struct {
    char keys[S_KEYS][512];                        // the fixed keys
    char old_keys[S_INDEX_KEYS][512];              // the index sets the record leaves
    char new_keys[S_INDEX_KEYS][512];              // the index sets it joins
    int n_old, n_new;                              // how many of each
    char epoch_key[256];                           // the event stream's epoch hash
    char team_prefix[256];                         // <ns>:tal:team:
    char old_tokens[S_TOKENS_MAX];                 // the stored record's index tokens
    char new_tokens[S_TOKENS_MAX];                 // the new record's
    char deltas[S_COUNTS_MAX];                     // count contributions it moves
    char dirty[S_COUNTS_MAX];                      // the indicators it marks dirty
    talent_sealed_t sealed;                        // the new record's personal fields
    void *data;                                    // its stored data (owned), or NULL
    size_t data_len;                               // bytes of data
    char name_member[TALENT_PERSON_NAME_MAX + 40]; // name NUL id
    size_t name_len;                               // bytes of name_member
    char score[24], expected[24], now_ms[24];      // numbers as text
    char event_time[40], topic[64], maxlen[24];
    char n_old_text[8], n_new_text[8];
    char floor[24];          // the event guard's floor
    const char *floor_epoch; // and its epoch
} s_prep_t;

//  Keys of the index tokens (one a line) into keys; returns their count or -1.
static int s_index_keys(talent_store_t *self, const char *tokens, char keys[S_INDEX_KEYS][512])
{
    int count = 0;
    const char *p = tokens;
    while (p && *p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char token[400];
        if (count == S_INDEX_KEYS || len >= sizeof token) {
            return -1;
        }
        memcpy(token, p, len);
        token[len] = 0;
        if (!talent_keyspace_index(self->redis, token, keys[count], sizeof keys[count])) {
            return -1;
        }
        count++;
        p = end ? end + 1 : NULL;
    }
    return count;
}

//  The index entries and count changes of a change. Returns 0, or -1 when they do not fit.
static int s_prepare_index(talent_store_t *self, const s_change_t *change, s_prep_t *prep)
{
    if ((change->old &&
         talent_at_rest_tokens(change->old, prep->old_tokens, sizeof prep->old_tokens)) ||
        (change->record &&
         talent_at_rest_tokens(change->record, prep->new_tokens, sizeof prep->new_tokens)) ||
        talent_counts_change(self->codes, change->old, change->record, prep->deltas,
                             sizeof prep->deltas, prep->dirty, sizeof prep->dirty)) {
        return -1;
    }
    prep->n_old = s_index_keys(self, prep->old_tokens, prep->old_keys);
    prep->n_new = s_index_keys(self, prep->new_tokens, prep->new_keys);
    snprintf(prep->n_old_text, sizeof prep->n_old_text, "%d", prep->n_old);
    snprintf(prep->n_new_text, sizeof prep->n_new_text, "%d", prep->n_new);
    return prep->n_old < 0 || prep->n_new < 0 ? -1 : 0;
}

//  The fixed keys of a change (talent_change.lua's KEYS 1-13), the epoch
//  hash and the team prefix.
static void s_prepare_keys(talent_store_t *self, const s_change_t *change, s_prep_t *prep)
{
    sti_redis_t *redis = self->redis;
    talent_keyspace_record(redis, change->id, prep->keys[0], sizeof prep->keys[0]);
    talent_keyspace_documents(redis, prep->keys[1], sizeof prep->keys[1]);
    talent_keyspace_all(redis, prep->keys[2], sizeof prep->keys[2]);
    talent_keyspace_names(redis, prep->keys[3], sizeof prep->keys[3]);
    talent_keyspace_stats(redis, prep->keys[4], sizeof prep->keys[4]);
    talent_keyspace_count(redis, "count", prep->keys[5], sizeof prep->keys[5]);
    talent_keyspace_count(redis, "count:dirty", prep->keys[6], sizeof prep->keys[6]);
    talent_keyspace_count(redis, "count:gen", prep->keys[7], sizeof prep->keys[7]);
    talent_keyspace_audit(redis, change->id, prep->keys[8], sizeof prep->keys[8]);
    talent_keyspace_events(redis, NULL, prep->keys[9], sizeof prep->keys[9]);
    talent_keyspace_events(redis, "seq", prep->keys[10], sizeof prep->keys[10]);
    talent_keyspace_events(redis, "prev", prep->keys[11], sizeof prep->keys[11]);
    if (strcmp(change->mode, "add") == 0) {
        talent_keyspace_request(redis, change->actor->request, prep->keys[12],
                                sizeof prep->keys[12]);
    } else {
        talent_keyspace_record_teams(redis, change->id, prep->keys[12], sizeof prep->keys[12]);
    }
    talent_keyspace_events(redis, "epoch", prep->epoch_key, sizeof prep->epoch_key);
    talent_keyspace_team_prefix(redis, prep->team_prefix, sizeof prep->team_prefix);
}

//  The values of a change: sealed fields, stored data, the name index's
//  member, numbers, the event.
static void s_prepare_values(talent_store_t *self, const s_change_t *change, s_prep_t *prep)
{
    const talent_record_t *facts = change->record ? change->record : change->old;
    if (change->record) {
        talent_at_rest_seal(self->crypto, change->id, change->record, &prep->sealed);
        prep->data = talent_at_rest_data(change->record, &prep->data_len);
        prep->name_len = (size_t)snprintf(prep->name_member, sizeof prep->name_member, "%s",
                                          change->record->name);
        memcpy(prep->name_member + prep->name_len + 1, change->id, strlen(change->id));
        prep->name_len += 1 + strlen(change->id);
    }
    snprintf(prep->score, sizeof prep->score, "%" PRId64, talent_at_rest_id_number(change->id));
    snprintf(prep->expected, sizeof prep->expected, "%" PRId64, change->expected);
    snprintf(prep->now_ms, sizeof prep->now_ms, "%" PRId64, zclock_time());
    talent_at_rest_event_time(prep->event_time, sizeof prep->event_time);
    snprintf(prep->topic, sizeof prep->topic, "tal.%s", facts->category);
    snprintf(prep->maxlen, sizeof prep->maxlen, "%u", STI_EVENTS_MAXLEN);
    talent_at_rest_event_data(self->writer, change->id, facts, change->expected + 1);
    snprintf(prep->floor, sizeof prep->floor, "0");
    prep->floor_epoch = "";
    if (self->pub) {
        sti_events_pub_floor(self->pub, prep->floor, sizeof prep->floor, &prep->floor_epoch);
    }
}

//  Lays out talent_change.lua's keys and arguments (see its header).
//  Returns the number of keys; *argc counts all.
static int s_argv(talent_store_t *self, const s_change_t *change, const s_prep_t *prep,
                  const char **argv, size_t *lens, int *argc)
{
    int n = 0;
    for (int k = 0; k < S_KEYS; k++) {
        argv[n++] = prep->keys[k];
    }
    for (int k = 0; k < prep->n_old; k++) {
        argv[n++] = prep->old_keys[k];
    }
    for (int k = 0; k < prep->n_new; k++) {
        argv[n++] = prep->new_keys[k];
    }
    argv[n++] = prep->epoch_key;
    int nkeys = n;
    size_t event_len;
    const char *event = (const char *)sti_writer_data(self->writer, &event_len);
    const talent_record_t *record = change->record;
    const char *values[S_VALUES] = {change->mode,
                                    change->id,
                                    prep->expected,
                                    prep->data ? (const char *)prep->data : "",
                                    record ? talent_id_type_name(record->id_type) : "",
                                    (const char *)prep->sealed.value[0],
                                    (const char *)prep->sealed.value[1],
                                    (const char *)prep->sealed.value[2],
                                    record ? prep->sealed.hash : "",
                                    prep->new_tokens,
                                    prep->name_member,
                                    prep->score,
                                    prep->n_old_text,
                                    prep->n_new_text,
                                    prep->deltas,
                                    prep->dirty,
                                    change->actor->op,
                                    change->actor->who,
                                    prep->now_ms,
                                    change->actor->request,
                                    prep->topic,
                                    change->event_type,
                                    change->id,
                                    prep->event_time,
                                    event,
                                    "sti-talent",
                                    prep->maxlen,
                                    S_REQUEST_TTL,
                                    prep->team_prefix,
                                    record ? prep->sealed.others : ""};
    for (int a = 0; a < S_VALUES; a++) {
        argv[n++] = values[a] ? values[a] : "";
    }
    argv[n++] = prep->floor;
    argv[n++] = prep->floor_epoch;
    for (int a = 0; a < n; a++) {
        int at = a - nkeys; // the binary arguments have no NUL: their lengths are set below
        bool binary = at == 3 || (at >= 5 && at <= 7) || at == 10 || at == 24;
        lens[a] = binary ? 0 : strlen(argv[a]);
    }
    lens[nkeys + 3] = prep->data_len;
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        lens[nkeys + 5 + f] = prep->sealed.len[f];
    }
    lens[nkeys + 10] = prep->name_len;
    lens[nkeys + 24] = event_len;
    *argc = n;
    return nkeys;
}

//  Maps a script reply to a result; fills conflict_id for duplicates.
static talent_store_rc_t s_result(talent_store_t *self, const s_change_t *change,
                                  const redisReply *reply, char *conflict_id, char *err,
                                  size_t errlen)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "the registry cannot be changed now: %s", s_why(self, reply));
        sti_error("talent: %s %s: %s", change->mode, change->id, err);
        return TALENT_STORE_FAILED;
    }
    const char *what = reply->element[0]->str;
    const char *arg = reply->elements > 1 && reply->element[1]->type == REDIS_REPLY_STRING
                          ? reply->element[1]->str
                          : "";
    if (strcmp(what, "ok") == 0 && reply->elements == 4 &&
        reply->element[1]->type == REDIS_REPLY_INTEGER &&
        reply->element[3]->type == REDIS_REPLY_STRING &&
        reply->element[3]->len <= STI_EVENTS_EPOCH_MAX) {
        uint64_t seq = (uint64_t)reply->element[1]->integer;
        if (self->pub) {
            sti_events_pub_appended(self->pub, reply->element[3]->str, seq);
            sti_events_send_logged(self->pub, seq, seq);
        }
        return TALENT_STORE_OK;
    }
    if (strcmp(what, "lost") == 0) {
        //  The event stream stopped after Redis lost data: nothing was changed.
        if (self->pub) {
            sti_events_pub_refused(self->pub, arg);
        }
        snprintf(err, errlen, "the registry takes no changes now: %s", arg);
        return TALENT_STORE_FAILED;
    }
    if (strcmp(what, "missing") == 0) {
        snprintf(err, errlen, "no talent %s", change->id);
        return TALENT_STORE_NOT_FOUND;
    }
    if (strcmp(what, "stale") == 0) {
        snprintf(err, errlen, "talent %s is at version %s, not %" PRId64, change->id, arg,
                 change->expected);
        return TALENT_STORE_STALE;
    }
    if (strcmp(what, "duplicate") == 0 || strcmp(what, "replayed") == 0) {
        snprintf(conflict_id, TALENT_REGISTRY_ID_MAX + 1, "%s", arg);
        snprintf(err, errlen, "this document is registered already as %s", arg);
        return what[0] == 'd' ? TALENT_STORE_DUPLICATE : TALENT_STORE_REPLAYED;
    }
    snprintf(err, errlen, "the registry's script answered %s", what);
    return TALENT_STORE_FAILED;
}

//  Runs one change. conflict_id receives a duplicate's or replay's id.
static talent_store_rc_t s_change(talent_store_t *self, const s_change_t *change, char *conflict_id,
                                  char *err, size_t errlen)
{
    if (!self->codes) {
        snprintf(err, errlen, "the talent codes are not loaded");
        return TALENT_STORE_FAILED;
    }
    s_prep_t *prep = (s_prep_t *)calloc(1, sizeof *prep);
    assert(prep);
    talent_store_rc_t rc = TALENT_STORE_FAILED;
    if (s_prepare_index(self, change, prep) != 0) {
        snprintf(err, errlen, "the record's index entries do not fit");
    } else {
        s_prepare_keys(self, change, prep);
        s_prepare_values(self, change, prep);
        const char *argv[S_ARGS];
        size_t lens[S_ARGS];
        int argc = 0;
        int nkeys = s_argv(self, change, prep, argv, lens, &argc);
        redisReply *reply =
            sti_redis_eval(self->redis, self->change, nkeys, argc - nkeys, argv, lens);
        rc = s_result(self, change, reply, conflict_id, err, errlen);
        if (reply) {
            freeReplyObject(reply);
        }
    }
    talent_at_rest_sealed_free(&prep->sealed);
    free(prep->data);
    free(prep);
    return rc;
}

//  Looks the document of record up in the duplicate index under every key.
//  Returns DUPLICATE (its registry id in id), NOT_FOUND, or FAILED with err.
static talent_store_rc_t s_find_document(talent_store_t *self, const talent_record_t *record,
                                         char *id, char *err, size_t errlen)
{
    const char *type = talent_id_type_name(record->id_type);
    char hashes[TALENT_CRYPTO_KEYS_MAX][TALENT_HASH_TEXT_LEN + 1], key[256];
    uint8_t ids[TALENT_CRYPTO_KEYS_MAX];
    size_t count = talent_crypto_key_ids(self->crypto, ids, TALENT_CRYPTO_KEYS_MAX);
    const char *argv[2 + TALENT_CRYPTO_KEYS_MAX] = {"HMGET", key};
    talent_keyspace_documents(self->redis, key, sizeof key);
    for (size_t i = 0; i < count; i++) {
        talent_crypto_hash_with(self->crypto, ids[i], type, record->id_number, hashes[i]);
        argv[2 + i] = hashes[i];
    }
    redisReply *owners = sti_redis_argv_retry(self->redis, 2 + (int)count, argv, NULL);
    talent_store_rc_t rc = TALENT_STORE_NOT_FOUND;
    if (!owners || owners->type != REDIS_REPLY_ARRAY || owners->elements != count) {
        snprintf(err, errlen, "the registry cannot be read now: %s", s_why(self, owners));
        rc = TALENT_STORE_FAILED;
    }
    for (size_t i = 0; rc == TALENT_STORE_NOT_FOUND && i < count; i++) {
        if (owners->element[i]->type == REDIS_REPLY_STRING) {
            snprintf(id, TALENT_REGISTRY_ID_MAX + 1, "%s", owners->element[i]->str);
            snprintf(err, errlen, "this document is registered already as %s", id);
            rc = TALENT_STORE_DUPLICATE;
        }
    }
    if (owners) {
        freeReplyObject(owners);
    }
    return rc;
}

//  Looks up the record a request id made. Returns REPLAYED (its registry id
//  in id), NOT_FOUND, or FAILED with err.
static talent_store_rc_t s_find_request(talent_store_t *self, const char *request, char *id,
                                        char *err, size_t errlen)
{
    char key[STI_ID_MAX + 256];
    if (!request || !*request) {
        return TALENT_STORE_NOT_FOUND;
    }
    talent_keyspace_request(self->redis, request, key, sizeof key);
    const char *argv[] = {"GET", key};
    redisReply *made = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    talent_store_rc_t rc = TALENT_STORE_NOT_FOUND;
    if (!made || (made->type != REDIS_REPLY_STRING && made->type != REDIS_REPLY_NIL)) {
        snprintf(err, errlen, "the registry cannot be read now: %s", s_why(self, made));
        rc = TALENT_STORE_FAILED;
    } else if (made->type == REDIS_REPLY_STRING) {
        snprintf(id, TALENT_REGISTRY_ID_MAX + 1, "%s", made->str);
        rc = TALENT_STORE_REPLAYED;
    }
    if (made) {
        freeReplyObject(made);
    }
    return rc;
}

talent_store_rc_t talent_store_add(talent_store_t *self, const talent_record_t *record,
                                   const talent_actor_t *actor, char *id, char *err, size_t errlen)
{
    assert(self && record && actor && id);
    //  A request id seen before is answered with the record it made, before
    //  anything else: its document is registered by then, and a retry is not
    //  a duplicate. A duplicate is found before an id is spent on it (under
    //  every key the registry knows); the script checks both again.
    char key[256];
    talent_store_rc_t found = s_find_request(self, actor->request, id, err, errlen);
    if (found == TALENT_STORE_NOT_FOUND) {
        found = s_find_document(self, record, id, err, errlen);
    }
    if (found != TALENT_STORE_NOT_FOUND) {
        return found;
    }
    talent_keyspace_next(self->redis, key, sizeof key);
    redisReply *next = sti_redis_command(self->redis, "INCR %s", key);
    if (!next || next->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "the registry cannot be changed now: %s", s_why(self, next));
        if (next) {
            freeReplyObject(next);
        }
        return TALENT_STORE_FAILED;
    }
    snprintf(id, TALENT_REGISTRY_ID_MAX + 1, "T%06lld", next->integer);
    freeReplyObject(next);
    s_change_t change = {"add", id, 0, NULL, record, "talent.registered", actor};
    char other[TALENT_REGISTRY_ID_MAX + 1] = "";
    talent_store_rc_t rc = s_change(self, &change, other, err, errlen);
    if (rc == TALENT_STORE_DUPLICATE || rc == TALENT_STORE_REPLAYED) {
        snprintf(id, TALENT_REGISTRY_ID_MAX + 1, "%s", other);
    }
    return rc;
}

talent_store_rc_t talent_store_update(talent_store_t *self, const char *id, int64_t expected,
                                      const talent_record_t *old, const talent_record_t *record,
                                      const char *event_type, const talent_actor_t *actor,
                                      char *conflict_id, char *err, size_t errlen)
{
    assert(self && id && old && record && event_type && actor);
    s_change_t change = {"update", id, expected, old, record, event_type, actor};
    return s_change(self, &change, conflict_id, err, errlen);
}

talent_store_rc_t talent_store_remove(talent_store_t *self, const char *id, int64_t expected,
                                      const talent_record_t *old, const talent_actor_t *actor,
                                      char *err, size_t errlen)
{
    assert(self && id && old && actor);
    char unused[TALENT_REGISTRY_ID_MAX + 1];
    s_change_t change = {"remove", id, expected, old, NULL, "talent.removed", actor};
    return s_change(self, &change, unused, err, errlen);
}

int talent_store_audit_reads(talent_store_t *self, const char *const *ids, size_t count,
                             const talent_actor_t *actor)
{
    assert(self && actor);
    char now_ms[24], key[256];
    snprintf(now_ms, sizeof now_ms, "%" PRId64, zclock_time());
    for (size_t i = 0; i < count; i++) {
        talent_keyspace_audit(self->redis, ids[i], key, sizeof key);
        const char *argv[17] = {"XADD",         key,        "*",    "op",   actor->op,
                                "who",          actor->who, "time", now_ms, "request",
                                actor->request, "id",       ids[i]};
        int argc = 13;
        if (actor->key && *actor->key) {
            argv[argc++] = "key";
            argv[argc++] = actor->key;
        }
        if (actor->reason && *actor->reason) {
            argv[argc++] = "reason";
            argv[argc++] = actor->reason;
        }
        sti_redis_append(self->redis, argc, argv, NULL);
    }
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        redisReply *reply = sti_redis_reply(self->redis);
        if (!reply || reply->type == REDIS_REPLY_ERROR) {
            rc = -1;
        }
        if (reply) {
            freeReplyObject(reply);
        }
    }
    if (rc) {
        sti_error("talent: audit entries of a read could not be written: %s",
                  sti_redis_errstr(self->redis));
    }
    return rc;
}
