/*  gateway_guard: who a request comes from, and whether a write may go.

    A person signed in has the session cookie sti_session (gateway_session);
    a machine sends `Authorization: Bearer sti_...` (an API token). Both are
    looked up in Redis on every request (gateway_store): a session is
    renewed for session_idle_s and ends at its absolute end; a token ends
    when it expires or is revoked. Anything else is 401. A write (any
    method but GET and HEAD) with the cookie must carry the session's CSRF
    token as X-CSRF-Token (403 without it): a page of another site can make
    the browser send the cookie, never read the token.
*/
#pragma once
#include "gateway_server.h"

//  Who req comes from (cookie or token) into req->who. Returns 0, or -1
//  with the answer set (401; 503 when Redis cannot say).
int gateway_guard_authenticate(gateway_server_t *server, gateway_request_t *req);
//  A write with a session cookie must carry the session's CSRF token.
//  Returns 0, or -1 with 403 set.
int gateway_guard_csrf(gateway_request_t *req);
