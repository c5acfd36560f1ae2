/*  notify_eval: the evaluator threads of sti-notify.

    One evaluator (a thread) per stream read (ind from sti.indicators, tal
    from sti.talent, prj from sti.projects), so a publisher that is away,
    whose replays then time out, slows only its own stream. For its stream the evaluator holds a
    lease in Redis (a token with an expiry it renews); only the replica
    holding it subscribes and evaluates, so each event is evaluated by one
    replica. It reads the stream with the reliable subscriber from the
    cursor kept in Redis, evaluates every rule against each event, and
    commits a batch in one Lua call that queues the alerts, records the
    latest values, and moves the cursor, refused if the lease or the cursor
    moved meanwhile (notify_eval_batch). A crash before the commit
    re-evaluates the batch from the stored cursor; a crash after it has
    nothing left to do. Delivery ids are a hash of (rule, receiver, event),
    so even an alert made twice is queued once.

    On timers, the same thread flushes alert groups that are due (any
    replica; each flush is a compare-and-set on the group's flush count) and,
    while it holds the ind lease, checks the stale rules (notify_eval_timers).
*/
#pragma once
#include <stddef.h>

#include "notify_evaluator.h"
#include "sti_http.h"

typedef struct _notify_eval_t notify_eval_t;

//  Checks a list of streams ("ind,tal,prj", "ind", "" for none). Returns 0, or
//  -1 with the reason naming the first name that is not a stream.
int notify_eval_check_streams(const char *streams, char *err, size_t errlen);

//  Registers the evaluators' metrics on http and starts one thread per
//  stream of config->streams (checked). config is borrowed. Returns NULL
//  after logging why when one cannot start.
notify_eval_t *notify_eval_new(const notify_eval_config_t *config, sti_http_t *http);
//  Stops every thread after the batch in hand, gives up the leases, joins.
void notify_eval_destroy(notify_eval_t **self_p);
