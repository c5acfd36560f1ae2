/*  sti_service_health: see sti_service_health.h.

    The request counters are made on first use, one per (op, code) pair a
    reply has had, so /metrics lists only pairs that happened; the duration
    counters, one per op, exist from the start.
*/
#include "sti_service_health.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#define S_CODES (STI_ERR_INTERNAL + 1) // error codes, with NONE for "ok"

struct _sti_service_health_t {
    sti_http_t *http;             // /healthz, /readyz, /metrics
    sti_service_ops_t *ops;       // the rows counted (borrowed)
    sti_dataset_watch_t *dataset; // readiness follows it (borrowed)
    size_t rows;                  // ops' rows, with _unknown and _malformed
    sti_metric_t **requests;      // [rows * S_CODES] request counters, made on first use
    sti_metric_t **durations;     // [rows] duration counters
    sti_metric_t *redis_up;       // gauge: 1 while Redis is connected
    sti_metric_t *redis_connects; // counter: times the Redis connection was made
    sti_metric_t *broker_up;      // gauge: 1 while the worker hears from the broker
    sti_metric_t *dataset_lost;   // gauge: 1 while the dataset is lost
};

//  /readyz, on the HTTP thread.
static bool s_ready(void *arg, char *why, size_t cap)
{
    sti_service_health_t *self = arg;
    if (self->dataset && sti_dataset_watch_lost(self->dataset, why, cap)) {
        return false;
    }
    if (sti_metric_value(self->redis_up) != 1) {
        snprintf(why, cap, "Redis is not connected");
        return false;
    }
    if (sti_metric_value(self->broker_up) != 1) {
        snprintf(why, cap, "the broker does not answer");
        return false;
    }
    return true;
}

sti_service_health_t *sti_service_health_new(const char *addr, sti_service_ops_t *ops,
                                             sti_dataset_watch_t *dataset, char *err, size_t cap)
{
    assert(addr && ops);
    sti_service_health_t *self = calloc(1, sizeof *self);
    assert(self);
    self->ops = ops;
    self->dataset = dataset;
    //  Until its gauges exist, /readyz reads them as 0: not ready.
    self->http = sti_http_new(addr, s_ready, self, err, cap);
    if (!self->http) {
        free(self);
        return NULL;
    }
    self->rows = sti_service_ops_count(ops) + 2;
    self->requests = calloc(self->rows * S_CODES, sizeof *self->requests);
    self->durations = calloc(self->rows, sizeof *self->durations);
    assert(self->requests && self->durations);
    for (size_t i = 0; i < self->rows; i++) {
        char labels[STI_OP_MAX + 16];
        snprintf(labels, sizeof labels, "op=\"%s\"", sti_service_ops_name(ops, i));
        self->durations[i] = sti_http_counter(self->http, "sti_request_duration_microseconds_total",
                                              labels, "Time spent answering requests, by op.");
    }
    self->redis_up =
        sti_http_gauge(self->http, "sti_redis_up", NULL, "1 while the Redis connection is up.");
    self->redis_connects = sti_http_counter(
        self->http, "sti_redis_connects_total", NULL,
        "Times the Redis connection was made: 1, and one more for each reconnect after it was "
        "lost (a restart, a fail-over, a connection Redis closed).");
    self->broker_up = sti_http_gauge(self->http, "sti_broker_connected", NULL,
                                     "1 while the worker hears from the broker.");
    self->dataset_lost = sti_http_gauge(
        self->http, "sti_dataset_lost", NULL,
        "1 while Redis lacks data this deployment wrote (until an operator accepts the loss).");
    return self;
}

void sti_service_health_destroy(sti_service_health_t **self_p)
{
    assert(self_p);
    sti_service_health_t *self = *self_p;
    if (!self) {
        return;
    }
    sti_http_destroy(&self->http);
    free(self->requests);
    free(self->durations);
    free(self);
    *self_p = NULL;
}

sti_http_t *sti_service_health_http(sti_service_health_t *self)
{
    assert(self);
    return self->http;
}

void sti_service_health_count(sti_service_health_t *self, size_t row, sti_errcode_t code,
                              int64_t micros)
{
    assert(self && row < self->rows && (int)code < S_CODES);
    sti_metric_t **slot = &self->requests[row * S_CODES + (size_t)code];
    if (!*slot) {
        char labels[STI_OP_MAX + 64];
        snprintf(labels, sizeof labels, "op=\"%s\",code=\"%s\"",
                 sti_service_ops_name(self->ops, row),
                 code == STI_ERR_NONE ? "ok" : sti_errcode_name(code));
        *slot = sti_http_counter(self->http, "sti_requests_total", labels,
                                 "Requests answered, by op and result code.");
    }
    sti_metric_add(*slot, 1);
    sti_metric_add(self->durations[row], micros);
}

void sti_service_health_set(sti_service_health_t *self, bool redis_up, bool broker_up,
                            uint64_t redis_connects)
{
    assert(self);
    //  The count first: a reader that sees the connection up sees its count.
    sti_metric_set(self->redis_connects, (int64_t)redis_connects);
    sti_metric_set(self->redis_up, redis_up ? 1 : 0);
    sti_metric_set(self->broker_up, broker_up ? 1 : 0);
}

void sti_service_health_set_lost(sti_service_health_t *self, bool lost)
{
    assert(self);
    sti_metric_set(self->dataset_lost, lost ? 1 : 0);
}
