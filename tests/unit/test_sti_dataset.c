/*  Unit tests for sti_dataset against a real redis-server on a spare port:
    the first init makes the dataset and later ones keep it; an accepted loss
    makes a new id that names the old one; a malformed hash is refused; and
    the watch's rules: a dataset that vanishes or is replaced without an
    operator is a loss, an expected id (STI_DATASET) that Redis lacks is a
    loss, an operator's new id or the expected one coming back ends it.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redis_server.h"
#include "sti_dataset.h"
#include "sti_log.h"

static test_redis_t s_server;
static sti_redis_t *s_redis;

static int s_setup(void **state)
{
    (void)state;
    sti_log_init("test_sti_dataset", (sti_log_level_t)(STI_LOG_ERROR + 1));
    test_redis_start(&s_server, NULL);
    char err[256];
    s_redis = sti_redis_new(s_server.url, "stitest", err, sizeof err);
    return s_redis && sti_redis_wait(s_redis, 5000) == 0 ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    sti_redis_destroy(&s_redis);
    test_redis_stop(&s_server);
    return 0;
}

static void s_flush(void)
{
    freeReplyObject(sti_redis_command(s_redis, "FLUSHALL"));
}

static void test_init_and_accept(void **state)
{
    (void)state;
    s_flush();
    sti_dataset_t none, first, again, accepted;
    assert_int_equal(sti_dataset_read(s_redis, &none), 0);
    assert_string_equal(none.id, "");
    assert_int_equal(sti_dataset_init(s_redis, "alice", &first), 1);
    assert_int_equal(strlen(first.id), STI_DATASET_ID_LEN);
    assert_string_equal(first.by, "alice");
    assert_string_equal(first.previous, "");
    assert_string_equal(first.reason, "");
    assert_int_equal(strlen(first.created), 24);
    //  A second init keeps it.
    assert_int_equal(sti_dataset_init(s_redis, "bob", &again), 0);
    assert_string_equal(again.id, first.id);
    assert_string_equal(again.by, "alice");
    //  An accepted loss: a new id that names the old one and the reason.
    assert_int_equal(sti_dataset_accept_loss(s_redis, "disk replaced", "root", &accepted), 0);
    assert_string_not_equal(accepted.id, first.id);
    assert_string_equal(accepted.previous, first.id);
    assert_string_equal(accepted.reason, "disk replaced");
    assert_string_equal(accepted.by, "root");
    //  After a wipe, the accepted dataset continues nothing.
    s_flush();
    assert_int_equal(sti_dataset_accept_loss(s_redis, "wiped", "root", &accepted), 0);
    assert_string_equal(accepted.previous, "");
}

static void test_malformed(void **state)
{
    (void)state;
    s_flush();
    sti_dataset_t dataset;
    freeReplyObject(sti_redis_command(s_redis, "HSET stitest:dataset id not-hex"));
    assert_int_equal(sti_dataset_read(s_redis, &dataset), -1);
    assert_string_equal(dataset.id, "");
    s_flush();
    freeReplyObject(sti_redis_command(s_redis, "HSET stitest:dataset created yesterday"));
    assert_int_equal(sti_dataset_read(s_redis, &dataset), -1); // fields without an id
    s_flush();
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:dataset x"));
    assert_int_equal(sti_dataset_read(s_redis, &dataset), -1); // not a hash
}

//  A dataset as Redis could hold it.
static sti_dataset_t s_dataset(const char *id, const char *previous, const char *reason)
{
    sti_dataset_t dataset;
    memset(&dataset, 0, sizeof dataset);
    snprintf(dataset.id, sizeof dataset.id, "%s", id);
    snprintf(dataset.previous, sizeof dataset.previous, "%s", previous);
    snprintf(dataset.reason, sizeof dataset.reason, "%s", reason);
    return dataset;
}

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccc"

static void test_watch_seen(void **state)
{
    (void)state;
    sti_dataset_watch_t *watch = sti_dataset_watch_new(NULL);
    char why[STI_DATASET_WHY_MAX], id[64];
    sti_dataset_t none = s_dataset("", "", ""), a = s_dataset(A, "", "");
    //  Nothing, then the first plan load: fine.
    assert_false(sti_dataset_watch_update(watch, &none));
    assert_false(sti_dataset_watch_lost(watch, why, sizeof why));
    assert_false(sti_dataset_watch_update(watch, &a));
    sti_dataset_watch_id(watch, id, sizeof id);
    assert_string_equal(id, A);
    //  Redis came back empty: a loss, said once.
    assert_true(sti_dataset_watch_update(watch, &none));
    assert_false(sti_dataset_watch_update(watch, &none));
    assert_true(sti_dataset_watch_lost(watch, why, sizeof why));
    assert_non_null(strstr(why, "no longer holds dataset " A));
    //  A plan load into the empty Redis (no reason) does not end it ...
    sti_dataset_t b = s_dataset(B, "", "");
    assert_false(sti_dataset_watch_update(watch, &b));
    assert_true(sti_dataset_watch_lost(watch, NULL, 0));
    //  ... an operator's acceptance does.
    sti_dataset_t c = s_dataset(C, "", "wiped");
    assert_true(sti_dataset_watch_update(watch, &c));
    assert_false(sti_dataset_watch_lost(watch, why, sizeof why));
    assert_string_equal(why, "");
    sti_dataset_watch_id(watch, id, sizeof id);
    assert_string_equal(id, C);
    //  Another dataset without a reason: a loss.
    assert_true(sti_dataset_watch_update(watch, &a));
    assert_true(sti_dataset_watch_lost(watch, why, sizeof why));
    assert_non_null(strstr(why, "holds dataset " A " instead of " C));
    sti_dataset_watch_destroy(&watch);
    sti_dataset_watch_destroy(&watch);
}

static void test_watch_stream_loss(void **state)
{
    (void)state;
    sti_dataset_watch_t *watch = sti_dataset_watch_new("");
    sti_dataset_t a = s_dataset(A, "", "");
    sti_dataset_watch_update(watch, &a);
    //  A stream went back: lost until an operator makes a new id.
    assert_true(sti_dataset_watch_loss(watch, "the event log went back"));
    assert_false(sti_dataset_watch_loss(watch, "again"));
    char why[STI_DATASET_WHY_MAX];
    assert_true(sti_dataset_watch_lost(watch, why, sizeof why));
    assert_string_equal(why, "the event log went back");
    assert_false(sti_dataset_watch_update(watch, &a));
    assert_true(sti_dataset_watch_lost(watch, NULL, 0));
    sti_dataset_t b = s_dataset(B, A, "tail lost");
    assert_true(sti_dataset_watch_update(watch, &b));
    assert_false(sti_dataset_watch_lost(watch, NULL, 0));
    sti_dataset_watch_destroy(&watch);
}

static void test_watch_expected(void **state)
{
    (void)state;
    char why[STI_DATASET_WHY_MAX];
    sti_dataset_t none = s_dataset("", "", ""), a = s_dataset(A, "", ""), b = s_dataset(B, "", ""),
                  after = s_dataset(C, A, "");
    //  STI_DATASET=A and an empty Redis: lost from the start; A restored ends it.
    sti_dataset_watch_t *watch = sti_dataset_watch_new(A);
    assert_true(sti_dataset_watch_update(watch, &none));
    assert_true(sti_dataset_watch_lost(watch, why, sizeof why));
    assert_non_null(strstr(why, "this deployment's is " A " (STI_DATASET)"));
    assert_true(sti_dataset_watch_update(watch, &a));
    assert_false(sti_dataset_watch_lost(watch, NULL, 0));
    sti_dataset_watch_destroy(&watch);
    //  Another dataset: lost; one that continues A is fine.
    watch = sti_dataset_watch_new(A);
    assert_true(sti_dataset_watch_update(watch, &b));
    sti_dataset_watch_destroy(&watch);
    watch = sti_dataset_watch_new(A);
    assert_false(sti_dataset_watch_update(watch, &after));
    assert_false(sti_dataset_watch_lost(watch, NULL, 0));
    sti_dataset_watch_destroy(&watch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_accept), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_watch_seen),      cmocka_unit_test(test_watch_stream_loss),
        cmocka_unit_test(test_watch_expected),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
