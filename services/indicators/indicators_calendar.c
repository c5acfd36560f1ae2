/*  indicators_calendar: the reports the duties call for. See the header.

    One unit at a time: every period of its duty indicators' hashes is read
    in one round trip, then the revisions of the values it reported and
    revised since, in another, to find when each was first received (a
    value of one revision was received when its record says: most values,
    so most reports cost no read of their own).
*/
#include "indicators_calendar.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SUBS_MAX 12 // periods of one frequency within one period

struct _indicators_calendar_t {
    indicators_store_t *store;    // borrowed
    indicators_table_t *table;    // one unit's values, reused
    indicators_report_t *reports; // the last answer
    size_t count, cap;            // its size and room
    int *values;                  // table values whose revisions are read
    size_t *owners;               // the report of each
    size_t value_cap;             // room of both
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
    self->table = indicators_table_new();
    return self;
}

void indicators_calendar_destroy(indicators_calendar_t **self_p)
{
    assert(self_p);
    indicators_calendar_t *self = *self_p;
    if (self) {
        indicators_table_destroy(&self->table);
        free(self->reports);
        free(self->values);
        free(self->owners);
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

static void s_want_revisions(indicators_calendar_t *self, size_t *wanted, int value, size_t owner)
{
    if (*wanted == self->value_cap) {
        self->value_cap = self->value_cap ? 2 * self->value_cap : 256;
        self->values = (int *)realloc(self->values, self->value_cap * sizeof(int));
        self->owners = (size_t *)realloc(self->owners, self->value_cap * sizeof(size_t));
        assert(self->values && self->owners);
    }
    self->values[*wanted] = value;
    self->owners[(*wanted)++] = owner;
}

//  The revisions of one value: the first the unit reported is when it was received.
static void s_first_reported(void *arg, size_t point, const indicators_revision_t *revisions,
                             size_t count)
{
    indicators_calendar_t *self = (indicators_calendar_t *)arg;
    indicators_report_t *report = &self->reports[self->owners[point]];
    for (size_t r = 0; r < count; r++) {
        if (strcmp(revisions[r].origin, "reported") == 0 && revisions[r].t > 0) {
            report->received_ms = revisions[r].t;
            return;
        }
    }
}

//  Adds the reports of one unit; returns 0, or -1 when Redis failed.
static int s_unit(indicators_calendar_t *self, const indicators_duty_unit_t *unit,
                  const sti_period_t *periods, size_t count)
{
    const sti_indicator_t *indicators[STI_CATALOG_INDICATORS];
    for (size_t d = 0; d < unit->duty_count; d++) {
        indicators[d] = unit->duties[d].indicator;
    }
    indicators_table_reset(self->table);
    if (unit->duty_count && indicators_store_read_hashes(self->store, self->table, indicators,
                                                         unit->duty_count, unit->org)) {
        return -1;
    }
    size_t wanted = 0;
    for (size_t d = 0; d < unit->duty_count; d++) {
        const indicators_duty_t *duty = &unit->duties[d];
        for (size_t p = 0; p < count; p++) {
            sti_period_t subs[S_SUBS_MAX];
            size_t n = sti_due_periods(&periods[p], duty->rule->frequency, subs, S_SUBS_MAX);
            for (size_t s = 0; s < n && s < S_SUBS_MAX; s++) {
                indicators_report_t *report = s_add(self);
                report->unit = unit;
                report->duty = duty;
                report->period = subs[s];
                report->due_ms = sti_due_time(&duty->rule->rule, &subs[s]);
                int value =
                    indicators_table_find(self->table, duty->indicator, unit->org, &subs[s]);
                const indicators_value_t *held =
                    value >= 0 ? indicators_table_value_at(self->table, value) : NULL;
                if (held && held->exists && held->record.has_r) {
                    //  A value of one revision was received when it was
                    //  reported; only a revised one's first report is read.
                    report->received_ms = held->record.t;
                    if (held->record.rev > 1) {
                        s_want_revisions(self, &wanted, value, self->count - 1);
                    }
                }
            }
        }
    }
    return indicators_store_read_revisions(self->store, self->table, self->values, wanted,
                                           s_first_reported, self);
}

int64_t indicators_calendar_reports(indicators_calendar_t *self, const sti_catalog_t *catalog,
                                    const indicators_duty_book_t *book, const sti_period_t *periods,
                                    size_t count, const sti_org_unit_t *org, int64_t now_ms,
                                    const indicators_report_t **reports, char *err, size_t errlen)
{
    assert(self && catalog && book && (periods || count == 0) && reports);
    self->count = 0;
    for (size_t u = 0; u < indicators_duty_book_unit_count(book); u++) {
        const indicators_duty_unit_t *unit = indicators_duty_book_unit_at(book, u);
        if (org && !s_under(catalog, unit->org, org)) {
            continue;
        }
        if (s_unit(self, unit, periods, count)) {
            snprintf(err, errlen, "the values cannot be read now: %s",
                     indicators_store_errstr(self->store));
            return -1;
        }
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
