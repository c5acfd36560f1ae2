/*  ingest_submit: the obs.submit op of sti-ingest.

    Checks every row of a request against the catalog, answers for every
    refused row with its index, field and reason, and appends the accepted
    rows, converted to the catalog's units, to the intake log as one entry
    (docs/data-path.md). The reply is sent only after Redis has taken the
    entry; the same request id sent again gets the first reply and appends
    nothing.
*/
#pragma once
#include "sti_service.h"

typedef struct _ingest_submit_t ingest_submit_t;

//  Settings of sti-ingest (filled by the configuration table).
typedef struct {
    int64_t max_rows;      // rows one request may hold
    int64_t request_ttl_s; // how long a request id's reply is kept
    char *intake_key;      // stream name under the namespace ("intake")
    int64_t period_ahead;  // years after the current period a row's period may be (0: none)
    double warn_factor;    // a value this many times away from its series' last is warned of
} ingest_config_t;

ingest_submit_t *ingest_submit_new(sti_redis_t *redis, const ingest_config_t *config,
                                   sti_http_t *http);
void ingest_submit_destroy(ingest_submit_t **self_p);

//  The op obs.submit, bound to an ingest_submit_t.
extern const sti_op_table_t ingest_submit_ops;
