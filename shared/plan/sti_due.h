/*  sti_due: how often an indicator is reported and by when (its reporting
    duty's calendar, docs/completeness.md).

    A frequency is a period kind: year, quarter or month. A due rule is an
    ISO 8601 duration of years, months and days, `P2M`, `P20D`, `P1M15D`,
    counted from the first instant after the period (UTC): a year's figure
    under `P2M` is due before 1 March of the next year, i.e. by the end of
    February. Parsing is strict (no weeks, no time part, at most 3 digits a
    part) and every error says what is wrong. Dates are UTC; nothing here
    reads the machine's time zone.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_period.h"

#define STI_DUE_TEXT_MAX 16 // bytes of a due rule's text, with NUL ("P999Y999M999D")

//  A due rule: the time after a period's end by which its figure is due.
typedef struct {
    int years;  // 0..999
    int months; // 0..999
    int days;   // 0..999
} sti_due_rule_t;

//  The frequency's name: "year", "quarter" or "month".
const char *sti_frequency_name(sti_period_kind_t frequency);
//  Reads a frequency name. Returns 0, or -1 with err set.
int sti_frequency_parse(const char *text, sti_period_kind_t *out, char *err, size_t errlen);
//  The platform's default due rule for a frequency: P2M for a year, P20D for
//  a quarter, P15D for a month (docs/completeness.md says why).
const char *sti_due_default(sti_period_kind_t frequency);

//  Parses a due rule ("P2M"). Returns 0, or -1 with err set.
int sti_due_parse(const char *text, sti_due_rule_t *out, char *err, size_t errlen);
//  The instant the figure of period is due, ms since the epoch (UTC): one
//  recorded before it is on time.
int64_t sti_due_time(const sti_due_rule_t *rule, const sti_period_t *period);
//  The last day on time as YYYY-MM-DD into buf (at least 11 bytes). Returns buf.
char *sti_due_date(const sti_due_rule_t *rule, const sti_period_t *period, char *buf, size_t cap);

//  The periods of kind frequency that lie within period (a year's four
//  quarters; the year itself for a yearly duty), in order, up to cap into
//  out. Returns how many there are (0 when frequency is longer than period:
//  a yearly duty has no report within a quarter).
size_t sti_due_periods(const sti_period_t *period, sti_period_kind_t frequency, sti_period_t *out,
                       size_t cap);
