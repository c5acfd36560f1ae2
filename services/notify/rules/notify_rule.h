/*  notify_rule: what a rule is, how it is read, checked, written and matched.

    A rule names the events it looks at (event type, indicator codes or a
    code prefix, org units, talent categories or project kinds), a
    condition, a severity, its receivers, and how its alerts are grouped
    (group_by labels, group_wait, group_interval, repeat_interval, as
    Prometheus Alertmanager uses them). Indicator events take every
    condition but milestone_late; talent events take only `any`; project
    events (project.status_changed, project.milestone_late) `any` and
    `milestone_late`, which is also the condition that makes a rule's event
    default to project.milestone_late; duty.overdue events (a report past its
    due date with nothing received) `any` and `overdue`, which makes a
    rule's event default to duty.overdue.

    The same MessagePack map is the body of rule.add, the value kept in
    Redis and (with the receivers' secrets masked) what rule.get answers:

      {name, event, indicators: [..], prefix, orgs: [..], categories: [..],
       when: "crosses_above:100", severity, to: ["webhook:URL#SECRET", ..],
       group_by: [..], group_wait, group_interval, repeat_interval}

    plus {id, created} once stored. Durations are integers in milliseconds.
    notify_rule_args declares the keys (sti_op.h): it is the body of rule.add
    and the shape every read checks first. Reading checks everything that
    can be checked without the catalog; the caller checks the indicator
    codes against it.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "notify_channel.h"
#include "sti_codec.h"
#include "sti_op.h"

#define NOTIFY_RULE_ID_MAX 32    // "r-<n>"
#define NOTIFY_RULE_NAME_MAX 128 // bytes of a rule's name
#define NOTIFY_RULE_CODE_MAX 64  // an indicator, org unit or category code
#define NOTIFY_RULE_LIST_MAX 32  // codes of one kind in a rule
#define NOTIFY_RULE_STATUSES 8   // statuses a status_changed condition lists
#define NOTIFY_RULE_RECEIVERS 8  // receivers of one rule
#define NOTIFY_RULE_LABELS 4     // group_by labels
#define NOTIFY_RULE_DURATION_MAX_MS (30LL * 86400 * 1000) // group_wait, ...: at most 30 days
#define NOTIFY_SPEC_MAX (NOTIFY_TARGET_MAX + NOTIFY_SECRET_MAX + 16) // a receiver spec

typedef enum {
    NOTIFY_WHEN_ANY = 0,        // every matching event
    NOTIFY_WHEN_STATUS_CHANGED, // status_before != status_after (optionally to listed ones)
    NOTIFY_WHEN_CROSSES_ABOVE,  // the value went from below threshold to at or above it
    NOTIFY_WHEN_CROSSES_BELOW,  // the value went from above threshold to at or below it
    NOTIFY_WHEN_ACHIEVED,       // the status became "achieved"
    NOTIFY_WHEN_STALE,          // no new value within stale_days of the latest period's end
    NOTIFY_WHEN_FORECAST_MISS,  // a forecast's class became needs_acceleration or stagnation_...
    NOTIFY_WHEN_MILESTONE_LATE, // a project's milestone passed its due date undone
    NOTIFY_WHEN_OVERDUE,        // a reporting duty passed its due date with nothing received
} notify_when_t;

//  One rule. A plain value (large: allocate it).
typedef struct {
    char id[NOTIFY_RULE_ID_MAX];         // "r-7"
    char name[NOTIFY_RULE_NAME_MAX + 1]; // the operator's name
    char event[64];                      // "indicator.changed", "talent.*", ...
    char indicators[NOTIFY_RULE_LIST_MAX][NOTIFY_RULE_CODE_MAX]; // indicator codes, none: all
    size_t indicator_count;                                      // how many
    char prefix[NOTIFY_RULE_CODE_MAX];                     // indicator code prefix, "" for none
    char orgs[NOTIFY_RULE_LIST_MAX][NOTIFY_RULE_CODE_MAX]; // org units, none: all
    size_t org_count;                                      // how many
    char categories[NOTIFY_RULE_LIST_MAX][NOTIFY_RULE_CODE_MAX]; // talent categories or project
                                                                 // kinds, none: all
    size_t category_count;                                       // how many
    char when_text[256];                                         // the condition as written
    notify_when_t when;                                          // the condition's kind
    double threshold;                                            // crosses_above / crosses_below
    int64_t stale_days;                                          // stale
    char statuses[NOTIFY_RULE_STATUSES][16];                     // status_changed targets
    size_t status_count;                                         // how many, 0: any change
    char severity[16];                                           // info, warning, critical
    char lang[8];                                                // zh, en or zh,en (the default)
    char to[NOTIFY_RULE_RECEIVERS][NOTIFY_SPEC_MAX];             // receiver specs, secrets included
    size_t to_count;                                             // how many (at least 1)
    char group_by[NOTIFY_RULE_LABELS][16]; // labels: indicator, org, period, category
    size_t group_by_count;                 // how many
    int64_t group_wait_ms;                 // wait before a group's first message
    int64_t group_interval_ms;             // wait before a group's next message
    int64_t repeat_interval_ms;            // re-send a still-stale alert after this
    int64_t created_ms;                    // when it was added
} notify_rule_t;

//  What one event offers to the matcher.
typedef struct {
    const char *type;      // "indicator.changed", "talent.registered", ...
    const char *indicator; // indicator code, NULL for talent events
    const char *org;       // org unit, NULL when none
    const char *category;  // talent category or project kind, NULL when none
} notify_match_t;

//  The keys of a rule as rule.add takes it (ending in {NULL}).
extern const sti_arg_t notify_rule_args[];

//  Reads a rule from a request body or a stored value (id and created are
//  read when present): its shape against notify_rule_args (sti_op_check's
//  wording), then the codes, the event, the condition, the severity, the
//  receivers and the labels. Returns 0, or -1 with err naming the field
//  and the reason.
int notify_rule_read(sti_node_t map, notify_rule_t *rule, sti_field_error_t *err);

//  Parses a condition ("status_changed:lagging,at_risk", "crosses_above:100",
//  "achieved", "stale:90", "any") into rule. Returns 0, or -1 with a reason.
int notify_rule_parse_when(notify_rule_t *rule, const char *text, char *err, size_t errlen);

//  Writes the rule's map. mask: receivers with their secrets masked (for
//  answers); else as stored.
void notify_rule_write(const notify_rule_t *rule, sti_writer_t *writer, bool mask);

//  True when the rule's condition is about status (status_changed, achieved).
bool notify_rule_on_status(const notify_rule_t *rule);

//  True when the rule looks at this event (type, indicator, org, category).
bool notify_rule_matches(const notify_rule_t *rule, const notify_match_t *match);

//  True when the rule's alerts are grouped (group_wait or group_interval set).
bool notify_rule_grouped(const notify_rule_t *rule);

//  True when the rule's event pattern covers talent events.
bool notify_rule_talent(const notify_rule_t *rule);
//  True when the rule's event pattern covers project events.
bool notify_rule_project(const notify_rule_t *rule);
