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

#include "notify_queue.h"
#include "redis_server.h"

static test_redis_t s_server;

typedef struct {
    sti_redis_t *redis;    // connection
    notify_queue_t *queue; // under test
} s_fixture_t;

static int s_setup(void **state)
{
    char err[256];
    s_fixture_t *f = calloc(1, sizeof *f);
    f->redis = sti_redis_new(s_server.url, "qtest", err, sizeof err);
    assert_int_equal(sti_redis_wait(f->redis, 5000), 0);
    freeReplyObject(sti_redis_command(f->redis, "FLUSHALL"));
    f->queue = notify_queue_new(f->redis, 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    notify_queue_destroy(&f->queue);
    sti_redis_destroy(&f->redis);
    free(f);
    return 0;
}

//  Adds one delivery for event `about` to the batch; returns its id in id.
static void s_add(notify_queue_t *queue, const char *about, char *id)
{
    static const unsigned char events[] = {0x91, 0x80}; // [{}]
    notify_queue_delivery_id("r-1", "webhook:http://127.0.0.1:1/", about, id);
    notify_queue_item_t item = {id,     "r-1",          "rule one", "warning",
                                "webhook:http://127.0.0.1:1/", events, sizeof events,
                                false,  "",             about};
    notify_queue_add(queue, &item);
}

static void test_commit_once(void **state)
{
    s_fixture_t *f = *state;
    char key[256], id[NOTIFY_DELIVERY_ID_MAX + 1], id2[NOTIFY_DELIVERY_ID_MAX + 1];
    notify_queue_lease_key(f->queue, "ind", key, sizeof key);
    assert_int_equal(notify_queue_lease(f->queue, key, "me", 5000, false), 1);
    assert_int_equal(notify_queue_lease(f->queue, key, "other", 5000, false), 0);
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
    assert_int_equal(notify_queue_done(f->queue, id, token, "retry", 1300, 2000, "HTTP 503", 503), 1);
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
    sti_writer_t *w = sti_writer_new();
    assert_int_equal(notify_queue_list_redis(f->redis, true, "r-1", 10, w), 0);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    sti_node_t list = sti_node_get(sti_reader_root(reader), "deliveries");
    assert_int_equal(sti_node_size(list), 1);
    int64_t attempts = 0;
    sti_field_error_t field_err;
    assert_int_equal(sti_map_int(sti_node_at(list, 0), "attempts", &attempts, &field_err), 0);
    assert_int_equal(attempts, 2);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&w);
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
    test_redis_start(&s_server, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_claim_retry_dead_redrive, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    test_redis_stop(&s_server);
    return rc;
}
