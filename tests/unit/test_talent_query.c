/*  Unit tests of talent_query's ops, run as the frame runs them, on a
    throw-away redis-server with three made-up talents: search by filters,
    by name and page by page (each read audited), the bounds of a page, an
    unknown code, stats (with the key counts), the audit log page by page,
    and the replay of the stream tal.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_query.h"
#include "talent_registry.h"
#include "talent_stack.h"

static talent_test_stack_t stack;
static talent_registry_t *registry;
static talent_lookup_store_t *lookup;
static talent_rekey_store_t *keys;
static talent_rekey_t *rekey;
static talent_query_t *query;

static int s_setup(void **state)
{
    (void)state;
    talent_test_stack_up(&stack);
    registry = talent_registry_new(stack.store);
    lookup = talent_lookup_store_new(stack.redis);
    keys = talent_rekey_store_new(stack.redis, stack.crypto);
    rekey = talent_rekey_new(stack.store, keys, NULL);
    query = talent_query_new(stack.store, lookup, rekey);
    const char *extras[] = {"", ", \"overseas\": true",
                            ", \"employer\": {\"name\": \"临平示例科技有限公司\"}"};
    for (int n = 0; n < 3; n++) {
        sti_reply_t reply;
        talent_test_call(&talent_registry_ops, registry, "talent.add",
                         talent_test_add_body(n + 1, extras[n]), &reply);
        assert_true(reply.ok);
        sti_reply_release(&reply);
    }
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_query_destroy(&query);
    talent_rekey_destroy(&rekey);
    talent_rekey_store_destroy(&keys);
    talent_lookup_store_destroy(&lookup);
    talent_registry_destroy(&registry);
    talent_test_stack_down(&stack);
    return 0;
}

static sti_reply_t s_call(const char *op, const char *body)
{
    sti_reply_t reply;
    talent_test_call(&talent_query_ops, query, op, body, &reply);
    return reply;
}

//  The ids of a search reply's talents, comma-separated.
static const char *s_ids(const sti_reply_t *reply)
{
    static char ids[256];
    ids[0] = 0;
    sti_node_t talents = sti_node_get(reply->body, "talents");
    for (size_t i = 0; i < sti_node_size(talents); i++) {
        size_t at = strlen(ids);
        snprintf(ids + at, sizeof ids - at, "%s%s", i ? "," : "",
                 talent_test_text(sti_node_at(talents, i), "id"));
    }
    return ids;
}

static void test_search(void **state)
{
    (void)state;
    sti_reply_t reply = s_call("talent.search", NULL);
    assert_true(reply.ok);
    assert_string_equal(s_ids(&reply), "T000001,T000002,T000003");
    assert_true(sti_node_type(sti_node_get(reply.body, "next")) == STI_TYPE_NIL);
    sti_reply_release(&reply);
    reply = s_call("talent.search", "{\"overseas\": true, \"category\": \"national\"}");
    assert_string_equal(s_ids(&reply), "T000002");
    sti_reply_release(&reply);
    reply =
        s_call("talent.search", "{\"employer\": \"临平示例科技有限公司\", \"status\": \"active\"}");
    assert_string_equal(s_ids(&reply), "T000003");
    sti_reply_release(&reply);
    reply = s_call("talent.search", "{\"name\": \"张2\"}");
    assert_string_equal(s_ids(&reply), "T000002");
    sti_reply_release(&reply);
    //  Page by page.
    reply = s_call("talent.search", "{\"limit\": 2}");
    assert_string_equal(s_ids(&reply), "T000001,T000002");
    assert_int_equal(talent_test_int(reply.body, "next"), 2);
    sti_reply_release(&reply);
    reply = s_call("talent.export", "{\"limit\": 1000, \"cursor\": 2}");
    assert_string_equal(s_ids(&reply), "T000003");
    sti_reply_release(&reply);
    //  The page's bounds (the declaration), a code the plan does not have (the handler).
    reply = s_call("talent.search", "{\"limit\": 101}");
    assert_string_equal(reply.message, "limit: must be an integer from 1 to 100");
    sti_reply_release(&reply);
    reply = s_call("talent.search", "{\"cursor\": -1}");
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    sti_reply_release(&reply);
    reply = s_call("talent.search", "{\"category\": \"nobel\", \"status\": \"gone\"}");
    assert_non_null(strstr(talent_test_detail(&reply, "category"), "unknown level 'nobel'"));
    assert_string_equal(talent_test_detail(&reply, "status"), "must be one of active, left");
    sti_reply_release(&reply);
}

static void test_stats(void **state)
{
    (void)state;
    sti_reply_t reply = s_call("talent.stats", "{}");
    assert_true(reply.ok);
    assert_int_equal(talent_test_int(reply.body, "total"), 3);
    assert_int_equal(talent_test_int(sti_node_get(reply.body, "by_category"), "national"), 3);
    assert_int_equal(talent_test_int(sti_node_get(reply.body, "by_category"), "top"), 0);
    assert_int_equal(talent_test_int(sti_node_get(reply.body, "by_field"), "equipment"), 3);
    assert_int_equal(talent_test_int(sti_node_get(reply.body, "by_overseas"), "true"), 1);
    assert_int_equal(talent_test_int(sti_node_get(reply.body, "by_year"), "2022"), 3);
    sti_node_t keys_node = sti_node_get(reply.body, "keys");
    assert_int_equal(talent_test_int(keys_node, "current"), 1);
    assert_int_equal(talent_test_int(keys_node, "old"), 0);
    sti_reply_release(&reply);
    reply = s_call("talent.stats", "{\"x\": 1}");
    assert_string_equal(reply.message, "x: unknown key (known: none)");
    sti_reply_release(&reply);
}

static void test_audit(void **state)
{
    (void)state;
    sti_reply_t reply = s_call("talent.audit", "{\"id\": \"T000001\", \"limit\": 1}");
    assert_true(reply.ok);
    sti_node_t entries = sti_node_get(reply.body, "entries");
    assert_int_equal(sti_node_size(entries), 1);
    assert_string_equal(talent_test_text(sti_node_at(entries, 0), "op"), "talent.add");
    assert_string_equal(talent_test_text(sti_node_at(entries, 0), "who"), "officer-1");
    assert_true(sti_node_type(sti_node_get(sti_node_at(entries, 0), "reason")) == STI_TYPE_NIL);
    char next[64], body[128];
    snprintf(next, sizeof next, "%s", talent_test_text(reply.body, "next"));
    assert_string_not_equal(next, "");
    sti_reply_release(&reply);
    snprintf(body, sizeof body, "{\"id\": \"T000001\", \"cursor\": \"%s\"}", next);
    reply = s_call("talent.audit", body);
    assert_true(reply.ok);
    entries = sti_node_get(reply.body, "entries");
    assert_true(sti_node_size(entries) >= 1); // the search reads
    assert_string_equal(talent_test_text(sti_node_at(entries, 0), "op"), "talent.search");
    sti_reply_release(&reply);
    reply = s_call("talent.audit", "{\"id\": \"T000099\"}");
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    assert_string_equal(reply.message, "no audit entries for T000099");
    sti_reply_release(&reply);
    reply = s_call("talent.audit", "{\"id\": \"T000001\", \"cursor\": \"abc\"}");
    assert_string_equal(talent_test_detail(&reply, "cursor"),
                        "must be the next of a previous page");
    sti_reply_release(&reply);
}

static void test_events_since(void **state)
{
    (void)state;
    sti_reply_t reply = s_call("events.since", "{\"stream\": \"tal\", \"seq\": 0}");
    assert_true(reply.ok);
    sti_node_t events = sti_node_get(reply.body, "events");
    assert_int_equal(sti_node_size(events), 3);
    assert_string_equal(talent_test_text(sti_node_at(events, 0), "type"), "talent.registered");
    assert_string_equal(talent_test_text(sti_node_at(events, 0), "topic"), "tal.national");
    sti_reply_release(&reply);
    reply = s_call("events.since", "{\"stream\": \"ind\", \"seq\": 0}");
    assert_string_equal(talent_test_detail(&reply, "stream"),
                        "this service does not publish that stream");
    sti_reply_release(&reply);
    reply = s_call("events.since", "{\"seq\": 0}");
    assert_string_equal(reply.message, "stream: missing (required)");
    sti_reply_release(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_events_since),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
