/*  Unit tests of projects_feed on a throw-away redis-server and no
    sti.ingest: without a plan it waits quietly; with the plan (whose
    projects.json feeds incubators) the values are due, the request goes
    out and waits for its answer (none comes: it stays pending, and the mark
    does not move). The projects are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "projects_feed.h"
#include "projects_plan.h"
#include "projects_writer.h"
#include "redis_server.h"

#define S_BROKER "tcp://127.0.0.1:9" // nobody answers there

static void test_feed(void **state)
{
    sti_redis_t *redis = ((projects_test_redis_t *)*state)->redis;
    projects_store_t *store = projects_store_new(redis);
    sti_catalog_store_t *catalog = sti_catalog_store_new(redis);
    projects_feed_t *feed = projects_feed_new(store, catalog, S_BROKER, "万元");
    projects_feed_tick(feed);
    assert_false(projects_feed_pending(feed)); // no plan: nothing to do
    talent_test_put_plan(redis);
    projects_writer_t *writer = projects_writer_new(redis, store, NULL, 60);
    projects_record_t *next = projects_record_new();
    projects_test_project(next, "F-1");
    projects_change_t change = {NULL, next, 0};
    projects_write_result_t result;
    projects_writer_write(writer, "project.add", "f-1", &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_OK);
    //  The feed looks again a second after it found nothing to do: a bounded poll.
    int64_t deadline = zclock_mono() + 10000;
    while (!projects_feed_pending(feed) && zclock_mono() < deadline) {
        projects_feed_tick(feed);
        zclock_sleep(20);
    }
    assert_true(projects_feed_pending(feed));
    projects_feed_tick(feed); // no answer yet: still waiting, the mark stays
    assert_true(projects_feed_pending(feed));
    char mark[64];
    assert_int_equal(projects_store_fed(store, mark, sizeof mark), 0);
    assert_string_equal(mark, "");
    free(next);
    projects_writer_destroy(&writer);
    projects_feed_destroy(&feed);
    projects_feed_destroy(&feed);
    sti_catalog_store_destroy(&catalog);
    projects_store_destroy(&store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed),
    };
    return cmocka_run_group_tests(tests, projects_test_setup, projects_test_teardown);
}
