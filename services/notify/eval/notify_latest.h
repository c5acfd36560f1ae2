/*  notify_latest: what sti-notify last saw of an indicator at an org unit.

    The latest period with a value, the value and when it came: what a
    crossing compares with when the event has no value before, and what a
    stale check judges. Kept in <ns>:notify:latest (notify_eval_store) as
    the field "<indicator>|<org>" and the text "<period>|<value>|<ms>";
    this module writes and reads those texts and answers the two questions
    asked of a latest value. No I/O.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The latest value seen of one indicator at one org unit.
typedef struct {
    bool known;      // whether anything was seen
    char period[16]; // the latest period
    double value;    // its value
    int64_t seen_ms; // when that value came
} notify_latest_t;

//  The field "<indicator>|<org>". Returns out.
char *notify_latest_field(const char *indicator, const char *org, char *out, size_t cap);
//  Splits a field into indicator and org (each cap bytes). Returns 0, or -1
//  when it is not "<indicator>|<org>" with both fitting.
int notify_latest_field_split(const char *field, size_t len, char *indicator, char *org,
                              size_t cap);
//  Parses a stored value. Returns 0, or -1 (then latest->known is false).
int notify_latest_parse(const char *text, size_t len, notify_latest_t *latest);
//  Writes the stored value. Returns out.
char *notify_latest_format(const notify_latest_t *latest, char *out, size_t cap);
//  Whether period is at least as late as latest's: then it becomes the latest.
bool notify_latest_newer(const notify_latest_t *latest, const char *period);
//  Whether the latest period ended more than days ago at now_s (seconds).
bool notify_latest_stale(const notify_latest_t *latest, int64_t days, int64_t now_s);
