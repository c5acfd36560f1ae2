/*  test_notify_deliveries: the delivery ops against a real redis-server,
    called as the frame calls them: a listing masks receivers' secrets and
    honours its filters and limit (1 to 1000, by the declaration); a retry
    re-queues a dead letter once, and answers not_found and conflict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_calls.h"
#include "notify_deliveries.h"
#include "notify_queue_items.h"
#include "notify_redis.h"

typedef struct {
    sti_redis_t *redis;                      // connection
    notify_queue_t *queue;                   // the queue
    notify_deliveries_t *deliveries;         // under test
    char dead[NOTIFY_DELIVERY_ID_MAX + 1];   // a dead letter's id
    char queued[NOTIFY_DELIVERY_ID_MAX + 1]; // a queued delivery's id
} s_fixture_t;

//  Queues a delivery for event about; its id into id.
static void s_queue(s_fixture_t *f, const char *about, char *id)
{
    notify_queue_begin(f->queue);
    notify_test_queue_add(f->queue, "webhook:http://127.0.0.1:1/hook#s3cret", about, id);
    assert_int_equal(notify_queue_commit_plain(f->queue, 1000), 1);
}

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    f->redis = notify_test_redis_connect("dtest");
    f->queue = notify_queue_new(f->redis, 0);
    f->deliveries = notify_deliveries_new(f->queue, f->redis);
    s_queue(f, "ind-1", f->dead);
    char ids[NOTIFY_CLAIM_MAX][NOTIFY_DELIVERY_ID_MAX + 1];
    size_t count = 0;
    int64_t token = 0;
    assert_int_equal(notify_queue_claim(f->queue, 1000, 500, 8, ids, &count, &token), 0);
    assert_int_equal(count, 1);
    assert_int_equal(notify_queue_done(f->queue, f->dead, token, "dead", 1100, 0, "HTTP 400", 400),
                     1);
    s_queue(f, "ind-2", f->queued);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    notify_deliveries_destroy(&f->deliveries);
    notify_deliveries_destroy(&f->deliveries); // safe twice
    notify_queue_destroy(&f->queue);
    sti_redis_destroy(&f->redis);
    free(f);
    return 0;
}

static void test_list(void **state)
{
    s_fixture_t *f = *state;
    notify_test_answer_t answer;
    notify_test_call(&notify_deliveries_ops, f->deliveries, "delivery.list", NULL, &answer);
    assert_true(answer.reply.ok);
    sti_node_t list = sti_node_get(answer.reply.body, "deliveries");
    assert_int_equal(sti_node_size(list), 2);
    char text[256];
    sti_field_error_t err;
    assert_int_equal(sti_map_str_copy(sti_node_at(list, 0), "receiver", text, sizeof text, &err),
                     0);
    assert_string_equal(text, "webhook:http://127.0.0.1:1/hook#***");
    notify_test_answer_release(&answer);
    notify_test_call(&notify_deliveries_ops, f->deliveries, "delivery.list",
                     "{\"failed\": true, \"rule\": \"r-1\", \"limit\": 10}", &answer);
    list = sti_node_get(answer.reply.body, "deliveries");
    assert_int_equal(sti_node_size(list), 1);
    assert_int_equal(sti_map_str_copy(sti_node_at(list, 0), "id", text, sizeof text, &err), 0);
    assert_string_equal(text, f->dead);
    assert_int_equal(sti_map_str_copy(sti_node_at(list, 0), "last_error", text, sizeof text, &err),
                     0);
    assert_string_equal(text, "HTTP 400");
    notify_test_answer_release(&answer);
    notify_test_call(&notify_deliveries_ops, f->deliveries, "delivery.list", "{\"rule\": \"r-2\"}",
                     &answer);
    assert_int_equal(sti_node_size(sti_node_get(answer.reply.body, "deliveries")), 0);
    notify_test_answer_release(&answer);
    notify_test_call(&notify_deliveries_ops, f->deliveries, "delivery.list", "{\"limit\": 0}",
                     &answer);
    assert_false(answer.reply.ok);
    assert_string_equal(answer.reply.message, "limit: must be an integer from 1 to 1000");
    notify_test_answer_release(&answer);
}

static void test_retry(void **state)
{
    s_fixture_t *f = *state;
    char json[256];
    notify_test_answer_t answer;
    snprintf(json, sizeof json, "{\"id\": \"%s\"}", f->dead);
    notify_test_call(&notify_deliveries_ops, f->deliveries, "delivery.retry", json, &answer);
    assert_true(answer.reply.ok);
    notify_test_answer_release(&answer);
    //  queued again: not a dead letter any more
    notify_test_call(&notify_deliveries_ops, f->deliveries, "delivery.retry", json, &answer);
    assert_false(answer.reply.ok);
    assert_int_equal(answer.reply.code, STI_ERR_CONFLICT);
    notify_test_answer_release(&answer);
    notify_test_call(&notify_deliveries_ops, f->deliveries, "delivery.retry",
                     "{\"id\": \"dnothere\"}", &answer);
    assert_int_equal(answer.reply.code, STI_ERR_NOT_FOUND);
    assert_string_equal(answer.reply.message, "no delivery dnothere");
    notify_test_answer_release(&answer);
}

int main(void)
{
    notify_test_redis_start();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_retry, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    notify_test_redis_stop();
    return rc;
}
