/*  Unit tests of projects_query, its ops run as the frame runs them
    (talent_stack.h's harness) on a throw-away redis-server: project.get,
    project.list with filters and pages, an unknown word refused, and the
    projects with late milestones (events.since is the integration tests').
    The projects are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "projects_plan.h"
#include "projects_query.h"
#include "projects_writer.h"
#include "talent_stack.h"

static void test_reads(void **state)
{
    sti_redis_t *redis = ((projects_test_redis_t *)*state)->redis;
    projects_store_t *store = projects_store_new(redis);
    projects_writer_t *writer = projects_writer_new(redis, store, NULL, 60);
    projects_query_t *query = projects_query_new(store, "万元");
    projects_test_add(writer, "Q-1", 0); // national
    projects_test_add(writer, "Q-2", 1); // provincial
    projects_test_add(writer, "Q-3", 2); // municipal
    sti_reply_t reply;
    talent_test_call(&projects_query_ops, query, "project.get", "{\"code\": \"Q-2\"}", &reply);
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "level"), "provincial");
    sti_reply_release(&reply);
    talent_test_call(&projects_query_ops, query, "project.get", "{\"code\": \"Q-9\"}", &reply);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    sti_reply_release(&reply);
    talent_test_call(&projects_query_ops, query, "project.list", "{\"limit\": 2}", &reply);
    assert_true(reply.ok);
    assert_int_equal(sti_node_size(sti_node_get(reply.body, "projects")), 2);
    assert_string_equal(talent_test_text(reply.body, "next"), "Q-2");
    sti_reply_release(&reply);
    talent_test_call(&projects_query_ops, query, "project.list",
                     "{\"after\": \"Q-2\", \"limit\": 2}", &reply);
    assert_int_equal(sti_node_size(sti_node_get(reply.body, "projects")), 1);
    assert_true(sti_node_type(sti_node_get(reply.body, "next")) == STI_TYPE_NIL);
    sti_reply_release(&reply);
    talent_test_call(&projects_query_ops, query, "project.list",
                     "{\"level\": \"municipal\", \"kind\": \"incubator\"}", &reply);
    sti_node_t projects = sti_node_get(reply.body, "projects");
    assert_int_equal(sti_node_size(projects), 1);
    assert_string_equal(talent_test_text(sti_node_at(projects, 0), "code"), "Q-3");
    sti_reply_release(&reply);
    talent_test_call(&projects_query_ops, query, "project.list", "{\"status\": \"dreaming\"}",
                     &reply);
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    sti_reply_release(&reply);
    assert_int_equal(projects_writer_late(writer, 20240101, 10), 3);
    talent_test_call(&projects_query_ops, query, "project.list", "{\"late\": true}", &reply);
    assert_int_equal(sti_node_size(sti_node_get(reply.body, "projects")), 3);
    sti_reply_release(&reply);
    projects_query_destroy(&query);
    projects_writer_destroy(&writer);
    projects_store_destroy(&store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads),
    };
    return cmocka_run_group_tests(tests, projects_test_setup, projects_test_teardown);
}
