/*  indicators_issue_store: the reports issued in Redis. See the header.

    A record is a MessagePack map written and read here only. Recording is
    one EVALSHA (events_append.lua before the script: the report.issued
    event is appended with the record); the list is read in one LRANGE (at most
    INDICATORS_ISSUE_KEPT small records).
*/
#include "indicators_issue_store.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events_log.h"
#include "sti_log.h"
#include "sti_lua_indicators_core.h"
#include "sti_lua_sti.h"
#include "sti_time.h"
#include "sti_writer.h"

#define S_KEYS 7  // keys of the script: the stream ind's four, list, audit, request
#define S_ARGS 29 // keys and arguments of the script
#define S_KEY_MAX 256

struct _indicators_issue_store_t {
    sti_redis_t *redis;        // borrowed
    sti_events_pub_t *pub;     // borrowed, may be NULL
    int64_t maxlen;            // events kept in the log
    char *source;              // events_append.lua + indicators_report_issue.lua
    sti_script_t *script;      // of source
    int64_t ttl_s;             // how long a reply is kept
    char events[4][S_KEY_MAX]; // the stream ind's log, seq, prev, epoch
    char list[S_KEY_MAX];      // <ns>:report:issued
    char audit[S_KEY_MAX];     // <ns>:report:audit
};

indicators_issue_store_t *indicators_issue_store_new(sti_redis_t *redis, sti_events_pub_t *pub,
                                                     int64_t maxlen, int64_t request_ttl_s)
{
    assert(redis);
    indicators_issue_store_t *self = (indicators_issue_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->pub = pub;
    self->maxlen = maxlen;
    size_t len = strlen(sti_lua_events_append) + strlen(sti_lua_indicators_report_issue) + 2;
    self->source = (char *)malloc(len);
    assert(self->source);
    snprintf(self->source, len, "%s\n%s", sti_lua_events_append, sti_lua_indicators_report_issue);
    self->script = sti_redis_script(redis, self->source);
    self->ttl_s = request_ttl_s;
    int rc = sti_events_log_keys(redis, "ind", self->events[0], self->events[1], self->events[2],
                                 self->events[3], S_KEY_MAX);
    assert(rc == 0);
    sti_redis_key(redis, self->list, sizeof self->list, "report", "issued", NULL);
    sti_redis_key(redis, self->audit, sizeof self->audit, "report", "audit", NULL);
    return self;
}

void indicators_issue_store_destroy(indicators_issue_store_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free((*self_p)->source);
        free(*self_p);
        *self_p = NULL;
    }
}

//  Encodes a record as the list keeps it.
static void s_encode(const indicators_issue_t *record, sti_writer_t *w)
{
    sti_writer_map(w, 9);
    sti_writer_kv_str(w, "kind", record->kind);
    sti_writer_kv_int(w, "year", record->year);
    sti_writer_kv_int(w, "at", record->at);
    sti_writer_kv_int(w, "made", record->made);
    sti_writer_kv_str(w, "by", record->by);
    sti_writer_kv_str(w, "role", record->role);
    sti_writer_kv_str(w, "via", record->via);
    sti_writer_kv_str(w, "file", record->file);
    sti_writer_kv_str(w, "request", record->request);
}

//  Decodes a record. Returns 0, or -1 when the bytes are not one.
static int s_decode(const char *bytes, size_t size, indicators_issue_t *record)
{
    char err[128];
    sti_limits_t limits = {size + 1, size + 1, 64, 4};
    sti_reader_t *reader = sti_reader_new(bytes, size, &limits, err, sizeof err);
    if (!reader) {
        return -1;
    }
    sti_node_t map = sti_reader_root(reader);
    sti_field_error_t ferr;
    int64_t year = 0;
    memset(record, 0, sizeof *record);
    int rc = sti_node_type(map) == STI_TYPE_MAP &&
                     sti_map_str_copy(map, "kind", record->kind, sizeof record->kind, &ferr) == 0 &&
                     sti_map_int(map, "year", &year, &ferr) == 0 &&
                     sti_map_int(map, "at", &record->at, &ferr) == 0 &&
                     sti_map_int(map, "made", &record->made, &ferr) == 0
                 ? 0
                 : -1;
    record->year = (int)year;
    if (rc == 0) {
        //  Optional: an empty string reads as missing in some writers.
        sti_map_str_copy(map, "by", record->by, sizeof record->by, &ferr);
        sti_map_str_copy(map, "role", record->role, sizeof record->role, &ferr);
        sti_map_str_copy(map, "via", record->via, sizeof record->via, &ferr);
        sti_map_str_copy(map, "file", record->file, sizeof record->file, &ferr);
        sti_map_str_copy(map, "request", record->request, sizeof record->request, &ferr);
    }
    sti_reader_destroy(&reader);
    return rc;
}

//  Reads the script's reply into *record and *replayed, and tells the
//  publisher of the event appended. Returns 0, or -1 with err set.
static int s_record_reply(indicators_issue_store_t *self, const redisReply *reply,
                          indicators_issue_t *record, bool *replayed, char *err, size_t errlen)
{
    int64_t what = reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
                           reply->element[0]->type == REDIS_REPLY_INTEGER &&
                           reply->element[1]->type == REDIS_REPLY_STRING
                       ? reply->element[0]->integer
                       : -1;
    if (what == 2) {
        if (self->pub) {
            sti_events_pub_refused(self->pub, reply->element[1]->str);
        }
        snprintf(err, errlen, "nothing was recorded: the event stream takes no events now: %s",
                 reply->element[1]->str);
        return -1;
    }
    if ((what != 0 && what != 1) ||
        s_decode(reply->element[1]->str, reply->element[1]->len, record) != 0) {
        snprintf(err, errlen, "the report's record script answered something else");
        return -1;
    }
    *replayed = what == 1;
    if (what == 0 && self->pub && reply->elements == 4 &&
        reply->element[2]->type == REDIS_REPLY_INTEGER &&
        reply->element[3]->type == REDIS_REPLY_STRING) {
        uint64_t seq = (uint64_t)reply->element[2]->integer;
        sti_events_pub_appended(self->pub, reply->element[3]->str, seq);
        sti_events_send_logged(self->pub, seq, seq);
    }
    return 0;
}

void indicators_issue_store_write(sti_writer_t *w, const indicators_issue_t *record, int replayed)
{
    char time[40], made[40];
    sti_writer_map(w, replayed >= 0 ? 11 : 10);
    sti_writer_kv_str(w, "kind", record->kind);
    sti_writer_kv_int(w, "year", record->year);
    sti_writer_kv_int(w, "at", record->at);
    sti_writer_kv_str(w, "time", sti_time_rfc3339(record->at, time, sizeof time));
    sti_writer_kv_str(w, "made", sti_time_rfc3339(record->made, made, sizeof made));
    sti_writer_kv_str(w, "by", record->by);
    sti_writer_kv_str(w, "role", record->role);
    sti_writer_kv_str(w, "via", record->via[0] ? record->via : NULL);
    sti_writer_kv_str(w, "file", record->file[0] ? record->file : NULL);
    sti_writer_kv_str(w, "request", record->request[0] ? record->request : NULL);
    if (replayed >= 0) {
        sti_writer_kv_bool(w, "replayed", replayed == 1);
    }
}

int indicators_issue_store_record(indicators_issue_store_t *self, indicators_issue_t *record,
                                  bool *replayed, char *err, size_t errlen)
{
    assert(self && record && replayed);
    char request_key[STI_ID_MAX + 256], ttl[24], kept[24], at[24], year[16], made[24];
    char floor[32] = "0", maxlen[24], topic[64], subject[48], time[40];
    const char *epoch = "";
    if (self->pub) {
        sti_events_pub_floor(self->pub, floor, sizeof floor, &epoch);
    }
    sti_redis_key(self->redis, request_key, sizeof request_key, "indicators", "req",
                  record->request[0] ? record->request : "-", NULL);
    snprintf(maxlen, sizeof maxlen, "%" PRId64, self->maxlen);
    snprintf(topic, sizeof topic, "ind._report.%s", record->kind);
    snprintf(subject, sizeof subject, "%s/%d", record->kind, record->year);
    sti_time_rfc3339(record->at, time, sizeof time);
    snprintf(ttl, sizeof ttl, "%" PRId64, self->ttl_s);
    snprintf(kept, sizeof kept, "%d", INDICATORS_ISSUE_KEPT);
    snprintf(at, sizeof at, "%" PRId64, record->at);
    snprintf(year, sizeof year, "%d", record->year);
    snprintf(made, sizeof made, "%" PRId64, record->made);
    sti_writer_t *w = sti_writer_new(), *data = sti_writer_new();
    s_encode(record, w);
    indicators_issue_store_write(data, record, -1);
    size_t record_size, data_size;
    const void *bytes = sti_writer_data(w, &record_size);
    const void *event = sti_writer_data(data, &data_size);
    const char *argv[S_ARGS] = {self->events[0],
                                self->events[1],
                                self->events[2],
                                self->events[3],
                                self->list,
                                self->audit,
                                request_key,
                                floor,
                                epoch,
                                maxlen,
                                topic,
                                "report.issued",
                                subject,
                                time,
                                "sti-indicators",
                                (const char *)event,
                                (const char *)bytes,
                                record->request[0] ? "1" : "0",
                                ttl,
                                kept,
                                at,
                                record->kind,
                                year,
                                made,
                                record->file,
                                record->by,
                                record->role,
                                record->via,
                                record->request};
    size_t lens[S_ARGS];
    for (int i = 0; i < S_ARGS; i++) {
        lens[i] = i == 15 ? data_size : i == 16 ? record_size : strlen(argv[i]);
    }
    redisReply *reply =
        sti_redis_eval(self->redis, self->script, S_KEYS, S_ARGS - S_KEYS, argv, lens);
    sti_writer_destroy(&w);
    sti_writer_destroy(&data);
    int rc = -1;
    if (!reply) {
        snprintf(err, errlen, "Redis cannot take it now: %s", sti_redis_errstr(self->redis));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "nothing was recorded: %s", reply->str);
    } else {
        rc = s_record_reply(self, reply, record, replayed, err, errlen);
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int indicators_issue_store_list(indicators_issue_store_t *self, const char *kind,
                                indicators_issue_t *records, size_t cap, char *err, size_t errlen)
{
    assert(self && records);
    redisReply *r = sti_redis_command(self->redis, "LRANGE %s 0 -1", self->list);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "Redis cannot be read now: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str : sti_redis_errstr(self->redis));
        if (r) {
            freeReplyObject(r);
        }
        return -1;
    }
    size_t n = 0;
    for (size_t i = r->elements; i-- > 0 && n < cap;) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_STRING || s_decode(e->str, e->len, &records[n]) != 0) {
            sti_warn("a record of %s does not decode: skipped", self->list);
        } else if (!kind || !kind[0] || strcmp(records[n].kind, kind) == 0) {
            n++;
        }
    }
    freeReplyObject(r);
    return (int)n;
}
