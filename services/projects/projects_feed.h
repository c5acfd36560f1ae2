/*  projects_feed: keeps the indicators the plan's projects feed
    (projects.json, projects_counts.h) current in sti-ingest, the way the
    talent registry keeps its counts.

    The service's tick (projects_feed_tick) compares what sti-ingest last
    accepted (a mark in Redis: the registry's generation, the catalog's
    version and the year) with what is now; when they differ it reads every
    project (at one generation), works out each feed's value for every year
    of the plan up to this one, for the plan's root org unit, and sends them
    as one obs.submit with the source of projects.json and the request id
    projects-<generation>-<catalog version>-<year>, so the same id always
    carries the same rows and a retry (from this replica or another) is
    applied once. It does not block: the request goes out on a DEALER and
    its reply is taken by a later tick; no reply, or a refusal, is tried
    again with back-off, and the mark moves only when sti-ingest accepted
    every row. A new year changes the mark, so its values appear without a
    change. Until a plan with feeds is loaded, and while no project was ever
    written (the registry is not in use: its values would be the baselines
    alone), it sends nothing.
*/
#pragma once
#include <stdbool.h>

#include "projects_store.h"
#include "sti_catalog_store.h"

typedef struct _projects_feed_t projects_feed_t;

//  The feed over a borrowed store and catalog (they outlive it); broker:
//  the Majordomo endpoint; money_unit: the unit amounts are kept in
//  (borrowed). Returns a new object the caller destroys.
projects_feed_t *projects_feed_new(projects_store_t *store, sti_catalog_store_t *catalog,
                                   const char *broker, const char *money_unit);
void projects_feed_destroy(projects_feed_t **self_p);
//  One step: takes a reply, or sends the values when they changed.
void projects_feed_tick(projects_feed_t *self);
//  True while values wait to be accepted by sti.ingest.
bool projects_feed_pending(projects_feed_t *self);
