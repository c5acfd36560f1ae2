/*  talent_feed: keeps the plan's talent indicators (talent.json's
    indicators, e.g. registered_talents) current in sti-ingest.

    The service's tick (talent_feed_tick) reads the dirty indicators and
    their contributions (talent_count_store) and sends sti.ingest an
    obs.submit of the counts (talent_counts_sum) of every year from the
    dirty year (at the earliest first_year) to this year, for the plan's
    root org unit, with source talent-registry and request id
    talent-counts-<gen>-<year>, so a retry is applied once. It does not
    block: the request goes out on a DEALER and its reply is picked up by a
    later tick; a missing reply or a refusal is retried with back-off, and
    nothing is cleared until sti.ingest has accepted every row. When the
    year turns, the new year is marked dirty so its count appears without a
    change. Until the plan's talent codes are loaded it waits.
*/
#pragma once
#include <stdbool.h>

#include "talent_count_store.h"
#include "talent_store.h"

typedef struct _talent_feed_t talent_feed_t;

//  The feed on borrowed stores (they outlive it). broker: the Majordomo
//  endpoint; first_year: the earliest year submitted (the plan's baseline
//  year). Returns a new object the caller destroys.
talent_feed_t *talent_feed_new(talent_store_t *store, talent_count_store_t *counts,
                               const char *broker, int first_year);
void talent_feed_destroy(talent_feed_t **self_p);
//  One step: picks up a reply, or sends the dirty counts when due.
void talent_feed_tick(talent_feed_t *self);
//  True while counts wait to be accepted by sti.ingest.
bool talent_feed_pending(talent_feed_t *self);
