/*  test_notify_queue: the delivery queue against a real redis-server: a
    commit queues once per delivery id and moves the cursor only for the
    lease holder from where it was; claims hold deliveries for a lease;
    results are recorded by the current claim only; dead letters and
    re-drive; the listing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "notify_eval_store.h"
#include "notify_queue.h"
#include "notify_queue_items.h"
#include "notify_queue_list.h"
#include "notify_redis.h"

typedef struct {
    sti_redis_t *redis;         // connection
    notify_queue_t *queue;      // under test
    notify_eval_store_t *store; // the evaluator's lease
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    f->redis = notify_test_redis_connect("qtest");
    f->queue = notify_queue_new(f->redis, 0);
    f->store = notify_eval_store_new(f->redis);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    notify_eval_store_destroy(&f->store);
    notify_queue_destroy(&f->queue);
    sti_redis_destroy(&f->redis);
    free(f);
    return 0;
}

//  Adds one delivery for event `about` to the batch; returns its id in id.
static void s_add(notify_queue_t *queue, const char *about, char *id)
{
    notify_test_queue_add(queue, "webhook:http://127.0.0.1:1/", about, id);
}

static void test_commit_once(void **state)
{
    s_fixture_t *f = *state;
    char id[NOTIFY_DELIVERY_ID_MAX + 1], id2[NOTIFY_DELIVERY_ID_MAX + 1];
    assert_int_equal(notify_eval_store_lease(f->store, "ind", "me", 5000, false), 1);
    assert_int_equal(notify_eval_store_lease(f->store, "ind", "other", 5000, false), 0);
    notify_queue_begin(f->queue);
    s_add(f->queue, "ind-1", id);
    assert_int_equal(notify_queue_commit_events(f->queue, "ind", "me", 0, 1, 1000), 1);
    //  the same delivery again (an event evaluated twice): skipped
    notify_queue_begin(f->queue);
    s_add(f->queue, "ind-1", id2);
    assert_string_equal(id, id2);
    assert_int_equal(notify_queue_commit_events(f->queue, "ind", "me", 1, 2, 1000), 0);
    //  a stale cursor or another token is refused
    assert_int_equal(notify_queue_commit_events(f->queue, "ind", "me", 1, 3, 1000), -2);
    assert_int_equal(notify_queue_commit_events(f->queue, "ind", "other", 2, 3, 1000), -2);
    int64_t queued, dead;
    assert_int_equal(notify_queue_depth(f->queue, &queued, &dead), 0);
    assert_int_equal(queued, 1);
    assert_int_equal(dead, 0);
}

//  What a listing gave.
typedef struct {
    size_t count;                        // rows
    char id[NOTIFY_DELIVERY_ID_MAX + 1]; // the last row's
    char state[16];                      // its state
    int64_t attempts;                    // its attempts
} s_listed_t;

static void s_list_row(const notify_delivery_row_t *row, void *arg)
{
    s_listed_t *listed = arg;
    listed->count++;
    snprintf(listed->id, sizeof listed->id, "%s", row->id);
    snprintf(listed->state, sizeof listed->state, "%s", row->state);
    listed->attempts = row->attempts;
}

static void test_claim_retry_dead_redrive(void **state)
{
    s_fixture_t *f = *state;
    char id[NOTIFY_DELIVERY_ID_MAX + 1], ids[NOTIFY_CLAIM_MAX][NOTIFY_DELIVERY_ID_MAX + 1];
    notify_queue_begin(f->queue);
    s_add(f->queue, "ind-7", id);
    assert_int_equal(notify_queue_commit_plain(f->queue, 1000), 1);
    size_t count = 0;
    int64_t token = 0, token2 = 0;
    assert_int_equal(notify_queue_claim(f->queue, 1000, 500, 8, ids, &count, &token), 0);
    assert_int_equal(count, 1);
    assert_string_equal(ids[0], id);
    //  held for the lease: not claimable again before it ends
    assert_int_equal(notify_queue_claim(f->queue, 1200, 500, 8, ids, &count, &token2), 0);
    assert_int_equal(count, 0);
    notify_claimed_t claimed;
    assert_int_equal(notify_queue_load(f->queue, id, &claimed), 0);
    assert_string_equal(claimed.rule, "r-1");
    assert_int_equal(claimed.events_size, 2);
    notify_claimed_release(&claimed);
    assert_int_equal(notify_queue_done(f->queue, id, token, "retry", 1300, 2000, "HTTP 503", 503),
                     1);
    //  the lease ran out and another claim took it: the old claim's result is ignored
    assert_int_equal(notify_queue_claim(f->queue, 2000, 500, 8, ids, &count, &token2), 0);
    assert_int_equal(count, 1);
    assert_int_equal(notify_queue_done(f->queue, id, token, "delivered", 2100, 0, "", 200), 0);
    assert_int_equal(notify_queue_done(f->queue, id, token2, "dead", 2100, 0, "HTTP 400", 400), 1);
    int64_t queued, dead;
    assert_int_equal(notify_queue_depth(f->queue, &queued, &dead), 0);
    assert_int_equal(queued, 0);
    assert_int_equal(dead, 1);
    //  the listing shows it as dead with two attempts
    s_listed_t listed = {0};
    assert_int_equal(notify_queue_list(f->redis, true, "r-1", 10, s_list_row, &listed), 1);
    assert_int_equal(listed.count, 1);
    assert_string_equal(listed.id, id);
    assert_string_equal(listed.state, "dead");
    assert_int_equal(listed.attempts, 2);
    assert_int_equal(notify_queue_list(f->redis, true, "r-2", 10, s_list_row, &listed), 0);
    //  re-drive: queued again, only once
    assert_int_equal(notify_queue_redrive(f->queue, id, 3000), 1);
    assert_int_equal(notify_queue_redrive(f->queue, id, 3000), 0);
    assert_int_equal(notify_queue_redrive(f->queue, "dnothere", 3000), -1);
    assert_int_equal(notify_queue_depth(f->queue, &queued, &dead), 0);
    assert_int_equal(queued, 1);
    assert_int_equal(dead, 0);
}

int main(void)
{
    notify_test_redis_start();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_claim_retry_dead_redrive, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    notify_test_redis_stop();
    return rc;
}
