/*  talent_query: the reading ops of sti.talent: talent.search,
    talent.export, talent.stats and talent.audit. See talent_ops.h.

    Search and export are one page at a time: talent_search.lua picks the
    ids (in id order, after the cursor), then each record is read, opened,
    masked and its read audited. The cost of a filtered page grows with the
    number of records that match the filters (SINTER), not with the size of
    the registry; an unfiltered page is one ZRANGEBYSCORE.
*/
#include "talent_ops.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"

#define S_FILTERS 6 // category, field, channel, overseas, status, employer

//  A search as its body asks it.
typedef struct {
    char tokens[S_FILTERS][TALENT_EMPLOYER_NAME_MAX + 16]; // index tokens that must match
    size_t count;                                          // tokens used
    char name[TALENT_PERSON_NAME_MAX + 1];                 // name prefix, or ""
    int64_t cursor;                                        // after this id number
    int64_t limit;                                         // page size
} s_search_t;

//  Reads a code filter of the body into a token. Returns 0, or -1 with errors added.
static int s_code_filter(const talent_codes_t *codes, sti_node_t body, const char *key,
                         talent_code_kind_t kind, s_search_t *search, talent_errors_t *errors)
{
    sti_node_t node = sti_node_get(body, key);
    char code[TALENT_CODE_MAX + 1];
    if (sti_node_is_missing(node)) {
        return 0;
    }
    if (talent_decode_code(node, key, codes, kind, code, errors) != 0) {
        return -1;
    }
    snprintf(search->tokens[search->count++], sizeof search->tokens[0], "%s:%s", key, code);
    return 0;
}

//  Reads the search body. Returns 0, or -1 with errors.
static int s_read_search(const talent_codes_t *codes, sti_node_t body, int64_t page_max,
                         s_search_t *search, talent_errors_t *errors)
{
    static const char *const keys[] = {"category", "field",  "channel", "overseas", "status",
                                       "employer", "name",   "cursor",  "limit",    NULL};
    static const char *const statuses[] = {"active", "left", NULL};
    memset(search, 0, sizeof *search);
    talent_errors_clear(errors);
    search->limit = page_max < 20 ? page_max : 20;
    sti_field_error_t err = {"body", ""};
    if (sti_node_is_missing(body) || sti_node_type(body) == STI_TYPE_NIL) {
        return 0;
    }
    if (sti_node_type(body) != STI_TYPE_MAP || sti_map_only(body, keys, &err) != 0) {
        talent_errors_add(errors, err.field, "%s", err.reason[0] ? err.reason : "must be a map");
        return -1;
    }
    s_code_filter(codes, body, "category", TALENT_LEVEL, search, errors);
    s_code_filter(codes, body, "field", TALENT_FIELD, search, errors);
    s_code_filter(codes, body, "channel", TALENT_CHANNEL, search, errors);
    sti_node_t node = sti_node_get(body, "overseas");
    bool overseas;
    if (!sti_node_is_missing(node)) {
        if (sti_node_bool(node, &overseas, &err) != 0) {
            talent_errors_add(errors, "overseas", "%s", err.reason);
        } else {
            snprintf(search->tokens[search->count++], sizeof search->tokens[0], "overseas:%d",
                     overseas ? 1 : 0);
        }
    }
    int status;
    node = sti_node_get(body, "status");
    if (!sti_node_is_missing(node) &&
        talent_decode_enum(node, "status", statuses, "active, left", &status, errors) == 0) {
        snprintf(search->tokens[search->count++], sizeof search->tokens[0], "status:%s",
                 statuses[status]);
    }
    char employer[TALENT_EMPLOYER_NAME_MAX + 1];
    node = sti_node_get(body, "employer");
    if (!sti_node_is_missing(node) &&
        talent_decode_text(node, "employer", employer, sizeof employer, 1, false, errors) == 0) {
        snprintf(search->tokens[search->count++], sizeof search->tokens[0], "employer:%s",
                 employer);
    }
    node = sti_node_get(body, "name");
    if (!sti_node_is_missing(node)) {
        talent_decode_text(node, "name", search->name, sizeof search->name, 1, false, errors);
    }
    if (!sti_node_is_missing(sti_node_get(body, "cursor")) &&
        (sti_map_int(body, "cursor", &search->cursor, &err) != 0 || search->cursor < 0)) {
        talent_errors_add(errors, "cursor", "%s",
                          err.reason[0] ? err.reason : "must be the next of a previous page");
    }
    err.reason[0] = 0;
    if (!sti_node_is_missing(sti_node_get(body, "limit")) &&
        (sti_map_int(body, "limit", &search->limit, &err) != 0 || search->limit < 1 ||
         search->limit > page_max)) {
        talent_errors_add(errors, "limit", "must be from 1 to %" PRId64, page_max);
    }
    return errors->count ? -1 : 0;
}

//  Runs the search script. Returns its reply (caller frees) or NULL.
static redisReply *s_find(talent_ops_t *self, const s_search_t *search)
{
    talent_store_t *store = talent_ops_store(self);
    char keys[S_FILTERS + 2][512], cursor[24], limit[24];
    const char *argv[S_FILTERS + 5];
    size_t lens[S_FILTERS + 5];
    talent_store_key(store, keys[0], sizeof keys[0], "all", NULL);
    talent_store_key(store, keys[1], sizeof keys[1], "names", NULL);
    for (size_t i = 0; i < search->count; i++) {
        talent_store_key(store, keys[2 + i], sizeof keys[2 + i], "idx", search->tokens[i]);
    }
    size_t nkeys = 2 + search->count;
    for (size_t i = 0; i < nkeys; i++) {
        argv[i] = keys[i];
    }
    snprintf(cursor, sizeof cursor, "%" PRId64, search->cursor);
    snprintf(limit, sizeof limit, "%" PRId64, search->limit);
    argv[nkeys] = cursor;
    argv[nkeys + 1] = limit;
    argv[nkeys + 2] = search->name;
    for (size_t i = 0; i < nkeys + 3; i++) {
        lens[i] = strlen(argv[i]);
    }
    return sti_redis_eval(talent_store_redis(store), talent_ops_search_script(self), (int)nkeys, 3,
                          argv, lens);
}

//  Answers a page: reads, audits and masks each record found.
static void s_page(talent_ops_t *self, const sti_request_t *request, const redisReply *found,
                   sti_writer_t *reply)
{
    talent_store_t *store = talent_ops_store(self);
    const redisReply *ids = found->element[1];
    const char *read_ids[TALENT_EXPORT_MAX];
    size_t count = 0;
    sti_writer_t *talents = sti_writer_new();
    talent_record_t *record = (talent_record_t *)calloc(1, sizeof *record);
    assert(record);
    for (size_t i = 0; i < ids->elements && count < TALENT_EXPORT_MAX; i++) {
        int64_t version;
        char err[256];
        if (ids->element[i]->type != REDIS_REPLY_STRING ||
            talent_store_read(store, ids->element[i]->str, record, &version, err, sizeof err) !=
                TALENT_STORE_OK) {
            continue; // removed since the search, or damaged (logged by the store)
        }
        talent_record_encode_masked(record, ids->element[i]->str, version, talents);
        talent_store_wipe(record);
        read_ids[count++] = ids->element[i]->str;
    }
    free(record);
    talent_actor_t actor = talent_ops_actor(self, request->op, request->id);
    sti_writer_reset(reply);
    if (talent_store_audit_reads(store, read_ids, count, &actor) != 0) {
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                                 "the reads cannot be written to the audit log now", NULL, 0);
    } else {
        size_t size;
        const void *data = sti_writer_data(talents, &size);
        sti_envelope_reply_ok(reply, request->id);
        sti_writer_map(reply, 2);
        sti_writer_str(reply, "talents");
        sti_writer_array(reply, count);
        sti_writer_raw(reply, data, size);
        sti_writer_str(reply, "next");
        if (found->element[0]->integer > 0) {
            sti_writer_int(reply, found->element[0]->integer);
        } else {
            sti_writer_nil(reply);
        }
    }
    sti_writer_destroy(&talents);
}

static int s_search(talent_ops_t *self, const sti_request_t *request, sti_writer_t *reply,
                    int64_t page_max)
{
    s_search_t search;
    talent_errors_t errors;
    if (s_read_search(talent_store_codes(talent_ops_store(self)), request->body, page_max, &search,
                      &errors) != 0) {
        talent_ops_reply_errors(reply, request, &errors);
        return 0;
    }
    redisReply *found = s_find(self, &search);
    if (!found || found->type != REDIS_REPLY_ARRAY || found->elements != 2 ||
        found->element[0]->type != REDIS_REPLY_INTEGER ||
        found->element[1]->type != REDIS_REPLY_ARRAY) {
        sti_writer_reset(reply);
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                                 "the registry cannot be searched now", NULL, 0);
    } else {
        s_page(self, request, found, reply);
    }
    if (found) {
        freeReplyObject(found);
    }
    return 0;
}

int talent_ops_search(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    return s_search((talent_ops_t *)ctx, request, reply, TALENT_PAGE_MAX);
}

int talent_ops_export(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    return s_search((talent_ops_t *)ctx, request, reply, TALENT_EXPORT_MAX);
}

//  The count of token in the stats reply (HGETALL), 0 when absent.
static int64_t s_stat(const redisReply *stats, const char *token)
{
    for (size_t i = 0; i + 1 < stats->elements; i += 2) {
        if (strcmp(stats->element[i]->str, token) == 0) {
            return strtoll(stats->element[i + 1]->str, NULL, 10);
        }
    }
    return 0;
}

//  Writes "by_<name>": {code: count} for every code of a list.
static void s_stats_codes(sti_writer_t *reply, const talent_codes_t *codes,
                          talent_code_kind_t kind, const char *prefix, const redisReply *stats)
{
    char key[48], token[80];
    snprintf(key, sizeof key, "by_%s", prefix);
    sti_writer_str(reply, key);
    sti_writer_map(reply, talent_codes_count(codes, kind));
    for (size_t i = 0; i < talent_codes_count(codes, kind); i++) {
        const char *code = talent_codes_at(codes, kind, i)->code;
        snprintf(token, sizeof token, "%s:%s", prefix, code);
        sti_writer_kv_int(reply, code, s_stat(stats, token));
    }
}

//  Writes "by_year": {year: count} for the years that have talents.
static void s_stats_years(sti_writer_t *reply, const redisReply *stats)
{
    size_t years = 0;
    for (size_t i = 0; i + 1 < stats->elements; i += 2) {
        years += strncmp(stats->element[i]->str, "year:", 5) == 0 &&
                 strtoll(stats->element[i + 1]->str, NULL, 10) > 0;
    }
    sti_writer_str(reply, "by_year");
    sti_writer_map(reply, years);
    for (size_t i = 0; i + 1 < stats->elements; i += 2) {
        if (strncmp(stats->element[i]->str, "year:", 5) == 0 &&
            strtoll(stats->element[i + 1]->str, NULL, 10) > 0) {
            sti_writer_kv_int(reply, stats->element[i]->str + 5,
                              strtoll(stats->element[i + 1]->str, NULL, 10));
        }
    }
}

int talent_ops_stats(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx)
{
    (void)service;
    talent_store_t *store = talent_ops_store((talent_ops_t *)ctx);
    const talent_codes_t *codes = talent_store_codes(store);
    if (!sti_node_is_missing(request->body) && sti_node_type(request->body) != STI_TYPE_NIL &&
        (sti_node_type(request->body) != STI_TYPE_MAP || sti_node_size(request->body) != 0)) {
        sti_field_error_t err = {"body", "must be empty: talent.stats takes no arguments"};
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    char key[256];
    talent_store_key(store, key, sizeof key, "stats", NULL);
    const char *argv[] = {"HGETALL", key};
    redisReply *stats = sti_redis_argv_retry(talent_store_redis(store), 2, argv, NULL);
    sti_writer_reset(reply);
    bool good = stats && stats->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; good && i < stats->elements; i++) {
        good = stats->element[i]->type == REDIS_REPLY_STRING;
    }
    talent_rekey_count_t keys;
    char err[256];
    good = good && talent_rekey_count(talent_ops_rekeyer((talent_ops_t *)ctx), &keys, err,
                                      sizeof err) == 0;
    if (!good) {
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                                 "the registry's counts cannot be read now", NULL, 0);
    } else {
        int64_t active = s_stat(stats, "status:active"), left = s_stat(stats, "status:left");
        sti_envelope_reply_ok(reply, request->id);
        sti_writer_map(reply, 8);
        sti_writer_kv_int(reply, "total", active + left);
        s_stats_codes(reply, codes, TALENT_LEVEL, "category", stats);
        s_stats_codes(reply, codes, TALENT_FIELD, "field", stats);
        s_stats_codes(reply, codes, TALENT_CHANNEL, "channel", stats);
        sti_writer_str(reply, "by_overseas");
        sti_writer_map(reply, 2);
        sti_writer_kv_int(reply, "true", s_stat(stats, "overseas:1"));
        sti_writer_kv_int(reply, "false", s_stat(stats, "overseas:0"));
        sti_writer_str(reply, "by_status");
        sti_writer_map(reply, 2);
        sti_writer_kv_int(reply, "active", active);
        sti_writer_kv_int(reply, "left", left);
        s_stats_years(reply, stats);
        sti_writer_str(reply, "keys");
        sti_writer_map(reply, 3);
        sti_writer_kv_int(reply, "current", talent_crypto_key_id(talent_store_crypto(store)));
        sti_writer_kv_int(reply, "old", keys.old);
        sti_writer_kv_int(reply, "unknown", keys.unknown);
    }
    if (stats) {
        freeReplyObject(stats);
    }
    return 0;
}

//  Writes one audit entry [id, [field, value, ...]] as {at, time, op, who,
//  request, key, reason} (key and reason nil when the entry has none).
static void s_audit_entry(sti_writer_t *writer, const redisReply *entry)
{
    const redisReply *fields = entry->element[1];
    const char *names[] = {"time", "op", "who", "request", "key", "reason"};
    sti_writer_map(writer, 7);
    sti_writer_kv_str(writer, "at", entry->element[0]->str);
    for (int n = 0; n < 6; n++) {
        const char *value = NULL;
        for (size_t i = 0; i + 1 < fields->elements; i += 2) {
            if (fields->element[i]->type == REDIS_REPLY_STRING &&
                fields->element[i + 1]->type == REDIS_REPLY_STRING &&
                strcmp(fields->element[i]->str, names[n]) == 0) {
                value = fields->element[i + 1]->str;
            }
        }
        if (n == 0) {
            sti_writer_kv_int(writer, "time", value ? strtoll(value, NULL, 10) : 0);
        } else {
            sti_writer_kv_str(writer, names[n], n < 4 && !value ? "" : value);
        }
    }
}

//  True when an XRANGE reply is a well-formed list of entries.
static bool s_entries_valid(const redisReply *reply)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        return false;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY) {
            return false;
        }
    }
    return true;
}

int talent_ops_audit(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx)
{
    (void)service;
    static const char *const keys[] = {"id", "cursor", "limit", NULL};
    talent_store_t *store = talent_ops_store((talent_ops_t *)ctx);
    char id[TALENT_REGISTRY_ID_MAX + 1], cursor[64] = "-", key[256], count[24];
    int64_t limit = 100;
    sti_field_error_t err = {"body", ""};
    if (sti_node_type(request->body) != STI_TYPE_MAP || sti_map_only(request->body, keys, &err)) {
        snprintf(err.reason, sizeof err.reason, "must be a map {id, cursor?, limit?}");
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    if (talent_ops_read_id(request, request->body, "id", id, reply)) {
        return 0;
    }
    if (!sti_node_is_missing(sti_node_get(request->body, "cursor"))) {
        char after[40];
        if (sti_map_str_copy(request->body, "cursor", after, sizeof after, &err) != 0 ||
            strspn(after, "0123456789-") != strlen(after) || !after[0]) {
            snprintf(err.reason, sizeof err.reason, "must be the next of a previous page");
            sti_service_reply_invalid(reply, request, &err);
            return 0;
        }
        snprintf(cursor, sizeof cursor, "(%s", after);
    }
    if (!sti_node_is_missing(sti_node_get(request->body, "limit")) &&
        (sti_map_int(request->body, "limit", &limit, &err) != 0 || limit < 1 || limit > 1000)) {
        snprintf(err.field, sizeof err.field, "limit");
        snprintf(err.reason, sizeof err.reason, "must be from 1 to 1000");
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    talent_store_key(store, key, sizeof key, "audit", id);
    snprintf(count, sizeof count, "%" PRId64, limit + 1);
    const char *argv[] = {"XRANGE", key, cursor, "+", "COUNT", count};
    redisReply *entries = sti_redis_argv_retry(talent_store_redis(store), 6, argv, NULL);
    sti_writer_reset(reply);
    if (!s_entries_valid(entries)) {
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                                 "the audit log cannot be read now", NULL, 0);
    } else if (entries->elements == 0 && strcmp(cursor, "-") == 0) {
        char message[96];
        snprintf(message, sizeof message, "no audit entries for %s", id);
        sti_envelope_reply_error(reply, request->id, STI_ERR_NOT_FOUND, message, NULL, 0);
    } else {
        size_t shown = entries->elements > (size_t)limit ? (size_t)limit : entries->elements;
        sti_envelope_reply_ok(reply, request->id);
        sti_writer_map(reply, 3);
        sti_writer_kv_str(reply, "id", id);
        sti_writer_str(reply, "entries");
        sti_writer_array(reply, shown);
        for (size_t i = 0; i < shown; i++) {
            s_audit_entry(reply, entries->element[i]);
        }
        sti_writer_str(reply, "next");
        sti_writer_str(reply, entries->elements > shown
                                  ? entries->element[shown - 1]->element[0]->str
                                  : NULL);
    }
    if (entries) {
        freeReplyObject(entries);
    }
    return 0;
}
