/*  sti_due: reporting frequencies and due rules. See sti_due.h.

    The due instant is computed on civil dates: the period's end is always
    the first day of a month, so years and months are added to it first
    (never overflowing a month's length), then days, and the date is turned
    into days since the epoch with the usual civil-calendar formula.
*/
#include "sti_due.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sti_time.h"

static const char *const s_frequencies[] = {"year", "quarter", "month"};

const char *sti_frequency_name(sti_period_kind_t frequency)
{
    return frequency <= STI_PERIOD_MONTH ? s_frequencies[frequency] : "?";
}

int sti_frequency_parse(const char *text, sti_period_kind_t *out, char *err, size_t errlen)
{
    for (int i = 0; i <= STI_PERIOD_MONTH; i++) {
        if (text && strcmp(text, s_frequencies[i]) == 0) {
            *out = (sti_period_kind_t)i;
            return 0;
        }
    }
    snprintf(err, errlen, "must be year, quarter or month, not '%.32s'", text ? text : "");
    return -1;
}

const char *sti_due_default(sti_period_kind_t frequency)
{
    return frequency == STI_PERIOD_YEAR ? "P2M" : frequency == STI_PERIOD_QUARTER ? "P20D" : "P15D";
}

int sti_due_parse(const char *text, sti_due_rule_t *out, char *err, size_t errlen)
{
    static const char designators[] = "YMD";
    int parts[3] = {0, 0, 0};
    size_t next = 0; // the first designator still allowed
    const char *p = text && text[0] == 'P' ? text + 1 : NULL;
    if (!p || !*p) {
        snprintf(err, errlen, "must be a duration like P2M, P20D or P1M15D (years, months, days)");
        return -1;
    }
    while (*p) {
        int value = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            value = value * 10 + (*p++ - '0');
            digits++;
        }
        const char *at = *p ? strchr(designators + next, *p) : NULL;
        if (digits == 0 || digits > 3 || !at) {
            snprintf(err, errlen,
                     "must be a duration like P2M, P20D or P1M15D: each part 0 to 999 followed "
                     "by Y, M or D, in that order, each once");
            return -1;
        }
        next = (size_t)(at - designators);
        parts[next++] = value;
        p++;
    }
    out->years = parts[0];
    out->months = parts[1];
    out->days = parts[2];
    return 0;
}

//  The due day as days since the epoch.
static int64_t s_due_day(const sti_due_rule_t *rule, const sti_period_t *period)
{
    int y, m, d;
    sti_period_end_date(period, &y, &m, &d);
    int64_t months = (int64_t)y * 12 + (m - 1) + 1 + (int64_t)rule->years * 12 + rule->months;
    return sti_time_days_from_civil(months / 12, (int)(months % 12) + 1, 1) + rule->days;
}

int64_t sti_due_time(const sti_due_rule_t *rule, const sti_period_t *period)
{
    assert(rule && period);
    return s_due_day(rule, period) * 86400000;
}

char *sti_due_date(const sti_due_rule_t *rule, const sti_period_t *period, char *buf, size_t cap)
{
    assert(rule && period && buf);
    //  The last day on time is the day before the due instant (civil_from_days).
    int64_t z = s_due_day(rule, period) - 1 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(buf, cap, "%04d-%02d-%02d", (int)y, m, d);
    return buf;
}

size_t sti_due_periods(const sti_period_t *period, sti_period_kind_t frequency, sti_period_t *out,
                       size_t cap)
{
    assert(period && (out || cap == 0));
    int per_year[] = {1, 4, 12};
    int months_of[] = {12, 3, 1};
    if (frequency < period->kind) {
        return 0;
    }
    int first = sti_period_first_month(period);
    int span = months_of[period->kind];
    size_t count = 0;
    for (int i = 1; i <= per_year[frequency]; i++) {
        sti_period_t sub = {period->year, frequency, frequency == STI_PERIOD_YEAR ? 0 : i};
        int sub_first = sti_period_first_month(&sub);
        if (sub_first >= first && sub_first < first + span) {
            if (count < cap) {
                out[count] = sub;
            }
            count++;
        }
    }
    return count;
}
