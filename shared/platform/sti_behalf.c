/*  sti_behalf: see sti_behalf.h.

    `as` is hostile input like the rest of a request (a bug in a gateway, or
    a broker of another make): it is type-checked key by key and bounded,
    and a mistake is answered invalid_argument naming the key ("as.role").
*/
#include "sti_behalf.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

//  The roles a person may have; service and gateway are for keys only.
#define S_PERSON_ROLES (STI_ROLE_READER | STI_ROLE_CLERK | STI_ROLE_OFFICER | STI_ROLE_ADMIN)

//  An org unit's code: [a-z0-9_-]{1,64} (sti_catalog's rule).
static bool s_scope_valid(const char *scope)
{
    size_t len = strlen(scope);
    if (len == 0 || len > STI_AUTH_SCOPE_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = scope[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

//  Reads `as` into the person it names. Returns 0, or -1 with err saying
//  which key is wrong and why.
static int s_read(sti_node_t as, char *user, size_t user_cap, char *role, size_t role_cap,
                  char *scope, size_t scope_cap, char *err, size_t errlen)
{
    static const char *const keys[] = {"user", "role", "scope", NULL};
    sti_field_error_t field_err = {"", ""};
    *scope = 0;
    if (sti_node_type(as) != STI_TYPE_MAP) {
        snprintf(err, errlen, "as: must be a map {user, role, scope?}");
        return -1;
    }
    if (sti_map_only(as, keys, &field_err) != 0 ||
        sti_map_str_copy(as, "user", user, user_cap, &field_err) != 0 ||
        sti_map_str_copy(as, "role", role, role_cap, &field_err) != 0 ||
        (!sti_node_is_missing(sti_node_get(as, "scope")) &&
         sti_map_str_copy(as, "scope", scope, scope_cap, &field_err) != 0)) {
        snprintf(err, errlen, "as.%s: %s", field_err.field, field_err.reason);
        return -1;
    }
    if (!sti_auth_name_valid(user)) {
        snprintf(err, errlen, "as.user: must be 1 to %d bytes of UTF-8 without control characters",
                 STI_AUTH_NAME_MAX);
        return -1;
    }
    if (!(sti_role_parse(role) & S_PERSON_ROLES)) {
        snprintf(err, errlen, "as.role: must be reader, clerk, officer or admin, not '%.20s'",
                 role);
        return -1;
    }
    if (*scope && !s_scope_valid(scope)) {
        snprintf(err, errlen, "as.scope: must be an org unit's code (1 to %d of a-z 0-9 _ -)",
                 STI_AUTH_SCOPE_MAX);
        return -1;
    }
    return 0;
}

int sti_behalf_resolve(const sti_identity_t *peer, sti_node_t as, unsigned op_roles,
                       sti_identity_t *caller, sti_errcode_t *code, char *err, size_t errlen)
{
    assert(peer && caller && code && err);
    bool gateway = peer->role_bit == STI_ROLE_GATEWAY;
    //  Without CURVE every caller is local/admin already: `as` can only
    //  lower its rights, so a gateway runs the same on a developer's stack.
    bool local = !peer->key[0] && strcmp(peer->name, STI_AUTH_LOCAL_NAME) == 0;
    *caller = *peer;
    if (sti_node_is_missing(as)) {
        if (gateway && !(op_roles & STI_ROLE_GATEWAY)) {
            *code = STI_ERR_FORBIDDEN;
            snprintf(err, errlen,
                     "key %s has role gateway: it calls only on behalf of someone (`as` in the "
                     "request), never as itself",
                     peer->name);
            return -1;
        }
        return 0;
    }
    if (!gateway && !local) {
        *code = STI_ERR_FORBIDDEN;
        snprintf(err, errlen,
                 "only a key of role gateway may act on behalf of someone (`as`); key %s has "
                 "role %s",
                 peer->name, peer->role[0] ? peer->role : "none");
        return -1;
    }
    char user[STI_AUTH_NAME_MAX + 1], role[STI_AUTH_ROLE_MAX + 1], scope[STI_AUTH_SCOPE_MAX + 1];
    if (s_read(as, user, sizeof user, role, sizeof role, scope, sizeof scope, err, errlen) != 0) {
        *code = STI_ERR_INVALID_ARGUMENT;
        return -1;
    }
    //  The person has no key of their own: rate limits and audit go by name.
    sti_identity_set(caller, user, role, NULL);
    snprintf(caller->scope, sizeof caller->scope, "%s", scope);
    snprintf(caller->via, sizeof caller->via, "%s", peer->name);
    return 0;
}

void sti_behalf_request(sti_writer_t *writer, const char *op, const char *id,
                        const sti_behalf_t *as)
{
    assert(writer && op && op[0] && strlen(op) <= STI_OP_MAX && as && as->user && as->role);
    assert(!id || strlen(id) <= STI_ID_MAX);
    bool scoped = as->scope && as->scope[0];
    sti_writer_map(writer, 4);
    sti_writer_kv_str(writer, "op", op);
    sti_writer_kv_str(writer, "id", id ? id : "");
    sti_writer_str(writer, "as");
    sti_writer_map(writer, scoped ? 3 : 2);
    sti_writer_kv_str(writer, "user", as->user);
    sti_writer_kv_str(writer, "role", as->role);
    if (scoped) {
        sti_writer_kv_str(writer, "scope", as->scope);
    }
    sti_writer_str(writer, "body");
}
