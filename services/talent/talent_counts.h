/*  talent_counts: what a change of the registry moves in the counts of the
    plan's talent indicators (talent.json's indicators, e.g.
    registered_talents), and a year's count from it.

    Counts are kept as contributions: for each indicator, "<indicator>:<year>"
    -> the net change of the count in that year (a talent who arrives in 2022
    adds +1 at 2022; one who leaves in 2024 adds -1 at 2025 for a count of
    active talents). The count for year Y is the sum of the contributions of
    the years up to Y, so a new year needs no work. talent_counts_change()
    computes, from talent_record_counts_for, what a change moves;
    talent_change.lua applies it (talent_store) and marks the indicator dirty
    from the first year it touches; talent_feed sends the counts to
    sti-ingest.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "talent_codes.h"
#include "talent_record.h"

//  Writes what replacing old by new (either may be NULL) changes:
//  deltas "<indicator>:<year>\n<delta>\n..." and dirty
//  "<indicator>\n<first year touched>\n...". Returns 0, or -1 when a buffer
//  is too small.
int talent_counts_change(const talent_codes_t *codes, const talent_record_t *old,
                         const talent_record_t *new_record, char *deltas, size_t deltas_cap,
                         char *dirty, size_t dirty_cap);

//  The count of indicator for year from the contributions (year -> delta
//  pairs, count of them).
int64_t talent_counts_sum(const int *years, const int64_t *deltas, size_t count, int year);
