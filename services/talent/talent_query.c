/*  talent_query: the reading ops of sti.talent. See talent_query.h.

    The frame checked each body's shape; a search's content (codes of the
    plan, status, text) is checked here, every problem reported at once.
*/
#include "talent_query.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_reply.h"

struct _talent_query_t {
    talent_store_t *store;         // borrowed
    talent_lookup_store_t *lookup; // borrowed
    talent_rekey_t *rekey;         // borrowed: the key counts of talent.stats
};

talent_query_t *talent_query_new(talent_store_t *store, talent_lookup_store_t *lookup,
                                 talent_rekey_t *rekey)
{
    assert(store && lookup && rekey);
    talent_query_t *self = (talent_query_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->lookup = lookup;
    self->rekey = rekey;
    return self;
}

void talent_query_destroy(talent_query_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  --- search and export ---

//  Adds a code filter of the body as a token. Returns 0, or -1 with errors added.
static int s_code_filter(const talent_codes_t *codes, sti_node_t body, const char *key,
                         talent_code_kind_t kind, talent_search_t *search, talent_errors_t *errors)
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

//  Reads the text filters and the page of the body.
static void s_read_page(sti_node_t body, int64_t page_max, talent_search_t *search,
                        talent_errors_t *errors)
{
    sti_field_error_t err;
    bool overseas;
    if (sti_node_bool(sti_node_get(body, "overseas"), &overseas, &err) == 0) {
        snprintf(search->tokens[search->count++], sizeof search->tokens[0], "overseas:%d",
                 overseas ? 1 : 0);
    }
    char employer[TALENT_EMPLOYER_NAME_MAX + 1];
    sti_node_t node = sti_node_get(body, "employer");
    if (!sti_node_is_missing(node) &&
        talent_decode_text(node, "employer", employer, sizeof employer, 1, false, errors) == 0) {
        snprintf(search->tokens[search->count++], sizeof search->tokens[0], "employer:%s",
                 employer);
    }
    node = sti_node_get(body, "name");
    if (!sti_node_is_missing(node)) {
        talent_decode_text(node, "name", search->name, sizeof search->name, 1, false, errors);
    }
    search->limit = page_max < 20 ? page_max : 20;
    if (!sti_node_is_missing(sti_node_get(body, "cursor"))) {
        sti_map_int(body, "cursor", &search->cursor, &err);
    }
    if (!sti_node_is_missing(sti_node_get(body, "limit"))) {
        sti_map_int(body, "limit", &search->limit, &err);
    }
}

//  Reads the search body (its shape checked by the declaration). Returns 0,
//  or -1 with errors.
static int s_read_search(const talent_codes_t *codes, sti_node_t body, int64_t page_max,
                         talent_search_t *search, talent_errors_t *errors)
{
    static const char *const statuses[] = {"active", "left", NULL};
    memset(search, 0, sizeof *search);
    talent_errors_clear(errors);
    s_code_filter(codes, body, "category", TALENT_LEVEL, search, errors);
    s_code_filter(codes, body, "field", TALENT_FIELD, search, errors);
    s_code_filter(codes, body, "channel", TALENT_CHANNEL, search, errors);
    int status;
    sti_node_t node = sti_node_get(body, "status");
    if (!sti_node_is_missing(node) &&
        talent_decode_enum(node, "status", statuses, "active, left", &status, errors) == 0) {
        snprintf(search->tokens[search->count++], sizeof search->tokens[0], "status:%s",
                 statuses[status]);
    }
    s_read_page(body, page_max, search, errors);
    return errors->count ? -1 : 0;
}

//  Answers a page: reads, masks and audits each record found.
static void s_page(talent_query_t *self, const sti_call_t *call,
                   char (*ids)[TALENT_REGISTRY_ID_MAX + 1], size_t found, int64_t next)
{
    const char **read_ids = (const char **)calloc(found + 1, sizeof *read_ids);
    assert(read_ids);
    size_t count = 0;
    sti_writer_t *talents = sti_writer_new();
    talent_record_t *record = (talent_record_t *)calloc(1, sizeof *record);
    assert(record);
    for (size_t i = 0; i < found; i++) {
        int64_t version;
        char err[256];
        if (talent_store_read(self->store, ids[i], record, &version, err, sizeof err) !=
            TALENT_STORE_OK) {
            continue; // removed since the search, or damaged (logged by the store)
        }
        talent_record_encode_masked(record, ids[i], version, talents);
        talent_record_wipe(record);
        read_ids[count++] = ids[i];
    }
    free(record);
    talent_actor_t actor = talent_reply_actor(call);
    if (talent_store_audit_reads(self->store, read_ids, count, &actor) != 0) {
        talent_reply_error(call, STI_ERR_UNAVAILABLE,
                           "the reads cannot be written to the audit log now");
    } else {
        size_t size;
        const void *data = sti_writer_data(talents, &size);
        sti_writer_t *reply = call->reply;
        sti_writer_reset(reply);
        sti_envelope_reply_ok(reply, call->request->id);
        sti_writer_map(reply, 2);
        sti_writer_str(reply, "talents");
        sti_writer_array(reply, count);
        sti_writer_raw(reply, data, size);
        sti_writer_str(reply, "next");
        if (next > 0) {
            sti_writer_int(reply, next);
        } else {
            sti_writer_nil(reply);
        }
    }
    sti_writer_destroy(&talents);
    free(read_ids);
}

static int s_search(talent_query_t *self, const sti_call_t *call, int64_t page_max)
{
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    if (!codes) {
        return 0;
    }
    talent_search_t search;
    talent_errors_t errors;
    if (s_read_search(codes, call->request->body, page_max, &search, &errors) != 0) {
        talent_reply_errors(call, &errors);
        return 0;
    }
    char(*ids)[TALENT_REGISTRY_ID_MAX + 1] = calloc((size_t)search.limit, sizeof *ids);
    assert(ids);
    size_t found = 0;
    int64_t next = 0;
    char err[256];
    if (talent_lookup_store_search(self->lookup, &search, ids, &found, &next, err, sizeof err) !=
        0) {
        talent_reply_error(call, STI_ERR_UNAVAILABLE, "the registry cannot be searched now");
    } else {
        s_page(self, call, ids, found, next);
    }
    free(ids);
    return 0;
}

//  talent.search.
static int s_talent_search(void *object, const sti_call_t *call)
{
    return s_search((talent_query_t *)object, call, TALENT_PAGE_MAX);
}

//  talent.export: as talent.search, with larger pages.
static int s_talent_export(void *object, const sti_call_t *call)
{
    return s_search((talent_query_t *)object, call, TALENT_EXPORT_MAX);
}

//  --- stats ---

//  Writes "by_<name>": {code: count} for every code of a list.
static void s_stats_codes(sti_writer_t *reply, const talent_codes_t *codes, talent_code_kind_t kind,
                          const char *prefix, const talent_stats_t *stats)
{
    char key[48], token[80];
    snprintf(key, sizeof key, "by_%s", prefix);
    sti_writer_str(reply, key);
    sti_writer_map(reply, talent_codes_count(codes, kind));
    for (size_t i = 0; i < talent_codes_count(codes, kind); i++) {
        const char *code = talent_codes_at(codes, kind, i)->code;
        snprintf(token, sizeof token, "%s:%s", prefix, code);
        sti_writer_kv_int(reply, code, talent_lookup_store_stat(stats, token));
    }
}

//  Writes "by_year": {year: count} for the years that have talents.
static void s_stats_years(sti_writer_t *reply, const talent_stats_t *stats)
{
    size_t years = 0;
    for (size_t i = 0; i < stats->count; i++) {
        years += strncmp(stats->items[i].token, "year:", 5) == 0 && stats->items[i].count > 0;
    }
    sti_writer_str(reply, "by_year");
    sti_writer_map(reply, years);
    for (size_t i = 0; i < stats->count; i++) {
        if (strncmp(stats->items[i].token, "year:", 5) == 0 && stats->items[i].count > 0) {
            sti_writer_kv_int(reply, stats->items[i].token + 5, stats->items[i].count);
        }
    }
}

//  Writes the stats reply body.
static void s_stats_body(talent_query_t *self, sti_writer_t *reply, const talent_codes_t *codes,
                         const talent_stats_t *stats, const talent_rekey_count_t *keys)
{
    int64_t active = talent_lookup_store_stat(stats, "status:active");
    int64_t left = talent_lookup_store_stat(stats, "status:left");
    sti_writer_map(reply, 8);
    sti_writer_kv_int(reply, "total", active + left);
    s_stats_codes(reply, codes, TALENT_LEVEL, "category", stats);
    s_stats_codes(reply, codes, TALENT_FIELD, "field", stats);
    s_stats_codes(reply, codes, TALENT_CHANNEL, "channel", stats);
    sti_writer_str(reply, "by_overseas");
    sti_writer_map(reply, 2);
    sti_writer_kv_int(reply, "true", talent_lookup_store_stat(stats, "overseas:1"));
    sti_writer_kv_int(reply, "false", talent_lookup_store_stat(stats, "overseas:0"));
    sti_writer_str(reply, "by_status");
    sti_writer_map(reply, 2);
    sti_writer_kv_int(reply, "active", active);
    sti_writer_kv_int(reply, "left", left);
    s_stats_years(reply, stats);
    sti_writer_str(reply, "keys");
    sti_writer_map(reply, 3);
    sti_writer_kv_int(reply, "current", talent_crypto_key_id(talent_store_crypto(self->store)));
    sti_writer_kv_int(reply, "old", keys->old);
    sti_writer_kv_int(reply, "unknown", keys->unknown);
}

//  talent.stats: counts only, no personal data.
static int s_talent_stats(void *object, const sti_call_t *call)
{
    talent_query_t *self = (talent_query_t *)object;
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    if (!codes) {
        return 0;
    }
    talent_stats_t *stats = (talent_stats_t *)calloc(1, sizeof *stats);
    assert(stats);
    talent_rekey_count_t keys;
    char err[256];
    if (talent_lookup_store_stats(self->lookup, stats, err, sizeof err) != 0 ||
        talent_rekey_count(self->rekey, &keys, err, sizeof err) != 0) {
        talent_reply_error(call, STI_ERR_UNAVAILABLE, "the registry's counts cannot be read now");
    } else {
        sti_writer_reset(call->reply);
        sti_envelope_reply_ok(call->reply, call->request->id);
        s_stats_body(self, call->reply, codes, stats, &keys);
    }
    free(stats);
    return 0;
}

//  --- the audit log ---

//  Writes one audit entry as {at, time, op, who, request, key, reason}.
static void s_audit_entry(sti_writer_t *writer, const talent_audit_entry_t *entry)
{
    sti_writer_map(writer, 7);
    sti_writer_kv_str(writer, "at", entry->at);
    sti_writer_kv_int(writer, "time", entry->time);
    sti_writer_kv_str(writer, "op", entry->op);
    sti_writer_kv_str(writer, "who", entry->who);
    sti_writer_kv_str(writer, "request", entry->request);
    sti_writer_kv_str(writer, "key", entry->has_key ? entry->key : NULL);
    sti_writer_kv_str(writer, "reason", entry->has_reason ? entry->reason : NULL);
}

//  Reads body.cursor, the `next` of a previous page, into after ("" when
//  absent). Returns 0, or -1 after writing the reply.
static int s_audit_cursor(const sti_call_t *call, char after[40])
{
    sti_field_error_t err = {"cursor", ""};
    after[0] = 0;
    if (sti_node_is_missing(sti_node_get(call->request->body, "cursor"))) {
        return 0;
    }
    if (sti_map_str_copy(call->request->body, "cursor", after, 40, &err) == 0 &&
        strspn(after, "0123456789-") == strlen(after)) {
        return 0;
    }
    snprintf(err.field, sizeof err.field, "cursor");
    snprintf(err.reason, sizeof err.reason, "must be the next of a previous page");
    sti_writer_reset(call->reply);
    sti_envelope_reply_invalid(call->reply, call->request->id, &err);
    return -1;
}

//  Writes the ok reply of an audit page: at most limit of the entries.
static void s_audit_page(const sti_call_t *call, const char *id,
                         const talent_audit_entry_t *entries, size_t count, int64_t limit)
{
    size_t shown = count > (size_t)limit ? (size_t)limit : count;
    sti_writer_t *reply = call->reply;
    sti_writer_reset(reply);
    sti_envelope_reply_ok(reply, call->request->id);
    sti_writer_map(reply, 3);
    sti_writer_kv_str(reply, "id", id);
    sti_writer_str(reply, "entries");
    sti_writer_array(reply, shown);
    for (size_t i = 0; i < shown; i++) {
        s_audit_entry(reply, &entries[i]);
    }
    sti_writer_str(reply, "next");
    sti_writer_str(reply, count > shown ? entries[shown - 1].at : NULL);
}

//  talent.audit: a record's audit log, a page at a time.
static int s_talent_audit(void *object, const sti_call_t *call)
{
    talent_query_t *self = (talent_query_t *)object;
    char id[TALENT_REGISTRY_ID_MAX + 1], after[40];
    int64_t limit = 100;
    sti_field_error_t err;
    if (talent_reply_id(call, call->request->body, "id", id) || s_audit_cursor(call, after)) {
        return 0;
    }
    if (!sti_node_is_missing(sti_node_get(call->request->body, "limit"))) {
        sti_map_int(call->request->body, "limit", &limit, &err);
    }
    size_t count = 0;
    char why[256];
    talent_audit_entry_t *entries = talent_lookup_store_audit(
        self->lookup, id, after[0] ? after : NULL, limit, &count, why, sizeof why);
    if (!entries) {
        talent_reply_error(call, STI_ERR_UNAVAILABLE, "the audit log cannot be read now");
    } else if (count == 0 && !after[0]) {
        char message[96];
        snprintf(message, sizeof message, "no audit entries for %s", id);
        talent_reply_error(call, STI_ERR_NOT_FOUND, message);
    } else {
        s_audit_page(call, id, entries, count, limit);
    }
    free(entries);
    return 0;
}

//  events.since on the stream tal.
static int s_events_since(void *object, const sti_call_t *call)
{
    talent_query_t *self = (talent_query_t *)object;
    talent_lookup_store_events_since(self->lookup, call->request, call->reply);
    return 0;
}

//  --- the declarations ---

//  The keys of a search; LIMIT is the largest page.
// clang-format off
#define S_SEARCH_KEYS(LIMIT)                                                                       \
    {"category", STI_ARG_STR, STI_OPTIONAL, 0, 0, NULL, "a level code of the plan's talent.json"}, \
    {"field", STI_ARG_STR, STI_OPTIONAL, 0, 0, NULL, "a field code of the plan's talent.json"},    \
    {"channel", STI_ARG_STR, STI_OPTIONAL, 0, 0, NULL, "a channel code of the plan's talent.json"},\
    {"overseas", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL, "overseas returnees, or not"},            \
    {"status", STI_ARG_STR, STI_OPTIONAL, 0, 0, NULL, "active or left"},                           \
    {"employer", STI_ARG_STR, STI_OPTIONAL, 1, TALENT_EMPLOYER_NAME_MAX, NULL,                     \
     "the employer's name, exactly"},                                                              \
    {"name", STI_ARG_STR, STI_OPTIONAL, 1, TALENT_PERSON_NAME_MAX, NULL, "the start of the name"}, \
    {"cursor", STI_ARG_INT, STI_OPTIONAL, 0, INT64_MAX, NULL,                                      \
     "the next of the previous page (0: from the start)"},                                         \
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, LIMIT, NULL, "the page's size (default 20)"},          \
    STI_ARGS_END
// clang-format on

static const sti_arg_t s_search_args[] = {S_SEARCH_KEYS(TALENT_PAGE_MAX)};
static const sti_arg_t s_export_args[] = {S_SEARCH_KEYS(TALENT_EXPORT_MAX)};

static const sti_arg_t s_audit_args[] = {
    {"id", STI_ARG_STR, STI_REQUIRED, 1, TALENT_REGISTRY_ID_MAX, NULL,
     "the talent's registry id (T000001): A-Z a-z 0-9 _ -"},
    {"cursor", STI_ARG_STR, STI_OPTIONAL, 1, 39, NULL, "the next of the previous page"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, 1000, NULL, "the page's size (default 100)"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"talent.search", s_talent_search, STI_ROLE_OFFICER, s_search_args,
     "a page of talents that match every filter, masked; each read is written to the audit log",
     "{talents: [MASKED], next}",
     "Ids come in order; `next` is the cursor of the next page, nil on the last. Errors: "
     "`invalid_argument` (an unknown code, a bad cursor or limit; every problem of the filters "
     "at once); `unavailable` (the reads cannot be written to the audit log: nothing is "
     "answered)."},
    {"talent.export", s_talent_export, STI_ROLE_OFFICER, s_export_args,
     "as talent.search, in pages of up to 1000", "as talent.search",
     "What `stictl talent export` writes as CSV, masked. Errors: as talent.search."},
    {"talent.stats", s_talent_stats, STI_ROLE_OFFICER | STI_ROLE_READER | STI_ROLE_SERVICE, NULL,
     "counts over every record of the registry (both statuses); no personal data",
     "{total, by_category: {level: n}, by_field, by_channel, by_overseas: {true, false}, "
     "by_status: {active, left}, by_year: {\"2023\": n}, keys: {current, old, unknown}}",
     "`by_year` is the year of arrival, for the years that have talents. `keys`: the current "
     "key id, the records with a value under another key, and of these the ones under a key "
     "the service does not hold (docs/talent.md, \"Rotation\"); counted when asked, with the "
     "gauges `sti_talent_records_old_key` and `sti_talent_records_unknown_key`. Errors: "
     "`unavailable`."},
    {"talent.audit", s_talent_audit, STI_ROLE_OFFICER, s_audit_args,
     "a talent's audit log, oldest first",
     "{id, entries: [{at, time (ms), op, who, request, key, reason}], next}",
     "`who` is the caller's name (`local` without CURVE); `key` the caller's public key (nil "
     "without CURVE or for a change), `reason` the reason of a `talent.reveal` (else nil); "
     "`next` is the cursor of the next page, nil on the last. The log holds no personal data "
     "and is kept after erasure. Errors: `not_found` (no entry for the id)."},
    {"events.since", s_events_since, STI_ROLES_ANY, sti_events_since_args,
     "the events of the stream tal after a seq (replay)",
     "{events: [map...], upto, first, latest, epoch, epoch_start}",
     "As docs/events.md documents it (`sti_events_since_reply`), as for sti.indicators. The "
     "events are `talent.registered`, `talent.updated`, `talent.left` and `talent.removed` "
     "(docs/events.md, \"Event types\"). `invalid_argument` for another stream."},
    STI_OPS_END,
};

const sti_op_table_t talent_query_ops = {"talent_query", s_ops};
