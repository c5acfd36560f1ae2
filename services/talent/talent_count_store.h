/*  talent_count_store: the registry's counts in Redis, as the feed to
    sti-ingest reads and clears them (talent_feed, talent_counts).

    talent_change.lua keeps, for each indicator of the talent codes, the net
    change of its count by year (<ns>:tal:count), marks the indicator dirty
    from the first year a change touched (<ns>:tal:count:dirty) and bumps a
    generation (<ns>:tal:count:gen). A read takes the generation, the marks,
    the contributions and the year last accepted (<ns>:tal:count:upto) in
    one MULTI/EXEC, so what it returns belongs to exactly one generation;
    talent_counts_done.lua clears the marks of an accepted generation unless
    a change came since.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_redis.h"
#include "talent_codes.h"

#define TALENT_COUNT_YEARS 256 // contributions one indicator holds, at most

typedef struct _talent_count_store_t talent_count_store_t;

//  The counts as one read found them; indicators in the codes' order.
typedef struct {
    char gen[24];                                         // the generation ("0" when none)
    int dirty[TALENT_CODES_MAX];                          // first dirty year, 0 when clean
    int upto;                                             // the year last accepted, 0: never
    int years[TALENT_CODES_MAX][TALENT_COUNT_YEARS];      // contribution years
    int64_t deltas[TALENT_CODES_MAX][TALENT_COUNT_YEARS]; // contribution values
    size_t count[TALENT_CODES_MAX];                       // contributions used
} talent_count_read_t;

//  On a borrowed Redis. Returns a new object the caller destroys.
talent_count_store_t *talent_count_store_new(sti_redis_t *redis);
void talent_count_store_destroy(talent_count_store_t **self_p);

//  Reads the counts of the indicators of codes in one transaction. Returns
//  a new read the caller frees, or NULL with err when Redis failed.
talent_count_read_t *talent_count_store_read(talent_count_store_t *self,
                                             const talent_codes_t *codes, char *err, size_t errlen);
//  Marks generation gen as accepted by sti.ingest up to year. Returns 0, or
//  -1 with err when Redis failed.
int talent_count_store_done(talent_count_store_t *self, const char *gen, int year, char *err,
                            size_t errlen);
