/*  indicators_calendar: the reports the duties call for in a period, each
    with its status — received on time, received late, missing, not yet
    due (docs/completeness.md).

    A report is one (org unit, indicator, period of the indicator's
    frequency within the asked period). It is received when the unit
    reported a value for it (a value the unit sent itself, not a sum of its
    children, and not withdrawn since), at the time the first revision it
    reported was recorded (the value's revision history); on time when that
    time is before the due instant. Nothing received: missing once the due
    instant has passed, else not yet due. Reads go through
    indicators_fields_store and indicators_store: the periods of the
    reports only (HMGET), every org unit's in one round trip, then the
    revisions of the values revised since their first report in another.
    For the missing reports (the overdue list and check) whether each was
    received is kept (indicators_receipts), and read again only for the
    (indicator, org unit) hashes the `ind` event log says changed since:
    most lists then cost no read of values at all.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "indicators_duty_book.h"
#include "indicators_store.h"

typedef enum {
    INDICATORS_REPORT_ON_TIME = 0, // received before it was due
    INDICATORS_REPORT_LATE,        // received after
    INDICATORS_REPORT_MISSING,     // past due, nothing received
    INDICATORS_REPORT_NOT_DUE,     // not due yet, nothing received
} indicators_report_status_t;

//  "on_time", "late", "missing" or "not_due".
const char *indicators_report_status_name(indicators_report_status_t status);

//  One report a duty calls for.
typedef struct {
    const indicators_duty_unit_t *unit; // the org unit (the book's)
    const indicators_duty_t *duty;      // the indicator and its calendar (the book's)
    sti_period_t period;                // the report's period
    int64_t due_ms;                     // due before this instant (ms since the epoch)
    indicators_report_status_t status;  // where it stands
    int64_t received_ms;                // when it was received (0: not)
} indicators_report_t;

typedef struct _indicators_calendar_t indicators_calendar_t;

//  store is borrowed. Never NULL.
indicators_calendar_t *indicators_calendar_new(indicators_store_t *store);
void indicators_calendar_destroy(indicators_calendar_t **self_p);

//  What a question needs to know of each report.
typedef enum {
    INDICATORS_CALENDAR_STATUS = 0, // its status and when it was received
    INDICATORS_CALENDAR_MISSING,    // only whether it is missing: a report not yet due
                                    // is not read (it says not_due even when received),
                                    // a received one's time is not exact (on_time and
                                    // late are not told apart), and whether each was
                                    // received is kept (indicators_receipts)
} indicators_calendar_need_t;

//  Works out the reports of periods[0..count) for every unit of book under
//  org (NULL: all; else the unit and every unit below it in the catalog's
//  tree) as of now_ms, as need says. Returns how many, with *reports
//  pointing at them (the calendar's, valid until the next call), or -1
//  with err set.
int64_t indicators_calendar_reports(indicators_calendar_t *self, const sti_catalog_t *catalog,
                                    const indicators_duty_book_t *book, const sti_period_t *periods,
                                    size_t count, const sti_org_unit_t *org, int64_t now_ms,
                                    indicators_calendar_need_t need,
                                    const indicators_report_t **reports, char *err, size_t errlen);
