/*  sti_catalog_store: the catalog in Redis and a cached copy. See the header.

    Reading builds the catalog from the plan's bytes, then adds the org units
    of the hash (in the order of their codes, parents first: the hash's own
    order changes with its contents), then the targets. Org units or
    targets that no longer fit the plan (after a plan was replaced) are
    skipped with a log line rather than making the whole catalog unreadable.

    Changes are checked against the cached catalog first, which gives the
    caller a precise reason; the cache is then dropped so that the next read
    sees exactly what Redis holds.
*/
#include "sti_catalog_io.h"
#include "sti_catalog_store.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_sti.h"

#define S_KEYS 6      // version, plan, orgs, targets, org states, plan code
#define S_READ_KEYS 5 // the first five: what catalog_read.lua reads

struct _sti_catalog_store_t {
    sti_redis_t *redis;      // borrowed connection
    sti_script_t *read;      // catalog_read.lua
    sti_script_t *put;       // catalog_put.lua
    sti_catalog_t *catalog;  // the cached catalog, or NULL
    uint64_t version;        // its version (0: none cached)
    char keys[S_KEYS][160];  // the key names, built once
    size_t key_lens[S_KEYS]; // their lengths
};

sti_catalog_store_t *sti_catalog_store_new(sti_redis_t *redis)
{
    assert(redis);
    sti_catalog_store_t *self = (sti_catalog_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->read = sti_redis_script(redis, sti_lua_catalog_read);
    char *source = zsys_sprintf("%s%s", sti_lua_events_append, sti_lua_catalog_put);
    assert(source);
    self->put = sti_redis_script(redis, source);
    zstr_free(&source);
    const char *parts[S_KEYS][2] = {{"catalog", "version"}, {"plan", NULL},    {"orgs", NULL},
                                    {"targets", NULL},      {"orgs", "state"}, {"plan", "code"}};
    for (int i = 0; i < S_KEYS; i++) {
        char *key = sti_redis_key(redis, self->keys[i], sizeof self->keys[i], parts[i][0],
                                  parts[i][1], NULL);
        assert(key); // the namespace is bounded by the configuration
        self->key_lens[i] = strlen(key);
    }
    return self;
}

void sti_catalog_store_destroy(sti_catalog_store_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        sti_catalog_destroy(&(*self_p)->catalog);
        free(*self_p);
        *self_p = NULL;
    }
}

uint64_t sti_catalog_store_version(sti_catalog_store_t *self)
{
    assert(self);
    return self->version;
}

const sti_catalog_t *sti_catalog_store_held(sti_catalog_store_t *self)
{
    assert(self);
    return self->catalog;
}

const char *sti_catalog_store_version_key(sti_catalog_store_t *self)
{
    assert(self);
    return self->keys[0];
}

//  Drops the cached catalog so the next get reads Redis again.
static void s_forget(sti_catalog_store_t *self)
{
    sti_catalog_destroy(&self->catalog);
    self->version = 0;
}

//  Decodes one org unit's hash value into unit. Returns 0, or -1.
static int s_decode_org(const redisReply *code, const redisReply *value, sti_org_unit_t *unit)
{
    if (code->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING ||
        code->len >= sizeof unit->code) {
        return -1;
    }
    char err[256];
    sti_field_error_t field_err;
    sti_reader_t *reader = sti_reader_new(value->str, value->len, NULL, err, sizeof err);
    sti_node_t root = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    int rc = reader &&
                     sti_map_str_copy(root, "parent", unit->parent, sizeof unit->parent,
                                      &field_err) == 0 &&
                     sti_map_str_copy(root, "name_zh", unit->name_zh, sizeof unit->name_zh,
                                      &field_err) == 0 &&
                     sti_map_str_copy(root, "name_en", unit->name_en, sizeof unit->name_en,
                                      &field_err) == 0
                 ? 0
                 : -1;
    snprintf(unit->code, sizeof unit->code, "%s", code->str);
    sti_reader_destroy(&reader);
    return rc;
}

static int s_org_compare(const void *a, const void *b)
{
    return strcmp(((const sti_org_unit_t *)a)->code, ((const sti_org_unit_t *)b)->code);
}

//  Adds the org units of the flat HGETALL array, in the order of their codes
//  (parents before children): a hash's order changes with its contents, and
//  every list of org units a reader sees follows this one.
static void s_add_orgs(sti_catalog_t *catalog, const redisReply *orgs)
{
    size_t pairs = orgs->elements / 2, count = 0;
    sti_org_unit_t *units = (sti_org_unit_t *)calloc(pairs + 1, sizeof(sti_org_unit_t));
    assert(units);
    for (size_t i = 0; i < pairs; i++) {
        if (s_decode_org(orgs->element[2 * i], orgs->element[2 * i + 1], &units[count]) == 0) {
            count++;
        } else {
            sti_warn("catalog: an org unit in Redis does not decode; skipped");
        }
    }
    qsort(units, count, sizeof *units, s_org_compare);
    char err[512];
    if (sti_catalog_org_add_all(catalog, units, count, err, sizeof err)) {
        sti_warn("catalog: org units in Redis: %s; the rest are skipped", err);
    }
    free(units);
}

//  Splits a target field "<indicator>:<year>" (the root's) or
//  "<indicator>:<year>:<org>". Returns 0, or -1 when it is neither.
static int s_target_field(const redisReply *field, char *code, char *org, int *year)
{
    const char *text = field->type == REDIS_REPLY_STRING ? field->str : NULL;
    const char *colon = text ? strchr(text, ':') : NULL;
    if (!colon || (size_t)(colon - text) >= STI_CODE_MAX) {
        return -1;
    }
    snprintf(code, STI_CODE_MAX, "%.*s", (int)(colon - text), text);
    char *end = NULL;
    long number = strtol(colon + 1, &end, 10);
    *year = (int)number;
    org[0] = 0;
    if (*end == ':' && strlen(end + 1) < STI_CODE_MAX) {
        snprintf(org, STI_CODE_MAX, "%s", end + 1);
        return org[0] ? 0 : -1;
    }
    return *end || end == colon + 1 ? -1 : 0;
}

//  Sets targets from the flat HGETALL array of target field -> value.
static void s_add_targets(sti_catalog_t *catalog, const redisReply *targets)
{
    for (size_t i = 0; i + 1 < targets->elements; i += 2) {
        const redisReply *field = targets->element[i], *value = targets->element[i + 1];
        char code[STI_CODE_MAX], org[STI_CODE_MAX], err[256];
        int year = 0;
        double number = 0;
        char *end = NULL;
        if (s_target_field(field, code, org, &year) == 0 && value->type == REDIS_REPLY_STRING) {
            number = strtod(value->str, &end);
        }
        if (!end || *end ||
            sti_catalog_org_target_set(catalog, code, org, year, number, err, sizeof err)) {
            sti_warn("catalog: target %.80s in Redis is not valid any more; skipped",
                     field->type == REDIS_REPLY_STRING ? field->str : "?");
        }
    }
}

//  Decodes one org unit's state (code -> {name_zh, name_en, former_names,
//  retired, retired_at, retired_reason}). Returns 0, or -1.
static int s_decode_state(const redisReply *code, const redisReply *value, sti_org_unit_t *unit)
{
    memset(unit, 0, sizeof *unit);
    if (code->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING ||
        code->len >= sizeof unit->code) {
        return -1;
    }
    snprintf(unit->code, sizeof unit->code, "%s", code->str);
    char err[256];
    sti_field_error_t ferr;
    sti_reader_t *reader = sti_reader_new(value->str, value->len, NULL, err, sizeof err);
    sti_node_t root = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    int rc = reader &&
                     sti_map_str_copy(root, "name_zh", unit->name_zh, sizeof unit->name_zh,
                                      &ferr) == 0 &&
                     sti_map_str_copy(root, "name_en", unit->name_en, sizeof unit->name_en,
                                      &ferr) == 0 &&
                     sti_map_str_copy(root, "former_names", unit->former_names,
                                      sizeof unit->former_names, &ferr) == 0 &&
                     sti_map_bool(root, "retired", &unit->retired, &ferr) == 0 &&
                     sti_map_int(root, "retired_at", &unit->retired_at, &ferr) == 0 &&
                     sti_map_str_copy(root, "retired_reason", unit->retired_reason,
                                      sizeof unit->retired_reason, &ferr) == 0
                 ? 0
                 : -1;
    sti_reader_destroy(&reader);
    return rc;
}

//  Applies the org units' states of the flat HGETALL array.
static void s_add_states(sti_catalog_t *catalog, const redisReply *states)
{
    for (size_t i = 0; i + 1 < states->elements; i += 2) {
        sti_org_unit_t unit;
        char err[256];
        if (s_decode_state(states->element[i], states->element[i + 1], &unit) ||
            sti_catalog_org_update(catalog, &unit, err, sizeof err)) {
            sti_warn("catalog: the state of org unit %.64s in Redis does not apply; skipped",
                     states->element[i]->type == REDIS_REPLY_STRING ? states->element[i]->str
                                                                    : "?");
        }
    }
}

//  Builds the catalog from catalog_read.lua's reply. Returns NULL with err.
static sti_catalog_t *s_build(const redisReply *reply, sti_errcode_t *code, char *err,
                              size_t errlen)
{
    const redisReply *plan = reply->element[1];
    if (plan->type != REDIS_REPLY_STRING) {
        *code = STI_ERR_NOT_FOUND;
        snprintf(err, errlen, "no plan is loaded (stictl plan load DIR)");
        return NULL;
    }
    char why[512];
    sti_catalog_t *catalog = sti_catalog_decode(plan->str, plan->len, why, sizeof why);
    if (!catalog) {
        *code = STI_ERR_INTERNAL;
        snprintf(err, errlen, "the plan in Redis does not decode: %s", why);
        return NULL;
    }
    if (reply->element[2]->type == REDIS_REPLY_ARRAY) {
        s_add_orgs(catalog, reply->element[2]);
    }
    if (reply->element[3]->type == REDIS_REPLY_ARRAY) {
        s_add_targets(catalog, reply->element[3]);
    }
    if (reply->element[4]->type == REDIS_REPLY_ARRAY) {
        s_add_states(catalog, reply->element[4]);
    }
    return catalog;
}

//  Runs a script over the store's nkeys keys, then extra keys, then args.
//  Returns the reply or NULL.
static redisReply *s_eval(sti_catalog_store_t *self, sti_script_t *script, int nkeys,
                          const char *const *extra_keys, int nextra, int nargs, const char **args,
                          const size_t *arg_lens)
{
    size_t total = (size_t)(nkeys + nextra + nargs);
    const char **argv = (const char **)calloc(total + 1, sizeof *argv);
    size_t *lens = (size_t *)calloc(total + 1, sizeof *lens);
    assert(argv && lens && nkeys <= S_KEYS);
    for (int i = 0; i < nkeys; i++) {
        argv[i] = self->keys[i];
        lens[i] = self->key_lens[i];
    }
    for (int i = 0; i < nextra; i++) {
        argv[nkeys + i] = extra_keys[i];
        lens[nkeys + i] = strlen(extra_keys[i]);
    }
    for (int i = 0; i < nargs; i++) {
        argv[nkeys + nextra + i] = args[i];
        lens[nkeys + nextra + i] =
            arg_lens && arg_lens[i] != SIZE_MAX ? arg_lens[i] : strlen(args[i]);
    }
    redisReply *reply = sti_redis_eval(self->redis, script, nkeys + nextra, nargs, argv, lens);
    free(argv);
    free(lens);
    return reply;
}

const sti_catalog_t *sti_catalog_store_get(sti_catalog_store_t *self, sti_errcode_t *code,
                                           char *err, size_t errlen)
{
    assert(self && code);
    if (self->catalog) {
        redisReply *version = sti_redis_command(self->redis, "GET %s", self->keys[0]);
        uint64_t now =
            version && version->type == REDIS_REPLY_STRING ? strtoull(version->str, NULL, 10) : 0;
        bool asked = version && version->type != REDIS_REPLY_ERROR;
        if (version) {
            freeReplyObject(version);
        }
        if (asked && now == self->version) {
            return self->catalog;
        }
    }
    s_forget(self);
    redisReply *reply = s_eval(self, self->read, S_READ_KEYS, NULL, 0, 0, NULL, NULL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 5) {
        *code = STI_ERR_UNAVAILABLE;
        snprintf(err, errlen, "cannot read the catalog from Redis: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : sti_redis_errstr(self->redis));
        if (reply) {
            freeReplyObject(reply);
        }
        return NULL;
    }
    self->catalog = s_build(reply, code, err, errlen);
    self->version = self->catalog ? (uint64_t)reply->element[0]->integer : 0;
    freeReplyObject(reply);
    return self->catalog;
}

//  The change's arguments with the events' after them, in a vector the
//  caller frees: what, field, value, version, maxlen, source, time, floor,
//  floor epoch, count, then topic, type, subject, data per event.
static const char **s_event_args(const sti_catalog_events_t *events, const char **args,
                                 const size_t *lens, size_t *out_lens, char text[4][32])
{
    size_t n = 10 + 4 * events->count;
    const char **argv = (const char **)calloc(n, sizeof *argv);
    assert(argv);
    for (int i = 0; i < 3; i++) {
        argv[i] = args[i];
        out_lens[i] = lens ? lens[i] : strlen(args[i]);
    }
    const char *floor_epoch = "";
    snprintf(text[0], 32, "%" PRIu64, events->version);
    snprintf(text[1], 32, "%" PRId64, events->maxlen);
    sti_events_pub_floor(events->pub, text[2], 32, &floor_epoch);
    snprintf(text[3], 32, "%zu", events->count);
    const char *fixed[7] = {text[0],      text[1], events->source,
                            events->time, text[2], floor_epoch ? floor_epoch : "",
                            text[3]};
    for (int i = 0; i < 7; i++) {
        argv[3 + i] = fixed[i];
        out_lens[3 + i] = strlen(fixed[i]);
    }
    for (size_t e = 0; e < events->count; e++) {
        const char *type = events->types ? events->types[e] : events->type;
        const char *parts[4] = {events->topics[e], type, events->subjects[e],
                                (const char *)events->data[e]};
        for (int k = 0; k < 4; k++) {
            argv[10 + 4 * e + (size_t)k] = parts[k];
            out_lens[10 + 4 * e + (size_t)k] = k == 3 ? events->sizes[e] : strlen(parts[k]);
        }
    }
    return argv;
}

//  Reads what catalog_put.lua answered into *changed (and events' seqs).
static sti_errcode_t s_put_reply(sti_catalog_store_t *self, redisReply *reply,
                                 sti_catalog_events_t *events, bool *changed, char *err,
                                 size_t errlen)
{
    sti_errcode_t code = STI_ERR_NONE;
    size_t want = events ? 5 : 2;
    if (!reply) {
        code = STI_ERR_UNAVAILABLE;
        snprintf(err, errlen, "Redis: %s", sti_redis_errstr(self->redis));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        const char *conflict = strstr(reply->str, "conflict: ");
        code = conflict ? STI_ERR_CONFLICT : STI_ERR_UNAVAILABLE;
        snprintf(err, errlen, "%s", conflict ? conflict + 10 : reply->str);
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == want) {
        *changed = reply->element[0]->integer == 1;
        if (events) {
            const redisReply *epoch = reply->element[2];
            snprintf(events->epoch, sizeof events->epoch, "%.*s",
                     epoch->type == REDIS_REPLY_STRING ? (int)epoch->len : 0,
                     epoch->type == REDIS_REPLY_STRING ? epoch->str : "");
            events->first = (uint64_t)reply->element[3]->integer;
            events->last = (uint64_t)reply->element[4]->integer;
        }
    } else {
        code = STI_ERR_INTERNAL;
        snprintf(err, errlen, "catalog_put.lua answered something unexpected");
    }
    return code;
}

//  Runs catalog_put.lua, with events when given. Returns STI_ERR_NONE and
//  sets *changed, or an error.
static sti_errcode_t s_put(sti_catalog_store_t *self, const char **args, const size_t *lens,
                           sti_catalog_events_t *events, bool *changed, char *err, size_t errlen)
{
    redisReply *reply;
    if (events) {
        char stream_keys[4][160], text[4][32];
        const char *extra[4] = {stream_keys[0], stream_keys[1], stream_keys[2],
                                sti_events_pub_epoch_key(events->pub)};
        sti_redis_key(self->redis, stream_keys[0], 160, "events", events->stream, NULL);
        sti_redis_key(self->redis, stream_keys[1], 160, "events", events->stream, "seq", NULL);
        sti_redis_key(self->redis, stream_keys[2], 160, "events", events->stream, "prev", NULL);
        size_t n = 10 + 4 * events->count;
        size_t *arg_lens = (size_t *)calloc(n, sizeof *arg_lens);
        assert(arg_lens);
        const char **argv = s_event_args(events, args, lens, arg_lens, text);
        events->first = events->last = 0;
        reply = s_eval(self, self->put, S_KEYS, extra, 4, (int)n, argv, arg_lens);
        free(argv);
        free(arg_lens);
    } else {
        reply = s_eval(self, self->put, S_KEYS, NULL, 0, 3, args, lens);
    }
    s_forget(self);
    sti_errcode_t code = s_put_reply(self, reply, events, changed, err, errlen);
    if (reply) {
        freeReplyObject(reply);
    }
    return code;
}

sti_errcode_t sti_catalog_store_put_plan(sti_catalog_store_t *self, const sti_catalog_t *plan,
                                         bool *changed, char *err, size_t errlen)
{
    assert(self && plan && changed);
    sti_writer_t *writer = sti_writer_new();
    sti_catalog_write(plan, writer);
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    const char *code = sti_catalog_plan(plan)->code;
    const char *args[3] = {"plan", code, (const char *)bytes};
    size_t lens[3] = {4, strlen(code), size};
    sti_errcode_t result = s_put(self, args, lens, NULL, changed, err, errlen);
    sti_writer_destroy(&writer);
    return result;
}

sti_errcode_t sti_catalog_store_add_org(sti_catalog_store_t *self, const char *org,
                                        const char *parent, const char *name_zh,
                                        const char *name_en, bool *changed, char *err,
                                        size_t errlen)
{
    assert(self && org && changed);
    sti_errcode_t code;
    sti_catalog_t *catalog = (sti_catalog_t *)sti_catalog_store_get(self, &code, err, errlen);
    if (!catalog) {
        return code;
    }
    //  Checked on the cached copy, which is dropped by s_put in any case.
    if (sti_catalog_org_add(catalog, org, parent, name_zh, name_en, err, errlen)) {
        s_forget(self);
        return strstr(err, "already exists") ? STI_ERR_CONFLICT : STI_ERR_INVALID_ARGUMENT;
    }
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "parent", parent ? parent : "");
    sti_writer_kv_str(writer, "name_zh", name_zh ? name_zh : "");
    sti_writer_kv_str(writer, "name_en", name_en ? name_en : "");
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    const char *args[3] = {"org", org, (const char *)bytes};
    size_t lens[3] = {3, strlen(org), size};
    code = s_put(self, args, lens, NULL, changed, err, errlen);
    sti_writer_destroy(&writer);
    return code;
}

sti_catalog_t *sti_catalog_store_edit(sti_catalog_store_t *self, sti_errcode_t *code, char *err,
                                      size_t errlen)
{
    assert(self && code);
    //  The cached copy: every put drops it, so what Redis holds is read again.
    return (sti_catalog_t *)sti_catalog_store_get(self, code, err, errlen);
}

sti_catalog_t *sti_catalog_store_take(sti_catalog_store_t *self, sti_errcode_t *code, char *err,
                                      size_t errlen)
{
    assert(self && code);
    if (!sti_catalog_store_get(self, code, err, errlen)) {
        return NULL;
    }
    sti_catalog_t *taken = self->catalog;
    self->catalog = NULL;
    self->version = 0;
    return taken;
}

void sti_catalog_store_drop(sti_catalog_store_t *self)
{
    assert(self);
    s_forget(self);
}

sti_errcode_t sti_catalog_store_put_target(sti_catalog_store_t *self, const char *indicator,
                                           const char *org, int year, const double *value,
                                           sti_catalog_events_t *events, bool *changed, char *err,
                                           size_t errlen)
{
    assert(self && indicator && changed);
    char field[2 * STI_CODE_MAX + 16], text[64] = "";
    if (org && *org) {
        snprintf(field, sizeof field, "%s:%d:%s", indicator, year, org);
    } else {
        snprintf(field, sizeof field, "%s:%d", indicator, year);
    }
    if (value) {
        snprintf(text, sizeof text, "%.17g", *value);
    }
    const char *args[3] = {"target", field, text};
    return s_put(self, args, NULL, events, changed, err, errlen);
}

sti_errcode_t sti_catalog_store_set_target(sti_catalog_store_t *self, const char *indicator,
                                           int year, double value, bool *changed, char *err,
                                           size_t errlen)
{
    assert(self && indicator && changed);
    sti_errcode_t code;
    sti_catalog_t *catalog = sti_catalog_store_edit(self, &code, err, errlen);
    if (!catalog) {
        return code;
    }
    if (!sti_catalog_indicator_find(catalog, indicator)) {
        snprintf(err, errlen, "indicator: '%.64s' is not in the catalog", indicator);
        return STI_ERR_NOT_FOUND;
    }
    if (sti_catalog_target_set(catalog, indicator, year, value, err, errlen)) {
        s_forget(self);
        return STI_ERR_INVALID_ARGUMENT;
    }
    return sti_catalog_store_put_target(self, indicator, NULL, year, &value, NULL, changed, err,
                                        errlen);
}

sti_errcode_t sti_catalog_store_put_org_state(sti_catalog_store_t *self,
                                              const sti_org_unit_t *state,
                                              sti_catalog_events_t *events, bool *changed,
                                              char *err, size_t errlen)
{
    assert(self && state && changed);
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 6);
    sti_writer_kv_str(writer, "name_zh", state->name_zh);
    sti_writer_kv_str(writer, "name_en", state->name_en);
    sti_writer_kv_str(writer, "former_names", state->former_names);
    sti_writer_kv_bool(writer, "retired", state->retired);
    sti_writer_kv_int(writer, "retired_at", state->retired ? state->retired_at : 0);
    sti_writer_kv_str(writer, "retired_reason", state->retired ? state->retired_reason : "");
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    const char *args[3] = {"state", state->code, (const char *)bytes};
    size_t lens[3] = {5, strlen(state->code), size};
    sti_errcode_t code = s_put(self, args, lens, events, changed, err, errlen);
    sti_writer_destroy(&writer);
    return code;
}
