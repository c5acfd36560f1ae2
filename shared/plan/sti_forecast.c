/*  sti_forecast: the anticipated-progress projection. See sti_forecast.h.

    Comparisons with the class boundaries and the target allow a relative
    slack of 1e-9, as sti_progress does, so that a score computed exactly
    on a boundary falls on the side the definition puts it.
*/
#include "sti_forecast.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define S_EPSILON 1e-9

static const char *const s_class_names[] = {"no_target",          "insufficient_data",
                                            "achieved",           "expected_to_meet",
                                            "needs_acceleration", "stagnation_or_regression"};

//  Whether value has reached target in the direction.
static bool s_reached(sti_direction_t direction, double value, double target)
{
    double slack = S_EPSILON * fmax(1.0, fabs(target));
    return direction == STI_DIRECTION_DOWN ? value <= target + slack : value >= target - slack;
}

//  The trend from (t0, v0) to (t, vt), projected to T, and the rate still
//  required to reach the target by T.
static void s_project(const sti_forecast_input_t *in, sti_forecast_t *out)
{
    double span = in->latest_time - in->baseline_time, left = in->end_time - in->latest_time;
    if (left < 0) {
        left = 0; // a figure after the plan's end stands as it is
    }
    bool linear =
        in->linear || in->baseline <= 0 || in->latest <= 0 || (in->has_target && in->target <= 0);
    out->method = linear ? STI_FORECAST_LINEAR : STI_FORECAST_CAGR;
    out->has_rate = out->has_projection = true;
    if (linear) {
        out->rate = (in->latest - in->baseline) / span;
        out->projection = in->latest + out->rate * left;
    } else {
        out->rate = pow(in->latest / in->baseline, 1.0 / span) - 1;
        out->projection = in->latest * pow(1 + out->rate, left);
    }
    if (in->has_target && left > 0) {
        out->has_required = true;
        out->required = linear ? (in->target - in->latest) / left
                               : pow(in->target / in->latest, 1.0 / left) - 1;
    }
}

//  The class of a projection that has not reached the target yet.
static sti_forecast_class_t s_classify(const sti_forecast_input_t *in, sti_forecast_t *out)
{
    double span = in->target - in->baseline;
    if (fabs(span) <= S_EPSILON * fmax(1.0, fabs(in->target))) {
        return s_reached(in->direction, out->projection, in->target)
                   ? STI_FORECAST_EXPECTED_TO_MEET
                   : STI_FORECAST_STAGNATION_OR_REGRESSION;
    }
    out->has_score = true;
    out->score = (out->projection - in->baseline) / span;
    if (out->score >= STI_FORECAST_MEET - S_EPSILON) {
        return STI_FORECAST_EXPECTED_TO_MEET;
    }
    if (out->score >= STI_FORECAST_STAGNANT - S_EPSILON) {
        return STI_FORECAST_NEEDS_ACCELERATION;
    }
    return STI_FORECAST_STAGNATION_OR_REGRESSION;
}

void sti_forecast_compute(const sti_forecast_input_t *in, sti_forecast_t *out)
{
    assert(in && out);
    memset(out, 0, sizeof *out);
    bool two = in->has_baseline && in->has_latest && in->latest_time > in->baseline_time &&
               isfinite(in->baseline) && isfinite(in->latest);
    if (two) {
        s_project(in, out);
    }
    if (!in->has_target) {
        out->outcome = STI_FORECAST_NO_TARGET;
    } else if (in->has_latest && s_reached(in->direction, in->latest, in->target)) {
        out->outcome = STI_FORECAST_ACHIEVED;
        out->has_required = false; // nothing is left to grow
    } else if (!two || !isfinite(out->projection)) {
        out->outcome = STI_FORECAST_INSUFFICIENT_DATA;
        out->has_projection = out->has_rate = out->has_required = false;
    } else {
        out->outcome = s_classify(in, out);
    }
}

double sti_forecast_time(const sti_period_t *period)
{
    assert(period);
    int year, month, day;
    sti_period_end_date(period, &year, &month, &day);
    return (double)year - (double)(12 - month) / 12.0;
}

const char *sti_forecast_class_name(sti_forecast_class_t outcome)
{
    size_t index = (size_t)outcome;
    return index < sizeof s_class_names / sizeof *s_class_names ? s_class_names[index]
                                                                : "insufficient_data";
}

int sti_forecast_class_parse(const char *text, sti_forecast_class_t *outcome)
{
    assert(text && outcome);
    for (size_t i = 0; i < sizeof s_class_names / sizeof *s_class_names; i++) {
        if (strcmp(text, s_class_names[i]) == 0) {
            *outcome = (sti_forecast_class_t)i;
            return 0;
        }
    }
    return -1;
}

const char *sti_forecast_method_name(sti_forecast_method_t method)
{
    return method == STI_FORECAST_LINEAR ? "linear" : "cagr";
}
