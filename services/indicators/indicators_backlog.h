/*  indicators_backlog: how much of the intake log is not applied yet, how
    fast it is being applied, and when a given entry is applied
    (docs/data-path.md, "The backlog").

    Once a second (indicators_backlog_tick, from the service's tick) it
    reads the consumer group (XINFO GROUPS): entries not delivered yet (the
    group's lag) plus entries delivered and not acknowledged (pending) are
    the backlog; entries read minus pending, sampled over the last 30 s,
    give the group's apply rate, whichever replica applied them. Rows are
    estimated from the rows per entry this replica has applied (an entry
    is one obs.submit request: up to 1,000 rows from stictl). It exports
    these as gauges on /metrics and answers the op intake.status, which
    also says whether an entry (the `entry` obs.submit answered) is
    applied: `stictl ingest --wait` and `stictl status` ask it.
*/
#pragma once
#include "indicators_apply.h"
#include "indicators_intake.h"
#include "sti_service.h"

typedef struct _indicators_backlog_t indicators_backlog_t;

//  All borrowed; they must outlive the backlog.
indicators_backlog_t *indicators_backlog_new(indicators_intake_t *intake, indicators_apply_t *apply,
                                             sti_http_t *http);
void indicators_backlog_destroy(indicators_backlog_t **self_p);
//  Samples the group when a second has passed since the last sample.
void indicators_backlog_tick(indicators_backlog_t *self);

//  The op intake.status, bound to an indicators_backlog_t.
extern const sti_op_table_t indicators_backlog_ops;
