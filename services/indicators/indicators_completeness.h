/*  indicators_completeness: how complete and timely the reporting is
    (DHIS2's reporting rate and reporting rate on time), the list of
    overdue reports, and the `duty.overdue` events (ops completeness and
    overdue; docs/completeness.md).

    For a period it counts, per org unit, per indicator and in total, the
    reports expected, received, received on time, late, missing and not yet
    due (indicators_calendar). The reporting rate is received / (received +
    missing) and the rate on time on_time / (received + missing): reports
    not yet due and not received count in neither, so a rate says how much
    of what is owed by now came in.

    Between requests, every check interval, it raises `duty.overdue` once
    per missing report of this year and the `years` before: the set of
    raised reports is in Redis (indicators_duty_store), written in one step
    with the event, so a restart or another replica raises none twice.
*/
#pragma once
#include <stdint.h>

#include "indicators_duty_store.h"
#include "indicators_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

#define INDICATORS_OVERDUE_EVENT_TYPE "duty.overdue" // the overdue reports' event type

typedef struct _indicators_completeness_t indicators_completeness_t;

//  All borrowed.
indicators_completeness_t *indicators_completeness_new(sti_catalog_store_t *catalog,
                                                       indicators_duty_store_t *duties,
                                                       indicators_store_t *store);
void indicators_completeness_destroy(indicators_completeness_t **self_p);

//  The overdue check: every every_ms (0: never), this year and the years
//  before it, at most batch events a check.
void indicators_completeness_set_overdue(indicators_completeness_t *self, int64_t every_ms,
                                         int years, int batch);
//  Raises the overdue reports when a check is due. Returns how many it
//  raised, or -1 when Redis failed (it tries again at the next check).
int indicators_completeness_tick(indicators_completeness_t *self);

//  Writes the completeness of the year under catalog, at every org unit, as
//  the op completeness answers it without `reports` (report.data's
//  section). Returns 0, or -1 when Redis failed (err says why).
int indicators_completeness_year(indicators_completeness_t *self, const sti_catalog_t *catalog,
                                 int year, sti_writer_t *w, char *err, size_t errlen);

//  The ops, bound to an indicators_completeness_t.
extern const sti_op_table_t indicators_completeness_ops;
