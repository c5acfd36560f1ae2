/*  indicators_values: stored records and the batch table. See the header.

    The index is open addressing over int32 slots (-1 empty), keyed by the
    catalog pointers of indicator and org unit and the period's three
    numbers: the catalog lives for the whole batch, so pointer identity is
    code identity. It doubles when half full.
*/
#include "indicators_values.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_plan_text.h"

struct _indicators_table_t {
    indicators_value_t *values; // the values, in the order they were added
    size_t value_count;         // how many are in use
    size_t value_cap;           // how many fit
    indicators_group_t *groups; // the hashes
    size_t group_count;         // how many are in use
    size_t group_cap;           // how many fit
    int32_t *index;             // value slots, -1 empty
    size_t index_cap;           // slots (a power of two)
    int32_t *group_index;       // group slots, -1 empty
    size_t group_index_cap;     // slots (a power of two)
    char *arena;                // raw bytes read from Redis
    size_t arena_len;           // bytes in use
    size_t arena_cap;           // bytes that fit
};

static const char *const s_origins[] = {"reported", "aggregated", "derived", "withdrawn"};

const char *indicators_origin_name(indicators_origin_t origin)
{
    return (unsigned)origin < 4 ? s_origins[origin] : "reported";
}

//  --- records ---

void indicators_record_encode(const indicators_record_t *record, sti_writer_t *writer)
{
    assert(record && writer);
    sti_writer_map(writer, record->has_first ? 10 : 8);
    sti_writer_str(writer, "v");
    record->has_v ? sti_writer_double(writer, record->v) : sti_writer_nil(writer);
    sti_writer_str(writer, "r");
    record->has_r ? sti_writer_double(writer, record->r) : sti_writer_nil(writer);
    sti_writer_str(writer, "a");
    record->has_a ? sti_writer_double(writer, record->a) : sti_writer_nil(writer);
    sti_writer_kv_int(writer, "rev", record->rev);
    sti_writer_kv_str(writer, "src", record->src);
    sti_writer_kv_int(writer, "t", record->t);
    sti_writer_kv_str(writer, "by", record->by);
    sti_writer_kv_str(writer, "source", record->source);
    if (record->has_first) {
        sti_writer_kv_int(writer, "o", record->first_origin);
        sti_writer_kv_str(writer, "e", record->first_entry);
    }
}

//  Reads an optional number: nil gives *has false. Returns 0 or -1.
static int s_optional_double(sti_node_t map, const char *key, bool *has, double *out,
                             sti_field_error_t *err)
{
    sti_node_t node = sti_node_get(map, key);
    *has = false;
    *out = 0;
    if (sti_node_type(node) == STI_TYPE_NIL) {
        return 0;
    }
    snprintf(err->field, sizeof err->field, "%s", key);
    if (sti_node_double(node, out, err)) {
        return -1;
    }
    *has = true;
    return 0;
}

//  The limits of a stored record or revision.
static const sti_limits_t s_record_limits = {INDICATORS_RECORD_MAX, INDICATORS_RECORD_MAX, 16, 2};

//  Reads the revision a record keeps, when it has one: o (an origin but
//  withdrawn, which is never kept) and e together, in a record of rev 1
//  (read before). Returns 0, or -1.
static int s_first_from(sti_node_t root, indicators_record_t *record, sti_field_error_t *err)
{
    if (sti_node_type(sti_node_get(root, "o")) == STI_TYPE_MISSING) {
        return 0;
    }
    int64_t code;
    if (sti_map_int(root, "o", &code, err) ||
        sti_map_str_copy(root, "e", record->first_entry, sizeof record->first_entry, err)) {
        return -1;
    }
    if (code < INDICATORS_ORIGIN_REPORTED || code >= INDICATORS_ORIGIN_WITHDRAWN ||
        record->rev != 1) {
        snprintf(err->field, sizeof err->field, "o");
        snprintf(err->reason, sizeof err->reason,
                 record->rev != 1 ? "kept only by a value of one revision" : "must be 0, 1 or 2");
        return -1;
    }
    record->has_first = true;
    record->first_origin = (indicators_origin_t)code;
    return 0;
}

//  Reads the record of root. Returns 0, or -1 with a reason in err (record
//  then zeroed).
static int s_record_from(sti_node_t root, indicators_record_t *record, char *err, size_t errlen)
{
    sti_field_error_t ferr = {"", ""};
    int rc = -1;
    if (sti_node_type(root) != STI_TYPE_MAP) {
        snprintf(ferr.reason, sizeof ferr.reason, "must be a map");
    } else if (s_optional_double(root, "v", &record->has_v, &record->v, &ferr) == 0 &&
               s_optional_double(root, "r", &record->has_r, &record->r, &ferr) == 0 &&
               s_optional_double(root, "a", &record->has_a, &record->a, &ferr) == 0 &&
               sti_map_int(root, "rev", &record->rev, &ferr) == 0 &&
               sti_map_str_copy(root, "src", record->src, sizeof record->src, &ferr) == 0 &&
               sti_map_int(root, "t", &record->t, &ferr) == 0 &&
               sti_map_str_copy(root, "by", record->by, sizeof record->by, &ferr) == 0 &&
               sti_map_str_copy(root, "source", record->source, sizeof record->source, &ferr) ==
                   0 &&
               s_first_from(root, record, &ferr) == 0) {
        rc = record->rev >= 0 ? 0 : -1;
        if (rc) {
            snprintf(ferr.field, sizeof ferr.field, "rev");
            snprintf(ferr.reason, sizeof ferr.reason, "must not be negative");
        }
    }
    if (rc) {
        snprintf(err, errlen, "value record: %s: %s", ferr.field, ferr.reason);
        memset(record, 0, sizeof *record);
    }
    return rc;
}

int indicators_record_decode(const void *data, size_t size, indicators_record_t *record, char *err,
                             size_t errlen)
{
    assert(record);
    memset(record, 0, sizeof *record);
    sti_reader_t *reader = sti_reader_new(data, size, &s_record_limits, err, errlen);
    if (!reader) {
        return -1;
    }
    int rc = s_record_from(sti_reader_root(reader), record, err, errlen);
    sti_reader_destroy(&reader);
    return rc;
}

int indicators_record_read(sti_reader_t *reader, const void *data, size_t size,
                           indicators_record_t *record, char *err, size_t errlen)
{
    assert(reader && record);
    memset(record, 0, sizeof *record);
    if (sti_reader_load(reader, data, size, &s_record_limits, err, errlen)) {
        return -1;
    }
    return s_record_from(sti_reader_root(reader), record, err, errlen);
}

void indicators_record_first(const indicators_record_t *record, indicators_revision_t *revision)
{
    assert(record && revision && record->has_first);
    memset(revision, 0, sizeof *revision);
    revision->rev = record->rev;
    revision->has_v = record->has_v;
    revision->v = record->v;
    revision->t = record->t;
    snprintf(revision->origin, sizeof revision->origin, "%s",
             indicators_origin_name(record->first_origin));
    snprintf(revision->by, sizeof revision->by, "%s", record->by);
    snprintf(revision->source, sizeof revision->source, "%s", record->source);
    snprintf(revision->entry, sizeof revision->entry, "%s", record->first_entry);
}

void indicators_revision_encode(const indicators_revision_t *revision, sti_writer_t *writer)
{
    assert(revision && writer);
    sti_writer_map(writer, revision->reason[0] ? 8 : 7);
    sti_writer_kv_int(writer, "rev", revision->rev);
    sti_writer_str(writer, "v");
    revision->has_v ? sti_writer_double(writer, revision->v) : sti_writer_nil(writer);
    sti_writer_kv_str(writer, "origin", revision->origin);
    sti_writer_kv_int(writer, "t", revision->t);
    sti_writer_kv_str(writer, "by", revision->by);
    sti_writer_kv_str(writer, "source", revision->source);
    sti_writer_kv_str(writer, "entry", revision->entry);
    if (revision->reason[0]) {
        sti_writer_kv_str(writer, "reason", revision->reason);
    }
}

int indicators_revision_decode(const void *data, size_t size, indicators_revision_t *revision)
{
    assert(revision);
    static const sti_limits_t limits = {INDICATORS_RECORD_MAX, INDICATORS_RECORD_MAX, 16, 2};
    memset(revision, 0, sizeof *revision);
    revision->t = -1;
    char err[128];
    sti_reader_t *reader = data ? sti_reader_new(data, size, &limits, err, sizeof err) : NULL;
    sti_node_t root = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    if (sti_node_type(root) != STI_TYPE_MAP) {
        sti_reader_destroy(&reader);
        return -1;
    }
    sti_field_error_t ferr;
    if (sti_map_int(root, "rev", &revision->rev, &ferr) != 0) {
        revision->rev = 0;
    }
    revision->has_v = sti_map_double(root, "v", &revision->v, &ferr) == 0;
    sti_map_str_copy(root, "origin", revision->origin, sizeof revision->origin, &ferr);
    if (sti_map_int(root, "t", &revision->t, &ferr) != 0) {
        revision->t = -1;
    }
    sti_map_str_copy(root, "by", revision->by, sizeof revision->by, &ferr);
    sti_map_str_copy(root, "source", revision->source, sizeof revision->source, &ferr);
    sti_map_str_copy(root, "entry", revision->entry, sizeof revision->entry, &ferr);
    if (sti_map_str_copy(root, "reason", revision->reason, sizeof revision->reason, &ferr) != 0) {
        revision->reason[0] = 0;
    }
    sti_reader_destroy(&reader);
    return 0;
}

//  Splits "<ms>-<seq>" (a missing "-seq" reads as 0). Returns 0 or -1.
static int s_entry_parts(const char *id, uint64_t *ms, uint64_t *seq)
{
    char *end;
    *ms = *seq = 0;
    if (!id || !*id) {
        return -1;
    }
    *ms = strtoull(id, &end, 10);
    if (*end == '-') {
        *seq = strtoull(end + 1, NULL, 10);
    }
    return 0;
}

int indicators_entry_id_compare(const char *a, const char *b)
{
    uint64_t ams, aseq, bms, bseq;
    int ha = s_entry_parts(a, &ams, &aseq) == 0;
    int hb = s_entry_parts(b, &bms, &bseq) == 0;
    if (ha != hb) {
        return ha - hb;
    }
    if (!ha || (ams == bms && aseq == bseq)) {
        return 0;
    }
    if (ams != bms) {
        return ams < bms ? -1 : 1;
    }
    return aseq < bseq ? -1 : 1;
}

//  --- the table ---

indicators_table_t *indicators_table_new(void)
{
    indicators_table_t *self = (indicators_table_t *)calloc(1, sizeof *self);
    assert(self);
    self->index_cap = 256;
    self->index = (int32_t *)malloc(self->index_cap * sizeof *self->index);
    self->group_index_cap = 64;
    self->group_index = (int32_t *)malloc(self->group_index_cap * sizeof *self->group_index);
    assert(self->index && self->group_index);
    indicators_table_reset(self);
    return self;
}

void indicators_table_destroy(indicators_table_t **self_p)
{
    assert(self_p);
    indicators_table_t *self = *self_p;
    if (self) {
        free(self->values);
        free(self->groups);
        free(self->index);
        free(self->group_index);
        free(self->arena);
        free(self);
        *self_p = NULL;
    }
}

void indicators_table_reset(indicators_table_t *self)
{
    assert(self);
    self->value_count = self->group_count = self->arena_len = 0;
    memset(self->index, 0xff, self->index_cap * sizeof *self->index);
    memset(self->group_index, 0xff, self->group_index_cap * sizeof *self->group_index);
}

static uint64_t s_hash(const void *indicator, const void *org, const sti_period_t *period)
{
    uint64_t h = (uint64_t)(uintptr_t)indicator * 0x9e3779b97f4a7c15ULL;
    h ^= (uint64_t)(uintptr_t)org * 0xc2b2ae3d27d4eb4fULL;
    if (period) {
        h ^=
            ((uint64_t)period->year << 16 | (uint64_t)period->kind << 8 | (uint64_t)period->index) *
            0x165667b19e3779f9ULL;
    }
    return h ^ (h >> 29);
}

static bool s_same(const indicators_value_t *value, const sti_indicator_t *indicator,
                   const sti_org_unit_t *org, const sti_period_t *period)
{
    return value->indicator == indicator && value->org == org &&
           value->period.year == period->year && value->period.kind == period->kind &&
           value->period.index == period->index;
}

//  The slot of a value, or of the empty slot where it would go.
static size_t s_slot(const indicators_table_t *self, const sti_indicator_t *indicator,
                     const sti_org_unit_t *org, const sti_period_t *period)
{
    size_t mask = self->index_cap - 1, slot = s_hash(indicator, org, period) & mask;
    while (self->index[slot] >= 0 &&
           !s_same(&self->values[self->index[slot]], indicator, org, period)) {
        slot = (slot + 1) & mask;
    }
    return slot;
}

static size_t s_group_slot(const indicators_table_t *self, const sti_indicator_t *indicator,
                           const sti_org_unit_t *org)
{
    size_t mask = self->group_index_cap - 1, slot = s_hash(indicator, org, NULL) & mask;
    while (self->group_index[slot] >= 0) {
        const indicators_group_t *group = &self->groups[self->group_index[slot]];
        if (group->indicator == indicator && group->org == org) {
            break;
        }
        slot = (slot + 1) & mask;
    }
    return slot;
}

//  Doubles the value index and puts every value back.
static void s_grow_index(indicators_table_t *self)
{
    free(self->index);
    self->index_cap *= 2;
    self->index = (int32_t *)malloc(self->index_cap * sizeof *self->index);
    assert(self->index);
    memset(self->index, 0xff, self->index_cap * sizeof *self->index);
    for (size_t i = 0; i < self->value_count; i++) {
        indicators_value_t *v = &self->values[i];
        self->index[s_slot(self, v->indicator, v->org, &v->period)] = (int32_t)i;
    }
}

static void s_grow_group_index(indicators_table_t *self)
{
    free(self->group_index);
    self->group_index_cap *= 2;
    self->group_index = (int32_t *)malloc(self->group_index_cap * sizeof *self->group_index);
    assert(self->group_index);
    memset(self->group_index, 0xff, self->group_index_cap * sizeof *self->group_index);
    for (size_t i = 0; i < self->group_count; i++) {
        indicators_group_t *g = &self->groups[i];
        self->group_index[s_group_slot(self, g->indicator, g->org)] = (int32_t)i;
    }
}

int indicators_table_find(const indicators_table_t *self, const sti_indicator_t *indicator,
                          const sti_org_unit_t *org, const sti_period_t *period)
{
    assert(self && indicator && org && period);
    return self->index[s_slot(self, indicator, org, period)];
}

int indicators_table_group(indicators_table_t *self, const sti_indicator_t *indicator,
                           const sti_org_unit_t *org)
{
    assert(self && indicator && org);
    size_t slot = s_group_slot(self, indicator, org);
    if (self->group_index[slot] >= 0) {
        return self->group_index[slot];
    }
    if (self->group_count == self->group_cap) {
        self->group_cap = self->group_cap ? self->group_cap * 2 : 64;
        self->groups =
            (indicators_group_t *)realloc(self->groups, self->group_cap * sizeof *self->groups);
        assert(self->groups);
    }
    int at = (int)self->group_count++;
    self->groups[at] = (indicators_group_t){indicator, org, false, false, -1, NULL, NULL, NULL};
    self->group_index[slot] = at;
    if (self->group_count * 2 > self->group_index_cap) {
        s_grow_group_index(self);
    }
    return at;
}

int indicators_table_value(indicators_table_t *self, const sti_indicator_t *indicator,
                           const sti_org_unit_t *org, const sti_period_t *period)
{
    assert(self && indicator && org && period);
    size_t slot = s_slot(self, indicator, org, period);
    if (self->index[slot] >= 0) {
        return self->index[slot];
    }
    if (self->value_count == self->value_cap) {
        self->value_cap = self->value_cap ? self->value_cap * 2 : 256;
        self->values =
            (indicators_value_t *)realloc(self->values, self->value_cap * sizeof *self->values);
        assert(self->values);
    }
    int at = (int)self->value_count++;
    int group = indicators_table_group(self, indicator, org);
    indicators_value_t *value = &self->values[at];
    memset(value, 0, sizeof *value);
    value->indicator = indicator;
    value->org = org;
    value->period = *period;
    sti_period_format(period, value->period_text, sizeof value->period_text);
    value->group = group;
    value->next_in_hash = self->groups[group].head;
    self->groups[group].head = at;
    self->index[slot] = at;
    if (self->value_count * 2 > self->index_cap) {
        s_grow_index(self);
    }
    return at;
}

size_t indicators_table_value_count(const indicators_table_t *self)
{
    assert(self);
    return self->value_count;
}

indicators_value_t *indicators_table_value_at(indicators_table_t *self, int index)
{
    assert(self && index >= 0 && (size_t)index < self->value_count);
    return &self->values[index];
}

size_t indicators_table_group_count(const indicators_table_t *self)
{
    assert(self);
    return self->group_count;
}

indicators_group_t *indicators_table_group_at(indicators_table_t *self, int index)
{
    assert(self && index >= 0 && (size_t)index < self->group_count);
    return &self->groups[index];
}

int indicators_table_load(indicators_table_t *self, int index, const void *data, size_t size,
                          char *err, size_t errlen)
{
    indicators_value_t *value = indicators_table_value_at(self, index);
    value->loaded = true;
    value->exists = data != NULL;
    value->raw_len = 0;
    value->first_read = false;
    memset(&value->record, 0, sizeof value->record);
    if (!data) {
        return 0;
    }
    if (self->arena_len + size > self->arena_cap) {
        size_t cap = self->arena_cap ? self->arena_cap : 65536;
        while (cap < self->arena_len + size) {
            cap *= 2;
        }
        self->arena = (char *)realloc(self->arena, cap);
        assert(self->arena);
        self->arena_cap = cap;
    }
    memcpy(self->arena + self->arena_len, data, size);
    value->raw_off = self->arena_len;
    value->raw_len = size;
    self->arena_len += size;
    int rc = indicators_record_decode(data, size, &value->record, err, errlen);
    value->first_read = value->record.has_first;
    return rc;
}

void indicators_table_set(indicators_table_t *self, int index, const indicators_record_t *record)
{
    indicators_value_t *value = indicators_table_value_at(self, index);
    value->loaded = true;
    value->exists = record != NULL;
    value->raw_len = 0;
    value->first_read = record && record->has_first;
    if (record) {
        value->record = *record;
    } else {
        memset(&value->record, 0, sizeof value->record);
    }
}

const void *indicators_table_raw(const indicators_table_t *self, int index, size_t *size)
{
    assert(self && index >= 0 && (size_t)index < self->value_count && size);
    const indicators_value_t *value = &self->values[index];
    *size = value->exists ? value->raw_len : 0;
    return value->exists ? self->arena + value->raw_off : NULL;
}

//  Writes the parts one after another into buf, cut to fit as snprintf
//  would cut them (sti_text_copy: these are built for every event).
static char *s_join(char *buf, size_t cap, const char *const *parts, size_t count)
{
    assert(buf && cap > 0);
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < count; i++) {
        len += sti_text_copy(buf + len, cap - len, parts[i]);
    }
    return buf;
}

char *indicators_value_topic(const indicators_value_t *value, char *buf, size_t cap)
{
    assert(value);
    const char *parts[] = {"ind.", value->indicator->code, ".", value->org->code};
    return s_join(buf, cap, parts, 4);
}

char *indicators_value_subject(const indicators_value_t *value, char *buf, size_t cap)
{
    assert(value);
    const char *parts[] = {value->indicator->code, "/", value->org->code, "/", value->period_text};
    return s_join(buf, cap, parts, 5);
}

char *indicators_group_subject(const indicators_group_t *group, int year, char *buf, size_t cap)
{
    assert(group && buf);
    snprintf(buf, cap, "%s/%s/%d", group->indicator->code, group->org->code, year);
    return buf;
}

int indicators_table_at_period(indicators_table_t *self, const indicators_group_t *group,
                               const sti_period_t *period)
{
    assert(self && group && period);
    for (int i = group->head; i >= 0; i = self->values[i].next_in_hash) {
        const indicators_value_t *value = &self->values[i];
        if (value->record.has_v && sti_period_compare(&value->period, period) == 0) {
            return i;
        }
    }
    return -1;
}

void indicators_table_records(indicators_table_t *self, const sti_catalog_t *catalog,
                              const indicators_group_t *group, const sti_indicator_t **indicator,
                              const sti_org_unit_t **org)
{
    assert(self && catalog && group && indicator && org);
    assert(group >= self->groups && group < self->groups + self->group_count);
    indicators_group_t *own = &self->groups[group - self->groups];
    if (own->found_in != catalog) {
        own->found_in = catalog;
        own->found_indicator = sti_catalog_indicator_find(catalog, group->indicator->code);
        own->found_org = sti_catalog_org_find(catalog, group->org->code);
    }
    *indicator = own->found_indicator ? own->found_indicator : group->indicator;
    *org = own->found_org ? own->found_org : group->org;
}

void indicators_table_progress(indicators_table_t *self, const sti_catalog_t *catalog,
                               const indicators_group_t *group, int year, double tolerance,
                               sti_progress_t *out, int *latest)
{
    assert(self && catalog && group && out && latest);
    //  By code: the group's records may come from another copy of the catalog.
    const sti_indicator_t *indicator;
    const sti_org_unit_t *org;
    indicators_table_records(self, catalog, group, &indicator, &org);
    *latest = -1;
    int base = indicators_table_at_period(self, group, &indicator->baseline_period);
    for (int i = group->head; i >= 0; i = self->values[i].next_in_hash) {
        const indicators_value_t *value = &self->values[i];
        if (!value->record.has_v || value->period.year > year ||
            (indicator->kind == STI_KIND_FLOW && value->period.kind != STI_PERIOD_YEAR)) {
            continue;
        }
        if (*latest < 0 || sti_period_compare(&value->period, &self->values[*latest].period) > 0) {
            *latest = i;
        }
    }
    sti_progress_input_t input;
    bool has = *latest >= 0;
    sti_catalog_progress_input(catalog, indicator, org, year, has,
                               has ? self->values[*latest].record.v : 0,
                               base >= 0 ? &self->values[base].record.v : NULL, tolerance, &input);
    sti_progress_compute(&input, out);
}
