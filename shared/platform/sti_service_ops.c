/*  sti_service_ops: see sti_service_ops.h.

    Every op is one row: its declaration and which table it came from; the
    object each table is bound to sits beside the tables, ops.describe's
    table last, bound to this object. A request's op is found by a walk of
    the rows: a service has a few dozen ops, and the walk costs less than
    decoding the request.

    The request's id is read twice on purpose: once by the envelope decoder,
    and, when that fails, by a reader that looks for nothing but "id", so a
    malformed request is still answered under its id when it has one.
*/
#include "sti_service_ops.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_auth.h"
#include "sti_behalf.h"
#include "sti_json.h"
#include "sti_log.h"
#include "sti_ratelimit.h"

#define S_BAD_REPLY (-1)     // s_reply_code: not a reply envelope
#define S_READ_AGAIN_MS 1000 // a read failed faster than this is run once more

static const sti_limits_t s_limits = {0, 0, 0, 0}; // the codec's default limits

//  One op the service answers.
typedef struct {
    const sti_op_decl_t *decl; // its declaration
    size_t table;              // which table it is in
} s_row_t;

struct _sti_service_ops_t {
    const char *service;           // Majordomo service name (not owned)
    const sti_op_route_t *routes;  // the HTTP routes of declared ops (not owned), or NULL
    const sti_op_table_t **tables; // [table_count] the service's, then ops.describe's
    void **objects;                // [table_count] the object bound to each table
    size_t table_count;            // entries in tables
    s_row_t *rows;                 // every op
    size_t count;                  // entries in rows
    sti_ratelimit_t *writes;       // write buckets per caller, or NULL without a limit
    double write_rate;             // writes a second per caller (for the message)
    int64_t write_burst;           // writes at once (for the message)
    sti_dataset_watch_t *dataset;  // refuses changes while lost (borrowed), or NULL
};

//  ops.describe, which every service answers: its declared ops as data.
static int s_describe_op(void *self, const sti_call_t *call);
static const sti_op_decl_t s_builtin_ops[] = {
    {"ops.describe", s_describe_op, STI_ROLES_ANY, NULL,
     "the service's ops, declared: who may call them, their bodies, their replies",
     "{service, ops: [{op, summary, roles, write, changes, listed_only, body, reply, notes, "
     "route}]}",
     "What `sti-<name> --describe-ops` prints as JSON; docs/ops.md is made from it."},
    STI_OPS_END,
};
static const sti_op_table_t s_builtin = {"sti_service_ops", s_builtin_ops};

//  Every route names a declared op and fits it (sti_op_route_check); a
//  route that does not is a programming error.
static void s_check_routes(sti_service_ops_t *self)
{
    for (const sti_op_route_t *route = self->routes; route && route->op; route++) {
        size_t r = 0;
        while (r < self->count && strcmp(self->rows[r].decl->name, route->op) != 0) {
            r++;
        }
        char err[256] = "not a declared op";
        if (r == self->count ||
            sti_op_route_check(route, self->rows[r].decl, err, sizeof err) != 0) {
            fprintf(stderr, "%s: the route of %s: %s\n", self->service, route->op, err);
            assert(!"every route fits a declared op");
        }
    }
}

sti_service_ops_t *sti_service_ops_new(const char *service, const sti_op_table_t *const *tables,
                                       const sti_op_route_t *routes)
{
    assert(service);
    sti_service_ops_t *self = calloc(1, sizeof *self);
    assert(self);
    self->service = service;
    self->routes = routes;
    size_t given = 0;
    while (tables && tables[given]) {
        given++;
    }
    self->table_count = given + 1;
    self->tables = calloc(self->table_count, sizeof *self->tables);
    self->objects = calloc(self->table_count, sizeof *self->objects);
    assert(self->tables && self->objects);
    for (size_t t = 0; t < given; t++) {
        self->tables[t] = tables[t];
    }
    self->tables[given] = &s_builtin;
    self->objects[given] = self;
    size_t count = 0;
    for (size_t t = 0; t < self->table_count; t++) {
        for (size_t i = 0; self->tables[t]->ops[i].name; i++) {
            count++;
        }
    }
    self->rows = calloc(count, sizeof *self->rows);
    assert(self->rows);
    for (size_t t = 0; t < self->table_count; t++) {
        for (size_t i = 0; self->tables[t]->ops[i].name; i++) {
            const sti_op_decl_t *decl = &self->tables[t]->ops[i];
            for (size_t r = 0; r < self->count; r++) {
                assert(strcmp(self->rows[r].decl->name, decl->name) != 0);
            }
            self->rows[self->count++] = (s_row_t){decl, t};
        }
    }
    s_check_routes(self);
    return self;
}

void sti_service_ops_destroy(sti_service_ops_t **self_p)
{
    assert(self_p);
    sti_service_ops_t *self = *self_p;
    if (!self) {
        return;
    }
    sti_ratelimit_destroy(&self->writes);
    free(self->rows);
    free(self->objects);
    free(self->tables);
    free(self);
    *self_p = NULL;
}

void sti_service_ops_bind(sti_service_ops_t *self, const sti_op_table_t *table, void *object)
{
    assert(self && table);
    for (size_t t = 0; t + 1 < self->table_count; t++) {
        if (self->tables[t] == table) {
            self->objects[t] = object;
            return;
        }
    }
    assert(!"sti_service_ops_bind: a table the service does not declare");
}

bool sti_service_ops_bound(sti_service_ops_t *self)
{
    assert(self);
    for (size_t t = 0; t < self->table_count; t++) {
        if (!self->objects[t]) {
            return false;
        }
    }
    return true;
}

void sti_service_ops_limit_writes(sti_service_ops_t *self, double rate, int64_t burst)
{
    assert(self && !self->writes);
    self->write_rate = rate;
    self->write_burst = burst;
    if (rate > 0) {
        self->writes = sti_ratelimit_new(rate, burst, STI_SERVICE_OPS_CALLERS);
    }
}

void sti_service_ops_guard(sti_service_ops_t *self, sti_dataset_watch_t *dataset)
{
    assert(self);
    self->dataset = dataset;
}

size_t sti_service_ops_count(sti_service_ops_t *self)
{
    assert(self);
    return self->count;
}

const char *sti_service_ops_name(sti_service_ops_t *self, size_t row)
{
    assert(self && row <= self->count + 1);
    return row < self->count    ? self->rows[row].decl->name
           : row == self->count ? "_unknown"
                                : "_malformed";
}

bool sti_service_ops_changes(sti_service_ops_t *self, size_t row)
{
    assert(self);
    return row < self->count && (self->rows[row].decl->roles & (STI_OP_WRITE | STI_OP_CHANGES));
}

//  --- answering one request ---

//  True when the bytes begin as sti_envelope_reply_ok writes them:
//  {"id": STR, "ok": true, "body": ...}.
static bool s_begins_ok(const uint8_t *p, size_t size)
{
    size_t at = 4, len; // after the map of 3 and the key "id"
    if (size < 9 || p[0] != 0x83 || memcmp(p + 1, "\xa2id", 3) != 0) {
        return false;
    }
    if ((p[at] & 0xe0) == 0xa0) { // fixstr
        len = p[at] & 0x1f;
        at += 1;
    } else if (p[at] == 0xd9) { // str 8
        len = p[at + 1];
        at += 2;
    } else {
        return false;
    }
    return size >= at + len + 9 && memcmp(p + at + len,
                                          "\xa2ok\xc3\xa4"
                                          "body",
                                          9) == 0;
}

//  The result code of the reply written (NONE for ok), read back from its
//  bytes; S_BAD_REPLY when they are not a reply envelope. An ok reply is
//  only checked (sti_codec_check: a large answer is not unpacked again to
//  be sent); an error reply is decoded for its code.
static int s_reply_code(sti_writer_t *reply)
{
    size_t size = 0;
    const void *data = sti_writer_data(reply, &size);
    sti_reply_t decoded;
    char err[256];
    if (size > 0 && s_begins_ok(data, size)) {
        return sti_codec_check(data, size, &s_limits, err, sizeof err) == 0 ? STI_ERR_NONE
                                                                            : S_BAD_REPLY;
    }
    if (size == 0 || sti_reply_decode(data, size, &s_limits, &decoded, err, sizeof err) != 0) {
        return S_BAD_REPLY;
    }
    int code = decoded.ok ? STI_ERR_NONE : (int)decoded.code;
    sti_reply_release(&decoded);
    return code;
}

//  Reads the id of a request that did not decode, so the error can carry it.
static void s_salvage_id(const void *data, size_t size, char *id, size_t cap)
{
    id[0] = 0;
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, &s_limits, err, sizeof err);
    if (reader) {
        sti_field_error_t field_err;
        if (sti_map_str_copy(sti_reader_root(reader), "id", id, cap, &field_err) != 0) {
            id[0] = 0;
        }
        sti_reader_destroy(&reader);
    }
}

//  Runs the handler of the op of row. Returns the reply's code.
static sti_errcode_t s_run_handler(sti_service_ops_t *self, size_t row, const sti_call_t *call)
{
    const s_row_t *op = &self->rows[row];
    int64_t start = zclock_mono();
    int rc = op->decl->handler(self->objects[op->table], call);
    int code = rc == 0 ? s_reply_code(call->reply) : S_BAD_REPLY;
    if (code == STI_ERR_UNAVAILABLE && !(op->decl->roles & (STI_OP_WRITE | STI_OP_CHANGES)) &&
        zclock_mono() - start < S_READ_AGAIN_MS) {
        //  A read that found Redis away at once is run once more: a
        //  connection that broke (closed by Redis, a restart, a fail-over)
        //  is made again on its next command, so a caller is not told
        //  unavailable for the first read after it. A read changes nothing:
        //  running it twice is safe. Not after a slow failure (a Redis that
        //  does not answer): the caller would wait twice as long for it.
        sti_writer_reset(call->reply);
        rc = op->decl->handler(self->objects[op->table], call);
        code = rc == 0 ? s_reply_code(call->reply) : S_BAD_REPLY;
    }
    if (code == S_BAD_REPLY) {
        sti_error("op %s (id %s) %s", call->request->op, call->request->id,
                  rc != 0 ? "failed" : "wrote no valid reply");
        sti_writer_reset(call->reply);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INTERNAL, "internal error",
                                 NULL, 0);
        return STI_ERR_INTERNAL;
    }
    return (sti_errcode_t)code;
}

//  Takes a token from the caller's write bucket. Returns STI_ERR_NONE, or
//  writes the rate_limited reply and returns its code.
static sti_errcode_t s_take_write(sti_service_ops_t *self, const sti_call_t *call)
{
    const sti_identity_t *caller = call->caller;
    int64_t retry_ms = 0;
    if (sti_ratelimit_take(self->writes, caller->key[0] ? caller->key : caller->name, zclock_mono(),
                           &retry_ms)) {
        return STI_ERR_NONE;
    }
    char retry[24], message[640];
    snprintf(retry, sizeof retry, "%lld", (long long)retry_ms);
    snprintf(message, sizeof message,
             "write rate limit of %g a second (burst %lld) reached for %s: retry after %lld ms",
             self->write_rate, (long long)self->write_burst, caller->name, (long long)retry_ms);
    sti_detail_t detail = {-1, "retry_after_ms", retry};
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_RATE_LIMITED, message, &detail,
                             1);
    return STI_ERR_RATE_LIMITED;
}

//  Checks the caller may call the op of row now. Returns STI_ERR_NONE, or
//  writes the forbidden, unavailable or rate_limited reply and returns its
//  code.
static sti_errcode_t s_authorize(sti_service_ops_t *self, size_t row, const sti_call_t *call)
{
    const sti_op_decl_t *op = self->rows[row].decl;
    const sti_identity_t *caller = call->caller;
    const char *id = call->request->id;
    char message[640];
    if (!sti_role_allowed(op->roles, caller->role_bit)) {
        snprintf(message, sizeof message, "op %s is not allowed for role %s (caller %s)", op->name,
                 caller->role[0] ? caller->role : "none", caller->name);
        sti_envelope_reply_error(call->reply, id, STI_ERR_FORBIDDEN, message, NULL, 0);
        return STI_ERR_FORBIDDEN;
    }
    //  A dry run changes nothing: it is answered like a read.
    bool dry_run = false;
    if (op->roles & STI_OP_DRY_RUN) {
        sti_field_error_t unused;
        bool flag = false;
        dry_run =
            sti_node_bool(sti_node_get(call->request->body, "dry_run"), &flag, &unused) == 0 &&
            flag;
    }
    char why[STI_DATASET_WHY_MAX];
    if ((op->roles & (STI_OP_WRITE | STI_OP_CHANGES)) && !dry_run && self->dataset &&
        sti_dataset_watch_lost(self->dataset, why, sizeof why)) {
        snprintf(message, sizeof message,
                 "op %s changes nothing now: %s; an operator decides how to go on "
                 "(stictl dataset accept-loss, docs/operations.md)",
                 op->name, why);
        sti_envelope_reply_error(call->reply, id, STI_ERR_UNAVAILABLE, message, NULL, 0);
        return STI_ERR_UNAVAILABLE;
    }
    if ((op->roles & STI_OP_WRITE) && !dry_run && self->writes) {
        return s_take_write(self, call);
    }
    return STI_ERR_NONE;
}

//  Finds, allows, checks and runs a decoded request. Returns its row.
static size_t s_dispatch(sti_service_ops_t *self, const sti_call_t *call,
                         sti_service_answer_t *answer)
{
    const sti_request_t *request = call->request;
    size_t row = 0;
    while (row < self->count && strcmp(self->rows[row].decl->name, request->op) != 0) {
        row++;
    }
    if (row == self->count) {
        char message[256];
        snprintf(message, sizeof message, "unknown op %s", request->op);
        sti_envelope_reply_error(call->reply, request->id, STI_ERR_INVALID_ARGUMENT, message, NULL,
                                 0);
        answer->code = STI_ERR_INVALID_ARGUMENT;
        return row;
    }
    //  A gateway's request is for the person it names (sti_behalf.h).
    sti_identity_t acting;
    char message[320];
    if (sti_behalf_resolve(call->caller, request->as, self->rows[row].decl->roles, &acting,
                           &answer->code, message, sizeof message) != 0) {
        sti_envelope_reply_error(call->reply, request->id, answer->code, message, NULL, 0);
        return row;
    }
    sti_call_t acted = *call;
    acted.caller = &acting;
    call = &acted;
    answer->code = s_authorize(self, row, call);
    if (answer->code != STI_ERR_NONE) {
        return row;
    }
    sti_field_error_t field_err;
    if (sti_op_check(self->rows[row].decl, request->body, &field_err) != 0) {
        sti_envelope_reply_invalid(call->reply, request->id, &field_err);
        answer->code = STI_ERR_INVALID_ARGUMENT;
        return row;
    }
    answer->code = s_run_handler(self, row, call);
    return row;
}

void sti_service_ops_answer(sti_service_ops_t *self, const void *data, size_t size, size_t frames,
                            const sti_identity_t *caller, struct _sti_service_t *service,
                            sti_writer_t *reply, sti_service_answer_t *answer)
{
    assert(self && caller && reply && answer);
    sti_writer_reset(reply);
    answer->id[0] = 0;
    sti_request_t request;
    char err[256];
    if (frames != 1) {
        snprintf(err, sizeof err, "a request is one frame, got %zu", frames);
    }
    if (frames != 1 || sti_request_decode(data, size, &s_limits, &request, err, sizeof err)) {
        if (data) {
            s_salvage_id(data, size, answer->id, sizeof answer->id);
        }
        sti_envelope_reply_error(reply, answer->id, STI_ERR_INVALID_ARGUMENT, err, NULL, 0);
        answer->row = self->count + 1;
        answer->code = STI_ERR_INVALID_ARGUMENT;
        return;
    }
    snprintf(answer->id, sizeof answer->id, "%s", request.id);
    sti_call_t call = {&request, reply, caller, service};
    answer->row = s_dispatch(self, &call, answer);
    sti_request_release(&request);
}

//  --- describing the ops ---

void sti_service_ops_describe(sti_service_ops_t *self, sti_writer_t *writer)
{
    assert(self && writer);
    sti_writer_map(writer, 2);
    sti_writer_kv_str(writer, "service", self->service);
    sti_writer_str(writer, "ops");
    sti_writer_array(writer, self->count);
    for (size_t r = 0; r < self->count; r++) {
        const sti_op_decl_t *decl = self->rows[r].decl;
        sti_op_describe_routed(decl, sti_op_route_find(self->routes, decl->name), writer);
    }
}

static int s_describe_op(void *self, const sti_call_t *call)
{
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_service_ops_describe(self, call->reply);
    return 0;
}

void sti_service_ops_print(sti_service_ops_t *self, FILE *out)
{
    assert(self && out);
    sti_writer_t *writer = sti_writer_new();
    sti_service_ops_describe(self, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert(reader);
    cJSON *json = sti_json_from_node(sti_reader_root(reader));
    char *text = cJSON_Print(json);
    assert(text);
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(json);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}
