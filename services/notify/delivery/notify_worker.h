/*  notify_worker: the sender threads of sti-notify.

    Each sender is a thread with its own Redis connection. It claims due
    deliveries from the queue (notify_queue), sends each through its
    receiver's channel (notify_deliver) and records the result: delivered;
    retryable and within the limits, due again after an exponential
    back-off with jitter (never sooner than the receiver's Retry-After);
    final, or past the attempt or age limit, to the dead-letter list.
    Sends are synchronous (libcurl, bounded by the channel time-outs), which
    is why they run here and not in the service's request loop. A claim is
    a lease longer than a send can take, so a sender that dies mid-send
    leaves its deliveries to come due again for another.
*/
#pragma once
#include <stdint.h>

#include "notify_channel.h"
#include "sti_http.h"

//  The retry policy and the senders' settings (their ranges: main.c, which
//  refuses to start with a value out of them).
typedef struct {
    int64_t senders;        // sender threads
    int64_t lease_ms;       // how long a claim holds a delivery
    int64_t max_attempts;   // sends of one delivery before it is dead
    int64_t max_age_ms;     // age after which a failing delivery is dead
    int64_t backoff_ms;     // back-off after the first failure
    int64_t backoff_max_ms; // longest back-off
    int64_t poll_ms;        // how often an idle sender looks for due work
    int64_t batch;          // deliveries one claim takes
    int64_t retention_ms;   // how long delivered ones stay listed
} notify_worker_config_t;

typedef struct _notify_worker_t notify_worker_t;

//  Registers the senders' metrics on http and starts config->senders
//  threads, each connecting to redis_url under ns. Everything
//  passed is borrowed and must outlive the worker. Returns NULL when
//  redis_url is bad or a thread cannot start.
notify_worker_t *notify_worker_new(const char *redis_url, const char *ns,
                                   const notify_worker_config_t *config,
                                   const notify_channel_config_t *channels, sti_http_t *http);
//  Stops the threads after the sends they hold, and joins them.
void notify_worker_destroy(notify_worker_t **self_p);

//  The back-off before try number `attempt` + 1 (attempt >= 1): base * 2^(attempt-1)
//  capped at max, with jitter drawn in [half, whole], and at least
//  retry_after_s seconds when that is >= 0.
int64_t notify_worker_backoff(const notify_worker_config_t *config, int64_t attempt,
                              int64_t retry_after_s);
