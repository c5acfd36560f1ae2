/*  gateway_users: see gateway_users.h.

    The frame checks each body against the declarations at the end of this
    file; what the declarations cannot say (a role's name, an org unit's
    code, a name usable as a user's) is checked here.
*/
#include "gateway_users.h"

#include <assert.h>
#include <czmq.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_time.h"

#define S_PASSWORD_MIN 10  // shortest password an admin may choose, bytes
#define S_PASSWORD_MAX 256 // longest password, bytes

struct _gateway_users_t {
    const gateway_config_t *config;     // borrowed
    gateway_store_t *store;             // borrowed
    char dummy[GATEWAY_PWHASH_MAX + 1]; // checked for an unknown user, so it costs the same
};

gateway_users_t *gateway_users_new(const gateway_config_t *config, gateway_store_t *store)
{
    assert(config && store);
    gateway_users_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->store = store;
    char password[25];
    gateway_users_password(password);
    if (gateway_users_hash(config, password, self->dummy) != 0) {
        sti_warn("gateway: cannot hash a password with %lld KiB: sign-ins will fail",
                 (long long)config->pwhash_mem_kib);
    }
    return self;
}

void gateway_users_destroy(gateway_users_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

int gateway_users_hash(const gateway_config_t *config, const char *password, char *out)
{
    assert(config && password && out);
    return crypto_pwhash_str(out, password, strlen(password),
                             (unsigned long long)config->pwhash_ops,
                             (size_t)config->pwhash_mem_kib * 1024);
}

void gateway_users_password(char *out)
{
    unsigned char bytes[18];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2base64(out, 25, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool gateway_users_role_valid(const char *role)
{
    unsigned bit = sti_role_parse(role);
    return bit == STI_ROLE_READER || bit == STI_ROLE_CLERK || bit == STI_ROLE_OFFICER ||
           bit == STI_ROLE_ADMIN;
}

bool gateway_users_scope_valid(const char *scope)
{
    size_t len = strlen(scope);
    return len <= STI_AUTH_SCOPE_MAX &&
           strspn(scope, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

//  --- replies kept for retries ---

static void s_replay_id(const sti_call_t *call, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:%s", call->request->op, call->request->id);
}

int gateway_users_keep(gateway_store_t *store, const sti_call_t *call, int64_t ttl_s)
{
    if (!call->request->id[0]) {
        return 0;
    }
    size_t size;
    const void *data = sti_writer_data(call->reply, &size);
    sti_reply_t reply;
    char err[128], id[STI_OP_MAX + STI_ID_MAX + 2];
    if (sti_reply_decode(data, size, NULL, &reply, err, sizeof err) == 0) {
        if (reply.ok) {
            size_t body_size;
            void *body = sti_node_encode(reply.body, &body_size);
            s_replay_id(call, id, sizeof id);
            gateway_store_replay_put(store, id, body, body_size, ttl_s);
            free(body);
        }
        sti_reply_release(&reply);
    }
    return 0;
}

bool gateway_users_replayed(gateway_store_t *store, const sti_call_t *call)
{
    if (!call->request->id[0]) {
        return false;
    }
    char id[STI_OP_MAX + STI_ID_MAX + 2];
    s_replay_id(call, id, sizeof id);
    size_t size = 0;
    void *body = gateway_store_replay_get(store, id, &size);
    if (!body) {
        return false;
    }
    sti_writer_reset(call->reply);
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_raw(call->reply, body, size);
    free(body);
    return true;
}

//  --- the ops ---

static int s_error(const sti_call_t *call, sti_errcode_t code, const char *message)
{
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, code, message, NULL, 0);
    return 0;
}

static int s_unavailable(const sti_call_t *call)
{
    return s_error(call, STI_ERR_UNAVAILABLE, "the users cannot be read or written now");
}

//  Reads an optional string key into buf ("" when absent).
static void s_optional(sti_node_t body, const char *key, char *buf, size_t cap)
{
    sti_field_error_t err;
    buf[0] = 0;
    if (!sti_node_is_missing(sti_node_get(body, key))) {
        sti_map_str_copy(body, key, buf, cap, &err);
    }
}

//  Reads and checks the body of user.add into user and password ("" when
//  none was given). Returns 0, or -1 with the refusal written.
static int s_read_user(gateway_users_t *self, const sti_call_t *call, gateway_user_t *user,
                       char *password)
{
    sti_node_t body = call->request->body;
    sti_field_error_t err;
    memset(user, 0, sizeof *user);
    sti_map_str_copy(body, "name", user->name, sizeof user->name, &err);
    sti_map_str_copy(body, "role", user->role, sizeof user->role, &err);
    s_optional(body, "display", user->display, sizeof user->display);
    s_optional(body, "org", user->scope, sizeof user->scope);
    s_optional(body, "password", password, S_PASSWORD_MAX + 1);
    const sti_field_error_t bad[] = {
        {"name", "must be 1 to 64 bytes of UTF-8 without control characters"},
        {"role", "must be reader, clerk, officer or admin"},
        {"org", "must be an org unit's code (a-z 0-9 _ -)"},
    };
    int which = !sti_auth_name_valid(user->name)          ? 0
                : !gateway_users_role_valid(user->role)   ? 1
                : !gateway_users_scope_valid(user->scope) ? 2
                                                          : -1;
    if (which >= 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &bad[which]);
        return -1;
    }
    if (!user->display[0]) {
        snprintf(user->display, sizeof user->display, "%s", user->name);
    }
    user->created = zclock_time();
    (void)self;
    return 0;
}

//  Writes {name, display, role, org, password?} (password only when made here).
static void s_write_user(const sti_call_t *call, const gateway_user_t *user, const char *made)
{
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, made ? 5 : 4);
    sti_writer_kv_str(call->reply, "name", user->name);
    sti_writer_kv_str(call->reply, "display", user->display);
    sti_writer_kv_str(call->reply, "role", user->role);
    sti_writer_kv_str(call->reply, "org", user->scope);
    if (made) {
        sti_writer_kv_str(call->reply, "password", made);
    }
}

static int s_user_add(void *object, const sti_call_t *call)
{
    gateway_users_t *self = (gateway_users_t *)object;
    if (gateway_users_replayed(self->store, call)) {
        return 0;
    }
    gateway_user_t user;
    char password[S_PASSWORD_MAX + 1], made[25] = "";
    if (s_read_user(self, call, &user, password) != 0) {
        return 0;
    }
    if (!password[0]) {
        gateway_users_password(made);
        snprintf(password, sizeof password, "%s", made);
    }
    if (gateway_users_hash(self->config, password, user.pwhash) != 0) {
        return -1;
    }
    sodium_memzero(password, sizeof password);
    int rc = gateway_store_user_add(self->store, &user);
    if (rc != 0) {
        return rc < 0 ? s_unavailable(call) : s_error(call, STI_ERR_CONFLICT, "the user exists");
    }
    gateway_store_audit(self->store, "user.add", user.name, call->caller->name, "", user.role);
    s_write_user(call, &user, made[0] ? made : NULL);
    sodium_memzero(made, sizeof made);
    return gateway_users_keep(self->store, call, self->config->replay_ttl_s);
}

static int s_user_list(void *object, const sti_call_t *call)
{
    gateway_users_t *self = (gateway_users_t *)object;
    gateway_user_t *users = NULL;
    int count = gateway_store_user_list(self->store, &users);
    if (count < 0) {
        free(users);
        return s_unavailable(call);
    }
    char created[32];
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_str(call->reply, "users");
    sti_writer_array(call->reply, (size_t)count);
    for (int i = 0; i < count; i++) {
        sti_writer_map(call->reply, 6);
        sti_writer_kv_str(call->reply, "name", users[i].name);
        sti_writer_kv_str(call->reply, "display", users[i].display);
        sti_writer_kv_str(call->reply, "role", users[i].role);
        sti_writer_kv_str(call->reply, "org", users[i].scope);
        sti_writer_kv_bool(call->reply, "disabled", users[i].disabled);
        sti_writer_kv_str(call->reply, "created",
                          sti_time_rfc3339(users[i].created, created, sizeof created));
    }
    free(users);
    return 0;
}

static int s_user_passwd(void *object, const sti_call_t *call)
{
    gateway_users_t *self = (gateway_users_t *)object;
    if (gateway_users_replayed(self->store, call)) {
        return 0;
    }
    sti_field_error_t err;
    char name[STI_AUTH_NAME_MAX + 1], password[S_PASSWORD_MAX + 1], made[25] = "";
    char pwhash[GATEWAY_PWHASH_MAX + 1];
    sti_map_str_copy(call->request->body, "name", name, sizeof name, &err);
    s_optional(call->request->body, "password", password, sizeof password);
    if (!password[0]) {
        gateway_users_password(made);
        snprintf(password, sizeof password, "%s", made);
    }
    if (gateway_users_hash(self->config, password, pwhash) != 0) {
        return -1;
    }
    sodium_memzero(password, sizeof password);
    int rc = gateway_store_user_password(self->store, name, pwhash);
    if (rc <= 0) {
        return rc < 0 ? s_unavailable(call) : s_error(call, STI_ERR_NOT_FOUND, "no such user");
    }
    gateway_store_audit(self->store, "user.passwd", name, call->caller->name, "", "ok");
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, made[0] ? 2 : 1);
    sti_writer_kv_str(call->reply, "name", name);
    if (made[0]) {
        sti_writer_kv_str(call->reply, "password", made);
    }
    sodium_memzero(made, sizeof made);
    return gateway_users_keep(self->store, call, self->config->replay_ttl_s);
}

static int s_user_disable(void *object, const sti_call_t *call)
{
    gateway_users_t *self = (gateway_users_t *)object;
    sti_field_error_t err;
    char name[STI_AUTH_NAME_MAX + 1];
    sti_map_str_copy(call->request->body, "name", name, sizeof name, &err);
    int rc = gateway_store_user_disable(self->store, name);
    if (rc <= 0) {
        return rc < 0 ? s_unavailable(call) : s_error(call, STI_ERR_NOT_FOUND, "no such user");
    }
    gateway_store_audit(self->store, "user.disable", name, call->caller->name, "", "ok");
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 2);
    sti_writer_kv_str(call->reply, "name", name);
    sti_writer_kv_bool(call->reply, "disabled", true);
    return 0;
}

//  --- session.open ---

//  Refuses a sign-in that may not be tried now (rate_limited, with the wait).
static int s_refuse_signin(const sti_call_t *call, const char *why, int64_t retry_ms)
{
    char message[256], retry[24];
    snprintf(message, sizeof message, "%s: try again in %lld s", why,
             (long long)((retry_ms + 999) / 1000));
    snprintf(retry, sizeof retry, "%lld", (long long)retry_ms);
    sti_detail_t detail = {-1, "retry_after_ms", retry};
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_RATE_LIMITED, message, &detail,
                             1);
    return 0;
}

//  Writes the new session {session, csrf, user, display, role, org, expires}.
static int s_opened(gateway_users_t *self, const sti_call_t *call, const gateway_user_t *user)
{
    char session[GATEWAY_SECRET_LEN + 1], csrf[GATEWAY_SECRET_LEN + 1], ends[32];
    if (gateway_store_session_open(self->store, user, self->config->session_idle_s * 1000,
                                   self->config->session_max_s * 1000, session, csrf) != 0) {
        return s_unavailable(call);
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 7);
    sti_writer_kv_str(call->reply, "session", session);
    sti_writer_kv_str(call->reply, "csrf", csrf);
    sti_writer_kv_str(call->reply, "user", user->name);
    sti_writer_kv_str(call->reply, "display", user->display);
    sti_writer_kv_str(call->reply, "role", user->role);
    sti_writer_kv_str(call->reply, "org", user->scope);
    sti_writer_kv_str(
        call->reply, "expires",
        sti_time_rfc3339(zclock_time() + self->config->session_max_s * 1000, ends, sizeof ends));
    sodium_memzero(session, sizeof session);
    return 0;
}

static int s_session_open(void *object, const sti_call_t *call)
{
    gateway_users_t *self = (gateway_users_t *)object;
    sti_field_error_t err;
    char name[STI_AUTH_NAME_MAX + 1], password[S_PASSWORD_MAX + 1], address[64];
    sti_map_str_copy(call->request->body, "username", name, sizeof name, &err);
    sti_map_str_copy(call->request->body, "password", password, sizeof password, &err);
    sti_map_str_copy(call->request->body, "address", address, sizeof address, &err);
    int64_t retry_ms = 0;
    int allowed = gateway_store_signin_allowed(self->store, name, address,
                                               self->config->signin_fails_addr, &retry_ms);
    if (allowed != 0) {
        sodium_memzero(password, sizeof password);
        if (allowed < 0) {
            return s_unavailable(call);
        }
        gateway_store_audit(self->store, "session.open", name, name, address,
                            allowed == 1 ? "locked" : "address refused");
        return s_refuse_signin(call,
                               allowed == 1 ? "too many failed sign-ins for this user"
                                            : "too many failed sign-ins from this address",
                               retry_ms);
    }
    gateway_user_t user;
    int found = gateway_store_user_get(self->store, name, &user);
    if (found < 0) {
        sodium_memzero(password, sizeof password);
        return s_unavailable(call);
    }
    bool good = crypto_pwhash_str_verify(found ? user.pwhash : self->dummy, password,
                                         strlen(password)) == 0 &&
                found && !user.disabled;
    sodium_memzero(password, sizeof password);
    if (!good) {
        int64_t window = self->config->signin_window_s * 1000;
        int locked = gateway_store_signin_failed(self->store, name, address, window,
                                                 self->config->signin_fails_user);
        gateway_store_audit(self->store, "session.open", name, name, address,
                            !found          ? "unknown user"
                            : user.disabled ? "disabled"
                            : locked == 1   ? "wrong password, locked out"
                                            : "wrong password");
        return s_error(call, STI_ERR_UNAUTHENTICATED, "the user name or the password is wrong");
    }
    gateway_store_signin_good(self->store, name);
    gateway_store_audit(self->store, "session.open", name, name, address, "ok");
    return s_opened(self, call, &user);
}

//  A person changes their own password: the current one is checked as a
//  sign-in is (a wrong one counts as a failed sign-in, so guessing it locks
//  the user out), then the new one is set and every session of the user ends.
static int s_session_passwd(void *object, const sti_call_t *call)
{
    gateway_users_t *self = (gateway_users_t *)object;
    if (gateway_users_replayed(self->store, call)) {
        return 0;
    }
    const char *name = call->caller->name;
    if (!call->caller->via[0]) {
        return s_error(call, STI_ERR_FORBIDDEN,
                       "only a person signed in through sti-gateway "
                       "changes their own password");
    }
    sti_field_error_t err;
    char current[S_PASSWORD_MAX + 1], password[S_PASSWORD_MAX + 1], address[80];
    char pwhash[GATEWAY_PWHASH_MAX + 1];
    sti_map_str_copy(call->request->body, "current", current, sizeof current, &err);
    sti_map_str_copy(call->request->body, "password", password, sizeof password, &err);
    snprintf(address, sizeof address, "passwd:%s", name);
    int64_t retry_ms = 0;
    int allowed = gateway_store_signin_allowed(self->store, name, address,
                                               self->config->signin_fails_addr, &retry_ms);
    gateway_user_t user;
    int found = allowed == 0 ? gateway_store_user_get(self->store, name, &user) : 0;
    int good = allowed == 0 && found > 0 && !user.disabled &&
               crypto_pwhash_str_verify(user.pwhash, current, strlen(current)) == 0;
    sodium_memzero(current, sizeof current);
    if (allowed < 0 || found < 0) {
        sodium_memzero(password, sizeof password);
        return s_unavailable(call);
    }
    if (allowed > 0) {
        sodium_memzero(password, sizeof password);
        return s_refuse_signin(call, "too many wrong passwords for this user", retry_ms);
    }
    if (!good) {
        sodium_memzero(password, sizeof password);
        gateway_store_signin_failed(self->store, name, address,
                                    self->config->signin_window_s * 1000,
                                    self->config->signin_fails_user);
        gateway_store_audit(self->store, "session.passwd", name, name, "", "wrong password");
        return s_error(call, STI_ERR_UNAUTHENTICATED, "current: the password is wrong");
    }
    int hashed = gateway_users_hash(self->config, password, pwhash);
    sodium_memzero(password, sizeof password);
    if (hashed != 0) {
        return -1;
    }
    int rc = gateway_store_user_password(self->store, name, pwhash);
    if (rc <= 0) {
        return rc < 0 ? s_unavailable(call) : s_error(call, STI_ERR_NOT_FOUND, "no such user");
    }
    gateway_store_audit(self->store, "session.passwd", name, name, "", "ok");
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_kv_str(call->reply, "name", name);
    return gateway_users_keep(self->store, call, self->config->replay_ttl_s);
}

//  --- declarations ---

static const sti_arg_t s_user_add_args[] = {
    {"name", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_NAME_MAX, NULL, "the sign-in name"},
    {"role", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_ROLE_MAX, NULL,
     "reader, clerk, officer or admin"},
    {"display", STI_ARG_STR, STI_OPTIONAL, 0, GATEWAY_DISPLAY_MAX, NULL,
     "the name shown (default: the sign-in name)"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_AUTH_SCOPE_MAX, NULL,
     "the org unit the user acts for (and those under it); default: the whole plan"},
    {"password", STI_ARG_STR, STI_OPTIONAL, S_PASSWORD_MIN, S_PASSWORD_MAX, NULL,
     "the password; default: one is made and answered once"},
    STI_ARGS_END,
};

static const sti_arg_t s_name_args[] = {
    {"name", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_NAME_MAX, NULL, "the user's sign-in name"},
    STI_ARGS_END,
};

static const sti_arg_t s_passwd_args[] = {
    {"name", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_NAME_MAX, NULL, "the user's sign-in name"},
    {"password", STI_ARG_STR, STI_OPTIONAL, S_PASSWORD_MIN, S_PASSWORD_MAX, NULL,
     "the new password; default: one is made and answered once"},
    STI_ARGS_END,
};

static const sti_arg_t s_own_passwd_args[] = {
    {"current", STI_ARG_STR, STI_REQUIRED, 1, S_PASSWORD_MAX, NULL, "the password now"},
    {"password", STI_ARG_STR, STI_REQUIRED, S_PASSWORD_MIN, S_PASSWORD_MAX, NULL,
     "the new password"},
    STI_ARGS_END,
};

static const sti_arg_t s_open_args[] = {
    {"username", STI_ARG_STR, STI_REQUIRED, 1, STI_AUTH_NAME_MAX, NULL, "the sign-in name"},
    {"password", STI_ARG_STR, STI_REQUIRED, 1, S_PASSWORD_MAX, NULL, "the password"},
    {"address", STI_ARG_STR, STI_REQUIRED, 1, 63, NULL, "the client's address, for the limits"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"user.add", s_user_add, STI_OP_CHANGES, s_user_add_args, "adds a person who may sign in",
     "{name, display, role, org, password?}",
     "`password` is in the reply only when it was made here: it is not kept in clear, so it is "
     "shown this once (a retry with the same request id within `replay_ttl` answers it again). "
     "Errors: `conflict` (the name is taken), `invalid_argument` (role, org)."},
    {"user.list", s_user_list, 0, NULL, "every user, by name",
     "{users: [{name, display, role, org, disabled, created}]}", NULL},
    {"user.passwd", s_user_passwd, STI_OP_CHANGES, s_passwd_args,
     "sets a user's password, enables the user and ends the user's sessions", "{name, password?}",
     "As for `user.add`, a password made here is answered once. Clears a lock-out. Errors: "
     "`not_found`."},
    {"user.disable", s_user_disable, STI_OP_CHANGES, s_name_args,
     "stops a user from signing in and ends the user's sessions", "{name, disabled: true}",
     "`user.passwd` enables the user again. Errors: `not_found`."},
    {"session.open", s_session_open, STI_ROLE_GATEWAY, s_open_args,
     "signs a person in: checks the password and opens a session",
     "{session, csrf, user, display, role, org, expires}",
     "A key of role gateway calls it as itself (the one op it may), for POST /api/v1/session "
     "(docs/gateway.md); admin may too (without CURVE every caller is local/admin). Errors: "
     "`unauthenticated` (unknown user, wrong password or a disabled user: one answer for "
     "all), `rate_limited` with `retry_after_ms` (the user is locked out after "
     "`signin_fails_user` failures within `signin_window`, or the address failed "
     "`signin_fails_addr` times). Every attempt is in the audit log."},
    {"session.passwd", s_session_passwd,
     STI_ROLE_READER | STI_ROLE_CLERK | STI_ROLE_OFFICER | STI_ROLE_ADMIN | STI_OP_CHANGES,
     s_own_passwd_args, "changes the signed-in person's own password", "{name}",
     "For a person signed in through sti-gateway (`PUT /api/v1/session/password`, "
     "docs/gateway.md), as that person: the current password is checked as a sign-in is (a "
     "wrong one counts as a failed sign-in, and the user is locked out as there), then the "
     "new one is kept and every session of the user ends (sign in again). Errors: "
     "`forbidden` (not a person through sti-gateway), `unauthenticated` (`current` is "
     "wrong), `rate_limited` with `retry_after_ms` (locked out), `not_found`."},
    STI_OPS_END,
};

const sti_op_table_t gateway_users_ops = {"gateway_users", s_ops};
