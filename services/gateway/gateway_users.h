/*  gateway_users: the people who sign in to sti-gateway, and the sign-in.

    Ops of sti.gateway (docs/ops.md): user.add, user.list, user.passwd,
    user.disable (admin), and session.open, which only a key of role
    gateway calls: the gateway's HTTP side hands it the name, password and
    address of a POST /api/v1/session, and it answers a new session.

    Passwords are hashed with argon2id (libsodium crypto_pwhash_str, the
    memory and passes of the configuration) and never kept or logged in
    clear; a password the admin does not choose is made here (18 random
    bytes) and answered once. A failed sign-in counts against the user and
    the address (gateway_store): the user's signin_fails_user-th failure
    within signin_window_s locks it out for that long, and an address past
    signin_fails_addr is refused for the rest of its window; both answer
    rate_limited with the wait, and every attempt is in the audit log. An
    unknown user and a wrong password get the same answer, after the same
    work (a hash is checked either way).

    A write is applied once per request id: the reply is kept for
    replay_ttl_s (it may hold a made password; kept no longer than that).
*/
#pragma once
#include "gateway_config.h"
#include "gateway_store.h"
#include "sti_service.h"

typedef struct _gateway_users_t gateway_users_t;

extern const sti_op_table_t gateway_users_ops;

//  config and store are borrowed.
gateway_users_t *gateway_users_new(const gateway_config_t *config, gateway_store_t *store);
void gateway_users_destroy(gateway_users_t **self_p);

//  A hash of password (argon2id, with the configuration's cost) into out
//  (GATEWAY_PWHASH_MAX + 1 bytes). Returns 0, or -1 (out of memory).
int gateway_users_hash(const gateway_config_t *config, const char *password, char *out);
//  Writes a new random password (24 characters) into out (25 bytes).
void gateway_users_password(char *out);
//  True when role is one a person or a token may have.
bool gateway_users_role_valid(const char *role);
//  True when scope is "" or an org unit's code ([a-z0-9_-]{1,64}).
bool gateway_users_scope_valid(const char *scope);

//  Keeps the reply body written after the first `mark` bytes of call->reply
//  for the request id (replay_ttl_s). Returns 0.
int gateway_users_keep(gateway_store_t *store, const sti_call_t *call, int64_t ttl_s);
//  When the request id was answered before, writes that answer and returns
//  true.
bool gateway_users_replayed(gateway_store_t *store, const sti_call_t *call);
