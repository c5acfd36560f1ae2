/*  indicators_backlog: see indicators_backlog.h.

    The samples are a ring of (time, entries applied by the group) pairs,
    one a second; the rate is taken between the newest and the oldest one
    of the last S_WINDOW_MS, so it follows a change of pace within half a
    minute and a stopped applier shows 0 once a window has passed. Every
    figure that cannot be known (a group Redis has no lag for, a rate
    before two samples, rows before this replica applied any) is nil in
    the reply and -1 on /metrics.
*/
#include "indicators_backlog.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SAMPLES 32       // ring of samples, one a second
#define S_EVERY_MS 1000    // between samples
#define S_WINDOW_MS 30000  // the rate is measured over this much of the past
#define S_MIN_SPAN_MS 1500 // a rate needs samples at least this far apart

//  One sample of the group.
typedef struct {
    int64_t at;      // zclock_mono time it was taken
    int64_t applied; // entries the group has applied (read minus pending)
} s_sample_t;

//  What is known now, as the op and the gauges give it.
typedef struct {
    indicators_consumers_t group; // the group as Redis says
    int64_t entries;              // backlog: lag + pending, -1 when the lag is unknown
    double rows_per_entry;        // this replica's mean, or NAN
    double entries_per_s;         // the group's apply rate, or NAN
} s_state_t;

struct _indicators_backlog_t {
    indicators_intake_t *intake;   // borrowed
    indicators_apply_t *apply;     // borrowed
    s_sample_t samples[S_SAMPLES]; // the ring
    size_t next;                   // where the next sample goes
    size_t count;                  // samples held (at most S_SAMPLES)
    int64_t next_at;               // zclock_mono time of the next sample
    sti_metric_t *backlog_entries; // gauge
    sti_metric_t *backlog_rows;    // gauge (estimate)
    sti_metric_t *lag_entries;     // gauge
    sti_metric_t *rows_per_s;      // gauge (estimate)
    sti_metric_t *eta_s;           // gauge
};

indicators_backlog_t *indicators_backlog_new(indicators_intake_t *intake, indicators_apply_t *apply,
                                             sti_http_t *http)
{
    assert(intake && apply && http);
    indicators_backlog_t *self = (indicators_backlog_t *)calloc(1, sizeof *self);
    assert(self);
    self->intake = intake;
    self->apply = apply;
    self->backlog_entries =
        sti_http_gauge(http, "sti_indicators_backlog_entries", NULL,
                       "Intake entries not applied yet: not delivered (lag) plus pending "
                       "(-1: unknown)");
    self->backlog_rows = sti_http_gauge(
        http, "sti_indicators_backlog_rows", NULL,
        "Intake rows not applied yet, estimated from the rows per entry applied (-1: unknown)");
    self->lag_entries = sti_http_gauge(http, "sti_indicators_lag_entries", NULL,
                                       "Intake entries not delivered to the group yet (-1: "
                                       "unknown)");
    self->rows_per_s = sti_http_gauge(
        http, "sti_indicators_apply_rows_per_second", NULL,
        "Intake rows the group applies a second, over the last 30 s (estimate; -1: unknown)");
    self->eta_s = sti_http_gauge(http, "sti_indicators_backlog_eta_seconds", NULL,
                                 "Seconds until the backlog is applied at the current rate "
                                 "(-1: unknown)");
    return self;
}

void indicators_backlog_destroy(indicators_backlog_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  The group's apply rate from the samples, entries a second, or NAN.
static double s_rate(const indicators_backlog_t *self)
{
    if (self->count < 2) {
        return NAN;
    }
    const s_sample_t *newest = &self->samples[(self->next + S_SAMPLES - 1) % S_SAMPLES];
    const s_sample_t *oldest = newest;
    for (size_t i = 2; i <= self->count; i++) {
        const s_sample_t *sample = &self->samples[(self->next + S_SAMPLES - i) % S_SAMPLES];
        if (newest->at - sample->at > S_WINDOW_MS) {
            break;
        }
        oldest = sample;
    }
    int64_t span = newest->at - oldest->at;
    if (span < S_MIN_SPAN_MS || newest->applied < oldest->applied) {
        return NAN;
    }
    return (double)(newest->applied - oldest->applied) * 1000.0 / (double)span;
}

//  Reads the group and works out the rest. Returns 0, or -1 when Redis failed.
static int s_read(indicators_backlog_t *self, s_state_t *state)
{
    if (indicators_intake_group(self->intake, &state->group)) {
        return -1;
    }
    const indicators_consumers_t *group = &state->group;
    state->entries = group->lag >= 0 && group->pending >= 0 ? group->lag + group->pending : -1;
    int64_t entries = 0, rows = 0;
    indicators_apply_totals(self->apply, &entries, &rows);
    state->rows_per_entry = entries > 0 ? (double)rows / (double)entries : NAN;
    state->entries_per_s = s_rate(self);
    return 0;
}

//  The seconds until the backlog is applied at the current rate, or NAN.
static double s_eta(const s_state_t *state)
{
    if (state->entries == 0) {
        return 0;
    }
    if (state->entries < 0 || isnan(state->entries_per_s) || state->entries_per_s <= 0) {
        return NAN;
    }
    return (double)state->entries / state->entries_per_s;
}

static int64_t s_gauge(double value)
{
    return isnan(value) ? -1 : (int64_t)llround(value);
}

void indicators_backlog_tick(indicators_backlog_t *self)
{
    assert(self);
    int64_t now = zclock_mono();
    if (now < self->next_at) {
        return;
    }
    self->next_at = now + S_EVERY_MS;
    s_state_t state;
    if (s_read(self, &state)) {
        return;
    }
    const indicators_consumers_t *group = &state.group;
    if (group->entries_read >= 0 && group->pending >= 0) {
        self->samples[self->next] = (s_sample_t){now, group->entries_read - group->pending};
        self->next = (self->next + 1) % S_SAMPLES;
        self->count += self->count < S_SAMPLES;
        state.entries_per_s = s_rate(self);
    }
    sti_metric_set(self->backlog_entries, state.entries);
    sti_metric_set(self->lag_entries, group->lag);
    sti_metric_set(self->backlog_rows,
                   state.entries < 0 ? -1 : s_gauge((double)state.entries * state.rows_per_entry));
    sti_metric_set(self->rows_per_s, s_gauge(state.entries_per_s * state.rows_per_entry));
    sti_metric_set(self->eta_s, s_gauge(s_eta(&state)));
}

//  Writes key: value, or nil when value is NAN (or negative, for counts).
static void s_write_number(sti_writer_t *w, const char *key, double value)
{
    sti_writer_str(w, key);
    if (isnan(value) || value < 0) {
        sti_writer_nil(w);
    } else {
        sti_writer_double(w, value);
    }
}

static void s_write_count(sti_writer_t *w, const char *key, int64_t value)
{
    sti_writer_str(w, key);
    value >= 0 ? sti_writer_int(w, value) : sti_writer_nil(w);
}

static int s_unavailable(const sti_call_t *call, const char *what)
{
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE, what, NULL, 0);
    return 0;
}

//  intake.status.
static int s_intake_status(void *object, const sti_call_t *call)
{
    indicators_backlog_t *self = (indicators_backlog_t *)object;
    char entry[STI_INTAKE_ID_MAX] = "";
    sti_field_error_t err;
    bool asked = !sti_node_is_missing(sti_node_get(call->request->body, "entry"));
    if (asked) {
        sti_map_str_copy(call->request->body, "entry", entry, sizeof entry, &err);
    }
    s_state_t state;
    if (s_read(self, &state)) {
        return s_unavailable(call, "the intake log's consumer group cannot be read now");
    }
    int applied = asked ? indicators_intake_applied(self->intake, entry) : 0;
    if (applied < 0) {
        return s_unavailable(call, "whether the entry is applied cannot be read now");
    }
    sti_writer_t *w = call->reply;
    sti_envelope_reply_ok(w, call->request->id);
    sti_writer_map(w, asked ? 10 : 9);
    s_write_count(w, "entries", state.entries);
    s_write_count(w, "lag", state.group.lag);
    s_write_count(w, "pending", state.group.pending);
    s_write_number(w, "rows",
                   state.entries < 0 ? NAN : (double)state.entries * state.rows_per_entry);
    s_write_number(w, "entries_per_second", state.entries_per_s);
    s_write_number(w, "rows_per_second", state.entries_per_s * state.rows_per_entry);
    s_write_number(w, "eta_seconds", s_eta(&state));
    s_write_count(w, "consumers", state.group.consumers);
    sti_writer_kv_str(w, "last_delivered", state.group.last_delivered);
    if (asked) {
        sti_writer_kv_bool(w, "applied", applied == 1);
    }
    return 0;
}

static const sti_arg_t s_status_body[] = {
    {"entry", STI_ARG_STR, STI_OPTIONAL, 3, STI_INTAKE_ID_MAX - 1, NULL,
     "an intake entry id (`entry` of an obs.submit answer): say whether it is applied"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"intake.status", s_intake_status, STI_ROLES_ANY, s_status_body,
     "the intake log's backlog, the apply rate, and whether an entry is applied",
     "{entries, lag, pending, rows, entries_per_second, rows_per_second, eta_seconds, "
     "consumers, last_delivered, applied?}",
     "`entries`: intake entries not applied yet (`lag`, not delivered to the consumer group, "
     "plus `pending`, delivered and not acknowledged); `rows` estimates their rows from the "
     "rows per entry this replica applied; the rates are the group's over the last 30 s "
     "(every replica together); `eta_seconds` is `entries` at that rate. A figure that "
     "cannot be known yet is nil. With `entry`, `applied` is true once that entry and "
     "every one before it are applied (delivered, none pending): `stictl ingest --wait` "
     "polls it. Errors: `unavailable` (Redis)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_backlog_ops = {"indicators_backlog", s_ops};
