/*  Unit tests of sti_forecast: a worked series against a hand computation,
    each class boundary, direction down, the linear trend, too few values,
    a target already met.

    The baseline 578 (2020) of hitech_enterprises is the plan's
    (/work/shared/plan/baselines.csv); every target and later value here is
    made up for the test.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdbool.h>

#include "sti_forecast.h"

#define S_CLOSE(a, b) assert_true(s_close((a), (b)))

//  Whether a equals b to 1e-9 (relative, absolute below 1).
static bool s_close(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

//  hitech_enterprises from its baseline 578 (2020) to a made-up target
//  1000 at the plan's end 2025, with a made-up latest value.
static sti_forecast_input_t s_hitech(double latest_time, double latest)
{
    sti_forecast_input_t in = {
        .direction = STI_DIRECTION_UP,
        .has_baseline = true,
        .baseline_time = 2020,
        .baseline = 578,
        .has_latest = true,
        .latest_time = latest_time,
        .latest = latest,
        .has_target = true,
        .target = 1000,
        .end_time = 2025,
    };
    return in;
}

static void test_worked_series(void **state)
{
    (void)state;
    //  By hand: CAGR_a = (700 / 578)^(1/3) - 1, vT = 700 (1 + CAGR_a)^2,
    //  s = (vT - 578) / (1000 - 578), CAGR_r = (1000 / 700)^(1/2) - 1.
    double rate = pow(700.0 / 578.0, 1.0 / 3.0) - 1;
    double projection = 700.0 * pow(1 + rate, 2);
    sti_forecast_input_t in = s_hitech(2023, 700);
    sti_forecast_t out;
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.method, STI_FORECAST_CAGR);
    assert_true(out.has_rate && out.has_projection && out.has_score && out.has_required);
    S_CLOSE(out.rate, 0.06591702903691643);
    S_CLOSE(out.rate, rate);
    S_CLOSE(out.projection, 795.3253789536205);
    S_CLOSE(out.projection, projection);
    S_CLOSE(out.score, (projection - 578) / 422);
    S_CLOSE(out.score, 0.5149890496531292);
    S_CLOSE(out.required, sqrt(1000.0 / 700.0) - 1);
    assert_string_equal(sti_forecast_class_name(out.outcome), "needs_acceleration");

    in = s_hitech(2022, 800); // score 1.717...
    sti_forecast_compute(&in, &out);
    assert_string_equal(sti_forecast_class_name(out.outcome), "expected_to_meet");
    S_CLOSE(out.projection, 1302.6663952778345);
    in = s_hitech(2023, 640); // score 0.2535...
    sti_forecast_compute(&in, &out);
    assert_string_equal(sti_forecast_class_name(out.outcome), "needs_acceleration");
    S_CLOSE(out.required, 0.25);
    in = s_hitech(2023, 560); // a fall: below zero
    sti_forecast_compute(&in, &out);
    assert_string_equal(sti_forecast_class_name(out.outcome), "stagnation_or_regression");
    assert_true(out.score < 0);
}

//  A linear series whose score is exact: v0 100 (2020), target 200 (2025),
//  latest v in 2024: vT = v + (v - 100) / 4, score (5v - 500) / 400.
static sti_forecast_class_t s_linear_class(double latest, double *score)
{
    sti_forecast_input_t in = {.direction = STI_DIRECTION_UP,
                               .linear = true,
                               .has_baseline = true,
                               .baseline_time = 2020,
                               .baseline = 100,
                               .has_latest = true,
                               .latest_time = 2024,
                               .latest = latest,
                               .has_target = true,
                               .target = 200,
                               .end_time = 2025};
    sti_forecast_t out;
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.method, STI_FORECAST_LINEAR);
    *score = out.score;
    return out.outcome;
}

static void test_boundaries(void **state)
{
    (void)state;
    double score;
    assert_int_equal(s_linear_class(176, &score), STI_FORECAST_EXPECTED_TO_MEET);
    S_CLOSE(score, 0.95);
    assert_int_equal(s_linear_class(175.99, &score), STI_FORECAST_NEEDS_ACCELERATION);
    assert_int_equal(s_linear_class(108, &score), STI_FORECAST_NEEDS_ACCELERATION);
    S_CLOSE(score, 0.10);
    assert_int_equal(s_linear_class(107.99, &score), STI_FORECAST_STAGNATION_OR_REGRESSION);
    assert_int_equal(s_linear_class(100, &score), STI_FORECAST_STAGNATION_OR_REGRESSION);
    S_CLOSE(score, 0);
    assert_int_equal(s_linear_class(199.99, &score), STI_FORECAST_EXPECTED_TO_MEET);
    assert_int_equal(s_linear_class(200, &score), STI_FORECAST_ACHIEVED);
}

static void test_down_direction(void **state)
{
    (void)state;
    //  A made-up rank: 42 (2020) to 30 (2025), down; a rank takes a line.
    sti_forecast_input_t in = {.direction = STI_DIRECTION_DOWN,
                               .linear = true,
                               .has_baseline = true,
                               .baseline_time = 2020,
                               .baseline = 42,
                               .has_latest = true,
                               .latest_time = 2023,
                               .latest = 36,
                               .has_target = true,
                               .target = 30,
                               .end_time = 2025};
    sti_forecast_t out;
    sti_forecast_compute(&in, &out);
    //  a = (36 - 42) / 3 = -2 a year; vT = 36 - 4 = 32; s = (32 - 42) / (30 - 42).
    S_CLOSE(out.rate, -2);
    S_CLOSE(out.projection, 32);
    S_CLOSE(out.score, 10.0 / 12.0);
    S_CLOSE(out.required, -3);
    assert_int_equal(out.outcome, STI_FORECAST_NEEDS_ACCELERATION);
    in.latest = 33; // a = -3, vT = 27
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_EXPECTED_TO_MEET);
    in.latest = 44; // rising: the wrong way
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_STAGNATION_OR_REGRESSION);
    in.latest = 29; // below the target: met
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_ACHIEVED);
    //  Down with a growth rate: 10 -> 8.1 in 2 years is -10% a year;
    //  by 2025 (3 more years) 8.1 * 0.9^3 = 5.9049; target 6 from 10.
    sti_forecast_input_t cagr = {.direction = STI_DIRECTION_DOWN,
                                 .has_baseline = true,
                                 .baseline_time = 2020,
                                 .baseline = 10,
                                 .has_latest = true,
                                 .latest_time = 2022,
                                 .latest = 8.1,
                                 .has_target = true,
                                 .target = 6,
                                 .end_time = 2025};
    sti_forecast_compute(&cagr, &out);
    assert_int_equal(out.method, STI_FORECAST_CAGR);
    S_CLOSE(out.rate, -0.1);
    S_CLOSE(out.projection, 5.9049);
    assert_int_equal(out.outcome, STI_FORECAST_EXPECTED_TO_MEET);
}

static void test_linear_fallback(void **state)
{
    (void)state;
    //  A zero baseline has no growth rate: 0 (2020) -> 4 (2022), target 10.
    sti_forecast_input_t in = s_hitech(2022, 4);
    in.baseline = 0;
    in.target = 10;
    sti_forecast_t out;
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.method, STI_FORECAST_LINEAR);
    S_CLOSE(out.rate, 2);
    S_CLOSE(out.projection, 10);
    S_CLOSE(out.score, 1);
    S_CLOSE(out.required, 2);
    assert_int_equal(out.outcome, STI_FORECAST_EXPECTED_TO_MEET);
    //  A negative latest value (a made-up balance): a line too.
    in = s_hitech(2022, -2);
    in.baseline = 2;
    in.target = 6;
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.method, STI_FORECAST_LINEAR);
    S_CLOSE(out.projection, -8);
    assert_int_equal(out.outcome, STI_FORECAST_STAGNATION_OR_REGRESSION);
}

static void test_insufficient_data(void **state)
{
    (void)state;
    sti_forecast_t out;
    sti_forecast_input_t in = s_hitech(2023, 700);
    in.has_latest = false;
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_INSUFFICIENT_DATA);
    assert_false(out.has_projection || out.has_rate || out.has_score || out.has_required);
    in = s_hitech(2020, 700); // the latest is the baseline's own period
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_INSUFFICIENT_DATA);
    in = s_hitech(2023, 700);
    in.has_baseline = false;
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_INSUFFICIENT_DATA);
    in = s_hitech(2023, 700);
    in.has_target = false;
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_NO_TARGET);
    assert_true(out.has_projection); // still projected, to show
    assert_false(out.has_required);
}

static void test_achieved_and_end(void **state)
{
    (void)state;
    sti_forecast_t out;
    sti_forecast_input_t in = s_hitech(2023, 1000);
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_ACHIEVED);
    assert_false(out.has_required);
    in = s_hitech(2020, 1200); // met with one value
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_ACHIEVED);
    in = s_hitech(2025, 990); // at the plan's end: vT = vt, nothing required
    sti_forecast_compute(&in, &out);
    S_CLOSE(out.projection, 990);
    assert_false(out.has_required);
    assert_int_equal(out.outcome, STI_FORECAST_EXPECTED_TO_MEET);
    in = s_hitech(2023, 700);
    in.target = 578; // target == baseline, not met: no score
    sti_forecast_compute(&in, &out);
    assert_int_equal(out.outcome, STI_FORECAST_ACHIEVED);
    in.latest = 500;
    sti_forecast_compute(&in, &out);
    assert_false(out.has_score);
    assert_int_equal(out.outcome, STI_FORECAST_STAGNATION_OR_REGRESSION);
}

static void test_names_and_times(void **state)
{
    (void)state;
    sti_forecast_class_t outcome;
    assert_int_equal(sti_forecast_class_parse("needs_acceleration", &outcome), 0);
    assert_int_equal(outcome, STI_FORECAST_NEEDS_ACCELERATION);
    assert_int_equal(sti_forecast_class_parse("lagging", &outcome), -1);
    assert_string_equal(sti_forecast_method_name(STI_FORECAST_LINEAR), "linear");
    sti_period_t year = {2023, STI_PERIOD_YEAR, 0}, quarter = {2023, STI_PERIOD_QUARTER, 2},
                 month = {2023, STI_PERIOD_MONTH, 3};
    S_CLOSE(sti_forecast_time(&year), 2023);
    S_CLOSE(sti_forecast_time(&quarter), 2022.5);
    S_CLOSE(sti_forecast_time(&month), 2023 - 9.0 / 12.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_series),     cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_down_direction),    cmocka_unit_test(test_linear_fallback),
        cmocka_unit_test(test_insufficient_data), cmocka_unit_test(test_achieved_and_end),
        cmocka_unit_test(test_names_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
