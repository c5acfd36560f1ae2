/*  gateway_session: see gateway_session.h. */
#include "gateway_session.h"

#include <assert.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway_guard.h"
#include "sti_json.h"

#define S_FIELD_MAX 256 // longest username or password accepted here

//  The answer of session.open: the cookie, and the rest as JSON.
static void s_on_open(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    const gateway_config_t *config = gateway_server_config(req->server);
    char session[GATEWAY_SECRET_LEN + 1] = "";
    sti_field_error_t err;
    if (!reply) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "the sign-in did not answer: %s", why);
    } else if (!reply->ok ||
               sti_map_str_copy(reply->body, "session", session, sizeof session, &err) != 0) {
        gateway_reply_envelope(req, reply);
    } else {
        cJSON *json = cJSON_CreateObject();
        static const char *const keys[] = {"user", "display", "role", "org", "csrf", "expires"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            cJSON_AddItemToObject(json, keys[i],
                                  sti_json_from_node(sti_node_get(reply->body, keys[i])));
        }
        gateway_reply_json(req, 200, &json);
        char cookie[256];
        const char *secure = config->cookie_secure || config->tls_cert ? "; Secure" : "";
        snprintf(cookie, sizeof cookie,
                 "sti_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", session,
                 (long long)config->session_max_s, secure);
        gateway_reply_header(req, "Set-Cookie", cookie);
    }
    gateway_server_done(req->server, req);
}

//  POST: {username, password} -> session.open {username, password, address}.
static void s_open(gateway_server_t *server, gateway_request_t *req)
{
    bool fits = req->body && req->body_size <= 4096 && sti_utf8_valid(req->body, req->body_size);
    cJSON *json = fits ? cJSON_ParseWithLength(req->body, req->body_size) : NULL;
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(json, "username");
    const cJSON *password = cJSON_GetObjectItemCaseSensitive(json, "password");
    if (!cJSON_IsObject(json) || !cJSON_IsString(user) || !cJSON_IsString(password) ||
        cJSON_GetArraySize(json) != 2 || strlen(user->valuestring) > S_FIELD_MAX ||
        strlen(password->valuestring) > S_FIELD_MAX) {
        gateway_reply_invalid(req, "body: must be a JSON object {username, password} of strings "
                                   "(at most 256 bytes each)");
    } else {
        sti_writer_t *writer = sti_writer_new();
        sti_writer_map(writer, 3);
        sti_writer_kv_str(writer, "username", user->valuestring);
        sti_writer_kv_str(writer, "password", password->valuestring);
        sti_writer_kv_str(writer, "address", req->address[0] ? req->address : "unknown");
        size_t size;
        const void *data = sti_writer_data(writer, &size);
        char secret[GATEWAY_SECRET_LEN + 1];
        gateway_store_secret(secret);
        snprintf(req->id, sizeof req->id, "gw-signin-%.24s", secret);
        gateway_server_call(server, req, "sti.gateway", "session.open", req->id, data, size,
                            s_on_open);
        sti_writer_destroy(&writer);
    }
    if (json) {
        cJSON_Delete(json);
    }
}

static void s_who(gateway_request_t *req)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "user", req->who.user);
    cJSON_AddStringToObject(json, "role", req->who.role);
    cJSON_AddStringToObject(json, "org", req->who.scope);
    cJSON_AddStringToObject(json, "by", req->who.by_cookie ? "session" : "token");
    if (req->who.by_cookie) {
        cJSON_AddStringToObject(json, "csrf", req->who.csrf);
    }
    gateway_reply_json(req, 200, &json);
}

static void s_close(gateway_server_t *server, gateway_request_t *req)
{
    if (!req->who.by_cookie) {
        gateway_reply_invalid(req, "session: a token is not a session: revoke it instead "
                                   "(stictl token revoke)");
        return;
    }
    if (gateway_guard_csrf(req) != 0) {
        return;
    }
    if (gateway_store_session_close(gateway_server_store(server), req->who.session) != 0) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "the session cannot be ended now");
        return;
    }
    cJSON *json = cJSON_CreateObject();
    cJSON_AddBoolToObject(json, "signed_out", true);
    gateway_reply_json(req, 200, &json);
    gateway_reply_header(req, "Set-Cookie",
                         "sti_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

void gateway_session_handle(gateway_server_t *server, gateway_request_t *req)
{
    assert(server && req);
    if (strcmp(req->method, "POST") == 0) {
        s_open(server, req);
    } else if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "DELETE") == 0) {
        if (gateway_guard_authenticate(server, req) != 0) {
            return;
        }
        if (strcmp(req->method, "GET") == 0) {
            s_who(req);
        } else {
            s_close(server, req);
        }
    } else {
        gateway_reply_errorf(req, STI_ERR_INVALID_ARGUMENT,
                             "/api/v1/session answers POST, GET and DELETE");
        req->status = 405;
    }
}
