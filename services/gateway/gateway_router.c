/*  gateway_router: see gateway_router.h.

    A description is hostile input like any reply (a service of another
    version, a bug): every field is read through the codec's typed getters,
    a route is checked like the frame checks it (sti_op_route_check has no
    declaration here, so the path's shape is checked again), and one that
    does not read is skipped, not trusted. Matching walks every route: the
    table holds a few dozen.
*/
#include "gateway_router.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_json.h"
#include "sti_log.h"

#define S_ROUTES_MAX 512 // routes of all services together, at most

typedef struct {
    gateway_route_t route; // what callers see
    cJSON *description;    // the op's description (owned)
} s_entry_t;

struct _gateway_router_t {
    s_entry_t **entries;  // the routes
    size_t count;         // entries used
    char **services;      // services whose description was loaded
    size_t service_count; // entries of services
};

gateway_router_t *gateway_router_new(void)
{
    gateway_router_t *self = calloc(1, sizeof *self);
    assert(self);
    self->entries = calloc(S_ROUTES_MAX, sizeof *self->entries);
    assert(self->entries);
    return self;
}

static void s_entry_destroy(s_entry_t **entry_p)
{
    s_entry_t *entry = *entry_p;
    if (entry) {
        for (size_t i = 0; i < entry->route.segment_count; i++) {
            free(entry->route.segments[i]);
        }
        cJSON_Delete(entry->description);
        free(entry);
        *entry_p = NULL;
    }
}

void gateway_router_destroy(gateway_router_t **self_p)
{
    assert(self_p);
    gateway_router_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->count; i++) {
            s_entry_destroy(&self->entries[i]);
        }
        for (size_t i = 0; i < self->service_count; i++) {
            free(self->services[i]);
        }
        free(self->services);
        free(self->entries);
        free(self);
        *self_p = NULL;
    }
}

//  Splits the part of path after /api/v1/ into segments. Returns 0, or -1
//  when a segment is neither [a-z0-9_.-]+ nor {key}, or there are too many.
static int s_split(gateway_route_t *route)
{
    const char *seg = route->path + 8;
    for (;;) {
        size_t len = strcspn(seg, "/");
        bool param = len > 2 && len <= GATEWAY_NAME_MAX + 2 && seg[0] == '{' && seg[len - 1] == '}';
        size_t literal = strspn(seg, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
        if (len == 0 || (!param && literal < len) || route->segment_count == GATEWAY_SEGMENTS_MAX) {
            return -1;
        }
        route->segments[route->segment_count] = strndup(seg, len);
        assert(route->segments[route->segment_count]);
        route->segment_count++;
        if (!seg[len]) {
            return 0;
        }
        seg += len + 1;
    }
}

//  Reads one op's description into a new entry, or NULL when it has no
//  route (*err empty) or its route does not read (*err says why).
static s_entry_t *s_entry_read(const char *service, sti_node_t op, char *err, size_t errlen)
{
    sti_field_error_t field_err = {"", ""};
    sti_node_t route = sti_node_get(op, "route");
    err[0] = 0;
    if (sti_node_type(route) != STI_TYPE_MAP) {
        return NULL;
    }
    s_entry_t *entry = calloc(1, sizeof *entry);
    assert(entry);
    gateway_route_t *r = &entry->route;
    snprintf(r->service, sizeof r->service, "%s", service);
    bool write = false, changes = false;
    if (sti_map_str_copy(op, "op", r->op, sizeof r->op, &field_err) != 0 ||
        sti_map_str_copy(route, "method", r->method, sizeof r->method, &field_err) != 0 ||
        sti_map_str_copy(route, "path", r->path, sizeof r->path, &field_err) != 0 ||
        sti_map_bool(op, "write", &write, &field_err) != 0 ||
        sti_map_bool(op, "changes", &changes, &field_err) != 0) {
        snprintf(err, errlen, "%s: %s: %s", r->op[0] ? r->op : "an op", field_err.field,
                 field_err.reason);
    } else if (strncmp(r->path, "/api/v1/", 8) != 0 || s_split(r) != 0) {
        snprintf(err, errlen, "%s: the path %s is not /api/v1/ and segments", r->op, r->path);
    } else if (strspn(r->method, "ACDEGHLOPSTU") != strlen(r->method) || !r->method[0]) {
        snprintf(err, errlen, "%s: the method %s is not one", r->op, r->method);
    } else {
        r->changes = write || changes;
        entry->description = sti_json_from_node(op);
        r->description = entry->description;
        return entry;
    }
    s_entry_destroy(&entry);
    return NULL;
}

//  Forgets service's routes.
static void s_drop(gateway_router_t *self, const char *service)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(self->entries[i]->route.service, service) == 0) {
            s_entry_destroy(&self->entries[i]);
        } else {
            self->entries[kept++] = self->entries[i];
        }
    }
    self->count = kept;
}

static void s_note_service(gateway_router_t *self, const char *service)
{
    if (gateway_router_has(self, service)) {
        return;
    }
    self->services = realloc(self->services, (self->service_count + 1) * sizeof *self->services);
    assert(self->services);
    self->services[self->service_count] = strdup(service);
    assert(self->services[self->service_count]);
    self->service_count++;
}

int gateway_router_load(gateway_router_t *self, const char *service, sti_node_t body, char *err,
                        size_t errlen)
{
    assert(self && service);
    sti_node_t ops = sti_node_get(body, "ops");
    if (sti_node_type(ops) != STI_TYPE_ARRAY) {
        snprintf(err, errlen, "the description of %s has no list of ops", service);
        return -1;
    }
    s_drop(self, service);
    s_note_service(self, service);
    int held = 0;
    char why[256];
    for (size_t i = 0; i < sti_node_size(ops); i++) {
        s_entry_t *entry = s_entry_read(service, sti_node_at(ops, i), why, sizeof why);
        if (!entry) {
            if (why[0]) {
                sti_warn("gateway: a route of %s is skipped: %s", service, why);
            }
            continue;
        }
        if (self->count == S_ROUTES_MAX) {
            sti_warn("gateway: more than %d routes: %s %s is skipped", S_ROUTES_MAX,
                     entry->route.method, entry->route.path);
            s_entry_destroy(&entry);
            continue;
        }
        self->entries[self->count++] = entry;
        held++;
    }
    return held;
}

bool gateway_router_has(gateway_router_t *self, const char *service)
{
    assert(self && service);
    for (size_t i = 0; i < self->service_count; i++) {
        if (strcmp(self->services[i], service) == 0) {
            return true;
        }
    }
    return false;
}

//  Matches the segments of path against a route. Returns -1 when it does not
//  match, else a score: one bit per literal segment, the first the highest.
static long s_score(const gateway_route_t *route, char segs[][GATEWAY_PARAM_MAX + 1], size_t count)
{
    if (count != route->segment_count) {
        return -1;
    }
    long score = 0;
    for (size_t i = 0; i < count; i++) {
        bool param = route->segments[i][0] == '{';
        if (!param && strcmp(route->segments[i], segs[i]) != 0) {
            return -1;
        }
        score = score * 2 + (param ? 0 : 1);
    }
    return score;
}

//  Splits a request path after /api/v1/ into segs. Returns the count, or -1.
static int s_request_segments(const char *path, char segs[][GATEWAY_PARAM_MAX + 1])
{
    if (strncmp(path, "/api/v1/", 8) != 0) {
        return -1;
    }
    const char *seg = path + 8;
    int count = 0;
    for (;;) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || len > GATEWAY_PARAM_MAX || count == GATEWAY_SEGMENTS_MAX) {
            return -1;
        }
        memcpy(segs[count], seg, len);
        segs[count++][len] = 0;
        if (!seg[len]) {
            return count;
        }
        seg += len + 1;
    }
}

const gateway_route_t *gateway_router_match(gateway_router_t *self, const char *method,
                                            const char *path, gateway_params_t *params,
                                            bool *path_known)
{
    assert(self && method && path && params && path_known);
    static char segs[GATEWAY_SEGMENTS_MAX][GATEWAY_PARAM_MAX + 1]; // one thread matches
    *path_known = false;
    memset(params, 0, sizeof *params);
    int count = s_request_segments(path, segs);
    const gateway_route_t *best = NULL;
    long best_score = -1;
    for (size_t i = 0; count > 0 && i < self->count; i++) {
        const gateway_route_t *route = &self->entries[i]->route;
        long score = s_score(route, segs, (size_t)count);
        if (score < 0) {
            continue;
        }
        if (strcmp(route->method, method) != 0) {
            *path_known = true;
        } else if (score > best_score) {
            best = route;
            best_score = score;
        }
    }
    for (size_t i = 0; best && i < best->segment_count; i++) {
        if (best->segments[i][0] == '{') {
            int len = (int)strlen(best->segments[i]) - 2; // "{key}"
            snprintf(params->name[params->count], sizeof params->name[0], "%.*s", len,
                     best->segments[i] + 1);
            memcpy(params->value[params->count], segs[i], sizeof params->value[0]);
            params->count++;
        }
    }
    return best;
}

size_t gateway_router_count(gateway_router_t *self)
{
    assert(self);
    return self->count;
}

const gateway_route_t *gateway_router_at(gateway_router_t *self, size_t index)
{
    assert(self);
    return index < self->count ? &self->entries[index]->route : NULL;
}

const cJSON *gateway_route_arg(const gateway_route_t *route, const char *name)
{
    assert(route && name);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(route->description, "body");
    const cJSON *arg = NULL;
    cJSON_ArrayForEach(arg, body)
    {
        const cJSON *arg_name = cJSON_GetObjectItemCaseSensitive(arg, "name");
        if (cJSON_IsString(arg_name) && strcmp(arg_name->valuestring, name) == 0) {
            return arg;
        }
    }
    return NULL;
}
