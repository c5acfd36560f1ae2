/*  gateway_router: the HTTP routes of the services' ops, as their
    `ops.describe` says (route: {method, path}, sti_op.h).

    The table is built from each service's description when the gateway
    starts and again every routes_refresh_s (a service deployed with a new
    op gets its route without restarting the gateway): a service's routes
    are replaced as a whole. A request's path is matched segment by segment;
    a literal segment wins over a {key} at the same place, so
    /api/v1/talents/stats is not talent.get with id "stats". The router also
    keeps each op's description (cJSON), from which the OpenAPI document is
    made (gateway_openapi).

    It does not check who may call what (the services do), nor bodies.
*/
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "sti_codec.h"
#include "sti_envelope.h"
#include "sti_op.h"

#define GATEWAY_SEGMENTS_MAX 12 // segments of a path, at most
#define GATEWAY_SERVICE_MAX 64  // longest service name
#define GATEWAY_PARAM_MAX 256   // longest value of a path parameter, bytes
#define GATEWAY_NAME_MAX 64     // longest body key a path names

typedef struct _gateway_router_t gateway_router_t;

//  One route.
typedef struct {
    char service[GATEWAY_SERVICE_MAX + 1]; // "sti.talent"
    char op[STI_OP_MAX + 1];               // "talent.get"
    char method[8];                        // "GET"
    char path[STI_ROUTE_PATH_MAX + 1];     // "/api/v1/talents/{id}"
    char *segments[GATEWAY_SEGMENTS_MAX];  // the path split at '/' (after /api/v1/)
    size_t segment_count;                  // entries of segments
    bool changes;                          // the op changes state (write or changes)
    const cJSON *description;              // the op's description (borrowed from the router)
} gateway_route_t;

//  The values of a matched route's {key} segments.
typedef struct {
    char name[GATEWAY_SEGMENTS_MAX][GATEWAY_NAME_MAX + 1];   // the body key
    char value[GATEWAY_SEGMENTS_MAX][GATEWAY_PARAM_MAX + 1]; // its value from the path
    size_t count;                                            // entries
} gateway_params_t;

gateway_router_t *gateway_router_new(void);
void gateway_router_destroy(gateway_router_t **self_p);

//  Replaces the routes of service with those of its ops.describe reply body
//  {service, ops: [...]}. Ops without a route are skipped; a route that
//  does not read is skipped with a warning. Returns the number of routes
//  now held for the service, or -1 with a reason in err (the body is not a
//  description; nothing changed).
int gateway_router_load(gateway_router_t *self, const char *service, sti_node_t body, char *err,
                        size_t errlen);
//  True once a description of service has been loaded.
bool gateway_router_has(gateway_router_t *self, const char *service);

//  The route of method and path (the part after the host, without the query),
//  with its parameters in *params; NULL when none. *path_known is set when a
//  route has that path with another method (405 rather than 404).
const gateway_route_t *gateway_router_match(gateway_router_t *self, const char *method,
                                            const char *path, gateway_params_t *params,
                                            bool *path_known);
//  The routes, in the order of the services and of their descriptions.
size_t gateway_router_count(gateway_router_t *self);
const gateway_route_t *gateway_router_at(gateway_router_t *self, size_t index);
//  The declaration of body key `name` in a route's description (a cJSON
//  object {name, type, ...}), or NULL.
const cJSON *gateway_route_arg(const gateway_route_t *route, const char *name);
