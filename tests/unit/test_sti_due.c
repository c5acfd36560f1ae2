/*  Unit tests of sti_due: frequencies, due rules parsed and refused with
    their reasons, due instants and last days on time (leap years, month
    ends), and the periods of a frequency within a period.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sti_due.h"

static sti_due_rule_t s_rule(const char *text)
{
    sti_due_rule_t rule;
    char err[200] = "";
    assert_int_equal(sti_due_parse(text, &rule, err, sizeof err), 0);
    return rule;
}

static sti_period_t s_period(const char *text)
{
    sti_period_t period;
    char err[128];
    assert_int_equal(sti_period_parse(text, strlen(text), &period, err, sizeof err), 0);
    return period;
}

static void s_due_is(const char *rule_text, const char *period_text, const char *last_day)
{
    sti_due_rule_t rule = s_rule(rule_text);
    sti_period_t period = s_period(period_text);
    char day[16];
    assert_string_equal(sti_due_date(&rule, &period, day, sizeof day), last_day);
}

static void test_parse(void **state)
{
    (void)state;
    sti_due_rule_t rule = s_rule("P1Y2M3D");
    assert_int_equal(rule.years, 1);
    assert_int_equal(rule.months, 2);
    assert_int_equal(rule.days, 3);
    rule = s_rule("P20D");
    assert_int_equal(rule.years + rule.months, 0);
    assert_int_equal(rule.days, 20);
    s_rule("P0D");
    s_rule("P999M");
}

static void test_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",      "P",      "2M",   "P2",   "PM",   "P2W", "P1D2M",
                         "P2M2M", "P1000D", "P-1D", "PT2H", "P2M ", "p2m", NULL};
    for (size_t i = 0; bad[i]; i++) {
        sti_due_rule_t rule;
        char err[200] = "";
        assert_int_equal(sti_due_parse(bad[i], &rule, err, sizeof err), -1);
        assert_non_null(strstr(err, "must be a duration like P2M"));
    }
}

static void test_frequency(void **state)
{
    (void)state;
    sti_period_kind_t kind;
    char err[128] = "";
    assert_int_equal(sti_frequency_parse("quarter", &kind, err, sizeof err), 0);
    assert_int_equal(kind, STI_PERIOD_QUARTER);
    assert_int_equal(sti_frequency_parse("weekly", &kind, err, sizeof err), -1);
    assert_string_equal(err, "must be year, quarter or month, not 'weekly'");
    assert_string_equal(sti_frequency_name(STI_PERIOD_MONTH), "month");
    assert_string_equal(sti_due_default(STI_PERIOD_YEAR), "P2M");
    assert_string_equal(sti_due_default(STI_PERIOD_QUARTER), "P20D");
    assert_string_equal(sti_due_default(STI_PERIOD_MONTH), "P15D");
}

static void test_due_dates(void **state)
{
    (void)state;
    s_due_is("P2M", "2025", "2026-02-28");
    s_due_is("P2M", "2023", "2024-02-29"); // a leap year's February
    s_due_is("P20D", "2025Q1", "2025-04-20");
    s_due_is("P20D", "2025Q4", "2026-01-20");
    s_due_is("P15D", "2025-12", "2026-01-15");
    s_due_is("P1M", "2025-01", "2025-02-28");
    s_due_is("P0D", "2025", "2025-12-31");
    s_due_is("P1Y", "2025Q2", "2026-06-30");
    sti_due_rule_t rule = s_rule("P2M");
    sti_period_t year = s_period("2025");
    assert_int_equal(sti_due_time(&rule, &year), INT64_C(1772323200000)); // 2026-03-01T00:00Z
}

static void test_periods(void **state)
{
    (void)state;
    sti_period_t out[12], year = s_period("2025"), q2 = s_period("2025Q2"),
                          m5 = s_period("2025-05");
    assert_int_equal(sti_due_periods(&year, STI_PERIOD_YEAR, out, 12), 1);
    assert_int_equal(sti_due_periods(&year, STI_PERIOD_QUARTER, out, 12), 4);
    assert_int_equal(out[3].index, 4);
    assert_int_equal(sti_due_periods(&year, STI_PERIOD_MONTH, out, 12), 12);
    assert_int_equal(sti_due_periods(&q2, STI_PERIOD_MONTH, out, 12), 3);
    assert_int_equal(out[0].index, 4);
    assert_int_equal(out[2].index, 6);
    assert_int_equal(sti_due_periods(&q2, STI_PERIOD_YEAR, out, 12), 0);
    assert_int_equal(sti_due_periods(&m5, STI_PERIOD_QUARTER, out, 12), 0);
    assert_int_equal(sti_due_periods(&m5, STI_PERIOD_MONTH, out, 12), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),     cmocka_unit_test(test_refused),
        cmocka_unit_test(test_frequency), cmocka_unit_test(test_due_dates),
        cmocka_unit_test(test_periods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
