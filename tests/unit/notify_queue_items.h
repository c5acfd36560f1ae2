/*  A delivery for the sti-notify unit tests of the queue and of the
    delivery ops: rule r-1 ("rule one", warning), one empty alert event.
    Header only.
*/
#pragma once
#include "notify_queue.h"

//  Adds to the batch being built the delivery of rule r-1 to receiver for
//  the event named about; writes its id into id (NOTIFY_DELIVERY_ID_MAX + 1).
static inline void notify_test_queue_add(notify_queue_t *queue, const char *receiver,
                                         const char *about, char *id)
{
    static const unsigned char events[] = {0x91, 0x80}; // [{}]
    notify_queue_delivery_id("r-1", receiver, about, id);
    notify_queue_item_t item = {id,     "r-1",         "rule one", "warning", receiver,
                                events, sizeof events, false,      "",        about};
    notify_queue_add(queue, &item);
}
