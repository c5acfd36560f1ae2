/*  test_ingest_locks: the sign-off locks of one obs.submit (docs/signoff.md):
    the pairs of the rows about to be taken, a lock the script finds, the
    rows it then refuses with a reason naming the row, unit, period, who and
    when, and the script's call (keys, periods, refusals, extra fields). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ingest_locks.h"
#include "sti_writer.h"

//  A row as sti_observation_check leaves it (only what the locks read).
static sti_observation_t s_obs(const char *indicator, const char *org, const char *period)
{
    sti_observation_t obs;
    memset(&obs, 0, sizeof obs);
    snprintf(obs.indicator, sizeof obs.indicator, "%s", indicator);
    snprintf(obs.org, sizeof obs.org, "%s", org);
    snprintf(obs.period_text, sizeof obs.period_text, "%s", period);
    return obs;
}

//  An approval record as sti-indicators keeps it; by NULL: a broken one.
static const char *s_record(sti_writer_t *w, const char *by, size_t *size)
{
    sti_writer_reset(w);
    if (by) {
        sti_writer_map(w, 3);
        sti_writer_kv_str(w, "state", "approved");
        sti_writer_kv_str(w, "by", by);
        sti_writer_kv_int(w, "at", 1796616154919); // 2026-12-07T04:02:34.919Z
    } else {
        sti_writer_str(w, "not a map");
    }
    return (const char *)sti_writer_data(w, size);
}

static void test_lock_refuses_its_rows(void **state)
{
    (void)state;
    char err[256], reason[600];
    sti_redis_t *redis = sti_redis_new("redis://127.0.0.1:1", "sti", err, sizeof err);
    ingest_locks_t *locks = ingest_locks_new(redis);
    sti_observation_t a = s_obs("hitech_enterprises", "donghu", "2025");
    sti_observation_t b = s_obs("hitech_enterprises", "nanyuan", "2025");
    sti_observation_t c = s_obs("rd_expenditure", "donghu", "2025");
    //  First pass: nothing known, two pairs.
    ingest_locks_reset(locks);
    assert_false(ingest_locks_row(locks, &a, 0, reason, sizeof reason));
    assert_false(ingest_locks_row(locks, &b, 1, reason, sizeof reason));
    assert_false(ingest_locks_row(locks, &c, 2, reason, sizeof reason));
    assert_int_equal(ingest_locks_pair_count(locks), 2);
    assert_int_equal(ingest_locks_refusal_count(locks), 0);
    //  The script finds pair 0 (donghu 2025) locked; out of range is refused.
    sti_writer_t *w = sti_writer_new();
    size_t size;
    const char *record = s_record(w, "olga", &size);
    assert_int_equal(ingest_locks_found(locks, 0, record, size), 0);
    assert_int_equal(ingest_locks_found(locks, 5, record, size), -1);
    //  Second pass: both donghu rows refused, named; nanyuan's pair only.
    ingest_locks_again(locks);
    assert_true(ingest_locks_row(locks, &a, 0, reason, sizeof reason));
    assert_non_null(strstr(reason, "hitech_enterprises at donghu for 2025: 已审核锁定"));
    assert_non_null(strstr(reason, "approved by olga at 2026-12-07T04:02:34.919Z"));
    assert_false(ingest_locks_row(locks, &b, 1, reason, sizeof reason));
    assert_true(ingest_locks_row(locks, &c, 2, reason, sizeof reason));
    assert_non_null(strstr(reason, "rd_expenditure at donghu"));
    assert_int_equal(ingest_locks_pair_count(locks), 1);
    assert_int_equal(ingest_locks_refusal_count(locks), 1);
    //  The call: 7 keys + 1 group, 11 fixed + n + (k + periods) + m + 5 + extra.
    const char *keys[INGEST_LOCKS_KEYS] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7"};
    const char *fixed[INGEST_LOCKS_FIXED] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"};
    size_t fixed_lens[INGEST_LOCKS_FIXED] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const char *extra[2] = {"rows", "x"};
    size_t extra_lens[2] = {4, 1};
    const char **argv;
    size_t *lens;
    int nkeys;
    size_t argc = ingest_locks_argv(locks, keys, fixed, fixed_lens, extra, extra_lens, 2, "clara",
                                    "clerk", "", "req-1", &argv, &lens, &nkeys);
    assert_int_equal(nkeys, 8);
    assert_string_equal(argv[7], "sti:approval:nanyuan");
    assert_int_equal(argc, 8 + 11 + 1 + 2 + 1 + 5 + 2);
    assert_string_equal(argv[19], "1");      // n groups
    assert_string_equal(argv[20], "1");      // its k periods
    assert_string_equal(argv[21], "2025");   // its period
    assert_string_equal(argv[22], "1");      // m refusals
    assert_string_equal(argv[23], "donghu"); // org, period, rows, approved by, data
    assert_string_equal(argv[24], "2025");
    assert_string_equal(argv[25], "0,2");
    assert_string_equal(argv[26], "olga");
    assert_true(lens[27] > 0);
    assert_string_equal(argv[28], "rows");
    //  A new request forgets the lock.
    ingest_locks_reset(locks);
    assert_false(ingest_locks_row(locks, &a, 0, reason, sizeof reason));
    sti_writer_destroy(&w);
    ingest_locks_destroy(&locks);
    ingest_locks_destroy(&locks);
    sti_redis_destroy(&redis);
}

static void test_broken_record_still_locks(void **state)
{
    (void)state;
    char err[256], reason[600];
    sti_redis_t *redis = sti_redis_new("redis://127.0.0.1:1", "sti", err, sizeof err);
    ingest_locks_t *locks = ingest_locks_new(redis);
    sti_observation_t a = s_obs("hitech_enterprises", "donghu", "2025");
    ingest_locks_reset(locks);
    ingest_locks_row(locks, &a, 0, reason, sizeof reason);
    sti_writer_t *w = sti_writer_new();
    size_t size;
    const char *record = s_record(w, NULL, &size);
    //  Said (-1), but the script saw it approved: it stays locked.
    assert_int_equal(ingest_locks_found(locks, 0, record, size), -1);
    ingest_locks_again(locks);
    assert_true(ingest_locks_row(locks, &a, 0, reason, sizeof reason));
    assert_non_null(strstr(reason, "已审核锁定"));
    sti_writer_destroy(&w);
    ingest_locks_destroy(&locks);
    sti_redis_destroy(&redis);
}

//  Pairs of one org unit are one group (one HMGET in the script), in the
//  order each unit first comes; a pair found is counted in the call's order.
static void test_pairs_grouped_by_org(void **state)
{
    (void)state;
    char err[256], reason[600];
    sti_redis_t *redis = sti_redis_new("redis://127.0.0.1:1", "sti", err, sizeof err);
    ingest_locks_t *locks = ingest_locks_new(redis);
    sti_observation_t rows[4] = {s_obs("hitech_enterprises", "donghu", "2024"),
                                 s_obs("hitech_enterprises", "nanyuan", "2024"),
                                 s_obs("hitech_enterprises", "donghu", "2025"),
                                 s_obs("hitech_enterprises", "nanyuan", "2025")};
    ingest_locks_reset(locks);
    for (size_t i = 0; i < 4; i++) {
        assert_false(ingest_locks_row(locks, &rows[i], i, reason, sizeof reason));
    }
    const char *keys[INGEST_LOCKS_KEYS] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7"};
    const char *fixed[INGEST_LOCKS_FIXED] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"};
    size_t fixed_lens[INGEST_LOCKS_FIXED] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const char **argv;
    size_t *lens;
    int nkeys;
    size_t argc = ingest_locks_argv(locks, keys, fixed, fixed_lens, NULL, NULL, 0, "clara", "clerk",
                                    "", "", &argv, &lens, &nkeys);
    assert_int_equal(nkeys, 9);
    assert_string_equal(argv[7], "sti:approval:donghu");
    assert_string_equal(argv[8], "sti:approval:nanyuan");
    assert_int_equal(argc, 9 + 11 + 1 + 2 * 3 + 1);
    const char *listed[] = {"2", "2", "2024", "2025", "2", "2024", "2025", "0"};
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(argv[20 + i], listed[i]);
    }
    //  Position 1 of the call is donghu 2025 (row 2), not the second row.
    sti_writer_t *w = sti_writer_new();
    size_t size;
    const char *record = s_record(w, "olga", &size);
    assert_int_equal(ingest_locks_found(locks, 1, record, size), 0);
    ingest_locks_again(locks);
    assert_false(ingest_locks_row(locks, &rows[0], 0, reason, sizeof reason));
    assert_false(ingest_locks_row(locks, &rows[1], 1, reason, sizeof reason));
    assert_true(ingest_locks_row(locks, &rows[2], 2, reason, sizeof reason));
    assert_non_null(strstr(reason, "at donghu for 2025"));
    assert_false(ingest_locks_row(locks, &rows[3], 3, reason, sizeof reason));
    sti_writer_destroy(&w);
    ingest_locks_destroy(&locks);
    sti_redis_destroy(&redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_refuses_its_rows),
        cmocka_unit_test(test_broken_record_still_locks),
        cmocka_unit_test(test_pairs_grouped_by_org),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
