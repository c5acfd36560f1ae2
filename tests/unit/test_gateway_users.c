/*  test_gateway_users: the ops of sti.gateway's users, tokens and sign-in on
    a real redis-server: a made password is answered once and a retry with
    the same request id answers it again; the sign-in checks the argon2id
    hash, answers one way for an unknown user, a wrong password and a
    disabled user, locks a user out after its failures (rate_limited with
    the wait), and audits; a token is answered once. Users are made up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>

#include "gateway_tokens.h"
#include "gateway_users.h"
#include "redis_server.h"
#include "sti_json.h"

static test_redis_t s_server;
static gateway_config_t s_config = {.pwhash_mem_kib = 8192,
                                    .pwhash_ops = 1,
                                    .replay_ttl_s = 60,
                                    .session_idle_s = 60,
                                    .session_max_s = 3600,
                                    .signin_fails_user = 3,
                                    .signin_fails_addr = 100,
                                    .signin_window_s = 60};

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

typedef struct {
    sti_redis_t *redis;
    gateway_store_t *store;
    gateway_users_t *users;
    gateway_tokens_t *tokens;
} s_stack_t;

static void s_stack(s_stack_t *stack)
{
    char err[256];
    stack->redis = sti_redis_new(s_server.url, "gwusers", err, sizeof err);
    assert_int_equal(sti_redis_wait(stack->redis, 5000), 0);
    stack->store = gateway_store_new(stack->redis);
    stack->users = gateway_users_new(&s_config, stack->store);
    stack->tokens = gateway_tokens_new(&s_config, stack->store);
}

static void s_unstack(s_stack_t *stack)
{
    gateway_tokens_destroy(&stack->tokens);
    gateway_users_destroy(&stack->users);
    gateway_store_destroy(&stack->store);
    sti_redis_destroy(&stack->redis);
}

//  Calls op with the JSON body as caller; returns the reply as JSON (caller deletes).
static cJSON *s_call(s_stack_t *stack, const char *op, const char *id, const char *body,
                     const sti_identity_t *caller)
{
    const sti_op_table_t *tables[] = {&gateway_users_ops, &gateway_tokens_ops};
    void *objects[] = {stack->users, stack->tokens};
    for (size_t t = 0; t < 2; t++) {
        for (const sti_op_decl_t *decl = tables[t]->ops; decl->name; decl++) {
            if (strcmp(decl->name, op) != 0) {
                continue;
            }
            sti_writer_t *writer = sti_writer_new(), *reply = sti_writer_new();
            char err[256];
            sti_envelope_request(writer, op, id);
            assert_int_equal(sti_json_text_to_writer(body, strlen(body), writer, err, sizeof err),
                             0);
            size_t size;
            const void *data = sti_writer_data(writer, &size);
            sti_request_t request;
            assert_int_equal(sti_request_decode(data, size, NULL, &request, err, sizeof err), 0);
            sti_field_error_t field_err;
            assert_int_equal(sti_op_check(decl, request.body, &field_err), 0);
            sti_call_t call = {&request, reply, caller, NULL};
            assert_int_equal(decl->handler(objects[t], &call), 0);
            data = sti_writer_data(reply, &size);
            sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
            cJSON *json = sti_json_from_node(sti_reader_root(reader));
            sti_reader_destroy(&reader);
            sti_request_release(&request);
            sti_writer_destroy(&writer);
            sti_writer_destroy(&reply);
            return json;
        }
    }
    fail_msg("no op %s", op);
    return NULL;
}

static const char *s_str(const cJSON *json, const char *a, const char *b)
{
    const cJSON *item = cJSON_GetObjectItem(json, a);
    item = b ? cJSON_GetObjectItem(item, b) : item;
    return cJSON_IsString(item) ? item->valuestring : "";
}

static void test_users(void **state)
{
    (void)state;
    s_stack_t stack;
    s_stack(&stack);
    sti_identity_t admin;
    sti_identity_local(&admin);
    cJSON *reply = s_call(&stack, "user.add", "r-1",
                          "{\"name\": \"dora\", \"role\": \"clerk\", "
                          "\"org\": \"donghu\"}",
                          &admin);
    const char *made = s_str(reply, "body", "password");
    assert_int_equal(strlen(made), 24);
    char password[32];
    snprintf(password, sizeof password, "%s", made);
    cJSON_Delete(reply);
    //  The same request again: the same answer (the made password too).
    reply = s_call(&stack, "user.add", "r-1", "{\"name\": \"dora\", \"role\": \"clerk\"}", &admin);
    assert_string_equal(s_str(reply, "body", "password"), password);
    cJSON_Delete(reply);
    //  Another request for the name: conflict. A bad role: invalid_argument.
    reply = s_call(&stack, "user.add", "r-2", "{\"name\": \"dora\", \"role\": \"clerk\"}", &admin);
    assert_string_equal(s_str(reply, "error", "code"), "conflict");
    cJSON_Delete(reply);
    reply = s_call(&stack, "user.add", "r-3", "{\"name\": \"x\", \"role\": \"service\"}", &admin);
    assert_string_equal(s_str(reply, "error", "code"), "invalid_argument");
    cJSON_Delete(reply);
    //  Sign-in.
    sti_identity_t gateway;
    sti_identity_set(&gateway, "gw", "gateway", NULL);
    char body[256];
    snprintf(body, sizeof body,
             "{\"username\": \"dora\", \"password\": \"%s\", \"address\": "
             "\"10.1.1.1\"}",
             password);
    reply = s_call(&stack, "session.open", "s-1", body, &gateway);
    assert_string_equal(s_str(reply, "body", "user"), "dora");
    assert_string_equal(s_str(reply, "body", "org"), "donghu");
    assert_int_equal(strlen(s_str(reply, "body", "session")), GATEWAY_SECRET_LEN);
    cJSON_Delete(reply);
    //  Unknown user and wrong password: one answer.
    const char *wrong[] = {"{\"username\": \"nobody\", \"password\": \"x\", \"address\": \"a\"}",
                           "{\"username\": \"dora\", \"password\": \"x\", \"address\": \"a\"}"};
    for (size_t i = 0; i < 2; i++) {
        reply = s_call(&stack, "session.open", "s-2", wrong[i], &gateway);
        assert_string_equal(s_str(reply, "error", "code"), "unauthenticated");
        assert_string_equal(s_str(reply, "error", "message"),
                            "the user name or the password is wrong");
        cJSON_Delete(reply);
    }
    //  Two more failures lock dora out (3 within the window), even with the password.
    for (int i = 0; i < 2; i++) {
        cJSON_Delete(s_call(&stack, "session.open", "s-3", wrong[1], &gateway));
    }
    reply = s_call(&stack, "session.open", "s-4", body, &gateway);
    assert_string_equal(s_str(reply, "error", "code"), "rate_limited");
    assert_non_null(strstr(s_str(reply, "error", "message"), "try again in"));
    cJSON_Delete(reply);
    //  A new password clears the lock-out; a disabled user cannot sign in.
    reply = s_call(&stack, "user.passwd", "p-1",
                   "{\"name\": \"dora\", \"password\": "
                   "\"a-long-password\"}",
                   &admin);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "body"), "password"));
    cJSON_Delete(reply);
    const char *good = "{\"username\": \"dora\", \"password\": \"a-long-password\", "
                       "\"address\": \"a\"}";
    reply = s_call(&stack, "session.open", "s-5", good, &gateway);
    assert_string_equal(s_str(reply, "body", "user"), "dora");
    cJSON_Delete(reply);
    cJSON_Delete(s_call(&stack, "user.disable", "d-1", "{\"name\": \"dora\"}", &admin));
    reply = s_call(&stack, "session.open", "s-6", good, &gateway);
    assert_string_equal(s_str(reply, "error", "code"), "unauthenticated");
    cJSON_Delete(reply);
    redisReply *audit = sti_redis_command(stack.redis, "XLEN gwusers:gw:audit");
    assert_true(audit->integer >= 8);
    freeReplyObject(audit);
    s_unstack(&stack);
}

static void test_tokens(void **state)
{
    (void)state;
    s_stack_t stack;
    s_stack(&stack);
    sti_identity_t admin;
    sti_identity_local(&admin);
    cJSON *reply = s_call(&stack, "token.new", "t-1",
                          "{\"name\": \"bi\", \"role\": \"reader\", "
                          "\"expires_s\": 3600}",
                          &admin);
    const char *token = s_str(reply, "body", "token");
    assert_int_equal(strlen(token), GATEWAY_TOKEN_LEN);
    gateway_who_t who;
    assert_int_equal(gateway_store_token_get(stack.store, token, &who), 1);
    assert_string_equal(who.user, "bi");
    assert_true(strlen(s_str(reply, "body", "expires")) > 10);
    cJSON_Delete(reply);
    reply = s_call(&stack, "token.list", "t-2", "{}", &admin);
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "body"), "tokens"),
                               0),
            "by")
            ->valuestring,
        "local");
    cJSON_Delete(reply);
    reply = s_call(&stack, "token.revoke", "t-3", "{\"name\": \"bi\"}", &admin);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "body"), "revoked")));
    cJSON_Delete(reply);
    reply = s_call(&stack, "token.revoke", "t-4", "{\"name\": \"bi\"}", &admin);
    assert_string_equal(s_str(reply, "error", "code"), "not_found");
    cJSON_Delete(reply);
    s_unstack(&stack);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
