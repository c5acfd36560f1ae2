/*  What the sti-notify unit tests against Redis share: one throw-away
    redis-server for the test file (redis_server.h), and per test a
    connection under a namespace to an emptied Redis. Header only.

      main:     notify_test_redis_start(); ... cmocka_run_group_tests ...;
                notify_test_redis_stop();
      a setup:  sti_redis_t *redis = notify_test_redis_connect("ntest");
                notify_test_load_plan(redis);    (the Linping plan, when the test needs a catalog)
*/
#pragma once
#include <string.h>

#include "redis_server.h"
#include "sti_catalog_io.h"
#include "sti_catalog_store.h"
#include "sti_redis.h"

static test_redis_t notify_test_server;

static inline void notify_test_redis_start(void)
{
    test_redis_start(&notify_test_server, NULL);
}

static inline void notify_test_redis_stop(void)
{
    test_redis_stop(&notify_test_server);
}

//  A connection under namespace ns to the emptied test Redis (caller
//  destroys). Fails the test when it cannot connect.
static inline sti_redis_t *notify_test_redis_connect(const char *ns)
{
    char err[256];
    sti_redis_t *redis = sti_redis_new(notify_test_server.url, ns, err, sizeof err);
    assert_non_null(redis);
    assert_int_equal(sti_redis_wait(redis, 5000), 0);
    freeReplyObject(sti_redis_command(redis, "FLUSHALL"));
    return redis;
}

//  Loads the Linping plan (data/plans/linping-2021-2025) as the catalog.
static inline void notify_test_load_plan(sti_redis_t *redis)
{
    char dir[4096], err[512];
    const char *here = __FILE__;
    const char *tail = strstr(here, "tests/unit/");
    assert_non_null(tail);
    snprintf(dir, sizeof dir, "%.*sdata/plans/linping-2021-2025", (int)(tail - here), here);
    sti_catalog_t *plan = sti_catalog_load_dir(dir, err, sizeof err);
    assert_non_null(plan);
    sti_catalog_store_t *store = sti_catalog_store_new(redis);
    bool changed;
    assert_int_equal(sti_catalog_store_put_plan(store, plan, &changed, err, sizeof err),
                     STI_ERR_NONE);
    sti_catalog_store_destroy(&store);
    sti_catalog_destroy(&plan);
}
