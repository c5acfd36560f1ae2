/*  gateway_openapi: see gateway_openapi.h. */
#include "gateway_openapi.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

//  The JSON Schema of an arg's description {type, min?, max?, of?, keys?, doc}.
static cJSON *s_schema(const cJSON *arg);

static cJSON *s_object_schema(const cJSON *keys)
{
    cJSON *schema = cJSON_CreateObject();
    cJSON_AddStringToObject(schema, "type", "object");
    cJSON *properties = cJSON_AddObjectToObject(schema, "properties");
    cJSON *required = cJSON_CreateArray();
    const cJSON *key = NULL;
    cJSON_ArrayForEach(key, keys)
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(key, "name"));
        if (name) {
            cJSON_AddItemToObject(properties, name, s_schema(key));
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(key, "required"))) {
                cJSON_AddItemToArray(required, cJSON_CreateString(name));
            }
        }
    }
    if (cJSON_GetArraySize(required)) {
        cJSON_AddItemToObject(schema, "required", required);
    } else {
        cJSON_Delete(required);
    }
    cJSON_AddBoolToObject(schema, "additionalProperties", false);
    return schema;
}

static cJSON *s_schema(const cJSON *arg)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(arg, "type"));
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(arg, "min");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(arg, "max");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(arg, "keys");
    cJSON *schema;
    type = type ? type : "any";
    if (strcmp(type, "map") == 0 && keys) {
        schema = s_object_schema(keys);
    } else {
        schema = cJSON_CreateObject();
        static const char *const names[][2] = {{"str", "string"},    {"int", "integer"},
                                               {"number", "number"}, {"bool", "boolean"},
                                               {"map", "object"},    {"array", "array"}};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strcmp(type, names[i][0]) == 0) {
                cJSON_AddStringToObject(schema, "type", names[i][1]);
            }
        }
    }
    const char *lower = strcmp(type, "str") == 0     ? "minLength"
                        : strcmp(type, "array") == 0 ? "minItems"
                                                     : "minimum";
    const char *upper = strcmp(type, "str") == 0     ? "maxLength"
                        : strcmp(type, "array") == 0 ? "maxItems"
                                                     : "maximum";
    if (cJSON_IsNumber(min) && cJSON_IsNumber(max) && strcmp(type, "map") != 0) {
        cJSON_AddNumberToObject(schema, lower, min->valuedouble > 0 ? min->valuedouble : 0);
        if (max->valuedouble >= min->valuedouble) {
            cJSON_AddNumberToObject(schema, upper, max->valuedouble);
        }
    }
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(arg, "of");
    if (strcmp(type, "array") == 0 && of) {
        cJSON_AddItemToObject(schema, "items", s_schema(of));
    }
    const char *named = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(schema, "type"));
    if (named && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(arg, "nullable"))) {
        const char *both[] = {named, "null"}; // OpenAPI 3.1: a type or null
        cJSON_ReplaceItemInObjectCaseSensitive(schema, "type", cJSON_CreateStringArray(both, 2));
    }
    const char *doc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(arg, "doc"));
    if (doc && *doc) {
        cJSON_AddStringToObject(schema, "description", doc);
    }
    return schema;
}

//  One parameter {name, in, required, schema}.
static cJSON *s_parameter(const char *name, const char *in, bool required, cJSON *schema)
{
    cJSON *parameter = cJSON_CreateObject();
    cJSON_AddStringToObject(parameter, "name", name);
    cJSON_AddStringToObject(parameter, "in", in);
    cJSON_AddBoolToObject(parameter, "required", required);
    cJSON_AddItemToObject(parameter, "schema", schema);
    return parameter;
}

//  {"200": ..., "default": error}, with a JSON answer described by text.
static cJSON *s_responses(const char *text)
{
    cJSON *responses = cJSON_CreateObject();
    cJSON *ok = cJSON_AddObjectToObject(responses, "200");
    cJSON_AddStringToObject(ok, "description", text && *text ? text : "the answer");
    cJSON *content = cJSON_AddObjectToObject(ok, "content");
    cJSON_AddObjectToObject(cJSON_AddObjectToObject(content, "application/json"), "schema");
    cJSON *error = cJSON_AddObjectToObject(responses, "default");
    cJSON_AddStringToObject(error, "$ref", "#/components/responses/Error");
    return responses;
}

static bool s_is_param(const gateway_route_t *route, const char *name)
{
    for (size_t i = 0; i < route->segment_count; i++) {
        const char *seg = route->segments[i];
        size_t len = strlen(name);
        if (seg[0] == '{' && strncmp(seg + 1, name, len) == 0 && seg[len + 1] == '}') {
            return true;
        }
    }
    return false;
}

//  The operation of one route.
static cJSON *s_operation(const gateway_route_t *route)
{
    cJSON *op = cJSON_CreateObject();
    char id[STI_OP_MAX + 1];
    snprintf(id, sizeof id, "%s", route->op);
    for (char *p = id; *p; p++) {
        *p = *p == '.' ? '_' : *p;
    }
    cJSON_AddStringToObject(op, "operationId", id);
    const cJSON *d = route->description;
    cJSON_AddStringToObject(op, "summary",
                            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "summary")));
    char description[4096];
    const char *notes = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "notes"));
    char *roles = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(d, "roles"));
    snprintf(description, sizeof description, "Op `%s` of `%s`; roles: %s.%s%s", route->op,
             route->service, roles ? roles : "[]", notes && *notes ? "\n\n" : "",
             notes ? notes : "");
    cJSON_free(roles);
    cJSON_AddStringToObject(op, "description", description);
    cJSON *tags = cJSON_AddArrayToObject(op, "tags");
    cJSON_AddItemToArray(tags, cJSON_CreateString(route->service));
    bool query = strcmp(route->method, "GET") == 0 || strcmp(route->method, "DELETE") == 0;
    cJSON *parameters = cJSON_AddArrayToObject(op, "parameters");
    cJSON *body = cJSON_CreateArray();
    const cJSON *arg = NULL;
    cJSON_ArrayForEach(arg, cJSON_GetObjectItemCaseSensitive(d, "body"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(arg, "name"));
        bool required = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(arg, "required"));
        if (!name) {
            continue;
        }
        if (s_is_param(route, name)) {
            cJSON_AddItemToArray(parameters, s_parameter(name, "path", true, s_schema(arg)));
        } else if (query) {
            cJSON_AddItemToArray(parameters, s_parameter(name, "query", required, s_schema(arg)));
        } else {
            cJSON_AddItemReferenceToArray(body, (cJSON *)arg);
        }
    }
    if (!query) {
        cJSON *request = cJSON_AddObjectToObject(op, "requestBody");
        cJSON *content = cJSON_AddObjectToObject(request, "content");
        cJSON_AddItemToObject(cJSON_AddObjectToObject(content, "application/json"), "schema",
                              s_object_schema(body));
    }
    cJSON_Delete(body);
    cJSON_AddItemToObject(
        op, "responses",
        s_responses(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "reply"))));
    return op;
}

//  The item of path in paths, made when new.
static cJSON *s_path_item(cJSON *paths, const char *path)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path);
    return item ? item : cJSON_AddObjectToObject(paths, path);
}

static void s_lower(const char *method, char *out, size_t cap)
{
    size_t i = 0;
    for (; method[i] && i + 1 < cap; i++) {
        out[i] = (char)tolower((unsigned char)method[i]);
    }
    out[i] = 0;
}

//  The gateway's own routes: method, path, summary, whether a body, 200's text.
static const struct {
    const char *method, *path, *summary, *reply;
    bool body, open;
} s_fixed[] = {
    {"POST", "/api/v1/session", "signs in with {username, password}: sets the session cookie",
     "{user, display, role, org, csrf, expires}; the cookie sti_session", true, true},
    {"GET", "/api/v1/session", "who is signed in (cookie or token)", "{user, role, org, by, csrf?}",
     false, false},
    {"DELETE", "/api/v1/session", "signs out: ends the session, clears the cookie",
     "{signed_out: true}", false, false},
    {"GET", "/api/v1/events",
     "Server-Sent Events of a stream (?stream, ?prefix, ?from or Last-Event-ID)",
     "text/event-stream: id = seq, data = the event as JSON", false, false},
    {"GET", "/api/v1/events/since",
     "the events of a stream after a seq (?stream, ?seq, ?prefix, "
     "?limit), for polling clients",
     "{events, upto, first, latest, epoch, epoch_start}", false, false},
    {"GET", "/api/v1/report.xlsx",
     "the evaluation report as the workbook stictl report writes, a draft (?year, ?kind, "
     "?since as GET /api/v1/report; ?lang=zh|en)",
     "the .xlsx (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, "
     "Content-Disposition: attachment)",
     false, false},
    {"POST", "/api/v1/report.xlsx",
     "the same workbook, recorded as issued (report.issue: an officer or admin; Idempotency-Key "
     "makes a retry record it once)",
     "the .xlsx, once recorded (a refused record is the error, without the workbook)", false,
     false},
    {"GET", "/api/v1/openapi.json", "this document", "the OpenAPI 3.1 document", false, true},
    {"GET", "/healthz", "200 while the process runs", "ok", false, true},
    {"GET", "/readyz", "200 when the API can answer (Redis, every service's routes)", "ok", false,
     true},
};

static void s_add_fixed(cJSON *paths)
{
    for (size_t i = 0; i < sizeof s_fixed / sizeof s_fixed[0]; i++) {
        char method[8];
        s_lower(s_fixed[i].method, method, sizeof method);
        cJSON *op = cJSON_AddObjectToObject(s_path_item(paths, s_fixed[i].path), method);
        char id[64];
        snprintf(id, sizeof id, "gateway_%s_%s", method, strrchr(s_fixed[i].path, '/') + 1);
        for (char *p = id; *p; p++) {
            *p = *p == '.' ? '_' : *p;
        }
        cJSON_AddStringToObject(op, "operationId", id);
        cJSON_AddStringToObject(op, "summary", s_fixed[i].summary);
        cJSON *tags = cJSON_AddArrayToObject(op, "tags");
        cJSON_AddItemToArray(tags, cJSON_CreateString("sti.gateway"));
        if (s_fixed[i].open) {
            cJSON_AddArrayToObject(op, "security"); // no sign-in
        }
        if (s_fixed[i].body) {
            cJSON *arg = cJSON_Parse("[{\"name\":\"username\",\"type\":\"str\",\"required\":true,"
                                     "\"min\":1,\"max\":256},{\"name\":\"password\",\"type\":"
                                     "\"str\",\"required\":true,\"min\":1,\"max\":256}]");
            cJSON *request = cJSON_AddObjectToObject(op, "requestBody");
            cJSON *content = cJSON_AddObjectToObject(request, "content");
            cJSON_AddItemToObject(cJSON_AddObjectToObject(content, "application/json"), "schema",
                                  s_object_schema(arg));
            cJSON_Delete(arg);
        }
        cJSON_AddItemToObject(op, "responses", s_responses(s_fixed[i].reply));
    }
}

//  The components: the error answer, the two ways to sign in.
static void s_components(cJSON *doc)
{
    cJSON *components = cJSON_AddObjectToObject(doc, "components");
    cJSON *schemes = cJSON_AddObjectToObject(components, "securitySchemes");
    cJSON *bearer = cJSON_AddObjectToObject(schemes, "token");
    cJSON_AddStringToObject(bearer, "type", "http");
    cJSON_AddStringToObject(bearer, "scheme", "bearer");
    cJSON_AddStringToObject(bearer, "description", "an API token (stictl token new)");
    cJSON *cookie = cJSON_AddObjectToObject(schemes, "session");
    cJSON_AddStringToObject(cookie, "type", "apiKey");
    cJSON_AddStringToObject(cookie, "in", "cookie");
    cJSON_AddStringToObject(cookie, "name", "sti_session");
    cJSON_AddStringToObject(cookie, "description",
                            "the cookie of POST /api/v1/session; writes also send X-CSRF-Token");
    cJSON *error = cJSON_Parse(
        "{\"description\":\"an error: the envelope's code, a message, details per row or "
        "field\",\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\","
        "\"required\":[\"error\"],\"properties\":{\"error\":{\"type\":\"object\",\"required\":"
        "[\"code\",\"message\",\"details\"],\"properties\":{\"code\":{\"type\":\"string\","
        "\"enum\":[\"invalid_argument\",\"not_found\",\"conflict\",\"unauthenticated\","
        "\"forbidden\",\"unavailable\",\"too_large\",\"rate_limited\",\"internal\"]},"
        "\"message\":{\"type\":\"string\"},\"details\":{\"type\":\"array\",\"items\":{\"type\":"
        "\"object\",\"properties\":{\"index\":{\"type\":\"integer\"},\"field\":{\"type\":"
        "\"string\"},\"reason\":{\"type\":\"string\"}}}}}}}}}}}");
    assert(error);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(components, "responses"), "Error", error);
}

cJSON *gateway_openapi_document(gateway_router_t *router)
{
    assert(router);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "openapi", "3.1.0");
    cJSON *info = cJSON_AddObjectToObject(doc, "info");
    cJSON_AddStringToObject(info, "title", "STI Monitor API");
    cJSON_AddStringToObject(info, "version", "1");
    cJSON_AddStringToObject(info, "description",
                            "sti-gateway's HTTP API, made from the services' op declarations "
                            "(docs/gateway.md, docs/ops.md).");
    cJSON *security = cJSON_AddArrayToObject(doc, "security");
    cJSON_AddItemToArray(security, cJSON_Parse("{\"token\":[]}"));
    cJSON_AddItemToArray(security, cJSON_Parse("{\"session\":[]}"));
    cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
    for (size_t i = 0; i < gateway_router_count(router); i++) {
        const gateway_route_t *route = gateway_router_at(router, i);
        char method[8];
        s_lower(route->method, method, sizeof method);
        cJSON *item = s_path_item(paths, route->path);
        if (!cJSON_GetObjectItemCaseSensitive(item, method)) {
            cJSON_AddItemToObject(item, method, s_operation(route));
        }
    }
    //  POST /api/v1/observations also takes tables.
    cJSON *observations = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(paths, "/api/v1/observations"), "post");
    cJSON *content = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(observations, "requestBody"), "content");
    if (content) {
        cJSON *binary = cJSON_Parse("{\"schema\":{\"type\":\"string\"}}");
        cJSON_AddItemToObject(content, "text/csv", binary);
        cJSON_AddItemToObject(
            content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            cJSON_Parse("{\"schema\":{\"type\":\"string\",\"contentMediaType\":\"application/"
                        "vnd.openxmlformats-officedocument.spreadsheetml.sheet\"}}"));
    }
    s_add_fixed(paths);
    s_components(doc);
    return doc;
}

void gateway_openapi_answer(gateway_server_t *server, gateway_request_t *req)
{
    assert(server && req);
    cJSON *doc = gateway_openapi_document(gateway_server_router(server));
    gateway_reply_json(req, 200, &doc);
}
