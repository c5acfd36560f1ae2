/*  notify_eval_batch: an evaluator drains its stream and commits a batch.

    A batch: take up to `eval_batch` events from the subscriber; read the
    latest values their indicators had (one round); evaluate each event
    against every rule in seq order, later events seeing the latest values
    earlier ones set; then one commit (notify_queue) that queues the alerts,
    records the latest values and moves the cursor, refused if the lease or
    the cursor moved meanwhile.
*/
#pragma once
#include <stdint.h>

#include "notify_evaluator.h"

//  Takes the events the subscriber has (at most config->batch), evaluates
//  them and commits. On failure drops the subscriber, so the next lease
//  round reads again from the stored cursor.
void notify_eval_batch_drain(notify_evaluator_t *self, int64_t now_ms);
