/*  sti_catalog_store: the catalog in Redis and a cached copy. See the header.

    Reading builds the catalog from the plan's bytes, then adds the org units
    of the hash (in the hash's order: sti_catalog_org_add_all puts parents
    first), then the targets. Org units or
    targets that no longer fit the plan (after a plan was replaced) are
    skipped with a log line rather than making the whole catalog unreadable.

    Changes are checked against the cached catalog first, which gives the
    caller a precise reason; the cache is then dropped so that the next read
    sees exactly what Redis holds.
*/
#include "sti_catalog_io.h"
#include "sti_catalog_store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_sti.h"

#define S_KEYS 5 // version, plan, orgs, targets, plan code

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
    self->put = sti_redis_script(redis, sti_lua_catalog_put);
    const char *parts[S_KEYS][2] = {
        {"catalog", "version"}, {"plan", NULL}, {"orgs", NULL}, {"targets", NULL}, {"plan", "code"}};
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
    int rc = reader && sti_map_str_copy(root, "parent", unit->parent, sizeof unit->parent,
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

//  Adds the org units of the flat HGETALL array, in any order.
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
    char err[512];
    if (sti_catalog_org_add_all(catalog, units, count, err, sizeof err)) {
        sti_warn("catalog: org units in Redis: %s; the rest are skipped", err);
    }
    free(units);
}

//  Sets targets from the flat HGETALL array of "<indicator>:<year>" -> value.
static void s_add_targets(sti_catalog_t *catalog, const redisReply *targets)
{
    for (size_t i = 0; i + 1 < targets->elements; i += 2) {
        const redisReply *field = targets->element[i], *value = targets->element[i + 1];
        char code[STI_CODE_MAX], err[256];
        int year = 0;
        double number = 0;
        char *end = NULL;
        const char *colon = field->type == REDIS_REPLY_STRING ? strrchr(field->str, ':') : NULL;
        if (colon && (size_t)(colon - field->str) < sizeof code && value->type == REDIS_REPLY_STRING) {
            snprintf(code, sizeof code, "%.*s", (int)(colon - field->str), field->str);
            year = atoi(colon + 1);
            number = strtod(value->str, &end);
        }
        if (!end || *end || sti_catalog_target_set(catalog, code, year, number, err, sizeof err)) {
            sti_warn("catalog: target %.80s in Redis is not valid any more; skipped",
                     field->type == REDIS_REPLY_STRING ? field->str : "?");
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
    return catalog;
}

//  Runs a script over the store's keys with extra args. Returns the reply or NULL.
static redisReply *s_eval(sti_catalog_store_t *self, sti_script_t *script, int nkeys, int nargs,
                          const char **args, const size_t *arg_lens)
{
    const char *argv[S_KEYS + 4];
    size_t lens[S_KEYS + 4];
    assert(nkeys <= S_KEYS && nargs <= 4);
    for (int i = 0; i < nkeys; i++) {
        argv[i] = self->keys[i];
        lens[i] = self->key_lens[i];
    }
    for (int i = 0; i < nargs; i++) {
        argv[nkeys + i] = args[i];
        lens[nkeys + i] = arg_lens ? arg_lens[i] : strlen(args[i]);
    }
    return sti_redis_eval(self->redis, script, nkeys, nargs, argv, lens);
}

const sti_catalog_t *sti_catalog_store_get(sti_catalog_store_t *self, sti_errcode_t *code,
                                           char *err, size_t errlen)
{
    assert(self && code);
    if (self->catalog) {
        redisReply *version = sti_redis_command(self->redis, "GET %s", self->keys[0]);
        uint64_t now = version && version->type == REDIS_REPLY_STRING
                           ? strtoull(version->str, NULL, 10)
                           : 0;
        bool asked = version && version->type != REDIS_REPLY_ERROR;
        if (version) {
            freeReplyObject(version);
        }
        if (asked && now == self->version) {
            return self->catalog;
        }
    }
    s_forget(self);
    redisReply *reply = s_eval(self, self->read, 4, 0, NULL, NULL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4) {
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

//  Runs catalog_put.lua. Returns STI_ERR_NONE and sets *changed, or an error.
static sti_errcode_t s_put(sti_catalog_store_t *self, const char **args, const size_t *lens,
                           bool *changed, char *err, size_t errlen)
{
    redisReply *reply = s_eval(self, self->put, S_KEYS, 3, args, lens);
    s_forget(self);
    sti_errcode_t code = STI_ERR_NONE;
    if (!reply) {
        code = STI_ERR_UNAVAILABLE;
        snprintf(err, errlen, "Redis: %s", sti_redis_errstr(self->redis));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        bool conflict = strstr(reply->str, "conflict: ") != NULL;
        code = conflict ? STI_ERR_CONFLICT : STI_ERR_UNAVAILABLE;
        snprintf(err, errlen, "%s", conflict ? strstr(reply->str, "conflict: ") + 10 : reply->str);
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
        *changed = reply->element[0]->integer == 1;
    } else {
        code = STI_ERR_INTERNAL;
        snprintf(err, errlen, "catalog_put.lua answered something unexpected");
    }
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
    sti_errcode_t result = s_put(self, args, lens, changed, err, errlen);
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
    code = s_put(self, args, lens, changed, err, errlen);
    sti_writer_destroy(&writer);
    return code;
}

sti_errcode_t sti_catalog_store_set_target(sti_catalog_store_t *self, const char *indicator,
                                           int year, double value, bool *changed, char *err,
                                           size_t errlen)
{
    assert(self && indicator && changed);
    sti_errcode_t code;
    sti_catalog_t *catalog = (sti_catalog_t *)sti_catalog_store_get(self, &code, err, errlen);
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
    char field[STI_CODE_MAX + 16], text[64];
    snprintf(field, sizeof field, "%s:%d", indicator, year);
    snprintf(text, sizeof text, "%.17g", value);
    const char *args[3] = {"target", field, text};
    return s_put(self, args, NULL, changed, err, errlen);
}
