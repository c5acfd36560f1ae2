/*  sti_time: wall-clock time as the platform writes it: RFC 3339 in UTC with
    milliseconds, "2026-11-25T18:40:01.123Z" (events, logs, audit entries).
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#define STI_TIME_RFC3339_LEN 24 // "YYYY-MM-DDTHH:MM:SS.mmmZ"

//  Milliseconds since the Unix epoch, now.
int64_t sti_time_now_ms(void);
//  Writes ms (since the Unix epoch) as RFC 3339 UTC with milliseconds into
//  buf (at least STI_TIME_RFC3339_LEN + 1 bytes). Returns buf.
char *sti_time_rfc3339(int64_t ms, char *buf, size_t cap);
//  Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian; m 1 to
//  12, d 1 to 31), negative before it (H. Hinnant's days_from_civil).
int64_t sti_time_days_from_civil(int64_t y, int m, int d);
