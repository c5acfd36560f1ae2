/*  gateway_server: the HTTP side of sti-gateway, on a thread of its own.

    libmicrohttpd in its epoll mode, driven by this thread's own loop
    (MHD_run after a zmq_poll over libmicrohttpd's epoll descriptor, the
    socket of the calls to the services, the events thread's pipe): one
    thread holds every connection. A request that waits for a service is
    suspended (MHD_suspend_connection) and resumed when the answer comes,
    so nothing blocks and no connection has a thread of its own; an event
    stream is suspended whenever it has nothing to send.

    Bounds: a request's line and headers get header_max bytes of memory
    (more: 431/413 from libmicrohttpd) and must be complete within
    header_timeout_s of the connection's start, however slowly they come
    (slowloris: the socket is shut down); a body may have body_max bytes
    (more: 413, cut before it is read); a connection idle for
    idle_timeout_s is closed; at most max_connections are held (the file
    descriptor limit is raised to fit).

    Every answer carries the security headers (docs/gateway.md): a strict
    Content-Security-Policy without inline script, frame-ancestors 'none',
    X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer,
    Cache-Control: no-store for the API, and HSTS under HTTPS.

    The routes of the services' ops are asked (ops.describe) at start,
    every 2 s until every service of the list answered, then every
    routes_refresh_s. What the API does with a request is gateway_api.
*/
#pragma once
#include "gateway_calls.h"
#include "gateway_config.h"
#include "gateway_events.h"
#include "gateway_request.h"
#include "gateway_router.h"
#include "gateway_store.h"
#include "sti_http.h"
#include "sti_service.h"

struct MHD_Response;

//  What the server hands over to the API (gateway_api), on its thread.
typedef struct {
    void *arg;                                                // handed to each
    void (*dispatch)(void *arg, gateway_request_t *req);      // answers a request
    void (*closed)(void *arg, gateway_request_t *req);        // a request ended
    void (*event)(void *arg, const gateway_event_msg_t *msg); // from the events thread
    void (*fed)(void *arg);                                   // after a turn's events
    void (*tick)(void *arg, int64_t now);                     // each turn of the loop
    size_t (*streams)(void *arg);                             // event streams open
    void (*stop)(void *arg);                                  // end every event stream
} gateway_handlers_t;

//  Binds the API's address. common and config must outlive the server;
//  metrics go to http (the service's /metrics). Returns NULL with a reason
//  in err. The thread starts with gateway_server_start.
gateway_server_t *gateway_server_new(const gateway_config_t *config,
                                     const sti_common_config_t *common, sti_http_t *http, char *err,
                                     size_t errlen);
//  Starts the thread, which hands requests to handlers (copied).
void gateway_server_start(gateway_server_t *self, const gateway_handlers_t *handlers);
//  Stops the thread: open event streams end with a last comment, requests
//  waiting for a service are answered 503, then libmicrohttpd stops.
void gateway_server_destroy(gateway_server_t **self_p);
//  The port the API listens on.
int gateway_server_port(gateway_server_t *self);

//  True when the API can answer: Redis is reachable and every service of
//  the list has described its ops; else why says what is missing.
bool gateway_server_ready(gateway_server_t *self, char *why, size_t cap);

//  --- for the handlers, on the HTTP thread ---

const gateway_config_t *gateway_server_config(gateway_server_t *self);
gateway_router_t *gateway_server_router(gateway_server_t *self);
gateway_store_t *gateway_server_store(gateway_server_t *self);
//  The answer of req is set: it goes out now (from the handler) or as soon
//  as the connection is resumed (after a service's answer).
void gateway_server_done(gateway_server_t *self, gateway_request_t *req);
//  Calls op of service for req's person (as: who; without `as` while
//  nobody is signed in: the sign-in itself) with the body (size
//  bytes of MessagePack, NULL for none) under request id; fn runs with the
//  answer, and must set req's answer and call gateway_server_done, or make
//  another call. Returns 0, or -1 with an error answer set on req (a call
//  with that id is in flight: 409; the broker cannot be reached: 503).
int gateway_server_call(gateway_server_t *self, gateway_request_t *req, const char *service,
                        const char *op, const char *id, const void *body, size_t size,
                        gateway_call_fn *fn);
//  As gateway_server_call for the gateway's own needs, under its own name
//  and role reader, with arg for fn (not tied to a request).
int gateway_server_call_own(gateway_server_t *self, const char *service, const char *op,
                            const char *id, const void *body, size_t size, gateway_call_fn *fn,
                            void *arg);
//  Forgets req's call in flight (its client left).
void gateway_server_cancel(gateway_server_t *self, gateway_request_t *req);
//  Counts bytes sent on an event stream (metrics).
void gateway_server_sent(gateway_server_t *self, size_t bytes);
//  Counts a connection or stream cut (metrics): "slow_reader", ...
void gateway_server_cut(gateway_server_t *self, const char *reason);
//  Counts req answered with status and bytes_out (metrics), for a handler
//  that queued its answer itself (event streams, files).
void gateway_server_counted(gateway_server_t *self, gateway_request_t *req, int status,
                            size_t bytes_out);
//  Adds the security headers every answer carries.
void gateway_server_headers(gateway_server_t *self, struct MHD_Response *response);
