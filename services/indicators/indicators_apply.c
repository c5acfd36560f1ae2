/*  indicators_apply: the consumer of the intake log. See the header.

    One batch: the entries are decoded into the batch (indicators_batch)
    against the catalog the store holds, the closure is planned, every value
    it needs is read in one round trip (indicators_store_read_batch) that
    also checks that catalog's version (a batch begun on a catalog replaced
    meanwhile starts again on the new one, before anything is written), the
    rows are applied in memory, and one
    write (indicators_store_write) stores everything, appends the events and
    acknowledges the entries. With replicas to reach, a window the replicas
    did not confirm ends the batch (s_apply_window says why). The write compares what it finds with
   the bytes read; on a difference it refuses the batch and the applier starts over (at most
   S_ATTEMPTS times; after that the entries stay pending and are taken up again later). The write
   returns the prev of every event it logged, so the events are published from what the applier
   built, without reading the log back.

    Time. A tick applies for at most tick_budget_ms, so that requests are
    answered between ticks whatever the backlog. A batch is applied in
    windows (one write each) sized by the time a row took lately to end
    near the deadline; when the deadline comes with windows left, the batch
    is kept and the next tick goes on with it, unless the catalog its rows
    point into was replaced in between (a request read a new one): then it
    is dropped, and its entries, still pending for this consumer, are read
    again (rows applied already are skipped, as for any redelivery). A read
    takes as many entries as the rows that fit the time left. The claim
    round waits while a batch is kept.
*/
#include "indicators_apply.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sti_log.h"
#include "sti_plan_text.h"

#define S_ATTEMPTS 5         // tries of one batch against concurrent replicas
#define S_PENDING_EVERY 1000 // ms between refreshes of the pending gauge
#define S_CLAIM_ROUNDS 100   // XAUTOCLAIM calls of one claim round at most
#define S_WINDOW_MIN 100     // rows of a window at least, when a deadline sizes it
#define S_WINDOW_FIRST 500   // rows of the first window a deadline sizes
#define S_STALE -2           // s_apply_window: the held catalog is not the current one

struct _indicators_apply_t {
    indicators_store_t *store;               // borrowed: the values
    indicators_intake_t *intake;             // borrowed: the intake log
    sti_catalog_store_t *catalog;            // borrowed
    sti_events_pub_t *pub;                   // borrowed
    const indicators_apply_config_t *config; // borrowed
    bool (*replicated)(void *arg);           // the window reached the replicas, or NULL
    void *replicated_arg;                    // its argument
    indicators_batch_t *batch;               // the batch being applied
    char time[40];                           // the time of the window's events
    bool pending_done;                       // own pending entries were re-read
    int64_t next_claim;                      // zclock_mono time of the next claim round
    int64_t next_pending;                    // zclock_mono time of the next XPENDING
    sti_metric_t *rows_applied;              // rows that changed a reported value
    sti_metric_t *rows_skipped;              // rows skipped as already applied
    sti_metric_t *rows_invalid;              // rows that no longer fit the catalog
    sti_metric_t *events_published;          // events appended and published
    sti_metric_t *batches;                   // batches applied
    sti_metric_t *entries_acked;             // intake entries acknowledged
    sti_metric_t *conflicts;                 // batches refused by a concurrent change
    sti_metric_t *bad_entries;               // entries that did not decode
    sti_metric_t *pending;                   // entries pending in the group
    int64_t entries_total;                   // entries applied since the start
    int64_t rows_total;                      // their rows
    double ms_per_row;                       // how long a row takes to apply (smoothed)
    bool resume;                             // the batch has windows left for the next tick
    bool unconfirmed;                        // a window of this tick the replicas did not confirm
    uint64_t version;                        // the catalog version the batch was read with
    bool unchecked;                          // version was held, not asked: the next read asks
    size_t acked;                            // entries of the batch acknowledged
    size_t from;                             // the batch's first row not applied
    size_t invalid;                          // rows of the batch that did not fit the catalog
};

indicators_apply_t *indicators_apply_new(indicators_store_t *store, indicators_intake_t *intake,
                                         sti_catalog_store_t *catalog, sti_events_pub_t *pub,
                                         sti_http_t *http, const indicators_apply_config_t *config)
{
    assert(store && intake && catalog && pub && http && config);
    indicators_apply_t *self = (indicators_apply_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->intake = intake;
    self->catalog = catalog;
    self->pub = pub;
    self->config = config;
    self->batch = indicators_batch_new();
    const char *rows = "Intake rows by what applying them did";
    self->rows_applied =
        sti_http_counter(http, "sti_indicators_rows_total", "result=\"applied\"", rows);
    self->rows_skipped =
        sti_http_counter(http, "sti_indicators_rows_total", "result=\"skipped\"", rows);
    self->rows_invalid =
        sti_http_counter(http, "sti_indicators_rows_total", "result=\"invalid\"", rows);
    self->events_published = sti_http_counter(
        http, "sti_indicators_events_total", NULL,
        "events of applied rows (indicator.changed and its extras) logged and published");
    self->entries_acked =
        sti_http_counter(http, "sti_indicators_entries_total", NULL,
                         "Intake entries applied and acknowledged by this replica");
    self->batches = sti_http_counter(http, "sti_indicators_batches_total", NULL,
                                     "Batches of intake entries applied");
    self->conflicts = sti_http_counter(http, "sti_indicators_conflicts_total", NULL,
                                       "Batches refused because another replica changed a value");
    self->bad_entries = sti_http_counter(http, "sti_indicators_bad_entries_total", NULL,
                                         "Intake entries that did not decode (acknowledged)");
    self->pending = sti_http_gauge(http, "sti_indicators_pending_entries", NULL,
                                   "Intake entries delivered to the group and not acknowledged");
    return self;
}

void indicators_apply_set_replicated(indicators_apply_t *self, bool (*fn)(void *arg), void *arg)
{
    assert(self);
    self->replicated = fn;
    self->replicated_arg = arg;
}

void indicators_apply_destroy(indicators_apply_t **self_p)
{
    assert(self_p);
    indicators_apply_t *self = *self_p;
    if (self) {
        indicators_batch_destroy(&self->batch);
        free(self);
        *self_p = NULL;
    }
}

//  --- decoding entries ---

//  Resolves one row of an intake entry against the catalog. Returns 0, or
//  -1 with a reason.
static int s_read_row(const sti_catalog_t *catalog, sti_node_t node, int64_t time,
                      indicators_row_t *row, char *err, size_t errlen)
{
    sti_intake_row_t intake;
    memset(row, 0, sizeof *row);
    if (sti_intake_row_read(node, &intake, err, errlen)) {
        return -1;
    }
    sti_text_copy(row->source, sizeof row->source, intake.source);
    row->value = intake.value;
    row->withdraw = intake.withdraw;
    sti_text_copy(row->reason, sizeof row->reason, intake.withdraw ? intake.note : "");
    row->indicator = sti_catalog_indicator_find(catalog, intake.indicator);
    row->org = sti_catalog_org_find(catalog, intake.org);
    if (!row->indicator || row->indicator->formula || !row->org) {
        snprintf(err, errlen, "%s/%s is not a reported indicator at a known org unit",
                 intake.indicator, intake.org);
        return -1;
    }
    //  A value taken after its unit was retired (sti-ingest refuses them; one
    //  may slip between a retirement and ingest's next catalog read).
    if (row->org->retired && !row->withdraw && time > row->org->retired_at) {
        snprintf(err, errlen, "org unit %s was retired before this value came", intake.org);
        return -1;
    }
    return sti_period_parse(intake.period, strlen(intake.period), &row->period, err, errlen);
}

//  Adds an entry and its rows to the batch, counting in *invalid the rows
//  that do not fit the catalog (logged unless quiet). Returns 0, or -1 for
//  an entry that does not decode (it is then in the batch with no rows;
//  logged unless quiet).
static int s_read_entry(indicators_apply_t *self, const sti_catalog_t *catalog,
                        const sti_intake_entry_t *intake, bool quiet, size_t *invalid)
{
    indicators_entry_t entry;
    memset(&entry, 0, sizeof entry);
    snprintf(entry.id, sizeof entry.id, "%s", intake->id);
    snprintf(entry.by, sizeof entry.by, "%s", intake->submitter);
    snprintf(entry.source, sizeof entry.source, "%s", intake->source);
    entry.time = intake->time >= 0 ? intake->time : zclock_time();
    indicators_batch_add_entry(self->batch, &entry);
    if (!intake->rows) {
        return -1; // said by indicators_intake
    }
    char err[256];
    sti_reader_t *reader = sti_intake_rows_open(intake, err, sizeof err);
    if (!reader) {
        if (!quiet) {
            sti_warn("intake entry %s does not decode (%s): acknowledged", entry.id, err);
        }
        return -1;
    }
    sti_node_t root = sti_reader_root(reader);
    size_t rows = sti_node_size(root);
    for (size_t i = 0; i < rows; i++) {
        indicators_row_t row;
        if (s_read_row(catalog, sti_node_at(root, i), entry.time, &row, err, sizeof err)) {
            if (!quiet) {
                sti_warn("intake entry %s row %zu skipped: %s", entry.id, i, err);
            }
            (*invalid)++;
            continue;
        }
        if (!row.source[0]) {
            sti_text_copy(row.source, sizeof row.source, entry.source);
        }
        indicators_batch_add_row(self->batch, &row);
    }
    sti_reader_destroy(&reader);
    return 0;
}

//  --- applying ---

//  "2026-11-25T18:40:01.123Z" for now.
static void s_now_text(char *buf, size_t cap)
{
    int64_t ms = zclock_time();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char text[128];
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    size_t len = strlen(text) < cap ? strlen(text) : cap - 1;
    memcpy(buf, text, len);
    buf[len] = 0;
}

//  Publishes the window's events, logged as seqs first..last: from memory
//  when the write returned every prev, else read back from the log.
static void s_publish(indicators_apply_t *self, const indicators_written_t *written)
{
    size_t changes = indicators_batch_change_count(self->batch);
    if (!written->prevs ||
        indicators_batch_event_count(self->batch) != written->last - written->first + 1) {
        if (sti_events_send_logged(self->pub, written->first, written->last)) {
            sti_warn("events %" PRIu64 "..%" PRIu64 " are logged but not sent", written->first,
                     written->last);
        }
        return;
    }
    const char *bytes = indicators_batch_bytes(self->batch);
    const char *texts = indicators_batch_texts(self->batch);
    for (size_t c = 0, e = 0; c < changes; c++, e++) {
        const indicators_change_t *change = indicators_batch_change_at(self->batch, c);
        sti_event_t event = {
            .seq = written->first + e,
            .prev = written->prevs[e],
            .topic = (char *)texts + change->topic_off,
            .type = (char *)INDICATORS_EVENT_TYPE,
            .source = (char *)INDICATORS_EVENT_SOURCE,
            .subject = (char *)texts + change->subject_off,
            .time = self->time,
            .data = (void *)(bytes + change->event_off),
            .data_size = change->event_len,
        };
        sti_events_send_event(self->pub, &event);
        for (size_t x = change->extra_from; x < change->extra_from + change->extra_count; x++) {
            const indicators_extra_t *extra = indicators_batch_extra_at(self->batch, x);
            e++;
            event.seq = written->first + e;
            event.prev = written->prevs[e];
            event.type = (char *)extra->type;
            event.subject = (char *)texts + extra->subject_off;
            event.data = (void *)(bytes + extra->off);
            event.data_size = extra->len;
            sti_events_send_event(self->pub, &event);
        }
    }
}

//  Plans, reads, computes and writes the batch's current window,
//  acknowledging entries [ack_from, ack_to), starting over on a conflict.
//  Returns 0, S_STALE when the read found the catalog the batch was begun
//  on (held, unchecked) replaced (nothing is written then), or -1.
static int s_apply_window(indicators_apply_t *self, size_t ack_from, size_t ack_to)
{
    for (int attempt = 0; attempt < S_ATTEMPTS; attempt++) {
        indicators_batch_restart(self->batch);
        indicators_batch_plan(self->batch);
        const char *version_key =
            self->unchecked ? sti_catalog_store_version_key(self->catalog) : NULL;
        int read =
            indicators_store_read_batch(self->store, self->batch, version_key, self->version);
        if (read > 0) {
            return S_STALE; // nothing written: the batch starts again on the new catalog
        }
        if (read < 0) {
            sti_error("cannot read values: %s", indicators_store_errstr(self->store));
            return -1;
        }
        self->unchecked = false;
        size_t skipped;
        size_t applied = indicators_batch_compute(self->batch, &skipped);
        indicators_written_t written;
        s_now_text(self->time, sizeof self->time);
        indicators_store_write(self->store, self->batch, ack_from, ack_to, self->pub, self->time,
                               &written);
        if (written.outcome == INDICATORS_WRITE_REFUSED) {
            sti_events_pub_refused(self->pub, written.why);
        }
        if (written.outcome == INDICATORS_WRITE_CONFLICT) {
            sti_metric_add(self->conflicts, 1);
            continue;
        }
        if (written.outcome != INDICATORS_WRITE_DONE) {
            return -1;
        }
        sti_metric_add(self->batches, 1);
        sti_metric_add(self->rows_applied, (int64_t)applied);
        sti_metric_add(self->rows_skipped, (int64_t)skipped);
        //  What the replicas do not have yet is not published: a fail-over
        //  could take it back, and subscribers would hold events that are
        //  gone. Nor is the batch gone on with: the next window could be
        //  written to a replica promoted meanwhile (the connection follows
        //  the Sentinels) and acknowledge an entry whose earlier rows only
        //  the old master holds. The batch stops; its entries, still pending,
        //  are read again, and the rows the master holds are skipped.
        //  The WAIT runs right after the window's write, on its connection
        //  (sti_service_replicated refuses one made again since), and the
        //  window's seqs are noted once it confirmed them (a new epoch
        //  they were appended in is taken with that confirmation).
        if (self->replicated && !self->replicated(self->replicated_arg)) {
            sti_events_pub_replicated(self->pub, false);
            self->unconfirmed = true;
            return -1;
        }
        sti_events_pub_appended(self->pub, written.epoch, written.last);
        sti_events_pub_replicated(self->pub, true);
        if (written.first > 0 && written.last >= written.first) {
            sti_metric_add(self->events_published, (int64_t)(written.last - written.first + 1));
            s_publish(self, &written);
        }
        return 0;
    }
    sti_warn("batch refused %d times by concurrent changes; left pending", S_ATTEMPTS);
    return -1;
}

//  The rows of the next window: batch_rows at most, and with a deadline as
//  many as the time a row took lately says fit before it (S_WINDOW_MIN at
//  least, so a slow moment does not shrink the calls to nothing; S_WINDOW_FIRST
//  before a row was timed).
static size_t s_window_rows(const indicators_apply_t *self, int64_t deadline)
{
    size_t most = self->config->batch_rows > 0 ? (size_t)self->config->batch_rows : SIZE_MAX;
    if (deadline == 0) {
        return most;
    }
    if (self->ms_per_row <= 0) {
        return most < S_WINDOW_FIRST ? most : S_WINDOW_FIRST;
    }
    double left = (double)(deadline - zclock_mono());
    double fit = left > 0 ? left / self->ms_per_row : 0;
    size_t rows = fit < S_WINDOW_MIN ? S_WINDOW_MIN : (size_t)fit;
    return rows < most ? rows : most;
}

//  Learns how long a row takes from a window of rows applied in ms.
static void s_learn(indicators_apply_t *self, size_t rows, int64_t ms)
{
    if (rows > 0) {
        double per = (double)(ms > 0 ? ms : 1) / (double)rows;
        self->ms_per_row = self->ms_per_row > 0 ? 0.7 * self->ms_per_row + 0.3 * per : per;
    }
}

//  Applies the batch's next windows, each one write that acknowledges the
//  entries whose rows it completes, until the batch is done or (deadline
//  > 0) the deadline passed. Returns 1 when the batch is done, 0 when
//  windows are left (self->resume is then set), S_STALE as s_apply_window
//  (only from the first window), -1 on a failure (what was not
//  acknowledged stays pending).
static int s_apply_batch(indicators_apply_t *self, int64_t deadline)
{
    size_t rows = indicators_batch_row_count(self->batch);
    size_t entries = indicators_batch_entry_count(self->batch);
    self->resume = false;
    while (self->from < rows || self->acked < entries) {
        size_t step = s_window_rows(self, deadline);
        size_t to = rows - self->from > step ? self->from + step : rows;
        size_t ack_to = self->acked;
        while (ack_to < entries && indicators_batch_entry_at(self->batch, ack_to)->row_end <= to) {
            ack_to++;
        }
        int64_t start = zclock_mono();
        indicators_batch_set_window(self->batch, self->from, to);
        int rc = s_apply_window(self, self->acked, ack_to);
        if (rc) {
            return rc;
        }
        s_learn(self, to - self->from, zclock_mono() - start);
        sti_metric_add(self->entries_acked, (int64_t)(ack_to - self->acked));
        self->acked = ack_to;
        self->from = to;
        bool left = self->from < rows || self->acked < entries;
        if (left && deadline > 0 && zclock_mono() >= deadline) {
            self->resume = true; // the next tick goes on, if the catalog is the same
            return 0;
        }
    }
    self->entries_total += (int64_t)entries;
    self->rows_total += (int64_t)(rows + self->invalid);
    return 1;
}

//  Starts a batch of the given entries. With held, on the catalog the
//  store holds, unchecked: the first window's read asks for its version in
//  the same round trip (a GET of its own here would be one more round trip
//  before every batch, in the latency of every event); a batch with an
//  entry or row that does not fit it starts again on the current one, so
//  that nothing is logged or counted against a catalog that may be old.
//  Returns the number of entries in it (0: none), or -1 when the catalog
//  cannot be read.
static int s_begin(indicators_apply_t *self, const sti_intake_entry_t *entries, size_t count,
                   bool held)
{
    sti_errcode_t code;
    char err[256];
    const sti_catalog_t *catalog = held ? sti_catalog_store_held(self->catalog) : NULL;
    self->unchecked = catalog != NULL;
    if (!catalog) {
        catalog = sti_catalog_store_get(self->catalog, &code, err, sizeof err);
    }
    self->resume = false;
    if (!catalog) {
        sti_warn("intake waits for the catalog: %s", err);
        return -1;
    }
    self->version = sti_catalog_store_version(self->catalog);
    self->acked = self->from = 0;
    indicators_batch_reset(self->batch, catalog, self->config->tolerance);
    size_t invalid = 0, bad = 0;
    for (size_t i = 0; i < count; i++) {
        bad += s_read_entry(self, catalog, &entries[i], self->unchecked, &invalid) ? 1 : 0;
    }
    if (self->unchecked && (invalid || bad)) {
        return s_begin(self, entries, count, false);
    }
    sti_metric_add(self->bad_entries, (int64_t)bad);
    sti_metric_add(self->rows_invalid, (int64_t)invalid);
    self->invalid = invalid;
    return (int)indicators_batch_entry_count(self->batch);
}

//  Starts a batch of the given entries and applies it as far as the
//  deadline (0: all of it); begins again on the current catalog when the
//  first read found the held one replaced. Returns the number of entries
//  (0: none), or -1.
static int s_run(indicators_apply_t *self, const sti_intake_entry_t *entries, size_t count,
                 int64_t deadline)
{
    int n = s_begin(self, entries, count, true);
    int rc = n > 0 ? s_apply_batch(self, deadline) : 0;
    if (rc == S_STALE) {
        sti_info("the catalog changed before the batch was read: it starts again on the new one");
        n = s_begin(self, entries, count, false);
        rc = n > 0 ? s_apply_batch(self, deadline) : 0;
    }
    return n > 0 && rc < 0 ? -1 : n;
}

int indicators_apply_entries(indicators_apply_t *self, const sti_intake_entry_t *entries,
                             size_t count)
{
    assert(self && (entries || count == 0));
    return s_run(self, entries, count, 0);
}

void indicators_apply_totals(const indicators_apply_t *self, int64_t *entries, int64_t *rows)
{
    assert(self && entries && rows);
    *entries = self->entries_total;
    *rows = self->rows_total;
}

//  --- the consumer loop ---

//  Applies what a read returned (n: its result) until the deadline (0:
//  none). Returns the number of entries taken (1 after own pending entries
//  ran out, so the tick goes on with new ones), or -1.
static int s_handle(indicators_apply_t *self, int n, const indicators_intake_read_t *read,
                    int64_t deadline)
{
    int handled = n > 0 ? s_run(self, read->entries, read->count, deadline) : n;
    if (handled == 0 && !self->pending_done) {
        self->pending_done = true;
        handled = 1; // go on with new entries in this tick
    } else if (handled < 0) {
        self->pending_done = false; // what failed is in our pending list
    }
    return handled;
}

//  Goes on with the batch a tick left, if the catalog its rows point into
//  is still the one the store holds (a request may have read a new one
//  since: then the batch is dropped, and its entries, pending for this
//  consumer, are read again; rows applied already are skipped). Returns 1
//  when the batch is done (or dropped), 0 when windows are left, -1 on a
//  failure.
static int s_resume(indicators_apply_t *self, int64_t deadline)
{
    self->resume = false;
    if (sti_catalog_store_version(self->catalog) != self->version) {
        self->pending_done = false;
        return 1;
    }
    int rc = s_apply_batch(self, deadline);
    if (rc < 0) {
        self->pending_done = false;
    }
    return rc;
}

//  Sets how many entries the next read takes: as many rows as the time a
//  row took lately says fit in the ms left, in entries of the mean size
//  applied so far (1 at least; batch_entries until a row was timed).
static void s_fit(indicators_apply_t *self, int64_t left_ms)
{
    double take = (double)self->config->batch_entries;
    if (self->ms_per_row > 0 && self->entries_total > 0) {
        double rows_per_entry = (double)self->rows_total / (double)self->entries_total;
        take = (double)left_ms / self->ms_per_row / (rows_per_entry > 1 ? rows_per_entry : 1);
    }
    indicators_intake_set_take(self->intake, take < 1 ? 1 : (int64_t)take);
}

//  Reads and applies one batch, as far as the deadline: own pending
//  entries first, then new ones. Returns the number of entries taken, or -1.
static int s_step(indicators_apply_t *self, int64_t deadline)
{
    indicators_intake_read_t read;
    s_fit(self, deadline - zclock_mono());
    int n = indicators_intake_read(self->intake, !self->pending_done, &read);
    if (n == -2) {
        //  The read failed: a reply lost with its connection may have
        //  delivered entries to this consumer. They are pending for it:
        //  re-read them at once, not when a claim round finds them idle.
        self->pending_done = false;
        return -1;
    }
    return s_handle(self, n, &read, deadline);
}

//  Takes the blocking read's reply if it has come (or, with wait_ms > 0,
//  once it comes) and applies its entries, as far as the deadline (0: all
//  of them). Returns the number of entries taken, 0 while the read is
//  still in flight, or -1.
static int s_take(indicators_apply_t *self, int wait_ms, int64_t deadline)
{
    indicators_intake_read_t read;
    int n = indicators_intake_take(self->intake, wait_ms, &read);
    //  What a lost reply held is pending for this consumer: s_handle
    //  makes the next step re-read it.
    return s_handle(self, n, &read, deadline);
}

void indicators_apply_stop(indicators_apply_t *self)
{
    assert(self);
    if (self->resume) {
        s_resume(self, 0); // finish what this replica holds
    }
    if (indicators_intake_armed(self->intake)) {
        s_take(self, (int)self->config->block_ms + 1000, 0);
    }
}

//  Takes over entries idle longer than the claim time and applies them, as
//  far as the deadline (a batch left over goes on at the next tick; what
//  is not claimed yet is at a later round).
static void s_claim(indicators_apply_t *self, int64_t deadline)
{
    char cursor[STI_INTAKE_ID_MAX] = "0-0";
    for (int round = 0; round < S_CLAIM_ROUNDS && !self->resume && !self->unconfirmed; round++) {
        indicators_intake_read_t read;
        s_fit(self, deadline - zclock_mono());
        int n = indicators_intake_claim(self->intake, self->config->claim_idle_ms, cursor,
                                        sizeof cursor, &read);
        if (n > 0 && s_handle(self, n, &read, deadline) < 0) {
            self->pending_done = false;
        }
        if (n < 0 || strcmp(cursor, "0-0") == 0 || zclock_mono() >= deadline) {
            break;
        }
    }
}

//  The claim round (not while a batch is left over) and the pending gauge,
//  when due.
static void s_chores(indicators_apply_t *self)
{
    int64_t now = zclock_mono();
    //  Not after a window the replicas did not confirm: its WAIT took the
    //  tick's time, and the claim would take our own entries again for a
    //  second WAIT, keeping the service from its broker past a heartbeat.
    if (now >= self->next_claim && !self->resume && !self->unconfirmed) {
        self->next_claim = now + self->config->claim_every_ms;
        s_claim(self, now + self->config->tick_budget_ms);
        if (self->config->forget_idle_ms > 0) {
            indicators_intake_forget(self->intake, self->config->forget_idle_ms);
        }
    }
    if (now >= self->next_pending) {
        self->next_pending = now + S_PENDING_EVERY;
        int64_t pending = indicators_intake_pending(self->intake);
        if (pending >= 0) {
            sti_metric_set(self->pending, pending);
        }
    }
}

int indicators_apply_tick(indicators_apply_t *self)
{
    assert(self);
    if (!indicators_intake_ready(self->intake)) {
        return indicators_intake_wake_fd(self->intake);
    }
    int64_t deadline = zclock_mono() + self->config->tick_budget_ms;
    int handled = 1;
    self->unconfirmed = false;
    if (self->resume) {
        s_resume(self, deadline); // a failure or a dropped batch re-reads pending entries
    } else if (indicators_intake_armed(self->intake)) {
        //  Nothing else reads the log while the blocking read is in flight;
        //  after a failed one, re-read our pending entries now.
        handled = s_take(self, 0, deadline);
        handled = handled < 0 ? 1 : handled;
    }
    //  One step at least, so that a tick gets on even with no budget.
    for (int steps = 0; handled > 0 && !self->resume && !indicators_intake_armed(self->intake) &&
                        (steps == 0 || zclock_mono() < deadline);
         steps++) {
        handled = s_step(self, deadline);
    }
    if (handled == 0 && self->pending_done && !self->resume) {
        s_fit(self, self->config->tick_budget_ms);
        indicators_intake_arm(self->intake); // drained: wait for the next entry
    }
    s_chores(self);
    return indicators_intake_wake_fd(self->intake);
}
