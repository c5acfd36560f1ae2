/*  indicators_apply: consumes the intake log and applies it
    (docs/data-path.md, "sti-indicators: applying the intake log").

    The service's tick calls indicators_apply_tick. Each replica reads the
    intake log through the consumer group (indicators_intake); it first
    re-reads its own pending entries, so a replica restarted under the same
    consumer name takes back what it held when it died; every few seconds
    it claims entries another consumer left pending longer than the claim
    time. Once the log is drained it waits for new entries with a blocking
    read on a second connection, whose socket the service loop polls, so a
    new entry is applied at once rather than at the next tick; while that
    read is in flight nothing else reads the log (entries are applied in
    order). A batch of entries is computed in memory (indicators_batch) and
    written in one call (indicators_store) that checks the values it
    computed from, writes values and revisions, appends the events, and
    acknowledges the entries; the events are then published. A conflict
    with another replica makes the applier read and compute again. An entry
    that does not decode is logged, acknowledged and counted. A tick works
    for at most tick_budget_ms: a batch whose windows do not all fit is
    taken up again at the next tick, so requests are answered in between.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "indicators_batch.h"
#include "indicators_intake.h"
#include "indicators_store.h"
#include "sti_catalog_store.h"
#include "sti_events.h"
#include "sti_http.h"

//  The service's settings (filled by its configuration table).
typedef struct {
    char *group;            // consumer group name ("indicators")
    char *consumer;         // consumer name; NULL or "": hostname-pid
    char *intake_key;       // the intake log's key under the namespace ("intake")
    int64_t batch_entries;  // entries read at once
    int64_t batch_rows;     // most rows applied by one Lua call (0: no limit)
    int64_t claim_idle_ms;  // claim entries pending longer than this
    int64_t claim_every_ms; // how often to look for them
    int64_t forget_idle_ms; // forget empty consumers idle longer than this (0: never)
    int64_t tick_budget_ms; // longest a tick keeps applying before requests are served
    int64_t tick_ms;        // how often the service's loop ticks
    int64_t block_ms;       // longest blocking read of the intake log (0: none, poll each tick)
    int64_t events_maxlen;  // bound on the event log's length
    double tolerance;       // of `lagging` (STI_PROGRESS_TOLERANCE)
} indicators_apply_config_t;

typedef struct _indicators_apply_t indicators_apply_t;

//  All arguments are borrowed and must outlive the applier.
indicators_apply_t *indicators_apply_new(indicators_store_t *store, indicators_intake_t *intake,
                                         sti_catalog_store_t *catalog, sti_events_pub_t *pub,
                                         sti_http_t *http, const indicators_apply_config_t *config);
void indicators_apply_destroy(indicators_apply_t **self_p);
//  Asks fn(arg) before the events of a written window are published: true
//  when the write has reached the replicas it must (sti_service_replicated).
//  Events of a window it says false for are not sent (the heartbeat shows
//  them once a replica has them; subscribers fetch them from the log), and
//  the batch stops there: its entries are read again, so that no later
//  window, perhaps on a replica promoted meanwhile, acknowledges an entry
//  whose earlier rows only the old master holds.
void indicators_apply_set_replicated(indicators_apply_t *self, bool (*fn)(void *arg), void *arg);

//  Applies what the intake log holds, for about the tick budget (a window
//  of rows at least; a batch left over goes on at the next tick). When the
//  log is drained and block_ms > 0, leaves a blocking read in flight on a
//  second connection. Returns the socket to wake the next tick on (readable:
//  the read's reply came), or -1 when no read is in flight.
int indicators_apply_tick(indicators_apply_t *self);
//  Ends the blocking read before a stop: waits for its reply (at most
//  block_ms) and applies what it delivered, so a stopped replica leaves no
//  entry pending that it was handed.
void indicators_apply_stop(indicators_apply_t *self);

//  The entries and rows this replica has applied since it started (rows
//  skipped as applied before, or no longer fitting the catalog, count).
void indicators_apply_totals(const indicators_apply_t *self, int64_t *entries, int64_t *rows);

//  Applies the given entries as one batch. Returns the number of entries
//  acknowledged, or -1 when Redis or the catalog failed (the entries stay
//  pending).
int indicators_apply_entries(indicators_apply_t *self, const sti_intake_entry_t *entries,
                             size_t count);
