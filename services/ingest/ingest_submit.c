/*  ingest_submit: obs.submit. See ingest_submit.h.

    One pass over the rows: each is decoded and checked (sti_observation),
    a key seen earlier in the request is refused, a row of an approved and
    locked unit's period is refused (ingest_locks), and the row is written
    either to the accepted rows or to the errors, both as raw MessagePack
    without their array headers, which are prefixed once the counts are known.
    Nothing is allocated per row: the observation, the key set and the
    writers are reused from one request to the next. When the script finds
    a lock the pass did not know (approved meanwhile), it appends nothing:
    the pass runs again with it, at most S_LOCK_ROUNDS times.
*/
#include "ingest_submit.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_locks.h"
#include "ingest_plausible.h"
#include "ingest_store.h"
#include "sti_catalog_store.h"
#include "sti_intake.h"
#include "sti_log.h"
#include "sti_observation.h"
#include "sti_scope.h"
#include "sti_time.h"

#define S_SCOPE_DETAILS_MAX 100 // rows outside the scope named in a refusal, at most
#define S_LOCK_ROUNDS 8         // passes over the rows while the script finds new locks

_Static_assert(INGEST_STORE_KEYS == INGEST_LOCKS_KEYS, "the submit step's fixed keys");

struct _ingest_submit_t {
    const ingest_config_t *config; // borrowed
    sti_catalog_store_t *catalog;  // the catalog, cached
    ingest_store_t *store;         // the submit step and the series' last values
    ingest_locks_t *locks;         // the sign-off locks the request meets
    sti_observation_keys_t *keys;  // keys seen in the request
    sti_writer_t *rows;            // accepted rows, without the array header
    sti_writer_t *errors;          // refused rows' details, without the array header
    sti_writer_t *warnings;        // taken rows' warnings, without the array header
    ingest_plausible_t *plausible; // the warnings' reads
    sti_writer_t *blob;            // the intake entry's rows
    sti_writer_t *body;            // the reply body
    sti_metric_t *accepted_total;  // rows accepted
    sti_metric_t *rejected_total;  // rows refused
    sti_metric_t *replayed_total;  // requests answered from a stored reply
};

//  What one request asks, read from its body.
typedef struct {
    sti_node_t rows;                         // the rows array
    char source[STI_OBSERVATION_SOURCE_MAX]; // the request's source ("" if none)
    bool dry_run;                            // check only
    char request_id[STI_ID_MAX + 1];         // "" if none
} s_submit_t;

ingest_submit_t *ingest_submit_new(sti_redis_t *redis, const ingest_config_t *config,
                                   sti_http_t *http)
{
    ingest_submit_t *self = (ingest_submit_t *)calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->catalog = sti_catalog_store_new(redis);
    self->store = ingest_store_new(redis, config->intake_key);
    self->locks = ingest_locks_new(redis);
    self->keys = sti_observation_keys_new((size_t)config->max_rows);
    self->rows = sti_writer_new();
    self->errors = sti_writer_new();
    self->warnings = sti_writer_new();
    self->plausible = ingest_plausible_new(self->store, config->warn_factor);
    self->blob = sti_writer_new();
    self->body = sti_writer_new();
    self->accepted_total = sti_http_counter(http, "sti_ingest_rows_total", "result=\"accepted\"",
                                            "Rows checked by obs.submit, by result");
    self->rejected_total = sti_http_counter(http, "sti_ingest_rows_total", "result=\"rejected\"",
                                            "Rows checked by obs.submit, by result");
    self->replayed_total = sti_http_counter(http, "sti_ingest_replayed_total", NULL,
                                            "Requests answered with the reply kept for their id");
    return self;
}

void ingest_submit_destroy(ingest_submit_t **self_p)
{
    assert(self_p);
    ingest_submit_t *self = *self_p;
    if (self) {
        sti_catalog_store_destroy(&self->catalog);
        ingest_locks_destroy(&self->locks);
        ingest_store_destroy(&self->store);
        sti_observation_keys_destroy(&self->keys);
        sti_writer_destroy(&self->rows);
        sti_writer_destroy(&self->errors);
        sti_writer_destroy(&self->warnings);
        ingest_plausible_destroy(&self->plausible);
        sti_writer_destroy(&self->blob);
        sti_writer_destroy(&self->body);
        free(self);
        *self_p = NULL;
    }
}

//  Reads the request body, whose shape the frame checked against the
//  declaration. Returns 0, or -1 after writing the error reply (more rows
//  than max_rows, a bound of the configuration).
static int s_read_body(ingest_submit_t *self, const sti_request_t *request, s_submit_t *submit,
                       sti_writer_t *reply)
{
    sti_node_t body = request->body;
    sti_field_error_t err;
    memset(submit, 0, sizeof *submit);
    submit->rows = sti_node_get(body, "rows");
    if (sti_node_size(submit->rows) > (size_t)self->config->max_rows) {
        char message[128];
        snprintf(message, sizeof message, "rows: %zu rows, at most %lld a request",
                 sti_node_size(submit->rows), (long long)self->config->max_rows);
        sti_envelope_reply_error(reply, request->id, STI_ERR_TOO_LARGE, message, NULL, 0);
        return -1;
    }
    if (!sti_node_is_missing(sti_node_get(body, "source"))) {
        sti_map_str_copy(body, "source", submit->source, sizeof submit->source, &err);
    }
    if (!sti_node_is_missing(sti_node_get(body, "dry_run"))) {
        sti_map_bool(body, "dry_run", &submit->dry_run, &err);
    }
    if (!sti_node_is_missing(sti_node_get(body, "request_id"))) {
        sti_map_str_copy(body, "request_id", submit->request_id, sizeof submit->request_id, &err);
    }
    return 0;
}

//  Checks every row. Returns the number accepted; *details counts error entries.
static size_t s_check_rows(ingest_submit_t *self, const sti_catalog_t *catalog,
                           const s_submit_t *submit, size_t *rejected, size_t *details)
{
    size_t accepted = 0, count = sti_node_size(submit->rows);
    sti_observation_t obs;
    sti_field_error_t errors[STI_OBSERVATION_ERRORS];
    char locked[600]; // a lock's reason, longer than a field error's
    sti_observation_keys_reset(self->keys);
    ingest_locks_again(self->locks);
    sti_writer_reset(self->rows);
    sti_writer_reset(self->errors);
    ingest_plausible_reset(self->plausible);
    *rejected = *details = 0;
    int64_t now = zclock_time();
    for (size_t i = 0; i < count; i++) {
        size_t problems = 0, earlier = 0;
        if (sti_observation_check(sti_node_at(submit->rows, i), catalog, &obs, errors,
                                  STI_OBSERVATION_ERRORS, &problems) == 0 &&
            sti_observation_plausible_period(&obs, now, self->config->period_ahead, errors,
                                             STI_OBSERVATION_ERRORS, &problems) == 0) {
            int seen = sti_observation_keys_add(self->keys, &obs, i, &earlier);
            if (seen == 0 && ingest_locks_row(self->locks, &obs, i, locked, sizeof locked)) {
                sti_envelope_detail(self->errors, (int64_t)i, "period", locked);
                (*details)++;
                (*rejected)++;
                continue;
            }
            if (seen == 0) {
                sti_intake_row_write_observation(self->rows, &obs, submit->source);
                ingest_plausible_add(self->plausible, i, &obs);
                accepted++;
                continue;
            }
            snprintf(errors[0].field, sizeof errors[0].field, "period");
            snprintf(errors[0].reason, sizeof errors[0].reason,
                     "the same indicator, org unit and period as an earlier row of this request "
                     "(index %zu, counting from 0)",
                     earlier);
            problems = 1;
        }
        for (size_t e = 0; e < problems && e < STI_OBSERVATION_ERRORS; e++) {
            sti_envelope_detail(self->errors, (int64_t)i, errors[e].field, errors[e].reason);
            (*details)++;
        }
        (*rejected)++;
    }
    return accepted;
}

//  Writes the reply body {accepted, rejected, dry_run, errors, warnings,
//  entry} into self->body, the value of entry only when appending is false:
//  else ingest_submit.lua appends the id XADD gives the entry.
static void s_write_body(ingest_submit_t *self, size_t accepted, size_t rejected, size_t details,
                         bool dry_run, bool appending)
{
    size_t size;
    sti_writer_reset(self->warnings);
    size_t warned = ingest_plausible_check(self->plausible, self->warnings);
    const void *errors = sti_writer_data(self->errors, &size);
    sti_writer_reset(self->body);
    sti_writer_map(self->body, 6);
    sti_writer_kv_int(self->body, "accepted", (int64_t)accepted);
    sti_writer_kv_int(self->body, "rejected", (int64_t)rejected);
    sti_writer_kv_bool(self->body, "dry_run", dry_run);
    sti_writer_str(self->body, "errors");
    sti_writer_array(self->body, details);
    sti_writer_raw(self->body, errors, size);
    const void *warnings = sti_writer_data(self->warnings, &size);
    sti_writer_str(self->body, "warnings");
    sti_writer_array(self->body, warned);
    sti_writer_raw(self->body, warnings, size);
    sti_writer_str(self->body, "entry");
    if (!appending) {
        sti_writer_nil(self->body);
    }
}

//  Writes the ok reply: the body (a map, as s_write_body and the script
//  made it; one kept by an older sti-ingest lacks entry) with `replayed`
//  added. Returns 0, or -1 when the body does not decode.
static int s_reply(sti_writer_t *reply, const char *id, const void *body, size_t size,
                   bool replayed)
{
    char err[128];
    sti_limits_t ours = {size + 1, size + 1, size + 1, STI_CODEC_MAX_DEPTH};
    sti_reader_t *reader = sti_reader_new(body, size, &ours, err, sizeof err);
    sti_node_t map = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    if (!reader || sti_node_type(map) != STI_TYPE_MAP) {
        sti_error("obs.submit %s: the kept reply does not decode: %s", id, reader ? "no map" : err);
        sti_reader_destroy(&reader);
        return -1;
    }
    sti_envelope_reply_ok(reply, id);
    size_t pairs = sti_node_size(map);
    sti_writer_map(reply, pairs + 1);
    for (size_t i = 0; i < pairs; i++) {
        sti_node_t parts[2] = {sti_node_key_at(map, i), sti_node_value_at(map, i)};
        for (int k = 0; k < 2; k++) {
            size_t len = 0;
            void *bytes = sti_node_encode(parts[k], &len);
            sti_writer_raw(reply, bytes, len);
            free(bytes);
        }
    }
    sti_writer_kv_bool(reply, "replayed", replayed);
    sti_reader_destroy(&reader);
    return 0;
}

//  Takes a lock the submit step found into self->locks (the rows are
//  checked again with it).
static void s_found_lock(void *arg, size_t pair, const char *record, size_t len)
{
    ingest_submit_t *self = (ingest_submit_t *)arg;
    if (!record || ingest_locks_found(self->locks, pair, record, len)) {
        sti_warn("obs.submit: a sign-off record does not decode: its rows are taken");
    }
}

//  Appends the accepted rows as one intake entry (sti_intake), audits the
//  rows refused by a lock and keeps the reply (ingest_submit.lua); with
//  check (a dry run), only looks for locks. Returns the step's outcome:
//  on TAKEN and REPLAYED *stored and *len are the reply kept; locks found
//  are taken into self->locks; on FAILED err says why.
static ingest_store_outcome_t s_commit(ingest_submit_t *self, const s_submit_t *submit,
                                       size_t accepted, const sti_identity_t *caller, bool check,
                                       const char **stored, size_t *len, char *err, size_t errlen)
{
    size_t rows_size = 0, body_size;
    const void *rows = sti_writer_data(self->rows, &rows_size);
    sti_writer_reset(self->blob);
    sti_intake_rows_write(self->blob, accepted, rows, rows_size);
    sti_intake_entry_t entry = {.time = zclock_time()};
    snprintf(entry.request, sizeof entry.request, "%s", submit->request_id);
    snprintf(entry.submitter, sizeof entry.submitter, "%s", caller->name);
    snprintf(entry.source, sizeof entry.source, "%s", submit->source);
    entry.rows = sti_writer_data(self->blob, &entry.rows_size);
    sti_intake_args_t fields;
    sti_intake_entry_args(&entry, &fields);
    const void *body = sti_writer_data(self->body, &body_size);
    char ttl[24], now[24], time[40], maxlen[24];
    snprintf(ttl, sizeof ttl, "%lld", (long long)self->config->request_ttl_s);
    snprintf(now, sizeof now, "%lld", (long long)entry.time);
    sti_time_rfc3339(entry.time, time, sizeof time);
    snprintf(maxlen, sizeof maxlen, "%d", STI_EVENTS_MAXLEN);
    //  The script's keys and arguments: ingest_submit.lua says which is which.
    const char *const *keys = ingest_store_keys(self->store, submit->request_id);
    const char *fixed[INGEST_LOCKS_FIXED] = {(const char *)body,
                                             ttl,
                                             submit->request_id[0] ? "1" : "0",
                                             check ? "1" : "0",
                                             caller->name,
                                             caller->role,
                                             caller->via,
                                             submit->request_id,
                                             now,
                                             time,
                                             maxlen};
    size_t fixed_lens[INGEST_LOCKS_FIXED];
    for (size_t i = 0; i < INGEST_LOCKS_FIXED; i++) {
        fixed_lens[i] = i == 0 ? body_size : strlen(fixed[i]);
    }
    const char **argv;
    size_t *lens;
    int nkeys;
    size_t argc =
        ingest_locks_argv(self->locks, keys, fixed, fixed_lens, (const char *const *)fields.argv,
                          fields.lens, accepted && !check ? STI_INTAKE_ARGS : 0, caller->name,
                          caller->role, caller->via, submit->request_id, &argv, &lens, &nkeys);
    //  Safe to run twice when the request has an id (a write that landed is
    //  found by it) or keeps nothing (a dry run).
    bool twice = submit->request_id[0] || check;
    return ingest_store_submit(self->store, nkeys, (int)argc - nkeys, argv, lens, twice,
                               s_found_lock, self, stored, len, err, errlen);
}

//  The org unit of row i when the catalog has it (else the row's own checks
//  refuse it), or NULL.
static const char *s_row_org(const sti_catalog_t *catalog, sti_node_t rows, size_t i, char *org,
                             size_t cap)
{
    sti_field_error_t ignored;
    sti_node_t row = sti_node_at(rows, i);
    if (sti_node_type(row) != STI_TYPE_MAP ||
        sti_map_str_copy(row, "org", org, cap, &ignored) != 0 ||
        !sti_catalog_org_find(catalog, org)) {
        return NULL;
    }
    return org;
}

//  A caller limited to an org unit (sti_behalf.h) submits only for it and
//  the units under it: one row outside refuses the whole request, forbidden,
//  with a detail per row outside naming the scope. Returns 0 (all inside),
//  or -1 with the refusal written.
static int s_check_scope(const sti_catalog_t *catalog, const sti_call_t *call, sti_node_t rows)
{
    const char *scope = call->caller->scope;
    char message[512], org[STI_CODE_MAX];
    if (!scope[0]) {
        return 0;
    }
    if (sti_scope_check(catalog, scope, message, sizeof message) != 0) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_FORBIDDEN, message, NULL,
                                 0);
        return -1;
    }
    size_t count = sti_node_size(rows), outside = 0, first = 0;
    for (size_t i = 0; i < count; i++) {
        const char *unit = s_row_org(catalog, rows, i, org, sizeof org);
        if (unit && !sti_scope_covers(catalog, scope, unit)) {
            first = outside++ ? first : i;
        }
    }
    if (!outside) {
        return 0;
    }
    snprintf(message, sizeof message,
             "%zu row(s) are for org units outside the scope %s of %s (only %s and the units "
             "under it), the first at index %zu: nothing was accepted",
             outside, scope, call->caller->name, scope, first);
    size_t shown = outside < S_SCOPE_DETAILS_MAX ? outside : S_SCOPE_DETAILS_MAX;
    sti_envelope_reply_error_begin(call->reply, call->request->id, STI_ERR_FORBIDDEN, message,
                                   shown);
    char reason[256];
    for (size_t i = first; i < count && shown > 0; i++) {
        const char *unit = s_row_org(catalog, rows, i, org, sizeof org);
        if (unit && !sti_scope_covers(catalog, scope, unit)) {
            snprintf(reason, sizeof reason, "org unit %s is outside the scope %s", unit, scope);
            sti_envelope_detail(call->reply, (int64_t)i, "org", reason);
            shown--;
        }
    }
    return -1;
}

//  Answers what the submit step did: the reply kept (replayed or not), else
//  unavailable (Redis failed, or locks kept coming for S_LOCK_ROUNDS passes).
static void s_answer(ingest_submit_t *self, const sti_call_t *call, ingest_store_outcome_t outcome,
                     const char *stored, size_t stored_len, const char *why, size_t accepted,
                     size_t rejected)
{
    const sti_request_t *request = call->request;
    sti_writer_t *reply = call->reply;
    if (outcome != INGEST_STORE_TAKEN && outcome != INGEST_STORE_REPLAYED) {
        char err[512];
        snprintf(err, sizeof err, "the rows could not be kept, nothing was accepted: %s",
                 outcome == INGEST_STORE_LOCKED
                     ? "org units were approved while the rows were checked: send them again"
                     : why);
        sti_error("obs.submit %s: %s", request->id, err);
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE, err, NULL, 0);
        return;
    }
    bool replayed = outcome == INGEST_STORE_REPLAYED;
    bool dry_run = false;
    sti_field_error_t ferr;
    if (!sti_node_is_missing(sti_node_get(request->body, "dry_run"))) {
        sti_map_bool(request->body, "dry_run", &dry_run, &ferr);
    }
    if (!dry_run) {
        sti_metric_add(replayed ? self->replayed_total : self->accepted_total,
                       replayed ? 1 : (int64_t)accepted);
    }
    if (!replayed && !dry_run) {
        sti_metric_add(self->rejected_total, (int64_t)rejected);
    }
    if (s_reply(reply, request->id, stored, stored_len, replayed)) {
        sti_writer_reset(reply);
        sti_envelope_reply_error(reply, request->id, STI_ERR_INTERNAL,
                                 "the reply kept for this request id does not decode", NULL, 0);
    }
}

//  obs.submit. The submitter recorded with each row is the authenticated caller.
static int s_obs_submit(void *object, const sti_call_t *call)
{
    ingest_submit_t *self = (ingest_submit_t *)object;
    const sti_request_t *request = call->request;
    sti_writer_t *reply = call->reply;
    s_submit_t submit;
    if (s_read_body(self, request, &submit, reply)) {
        return 0;
    }
    sti_errcode_t code;
    char err[512];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, &code, err, sizeof err);
    if (!catalog) {
        sti_envelope_reply_error(reply, request->id, code, err, NULL, 0);
        return 0;
    }
    if (s_check_scope(catalog, call, submit.rows) != 0) {
        return 0;
    }
    ingest_locks_reset(self->locks);
    size_t rejected = 0, accepted = 0, size, stored_len = 0;
    ingest_store_outcome_t outcome = INGEST_STORE_FAILED;
    const char *stored = NULL;
    char why[256] = "";
    for (int round = 0; round < S_LOCK_ROUNDS; round++) {
        size_t details;
        accepted = s_check_rows(self, catalog, &submit, &rejected, &details);
        s_write_body(self, accepted, rejected, details, submit.dry_run,
                     accepted > 0 && !submit.dry_run);
        bool refusals = ingest_locks_refusal_count(self->locks) > 0;
        if (!accepted && ((!refusals && !submit.request_id[0]) || submit.dry_run)) {
            const void *body = sti_writer_data(self->body, &size);
            return s_reply(reply, request->id, body, size, false);
        }
        outcome = s_commit(self, &submit, accepted, call->caller, submit.dry_run, &stored,
                           &stored_len, why, sizeof why);
        if (outcome != INGEST_STORE_LOCKED) {
            break;
        }
    }
    s_answer(self, call, outcome, stored, stored_len, why, accepted, rejected);
    return 0;
}

static const sti_arg_t s_submit_args[] = {
    {"rows", STI_ARG_ARRAY, STI_REQUIRED, 0, 0, NULL,
     "the observations: maps {indicator, org, period, value, unit?, source?, note?}, each "
     "checked on its own (at most max_rows, else too_large)"},
    {"source", STI_ARG_STR, STI_OPTIONAL, 0, STI_OBSERVATION_SOURCE_MAX - 1, NULL,
     "where the figures come from, for rows that do not say"},
    {"dry_run", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL, "check only; nothing is kept"},
    {"request_id", STI_ARG_STR, STI_OPTIONAL, 1, STI_ID_MAX, NULL,
     "makes a retry safe: the same id again gets the first reply and appends nothing"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"obs.submit", s_obs_submit, STI_ROLE_CLERK | STI_ROLE_SERVICE | STI_OP_WRITE | STI_OP_DRY_RUN,
     s_submit_args,
     "checks every row against the catalog and keeps the accepted ones in the intake log",
     "{accepted, rejected, dry_run, errors: [{index, field, reason}], warnings: [{index, field, "
     "reason}], entry, replayed}",
     "`value` is a number, or a string holding one as a clerk types it (`\"2,134.5\"`: "
     "thousands separators in groups of three; `\"1.2E+05\"`; `\"3.5%\"`: a percentage, "
     "which makes the unit `%` when the row names none and is refused with another unit); "
     "`period` is `2023`, `2023Q2` or `2023-05`, or a year as an integer. A value or period "
     "that cannot be read is echoed in the reason (`'2,13' is not a number`, `'2023/05' is "
     "not a period: write 2023, 2023Q2 or 2023-05`). A row's `unit` may be one convertible "
     "to the indicator's (万元 → 亿元); `value` is stored in the catalog's unit (docs/"
     "data-path.md). Refused rows are answered with their index (from 0), "
     "field and reason (a row may have several); the accepted ones are kept all or none, in Redis "
     "before the reply, as one intake entry whose id is `entry` (nil when none was appended): "
     "sti.indicators' `intake.status {entry}` says when it is applied. `replayed` is true when "
     "the request id was seen before: the reply is the first one, and nothing was appended "
     "again. A dry run (`dry_run: true`) is not a write: it does not count against the write "
     "rate. Refused as well: a period that has not begun (after the current one, beyond "
     "`max_period_ahead` years), a fraction in a unit that counts whole things (家, 个, 件, 人: "
     "`integer` in units.json), a row for a retired org unit. `warnings` name the taken rows "
     "whose value is more than `warn_factor` times above or below the series' last value (the "
     "same period's, else the period before's). "
     "A caller limited to an org unit (a gateway's `as.scope`) may submit only for it and the "
     "units under it: any row outside refuses the whole request, `forbidden`, with a detail "
     "`{index, field: org, reason}` per row outside (at most 100) naming the scope. "
     "A row for an org unit's period that is approved (approval.approve on sti.indicators) is "
     "refused, `{index, field: period, reason}` with `已审核锁定` and who approved it when, "
     "checked in the same step as the append; the other rows are taken. Each such refusal is "
     "audited in `<ns>:approval:audit` and is an `observation.refused_locked` event on `ind` "
     "([signoff.md](signoff.md)). "
     "Errors: `too_large` (more rows than `max_rows`), `not_found` (no plan loaded), "
     "`forbidden` (a row outside the caller's scope), "
     "`unavailable` (Redis cannot take them now: nothing was kept)."},
    STI_OPS_END,
};

const sti_op_table_t ingest_submit_ops = {"ingest_submit", s_ops};
