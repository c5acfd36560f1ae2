/*  gateway_guard: see gateway_guard.h. */
#include "gateway_guard.h"

#include <assert.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void s_unauthenticated(gateway_request_t *req, const char *message)
{
    gateway_reply_error(req, STI_ERR_UNAUTHENTICATED, message, NULL);
    gateway_reply_header(req, "WWW-Authenticate", "Bearer realm=\"sti\"");
}

int gateway_guard_authenticate(gateway_server_t *server, gateway_request_t *req)
{
    const gateway_config_t *config = gateway_server_config(server);
    const char *authorization =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Authorization");
    const char *cookie =
        MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND, "sti_session");
    int rc;
    if (authorization) {
        const char *token = strncasecmp(authorization, "Bearer ", 7) == 0 ? authorization + 7 : "";
        if (strlen(token) != GATEWAY_TOKEN_LEN ||
            strncmp(token, GATEWAY_TOKEN_PREFIX, strlen(GATEWAY_TOKEN_PREFIX)) != 0) {
            s_unauthenticated(req, "Authorization must be `Bearer sti_...` (an API token)");
            return -1;
        }
        rc = gateway_store_token_get(gateway_server_store(server), token, &req->who);
    } else if (cookie && strlen(cookie) == GATEWAY_SECRET_LEN) {
        rc = gateway_store_session_get(gateway_server_store(server), cookie,
                                       config->session_idle_s * 1000, &req->who);
    } else {
        s_unauthenticated(req, "sign in first (POST /api/v1/session), or send "
                               "`Authorization: Bearer TOKEN`");
        return -1;
    }
    if (rc < 0) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "who you are cannot be checked now");
        return -1;
    }
    if (rc == 0) {
        s_unauthenticated(req, authorization ? "the token is unknown, revoked or expired"
                                             : "the session has ended: sign in again");
        return -1;
    }
    return 0;
}

int gateway_guard_csrf(gateway_request_t *req)
{
    if (!req->who.by_cookie || strcmp(req->method, "GET") == 0 ||
        strcmp(req->method, "HEAD") == 0) {
        return 0;
    }
    const char *token =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "X-CSRF-Token");
    if (token && strlen(token) == strlen(req->who.csrf) &&
        sodium_memcmp(token, req->who.csrf, strlen(token)) == 0) {
        return 0;
    }
    gateway_reply_error(req, STI_ERR_FORBIDDEN,
                        "a write with a session cookie needs the header X-CSRF-Token (the "
                        "`csrf` of POST /api/v1/session or GET /api/v1/session)",
                        NULL);
    return -1;
}
