/*  indicators_issue_store: the reports issued in Redis. See the header.

    A record is a MessagePack map written and read here only. Recording is
    one EVALSHA; the list is read in one LRANGE (at most
    INDICATORS_ISSUE_KEPT small records).
*/
#include "indicators_issue_store.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_indicators_core.h"
#include "sti_writer.h"

#define S_ARGS 16 // keys and arguments of the script

struct _indicators_issue_store_t {
    sti_redis_t *redis;   // borrowed
    sti_script_t *script; // indicators_report_issue.lua
    int64_t ttl_s;        // how long a reply is kept
    char list[256];       // <ns>:report:issued
    char audit[256];      // <ns>:report:audit
};

indicators_issue_store_t *indicators_issue_store_new(sti_redis_t *redis, int64_t request_ttl_s)
{
    assert(redis);
    indicators_issue_store_t *self = (indicators_issue_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->script = sti_redis_script(redis, sti_lua_indicators_report_issue);
    self->ttl_s = request_ttl_s;
    sti_redis_key(redis, self->list, sizeof self->list, "report", "issued", NULL);
    sti_redis_key(redis, self->audit, sizeof self->audit, "report", "audit", NULL);
    return self;
}

void indicators_issue_store_destroy(indicators_issue_store_t **self_p)
{
    assert(self_p);
    if (*self_p) {
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

//  Reads the script's reply into *record and *replayed. Returns 0, or -1.
static int s_record_reply(const redisReply *reply, indicators_issue_t *record, bool *replayed,
                          char *err, size_t errlen)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_STRING ||
        s_decode(reply->element[1]->str, reply->element[1]->len, record) != 0) {
        snprintf(err, errlen, "the report's record script answered something else");
        return -1;
    }
    *replayed = reply->element[0]->integer == 1;
    return 0;
}

int indicators_issue_store_record(indicators_issue_store_t *self, indicators_issue_t *record,
                                  bool *replayed, char *err, size_t errlen)
{
    assert(self && record && replayed);
    char request_key[STI_ID_MAX + 256], ttl[24], kept[24], at[24], year[16], made[24];
    sti_redis_key(self->redis, request_key, sizeof request_key, "indicators", "req",
                  record->request[0] ? record->request : "-", NULL);
    snprintf(ttl, sizeof ttl, "%" PRId64, self->ttl_s);
    snprintf(kept, sizeof kept, "%d", INDICATORS_ISSUE_KEPT);
    snprintf(at, sizeof at, "%" PRId64, record->at);
    snprintf(year, sizeof year, "%d", record->year);
    snprintf(made, sizeof made, "%" PRId64, record->made);
    sti_writer_t *w = sti_writer_new();
    s_encode(record, w);
    size_t record_size;
    const void *bytes = sti_writer_data(w, &record_size);
    const char *argv[S_ARGS] = {self->list,
                                self->audit,
                                request_key,
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
        lens[i] = i == 3 ? record_size : strlen(argv[i]);
    }
    redisReply *reply = sti_redis_eval(self->redis, self->script, 3, S_ARGS - 3, argv, lens);
    sti_writer_destroy(&w);
    int rc = -1;
    if (!reply) {
        snprintf(err, errlen, "Redis cannot take it now: %s", sti_redis_errstr(self->redis));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "nothing was recorded: %s", reply->str);
    } else {
        rc = s_record_reply(reply, record, replayed, err, errlen);
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
