/*  indicators_values: the stored value record and the batch's value table.

    A value of indicator i at org unit o for period p is one field p of the
    hash <ns>:val:<i>:<o>, MessagePack {v, r, a, rev, src, t, by, source}
    (docs/data-path.md). indicators_record_* encodes and decodes it; decoding treats
    Redis as hostile (types and sizes checked). Each change of a value's
    effective value is a revision, MessagePack {rev, v, origin, t, by,
    source, entry[, reason]} (indicators_revision_* encodes and decodes it).
    Most values change once: their only revision is kept in the record
    itself, as two more fields {o: origin, e: entry} (the rest of it is the
    record's), and no list is written; from the second revision on, all of
    them are in the list <ns>:rev:<i>:<o>:<p> (the first moved there with
    the second) and the record keeps none. A withdrawal as a value's first
    revision goes to the list (its reason is not in the record). Every change is
    also an event `indicator.changed` (docs/events.md) on the value's topic,
    about its subject.

    The table holds every value one batch reads or changes, found by
    (indicator, org, period) through an open-addressing index, and groups
    the values of one hash (indicator, org) in a list so that progress can
    look at every period of it. The table, its index and its byte arena are
    reused from batch to batch: after the first batches nothing is allocated.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_catalog.h"
#include "sti_codec.h"
#include "sti_intake.h"

#define INDICATORS_RECORD_MAX 4096                // largest stored record, bytes
#define INDICATORS_EVENT_SOURCE "sti-indicators"  // the events' CloudEvents source
#define INDICATORS_EVENT_TYPE "indicator.changed" // the events' type

typedef enum {
    INDICATORS_ORIGIN_REPORTED = 0, // a unit reported it
    INDICATORS_ORIGIN_AGGREGATED,   // the sum of the children's values
    INDICATORS_ORIGIN_DERIVED,      // a formula over other indicators
    INDICATORS_ORIGIN_WITHDRAWN,    // a reported value withdrawn (value.withdraw)
} indicators_origin_t;

//  One stored value.
typedef struct {
    bool has_v;                          // whether there is an effective value
    double v;                            // the effective value
    bool has_r;                          // whether a unit reported a value
    double r;                            // the reported value
    bool has_a;                          // whether the children's sum exists
    double a;                            // the children's sum
    int64_t rev;                         // revision number (0: never had a value)
    char src[STI_INTAKE_ID_MAX];         // intake entry that last reported it ("" none)
    int64_t t;                           // time of the last revision, ms since the epoch
    char by[STI_INTAKE_TEXT_MAX];        // submitter of the last revision
    char source[STI_INTAKE_TEXT_MAX];    // source of the last revision
    bool has_first;                      // its only revision is kept here, not in a list
    indicators_origin_t first_origin;    // that revision's origin (when has_first)
    char first_entry[STI_INTAKE_ID_MAX]; // and the intake entry that caused it
} indicators_record_t;

//  "reported", "aggregated", "derived", "withdrawn".
const char *indicators_origin_name(indicators_origin_t origin);

//  Writes a record as the stored map.
void indicators_record_encode(const indicators_record_t *record, sti_writer_t *writer);
//  Reads a stored record. Returns 0, or -1 with a reason in err.
int indicators_record_decode(const void *data, size_t size, indicators_record_t *record, char *err,
                             size_t errlen);
//  As indicators_record_decode, through reader (sti_reader_new_reusable):
//  no memory taken per record, for a loop over many.
int indicators_record_read(sti_reader_t *reader, const void *data, size_t size,
                           indicators_record_t *record, char *err, size_t errlen);
//  One revision of a value.
typedef struct {
    int64_t rev;                      // its number, from 1
    bool has_v;                       // whether it set an effective value
    double v;                         // the effective value it set
    char origin[16];                  // "reported", "aggregated" or "derived"
    int64_t t;                        // when, ms since the epoch (-1: not known)
    char by[STI_INTAKE_TEXT_MAX];     // the submitter of the intake entry
    char source[STI_INTAKE_TEXT_MAX]; // the source of the row
    char entry[STI_INTAKE_ID_MAX];    // the intake entry that caused it
    char reason[STI_INTAKE_NOTE_MAX]; // why, for a withdrawal ("" else)
} indicators_revision_t;

//  The revision a record keeps (has_first), rebuilt: revision 1, with the
//  record's v, t, by and source (every revision sets them, so they are the
//  revision's own while rev is 1) and the kept origin and entry. Encoded,
//  it is byte for byte the revision the list would have held.
void indicators_record_first(const indicators_record_t *record, indicators_revision_t *revision);
//  Writes a revision as the stored map.
void indicators_revision_encode(const indicators_revision_t *revision, sti_writer_t *writer);
//  Reads a stored revision; a field that is missing, of the wrong type or
//  too long keeps its default (rev 0, no v, t -1, "" texts). Returns 0, or
//  -1 when data is not a map (revision then holds the defaults).
int indicators_revision_decode(const void *data, size_t size, indicators_revision_t *revision);
//  Compares two stream entry ids ("<ms>-<seq>"; "" is below every id).
//  Returns <0, 0 or >0.
int indicators_entry_id_compare(const char *a, const char *b);

//  One value in the batch table.
typedef struct {
    const sti_indicator_t *indicator;      // borrowed from the catalog
    const sti_org_unit_t *org;             // borrowed from the catalog
    sti_period_t period;                   // the period
    char period_text[STI_PERIOD_TEXT_MAX]; // its text form (the hash field)
    bool loaded;                           // read from Redis (or known absent)
    bool exists;                           // Redis held it
    size_t raw_off;                        // the bytes read, in the arena
    size_t raw_len;                        // their length (0 when absent)
    bool affected;                         // the batch may change it: checked and written
    bool dirty;                            // the record differs from what was read
    bool first_read;                       // the record read kept its only revision
    bool pending;                          // a sum whose children moved, settled at the entry's end
    int pending_row;                       // the last row that moved them (when pending)
    indicators_record_t record;            // the current record
    int next_in_hash;                      // next value of the same hash, or -1
    int group;                             // the hash it belongs to
} indicators_value_t;

//  One hash (indicator, org) the batch touches.
typedef struct {
    const sti_indicator_t *indicator; // borrowed
    const sti_org_unit_t *org;        // borrowed
    bool full;                        // every period must be read (progress needs them)
    bool indexed;                     // the batch already adds it to the value index
    int head;                         // first value of the hash, or -1
    const sti_catalog_t *found_in;    // the table's: the catalog of the two below (NULL: none)
    const sti_indicator_t *found_indicator; // the table's: the indicator's record in found_in
    const sti_org_unit_t *found_org;        // the table's: the org unit's record in found_in
} indicators_group_t;

typedef struct _indicators_table_t indicators_table_t;

indicators_table_t *indicators_table_new(void);
void indicators_table_destroy(indicators_table_t **self_p);
//  Empties the table, keeping its memory.
void indicators_table_reset(indicators_table_t *self);

//  The value (indicator, org, period), added (not loaded, absent) if new.
//  Returns its index.
int indicators_table_value(indicators_table_t *self, const sti_indicator_t *indicator,
                           const sti_org_unit_t *org, const sti_period_t *period);
//  The index of the value, or -1 when the table does not hold it.
int indicators_table_find(const indicators_table_t *self, const sti_indicator_t *indicator,
                          const sti_org_unit_t *org, const sti_period_t *period);
//  The hash (indicator, org), added if new. Returns its index.
int indicators_table_group(indicators_table_t *self, const sti_indicator_t *indicator,
                           const sti_org_unit_t *org);

size_t indicators_table_value_count(const indicators_table_t *self);
indicators_value_t *indicators_table_value_at(indicators_table_t *self, int index);
size_t indicators_table_group_count(const indicators_table_t *self);
indicators_group_t *indicators_table_group_at(indicators_table_t *self, int index);

//  Records what Redis holds for a value: data NULL for absent. Decodes it
//  into the value's record. Returns 0, or -1 with err set when it does not
//  decode (the value is then treated as absent but keeps the raw bytes, so
//  the apply script's check still compares against them).
int indicators_table_load(indicators_table_t *self, int index, const void *data, size_t size,
                          char *err, size_t errlen);
//  Records a value read and decoded elsewhere (indicators_fields_store):
//  record NULL for absent. No raw bytes are kept: a value set so is for
//  reading, never written back by the applier.
void indicators_table_set(indicators_table_t *self, int index, const indicators_record_t *record);
//  The raw bytes read for a value (borrowed; NULL and 0 when absent).
const void *indicators_table_raw(const indicators_table_t *self, int index, size_t *size);

//  The event topic of a value: ind.<indicator>.<org>. Returns buf.
char *indicators_value_topic(const indicators_value_t *value, char *buf, size_t cap);
//  The event subject of a value: <indicator>/<org>/<period>. Returns buf.
char *indicators_value_subject(const indicators_value_t *value, char *buf, size_t cap);
//  The event subject of a hash's year (indicator.forecast_changed,
//  progress.changed): <indicator>/<org>/<year>. Returns buf.
char *indicators_group_subject(const indicators_group_t *group, int year, char *buf, size_t cap);

//  The records of group's indicator and org unit in catalog, found by code
//  (so the group may come from another copy of it); the group's own where
//  catalog has none. The table remembers them per group for the last
//  catalog asked, until it is reset, since progress asks for every value
//  it settles: a catalog must stay alive, its indicators and org units
//  unchanged (its targets may change), while a table that was given it is
//  in use. group is one of the table's.
void indicators_table_records(indicators_table_t *self, const sti_catalog_t *catalog,
                              const indicators_group_t *group, const sti_indicator_t **indicator,
                              const sti_org_unit_t **org);
//  The index of the value of period in the hash, when it has one; else -1.
int indicators_table_at_period(indicators_table_t *self, const indicators_group_t *group,
                               const sti_period_t *period);
//  The progress of year at a hash as the table holds it now: the latest
//  value of a period ending in or before year (whole years only for a flow
//  indicator), against the baseline and targets of catalog (found by code,
//  so the group may come from another copy of it): at the root org unit the
//  plan's baseline and the indicator's targets, elsewhere the org unit's
//  own targets, measured from its own value of the baseline period (none:
//  no_target). Sets *latest to the index of the value used, or -1.
void indicators_table_progress(indicators_table_t *self, const sti_catalog_t *catalog,
                               const indicators_group_t *group, int year, double tolerance,
                               sti_progress_t *out, int *latest);
