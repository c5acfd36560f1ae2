/*  What the sti-notify unit tests against Redis share: one throw-away
    redis-server for the test file (redis_server.h), and per test a
    connection under a namespace to an emptied Redis. Header only.

      main:     notify_test_redis_start(); ... cmocka_run_group_tests ...;
                notify_test_redis_stop();
      a setup:  sti_redis_t *redis = notify_test_redis_connect("ntest");
*/
#pragma once
#include "redis_server.h"
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
