/*  talent_feed: the registry's counts, kept current in sti-ingest. See
    talent_feed.h.

    A read of the counts is of exactly one generation (talent_count_store),
    and the request id names the generation and the year, so the same id
    always carries the same rows.
*/
#include "talent_feed.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_submit.h"
#include "talent_counts.h"

struct _talent_feed_t {
    talent_store_t *store;        // borrowed: the codes and the root org unit
    talent_count_store_t *counts; // borrowed
    int first_year;               // earliest year submitted
    sti_submit_t *submit;         // the request to sti.ingest, its reply, the back-off
    char request_id[80];          // the request's id (also the envelope id)
    char gen[24];                 // its generation
    int year;                     // its last year
    bool pending;                 // dirty marks were seen at the last read
};

//  Per indicator, the first year to send (0: none).
typedef struct {
    int from[TALENT_CODES_MAX]; // first year to send, 0 when clean
    bool any;                   // some indicator has a year to send
} s_due_t;

static int s_this_year(void)
{
    return talent_check_today() / 10000;
}

talent_feed_t *talent_feed_new(talent_store_t *store, talent_count_store_t *counts,
                               const char *broker, int first_year)
{
    assert(store && counts && broker);
    talent_feed_t *self = (talent_feed_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->counts = counts;
    self->first_year = first_year;
    self->submit = sti_submit_new(broker, "talent counts");
    return self;
}

void talent_feed_destroy(talent_feed_t **self_p)
{
    assert(self_p);
    talent_feed_t *self = *self_p;
    if (self) {
        sti_submit_destroy(&self->submit);
        free(self);
        *self_p = NULL;
    }
}

bool talent_feed_pending(talent_feed_t *self)
{
    assert(self);
    return self->pending || sti_submit_waiting(self->submit);
}

//  The years to send: the dirty ones, and after a new year since the last
//  submission, that year for every count.
static void s_due(const talent_codes_t *codes, const talent_count_read_t *read, int year,
                  s_due_t *due)
{
    memset(due, 0, sizeof *due);
    for (size_t i = 0; i < talent_codes_indicator_count(codes); i++) {
        due->from[i] = read->dirty[i];
        due->any = due->any || read->dirty[i] != 0;
        if (read->upto > 0 && read->upto < year) {
            if (!due->from[i] || due->from[i] > read->upto + 1) {
                due->from[i] = read->upto + 1;
            }
            due->any = true;
        }
    }
}

//  Writes the obs.submit request of the due counts. Returns the number of rows.
static size_t s_request(talent_feed_t *self, const talent_codes_t *codes,
                        const talent_count_read_t *read, const s_due_t *due, const char *org,
                        int year, sti_writer_t *writer)
{
    size_t rows = 0;
    const char *source = "talent-registry";
    for (size_t i = 0; i < talent_codes_indicator_count(codes); i++) {
        int from = due->from[i] < self->first_year ? self->first_year : due->from[i];
        rows += due->from[i] && from <= year ? (size_t)(year - from + 1) : 0;
        source = talent_codes_indicator_at(codes, i)->source;
    }
    snprintf(self->request_id, sizeof self->request_id, "talent-counts-%s-%d", read->gen, year);
    sti_envelope_request(writer, "obs.submit", self->request_id);
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "source", source);
    sti_writer_kv_str(writer, "request_id", self->request_id);
    sti_writer_str(writer, "rows");
    sti_writer_array(writer, rows);
    for (size_t i = 0; i < talent_codes_indicator_count(codes); i++) {
        int from = due->from[i] < self->first_year ? self->first_year : due->from[i];
        for (int y = from; due->from[i] && y <= year; y++) {
            char period[16];
            snprintf(period, sizeof period, "%d", y);
            sti_writer_map(writer, 4);
            sti_writer_kv_str(writer, "indicator", talent_codes_indicator_at(codes, i)->code);
            sti_writer_kv_str(writer, "org", org);
            sti_writer_kv_str(writer, "period", period);
            sti_writer_kv_double(
                writer, "value",
                (double)talent_counts_sum(read->years[i], read->deltas[i], read->count[i], y));
        }
    }
    return rows;
}

//  Marks the generation sent as accepted.
static void s_done(talent_feed_t *self)
{
    char err[256];
    if (talent_count_store_done(self->counts, self->gen, self->year, err, sizeof err) != 0) {
        sti_warn("talent counts: accepted, but the mark could not be cleared (sent again): %s",
                 err);
    }
}

//  The codes, or NULL after saying why (quietly while no plan is loaded).
static const talent_codes_t *s_codes(talent_feed_t *self)
{
    sti_errcode_t code;
    char err[256];
    const talent_codes_t *codes = talent_store_codes(self->store, &code, err, sizeof err);
    if (!codes && code == STI_ERR_NOT_FOUND) {
        sti_debug("talent counts: waiting for the plan: %s", err);
    } else if (!codes) {
        sti_warn("talent counts: waiting for the plan's talent codes: %s", err);
    }
    return codes;
}

//  Sends the dirty counts, if any. Returns 0 when there was nothing to do
//  or the request went out, -1 to back off.
static int s_send(talent_feed_t *self)
{
    int year = s_this_year();
    const talent_codes_t *codes = s_codes(self);
    char err[256];
    talent_count_read_t *read =
        codes ? talent_count_store_read(self->counts, codes, err, sizeof err) : NULL;
    if (!read) {
        if (codes) {
            sti_warn("talent counts: cannot read the counts: %s", err);
        }
        return -1;
    }
    s_due_t due;
    s_due(codes, read, year, &due);
    self->pending = due.any;
    sti_errcode_t code;
    const char *org = due.any ? talent_store_root_org(self->store, &code, err, sizeof err) : NULL;
    if (due.any && !org) {
        sti_warn("talent counts: waiting for the plan's catalog: %s", err);
    }
    if (!org) {
        free(read);
        return due.any ? -1 : 0;
    }
    sti_writer_t *writer = sti_writer_new();
    size_t rows = s_request(self, codes, read, &due, org, year, writer);
    snprintf(self->gen, sizeof self->gen, "%s", read->gen);
    self->year = year;
    free(read);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    if (rows == 0) {
        s_done(self);
    } else {
        sti_submit_send(self->submit, self->request_id, data, size); // backs off itself
    }
    sti_writer_destroy(&writer);
    return 0;
}

void talent_feed_tick(talent_feed_t *self)
{
    assert(self);
    if (sti_submit_waiting(self->submit)) {
        if (sti_submit_poll(self->submit) == STI_SUBMIT_ACCEPTED) {
            s_done(self);
        }
    } else if (sti_submit_ready(self->submit) && s_send(self) != 0) {
        sti_submit_back_off(self->submit);
    }
}
