/*  gateway_store: see gateway_store.h.

    Key families, one function each (the namespace first, <ns>:gw:...):
      users            set of user names               s_users_key
      user:<name>      hash: a user                    s_user_key
      sessions:<name>  set of a user's session digests s_user_sessions_key
      session:<digest> hash: a session, TTL idle       s_session_key
      tokens           hash: token name -> digest      s_tokens_key
      token:<digest>   hash: a token                   s_token_key
      fail:user:<name>, fail:addr:<address>, lock:<name>   s_fail_key
      audit            stream                          s_audit_key
      req:<id>         string: a write's reply, TTL    s_replay_key
*/
#include "gateway_store.h"

#include <assert.h>
#include <czmq.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_lua_gateway_core.h"

#define S_KEY_MAX 512           // longest key
#define S_DIGEST_HEX 64         // a BLAKE2b-256 digest in hex
#define S_AUDIT_MAXLEN "100000" // audit entries kept (MAXLEN ~)

struct _gateway_store_t {
    sti_redis_t *redis;          // borrowed
    sti_script_t *user_add;      // gateway_user_add.lua
    sti_script_t *user_change;   // gateway_user_change.lua
    sti_script_t *session_open;  // gateway_session_open.lua
    sti_script_t *token;         // gateway_token.lua
    sti_script_t *signin_failed; // gateway_signin_failed.lua
};

gateway_store_t *gateway_store_new(sti_redis_t *redis)
{
    assert(redis);
    gateway_store_t *self = calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->user_add = sti_redis_script(redis, sti_lua_gateway_user_add);
    self->user_change = sti_redis_script(redis, sti_lua_gateway_user_change);
    self->session_open = sti_redis_script(redis, sti_lua_gateway_session_open);
    self->token = sti_redis_script(redis, sti_lua_gateway_token);
    self->signin_failed = sti_redis_script(redis, sti_lua_gateway_signin_failed);
    return self;
}

void gateway_store_destroy(gateway_store_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

void gateway_store_secret(char *out)
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2base64(out, GATEWAY_SECRET_LEN + 1, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

//  The hex BLAKE2b-256 digest of a secret (65 bytes with the NUL).
static void s_digest(const char *secret, char *hex)
{
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)secret, strlen(secret), NULL,
                       0);
    sodium_bin2hex(hex, S_DIGEST_HEX + 1, digest, sizeof digest);
}

//  --- keys ---

static char *s_users_key(gateway_store_t *self, char *buf)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "users", NULL);
}

static char *s_user_key(gateway_store_t *self, char *buf, const char *name)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "user", name, NULL);
}

static char *s_user_sessions_key(gateway_store_t *self, char *buf, const char *name)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "sessions", name, NULL);
}

//  digest NULL: the prefix of every session's key ("<ns>:gw:session:").
static char *s_session_key(gateway_store_t *self, char *buf, const char *digest)
{
    sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "session", digest ? digest : "", NULL);
    return buf;
}

static char *s_tokens_key(gateway_store_t *self, char *buf)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "tokens", NULL);
}

static char *s_token_key(gateway_store_t *self, char *buf, const char *digest)
{
    sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "token", digest ? digest : "", NULL);
    return buf;
}

//  kind: "user", "addr" (failure counts) or "lock".
static char *s_fail_key(gateway_store_t *self, char *buf, const char *kind, const char *who)
{
    if (strcmp(kind, "lock") == 0) {
        return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "lock", who, NULL);
    }
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "fail", kind, who, NULL);
}

static char *s_audit_key(gateway_store_t *self, char *buf)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "audit", NULL);
}

static char *s_replay_key(gateway_store_t *self, char *buf, const char *id)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "gw", "req", id, NULL);
}

//  --- replies ---

//  The value of field in an HGETALL reply, or NULL.
static const char *s_field(const redisReply *reply, const char *field)
{
    for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements;
         i += 2) {
        const redisReply *key = reply->element[i], *value = reply->element[i + 1];
        if (key->type == REDIS_REPLY_STRING && value->type == REDIS_REPLY_STRING &&
            strcmp(key->str, field) == 0) {
            return value->str;
        }
    }
    return NULL;
}

static void s_copy(char *out, size_t cap, const redisReply *reply, const char *field)
{
    const char *value = s_field(reply, field);
    snprintf(out, cap, "%s", value ? value : "");
}

static int64_t s_int(const redisReply *reply, const char *field)
{
    const char *value = s_field(reply, field);
    return value ? strtoll(value, NULL, 10) : 0;
}

//  An EVALSHA's integer result, or -1 when Redis failed. Frees the reply.
static int s_eval_int(redisReply *reply)
{
    int rc = reply && reply->type == REDIS_REPLY_INTEGER ? (int)reply->integer : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

static void s_ms(int64_t value, char *buf, size_t cap)
{
    snprintf(buf, cap, "%lld", (long long)value);
}

//  --- users ---

static void s_user_read(const redisReply *reply, const char *name, gateway_user_t *user)
{
    memset(user, 0, sizeof *user);
    snprintf(user->name, sizeof user->name, "%s", name);
    s_copy(user->display, sizeof user->display, reply, "display");
    s_copy(user->role, sizeof user->role, reply, "role");
    s_copy(user->scope, sizeof user->scope, reply, "scope");
    s_copy(user->pwhash, sizeof user->pwhash, reply, "pwhash");
    user->disabled = s_int(reply, "disabled") != 0;
    user->created = s_int(reply, "created");
}

int gateway_store_user_get(gateway_store_t *self, const char *name, gateway_user_t *user)
{
    assert(self && name && user);
    char key[S_KEY_MAX];
    const char *argv[] = {"HGETALL", s_user_key(self, key, name)};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }
    int found = reply->elements > 0;
    if (found) {
        s_user_read(reply, name, user);
    }
    freeReplyObject(reply);
    return found;
}

int gateway_store_user_add(gateway_store_t *self, const gateway_user_t *user)
{
    assert(self && user);
    char users[S_KEY_MAX], key[S_KEY_MAX], created[24];
    s_ms(user->created, created, sizeof created);
    const char *argv[] = {s_users_key(self, users),
                          s_user_key(self, key, user->name),
                          user->name,
                          user->display,
                          user->role,
                          user->scope,
                          user->pwhash,
                          created};
    int rc = s_eval_int(sti_redis_eval(self->redis, self->user_add, 2, 6, argv, NULL));
    return rc < 0 ? -1 : rc == 1 ? 0 : 1;
}

//  qsort's order of users by name.
static int s_user_order(const void *a, const void *b)
{
    return strcmp(((const gateway_user_t *)a)->name, ((const gateway_user_t *)b)->name);
}

int gateway_store_user_list(gateway_store_t *self, gateway_user_t **users)
{
    assert(self && users);
    *users = NULL;
    char key[S_KEY_MAX];
    const char *argv[] = {"SMEMBERS", s_users_key(self, key)};
    redisReply *names = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    if (!names || names->type != REDIS_REPLY_ARRAY) {
        if (names) {
            freeReplyObject(names);
        }
        return -1;
    }
    *users = calloc(names->elements + 1, sizeof **users);
    assert(*users);
    size_t count = 0;
    for (size_t i = 0; i < names->elements; i++) {
        sti_redis_appendf(self->redis, "HGETALL %s", s_user_key(self, key, names->element[i]->str));
    }
    int rc = 0;
    for (size_t i = 0; i < names->elements; i++) {
        redisReply *reply = sti_redis_reply(self->redis);
        if (!reply) {
            rc = -1;
            break;
        }
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
            s_user_read(reply, names->element[i]->str, &(*users)[count++]);
        }
        freeReplyObject(reply);
    }
    freeReplyObject(names);
    qsort(*users, count, sizeof **users, s_user_order);
    return rc < 0 ? -1 : (int)count;
}

//  Runs gateway_user_change.lua. Returns 1, 0, -1.
static int s_user_change(gateway_store_t *self, const char *name, const char *mode,
                         const char *pwhash)
{
    char user[S_KEY_MAX], sessions[S_KEY_MAX], lock[S_KEY_MAX], fails[S_KEY_MAX], prefix[S_KEY_MAX];
    const char *argv[] = {s_user_key(self, user, name),
                          s_user_sessions_key(self, sessions, name),
                          s_fail_key(self, lock, "lock", name),
                          s_fail_key(self, fails, "user", name),
                          mode,
                          pwhash ? pwhash : "",
                          s_session_key(self, prefix, NULL)};
    return s_eval_int(sti_redis_eval(self->redis, self->user_change, 4, 3, argv, NULL));
}

int gateway_store_user_password(gateway_store_t *self, const char *name, const char *pwhash)
{
    assert(self && name && pwhash);
    return s_user_change(self, name, "password", pwhash);
}

int gateway_store_user_disable(gateway_store_t *self, const char *name)
{
    assert(self && name);
    return s_user_change(self, name, "disable", NULL);
}

//  --- sessions ---

int gateway_store_session_open(gateway_store_t *self, const gateway_user_t *user, int64_t idle_ms,
                               int64_t max_ms, char *session_id, char *csrf)
{
    assert(self && user && session_id && csrf);
    gateway_store_secret(session_id);
    gateway_store_secret(csrf);
    char digest[S_DIGEST_HEX + 1], key[S_KEY_MAX], sessions[S_KEY_MAX], prefix[S_KEY_MAX];
    char ends[24], idle[24], longest[24];
    s_digest(session_id, digest);
    s_ms(zclock_time() + max_ms, ends, sizeof ends);
    s_ms(idle_ms, idle, sizeof idle);
    s_ms(max_ms, longest, sizeof longest);
    const char *argv[] = {s_session_key(self, key, digest),
                          s_user_sessions_key(self, sessions, user->name),
                          user->name,
                          user->role,
                          user->scope,
                          csrf,
                          ends,
                          idle,
                          digest,
                          s_session_key(self, prefix, NULL),
                          longest};
    return s_eval_int(sti_redis_eval(self->redis, self->session_open, 2, 9, argv, NULL)) == 1 ? 0
                                                                                              : -1;
}

int gateway_store_session_get(gateway_store_t *self, const char *id, int64_t idle_ms,
                              gateway_who_t *who)
{
    assert(self && id && who);
    char digest[S_DIGEST_HEX + 1], key[S_KEY_MAX], idle[24];
    s_digest(id, digest);
    s_session_key(self, key, digest);
    s_ms(idle_ms, idle, sizeof idle);
    const char *get[] = {"HGETALL", key};
    const char *touch[] = {"PEXPIRE", key, idle};
    sti_redis_append(self->redis, 2, get, NULL);
    sti_redis_append(self->redis, 3, touch, NULL);
    redisReply *reply = sti_redis_reply(self->redis);
    redisReply *touched = reply ? sti_redis_reply(self->redis) : NULL;
    int rc = -1;
    if (reply && touched && reply->type == REDIS_REPLY_ARRAY) {
        rc = reply->elements > 0 && s_int(reply, "ends") > zclock_time();
        if (rc == 1) {
            memset(who, 0, sizeof *who);
            who->known = true;
            who->by_cookie = true;
            s_copy(who->user, sizeof who->user, reply, "user");
            s_copy(who->role, sizeof who->role, reply, "role");
            s_copy(who->scope, sizeof who->scope, reply, "scope");
            s_copy(who->csrf, sizeof who->csrf, reply, "csrf");
            snprintf(who->session, sizeof who->session, "%s", id);
        }
    }
    if (reply) {
        freeReplyObject(reply);
    }
    if (touched) {
        freeReplyObject(touched);
    }
    return rc;
}

int gateway_store_session_close(gateway_store_t *self, const char *id)
{
    assert(self && id);
    char digest[S_DIGEST_HEX + 1], key[S_KEY_MAX];
    s_digest(id, digest);
    const char *argv[] = {"DEL", s_session_key(self, key, digest)};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

//  --- API tokens ---

int gateway_store_token_add(gateway_store_t *self, const gateway_token_t *token, char *token_out)
{
    assert(self && token && token_out);
    char secret[GATEWAY_SECRET_LEN + 1], digest[S_DIGEST_HEX + 1],
        token_text[GATEWAY_TOKEN_LEN + 1];
    gateway_store_secret(secret);
    snprintf(token_text, sizeof token_text, "%s%s", GATEWAY_TOKEN_PREFIX, secret);
    s_digest(token_text, digest);
    char tokens[S_KEY_MAX], key[S_KEY_MAX], expires[24], created[24];
    s_ms(token->expires, expires, sizeof expires);
    s_ms(token->created, created, sizeof created);
    const char *argv[] = {s_tokens_key(self, tokens),
                          s_token_key(self, key, digest),
                          "add",
                          token->name,
                          token->role,
                          token->scope,
                          expires,
                          created,
                          token->by,
                          digest};
    int rc = s_eval_int(sti_redis_eval(self->redis, self->token, 2, 8, argv, NULL));
    if (rc == 1) {
        memcpy(token_out, token_text, sizeof token_text);
    }
    sodium_memzero(token_text, sizeof token_text);
    return rc < 0 ? -1 : rc == 1 ? 0 : 1;
}

int gateway_store_token_get(gateway_store_t *self, const char *token, gateway_who_t *who)
{
    assert(self && token && who);
    char digest[S_DIGEST_HEX + 1], key[S_KEY_MAX];
    s_digest(token, digest);
    const char *argv[] = {"HGETALL", s_token_key(self, key, digest)};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }
    int64_t expires = s_int(reply, "expires");
    int rc = reply->elements > 0 && (expires == 0 || expires > zclock_time());
    if (rc == 1) {
        memset(who, 0, sizeof *who);
        who->known = true;
        s_copy(who->user, sizeof who->user, reply, "name");
        s_copy(who->role, sizeof who->role, reply, "role");
        s_copy(who->scope, sizeof who->scope, reply, "scope");
    }
    freeReplyObject(reply);
    return rc;
}

static int s_token_order(const void *a, const void *b)
{
    return strcmp(((const gateway_token_t *)a)->name, ((const gateway_token_t *)b)->name);
}

int gateway_store_token_list(gateway_store_t *self, gateway_token_t **tokens)
{
    assert(self && tokens);
    *tokens = NULL;
    char key[S_KEY_MAX];
    const char *argv[] = {"HGETALL", s_tokens_key(self, key)};
    redisReply *names = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    if (!names || names->type != REDIS_REPLY_ARRAY) {
        if (names) {
            freeReplyObject(names);
        }
        return -1;
    }
    size_t pairs = names->elements / 2;
    *tokens = calloc(pairs + 1, sizeof **tokens);
    assert(*tokens);
    for (size_t i = 0; i < pairs; i++) {
        sti_redis_appendf(self->redis, "HGETALL %s",
                          s_token_key(self, key, names->element[2 * i + 1]->str));
    }
    size_t count = 0;
    int rc = 0;
    for (size_t i = 0; i < pairs; i++) {
        redisReply *reply = sti_redis_reply(self->redis);
        if (!reply) {
            rc = -1;
            break;
        }
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
            gateway_token_t *token = &(*tokens)[count++];
            snprintf(token->name, sizeof token->name, "%s", names->element[2 * i]->str);
            s_copy(token->role, sizeof token->role, reply, "role");
            s_copy(token->scope, sizeof token->scope, reply, "scope");
            s_copy(token->by, sizeof token->by, reply, "by");
            token->expires = s_int(reply, "expires");
            token->created = s_int(reply, "created");
        }
        freeReplyObject(reply);
    }
    freeReplyObject(names);
    qsort(*tokens, count, sizeof **tokens, s_token_order);
    return rc < 0 ? -1 : (int)count;
}

int gateway_store_token_revoke(gateway_store_t *self, const char *name)
{
    assert(self && name);
    char tokens[S_KEY_MAX], prefix[S_KEY_MAX];
    const char *argv[] = {s_tokens_key(self, tokens), "revoke", name,
                          s_token_key(self, prefix, NULL)};
    return s_eval_int(sti_redis_eval(self->redis, self->token, 1, 3, argv, NULL));
}

//  --- failed sign-ins ---

int gateway_store_signin_allowed(gateway_store_t *self, const char *user, const char *address,
                                 int64_t addr_limit, int64_t *retry_ms)
{
    assert(self && user && address && retry_ms);
    char lock[S_KEY_MAX], addr[S_KEY_MAX];
    const char *lock_ttl[] = {"PTTL", s_fail_key(self, lock, "lock", user)};
    const char *addr_get[] = {"GET", s_fail_key(self, addr, "addr", address)};
    const char *addr_ttl[] = {"PTTL", addr};
    sti_redis_append(self->redis, 2, lock_ttl, NULL);
    sti_redis_append(self->redis, 2, addr_get, NULL);
    sti_redis_append(self->redis, 2, addr_ttl, NULL);
    redisReply *replies[3] = {NULL, NULL, NULL};
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        replies[i] = sti_redis_reply(self->redis);
        rc = replies[i] && replies[i]->type != REDIS_REPLY_ERROR ? rc : -1;
    }
    if (rc == 0 && replies[0]->type == REDIS_REPLY_INTEGER && replies[0]->integer > 0) {
        *retry_ms = replies[0]->integer;
        rc = 1;
    } else if (rc == 0 && replies[1]->type == REDIS_REPLY_STRING &&
               strtoll(replies[1]->str, NULL, 10) >= addr_limit) {
        *retry_ms = replies[2]->type == REDIS_REPLY_INTEGER && replies[2]->integer > 0
                        ? replies[2]->integer
                        : 1000;
        rc = 2;
    }
    for (int i = 0; i < 3; i++) {
        if (replies[i]) {
            freeReplyObject(replies[i]);
        }
    }
    return rc;
}

int gateway_store_signin_failed(gateway_store_t *self, const char *user, const char *address,
                                int64_t window_ms, int64_t user_limit)
{
    assert(self && user && address);
    char fails[S_KEY_MAX], addr[S_KEY_MAX], lock[S_KEY_MAX], window[24], limit[24];
    s_ms(window_ms, window, sizeof window);
    s_ms(user_limit, limit, sizeof limit);
    const char *argv[] = {s_fail_key(self, fails, "user", user),
                          s_fail_key(self, addr, "addr", address),
                          s_fail_key(self, lock, "lock", user), window, limit};
    return s_eval_int(sti_redis_eval(self->redis, self->signin_failed, 3, 2, argv, NULL));
}

int gateway_store_signin_good(gateway_store_t *self, const char *user)
{
    assert(self && user);
    char fails[S_KEY_MAX];
    const char *argv[] = {"DEL", s_fail_key(self, fails, "user", user)};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

//  --- audit and retries ---

int gateway_store_audit(gateway_store_t *self, const char *what, const char *user, const char *by,
                        const char *address, const char *result)
{
    assert(self && what && user && by && address && result);
    char key[S_KEY_MAX], time[24];
    s_ms(zclock_time(), time, sizeof time);
    const char *argv[] = {"XADD",         s_audit_key(self, key),
                          "MAXLEN",       "~",
                          S_AUDIT_MAXLEN, "*",
                          "time",         time,
                          "what",         what,
                          "user",         user,
                          "by",           by,
                          "address",      address,
                          "result",       result};
    redisReply *reply =
        sti_redis_argv(self->redis, (int)(sizeof argv / sizeof argv[0]), argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_STRING ? 0 : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

void *gateway_store_replay_get(gateway_store_t *self, const char *id, size_t *size)
{
    assert(self && id && size);
    char key[S_KEY_MAX + STI_ID_MAX];
    const char *argv[] = {"GET", s_replay_key(self, key, id)};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    void *copy = NULL;
    if (reply && reply->type == REDIS_REPLY_STRING) {
        copy = malloc(reply->len ? reply->len : 1);
        assert(copy);
        memcpy(copy, reply->str, reply->len);
        *size = reply->len;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return copy;
}

int gateway_store_replay_put(gateway_store_t *self, const char *id, const void *body, size_t size,
                             int64_t ttl_s)
{
    assert(self && id && body);
    char key[S_KEY_MAX + STI_ID_MAX], ttl[24];
    s_ms(ttl_s, ttl, sizeof ttl);
    const char *argv[] = {"SET", s_replay_key(self, key, id), (const char *)body, "EX", ttl};
    size_t lens[] = {3, strlen(key), size, 2, strlen(ttl)};
    redisReply *reply = sti_redis_argv(self->redis, 5, argv, lens);
    int rc = reply && reply->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}
