/*  Unit tests of talent_registry's ops, run as the frame runs them (the body
    checked against the declaration, then the handler) on a throw-away
    redis-server: add and get (masked, audited), a retried add, a duplicate
    document, the frame's wording for a body of the wrong shape and the
    handler's for wrong content (every problem at once), update at a stale
    version, leave, remove, import row by row, reveal, and no plan loaded.
    Every person is made up (tests/unit/talent_stack.h).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_registry.h"
#include "talent_stack.h"

static talent_test_stack_t stack;
static talent_registry_t *registry;

static int s_setup(void **state)
{
    (void)state;
    talent_test_stack_up(&stack);
    registry = talent_registry_new(stack.store);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_registry_destroy(&registry);
    talent_registry_destroy(&registry);
    talent_test_stack_down(&stack);
    return 0;
}

//  Runs op with body; returns the reply (release it).
static sti_reply_t s_call(const char *op, const char *body)
{
    sti_reply_t reply;
    talent_test_call(&talent_registry_ops, registry, op, body, &reply);
    return reply;
}

//  The number of entries of a record's audit log.
static long long s_audits(const char *id)
{
    redisReply *len = sti_redis_command(stack.redis, "XLEN ut:tal:audit:%s", id);
    assert_non_null(len);
    long long count = len->integer;
    freeReplyObject(len);
    return count;
}

static void test_add_get(void **state)
{
    (void)state;
    char number[TALENT_RESIDENT_ID_LEN + 1];
    talent_test_resident_id(1, number);
    sti_reply_t reply;
    talent_test_call_as(&talent_registry_ops, registry, "talent.add", talent_test_add_body(1, ""),
                        "add-once", NULL, &reply);
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "id"), "T000001");
    assert_int_equal(talent_test_int(reply.body, "version"), 1);
    char masked[32];
    snprintf(masked, sizeof masked, "%.4s**********%s", number, number + 14);
    assert_string_equal(talent_test_text(reply.body, "id_number"), masked);
    assert_string_equal(talent_test_text(reply.body, "phone"), "138****0001");
    sti_reply_release(&reply);
    //  The same request again makes no second record: its answer names the first
    //  (docs/ops.md promises the record itself; today the duplicate check answers
    //  first, with a conflict naming it).
    talent_test_call_as(&talent_registry_ops, registry, "talent.add", talent_test_add_body(1, ""),
                        "add-once", NULL, &reply);
    assert_true(reply.ok ? strcmp(talent_test_text(reply.body, "id"), "T000001") == 0
                         : strcmp(talent_test_detail(&reply, "id_number"),
                                  "registered already as T000001") == 0);
    sti_reply_release(&reply);
    //  Another request with the same document is a conflict naming the record.
    reply = s_call("talent.add", talent_test_add_body(1, ""));
    assert_false(reply.ok);
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    assert_string_equal(talent_test_detail(&reply, "id_number"), "registered already as T000001");
    sti_reply_release(&reply);

    long long before = s_audits("T000001");
    reply = s_call("talent.get", "{\"id\": \"T000001\"}");
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "name"), "张1");
    sti_reply_release(&reply);
    assert_int_equal(s_audits("T000001"), before + 1);
    reply = s_call("talent.get", "{\"id\": \"T000099\"}");
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    sti_reply_release(&reply);
}

static void test_shapes_and_contents(void **state)
{
    (void)state;
    //  The frame: the declared shape, in the one wording.
    sti_reply_t reply = s_call("talent.add", "{\"name\": 5}");
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(reply.message, "name: must be a string of 1 to 128 bytes");
    sti_reply_release(&reply);
    reply = s_call("talent.add", "{\"name\": \"李\"}");
    assert_string_equal(reply.message, "id_type: missing (required)");
    sti_reply_release(&reply);
    reply = s_call("talent.add", talent_test_add_body(2, ", \"nickname\": \"x\""));
    assert_non_null(strstr(reply.message, "nickname: unknown key (known: name, gender, "));
    sti_reply_release(&reply);
    reply = s_call("talent.get", "{\"id\": \"\"}");
    assert_string_equal(reply.message, "id: must be a string of 1 to 32 bytes");
    sti_reply_release(&reply);
    reply = s_call("talent.update", "{\"id\": \"T000001\", \"version\": 0, \"set\": {}}");
    assert_string_equal(reply.message, "version: must be an integer from 1 to 9223372036854775807");
    sti_reply_release(&reply);
    reply =
        s_call("talent.update", "{\"id\": \"T000001\", \"version\": 1, \"set\": {\"name\": 1}}");
    assert_string_equal(reply.message, "set.name: must be a string of 1 to 128 bytes");
    sti_reply_release(&reply);
    //  The handler: the content, every problem at once; a nil optional key is none.
    reply = s_call("talent.add",
                   "{\"name\": \"坏号\", \"id_type\": \"resident\", \"id_number\": "
                   "\"330105198503121230\", \"category\": \"nobel\", \"field\": \"other\", "
                   "\"channel\": {\"kind\": \"direct\"}, \"arrived\": \"2023-02-29\", "
                   "\"phone\": null}");
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(talent_test_detail(&reply, "id_number"), "check digit"));
    assert_non_null(strstr(talent_test_detail(&reply, "category"), "unknown level 'nobel'"));
    assert_non_null(strstr(talent_test_detail(&reply, "arrived"), "not a real date"));
    assert_non_null(strstr(reply.message, "(and more, see details)"));
    sti_reply_release(&reply);
    reply = s_call("talent.get", "{\"id\": \"T 1\"}");
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_not_equal(talent_test_detail(&reply, "id"), "");
    sti_reply_release(&reply);
}

static void test_update_leave_remove(void **state)
{
    (void)state;
    sti_reply_t reply = s_call("talent.add", talent_test_add_body(3, ""));
    assert_true(reply.ok);
    char id[TALENT_REGISTRY_ID_MAX + 1], body[256];
    snprintf(id, sizeof id, "%s", talent_test_text(reply.body, "id"));
    sti_reply_release(&reply);
    snprintf(body, sizeof body,
             "{\"id\": \"%s\", \"version\": 1, \"set\": {\"field\": \"future\"}}", id);
    reply = s_call("talent.update", body);
    assert_true(reply.ok);
    assert_int_equal(talent_test_int(reply.body, "version"), 2);
    assert_string_equal(talent_test_text(reply.body, "field"), "future");
    sti_reply_release(&reply);
    reply = s_call("talent.update", body);
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    char message[128];
    snprintf(message, sizeof message, "talent %s is at version 2, not 1", id);
    assert_string_equal(reply.message, message);
    sti_reply_release(&reply);
    snprintf(body, sizeof body,
             "{\"id\": \"%s\", \"set\": {\"field\": \"atlantis\"}, \"version\": 2}", id);
    reply = s_call("talent.update", body);
    assert_non_null(strstr(talent_test_detail(&reply, "set.field"), "unknown field"));
    sti_reply_release(&reply);

    snprintf(body, sizeof body, "{\"id\": \"%s\", \"left_on\": \"2021-01-01\"}", id);
    reply = s_call("talent.leave", body);
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_not_equal(talent_test_detail(&reply, "left_on"), "");
    sti_reply_release(&reply);
    snprintf(body, sizeof body, "{\"id\": \"%s\", \"left_on\": \"2024-06-30\"}", id);
    reply = s_call("talent.leave", body);
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "status"), "left");
    sti_reply_release(&reply);
    reply = s_call("talent.leave", body);
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    assert_non_null(strstr(reply.message, "has left already, on 2024-06-30"));
    sti_reply_release(&reply);

    snprintf(body, sizeof body, "{\"id\": \"%s\", \"version\": 1}", id);
    reply = s_call("talent.remove", body);
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    sti_reply_release(&reply);
    snprintf(body, sizeof body, "{\"id\": \"%s\"}", id);
    reply = s_call("talent.remove", body);
    assert_true(reply.ok);
    bool removed = false;
    sti_field_error_t fe;
    assert_int_equal(sti_map_bool(reply.body, "removed", &removed, &fe), 0);
    assert_true(removed);
    sti_reply_release(&reply);
    reply = s_call("talent.get", body);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    sti_reply_release(&reply);
}

static void test_import(void **state)
{
    (void)state;
    static char body[8192];
    char good[1024], duplicate[1024];
    snprintf(good, sizeof good, "%s", talent_test_add_body(4, ""));
    snprintf(duplicate, sizeof duplicate, "%s", talent_test_add_body(4, ""));
    snprintf(body, sizeof body,
             "{\"request_id\": \"batch-1\", \"rows\": [%s, {\"name\": \"坏行\"}, %s, 7]}", good,
             duplicate);
    sti_reply_t reply = s_call("talent.import", body);
    assert_true(reply.ok);
    assert_int_equal(talent_test_int(reply.body, "accepted"), 1);
    assert_int_equal(talent_test_int(reply.body, "rejected"), 3);
    sti_node_t ids = sti_node_get(reply.body, "ids");
    assert_int_equal(sti_node_size(ids), 1);
    char first[TALENT_REGISTRY_ID_MAX + 1];
    snprintf(first, sizeof first, "%s", talent_test_text(sti_node_at(ids, 0), "id"));
    sti_node_t errors = sti_node_get(reply.body, "errors");
    bool duplicate_named = false;
    for (size_t i = 0; i < sti_node_size(errors); i++) {
        sti_node_t error = sti_node_at(errors, i);
        duplicate_named =
            duplicate_named || (talent_test_int(error, "index") == 2 &&
                                strstr(talent_test_text(error, "reason"), "registered already as"));
    }
    assert_true(duplicate_named);
    sti_reply_release(&reply);
    //  The same request id again registers nothing twice: the row names the
    //  record it made (as an id, or as the duplicate it is).
    redisReply *next = sti_redis_command(stack.redis, "GET ut:tal:next");
    reply = s_call("talent.import", body);
    redisReply *after = sti_redis_command(stack.redis, "GET ut:tal:next");
    assert_string_equal(next->str, after->str);
    freeReplyObject(next);
    freeReplyObject(after);
    ids = sti_node_get(reply.body, "ids");
    errors = sti_node_get(reply.body, "errors");
    char named[64];
    snprintf(named, sizeof named, "registered already as %s", first);
    assert_true(sti_node_size(ids) == 1
                    ? strcmp(talent_test_text(sti_node_at(ids, 0), "id"), first) == 0
                    : strcmp(talent_test_text(sti_node_at(errors, 0), "reason"), named) == 0);
    sti_reply_release(&reply);
    //  More rows than a request may hold: too_large, not a body error.
    static char many[16384];
    size_t at = (size_t)snprintf(many, sizeof many, "{\"rows\": [");
    for (int i = 0; i <= TALENT_IMPORT_MAX; i++) {
        at += (size_t)snprintf(many + at, sizeof many - at, "%s{}", i ? "," : "");
    }
    snprintf(many + at, sizeof many - at, "]}");
    reply = s_call("talent.import", many);
    assert_int_equal(reply.code, STI_ERR_TOO_LARGE);
    sti_reply_release(&reply);
}

static void test_reveal(void **state)
{
    (void)state;
    sti_reply_t reply = s_call("talent.add", talent_test_add_body(5, ""));
    char id[TALENT_REGISTRY_ID_MAX + 1], body[256], number[TALENT_RESIDENT_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", talent_test_text(reply.body, "id"));
    sti_reply_release(&reply);
    snprintf(body, sizeof body, "{\"id\": \"%s\", \"reason\": \"   \"}", id);
    reply = s_call("talent.reveal", body);
    assert_string_equal(talent_test_detail(&reply, "reason"),
                        "must say why the data is needed in clear");
    sti_reply_release(&reply);
    snprintf(body, sizeof body, "{\"id\": \"%s\", \"reason\": \"visa letter\"}", id);
    long long before = s_audits(id);
    reply = s_call("talent.reveal", body);
    assert_true(reply.ok);
    talent_test_resident_id(5, number);
    assert_string_equal(talent_test_text(reply.body, "id_number"), number);
    sti_reply_release(&reply);
    assert_int_equal(s_audits(id), before + 1);
}

//  Without a plan in Redis there are no codes: not_found, saying so.
static void test_no_plan(void **state)
{
    (void)state;
    char err[256];
    sti_redis_t *other = sti_redis_new(stack.server.url, "empty", err, sizeof err);
    talent_store_t *store = talent_store_new(other, stack.crypto, NULL);
    talent_registry_t *bare = talent_registry_new(store);
    sti_reply_t reply;
    talent_test_call(&talent_registry_ops, bare, "talent.add", talent_test_add_body(6, ""), &reply);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    assert_non_null(strstr(reply.message, "no plan is loaded"));
    sti_reply_release(&reply);
    talent_registry_destroy(&bare);
    talent_store_destroy(&store);
    sti_redis_destroy(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_get),
        cmocka_unit_test(test_shapes_and_contents),
        cmocka_unit_test(test_update_leave_remove),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_reveal),
        cmocka_unit_test(test_no_plan),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
