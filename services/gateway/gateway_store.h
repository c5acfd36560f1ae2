/*  gateway_store: what sti-gateway keeps in Redis: users, API tokens,
    sessions, failed sign-ins, its audit log, and the replies of writes
    kept for retries. docs/keys.md lists the keys (<ns>:gw:*).

    Secrets never reach Redis in clear: a password as its argon2id string
    (crypto_pwhash_str, made by gateway_users), a session id and a token as
    their BLAKE2b-256 digest, so a copy of Redis lets nobody sign in. A
    session expires after session_idle unused (its key's TTL, renewed on
    each use) and at its absolute end (a field, checked on each use). The
    changes that touch several keys are Lua scripts (services/gateway/lua).

    Each function says what it returns; -1 is always "Redis failed" with
    the reason in sti_redis_errstr. One store per Redis connection: the
    worker thread and the HTTP thread have their own.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "gateway_request.h"
#include "sti_redis.h"

#define GATEWAY_SECRET_LEN 43       // a session id or token body: 32 random bytes, base64url
#define GATEWAY_TOKEN_PREFIX "sti_" // what every API token starts with
#define GATEWAY_TOKEN_LEN (4 + GATEWAY_SECRET_LEN)
#define GATEWAY_DISPLAY_MAX 128 // longest display name, bytes
#define GATEWAY_PWHASH_MAX 128  // longest argon2id string (crypto_pwhash_STRBYTES)

typedef struct _gateway_store_t gateway_store_t;

//  A user as stored.
typedef struct {
    char name[STI_AUTH_NAME_MAX + 1];      // sign-in name
    char display[GATEWAY_DISPLAY_MAX + 1]; // display name
    char role[STI_AUTH_ROLE_MAX + 1];      // reader, clerk, officer, admin
    char scope[STI_AUTH_SCOPE_MAX + 1];    // org unit, or ""
    char pwhash[GATEWAY_PWHASH_MAX + 1];   // argon2id string
    bool disabled;                         // may not sign in
    int64_t created;                       // ms since 1970
} gateway_user_t;

//  An API token as stored (never the token itself).
typedef struct {
    char name[STI_AUTH_NAME_MAX + 1];   // its name
    char role[STI_AUTH_ROLE_MAX + 1];   // reader, clerk, officer, admin
    char scope[STI_AUTH_SCOPE_MAX + 1]; // org unit, or ""
    int64_t expires;                    // ms since 1970, 0: never
    int64_t created;                    // ms since 1970
    char by[STI_AUTH_NAME_MAX + 1];     // who made it
} gateway_token_t;

gateway_store_t *gateway_store_new(sti_redis_t *redis);
void gateway_store_destroy(gateway_store_t **self_p);

//  A new random secret (session id, CSRF token, token body): 43 base64url
//  characters into out (44 bytes with the NUL).
void gateway_store_secret(char *out);

//  --- users ---

//  Reads user name. Returns 1 (found), 0 (none), -1.
int gateway_store_user_get(gateway_store_t *self, const char *name, gateway_user_t *user);
//  Adds a user. Returns 0, 1 when the name is taken, -1.
int gateway_store_user_add(gateway_store_t *self, const gateway_user_t *user);
//  Every user, sorted by name, into a new array (caller frees). Returns the
//  count, or -1.
int gateway_store_user_list(gateway_store_t *self, gateway_user_t **users);
//  Sets the password hash (and enables, when enable) and ends every session
//  of the user, clearing its lock-out. Returns 1, 0 (no such user), -1.
int gateway_store_user_password(gateway_store_t *self, const char *name, const char *pwhash);
//  Disables the user and ends its sessions. Returns 1, 0 (no such user), -1.
int gateway_store_user_disable(gateway_store_t *self, const char *name);

//  --- sessions ---

//  Opens a session for user: writes a new id (cookie) and CSRF token.
//  Returns 0 or -1.
int gateway_store_session_open(gateway_store_t *self, const gateway_user_t *user, int64_t idle_ms,
                               int64_t max_ms, char *session_id, char *csrf);
//  Reads the session of id (renewing its idle time) into who. Returns 1, 0
//  (no such session, or past its end), -1.
int gateway_store_session_get(gateway_store_t *self, const char *id, int64_t idle_ms,
                              gateway_who_t *who);
//  Ends the session of id. Returns 0 or -1.
int gateway_store_session_close(gateway_store_t *self, const char *id);

//  --- API tokens ---

//  Stores a token under its digest; the token (GATEWAY_TOKEN_PREFIX + a
//  secret) is made here into token_out, written only on success. Returns 0,
//  1 (name taken), -1.
int gateway_store_token_add(gateway_store_t *self, const gateway_token_t *token, char *token_out);
//  Reads the token presented (whole, with its prefix) into who. Returns 1,
//  0 (unknown, revoked or expired), -1.
int gateway_store_token_get(gateway_store_t *self, const char *token, gateway_who_t *who);
//  Every token, sorted by name, into a new array (caller frees). Returns
//  the count, or -1.
int gateway_store_token_list(gateway_store_t *self, gateway_token_t **tokens);
//  Revokes token name. Returns 1, 0 (no such token), -1.
int gateway_store_token_revoke(gateway_store_t *self, const char *name);

//  --- failed sign-ins ---

//  Whether user or address may try now: 0 (yes), 1 (the user is locked out),
//  2 (the address has failed too often), -1; *retry_ms: how long until it
//  may (for 1 and 2).
int gateway_store_signin_allowed(gateway_store_t *self, const char *user, const char *address,
                                 int64_t addr_limit, int64_t *retry_ms);
//  Counts a failure of user from address within window_ms; the user's
//  user_limit-th locks it out for window_ms. Returns 1 when it is locked
//  now, 0, -1.
int gateway_store_signin_failed(gateway_store_t *self, const char *user, const char *address,
                                int64_t window_ms, int64_t user_limit);
//  Forgets user's failures after a good sign-in. Returns 0 or -1.
int gateway_store_signin_good(gateway_store_t *self, const char *user);

//  --- audit and retries ---

//  Appends an audit entry {time, what, user, by, address, result}. Returns 0 or -1.
int gateway_store_audit(gateway_store_t *self, const char *what, const char *user, const char *by,
                        const char *address, const char *result);
//  The reply kept for request id (a retried write), into a new buffer
//  (caller frees) with its size; NULL when none (or Redis failed).
void *gateway_store_replay_get(gateway_store_t *self, const char *id, size_t *size);
//  Keeps a write's reply body for request id for ttl_s. Returns 0 or -1.
int gateway_store_replay_put(gateway_store_t *self, const char *id, const void *body, size_t size,
                             int64_t ttl_s);
