/*  test_notify_eval_store: what the evaluators keep in Redis, against a
    real redis-server: one holder of a stream's lease at a time; the cursor
    (0 before the first commit); the latest values read in one round and
    walked for stale checks, unreadable ones skipped, too many refused; due
    groups and a group's head and first events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "notify_eval_store.h"
#include "notify_redis.h"

typedef struct {
    sti_redis_t *redis;         // connection
    notify_eval_store_t *store; // under test
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    f->redis = notify_test_redis_connect("etest");
    f->store = notify_eval_store_new(f->redis);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    notify_eval_store_destroy(&f->store);
    notify_eval_store_destroy(&f->store); // safe twice
    sti_redis_destroy(&f->redis);
    free(f);
    return 0;
}

//  Runs one command of the words given (NULL-terminated; none holds a NUL).
static void s_run(s_fixture_t *f, ...)
{
    const char *argv[16];
    int argc = 0;
    va_list args;
    va_start(args, f);
    for (const char *word = va_arg(args, const char *); word && argc < 16;
         word = va_arg(args, const char *)) {
        argv[argc++] = word;
    }
    va_end(args);
    redisReply *reply = sti_redis_argv(f->redis, argc, argv, NULL);
    assert_non_null(reply);
    assert_int_not_equal(reply->type, REDIS_REPLY_ERROR);
    freeReplyObject(reply);
}

static void test_lease_and_cursor(void **state)
{
    s_fixture_t *f = *state;
    assert_int_equal(notify_eval_store_lease(f->store, "ind", "me", 5000, false), 1);
    assert_int_equal(notify_eval_store_lease(f->store, "ind", "me", 5000, false), 1);
    assert_int_equal(notify_eval_store_lease(f->store, "ind", "other", 5000, false), 0);
    assert_int_equal(notify_eval_store_lease(f->store, "tal", "other", 5000, false), 1);
    assert_int_equal(notify_eval_store_lease(f->store, "ind", "me", 1, true), 0);
    assert_int_equal(notify_eval_store_lease(f->store, "ind", "other", 5000, false), 1);
    uint64_t cursor = 99;
    assert_int_equal(notify_eval_store_cursor(f->store, "ind", &cursor), 0);
    assert_int_equal(cursor, 0);
    s_run(f, "SET", "etest:notify:cursor:ind", "42", NULL);
    assert_int_equal(notify_eval_store_cursor(f->store, "ind", &cursor), 0);
    assert_int_equal(cursor, 42);
}

//  What a walk of the latest values saw.
typedef struct {
    size_t count;   // values
    char last[128]; // "indicator/org/period" of the last one
} s_seen_t;

static void s_saw(const char *indicator, const char *org, const notify_latest_t *latest, void *arg)
{
    s_seen_t *seen = arg;
    seen->count++;
    snprintf(seen->last, sizeof seen->last, "%s/%s/%s", indicator, org, latest->period);
}

static void test_latest(void **state)
{
    s_fixture_t *f = *state;
    s_run(f, "HSET", "etest:notify:latest", "hitech|linping", "2023|800|1700000000000", NULL);
    s_run(f, "HSET", "etest:notify:latest", "broken", "garbage", NULL);
    const char *fields[] = {"hitech|linping", NULL, "nothing|here"};
    notify_latest_t latest[3];
    assert_int_equal(notify_eval_store_latest(f->store, fields, 3, latest), 0);
    assert_true(latest[0].known);
    assert_string_equal(latest[0].period, "2023");
    assert_true(latest[0].value == 800);
    assert_false(latest[1].known);
    assert_false(latest[2].known);
    s_seen_t seen = {0};
    assert_int_equal(notify_eval_store_latest_each(f->store, 10, s_saw, &seen), 1);
    assert_int_equal(seen.count, 1);
    assert_string_equal(seen.last, "hitech/linping/2023");
    //  more values than a check may read: refused, nothing walked
    memset(&seen, 0, sizeof seen);
    assert_int_equal(notify_eval_store_latest_each(f->store, 1, s_saw, &seen), -1);
    assert_int_equal(seen.count, 0);
}

static void test_groups(void **state)
{
    s_fixture_t *f = *state;
    s_run(f, "ZADD", "etest:notify:groups", "1000", "r-1-aa", "5000", "r-2-bb", NULL);
    s_run(f, "HSET", "etest:notify:group:r-1-aa:meta", "rule", "r-1", "flushes", "3", NULL);
    s_run(f, "RPUSH", "etest:notify:group:r-1-aa:events",
          "\x81\xa1"
          "a\x01",
          "\x81\xa1"
          "a\x02",
          "\x81\xa1"
          "a\x03",
          NULL);
    char gids[4][NOTIFY_GROUP_ID_MAX];
    assert_int_equal(notify_eval_store_due_groups(f->store, 2000, 4, gids), 1);
    assert_string_equal(gids[0], "r-1-aa");
    assert_int_equal(notify_eval_store_due_groups(f->store, 9000, 1, gids), 1);
    notify_group_head_t head;
    sti_writer_t *events = sti_writer_new();
    assert_int_equal(notify_eval_store_group(f->store, "r-1-aa", 2, &head, events), 0);
    assert_string_equal(head.rule, "r-1");
    assert_int_equal(head.flushes, 3);
    assert_int_equal(head.count, 2);
    size_t size;
    const void *data = sti_writer_data(events, &size);
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    sti_node_t array = sti_reader_root(reader);
    assert_int_equal(sti_node_size(array), 2);
    int64_t a = 0;
    sti_field_error_t field_err;
    assert_int_equal(sti_map_int(sti_node_at(array, 1), "a", &a, &field_err), 0);
    assert_int_equal(a, 2);
    sti_reader_destroy(&reader);
    //  a group whose meta is gone reads with no rule and no events
    assert_int_equal(notify_eval_store_group(f->store, "r-9-00", 2, &head, events), 0);
    assert_string_equal(head.rule, "");
    assert_int_equal(head.count, 0);
    sti_writer_destroy(&events);
}

int main(void)
{
    notify_test_redis_start();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lease_and_cursor, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_latest, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_groups, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    notify_test_redis_stop();
    return rc;
}
