/*  sti_dataset: see sti_dataset.h.

    The hash is read with one HGETALL and checked as hostile input (an id of
    32 lower-case hex characters, bounded fields); it is written only by two
    small scripts (lua/dataset_init.lua, lua/dataset_accept.lua), so that
    making it and replacing it are each one atomic step.
*/
#include "sti_dataset.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_sti.h"
#include "sti_time.h"

struct _sti_dataset_watch_t {
    pthread_mutex_t lock;                  // /readyz reads from another thread
    char expected[STI_DATASET_ID_LEN + 1]; // STI_DATASET, or ""
    char seen[STI_DATASET_ID_LEN + 1];     // the id seen last, or ""
    bool lost;                             // the dataset lost data
    char lost_at[STI_DATASET_ID_LEN + 1];  // the id Redis held when it was found
    char why[STI_DATASET_WHY_MAX];         // how it was found
};

static bool s_id_valid(const char *id, size_t len)
{
    if (len != STI_DATASET_ID_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int s_key(sti_redis_t *redis, char *key, size_t cap)
{
    return sti_redis_key(redis, key, cap, "dataset", NULL) ? 0 : -1;
}

//  Copies one field value into slot (cap bytes). Returns 0, or -1 when it
//  does not fit or holds a NUL.
static int s_copy(const redisReply *value, char *slot, size_t cap)
{
    if (value->type != REDIS_REPLY_STRING || value->len >= cap ||
        memchr(value->str, 0, value->len)) {
        return -1;
    }
    memcpy(slot, value->str, value->len);
    slot[value->len] = 0;
    return 0;
}

int sti_dataset_read(sti_redis_t *redis, sti_dataset_t *out)
{
    assert(redis && out);
    memset(out, 0, sizeof *out);
    char key[256];
    if (s_key(redis, key, sizeof key) != 0) {
        return -1;
    }
    const char *argv[] = {"HGETALL", key};
    redisReply *reply = sti_redis_argv_retry(redis, 2, argv, NULL);
    if (!reply) {
        return -1;
    }
    int rc = reply->type == REDIS_REPLY_ARRAY && reply->elements % 2 == 0 ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < reply->elements; i += 2) {
        const redisReply *name = reply->element[i], *value = reply->element[i + 1];
        if (name->type != REDIS_REPLY_STRING) {
            rc = -1;
        } else if (strcmp(name->str, "id") == 0) {
            rc = s_copy(value, out->id, sizeof out->id);
            rc = rc == 0 && s_id_valid(out->id, strlen(out->id)) ? 0 : -1;
        } else if (strcmp(name->str, "created") == 0) {
            rc = s_copy(value, out->created, sizeof out->created);
        } else if (strcmp(name->str, "previous") == 0) {
            rc = s_copy(value, out->previous, sizeof out->previous);
        } else if (strcmp(name->str, "reason") == 0) {
            rc = s_copy(value, out->reason, sizeof out->reason);
        } else if (strcmp(name->str, "by") == 0) {
            rc = s_copy(value, out->by, sizeof out->by);
        }
    }
    if (rc == 0 && reply->elements > 0 && !out->id[0]) {
        rc = -1; // fields without an id
    }
    if (rc != 0) {
        sti_warn("dataset: %s",
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "the dataset hash is malformed");
        memset(out, 0, sizeof *out);
    }
    freeReplyObject(reply);
    return rc;
}

//  A new id: 16 random bytes in hex.
static void s_new_id(char *id)
{
    unsigned char bytes[STI_DATASET_ID_LEN / 2];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2hex(id, STI_DATASET_ID_LEN + 1, bytes, sizeof bytes);
}

//  Runs a dataset script with ARGV new id, created, then extra. Returns the
//  reply (caller frees) or NULL (logged).
static redisReply *s_run(sti_redis_t *redis, const char *source, const char *id, const char *extra1,
                         const char *extra2)
{
    char key[256], created[40];
    if (s_key(redis, key, sizeof key) != 0) {
        return NULL;
    }
    sti_time_rfc3339(sti_time_now_ms(), created, sizeof created);
    const char *argv[] = {key, id, created, extra1, extra2};
    int nargs = extra2 ? 4 : 3;
    redisReply *reply =
        sti_redis_eval(redis, sti_redis_script(redis, source), 1, nargs, argv, NULL);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        sti_error("dataset: %s", reply ? reply->str : sti_redis_errstr(redis));
        if (reply) {
            freeReplyObject(reply);
        }
        return NULL;
    }
    return reply;
}

int sti_dataset_init(sti_redis_t *redis, const char *by, sti_dataset_t *out)
{
    assert(redis && by && out);
    char id[STI_DATASET_ID_LEN + 1];
    s_new_id(id);
    redisReply *reply = s_run(redis, sti_lua_dataset_init, id, by, NULL);
    if (!reply) {
        return -1;
    }
    int made = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1 ? 1 : 0;
    freeReplyObject(reply);
    if (sti_dataset_read(redis, out) != 0 || !out->id[0]) {
        return -1;
    }
    if (made) {
        sti_info("dataset %s made (the first plan load into this Redis)", out->id);
    }
    return made;
}

int sti_dataset_accept_loss(sti_redis_t *redis, const char *reason, const char *by,
                            sti_dataset_t *out)
{
    assert(redis && reason && by && out);
    char id[STI_DATASET_ID_LEN + 1];
    s_new_id(id);
    redisReply *reply = s_run(redis, sti_lua_dataset_accept, id, reason, by);
    if (!reply) {
        return -1;
    }
    freeReplyObject(reply);
    if (sti_dataset_read(redis, out) != 0 || strcmp(out->id, id) != 0) {
        return -1;
    }
    sti_warn("dataset %s accepted after a loss of dataset %s by %s: %s", out->id,
             out->previous[0] ? out->previous : "(none)", by, reason);
    return 0;
}

//  --- the watch ---

sti_dataset_watch_t *sti_dataset_watch_new(const char *expected)
{
    sti_dataset_watch_t *self = calloc(1, sizeof *self);
    assert(self);
    pthread_mutex_init(&self->lock, NULL);
    snprintf(self->expected, sizeof self->expected, "%s", expected ? expected : "");
    return self;
}

void sti_dataset_watch_destroy(sti_dataset_watch_t **self_p)
{
    assert(self_p);
    sti_dataset_watch_t *self = *self_p;
    if (!self) {
        return;
    }
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

//  Marks the loss (under the lock). Returns true when it is new.
static bool s_lose(sti_dataset_watch_t *self, const char *at, const char *why)
{
    if (self->lost) {
        return false;
    }
    self->lost = true;
    snprintf(self->lost_at, sizeof self->lost_at, "%s", at);
    snprintf(self->why, sizeof self->why, "%s", why);
    return true;
}

//  What a dataset seen now means while nothing is lost. Returns true when it
//  is a loss (why written).
static bool s_judge(sti_dataset_watch_t *self, const sti_dataset_t *now, char *why, size_t cap)
{
    if (!self->seen[0]) {
        if (!now->id[0] && self->expected[0]) {
            snprintf(why, cap,
                     "Redis holds no dataset, but this deployment's is %s "
                     "(STI_DATASET): its data is lost",
                     self->expected);
            return true;
        }
        //  A dataset an operator made after a loss (it has a reason) is taken.
        if (now->id[0] && self->expected[0] && strcmp(now->id, self->expected) != 0 &&
            strcmp(now->previous, self->expected) != 0 && !now->reason[0]) {
            snprintf(why, cap,
                     "Redis holds dataset %s, but this deployment's is %s "
                     "(STI_DATASET)",
                     now->id, self->expected);
            return true;
        }
        return false;
    }
    if (!now->id[0]) {
        snprintf(why, cap, "Redis no longer holds dataset %s: it came back without its data",
                 self->seen);
        return true;
    }
    if (strcmp(now->id, self->seen) != 0 && !now->reason[0]) {
        snprintf(why, cap, "Redis holds dataset %s instead of %s, and no operator accepted a loss",
                 now->id, self->seen);
        return true;
    }
    return false;
}

bool sti_dataset_watch_update(sti_dataset_watch_t *self, const sti_dataset_t *now)
{
    assert(self && now);
    pthread_mutex_lock(&self->lock);
    bool changed = false;
    if (self->lost) {
        //  An id that was not there when the loss was found ends it when an
        //  operator made it (a reason), or when it is the expected one again
        //  (a restored backup).
        if (now->id[0] && strcmp(now->id, self->lost_at) != 0 &&
            (now->reason[0] || strcmp(now->id, self->expected) == 0)) {
            self->lost = false;
            self->why[0] = 0;
            changed = true;
        }
    } else {
        char why[STI_DATASET_WHY_MAX];
        if (s_judge(self, now, why, sizeof why)) {
            changed = s_lose(self, now->id, why);
        }
    }
    if (!self->lost && now->id[0]) {
        snprintf(self->seen, sizeof self->seen, "%s", now->id);
    }
    pthread_mutex_unlock(&self->lock);
    return changed;
}

bool sti_dataset_watch_loss(sti_dataset_watch_t *self, const char *why)
{
    assert(self && why);
    pthread_mutex_lock(&self->lock);
    bool changed = s_lose(self, self->seen, why);
    pthread_mutex_unlock(&self->lock);
    return changed;
}

bool sti_dataset_watch_lost(sti_dataset_watch_t *self, char *why, size_t cap)
{
    assert(self);
    pthread_mutex_lock(&self->lock);
    bool lost = self->lost;
    if (why && cap) {
        snprintf(why, cap, "%s", lost ? self->why : "");
    }
    pthread_mutex_unlock(&self->lock);
    return lost;
}

void sti_dataset_watch_id(sti_dataset_watch_t *self, char *buf, size_t cap)
{
    assert(self && buf && cap);
    pthread_mutex_lock(&self->lock);
    snprintf(buf, cap, "%s", self->seen);
    pthread_mutex_unlock(&self->lock);
}
