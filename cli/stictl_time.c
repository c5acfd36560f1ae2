/*  stictl_time: times as a person reads them (see stictl.h).

    Services send times as milliseconds since the epoch or as RFC 3339 UTC
    text; stictl's plain text shows them as local time of one zone:
    STI_TIMEZONE, else TZ, else Asia/Shanghai (the plan's district). The
    zone is set once, before any command runs (TZ for this process, then
    tzset), so localtime_r does the rest. Where the zone database lacks the
    default zone, the fixed offset UTC+8 stands in for it. --json keeps
    what the service sent.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stictl.h"

#define S_DEFAULT_ZONE "Asia/Shanghai"

void stictl_time_init(void)
{
    const char *zone = getenv("STI_TIMEZONE");
    if (!zone || !*zone) {
        zone = getenv("TZ");
    }
    if (!zone || !*zone) {
        zone = access("/usr/share/zoneinfo/" S_DEFAULT_ZONE, R_OK) == 0 ? S_DEFAULT_ZONE : "CST-8";
    }
    setenv("TZ", zone, 1);
    tzset();
}

const char *stictl_time_ms(int64_t ms, char *buf, size_t cap)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&secs, &tm) ||
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0) {
        snprintf(buf, cap, "-");
    }
    return buf;
}

const char *stictl_time_text(const char *rfc3339, char *buf, size_t cap)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int ms = 0;
    char zulu = 0;
    if (!rfc3339 || sscanf(rfc3339, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon,
                           &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &zulu) < 6) {
        snprintf(buf, cap, "%s", rfc3339 && *rfc3339 ? rfc3339 : "-");
        return buf;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return stictl_time_ms((int64_t)timegm(&tm) * 1000 + ms, buf, cap);
}

const char *stictl_map_time(sti_node_t map, const char *key, char *buf, size_t cap)
{
    sti_node_t node = sti_node_get(map, key);
    sti_field_error_t err;
    int64_t ms = 0;
    char text[64];
    if (sti_node_type(node) == STI_TYPE_STR) {
        return stictl_time_text(stictl_node_text(node, text, sizeof text), buf, cap);
    }
    if (sti_node_int(node, &ms, &err) == 0) {
        return stictl_time_ms(ms, buf, cap);
    }
    snprintf(buf, cap, "-");
    return buf;
}
