/*  notify_silence: a silence holds back the alerts its matchers match until
    it ends. A silenced alert is still recorded (a delivery in state
    "silenced"), it is only not sent.

    The map of silence.add, kept in Redis and answered by silence.list:

      {id, rule?, indicator?, org?, category?, severity?, ends_at, comment?, created}

    Every matcher given must equal the alert's value; at least one matcher
    is required (a silence of everything is refused). ends_at is ms since
    the epoch and must lie in the future when the silence is added.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "notify_rule.h"

//  One silence. A plain value.
typedef struct {
    char id[NOTIFY_RULE_ID_MAX];          // "s-3"
    char rule[NOTIFY_RULE_ID_MAX];        // rule id, "" for any
    char indicator[NOTIFY_RULE_CODE_MAX]; // indicator code, "" for any
    char org[NOTIFY_RULE_CODE_MAX];       // org unit, "" for any
    char category[NOTIFY_RULE_CODE_MAX];  // talent category, "" for any
    char severity[16];                    // severity, "" for any
    int64_t ends_at_ms;                   // when it stops holding
    char comment[256];                    // why, for people
    int64_t created_ms;                   // when it was added
} notify_silence_t;

//  What an alert offers to a silence.
typedef struct {
    const char *rule;      // rule id
    const char *indicator; // indicator code or NULL
    const char *org;       // org unit or NULL
    const char *category;  // talent category or NULL
    const char *severity;  // the rule's severity
    int64_t now_ms;        // the time to judge ends_at by
} notify_silence_match_t;

//  The keys of a silence as silence.add takes it (ending in {NULL}).
extern const sti_arg_t notify_silence_args[];

//  Reads a silence (request body or stored value, with its id and created):
//  its shape against notify_silence_args (sti_op_check's wording), then at
//  least one matcher and the severity. Returns 0, or -1 with err naming
//  the field and the reason.
int notify_silence_read(sti_node_t map, notify_silence_t *silence, sti_field_error_t *err);

//  Writes the silence's map.
void notify_silence_write(const notify_silence_t *silence, sti_writer_t *writer);

//  True while the silence holds and every matcher it has matches.
bool notify_silence_matches(const notify_silence_t *silence, const notify_silence_match_t *match);
