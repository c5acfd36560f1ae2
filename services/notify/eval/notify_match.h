/*  notify_match: the decisions of the evaluator, without I/O.

    Whether a rule's condition holds for an event (given what notify knows
    of the indicator's latest value), whether a silence holds an alert, how
    an alert is labelled and grouped (when an indicator is stale:
    notify_latest). Kept apart from the evaluator's Redis and socket work so
    it can be tested alone.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "notify_alert.h"
#include "notify_latest.h"
#include "notify_rule.h"
#include "notify_silence.h"

//  Whether rule's condition holds for event. latest is what was known
//  before the event (may be NULL): the value before is the event's old
//  value, else the latest value of an earlier period.
bool notify_condition_holds(const notify_rule_t *rule, const notify_alert_event_t *event,
                            const notify_latest_t *latest);

//  Whether any silence of the count given holds the rule's alert for event at now_ms.
bool notify_silenced(const notify_silence_t *silences, size_t count, const notify_rule_t *rule,
                     const notify_alert_event_t *event, int64_t now_ms);

//  "indicator/org/period" (or "type/category/id" for talent). Returns out.
char *notify_label(const notify_alert_event_t *event, char *out, size_t cap);

//  The group id of the rule's alert for event: "<rule>-<16 hex digits of a
//  hash of the group_by labels' values>". Returns out (cap >= 64).
char *notify_group_id(const notify_rule_t *rule, const notify_alert_event_t *event, char *out,
                      size_t cap);
