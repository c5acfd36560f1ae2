/*  indicators_calendar: the reports the duties call for in a period, each
    with its status — received on time, received late, missing, not yet
    due (docs/completeness.md).

    A report is one (org unit, indicator, period of the indicator's
    frequency within the asked period). It is received when the unit
    reported a value for it (a value the unit sent itself, not a sum of its
    children, and not withdrawn since), at the time the first revision it
    reported was recorded (the value's revision history); on time when that
    time is before the due instant. Nothing received: missing once the due
    instant has passed, else not yet due. Reads go through indicators_store.
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

//  Works out the reports of periods[0..count) for every unit of book under
//  org (NULL: all; else the unit and every unit below it in the catalog's
//  tree) as of now_ms. Returns how many, with *reports pointing at them
//  (the calendar's, valid until the next call), or -1 with err set.
int64_t indicators_calendar_reports(indicators_calendar_t *self, const sti_catalog_t *catalog,
                                    const indicators_duty_book_t *book, const sti_period_t *periods,
                                    size_t count, const sti_org_unit_t *org, int64_t now_ms,
                                    const indicators_report_t **reports, char *err, size_t errlen);
