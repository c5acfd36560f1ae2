/*  sti_op: an op declares itself: its handler, who may call it, whether it
    changes state, and its request body, key by key (type, bounds, required).

    One table of declarations per module serves three readers: the service
    frame, which checks every request body against it before the handler
    runs and answers every mistake in one wording (sti_op_check); the
    documentation, docs/ops.md, generated from it (scripts/gen-ops-doc);
    and any front end, which asks a service for `ops.describe` (or runs
    `sti-<name> --describe-ops`) and gets the same table as data
    (sti_op_describe). Nothing about an op's body is written twice.

    An op may also have an HTTP route (sti_op_route_t: method and path,
    "GET /api/v1/talents/{id}"), listed by the service next to its op
    tables; ops.describe carries it, and sti-gateway builds its API and its
    OpenAPI document from it. A path's {name} segments are body keys; the
    other keys come from the query string (GET, DELETE) or the JSON body.

    A check covers the shape of the body: a map with only the declared keys,
    the required ones present, each of its type and within its bounds, the
    elements of an array and the keys of a map as declared for them. What
    depends on stored state (does the indicator exist?) or on configuration
    is the handler's to check.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "sti_auth.h"
#include "sti_codec.h"
#include "sti_envelope.h"

typedef enum {
    STI_ARG_STR = 1, // UTF-8 string; min, max: its length in bytes
    STI_ARG_INT,     // integer; min, max: its value
    STI_ARG_NUMBER,  // integer or finite float; min, max: its value
    STI_ARG_BOOL,    // true or false
    STI_ARG_MAP,     // map; of: its keys (a list ending in {NULL}), or NULL for any keys
    STI_ARG_ARRAY,   // array; of: what every element is (one entry); min, max: its length
    STI_ARG_ANY,     // any value (the handler checks it)
} sti_arg_kind_t;

//  Or'ed with a kind: nil is taken too, and means what the doc says
//  ("nil: none"). STI_ARG_STR | STI_ARG_NIL is a string or nil.
#define STI_ARG_NIL 0x100

//  One key of a body (or of a map inside it, or an array's element: name
//  NULL). Bounds apply when min < max or min == max != 0; {0, 0} is none.
typedef struct sti_arg {
    const char *name;         // the key; NULL ends a list
    sti_arg_kind_t kind;      // what its value is
    bool required;            // a request without it is refused
    int64_t min, max;         // bounds, as the kind says
    const struct sti_arg *of; // a map's keys, an array's element
    const char *doc;          // one line: what it means
} sti_arg_t;

#define STI_REQUIRED true
#define STI_OPTIONAL false
#define STI_ARGS_END                                                                               \
    {                                                                                              \
        NULL, 0, false, 0, 0, NULL, NULL                                                           \
    }

struct _sti_service_t; // the service frame answering (sti_service.h)

//  The request being answered, as a declared op's handler gets it.
typedef struct _sti_call_t {
    const sti_request_t *request;   // decoded; its body is checked against the declaration
    sti_writer_t *reply;            // the reply envelope goes here (empty on entry)
    const sti_identity_t *caller;   // who asked (borrowed)
    struct _sti_service_t *service; // the frame (Redis, publisher, config)
} sti_call_t;

//  Answers one request: writes the whole reply envelope (ok or error) into
//  call->reply and returns 0, or returns -1 for an internal failure (the
//  frame answers `internal`). self: the object bound to the op's table.
typedef int(sti_op_fn)(void *self, const sti_call_t *call);

//  One op. roles: the STI_ROLE_* bits that may call it (sti_auth.h; 0 is
//  admin only), | STI_OP_WRITE (changes state, counts against the write
//  rate) or STI_OP_CHANGES (changes state), | STI_OP_LISTED_ONLY.
typedef struct {
    const char *name;      // as requests carry it: "org.add"; NULL ends a table
    sti_op_fn *handler;    // answers it
    unsigned roles;        // who may call it, and what it does
    const sti_arg_t *body; // the body's keys (a list ending in {NULL}); NULL: no keys
    const char *summary;   // one line: what it does
    const char *reply;     // the reply body's shape, e.g. "{code, changed}"
    const char *notes;     // more for the docs (errors, details), Markdown, or NULL
} sti_op_decl_t;

//  A module's ops, bound at start to the module's object (sti_service_bind).
typedef struct {
    const char *module;       // "indicators_catalog": where the handlers live
    const sti_op_decl_t *ops; // ending in {NULL}
} sti_op_table_t;

#define STI_OPS_END                                                                                \
    {                                                                                              \
        NULL, NULL, 0, NULL, NULL, NULL, NULL                                                      \
    }

//  An op's HTTP route (docs/gateway.md). A service lists its routes in one
//  table ending in STI_ROUTES_END; an op without one is not on the HTTP API.
typedef struct {
    const char *op;     // the op's name, as declared; NULL ends a table
    const char *method; // GET, POST, PUT, PATCH or DELETE
    const char *path;   // "/api/v1/talents/{id}": literal segments, and {key} for a body key
} sti_op_route_t;

#define STI_ROUTES_END                                                                             \
    {                                                                                              \
        NULL, NULL, NULL                                                                           \
    }
#define STI_ROUTE_PATH_MAX 128 // longest path, bytes

//  The route of op in routes (may be NULL), or NULL.
const sti_op_route_t *sti_op_route_find(const sti_op_route_t *routes, const char *op);
//  Checks a route against its op: a method of the list, a path under
//  /api/v1/ of segments [a-z0-9_.-]+ or {key}, where key is a string or
//  integer key of the body, none twice. Returns 0, or -1 with err set.
int sti_op_route_check(const sti_op_route_t *route, const sti_op_decl_t *op, char *err,
                       size_t errlen);

//  Checks body against the op's declaration. A missing or nil body counts
//  as an empty map. Returns 0, or -1 with err->field naming the key (a path
//  into nested maps and arrays, "rows.3.value") and err->reason the rule it
//  broke, in the one wording every service answers with.
int sti_op_check(const sti_op_decl_t *op, sti_node_t body, sti_field_error_t *err);

//  Writes the declaration of one op as a MessagePack map {op, summary,
//  roles: [...], write, changes, listed_only, body: [arg...], reply, notes,
//  route}, where an arg is {name, type, required, min?, max?, of?, doc} and
//  route is {method, path}, or nil without one.
void sti_op_describe(const sti_op_decl_t *op, sti_writer_t *writer);
//  The same with the op's route (NULL: none).
void sti_op_describe_routed(const sti_op_decl_t *op, const sti_op_route_t *route,
                            sti_writer_t *writer);
//  The rule an arg states, as sti_op_check words it ("a string of 1 to 200
//  bytes"). Returns buf.
const char *sti_op_arg_rule(const sti_arg_t *arg, char *buf, size_t cap);
