/*  gateway_session: /api/v1/session, signing in and out with a cookie.

    POST {username, password}: the password is checked by sti.gateway's
    session.open (on the service side, so its cost and its rate limits are
    shared by every replica); a good one sets the cookie
    `sti_session=...; Path=/; HttpOnly; SameSite=Strict; Max-Age=...`
    (and Secure with cookie_secure or HTTPS) and answers {user, display,
    role, org, csrf, expires}: csrf is the X-CSRF-Token every write with
    the cookie must carry. A wrong password is 401; too many failures 429
    with Retry-After.
    GET: who the cookie or token is {user, role, org, csrf?, by}.
    DELETE: ends the session (cookie and CSRF token) and clears the cookie.
*/
#pragma once
#include "gateway_server.h"

void gateway_session_handle(gateway_server_t *server, gateway_request_t *req);
