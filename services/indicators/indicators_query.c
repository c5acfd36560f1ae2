/*  indicators_query: series.get, progress.report, snapshot.get. See the
    header.

    Everything read from Redis is checked: a record that does not decode is
    left out with a log line, a hash field that is not a period is ignored,
    and the number of periods and revisions read is bounded.
*/
#include "indicators_query.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicators_catalog.h"
#include "sti_log.h"
#include "sti_service.h"

#define S_KEY_MAX 256        // bytes of a key name
#define S_MAX_POINTS 4096    // periods series.get returns
#define S_MAX_REVISIONS 1000 // latest revisions of a point series.get returns
#define S_SNAPSHOT_LIMIT 100 // default hashes per snapshot page
#define S_SNAPSHOT_MAX 1000  // most hashes per snapshot page

struct _indicators_query_t {
    sti_redis_t *redis;         // borrowed
    sti_catalog_store_t *store; // borrowed
    double tolerance;           // of `lagging`
    indicators_table_t *table;  // values of the request, reused
};

indicators_query_t *indicators_query_new(sti_redis_t *redis, sti_catalog_store_t *store,
                                         double tolerance)
{
    assert(redis && store);
    indicators_query_t *self = (indicators_query_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->store = store;
    self->tolerance = tolerance;
    self->table = indicators_table_new();
    return self;
}

void indicators_query_destroy(indicators_query_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        indicators_table_destroy(&(*self_p)->table);
        free(*self_p);
        *self_p = NULL;
    }
}

//  --- shared helpers ---

static const sti_catalog_t *s_catalog(indicators_query_t *self, const sti_request_t *request,
                                      sti_writer_t *reply)
{
    sti_errcode_t code;
    char err[512];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->store, &code, err, sizeof err);
    if (!catalog) {
        sti_envelope_reply_error(reply, request->id, code, err, NULL, 0);
    }
    return catalog;
}

static void s_unavailable(indicators_query_t *self, const sti_request_t *request,
                          sti_writer_t *reply)
{
    char message[300];
    snprintf(message, sizeof message, "Redis cannot be read now: %s",
             sti_redis_errstr(self->redis));
    sti_writer_reset(reply);
    sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE, message, NULL, 0);
}

static void s_not_found(const sti_request_t *request, const char *what, const char *code,
                        sti_writer_t *reply)
{
    char message[160];
    snprintf(message, sizeof message, "%s '%s' is not in the catalog", what, code);
    sti_envelope_reply_error(reply, request->id, STI_ERR_NOT_FOUND, message, NULL, 0);
}

//  Writes ms since the epoch as RFC 3339 UTC with milliseconds.
static void s_write_time(sti_writer_t *w, int64_t ms)
{
    char text[128];
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&secs, &tm)) {
        sti_writer_nil(w);
        return;
    }
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    sti_writer_str(w, text);
}

static void s_write_opt(sti_writer_t *w, const char *key, bool has, double value)
{
    sti_writer_str(w, key);
    has ? sti_writer_double(w, value) : sti_writer_nil(w);
}

//  Loads an HGETALL reply of hash (indicator, org) into the table. Returns
//  the group's index.
static int s_load_hash(indicators_query_t *self, const sti_indicator_t *indicator,
                       const sti_org_unit_t *org, const redisReply *reply)
{
    int group = indicators_table_group(self->table, indicator, org);
    size_t loaded = 0;
    for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements &&
                       loaded < S_MAX_POINTS;
         i += 2) {
        const redisReply *field = reply->element[i], *data = reply->element[i + 1];
        sti_period_t period;
        char err[128];
        if (field->type != REDIS_REPLY_STRING || data->type != REDIS_REPLY_STRING ||
            sti_period_parse(field->str, field->len, &period, err, sizeof err)) {
            continue;
        }
        int at = indicators_table_value(self->table, indicator, org, &period);
        if (indicators_table_load(self->table, at, data->str, data->len, err, sizeof err)) {
            sti_warn("value %s/%s/%.*s: %s", indicator->code, org->code, (int)field->len,
                     field->str, err);
        }
        loaded++;
    }
    return group;
}

//  --- series.get ---

//  Orders value indices by period.
static const indicators_table_t *s_sort_table;
static int s_by_period(const void *a, const void *b)
{
    const indicators_value_t *va =
        indicators_table_value_at((indicators_table_t *)s_sort_table, *(const int *)a);
    const indicators_value_t *vb =
        indicators_table_value_at((indicators_table_t *)s_sort_table, *(const int *)b);
    return sti_period_compare(&va->period, &vb->period);
}

//  Writes one revision record {rev, v, origin, t, by, source, entry} as
//  {revision, value, origin, time, source, submitter}.
static void s_write_revision(sti_writer_t *w, const redisReply *item)
{
    static const sti_limits_t limits = {INDICATORS_RECORD_MAX, INDICATORS_RECORD_MAX, 16, 2};
    char err[128], origin[16] = "", by[STI_INTAKE_TEXT_MAX] = "", source[STI_INTAKE_TEXT_MAX] = "";
    int64_t rev = 0, t = -1;
    double v = 0;
    bool has_v = false;
    sti_reader_t *reader = item->type == REDIS_REPLY_STRING
                               ? sti_reader_new(item->str, item->len, &limits, err, sizeof err)
                               : NULL;
    if (reader) {
        sti_node_t root = sti_reader_root(reader);
        sti_field_error_t ferr;
        sti_map_int(root, "rev", &rev, &ferr);
        has_v = sti_map_double(root, "v", &v, &ferr) == 0;
        sti_map_str_copy(root, "origin", origin, sizeof origin, &ferr);
        sti_map_int(root, "t", &t, &ferr);
        sti_map_str_copy(root, "by", by, sizeof by, &ferr);
        sti_map_str_copy(root, "source", source, sizeof source, &ferr);
        sti_reader_destroy(&reader);
    }
    sti_writer_map(w, 6);
    sti_writer_kv_int(w, "revision", rev);
    s_write_opt(w, "value", has_v, v);
    sti_writer_kv_str(w, "origin", origin);
    sti_writer_str(w, "time");
    s_write_time(w, t);
    sti_writer_kv_str(w, "source", source);
    sti_writer_kv_str(w, "submitter", by);
}

//  Writes one point and its revisions.
static void s_write_point(sti_writer_t *w, const indicators_value_t *value,
                          const redisReply *revisions)
{
    const indicators_record_t *record = &value->record;
    const char *origin = value->indicator->formula ? "derived"
                         : record->has_r           ? "reported"
                                                   : "aggregated";
    sti_writer_map(w, 8);
    sti_writer_kv_str(w, "period", value->period_text);
    s_write_opt(w, "value", record->has_v, record->v);
    sti_writer_kv_int(w, "revision", record->rev);
    sti_writer_kv_str(w, "origin", origin);
    sti_writer_str(w, "time");
    s_write_time(w, record->t);
    sti_writer_kv_str(w, "source", record->source);
    sti_writer_kv_str(w, "submitter", record->by);
    size_t count = revisions && revisions->type == REDIS_REPLY_ARRAY ? revisions->elements : 0;
    sti_writer_str(w, "revisions");
    sti_writer_array(w, count);
    for (size_t i = 0; i < count; i++) {
        s_write_revision(w, revisions->element[i]);
    }
}

//  Reads the points' revisions in one round trip and writes the points.
static int s_write_points(indicators_query_t *self, const sti_indicator_t *indicator,
                          const sti_org_unit_t *org, int group, sti_writer_t *w)
{
    size_t count = 0, values = indicators_table_value_count(self->table);
    int *order = (int *)malloc((values ? values : 1) * sizeof *order);
    assert(order);
    for (int i = indicators_table_group_at(self->table, group)->head; i >= 0;
         i = indicators_table_value_at(self->table, i)->next_in_hash) {
        order[count++] = i;
    }
    s_sort_table = self->table;
    qsort(order, count, sizeof *order, s_by_period);
    char key[S_KEY_MAX];
    for (size_t i = 0; i < count; i++) {
        sti_redis_key(self->redis, key, sizeof key, "rev", indicator->code, org->code,
                      indicators_table_value_at(self->table, order[i])->period_text, NULL);
        sti_redis_appendf(self->redis, "LRANGE %s %d -1", key, -S_MAX_REVISIONS);
    }
    int rc = 0;
    sti_writer_str(w, "points");
    sti_writer_array(w, count);
    for (size_t i = 0; i < count; i++) {
        redisReply *revisions = sti_redis_reply(self->redis);
        rc = revisions ? rc : -1;
        s_write_point(w, indicators_table_value_at(self->table, order[i]), revisions);
        if (revisions) {
            freeReplyObject(revisions);
        }
    }
    free(order);
    return rc;
}

int indicators_series_get(indicators_query_t *self, const sti_request_t *request,
                          sti_writer_t *reply)
{
    static const char *const keys[] = {"indicator", "org", NULL};
    char code[STI_CODE_MAX], org_code[STI_CODE_MAX];
    sti_field_error_t err = {"", ""};
    const sti_catalog_t *catalog;
    if (indicators_body_check(request, keys, reply)) {
        return 0;
    }
    if (sti_map_str_copy(request->body, "indicator", code, sizeof code, &err) ||
        sti_map_str_copy(request->body, "org", org_code, sizeof org_code, &err)) {
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    if (!(catalog = s_catalog(self, request, reply))) {
        return 0;
    }
    const sti_indicator_t *indicator = sti_catalog_indicator_find(catalog, code);
    const sti_org_unit_t *org = sti_catalog_org_find(catalog, org_code);
    if (!indicator || !org) {
        s_not_found(request, indicator ? "org unit" : "indicator", indicator ? org_code : code,
                    reply);
        return 0;
    }
    char key[S_KEY_MAX];
    sti_redis_key(self->redis, key, sizeof key, "val", code, org_code, NULL);
    redisReply *hash = sti_redis_command(self->redis, "HGETALL %s", key);
    if (!hash || hash->type != REDIS_REPLY_ARRAY) {
        if (hash) {
            freeReplyObject(hash);
        }
        s_unavailable(self, request, reply);
        return 0;
    }
    indicators_table_reset(self->table);
    int group = s_load_hash(self, indicator, org, hash);
    freeReplyObject(hash);
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 4);
    sti_writer_kv_str(reply, "indicator", code);
    sti_writer_kv_str(reply, "org", org_code);
    sti_writer_kv_str(reply, "unit", indicator->unit);
    if (s_write_points(self, indicator, org, group, reply)) {
        s_unavailable(self, request, reply);
    }
    return 0;
}

//  --- progress.report ---

//  Writes one indicator's progress row.
static void s_write_progress(indicators_query_t *self, const indicators_group_t *group, int year,
                             sti_writer_t *w)
{
    const sti_indicator_t *ind = group->indicator;
    bool root = !group->org->parent[0];
    sti_progress_t progress;
    int latest;
    indicators_table_progress(self->table, group, year, self->tolerance, &progress, &latest);
    const sti_target_t *target = root ? sti_indicator_final_target(ind) : NULL;
    char period[STI_PERIOD_TEXT_MAX] = "";
    sti_period_format(&ind->baseline_period, period, sizeof period);
    sti_writer_map(w, 14);
    sti_writer_kv_str(w, "code", ind->code);
    sti_writer_kv_str(w, "name_zh", ind->name_zh);
    sti_writer_kv_str(w, "name_en", ind->name_en);
    sti_writer_kv_str(w, "unit", ind->unit);
    sti_writer_kv_str(w, "direction", sti_direction_name(ind->direction));
    s_write_opt(w, "baseline", root && ind->has_baseline, ind->baseline_value);
    sti_writer_kv_str(w, "baseline_period", root && ind->has_baseline ? period : NULL);
    const indicators_value_t *value =
        latest >= 0 ? indicators_table_value_at(self->table, latest) : NULL;
    s_write_opt(w, "latest", value != NULL, value ? value->record.v : 0);
    sti_writer_kv_str(w, "latest_period", value ? value->period_text : NULL);
    s_write_opt(w, "target", target != NULL, target ? target->value : 0);
    sti_writer_str(w, "target_year");
    target ? sti_writer_int(w, target->year) : sti_writer_nil(w);
    s_write_opt(w, "completion", progress.has_completion, progress.completion);
    s_write_opt(w, "expected_completion", progress.has_expected, progress.expected_completion);
    sti_writer_kv_str(w, "status", sti_status_name(progress.status));
}

//  Reads year and org of a progress.report. Returns 0, or -1 after replying.
static int s_progress_args(const sti_request_t *request, const sti_catalog_t *catalog,
                           int64_t *year, const sti_org_unit_t **org, sti_writer_t *reply)
{
    sti_field_error_t err = {"", ""};
    char code[STI_CODE_MAX] = "";
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    *year = tm.tm_year + 1900;
    if (plan && *year > plan->end_year) {
        *year = plan->end_year;
    }
    sti_type_t ytype = sti_node_type(sti_node_get(request->body, "year"));
    sti_type_t otype = sti_node_type(sti_node_get(request->body, "org"));
    if ((ytype != STI_TYPE_MISSING && ytype != STI_TYPE_NIL &&
         sti_map_int(request->body, "year", year, &err)) ||
        (otype != STI_TYPE_MISSING && otype != STI_TYPE_NIL &&
         sti_map_str_copy(request->body, "org", code, sizeof code, &err))) {
        sti_service_reply_invalid(reply, request, &err);
        return -1;
    }
    if (*year < STI_PERIOD_MIN_YEAR || *year > STI_PERIOD_MAX_YEAR) {
        snprintf(err.field, sizeof err.field, "year");
        snprintf(err.reason, sizeof err.reason, "must be within %d–%d", STI_PERIOD_MIN_YEAR,
                 STI_PERIOD_MAX_YEAR);
        sti_service_reply_invalid(reply, request, &err);
        return -1;
    }
    *org = code[0] ? sti_catalog_org_find(catalog, code) : sti_catalog_org_root(catalog);
    if (!*org) {
        s_not_found(request, "org unit", code, reply);
        return -1;
    }
    return 0;
}

int indicators_progress_report(indicators_query_t *self, const sti_request_t *request,
                               sti_writer_t *reply)
{
    static const char *const keys[] = {"year", "org", NULL};
    const sti_catalog_t *catalog;
    int64_t year;
    const sti_org_unit_t *org;
    if (indicators_body_check(request, keys, reply) ||
        !(catalog = s_catalog(self, request, reply)) ||
        s_progress_args(request, catalog, &year, &org, reply)) {
        return 0;
    }
    size_t count = sti_catalog_indicator_count(catalog);
    char key[S_KEY_MAX];
    for (size_t i = 0; i < count; i++) {
        sti_redis_key(self->redis, key, sizeof key, "val",
                      sti_catalog_indicator_at(catalog, i)->code, org->code, NULL);
        sti_redis_appendf(self->redis, "HGETALL %s", key);
    }
    indicators_table_reset(self->table);
    bool failed = false;
    for (size_t i = 0; i < count; i++) {
        redisReply *hash = sti_redis_reply(self->redis);
        failed = failed || !hash || hash->type != REDIS_REPLY_ARRAY;
        s_load_hash(self, sti_catalog_indicator_at(catalog, i), org, failed ? NULL : hash);
        if (hash) {
            freeReplyObject(hash);
        }
    }
    if (failed) {
        s_unavailable(self, request, reply);
        return 0;
    }
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 3);
    sti_writer_kv_int(reply, "year", year);
    sti_writer_kv_str(reply, "org", org->code);
    sti_writer_str(reply, "indicators");
    sti_writer_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        int group = indicators_table_group(self->table, sti_catalog_indicator_at(catalog, i), org);
        s_write_progress(self, indicators_table_group_at(self->table, group), (int)year, reply);
    }
    return 0;
}

//  --- snapshot.get ---

//  Writes the values of one hash HGETALL reply as snapshot entries.
//  Returns how many were written (call once to count with w NULL).
static size_t s_snapshot_hash(const char *member, size_t member_len, const redisReply *hash,
                              sti_writer_t *w)
{
    const char *colon = memchr(member, ':', member_len);
    size_t written = 0;
    if (!colon || !hash || hash->type != REDIS_REPLY_ARRAY) {
        return 0;
    }
    for (size_t i = 0; i + 1 < hash->elements; i += 2) {
        const redisReply *field = hash->element[i], *data = hash->element[i + 1];
        indicators_record_t record;
        char err[128];
        if (field->type != REDIS_REPLY_STRING || data->type != REDIS_REPLY_STRING ||
            indicators_record_decode(data->str, data->len, &record, err, sizeof err)) {
            continue;
        }
        written++;
        if (w) {
            sti_writer_map(w, 5);
            sti_writer_str(w, "indicator");
            sti_writer_strn(w, member, (size_t)(colon - member));
            sti_writer_str(w, "org");
            sti_writer_strn(w, colon + 1, member_len - (size_t)(colon - member) - 1);
            sti_writer_str(w, "period");
            sti_writer_strn(w, field->str, field->len);
            s_write_opt(w, "value", record.has_v, record.v);
            sti_writer_kv_int(w, "revision", record.rev);
        }
    }
    return written;
}

//  Reads the snapshot page's arguments. Returns 0, or -1 after replying.
static int s_snapshot_args(const sti_request_t *request, char *after, size_t cap, int64_t *limit,
                           sti_writer_t *reply)
{
    sti_field_error_t err = {"", ""};
    sti_type_t atype = sti_node_type(sti_node_get(request->body, "after"));
    sti_type_t ltype = sti_node_type(sti_node_get(request->body, "limit"));
    after[0] = 0;
    *limit = S_SNAPSHOT_LIMIT;
    if ((atype != STI_TYPE_MISSING && atype != STI_TYPE_NIL &&
         sti_map_str_copy(request->body, "after", after, cap, &err)) ||
        (ltype != STI_TYPE_MISSING && ltype != STI_TYPE_NIL &&
         sti_map_int(request->body, "limit", limit, &err))) {
        sti_service_reply_invalid(reply, request, &err);
        return -1;
    }
    if (*limit < 1 || *limit > S_SNAPSHOT_MAX) {
        snprintf(err.field, sizeof err.field, "limit");
        snprintf(err.reason, sizeof err.reason, "must be within 1–%d", S_SNAPSHOT_MAX);
        sti_service_reply_invalid(reply, request, &err);
        return -1;
    }
    return 0;
}

//  Writes the snapshot page: {seq, values, next}.
static void s_snapshot_write(const redisReply *seq, const redisReply *members, redisReply **hashes,
                             size_t total, int64_t limit, sti_writer_t *reply)
{
    size_t count = members->elements;
    sti_writer_map(reply, 3);
    sti_writer_str(reply, "seq");
    sti_writer_uint(reply, seq->type == REDIS_REPLY_STRING ? strtoull(seq->str, NULL, 10) : 0);
    sti_writer_str(reply, "values");
    sti_writer_array(reply, total);
    for (size_t i = 0; i < count; i++) {
        const redisReply *m = members->element[i];
        if (m->type == REDIS_REPLY_STRING) {
            s_snapshot_hash(m->str, m->len, hashes[i], reply);
        }
    }
    const redisReply *last = count ? members->element[count - 1] : NULL;
    sti_writer_str(reply, "next");
    if ((int64_t)count == limit && last && last->type == REDIS_REPLY_STRING) {
        sti_writer_strn(reply, last->str, last->len);
    } else {
        sti_writer_nil(reply);
    }
}

//  Reads the HGETALL of every member in one round trip into hashes (each
//  freed by the caller). Returns the number of values, or -1 on failure.
static int64_t s_snapshot_read(indicators_query_t *self, const redisReply *members,
                               redisReply **hashes)
{
    char key[S_KEY_MAX];
    size_t count = members->elements;
    for (size_t i = 0; i < count; i++) {
        const redisReply *m = members->element[i];
        snprintf(key, sizeof key, "%s:val:%.*s", sti_redis_namespace(self->redis),
                 m->type == REDIS_REPLY_STRING ? (int)m->len : 0,
                 m->type == REDIS_REPLY_STRING ? m->str : "");
        sti_redis_appendf(self->redis, "HGETALL %s", key);
    }
    int64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        hashes[i] = sti_redis_reply(self->redis);
        const redisReply *m = members->element[i];
        if (!hashes[i]) {
            total = -1;
        } else if (total >= 0 && m->type == REDIS_REPLY_STRING) {
            total += (int64_t)s_snapshot_hash(m->str, m->len, hashes[i], NULL);
        }
    }
    return total;
}

int indicators_snapshot_get(indicators_query_t *self, const sti_request_t *request,
                            sti_writer_t *reply)
{
    static const char *const keys[] = {"after", "limit", NULL};
    char after[2 * STI_CODE_MAX + 2], start[2 * STI_CODE_MAX + 3], index[S_KEY_MAX],
        seq_key[S_KEY_MAX];
    int64_t limit;
    if (indicators_body_check(request, keys, reply) ||
        s_snapshot_args(request, after, sizeof after, &limit, reply)) {
        return 0;
    }
    snprintf(start, sizeof start, "%s%s", after[0] ? "(" : "-", after);
    sti_redis_key(self->redis, index, sizeof index, "vals", NULL);
    sti_redis_key(self->redis, seq_key, sizeof seq_key, "events", "ind", "seq", NULL);
    redisReply *seq = sti_redis_command(self->redis, "GET %s", seq_key);
    redisReply *members = sti_redis_command(self->redis, "ZRANGEBYLEX %s %s + LIMIT 0 %lld", index,
                                            start, (long long)limit);
    bool good = seq && (seq->type == REDIS_REPLY_STRING || seq->type == REDIS_REPLY_NIL) &&
                members && members->type == REDIS_REPLY_ARRAY;
    size_t count = good ? members->elements : 0;
    redisReply **hashes = (redisReply **)calloc(count ? count : 1, sizeof *hashes);
    assert(hashes);
    int64_t total = good ? s_snapshot_read(self, members, hashes) : -1;
    if (total < 0) {
        s_unavailable(self, request, reply);
    } else {
        sti_envelope_reply_ok(reply, request->id);
        s_snapshot_write(seq, members, hashes, (size_t)total, limit, reply);
    }
    for (size_t i = 0; i < count; i++) {
        if (hashes[i]) {
            freeReplyObject(hashes[i]);
        }
    }
    free(hashes);
    if (seq) {
        freeReplyObject(seq);
    }
    if (members) {
        freeReplyObject(members);
    }
    return 0;
}
