/*  indicators_report: the op report.data (docs/report.md; docs/ops.md is
    made from its declaration here): everything an evaluation report holds
    about the indicators, as one document: the plan, each indicator's
    progress and forecast at the root with its series year by year against
    the trajectory, the same rows at every other org unit, the revisions of
    reported values since a time, and the place of the reporting duties'
    completeness.

    A row is computed by the same functions as progress.report's
    (indicators_table_progress) and forecast.report's
    (indicators_forecast_compute), so the report never disagrees with them.
    It reads the values through indicators_store, one org unit at a time
    into a reused table (memory bounded by one org unit's values), and
    never writes.
*/
#pragma once
#include "indicators_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

#define INDICATORS_REPORT_REVISIONS_MAX 5000 // revisions listed at most (then `revisions_more`)

typedef struct _indicators_report_t indicators_report_t;
typedef struct _indicators_completeness_t indicators_completeness_t;
typedef struct _indicators_issue_store_t indicators_issue_store_t;

//  All arguments are borrowed. tolerance: of `lagging`, as progress.report's.
indicators_report_t *indicators_report_new(indicators_store_t *store, sti_catalog_store_t *catalog,
                                           double tolerance);
//  The reporting duties' completeness for the report's section (borrowed;
//  without it the section is nil).
void indicators_report_set_completeness(indicators_report_t *self,
                                        indicators_completeness_t *completeness);
//  The reports issued (borrowed), whose latest of a kind gives `since`
//  its default; without it the default is the year's or the plan's start.
void indicators_report_set_issued(indicators_report_t *self, indicators_issue_store_t *issued);
void indicators_report_destroy(indicators_report_t **self_p);
//  The op report.data, bound to an indicators_report_t.
extern const sti_op_table_t indicators_report_ops;
