/*  indicators_withdraw: value.withdraw. See the header.

    The value is read first so that the reply can say what is withdrawn and
    a value with nothing reported is refused with a reason; the Lua step
    checks it again, atomically with the append, so a value withdrawn
    meanwhile is not withdrawn twice. The step's keys, script and reply are
    indicators_withdraw_store's.
*/
#include "indicators_withdraw.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_catalog.h"
#include "indicators_withdraw_store.h"
#include "sti_codec.h"
#include "sti_intake.h"
#include "sti_log.h"
#include "sti_scope.h"
#include "sti_time.h"

#define S_REASON_MAX 501 // bytes of a reason, with NUL
#define S_FIXED 14       // the step's arguments before the intake entry's fields

struct _indicators_withdraw_t {
    sti_catalog_store_t *catalog;        // borrowed
    indicators_store_t *store;           // borrowed: the values
    indicators_withdraw_store_t *writes; // the withdrawal's step
    int64_t request_ttl_s;               // how long a reply is kept
    indicators_table_t *table;           // the value read
};

//  What one call asks.
typedef struct {
    char indicator[STI_CODE_MAX];     // the indicator
    char org[STI_CODE_MAX];           // the org unit
    char period[STI_PERIOD_TEXT_MAX]; // the period
    char reason[S_REASON_MAX];        // why
    char request_id[STI_ID_MAX + 1];  // "" without one
    const sti_indicator_t *ind;       // found in the catalog
    const sti_org_unit_t *unit;       // found in the catalog
    sti_period_t parsed;              // the period parsed
} s_ask_t;

indicators_withdraw_t *indicators_withdraw_new(sti_redis_t *redis, sti_catalog_store_t *catalog,
                                               indicators_store_t *store, const char *intake,
                                               int64_t request_ttl_s)
{
    assert(redis && catalog && store && intake);
    indicators_withdraw_t *self = (indicators_withdraw_t *)calloc(1, sizeof *self);
    assert(self);
    self->catalog = catalog;
    self->store = store;
    self->writes = indicators_withdraw_store_new(redis, store, intake);
    self->request_ttl_s = request_ttl_s;
    self->table = indicators_table_new();
    return self;
}

void indicators_withdraw_destroy(indicators_withdraw_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        indicators_table_destroy(&(*self_p)->table);
        indicators_withdraw_store_destroy(&(*self_p)->writes);
        free(*self_p);
        *self_p = NULL;
    }
}

//  Reads the body and finds its indicator, org unit and period. Returns 0,
//  or -1 after writing the error reply.
static int s_read(indicators_withdraw_t *self, const sti_call_t *call, s_ask_t *ask)
{
    memset(ask, 0, sizeof *ask);
    if (indicators_body_str(call, "indicator", ask->indicator, sizeof ask->indicator) ||
        indicators_body_str(call, "org", ask->org, sizeof ask->org) ||
        indicators_body_str(call, "period", ask->period, sizeof ask->period) ||
        indicators_body_str(call, "reason", ask->reason, sizeof ask->reason) ||
        indicators_body_str(call, "request_id", ask->request_id, sizeof ask->request_id)) {
        return -1;
    }
    const sti_catalog_t *catalog = indicators_catalog_read(self->catalog, call);
    if (!catalog) {
        return -1;
    }
    char message[300];
    ask->ind = sti_catalog_indicator_find(catalog, ask->indicator);
    if (!ask->ind || ask->ind->formula) {
        snprintf(message, sizeof message, "indicator: '%s' is %s", ask->indicator,
                 ask->ind ? "derived: withdraw one of its inputs" : "not in the catalog");
        indicators_reply_fail(call, ask->ind ? STI_ERR_INVALID_ARGUMENT : STI_ERR_NOT_FOUND,
                              "indicator", message);
        return -1;
    }
    if (!(ask->unit = indicators_org_or_fail(call, catalog, ask->org))) {
        return -1;
    }
    if (!sti_scope_covers(catalog, call->caller->scope, ask->org)) {
        char refusal[STI_CODE_MAX * 2 + STI_AUTH_SCOPE_MAX * 2 + STI_AUTH_NAME_MAX + 96];
        snprintf(refusal, sizeof refusal,
                 "org: org unit %s is outside the scope %s of %s (only %s and the units under it)",
                 ask->org, call->caller->scope, call->caller->name, call->caller->scope);
        indicators_reply_fail(call, STI_ERR_FORBIDDEN, "org", refusal);
        return -1;
    }
    char err[160];
    if (sti_period_parse(ask->period, strlen(ask->period), &ask->parsed, err, sizeof err)) {
        snprintf(message, sizeof message, "period: '%s': %s", ask->period, err);
        indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, "period", message);
        return -1;
    }
    return 0;
}

//  Writes the reply body {indicator, org, period, value, revision, reason}.
static void s_body(sti_writer_t *w, const s_ask_t *ask, const indicators_record_t *record)
{
    sti_writer_map(w, 6);
    sti_writer_kv_str(w, "indicator", ask->indicator);
    sti_writer_kv_str(w, "org", ask->org);
    sti_writer_kv_str(w, "period", ask->period);
    sti_writer_kv_double(w, "value", record->r);
    sti_writer_kv_int(w, "revision", record->rev);
    sti_writer_kv_str(w, "reason", ask->reason);
}

//  The entry's rows: one withdrawal row.
static void s_rows(const s_ask_t *ask, sti_writer_t *blob)
{
    sti_writer_t *rows = sti_writer_new();
    sti_intake_row_t row = {.withdraw = true};
    snprintf(row.indicator, sizeof row.indicator, "%s", ask->indicator);
    snprintf(row.org, sizeof row.org, "%s", ask->org);
    snprintf(row.period, sizeof row.period, "%s", ask->period);
    snprintf(row.note, sizeof row.note, "%s", ask->reason);
    sti_intake_row_write(rows, &row);
    size_t size;
    const void *data = sti_writer_data(rows, &size);
    sti_intake_rows_write(blob, 1, data, size);
    sti_writer_destroy(&rows);
}

//  The refusal event's data without its last two pairs (the script adds
//  approved_by and approved_at): {org, period, rows, indicators, refused,
//  by, role, via, request, ...}.
static void s_refusal_data(const sti_call_t *call, const s_ask_t *ask, sti_writer_t *w)
{
    sti_writer_map(w, 11);
    sti_writer_kv_str(w, "org", ask->org);
    sti_writer_kv_str(w, "period", ask->period);
    sti_writer_str(w, "rows");
    sti_writer_array(w, 0);
    sti_writer_str(w, "indicators");
    sti_writer_array(w, 1);
    sti_writer_str(w, ask->indicator);
    sti_writer_kv_int(w, "refused", 1);
    sti_writer_kv_str(w, "by", call->caller->name);
    sti_writer_kv_str(w, "role", call->caller->role);
    sti_writer_kv_str(w, "via", call->caller->via);
    sti_writer_kv_str(w, "request", ask->request_id);
}

//  Runs the step. Returns its outcome (indicators_withdraw_store_append).
static indicators_withdraw_outcome_t s_append(indicators_withdraw_t *self, const sti_call_t *call,
                                              const s_ask_t *ask, const void *body,
                                              size_t body_size, const char **bytes, size_t *len,
                                              char *err, size_t errlen)
{
    sti_writer_t *blob = sti_writer_new(), *data = sti_writer_new();
    s_rows(ask, blob);
    s_refusal_data(call, ask, data);
    sti_intake_entry_t entry = {.time = sti_time_now_ms()};
    snprintf(entry.request, sizeof entry.request, "%s", ask->request_id);
    snprintf(entry.submitter, sizeof entry.submitter, "%s", call->caller->name);
    snprintf(entry.source, sizeof entry.source, "value.withdraw");
    entry.rows = sti_writer_data(blob, &entry.rows_size);
    sti_intake_args_t fields;
    sti_intake_entry_args(&entry, &fields);
    char ttl[24], now[24], time[40], maxlen[24];
    snprintf(ttl, sizeof ttl, "%lld", (long long)self->request_ttl_s);
    snprintf(now, sizeof now, "%lld", (long long)entry.time);
    sti_time_rfc3339(entry.time, time, sizeof time);
    snprintf(maxlen, sizeof maxlen, "%d", STI_EVENTS_MAXLEN);
    size_t data_size;
    const char *data_bytes = (const char *)sti_writer_data(data, &data_size);
    //  The step's arguments: indicators_withdraw.lua says which is which.
    const char *args[S_FIXED + STI_INTAKE_ARGS] = {(const char *)body,
                                                   ttl,
                                                   ask->request_id[0] ? "1" : "0",
                                                   ask->period,
                                                   now,
                                                   call->caller->name,
                                                   call->caller->role,
                                                   call->caller->via,
                                                   ask->org,
                                                   ask->request_id,
                                                   time,
                                                   data_bytes,
                                                   maxlen,
                                                   ask->indicator};
    size_t lens[S_FIXED + STI_INTAKE_ARGS];
    for (size_t i = 0; i < S_FIXED; i++) {
        lens[i] = i == 0 ? body_size : i == 11 ? data_size : strlen(args[i]);
    }
    for (size_t i = 0; i < STI_INTAKE_ARGS; i++) {
        args[S_FIXED + i] = fields.argv[i];
        lens[S_FIXED + i] = fields.lens[i];
    }
    indicators_withdraw_outcome_t outcome =
        indicators_withdraw_store_append(self->writes, ask->ind, ask->unit, ask->request_id, args,
                                         lens, S_FIXED + STI_INTAKE_ARGS, bytes, len, err, errlen);
    sti_writer_destroy(&blob);
    sti_writer_destroy(&data);
    return outcome;
}

//  Says the value's period is approved and locked, and by whom (record:
//  the approval's MessagePack map).
static int s_locked(const sti_call_t *call, const s_ask_t *ask, const char *record, size_t len)
{
    char message[600], by[128] = "an officer", when[40] = "?", err[128];
    int64_t at = 0;
    sti_limits_t limits = {len + 1, len + 1, 64, 4};
    sti_reader_t *reader = sti_reader_new(record, len, &limits, err, sizeof err);
    if (reader) {
        sti_field_error_t ferr;
        sti_node_t map = sti_reader_root(reader);
        sti_map_str_copy(map, "by", by, sizeof by, &ferr);
        if (sti_map_int(map, "at", &at, &ferr) == 0) {
            sti_time_rfc3339(at, when, sizeof when);
        }
        sti_reader_destroy(&reader);
    }
    snprintf(message, sizeof message,
             "%s at %s for %s: 已审核锁定 (approved and locked): %s's figures for %s were approved "
             "by %s at %s; ask an officer to reopen them before withdrawing a value",
             ask->indicator, ask->org, ask->period, ask->org, ask->period, by, when);
    return indicators_reply_fail(call, STI_ERR_CONFLICT, "period", message);
}

//  Says there is nothing reported to withdraw.
static int s_nothing(const sti_call_t *call, const s_ask_t *ask)
{
    char message[400];
    snprintf(message, sizeof message,
             "%s at %s for %s has no reported value to withdraw (never reported, or withdrawn "
             "already; a value still waiting in the intake log is not seen yet)",
             ask->indicator, ask->org, ask->period);
    return indicators_reply_fail(call, STI_ERR_NOT_FOUND, NULL, message);
}

//  Answers with the reply kept for the request id, when there is one.
//  Returns true when it did.
static bool s_replayed(indicators_withdraw_t *self, const sti_call_t *call, const char *id)
{
    size_t len;
    const char *stored = indicators_withdraw_store_replay(self->writes, id, &len);
    if (stored) {
        sti_envelope_reply_ok(call->reply, call->request->id);
        sti_writer_raw(call->reply, stored, len);
    }
    return stored != NULL;
}

static int s_value_withdraw(void *object, const sti_call_t *call)
{
    indicators_withdraw_t *self = (indicators_withdraw_t *)object;
    s_ask_t ask;
    if (s_read(self, call, &ask) != 0) {
        return 0;
    }
    if (ask.request_id[0] && s_replayed(self, call, ask.request_id)) {
        return 0;
    }
    indicators_table_reset(self->table);
    if (indicators_store_read_hashes(self->store, self->table, &ask.ind, 1, ask.unit)) {
        return indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, "Redis cannot be read now");
    }
    int at = indicators_table_find(self->table, ask.ind, ask.unit, &ask.parsed);
    const indicators_record_t *record =
        at >= 0 ? &indicators_table_value_at(self->table, at)->record : NULL;
    if (!record || !record->has_r) {
        return s_nothing(call, &ask);
    }
    sti_writer_t *body = sti_writer_new();
    s_body(body, &ask, record);
    size_t size;
    const void *bytes = sti_writer_data(body, &size);
    const char *kept = NULL;
    size_t kept_len = 0;
    char why[256];
    indicators_withdraw_outcome_t outcome =
        s_append(self, call, &ask, bytes, size, &kept, &kept_len, why, sizeof why);
    sti_writer_destroy(&body);
    if (outcome == INDICATORS_WITHDRAW_NOTHING) {
        s_nothing(call, &ask);
    } else if (outcome == INDICATORS_WITHDRAW_LOCKED) {
        s_locked(call, &ask, kept, kept_len);
    } else if (outcome == INDICATORS_WITHDRAW_TAKEN) {
        sti_envelope_reply_ok(call->reply, call->request->id);
        sti_writer_raw(call->reply, kept, kept_len);
    } else {
        char message[320];
        snprintf(message, sizeof message, "the withdrawal could not be kept, nothing changed: %s",
                 why);
        sti_error("value.withdraw %s: %s", call->request->id, message);
        indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, message);
    }
    return 0;
}

static const sti_arg_t s_body_args[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL,
     "the indicator (a reported one)"},
    {"org", STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL, "the org unit"},
    {"period", STI_ARG_STR, STI_REQUIRED, 1, STI_PERIOD_TEXT_MAX - 1, NULL,
     "the period: 2023, 2023Q2 or 2023-05"},
    {"reason", STI_ARG_STR, STI_REQUIRED, 1, S_REASON_MAX - 1, NULL,
     "why it is withdrawn (kept with the revision and sent with the event)"},
    {"request_id", STI_ARG_STR, STI_OPTIONAL, 1, STI_ID_MAX, NULL,
     "makes a retry safe: the same id again gets the first reply and appends nothing"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"value.withdraw", s_value_withdraw, STI_ROLE_CLERK | STI_OP_WRITE, s_body_args,
     "withdraws a wrong reported value: a new revision without it, applied in order with "
     "the intake log",
     "{indicator, org, period, value, revision, reason}",
     "`value` and `revision` are the reported value withdrawn and its revision when the "
     "withdrawal was taken. The withdrawal is appended to the intake log and applied in order "
     "(docs/data-path.md): the value's next revision has origin `withdrawn` and the reason, sums "
     "and derived values above it are recomputed as if it had never been reported, and an "
     "`indicator.changed` event (new nil, origin `withdrawn`, reason, by) says so. A retired "
     "org unit's value may be withdrawn too. A caller limited to an org unit (a gateway's "
     "`as.scope`) may withdraw only its values and those of the units under it. A value of an "
     "org unit's period that is approved "
     "(approval.approve) is not withdrawn: `conflict` (`已审核锁定`, naming who approved it "
     "and when), audited and sent as `observation.refused_locked` ([signoff.md](signoff.md)). "
     "Errors: `not_found` (no such indicator or org "
     "unit, or nothing reported there to withdraw), `forbidden` (an org unit outside the "
     "caller's scope), `invalid_argument` (a derived indicator, a "
     "period that does not parse), `conflict` (approved and locked), `unavailable` (Redis "
     "cannot take it now: nothing changed)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_withdraw_ops = {"indicators_withdraw", s_ops};
