/*  sti_progress: how far an indicator has come. See sti_progress.h.

    Comparisons allow a relative slack of 1e-9 so that a value exactly on a
    boundary (completion equal to expected completion, computed along two
    different paths) falls on the side the definition puts it.
*/
#include "sti_progress.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define S_EPSILON 1e-9

static const char *s_status_names[] = {"no_target", "no_data", "achieved",
                                       "on_track",  "lagging", "at_risk"};

//  Whether value has reached target in the direction.
static bool s_reached(sti_direction_t direction, double value, double target)
{
    double slack = S_EPSILON * fmax(1.0, fabs(target));
    return direction == STI_DIRECTION_DOWN ? value <= target + slack : value >= target - slack;
}

//  E(y): the year's own target, else the straight line, clamped to the ends.
static double s_expected_value(const sti_progress_input_t *in)
{
    if (in->has_year_target) {
        return in->year_target;
    }
    if (in->year <= in->baseline_year) {
        return in->baseline;
    }
    if (in->year >= in->target_year) {
        return in->target;
    }
    double share =
        (double)(in->year - in->baseline_year) / (double)(in->target_year - in->baseline_year);
    return in->baseline + (in->target - in->baseline) * share;
}

void sti_progress_compute(const sti_progress_input_t *in, sti_progress_t *out)
{
    assert(in && out);
    memset(out, 0, sizeof *out);
    if (!in->has_target || !in->has_baseline) {
        out->status = STI_STATUS_NO_TARGET;
        return;
    }
    double span = in->target - in->baseline;
    out->has_expected = true;
    out->expected_value = s_expected_value(in);
    out->expected_completion = span == 0 ? 1.0 : (out->expected_value - in->baseline) / span;
    if (!in->has_value) {
        out->status = STI_STATUS_NO_DATA;
        return;
    }
    bool reached = s_reached(in->direction, in->value, in->target);
    out->has_completion = true;
    out->completion = span == 0 ? (reached ? 1.0 : 0.0) : (in->value - in->baseline) / span;
    double gap = out->expected_completion - out->completion;
    if (reached) {
        out->status = STI_STATUS_ACHIEVED;
    } else if (gap <= S_EPSILON) {
        out->status = STI_STATUS_ON_TRACK;
    } else if (gap <= in->tolerance + S_EPSILON) {
        out->status = STI_STATUS_LAGGING;
    } else {
        out->status = STI_STATUS_AT_RISK;
    }
}

const char *sti_status_name(sti_status_t status)
{
    assert((unsigned)status <= STI_STATUS_AT_RISK);
    return s_status_names[status];
}

int sti_status_parse(const char *text, sti_status_t *status)
{
    for (int i = 0; text && i <= STI_STATUS_AT_RISK; i++) {
        if (strcmp(text, s_status_names[i]) == 0) {
            *status = (sti_status_t)i;
            return 0;
        }
    }
    return -1;
}

const char *sti_status_zh(const char *code)
{
    static const char *const words[][2] = {
        {"on_track", "正常"},
        {"lagging", "滞后"},
        {"at_risk", "有风险"},
        {"achieved", "已完成"},
        {"no_data", "无数据"},
        {"no_target", "无目标"},
        {"expected_to_meet", "预计达标"},
        {"needs_acceleration", "需加快"},
        {"stagnation_or_regression", "停滞或倒退"},
        {"insufficient_data", "数据不足"},
    };
    for (size_t i = 0; code && i < sizeof words / sizeof words[0]; i++) {
        if (strcmp(words[i][0], code) == 0) {
            return words[i][1];
        }
    }
    return code ? code : "";
}

const char *sti_direction_name(sti_direction_t direction)
{
    return direction == STI_DIRECTION_DOWN ? "down" : "up";
}

int sti_direction_parse(const char *text, sti_direction_t *direction)
{
    if (text && strcmp(text, "up") == 0) {
        *direction = STI_DIRECTION_UP;
        return 0;
    }
    if (text && strcmp(text, "down") == 0) {
        *direction = STI_DIRECTION_DOWN;
        return 0;
    }
    return -1;
}
