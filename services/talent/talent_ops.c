/*  talent_ops: the record ops of sti.talent. See talent_ops.h.

    Each handler reads its body strictly (unknown keys refused), works on a
    talent_record_t that may hold opened personal data, and wipes it before
    returning. The record leaves only through talent_record_encode_masked.
*/
#include "talent_ops.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_talent_core.h"

struct _talent_ops_t {
    talent_store_t *store; // borrowed
    sti_script_t *search;  // talent_search.lua
    talent_rekey_t *rekey; // talent.rekey and the key counts (owned)
    char who[STI_AUTH_NAME_MAX + 1]; // the caller of the request being handled
    char key[STI_AUTH_KEY_LEN + 1];  // its public key ("" without CURVE)
};

talent_ops_t *talent_ops_new(talent_store_t *store)
{
    assert(store);
    talent_ops_t *self = (talent_ops_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->search = sti_redis_script(talent_store_redis(store), sti_lua_talent_search);
    self->rekey = talent_rekey_new(store);
    return self;
}

void talent_ops_destroy(talent_ops_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        talent_rekey_destroy(&(*self_p)->rekey);
        free(*self_p);
        *self_p = NULL;
    }
}

talent_rekey_t *talent_ops_rekeyer(talent_ops_t *self)
{
    return self->rekey;
}

talent_store_t *talent_ops_store(talent_ops_t *self)
{
    return self->store;
}

sti_script_t *talent_ops_search_script(talent_ops_t *self)
{
    return self->search;
}

void talent_ops_set_caller(talent_ops_t *self, const char *who, const char *key)
{
    snprintf(self->who, sizeof self->who, "%s", who && *who ? who : "unknown");
    snprintf(self->key, sizeof self->key, "%s", key ? key : "");
}

talent_actor_t talent_ops_actor(talent_ops_t *self, const char *op, const char *request_key)
{
    talent_actor_t actor = {op, self->who, request_key, self->key, NULL};
    return actor;
}

void talent_ops_reply_errors(sti_writer_t *reply, const sti_request_t *request,
                             const talent_errors_t *errors)
{
    char message[320];
    snprintf(message, sizeof message, "%s: %s%s",
             errors->count ? errors->items[0].field : "body",
             errors->count ? errors->items[0].reason : "invalid",
             errors->count > 1 || errors->truncated ? " (and more, see details)" : "");
    sti_writer_reset(reply);
    sti_envelope_reply_error_begin(reply, request->id, STI_ERR_INVALID_ARGUMENT, message,
                                   errors->count);
    for (size_t i = 0; i < errors->count; i++) {
        sti_envelope_detail(reply, -1, errors->items[i].field, errors->items[i].reason);
    }
}

void talent_ops_reply_store(sti_writer_t *reply, const sti_request_t *request,
                            talent_store_rc_t rc, const char *conflict_id, const char *err)
{
    sti_writer_reset(reply);
    if (rc == TALENT_STORE_DUPLICATE) {
        char reason[96];
        snprintf(reason, sizeof reason, "registered already as %s", conflict_id);
        sti_detail_t detail = {-1, "id_number", reason};
        sti_envelope_reply_error(reply, request->id, STI_ERR_CONFLICT, err, &detail, 1);
        return;
    }
    sti_errcode_t code = rc == TALENT_STORE_NOT_FOUND ? STI_ERR_NOT_FOUND
                         : rc == TALENT_STORE_STALE   ? STI_ERR_CONFLICT
                                                      : STI_ERR_UNAVAILABLE;
    sti_envelope_reply_error(reply, request->id, code, err, NULL, 0);
}

int talent_ops_read_id(const sti_request_t *request, sti_node_t body, const char *key,
                       char id[TALENT_REGISTRY_ID_MAX + 1], sti_writer_t *reply)
{
    sti_field_error_t err = {"", ""};
    snprintf(err.field, sizeof err.field, "%s", key);
    if (sti_map_str_copy(body, key, id, TALENT_REGISTRY_ID_MAX + 1, &err) == 0 &&
        talent_check_registry_id(id, err.reason, sizeof err.reason) == 0) {
        return 0;
    }
    sti_service_reply_invalid(reply, request, &err);
    return -1;
}

//  Checks the body is a map with only these keys. Returns 0, or -1 after
//  writing the reply.
static int s_body(const sti_request_t *request, const char *const *keys, sti_writer_t *reply)
{
    sti_field_error_t err = {"body", ""};
    if (sti_node_type(request->body) != STI_TYPE_MAP) {
        snprintf(err.reason, sizeof err.reason, "must be a map");
    } else if (sti_map_only(request->body, keys, &err) == 0) {
        return 0;
    }
    sti_service_reply_invalid(reply, request, &err);
    return -1;
}

//  Writes the ok reply with the masked record.
static void s_reply_record(sti_writer_t *reply, const sti_request_t *request,
                           const talent_record_t *record, const char *id, int64_t version)
{
    sti_writer_reset(reply);
    sti_envelope_reply_ok(reply, request->id);
    talent_record_encode_masked(record, id, version, reply);
}

//  Reads record id for an op; audit, when not NULL, is the read's audit entry
//  (written before anything is answered). Returns 0, or -1 after writing
//  the error reply (the record is then wiped).
static int s_load(talent_ops_t *self, const sti_request_t *request, const char *id,
                  const talent_actor_t *audit, talent_record_t *record, int64_t *version,
                  sti_writer_t *reply)
{
    char err[256];
    talent_store_rc_t rc = talent_store_read(self->store, id, record, version, err, sizeof err);
    if (rc != TALENT_STORE_OK) {
        talent_ops_reply_store(reply, request, rc, "", err);
        return -1;
    }
    const char *ids[1] = {id};
    if (audit && talent_store_audit_reads(self->store, ids, 1, audit) != 0) {
        talent_store_wipe(record);
        sti_writer_reset(reply);
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                                 "the read cannot be written to the audit log now", NULL, 0);
        return -1;
    }
    return 0;
}

//  Adds one decoded record. Returns the store's result; id receives the
//  new (or existing) id.
static talent_store_rc_t s_add(talent_ops_t *self, const talent_record_t *record,
                               const char *op, const char *request_key, char *id, char *err,
                               size_t errlen)
{
    talent_actor_t actor = talent_ops_actor(self, op, request_key);
    talent_store_rc_t rc = talent_store_add(self->store, record, &actor, id, err, errlen);
    if (rc == TALENT_STORE_OK) {
        sti_info("talent: %s registered (%s)", id, record->category);
    }
    return rc;
}

int talent_ops_add(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                   void *ctx)
{
    (void)service;
    talent_ops_t *self = (talent_ops_t *)ctx;
    talent_record_t *record = (talent_record_t *)calloc(1, sizeof *record);
    assert(record);
    talent_errors_t errors;
    char id[TALENT_REGISTRY_ID_MAX + 1] = "", err[256];
    if (talent_record_decode_node(request->body, talent_store_codes(self->store),
                                  TALENT_DECODE_FULL, record, &errors) != 0) {
        talent_ops_reply_errors(reply, request, &errors);
    } else {
        talent_store_rc_t rc =
            s_add(self, record, request->op, request->id, id, err, sizeof err);
        if (rc == TALENT_STORE_OK) {
            s_reply_record(reply, request, record, id, 1);
        } else if (rc == TALENT_STORE_REPLAYED) {
            int64_t version;
            talent_store_wipe(record);
            if (s_load(self, request, id, NULL, record, &version, reply) == 0) {
                s_reply_record(reply, request, record, id, version);
            }
        } else {
            talent_ops_reply_store(reply, request, rc, id, err);
        }
    }
    talent_store_wipe(record);
    free(record);
    return 0;
}

int talent_ops_get(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                   void *ctx)
{
    (void)service;
    static const char *const keys[] = {"id", NULL};
    talent_ops_t *self = (talent_ops_t *)ctx;
    char id[TALENT_REGISTRY_ID_MAX + 1];
    if (s_body(request, keys, reply) || talent_ops_read_id(request, request->body, "id", id, reply)) {
        return 0;
    }
    talent_record_t *record = (talent_record_t *)calloc(1, sizeof *record);
    assert(record);
    int64_t version;
    talent_actor_t actor = talent_ops_actor(self, request->op, request->id);
    if (s_load(self, request, id, &actor, record, &version, reply) == 0) {
        s_reply_record(reply, request, record, id, version);
    }
    talent_store_wipe(record);
    free(record);
    return 0;
}

//  Reads body.reason: why the caller needs the data in clear, 1 to
//  TALENT_REASON_MAX bytes of UTF-8 without control characters, not blank.
//  Returns 0, or -1 after writing the reply.
static int s_reason(const sti_request_t *request, char reason[TALENT_REASON_MAX + 1],
                    sti_writer_t *reply)
{
    sti_field_error_t err = {"reason", ""};
    if (sti_map_str_copy(request->body, "reason", reason, TALENT_REASON_MAX + 1, &err) == 0) {
        bool blank = true;
        for (const unsigned char *c = (const unsigned char *)reason; *c; c++) {
            if (*c < 0x20 || *c == 0x7f) {
                snprintf(err.reason, sizeof err.reason, "contains a control character");
                break;
            }
            blank = blank && *c == ' ';
        }
        if (!err.reason[0] && blank) {
            snprintf(err.reason, sizeof err.reason, "must say why the data is needed in clear");
        }
        if (!err.reason[0]) {
            return 0;
        }
    }
    snprintf(err.field, sizeof err.field, "reason");
    sti_service_reply_invalid(reply, request, &err);
    return -1;
}

int talent_ops_reveal(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    static const char *const keys[] = {"id", "reason", NULL};
    talent_ops_t *self = (talent_ops_t *)ctx;
    char id[TALENT_REGISTRY_ID_MAX + 1], reason[TALENT_REASON_MAX + 1];
    if (s_body(request, keys, reply) ||
        talent_ops_read_id(request, request->body, "id", id, reply) ||
        s_reason(request, reason, reply)) {
        return 0;
    }
    talent_record_t *record = (talent_record_t *)calloc(1, sizeof *record);
    assert(record);
    int64_t version;
    talent_actor_t actor = talent_ops_actor(self, request->op, request->id);
    actor.reason = reason;
    if (s_load(self, request, id, &actor, record, &version, reply) == 0) {
        sti_info("talent: %s revealed to %s (request %s)", id, self->who, request->id);
        sti_writer_reset(reply);
        sti_envelope_reply_ok(reply, request->id);
        talent_record_encode_revealed(record, id, version, reply);
    }
    talent_store_wipe(record);
    free(record);
    return 0;
}

//  The optional version of a body: -1 when absent. Returns 0, or -1 after
//  writing the reply.
static int s_version(const sti_request_t *request, bool required, int64_t *version,
                     sti_writer_t *reply)
{
    sti_field_error_t err = {"version", ""};
    *version = -1;
    if (!required && sti_node_is_missing(sti_node_get(request->body, "version"))) {
        return 0;
    }
    if (sti_map_int(request->body, "version", version, &err) == 0 && *version >= 1) {
        return 0;
    }
    if (!err.reason[0]) {
        snprintf(err.reason, sizeof err.reason, "must be 1 or more");
    }
    sti_service_reply_invalid(reply, request, &err);
    return -1;
}

//  Stores the changed record and answers with it.
static void s_commit(talent_ops_t *self, const sti_request_t *request, const char *id,
                     int64_t version, const talent_record_t *old, const talent_record_t *record,
                     const char *event_type, sti_writer_t *reply)
{
    char conflict[TALENT_REGISTRY_ID_MAX + 1] = "", err[256];
    talent_actor_t actor = talent_ops_actor(self, request->op, request->id);
    talent_store_rc_t rc = talent_store_update(self->store, id, version, old, record, event_type,
                                               &actor, conflict, err, sizeof err);
    if (rc == TALENT_STORE_OK) {
        s_reply_record(reply, request, record, id, version + 1);
    } else {
        talent_ops_reply_store(reply, request, rc, conflict, err);
    }
}

//  The two records an update works on (they may hold opened personal data).
typedef struct {
    talent_record_t old;     // as stored
    talent_record_t record;  // after the change
    talent_record_t update;  // the change as decoded
} s_pair_t;

static s_pair_t *s_pair_new(void)
{
    s_pair_t *pair = (s_pair_t *)calloc(1, sizeof *pair);
    assert(pair);
    return pair;
}

static void s_pair_destroy(s_pair_t **pair_p)
{
    if (*pair_p) {
        talent_store_wipe(&(*pair_p)->old);
        talent_store_wipe(&(*pair_p)->record);
        talent_store_wipe(&(*pair_p)->update);
        free(*pair_p);
        *pair_p = NULL;
    }
}

int talent_ops_update(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    static const char *const keys[] = {"id", "version", "set", NULL};
    talent_ops_t *self = (talent_ops_t *)ctx;
    char id[TALENT_REGISTRY_ID_MAX + 1];
    int64_t version, stored;
    if (s_body(request, keys, reply) || talent_ops_read_id(request, request->body, "id", id, reply) ||
        s_version(request, true, &version, reply)) {
        return 0;
    }
    const talent_codes_t *codes = talent_store_codes(self->store);
    s_pair_t *pair = s_pair_new();
    talent_errors_t errors;
    if (talent_record_decode_node(sti_node_get(request->body, "set"), codes,
                                  TALENT_DECODE_PARTIAL, &pair->update, &errors) != 0) {
        for (size_t i = 0; i < errors.count; i++) {
            char field[64];
            snprintf(field, sizeof field, "set%s%s", errors.items[i].field[0] ? "." : "",
                     errors.items[i].field);
            snprintf(errors.items[i].field, sizeof errors.items[i].field, "%s", field);
        }
        talent_ops_reply_errors(reply, request, &errors);
    } else if (s_load(self, request, id, NULL, &pair->old, &stored, reply) == 0) {
        pair->record = pair->old;
        talent_record_merge(&pair->record, &pair->update);
        talent_errors_clear(&errors);
        if (stored != version) {
            char message[128];
            snprintf(message, sizeof message, "talent %s is at version %" PRId64 ", not %" PRId64,
                     id, stored, version);
            sti_writer_reset(reply);
            sti_envelope_reply_error(reply, request->id, STI_ERR_CONFLICT, message, NULL, 0);
        } else if (talent_record_check(&pair->record, codes, &errors) != 0) {
            talent_ops_reply_errors(reply, request, &errors);
        } else {
            s_commit(self, request, id, version, &pair->old, &pair->record,
                     pair->record.status == TALENT_LEFT && pair->old.status != TALENT_LEFT
                         ? "talent.left"
                         : "talent.updated",
                     reply);
        }
    }
    s_pair_destroy(&pair);
    return 0;
}

int talent_ops_leave(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx)
{
    (void)service;
    static const char *const keys[] = {"id", "version", "left_on", NULL};
    talent_ops_t *self = (talent_ops_t *)ctx;
    char id[TALENT_REGISTRY_ID_MAX + 1];
    int64_t version, stored;
    talent_errors_t errors;
    talent_errors_clear(&errors);
    char left_on[TALENT_DATE_LEN + 1];
    if (s_body(request, keys, reply) || talent_ops_read_id(request, request->body, "id", id, reply) ||
        s_version(request, false, &version, reply)) {
        return 0;
    }
    if (talent_decode_date(sti_node_get(request->body, "left_on"), "left_on", left_on,
                           &errors) != 0) {
        talent_ops_reply_errors(reply, request, &errors);
        return 0;
    }
    s_pair_t *pair = s_pair_new();
    if (s_load(self, request, id, NULL, &pair->old, &stored, reply) == 0) {
        pair->record = pair->old;
        pair->record.status = TALENT_LEFT;
        snprintf(pair->record.left_on, sizeof pair->record.left_on, "%s", left_on);
        pair->record.present |= TALENT_F_STATUS | TALENT_F_LEFT_ON;
        char message[128];
        if (version >= 0 && stored != version) {
            snprintf(message, sizeof message, "talent %s is at version %" PRId64 ", not %" PRId64,
                     id, stored, version);
        } else if (pair->old.status == TALENT_LEFT) {
            snprintf(message, sizeof message, "talent %s has left already, on %s", id,
                     pair->old.left_on);
        } else {
            message[0] = 0;
        }
        if (message[0]) {
            sti_writer_reset(reply);
            sti_envelope_reply_error(reply, request->id, STI_ERR_CONFLICT, message, NULL, 0);
        } else if (talent_record_check(&pair->record, talent_store_codes(self->store), &errors)) {
            talent_ops_reply_errors(reply, request, &errors);
        } else {
            s_commit(self, request, id, stored, &pair->old, &pair->record, "talent.left", reply);
        }
    }
    s_pair_destroy(&pair);
    return 0;
}

int talent_ops_remove(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    static const char *const keys[] = {"id", "version", NULL};
    talent_ops_t *self = (talent_ops_t *)ctx;
    char id[TALENT_REGISTRY_ID_MAX + 1], err[256];
    int64_t version, stored;
    if (s_body(request, keys, reply) || talent_ops_read_id(request, request->body, "id", id, reply) ||
        s_version(request, false, &version, reply)) {
        return 0;
    }
    s_pair_t *pair = s_pair_new();
    if (s_load(self, request, id, NULL, &pair->old, &stored, reply) == 0) {
        talent_actor_t actor = talent_ops_actor(self, request->op, request->id);
        talent_store_rc_t rc =
            version >= 0 && version != stored
                ? TALENT_STORE_STALE
                : talent_store_remove(self->store, id, stored, &pair->old, &actor, err, sizeof err);
        if (rc == TALENT_STORE_STALE && version >= 0 && version != stored) {
            snprintf(err, sizeof err, "talent %s is at version %" PRId64 ", not %" PRId64, id,
                     stored, version);
        }
        if (rc == TALENT_STORE_OK) {
            sti_info("talent: %s removed", id);
            sti_writer_reset(reply);
            sti_envelope_reply_ok(reply, request->id);
            sti_writer_map(reply, 2);
            sti_writer_kv_str(reply, "id", id);
            sti_writer_kv_bool(reply, "removed", true);
        } else {
            talent_ops_reply_store(reply, request, rc, "", err);
        }
    }
    s_pair_destroy(&pair);
    return 0;
}

//  Imports row index of an import request. Writes the row's outcome.
static bool s_import_row(talent_ops_t *self, const sti_request_t *request, sti_node_t row,
                         size_t index, const char *request_id, talent_record_t *record,
                         sti_writer_t *errors, size_t *details, sti_writer_t *ids, bool *failed)
{
    talent_errors_t decode_errors;
    if (talent_record_decode_node(row, talent_store_codes(self->store), TALENT_DECODE_FULL,
                                  record, &decode_errors) != 0) {
        for (size_t e = 0; e < decode_errors.count; e++) {
            sti_envelope_detail(errors, (int64_t)index, decode_errors.items[e].field,
                                decode_errors.items[e].reason);
            (*details)++;
        }
        return false;
    }
    char key[STI_ID_MAX + 32], id[TALENT_REGISTRY_ID_MAX + 1] = "", err[256];
    snprintf(key, sizeof key, "%s#%zu", request_id, index);
    talent_store_rc_t rc = s_add(self, record, request->op, key, id, err, sizeof err);
    if (rc == TALENT_STORE_OK || rc == TALENT_STORE_REPLAYED) {
        sti_writer_map(ids, 2);
        sti_writer_kv_int(ids, "index", (int64_t)index);
        sti_writer_kv_str(ids, "id", id);
        return true;
    }
    char reason[128];
    snprintf(reason, sizeof reason, "registered already as %s", id);
    sti_envelope_detail(errors, (int64_t)index, rc == TALENT_STORE_DUPLICATE ? "id_number" : "row",
                        rc == TALENT_STORE_DUPLICATE ? reason : err);
    (*details)++;
    *failed = *failed || rc == TALENT_STORE_FAILED;
    return false;
}

int talent_ops_import(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    static const char *const keys[] = {"rows", "request_id", NULL};
    talent_ops_t *self = (talent_ops_t *)ctx;
    if (s_body(request, keys, reply)) {
        return 0;
    }
    sti_field_error_t err = {"rows", ""};
    sti_node_t rows = sti_node_get(request->body, "rows");
    char request_id[STI_ID_MAX + 1];
    snprintf(request_id, sizeof request_id, "%s", request->id);
    if (sti_node_type(rows) != STI_TYPE_ARRAY) {
        snprintf(err.reason, sizeof err.reason, "must be an array of talents");
    } else if (!sti_node_is_missing(sti_node_get(request->body, "request_id")) &&
               sti_map_str_copy(request->body, "request_id", request_id, sizeof request_id,
                                &err) != 0) {
        // err says why
    } else if (sti_node_size(rows) > TALENT_IMPORT_MAX) {
        char message[96];
        snprintf(message, sizeof message, "rows: %zu rows, at most %d a request",
                 sti_node_size(rows), TALENT_IMPORT_MAX);
        sti_writer_reset(reply);
        sti_envelope_reply_error(reply, request->id, STI_ERR_TOO_LARGE, message, NULL, 0);
        return 0;
    } else {
        err.reason[0] = 0;
    }
    if (err.reason[0]) {
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    sti_writer_t *errors = sti_writer_new(), *ids = sti_writer_new();
    talent_record_t *record = (talent_record_t *)calloc(1, sizeof *record);
    assert(record);
    size_t accepted = 0, details = 0, count = sti_node_size(rows);
    bool failed = false;
    for (size_t i = 0; i < count; i++) {
        accepted += s_import_row(self, request, sti_node_at(rows, i), i, request_id, record,
                                 errors, &details, ids, &failed);
        talent_store_wipe(record);
    }
    free(record);
    size_t errors_size, ids_size;
    const void *errors_data = sti_writer_data(errors, &errors_size);
    const void *ids_data = sti_writer_data(ids, &ids_size);
    sti_writer_reset(reply);
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 4);
    sti_writer_kv_int(reply, "accepted", (int64_t)accepted);
    sti_writer_kv_int(reply, "rejected", (int64_t)(count - accepted));
    sti_writer_str(reply, "errors");
    sti_writer_array(reply, details);
    sti_writer_raw(reply, errors_data, errors_size);
    sti_writer_str(reply, "ids");
    sti_writer_array(reply, accepted);
    sti_writer_raw(reply, ids_data, ids_size);
    sti_writer_destroy(&errors);
    sti_writer_destroy(&ids);
    if (failed) {
        sti_warn("talent: import %s: some rows could not be kept (Redis)", request_id);
    }
    return 0;
}
