/*  sti_period: the periods observations are reported for. See sti_period.h.

    Strict parsing by hand (no sscanf, which accepts signs, spaces and
    overlong numbers). Dates are computed in UTC without the C library's
    time zone code, so results do not depend on the machine's TZ.
*/
#include "sti_period.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sti_time.h"

static const char *s_shape = "period must be YYYY, YYYYQn or YYYY-MM";

//  Reads n ASCII digits at text into *out. Returns 0, or -1 on a non-digit.
static int s_digits(const char *text, size_t n, int *out)
{
    int value = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return 0;
}

static void s_set_err(char *err, size_t errlen, const char *text)
{
    if (err && errlen) {
        snprintf(err, errlen, "%s", text);
    }
}

int sti_period_parse(const char *text, size_t len, sti_period_t *out, char *err, size_t errlen)
{
    assert(out);
    sti_period_t period = {0, STI_PERIOD_YEAR, 0};
    if (!text || (len != 4 && len != 6 && len != 7) || s_digits(text, 4, &period.year)) {
        s_set_err(err, errlen, s_shape);
        return -1;
    }
    if (len == 6) {
        if (text[4] != 'Q' || s_digits(text + 5, 1, &period.index)) {
            s_set_err(err, errlen, s_shape);
            return -1;
        }
        period.kind = STI_PERIOD_QUARTER;
    } else if (len == 7) {
        if (text[4] != '-' || s_digits(text + 5, 2, &period.index)) {
            s_set_err(err, errlen, s_shape);
            return -1;
        }
        period.kind = STI_PERIOD_MONTH;
    }
    if (period.year < STI_PERIOD_MIN_YEAR || period.year > STI_PERIOD_MAX_YEAR) {
        if (err && errlen) {
            snprintf(err, errlen, "year %04d is outside %d–%d", period.year, STI_PERIOD_MIN_YEAR,
                     STI_PERIOD_MAX_YEAR);
        }
        return -1;
    }
    if (period.kind == STI_PERIOD_QUARTER && (period.index < 1 || period.index > 4)) {
        if (err && errlen) {
            snprintf(err, errlen, "quarter %d is outside 1–4", period.index);
        }
        return -1;
    }
    if (period.kind == STI_PERIOD_MONTH && (period.index < 1 || period.index > 12)) {
        if (err && errlen) {
            snprintf(err, errlen, "month %02d is outside 1–12", period.index);
        }
        return -1;
    }
    *out = period;
    return 0;
}

bool sti_period_valid(const sti_period_t *period)
{
    if (!period || period->year < STI_PERIOD_MIN_YEAR || period->year > STI_PERIOD_MAX_YEAR) {
        return false;
    }
    switch (period->kind) {
    case STI_PERIOD_YEAR:
        return period->index == 0;
    case STI_PERIOD_QUARTER:
        return period->index >= 1 && period->index <= 4;
    case STI_PERIOD_MONTH:
        return period->index >= 1 && period->index <= 12;
    }
    return false;
}

int sti_period_format(const sti_period_t *period, char *buf, size_t cap)
{
    if (!sti_period_valid(period) || !buf || cap < STI_PERIOD_TEXT_MAX) {
        return -1;
    }
    //  "%04d", "%04dQ%d" or "%04d-%02d" by hand: once a submitted row, and
    //  snprintf was a visible share of sti-ingest's time. year is 2000..2100.
    int year = period->year, n = 4;
    for (int i = 3; i >= 0; i--, year /= 10) {
        buf[i] = (char)('0' + year % 10);
    }
    if (period->kind == STI_PERIOD_QUARTER) {
        buf[n++] = 'Q';
        buf[n++] = (char)('0' + period->index);
    } else if (period->kind == STI_PERIOD_MONTH) {
        buf[n++] = '-';
        buf[n++] = (char)('0' + period->index / 10);
        buf[n++] = (char)('0' + period->index % 10);
    }
    buf[n] = 0;
    return n;
}

int sti_period_year(const sti_period_t *period)
{
    assert(period);
    return period->year;
}

int sti_period_first_month(const sti_period_t *period)
{
    assert(period);
    if (period->kind == STI_PERIOD_QUARTER) {
        return (period->index - 1) * 3 + 1;
    }
    return period->kind == STI_PERIOD_MONTH ? period->index : 1;
}

//  The month (1..12) in which the period ends.
static int s_last_month(const sti_period_t *period)
{
    if (period->kind == STI_PERIOD_QUARTER) {
        return period->index * 3;
    }
    return period->kind == STI_PERIOD_MONTH ? period->index : 12;
}

static bool s_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

void sti_period_end_date(const sti_period_t *period, int *year, int *month, int *day)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert(period && year && month && day);
    int last = s_last_month(period);
    *year = period->year;
    *month = last;
    *day = days[last - 1] + (last == 2 && s_leap(period->year) ? 1 : 0);
}

int64_t sti_period_end_time(const sti_period_t *period)
{
    assert(period);
    int last = s_last_month(period);
    int64_t days = last == 12 ? sti_time_days_from_civil(period->year + 1, 1, 1)
                              : sti_time_days_from_civil(period->year, last + 1, 1);
    return days * 86400;
}

//  Length rank for ties: a month is shorter than a quarter, a quarter than a year.
static int s_length_rank(sti_period_kind_t kind)
{
    return kind == STI_PERIOD_MONTH ? 0 : kind == STI_PERIOD_QUARTER ? 1 : 2;
}

int sti_period_compare(const sti_period_t *a, const sti_period_t *b)
{
    assert(a && b);
    int end_a = a->year * 12 + s_last_month(a);
    int end_b = b->year * 12 + s_last_month(b);
    if (end_a != end_b) {
        return end_a < end_b ? -1 : 1;
    }
    return s_length_rank(a->kind) - s_length_rank(b->kind);
}
