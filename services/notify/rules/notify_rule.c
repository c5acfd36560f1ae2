/*  notify_rule: reading, checking, writing and matching rules.
    See notify_rule.h.

    Reading is strict: the shape of the map (its keys, their types, the
    lengths and ranges) is checked against the declaration, notify_rule_args,
    in the wording every op answers with (sti_op); what a declaration cannot
    say (codes of [A-Za-z0-9_.-], the event types, the condition, the
    severities, the receivers, the labels) is checked here, with the field's
    name, so `stictl rule add` can say exactly what is wrong. A stored rule
    is read the same way, with its id and created. Nothing is allocated but
    the receivers' scratch.
*/
#include "notify_rule.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_receiver.h"
#include "sti_plan_text.h"

#define S_FORECAST_EVENT "indicator.forecast_changed" // the forecast events' type
#define S_OVERDUE_EVENT "duty.overdue"                // a report past due, nothing received

static const char *const s_statuses[] = {"achieved", "on_track",  "lagging", "at_risk",
                                         "no_data",  "no_target", NULL};
static const char *const s_labels[] = {"indicator", "org", "period", "category", NULL};
static const char *const s_severities[] = {"info", "warning", "critical", NULL};

static const sti_arg_t s_code = {
    NULL, STI_ARG_STR, STI_REQUIRED, 1, NOTIFY_RULE_CODE_MAX - 1, NULL, "a code of [A-Za-z0-9_.-]"};
static const sti_arg_t s_label = {NULL,
                                  STI_ARG_STR,
                                  STI_REQUIRED,
                                  1,
                                  NOTIFY_RULE_CODE_MAX - 1,
                                  NULL,
                                  "indicator, org, period or category"};
static const sti_arg_t s_spec = {NULL,
                                 STI_ARG_STR,
                                 STI_REQUIRED,
                                 0,
                                 NOTIFY_SPEC_MAX - 1,
                                 NULL,
                                 "webhook:URL[#SECRET], email:ADDRESS, dingtalk:URL[#SECRET] "
                                 "or wecom:URL"};

//  The keys of a rule, as rule.add takes them and as it is stored.
// clang-format off
#define S_RULE_KEYS \
    {"name", STI_ARG_STR, STI_REQUIRED, 1, NOTIFY_RULE_NAME_MAX, NULL, \
     "the rule's name, for people"}, \
    {"event", STI_ARG_STR, STI_OPTIONAL, 0, 63, NULL, \
     "the events it looks at: indicator.changed (the default; with a status condition also " \
     "progress.changed, with forecast_miss indicator.forecast_changed; project.milestone_late " \
     "with the condition milestone_late), progress.changed, indicator.forecast_changed " \
     "(forecast_miss or any), org.changed (any only), talent.* or one of talent.registered, " \
     "talent.updated, talent.left, talent.removed, project.* or one of " \
     "project.status_changed, project.milestone_late; duty.overdue (overdue or any; the " \
     "default with the condition overdue)"}, \
    {"indicators", STI_ARG_ARRAY, STI_OPTIONAL, 0, NOTIFY_RULE_LIST_MAX, &s_code, \
     "indicator codes, each in the catalog (none: all)"}, \
    {"prefix", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_CODE_MAX - 1, NULL, \
     "only indicators whose code starts with it; some indicator of the catalog must"}, \
    {"orgs", STI_ARG_ARRAY, STI_OPTIONAL, 0, NOTIFY_RULE_LIST_MAX, &s_code, \
     "org units (none: all); for indicator events each must be in the catalog"}, \
    {"categories", STI_ARG_ARRAY, STI_OPTIONAL, 0, NOTIFY_RULE_LIST_MAX, &s_code, \
     "talent categories, or for project rules project kinds (none: all); not for indicator " \
     "rules"}, \
    {"when", STI_ARG_STR, STI_REQUIRED, 0, 255, NULL, \
     "the condition: status_changed, status_changed:STATUS[,STATUS...] (achieved, " \
     "on_track, lagging, at_risk, no_data, no_target), crosses_above:V, crosses_below:V, " \
     "achieved, stale:DAYS (1 to 3660), forecast_miss (a forecast's class became " \
     "needs_acceleration or stagnation_or_regression), milestone_late (project events), " \
     "overdue (a report past its due date with nothing received: duty.overdue events) or " \
     "any (the only one for talent events)"}, \
    {"severity", STI_ARG_STR, STI_OPTIONAL, 0, 15, NULL, \
     "info, warning (the default) or critical"}, \
    {"lang", STI_ARG_STR, STI_OPTIONAL, 0, 7, NULL, \
     "the messages' language: zh (Chinese), en (English) or zh,en (the default: Chinese, " \
     "then English)"}, \
    {"to", STI_ARG_ARRAY, STI_REQUIRED, 1, NOTIFY_RULE_RECEIVERS, &s_spec, \
     "the receivers (docs/notify.md, \"Receiver specs\")"}, \
    {"group_by", STI_ARG_ARRAY, STI_OPTIONAL, 0, NOTIFY_RULE_LABELS, &s_label, \
     "the labels whose values group its alerts (none: one group per rule)"}, \
    {"group_wait", STI_ARG_INT, STI_OPTIONAL, 0, NOTIFY_RULE_DURATION_MAX_MS, NULL, \
     "ms the first alert of a new group waits for others (0 with group_interval 0: " \
     "every alert on its own, at once)"}, \
    {"group_interval", STI_ARG_INT, STI_OPTIONAL, 0, NOTIFY_RULE_DURATION_MAX_MS, NULL, \
     "ms after a group's message before its next one"}, \
    {"repeat_interval", STI_ARG_INT, STI_OPTIONAL, 0, NOTIFY_RULE_DURATION_MAX_MS, NULL, \
     "ms after which a stale alert still stale is sent again (0: once)"}
// clang-format on

const sti_arg_t notify_rule_args[] = {S_RULE_KEYS, STI_ARGS_END};

static const sti_arg_t s_stored_args[] = {
    {"id", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_ID_MAX - 1, NULL, "r-<n>"},
    S_RULE_KEYS,
    {"created", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, "ms since 1970"},
    STI_ARGS_END,
};
static const sti_op_decl_t s_stored = {"rule", NULL, 0, s_stored_args, NULL, NULL, NULL};

static bool s_in(const char *const *list, const char *text)
{
    for (; *list; list++) {
        if (strcmp(*list, text) == 0) {
            return true;
        }
    }
    return false;
}

//  A code: [A-Za-z0-9_.-] (its length is the declaration's).
static bool s_code_valid(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') {
            return false;
        }
    }
    return true;
}

__attribute__((format(printf, 3, 4))) static int s_fail(sti_field_error_t *err, const char *field,
                                                        const char *format, ...)
{
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list args;
    va_start(args, format);
    vsnprintf(err->reason, sizeof err->reason, format, args);
    va_end(args);
    return -1;
}

//  Copies the string under key into buf, or fallback when it is absent.
//  The shape was checked: only a NUL byte in it fails (-1 with err).
static int s_copy(sti_node_t map, const char *key, char *buf, size_t cap, const char *fallback,
                  sti_field_error_t *err)
{
    sti_node_t node = sti_node_get(map, key);
    if (sti_node_is_missing(node)) {
        snprintf(buf, cap, "%s", fallback);
        return 0;
    }
    if (sti_node_str_copy(node, buf, cap, err) != 0) {
        snprintf(err->field, sizeof err->field, "%s", key);
        return -1;
    }
    return 0;
}

//  Copies the codes of the array under key (absent: none) into list.
//  Returns 0, or -1 with err.
static int s_read_codes(sti_node_t map, const char *key, char list[][NOTIFY_RULE_CODE_MAX],
                        size_t *count, sti_field_error_t *err)
{
    sti_node_t array = sti_node_get(map, key);
    *count = 0;
    for (size_t i = 0; !sti_node_is_missing(array) && i < sti_node_size(array); i++) {
        if (sti_node_str_copy(sti_node_at(array, i), list[i], NOTIFY_RULE_CODE_MAX, err) != 0 ||
            !s_code_valid(list[i])) {
            return s_fail(err, key, "each entry must be a code of [A-Za-z0-9_.-]%s", "");
        }
        *count = i + 1;
    }
    return 0;
}

//  Parses "S1,S2" after "status_changed:". Returns 0, or -1 with a reason.
static int s_parse_statuses(notify_rule_t *rule, const char *list, char *err, size_t errlen)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    rule->status_count = 0;
    for (char *save = NULL, *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        if (!s_in(s_statuses, s)) {
            snprintf(err, errlen,
                     "unknown status '%.32s' (achieved, on_track, lagging, at_risk, no_data, "
                     "no_target)",
                     s);
            return -1;
        }
        if (rule->status_count == NOTIFY_RULE_STATUSES) {
            snprintf(err, errlen, "at most %d statuses", NOTIFY_RULE_STATUSES);
            return -1;
        }
        snprintf(rule->statuses[rule->status_count++], sizeof rule->statuses[0], "%s", s);
    }
    if (rule->status_count == 0) {
        snprintf(err, errlen, "status_changed: needs statuses after ':' or none at all");
        return -1;
    }
    return 0;
}

//  Parses a finite number filling the whole text.
static int s_parse_number(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    *out = strtod(text, &end);
    return *text && end && *end == 0 && errno == 0 && isfinite(*out) ? 0 : -1;
}

int notify_rule_parse_when(notify_rule_t *rule, const char *text, char *err, size_t errlen)
{
    const char *colon = strchr(text, ':');
    const char *arg = colon ? colon + 1 : NULL;
    size_t head = colon ? (size_t)(colon - text) : strlen(text);
    snprintf(rule->when_text, sizeof rule->when_text, "%s", text);
    rule->status_count = 0;
    if (strlen(text) >= sizeof rule->when_text) {
        snprintf(err, errlen, "condition is too long");
        return -1;
    }
    if (head == 3 && strncmp(text, "any", 3) == 0 && !arg) {
        rule->when = NOTIFY_WHEN_ANY;
    } else if (head == 13 && strncmp(text, "forecast_miss", 13) == 0 && !arg) {
        rule->when = NOTIFY_WHEN_FORECAST_MISS;
    } else if (head == 8 && strncmp(text, "achieved", 8) == 0 && !arg) {
        rule->when = NOTIFY_WHEN_ACHIEVED;
    } else if (head == 14 && strncmp(text, "milestone_late", 14) == 0 && !arg) {
        rule->when = NOTIFY_WHEN_MILESTONE_LATE;
    } else if (head == 7 && strncmp(text, "overdue", 7) == 0 && !arg) {
        rule->when = NOTIFY_WHEN_OVERDUE;
    } else if (head == 14 && strncmp(text, "status_changed", 14) == 0) {
        rule->when = NOTIFY_WHEN_STATUS_CHANGED;
        return arg ? s_parse_statuses(rule, arg, err, errlen) : 0;
    } else if ((head == 13 && strncmp(text, "crosses_above", 13) == 0) ||
               (head == 13 && strncmp(text, "crosses_below", 13) == 0)) {
        rule->when = text[8] == 'a' ? NOTIFY_WHEN_CROSSES_ABOVE : NOTIFY_WHEN_CROSSES_BELOW;
        if (!arg || s_parse_number(arg, &rule->threshold) != 0) {
            snprintf(err, errlen, "%.13s needs a number: %.13s:V", text, text);
            return -1;
        }
    } else if (head == 5 && strncmp(text, "stale", 5) == 0) {
        rule->when = NOTIFY_WHEN_STALE;
        char *end = NULL;
        long long days = arg ? strtoll(arg, &end, 10) : 0;
        if (!arg || !*arg || *end || days < 1 || days > 3660) {
            snprintf(err, errlen, "stale needs whole days from 1 to 3660: stale:DAYS");
            return -1;
        }
        rule->stale_days = days;
    } else {
        snprintf(err, errlen,
                 "unknown condition '%.40s' (status_changed[:STATUS,...], crosses_above:V, "
                 "crosses_below:V, achieved, stale:DAYS, forecast_miss, milestone_late, overdue, "
                 "any)",
                 text);
        return -1;
    }
    return 0;
}

//  Reads and checks the receivers.
static int s_read_receivers(sti_node_t map, notify_rule_t *rule, sti_field_error_t *err)
{
    sti_node_t array = sti_node_get(map, "to");
    size_t count = sti_node_size(array);
    for (size_t i = 0; i < count; i++) {
        if (sti_node_str_copy(sti_node_at(array, i), rule->to[i], NOTIFY_SPEC_MAX, err) != 0) {
            return s_fail(err, "to", "each receiver must be a string spec%s", "");
        }
    }
    rule->to_count = count;
    const char *specs[NOTIFY_RULE_RECEIVERS];
    for (size_t i = 0; i < count; i++) {
        specs[i] = rule->to[i];
    }
    notify_receiver_t *parsed = calloc(count, sizeof *parsed);
    if (!parsed) {
        return s_fail(err, "to", "out of memory%s", "");
    }
    char reason[150];
    int rc = notify_receivers_parse(specs, count, parsed, reason, sizeof reason);
    free(parsed);
    return rc == 0 ? 0 : s_fail(err, "to", "%s", reason);
}

//  Whether text is an event type a rule may name.
static bool s_event_known(const char *text)
{
    static const char *const events[] = {"indicator.changed",
                                         "progress.changed",
                                         S_FORECAST_EVENT,
                                         "org.changed",
                                         "talent.*",
                                         "talent.registered",
                                         "talent.updated",
                                         "talent.left",
                                         "talent.removed",
                                         "project.*",
                                         "project.status_changed",
                                         "project.milestone_late",
                                         S_OVERDUE_EVENT,
                                         NULL};
    return s_in(events, text);
}

//  The checks of the condition against the events: talent and org.changed
//  events take only any, project events any and milestone_late,
//  progress.changed a status condition or any, indicator events every other.
static int s_check_when(const notify_rule_t *rule, sti_field_error_t *err)
{
    if (strcmp(rule->event, "progress.changed") == 0 && !notify_rule_on_status(rule) &&
        rule->when != NOTIFY_WHEN_ANY) {
        return s_fail(err, "when", "progress.changed events take status_changed, achieved or any%s",
                      "");
    }
    if ((strcmp(rule->event, S_FORECAST_EVENT) == 0) != (rule->when == NOTIFY_WHEN_FORECAST_MISS) &&
        rule->when != NOTIFY_WHEN_ANY && strcmp(rule->event, "indicator.changed") != 0) {
        return s_fail(err, "when",
                      "forecast_miss is for indicator.changed or indicator.forecast_changed "
                      "events, which take forecast_miss or any%s",
                      "");
    }
    if (strcmp(rule->event, "org.changed") == 0 && rule->when != NOTIFY_WHEN_ANY) {
        return s_fail(err, "when", "org.changed events take only the condition any%s", "");
    }
    if (notify_rule_talent(rule) && rule->when != NOTIFY_WHEN_ANY) {
        return s_fail(err, "when", "talent events take only the condition any%s", "");
    }
    if (notify_rule_project(rule) && rule->when != NOTIFY_WHEN_ANY &&
        rule->when != NOTIFY_WHEN_MILESTONE_LATE) {
        return s_fail(err, "when",
                      "project events take only the conditions any and "
                      "milestone_late%s",
                      "");
    }
    if (!notify_rule_project(rule) && rule->when == NOTIFY_WHEN_MILESTONE_LATE) {
        return s_fail(err, "when",
                      "milestone_late is a condition of project events (event "
                      "project.* or project.milestone_late)%s",
                      "");
    }
    if ((strcmp(rule->event, S_OVERDUE_EVENT) == 0) != (rule->when == NOTIFY_WHEN_OVERDUE) &&
        rule->when != NOTIFY_WHEN_ANY) {
        return s_fail(err, "when",
                      "overdue is the condition of duty.overdue events, which take overdue or "
                      "any%s",
                      "");
    }
    if (!notify_rule_talent(rule) && !notify_rule_project(rule) && rule->category_count) {
        return s_fail(err, "categories", "only talent and project rules match categories%s", "");
    }
    return 0;
}

//  Reads the event pattern, the condition and the severity.
static int s_read_what(sti_node_t map, notify_rule_t *rule, sti_field_error_t *err)
{
    char when[256], reason[150];
    if (s_copy(map, "when", when, sizeof when, "", err) ||
        s_copy(map, "event", rule->event, sizeof rule->event,
               strcmp(when, "milestone_late") == 0 ? "project.milestone_late"
               : strcmp(when, "overdue") == 0      ? S_OVERDUE_EVENT
                                                   : "indicator.changed",
               err) ||
        s_copy(map, "prefix", rule->prefix, sizeof rule->prefix, "", err) ||
        s_copy(map, "severity", rule->severity, sizeof rule->severity, "warning", err) ||
        s_copy(map, "lang", rule->lang, sizeof rule->lang, "zh,en", err)) {
        return -1;
    }
    if (strcmp(rule->lang, "zh") != 0 && strcmp(rule->lang, "en") != 0 &&
        strcmp(rule->lang, "zh,en") != 0) {
        return s_fail(err, "lang", "must be zh, en or zh,en%s", "");
    }
    if (!s_event_known(rule->event)) {
        return s_fail(err, "event",
                      "must be indicator.changed, progress.changed, indicator.forecast_changed, "
                      "org.changed, talent.*, "
                      "talent.<registered|updated|left|removed>, project.*, "
                      "project.<status_changed|milestone_late> or duty.overdue%s",
                      "");
    }
    if (*rule->prefix && !s_code_valid(rule->prefix)) {
        return s_fail(err, "prefix", "must be a code prefix of [A-Za-z0-9_.-]%s", "");
    }
    if (!s_in(s_severities, rule->severity)) {
        return s_fail(err, "severity", "must be info, warning or critical%s", "");
    }
    if (notify_rule_parse_when(rule, when, reason, sizeof reason) != 0) {
        return s_fail(err, "when", "%s", reason);
    }
    return s_check_when(rule, err);
}

//  Reads the grouping settings (their ranges are the declaration's).
static int s_read_grouping(sti_node_t map, notify_rule_t *rule, sti_field_error_t *err)
{
    char labels[NOTIFY_RULE_LABELS][NOTIFY_RULE_CODE_MAX];
    if (s_read_codes(map, "group_by", labels, &rule->group_by_count, err)) {
        return -1;
    }
    for (size_t i = 0; i < rule->group_by_count; i++) {
        if (!s_in(s_labels, labels[i])) {
            return s_fail(err, "group_by",
                          "labels are indicator, org, period and category, not "
                          "'%.32s'",
                          labels[i]);
        }
        sti_text_copy(rule->group_by[i], sizeof rule->group_by[i], labels[i]);
    }
    sti_field_error_t ignored;
    int64_t *durations[] = {&rule->group_wait_ms, &rule->group_interval_ms,
                            &rule->repeat_interval_ms};
    const char *keys[] = {"group_wait", "group_interval", "repeat_interval"};
    for (size_t i = 0; i < 3; i++) {
        sti_node_t node = sti_node_get(map, keys[i]);
        *durations[i] = 0;
        if (!sti_node_is_missing(node)) {
            sti_node_int(node, durations[i], &ignored);
        }
    }
    return 0;
}

int notify_rule_read(sti_node_t map, notify_rule_t *rule, sti_field_error_t *err)
{
    memset(rule, 0, sizeof *rule);
    if (sti_op_check(&s_stored, map, err) != 0 ||
        s_copy(map, "id", rule->id, sizeof rule->id, "", err) != 0 ||
        s_copy(map, "name", rule->name, sizeof rule->name, "", err) != 0) {
        return -1;
    }
    sti_node_t created = sti_node_get(map, "created");
    if (!sti_node_is_missing(created)) {
        sti_node_int(created, &rule->created_ms, err);
    }
    if (s_read_codes(map, "indicators", rule->indicators, &rule->indicator_count, err) ||
        s_read_codes(map, "orgs", rule->orgs, &rule->org_count, err) ||
        s_read_codes(map, "categories", rule->categories, &rule->category_count, err)) {
        return -1;
    }
    return s_read_what(map, rule, err) || s_read_receivers(map, rule, err) ||
                   s_read_grouping(map, rule, err)
               ? -1
               : 0;
}

static void s_write_list(sti_writer_t *writer, const char *key,
                         const char list[][NOTIFY_RULE_CODE_MAX], size_t count)
{
    sti_writer_str(writer, key);
    sti_writer_array(writer, count);
    for (size_t i = 0; i < count; i++) {
        sti_writer_str(writer, list[i]);
    }
}

void notify_rule_write(const notify_rule_t *rule, sti_writer_t *writer, bool mask)
{
    sti_writer_map(writer, 16);
    sti_writer_kv_str(writer, "id", rule->id);
    sti_writer_kv_str(writer, "name", rule->name);
    sti_writer_kv_str(writer, "event", rule->event);
    s_write_list(writer, "indicators", rule->indicators, rule->indicator_count);
    sti_writer_kv_str(writer, "prefix", rule->prefix);
    s_write_list(writer, "orgs", rule->orgs, rule->org_count);
    s_write_list(writer, "categories", rule->categories, rule->category_count);
    sti_writer_kv_str(writer, "when", rule->when_text);
    sti_writer_kv_str(writer, "severity", rule->severity);
    sti_writer_kv_str(writer, "lang", rule->lang);
    sti_writer_str(writer, "to");
    sti_writer_array(writer, rule->to_count);
    for (size_t i = 0; i < rule->to_count; i++) {
        notify_receiver_t receiver;
        char err[256], shown[NOTIFY_SPEC_MAX];
        if (mask && notify_receiver_parse(rule->to[i], &receiver, err, sizeof err) == 0) {
            sti_writer_str(writer, notify_receiver_describe(&receiver, shown, sizeof shown));
        } else {
            sti_writer_str(writer, rule->to[i]);
        }
    }
    sti_writer_str(writer, "group_by");
    sti_writer_array(writer, rule->group_by_count);
    for (size_t i = 0; i < rule->group_by_count; i++) {
        sti_writer_str(writer, rule->group_by[i]);
    }
    sti_writer_kv_int(writer, "group_wait", rule->group_wait_ms);
    sti_writer_kv_int(writer, "group_interval", rule->group_interval_ms);
    sti_writer_kv_int(writer, "repeat_interval", rule->repeat_interval_ms);
    sti_writer_kv_int(writer, "created", rule->created_ms);
}

static bool s_listed(const char list[][NOTIFY_RULE_CODE_MAX], size_t count, const char *code)
{
    if (count == 0) {
        return true;
    }
    for (size_t i = 0; code && i < count; i++) {
        if (strcmp(list[i], code) == 0) {
            return true;
        }
    }
    return false;
}

bool notify_rule_on_status(const notify_rule_t *rule)
{
    return rule->when == NOTIFY_WHEN_STATUS_CHANGED || rule->when == NOTIFY_WHEN_ACHIEVED;
}

bool notify_rule_talent(const notify_rule_t *rule)
{
    return strncmp(rule->event, "talent.", 7) == 0;
}

bool notify_rule_project(const notify_rule_t *rule)
{
    return strncmp(rule->event, "project.", 8) == 0;
}

bool notify_rule_matches(const notify_rule_t *rule, const notify_match_t *match)
{
    if (!match->type) {
        return false;
    }
    size_t len = strlen(rule->event);
    if (len > 2 && strcmp(rule->event + len - 2, ".*") == 0) {
        if (strncmp(match->type, rule->event, len - 1) != 0) {
            return false; // "talent.*" covers every "talent." type
        }
    } else if (strcmp(rule->event, match->type) != 0 &&
               !(strcmp(rule->event, "indicator.changed") == 0 &&
                 strcmp(match->type, "progress.changed") == 0 && notify_rule_on_status(rule)) &&
               !(strcmp(rule->event, "indicator.changed") == 0 &&
                 strcmp(match->type, S_FORECAST_EVENT) == 0 &&
                 rule->when == NOTIFY_WHEN_FORECAST_MISS)) {
        //  A status rule on indicator.changed hears every change of status,
        //  whatever caused it: a value (indicator.changed) or a target or
        //  the plan (progress.changed); a forecast_miss rule hears the
        //  forecasts (indicator.forecast_changed).
        return false;
    }
    if (notify_rule_talent(rule) || notify_rule_project(rule)) {
        return s_listed(rule->categories, rule->category_count, match->category) &&
               s_listed(rule->orgs, rule->org_count, match->org);
    }
    if (strcmp(rule->event, "org.changed") == 0) {
        return s_listed(rule->orgs, rule->org_count, match->org);
    }
    if (!match->indicator || !s_listed(rule->indicators, rule->indicator_count, match->indicator)) {
        return false;
    }
    if (*rule->prefix && strncmp(match->indicator, rule->prefix, strlen(rule->prefix)) != 0) {
        return false;
    }
    return s_listed(rule->orgs, rule->org_count, match->org);
}

bool notify_rule_grouped(const notify_rule_t *rule)
{
    return rule->group_wait_ms > 0 || rule->group_interval_ms > 0;
}
