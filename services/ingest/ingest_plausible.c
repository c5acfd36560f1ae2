/*  ingest_plausible: warnings on far values. See the header.

    Per row, one HMGET <ns>:val:<indicator>:<org> <period> <period before>,
    all pipelined; of each stored record only its effective value `v` is
    read (the record is sti-indicators' MessagePack map, docs/data-path.md).
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
    char key[256];                    // its value hash
    char period[STI_PERIOD_TEXT_MAX]; // its period
    char before[STI_PERIOD_TEXT_MAX]; // the period before ("" for none)
    double value;                     // in the catalog's unit
} s_row_t;

struct _ingest_plausible_t {
    sti_redis_t *redis; // borrowed
    double factor;      // how far is far
    s_row_t *rows;      // the request's rows
    size_t count;       // in use
    size_t cap;         // allocated
};

ingest_plausible_t *ingest_plausible_new(sti_redis_t *redis, double factor)
{
    assert(redis);
    ingest_plausible_t *self = (ingest_plausible_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->factor = factor;
    return self;
}

void ingest_plausible_destroy(ingest_plausible_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free((*self_p)->rows);
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
        assert(self->rows);
    }
    s_row_t *row = &self->rows[self->count++];
    row->index = index;
    row->value = obs->value;
    char member[2 * 65 + 2];
    snprintf(member, sizeof member, "%s:%s", obs->indicator, obs->org);
    sti_redis_key(self->redis, row->key, sizeof row->key, "val", member, NULL);
    snprintf(row->period, sizeof row->period, "%s", obs->period_text);
    sti_period_t before;
    row->before[0] = 0;
    if (s_before(&obs->period, &before)) {
        sti_period_format(&before, row->before, sizeof row->before);
    }
}

//  The effective value of a stored record, when it has one.
static bool s_value_of(const redisReply *field, double *out)
{
    if (!field || field->type != REDIS_REPLY_STRING) {
        return false;
    }
    char err[128];
    sti_field_error_t ferr;
    sti_reader_t *reader = sti_reader_new(field->str, field->len, NULL, err, sizeof err);
    bool has = reader && sti_node_type(sti_reader_root(reader)) == STI_TYPE_MAP &&
               sti_map_double(sti_reader_root(reader), "v", out, &ferr) == 0 && isfinite(*out);
    sti_reader_destroy(&reader);
    return has;
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
        const s_row_t *row = &self->rows[i];
        sti_redis_appendf(self->redis, "HMGET %s %s %s", row->key, row->period,
                          row->before[0] ? row->before : row->period);
    }
    size_t written = 0;
    bool failed = false;
    for (size_t i = 0; i < self->count; i++) {
        redisReply *reply = sti_redis_reply(self->redis);
        const s_row_t *row = &self->rows[i];
        double reference = 0;
        if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
            failed = true;
        } else if (s_value_of(reply->element[0], &reference)) {
            written += s_judge(self, row, reference, row->period, warnings);
        } else if (row->before[0] && s_value_of(reply->element[1], &reference)) {
            written += s_judge(self, row, reference, row->before, warnings);
        }
        if (reply) {
            freeReplyObject(reply);
        }
    }
    if (failed) {
        sti_warn("plausibility: the series could not be read; no warnings given");
    }
    return written;
}
