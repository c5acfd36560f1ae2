/*  notify_eval_timers: an evaluator's timed steps: group flushes and stale
    checks.

    A flush reads the group's flush count and its first events, builds one
    delivery per receiver (id from the group id and the flush count), and
    commits it as a compare-and-set on the count, so two replicas flushing
    the same group make one message. A stale check reads the latest values
    notify has seen and queues an alert for every one a stale rule finds
    too old; the delivery id names the indicator, org unit and period (and
    the repeat interval's round), so the same staleness is sent once per
    repeat_interval (once in all when it is 0).
*/
#pragma once
#include <stdint.h>

#include "notify_evaluator.h"

//  Flushes the groups that are due (any replica may).
void notify_eval_timers_flush(notify_evaluator_t *self, int64_t now_ms);
//  Checks the stale rules against the latest values (the replica holding
//  the ind lease).
void notify_eval_timers_stale(notify_evaluator_t *self, int64_t now_ms);
