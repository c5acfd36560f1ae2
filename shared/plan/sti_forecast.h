/*  sti_forecast: where an indicator will land at the plan's end, and
    whether that meets its target (the plan's early warning, 预警).

    The UN Statistics Division's anticipated-progress method (SDG progress
    chart, technical note; docs/forecast.md), from the baseline (t0, v0) and
    the latest value (t, vt) to the plan's end year T:
      actual growth rate  CAGR_a = (vt / v0)^(1 / (t - t0)) - 1
      projection          vT     = vt * (1 + CAGR_a)^(T - t)
      score               s      = (vT - v0) / (target - v0)
      required rate       CAGR_r = (target / vt)^(1 / (T - t)) - 1
    Class: `achieved` when vt has reached the target in the indicator's
    direction (up: vt >= target, down: vt <= target); else
    `expected_to_meet` when s >= 0.95, `needs_acceleration` when
    0.10 <= s < 0.95, `stagnation_or_regression` when s < 0.10. The score
    needs no mirroring for direction `down`: target - v0 is then negative,
    so a fall towards the target is a positive score.

    A linear trend replaces the growth rate for a rank (the caller says so)
    and whenever v0, vt or the target is zero or negative (a growth rate is
    not defined there): rate a = (vt - v0) / (t - t0) per year,
    vT = vt + a * (T - t), required rate (target - vt) / (T - t) per year.

    `insufficient_data` with fewer than two values (no baseline, no latest
    value, or the latest is not after the baseline); `no_target` without a
    target. When the target equals the baseline the score is not defined:
    the class is expected_to_meet when vT reaches the target, else
    stagnation_or_regression. When the latest value is at the plan's end
    (t >= T) the projection is vt and no rate is required.

    Times are in years, a year's figure at its year: 2023 is 2023.0, 2023Q2
    (ending half a year before 2023 ends) 2022.5 (sti_forecast_time).
    Pure arithmetic: no allocation, no I/O.
*/
#pragma once
#include <stdbool.h>

#include "sti_period.h"
#include "sti_progress.h"

#define STI_FORECAST_MEET 0.95    // a score at or above: expected_to_meet
#define STI_FORECAST_STAGNANT 0.1 // a score below: stagnation_or_regression

typedef enum {
    STI_FORECAST_NO_TARGET = 0,            // no target to project towards
    STI_FORECAST_INSUFFICIENT_DATA,        // fewer than two values
    STI_FORECAST_ACHIEVED,                 // the latest value has reached the target
    STI_FORECAST_EXPECTED_TO_MEET,         // score >= 0.95
    STI_FORECAST_NEEDS_ACCELERATION,       // 0.10 <= score < 0.95
    STI_FORECAST_STAGNATION_OR_REGRESSION, // score < 0.10
} sti_forecast_class_t;

typedef enum {
    STI_FORECAST_CAGR = 0, // compound annual growth rate
    STI_FORECAST_LINEAR,   // straight line (ranks; a zero or negative value)
} sti_forecast_method_t;

//  What a forecast is computed from.
typedef struct {
    sti_direction_t direction; // the indicator's direction
    bool linear;               // a linear trend whatever the values (a rank)
    bool has_baseline;         // whether v0 is known
    double baseline_time;      // t0
    double baseline;           // v0
    bool has_latest;           // whether vt is known
    double latest_time;        // t
    double latest;             // vt
    bool has_target;           // whether a target is set
    double target;             // the final target
    double end_time;           // T, the plan's end year
} sti_forecast_input_t;

//  The result.
typedef struct {
    sti_forecast_class_t outcome; // the class (see above)
    sti_forecast_method_t method; // how the trend was taken
    bool has_projection;          // false without two values
    double projection;            // vT
    bool has_score;               // false without a projection or when target == v0
    double score;                 // (vT - v0) / (target - v0)
    bool has_rate;                // false without two values
    double rate;                  // CAGR_a (a fraction), or a per year (in the unit)
    bool has_required;            // false without a target, a latest value, or time left
    double required;              // CAGR_r (a fraction), or per year (in the unit)
} sti_forecast_t;

//  Computes a forecast. Never fails: missing inputs give no_target or
//  insufficient_data.
void sti_forecast_compute(const sti_forecast_input_t *input, sti_forecast_t *out);

//  The time of a period's figure in years: its year, less the part of the
//  year after the period ends (2023 -> 2023.0, 2023Q2 -> 2022.5).
double sti_forecast_time(const sti_period_t *period);

//  "achieved", "expected_to_meet", "needs_acceleration",
//  "stagnation_or_regression", "insufficient_data", "no_target".
const char *sti_forecast_class_name(sti_forecast_class_t outcome);
//  Parses a class name. Returns 0, or -1 if unknown.
int sti_forecast_class_parse(const char *text, sti_forecast_class_t *outcome);
//  "cagr" or "linear".
const char *sti_forecast_method_name(sti_forecast_method_t method);
