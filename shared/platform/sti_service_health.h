/*  sti_service_health: what a service shows on its small HTTP port.

    /healthz (the process answers), /readyz and /metrics (sti_http.h), with
    the service frame's own metrics:

      sti_requests_total{op, code}                 requests answered, by op and code
      sti_request_duration_microseconds_total{op}  time spent answering them
      sti_redis_up, sti_broker_connected           gauges the loop refreshes every turn
      sti_dataset_lost                             1 while the dataset is lost

    The op label takes only the service's op names, "_unknown" and
    "_malformed" (sti_service_ops.h), so a client cannot grow the label set.
    /readyz fails with a reason while the dataset is lost, Redis is not
    connected or the broker does not answer; it runs on the HTTP thread, so
    it reads the gauges and the (locked) dataset watch, never the
    connections themselves.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_dataset.h"
#include "sti_envelope.h"
#include "sti_http.h"
#include "sti_service_ops.h"

typedef struct _sti_service_health_t sti_service_health_t;

//  Serves addr ("HOST:PORT", port 0 picks one) with counters for every row
//  of ops and readiness that follows dataset (both borrowed, outliving it).
//  Returns NULL with the reason in err.
sti_service_health_t *sti_service_health_new(const char *addr, sti_service_ops_t *ops,
                                             sti_dataset_watch_t *dataset, char *err, size_t cap);
void sti_service_health_destroy(sti_service_health_t **self_p);
//  The HTTP server, for a service's own metrics (borrowed).
sti_http_t *sti_service_health_http(sti_service_health_t *self);
//  Counts one answered request of row (sti_service_ops rows) with code,
//  which took micros.
void sti_service_health_count(sti_service_health_t *self, size_t row, sti_errcode_t code,
                              int64_t micros);
//  Sets the gauges, and the count of times the Redis connection was made
//  (sti_redis_generation: 1 once connected, one more for each reconnect).
void sti_service_health_set(sti_service_health_t *self, bool redis_up, bool broker_up,
                            uint64_t redis_connects);
void sti_service_health_set_lost(sti_service_health_t *self, bool lost);
