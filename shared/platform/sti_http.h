/*  sti_http: the small HTTP server of every service, on libmicrohttpd.

    Serves GET /healthz (200 while the process runs), GET /readyz (200 when
    the service's ready callback says so, else 503 with the callback's
    reason), and GET /metrics
    (Prometheus text format 0.0.4). Anything else is 404. It runs in
    libmicrohttpd's own thread; counters and gauges are atomics, so the
    service's thread updates them without locks.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _sti_http_t sti_http_t;
typedef struct _sti_metric_t sti_metric_t;
//  Says whether the service is ready; when it is not, it may write why into
//  why (cap bytes, "" when it has nothing to say), which /readyz answers.
typedef bool(sti_ready_fn)(void *arg, char *why, size_t cap);

//  addr: "127.0.0.1:5565", ":5565" or "0.0.0.0:5565"; port 0 picks one.
//  Returns NULL with a reason when the port cannot be bound.
sti_http_t *sti_http_new(const char *addr, sti_ready_fn *ready, void *arg, char *err,
                         size_t errlen);
void sti_http_destroy(sti_http_t **self_p);
int sti_http_port(sti_http_t *self);

//  Registers a metric; name and help are static strings. labels is a
//  Prometheus label set without braces ("service=\"sti.ingest\"") or NULL;
//  several metrics may share a name with different labels.
sti_metric_t *sti_http_counter(sti_http_t *self, const char *name, const char *labels,
                               const char *help);
sti_metric_t *sti_http_gauge(sti_http_t *self, const char *name, const char *labels,
                             const char *help);
void sti_metric_add(sti_metric_t *metric, int64_t delta);
void sti_metric_set(sti_metric_t *metric, int64_t value);
int64_t sti_metric_value(sti_metric_t *metric);
