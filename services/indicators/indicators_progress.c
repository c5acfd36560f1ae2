/*  indicators_progress: progress.changed events. See the header.

    The years are the plan's, from its start to this year (UTC), at most its
    end. Before and after are kept per pair and year in one array; the
    events' data maps are written one after another into one writer, and
    the arrays handed out point into it.
*/
#include "indicators_progress.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_forecast.h"
#include "indicators_values.h"

#define S_YEARS 101 // years of a plan at most (2000–2100)

//  One pair of the change.
typedef struct {
    int group;                      // its hash in the table
    sti_progress_t before[S_YEARS]; // progress per year before the change
    sti_forecast_class_t forecast;  // the class of its forecast before the change
} s_pair_t;

struct _indicators_progress_t {
    indicators_store_t *store;                // borrowed
    double tolerance;                         // of `lagging`
    indicators_table_t *table;                // the pairs' values
    s_pair_t *pairs;                          // the pairs
    size_t count;                             // how many
    int first_year;                           // the years compared
    int last_year;                            //   (none when last < first)
    sti_writer_t *out;                        // the events' data maps
    char (*topics)[STI_EVENTS_TOPIC_MAX + 1]; // per event
    char (*subjects)[STI_EVENTS_SUBJECT_MAX]; // per event
    const char **topic_ptrs;                  // per event: into topics
    const char **subject_ptrs;                // per event: into subjects
    const char **types;                       // per event: its type
    size_t forecasts;                         // of them indicator.forecast_changed
    const void **data;                        // per event: into out
    size_t *sizes;                            // per event
    size_t *offsets;                          // per event: where its data starts in out
    size_t cap;                               // events allocated
};

indicators_progress_t *indicators_progress_new(indicators_store_t *store, double tolerance)
{
    assert(store);
    indicators_progress_t *self = (indicators_progress_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->tolerance = tolerance;
    self->table = indicators_table_new();
    self->out = sti_writer_new();
    return self;
}

void indicators_progress_destroy(indicators_progress_t **self_p)
{
    assert(self_p);
    indicators_progress_t *self = *self_p;
    if (self) {
        indicators_table_destroy(&self->table);
        sti_writer_destroy(&self->out);
        free(self->pairs);
        free(self->topics);
        free(self->subjects);
        free(self->topic_ptrs);
        free(self->subject_ptrs);
        free(self->types);
        free(self->data);
        free(self->sizes);
        free(self->offsets);
        free(self);
        *self_p = NULL;
    }
}

int indicators_progress_begin(indicators_progress_t *self, const sti_catalog_t *catalog,
                              const sti_indicator_t *const *indicators,
                              const sti_org_unit_t *const *orgs, size_t count)
{
    assert(self && catalog && (count == 0 || (indicators && orgs)));
    count = count < INDICATORS_PROGRESS_PAIRS_MAX ? count : INDICATORS_PROGRESS_PAIRS_MAX;
    indicators_table_reset(self->table);
    free(self->pairs);
    self->pairs = (s_pair_t *)calloc(count + 1, sizeof *self->pairs);
    assert(self->pairs);
    self->count = count;
    indicators_moved_years(catalog, S_YEARS, &self->first_year, &self->last_year);
    for (size_t i = 0; i < count; i++) {
        if (indicators_store_read_hashes(self->store, self->table, &indicators[i], 1, orgs[i])) {
            return -1;
        }
        self->pairs[i].group = indicators_table_group(self->table, indicators[i], orgs[i]);
    }
    return 0;
}

void indicators_progress_before(indicators_progress_t *self, const sti_catalog_t *catalog)
{
    assert(self && catalog);
    for (size_t i = 0; i < self->count; i++) {
        const indicators_group_t *group =
            indicators_table_group_at(self->table, self->pairs[i].group);
        for (int year = self->first_year; year <= self->last_year; year++) {
            int latest;
            indicators_table_progress(self->table, catalog, group, year, self->tolerance,
                                      &self->pairs[i].before[year - self->first_year], &latest);
        }
        indicators_forecast_t forecast;
        indicators_forecast_compute(self->table, catalog, group, &forecast);
        self->pairs[i].forecast = forecast.forecast.outcome;
    }
}

//  Makes room for one more event. Returns its index.
static size_t s_new_event(indicators_progress_t *self, size_t at)
{
    if (at == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->topics = realloc(self->topics, self->cap * sizeof *self->topics);
        self->subjects = realloc(self->subjects, self->cap * sizeof *self->subjects);
        self->topic_ptrs = realloc(self->topic_ptrs, self->cap * sizeof *self->topic_ptrs);
        self->subject_ptrs = realloc(self->subject_ptrs, self->cap * sizeof *self->subject_ptrs);
        self->types = realloc(self->types, self->cap * sizeof *self->types);
        self->data = realloc(self->data, self->cap * sizeof *self->data);
        self->sizes = realloc(self->sizes, self->cap * sizeof *self->sizes);
        self->offsets = realloc(self->offsets, self->cap * sizeof *self->offsets);
        assert(self->topics && self->subjects && self->topic_ptrs && self->subject_ptrs &&
               self->types && self->data && self->sizes && self->offsets);
    }
    return at;
}

//  Starts event count of group, of type, for year: its data map is
//  written next into out. Returns its index.
static size_t s_start_event(indicators_progress_t *self, size_t count,
                            const indicators_group_t *group, const char *type, int year)
{
    size_t e = s_new_event(self, count);
    snprintf(self->topics[e], sizeof self->topics[e], "ind.%s.%s", group->indicator->code,
             group->org->code);
    indicators_group_subject(group, year, self->subjects[e], sizeof self->subjects[e]);
    self->types[e] = type;
    sti_writer_data(self->out, &self->offsets[e]);
    return e;
}

//  Ends event e: its data map is what was written since it started.
static void s_end_event(indicators_progress_t *self, size_t e)
{
    size_t size;
    sti_writer_data(self->out, &size);
    self->sizes[e] = size - self->offsets[e];
}

//  Adds pair's events under catalog after the change to the count before.
//  Returns the count after.
static size_t s_pair_events(indicators_progress_t *self, const s_pair_t *pair,
                            const sti_catalog_t *catalog, const char *cause, const char *by,
                            size_t count)
{
    const indicators_group_t *group = indicators_table_group_at(self->table, pair->group);
    for (int year = self->first_year; year <= self->last_year; year++) {
        sti_progress_t after;
        int latest;
        indicators_table_progress(self->table, catalog, group, year, self->tolerance, &after,
                                  &latest);
        const sti_progress_t *before = &pair->before[year - self->first_year];
        if (indicators_moved(before, &after)) {
            size_t e = s_start_event(self, count++, group, INDICATORS_PROGRESS_EVENT_TYPE, year);
            indicators_moved_write(self->out, self->table, catalog, group, year, latest, before,
                                   &after, cause, by);
            s_end_event(self, e);
        }
    }
    indicators_forecast_t forecast;
    indicators_forecast_compute(self->table, catalog, group, &forecast);
    if (forecast.forecast.outcome != pair->forecast) {
        size_t e =
            s_start_event(self, count++, group, INDICATORS_FORECAST_EVENT_TYPE, forecast.end_year);
        indicators_forecast_write_event(self->table, group, pair->forecast, &forecast, cause, by,
                                        self->out);
        s_end_event(self, e);
        self->forecasts++;
    }
    return count;
}

size_t indicators_progress_after(indicators_progress_t *self, const sti_catalog_t *catalog,
                                 const char *cause, const char *by, sti_catalog_events_t *events)
{
    assert(self && catalog && cause && by && events);
    sti_writer_reset(self->out);
    self->forecasts = 0;
    size_t count = 0, size = 0;
    for (size_t i = 0; i < self->count; i++) {
        count = s_pair_events(self, &self->pairs[i], catalog, cause, by, count);
    }
    const char *bytes = (const char *)sti_writer_data(self->out, &size);
    for (size_t e = 0; e < count; e++) {
        self->topic_ptrs[e] = self->topics[e];
        self->subject_ptrs[e] = self->subjects[e];
        self->data[e] = bytes + self->offsets[e];
    }
    events->type = INDICATORS_PROGRESS_EVENT_TYPE;
    events->types = self->types;
    events->count = count;
    events->topics = self->topic_ptrs;
    events->subjects = self->subject_ptrs;
    events->data = self->data;
    events->sizes = self->sizes;
    return count;
}

size_t indicators_progress_forecasts(const indicators_progress_t *self)
{
    assert(self);
    return self->forecasts;
}
