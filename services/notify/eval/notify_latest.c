/*  notify_latest: the latest value seen. See notify_latest.h.

    Periods are compared with sti_period (2023 < 2023Q2 < 2024); a text
    that does not read is "nothing known", never an error.
*/
#include "notify_latest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_period.h"

char *notify_latest_field(const char *indicator, const char *org, char *out, size_t cap)
{
    snprintf(out, cap, "%s|%s", indicator, org);
    return out;
}

int notify_latest_field_split(const char *field, size_t len, char *indicator, char *org, size_t cap)
{
    const char *bar = memchr(field, '|', len);
    size_t head = bar ? (size_t)(bar - field) : 0;
    if (!bar || head >= cap || len - head - 1 >= cap || memchr(field, 0, len)) {
        return -1;
    }
    memcpy(indicator, field, head);
    indicator[head] = 0;
    memcpy(org, bar + 1, len - head - 1);
    org[len - head - 1] = 0;
    return 0;
}

int notify_latest_parse(const char *text, size_t len, notify_latest_t *latest)
{
    char copy[128], *end = NULL;
    memset(latest, 0, sizeof *latest);
    if (len >= sizeof copy) {
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    char *bar = strchr(copy, '|');
    char *bar2 = bar ? strchr(bar + 1, '|') : NULL;
    if (!bar || !bar2 || (size_t)(bar - copy) >= sizeof latest->period) {
        return -1;
    }
    *bar = *bar2 = 0;
    memcpy(latest->period, copy, (size_t)(bar - copy) + 1);
    latest->value = strtod(bar + 1, &end);
    if (end == bar + 1) {
        return -1;
    }
    latest->seen_ms = strtoll(bar2 + 1, NULL, 10);
    latest->known = true;
    return 0;
}

char *notify_latest_format(const notify_latest_t *latest, char *out, size_t cap)
{
    snprintf(out, cap, "%s|%.17g|%lld", latest->period, latest->value, (long long)latest->seen_ms);
    return out;
}

bool notify_latest_newer(const notify_latest_t *latest, const char *period)
{
    sti_period_t mine, theirs;
    char err[128];
    if (sti_period_parse(period, strlen(period), &mine, err, sizeof err) != 0) {
        return false;
    }
    return !latest->known ||
           sti_period_parse(latest->period, strlen(latest->period), &theirs, err, sizeof err) !=
               0 ||
           sti_period_compare(&theirs, &mine) <= 0;
}

bool notify_latest_stale(const notify_latest_t *latest, int64_t days, int64_t now_s)
{
    sti_period_t period;
    char err[128];
    if (!latest->known ||
        sti_period_parse(latest->period, strlen(latest->period), &period, err, sizeof err) != 0) {
        return false;
    }
    return now_s > sti_period_end_time(&period) + days * 86400;
}
