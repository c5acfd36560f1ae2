/*  notify_silence: reading, writing and matching silences.
    See notify_silence.h.

    The shape of a silence is checked against its declaration (sti_op);
    what a declaration cannot say (a matcher at least, the severities) is
    checked here.
*/
#include "notify_silence.h"

#include <stdio.h>
#include <string.h>

//  The keys of a silence, as silence.add takes them and as it is stored.
// clang-format off
#define S_SILENCE_KEYS \
    {"rule", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_ID_MAX - 1, NULL, \
     "a rule's id: holds that rule's alerts"}, \
    {"indicator", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_CODE_MAX - 1, NULL, \
     "holds alerts about this indicator"}, \
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_CODE_MAX - 1, NULL, \
     "holds alerts about this org unit"}, \
    {"category", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_CODE_MAX - 1, NULL, \
     "holds alerts about this talent category"}, \
    {"severity", STI_ARG_STR, STI_OPTIONAL, 0, 15, NULL, \
     "holds alerts of rules of this severity: info, warning or critical"}, \
    {"ends_at", STI_ARG_INT, STI_REQUIRED, 0, 0, NULL, \
     "when it stops holding, ms since 1970; in the future when added"}, \
    {"comment", STI_ARG_STR, STI_OPTIONAL, 0, 255, NULL, "why, for people"}
// clang-format on

const sti_arg_t notify_silence_args[] = {S_SILENCE_KEYS, STI_ARGS_END};

static const sti_arg_t s_stored_args[] = {
    {"id", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_ID_MAX - 1, NULL, "s-<n>"},
    S_SILENCE_KEYS,
    {"created", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, "ms since 1970"},
    STI_ARGS_END,
};
static const sti_op_decl_t s_stored = {"silence", NULL, 0, s_stored_args, NULL, NULL, NULL};

//  Copies the string under key into buf ("" when absent). The shape was
//  checked: only a NUL byte in it fails (-1 with err).
static int s_opt(sti_node_t map, const char *key, char *buf, size_t cap, sti_field_error_t *err)
{
    sti_node_t node = sti_node_get(map, key);
    buf[0] = 0;
    if (sti_node_is_missing(node)) {
        return 0;
    }
    if (sti_node_str_copy(node, buf, cap, err) != 0) {
        snprintf(err->field, sizeof err->field, "%s", key);
        return -1;
    }
    return 0;
}

int notify_silence_read(sti_node_t map, notify_silence_t *silence, sti_field_error_t *err)
{
    memset(silence, 0, sizeof *silence);
    if (sti_op_check(&s_stored, map, err) != 0 ||
        s_opt(map, "id", silence->id, sizeof silence->id, err) ||
        s_opt(map, "rule", silence->rule, sizeof silence->rule, err) ||
        s_opt(map, "indicator", silence->indicator, sizeof silence->indicator, err) ||
        s_opt(map, "org", silence->org, sizeof silence->org, err) ||
        s_opt(map, "category", silence->category, sizeof silence->category, err) ||
        s_opt(map, "severity", silence->severity, sizeof silence->severity, err) ||
        s_opt(map, "comment", silence->comment, sizeof silence->comment, err)) {
        return -1;
    }
    sti_map_int(map, "ends_at", &silence->ends_at_ms, err);
    if (!sti_node_is_missing(sti_node_get(map, "created"))) {
        sti_map_int(map, "created", &silence->created_ms, err);
    }
    if (!*silence->rule && !*silence->indicator && !*silence->org && !*silence->category &&
        !*silence->severity) {
        snprintf(err->field, sizeof err->field, "matchers");
        snprintf(err->reason, sizeof err->reason,
                 "a silence needs at least one of rule, indicator, org, category, severity");
        return -1;
    }
    if (*silence->severity && strcmp(silence->severity, "info") != 0 &&
        strcmp(silence->severity, "warning") != 0 && strcmp(silence->severity, "critical") != 0) {
        snprintf(err->field, sizeof err->field, "severity");
        snprintf(err->reason, sizeof err->reason, "must be info, warning or critical");
        return -1;
    }
    return 0;
}

void notify_silence_write(const notify_silence_t *silence, sti_writer_t *writer)
{
    sti_writer_map(writer, 9);
    sti_writer_kv_str(writer, "id", silence->id);
    sti_writer_kv_str(writer, "rule", silence->rule);
    sti_writer_kv_str(writer, "indicator", silence->indicator);
    sti_writer_kv_str(writer, "org", silence->org);
    sti_writer_kv_str(writer, "category", silence->category);
    sti_writer_kv_str(writer, "severity", silence->severity);
    sti_writer_kv_int(writer, "ends_at", silence->ends_at_ms);
    sti_writer_kv_str(writer, "comment", silence->comment);
    sti_writer_kv_int(writer, "created", silence->created_ms);
}

static bool s_eq(const char *matcher, const char *value)
{
    return !*matcher || (value && strcmp(matcher, value) == 0);
}

bool notify_silence_matches(const notify_silence_t *silence, const notify_silence_match_t *match)
{
    return match->now_ms < silence->ends_at_ms && s_eq(silence->rule, match->rule) &&
           s_eq(silence->indicator, match->indicator) && s_eq(silence->org, match->org) &&
           s_eq(silence->category, match->category) && s_eq(silence->severity, match->severity);
}
