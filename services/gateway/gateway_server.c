/*  gateway_server: see gateway_server.h.

    The thread. gateway_server_new starts libmicrohttpd (no thread of its
    own: MHD_USE_EPOLL without an internal polling thread) on the caller's
    thread, so a port that cannot be bound is said at once, then hands it
    to a CZMQ actor whose loop is the only code that touches it from then
    on, with the calls, the router, the store's Redis connection and the
    event streams. $TERM on the actor's pipe ends the loop.

    A request's life: the access handler makes its gateway_request_t on
    the first call (headers complete), takes its body in the next ones,
    and runs the API (the handlers' dispatch) on the last; an answer set by
    then is queued at once, else the connection is suspended until
    gateway_server_done resumes it and the handler, called again, queues
    the answer. libmicrohttpd's "completed" notice frees the request, and
    cancels its call if one is still out.

    Slowloris. libmicrohttpd times a connection out only when it is idle,
    and a byte a second is not idle: each connection is tracked from its
    start (MHD_OPTION_NOTIFY_CONNECTION), and one whose request line and
    headers are not complete header_timeout_s after it opened (or after its
    previous request ended, plus idle_timeout_s) has its socket shut down,
    which libmicrohttpd sees as the peer gone.
*/
#include "gateway_server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "gateway_metrics.h"
#include "sti_behalf.h"
#include "sti_log.h"

#define S_OWN_NAME "sti-gateway" // the name the gateway's own calls are made under
#define S_SERVICES_MAX 16        // services whose routes are asked for
#define S_UNLOADED_RETRY_MS 2000 // how often a service not yet described is asked
#define S_HOUSEKEEPING_MS 250    // the loop's longest sleep
#define S_SWEEP_MS 20            // the walks over every connection and stream, at most this often

//  A connection, from its start to its end.
typedef struct {
    struct MHD_Connection *connection; // libmicrohttpd's
    int64_t deadline;                  // its request must be in by then (zclock_mono)
    bool in_request;                   // the headers of a request are in
    void *handle;                      // its place in the list
} s_conn_t;

typedef struct {
    gateway_server_t *server;           // whose
    char name[GATEWAY_SERVICE_MAX + 1]; // "sti.talent"
    bool loaded;                        // described at least once
    bool asking;                        // ops.describe in flight
    int64_t next;                       // when to ask again
} s_service_t;

struct _gateway_server_t {
    const gateway_config_t *config;    // borrowed
    const sti_common_config_t *common; // borrowed
    struct MHD_Daemon *daemon;         // the API's server
    int port;                          // bound
    bool tls;                          // HTTPS
    char *tls_cert, *tls_key;          // the PEM texts (owned, libmicrohttpd keeps pointers)
    zactor_t *actor;                   // the HTTP thread
    //  Owned by the HTTP thread once it runs:
    sti_redis_t *redis;                   // sessions, tokens
    gateway_store_t *store;               // on redis
    gateway_calls_t *calls;               // to the services
    gateway_router_t *router;             // the ops' routes
    gateway_events_t *events;             // the events thread
    int64_t next_sweep;                   // the walks of s_housekeeping, not before (zclock_mono)
    gateway_handlers_t handlers;          // the API
    gateway_metrics_t *metrics;           // counters
    zlistx_t *connections;                // s_conn_t *
    zlistx_t *requests;                   // gateway_request_t *, every one not yet completed
    s_service_t services[S_SERVICES_MAX]; // whose routes are asked for
    size_t service_count;                 // entries
    uint64_t own_calls;                   // counter, for the ids of the gateway's own calls
};

//  --- answers ---

void gateway_server_headers(gateway_server_t *self, struct MHD_Response *response)
{
    MHD_add_response_header(response, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(response, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(response, "Permissions-Policy",
                            "camera=(), microphone=(), "
                            "geolocation=()");
    if (self->tls) {
        MHD_add_response_header(response, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains");
    }
}

//  Queues req's answer. Returns libmicrohttpd's verdict.
static enum MHD_Result s_queue(gateway_server_t *self, gateway_request_t *req)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(
        req->payload_size, req->payload ? req->payload : (char *)"", MHD_RESPMEM_MUST_COPY);
    gateway_server_headers(self, response);
    MHD_add_response_header(response, "Cache-Control", "no-store");
    MHD_add_response_header(response, "Content-Type",
                            req->content_type ? req->content_type : "application/json");
    for (size_t i = 0; i < req->header_count; i++) {
        MHD_add_response_header(response, req->headers[i][0], req->headers[i][1]);
    }
    enum MHD_Result rc = MHD_queue_response(req->connection, (unsigned)req->status, response);
    MHD_destroy_response(response);
    req->answered = true;
    gateway_server_counted(self, req, req->status, req->payload_size);
    gateway_reply_clear(req);
    return rc;
}

void gateway_server_counted(gateway_server_t *self, gateway_request_t *req, int status,
                            size_t bytes_out)
{
    gateway_metrics_request(self->metrics, req->route_label[0] ? req->route_label : "other", status,
                            zclock_usecs() - req->started_us);
    gateway_metrics_bytes(self->metrics, req->body_size, bytes_out);
}

void gateway_server_done(gateway_server_t *self, gateway_request_t *req)
{
    assert(self && req);
    if (req->suspended) {
        req->suspended = false;
        MHD_resume_connection(req->connection);
    }
}

//  --- requests ---

static s_conn_t *s_conn_of(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? (s_conn_t *)info->socket_context : NULL;
}

static gateway_request_t *s_request_new(gateway_server_t *self, struct MHD_Connection *connection,
                                        const char *url, const char *method)
{
    gateway_request_t *req = calloc(1, sizeof *req);
    assert(req);
    req->server = self;
    req->connection = connection;
    req->started_us = zclock_usecs();
    snprintf(req->method, sizeof req->method, "%s", method);
    req->path = strdup(url);
    assert(req->path);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info && info->client_addr && info->client_addr->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)info->client_addr)->sin_addr, req->address,
                  sizeof req->address);
    } else if (info && info->client_addr && info->client_addr->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)info->client_addr)->sin6_addr,
                  req->address, sizeof req->address);
    }
    s_conn_t *conn = s_conn_of(connection);
    if (conn) {
        conn->in_request = true;
    }
    req->handle = zlistx_add_end(self->requests, req);
    return req;
}

static void s_request_free(gateway_request_t **req_p)
{
    gateway_request_t *req = *req_p;
    if (req) {
        if (req->free_state) {
            req->free_state(req->state);
        }
        gateway_reply_clear(req);
        free(req->path);
        free(req->body);
        free(req);
        *req_p = NULL;
    }
}

//  The first call: a body announced larger than body_max is refused before
//  it is read.
static enum MHD_Result s_begin(gateway_server_t *self, gateway_request_t *req)
{
    const char *length =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull(length, NULL, 10) > (unsigned long long)self->config->body_max) {
        req->body_too_large = true;
        req->started = true;
        gateway_metrics_cut(self->metrics, "body_too_large");
        gateway_reply_errorf(req, STI_ERR_TOO_LARGE, "the body is larger than %lld bytes",
                             (long long)self->config->body_max);
        gateway_reply_header(req, "Connection", "close");
        return s_queue(self, req);
    }
    return MHD_YES;
}

//  Takes a piece of the body. Returns MHD_NO (close the connection) when it
//  passes body_max: a body without a Content-Length is cut there.
static enum MHD_Result s_take(gateway_server_t *self, gateway_request_t *req, const char *data,
                              size_t size)
{
    if (req->body_size + size > (size_t)self->config->body_max) {
        gateway_metrics_cut(self->metrics, "body_too_large");
        return MHD_NO;
    }
    char *grown = realloc(req->body, req->body_size + size + 1);
    assert(grown);
    req->body = grown;
    memcpy(req->body + req->body_size, data, size);
    req->body_size += size;
    req->body[req->body_size] = 0;
    return MHD_YES;
}

static enum MHD_Result s_access(void *cls, struct MHD_Connection *connection, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **con_cls)
{
    (void)version;
    gateway_server_t *self = (gateway_server_t *)cls;
    gateway_request_t *req = (gateway_request_t *)*con_cls;
    if (!req) {
        req = s_request_new(self, connection, url, method);
        *con_cls = req;
        return s_begin(self, req);
    }
    if (*upload_data_size) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        return req->answered ? MHD_YES : s_take(self, req, upload_data, size);
    }
    if (req->answered) {
        return MHD_YES;
    }
    if (!req->started) {
        req->started = true;
        self->handlers.dispatch(self->handlers.arg, req);
    }
    if (req->status) {
        return s_queue(self, req);
    }
    if (!req->answered && !req->suspended) {
        req->suspended = true;
        MHD_suspend_connection(connection);
    }
    return MHD_YES;
}

static void s_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                        enum MHD_RequestTerminationCode code)
{
    (void)code;
    gateway_server_t *self = (gateway_server_t *)cls;
    gateway_request_t *req = (gateway_request_t *)*con_cls;
    if (req) {
        gateway_server_cancel(self, req);
        self->handlers.closed(self->handlers.arg, req);
        zlistx_delete(self->requests, req->handle);
        s_request_free(&req);
        *con_cls = NULL;
    }
    s_conn_t *conn = s_conn_of(connection);
    if (conn) {
        conn->in_request = false;
        conn->deadline = zclock_mono() + self->config->idle_timeout_s * 1000;
    }
}

static void s_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                         enum MHD_ConnectionNotificationCode code)
{
    gateway_server_t *self = (gateway_server_t *)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        s_conn_t *conn = calloc(1, sizeof *conn);
        assert(conn);
        conn->connection = connection;
        conn->deadline = zclock_mono() + self->config->header_timeout_s * 1000;
        conn->handle = zlistx_add_end(self->connections, conn);
        *socket_context = conn;
    } else if (*socket_context) {
        s_conn_t *conn = (s_conn_t *)*socket_context;
        zlistx_delete(self->connections, conn->handle);
        free(conn);
        *socket_context = NULL;
    }
}

//  Shuts down the connections whose request did not come in time.
static void s_cut_slow(gateway_server_t *self, int64_t now)
{
    for (s_conn_t *conn = zlistx_first(self->connections); conn;
         conn = zlistx_next(self->connections)) {
        if (conn->in_request || now < conn->deadline) {
            continue;
        }
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info) {
            shutdown(info->connect_fd, SHUT_RDWR);
            gateway_metrics_cut(self->metrics, "header_timeout");
        }
        conn->deadline = INT64_MAX;
    }
}

//  --- calls ---

//  Runs the handler's continuation once the call's answer is in.
static void s_on_answer(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    req->calling = false;
    gateway_call_fn *fn = req->on_answer;
    req->on_answer = NULL;
    fn(req, reply, why);
}

//  Encodes {op, id, as, body} into writer ({op, id, body} without as).
static void s_encode(sti_writer_t *writer, const char *op, const char *id, const sti_behalf_t *as,
                     const void *body, size_t size)
{
    if (as) {
        sti_behalf_request(writer, op, id, as);
    } else {
        sti_envelope_request(writer, op, id);
    }
    if (body) {
        sti_writer_raw(writer, body, size);
    } else {
        sti_writer_map(writer, 0);
    }
}

int gateway_server_call(gateway_server_t *self, gateway_request_t *req, const char *service,
                        const char *op, const char *id, const void *body, size_t size,
                        gateway_call_fn *fn)
{
    assert(self && req && service && op && id && fn && !req->calling);
    sti_writer_t *writer = sti_writer_new();
    sti_behalf_t as = {req->who.user, req->who.role, req->who.scope};
    s_encode(writer, op, id, req->who.known ? &as : NULL, body, size);
    size_t bytes;
    const void *data = sti_writer_data(writer, &bytes);
    req->on_answer = fn;
    int rc = gateway_calls_send(self->calls, service, id, data, bytes, s_on_answer, req);
    sti_writer_destroy(&writer);
    if (rc == 1) {
        gateway_reply_errorf(req, STI_ERR_CONFLICT,
                             "a request with this Idempotency-Key (%s) is being answered now", id);
        return -1;
    }
    if (rc < 0) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "the broker cannot take requests now");
        return -1;
    }
    snprintf(req->call_id, sizeof req->call_id, "%s", id);
    req->calling = true;
    return 0;
}

int gateway_server_call_own(gateway_server_t *self, const char *service, const char *op,
                            const char *id, const void *body, size_t size, gateway_call_fn *fn,
                            void *arg)
{
    assert(self && service && op && id && fn);
    sti_writer_t *writer = sti_writer_new();
    sti_behalf_t as = {S_OWN_NAME, "reader", NULL};
    s_encode(writer, op, id, &as, body, size);
    size_t bytes;
    const void *data = sti_writer_data(writer, &bytes);
    int rc = gateway_calls_send(self->calls, service, id, data, bytes, fn, arg);
    sti_writer_destroy(&writer);
    return rc == 0 ? 0 : -1;
}

void gateway_server_cancel(gateway_server_t *self, gateway_request_t *req)
{
    assert(self && req);
    if (req->calling) {
        gateway_calls_cancel(self->calls, req->call_id);
        req->calling = false;
    }
}

void gateway_server_sent(gateway_server_t *self, size_t bytes)
{
    gateway_metrics_bytes(self->metrics, 0, bytes);
}

void gateway_server_cut(gateway_server_t *self, const char *reason)
{
    gateway_metrics_cut(self->metrics, reason);
}

//  --- the routes ---

static void s_on_describe(void *arg, const sti_reply_t *reply, const char *why)
{
    s_service_t *service = (s_service_t *)arg;
    gateway_server_t *self = service->server;
    service->asking = false;
    if (!reply || !reply->ok) {
        sti_warn("gateway: the ops of %s are not described: %s", service->name,
                 reply ? reply->message : why);
        return;
    }
    char err[256];
    int held = gateway_router_load(self->router, service->name, reply->body, err, sizeof err);
    if (held < 0) {
        sti_warn("gateway: %s", err);
        return;
    }
    if (!service->loaded) {
        sti_info("gateway: %d routes of %s", held, service->name);
    }
    service->loaded = true;
    service->next = zclock_mono() + self->config->routes_refresh_s * 1000;
}

//  Asks the services whose description is due.
static void s_refresh(gateway_server_t *self, int64_t now)
{
    for (size_t i = 0; i < self->service_count; i++) {
        s_service_t *service = &self->services[i];
        if (service->asking || now < service->next) {
            continue;
        }
        char id[96];
        snprintf(id, sizeof id, "gw-describe-%s-%llu", service->name,
                 (unsigned long long)++self->own_calls);
        service->next =
            now + (service->loaded ? self->config->routes_refresh_s * 1000 : S_UNLOADED_RETRY_MS);
        service->asking = gateway_server_call_own(self, service->name, "ops.describe", id, NULL, 0,
                                                  s_on_describe, service) == 0;
    }
}

bool gateway_server_ready(gateway_server_t *self, char *why, size_t cap)
{
    assert(self && why);
    why[0] = 0;
    if (!sti_redis_connected(self->redis)) {
        snprintf(why, cap, "Redis is not reachable");
        return false;
    }
    for (size_t i = 0; i < self->service_count; i++) {
        if (!self->services[i].loaded) {
            snprintf(why, cap, "the ops of %s are not known yet", self->services[i].name);
            return false;
        }
    }
    return true;
}

//  --- the loop ---

//  Takes what the events thread handed over, then feeds the streams once:
//  a burst of events costs one walk over the streams, not one an event.
static void s_take_events(gateway_server_t *self)
{
    gateway_event_msg_t msg;
    bool took = false;
    while (gateway_events_recv(self->events, &msg) == 0) {
        self->handlers.event(self->handlers.arg, &msg);
        gateway_event_msg_clear(&msg);
        took = true;
    }
    if (took) {
        self->handlers.fed(self->handlers.arg);
    }
}

//  One turn's timers: calls, routes, slow connections, event streams. The
//  walks over every connection and event stream serve timers of a second
//  or more (header deadlines, heartbeats, replays asked again): at most
//  every S_SWEEP_MS, not each turn, which comes thousands of times a second
//  while streams are sent (libmicrohttpd sends one block a turn).
static int64_t s_housekeeping(gateway_server_t *self)
{
    int64_t now = zclock_mono();
    int64_t wait = gateway_calls_tick(self->calls, now);
    s_refresh(self, now);
    if (now >= self->next_sweep) {
        self->next_sweep = now + S_SWEEP_MS;
        s_cut_slow(self, now);
        self->handlers.tick(self->handlers.arg, now);
        gateway_metrics_gauges(self->metrics, (int64_t)zlistx_size(self->connections),
                               (int64_t)self->handlers.streams(self->handlers.arg),
                               (int64_t)gateway_calls_in_flight(self->calls));
    }
    return wait < S_HOUSEKEEPING_MS ? wait : S_HOUSEKEEPING_MS;
}

//  Ends what sleeps, so that libmicrohttpd may stop (it refuses to while a
//  connection is suspended): the event streams get their last comment, the
//  requests waiting for a service 503. Then runs libmicrohttpd until none
//  sleeps and every event stream has sent its last comment, at most 2 s (a
//  resumed stream is written only by a later run: stopping as soon as none
//  sleeps lost the comment on a busy machine).
static void s_wind_down(gateway_server_t *self)
{
    self->handlers.stop(self->handlers.arg);
    for (gateway_request_t *req = zlistx_first(self->requests); req;
         req = zlistx_next(self->requests)) {
        if (req->calling && !req->event_stream) {
            gateway_server_cancel(self, req);
            gateway_reply_errorf(req, STI_ERR_UNAVAILABLE,
                                 "the gateway is stopping: send it again");
            gateway_server_done(self, req);
        }
    }
    int64_t deadline = zclock_mono() + 2000;
    bool sleeping = true;
    while (sleeping && zclock_mono() < deadline) {
        MHD_run(self->daemon);
        sleeping = false;
        for (gateway_request_t *req = zlistx_first(self->requests); req;
             req = zlistx_next(self->requests)) {
            const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CONNECTION_SUSPENDED);
            sleeping = sleeping || req->event_stream || req->suspended || (info && info->suspended);
        }
        if (sleeping) {
            zclock_sleep(10);
        }
    }
    if (sleeping) {
        sti_warn("gateway: connections still waiting after 2 s as the gateway stops");
    }
}

static void s_loop(zsock_t *pipe, void *arg)
{
    gateway_server_t *self = (gateway_server_t *)arg;
    zsock_signal(pipe, 0);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    int epoll_fd = info ? info->epoll_fd : -1;
    bool done = false;
    while (!done) {
        int64_t wait = s_housekeeping(self);
        MHD_UNSIGNED_LONG_LONG mhd_ms = 0;
        if (MHD_get_timeout(self->daemon, &mhd_ms) == MHD_YES && (int64_t)mhd_ms < wait) {
            wait = (int64_t)mhd_ms;
        }
        zmq_pollitem_t items[] = {
            {zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(gateway_calls_sock(self->calls)), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(gateway_events_sock(self->events)), 0, ZMQ_POLLIN, 0},
            {NULL, epoll_fd, ZMQ_POLLIN, 0},
        };
        if (zmq_poll(items, 4, (long)wait) < 0 && zmq_errno() != EINTR) {
            break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            char *command = zstr_recv(pipe);
            done = !command || strcmp(command, "$TERM") == 0;
            zstr_free(&command);
        }
        gateway_calls_read(self->calls);
        s_take_events(self);
        MHD_run(self->daemon);
    }
    s_wind_down(self);
}

//  --- start and stop ---

//  "0.0.0.0:5575", ":5575" or "127.0.0.1:0" into sa. Returns 0 or -1.
static int s_parse_addr(const char *addr, struct sockaddr_in *sa)
{
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    char host[64];
    if (!colon || (size_t)(colon - addr) >= sizeof host) {
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535) {
        return -1;
    }
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!host[0] || strcmp(host, "*") == 0) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    return inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &sa->sin_addr) ==
                   1
               ? 0
               : -1;
}

//  Raises the soft limit of open files to fit max_connections and the rest.
static void s_raise_files(int64_t max_connections)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)max_connections + 256) {
        rlim_t want = (rlim_t)max_connections + 256;
        limit.rlim_cur = want < limit.rlim_max ? want : limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < want) {
            sti_warn("gateway: open files limited to %llu: fewer than %lld connections fit",
                     (unsigned long long)limit.rlim_cur, (long long)max_connections);
        }
    }
}

static void s_mhd_log(void *cls, const char *format, va_list args)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, format, args);
    line[strcspn(line, "\n")] = 0;
    sti_debug("gateway: libmicrohttpd: %s", line);
}

//  Reads a PEM file (caller frees). Returns NULL with err set.
static char *s_read_pem(const char *path, char *err, size_t errlen)
{
    FILE *file = fopen(path, "rb");
    char *text = file ? calloc(1, 65537) : NULL;
    size_t got = text ? fread(text, 1, 65536, file) : 0;
    if (file) {
        fclose(file);
    }
    if (!text || got == 0 || got == 65536) {
        snprintf(err, errlen, "cannot read %s (a PEM file of at most 64 KiB)", path);
        free(text);
        return NULL;
    }
    return text;
}

//  Starts libmicrohttpd. Returns 0, or -1 with err set.
static int s_start_daemon(gateway_server_t *self, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (s_parse_addr(self->config->listen, &sa) != 0) {
        snprintf(err, errlen, "listen: '%s' is not HOST:PORT (IPv4)", self->config->listen);
        return -1;
    }
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (self->config->tls_cert && *self->config->tls_cert) {
        self->tls_cert = s_read_pem(self->config->tls_cert, err, errlen);
        self->tls_key = self->tls_cert ? s_read_pem(self->config->tls_key, err, errlen) : NULL;
        if (!self->tls_key) {
            return -1;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(err, errlen, "this libmicrohttpd has no TLS: terminate HTTPS in front");
            return -1;
        }
        flags |= MHD_USE_TLS;
        self->tls = true;
    }
    s_raise_files(self->config->max_connections);
    self->daemon = MHD_start_daemon(
        flags, ntohs(sa.sin_port), NULL, NULL, s_access, self, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)self->config->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)self->config->idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)self->config->header_max, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self, MHD_OPTION_NOTIFY_CONNECTION, s_connection,
        self, MHD_OPTION_UNESCAPE_CALLBACK, gateway_request_unescape, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self, MHD_OPTION_HTTPS_MEM_KEY,
        self->tls ? self->tls_key : NULL, MHD_OPTION_HTTPS_MEM_CERT,
        self->tls ? self->tls_cert : NULL, MHD_OPTION_END);
    if (!self->daemon) {
        snprintf(err, errlen, "cannot listen on %s", self->config->listen);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : ntohs(sa.sin_port);
    return 0;
}

//  The services of the setting, whose routes are asked for.
static void s_services(gateway_server_t *self)
{
    char *list = strdup(self->config->services);
    assert(list);
    for (char *save = NULL, *name = strtok_r(list, ", ", &save);
         name && self->service_count < S_SERVICES_MAX; name = strtok_r(NULL, ", ", &save)) {
        s_service_t *service = &self->services[self->service_count++];
        service->server = self;
        snprintf(service->name, sizeof service->name, "%s", name);
    }
    free(list);
}

gateway_server_t *gateway_server_new(const gateway_config_t *config,
                                     const sti_common_config_t *common, sti_http_t *http, char *err,
                                     size_t errlen)
{
    assert(config && common && http);
    gateway_server_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->common = common;
    self->connections = zlistx_new();
    self->requests = zlistx_new();
    self->metrics = gateway_metrics_new(http);
    self->router = gateway_router_new();
    s_services(self);
    self->redis = sti_redis_new(common->redis_url, common->ns, err, errlen);
    if (self->redis && common->redis_sentinels && *common->redis_sentinels &&
        sti_redis_set_sentinels(self->redis, common->redis_sentinels, common->redis_master_name,
                                err, errlen) != 0) {
        sti_redis_destroy(&self->redis);
    }
    self->store = self->redis ? gateway_store_new(self->redis) : NULL;
    self->calls = self->store ? gateway_calls_new(common->broker, (int)config->call_timeout_ms,
                                                  (int)config->call_sends, err, errlen)
                              : NULL;
    self->events = self->calls ? gateway_events_new(config->streams, common->events_sub,
                                                    common->broker, S_OWN_NAME, err, errlen)
                               : NULL;
    if (!self->events || s_start_daemon(self, err, errlen) != 0) {
        gateway_server_destroy(&self);
        return NULL;
    }
    return self;
}

void gateway_server_start(gateway_server_t *self, const gateway_handlers_t *handlers)
{
    assert(self && handlers && !self->actor);
    self->handlers = *handlers;
    self->actor = zactor_new(s_loop, self);
}

void gateway_server_destroy(gateway_server_t **self_p)
{
    assert(self_p);
    gateway_server_t *self = *self_p;
    if (!self) {
        return;
    }
    zactor_destroy(&self->actor);
    if (self->daemon) {
        MHD_stop_daemon(self->daemon); // completes (and frees) every request
    }
    gateway_events_destroy(&self->events);
    gateway_calls_destroy(&self->calls);
    gateway_store_destroy(&self->store);
    sti_redis_destroy(&self->redis);
    gateway_router_destroy(&self->router);
    gateway_metrics_destroy(&self->metrics);
    zlistx_destroy(&self->connections);
    zlistx_destroy(&self->requests);
    free(self->tls_cert);
    free(self->tls_key);
    free(self);
    *self_p = NULL;
}

int gateway_server_port(gateway_server_t *self)
{
    assert(self);
    return self->port;
}

const gateway_config_t *gateway_server_config(gateway_server_t *self)
{
    assert(self);
    return self->config;
}

gateway_router_t *gateway_server_router(gateway_server_t *self)
{
    assert(self);
    return self->router;
}

gateway_store_t *gateway_server_store(gateway_server_t *self)
{
    assert(self);
    return self->store;
}
