/*  gateway_body: see gateway_body.h.

    The JSON body is converted to MessagePack once (sti_json), read back,
    and its pairs copied into the final map next to the path's and the
    query's, so a key given twice is found before anything is sent.
*/
#include "gateway_body.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "sti_json.h"

const char *gateway_query_get(const gateway_query_t *query, const char *key)
{
    assert(query && key);
    for (size_t i = 0; i < query->count; i++) {
        if (strcmp(query->key[i], key) == 0) {
            return query->value[i];
        }
    }
    return NULL;
}

//  The declared type of key ("str", "int", ...), or "str" when undeclared.
static const char *s_type(const gateway_route_t *route, const char *key)
{
    const cJSON *arg = gateway_route_arg(route, key);
    const cJSON *type = arg ? cJSON_GetObjectItemCaseSensitive(arg, "type") : NULL;
    return cJSON_IsString(type) ? type->valuestring : "str";
}

//  Writes text as a value of the declared type. Returns 0, or -1 with err.
static int s_write_text(const gateway_route_t *route, const char *key, const char *text,
                        sti_writer_t *writer, char *err, size_t errlen)
{
    const char *type = s_type(route, key);
    char *end = NULL;
    errno = 0;
    if (!sti_utf8_valid(text, strlen(text))) {
        snprintf(err, errlen, "%s: is not UTF-8", key);
        return -1;
    }
    if (strcmp(type, "int") == 0) {
        long long value = strtoll(text, &end, 10);
        if (!*text || *end || errno) {
            snprintf(err, errlen, "%s: must be an integer, got '%.40s'", key, text);
            return -1;
        }
        sti_writer_int(writer, value);
    } else if (strcmp(type, "number") == 0) {
        double value = strtod(text, &end);
        if (!*text || *end || errno || !isfinite(value)) {
            snprintf(err, errlen, "%s: must be a number, got '%.40s'", key, text);
            return -1;
        }
        sti_writer_double(writer, value);
    } else if (strcmp(type, "bool") == 0) {
        bool yes = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
        if (!yes && strcmp(text, "false") != 0 && strcmp(text, "0") != 0) {
            snprintf(err, errlen, "%s: must be true or false, got '%.40s'", key, text);
            return -1;
        }
        sti_writer_bool(writer, yes);
    } else if (strcmp(type, "str") == 0) {
        sti_writer_str(writer, text);
    } else {
        char why[160];
        if (sti_json_text_to_writer(text, strlen(text), writer, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: must be JSON text (%s)", key, why);
            return -1;
        }
    }
    return 0;
}

//  True when key is among the path's or the query's keys.
static bool s_taken(const gateway_params_t *params, const gateway_query_t *query, const char *key,
                    size_t len, const char **where)
{
    for (size_t i = 0; i < params->count; i++) {
        if (strlen(params->name[i]) == len && memcmp(params->name[i], key, len) == 0) {
            *where = "the path";
            return true;
        }
    }
    for (size_t i = 0; i < query->count; i++) {
        if (strlen(query->key[i]) == len && memcmp(query->key[i], key, len) == 0) {
            *where = "the query";
            return true;
        }
    }
    return false;
}

//  Reads the JSON body into a reader. Returns it (caller destroys), NULL
//  with err set, or NULL with err "" when there is no body.
static sti_reader_t *s_json_body(const char *json, size_t size, sti_writer_t *scratch, char *err,
                                 size_t errlen)
{
    err[0] = 0;
    size_t start = strspn(json ? json : "", " \t\r\n");
    if (!json || start >= size) {
        return NULL;
    }
    char why[200];
    if (!sti_utf8_valid(json, size)) {
        snprintf(err, errlen, "body: is not UTF-8");
        return NULL;
    }
    if (sti_json_text_to_writer(json, size, scratch, why, sizeof why) != 0) {
        snprintf(err, errlen, "body: %s", why);
        return NULL;
    }
    size_t bytes;
    const void *data = sti_writer_data(scratch, &bytes);
    sti_reader_t *reader = sti_reader_new(data, bytes, NULL, why, sizeof why);
    if (!reader) {
        snprintf(err, errlen, "body: %s", why);
    } else if (sti_node_type(sti_reader_root(reader)) != STI_TYPE_MAP) {
        snprintf(err, errlen, "body: must be a JSON object");
        sti_reader_destroy(&reader);
    }
    return reader;
}

//  Checks the body's keys against the path's and the query's. Returns 0 or -1.
static int s_check_twice(sti_node_t map, const gateway_params_t *params,
                         const gateway_query_t *query, char *err, size_t errlen)
{
    sti_field_error_t ignored;
    for (size_t i = 0; i < sti_node_size(map); i++) {
        const char *key;
        size_t len;
        const char *where = NULL;
        if (sti_node_str(sti_node_key_at(map, i), 256, &key, &len, &ignored) != 0) {
            snprintf(err, errlen, "body: a key is not a string");
            return -1;
        }
        if (s_taken(params, query, key, len, &where)) {
            snprintf(err, errlen, "%.*s: given in the body and in %s", (int)len, key, where);
            return -1;
        }
    }
    return 0;
}

int gateway_body_build(const gateway_route_t *route, const gateway_params_t *params,
                       const gateway_query_t *query, const char *json, size_t json_size,
                       const char *request_id, sti_writer_t *writer, char *err, size_t errlen)
{
    assert(route && params && query && writer && err);
    sti_writer_t *scratch = sti_writer_new();
    sti_reader_t *reader = s_json_body(json, json_size, scratch, err, errlen);
    sti_node_t map = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    int rc = -1;
    if (err[0] || (reader && s_check_twice(map, params, query, err, errlen) != 0)) {
        goto done;
    }
    const char *where = NULL;
    bool add_id = request_id && request_id[0] && gateway_route_arg(route, "request_id") &&
                  (!reader || sti_node_is_missing(sti_node_get(map, "request_id"))) &&
                  !s_taken(params, query, "request_id", 10, &where);
    sti_writer_map(writer, params->count + query->count + sti_node_size(map) + (add_id ? 1 : 0));
    for (size_t i = 0; i < params->count; i++) {
        sti_writer_str(writer, params->name[i]);
        if (s_write_text(route, params->name[i], params->value[i], writer, err, errlen) != 0) {
            goto done;
        }
    }
    for (size_t i = 0; i < query->count; i++) {
        sti_writer_str(writer, query->key[i]);
        if (s_write_text(route, query->key[i], query->value[i], writer, err, errlen) != 0) {
            goto done;
        }
    }
    for (size_t i = 0; reader && i < sti_node_size(map); i++) {
        size_t size;
        void *key = sti_node_encode(sti_node_key_at(map, i), &size);
        sti_writer_raw(writer, key, size);
        free(key);
        void *value = sti_node_encode(sti_node_value_at(map, i), &size);
        sti_writer_raw(writer, value, size);
        free(value);
    }
    if (add_id) {
        sti_writer_kv_str(writer, "request_id", request_id);
    }
    rc = 0;
done:
    sti_reader_destroy(&reader);
    sti_writer_destroy(&scratch);
    return rc;
}

//  --- the query ---

typedef struct {
    gateway_query_t *query;
    const char *twice; // a key given twice, or NULL
} s_query_walk_t;

static enum MHD_Result s_query_pair(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    s_query_walk_t *walk = (s_query_walk_t *)cls;
    gateway_query_t *query = walk->query;
    if (gateway_query_get(query, key)) {
        walk->twice = key;
        return MHD_NO;
    }
    if (query->count == GATEWAY_QUERY_MAX) {
        query->too_many = true;
        return MHD_NO;
    }
    query->key[query->count] = key;
    query->value[query->count++] = value ? value : "";
    return MHD_YES;
}

int gateway_body_query(gateway_request_t *req, gateway_query_t *query)
{
    memset(query, 0, sizeof *query);
    s_query_walk_t walk = {query, NULL};
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, s_query_pair, &walk);
    if (walk.twice || query->too_many) {
        char err[160];
        snprintf(err, sizeof err, "%.64s: %s", walk.twice ? walk.twice : "query",
                 walk.twice ? "given twice in the query" : "more than 32 parameters");
        gateway_reply_invalid(req, err);
        return -1;
    }
    return 0;
}
