/*  Unit tests of projects_registry, its ops run as the frame runs them
    (the body checked against the declaration first: talent_stack.h's
    harness) on a throw-away redis-server with the Linping plan: without a
    plan every op answers not_found; an add answered with the project; a
    bad body answered with every problem; a retried add applied once; an
    update at a stale version a conflict; a milestone; an import applied
    whole or not at all, retried once. The projects are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "projects_plan.h"
#include "projects_registry.h"
#include "talent_stack.h"

static void *fixture; // projects_test_redis_t
static sti_redis_t *redis;
static projects_store_t *store;
static projects_writer_t *writer;
static sti_catalog_store_t *catalog;
static projects_registry_t *registry;

static int s_setup(void **state)
{
    (void)state;
    assert_int_equal(projects_test_setup(&fixture), 0);
    redis = ((projects_test_redis_t *)fixture)->redis;
    store = projects_store_new(redis);
    writer = projects_writer_new(redis, store, NULL, 3600);
    catalog = sti_catalog_store_new(redis);
    registry = projects_registry_new(store, writer, catalog, "万元");
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    projects_registry_destroy(&registry);
    sti_catalog_store_destroy(&catalog);
    projects_writer_destroy(&writer);
    projects_store_destroy(&store);
    return projects_test_teardown(&fixture);
}

#define S_ADD                                                                                            \
    "{\"code\": \"R-1\", \"name_zh\": \"示例平台（虚构）\", \"kind\": \"platform\", \"level\": " \
    "\"provincial\", \"org\": \"linping\", \"start\": \"2021\", \"end\": \"2024\", "                     \
    "\"investment\": 2, \"investment_unit\": \"亿元\", \"status_on\": \"2021-02-01\", "                \
    "\"milestones\": [{\"due\": \"2099-01-01\", \"description\": \"验收\"}]}"

static void test_ops(void **state)
{
    (void)state;
    sti_reply_t reply;
    talent_test_call(&projects_registry_ops, registry, "project.add", S_ADD, &reply);
    assert_false(reply.ok);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND); // no plan loaded
    sti_reply_release(&reply);
    talent_test_put_plan(redis);

    talent_test_call_as(&projects_registry_ops, registry, "project.add", S_ADD, "add-1", NULL,
                        &reply);
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "status"), "planned");
    assert_int_equal(talent_test_int(reply.body, "version"), 1);
    sti_reply_release(&reply);
    talent_test_call_as(&projects_registry_ops, registry, "project.add", S_ADD, "add-1", NULL,
                        &reply);
    assert_true(reply.ok); // the retry: the project as it is, added once
    assert_int_equal(talent_test_int(reply.body, "version"), 1);
    sti_reply_release(&reply);

    talent_test_call(&projects_registry_ops, registry, "project.add",
                     "{\"code\": \"R-2\", \"name_zh\": \"x\", \"kind\": \"ship\", \"level\": "
                     "\"national\", \"org\": \"mars\", \"start\": \"2021\", \"end\": \"2022\"}",
                     &reply);
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(talent_test_detail(&reply, "org"),
                        "unknown org unit 'mars' (stictl org list)");
    assert_non_null(strstr(reply.message, "(and 1 more, see details)"));
    sti_reply_release(&reply);

    talent_test_call(&projects_registry_ops, registry, "project.update",
                     "{\"code\": \"R-1\", \"version\": 1, \"status\": \"in_progress\", "
                     "\"status_on\": \"2021-03-01\"}",
                     &reply);
    assert_true(reply.ok);
    assert_int_equal(talent_test_int(reply.body, "version"), 2);
    sti_reply_release(&reply);
    talent_test_call(&projects_registry_ops, registry, "project.update",
                     "{\"code\": \"R-1\", \"version\": 1, \"lead\": \"x\"}", &reply);
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    assert_string_equal(talent_test_detail(&reply, "version"),
                        "project R-1 is at version 2, not 1");
    sti_reply_release(&reply);
    talent_test_call(&projects_registry_ops, registry, "project.update",
                     "{\"code\": \"R-404\", \"lead\": \"x\"}", &reply);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    sti_reply_release(&reply);
    talent_test_call(&projects_registry_ops, registry, "project.milestone",
                     "{\"code\": \"R-1\", \"milestone\": 1, \"done\": \"2024-01-01\"}", &reply);
    assert_true(reply.ok);
    assert_int_equal(talent_test_int(reply.body, "version"), 3);
    sti_reply_release(&reply);
}

static void test_import(void **state)
{
    (void)state;
    sti_reply_t reply;
    const char *bad =
        "{\"request_id\": \"imp-1\", \"rows\": ["
        "{\"code\": \"I-1\", \"name_zh\": \"甲\", \"kind\": \"other\", \"level\": "
        "\"district\", \"org\": \"linping\", \"start\": \"2022\", \"end\": \"2023\"},"
        "{\"code\": \"I-1\", \"name_zh\": \"乙\", \"kind\": \"other\", \"level\": "
        "\"district\", \"org\": \"linping\", \"start\": \"2022\", \"end\": \"2023\"}]}";
    talent_test_call(&projects_registry_ops, registry, "project.import", bad, &reply);
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(talent_test_detail(&reply, "code"), "I-1 is in row 0 too");
    sti_reply_release(&reply);
    redisReply *exists = sti_redis_command(redis, "EXISTS ut:prj:p:I-1");
    assert_int_equal(exists->integer, 0); // nothing of it was taken
    freeReplyObject(exists);
    const char *good = "{\"request_id\": \"imp-2\", \"rows\": ["
                       "{\"code\": \"I-1\", \"name_zh\": \"甲\", \"kind\": \"other\", \"level\": "
                       "\"district\", \"org\": \"linping\", \"start\": \"2022\", \"end\": "
                       "\"2023\"}]}";
    for (int i = 0; i < 2; i++) {
        talent_test_call(&projects_registry_ops, registry, "project.import", good, &reply);
        assert_true(reply.ok);
        assert_int_equal(talent_test_int(reply.body, "added"), 1); // the retry: as the first time
        sti_reply_release(&reply);
    }
    const char *taken = "{\"rows\": [{\"code\": \"R-1\", \"name_zh\": \"改\", \"kind\": "
                        "\"other\", \"level\": \"district\", \"org\": \"linping\", \"start\": "
                        "\"2022\", \"end\": \"2023\"}]}";
    talent_test_call(&projects_registry_ops, registry, "project.import", taken, &reply);
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    assert_string_equal(talent_test_detail(&reply, "code"),
                        "project R-1 exists (stictl project update changes it)");
    sti_reply_release(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops),
        cmocka_unit_test(test_import),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
