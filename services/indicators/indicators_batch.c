/*  indicators_batch: the closure of affected values and their recomputation.
    See the header.

    A sum is settled once per intake entry (or per part of one a window
    holds), not once per row: a row that moves a child marks its parent
    pending, and the pending sums are settled at the entry's end, deepest
    org units first, each marking its own parent in turn; so the parent
    chain is walked level by level, not by recursion, and a deep org tree
    costs no stack. The dependents and children buffers live in the
    batch, not on the stack. Changes and their bytes go to arrays and one
    writer that are reused; the topic and subjects of a change's events
    are formatted once, when it is made, into a reused text buffer that
    both the write and the publication read.
*/
#include "indicators_batch.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_forecast.h"
#include "indicators_moved.h"
#include "sti_event_codec.h"
#include "sti_plan_text.h"

#define S_LATER_YEARS 16 // later years a value's change may move the progress of, at most

//  Texts one after another, each with its NUL, found by offset; reused.
typedef struct {
    char *bytes; // the texts
    size_t len;  // bytes in use
    size_t cap;  // bytes allocated
} s_texts_t;

//  A row as the batch keeps it: its texts are in the batch's row texts, so
//  that it takes a few words, not the room of a full reason and source (a
//  batch drawn from a large backlog holds a hundred thousand rows).
typedef struct {
    const sti_indicator_t *indicator; // borrowed from the catalog
    const sti_org_unit_t *org;        // borrowed from the catalog
    sti_period_t period;              // the period
    double value;                     // in the indicator's unit
    bool withdraw;                    // withdraws the reported value
    int entry;                        // index of its entry in the batch
    size_t source;                    // its source, in the row texts
    size_t reason;                    // why it is withdrawn ("" for a value), in the row texts
} s_row_t;

struct _indicators_batch_t {
    const sti_catalog_t *catalog;                        // borrowed for the batch
    double tolerance;                                    // of `lagging`
    indicators_table_t *table;                           // every value read or changed
    indicators_entry_t *entries;                         // the batch's entries
    size_t entry_count;                                  // in use
    size_t entry_cap;                                    // allocated
    s_row_t *rows;                                       // the rows, in entry order
    s_texts_t row_texts;                                 // the rows' sources and reasons
    size_t row_count;                                    // in use
    size_t row_cap;                                      // allocated
    size_t row_from;                                     // first row of the window applied
    size_t row_to;                                       // end of the window (clamped to row_count)
    indicators_change_t *changes;                        // the changes, in order
    size_t change_count;                                 // in use
    size_t change_cap;                                   // allocated
    indicators_extra_t *extras;                          // the changes' extra events
    size_t extra_count;                                  // in use
    size_t extra_cap;                                    // allocated
    sti_writer_t *out;                                   // revision records and event data
    s_texts_t texts;                                     // events' topics and subjects
    const sti_indicator_t *deps[STI_CATALOG_INDICATORS]; // dependents buffer
    const sti_org_unit_t *children[STI_CATALOG_ORG_UNITS]; // children buffer
    int first_year;                                        // the years progress events compare
    int last_year;                                         //   (indicators_moved_years)
    int *pending;                                          // values of sums to settle
    size_t pending_count;                                  // in use
    size_t pending_cap;                                    // allocated
    const char *reason;                                    // of the withdrawal being applied
    bool force;                                            // a revision even if unchanged
};

//  Room for one more text of up to cap bytes (with its NUL) in texts.
//  Returns where it goes: its offset.
static size_t s_texts_room(s_texts_t *texts, size_t cap)
{
    if (texts->len + cap > texts->cap) {
        size_t grown = texts->cap ? texts->cap : 65536;
        while (grown < texts->len + cap) {
            grown *= 2;
        }
        texts->bytes = (char *)realloc(texts->bytes, grown);
        assert(texts->bytes);
        texts->cap = grown;
    }
    return texts->len;
}

//  Keeps the text just written at off (s_texts_room). Returns off.
static size_t s_texts_keep(s_texts_t *texts, size_t off)
{
    texts->len = off + strlen(texts->bytes + off) + 1;
    return off;
}

//  Keeps a copy of text, cut to cap bytes with its NUL. Returns its offset.
static size_t s_texts_add(s_texts_t *texts, const char *text, size_t cap)
{
    size_t off = s_texts_room(texts, cap);
    sti_text_copy(texts->bytes + off, cap, text);
    return s_texts_keep(texts, off);
}

indicators_batch_t *indicators_batch_new(void)
{
    indicators_batch_t *self = (indicators_batch_t *)calloc(1, sizeof *self);
    assert(self);
    self->table = indicators_table_new();
    self->out = sti_writer_new();
    return self;
}

void indicators_batch_destroy(indicators_batch_t **self_p)
{
    assert(self_p);
    indicators_batch_t *self = *self_p;
    if (self) {
        indicators_table_destroy(&self->table);
        sti_writer_destroy(&self->out);
        free(self->entries);
        free(self->rows);
        free(self->changes);
        free(self->extras);
        free(self->pending);
        free(self->texts.bytes);
        free(self->row_texts.bytes);
        free(self);
        *self_p = NULL;
    }
}

void indicators_batch_reset(indicators_batch_t *self, const sti_catalog_t *catalog,
                            double tolerance)
{
    assert(self && catalog);
    self->catalog = catalog;
    self->tolerance = tolerance;
    indicators_moved_years(catalog, S_LATER_YEARS, &self->first_year, &self->last_year);
    self->entry_count = self->row_count = 0;
    self->row_texts.len = 0;
    self->row_from = 0;
    self->row_to = SIZE_MAX;
    indicators_batch_restart(self);
}

void indicators_batch_restart(indicators_batch_t *self)
{
    assert(self);
    indicators_table_reset(self->table);
    self->change_count = 0;
    self->extra_count = 0;
    self->pending_count = 0;
    self->texts.len = 0;
    sti_writer_reset(self->out);
}

int indicators_batch_add_entry(indicators_batch_t *self, const indicators_entry_t *entry)
{
    assert(self && entry);
    if (self->entry_count == self->entry_cap) {
        self->entry_cap = self->entry_cap ? self->entry_cap * 2 : 16;
        self->entries =
            (indicators_entry_t *)realloc(self->entries, self->entry_cap * sizeof *self->entries);
        assert(self->entries);
    }
    self->entries[self->entry_count] = *entry;
    self->entries[self->entry_count].row_end = self->row_count;
    return (int)self->entry_count++;
}

void indicators_batch_add_row(indicators_batch_t *self, const indicators_row_t *row)
{
    assert(self && row && self->entry_count > 0);
    if (self->row_count == self->row_cap) {
        self->row_cap = self->row_cap ? self->row_cap * 2 : 1024;
        self->rows = (s_row_t *)realloc(self->rows, self->row_cap * sizeof *self->rows);
        assert(self->rows);
    }
    self->rows[self->row_count] = (s_row_t){
        .indicator = row->indicator,
        .org = row->org,
        .period = row->period,
        .value = row->value,
        .withdraw = row->withdraw,
        .entry = (int)self->entry_count - 1,
        .source = s_texts_add(&self->row_texts, row->source, sizeof row->source),
        .reason = s_texts_add(&self->row_texts, row->reason, sizeof row->reason),
    };
    self->row_count++;
    self->entries[self->entry_count - 1].row_end = self->row_count;
}

size_t indicators_batch_entry_count(const indicators_batch_t *self)
{
    assert(self);
    return self->entry_count;
}

const indicators_entry_t *indicators_batch_entry_at(const indicators_batch_t *self, size_t index)
{
    assert(self && index < self->entry_count);
    return &self->entries[index];
}

size_t indicators_batch_row_count(const indicators_batch_t *self)
{
    assert(self);
    return self->row_count;
}

void indicators_batch_set_window(indicators_batch_t *self, size_t from, size_t to)
{
    assert(self && from <= to);
    self->row_from = from;
    self->row_to = to;
}

//  The end of the window, within the rows.
static size_t s_window_end(const indicators_batch_t *self)
{
    return self->row_to < self->row_count ? self->row_to : self->row_count;
}

indicators_table_t *indicators_batch_table(indicators_batch_t *self)
{
    assert(self);
    return self->table;
}

size_t indicators_batch_change_count(const indicators_batch_t *self)
{
    assert(self);
    return self->change_count;
}

size_t indicators_batch_event_count(const indicators_batch_t *self)
{
    assert(self);
    return self->change_count + self->extra_count;
}

const indicators_change_t *indicators_batch_change_at(const indicators_batch_t *self, size_t index)
{
    assert(self && index < self->change_count);
    return &self->changes[index];
}

const indicators_extra_t *indicators_batch_extra_at(const indicators_batch_t *self, size_t index)
{
    assert(self && index < self->extra_count);
    return &self->extras[index];
}

const char *indicators_batch_bytes(const indicators_batch_t *self)
{
    assert(self);
    size_t size;
    return (const char *)sti_writer_data(self->out, &size);
}

const char *indicators_batch_texts(const indicators_batch_t *self)
{
    assert(self);
    return self->texts.bytes;
}

//  --- planning ---

static bool s_summable(const sti_indicator_t *indicator)
{
    return indicator->aggregation == STI_AGGREGATION_SUM && !indicator->formula;
}

//  Whether progress at this hash needs every period of it (the baseline
//  period's value too, at an org unit other than the root).
static bool s_needs_full(const sti_catalog_t *catalog, const sti_indicator_t *indicator,
                         const sti_org_unit_t *org)
{
    return indicator->has_baseline && sti_catalog_final_target(catalog, indicator, org) != NULL;
}

//  Marks one value affected and adds what computing it reads.
static void s_affect(indicators_batch_t *self, const sti_indicator_t *indicator,
                     const sti_org_unit_t *org, const sti_period_t *period)
{
    int at = indicators_table_value(self->table, indicator, org, period);
    indicators_value_t *value = indicators_table_value_at(self->table, at);
    if (value->affected) {
        return;
    }
    value->affected = true;
    if (s_needs_full(self->catalog, indicator, org)) {
        indicators_table_group_at(self->table, value->group)->full = true;
    }
    if (indicator->formula) {
        size_t inputs = sti_formula_input_count(indicator->formula);
        for (size_t i = 0; i < inputs; i++) {
            const sti_indicator_t *input =
                sti_catalog_indicator_find(self->catalog, sti_formula_input(indicator->formula, i));
            if (input) {
                indicators_table_value(self->table, input, org, period);
            }
        }
    } else if (s_summable(indicator)) {
        size_t count = sti_catalog_org_children(self->catalog, org->code, self->children,
                                                STI_CATALOG_ORG_UNITS);
        for (size_t i = 0; i < count && i < STI_CATALOG_ORG_UNITS; i++) {
            indicators_table_value(self->table, indicator, self->children[i], period);
        }
    }
}

void indicators_batch_plan(indicators_batch_t *self)
{
    assert(self && self->catalog);
    for (size_t r = self->row_from; r < s_window_end(self); r++) {
        const s_row_t *row = &self->rows[r];
        size_t deps = sti_catalog_dependents(self->catalog, row->indicator->code, self->deps,
                                             STI_CATALOG_INDICATORS);
        for (const sti_org_unit_t *org = row->org; org;
             org = sti_catalog_org_parent(self->catalog, org->code)) {
            s_affect(self, row->indicator, org, &row->period);
            for (size_t d = 0; d < deps && d < STI_CATALOG_INDICATORS; d++) {
                s_affect(self, self->deps[d], org, &row->period);
            }
            if (!s_summable(row->indicator)) {
                break;
            }
        }
    }
}

//  --- computing ---

//  The effective value of a record of indicator. Returns whether it has one.
static bool s_effective(const indicators_record_t *record, double *out)
{
    if (record->has_r) {
        *out = record->r;
        return true;
    }
    *out = record->a;
    return record->has_a;
}

static bool s_lookup(void *arg, const char *code, double *value)
{
    void **ctx = (void **)arg;
    indicators_batch_t *self = (indicators_batch_t *)ctx[0];
    const indicators_value_t *at = (const indicators_value_t *)ctx[1];
    const sti_indicator_t *input = sti_catalog_indicator_find(self->catalog, code);
    int i = input ? indicators_table_find(self->table, input, at->org, &at->period) : -1;
    if (i < 0) {
        return false;
    }
    const indicators_record_t *record = &indicators_table_value_at(self->table, i)->record;
    *value = record->v;
    return record->has_v;
}

//  The children's sum at value's period. Returns whether any child has one.
static bool s_children_sum(indicators_batch_t *self, const indicators_value_t *value, double *sum)
{
    size_t count = sti_catalog_org_children(self->catalog, value->org->code, self->children,
                                            STI_CATALOG_ORG_UNITS);
    bool any = false;
    *sum = 0;
    for (size_t i = 0; i < count && i < STI_CATALOG_ORG_UNITS; i++) {
        int at =
            indicators_table_find(self->table, value->indicator, self->children[i], &value->period);
        if (at >= 0) {
            const indicators_record_t *record = &indicators_table_value_at(self->table, at)->record;
            if (record->has_v) {
                *sum += record->v;
                any = true;
            }
        }
    }
    return any;
}

//  Writes an optional number.
static void s_write_opt(sti_writer_t *writer, const char *key, bool has, double value)
{
    sti_writer_str(writer, key);
    has ? sti_writer_double(writer, value) : sti_writer_nil(writer);
}

//  Writes the revision record of value's change from entry.
static void s_write_revision(indicators_batch_t *self, const indicators_value_t *value,
                             indicators_origin_t origin, const indicators_entry_t *entry)
{
    indicators_revision_t revision = {.rev = value->record.rev,
                                      .has_v = value->record.has_v,
                                      .v = value->record.v,
                                      .t = value->record.t};
    sti_text_copy(revision.origin, sizeof revision.origin, indicators_origin_name(origin));
    sti_text_copy(revision.by, sizeof revision.by, value->record.by);
    sti_text_copy(revision.source, sizeof revision.source, value->record.source);
    sti_text_copy(revision.entry, sizeof revision.entry, entry->id);
    if (origin == INDICATORS_ORIGIN_WITHDRAWN && self->reason) {
        sti_text_copy(revision.reason, sizeof revision.reason, self->reason);
    }
    indicators_revision_encode(&revision, self->out);
}

//  Writes the event's data map.
static void s_write_event(indicators_batch_t *self, const indicators_value_t *value,
                          indicators_origin_t origin, bool had, double old,
                          const sti_progress_t *before, const sti_progress_t *after)
{
    const sti_indicator_t *indicator = value->indicator;
    const sti_target_t *target = sti_catalog_final_target(self->catalog, indicator, value->org);
    sti_writer_map(self->out, 15);
    sti_writer_kv_str(self->out, "indicator", indicator->code);
    sti_writer_kv_str(self->out, "org", value->org->code);
    sti_writer_kv_str(self->out, "period", value->period_text);
    s_write_opt(self->out, "old", had, old);
    s_write_opt(self->out, "new", value->record.has_v, value->record.v);
    sti_writer_kv_str(self->out, "unit", indicator->unit);
    sti_writer_kv_int(self->out, "revision", value->record.rev);
    sti_writer_kv_str(self->out, "origin", indicators_origin_name(origin));
    sti_writer_kv_str(self->out, "status_before", sti_status_name(before->status));
    sti_writer_kv_str(self->out, "status_after", sti_status_name(after->status));
    s_write_opt(self->out, "completion", after->has_completion, after->completion);
    s_write_opt(self->out, "target", target != NULL, target ? target->value : 0);
    sti_writer_str(self->out, "target_year");
    target ? sti_writer_int(self->out, target->year) : sti_writer_nil(self->out);
    sti_writer_kv_str(self->out, "reason", self->reason);
    sti_writer_kv_str(self->out, "by", value->record.by);
}

//  Keeps the topic and the subject of value's event in the texts.
static void s_keep_names(indicators_batch_t *self, const indicators_value_t *value,
                         indicators_change_t *change)
{
    size_t off = s_texts_room(&self->texts, STI_EVENTS_TOPIC_MAX + 1);
    indicators_value_topic(value, self->texts.bytes + off, STI_EVENTS_TOPIC_MAX + 1);
    change->topic_off = s_texts_keep(&self->texts, off);
    off = s_texts_room(&self->texts, STI_EVENTS_SUBJECT_MAX);
    indicators_value_subject(value, self->texts.bytes + off, STI_EVENTS_SUBJECT_MAX);
    change->subject_off = s_texts_keep(&self->texts, off);
}

static indicators_change_t *s_new_change(indicators_batch_t *self)
{
    if (self->change_count == self->change_cap) {
        self->change_cap = self->change_cap ? self->change_cap * 2 : 1024;
        self->changes =
            (indicators_change_t *)realloc(self->changes, self->change_cap * sizeof *self->changes);
        assert(self->changes);
    }
    indicators_change_t *change = &self->changes[self->change_count++];
    memset(change, 0, sizeof *change);
    return change;
}

//  Starts an extra event of the change just made: its data map is written
//  next. Returns it.
static indicators_extra_t *s_new_extra(indicators_batch_t *self, const indicators_group_t *group,
                                       const char *type, int year)
{
    if (self->extra_count == self->extra_cap) {
        self->extra_cap = self->extra_cap ? self->extra_cap * 2 : 64;
        self->extras =
            (indicators_extra_t *)realloc(self->extras, self->extra_cap * sizeof *self->extras);
        assert(self->extras);
    }
    indicators_extra_t *extra = &self->extras[self->extra_count++];
    self->changes[self->change_count - 1].extra_count++;
    extra->type = type;
    size_t off = s_texts_room(&self->texts, STI_EVENTS_SUBJECT_MAX);
    indicators_group_subject(group, year, self->texts.bytes + off, STI_EVENTS_SUBJECT_MAX);
    extra->subject_off = s_texts_keep(&self->texts, off);
    sti_writer_data(self->out, &extra->off);
    return extra;
}

//  Ends an extra event: its data map is what was written since it started.
static void s_end_extra(indicators_batch_t *self, indicators_extra_t *extra)
{
    size_t size;
    sti_writer_data(self->out, &size);
    extra->len = size - extra->off;
}

//  The later years whose progress a change of a value of year may move:
//  [*from, *to] (none when *to < *from). Only for a hash read whole, so
//  that every later value is in the table.
static void s_later_years(const indicators_batch_t *self, const indicators_group_t *group, int year,
                          int *from, int *to)
{
    *from = self->first_year > year ? self->first_year : year + 1;
    *to = self->last_year;
    if (!group->full) {
        *to = *from - 1;
    }
}

//  The progress of group in the years [from, to], into progress.
static void s_progress_years(indicators_batch_t *self, const indicators_group_t *group, int from,
                             int to, sti_progress_t *progress)
{
    for (int y = from; y <= to; y++) {
        int latest;
        indicators_table_progress(self->table, self->catalog, group, y, self->tolerance,
                                  &progress[y - from], &latest);
    }
}

//  The extra events of the change just made, from what group's forecast
//  class and later years' progress were before it.
static void s_extras(indicators_batch_t *self, const indicators_group_t *group,
                     sti_forecast_class_t forecast_before, const sti_progress_t *later_before,
                     int from, int to, const char *by)
{
    indicators_forecast_t forecast;
    indicators_forecast_compute(self->table, self->catalog, group, &forecast);
    if (forecast.forecast.outcome != forecast_before) {
        indicators_extra_t *extra =
            s_new_extra(self, group, INDICATORS_FORECAST_EVENT_TYPE, forecast.end_year);
        indicators_forecast_write_event(self->table, group, forecast_before, &forecast, "value", by,
                                        self->out);
        s_end_extra(self, extra);
    }
    for (int y = from; y <= to; y++) {
        sti_progress_t after;
        int latest;
        indicators_table_progress(self->table, self->catalog, group, y, self->tolerance, &after,
                                  &latest);
        if (indicators_moved(&later_before[y - from], &after)) {
            indicators_extra_t *extra = s_new_extra(self, group, INDICATORS_PROGRESS_EVENT_TYPE, y);
            indicators_moved_write(self->out, self->table, self->catalog, group, y, latest,
                                   &later_before[y - from], &after, "value", by);
            s_end_extra(self, extra);
        }
    }
}

//  Sets the value's effective value to (has, v). When it changes: a new
//  revision from entry, a change with its event and extras. Returns whether
//  it changed.
static bool s_settle(indicators_batch_t *self, int index, bool has, double v,
                     indicators_origin_t origin, int entry_index, const char *source)
{
    indicators_value_t *value = indicators_table_value_at(self->table, index);
    indicators_record_t *record = &value->record;
    if (!self->force && has == record->has_v && (!has || v == record->v)) {
        return false;
    }
    const indicators_entry_t *entry = &self->entries[entry_index];
    const indicators_group_t *group = indicators_table_group_at(self->table, value->group);
    int year = value->period.year, latest, from, to;
    sti_progress_t before, after, later[S_LATER_YEARS];
    indicators_table_progress(self->table, self->catalog, group, year, self->tolerance, &before,
                              &latest);
    s_later_years(self, group, year, &from, &to);
    s_progress_years(self, group, from, to, later);
    indicators_forecast_t forecast;
    indicators_forecast_compute(self->table, self->catalog, group, &forecast);
    bool had = record->has_v;
    double old = record->v;
    record->has_v = has;
    record->v = has ? v : 0;
    record->rev++;
    record->t = entry->time;
    sti_text_copy(record->by, sizeof record->by, entry->by);
    sti_text_copy(record->source, sizeof record->source, source);
    //  A value's only revision stays in its record (indicators_values.h).
    record->has_first = record->rev == 1 && origin != INDICATORS_ORIGIN_WITHDRAWN;
    if (record->has_first) {
        record->first_origin = origin;
        sti_text_copy(record->first_entry, sizeof record->first_entry, entry->id);
    }
    value->dirty = true;
    indicators_table_progress(self->table, self->catalog, group, year, self->tolerance, &after,
                              &latest);
    size_t size;
    indicators_change_t *change = s_new_change(self);
    change->value = index;
    change->revision = record->rev;
    change->entry = entry_index;
    change->extra_from = self->extra_count;
    s_keep_names(self, value, change);
    sti_writer_data(self->out, &change->revision_off);
    s_write_revision(self, value, origin, entry);
    sti_writer_data(self->out, &size);
    change->revision_len = size - change->revision_off;
    change->event_off = size;
    s_write_event(self, value, origin, had, old, &before, &after);
    sti_writer_data(self->out, &size);
    change->event_len = size - change->event_off;
    s_extras(self, group, forecast.forecast.outcome, later, from, to, record->by);
    return true;
}

//  Recomputes the derived indicators of deps at org and period.
static void s_derive(indicators_batch_t *self, size_t deps, const sti_org_unit_t *org,
                     const sti_period_t *period, int entry, const char *source)
{
    for (size_t d = 0; d < deps && d < STI_CATALOG_INDICATORS; d++) {
        int at = indicators_table_find(self->table, self->deps[d], org, period);
        if (at < 0) {
            continue;
        }
        indicators_value_t *value = indicators_table_value_at(self->table, at);
        void *ctx[2] = {self, value};
        double v = 0;
        bool has = sti_formula_eval(self->deps[d]->formula, s_lookup, ctx, &v);
        s_settle(self, at, has, v, INDICATORS_ORIGIN_DERIVED, entry, source);
    }
}

//  Marks the parent of a summable indicator's value at org pending, moved
//  by rows[row] (the last row that moves it gives its revision's entry,
//  source and reason).
static void s_defer_parent(indicators_batch_t *self, const sti_indicator_t *indicator,
                           const sti_org_unit_t *org, const sti_period_t *period, int row)
{
    const sti_org_unit_t *parent =
        s_summable(indicator) ? sti_catalog_org_parent(self->catalog, org->code) : NULL;
    if (!parent) {
        return;
    }
    int at = indicators_table_find(self->table, indicator, parent, period);
    assert(at >= 0); // planned
    indicators_value_t *value = indicators_table_value_at(self->table, at);
    value->pending_row = row;
    if (value->pending) {
        return;
    }
    value->pending = true;
    if (self->pending_count == self->pending_cap) {
        self->pending_cap = self->pending_cap ? self->pending_cap * 2 : 64;
        self->pending = (int *)realloc(self->pending, self->pending_cap * sizeof *self->pending);
        assert(self->pending);
    }
    self->pending[self->pending_count++] = at;
}

//  Settles one pending sum: its children's sum now, its effective value,
//  the derived values at its org unit, and its own parent marked pending.
//  Its event has no reason: the sum may have moved by several rows, of
//  which a withdrawal's event carries its own reason.
static void s_settle_sum(indicators_batch_t *self, int at)
{
    indicators_value_t *value = indicators_table_value_at(self->table, at);
    const s_row_t *row = &self->rows[value->pending_row];
    const char *source = self->row_texts.bytes + row->source;
    value->pending = false;
    double sum, v;
    bool any = s_children_sum(self, value, &sum);
    if (any != value->record.has_a || (any && sum != value->record.a)) {
        value->record.has_a = any;
        value->record.a = any ? sum : 0;
        value->dirty = true;
    }
    bool has = s_effective(&value->record, &v);
    indicators_origin_t origin =
        value->record.has_r ? INDICATORS_ORIGIN_REPORTED : INDICATORS_ORIGIN_AGGREGATED;
    if (s_settle(self, at, has, v, origin, row->entry, source)) {
        size_t deps = sti_catalog_dependents(self->catalog, value->indicator->code, self->deps,
                                             STI_CATALOG_INDICATORS);
        s_derive(self, deps, value->org, &value->period, row->entry, source);
        s_defer_parent(self, value->indicator, value->org, &value->period, value->pending_row);
    }
}

//  The depth of org in the tree (the root 0).
static int s_depth(const indicators_batch_t *self, const sti_org_unit_t *org)
{
    int depth = 0;
    while ((org = sti_catalog_org_parent(self->catalog, org->code)) != NULL) {
        depth++;
    }
    return depth;
}

//  Settles the pending sums, the deepest org units first: a sum settles
//  once every child of it has, so each changes once, from the value it had
//  before the entry to the one after.
static void s_settle_pending(indicators_batch_t *self)
{
    while (self->pending_count > 0) {
        int deepest = -1;
        for (size_t i = 0; i < self->pending_count; i++) {
            const indicators_value_t *value =
                indicators_table_value_at(self->table, self->pending[i]);
            int depth = s_depth(self, value->org);
            deepest = depth > deepest ? depth : deepest;
        }
        //  Those at the deepest level settle (their parents, one level up,
        //  are appended), the others wait for the next round.
        size_t count = self->pending_count, kept = 0;
        for (size_t i = 0; i < count; i++) {
            int at = self->pending[i];
            if (s_depth(self, indicators_table_value_at(self->table, at)->org) == deepest) {
                s_settle_sum(self, at);
            } else {
                self->pending[kept++] = at;
            }
        }
        memmove(&self->pending[kept], &self->pending[count],
                (self->pending_count - count) * sizeof *self->pending);
        self->pending_count = kept + (self->pending_count - count);
    }
}

//  Applies one row (rows[r]). Returns 1 when it changed a reported value,
//  0 when unchanged, -1 when skipped as already applied. The sums it moves
//  are left pending (s_settle_pending).
static int s_apply_row(indicators_batch_t *self, size_t r)
{
    const s_row_t *row = &self->rows[r];
    const char *source = self->row_texts.bytes + row->source;
    int at = indicators_table_find(self->table, row->indicator, row->org, &row->period);
    assert(at >= 0); // planned
    indicators_value_t *value = indicators_table_value_at(self->table, at);
    if (value->pending) {
        s_settle_pending(self); // a row on a sum pending: the sum settles first
    }
    const indicators_entry_t *entry = &self->entries[row->entry];
    if (indicators_entry_id_compare(entry->id, value->record.src) <= 0) {
        return -1;
    }
    if (row->withdraw ? !value->record.has_r
                      : value->record.has_r && value->record.r == row->value) {
        return 0; // nothing reported to withdraw, or the same value again
    }
    //  Whether the unit reported a value changes with a withdrawal, or with
    //  a report where none stood: a revision (and its event) even if the
    //  children's sum stands at the same value, so that the event log names
    //  every change of what the unit reported (indicators_receipts).
    bool reporter_changed = row->withdraw || !value->record.has_r;
    value->record.has_r = !row->withdraw;
    value->record.r = row->withdraw ? 0 : row->value;
    sti_text_copy(value->record.src, sizeof value->record.src, entry->id);
    value->dirty = true;
    double v;
    bool has = s_effective(&value->record, &v);
    self->reason = row->withdraw ? self->row_texts.bytes + row->reason : NULL;
    self->force = reporter_changed;
    bool changed = s_settle(
        self, at, has, v, row->withdraw ? INDICATORS_ORIGIN_WITHDRAWN : INDICATORS_ORIGIN_REPORTED,
        row->entry, source);
    self->force = false;
    self->reason = NULL; // only the withdrawn value's own event carries it
    if (changed) {
        size_t deps = sti_catalog_dependents(self->catalog, row->indicator->code, self->deps,
                                             STI_CATALOG_INDICATORS);
        s_derive(self, deps, row->org, &row->period, row->entry, source);
        s_defer_parent(self, row->indicator, row->org, &row->period, (int)r);
    }
    return 1;
}

size_t indicators_batch_compute(indicators_batch_t *self, size_t *skipped)
{
    assert(self && skipped);
    size_t applied = 0;
    *skipped = 0;
    self->change_count = 0;
    self->extra_count = 0;
    self->pending_count = 0;
    self->texts.len = 0;
    sti_writer_reset(self->out);
    for (size_t r = self->row_from; r < s_window_end(self); r++) {
        if (r > self->row_from && self->rows[r].entry != self->rows[r - 1].entry) {
            s_settle_pending(self); // the sums an entry moved settle at its end
        }
        int rc = s_apply_row(self, r);
        if (rc > 0) {
            applied++;
        } else if (rc < 0) {
            (*skipped)++;
        }
    }
    s_settle_pending(self);
    return applied;
}
