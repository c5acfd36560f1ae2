/*  test_notify_keys: every key family of sti-notify is named under the
    namespace, as docs/keys.md lists it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "notify_keys.h"

static void test_names(void **state)
{
    (void)state;
    char err[256], key[NOTIFY_KEY_MAX];
    //  Nothing listens on port 1: the keys need only the namespace.
    sti_redis_t *redis = sti_redis_new("redis://127.0.0.1:1", "sti{lp}", err, sizeof err);
    assert_non_null(redis);
    assert_string_equal(notify_key_rules(redis, key, sizeof key), "sti{lp}:notify:rules");
    assert_string_equal(notify_key_rules_seq(redis, key, sizeof key), "sti{lp}:notify:rules:seq");
    assert_string_equal(notify_key_silences(redis, key, sizeof key), "sti{lp}:notify:silences");
    assert_string_equal(notify_key_silences_seq(redis, key, sizeof key),
                        "sti{lp}:notify:silences:seq");
    assert_string_equal(notify_key_version(redis, key, sizeof key), "sti{lp}:notify:version");
    assert_string_equal(notify_key_request(redis, "req-1", key, sizeof key),
                        "sti{lp}:notify:req:req-1");
    assert_string_equal(notify_key_request(redis, "", key, sizeof key), "sti{lp}:notify:req:-");
    assert_string_equal(notify_key_lease(redis, "ind", key, sizeof key),
                        "sti{lp}:notify:lease:ind");
    assert_string_equal(notify_key_cursor(redis, "tal", key, sizeof key),
                        "sti{lp}:notify:cursor:tal");
    assert_string_equal(notify_key_latest(redis, key, sizeof key), "sti{lp}:notify:latest");
    assert_string_equal(notify_key_delivery(redis, "d0a1", key, sizeof key),
                        "sti{lp}:notify:dlv:d0a1");
    assert_string_equal(notify_key_due(redis, key, sizeof key), "sti{lp}:notify:due");
    assert_string_equal(notify_key_index(redis, key, sizeof key), "sti{lp}:notify:index");
    assert_string_equal(notify_key_dead(redis, key, sizeof key), "sti{lp}:notify:dead");
    assert_string_equal(notify_key_groups(redis, key, sizeof key), "sti{lp}:notify:groups");
    assert_string_equal(notify_key_group_events(redis, "r-1-00ff", key, sizeof key),
                        "sti{lp}:notify:group:r-1-00ff:events");
    assert_string_equal(notify_key_group_meta(redis, "r-1-00ff", key, sizeof key),
                        "sti{lp}:notify:group:r-1-00ff:meta");
    //  A key that does not fit is NULL, never cut.
    char small[16];
    assert_null(notify_key_latest(redis, small, sizeof small));
    sti_redis_destroy(&redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_names)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
