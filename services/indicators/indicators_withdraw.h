/*  indicators_withdraw: the op value.withdraw (docs/ops.md is made from its
    declaration here).

    A wrong value is withdrawn, not deleted: the op appends a withdrawal to
    the intake log (a row whose value is nil, the reason in its note,
    sti_intake.h), so the applier takes it in order with the values before
    and after it, as one more revision of the value (origin `withdrawn`,
    with the reason and who), and recomputes the sums and derived values
    above it as if the value had never been reported; an indicator.changed
    event says so (new nil, the reason). History keeps every revision.

    The op answers once the withdrawal is in the intake log, like
    obs.submit: it is applied in the order it came (stictl ingest --wait
    and the events tell when). The same request id again gets the first
    reply and appends nothing. A value with nothing reported (never, or
    withdrawn already) is not_found.
*/
#pragma once
#include "indicators_intake.h"
#include "indicators_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _indicators_withdraw_t indicators_withdraw_t;

//  All borrowed. intake: the log's key; request_ttl_s: how long a request
//  id's reply is kept.
indicators_withdraw_t *indicators_withdraw_new(sti_redis_t *redis, sti_catalog_store_t *catalog,
                                               indicators_store_t *store, const char *intake,
                                               int64_t request_ttl_s);
void indicators_withdraw_destroy(indicators_withdraw_t **self_p);

//  The op, bound to an indicators_withdraw_t.
extern const sti_op_table_t indicators_withdraw_ops;
