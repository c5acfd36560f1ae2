/*  notify_match: the evaluator's decisions. See notify_match.h.

    A crossing needs a value before: the event's own old value (a revision
    of the same period), else the latest value notify saw for an earlier
    period of the indicator at that org unit. Without one, nothing has been
    crossed: the first value ever seen does not fire crosses_above.
*/
#include "notify_match.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_period.h"

static bool s_prev(const notify_alert_event_t *event, const notify_latest_t *latest, double *prev)
{
    if (event->has_old) {
        *prev = event->old;
        return true;
    }
    sti_period_t mine, theirs;
    char err[128];
    if (latest && latest->known &&
        sti_period_parse(event->period, strlen(event->period), &mine, err, sizeof err) == 0 &&
        sti_period_parse(latest->period, strlen(latest->period), &theirs, err, sizeof err) == 0 &&
        sti_period_compare(&theirs, &mine) < 0) {
        *prev = latest->value;
        return true;
    }
    return false;
}

static bool s_status_changed(const notify_rule_t *rule, const notify_alert_event_t *event)
{
    if (!*event->status_after || strcmp(event->status_before, event->status_after) == 0) {
        return false;
    }
    if (rule->status_count == 0) {
        return true;
    }
    for (size_t i = 0; i < rule->status_count; i++) {
        if (strcmp(rule->statuses[i], event->status_after) == 0) {
            return true;
        }
    }
    return false;
}

bool notify_condition_holds(const notify_rule_t *rule, const notify_alert_event_t *event,
                            const notify_latest_t *latest)
{
    double prev = 0;
    switch (rule->when) {
    case NOTIFY_WHEN_ANY:
        return true;
    case NOTIFY_WHEN_STATUS_CHANGED:
        return s_status_changed(rule, event);
    case NOTIFY_WHEN_ACHIEVED:
        return strcmp(event->status_after, "achieved") == 0 &&
               strcmp(event->status_before, "achieved") != 0;
    case NOTIFY_WHEN_CROSSES_ABOVE:
        return event->has_new && s_prev(event, latest, &prev) && prev < rule->threshold &&
               event->new_value >= rule->threshold;
    case NOTIFY_WHEN_CROSSES_BELOW:
        return event->has_new && s_prev(event, latest, &prev) && prev > rule->threshold &&
               event->new_value <= rule->threshold;
    case NOTIFY_WHEN_STALE:
        return false; // judged by the timer, not by events
    case NOTIFY_WHEN_FORECAST_MISS:
        //  An indicator.forecast_changed event keeps its classes as statuses.
        return strcmp(event->type, "indicator.forecast_changed") == 0 &&
               strcmp(event->status_before, event->status_after) != 0 &&
               (strcmp(event->status_after, "needs_acceleration") == 0 ||
                strcmp(event->status_after, "stagnation_or_regression") == 0);
    case NOTIFY_WHEN_MILESTONE_LATE:
        return strcmp(event->type, "project.milestone_late") == 0;
    case NOTIFY_WHEN_OVERDUE:
        return strcmp(event->type, "duty.overdue") == 0;
    }
    return false;
}

bool notify_silenced(const notify_silence_t *silences, size_t count, const notify_rule_t *rule,
                     const notify_alert_event_t *event, int64_t now_ms)
{
    notify_silence_match_t match = {rule->id,
                                    *event->indicator ? event->indicator : NULL,
                                    *event->org ? event->org : NULL,
                                    *event->category ? event->category : NULL,
                                    rule->severity,
                                    now_ms};
    for (size_t i = 0; i < count; i++) {
        if (notify_silence_matches(&silences[i], &match)) {
            return true;
        }
    }
    return false;
}

char *notify_label(const notify_alert_event_t *event, char *out, size_t cap)
{
    if (*event->indicator) {
        snprintf(out, cap, "%s/%s/%s", event->indicator, event->org, event->period);
    } else {
        snprintf(out, cap, "%s/%s/%s", event->type, event->category, event->period);
    }
    return out;
}

static const char *s_label_value(const notify_alert_event_t *event, const char *label)
{
    return strcmp(label, "indicator") == 0  ? event->indicator
           : strcmp(label, "org") == 0      ? event->org
           : strcmp(label, "period") == 0   ? event->period
           : strcmp(label, "category") == 0 ? event->category
                                            : "";
}

char *notify_group_id(const notify_rule_t *rule, const notify_alert_event_t *event, char *out,
                      size_t cap)
{
    crypto_generichash_state state;
    unsigned char hash[8];
    char hex[2 * sizeof hash + 1];
    crypto_generichash_init(&state, NULL, 0, sizeof hash);
    for (size_t i = 0; i < rule->group_by_count; i++) {
        const char *value = s_label_value(event, rule->group_by[i]);
        crypto_generichash_update(&state, (const unsigned char *)value, strlen(value) + 1);
    }
    crypto_generichash_final(&state, hash, sizeof hash);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    snprintf(out, cap, "%s-%s", rule->id, hex);
    return out;
}
