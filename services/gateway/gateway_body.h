/*  gateway_body: an op's request body made from an HTTP request.

    The body map is the union of three sources, and a key may come from one
    of them only:
      - the path's {key} segments (gateway_router),
      - the query string (?year=2025&org=donghu),
      - the JSON body, which must be an object (POST, PUT, PATCH).
    A value from the path or the query is text; it is converted to the type
    the op declares for that key (ops.describe): an integer, a number,
    true/false (or 1/0), a string as is, and for a map, an array or any
    value, JSON text. A key the op does not declare stays text, and the
    service refuses it by name like any unknown key. When the op declares
    `request_id` and none was given, it is the request's id (the
    Idempotency-Key), so a retried POST is applied once.

    The JSON text is hostile input: sti_json bounds its depth, element
    counts and string sizes to the MessagePack reader's limits before
    anything is built.
*/
#pragma once
#include <stddef.h>

#include "gateway_request.h"
#include "gateway_router.h"
#include "sti_codec.h"

#define GATEWAY_QUERY_MAX 32 // query parameters of one request, at most

//  The query parameters of a request, as libmicrohttpd decoded them.
typedef struct {
    const char *key[GATEWAY_QUERY_MAX];   // borrowed
    const char *value[GATEWAY_QUERY_MAX]; // borrowed ("" for ?flag)
    size_t count;                         // entries
    bool too_many;                        // more than GATEWAY_QUERY_MAX came
} gateway_query_t;

//  Collects req's query parameters. Returns 0, or -1 with 400 set (a key
//  twice, too many).
int gateway_body_query(gateway_request_t *req, gateway_query_t *query);
//  The value of key in query, or NULL.
const char *gateway_query_get(const gateway_query_t *query, const char *key);

//  Writes the op's body into writer. json may be NULL (no body). Returns 0,
//  or -1 with err holding the field and the reason ("year: must be an
//  integer, got '20x5'"), for a 400.
int gateway_body_build(const gateway_route_t *route, const gateway_params_t *params,
                       const gateway_query_t *query, const char *json, size_t json_size,
                       const char *request_id, sti_writer_t *writer, char *err, size_t errlen);
