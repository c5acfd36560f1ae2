/*  indicators_issue: the reports issued: report.issue records one (kind,
    year, when, who), report.list lists them (docs/report.md, "Revisions
    since the last report").

    stictl report records each workbook it writes; report.data then lists
    by default the revisions made since the previous report of the same
    kind was made. Recording is a write of an officer or admin, retriable
    with its request id and audited (indicators_issue_store).

    The kinds and years a report may have, and the times it reads, are
    checked here for report.data too.
*/
#pragma once
#include "indicators_issue_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _indicators_issue_ops_t indicators_issue_ops_t;

//  store and catalog are borrowed.
indicators_issue_ops_t *indicators_issue_ops_new(indicators_issue_store_t *store,
                                                 sti_catalog_store_t *catalog);
void indicators_issue_ops_destroy(indicators_issue_ops_t **self_p);

//  Checks a report's kind and year against the plan: annual any year of
//  it, midterm a year strictly inside it, final its last year. Returns 0,
//  or -1 with the key refused in field and why in why.
int indicators_issue_check(const sti_plan_t *plan, const char *kind, int year, char *field,
                           size_t field_cap, char *why, size_t why_cap);
//  Reads a time: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or
//  "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into ms since 1970. Returns 0, or -1.
int indicators_issue_parse_time(const char *text, int64_t *ms);

//  The ops, bound to an indicators_issue_ops_t.
extern const sti_op_table_t indicators_issue_ops;
