/*  indicators_batch: what one batch of intake rows changes, computed in
    memory without any I/O (docs/data-path.md, "One batch, one Lua call").

    1. indicators_batch_plan: the closure of affected values. For each row: its own
       value; the derived indicators that use it (at the same org unit and
       period); for a summable indicator the parent's value, up to the root,
       with the derived values at each level. It also lists what those need
       to be computed (formula inputs, children of a sum) and marks the
       hashes whose every period is needed for progress (the root org unit,
       for an indicator with a baseline and a final target).
    2. The caller reads every value of the table (indicators_table_load).
    3. indicators_batch_compute: applies the rows in order; the sums an
       intake entry's rows move settle once at the entry's end (or the
       window's), deepest org units first. A row whose intake
       entry id is not above the value's src is skipped (applied once); an
       unchanged reported value is skipped. The effective value is the
       reported one, else the children's sum; a derived value is its formula
       over the effective inputs. Every change of an effective value makes a
       revision and an event {indicator, org, period, old, new, unit,
       revision, origin, status_before, status_after, completion, target,
       target_year, reason, by}. A withdrawal (a row whose value is nil)
       takes the reported value away: the effective value falls back to the
       children's sum, or to none, and derived values and parents follow,
       as if it had never been reported; its revision and event carry the
       origin `withdrawn` and the reason, even where the effective value
       stays the same. A change carries more events right after its own
       (its extras): `indicator.forecast_changed` when it moves the class
       of its hash's forecast (indicators_forecast), and `progress.changed`
       for each later year of the plan (up to this one) whose progress it
       moves, since a year with no value of its own is measured at an
       earlier one (indicators_moved; hashes read whole only, i.e. with a
       final target and a baseline).

    Entries, rows, the table and the output bytes are reused from batch to
    batch (reset keeps the memory).
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "indicators_values.h"
#include "sti_catalog.h"
#include "sti_codec.h"

//  One intake entry of the batch.
typedef struct {
    char id[STI_INTAKE_ID_MAX];       // stream entry id
    char by[STI_INTAKE_TEXT_MAX];     // submitter
    char source[STI_INTAKE_TEXT_MAX]; // the request's source
    int64_t time;                     // when it was submitted, ms since the epoch
    size_t row_end;                   // the batch's row count once this entry's rows are in
} indicators_entry_t;

//  One row of an intake entry, checked against the catalog.
typedef struct {
    const sti_indicator_t *indicator; // borrowed from the catalog
    const sti_org_unit_t *org;        // borrowed from the catalog
    sti_period_t period;              // the period
    double value;                     // in the indicator's unit
    bool withdraw;                    // withdraws the reported value (reason: why)
    char reason[STI_INTAKE_NOTE_MAX]; // why it is withdrawn ("" for a value)
    char source[STI_INTAKE_TEXT_MAX]; // the row's source
    int entry;                        // index of its entry in the batch
} indicators_row_t;

//  One change of an effective value.
typedef struct {
    int value;           // index in the table
    int64_t revision;    // its new revision number
    int entry;           // the entry that caused it
    size_t revision_off; // the revision record, in the output bytes
    size_t revision_len; // its length
    size_t event_off;    // the event's data map, in the output bytes
    size_t event_len;    // its length
    size_t extra_from;   // its extras: indicators_batch_extra_at(from .. from + count - 1)
    size_t extra_count;  //   (0: none)
    size_t topic_off;    // its event's topic (indicators_value_topic), in the texts
    size_t subject_off;  // its event's subject (indicators_value_subject), in the texts
} indicators_change_t;

//  An event a change brings after its own, on the same topic.
typedef struct {
    const char *type;   // INDICATORS_FORECAST_EVENT_TYPE or INDICATORS_PROGRESS_EVENT_TYPE
    size_t off;         // its data map, in the output bytes
    size_t len;         // its length
    size_t subject_off; // its subject (indicators_group_subject of its year), in the texts
} indicators_extra_t;

typedef struct _indicators_batch_t indicators_batch_t;

indicators_batch_t *indicators_batch_new(void);
void indicators_batch_destroy(indicators_batch_t **self_p);
//  Starts a new batch over catalog (borrowed until the next reset).
void indicators_batch_reset(indicators_batch_t *self, const sti_catalog_t *catalog,
                            double tolerance);
//  Forgets the table and the changes but keeps entries and rows, to plan
//  and compute again after a conflict.
void indicators_batch_restart(indicators_batch_t *self);

//  Adds an entry; returns its index.
int indicators_batch_add_entry(indicators_batch_t *self, const indicators_entry_t *entry);
//  Adds a row of the last entry added (row->entry is set here).
void indicators_batch_add_row(indicators_batch_t *self, const indicators_row_t *row);
size_t indicators_batch_entry_count(const indicators_batch_t *self);
const indicators_entry_t *indicators_batch_entry_at(const indicators_batch_t *self, size_t index);
size_t indicators_batch_row_count(const indicators_batch_t *self);

//  Limits plan and compute to rows [from, to) of the batch (reset: all), so
//  that a large batch is applied in several Lua calls. An entry is done
//  once the window reaching its row_end is applied; a redelivered entry
//  whose first rows were applied skips them (applied once).
void indicators_batch_set_window(indicators_batch_t *self, size_t from, size_t to);

//  Fills the table with every value the rows need (see above).
void indicators_batch_plan(indicators_batch_t *self);
//  The table (borrowed): after plan, load every value of it.
indicators_table_t *indicators_batch_table(indicators_batch_t *self);

//  Applies the rows. Returns the number of rows that changed a reported
//  value; *skipped counts rows skipped as already applied.
size_t indicators_batch_compute(indicators_batch_t *self, size_t *skipped);
size_t indicators_batch_change_count(const indicators_batch_t *self);
//  The events of the changes: one per change and one per extra.
size_t indicators_batch_event_count(const indicators_batch_t *self);
const indicators_change_t *indicators_batch_change_at(const indicators_batch_t *self, size_t index);
const indicators_extra_t *indicators_batch_extra_at(const indicators_batch_t *self, size_t index);
//  The output bytes changes point into (borrowed, valid until the next
//  compute or reset).
const char *indicators_batch_bytes(const indicators_batch_t *self);
//  The texts the events' topics and subjects point into, formatted once when
//  a change is made, for the write and the publication alike (borrowed,
//  valid until the next compute or reset).
const char *indicators_batch_texts(const indicators_batch_t *self);
