/*  Unit tests of projects_codes: the fixed words, status changes, codes,
    text and dates.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "projects_codes.h"

static void test_words(void **state)
{
    (void)state;
    assert_int_equal(projects_code_find(PROJECTS_LIST_KIND, "incubator"), 2);
    assert_int_equal(projects_code_find(PROJECTS_LIST_LEVEL, "district"), 3);
    assert_int_equal(projects_code_find(PROJECTS_LIST_STATUS, "cancelled"),
                     PROJECTS_STATUS_CANCELLED);
    assert_int_equal(projects_code_find(PROJECTS_LIST_KIND, "Incubator"), -1);
    assert_int_equal(projects_code_find(PROJECTS_LIST_KIND, NULL), -1);
    assert_string_equal(projects_code_name(PROJECTS_LIST_STATUS, 1), "in_progress");
    assert_null(projects_code_name(PROJECTS_LIST_STATUS, 5));
    assert_null(projects_code_name(PROJECTS_LIST_STATUS, -1));
    assert_int_equal(projects_code_count(PROJECTS_LIST_LEVEL), 4);
    assert_string_equal(projects_code_names(PROJECTS_LIST_KIND),
                        "platform, research, incubator, other");
}

static void test_status_changes(void **state)
{
    (void)state;
    assert_true(projects_status_may_change(PROJECTS_STATUS_PLANNED, PROJECTS_STATUS_COMPLETED));
    assert_true(projects_status_may_change(PROJECTS_STATUS_SUSPENDED, PROJECTS_STATUS_IN_PROGRESS));
    assert_false(projects_status_may_change(PROJECTS_STATUS_PLANNED, PROJECTS_STATUS_PLANNED));
    assert_false(projects_status_may_change(PROJECTS_STATUS_COMPLETED, PROJECTS_STATUS_PLANNED));
    assert_false(projects_status_may_change(PROJECTS_STATUS_CANCELLED, PROJECTS_STATUS_PLANNED));
    assert_false(projects_status_may_change(PROJECTS_STATUS_PLANNED, 9));
    assert_true(projects_status_active(PROJECTS_STATUS_IN_PROGRESS));
    assert_false(projects_status_active(PROJECTS_STATUS_SUSPENDED));
}

static void test_codes_and_text(void **state)
{
    (void)state;
    assert_true(projects_code_valid("PF-2021.01_a"));
    assert_false(projects_code_valid(""));
    assert_false(projects_code_valid("-PF"));
    assert_false(projects_code_valid("PF 1"));
    assert_false(projects_code_valid("平台"));
    char long_code[80];
    memset(long_code, 'A', 65);
    long_code[65] = 0;
    assert_false(projects_code_valid(long_code));
    long_code[64] = 0;
    assert_true(projects_code_valid(long_code));
    assert_true(projects_text_clean("示例 text"));
    assert_false(projects_text_clean("two\nlines"));
}

static void test_dates(void **state)
{
    (void)state;
    int ymd = 0;
    char reason[128], text[16];
    assert_int_equal(projects_date_parse("2024-02-29", &ymd, reason, sizeof reason), 0);
    assert_int_equal(ymd, 20240229);
    assert_string_equal(projects_date_format(ymd, text, sizeof text), "2024-02-29");
    assert_int_equal(projects_date_parse("2023-02-29", &ymd, reason, sizeof reason), -1);
    assert_string_equal(reason, "2023-02-29 is not a real date");
    assert_int_equal(projects_date_parse("2023-2-1", &ymd, reason, sizeof reason), -1);
    assert_string_equal(reason, "must be a date written YYYY-MM-DD");
    assert_int_equal(projects_date_parse("1999-12-31", &ymd, reason, sizeof reason), -1);
    assert_string_equal(reason, "1999-12-31 is outside 2000-01-01 to 2100-12-31");
    assert_int_equal(projects_date_next(20231231), 20240101);
    assert_int_equal(projects_date_next(20240228), 20240229);
    assert_int_equal(projects_date_next(20230228), 20230301);
    assert_int_equal(projects_date_next(20230615), 20230616);
    assert_true(projects_date_today() > 20200101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_status_changes),
        cmocka_unit_test(test_codes_and_text),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
