/*  notify_message: what an alert says, in Chinese first and then English.

    An alert is one rule's firing over one or more events (several when the
    rule groups them). Each event says what changed, from what to what, the
    plan's target and the status before and after:

      【STI Monitor】高新技术企业 · 临平区 · 2023: 800 家 (目标 2025: 1000 家), 状态 正常 → 滞后
      [STI Monitor] High-tech enterprises · Linping District · 2023: 800 家 (target 2025:
      1000 家), status on_track → lagging
      规则 / rule: hitech behind plan · 级别 / severity: warning

    Org units by name, statuses in the line's language (正常 / 滞后 / 有风险 /
    已完成 / 无数据 / 无目标), numbers rounded to two decimals without
    trailing zeros (1000, 12.5, 0.3, 1234.57), with their units. The rule
    picks the languages (lang: zh, en, or both, Chinese first). A grouped
    alert lists its events under one heading per language. The same alert is
    also written as the JSON body of a webhook (notify_message_json), which
    carries the texts and every event's data.

    The structs below are borrowed views: the caller owns every string, and a
    NULL string is "not known" (left out of the text and the JSON).
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define NOTIFY_MESSAGE_MAX (64 * 1024) // longest text written; longer is cut with "…"

//  One event as the message tells it.
typedef struct {
    const char *event_id;      // CloudEvents id ("ind-42"), NULL if none
    const char *type;          // event type ("indicator.changed"), NULL if none
    const char *indicator;     // indicator code ("hitech_enterprises")
    const char *name_zh;       // indicator name in Chinese; falls back to the code
    const char *name_en;       // indicator name in English; falls back to the code
    const char *org_unit;      // org unit ("linping"), NULL if none
    const char *org_name_zh;   // its Chinese name ("临平区"); NULL: the code is shown
    const char *org_name_en;   // its English name; NULL: the Chinese name, else the code
    const char *period;        // period of the value ("2023"), NULL if none
    bool has_old_value;        // whether old_value holds the value before
    double old_value;          // value before the change
    bool has_new_value;        // whether new_value holds the value now
    double new_value;          // value now
    const char *unit;          // unit of the values ("家"), NULL if none
    const char *unit_en;       // unit in the English line, NULL to reuse unit
    bool has_target;           // whether target holds the plan's target
    double target;             // the plan's target value
    const char *target_period; // period of the target ("2025"), NULL if none
    const char *status_before; // progress status before ("on_track"), NULL if none
    const char *status_after;  // progress status now ("lagging"), NULL if none
    const char *reason;        // why a value was withdrawn, NULL if none
} notify_event_t;

//  One alert: one rule over its events.
typedef struct {
    const char *rule_id;          // the rule's id
    const char *rule_name;        // the rule's name
    const char *severity;         // "info", "warning" or "critical"
    const notify_event_t *events; // event_count events
    size_t event_count;           // at least 1
    const char *lang;             // "zh", "en" or "zh,en" (NULL: "zh,en"), the rule's wish
} notify_alert_t;

typedef enum {
    NOTIFY_LANG_ZH = 0, // Chinese
    NOTIFY_LANG_EN,     // English
} notify_lang_t;

//  Formats a number rounded to two decimals (three significant digits
//  below 1) without trailing zeros into out ("1000", "12.5", "-0.25",
//  "1234.57", "0.00123"; "n/a" for NaN or infinity). Returns out.
char *notify_format_number(double value, char *out, size_t outlen);

//  One event's line in one language, with the "【STI Monitor】" or
//  "[STI Monitor] " prefix. Returns a string the caller frees, or NULL when
//  out of memory.
char *notify_message_line(const notify_event_t *event, notify_lang_t lang);

//  The alert's text in one language: its line, or for several events a
//  heading and one "- " line per event. Caller frees; NULL when out of memory.
char *notify_message_lang(const notify_alert_t *alert, notify_lang_t lang);

//  The whole text in the alert's languages (Chinese, then English, for
//  "zh,en"), then the rule line.
//  Caller frees; NULL when out of memory.
char *notify_message_text(const notify_alert_t *alert);

//  A one-line subject (for e-mail): "【STI Monitor】<rule>: <first event>",
//  or "… (+N)" for a group. Caller frees; NULL when out of memory.
char *notify_message_subject(const notify_alert_t *alert);

//  The webhook body: {"delivery_id", "rule": {"id","name"}, "severity",
//  "message": {"zh","en","text"}, "events": [ {...}, ... ]}. delivery_id may
//  be NULL. Caller frees; NULL when out of memory.
char *notify_message_json(const notify_alert_t *alert, const char *delivery_id);

//  The word of a progress status in lang ("lagging": 滞后 / lagging); a
//  status it does not know is returned as it is.
const char *notify_status_word(const char *status, notify_lang_t lang);

//  Cuts text in place to at most max bytes on a UTF-8 character boundary,
//  ending it with "…" when cut (max >= 4). Returns text.
char *notify_utf8_truncate(char *text, size_t max);
