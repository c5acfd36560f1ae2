/*  indicators_calendar: the reports the duties call for. See the header.

    Every report is laid out first, with one ask per (unit, duty) of the
    periods whose values are read; the values of every ask are then read in
    one round trip (indicators_fields_store), and the revisions of the
    values reported and revised since in another, to find when each was
    first received (a value of one revision was received when its record
    says: most values, so most reports cost no read of their own). Only the
    records are kept that a report needs, one at a time: memory grows with
    the reports, not with the values Redis holds.
*/
#include "indicators_calendar.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_fields_store.h"
#include "indicators_store_history.h"
#include "indicators_receipts.h"

#define S_SUBS_MAX 12 // periods of one frequency within one period

struct _indicators_calendar_t {
    indicators_store_t *store;           // borrowed
    indicators_fields_store_t *reads;    // the values' reads
    indicators_store_history_t *history; // the revisions' reads
    indicators_calendar_need_t need;     // what the question needs
    indicators_report_t *reports;        // the last answer
    size_t count, cap;                   // its size and room
    indicators_store_ask_t *asks;        // the values read, one ask per (unit, duty)
    size_t *starts;                      // where each ask's periods start in periods
    size_t ask_count, ask_cap;           // asks in use and room
    sti_period_t *periods;               // the periods read, ask after ask
    size_t *owners;                      // the report of each
    size_t period_count, period_cap;     // periods in use and room
    indicators_store_ask_t *revised;     // the values whose revisions are read
    size_t *revised_owners;              // the report of each
    size_t revised_count, revised_cap;   // in use and room
    indicators_receipts_t *receipts;     // whether each due report was received, kept
};

const char *indicators_report_status_name(indicators_report_status_t status)
{
    static const char *const names[] = {"on_time", "late", "missing", "not_due"};
    return status <= INDICATORS_REPORT_NOT_DUE ? names[status] : "?";
}

indicators_calendar_t *indicators_calendar_new(indicators_store_t *store)
{
    assert(store);
    indicators_calendar_t *self = (indicators_calendar_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->reads = indicators_fields_store_new(store);
    self->history = indicators_store_history_new(store);
    self->receipts = indicators_receipts_new(store);
    return self;
}

void indicators_calendar_destroy(indicators_calendar_t **self_p)
{
    assert(self_p);
    indicators_calendar_t *self = *self_p;
    if (self) {
        indicators_fields_store_destroy(&self->reads);
        indicators_store_history_destroy(&self->history);
        indicators_receipts_destroy(&self->receipts);
        free(self->reports);
        free(self->asks);
        free(self->starts);
        free(self->periods);
        free(self->owners);
        free(self->revised);
        free(self->revised_owners);
        free(self);
        *self_p = NULL;
    }
}

//  Whether org is under (or is) top in catalog's tree.
static bool s_under(const sti_catalog_t *catalog, const sti_org_unit_t *org,
                    const sti_org_unit_t *top)
{
    for (size_t depth = 0; org && depth < STI_CATALOG_ORG_UNITS; depth++) {
        if (strcmp(org->code, top->code) == 0) {
            return true;
        }
        org = sti_catalog_org_parent(catalog, org->code);
    }
    return false;
}

static indicators_report_t *s_add(indicators_calendar_t *self)
{
    if (self->count == self->cap) {
        self->cap = self->cap ? 2 * self->cap : 256;
        self->reports =
            (indicators_report_t *)realloc(self->reports, self->cap * sizeof *self->reports);
        assert(self->reports);
    }
    indicators_report_t *report = &self->reports[self->count++];
    memset(report, 0, sizeof *report);
    return report;
}

//  Opens the ask of (indicator, org); its periods follow with s_add_period.
static void s_open_ask(indicators_calendar_t *self, const sti_indicator_t *indicator,
                       const sti_org_unit_t *org)
{
    if (self->ask_count == self->ask_cap) {
        self->ask_cap = self->ask_cap ? 2 * self->ask_cap : 64;
        self->asks = realloc(self->asks, self->ask_cap * sizeof *self->asks);
        self->starts = (size_t *)realloc(self->starts, self->ask_cap * sizeof *self->starts);
        assert(self->asks && self->starts);
    }
    self->asks[self->ask_count] = (indicators_store_ask_t){indicator, org, NULL, 0};
    self->starts[self->ask_count++] = self->period_count;
}

//  Adds the period of the report at owner to the open ask.
static void s_add_period(indicators_calendar_t *self, size_t owner)
{
    if (self->period_count == self->period_cap) {
        self->period_cap = self->period_cap ? 2 * self->period_cap : 256;
        self->periods = realloc(self->periods, self->period_cap * sizeof *self->periods);
        self->owners = (size_t *)realloc(self->owners, self->period_cap * sizeof *self->owners);
        assert(self->periods && self->owners);
    }
    self->periods[self->period_count] = self->reports[owner].period;
    self->owners[self->period_count++] = owner;
    self->asks[self->ask_count - 1].count++;
}

//  Lays out the reports of one unit, and its asks.
static void s_unit(indicators_calendar_t *self, const indicators_duty_unit_t *unit,
                   const sti_period_t *periods, size_t count, int64_t now_ms)
{
    for (size_t d = 0; d < unit->duty_count; d++) {
        const indicators_duty_t *duty = &unit->duties[d];
        s_open_ask(self, duty->indicator, unit->org);
        for (size_t p = 0; p < count; p++) {
            sti_period_t subs[S_SUBS_MAX];
            size_t n = sti_due_periods(&periods[p], duty->rule->frequency, subs, S_SUBS_MAX);
            for (size_t s = 0; s < n && s < S_SUBS_MAX; s++) {
                indicators_report_t *report = s_add(self);
                report->unit = unit;
                report->duty = duty;
                report->period = subs[s];
                report->due_ms = sti_due_time(&duty->rule->rule, &subs[s]);
                if (self->need == INDICATORS_CALENDAR_STATUS || now_ms >= report->due_ms) {
                    s_add_period(self, self->count - 1);
                }
            }
        }
    }
}

//  Asks for the revisions of the value of the report at owner.
static void s_want_revisions(indicators_calendar_t *self, size_t owner)
{
    if (self->revised_count == self->revised_cap) {
        self->revised_cap = self->revised_cap ? 2 * self->revised_cap : 64;
        self->revised = realloc(self->revised, self->revised_cap * sizeof *self->revised);
        self->revised_owners = (size_t *)realloc(self->revised_owners,
                                                 self->revised_cap * sizeof *self->revised_owners);
        assert(self->revised && self->revised_owners);
    }
    const indicators_report_t *report = &self->reports[owner];
    self->revised[self->revised_count] =
        (indicators_store_ask_t){report->duty->indicator, report->unit->org, &report->period, 1};
    self->revised_owners[self->revised_count++] = owner;
}

//  The value of one report's period: received when the unit reported it.
static void s_received(void *arg, size_t ask, size_t point, const indicators_record_t *record)
{
    indicators_calendar_t *self = (indicators_calendar_t *)arg;
    size_t owner = self->owners[self->starts[ask] + point];
    if (record && record->has_r) {
        //  A value of one revision was received when it was reported; only
        //  a revised one's first report is read (and for the missing ones
        //  only when its record says no time).
        self->reports[owner].received_ms = record->t;
        if (record->rev > 1 && (self->need == INDICATORS_CALENDAR_STATUS || record->t <= 0)) {
            s_want_revisions(self, owner);
        }
    }
}

//  The revisions of one value: the first the unit reported is when it was received.
static void s_first_reported(void *arg, size_t point, const indicators_revision_t *revisions,
                             size_t count)
{
    indicators_calendar_t *self = (indicators_calendar_t *)arg;
    indicators_report_t *report = &self->reports[self->revised_owners[point]];
    for (size_t r = 0; r < count; r++) {
        if (strcmp(revisions[r].origin, "reported") == 0 && revisions[r].t > 0) {
            report->received_ms = revisions[r].t;
            return;
        }
    }
}

//  Takes what is kept of the asks' periods (received or not) and leaves
//  in each ask only the periods that are not kept.
static void s_from_known(indicators_calendar_t *self)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->ask_count; i++) {
        const indicators_store_ask_t *ask = &self->asks[i];
        const uint8_t *slots = indicators_receipts_find(self->receipts, ask->indicator, ask->org);
        size_t from = self->starts[i], count = ask->count;
        self->starts[i] = kept;
        for (size_t at = from; at < from + count; at++) {
            uint8_t known = slots ? slots[indicators_receipts_slot(&self->periods[at])]
                                  : INDICATORS_RECEIPT_UNKNOWN;
            if (known != INDICATORS_RECEIPT_UNKNOWN) {
                // the time is not known: only whether it came in
                self->reports[self->owners[at]].received_ms = known == INDICATORS_RECEIPT_RECEIVED;
            } else {
                self->periods[kept] = self->periods[at];
                self->owners[kept++] = self->owners[at];
            }
        }
        self->asks[i].count = kept - self->starts[i];
    }
    self->period_count = kept;
}

//  Keeps whether each report read was received.
static void s_to_known(indicators_calendar_t *self)
{
    for (size_t i = 0; i < self->ask_count; i++) {
        const indicators_store_ask_t *ask = &self->asks[i];
        if (!ask->count) {
            continue;
        }
        uint8_t *slots = indicators_receipts_keep(self->receipts, ask->indicator, ask->org);
        for (size_t at = self->starts[i]; at < self->starts[i] + ask->count; at++) {
            slots[indicators_receipts_slot(&self->periods[at])] =
                self->reports[self->owners[at]].received_ms > 0 ? INDICATORS_RECEIPT_RECEIVED
                                                                : INDICATORS_RECEIPT_MISSING;
        }
    }
}

//  For the missing reports: brings what is kept up to date with the event
//  log (indicators_receipts) and takes it. Returns 0, or -1 when Redis failed.
static int s_known(indicators_calendar_t *self)
{
    if (indicators_receipts_refresh(self->receipts)) {
        return -1;
    }
    s_from_known(self);
    return 0;
}

//  Reads the values of the asks, then the revisions wanted. Returns 0, or
//  -1 when Redis failed.
static int s_read(indicators_calendar_t *self)
{
    bool known = self->need == INDICATORS_CALENDAR_MISSING;
    if (known && s_known(self)) {
        return -1;
    }
    for (size_t i = 0; i < self->ask_count; i++) {
        self->asks[i].periods = self->periods + self->starts[i];
    }
    self->revised_count = 0;
    if (indicators_fields_store_values(self->reads, self->asks, self->ask_count, s_received,
                                       self)) {
        return -1;
    }
    if (indicators_store_history_asks(self->history, self->revised, self->revised_count,
                                      s_first_reported, self)) {
        return -1;
    }
    if (known && self->period_count) {
        if (indicators_receipts_read_done(self->receipts)) {
            return -1;
        }
        s_to_known(self);
    }
    return 0;
}

int64_t indicators_calendar_reports(indicators_calendar_t *self, const sti_catalog_t *catalog,
                                    const indicators_duty_book_t *book, const sti_period_t *periods,
                                    size_t count, const sti_org_unit_t *org, int64_t now_ms,
                                    indicators_calendar_need_t need,
                                    const indicators_report_t **reports, char *err, size_t errlen)
{
    assert(self && catalog && book && (periods || count == 0) && reports);
    self->count = self->ask_count = self->period_count = 0;
    self->need = need;
    for (size_t u = 0; u < indicators_duty_book_unit_count(book); u++) {
        const indicators_duty_unit_t *unit = indicators_duty_book_unit_at(book, u);
        if (!org || s_under(catalog, unit->org, org)) {
            s_unit(self, unit, periods, count, now_ms);
        }
    }
    if (s_read(self)) {
        snprintf(err, errlen, "the values cannot be read now: %s",
                 indicators_store_errstr(self->store));
        return -1;
    }
    for (size_t i = 0; i < self->count; i++) {
        indicators_report_t *report = &self->reports[i];
        report->status = report->received_ms > 0
                             ? (report->received_ms < report->due_ms ? INDICATORS_REPORT_ON_TIME
                                                                     : INDICATORS_REPORT_LATE)
                         : now_ms >= report->due_ms ? INDICATORS_REPORT_MISSING
                                                    : INDICATORS_REPORT_NOT_DUE;
    }
    *reports = self->reports;
    return (int64_t)self->count;
}
