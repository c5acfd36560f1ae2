/*  indicators_duty_store: the reporting duties in Redis. See the header.

    A read is one pipeline of six HGETALLs; the replies are kept until the
    next read so the pairs handed out can point into them.
*/
#include "indicators_duty_store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events_log.h"
#include "sti_lua_indicators_core.h"
#include "sti_lua_sti.h"

#define S_KEY_MAX 256  // bytes of one key
#define S_PUTS_MAX 8   // fields one write sets at most
#define S_EVENT_ARGS 9 // floor, epoch, maxlen, topic, type, subject, time, source, data

static const char *const s_names[INDICATORS_DUTY_HASHES] = {"type", "assign",  "add",
                                                            "drop", "contact", "rule"};

struct _indicators_duty_store_t {
    sti_redis_t *redis;                           // borrowed
    sti_events_pub_t *pub;                        // borrowed, may be NULL
    int64_t maxlen;                               // the `ind` log's bound
    char *source;                                 // events_append.lua + indicators_duty.lua
    sti_script_t *script;                         // registered on redis
    char events[4][S_KEY_MAX];                    // the stream ind's log, seq, prev, epoch
    char keys[INDICATORS_DUTY_HASHES][S_KEY_MAX]; // the hashes
    char overdue[S_KEY_MAX];                      // the set of raised reports
    redisReply *replies[INDICATORS_DUTY_HASHES];  // the last read
    const char **strings;                         // fields and values of the last read
};

indicators_duty_store_t *indicators_duty_store_new(sti_redis_t *redis, sti_events_pub_t *pub,
                                                   int64_t maxlen)
{
    assert(redis);
    indicators_duty_store_t *self = (indicators_duty_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->pub = pub;
    self->maxlen = maxlen;
    size_t len = strlen(sti_lua_events_append) + strlen(sti_lua_indicators_duty) + 2;
    self->source = (char *)malloc(len);
    assert(self->source);
    snprintf(self->source, len, "%s\n%s", sti_lua_events_append, sti_lua_indicators_duty);
    self->script = sti_redis_script(redis, self->source);
    int rc = sti_events_log_keys(redis, "ind", self->events[0], self->events[1], self->events[2],
                                 self->events[3], S_KEY_MAX);
    assert(rc == 0);
    for (int i = 0; i < INDICATORS_DUTY_HASHES; i++) {
        assert(sti_redis_key(redis, self->keys[i], S_KEY_MAX, "duty", s_names[i], NULL));
    }
    assert(sti_redis_key(redis, self->overdue, S_KEY_MAX, "duty", "overdue", NULL));
    return self;
}

static void s_forget(indicators_duty_store_t *self)
{
    for (int i = 0; i < INDICATORS_DUTY_HASHES; i++) {
        if (self->replies[i]) {
            freeReplyObject(self->replies[i]);
            self->replies[i] = NULL;
        }
    }
    free(self->strings);
    self->strings = NULL;
}

void indicators_duty_store_destroy(indicators_duty_store_t **self_p)
{
    assert(self_p);
    indicators_duty_store_t *self = *self_p;
    if (self) {
        s_forget(self);
        free(self->source);
        free(self);
        *self_p = NULL;
    }
}

//  Points out at the string pairs of one HGETALL reply (strings: room for them).
static void s_pairs(const redisReply *reply, const char **strings, indicators_duty_pairs_t *out)
{
    size_t pairs = reply->elements / 2;
    pairs = pairs < INDICATORS_DUTY_PAIRS_MAX ? pairs : INDICATORS_DUTY_PAIRS_MAX;
    out->fields = strings;
    out->values = strings + pairs;
    out->count = 0;
    for (size_t i = 0; i < pairs; i++) {
        const redisReply *field = reply->element[2 * i], *value = reply->element[2 * i + 1];
        if (field->type == REDIS_REPLY_STRING && value->type == REDIS_REPLY_STRING &&
            strlen(field->str) == field->len && strlen(value->str) == value->len) {
            out->fields[out->count] = field->str;
            out->values[out->count++] = value->str;
        }
    }
}

int indicators_duty_store_read(indicators_duty_store_t *self, indicators_duty_pairs_t *out,
                               char *err, size_t errlen)
{
    assert(self && out);
    s_forget(self);
    for (int i = 0; i < INDICATORS_DUTY_HASHES; i++) {
        sti_redis_appendf(self->redis, "HGETALL %s", self->keys[i]);
    }
    size_t total = 0;
    int rc = 0;
    for (int i = 0; i < INDICATORS_DUTY_HASHES; i++) {
        redisReply *reply = sti_redis_reply(self->redis);
        self->replies[i] = reply;
        if (!reply || reply->type != REDIS_REPLY_ARRAY) {
            rc = -1;
        } else {
            total += reply->elements;
        }
    }
    if (rc) {
        snprintf(err, errlen, "the reporting duties cannot be read now: %s",
                 sti_redis_errstr(self->redis));
        s_forget(self);
        return -1;
    }
    self->strings = (const char **)calloc(total + 1, sizeof(char *));
    assert(self->strings);
    size_t at = 0;
    for (int i = 0; i < INDICATORS_DUTY_HASHES; i++) {
        s_pairs(self->replies[i], self->strings + at, &out[i]);
        at += self->replies[i]->elements;
    }
    return 0;
}

//  Runs the script: keys after the stream's, args after the event's.
//  Returns 1 (written), 0 (same), -1 with err set.
static int s_run(indicators_duty_store_t *self, const char **keys, size_t nkeys, const char **args,
                 const size_t *lens, size_t nargs, const indicators_duty_event_t *event, char *err,
                 size_t errlen)
{
    char floor[32] = "0", maxlen[24];
    const char *epoch = "";
    if (self->pub) {
        sti_events_pub_floor(self->pub, floor, sizeof floor, &epoch);
    }
    snprintf(maxlen, sizeof maxlen, "%lld", (long long)self->maxlen);
    const char *argv[4 + S_PUTS_MAX + S_EVENT_ARGS + 2 + 3 * S_PUTS_MAX];
    size_t argl[sizeof argv / sizeof argv[0]];
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        argv[n++] = self->events[i];
    }
    for (size_t i = 0; i < nkeys; i++) {
        argv[n++] = keys[i];
    }
    const char *head[S_EVENT_ARGS] = {floor,
                                      epoch,
                                      maxlen,
                                      event->topic,
                                      event->type,
                                      event->subject,
                                      event->time,
                                      "sti-indicators",
                                      (const char *)event->data};
    for (size_t i = 0; i < S_EVENT_ARGS; i++) {
        argv[n++] = head[i];
    }
    for (size_t i = 0; i < n; i++) {
        argl[i] = i + 1 == n ? event->size : strlen(argv[i]);
    }
    for (size_t i = 0; i < nargs; i++) {
        argl[n] = lens ? lens[i] : strlen(args[i]);
        argv[n++] = args[i];
    }
    redisReply *reply = sti_redis_eval(self->redis, self->script, (int)(4 + nkeys),
                                       (int)(n - 4 - nkeys), argv, argl);
    const char *what = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
                               reply->element[0]->type == REDIS_REPLY_STRING
                           ? reply->element[0]->str
                           : "";
    int rc = -1;
    if (strcmp(what, "same") == 0) {
        rc = 0;
    } else if (strcmp(what, "ok") == 0 && reply->elements == 3 &&
               reply->element[1]->type == REDIS_REPLY_INTEGER &&
               reply->element[2]->type == REDIS_REPLY_STRING) {
        uint64_t seq = (uint64_t)reply->element[1]->integer;
        if (self->pub) {
            sti_events_pub_appended(self->pub, reply->element[2]->str, seq);
            sti_events_send_logged(self->pub, seq, seq);
        }
        rc = 1;
    } else if (strcmp(what, "lost") == 0) {
        const char *why = reply->elements > 1 && reply->element[1]->type == REDIS_REPLY_STRING
                              ? reply->element[1]->str
                              : "?";
        if (self->pub) {
            sti_events_pub_refused(self->pub, why);
        }
        snprintf(err, errlen, "the event stream takes no events now: %s", why);
    } else {
        snprintf(err, errlen, "the reporting duties cannot be written now: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int indicators_duty_store_put(indicators_duty_store_t *self, const indicators_duty_put_t *puts,
                              size_t count, const indicators_duty_event_t *event, bool *changed,
                              char *err, size_t errlen)
{
    assert(self && puts && count > 0 && count <= S_PUTS_MAX && event && changed);
    const char *keys[S_PUTS_MAX], *args[2 + 3 * S_PUTS_MAX];
    char index[S_PUTS_MAX][8], n[8];
    size_t nargs = 0;
    snprintf(n, sizeof n, "%zu", count);
    args[nargs++] = "put";
    args[nargs++] = n;
    for (size_t i = 0; i < count; i++) {
        keys[i] = self->keys[puts[i].hash];
        snprintf(index[i], sizeof index[i], "%zu", 5 + i);
        args[nargs++] = index[i];
        args[nargs++] = puts[i].field;
        args[nargs++] = puts[i].value;
    }
    int rc = s_run(self, keys, count, args, NULL, nargs, event, err, errlen);
    *changed = rc == 1;
    return rc < 0 ? -1 : 0;
}

int indicators_duty_store_raised(indicators_duty_store_t *self, const char *const *members,
                                 size_t count, bool *raised, char *err, size_t errlen)
{
    assert(self && (members || count == 0) && raised && count <= 1000);
    if (count == 0) {
        return 0;
    }
    const char *argv[2 + 1000];
    argv[0] = "SMISMEMBER";
    argv[1] = self->overdue;
    for (size_t i = 0; i < count; i++) {
        argv[2 + i] = members[i];
    }
    redisReply *reply = sti_redis_argv_retry(self->redis, (int)(2 + count), argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == count ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        raised[i] = reply->element[i]->type == REDIS_REPLY_INTEGER && reply->element[i]->integer;
    }
    if (rc) {
        snprintf(err, errlen, "the overdue reports cannot be read now: %s",
                 sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int indicators_duty_store_raise(indicators_duty_store_t *self, const char *member,
                                const indicators_duty_event_t *event, char *err, size_t errlen)
{
    assert(self && member && event);
    const char *keys[1] = {self->overdue};
    const char *args[2] = {"mark", member};
    return s_run(self, keys, 1, args, NULL, 2, event, err, errlen);
}
