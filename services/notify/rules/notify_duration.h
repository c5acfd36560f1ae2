/*  notify_duration: sti-notify's one duration parser ("250ms", "30s", "5m",
    "2h", "1d"), for the durations of rules (group_wait, group_interval,
    repeat_interval) as people write them.

    The rule ops take durations as integers of milliseconds; a client that
    reads them from people (stictl rule add --group-wait 30s) parses them
    with the same rules. stictl still has its own copy (cli/cmd_rule.c,
    which does not check errno): this module is meant to move to shared/,
    as the duration type of the configuration table, and then both use it.
*/
#pragma once
#include <stdint.h>

#define NOTIFY_DURATION_MAX_MS (30LL * 86400 * 1000) // longest duration: 30 days

//  Parses a duration: a whole number and a unit, ms, s, m, h or d ("0"
//  alone is 0), at most NOTIFY_DURATION_MAX_MS. Returns 0 with *ms set, or
//  -1 for anything else (no unit, a negative or fractional number, an
//  overflow, more than 30 days), leaving *ms alone.
int notify_duration_parse(const char *text, int64_t *ms);
