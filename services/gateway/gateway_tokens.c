/*  gateway_tokens: see gateway_tokens.h. */
#include "gateway_tokens.h"

#include <assert.h>
#include <czmq.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_users.h"
#include "sti_time.h"

#define S_LIFETIME_MAX (10LL * 365 * 86400) // longest lifetime of a token, s

struct _gateway_tokens_t {
    const gateway_config_t *config; // borrowed
    gateway_store_t *store;         // borrowed
};

gateway_tokens_t *gateway_tokens_new(const gateway_config_t *config, gateway_store_t *store)
{
    assert(config && store);
    gateway_tokens_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->store = store;
    return self;
}

void gateway_tokens_destroy(gateway_tokens_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

static int s_error(const sti_call_t *call, sti_errcode_t code, const char *message)
{
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, code, message, NULL, 0);
    return 0;
}

//  Reads token.new's body into token. Returns 0, or -1 with the refusal written.
static int s_read(const sti_call_t *call, gateway_token_t *token)
{
    sti_node_t body = call->request->body;
    sti_field_error_t err;
    memset(token, 0, sizeof *token);
    sti_map_str_copy(body, "name", token->name, sizeof token->name, &err);
    sti_map_str_copy(body, "role", token->role, sizeof token->role, &err);
    if (!sti_node_is_missing(sti_node_get(body, "org"))) {
        sti_map_str_copy(body, "org", token->scope, sizeof token->scope, &err);
    }
    int64_t lifetime = 0;
    if (!sti_node_is_missing(sti_node_get(body, "expires_s"))) {
        sti_map_int(body, "expires_s", &lifetime, &err);
    }
    const sti_field_error_t bad[] = {
        {"name", "must be 1 to 64 bytes of UTF-8 without control characters"},
        {"role", "must be reader, clerk, officer or admin"},
        {"org", "must be an org unit's code (a-z 0-9 _ -)"},
    };
    int which = !sti_auth_name_valid(token->name)          ? 0
                : !gateway_users_role_valid(token->role)   ? 1
                : !gateway_users_scope_valid(token->scope) ? 2
                                                           : -1;
    if (which >= 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &bad[which]);
        return -1;
    }
    token->created = zclock_time();
    token->expires = lifetime > 0 ? token->created + lifetime * 1000 : 0;
    snprintf(token->by, sizeof token->by, "%s", call->caller->name);
    return 0;
}

static void s_write_expires(sti_writer_t *writer, int64_t expires)
{
    char text[32];
    sti_writer_str(writer, "expires");
    if (expires) {
        sti_writer_str(writer, sti_time_rfc3339(expires, text, sizeof text));
    } else {
        sti_writer_nil(writer);
    }
}

static int s_token_new(void *object, const sti_call_t *call)
{
    gateway_tokens_t *self = (gateway_tokens_t *)object;
    if (gateway_users_replayed(self->store, call)) {
        return 0;
    }
    gateway_token_t token;
    if (s_read(call, &token) != 0) {
        return 0;
    }
    char secret[GATEWAY_TOKEN_LEN + 1];
    int rc = gateway_store_token_add(self->store, &token, secret);
    if (rc != 0) {
        return s_error(call, rc < 0 ? STI_ERR_UNAVAILABLE : STI_ERR_CONFLICT,
                       rc < 0 ? "the tokens cannot be written now" : "a token has that name");
    }
    gateway_store_audit(self->store, "token.new", token.name, call->caller->name, "", token.role);
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 5);
    sti_writer_kv_str(call->reply, "name", token.name);
    sti_writer_kv_str(call->reply, "token", secret);
    sti_writer_kv_str(call->reply, "role", token.role);
    sti_writer_kv_str(call->reply, "org", token.scope);
    s_write_expires(call->reply, token.expires);
    sodium_memzero(secret, sizeof secret);
    return gateway_users_keep(self->store, call, self->config->replay_ttl_s);
}

static int s_token_list(void *object, const sti_call_t *call)
{
    gateway_tokens_t *self = (gateway_tokens_t *)object;
    gateway_token_t *tokens = NULL;
    int count = gateway_store_token_list(self->store, &tokens);
    if (count < 0) {
        free(tokens);
        return s_error(call, STI_ERR_UNAVAILABLE, "the tokens cannot be read now");
    }
    char created[32];
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_str(call->reply, "tokens");
    sti_writer_array(call->reply, (size_t)count);
    for (int i = 0; i < count; i++) {
        sti_writer_map(call->reply, 6);
        sti_writer_kv_str(call->reply, "name", tokens[i].name);
        sti_writer_kv_str(call->reply, "role", tokens[i].role);
        sti_writer_kv_str(call->reply, "org", tokens[i].scope);
        s_write_expires(call->reply, tokens[i].expires);
        sti_writer_kv_str(call->reply, "created",
                          sti_time_rfc3339(tokens[i].created, created, sizeof created));
        sti_writer_kv_str(call->reply, "by", tokens[i].by);
    }
    free(tokens);
    return 0;
}

static int s_token_revoke(void *object, const sti_call_t *call)
{
    gateway_tokens_t *self = (gateway_tokens_t *)object;
    sti_field_error_t err;
    char name[STI_AUTH_NAME_MAX + 1];
    sti_map_str_copy(call->request->body, "name", name, sizeof name, &err);
    int rc = gateway_store_token_revoke(self->store, name);
    if (rc <= 0) {
        return s_error(call, rc < 0 ? STI_ERR_UNAVAILABLE : STI_ERR_NOT_FOUND,
                       rc < 0 ? "the tokens cannot be written now" : "no such token");
    }
    gateway_store_audit(self->store, "token.revoke", name, call->caller->name, "", "ok");
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 2);
    sti_writer_kv_str(call->reply, "name", name);
    sti_writer_kv_bool(call->reply, "revoked", true);
    return 0;
}

static const sti_arg_t s_new_args[] = {
    {"name", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_NAME_MAX, NULL,
     "the token's name: who the services see"},
    {"role", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_ROLE_MAX, NULL,
     "reader, clerk, officer or admin"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_AUTH_SCOPE_MAX, NULL,
     "the org unit it acts for (and those under it); default: the whole plan"},
    {"expires_s", STI_ARG_INT, STI_OPTIONAL, 60, S_LIFETIME_MAX, NULL,
     "seconds it works for; default: until revoked"},
    STI_ARGS_END,
};

static const sti_arg_t s_name_args[] = {
    {"name", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_NAME_MAX, NULL, "the token's name"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"token.new", s_token_new, STI_OP_CHANGES, s_new_args,
     "makes an API token (Authorization: Bearer) with a role, a scope and a lifetime",
     "{name, token, role, org, expires}",
     "`token` (`sti_` and 43 characters) is shown this once: only its digest is kept (a retry "
     "with the same request id within `replay_ttl` answers it again). `expires` is RFC 3339, "
     "nil for never. Errors: `conflict` (the name is taken), `invalid_argument`."},
    {"token.list", s_token_list, 0, NULL, "every token, by name (never the token itself)",
     "{tokens: [{name, role, org, expires, created, by}]}", NULL},
    {"token.revoke", s_token_revoke, STI_OP_CHANGES, s_name_args,
     "revokes a token: it stops working at once", "{name, revoked: true}", "Errors: `not_found`."},
    STI_OPS_END,
};

const sti_op_table_t gateway_tokens_ops = {"gateway_tokens", s_ops};
