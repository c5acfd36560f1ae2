/*  sti_period: the periods observations are reported for.

    A period is a year (`2023`), a quarter (`2023Q2`) or a month (`2023-05`),
    with the year within 2000–2100. Parsing is strict: exactly those shapes,
    ASCII digits, nothing before or after. Periods are plain values (no
    allocation); their text form is at most STI_PERIOD_TEXT_MAX - 1 bytes.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STI_PERIOD_MIN_YEAR 2000
#define STI_PERIOD_MAX_YEAR 2100
#define STI_PERIOD_TEXT_MAX 8 // "2023-05" plus NUL

typedef enum {
    STI_PERIOD_YEAR = 0, // the whole calendar year
    STI_PERIOD_QUARTER,  // a calendar quarter
    STI_PERIOD_MONTH,    // a calendar month
} sti_period_kind_t;

typedef struct {
    int year;               // 2000..2100
    sti_period_kind_t kind; // year, quarter or month
    int index;              // 0 for a year, 1..4 for a quarter, 1..12 for a month
} sti_period_t;

//  Parses text of len bytes (need not be NUL-terminated). Returns 0, or -1
//  with a reason in err (e.g. "period must be YYYY, YYYYQn or YYYY-MM",
//  "year 1999 is outside 2000–2100", "month 13 is outside 1–12").
int sti_period_parse(const char *text, size_t len, sti_period_t *out, char *err, size_t errlen);

//  True when period holds a valid year, kind and index.
bool sti_period_valid(const sti_period_t *period);

//  Writes the text form into buf (cap >= STI_PERIOD_TEXT_MAX). Returns the
//  length written, or -1 if period is invalid or buf too small.
int sti_period_format(const sti_period_t *period, char *buf, size_t cap);

//  The calendar year the period belongs to.
int sti_period_year(const sti_period_t *period);

//  The last day of the period (year, month 1..12, day 1..31).
void sti_period_end_date(const sti_period_t *period, int *year, int *month, int *day);

//  The first instant after the period, in seconds since the epoch (UTC): the
//  moment from which a value for this period can be complete.
int64_t sti_period_end_time(const sti_period_t *period);

//  The first month (1..12) the period covers.
int sti_period_first_month(const sti_period_t *period);

//  Orders periods by their end, then shorter first among periods ending on
//  the same day (2023-12 < 2023Q4 < 2023). Returns <0, 0 or >0.
int sti_period_compare(const sti_period_t *a, const sti_period_t *b);
