/*  indicators_query: the read ops over values (docs/ops.md): series.get,
    progress.report, snapshot.get.

    They read what the applier wrote (<ns>:val:*, <ns>:rev:*, the value
    index <ns>:vals and the event sequence) in pipelined round trips and
    never write. Each handler writes a whole reply and returns 0.
*/
#pragma once
#include "indicators_values.h"
#include "sti_catalog_store.h"
#include "sti_envelope.h"
#include "sti_redis.h"

typedef struct _indicators_query_t indicators_query_t;

//  All arguments are borrowed. tolerance: of `lagging`.
indicators_query_t *indicators_query_new(sti_redis_t *redis, sti_catalog_store_t *store,
                                         double tolerance);
void indicators_query_destroy(indicators_query_t **self_p);

int indicators_series_get(indicators_query_t *self, const sti_request_t *request,
                          sti_writer_t *reply);
int indicators_progress_report(indicators_query_t *self, const sti_request_t *request,
                               sti_writer_t *reply);
int indicators_snapshot_get(indicators_query_t *self, const sti_request_t *request,
                            sti_writer_t *reply);
