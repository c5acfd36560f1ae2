/*  notify_eval: the evaluator thread of sti-notify.

    One evaluator (a thread) per stream read (ind from sti.indicators, tal
    from sti.talent), so a publisher that is away, whose replays then time
    out, slows only its own stream. For its stream the evaluator holds a lease in Redis (<ns>:notify:lease:<stream>, a
    token with an expiry it renews); only the replica holding it subscribes
    and evaluates, so each event is evaluated by one replica. It reads the
    stream with the reliable subscriber from the cursor kept in Redis
    (<ns>:notify:cursor:<stream>), evaluates every rule against each event,
    and commits a batch in one Lua call that queues the alerts, records the
    latest values, and moves the cursor, refused if the lease or the cursor
    moved meanwhile. A crash before the commit re-evaluates the batch from
    the stored cursor; a crash after it has nothing left to do. Delivery ids
    are a hash of (rule, receiver, event), so even an alert made twice is
    queued once.

    On timers, the same thread flushes alert groups that are due (any
    replica; each flush is a compare-and-set on the group's flush count) and,
    while it holds the ind lease, checks the stale rules.
*/
#pragma once
#include <stdint.h>

#include "sti_http.h"

//  The evaluator's settings.
typedef struct {
    const char *redis_url;    // Redis
    const char *ns;           // namespace
    const char *events_sub;   // broker XPUB endpoint
    const char *broker;       // broker request endpoint (events.since)
    const char *stream;       // "ind" or "tal": the stream evaluated
    int64_t lease_ms;         // evaluator lease per stream
    int64_t batch;            // events one commit holds at most
    int64_t flush_ms;         // how often due groups are looked for
    int64_t stale_check_ms;   // how often stale rules are checked
    int64_t retention_ms;     // how long finished deliveries stay listed
} notify_eval_config_t;

//  The metrics the evaluator updates (borrowed).
typedef struct {
    sti_metric_t *events;   // events evaluated
    sti_metric_t *alerts;   // deliveries queued (or recorded silenced)
    sti_metric_t *silenced; // alerts held by a silence
    sti_metric_t *leases;   // gauge: 1 while this replica evaluates the stream
} notify_eval_metrics_t;

typedef struct _notify_eval_t notify_eval_t;

//  Starts the thread for config->stream. config and metrics are borrowed.
//  NULL on failure (or an unknown stream).
notify_eval_t *notify_eval_new(const notify_eval_config_t *config,
                               const notify_eval_metrics_t *metrics);
//  Stops after the batch in hand, gives up the leases, joins.
void notify_eval_destroy(notify_eval_t **self_p);
