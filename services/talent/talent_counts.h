/*  talent_counts: keeps the plan's talent indicators (talent.json's
    indicators, e.g. registered_talents) current in sti-ingest.

    Counts are kept as contributions: for each indicator, the hash
    <ns>:tal:count holds "<indicator>:<year>" -> the net change of the count
    in that year (a talent who arrives in 2022 adds +1 at 2022; one who
    leaves in 2024 adds -1 at 2025 for a count of active talents). The count
    for year Y is the sum of the contributions of the years up to Y, so a new
    year needs no work. talent_counts_change() computes, from
    talent_record_counts_for, what a change moves; talent_change.lua applies
    it and marks the indicator dirty from the first year it touches
    (<ns>:tal:count:dirty), with a generation counter (<ns>:tal:count:gen).

    The tick (talent_counts_tick) reads the dirty indicators and sends
    sti.ingest an obs.submit of the counts of every year from the dirty year
    (at the earliest first_year) to this year, with source talent-registry
    and request id talent-counts-<gen>, so a retry is applied once. It does
    not block: the request goes out on a DEALER and its reply is picked up
    by a later tick; a missing reply or a refusal is retried with back-off,
    and nothing is cleared until sti.ingest has accepted every row. When the
    year turns, the new year is marked dirty so its count appears without a
    change.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_redis.h"
#include "talent_codes.h"
#include "talent_record.h"

typedef struct _talent_counts_t talent_counts_t;

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

//  The submitter. broker: the Majordomo endpoint; first_year: the earliest
//  year submitted (the plan's baseline year). Borrowed objects outlive it.
talent_counts_t *talent_counts_new(sti_redis_t *redis, const talent_codes_t *codes,
                                   const char *broker, int first_year);
void talent_counts_destroy(talent_counts_t **self_p);
//  One step: picks up a reply, or sends the dirty counts when due.
void talent_counts_tick(talent_counts_t *self);
//  True while counts wait to be accepted by sti.ingest.
bool talent_counts_pending(talent_counts_t *self);
