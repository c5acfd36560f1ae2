/*  notify_queue: the delivery queue in Redis. See notify_queue.h.

    A commit is built as two argument vectors (keys and values, copied) and
    sent as one EVALSHA of notify_commit.lua. The claim, the result and the
    re-drive are one script each; reading a claimed delivery is one HGETALL.
*/
#include "notify_queue.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_keys.h"
#include "sti_log.h"
#include "sti_lua_notify_core.h"

//  A growing vector of byte strings (copied).
typedef struct {
    char **v;    // the strings
    size_t *len; // their lengths
    size_t n;    // how many
    size_t cap;  // allocated
} s_vec_t;

struct _notify_queue_t {
    sti_redis_t *redis;              // borrowed
    int64_t retention_ms;            // how long finished deliveries stay listed
    sti_script_t *commit;            // notify_commit.lua
    sti_script_t *claim;             // notify_claim.lua
    sti_script_t *done;              // notify_done.lua
    sti_script_t *redrive;           // notify_redrive.lua
    char due_key[NOTIFY_KEY_MAX];    // <ns>:notify:due
    char index_key[NOTIFY_KEY_MAX];  // <ns>:notify:index
    char dead_key[NOTIFY_KEY_MAX];   // <ns>:notify:dead
    char latest_key[NOTIFY_KEY_MAX]; // <ns>:notify:latest
    char groups_key[NOTIFY_KEY_MAX]; // <ns>:notify:groups
    s_vec_t deliveries;              // batch: 9 fields per delivery
    s_vec_t latest;                  // batch: field, value pairs
    s_vec_t groups;                  // batch: gid, rule, blob, wait, interval
};

static void s_push(s_vec_t *vec, const void *data, size_t len)
{
    if (vec->n == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 64;
        vec->v = realloc(vec->v, vec->cap * sizeof *vec->v);
        vec->len = realloc(vec->len, vec->cap * sizeof *vec->len);
        assert(vec->v && vec->len);
    }
    vec->v[vec->n] = malloc(len + 1);
    assert(vec->v[vec->n]);
    memcpy(vec->v[vec->n], data, len);
    vec->v[vec->n][len] = 0;
    vec->len[vec->n++] = len;
}

static void s_push_str(s_vec_t *vec, const char *text)
{
    s_push(vec, text, strlen(text));
}

static void s_push_int(s_vec_t *vec, int64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)value);
    s_push_str(vec, text);
}

static void s_clear(s_vec_t *vec)
{
    for (size_t i = 0; i < vec->n; i++) {
        free(vec->v[i]);
    }
    vec->n = 0;
}

static void s_free(s_vec_t *vec)
{
    s_clear(vec);
    free(vec->v);
    free(vec->len);
}

//  Appends every string of from to to.
static void s_extend(s_vec_t *to, const s_vec_t *from)
{
    for (size_t i = 0; i < from->n; i++) {
        s_push(to, from->v[i], from->len[i]);
    }
}

notify_queue_t *notify_queue_new(sti_redis_t *redis, int64_t retention_ms)
{
    notify_queue_t *self = calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->retention_ms = retention_ms;
    self->commit = sti_redis_script(redis, sti_lua_notify_commit);
    self->claim = sti_redis_script(redis, sti_lua_notify_claim);
    self->done = sti_redis_script(redis, sti_lua_notify_done);
    self->redrive = sti_redis_script(redis, sti_lua_notify_redrive);
    notify_key_due(redis, self->due_key, sizeof self->due_key);
    notify_key_index(redis, self->index_key, sizeof self->index_key);
    notify_key_dead(redis, self->dead_key, sizeof self->dead_key);
    notify_key_latest(redis, self->latest_key, sizeof self->latest_key);
    notify_key_groups(redis, self->groups_key, sizeof self->groups_key);
    return self;
}

void notify_queue_destroy(notify_queue_t **self_p)
{
    assert(self_p);
    notify_queue_t *self = *self_p;
    if (self) {
        s_free(&self->deliveries);
        s_free(&self->latest);
        s_free(&self->groups);
        free(self);
        *self_p = NULL;
    }
}

void notify_queue_delivery_id(const char *rule, const char *receiver, const char *about, char *out)
{
    crypto_generichash_state state;
    unsigned char hash[16];
    crypto_generichash_init(&state, NULL, 0, sizeof hash);
    const char *parts[3] = {rule, receiver, about};
    for (int i = 0; i < 3; i++) {
        //  each part with its NUL, so ("ab","c") and ("a","bc") differ
        crypto_generichash_update(&state, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    }
    crypto_generichash_final(&state, hash, sizeof hash);
    out[0] = 'd';
    sodium_bin2hex(out + 1, 2 * sizeof hash + 1, hash, sizeof hash);
}

void notify_queue_begin(notify_queue_t *self)
{
    s_clear(&self->deliveries);
    s_clear(&self->latest);
    s_clear(&self->groups);
}

void notify_queue_add(notify_queue_t *self, const notify_queue_item_t *item)
{
    s_vec_t *d = &self->deliveries;
    s_push_str(d, item->id);
    s_push_str(d, item->rule);
    s_push_str(d, item->rule_name);
    s_push_str(d, item->severity);
    s_push_str(d, item->receiver);
    s_push(d, item->events, item->events_size);
    s_push_str(d, item->silenced ? "silenced" : "queued");
    s_push_str(d, item->group ? item->group : "");
    s_push_str(d, item->label ? item->label : "");
}

void notify_queue_latest(notify_queue_t *self, const char *field, const char *value)
{
    s_push_str(&self->latest, field);
    s_push_str(&self->latest, value);
}

void notify_queue_group(notify_queue_t *self, const char *gid, const char *rule, const void *event,
                        size_t size, int64_t wait_ms, int64_t interval_ms)
{
    s_push_str(&self->groups, gid);
    s_push_str(&self->groups, rule);
    s_push(&self->groups, event, size);
    s_push_int(&self->groups, wait_ms);
    s_push_int(&self->groups, interval_ms);
}

//  Adds the delivery hash keys of the batch to keys.
static void s_delivery_keys(notify_queue_t *self, s_vec_t *keys)
{
    char key[NOTIFY_KEY_MAX];
    for (size_t i = 0; i < self->deliveries.n; i += 9) {
        s_push_str(keys, notify_key_delivery(self->redis, self->deliveries.v[i], key, sizeof key));
    }
}

//  Runs notify_commit.lua over keys + args. Returns created, -1 or -2.
static long s_run_commit(notify_queue_t *self, s_vec_t *keys, s_vec_t *args)
{
    s_vec_t all = {0};
    s_extend(&all, keys);
    s_extend(&all, args);
    redisReply *reply = sti_redis_eval(self->redis, self->commit, (int)keys->n, (int)args->n,
                                       (const char **)all.v, all.len);
    long rc = -1;
    if (reply && reply->type == REDIS_REPLY_INTEGER) {
        rc = (long)reply->integer;
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        bool moved = strncmp(reply->str, "LEASE", 5) == 0 ||
                     strncmp(reply->str, "CURSOR", 6) == 0 ||
                     strncmp(reply->str, "FLUSHED", 7) == 0;
        if (!moved) {
            sti_error("notify_commit: %s", reply->str);
        }
        rc = moved ? -2 : -1;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    s_free(&all);
    s_free(keys);
    s_free(args);
    return rc;
}

long notify_queue_commit_events(notify_queue_t *self, const char *stream, const char *token,
                                uint64_t expected, uint64_t cursor, int64_t now_ms)
{
    s_vec_t keys = {0}, args = {0};
    char key[NOTIFY_KEY_MAX];
    s_push_str(&keys, notify_key_lease(self->redis, stream, key, sizeof key));
    s_push_str(&keys, notify_key_cursor(self->redis, stream, key, sizeof key));
    s_push_str(&keys, self->due_key);
    s_push_str(&keys, self->index_key);
    s_push_str(&keys, self->latest_key);
    s_push_str(&keys, self->groups_key);
    s_delivery_keys(self, &keys);
    for (size_t i = 0; i < self->groups.n; i += 5) {
        s_push_str(&keys, notify_key_group_events(self->redis, self->groups.v[i], key, sizeof key));
        s_push_str(&keys, notify_key_group_meta(self->redis, self->groups.v[i], key, sizeof key));
    }
    s_push_str(&args, "events");
    s_push_str(&args, token);
    s_push_int(&args, (int64_t)expected);
    s_push_int(&args, (int64_t)cursor);
    s_push_int(&args, now_ms);
    s_push_int(&args, self->retention_ms);
    s_push_int(&args, (int64_t)self->deliveries.n / 9);
    s_push_int(&args, (int64_t)self->latest.n / 2);
    s_push_int(&args, (int64_t)self->groups.n / 5);
    s_extend(&args, &self->deliveries);
    s_extend(&args, &self->latest);
    s_extend(&args, &self->groups);
    return s_run_commit(self, &keys, &args);
}

long notify_queue_commit_flush(notify_queue_t *self, const char *gid, int64_t expected,
                               size_t taken, int64_t interval_ms, int64_t now_ms)
{
    s_vec_t keys = {0}, args = {0};
    char key[NOTIFY_KEY_MAX];
    s_push_str(&keys, self->groups_key);
    s_push_str(&keys, notify_key_group_meta(self->redis, gid, key, sizeof key));
    s_push_str(&keys, notify_key_group_events(self->redis, gid, key, sizeof key));
    s_push_str(&keys, self->due_key);
    s_push_str(&keys, self->index_key);
    s_delivery_keys(self, &keys);
    s_push_str(&args, "flush");
    s_push_str(&args, gid);
    s_push_int(&args, expected);
    s_push_int(&args, (int64_t)taken);
    s_push_int(&args, now_ms);
    s_push_int(&args, self->retention_ms);
    s_push_int(&args, interval_ms);
    s_push_int(&args, (int64_t)self->deliveries.n / 9);
    s_extend(&args, &self->deliveries);
    return s_run_commit(self, &keys, &args);
}

long notify_queue_commit_plain(notify_queue_t *self, int64_t now_ms)
{
    s_vec_t keys = {0}, args = {0};
    s_push_str(&keys, self->due_key);
    s_push_str(&keys, self->index_key);
    s_delivery_keys(self, &keys);
    s_push_str(&args, "plain");
    s_push_int(&args, now_ms);
    s_push_int(&args, self->retention_ms);
    s_push_int(&args, (int64_t)self->deliveries.n / 9);
    s_extend(&args, &self->deliveries);
    return s_run_commit(self, &keys, &args);
}

//  EVALSHA with string arguments; returns the reply (caller frees) or NULL.
//  With twice (a script safe to run twice), a connection that broke under
//  it is made again and the script sent once more (sti_redis_eval_retry).
static redisReply *s_eval(notify_queue_t *self, sti_script_t *script, int nkeys, int nargs,
                          const char **argv, bool twice)
{
    size_t lens[16];
    assert(nkeys + nargs <= 16);
    for (int i = 0; i < nkeys + nargs; i++) {
        lens[i] = strlen(argv[i]);
    }
    return twice ? sti_redis_eval_retry(self->redis, script, nkeys, nargs, argv, lens, NULL)
                 : sti_redis_eval(self->redis, script, nkeys, nargs, argv, lens);
}

static long long s_int_reply(redisReply *reply, long long fallback)
{
    long long value = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : fallback;
    if (reply) {
        freeReplyObject(reply);
    }
    return value;
}

int notify_queue_claim(notify_queue_t *self, int64_t now_ms, int64_t lease_ms, size_t max,
                       char ids[][NOTIFY_DELIVERY_ID_MAX + 1], size_t *count, int64_t *token)
{
    char now[32], lease[32], limit[32];
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    snprintf(lease, sizeof lease, "%lld", (long long)lease_ms);
    assert(max >= 1 && max <= NOTIFY_CLAIM_MAX);
    snprintf(limit, sizeof limit, "%zu", max);
    const char *argv[] = {self->due_key, now, lease, limit};
    redisReply *reply = s_eval(self, self->claim, 1, 3, argv, false);
    *count = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER) {
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }
    *token = reply->element[0]->integer;
    for (size_t i = 1; i < reply->elements && *count < NOTIFY_CLAIM_MAX; i++) {
        redisReply *id = reply->element[i];
        if (id->type == REDIS_REPLY_STRING && id->len <= NOTIFY_DELIVERY_ID_MAX) {
            memcpy(ids[*count], id->str, id->len);
            ids[(*count)++][id->len] = 0;
        }
    }
    freeReplyObject(reply);
    return 0;
}

//  Copies a hash field into out.
static void s_field(const redisReply *name, const redisReply *value, notify_claimed_t *out)
{
    const char *n = name->str;
    if (value->type != REDIS_REPLY_STRING) {
        return;
    }
    if (strcmp(n, "rule") == 0) {
        snprintf(out->rule, sizeof out->rule, "%.*s", (int)value->len, value->str);
    } else if (strcmp(n, "rule_name") == 0) {
        snprintf(out->rule_name, sizeof out->rule_name, "%.*s", (int)value->len, value->str);
    } else if (strcmp(n, "severity") == 0) {
        snprintf(out->severity, sizeof out->severity, "%.*s", (int)value->len, value->str);
    } else if (strcmp(n, "receiver") == 0 && !out->receiver) {
        out->receiver = strndup(value->str, value->len);
    } else if (strcmp(n, "events") == 0 && !out->events) {
        out->events = malloc(value->len ? value->len : 1);
        assert(out->events);
        memcpy(out->events, value->str, value->len);
        out->events_size = value->len;
    } else if (strcmp(n, "attempts") == 0) {
        out->attempts = atoll(value->str);
    } else if (strcmp(n, "round_attempts") == 0) {
        out->round_attempts = atoll(value->str);
    } else if (strcmp(n, "since") == 0) {
        out->since_ms = atoll(value->str);
    }
}

int notify_queue_load(notify_queue_t *self, const char *id, notify_claimed_t *out)
{
    char key[NOTIFY_KEY_MAX];
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    redisReply *reply = sti_redis_command(self->redis, "HGETALL %s",
                                          notify_key_delivery(self->redis, id, key, sizeof key));
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }
    for (size_t i = 0; i + 1 < reply->elements && i < 64; i += 2) {
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            s_field(reply->element[i], reply->element[i + 1], out);
        }
    }
    freeReplyObject(reply);
    if (!out->receiver || !out->events) {
        notify_claimed_release(out);
        sti_warn("delivery %s is gone or incomplete; dropped from the queue", id);
        freeReplyObject(sti_redis_command(self->redis, "ZREM %s %s", self->due_key, id));
        return 1;
    }
    return 0;
}

void notify_claimed_release(notify_claimed_t *claimed)
{
    free(claimed->receiver);
    free(claimed->events);
    claimed->receiver = NULL;
    claimed->events = NULL;
}

int notify_queue_done(notify_queue_t *self, const char *id, int64_t token, const char *outcome,
                      int64_t now_ms, int64_t next_due_ms, const char *error, long status)
{
    char key[NOTIFY_KEY_MAX], token_text[32], now[32], next[32], status_text[32], retention[32];
    snprintf(token_text, sizeof token_text, "%lld", (long long)token);
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    snprintf(next, sizeof next, "%lld", (long long)next_due_ms);
    snprintf(status_text, sizeof status_text, "%ld", status);
    snprintf(retention, sizeof retention, "%lld", (long long)self->retention_ms);
    const char *argv[] = {self->due_key,
                          notify_key_delivery(self->redis, id, key, sizeof key),
                          self->dead_key,
                          id,
                          token_text,
                          outcome,
                          now,
                          next,
                          error,
                          status_text,
                          retention};
    //  Safe to run twice: a result recorded the first time spent the claim,
    //  and the second run finds it so (0). So a send that went out is not
    //  sent again for a reply lost with its connection.
    return (int)s_int_reply(s_eval(self, self->done, 3, 8, argv, true), -1);
}

int notify_queue_redrive(notify_queue_t *self, const char *id, int64_t now_ms)
{
    char key[NOTIFY_KEY_MAX], now[32];
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    const char *argv[] = {notify_key_delivery(self->redis, id, key, sizeof key), self->due_key,
                          self->dead_key, id, now};
    return (int)s_int_reply(s_eval(self, self->redrive, 3, 2, argv, false), -2);
}

int notify_queue_depth(notify_queue_t *self, int64_t *queued, int64_t *dead)
{
    sti_redis_appendf(self->redis, "ZCARD %s", self->due_key);
    sti_redis_appendf(self->redis, "LLEN %s", self->dead_key);
    *queued = s_int_reply(sti_redis_reply(self->redis), -1);
    *dead = s_int_reply(sti_redis_reply(self->redis), -1);
    return *queued < 0 || *dead < 0 ? -1 : 0;
}

int notify_queue_trim(notify_queue_t *self, int64_t now_ms)
{
    if (self->retention_ms <= 0) {
        return 0;
    }
    redisReply *reply =
        sti_redis_command(self->redis, "ZREMRANGEBYSCORE %s -inf %lld", self->index_key,
                          (long long)(now_ms - self->retention_ms));
    return s_int_reply(reply, -1) < 0 ? -1 : 0;
}
