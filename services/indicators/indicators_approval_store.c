/*  indicators_approval_store: the sign-off records in Redis. See the header.

    A record is a MessagePack map written here and read here and by the Lua
    scripts of sti-ingest and value.withdraw (which look only at `state`,
    `by` and `at`). One change is one EVALSHA; the reads of a period over
    many units are one pipelined round trip.
*/
#include "indicators_approval_store.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_indicators_core.h"
#include "sti_lua_sti.h"
#include "sti_time.h"
#include "sti_writer.h"

#define S_ARGS 30 // arguments of the script, at most

struct _indicators_approval_store_t {
    sti_redis_t *redis;    // borrowed
    sti_events_pub_t *pub; // borrowed: the `ind` publisher
    char *script_text;     // events_append.lua + indicators_approval.lua (owned)
    sti_script_t *script;  // the change
    char intake[256];      // the intake log's key
    char group[128];       // its consumer group
    int64_t maxlen;        // the `ind` log's bound
    int64_t ttl_s;         // how long a reply is kept
    char audit[256];       // <ns>:approval:audit
};

indicators_approval_store_t *indicators_approval_store_new(sti_redis_t *redis, const char *intake,
                                                           const char *group, sti_events_pub_t *pub,
                                                           int64_t maxlen, int64_t request_ttl_s)
{
    assert(redis && intake && group && pub);
    indicators_approval_store_t *self = (indicators_approval_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->pub = pub;
    self->script_text = zsys_sprintf("%s\n%s", sti_lua_events_append, sti_lua_indicators_approval);
    assert(self->script_text);
    self->script = sti_redis_script(redis, self->script_text);
    snprintf(self->intake, sizeof self->intake, "%s", intake);
    snprintf(self->group, sizeof self->group, "%s", group);
    self->maxlen = maxlen;
    self->ttl_s = request_ttl_s;
    sti_redis_key(redis, self->audit, sizeof self->audit, "approval", "audit", NULL);
    return self;
}

void indicators_approval_store_destroy(indicators_approval_store_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        zstr_free(&(*self_p)->script_text);
        free(*self_p);
        *self_p = NULL;
    }
}

//  The unit's hash <ns>:approval:<org> into buf. Returns buf, or NULL.
static char *s_key(indicators_approval_store_t *self, const char *org, char *buf, size_t cap)
{
    return sti_redis_key(self->redis, buf, cap, "approval", org, NULL);
}

//  Encodes a record as the hash keeps it.
static void s_encode(const indicators_approval_t *record, sti_writer_t *w)
{
    sti_writer_map(w, 9);
    sti_writer_kv_str(w, "state", record->state);
    sti_writer_kv_str(w, "org", record->org);
    sti_writer_kv_str(w, "period", record->period);
    sti_writer_kv_str(w, "by", record->by);
    sti_writer_kv_str(w, "role", record->role);
    sti_writer_kv_str(w, "via", record->via);
    sti_writer_kv_int(w, "at", record->at);
    sti_writer_kv_str(w, "reason", record->reason);
    sti_writer_kv_str(w, "request", record->request);
}

//  Decodes a record. Returns 0, or -1 when the bytes are not one.
static int s_decode(const char *bytes, size_t size, indicators_approval_t *record)
{
    char err[128];
    sti_limits_t limits = {size + 1, size + 1, 64, 4};
    sti_reader_t *reader = sti_reader_new(bytes, size, &limits, err, sizeof err);
    if (!reader) {
        return -1;
    }
    sti_node_t map = sti_reader_root(reader);
    sti_field_error_t ferr;
    memset(record, 0, sizeof *record);
    int rc =
        sti_node_type(map) == STI_TYPE_MAP &&
                sti_map_str_copy(map, "state", record->state, sizeof record->state, &ferr) == 0 &&
                sti_map_str_copy(map, "org", record->org, sizeof record->org, &ferr) == 0 &&
                sti_map_str_copy(map, "period", record->period, sizeof record->period, &ferr) ==
                    0 &&
                sti_map_str_copy(map, "by", record->by, sizeof record->by, &ferr) == 0 &&
                sti_map_int(map, "at", &record->at, &ferr) == 0
            ? 0
            : -1;
    if (rc == 0) {
        //  Optional: an empty string reads as missing in some writers.
        sti_map_str_copy(map, "role", record->role, sizeof record->role, &ferr);
        sti_map_str_copy(map, "via", record->via, sizeof record->via, &ferr);
        sti_map_str_copy(map, "reason", record->reason, sizeof record->reason, &ferr);
        sti_map_str_copy(map, "request", record->request, sizeof record->request, &ferr);
    }
    sti_reader_destroy(&reader);
    return rc;
}

//  Decodes a string reply into record. Returns 0, or -1 (err).
static int s_decode_reply(const redisReply *r, indicators_approval_t *record, char *err,
                          size_t errlen)
{
    if (r->type != REDIS_REPLY_STRING || s_decode(r->str, r->len, record) != 0) {
        snprintf(err, errlen, "a sign-off record in Redis does not decode");
        return -1;
    }
    return 0;
}

//  Reads the script's reply into *result, *record, *pending, *unread.
//  Returns 0, or -1 (err).
static int s_change_reply(indicators_approval_store_t *self, const redisReply *reply,
                          indicators_approval_t *record, indicators_approval_result_t *result,
                          int64_t *pending, int64_t *unread, char *err, size_t errlen)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "the sign-off script answered something else");
        return -1;
    }
    long long code = reply->element[0]->integer;
    size_t n = reply->elements;
    if (code == 3 && n == 3) {
        *result = INDICATORS_APPROVAL_BACKLOG;
        *pending = reply->element[1]->integer;
        *unread = reply->element[2]->integer;
        return 0;
    }
    if (code == 4) {
        *result = INDICATORS_APPROVAL_NOTHING;
        return 0;
    }
    if ((code == 1 || code == 2 || code == 0) && n >= 2) {
        *result = code == 0   ? INDICATORS_APPROVAL_DONE
                  : code == 1 ? INDICATORS_APPROVAL_REPLAYED
                              : INDICATORS_APPROVAL_ALREADY;
        if (s_decode_reply(reply->element[1], record, err, errlen)) {
            return -1;
        }
        if (code == 0 && n == 4 && reply->element[3]->type == REDIS_REPLY_INTEGER) {
            const redisReply *epoch = reply->element[2];
            uint64_t seq = (uint64_t)reply->element[3]->integer;
            sti_events_pub_appended(self->pub, epoch->type == REDIS_REPLY_STRING ? epoch->str : "",
                                    seq);
            sti_events_send_logged(self->pub, seq, seq);
        }
        return 0;
    }
    snprintf(err, errlen, "the sign-off script answered something else");
    return -1;
}

int indicators_approval_store_change(indicators_approval_store_t *self, bool approve,
                                     indicators_approval_t *record, const char *type,
                                     const void *data, size_t size,
                                     indicators_approval_result_t *result, int64_t *pending,
                                     int64_t *unread, char *err, size_t errlen)
{
    assert(self && record && type && data && result);
    char hash[256], request_key[STI_ID_MAX + 256], log[160], seq[160], prev[160];
    char topic[STI_EVENTS_TOPIC_MAX + 1], subject[STI_EVENTS_SUBJECT_MAX], time[40];
    char ttl[24], maxlen[24], floor[32], at[24];
    const char *floor_epoch = "";
    if (!s_key(self, record->org, hash, sizeof hash)) {
        snprintf(err, errlen, "org: '%s' makes too long a Redis key", record->org);
        return -1;
    }
    sti_redis_key(self->redis, request_key, sizeof request_key, "indicators", "req",
                  record->request[0] ? record->request : "-", NULL);
    sti_redis_key(self->redis, log, sizeof log, "events", "ind", NULL);
    sti_redis_key(self->redis, seq, sizeof seq, "events", "ind", "seq", NULL);
    sti_redis_key(self->redis, prev, sizeof prev, "events", "ind", "prev", NULL);
    snprintf(topic, sizeof topic, "%s%s", INDICATORS_APPROVAL_EVENT_TOPIC, record->org);
    snprintf(subject, sizeof subject, "%s/%s", record->org, record->period);
    sti_time_rfc3339(record->at, time, sizeof time);
    snprintf(ttl, sizeof ttl, "%" PRId64, self->ttl_s);
    snprintf(maxlen, sizeof maxlen, "%" PRId64, self->maxlen);
    snprintf(at, sizeof at, "%" PRId64, record->at);
    sti_events_pub_floor(self->pub, floor, sizeof floor, &floor_epoch);
    sti_writer_t *w = sti_writer_new();
    s_encode(record, w);
    size_t record_size;
    const void *bytes = sti_writer_data(w, &record_size);
    const char *argv[S_ARGS] = {hash,
                                self->audit,
                                request_key,
                                self->intake,
                                log,
                                seq,
                                prev,
                                sti_events_pub_epoch_key(self->pub),
                                approve ? "approve" : "reopen",
                                record->period,
                                (const char *)bytes,
                                record->request[0] ? "1" : "0",
                                ttl,
                                self->group,
                                maxlen,
                                floor,
                                floor_epoch ? floor_epoch : "",
                                topic,
                                type,
                                subject,
                                time,
                                "sti-indicators",
                                (const char *)data,
                                at,
                                record->org,
                                record->by,
                                record->role,
                                record->via,
                                record->reason,
                                record->request};
    size_t lens[S_ARGS];
    for (int i = 0; i < S_ARGS; i++) {
        lens[i] = i == 10 ? record_size : i == 22 ? size : strlen(argv[i]);
    }
    redisReply *reply = sti_redis_eval(self->redis, self->script, 8, S_ARGS - 8, argv, lens);
    sti_writer_destroy(&w);
    int rc = -1;
    if (!reply) {
        snprintf(err, errlen, "Redis cannot take it now: %s", sti_redis_errstr(self->redis));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "nothing changed: %s", reply->str);
    } else {
        rc = s_change_reply(self, reply, record, result, pending, unread, err, errlen);
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int indicators_approval_store_period(indicators_approval_store_t *self,
                                     const sti_org_unit_t *const *orgs, size_t count,
                                     const char *period, indicators_approval_t *records,
                                     bool *found, char *err, size_t errlen)
{
    assert(self && (orgs || !count) && period);
    char hash[256];
    for (size_t i = 0; i < count; i++) {
        s_key(self, orgs[i]->code, hash, sizeof hash);
        const char *argv[3] = {"HGET", hash, period};
        if (sti_redis_append(self->redis, 3, argv, NULL)) {
            snprintf(err, errlen, "Redis cannot be read now: %s", sti_redis_errstr(self->redis));
            return -1;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        redisReply *r = sti_redis_reply(self->redis);
        found[i] = false;
        if (!r || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "Redis cannot be read now: %s",
                     r ? r->str : sti_redis_errstr(self->redis));
            rc = -1;
        } else if (r->type == REDIS_REPLY_STRING) {
            if (s_decode(r->str, r->len, &records[i]) == 0) {
                found[i] = true;
            } else {
                sti_warn("the sign-off record of %s %s does not decode: read as none",
                         orgs[i]->code, period);
            }
        }
        if (r) {
            freeReplyObject(r);
        }
        if (!r) {
            return -1;
        }
    }
    return rc;
}

int indicators_approval_store_approved(indicators_approval_store_t *self, const char *org,
                                       sti_period_t *periods, size_t cap, char *err, size_t errlen)
{
    assert(self && org && periods);
    char hash[256];
    s_key(self, org, hash, sizeof hash);
    redisReply *r = sti_redis_command(self->redis, "HGETALL %s", hash);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "Redis cannot be read now: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str : sti_redis_errstr(self->redis));
        if (r) {
            freeReplyObject(r);
        }
        return -1;
    }
    size_t n = 0;
    indicators_approval_t record;
    char why[160];
    for (size_t i = 0; i + 1 < r->elements && n < cap && n < INDICATORS_APPROVAL_PERIODS_MAX;
         i += 2) {
        const redisReply *field = r->element[i], *value = r->element[i + 1];
        if (field->type == REDIS_REPLY_STRING && value->type == REDIS_REPLY_STRING &&
            s_decode(value->str, value->len, &record) == 0 &&
            strcmp(record.state, "approved") == 0 &&
            sti_period_parse(field->str, field->len, &periods[n], why, sizeof why) == 0) {
            n++;
        }
    }
    freeReplyObject(r);
    return (int)n;
}
