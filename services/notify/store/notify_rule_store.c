/*  notify_rule_store: rules and silences in Redis. See notify_rule_store.h.

    The cache is two arrays rebuilt from HGETALL when the version moved.
    At most NOTIFY_STORE_MAX of each are read; beyond that the hash is
    refused with a log line rather than grown without bound.
*/
#include "notify_rule_store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_keys.h"
#include "sti_envelope.h"
#include "sti_log.h"
#include "sti_lua_notify_core.h"

#define NOTIFY_STORE_MAX 10000     // rules (or silences) a deployment may hold
#define NOTIFY_REQUEST_TTL "86400" // seconds an add's request id is remembered

struct _notify_rule_store_t {
    sti_redis_t *redis;                // borrowed
    char rules_key[NOTIFY_KEY_MAX];    // <ns>:notify:rules
    char rules_seq[NOTIFY_KEY_MAX];    // <ns>:notify:rules:seq
    char silences_key[NOTIFY_KEY_MAX]; // <ns>:notify:silences
    char silences_seq[NOTIFY_KEY_MAX]; // <ns>:notify:silences:seq
    char version_key[NOTIFY_KEY_MAX];  // <ns>:notify:version
    char audit_key[NOTIFY_KEY_MAX];    // <ns>:notify:audit
    sti_script_t *add;                 // notify_add.lua
    sti_script_t *remove;              // notify_remove.lua
    long long version;                 // version the cache was read at, -1 for never
    notify_rule_t *rules;              // cached rules
    size_t rule_count;                 // how many
    notify_silence_t *silences;        // cached silences
    size_t silence_count;              // how many
    sti_writer_t *writer;              // reused for values
};

notify_rule_store_t *notify_rule_store_new(sti_redis_t *redis)
{
    notify_rule_store_t *self = calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    notify_key_rules(redis, self->rules_key, sizeof self->rules_key);
    notify_key_rules_seq(redis, self->rules_seq, sizeof self->rules_seq);
    notify_key_silences(redis, self->silences_key, sizeof self->silences_key);
    notify_key_silences_seq(redis, self->silences_seq, sizeof self->silences_seq);
    notify_key_version(redis, self->version_key, sizeof self->version_key);
    notify_key_audit(redis, self->audit_key, sizeof self->audit_key);
    self->add = sti_redis_script(redis, sti_lua_notify_add);
    self->remove = sti_redis_script(redis, sti_lua_notify_remove);
    self->version = -1;
    self->writer = sti_writer_new();
    return self;
}

void notify_rule_store_destroy(notify_rule_store_t **self_p)
{
    assert(self_p);
    notify_rule_store_t *self = *self_p;
    if (self) {
        free(self->rules);
        free(self->silences);
        sti_writer_destroy(&self->writer);
        free(self);
        *self_p = NULL;
    }
}

//  INCR of the sequence key seq; -1 when Redis failed.
static long long s_next_id(notify_rule_store_t *self, const char *seq)
{
    redisReply *reply = sti_redis_command(self->redis, "INCR %s", seq);
    long long id = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return id;
}

//  The audit entry's six arguments (time, op, who, role, via, request) into
//  argv from at, with time written into time_text.
static void s_audit_args(const notify_audit_t *audit, int64_t now_ms, char *time_text, size_t cap,
                         const char **argv)
{
    snprintf(time_text, cap, "%lld", (long long)now_ms);
    argv[0] = time_text;
    argv[1] = audit->op;
    argv[2] = audit->who;
    argv[3] = audit->role;
    argv[4] = audit->via;
    argv[5] = audit->request;
}

//  Removes id from hash with notify_remove.lua (version and audit with it).
//  Returns 1 removed, 0 no such id, or -1.
static long long s_remove(notify_rule_store_t *self, const char *hash, const char *id,
                          int64_t now_ms, const notify_audit_t *audit)
{
    char time_text[24];
    const char *argv[10] = {hash, self->version_key, self->audit_key, id};
    s_audit_args(audit, now_ms, time_text, sizeof time_text, argv + 4);
    size_t lens[10];
    for (size_t i = 0; i < 10; i++) {
        lens[i] = strlen(argv[i]);
    }
    redisReply *reply = sti_redis_eval(self->redis, self->remove, 3, 7, argv, lens);
    long long result = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    if (result < 0) {
        sti_warn("notify: cannot remove %s: %s", id,
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return result;
}

//  Stores value under id in hash with notify_add.lua, once per request id
//  (audited once): a retry copies the id the first add made into id.
//  Returns 0, or -1.
static int s_add(notify_rule_store_t *self, const char *hash, char *id, size_t cap, int64_t now_ms,
                 const notify_audit_t *audit)
{
    size_t size;
    const void *data = sti_writer_data(self->writer, &size);
    char request_key[NOTIFY_KEY_MAX], time_text[24];
    notify_key_request(self->redis, audit->request, request_key, sizeof request_key);
    const char *argv[14] = {
        hash, self->version_key,  request_key,        self->audit_key,
        id,   (const char *)data, NOTIFY_REQUEST_TTL, *audit->request ? "1" : "0"};
    s_audit_args(audit, now_ms, time_text, sizeof time_text, argv + 8);
    size_t lens[14];
    for (size_t i = 0; i < 14; i++) {
        lens[i] = strlen(argv[i]);
    }
    lens[5] = size;
    redisReply *reply = sti_redis_eval(self->redis, self->add, 4, 10, argv, lens);
    int rc = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[1]->type == REDIS_REPLY_STRING && reply->element[1]->len < cap) {
        snprintf(id, cap, "%s", reply->element[1]->str);
        rc = 0;
    } else {
        sti_warn("notify: cannot store %s: %s", id,
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int notify_rule_store_rule_add(notify_rule_store_t *self, notify_rule_t *rule, int64_t now_ms,
                               const notify_audit_t *audit)
{
    long long n = s_next_id(self, self->rules_seq);
    if (n < 0) {
        return -1;
    }
    snprintf(rule->id, sizeof rule->id, "r-%lld", n);
    rule->created_ms = now_ms;
    sti_writer_reset(self->writer);
    notify_rule_write(rule, self->writer, false);
    return s_add(self, self->rules_key, rule->id, sizeof rule->id, now_ms, audit);
}

int notify_rule_store_silence_add(notify_rule_store_t *self, notify_silence_t *silence,
                                  int64_t now_ms, const notify_audit_t *audit)
{
    long long n = s_next_id(self, self->silences_seq);
    if (n < 0) {
        return -1;
    }
    snprintf(silence->id, sizeof silence->id, "s-%lld", n);
    silence->created_ms = now_ms;
    sti_writer_reset(self->writer);
    notify_silence_write(silence, self->writer);
    return s_add(self, self->silences_key, silence->id, sizeof silence->id, now_ms, audit);
}

int notify_rule_store_rule_remove(notify_rule_store_t *self, const char *id, int64_t now_ms,
                                  const notify_audit_t *audit, bool *removed)
{
    long long n = s_remove(self, self->rules_key, id, now_ms, audit);
    *removed = n > 0;
    return n < 0 ? -1 : 0;
}

int notify_rule_store_silence_remove(notify_rule_store_t *self, const char *id, int64_t now_ms,
                                     const notify_audit_t *audit, bool *removed)
{
    long long n = s_remove(self, self->silences_key, id, now_ms, audit);
    *removed = n > 0;
    return n < 0 ? -1 : 0;
}

//  Reads one stored value into slot with read(). Returns 0, or -1.
static int s_decode(const redisReply *value, void *slot,
                    int (*read)(sti_node_t, void *, sti_field_error_t *))
{
    char err[256];
    sti_field_error_t field_err;
    if (value->type != REDIS_REPLY_STRING) {
        return -1;
    }
    sti_reader_t *reader = sti_reader_new(value->str, value->len, NULL, err, sizeof err);
    int rc = reader ? read(sti_reader_root(reader), slot, &field_err) : -1;
    sti_reader_destroy(&reader);
    return rc;
}

static int s_read_rule(sti_node_t node, void *slot, sti_field_error_t *err)
{
    return notify_rule_read(node, slot, err);
}

static int s_read_silence(sti_node_t node, void *slot, sti_field_error_t *err)
{
    return notify_silence_read(node, slot, err);
}

//  Loads a hash into a new array of item_size items. Returns the count, or
//  -1 when Redis failed (then *items is untouched).
static long s_load(notify_rule_store_t *self, const char *hash, size_t item_size, void **items,
                   int (*read)(sti_node_t, void *, sti_field_error_t *))
{
    redisReply *reply = sti_redis_command(self->redis, "HGETALL %s", hash);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements / 2 > NOTIFY_STORE_MAX) {
        if (reply) {
            sti_error("%s: not a hash of at most %d entries", hash, NOTIFY_STORE_MAX);
            freeReplyObject(reply);
        }
        return -1;
    }
    size_t count = 0, pairs = reply->elements / 2;
    char *array = calloc(pairs ? pairs : 1, item_size);
    assert(array);
    for (size_t i = 0; i < pairs; i++) {
        if (s_decode(reply->element[2 * i + 1], array + count * item_size, read) == 0) {
            count++;
        } else {
            sti_warn("%s: entry %zu does not read; skipped", hash, i);
        }
    }
    freeReplyObject(reply);
    free(*items);
    *items = array;
    return (long)count;
}

int notify_rule_store_refresh(notify_rule_store_t *self)
{
    redisReply *reply = sti_redis_command(self->redis, "GET %s", self->version_key);
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }
    long long version = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : 0;
    freeReplyObject(reply);
    if (version == self->version) {
        return 0;
    }
    long rules =
        s_load(self, self->rules_key, sizeof(notify_rule_t), (void **)&self->rules, s_read_rule);
    if (rules < 0) {
        return -1;
    }
    self->rule_count = (size_t)rules;
    long silences = s_load(self, self->silences_key, sizeof(notify_silence_t),
                           (void **)&self->silences, s_read_silence);
    if (silences < 0) {
        return -1;
    }
    self->silence_count = (size_t)silences;
    self->version = version;
    return 0;
}

size_t notify_rule_store_rule_count(notify_rule_store_t *self)
{
    return self->rule_count;
}

const notify_rule_t *notify_rule_store_rule_at(notify_rule_store_t *self, size_t index)
{
    return index < self->rule_count ? &self->rules[index] : NULL;
}

const notify_rule_t *notify_rule_store_rule_find(notify_rule_store_t *self, const char *id)
{
    for (size_t i = 0; i < self->rule_count; i++) {
        if (strcmp(self->rules[i].id, id) == 0) {
            return &self->rules[i];
        }
    }
    return NULL;
}

size_t notify_rule_store_silence_count(notify_rule_store_t *self)
{
    return self->silence_count;
}

const notify_silence_t *notify_rule_store_silence_at(notify_rule_store_t *self, size_t index)
{
    return index < self->silence_count ? &self->silences[index] : NULL;
}
