/*  gateway_openapi: the OpenAPI 3.1 document of the API, at
    GET /api/v1/openapi.json, made from the same declarations the API is
    made from: every route of the services' ops (their ops.describe: body
    keys with their types and bounds, roles, summary, notes, reply) and the
    gateway's own routes (sign-in, events, health). Path keys are path
    parameters; the other keys are query parameters of a GET or DELETE and
    the JSON body's properties otherwise. Every operation may answer the
    error object {"error": {code, message, details}}. The document changes
    when a service's description does (gateway_router refreshes it).
*/
#pragma once
#include "gateway_server.h"

//  Sets req's answer to the document.
void gateway_openapi_answer(gateway_server_t *server, gateway_request_t *req);
//  The document (caller deletes).
cJSON *gateway_openapi_document(gateway_router_t *router);
