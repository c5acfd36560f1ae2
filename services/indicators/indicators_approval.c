/*  indicators_approval: approval.approve, approval.reopen, approval.list.
    See the header.

    Who may sign off is decided here, from the caller's role and scope and
    the catalog's org tree; what is changed, audited and published is one
    Lua step of indicators_approval_store.
*/
#include "indicators_approval.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicators_catalog.h"
#include "sti_scope.h"
#include "sti_time.h"

struct _indicators_approval_ops_t {
    indicators_approval_store_t *store; // borrowed
    sti_catalog_store_t *catalog;       // borrowed
};

//  What one approve or reopen asks.
typedef struct {
    char org[STI_CODE_MAX];                      // the org unit
    char period[STI_PERIOD_TEXT_MAX];            // the period, as given
    char reason[INDICATORS_APPROVAL_REASON_MAX]; // why (reopen)
    char request_id[STI_ID_MAX + 1];             // "" without one
    const sti_org_unit_t *unit;                  // found in the catalog
} s_ask_t;

indicators_approval_ops_t *indicators_approval_ops_new(indicators_approval_store_t *store,
                                                       sti_catalog_store_t *catalog)
{
    assert(store && catalog);
    indicators_approval_ops_t *self = (indicators_approval_ops_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    return self;
}

void indicators_approval_ops_destroy(indicators_approval_ops_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

//  Checks the period: it parses and has begun (its first month is not after
//  this one). Writes its text form into ask->period. Returns 0, or -1
//  after replying.
static int s_check_period(const sti_call_t *call, char *period, size_t cap)
{
    sti_period_t parsed;
    char err[160], message[300];
    if (sti_period_parse(period, strlen(period), &parsed, err, sizeof err)) {
        snprintf(message, sizeof message, "period: '%s': %s", period, err);
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, "period", message), -1;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int first = parsed.year * 12 + sti_period_first_month(&parsed) - 1;
    if (first > (tm.tm_year + 1900) * 12 + tm.tm_mon) {
        snprintf(message, sizeof message,
                 "period: '%s' has not begun: only figures of a period that has begun are "
                 "signed off",
                 period);
        return indicators_reply_fail(call, STI_ERR_INVALID_ARGUMENT, "period", message), -1;
    }
    sti_period_format(&parsed, period, cap);
    return 0;
}

//  May the caller sign off unit? An admin may; an officer whose scope is the
//  whole plan or a unit above this one may; nobody signs off their own
//  unit's figures. Returns 0, or -1 after replying forbidden.
static int s_check_allowed(const sti_call_t *call, const sti_catalog_t *catalog,
                           const sti_org_unit_t *unit)
{
    const sti_identity_t *caller = call->caller;
    char message[400];
    if ((caller->role_bit & STI_ROLE_ADMIN) || !caller->scope[0]) {
        return 0;
    }
    if (strcmp(caller->scope, unit->code) == 0) {
        snprintf(message, sizeof message,
                 "%s (scope %s) may not sign off %s's own figures: an officer of a unit above "
                 "it does",
                 caller->name, caller->scope, unit->code);
    } else if (!sti_scope_covers(catalog, caller->scope, unit->code)) {
        snprintf(message, sizeof message,
                 "org unit %s is outside the scope %s of %s: only the units under %s", unit->code,
                 caller->scope, caller->name, caller->scope);
    } else {
        return 0;
    }
    return indicators_reply_fail(call, STI_ERR_FORBIDDEN, "org", message), -1;
}

//  Reads and checks an approve's or reopen's body. Returns 0, or -1 after
//  replying.
static int s_read(indicators_approval_ops_t *self, const sti_call_t *call, s_ask_t *ask)
{
    memset(ask, 0, sizeof *ask);
    if (indicators_body_str(call, "org", ask->org, sizeof ask->org) ||
        indicators_body_str(call, "period", ask->period, sizeof ask->period) ||
        indicators_body_str(call, "reason", ask->reason, sizeof ask->reason) ||
        indicators_body_str(call, "request_id", ask->request_id, sizeof ask->request_id)) {
        return -1;
    }
    const sti_catalog_t *catalog = indicators_catalog_read(self->catalog, call);
    if (!catalog) {
        return -1;
    }
    if (!(ask->unit = indicators_org_or_fail(call, catalog, ask->org)) ||
        s_check_period(call, ask->period, sizeof ask->period)) {
        return -1;
    }
    return s_check_allowed(call, catalog, ask->unit);
}

//  Writes the record as a map: {org, period, state, by, role, via, at,
//  time, reason, request} (+ replayed when given).
static void s_write_record(sti_writer_t *w, const indicators_approval_t *record, int replayed)
{
    char time[40];
    sti_writer_map(w, replayed >= 0 ? 11 : 10);
    sti_writer_kv_str(w, "org", record->org);
    sti_writer_kv_str(w, "period", record->period);
    sti_writer_kv_str(w, "state", record->state);
    sti_writer_kv_str(w, "by", record->by);
    sti_writer_kv_str(w, "role", record->role);
    sti_writer_kv_str(w, "via", record->via);
    sti_writer_kv_int(w, "at", record->at);
    sti_writer_kv_str(w, "time", sti_time_rfc3339(record->at, time, sizeof time));
    sti_writer_kv_str(w, "reason", record->reason);
    sti_writer_kv_str(w, "request", record->request);
    if (replayed >= 0) {
        sti_writer_kv_bool(w, "replayed", replayed == 1);
    }
}

//  Answers what the store did.
static int s_answer(const sti_call_t *call, indicators_approval_result_t result,
                    const indicators_approval_t *record, int64_t pending, int64_t unread,
                    const s_ask_t *ask)
{
    char message[600], time[40];
    switch (result) {
    case INDICATORS_APPROVAL_DONE:
    case INDICATORS_APPROVAL_REPLAYED:
        sti_envelope_reply_ok(call->reply, call->request->id);
        s_write_record(call->reply, record, result == INDICATORS_APPROVAL_REPLAYED);
        return 0;
    case INDICATORS_APPROVAL_ALREADY:
        snprintf(message, sizeof message,
                 "%s for %s is approved already (by %s at %s): reopen it first to approve it "
                 "again",
                 ask->org, ask->period, record->by,
                 sti_time_rfc3339(record->at, time, sizeof time));
        return indicators_reply_fail(call, STI_ERR_CONFLICT, NULL, message);
    case INDICATORS_APPROVAL_BACKLOG:
        snprintf(message, sizeof message,
                 "the intake log holds submissions accepted but not applied yet (%lld read and "
                 "not applied%s): nothing was approved, so that what is approved is what the "
                 "values show; try again in a moment",
                 (long long)pending, unread ? ", and more not read yet" : "");
        return indicators_reply_fail(call, STI_ERR_CONFLICT, "intake", message);
    case INDICATORS_APPROVAL_NOTHING:
        snprintf(message, sizeof message, "%s for %s is not approved: there is nothing to reopen",
                 ask->org, ask->period);
        return indicators_reply_fail(call, STI_ERR_CONFLICT, NULL, message);
    }
    return -1;
}

//  approval.approve and approval.reopen.
static int s_change(indicators_approval_ops_t *self, const sti_call_t *call, bool approve)
{
    s_ask_t ask;
    if (s_read(self, call, &ask)) {
        return 0;
    }
    indicators_approval_t record;
    memset(&record, 0, sizeof record);
    snprintf(record.state, sizeof record.state, "%s", approve ? "approved" : "reopened");
    snprintf(record.org, sizeof record.org, "%s", ask.unit->code);
    snprintf(record.period, sizeof record.period, "%s", ask.period);
    snprintf(record.by, sizeof record.by, "%s", call->caller->name);
    snprintf(record.role, sizeof record.role, "%s", call->caller->role);
    snprintf(record.via, sizeof record.via, "%s", call->caller->via);
    snprintf(record.reason, sizeof record.reason, "%s", approve ? "" : ask.reason);
    snprintf(record.request, sizeof record.request, "%s", ask.request_id);
    record.at = sti_time_now_ms();
    sti_writer_t *data = sti_writer_new();
    s_write_record(data, &record, -1);
    size_t size;
    const void *bytes = sti_writer_data(data, &size);
    indicators_approval_result_t result;
    int64_t pending = 0, unread = 0;
    char err[512];
    int rc = indicators_approval_store_change(
        self->store, approve, &record,
        approve ? INDICATORS_APPROVAL_APPROVED_TYPE : INDICATORS_APPROVAL_REOPENED_TYPE, bytes,
        size, &result, &pending, &unread, err, sizeof err);
    sti_writer_destroy(&data);
    if (rc) {
        return indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, err);
    }
    return s_answer(call, result, &record, pending, unread, &ask);
}

static int s_approve(void *object, const sti_call_t *call)
{
    return s_change((indicators_approval_ops_t *)object, call, true);
}

static int s_reopen(void *object, const sti_call_t *call)
{
    return s_change((indicators_approval_ops_t *)object, call, false);
}

//  Writes one unit's row of approval.list: {org, name_zh, name_en, parent,
//  state, by, role, via, at, time, reason}.
static void s_write_row(sti_writer_t *w, const sti_org_unit_t *unit,
                        const indicators_approval_t *record)
{
    char time[40];
    sti_writer_map(w, 11);
    sti_writer_kv_str(w, "org", unit->code);
    sti_writer_kv_str(w, "name_zh", unit->name_zh);
    sti_writer_kv_str(w, "name_en", unit->name_en);
    sti_writer_kv_str(w, "parent", unit->parent[0] ? unit->parent : NULL);
    sti_writer_kv_str(w, "state", record ? record->state : "open");
    sti_writer_kv_str(w, "by", record ? record->by : NULL);
    sti_writer_kv_str(w, "role", record ? record->role : NULL);
    sti_writer_kv_str(w, "via", record ? record->via : NULL);
    sti_writer_str(w, "at");
    record ? sti_writer_int(w, record->at) : sti_writer_nil(w);
    sti_writer_kv_str(w, "time", record ? sti_time_rfc3339(record->at, time, sizeof time) : NULL);
    sti_writer_kv_str(w, "reason", record && record->reason[0] ? record->reason : NULL);
}

//  approval.list: every unit (or org and the units under it) in catalog order.
static int s_list(void *object, const sti_call_t *call)
{
    indicators_approval_ops_t *self = (indicators_approval_ops_t *)object;
    char period[STI_PERIOD_TEXT_MAX], org[STI_CODE_MAX] = "", err[300];
    const sti_catalog_t *catalog;
    if (indicators_body_str(call, "period", period, sizeof period) ||
        indicators_body_str(call, "org", org, sizeof org) ||
        !(catalog = indicators_catalog_read(self->catalog, call)) ||
        s_check_period(call, period, sizeof period)) {
        return 0;
    }
    if (org[0] && !indicators_org_or_fail(call, catalog, org)) {
        return 0;
    }
    size_t all = sti_catalog_org_count(catalog), count = 0;
    const sti_org_unit_t **units = (const sti_org_unit_t **)calloc(all + 1, sizeof *units);
    indicators_approval_t *records = (indicators_approval_t *)calloc(all + 1, sizeof *records);
    bool *found = (bool *)calloc(all + 1, sizeof *found);
    assert(units && records && found);
    for (size_t i = 0; i < all; i++) {
        const sti_org_unit_t *unit = sti_catalog_org_at(catalog, i);
        if (!org[0] || sti_scope_covers(catalog, org, unit->code)) {
            units[count++] = unit;
        }
    }
    if (indicators_approval_store_period(self->store, units, count, period, records, found, err,
                                         sizeof err)) {
        indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, err);
    } else {
        sti_writer_t *w = call->reply;
        sti_envelope_reply_ok(w, call->request->id);
        sti_writer_map(w, 2);
        sti_writer_kv_str(w, "period", period);
        sti_writer_str(w, "units");
        sti_writer_array(w, count);
        for (size_t i = 0; i < count; i++) {
            s_write_row(w, units[i], found[i] ? &records[i] : NULL);
        }
    }
    free(units);
    free(records);
    free(found);
    return 0;
}

static const sti_arg_t s_approve_args[] = {
    {"org", STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL, "the org unit signed off"},
    {"period", STI_ARG_STR, STI_REQUIRED, 1, STI_PERIOD_TEXT_MAX - 1, NULL,
     "the period: 2023, 2023Q2 or 2023-05 (one that has begun)"},
    {"request_id", STI_ARG_STR, STI_OPTIONAL, 1, STI_ID_MAX, NULL,
     "makes a retry safe: the same id again gets the first reply and changes nothing"},
    STI_ARGS_END,
};

static const sti_arg_t s_reopen_args[] = {
    {"org", STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL, "the org unit"},
    {"period", STI_ARG_STR, STI_REQUIRED, 1, STI_PERIOD_TEXT_MAX - 1, NULL,
     "the period: 2023, 2023Q2 or 2023-05"},
    {"reason", STI_ARG_STR, STI_REQUIRED, 1, INDICATORS_APPROVAL_REASON_MAX - 1, NULL,
     "why it is reopened (kept in the record, the audit and the event)"},
    {"request_id", STI_ARG_STR, STI_OPTIONAL, 1, STI_ID_MAX, NULL,
     "makes a retry safe: the same id again gets the first reply and changes nothing"},
    STI_ARGS_END,
};

static const sti_arg_t s_list_args[] = {
    {"period", STI_ARG_STR, STI_REQUIRED, 1, STI_PERIOD_TEXT_MAX - 1, NULL,
     "the period: 2023, 2023Q2 or 2023-05"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 1, STI_CODE_MAX - 1, NULL,
     "only this org unit and the units under it (default: every unit)"},
    STI_ARGS_END,
};

#define S_RECORD_REPLY "{org, period, state, by, role, via, at, time, reason, request, replayed}"
#define S_WHO                                                                                      \
    "An admin, or an officer whose scope is the whole plan or a unit above the org unit (an "      \
    "ancestor in the org tree: a town's figures by the district's officer); nobody signs off "     \
    "their own unit's figures (`forbidden`, naming the scope). "

static const sti_op_decl_t s_ops[] = {
    {"approval.approve", s_approve, STI_ROLE_OFFICER | STI_OP_WRITE, s_approve_args,
     "approves an org unit's figures for a period (数据审核), which locks them", S_RECORD_REPLY,
     S_WHO
     "Once approved, sti-ingest refuses rows for the unit and period (`已审核锁定`, "
     "naming who approved and when; the other rows of the same request are taken) and "
     "value.withdraw refuses to withdraw them, until approval.reopen. The figures approved "
     "are those the values show: while the intake log holds rows accepted and not yet "
     "applied, the approval is refused (`conflict`, try again in a moment). Audited in "
     "`<ns>:approval:audit` and sent as `approval.approved` on `ind` "
     "([signoff.md](signoff.md)). `at` is ms since 1970, `time` the same in RFC 3339. "
     "Errors: `not_found` (no such org unit), `invalid_argument` (a period that does not "
     "parse or has not begun), `forbidden`, `conflict` (approved already, or the intake "
     "log not applied yet: its detail's field is `intake`), `unavailable` (Redis cannot take it "
     "now: nothing changed)."},
    {"approval.reopen", s_reopen, STI_ROLE_OFFICER | STI_OP_WRITE, s_reopen_args,
     "reopens an approved org unit's period, with a reason: submissions are taken again",
     S_RECORD_REPLY,
     S_WHO "Audited in `<ns>:approval:audit` and sent as `approval.reopened` on `ind`. Errors: "
           "`not_found`, `invalid_argument`, `forbidden`, `conflict` (the period is not "
           "approved), `unavailable` (nothing changed)."},
    {"approval.list", s_list, STI_ROLES_ANY, s_list_args,
     "the sign-off state of every org unit for a period",
     "{period, units: [{org, name_zh, name_en, parent, state, by, role, via, at, time, reason}]}",
     "Units in catalog order. `state` is `approved`, `reopened` (approved once, open again: "
     "`reason` says why) or `open` (never approved: `by`, `at` nil). Errors: `not_found` (no "
     "plan loaded, no such org unit), `invalid_argument` (a period that does not parse or has "
     "not begun)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_approval_ops = {"indicators_approval", s_ops};
