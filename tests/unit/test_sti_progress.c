/*  Unit tests of sti_progress, starting with the worked example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sti_progress.h"

//  hitech_enterprises: baseline 578 (2020), target 1000 (2025), year 2023.
static sti_progress_input_t s_hitech(double value)
{
    sti_progress_input_t in = {
        .direction = STI_DIRECTION_UP,
        .year = 2023,
        .has_baseline = true,
        .baseline_year = 2020,
        .baseline = 578,
        .has_target = true,
        .target_year = 2025,
        .target = 1000,
        .has_value = true,
        .value = value,
        .tolerance = STI_PROGRESS_TOLERANCE,
    };
    return in;
}

static void test_worked_example(void **state)
{
    (void)state;
    sti_progress_t out;
    sti_progress_input_t in = s_hitech(850);
    sti_progress_compute(&in, &out);
    assert_true(out.has_completion);
    assert_int_equal((int)(out.completion * 1000 + 0.5), 645);
    assert_int_equal((int)(out.expected_completion * 1000 + 0.5), 600);
    assert_true(out.expected_value > 831.19 && out.expected_value < 831.21);
    assert_string_equal(sti_status_name(out.status), "on_track");

    in = s_hitech(800);
    sti_progress_compute(&in, &out);
    assert_string_equal(sti_status_name(out.status), "lagging");
    in = s_hitech(700);
    sti_progress_compute(&in, &out);
    assert_string_equal(sti_status_name(out.status), "at_risk");
    in = s_hitech(1000);
    sti_progress_compute(&in, &out);
    assert_string_equal(sti_status_name(out.status), "achieved");
    assert_true(out.completion > 0.9999999 && out.completion < 1.0000001);
}

static void test_down_direction(void **state)
{
    (void)state;
    //  edz_national_rank: down, baseline 42 (2020), target 30 (2025), 2023 value 28.
    sti_progress_input_t in = {
        .direction = STI_DIRECTION_DOWN,
        .year = 2023,
        .has_baseline = true,
        .baseline_year = 2020,
        .baseline = 42,
        .has_target = true,
        .target_year = 2025,
        .target = 30,
        .has_value = true,
        .value = 28,
        .tolerance = STI_PROGRESS_TOLERANCE,
    };
    sti_progress_t out;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_ACHIEVED);
    //  Rank 36 in 2023: completion 0.5, expected 0.6: lagging.
    in.value = 36;
    sti_progress_compute(&in, &out);
    assert_true(out.completion > 0.4999 && out.completion < 0.5001);
    assert_int_equal(out.status, STI_STATUS_LAGGING);
    //  Rank 45: worse than the baseline.
    in.value = 45;
    sti_progress_compute(&in, &out);
    assert_true(out.completion < 0);
    assert_int_equal(out.status, STI_STATUS_AT_RISK);
    in.value = 30;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_ACHIEVED);
}

static void test_boundaries_and_tolerance(void **state)
{
    (void)state;
    sti_progress_t out;
    //  Exactly on the straight line: 578 + 422 * 0.6 = 831.2.
    sti_progress_input_t in = s_hitech(831.2);
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_ON_TRACK);
    //  Exactly the tolerance below: completion 0.5, value 578 + 211 = 789.
    in = s_hitech(789);
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_LAGGING);
    in = s_hitech(788);
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_AT_RISK);
    //  A tolerance of 0.35 makes 700 (0.311 below) lagging.
    in = s_hitech(700);
    in.tolerance = 0.35;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_LAGGING);
}

static void test_year_target_and_clamping(void **state)
{
    (void)state;
    sti_progress_t out;
    //  A 2023 target of its own (900) replaces the straight line.
    sti_progress_input_t in = s_hitech(850);
    in.has_year_target = true;
    in.year_target = 900;
    sti_progress_compute(&in, &out);
    assert_true(out.expected_value == 900);
    assert_true(out.expected_completion > 0.7630 && out.expected_completion < 0.7631);
    //  0.645 is 0.118 below 0.763: more than the tolerance.
    assert_int_equal(out.status, STI_STATUS_AT_RISK);
}

static void test_missing_inputs(void **state)
{
    (void)state;
    sti_progress_t out;
    sti_progress_input_t in = s_hitech(850);
    in.has_target = false;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_NO_TARGET);
    assert_false(out.has_completion);
    in = s_hitech(850);
    in.has_baseline = false;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_NO_TARGET);
    in = s_hitech(850);
    in.has_value = false;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_NO_DATA);
    assert_false(out.has_completion);
    assert_true(out.has_expected);
    //  Before the baseline year and after the final year, E is held at the ends.
    in = s_hitech(600);
    in.year = 2019;
    sti_progress_compute(&in, &out);
    assert_true(out.expected_completion == 0);
    assert_int_equal(out.status, STI_STATUS_ON_TRACK);
    in.year = 2030;
    sti_progress_compute(&in, &out);
    assert_true(out.expected_completion == 1);
    assert_int_equal(out.status, STI_STATUS_AT_RISK);
}

static void test_target_equals_baseline(void **state)
{
    (void)state;
    sti_progress_t out;
    sti_progress_input_t in = s_hitech(578);
    in.target = 578;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_ACHIEVED);
    assert_true(out.completion == 1 && out.expected_completion == 1);
    in.value = 570;
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_AT_RISK);
    assert_true(out.completion == 0);
}

static void test_names(void **state)
{
    (void)state;
    sti_status_t status;
    const char *names[] = {"achieved", "on_track", "lagging", "at_risk", "no_data", "no_target"};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(sti_status_parse(names[i], &status), 0);
        assert_string_equal(sti_status_name(status), names[i]);
    }
    assert_int_equal(sti_status_parse("late", &status), -1);
    sti_direction_t direction;
    assert_int_equal(sti_direction_parse("down", &direction), 0);
    assert_int_equal(direction, STI_DIRECTION_DOWN);
    assert_string_equal(sti_direction_name(direction), "down");
    assert_int_equal(sti_direction_parse("Up", &direction), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_down_direction),
        cmocka_unit_test(test_boundaries_and_tolerance),
        cmocka_unit_test(test_year_target_and_clamping),
        cmocka_unit_test(test_missing_inputs),
        cmocka_unit_test(test_target_equals_baseline),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
