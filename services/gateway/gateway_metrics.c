/*  gateway_metrics: see gateway_metrics.h. The counters of a route and
    status are made on first use and found again in a hash (the HTTP
    thread is the only one that counts). */
#include "gateway_metrics.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>

static const int64_t s_bounds[] = {1000,   5000,   10000,   25000,   50000,  100000,
                                   250000, 500000, 1000000, 2500000, 5000000};
#define S_BUCKETS (sizeof s_bounds / sizeof s_bounds[0])

struct _gateway_metrics_t {
    sti_http_t *http;                     // borrowed
    zhashx_t *requests;                   // "route|status" -> sti_metric_t * (not owned)
    sti_metric_t *buckets[S_BUCKETS + 1]; // le bounds, then +Inf
    sti_metric_t *sum;                    // microseconds, all requests
    sti_metric_t *count;                  // requests
    sti_metric_t *bytes_in;               // request bodies
    sti_metric_t *bytes_out;              // answers and event streams
    sti_metric_t *connections;            // open connections
    sti_metric_t *streams;                // open event streams
    sti_metric_t *calls;                  // calls to services in flight
    zhashx_t *cuts;                       // reason -> sti_metric_t *
};

gateway_metrics_t *gateway_metrics_new(sti_http_t *http)
{
    assert(http);
    gateway_metrics_t *self = calloc(1, sizeof *self);
    assert(self);
    self->http = http;
    self->requests = zhashx_new();
    self->cuts = zhashx_new();
    const char *help = "Requests by latency, microseconds (cumulative).";
    char label[32];
    for (size_t i = 0; i <= S_BUCKETS; i++) {
        if (i < S_BUCKETS) {
            snprintf(label, sizeof label, "le=\"%lld\"", (long long)s_bounds[i]);
        } else {
            snprintf(label, sizeof label, "le=\"+Inf\"");
        }
        self->buckets[i] =
            sti_http_counter(http, "sti_gateway_request_duration_us_bucket", label, help);
    }
    self->sum = sti_http_counter(http, "sti_gateway_request_duration_us_sum", NULL,
                                 "Microseconds spent answering requests.");
    self->count =
        sti_http_counter(http, "sti_gateway_request_duration_us_count", NULL, "Requests answered.");
    self->bytes_in = sti_http_counter(http, "sti_gateway_bytes_total", "direction=\"in\"",
                                      "Bytes of request bodies and of answers.");
    self->bytes_out = sti_http_counter(http, "sti_gateway_bytes_total", "direction=\"out\"",
                                       "Bytes of request bodies and of answers.");
    self->connections =
        sti_http_gauge(http, "sti_gateway_connections", NULL, "HTTP connections open.");
    self->streams = sti_http_gauge(http, "sti_gateway_event_streams", NULL, "Event streams open.");
    self->calls = sti_http_gauge(http, "sti_gateway_calls_in_flight", NULL,
                                 "Calls to the services waiting for their answer.");
    return self;
}

void gateway_metrics_destroy(gateway_metrics_t **self_p)
{
    assert(self_p);
    gateway_metrics_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->requests);
        zhashx_destroy(&self->cuts);
        free(self);
        *self_p = NULL;
    }
}

void gateway_metrics_request(gateway_metrics_t *self, const char *route, int status, int64_t micros)
{
    assert(self && route);
    char key[256];
    snprintf(key, sizeof key, "%s|%d", route, status);
    sti_metric_t *counter = zhashx_lookup(self->requests, key);
    if (!counter) {
        char labels[300];
        snprintf(labels, sizeof labels, "route=\"%s\",status=\"%d\"", route, status);
        counter = sti_http_counter(self->http, "sti_gateway_requests_total", labels,
                                   "Requests answered, by route and status.");
        zhashx_insert(self->requests, key, counter);
    }
    sti_metric_add(counter, 1);
    for (size_t i = 0; i <= S_BUCKETS; i++) {
        if (i == S_BUCKETS || micros <= s_bounds[i]) {
            sti_metric_add(self->buckets[i], 1);
        }
    }
    sti_metric_add(self->sum, micros);
    sti_metric_add(self->count, 1);
}

void gateway_metrics_bytes(gateway_metrics_t *self, size_t in, size_t out)
{
    assert(self);
    sti_metric_add(self->bytes_in, (int64_t)in);
    sti_metric_add(self->bytes_out, (int64_t)out);
}

void gateway_metrics_gauges(gateway_metrics_t *self, int64_t connections, int64_t streams,
                            int64_t calls)
{
    assert(self);
    sti_metric_set(self->connections, connections);
    sti_metric_set(self->streams, streams);
    sti_metric_set(self->calls, calls);
}

void gateway_metrics_cut(gateway_metrics_t *self, const char *reason)
{
    assert(self && reason);
    sti_metric_t *counter = zhashx_lookup(self->cuts, reason);
    if (!counter) {
        char labels[64];
        snprintf(labels, sizeof labels, "reason=\"%s\"", reason);
        counter = sti_http_counter(self->http, "sti_gateway_cut_total", labels,
                                   "Connections and event streams cut, by reason.");
        zhashx_insert(self->cuts, reason, counter);
    }
    sti_metric_add(counter, 1);
}
