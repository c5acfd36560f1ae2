/*  Unit tests of talent_keyspace: every key family of sti-talent under the
    namespace, as docs/keys.md lists them, and a key that does not fit.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "talent_keyspace.h"

static void test_families(void **state)
{
    (void)state;
    char err[256], key[256];
    //  No server needed: keys are built, never sent.
    sti_redis_t *redis = sti_redis_new("redis://127.0.0.1:1", "ns", err, sizeof err);
    assert_non_null(redis);
    assert_string_equal(talent_keyspace_next(redis, key, sizeof key), "ns:tal:next");
    assert_string_equal(talent_keyspace_record(redis, "T000001", key, sizeof key),
                        "ns:tal:rec:T000001");
    assert_string_equal(talent_keyspace_record_teams(redis, "T000001", key, sizeof key),
                        "ns:tal:rec:T000001:teams");
    assert_string_equal(talent_keyspace_record_prefix(redis, key, sizeof key), "ns:tal:rec:");
    assert_string_equal(talent_keyspace_documents(redis, key, sizeof key), "ns:tal:doc");
    assert_string_equal(talent_keyspace_all(redis, key, sizeof key), "ns:tal:all");
    assert_string_equal(talent_keyspace_names(redis, key, sizeof key), "ns:tal:names");
    assert_string_equal(talent_keyspace_index(redis, "category:top", key, sizeof key),
                        "ns:tal:idx:category:top");
    assert_string_equal(talent_keyspace_stats(redis, key, sizeof key), "ns:tal:stats");
    assert_string_equal(talent_keyspace_audit(redis, "T000001", key, sizeof key),
                        "ns:tal:audit:T000001");
    assert_string_equal(talent_keyspace_request(redis, "r-1#2", key, sizeof key),
                        "ns:tal:req:r-1#2");
    assert_string_equal(talent_keyspace_count(redis, "count", key, sizeof key), "ns:tal:count");
    assert_string_equal(talent_keyspace_count(redis, "count:dirty", key, sizeof key),
                        "ns:tal:count:dirty");
    assert_string_equal(talent_keyspace_team_next(redis, key, sizeof key), "ns:tal:team:next");
    assert_string_equal(talent_keyspace_team(redis, "G000001", key, sizeof key),
                        "ns:tal:team:G000001");
    assert_string_equal(talent_keyspace_team_members(redis, "G000001", key, sizeof key),
                        "ns:tal:team:G000001:members");
    assert_string_equal(talent_keyspace_team_request(redis, "r-2", key, sizeof key),
                        "ns:tal:team:req:r-2");
    assert_string_equal(talent_keyspace_team_request(redis, "", key, sizeof key),
                        "ns:tal:team:req:-");
    assert_string_equal(talent_keyspace_team_prefix(redis, key, sizeof key), "ns:tal:team:");
    assert_string_equal(talent_keyspace_events(redis, NULL, key, sizeof key), "ns:events:tal");
    assert_string_equal(talent_keyspace_events(redis, "epoch", key, sizeof key),
                        "ns:events:tal:epoch");
    //  A key that does not fit is refused, not cut.
    assert_null(talent_keyspace_record(redis, "T000001", key, 12));
    sti_redis_destroy(&redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
