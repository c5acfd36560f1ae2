/*  ingest_plausible: warnings on values far from their series (obs.submit).

    A value more than `factor` times above or below the series' last value
    is taken, but the reply says so, per row: "440000 is 100.0 times the
    last value 4400 (2023) of this series: check the unit". The series'
    last value is the stored value of the same period (a revision), else of
    the period before it of the same kind (2023 for 2024, 2024Q1 for
    2024Q2, 2024-04 for 2024-05), both read from sti-indicators' value
    hashes (docs/keys.md) in one pipelined round trip per request. A value
    with nothing to compare with, or compared with 0, gets no warning.
    Rows of the same request are not compared with each other.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "ingest_store.h"
#include "sti_codec.h"
#include "sti_observation.h"

typedef struct _ingest_plausible_t ingest_plausible_t;

//  store is borrowed. factor > 1 (at most 0 or 1: no warnings at all).
ingest_plausible_t *ingest_plausible_new(ingest_store_t *store, double factor);
void ingest_plausible_destroy(ingest_plausible_t **self_p);

//  Forgets the rows of the last request.
void ingest_plausible_reset(ingest_plausible_t *self);
//  Adds an accepted row (index in the request, its value in the catalog's unit).
void ingest_plausible_add(ingest_plausible_t *self, size_t index, const sti_observation_t *obs);
//  Reads the rows' series and writes one detail {index, field: "value",
//  reason} per warning into warnings (without an array header). Returns
//  the number written (0 when Redis failed: a warning is advice).
size_t ingest_plausible_check(ingest_plausible_t *self, sti_writer_t *warnings);
