/*  Unit tests for sti_quantity: durations (ms, s, m, h, d) and sizes (B,
    KiB, MiB, GiB, TiB) as people write them; what a bare number counts;
    nothing negative, fractional, spaced, unknown or overflowing; and the
    shortest exact text back.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sti_quantity.h"

static int64_t s_duration(const char *text, int64_t bare)
{
    int64_t ms = -7;
    assert_int_equal(sti_quantity_parse(STI_QUANTITY_DURATION, text, bare, &ms), 0);
    return ms;
}

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(s_duration("0", STI_QUANTITY_BARE_NONE), 0);
    assert_int_equal(s_duration("250ms", STI_QUANTITY_BARE_NONE), 250);
    assert_int_equal(s_duration("30s", STI_QUANTITY_BARE_NONE), 30000);
    assert_int_equal(s_duration("5m", STI_QUANTITY_BARE_NONE), 300000);
    assert_int_equal(s_duration("2h", STI_QUANTITY_BARE_NONE), 7200000);
    assert_int_equal(s_duration("1d", STI_QUANTITY_BARE_NONE), 86400000);
    assert_int_equal(s_duration("30d", STI_QUANTITY_BARE_NONE), 30LL * 86400000);
    //  A bare number counts what the caller says: a *_ms setting, a seconds one.
    assert_int_equal(s_duration("1500", STI_QUANTITY_BARE_ONE), 1500);
    assert_int_equal(s_duration("604800", STI_QUANTITY_BARE_S), 604800000);
    assert_int_equal(s_duration("007s", STI_QUANTITY_BARE_NONE), 7000);
}

static void test_durations_refused(void **state)
{
    (void)state;
    const char *bad[] = {"5",
                         "-1s",
                         "+1s",
                         "s",
                         "",
                         " 5s",
                         "5s ",
                         "1.5s",
                         "2w",
                         "5 m",
                         "5M",
                         "99999999999999999999ms",
                         "106751991168d",
                         "9223372036854775807s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 7;
        assert_int_equal(
            sti_quantity_parse(STI_QUANTITY_DURATION, bad[i], STI_QUANTITY_BARE_NONE, &ms), -1);
        assert_int_equal(ms, 7); // untouched
    }
    int64_t ms = 7;
    assert_int_equal(sti_quantity_parse(STI_QUANTITY_DURATION, NULL, 1, &ms), -1);
    //  The largest duration that fits is accepted, one more is not.
    assert_int_equal(sti_quantity_parse(STI_QUANTITY_DURATION, "9223372036854775807ms", 0, &ms), 0);
    assert_int_equal(ms, INT64_MAX);
    assert_int_equal(sti_quantity_parse(STI_QUANTITY_DURATION, "9223372036854775808ms", 0, &ms),
                     -1);
}

static void test_sizes(void **state)
{
    (void)state;
    struct {
        const char *text;
        int64_t bytes;
    } good[] = {
        {"0", 0},
        {"100", 100},
        {"100B", 100},
        {"512KiB", 524288},
        {"16MiB", 16777216},
        {"1GiB", 1073741824},
        {"2TiB", 2LL << 40},
        {"17825792", 17825792},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t bytes = -1;
        assert_int_equal(sti_quantity_parse(STI_QUANTITY_SIZE, good[i].text, 1, &bytes), 0);
        assert_int_equal(bytes, good[i].bytes);
    }
    const char *bad[] = {"16MB", "16mib", "1.5MiB", "-1", "MiB", "16 MiB", "9000000000TiB", "1s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t bytes = 7;
        assert_int_equal(sti_quantity_parse(STI_QUANTITY_SIZE, bad[i], 1, &bytes), -1);
        assert_int_equal(bytes, 7);
    }
}

static void test_format(void **state)
{
    (void)state;
    char buf[STI_QUANTITY_TEXT_MAX];
    assert_string_equal(sti_quantity_format(STI_QUANTITY_DURATION, 0, buf, sizeof buf), "0");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_DURATION, 250, buf, sizeof buf), "250ms");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_DURATION, 90000, buf, sizeof buf), "90s");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_DURATION, 3600000, buf, sizeof buf), "1h");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_DURATION, 6553500, buf, sizeof buf),
                        "6553500ms");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_DURATION, INT64_MAX, buf, sizeof buf),
                        "9223372036854775807ms");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_SIZE, 16384, buf, sizeof buf), "16KiB");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_SIZE, 17825792, buf, sizeof buf), "17MiB");
    assert_string_equal(sti_quantity_format(STI_QUANTITY_SIZE, 1000, buf, sizeof buf), "1000B");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_durations_refused),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
