/*  Unit tests of talent_team_registry's ops, run as the frame runs them, on
    a throw-away redis-server with two made-up talents: a team added, read
    and updated, a retried add (one team), an unknown leader, the leader
    among the members, a stale version, and the declared shape of a team.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "talent_registry.h"
#include "talent_stack.h"
#include "talent_team_registry.h"

static talent_test_stack_t stack;
static talent_registry_t *registry;
static talent_team_store_t *teams;
static talent_team_registry_t *team_ops;

static int s_setup(void **state)
{
    (void)state;
    talent_test_stack_up(&stack);
    registry = talent_registry_new(stack.store);
    teams = talent_team_store_new(stack.redis);
    team_ops = talent_team_registry_new(stack.store, teams);
    for (int n = 1; n <= 2; n++) {
        sti_reply_t reply;
        talent_test_call(&talent_registry_ops, registry, "talent.add", talent_test_add_body(n, ""),
                         &reply);
        assert_true(reply.ok);
        sti_reply_release(&reply);
    }
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_team_registry_destroy(&team_ops);
    talent_team_store_destroy(&teams);
    talent_registry_destroy(&registry);
    talent_test_stack_down(&stack);
    return 0;
}

static sti_reply_t s_call(const char *op, const char *body, const char *id)
{
    sti_reply_t reply;
    talent_test_call_as(&talent_team_registry_ops, team_ops, op, body, id, NULL, &reply);
    return reply;
}

static void test_add_get_update(void **state)
{
    (void)state;
    const char *team = "{\"name\": \"智能装备团队\", \"leader\": \"T000001\", \"members\": "
                       "[\"T000002\"], \"field\": \"equipment\"}";
    sti_reply_t reply = s_call("team.add", team, "team-once");
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "id"), "G000001");
    assert_int_equal(talent_test_int(reply.body, "version"), 1);
    sti_reply_release(&reply);
    //  A retried add answers the team it made and makes none.
    reply = s_call("team.add", team, "team-once");
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "id"), "G000001");
    sti_reply_release(&reply);
    redisReply *made = sti_redis_command(stack.redis, "EXISTS ut:tal:team:G000002");
    assert_int_equal(made->integer, 0);
    freeReplyObject(made);

    reply = s_call("team.get", "{\"id\": \"G000001\"}", NULL);
    assert_true(reply.ok);
    assert_string_equal(talent_test_text(reply.body, "leader"), "T000001");
    assert_int_equal(sti_node_size(sti_node_get(reply.body, "members")), 1);
    sti_reply_release(&reply);
    reply = s_call("team.get", "{\"id\": \"G000099\"}", NULL);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    sti_reply_release(&reply);

    const char *update = "{\"id\": \"G000001\", \"version\": 1, \"set\": {\"name\": \"新名\"}}";
    reply = s_call("team.update", update, NULL);
    assert_true(reply.ok);
    assert_int_equal(talent_test_int(reply.body, "version"), 2);
    assert_string_equal(talent_test_text(reply.body, "name"), "新名");
    sti_reply_release(&reply);
    reply = s_call("team.update", update, NULL);
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    assert_string_equal(reply.message, "team G000001 is at version 2, not 1");
    sti_reply_release(&reply);
}

static void test_refusals(void **state)
{
    (void)state;
    sti_reply_t reply =
        s_call("team.add",
               "{\"name\": \"无人\", \"leader\": \"T000099\", \"field\": \"equipment\"}", NULL);
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(talent_test_detail(&reply, "leader"), "no talent T000099 is registered");
    sti_reply_release(&reply);
    reply = s_call("team.add",
                   "{\"name\": \"重复\", \"leader\": \"T000001\", \"members\": [\"T000001\"], "
                   "\"field\": \"equipment\"}",
                   NULL);
    assert_non_null(strstr(talent_test_detail(&reply, "members[0]"), "is the leader"));
    sti_reply_release(&reply);
    reply =
        s_call("team.add", "{\"name\": \"x\", \"leader\": \"T000001\", \"field\": \"mars\"}", NULL);
    assert_non_null(strstr(talent_test_detail(&reply, "field"), "unknown field 'mars'"));
    sti_reply_release(&reply);
    //  The declared shape, in the frame's words.
    reply = s_call("team.add", "{\"name\": \"x\", \"leader\": \"T000001\"}", NULL);
    assert_string_equal(reply.message, "field: missing (required)");
    sti_reply_release(&reply);
    reply = s_call("team.add",
                   "{\"name\": \"x\", \"leader\": \"T000001\", \"field\": \"equipment\", "
                   "\"members\": [\"\"]}",
                   NULL);
    assert_string_equal(reply.message, "members.0: must be a string of 1 to 32 bytes");
    sti_reply_release(&reply);
    reply = s_call("team.update", "{\"id\": \"G000001\", \"version\": 1}", NULL);
    assert_string_equal(reply.message, "set: missing (required)");
    sti_reply_release(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_get_update),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
