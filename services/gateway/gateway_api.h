/*  gateway_api: what the gateway does with a request (docs/gateway.md).

    The fixed routes first: /healthz, /readyz, /api/v1/openapi.json (no
    sign-in), /api/v1/session (gateway_session); everything else under
    /api/v1 needs a person or a machine: a session cookie (sti_session) or
    `Authorization: Bearer sti_...` (an API token), else 401. A write with a
    session cookie also needs the header X-CSRF-Token, the session's token
    (403 without it): a page of another site cannot make the browser write.
    Then /api/v1/events and /api/v1/events/since (gateway_sse), and the
    routes of the services' ops: the op's body is made from the path, the
    query and the JSON body (gateway_body), sent for the person
    (sti_behalf: the services check the role and the scope), and its
    answer is the HTTP answer (gateway_request). POST /api/v1/observations
    also takes CSV and .xlsx (gateway_ingest); GET /api/v1/report adds the
    plan's projects from sti.projects to report.data's document, and
    /api/v1/report.xlsx answers it as the workbook (gateway_report). With
    static_dir, every other
    path outside /api is a file of the web dashboard (gateway_static).

    Idempotency-Key (1 to 63 of A-Z a-z 0-9 . _ : -) makes the request id
    <who>/<key>, so a retried write is applied once and one caller's key
    never meets another's; without it each request gets a new id.
*/
#pragma once
#include "gateway_server.h"

typedef struct _gateway_api_t gateway_api_t;

//  The API of server (its event streams and static files too). Returns NULL
//  with err set when static_dir is set and is not a directory. Destroy it
//  after the server.
gateway_api_t *gateway_api_new(gateway_server_t *server, char *err, size_t errlen);
void gateway_api_destroy(gateway_api_t **self_p);
//  What the server is to call (gateway_server_start).
void gateway_api_handlers(gateway_api_t *self, gateway_handlers_t *handlers);
