/*  sti_progress: how far an indicator has come towards its target.

    For year y, baseline B (of the baseline year), final target T (of the
    final year) and latest value V:
      completion          = (V - B) / (T - B)
      expected value E(y) = the year's own target if set, else the straight
                            line from (baseline year, B) to (final year, T),
                            held at B before the baseline year and at T after
                            the final year
      expected completion = (E - B) / (T - B)
    Status: `achieved` when V has reached T in the indicator's direction (up:
    V >= T, down: V <= T); `on_track` when completion >= expected completion;
    `lagging` when completion is at most the tolerance below it; `at_risk`
    below that; `no_target` without T or without B; `no_data` without V.
    When T == B the target is reached from the start: completion is 1 once V
    has reached T and 0 otherwise, and expected completion is 1.
    Pure arithmetic: no allocation, no I/O.
*/
#pragma once
#include <stdbool.h>

#define STI_PROGRESS_TOLERANCE 0.10 // the default tolerance of `lagging`

typedef enum {
    STI_DIRECTION_UP = 0, // higher is better
    STI_DIRECTION_DOWN,   // lower is better (a ranking)
} sti_direction_t;

typedef enum {
    STI_STATUS_NO_TARGET = 0, // no final target, or no baseline to measure from
    STI_STATUS_NO_DATA,       // no latest value
    STI_STATUS_ACHIEVED,      // the latest value has reached the final target
    STI_STATUS_ON_TRACK,      // completion at or above expected completion
    STI_STATUS_LAGGING,       // below, by at most the tolerance
    STI_STATUS_AT_RISK,       // below by more than the tolerance
} sti_status_t;

//  What progress is computed from.
typedef struct {
    sti_direction_t direction; // the indicator's direction
    int year;                  // the year y progress is asked for
    bool has_baseline;         // whether B is known
    int baseline_year;         // the year of B
    double baseline;           // B
    bool has_target;           // whether a final target is set
    int target_year;           // the year of the final target
    double target;             // T
    bool has_year_target;      // whether year y has a target of its own
    double year_target;        // that target
    bool has_value;            // whether V is known
    double value;              // V, the latest value for year y
    double tolerance;          // how far below expected is `lagging` (use STI_PROGRESS_TOLERANCE)
} sti_progress_input_t;

//  The result.
typedef struct {
    sti_status_t status;        // see above
    bool has_completion;        // false for no_target and no_data
    double completion;          // (V - B) / (T - B)
    bool has_expected;          // false for no_target
    double expected_value;      // E(y)
    double expected_completion; // (E - B) / (T - B)
} sti_progress_t;

//  Computes progress. Never fails: missing inputs give no_target / no_data.
void sti_progress_compute(const sti_progress_input_t *input, sti_progress_t *out);

//  "achieved", "on_track", "lagging", "at_risk", "no_data", "no_target".
const char *sti_status_name(sti_status_t status);
//  Parses a status name. Returns 0, or -1 if unknown.
int sti_status_parse(const char *text, sti_status_t *status);
//  The Chinese word of a status or a forecast class (sti_forecast): 正常,
//  滞后, 有风险, 已完成, 无数据, 无目标, 预计达标, 需加快, 停滞或倒退,
//  数据不足; the code itself when it has none, "" for NULL.
const char *sti_status_zh(const char *code);
//  "up" or "down".
const char *sti_direction_name(sti_direction_t direction);
//  Parses "up" or "down". Returns 0, or -1 if neither.
int sti_direction_parse(const char *text, sti_direction_t *direction);
