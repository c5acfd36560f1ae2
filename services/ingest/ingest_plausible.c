/*  ingest_plausible: warnings on far values. See the header.

    The rows' series are read through ingest_store (one pipelined round
    trip); this module only compares.
*/
#include "ingest_plausible.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_envelope.h"
#include "sti_log.h"

//  One row looked at.
typedef struct {
    size_t index;                     // in the request
    char period[STI_PERIOD_TEXT_MAX]; // its period
    char before[STI_PERIOD_TEXT_MAX]; // the period before ("" for none)
    double value;                     // in the catalog's unit
} s_row_t;

struct _ingest_plausible_t {
    ingest_store_t *store;         // borrowed
    double factor;                 // how far is far
    s_row_t *rows;                 // the request's rows
    ingest_store_series_t *series; // and their series, as the store reads them
    ingest_store_last_t *last;     // what it found
    size_t count;                  // in use
    size_t cap;                    // allocated
};

ingest_plausible_t *ingest_plausible_new(ingest_store_t *store, double factor)
{
    assert(store);
    ingest_plausible_t *self = (ingest_plausible_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->factor = factor;
    return self;
}

void ingest_plausible_destroy(ingest_plausible_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free((*self_p)->rows);
        free((*self_p)->series);
        free((*self_p)->last);
        free(*self_p);
        *self_p = NULL;
    }
}

void ingest_plausible_reset(ingest_plausible_t *self)
{
    assert(self);
    self->count = 0;
}

//  The period before p of the same kind, or false at 2000's start.
static bool s_before(const sti_period_t *p, sti_period_t *out)
{
    static const int last[] = {0, 4, 12}; // index of the last year, quarter, month
    *out = *p;
    if (p->kind == STI_PERIOD_YEAR || p->index <= 1) {
        out->year--;
        out->index = last[p->kind];
    } else {
        out->index--;
    }
    return out->year >= STI_PERIOD_MIN_YEAR;
}

void ingest_plausible_add(ingest_plausible_t *self, size_t index, const sti_observation_t *obs)
{
    assert(self && obs);
    if (self->factor <= 1) {
        return;
    }
    if (self->count == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 256;
        self->rows = (s_row_t *)realloc(self->rows, self->cap * sizeof *self->rows);
        self->series =
            (ingest_store_series_t *)realloc(self->series, self->cap * sizeof *self->series);
        self->last = (ingest_store_last_t *)realloc(self->last, self->cap * sizeof *self->last);
        assert(self->rows && self->series && self->last);
    }
    ingest_store_series_key(&self->series[self->count], obs->indicator, obs->org);
    s_row_t *row = &self->rows[self->count++];
    row->index = index;
    row->value = obs->value;
    size_t len = strnlen(obs->period_text, sizeof row->period - 1); // once a row: no snprintf
    memcpy(row->period, obs->period_text, len);
    row->period[len] = 0;
    sti_period_t before;
    row->before[0] = 0;
    if (s_before(&obs->period, &before)) {
        sti_period_format(&before, row->before, sizeof row->before);
    }
}

//  Writes the warning of row against reference (of period), if far.
static size_t s_judge(const ingest_plausible_t *self, const s_row_t *row, double reference,
                      const char *period, sti_writer_t *warnings)
{
    double value = row->value;
    if (reference == 0 || (value != 0 && (value > 0) != (reference > 0))) {
        return 0;
    }
    double ratio = value == 0 ? INFINITY : fabs(value / reference);
    if (ratio <= self->factor && ratio * self->factor >= 1) {
        return 0;
    }
    char reason[256];
    if (ratio > 1) {
        snprintf(reason, sizeof reason,
                 "%.10g is %.1f times the last value %.10g (%s) of this series: accepted, but "
                 "check the value and its unit",
                 value, ratio, reference, period);
    } else {
        snprintf(reason, sizeof reason,
                 "%.10g is %s the last value %.10g (%s) of this series: accepted, but check the "
                 "value and its unit",
                 value, value == 0 ? "far below" : "a small fraction of", reference, period);
    }
    sti_envelope_detail(warnings, (int64_t)row->index, "value", reason);
    return 1;
}

size_t ingest_plausible_check(ingest_plausible_t *self, sti_writer_t *warnings)
{
    assert(self && warnings);
    for (size_t i = 0; i < self->count; i++) {
        self->series[i].period = self->rows[i].period;
        self->series[i].before = self->rows[i].before;
    }
    if (ingest_store_last_values(self->store, self->series, self->count, self->last) != 0) {
        sti_warn("plausibility: the series could not be read; no warnings given");
    }
    size_t written = 0;
    for (size_t i = 0; i < self->count; i++) {
        const s_row_t *row = &self->rows[i];
        const ingest_store_last_t *last = &self->last[i];
        if (last->has[0]) {
            written += s_judge(self, row, last->value[0], row->period, warnings);
        } else if (last->has[1]) {
            written += s_judge(self, row, last->value[1], row->before, warnings);
        }
    }
    return written;
}
