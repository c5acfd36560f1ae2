/*  Unit tests of sti_period: parsing, refusals with their reasons, format,
    end dates and ordering.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sti_period.h"

static sti_period_t s_parse(const char *text)
{
    sti_period_t period;
    char err[128] = "";
    int rc = sti_period_parse(text, strlen(text), &period, err, sizeof err);
    assert_int_equal(rc, 0);
    return period;
}

static void s_refused(const char *text, size_t len, const char *reason)
{
    sti_period_t period = {2000, STI_PERIOD_YEAR, 0};
    char err[128] = "";
    assert_int_equal(sti_period_parse(text, len, &period, err, sizeof err), -1);
    assert_string_equal(err, reason);
}

static void test_parse_each_kind(void **state)
{
    (void)state;
    sti_period_t p = s_parse("2023");
    assert_int_equal(p.year, 2023);
    assert_int_equal(p.kind, STI_PERIOD_YEAR);
    assert_int_equal(p.index, 0);
    p = s_parse("2023Q2");
    assert_int_equal(p.kind, STI_PERIOD_QUARTER);
    assert_int_equal(p.index, 2);
    p = s_parse("2023-05");
    assert_int_equal(p.kind, STI_PERIOD_MONTH);
    assert_int_equal(p.index, 5);
    assert_int_equal(sti_period_year(&p), 2023);
    p = s_parse("2000");
    assert_int_equal(p.year, 2000);
    p = s_parse("2100-12");
    assert_int_equal(p.year, 2100);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *shape = "period must be YYYY, YYYYQn or YYYY-MM";
    s_refused("", 0, shape);
    s_refused("23", 2, shape);
    s_refused("2023 ", 5, shape);
    s_refused(" 2023", 5, shape);
    s_refused("+202", 4, shape);
    s_refused("2023q2", 6, shape);
    s_refused("2023Q", 5, shape);
    s_refused("2023-5", 6, shape);
    s_refused("2023/05", 7, shape);
    s_refused("2023-0a", 7, shape);
    s_refused("2023-05-01", 10, shape);
    s_refused("20230", 5, shape);
    s_refused("2023\0", 5, shape);
    s_refused(NULL, 0, shape);
    s_refused("1999", 4, "year 1999 is outside 2000–2100");
    s_refused("2101Q1", 6, "year 2101 is outside 2000–2100");
    s_refused("0000-01", 7, "year 0000 is outside 2000–2100");
    s_refused("2023-13", 7, "month 13 is outside 1–12");
    s_refused("2023-00", 7, "month 00 is outside 1–12");
    s_refused("2023Q0", 6, "quarter 0 is outside 1–4");
    s_refused("2023Q5", 6, "quarter 5 is outside 1–4");
    //  The length counts: "2023" followed by more bytes is not "2023".
    s_refused("2023Q29", 7, shape);
}

static void test_format_round_trip(void **state)
{
    (void)state;
    const char *texts[] = {"2023", "2023Q2", "2023-05", "2000-01", "2100Q4"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        sti_period_t p = s_parse(texts[i]);
        char buf[STI_PERIOD_TEXT_MAX];
        assert_int_equal(sti_period_format(&p, buf, sizeof buf), (int)strlen(texts[i]));
        assert_string_equal(buf, texts[i]);
    }
    sti_period_t bad = {1999, STI_PERIOD_YEAR, 0};
    char buf[STI_PERIOD_TEXT_MAX];
    assert_int_equal(sti_period_format(&bad, buf, sizeof buf), -1);
    sti_period_t good = {2023, STI_PERIOD_MONTH, 5};
    assert_int_equal(sti_period_format(&good, buf, 4), -1);
    assert_false(sti_period_valid(&(sti_period_t){2023, STI_PERIOD_YEAR, 1}));
    assert_false(sti_period_valid(&(sti_period_t){2023, STI_PERIOD_MONTH, 13}));
    //  every period, formatted by hand, reads as printf would write it and back
    static const int last[] = {0, 4, 12};
    for (int year = STI_PERIOD_MIN_YEAR; year <= STI_PERIOD_MAX_YEAR; year++) {
        for (int kind = STI_PERIOD_YEAR; kind <= STI_PERIOD_MONTH; kind++) {
            for (int index = kind == STI_PERIOD_YEAR ? 0 : 1; index <= last[kind]; index++) {
                sti_period_t p = {year, (sti_period_kind_t)kind, index}, back;
                char want[16], why[96];
                if (kind == STI_PERIOD_YEAR) {
                    snprintf(want, sizeof want, "%04d", year);
                } else if (kind == STI_PERIOD_QUARTER) {
                    snprintf(want, sizeof want, "%04dQ%d", year, index);
                } else {
                    snprintf(want, sizeof want, "%04d-%02d", year, index);
                }
                assert_int_equal(sti_period_format(&p, buf, sizeof buf), (int)strlen(want));
                assert_string_equal(buf, want);
                assert_int_equal(sti_period_parse(buf, strlen(buf), &back, why, sizeof why), 0);
                assert_true(back.year == year && (int)back.kind == kind && back.index == index);
            }
        }
    }
}

static void test_end_dates(void **state)
{
    (void)state;
    int y, m, d;
    sti_period_t p = s_parse("2024-02");
    sti_period_end_date(&p, &y, &m, &d);
    assert_int_equal(y * 10000 + m * 100 + d, 20240229);
    p = s_parse("2023-02");
    sti_period_end_date(&p, &y, &m, &d);
    assert_int_equal(d, 28);
    p = s_parse("2100-02"); // not a leap year
    sti_period_end_date(&p, &y, &m, &d);
    assert_int_equal(d, 28);
    p = s_parse("2000-02"); // a leap year
    sti_period_end_date(&p, &y, &m, &d);
    assert_int_equal(d, 29);
    p = s_parse("2023Q2");
    sti_period_end_date(&p, &y, &m, &d);
    assert_int_equal(m * 100 + d, 630);
    assert_int_equal(sti_period_first_month(&p), 4);
    p = s_parse("2023");
    sti_period_end_date(&p, &y, &m, &d);
    assert_int_equal(m * 100 + d, 1231);
    //  2024-01-01T00:00:00Z is 1704067200; 2023-07-01 is 1688169600.
    assert_int_equal(sti_period_end_time(&p), 1704067200);
    p = s_parse("2023Q2");
    assert_int_equal(sti_period_end_time(&p), 1688169600);
    p = s_parse("2023-06");
    assert_int_equal(sti_period_end_time(&p), 1688169600);
}

static void test_compare(void **state)
{
    (void)state;
    sti_period_t y = s_parse("2023"), q4 = s_parse("2023Q4"), m12 = s_parse("2023-12");
    sti_period_t q1 = s_parse("2023Q1"), m1 = s_parse("2023-01"), prev = s_parse("2022");
    assert_true(sti_period_compare(&m12, &q4) < 0);
    assert_true(sti_period_compare(&q4, &y) < 0);
    assert_true(sti_period_compare(&m1, &q1) < 0);
    assert_true(sti_period_compare(&prev, &m1) < 0);
    assert_true(sti_period_compare(&y, &prev) > 0);
    assert_int_equal(sti_period_compare(&y, &y), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_each_kind),   cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_format_round_trip), cmocka_unit_test(test_end_dates),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
