/*  Unit tests of talent_lookup_store on a throw-away redis-server with three
    made-up talents: a search by tokens, by name and by pages, the stats
    counters, a record's audit log page by page, and the replay of tal.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_lookup_store.h"
#include "talent_stack.h"

static talent_test_stack_t stack;
static talent_lookup_store_t *lookup;

static int s_setup(void **state)
{
    (void)state;
    talent_test_stack_up(&stack);
    lookup = talent_lookup_store_new(stack.redis);
    talent_actor_t actor = {"talent.add", "test", "req", NULL, NULL};
    for (int n = 1; n <= 3; n++) {
        talent_record_t person = talent_test_person(n);
        person.overseas = n == 2;
        char id[TALENT_REGISTRY_ID_MAX + 1], err[256], request[16];
        snprintf(request, sizeof request, "req-%d", n);
        actor.request = request;
        assert_int_equal(talent_store_add(stack.store, &person, &actor, id, err, sizeof err),
                         TALENT_STORE_OK);
    }
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_lookup_store_destroy(&lookup);
    talent_lookup_store_destroy(&lookup);
    talent_test_stack_down(&stack);
    return 0;
}

static void test_search(void **state)
{
    (void)state;
    talent_search_t search;
    memset(&search, 0, sizeof search);
    search.limit = 2;
    char ids[10][TALENT_REGISTRY_ID_MAX + 1], err[256];
    size_t count = 0;
    int64_t next = -1;
    assert_int_equal(
        talent_lookup_store_search(lookup, &search, ids, &count, &next, err, sizeof err), 0);
    assert_int_equal(count, 2);
    assert_string_equal(ids[1], "T000002");
    assert_int_equal(next, 2);
    search.cursor = next;
    assert_int_equal(
        talent_lookup_store_search(lookup, &search, ids, &count, &next, err, sizeof err), 0);
    assert_int_equal(count, 1);
    assert_string_equal(ids[0], "T000003");
    assert_int_equal(next, 0);
    memset(&search, 0, sizeof search);
    search.limit = 10;
    snprintf(search.tokens[search.count++], sizeof search.tokens[0], "overseas:1");
    snprintf(search.tokens[search.count++], sizeof search.tokens[0], "category:national");
    assert_int_equal(
        talent_lookup_store_search(lookup, &search, ids, &count, &next, err, sizeof err), 0);
    assert_int_equal(count, 1);
    assert_string_equal(ids[0], "T000002");
    memset(&search, 0, sizeof search);
    search.limit = 10;
    snprintf(search.name, sizeof search.name, "张3");
    assert_int_equal(
        talent_lookup_store_search(lookup, &search, ids, &count, &next, err, sizeof err), 0);
    assert_int_equal(count, 1);
    assert_string_equal(ids[0], "T000003");
}

static void test_stats(void **state)
{
    (void)state;
    talent_stats_t *stats = (talent_stats_t *)calloc(1, sizeof *stats);
    char err[256];
    assert_int_equal(talent_lookup_store_stats(lookup, stats, err, sizeof err), 0);
    assert_int_equal(talent_lookup_store_stat(stats, "status:active"), 3);
    assert_int_equal(talent_lookup_store_stat(stats, "overseas:1"), 1);
    assert_int_equal(talent_lookup_store_stat(stats, "year:2022"), 3);
    assert_int_equal(talent_lookup_store_stat(stats, "category:top"), 0);
    free(stats);
}

static void test_audit(void **state)
{
    (void)state;
    talent_actor_t reader = {"talent.reveal", "officer-1", "req-9", "KEYZ85", "visa letter"};
    const char *ids[] = {"T000001"};
    assert_int_equal(talent_store_audit_reads(stack.store, ids, 1, &reader), 0);
    size_t count = 0;
    char err[256];
    talent_audit_entry_t *entries =
        talent_lookup_store_audit(lookup, "T000001", NULL, 1, &count, err, sizeof err);
    assert_non_null(entries);
    assert_int_equal(count, 2); // one more than the page: there is a next
    assert_string_equal(entries[0].op, "talent.add");
    assert_false(entries[0].has_key);
    assert_true(entries[0].time > 0);
    char after[48];
    snprintf(after, sizeof after, "%s", entries[0].at);
    free(entries);
    entries = talent_lookup_store_audit(lookup, "T000001", after, 10, &count, err, sizeof err);
    assert_int_equal(count, 1);
    assert_string_equal(entries[0].op, "talent.reveal");
    assert_string_equal(entries[0].who, "officer-1");
    assert_string_equal(entries[0].request, "req-9");
    assert_true(entries[0].has_key && entries[0].has_reason);
    assert_string_equal(entries[0].key, "KEYZ85");
    assert_string_equal(entries[0].reason, "visa letter");
    free(entries);
    entries = talent_lookup_store_audit(lookup, "T000099", NULL, 10, &count, err, sizeof err);
    assert_int_equal(count, 0);
    free(entries);
}

static void test_events_since(void **state)
{
    (void)state;
    sti_writer_t *request_w = sti_writer_new(), *reply_w = sti_writer_new();
    sti_envelope_request(request_w, "events.since", "r");
    sti_writer_map(request_w, 2);
    sti_writer_kv_str(request_w, "stream", "tal");
    sti_writer_kv_int(request_w, "seq", 1);
    size_t size;
    const void *data = sti_writer_data(request_w, &size);
    sti_request_t request;
    char err[256];
    assert_int_equal(sti_request_decode(data, size, NULL, &request, err, sizeof err), 0);
    talent_lookup_store_events_since(lookup, &request, reply_w);
    data = sti_writer_data(reply_w, &size);
    sti_reply_t reply;
    assert_int_equal(sti_reply_decode(data, size, NULL, &reply, err, sizeof err), 0);
    assert_true(reply.ok);
    assert_int_equal(sti_node_size(sti_node_get(reply.body, "events")), 2);
    sti_reply_release(&reply);
    sti_request_release(&request);
    sti_writer_destroy(&request_w);
    sti_writer_destroy(&reply_w);
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
