/*  talent_store: the registry in Redis. See talent_store.h.

    A change is prepared in C (sealing, hashing, index tokens, count deltas,
    the event's data) and applied by one EVALSHA of talent_change.lua, whose
    text is events_append.lua followed by the script. The record's stored
    `data` is the request form of the record with the document and contacts
    taken out, read back with a partial decode; the sealed values are opened
    with the record's id as associated data, so a value moved to another
    record does not open.
*/
#include "talent_store.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sti_log.h"
#include "sti_lua_sti.h"
#include "sti_lua_talent_core.h"
#include "talent_counts.h"

#define S_TOKENS_MAX 4096       // bytes of a record's index tokens
#define S_INDEX_KEYS 16         // index sets one record is in, at most
#define S_COUNTS_MAX 8192       // bytes of one change's count deltas
#define S_REQUEST_TTL "86400"   // seconds a request id remembers the record it made
#define S_ARGS (14 + 2 * S_INDEX_KEYS + 32)
//  Bytes of the document's hashes under the old keys, one a line.
#define S_OTHERS_MAX ((TALENT_CRYPTO_KEYS_MAX - 1) * (TALENT_HASH_TEXT_LEN + 1) + 1)

struct _talent_store_t {
    sti_redis_t *redis;             // borrowed
    const talent_codes_t *codes;    // borrowed
    const talent_crypto_t *crypto;  // borrowed
    sti_events_pub_t *pub;          // borrowed, may be NULL
    sti_script_t *change;           // events_append.lua + talent_change.lua
    char *change_text;              // the script's text (owned)
    sti_writer_t *writer;           // scratch for data and event data
};

//  The stored form of a record, as HGETALL returns it (borrowed from the reply).
typedef struct {
    const char *data;      // non-personal fields, MessagePack
    size_t data_len;       // bytes of data
    const char *id_type;   // id_type name
    const redisReply *sealed[3]; // id_number, phone, email (NULL when absent)
    int64_t version;       // the record's version
    const char *idx;       // index tokens
} s_stored_t;

static const char *const s_sealed_fields[3] = {"id_number", "phone", "email"};

talent_store_t *talent_store_new(sti_redis_t *redis, const talent_codes_t *codes,
                                 const talent_crypto_t *crypto, sti_events_pub_t *pub)
{
    assert(redis && codes && crypto);
    talent_store_t *self = (talent_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->codes = codes;
    self->crypto = crypto;
    self->pub = pub;
    size_t len = strlen(sti_lua_events_append) + strlen(sti_lua_talent_change) + 2;
    self->change_text = (char *)malloc(len);
    assert(self->change_text);
    snprintf(self->change_text, len, "%s\n%s", sti_lua_events_append, sti_lua_talent_change);
    self->change = sti_redis_script(redis, self->change_text);
    self->writer = sti_writer_new();
    return self;
}

void talent_store_destroy(talent_store_t **self_p)
{
    assert(self_p);
    talent_store_t *self = *self_p;
    if (self) {
        sti_writer_destroy(&self->writer);
        free(self->change_text);
        free(self);
        *self_p = NULL;
    }
}

char *talent_store_key(talent_store_t *self, char *buf, size_t cap, const char *part,
                       const char *more)
{
    return more ? sti_redis_key(self->redis, buf, cap, "tal", part, more, NULL)
                : sti_redis_key(self->redis, buf, cap, "tal", part, NULL);
}

sti_redis_t *talent_store_redis(talent_store_t *self)
{
    return self->redis;
}

const talent_crypto_t *talent_store_crypto(talent_store_t *self)
{
    return self->crypto;
}

const talent_codes_t *talent_store_codes(talent_store_t *self)
{
    return self->codes;
}

void talent_store_wipe(talent_record_t *record)
{
    sodium_memzero(record, sizeof *record);
}

int64_t talent_store_id_number(const char *id)
{
    if (!id || id[0] != 'T' || !id[1] || strlen(id) > 19) {
        return -1;
    }
    int64_t n = 0;
    for (const char *p = id + 1; *p; p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
        n = n * 10 + (*p - '0');
    }
    return n;
}

int talent_store_tokens(const talent_record_t *record, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "category:%s\nfield:%s\nchannel:%s\noverseas:%d\nstatus:%s\nyear:%.4s\n",
                     record->category, record->field, record->channel, record->overseas ? 1 : 0,
                     talent_status_name(record->status), record->arrived);
    if (n < 0 || (size_t)n >= cap) {
        return -1;
    }
    if (record->employer_name[0]) {
        int m = snprintf(buf + n, cap - (size_t)n, "employer:%s\n", record->employer_name);
        if (m < 0 || (size_t)m >= cap - (size_t)n) {
            return -1;
        }
    }
    return 0;
}

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
        } else if (strcmp(key->str, "idx") == 0) {
            stored->idx = value->str;
        } else {
            for (int f = 0; f < 3; f++) {
                if (strcmp(key->str, s_sealed_fields[f]) == 0) {
                    stored->sealed[f] = value;
                }
            }
        }
    }
    return stored->data && stored->id_type && stored->sealed[0] && stored->version > 0 ? 0 : -1;
}

//  Opens the sealed fields into the record. Returns 0, or -1 with err.
static int s_open(talent_store_t *self, const char *id, const s_stored_t *stored,
                  talent_record_t *record, char *err, size_t errlen)
{
    char *targets[3] = {record->id_number, record->phone, record->email};
    size_t caps[3] = {sizeof record->id_number, sizeof record->phone, sizeof record->email};
    for (int f = 0; f < 3; f++) {
        if (!stored->sealed[f]) {
            continue;
        }
        size_t len = 0;
        char *plain = talent_crypto_open(self->crypto, id, s_sealed_fields[f],
                                         (const uint8_t *)stored->sealed[f]->str,
                                         stored->sealed[f]->len, &len, err, errlen);
        if (!plain) {
            return -1;
        }
        if (len >= caps[f]) {
            talent_crypto_free_plain(&plain);
            snprintf(err, errlen, "%s: stored value is too long", s_sealed_fields[f]);
            return -1;
        }
        memcpy(targets[f], plain, len + 1);
        talent_crypto_free_plain(&plain);
    }
    return 0;
}

talent_store_rc_t talent_store_read(talent_store_t *self, const char *id, talent_record_t *record,
                                    int64_t *version, char *err, size_t errlen)
{
    char key[256];
    talent_store_key(self, key, sizeof key, "rec", id);
    const char *argv[] = {"HGETALL", key};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "the registry cannot be read now: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : sti_redis_errstr(self->redis));
        if (reply) {
            freeReplyObject(reply);
        }
        return TALENT_STORE_FAILED;
    }
    if (reply->elements == 0) {
        freeReplyObject(reply);
        snprintf(err, errlen, "no talent %s", id);
        return TALENT_STORE_NOT_FOUND;
    }
    s_stored_t stored;
    talent_errors_t errors;
    talent_store_rc_t rc = TALENT_STORE_FAILED;
    if (s_stored(reply, &stored) != 0) {
        snprintf(err, errlen, "the stored record %s is damaged", id);
    } else if (talent_record_decode(stored.data, stored.data_len, self->codes,
                                    TALENT_DECODE_PARTIAL, record, &errors) != 0) {
        snprintf(err, errlen, "the stored record %s does not decode: %s: %s", id,
                 errors.items[0].field, errors.items[0].reason);
    } else if (s_open(self, id, &stored, record, err, errlen) == 0) {
        record->id_type = strcmp(stored.id_type, "passport") == 0 ? TALENT_ID_PASSPORT
                          : strcmp(stored.id_type, "other") == 0  ? TALENT_ID_OTHER
                                                                  : TALENT_ID_RESIDENT;
        record->present |= TALENT_F_ID_TYPE | TALENT_F_ID_NUMBER;
        *version = stored.version;
        rc = TALENT_STORE_OK;
    }
    if (rc != TALENT_STORE_OK) {
        sti_error("talent: %s", err);
        talent_store_wipe(record);
    }
    freeReplyObject(reply);
    return rc;
}

//  RFC 3339 UTC with milliseconds, as events carry it.
static void s_event_time(char *buf, size_t cap)
{
    int64_t ms = zclock_time();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, cap, "%s.%03dZ", stamp, (int)(ms % 1000));
}

//  Everything one change passes to talent_change.lua.
typedef struct {
    const char *mode;                  // add, update, remove
    const char *id;                    // the record's id
    int64_t expected;                  // expected version (0 for add)
    const talent_record_t *old;        // the stored record, or NULL
    const talent_record_t *record;     // the new record, or NULL for remove
    const char *event_type;            // talent.registered, ...
    const talent_actor_t *actor;       // for the audit entry
} s_change_t;

//  Keys of the record's index tokens (one per line) into keys; returns their count or -1.
static int s_index_keys(talent_store_t *self, const char *tokens,
                        char keys[S_INDEX_KEYS][512])
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
        if (!talent_store_key(self, keys[count], sizeof keys[count], "idx", token)) {
            return -1;
        }
        count++;
        p = end ? end + 1 : NULL;
    }
    return count;
}

//  Writes the event's data: the record's non-personal facts.
static void s_event_data(sti_writer_t *writer, const char *id, const talent_record_t *record,
                         int64_t version)
{
    sti_writer_reset(writer);
    sti_writer_map(writer, 9);
    sti_writer_kv_str(writer, "id", id);
    sti_writer_kv_str(writer, "category", record->category);
    sti_writer_kv_str(writer, "field", record->field);
    sti_writer_kv_str(writer, "channel", record->channel);
    sti_writer_kv_bool(writer, "overseas", record->overseas);
    sti_writer_kv_str(writer, "arrived", record->arrived);
    sti_writer_kv_str(writer, "status", talent_status_name(record->status));
    sti_writer_str(writer, "left_on");
    sti_writer_str(writer, record->left_on[0] ? record->left_on : NULL);
    sti_writer_kv_int(writer, "version", version);
}

//  The stored `data`: the request form without the document and contacts.
static void *s_data(const talent_record_t *record, size_t *size)
{
    talent_record_t *copy = (talent_record_t *)malloc(sizeof *copy);
    assert(copy);
    *copy = *record;
    copy->present &= ~(unsigned)(TALENT_F_ID_TYPE | TALENT_F_ID_NUMBER | TALENT_F_PHONE |
                                 TALENT_F_EMAIL);
    copy->present |= TALENT_F_NAME | TALENT_F_CATEGORY | TALENT_F_FIELD | TALENT_F_CHANNEL |
                     TALENT_F_ARRIVED | TALENT_F_STATUS | TALENT_F_OVERSEAS |
                     (record->left_on[0] ? TALENT_F_LEFT_ON : 0) |
                     (record->gender ? TALENT_F_GENDER : 0) |
                     (record->birth_year ? TALENT_F_BIRTH_YEAR : 0) |
                     (record->employer_name[0] ? TALENT_F_EMPLOYER : 0) |
                     (record->notes[0] ? TALENT_F_NOTES : 0);
    sti_writer_t *writer = sti_writer_new();
    talent_record_encode_request(copy, writer);
    const void *data = sti_writer_data(writer, size);
    void *out = malloc(*size);
    assert(out);
    memcpy(out, data, *size);
    sti_writer_destroy(&writer);
    talent_store_wipe(copy);
    free(copy);
    return out;
}

//  The sealed values and hash of the new record (freed by s_sealed_free).
typedef struct {
    uint8_t *value[3];      // id_number, phone, email (NULL when not given)
    size_t len[3];          // their lengths
    char hash[TALENT_HASH_TEXT_LEN + 1]; // the document hash
    char others[S_OTHERS_MAX];           // its hashes under the old keys, one a line
} s_sealed_t;

//  The hashes of a document under the old keys, one a line, into others
//  (S_OTHERS_MAX bytes): a record stored under an old key is a duplicate too.
static void s_other_hashes(const talent_crypto_t *crypto, const char *id_type,
                           const char *number, char *others)
{
    uint8_t ids[TALENT_CRYPTO_KEYS_MAX];
    size_t count = talent_crypto_key_ids(crypto, ids, TALENT_CRYPTO_KEYS_MAX);
    size_t at = 0;
    others[0] = 0;
    for (size_t i = 1; i < count; i++) {
        talent_crypto_hash_with(crypto, ids[i], id_type, number, others + at);
        at += TALENT_HASH_TEXT_LEN;
        others[at++] = '\n';
        others[at] = 0;
    }
}

static void s_seal(talent_store_t *self, const char *id, const talent_record_t *record,
                   s_sealed_t *sealed)
{
    memset(sealed, 0, sizeof *sealed);
    const char *plain[3] = {record->id_number, record->phone, record->email};
    for (int f = 0; f < 3; f++) {
        if (plain[f][0]) {
            sealed->value[f] = talent_crypto_seal(self->crypto, id, s_sealed_fields[f], plain[f],
                                                  strlen(plain[f]), &sealed->len[f]);
        }
    }
    talent_crypto_hash(self->crypto, talent_id_type_name(record->id_type), record->id_number,
                       sealed->hash);
    s_other_hashes(self->crypto, talent_id_type_name(record->id_type), record->id_number,
                   sealed->others);
}

static void s_sealed_free(s_sealed_t *sealed)
{
    for (int f = 0; f < 3; f++) {
        free(sealed->value[f]);
        sealed->value[f] = NULL;
    }
}

//  Maps a script reply to a result; fills conflict_id for duplicates.
static talent_store_rc_t s_result(talent_store_t *self, const s_change_t *change,
                                  redisReply *reply, char *conflict_id, char *err, size_t errlen)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "the registry cannot be changed now: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : sti_redis_errstr(self->redis));
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
static talent_store_rc_t s_change(talent_store_t *self, const s_change_t *change,
                                  char *conflict_id, char *err, size_t errlen)
{
    char old_keys[S_INDEX_KEYS][512], new_keys[S_INDEX_KEYS][512];
    char old_tokens[S_TOKENS_MAX] = "", new_tokens[S_TOKENS_MAX] = "";
    char deltas[S_COUNTS_MAX], dirty[S_COUNTS_MAX];
    const talent_record_t *facts = change->record ? change->record : change->old;
    if ((change->old && talent_store_tokens(change->old, old_tokens, sizeof old_tokens)) ||
        (change->record && talent_store_tokens(change->record, new_tokens, sizeof new_tokens)) ||
        talent_counts_change(self->codes, change->old, change->record, deltas, sizeof deltas,
                             dirty, sizeof dirty)) {
        snprintf(err, errlen, "the record's index entries do not fit");
        return TALENT_STORE_FAILED;
    }
    int n_old = s_index_keys(self, old_tokens, old_keys);
    int n_new = s_index_keys(self, new_tokens, new_keys);
    if (n_old < 0 || n_new < 0) {
        snprintf(err, errlen, "the record's index entries do not fit");
        return TALENT_STORE_FAILED;
    }
    s_sealed_t sealed;
    memset(&sealed, 0, sizeof sealed);
    if (change->record) {
        s_seal(self, change->id, change->record, &sealed);
    }
    size_t data_len = 0;
    void *data = change->record ? s_data(change->record, &data_len) : NULL;
    char keys[13][512], name_member[TALENT_PERSON_NAME_MAX + 40] = "", score[24], expected[24];
    char now_ms[24], event_time[40], topic[64], maxlen[24], team_prefix[256];
    const char *parts[13][2] = {{"rec", change->id}, {"doc", NULL}, {"all", NULL},
                                {"names", NULL},     {"stats", NULL}, {"count", NULL},
                                {"count:dirty", NULL}, {"count:gen", NULL},
                                {"audit", change->id}};
    for (int k = 0; k < 9; k++) {
        talent_store_key(self, keys[k], sizeof keys[k], parts[k][0], parts[k][1]);
    }
    sti_redis_key(self->redis, keys[9], sizeof keys[9], "events", "tal", NULL);
    sti_redis_key(self->redis, keys[10], sizeof keys[10], "events", "tal", "seq", NULL);
    sti_redis_key(self->redis, keys[11], sizeof keys[11], "events", "tal", "prev", NULL);
    if (strcmp(change->mode, "add") == 0) {
        sti_redis_key(self->redis, keys[12], sizeof keys[12], "tal", "req",
                      change->actor->request, NULL);
    } else {
        sti_redis_key(self->redis, keys[12], sizeof keys[12], "tal", "rec", change->id, "teams",
                      NULL);
    }
    sti_redis_key(self->redis, team_prefix, sizeof team_prefix, "tal", "team", "", NULL);
    size_t name_len = 0;
    if (change->record) {
        name_len = (size_t)snprintf(name_member, sizeof name_member, "%s", change->record->name);
        memcpy(name_member + name_len + 1, change->id, strlen(change->id));
        name_len += 1 + strlen(change->id);
    }
    snprintf(score, sizeof score, "%" PRId64, talent_store_id_number(change->id));
    snprintf(expected, sizeof expected, "%" PRId64, change->expected);
    snprintf(now_ms, sizeof now_ms, "%" PRId64, zclock_time());
    s_event_time(event_time, sizeof event_time);
    snprintf(topic, sizeof topic, "tal.%s", facts->category);
    snprintf(maxlen, sizeof maxlen, "%u", STI_EVENTS_MAXLEN);
    s_event_data(self->writer, change->id, facts, change->expected + 1);
    size_t event_len;
    const char *event_data = (const char *)sti_writer_data(self->writer, &event_len);
    char n_old_text[8], n_new_text[8];
    snprintf(n_old_text, sizeof n_old_text, "%d", n_old);
    snprintf(n_new_text, sizeof n_new_text, "%d", n_new);

    const char *argv[S_ARGS];
    size_t lens[S_ARGS];
    int argc = 0;
    for (int k = 0; k < 13; k++) {
        argv[argc++] = keys[k];
    }
    for (int k = 0; k < n_old; k++) {
        argv[argc++] = old_keys[k];
    }
    for (int k = 0; k < n_new; k++) {
        argv[argc++] = new_keys[k];
    }
    char epoch_key[256], floor[24] = "0";
    const char *floor_epoch = "";
    sti_redis_key(self->redis, epoch_key, sizeof epoch_key, "events", "tal", "epoch", NULL);
    argv[argc++] = epoch_key;
    if (self->pub) {
        sti_events_pub_floor(self->pub, floor, sizeof floor, &floor_epoch);
    }
    int nkeys = argc;
    const char *args[30] = {change->mode, change->id, expected, data ? (const char *)data : "",
                            change->record ? talent_id_type_name(change->record->id_type) : "",
                            (const char *)sealed.value[0], (const char *)sealed.value[1],
                            (const char *)sealed.value[2], change->record ? sealed.hash : "",
                            new_tokens, name_member, score, n_old_text, n_new_text, deltas, dirty,
                            change->actor->op, change->actor->who, now_ms,
                            change->actor->request, topic, change->event_type, change->id,
                            event_time, event_data, "sti-talent", maxlen, S_REQUEST_TTL,
                            team_prefix, change->record ? sealed.others : ""};
    for (int a = 0; a < 30; a++) {
        argv[argc++] = args[a] ? args[a] : "";
    }
    argv[argc++] = floor;
    argv[argc++] = floor_epoch;
    for (int a = 0; a < argc; a++) {
        int at = a - nkeys; // binary arguments have their lengths set below
        bool binary = at == 3 || (at >= 5 && at <= 7) || at == 10 || at == 24;
        lens[a] = binary ? 0 : strlen(argv[a]);
    }
    lens[nkeys + 3] = data_len;
    for (int f = 0; f < 3; f++) {
        lens[nkeys + 5 + f] = sealed.len[f];
    }
    lens[nkeys + 10] = name_len;
    lens[nkeys + 24] = event_len;
    redisReply *reply = sti_redis_eval(self->redis, self->change, nkeys, argc - nkeys, argv, lens);
    talent_store_rc_t rc = s_result(self, change, reply, conflict_id, err, errlen);
    if (reply) {
        freeReplyObject(reply);
    }
    s_sealed_free(&sealed);
    free(data);
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
    talent_store_key(self, key, sizeof key, "doc", NULL);
    for (size_t i = 0; i < count; i++) {
        talent_crypto_hash_with(self->crypto, ids[i], type, record->id_number, hashes[i]);
        argv[2 + i] = hashes[i];
    }
    redisReply *owners = sti_redis_argv_retry(self->redis, 2 + (int)count, argv, NULL);
    talent_store_rc_t rc = TALENT_STORE_NOT_FOUND;
    if (!owners || owners->type != REDIS_REPLY_ARRAY || owners->elements != count) {
        snprintf(err, errlen, "the registry cannot be read now: %s",
                 owners && owners->type == REDIS_REPLY_ERROR ? owners->str
                                                            : sti_redis_errstr(self->redis));
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

talent_store_rc_t talent_store_add(talent_store_t *self, const talent_record_t *record,
                                   const talent_actor_t *actor, char *id, char *err,
                                   size_t errlen)
{
    //  A duplicate is found before an id is spent on it (under every key the
    //  registry knows); the script checks again.
    char key[256];
    talent_store_rc_t found = s_find_document(self, record, id, err, errlen);
    if (found != TALENT_STORE_NOT_FOUND) {
        return found;
    }
    talent_store_key(self, key, sizeof key, "next", NULL);
    redisReply *next = sti_redis_command(self->redis, "INCR %s", key);
    if (!next || next->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "the registry cannot be changed now: %s",
                 next && next->type == REDIS_REPLY_ERROR ? next->str
                                                        : sti_redis_errstr(self->redis));
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
    s_change_t change = {"update", id, expected, old, record, event_type, actor};
    return s_change(self, &change, conflict_id, err, errlen);
}

talent_store_rc_t talent_store_remove(talent_store_t *self, const char *id, int64_t expected,
                                      const talent_record_t *old, const talent_actor_t *actor,
                                      char *err, size_t errlen)
{
    char unused[TALENT_REGISTRY_ID_MAX + 1];
    s_change_t change = {"remove", id, expected, old, NULL, "talent.removed", actor};
    return s_change(self, &change, unused, err, errlen);
}

int talent_store_audit_reads(talent_store_t *self, const char *const *ids, size_t count,
                             const talent_actor_t *actor)
{
    char now_ms[24], key[256];
    snprintf(now_ms, sizeof now_ms, "%" PRId64, zclock_time());
    for (size_t i = 0; i < count; i++) {
        talent_store_key(self, key, sizeof key, "audit", ids[i]);
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
