/*  gateway_api: see gateway_api.h. */
#include "gateway_api.h"

#include <assert.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway_body.h"
#include "gateway_guard.h"
#include "gateway_ingest.h"
#include "gateway_openapi.h"
#include "gateway_report.h"
#include "gateway_session.h"
#include "gateway_sse.h"
#include "gateway_static.h"

#define S_KEY_MAX 63 // longest Idempotency-Key

struct _gateway_api_t {
    gateway_server_t *server; // borrowed
    gateway_sse_t *sse;       // the event streams
    gateway_static_t *files;  // the web dashboard's files, or NULL (no static_dir)
};

//  Sets req->id from Idempotency-Key, or a new one. Returns 0 or -1 (400).
static int s_request_id(gateway_request_t *req)
{
    const char *key =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Idempotency-Key");
    if (!key) {
        char secret[GATEWAY_SECRET_LEN + 1];
        gateway_store_secret(secret);
        snprintf(req->id, sizeof req->id, "gw-%.24s", secret);
        return 0;
    }
    size_t len = strlen(key);
    if (len == 0 || len > S_KEY_MAX ||
        strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") != len) {
        gateway_reply_invalid(req, "Idempotency-Key: must be 1 to 63 of A-Z a-z 0-9 . _ : -");
        return -1;
    }
    snprintf(req->id, sizeof req->id, "%s/%s", req->who.user, key);
    return 0;
}

//  --- the ops' routes ---

static void s_on_reply(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    if (reply) {
        gateway_reply_envelope(req, reply);
    } else {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "the service did not answer: %s", why);
    }
    gateway_server_done(req->server, req);
}

//  A body must be JSON (except where gateway_ingest reads tables).
static int s_json_body(gateway_request_t *req)
{
    const char *type =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Content-Type");
    if (req->body_size == 0 || !type || strncasecmp(type, "application/json", 16) == 0) {
        return 0;
    }
    gateway_reply_invalid(req, "Content-Type: must be application/json");
    return -1;
}

static void s_call_route(gateway_server_t *server, gateway_request_t *req,
                         const gateway_route_t *route, const gateway_params_t *params)
{
    gateway_query_t query;
    if (gateway_body_query(req, &query) != 0 || s_json_body(req) != 0) {
        return;
    }
    sti_writer_t *writer = sti_writer_new();
    char err[512];
    if (gateway_body_build(route, params, &query, req->body, req->body_size, req->id, writer, err,
                           sizeof err) != 0) {
        gateway_reply_invalid(req, err);
    } else {
        size_t size;
        const void *body = sti_writer_data(writer, &size);
        gateway_server_call(server, req, route->service, route->op, req->id, body, size,
                            s_on_reply);
    }
    sti_writer_destroy(&writer);
}

//  /api/v1/... beyond the fixed routes: who, then the route.
static void s_api(gateway_api_t *self, gateway_request_t *req)
{
    gateway_server_t *server = self->server;
    if (gateway_guard_authenticate(server, req) != 0 || s_request_id(req) != 0) {
        return;
    }
    if (strcmp(req->path, "/api/v1/events") == 0 ||
        strcmp(req->path, "/api/v1/events/since") == 0) {
        snprintf(req->route_label, sizeof req->route_label, "GET %s", req->path);
        if (strcmp(req->method, "GET") != 0) {
            gateway_reply_errorf(req, STI_ERR_INVALID_ARGUMENT, "%s answers GET only", req->path);
            req->status = 405;
        } else if (strcmp(req->path, "/api/v1/events") == 0) {
            gateway_sse_open(self->sse, req);
        } else {
            gateway_sse_since(self->sse, req);
        }
        return;
    }
    if (strcmp(req->path, "/api/v1/report.xlsx") == 0) {
        snprintf(req->route_label, sizeof req->route_label, "%s %s",
                 strcmp(req->method, "POST") == 0 ? "POST" : "GET", req->path);
        if (gateway_guard_csrf(req) == 0) {
            gateway_report_xlsx_answer(server, req);
        }
        return;
    }
    gateway_params_t params;
    bool path_known = false;
    const gateway_route_t *route = gateway_router_match(gateway_server_router(server), req->method,
                                                        req->path, &params, &path_known);
    if (!route) {
        gateway_reply_errorf(req, STI_ERR_NOT_FOUND, "%s %s: %s", req->method, req->path,
                             path_known ? "not with this method" : "no such route");
        req->status = path_known ? 405 : 404;
        return;
    }
    snprintf(req->route_label, sizeof req->route_label, "%s %s", route->method, route->path);
    if (gateway_guard_csrf(req) != 0) {
        return;
    }
    if (strcmp(route->op, "obs.submit") == 0) {
        gateway_ingest_submit(server, req, route);
    } else if (strcmp(route->op, "report.data") == 0) {
        gateway_report_answer(server, req, route, &params);
    } else {
        s_call_route(server, req, route, &params);
    }
}

static void s_dispatch(void *arg, gateway_request_t *req)
{
    gateway_api_t *self = (gateway_api_t *)arg;
    gateway_server_t *server = self->server;
    const char *path = req->path;
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    if (get && (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0)) {
        char why[256] = "";
        bool ready = strcmp(path, "/healthz") == 0 || gateway_server_ready(server, why, sizeof why);
        snprintf(req->route_label, sizeof req->route_label, "GET %s", path);
        if (ready) {
            gateway_reply_text(req, 200, "text/plain; charset=utf-8", "ok\n", 3);
        } else {
            gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "not ready: %s", why);
        }
    } else if (strcmp(path, "/api/v1/openapi.json") == 0 && get) {
        snprintf(req->route_label, sizeof req->route_label, "GET %s", path);
        gateway_openapi_answer(server, req);
    } else if (strcmp(path, "/api/v1/session") == 0) {
        snprintf(req->route_label, sizeof req->route_label, "%s %s", req->method, path);
        gateway_session_handle(server, req);
    } else if (strncmp(path, "/api/v1/", 8) == 0) {
        s_api(self, req);
    } else if (self->files && strncmp(path, "/api", 4) != 0) {
        snprintf(req->route_label, sizeof req->route_label, "%s static", get ? "GET" : "other");
        gateway_static_answer(self->files, req);
    } else {
        gateway_reply_errorf(req, STI_ERR_NOT_FOUND, "%s: no such route (the API is under /api/v1)",
                             path);
    }
}

static void s_closed(void *arg, gateway_request_t *req)
{
    gateway_api_t *self = (gateway_api_t *)arg;
    if (req->event_stream) {
        gateway_sse_closed(self->sse, req);
    }
}

static void s_event(void *arg, const gateway_event_msg_t *msg)
{
    gateway_sse_take(((gateway_api_t *)arg)->sse, msg);
}

static void s_fed(void *arg)
{
    gateway_sse_fed(((gateway_api_t *)arg)->sse);
}

static void s_tick(void *arg, int64_t now)
{
    gateway_sse_tick(((gateway_api_t *)arg)->sse, now);
}

static size_t s_streams(void *arg)
{
    return gateway_sse_count(((gateway_api_t *)arg)->sse);
}

static void s_stop(void *arg)
{
    gateway_sse_stop(((gateway_api_t *)arg)->sse);
}

gateway_api_t *gateway_api_new(gateway_server_t *server, char *err, size_t errlen)
{
    assert(server);
    gateway_api_t *self = calloc(1, sizeof *self);
    assert(self);
    self->server = server;
    const char *dir = gateway_server_config(server)->static_dir;
    if (dir && *dir && !(self->files = gateway_static_new(server, dir, err, errlen))) {
        free(self);
        return NULL;
    }
    self->sse = gateway_sse_new(server);
    return self;
}

void gateway_api_destroy(gateway_api_t **self_p)
{
    assert(self_p);
    gateway_api_t *self = *self_p;
    if (self) {
        gateway_sse_destroy(&self->sse);
        gateway_static_destroy(&self->files);
        free(self);
        *self_p = NULL;
    }
}

void gateway_api_handlers(gateway_api_t *self, gateway_handlers_t *handlers)
{
    assert(self && handlers);
    *handlers =
        (gateway_handlers_t){self, s_dispatch, s_closed, s_event, s_fed, s_tick, s_streams, s_stop};
}
