/*  talent_counts: what a change moves in the counts. See talent_counts.h.

    The old and the new record are compared year by year, from the earliest
    arrival the registry takes to two years after this one; a year where
    their standing differs is a contribution.
*/
#include "talent_counts.h"

#include <stdio.h>

#define S_FIRST_YEAR 1950 // no talent arrives earlier (talent_fields)

static int s_this_year(void)
{
    return talent_check_today() / 10000;
}

int talent_counts_change(const talent_codes_t *codes, const talent_record_t *old,
                         const talent_record_t *new_record, char *deltas, size_t deltas_cap,
                         char *dirty, size_t dirty_cap)
{
    size_t dl = 0, yl = 0;
    deltas[0] = dirty[0] = 0;
    int last = s_this_year() + 2;
    for (size_t i = 0; i < talent_codes_indicator_count(codes); i++) {
        const talent_indicator_t *indicator = talent_codes_indicator_at(codes, i);
        bool was_old = false, was_new = false;
        int first_touched = 0;
        for (int year = S_FIRST_YEAR; year <= last; year++) {
            bool in_old = old && talent_record_counts_for(old, indicator, year);
            bool in_new = new_record && talent_record_counts_for(new_record, indicator, year);
            int delta = ((int)in_new - (int)was_new) - ((int)in_old - (int)was_old);
            was_old = in_old;
            was_new = in_new;
            if (delta == 0) {
                continue;
            }
            int n =
                snprintf(deltas + dl, deltas_cap - dl, "%s:%d\n%d\n", indicator->code, year, delta);
            if (n < 0 || (size_t)n >= deltas_cap - dl) {
                return -1;
            }
            dl += (size_t)n;
            if (!first_touched) {
                first_touched = year;
            }
        }
        if (first_touched) {
            int n =
                snprintf(dirty + yl, dirty_cap - yl, "%s\n%d\n", indicator->code, first_touched);
            if (n < 0 || (size_t)n >= dirty_cap - yl) {
                return -1;
            }
            yl += (size_t)n;
        }
    }
    return 0;
}

int64_t talent_counts_sum(const int *years, const int64_t *deltas, size_t count, int year)
{
    int64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (years[i] <= year) {
            sum += deltas[i];
        }
    }
    return sum;
}
