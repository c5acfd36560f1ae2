/*  gateway_metrics: what sti-gateway counts, on the service's /metrics
    (sti_http): requests by route and status, their latency as a
    histogram, bytes in and out, open connections and event streams, calls
    in flight, and connections cut (by reason). Routes are the declared
    paths ("GET /api/v1/talents/{id}"), never a request's own path, so a
    client cannot grow the label set.

    The histogram is counters: sti_gateway_request_duration_us_bucket{le}
    (cumulative, le in microseconds, "+Inf" last), _sum and _count.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "sti_http.h"

typedef struct _gateway_metrics_t gateway_metrics_t;

gateway_metrics_t *gateway_metrics_new(sti_http_t *http);
void gateway_metrics_destroy(gateway_metrics_t **self_p);
//  One request answered.
void gateway_metrics_request(gateway_metrics_t *self, const char *route, int status,
                             int64_t micros);
void gateway_metrics_bytes(gateway_metrics_t *self, size_t in, size_t out);
void gateway_metrics_gauges(gateway_metrics_t *self, int64_t connections, int64_t streams,
                            int64_t calls);
//  A connection or stream cut: reason "header_timeout", "slow_reader", "body_too_large".
void gateway_metrics_cut(gateway_metrics_t *self, const char *reason);
