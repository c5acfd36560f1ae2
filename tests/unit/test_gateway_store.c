/*  test_gateway_store: sti-gateway's keys on a real redis-server: users,
    sessions (idle and absolute ends, ended by a new password or a
    disabled user), tokens (digests only, expiry, revocation), failed
    sign-ins and the lock-out, the audit log, replies kept for retries.
    The users and tokens are made up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>

#include "gateway_store.h"
#include "redis_server.h"

static test_redis_t s_server;

static int s_setup(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    test_redis_start(&s_server, NULL);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    test_redis_stop(&s_server);
    return 0;
}

static gateway_store_t *s_store(sti_redis_t **redis)
{
    char err[256];
    *redis = sti_redis_new(s_server.url, "gwtest", err, sizeof err);
    assert_non_null(*redis);
    assert_int_equal(sti_redis_wait(*redis, 5000), 0);
    return gateway_store_new(*redis);
}

static gateway_user_t s_user(const char *name, const char *role, const char *scope)
{
    gateway_user_t user = {.created = 1};
    snprintf(user.name, sizeof user.name, "%s", name);
    snprintf(user.display, sizeof user.display, "%s", name);
    snprintf(user.role, sizeof user.role, "%s", role);
    snprintf(user.scope, sizeof user.scope, "%s", scope);
    snprintf(user.pwhash, sizeof user.pwhash, "$argon2id$made-up");
    return user;
}

static void test_users_and_sessions(void **state)
{
    (void)state;
    sti_redis_t *redis;
    gateway_store_t *store = s_store(&redis);
    gateway_user_t carol = s_user("carol", "clerk", "donghu"), read;
    assert_int_equal(gateway_store_user_add(store, &carol), 0);
    assert_int_equal(gateway_store_user_add(store, &carol), 1); // taken
    assert_int_equal(gateway_store_user_get(store, "carol", &read), 1);
    assert_string_equal(read.scope, "donghu");
    assert_false(read.disabled);
    assert_int_equal(gateway_store_user_get(store, "nobody", &read), 0);
    gateway_user_t *users = NULL;
    assert_int_equal(gateway_store_user_list(store, &users), 1);
    free(users);
    //  A session: found by its id, with its CSRF token and scope.
    char id[GATEWAY_SECRET_LEN + 1], csrf[GATEWAY_SECRET_LEN + 1];
    assert_int_equal(gateway_store_session_open(store, &carol, 60000, 3600000, id, csrf), 0);
    assert_int_equal(strlen(id), GATEWAY_SECRET_LEN);
    gateway_who_t who;
    assert_int_equal(gateway_store_session_get(store, id, 60000, &who), 1);
    assert_string_equal(who.user, "carol");
    assert_string_equal(who.scope, "donghu");
    assert_string_equal(who.csrf, csrf);
    assert_true(who.by_cookie);
    //  Redis never holds the id in clear.
    redisReply *keys = sti_redis_command(redis, "KEYS gwtest:gw:session:*");
    assert_int_equal(keys->elements, 1);
    assert_null(strstr(keys->element[0]->str, id));
    freeReplyObject(keys);
    //  A new password ends it; so does disabling (a second session).
    assert_int_equal(gateway_store_user_password(store, "carol", "$argon2id$other"), 1);
    assert_int_equal(gateway_store_session_get(store, id, 60000, &who), 0);
    assert_int_equal(gateway_store_session_open(store, &carol, 60000, 3600000, id, csrf), 0);
    assert_int_equal(gateway_store_user_disable(store, "carol"), 1);
    assert_int_equal(gateway_store_session_get(store, id, 60000, &who), 0);
    assert_int_equal(gateway_store_user_get(store, "carol", &read), 1);
    assert_true(read.disabled);
    assert_int_equal(gateway_store_user_disable(store, "nobody"), 0);
    //  Idle end (the key's TTL) and absolute end (a field).
    assert_int_equal(gateway_store_session_open(store, &carol, 50, 3600000, id, csrf), 0);
    zclock_sleep(150);
    assert_int_equal(gateway_store_session_get(store, id, 50, &who), 0);
    assert_int_equal(gateway_store_session_open(store, &carol, 60000, 1, id, csrf), 0);
    zclock_sleep(20);
    assert_int_equal(gateway_store_session_get(store, id, 60000, &who), 0);
    assert_int_equal(gateway_store_session_open(store, &carol, 60000, 3600000, id, csrf), 0);
    assert_int_equal(gateway_store_session_close(store, id), 0);
    assert_int_equal(gateway_store_session_get(store, id, 60000, &who), 0);
    gateway_store_destroy(&store);
    sti_redis_destroy(&redis);
}

static void test_tokens(void **state)
{
    (void)state;
    sti_redis_t *redis;
    gateway_store_t *store = s_store(&redis);
    gateway_token_t token = {.name = "bi", .role = "reader", .created = 1, .by = "admin"};
    char secret[GATEWAY_TOKEN_LEN + 1];
    assert_int_equal(gateway_store_token_add(store, &token, secret), 0);
    assert_int_equal(strncmp(secret, "sti_", 4), 0);
    assert_int_equal(gateway_store_token_add(store, &token, secret), 1); // taken
    char other[GATEWAY_TOKEN_LEN + 1];
    gateway_token_t short_lived = {.name = "tmp",
                                   .role = "clerk",
                                   .scope = "donghu",
                                   .created = 1,
                                   .expires = zclock_time() + 100};
    assert_int_equal(gateway_store_token_add(store, &short_lived, other), 0);
    gateway_who_t who;
    assert_int_equal(gateway_store_token_get(store, secret, &who), 1);
    assert_string_equal(who.user, "bi");
    assert_false(who.by_cookie);
    assert_int_equal(gateway_store_token_get(store, other, &who), 1);
    assert_string_equal(who.scope, "donghu");
    zclock_sleep(200);
    assert_int_equal(gateway_store_token_get(store, other, &who), 0); // expired
    gateway_token_t *tokens = NULL;
    assert_int_equal(gateway_store_token_list(store, &tokens), 1);
    assert_string_equal(tokens[0].name, "bi");
    free(tokens);
    assert_int_equal(gateway_store_token_revoke(store, "bi"), 1);
    assert_int_equal(gateway_store_token_get(store, secret, &who), 0);
    assert_int_equal(gateway_store_token_revoke(store, "bi"), 0);
    secret[5] ^= 1;
    assert_int_equal(gateway_store_token_get(store, secret, &who), 0);
    gateway_store_destroy(&store);
    sti_redis_destroy(&redis);
}

static void test_signin_limits(void **state)
{
    (void)state;
    sti_redis_t *redis;
    gateway_store_t *store = s_store(&redis);
    int64_t retry = 0;
    assert_int_equal(gateway_store_signin_allowed(store, "dora", "10.0.0.1", 5, &retry), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(gateway_store_signin_failed(store, "dora", "10.0.0.1", 60000, 3), 0);
    }
    //  The third failure locks the user out for the window.
    assert_int_equal(gateway_store_signin_failed(store, "dora", "10.0.0.1", 60000, 3), 1);
    assert_int_equal(gateway_store_signin_allowed(store, "dora", "10.0.0.2", 5, &retry), 1);
    assert_true(retry > 50000 && retry <= 60000);
    //  The address: its fifth failure refuses it, for any user.
    assert_int_equal(gateway_store_signin_failed(store, "eve", "10.0.0.1", 60000, 100), 0);
    assert_int_equal(gateway_store_signin_failed(store, "eve", "10.0.0.1", 60000, 100), 0);
    assert_int_equal(gateway_store_signin_allowed(store, "fred", "10.0.0.1", 5, &retry), 2);
    assert_int_equal(gateway_store_signin_allowed(store, "fred", "10.0.0.9", 5, &retry), 0);
    assert_int_equal(gateway_store_signin_good(store, "eve"), 0);
    assert_int_equal(
        gateway_store_audit(store, "session.open", "dora", "dora", "10.0.0.1", "wrong password"),
        0);
    redisReply *audit = sti_redis_command(redis, "XLEN gwtest:gw:audit");
    assert_int_equal(audit->integer, 1);
    freeReplyObject(audit);
    //  A reply kept for a retry.
    assert_int_equal(gateway_store_replay_put(store, "token.new:r-1", "\x81\xa1x\x01", 4, 60), 0);
    size_t size = 0;
    void *kept = gateway_store_replay_get(store, "token.new:r-1", &size);
    assert_int_equal(size, 4);
    assert_memory_equal(kept, "\x81\xa1x\x01", 4);
    free(kept);
    assert_null(gateway_store_replay_get(store, "token.new:r-2", &size));
    gateway_store_destroy(&store);
    sti_redis_destroy(&redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users_and_sessions),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_signin_limits),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
