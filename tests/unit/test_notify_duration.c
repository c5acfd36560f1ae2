/*  test_notify_duration: the one duration parser of sti-notify: units ms,
    s, m, h, d; "0" alone; nothing above 30 days, nothing negative, no
    overflow (errno), nothing without a unit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>

#include "notify_duration.h"

static void test_accepted(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(notify_duration_parse("0", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(notify_duration_parse("250ms", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(notify_duration_parse("30s", &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(notify_duration_parse("5m", &ms), 0);
    assert_int_equal(ms, 300000);
    assert_int_equal(notify_duration_parse("2h", &ms), 0);
    assert_int_equal(ms, 7200000);
    assert_int_equal(notify_duration_parse("1d", &ms), 0);
    assert_int_equal(ms, 86400000);
    assert_int_equal(notify_duration_parse("30d", &ms), 0);
    assert_int_equal(ms, NOTIFY_DURATION_MAX_MS);
}

static void test_refused(void **state)
{
    (void)state;
    int64_t ms = 7;
    const char *bad[] = {
        "31d", "5", "-1s", "s", "", "1.5s", "2w", "5 m", "99999999999999999999ms", "2592000001ms"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(notify_duration_parse(bad[i], &ms), -1);
        assert_int_equal(ms, 7); // untouched
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
