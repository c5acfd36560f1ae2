/*  Unit tests of talent_feed on a throw-away redis-server and no sti.ingest:
    without a plan it waits quietly; with the plan and nothing dirty there is
    nothing to send; a registered talent makes the counts due, and the
    request goes out and waits for its answer (none comes: it stays
    pending). The talent is made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "talent_feed.h"
#include "talent_stack.h"

#define S_BROKER "tcp://127.0.0.1:9" // nobody answers there

static void test_no_plan(void **state)
{
    (void)state;
    talent_test_stack_t stack;
    talent_test_stack_up(&stack);
    char err[256];
    sti_redis_t *other = sti_redis_new(stack.server.url, "empty", err, sizeof err);
    talent_store_t *store = talent_store_new(other, stack.crypto, NULL);
    talent_count_store_t *counts = talent_count_store_new(other);
    talent_feed_t *feed = talent_feed_new(store, counts, S_BROKER, 2020);
    talent_feed_tick(feed);
    assert_false(talent_feed_pending(feed));
    talent_feed_destroy(&feed);
    talent_feed_destroy(&feed);
    talent_count_store_destroy(&counts);
    talent_store_destroy(&store);
    sti_redis_destroy(&other);
    talent_test_stack_down(&stack);
}

static void test_due_counts_go_out(void **state)
{
    (void)state;
    talent_test_stack_t stack;
    talent_test_stack_up(&stack);
    talent_count_store_t *counts = talent_count_store_new(stack.redis);
    talent_feed_t *feed = talent_feed_new(stack.store, counts, S_BROKER, 2020);
    talent_feed_tick(feed);
    assert_false(talent_feed_pending(feed));
    talent_record_t person = talent_test_person(1);
    char id[TALENT_REGISTRY_ID_MAX + 1], err[256];
    talent_actor_t actor = {"talent.add", "test", "req-1", NULL, NULL};
    assert_int_equal(talent_store_add(stack.store, &person, &actor, id, err, sizeof err),
                     TALENT_STORE_OK);
    talent_feed_tick(feed);
    assert_true(talent_feed_pending(feed));
    talent_feed_tick(feed); // no answer yet: still waiting, nothing cleared
    assert_true(talent_feed_pending(feed));
    sti_errcode_t code;
    const talent_codes_t *codes = talent_store_codes(stack.store, &code, err, sizeof err);
    talent_count_read_t *read = talent_count_store_read(counts, codes, err, sizeof err);
    assert_int_equal(read->dirty[0], 2022);
    free(read);
    talent_feed_destroy(&feed);
    talent_count_store_destroy(&counts);
    talent_test_stack_down(&stack);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_plan),
        cmocka_unit_test(test_due_counts_go_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
