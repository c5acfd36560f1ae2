/*  gateway_request: one HTTP request while the gateway answers it, and the
    answer it gets.

    The server (gateway_server) makes one per request, collects its body
    (bounded), and hands it to a handler; the handler answers at once or
    later (after a service's reply), always through the functions here, so
    every answer carries the same security headers and every error the same
    JSON shape: {"error": {"code", "message", "details"}}, with the HTTP
    status that goes with the envelope's code (docs/gateway.md):

        invalid_argument 400   unauthenticated 401   forbidden 403
        not_found 404          conflict 409          too_large 413
        rate_limited 429 (Retry-After)   unavailable 503 (Retry-After)
        internal 500
*/
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway_calls.h"
#include "sti_auth.h"
#include "sti_envelope.h"
#include "sti_op.h"

#define GATEWAY_HEADERS_MAX 6 // extra headers of one answer
#define GATEWAY_CSRF_LEN 43   // a CSRF token: 32 random bytes, base64url without padding

struct MHD_Connection;
typedef struct _gateway_server_t gateway_server_t;

//  Who is asking: the person or machine the request authenticated as.
typedef struct {
    bool known;                         // authenticated
    char user[STI_AUTH_NAME_MAX + 1];   // user name, or the token's name
    char role[STI_AUTH_ROLE_MAX + 1];   // reader, clerk, officer, admin
    char scope[STI_AUTH_SCOPE_MAX + 1]; // org unit, or ""
    bool by_cookie;                     // a session cookie (writes need the CSRF token)
    char csrf[GATEWAY_CSRF_LEN + 1];    // the session's CSRF token
    char session[GATEWAY_CSRF_LEN + 1]; // the session's id (cookie), for sign-out
} gateway_who_t;

typedef struct gateway_request gateway_request_t;
//  Frees a handler's state when the request ends.
typedef void(gateway_state_free_fn)(void *state);

struct gateway_request {
    gateway_server_t *server;                  // the server it came to
    struct MHD_Connection *connection;         // libmicrohttpd's connection
    char method[8];                            // GET, POST, ...
    char *path;                                // the path, without the query (owned)
    char address[64];                          // the client's address, for rate limits and audit
    char *body;                                // the body so far (owned), NUL-terminated
    size_t body_size;                          // its bytes
    bool body_too_large;                       // more than body_max came: refused
    bool started;                              // the handler has run
    bool suspended;                            // waiting for a service (libmicrohttpd suspended it)
    bool answered;                             // the answer is queued
    gateway_who_t who;                         // who is asking (once authenticated)
    char id[STI_ID_MAX + 1];                   // the request id (Idempotency-Key, or made)
    bool calling;                              // a call with call_id is in flight
    char call_id[STI_ID_MAX + 1];              // the id of the call in flight
    gateway_call_fn *on_answer;                // runs with the call's answer (arg: the request)
    bool event_stream;                         // an event stream (gateway_sse owns state)
    void *handle;                              // its place in the server's list of requests
    char route_label[STI_ROUTE_PATH_MAX + 16]; // for metrics: "GET /api/v1/talents/{id}"
    int64_t started_us;                        // zclock_usecs() at the first byte handled
    void *state;                               // the handler's (owned, freed by free_state)
    gateway_state_free_fn *free_state;         // frees state, or NULL
    //  The answer, until it is queued.
    int status;                            // HTTP status, 0 while none
    char *payload;                         // its body (owned)
    size_t payload_size;                   // bytes
    const char *content_type;              // static text
    char *headers[GATEWAY_HEADERS_MAX][2]; // extra headers, name and value (owned)
    size_t header_count;                   // used
};

//  The HTTP status of an envelope's error code.
int gateway_status_of(sti_errcode_t code);

//  Sets the answer: status and a JSON document (taken, deleted here).
void gateway_reply_json(gateway_request_t *req, int status, cJSON **json_p);
//  Sets the answer: status and text as given (copied) with its content type.
void gateway_reply_text(gateway_request_t *req, int status, const char *type, const char *text,
                        size_t size);
//  Sets an error answer {"error": {code, message, details}}; details (taken,
//  may be NULL for []) is an array of {index, field, reason}.
void gateway_reply_error(gateway_request_t *req, sti_errcode_t code, const char *message,
                         cJSON *details);
//  As gateway_reply_error with a printf message.
void gateway_reply_errorf(gateway_request_t *req, sti_errcode_t code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
//  Sets the answer to a service's reply: ok, 200 and the body as JSON; else
//  the error with its status (Retry-After for rate_limited and unavailable).
void gateway_reply_envelope(gateway_request_t *req, const sti_reply_t *reply);
//  Adds a header to the answer (copied).
void gateway_reply_header(gateway_request_t *req, const char *name, const char *value);
//  Sets an invalid_argument answer from "field: reason" (one detail
//  {index: -1, field, reason}).
void gateway_reply_invalid(gateway_request_t *req, const char *err);
//  The details of an envelope error as JSON (never NULL).
cJSON *gateway_details_json(sti_node_t details);
//  Frees what the answer holds (not the request).
void gateway_reply_clear(gateway_request_t *req);
//  libmicrohttpd's unescape callback (the path, the query's names and
//  values): %XX decoded in place as libmicrohttpd does, but %00 left as it
//  is, so that a NUL never cuts a path short ("/index.html%00.js" stays a
//  name no file has). Returns the new length.
size_t gateway_request_unescape(void *cls, struct MHD_Connection *connection, char *uri);
