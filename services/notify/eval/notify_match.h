/*  notify_match: the decisions of the evaluator, without I/O.

    Whether a rule's condition holds for an event (given what notify knows
    of the indicator's latest value), whether a silence holds an alert, how
    an alert is labelled and grouped, and when an indicator is stale. Kept
    apart from the evaluator's Redis and socket work so it can be tested
    alone.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "notify_alert.h"
#include "notify_rule.h"
#include "notify_silence.h"

//  What notify last saw of an indicator at an org unit: the latest period
//  with a value, the value and when it came (kept in <ns>:notify:latest as
//  "<period>|<value>|<ms>", field "<indicator>|<org>").
typedef struct {
    bool known;         // whether anything was seen
    char period[16];    // the latest period
    double value;       // its value
    int64_t seen_ms;    // when that value came
} notify_latest_t;

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

//  The field of <ns>:notify:latest for an indicator at an org unit.
char *notify_latest_field(const char *indicator, const char *org, char *out, size_t cap);
//  Parses a stored value. Returns 0, or -1 (then latest->known is false).
int notify_latest_parse(const char *text, size_t len, notify_latest_t *latest);
//  Writes the stored value. Returns out.
char *notify_latest_format(const notify_latest_t *latest, char *out, size_t cap);
//  Whether event's period is at least as late as latest's: then it becomes the latest.
bool notify_latest_newer(const notify_latest_t *latest, const char *period);
//  Whether the latest period ended more than days ago at now_s (seconds).
bool notify_latest_stale(const notify_latest_t *latest, int64_t days, int64_t now_s);
