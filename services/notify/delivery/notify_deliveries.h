/*  notify_deliveries: the delivery ops of sti.notify: delivery.list and
    delivery.retry.

    A listing shows each delivery with its receiver's secret masked; a
    retry queues a dead letter again under the same id (notify_queue).
*/
#pragma once
#include "notify_queue.h"
#include "sti_service.h"

typedef struct _notify_deliveries_t notify_deliveries_t;

//  The ops over queue (re-drive) and redis (the listing reads), both
//  borrowed. Never NULL.
notify_deliveries_t *notify_deliveries_new(notify_queue_t *queue, sti_redis_t *redis);
void notify_deliveries_destroy(notify_deliveries_t **self_p);

//  The ops delivery.*, bound to a notify_deliveries_t.
extern const sti_op_table_t notify_deliveries_ops;
