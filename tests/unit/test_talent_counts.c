/*  Unit tests of talent_counts: what a change of the registry moves in the
    counts of the plan's talent indicators (contributions by year), and the
    sum that gives a year's count. The records are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_counts.h"
#include "talent_plan.h"

static talent_codes_t *codes;

static int s_setup(void **state)
{
    (void)state;
    codes = talent_test_codes();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_codes_destroy(&codes);
    return 0;
}

static talent_record_t s_record(const char *arrived, bool overseas, const char *left_on)
{
    talent_record_t record;
    memset(&record, 0, sizeof record);
    snprintf(record.arrived, sizeof record.arrived, "%s", arrived);
    record.overseas = overseas;
    if (left_on) {
        record.status = TALENT_LEFT;
        snprintf(record.left_on, sizeof record.left_on, "%s", left_on);
    }
    return record;
}

static void test_add_overseas(void **state)
{
    (void)state;
    char deltas[1024], dirty[256];
    talent_record_t record = s_record("2022-03-01", true, NULL);
    assert_int_equal(
        talent_counts_change(codes, NULL, &record, deltas, sizeof deltas, dirty, sizeof dirty), 0);
    assert_string_equal(deltas,
                        "registered_talents:2022\n1\nregistered_overseas_talents:2022\n1\n");
    assert_string_equal(dirty, "registered_talents\n2022\nregistered_overseas_talents\n2022\n");
}

static void test_leave_and_remove(void **state)
{
    (void)state;
    char deltas[1024], dirty[256];
    talent_record_t old = s_record("2021-05-01", false, NULL);
    talent_record_t left = s_record("2021-05-01", false, "2024-06-30");
    assert_int_equal(
        talent_counts_change(codes, &old, &left, deltas, sizeof deltas, dirty, sizeof dirty), 0);
    //  Still counted for 2024 (a stock at the end of the year: gone by then, so not).
    assert_string_equal(deltas, "registered_talents:2024\n-1\n");
    assert_string_equal(dirty, "registered_talents\n2024\n");
    assert_int_equal(
        talent_counts_change(codes, &left, NULL, deltas, sizeof deltas, dirty, sizeof dirty), 0);
    assert_string_equal(deltas, "registered_talents:2021\n-1\nregistered_talents:2024\n1\n");
    //  An update that moves nothing moves no count.
    assert_int_equal(
        talent_counts_change(codes, &old, &old, deltas, sizeof deltas, dirty, sizeof dirty), 0);
    assert_string_equal(deltas, "");
    assert_string_equal(dirty, "");
    //  Too small a buffer is an error, not a truncation.
    assert_int_equal(talent_counts_change(codes, NULL, &old, deltas, 8, dirty, sizeof dirty), -1);
}

static void test_sum(void **state)
{
    (void)state;
    int years[] = {2021, 2022, 2024, 2022};
    int64_t deltas[] = {1, 2, -1, 1};
    assert_int_equal(talent_counts_sum(years, deltas, 4, 2020), 0);
    assert_int_equal(talent_counts_sum(years, deltas, 4, 2021), 1);
    assert_int_equal(talent_counts_sum(years, deltas, 4, 2023), 4);
    assert_int_equal(talent_counts_sum(years, deltas, 4, 2030), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_overseas),
        cmocka_unit_test(test_leave_and_remove),
        cmocka_unit_test(test_sum),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
