/*  talent_registry: the record ops of sti.talent. See talent_registry.h.

    Each handler asks the store for the codes once, first (the store's
    reads and changes use the same), decodes what the body carries into a
    talent_record_t that may hold opened personal data, and wipes it before
    returning. The record leaves only through talent_record_encode_masked,
    or talent_record_encode_revealed for talent.reveal.
*/
#include "talent_registry.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "talent_reply.h"
#include "sti_plan_text.h"

struct _talent_registry_t {
    talent_store_t *store; // borrowed
};

talent_registry_t *talent_registry_new(talent_store_t *store)
{
    assert(store);
    talent_registry_t *self = (talent_registry_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    return self;
}

void talent_registry_destroy(talent_registry_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  A record that may hold opened personal data, on the heap (it is large).
static talent_record_t *s_record_new(void)
{
    talent_record_t *record = (talent_record_t *)calloc(1, sizeof *record);
    assert(record);
    return record;
}

static void s_record_destroy(talent_record_t **record_p)
{
    if (*record_p) {
        talent_record_wipe(*record_p);
        free(*record_p);
        *record_p = NULL;
    }
}

//  Writes the ok reply with the masked record.
static void s_reply_record(const sti_call_t *call, const talent_record_t *record, const char *id,
                           int64_t version)
{
    sti_writer_reset(call->reply);
    sti_envelope_reply_ok(call->reply, call->request->id);
    talent_record_encode_masked(record, id, version, call->reply);
}

//  Reads record id for an op; audit, when not NULL, is the read's audit entry
//  (written before anything is answered). Returns 0, or -1 after writing
//  the error reply (the record is then wiped).
static int s_load(talent_registry_t *self, const sti_call_t *call, const char *id,
                  const talent_actor_t *audit, talent_record_t *record, int64_t *version)
{
    char err[256];
    talent_store_rc_t rc = talent_store_read(self->store, id, record, version, err, sizeof err);
    if (rc != TALENT_STORE_OK) {
        talent_reply_store(call, rc, "", err);
        return -1;
    }
    const char *ids[1] = {id};
    if (audit && talent_store_audit_reads(self->store, ids, 1, audit) != 0) {
        talent_record_wipe(record);
        talent_reply_error(call, STI_ERR_UNAVAILABLE,
                           "the read cannot be written to the audit log now");
        return -1;
    }
    return 0;
}

//  Adds one decoded record under request_key. Returns the store's result;
//  id receives the new (or existing) id.
static talent_store_rc_t s_add(talent_registry_t *self, const sti_call_t *call,
                               const talent_record_t *record, const char *request_key, char *id,
                               char *err, size_t errlen)
{
    talent_actor_t actor = talent_reply_actor(call);
    actor.request = request_key;
    talent_store_rc_t rc = talent_store_add(self->store, record, &actor, id, err, errlen);
    if (rc == TALENT_STORE_OK) {
        sti_info("talent: %s registered (%s)", id, record->category);
    }
    return rc;
}

//  talent.add.
static int s_talent_add(void *object, const sti_call_t *call)
{
    talent_registry_t *self = (talent_registry_t *)object;
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    if (!codes) {
        return 0;
    }
    talent_record_t *record = s_record_new();
    talent_errors_t errors;
    char id[TALENT_REGISTRY_ID_MAX + 1] = "", err[256];
    if (talent_record_decode_node(call->request->body, codes, TALENT_DECODE_FULL, record,
                                  &errors) != 0) {
        talent_reply_errors(call, &errors);
    } else {
        talent_store_rc_t rc = s_add(self, call, record, call->request->id, id, err, sizeof err);
        if (rc == TALENT_STORE_OK) {
            s_reply_record(call, record, id, 1);
        } else if (rc == TALENT_STORE_REPLAYED) {
            //  A retried add: the record it made, as it is now.
            int64_t version;
            talent_record_wipe(record);
            if (s_load(self, call, id, NULL, record, &version) == 0) {
                s_reply_record(call, record, id, version);
            }
        } else {
            talent_reply_store(call, rc, id, err);
        }
    }
    s_record_destroy(&record);
    return 0;
}

//  talent.get: the read is audited.
static int s_talent_get(void *object, const sti_call_t *call)
{
    talent_registry_t *self = (talent_registry_t *)object;
    char id[TALENT_REGISTRY_ID_MAX + 1];
    if (!talent_reply_codes(call, self->store) ||
        talent_reply_id(call, call->request->body, "id", id)) {
        return 0;
    }
    talent_record_t *record = s_record_new();
    int64_t version;
    talent_actor_t actor = talent_reply_actor(call);
    if (s_load(self, call, id, &actor, record, &version) == 0) {
        s_reply_record(call, record, id, version);
    }
    s_record_destroy(&record);
    return 0;
}

//  Checks body.reason: why the caller needs the data in clear, without
//  control characters, not blank (its length the declaration checked).
//  Returns 0, or -1 after writing the reply.
static int s_reason(const sti_call_t *call, char reason[TALENT_REASON_MAX + 1])
{
    sti_field_error_t err = {"reason", ""};
    if (sti_map_str_copy(call->request->body, "reason", reason, TALENT_REASON_MAX + 1, &err) == 0) {
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
    sti_writer_reset(call->reply);
    sti_envelope_reply_invalid(call->reply, call->request->id, &err);
    return -1;
}

//  talent.reveal: the one answer in clear, audited with the caller's key and reason.
static int s_talent_reveal(void *object, const sti_call_t *call)
{
    talent_registry_t *self = (talent_registry_t *)object;
    char id[TALENT_REGISTRY_ID_MAX + 1], reason[TALENT_REASON_MAX + 1];
    if (!talent_reply_codes(call, self->store) ||
        talent_reply_id(call, call->request->body, "id", id) || s_reason(call, reason)) {
        return 0;
    }
    talent_record_t *record = s_record_new();
    int64_t version;
    talent_actor_t actor = talent_reply_actor(call);
    actor.reason = reason;
    if (s_load(self, call, id, &actor, record, &version) == 0) {
        sti_info("talent: %s revealed to %s (request %s)", id, actor.who, call->request->id);
        sti_writer_reset(call->reply);
        sti_envelope_reply_ok(call->reply, call->request->id);
        talent_record_encode_revealed(record, id, version, call->reply);
    }
    s_record_destroy(&record);
    return 0;
}

//  The version of a body (1 or more, as declared): -1 when absent.
static int64_t s_version(const sti_call_t *call)
{
    int64_t version = -1;
    sti_field_error_t err;
    if (!sti_node_is_missing(sti_node_get(call->request->body, "version"))) {
        sti_map_int(call->request->body, "version", &version, &err);
    }
    return version;
}

//  Stores the changed record and answers with it.
static void s_commit(talent_registry_t *self, const sti_call_t *call, const char *id,
                     int64_t version, const talent_record_t *old, const talent_record_t *record,
                     const char *event_type)
{
    char conflict[TALENT_REGISTRY_ID_MAX + 1] = "", err[256];
    talent_actor_t actor = talent_reply_actor(call);
    talent_store_rc_t rc = talent_store_update(self->store, id, version, old, record, event_type,
                                               &actor, conflict, err, sizeof err);
    if (rc == TALENT_STORE_OK) {
        s_reply_record(call, record, id, version + 1);
    } else {
        talent_reply_store(call, rc, conflict, err);
    }
}

//  The records an update works on (they may hold opened personal data).
typedef struct {
    talent_record_t old;    // as stored
    talent_record_t record; // after the change
    talent_record_t update; // the change as decoded
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
        talent_record_wipe(&(*pair_p)->old);
        talent_record_wipe(&(*pair_p)->record);
        talent_record_wipe(&(*pair_p)->update);
        free(*pair_p);
        *pair_p = NULL;
    }
}

//  Writes the conflict of a stale version.
static void s_stale(const sti_call_t *call, const char *id, int64_t stored, int64_t version)
{
    char message[128];
    snprintf(message, sizeof message, "talent %s is at version %" PRId64 ", not %" PRId64, id,
             stored, version);
    talent_reply_error(call, STI_ERR_CONFLICT, message);
}

//  Decodes body.set, a partial record; errors are named set.<field>.
//  Returns 0, or -1 after writing the reply.
static int s_decode_set(const sti_call_t *call, const talent_codes_t *codes,
                        talent_record_t *update)
{
    talent_errors_t errors;
    if (talent_record_decode_node(sti_node_get(call->request->body, "set"), codes,
                                  TALENT_DECODE_PARTIAL, update, &errors) == 0) {
        return 0;
    }
    for (size_t i = 0; i < errors.count; i++) {
        char field[sizeof errors.items[i].field + 4]; // "set." and the field
        snprintf(field, sizeof field, "set%s%s", errors.items[i].field[0] ? "." : "",
                 errors.items[i].field);
        sti_text_copy(errors.items[i].field, sizeof errors.items[i].field, field);
    }
    talent_reply_errors(call, &errors);
    return -1;
}

//  talent.update: the fields of set, at the stored version.
static int s_talent_update(void *object, const sti_call_t *call)
{
    talent_registry_t *self = (talent_registry_t *)object;
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    char id[TALENT_REGISTRY_ID_MAX + 1];
    if (!codes || talent_reply_id(call, call->request->body, "id", id)) {
        return 0;
    }
    int64_t version = s_version(call), stored;
    s_pair_t *pair = s_pair_new();
    talent_errors_t errors;
    talent_errors_clear(&errors);
    if (s_decode_set(call, codes, &pair->update) == 0 &&
        s_load(self, call, id, NULL, &pair->old, &stored) == 0) {
        pair->record = pair->old;
        talent_record_merge(&pair->record, &pair->update);
        if (stored != version) {
            s_stale(call, id, stored, version);
        } else if (talent_record_check(&pair->record, codes, &errors) != 0) {
            talent_reply_errors(call, &errors);
        } else {
            bool left = pair->record.status == TALENT_LEFT && pair->old.status != TALENT_LEFT;
            s_commit(self, call, id, version, &pair->old, &pair->record,
                     left ? "talent.left" : "talent.updated");
        }
    }
    s_pair_destroy(&pair);
    return 0;
}

//  talent.leave: status left from left_on.
static int s_talent_leave(void *object, const sti_call_t *call)
{
    talent_registry_t *self = (talent_registry_t *)object;
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    char id[TALENT_REGISTRY_ID_MAX + 1], left_on[TALENT_DATE_LEN + 1];
    if (!codes || talent_reply_id(call, call->request->body, "id", id)) {
        return 0;
    }
    int64_t version = s_version(call), stored;
    talent_errors_t errors;
    talent_errors_clear(&errors);
    if (talent_decode_date(sti_node_get(call->request->body, "left_on"), "left_on", left_on,
                           &errors) != 0) {
        talent_reply_errors(call, &errors);
        return 0;
    }
    s_pair_t *pair = s_pair_new();
    if (s_load(self, call, id, NULL, &pair->old, &stored) == 0) {
        pair->record = pair->old;
        pair->record.status = TALENT_LEFT;
        snprintf(pair->record.left_on, sizeof pair->record.left_on, "%s", left_on);
        pair->record.present |= TALENT_F_STATUS | TALENT_F_LEFT_ON;
        if (version >= 0 && stored != version) {
            s_stale(call, id, stored, version);
        } else if (pair->old.status == TALENT_LEFT) {
            char message[128];
            snprintf(message, sizeof message, "talent %s has left already, on %s", id,
                     pair->old.left_on);
            talent_reply_error(call, STI_ERR_CONFLICT, message);
        } else if (talent_record_check(&pair->record, codes, &errors)) {
            talent_reply_errors(call, &errors);
        } else {
            s_commit(self, call, id, stored, &pair->old, &pair->record, "talent.left");
        }
    }
    s_pair_destroy(&pair);
    return 0;
}

//  talent.remove: erasure.
static int s_talent_remove(void *object, const sti_call_t *call)
{
    talent_registry_t *self = (talent_registry_t *)object;
    char id[TALENT_REGISTRY_ID_MAX + 1], err[256];
    if (!talent_reply_codes(call, self->store) ||
        talent_reply_id(call, call->request->body, "id", id)) {
        return 0;
    }
    int64_t version = s_version(call), stored;
    talent_record_t *old = s_record_new();
    if (s_load(self, call, id, NULL, old, &stored) == 0) {
        talent_actor_t actor = talent_reply_actor(call);
        talent_store_rc_t rc = TALENT_STORE_STALE;
        if (version >= 0 && version != stored) {
            snprintf(err, sizeof err, "talent %s is at version %" PRId64 ", not %" PRId64, id,
                     stored, version);
        } else {
            rc = talent_store_remove(self->store, id, stored, old, &actor, err, sizeof err);
        }
        if (rc == TALENT_STORE_OK) {
            sti_info("talent: %s removed", id);
            sti_writer_reset(call->reply);
            sti_envelope_reply_ok(call->reply, call->request->id);
            sti_writer_map(call->reply, 2);
            sti_writer_kv_str(call->reply, "id", id);
            sti_writer_kv_bool(call->reply, "removed", true);
        } else {
            talent_reply_store(call, rc, "", err);
        }
    }
    s_record_destroy(&old);
    return 0;
}

//  What an import has answered so far.
typedef struct {
    sti_writer_t *errors; // {index, field, reason} of refused rows
    size_t details;       // entries in errors
    sti_writer_t *ids;    // {index, id} of registered rows
    size_t accepted;      // rows registered
    size_t replayed;      // of them, registered before under the same request_id#index
    bool failed;          // Redis failed for some row
} s_import_t;

//  Imports row index of an import request, keyed by request_id#index.
static void s_import_row(talent_registry_t *self, const sti_call_t *call,
                         const talent_codes_t *codes, sti_node_t row, size_t index,
                         const char *request_id, s_import_t *import)
{
    talent_record_t *record = s_record_new();
    talent_errors_t decode_errors;
    char key[STI_ID_MAX + 32], id[TALENT_REGISTRY_ID_MAX + 1] = "", err[256], reason[128];
    talent_store_rc_t rc = TALENT_STORE_FAILED;
    if (talent_record_decode_node(row, codes, TALENT_DECODE_FULL, record, &decode_errors) != 0) {
        for (size_t e = 0; e < decode_errors.count; e++) {
            sti_envelope_detail(import->errors, (int64_t)index, decode_errors.items[e].field,
                                decode_errors.items[e].reason);
            import->details++;
        }
    } else {
        snprintf(key, sizeof key, "%s#%zu", request_id, index);
        rc = s_add(self, call, record, key, id, err, sizeof err);
        if (rc == TALENT_STORE_OK || rc == TALENT_STORE_REPLAYED) {
            sti_writer_map(import->ids, 2);
            sti_writer_kv_int(import->ids, "index", (int64_t)index);
            sti_writer_kv_str(import->ids, "id", id);
            import->accepted++;
            import->replayed += rc == TALENT_STORE_REPLAYED;
        } else {
            bool duplicate = rc == TALENT_STORE_DUPLICATE;
            snprintf(reason, sizeof reason, "registered already as %s", id);
            sti_envelope_detail(import->errors, (int64_t)index, duplicate ? "id_number" : "row",
                                duplicate ? reason : err);
            import->details++;
            import->failed = import->failed || rc == TALENT_STORE_FAILED;
        }
    }
    s_record_destroy(&record);
}

//  talent.import: each row on its own.
static int s_talent_import(void *object, const sti_call_t *call)
{
    talent_registry_t *self = (talent_registry_t *)object;
    const sti_request_t *request = call->request;
    sti_node_t rows = sti_node_get(request->body, "rows");
    char request_id[STI_ID_MAX + 1];
    sti_field_error_t err;
    snprintf(request_id, sizeof request_id, "%s", request->id);
    if (!sti_node_is_missing(sti_node_get(request->body, "request_id"))) {
        sti_map_str_copy(request->body, "request_id", request_id, sizeof request_id, &err);
    }
    size_t count = sti_node_size(rows);
    if (count > TALENT_IMPORT_MAX) {
        char message[96];
        snprintf(message, sizeof message, "rows: %zu rows, at most %d a request", count,
                 TALENT_IMPORT_MAX);
        talent_reply_error(call, STI_ERR_TOO_LARGE, message);
        return 0;
    }
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    if (!codes) {
        return 0;
    }
    s_import_t import = {sti_writer_new(), 0, sti_writer_new(), 0, 0, false};
    for (size_t i = 0; i < count; i++) {
        s_import_row(self, call, codes, sti_node_at(rows, i), i, request_id, &import);
    }
    size_t errors_size, ids_size;
    const void *errors_data = sti_writer_data(import.errors, &errors_size);
    const void *ids_data = sti_writer_data(import.ids, &ids_size);
    sti_writer_t *reply = call->reply;
    sti_writer_reset(reply);
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 5);
    sti_writer_kv_int(reply, "accepted", (int64_t)import.accepted);
    sti_writer_kv_int(reply, "rejected", (int64_t)(count - import.accepted));
    sti_writer_kv_int(reply, "replayed", (int64_t)import.replayed);
    sti_writer_str(reply, "errors");
    sti_writer_array(reply, import.details);
    sti_writer_raw(reply, errors_data, errors_size);
    sti_writer_str(reply, "ids");
    sti_writer_array(reply, import.accepted);
    sti_writer_raw(reply, ids_data, ids_size);
    sti_writer_destroy(&import.errors);
    sti_writer_destroy(&import.ids);
    if (import.failed) {
        sti_warn("talent: import %s: some rows could not be kept (Redis)", request_id);
    }
    return 0;
}

//  --- the declarations ---

// clang-format off
#define S_ID_ARG                                                                                   \
    {"id", STI_ARG_STR, STI_REQUIRED, 1, TALENT_REGISTRY_ID_MAX, NULL,                             \
     "the talent's registry id (T000001): A-Z a-z 0-9 _ -"}
// clang-format on
#define S_VERSION_DOC "the version the caller read: a stale one is a conflict"

//  A channel: {kind, station?}.
static const sti_arg_t s_channel_keys[] = {
    {"kind", STI_ARG_STR, STI_REQUIRED, 0, 0, NULL, "a channel code of the plan's talent.json"},
    {"station", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 1, 128, NULL,
     "the station's name, text of 1 to 128 bytes, exactly when the channel requires one; nil: "
     "none"},
    STI_ARGS_END,
};

//  The keys of a RECORD; REQ is STI_REQUIRED for a whole record, STI_OPTIONAL for a change.
// clang-format off
#define S_RECORD_KEYS(REQ)                                                                         \
    {"name", STI_ARG_STR, REQ, 1, TALENT_PERSON_NAME_MAX, NULL,                                    \
     "the name as the person writes it: text, not blank"},                                         \
    {"gender", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL, "male, female or other; nil: not given"},    \
    {"birth_year", STI_ARG_INT | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL,                                          \
     "an integer from 1900 to this year - 14, matching a resident id's birth date; nil: not "      \
     "given"},                                                                                     \
    {"id_type", STI_ARG_STR, REQ, 0, 0, NULL,                                                      \
     "resident (居民身份证), passport or other; sent with id_number"},                             \
    {"id_number", STI_ARG_STR, REQ, 0, TALENT_DOCUMENT_MAX, NULL,                                  \
     "resident: GB 11643 with its check digit; passport: 5-20 of A-Z 0-9; other: 4-32 of A-Z "     \
     "0-9 - (upper-cased first); sent with id_type"},                                              \
    {"phone", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL,                                               \
     "a mainland mobile number or +E.164; nil: none"},                                             \
    {"email", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 254, NULL, "an address of at most 254 bytes; nil: none"},\
    {"category", STI_ARG_STR, REQ, 0, 0, NULL, "a level code of the plan's talent.json"},          \
    {"field", STI_ARG_STR, REQ, 0, 0, NULL, "a field code of the plan's talent.json"},             \
    {"employer", STI_ARG_MAP | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL,                                            \
     "{name: text of 1 to 200 bytes, uscc?: a GB 32100 credit code}; nil: none"},                  \
    {"channel", STI_ARG_MAP, REQ, 0, 0, s_channel_keys, "how the talent was recruited"},           \
    {"overseas", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL, "an overseas returnee (default false)"},  \
    {"arrived", STI_ARG_STR, REQ, 0, 0, NULL,                                                      \
     "YYYY-MM-DD, a real date from 1950-01-01 to tomorrow (UTC)"},                                 \
    {"status", STI_ARG_STR, STI_OPTIONAL, 0, 0, NULL, "active (default) or left"},                 \
    {"left_on", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL,                                             \
     "YYYY-MM-DD, exactly when status is left, not before arrived; nil: none"},                    \
    {"notes", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 2000, NULL,                                               \
     "text of at most 2000 bytes, new lines allowed; nil: none"},                                  \
    STI_ARGS_END
// clang-format on

static const sti_arg_t s_record_args[] = {S_RECORD_KEYS(STI_REQUIRED)};
static const sti_arg_t s_change_keys[] = {S_RECORD_KEYS(STI_OPTIONAL)};

static const sti_arg_t s_get_args[] = {S_ID_ARG, STI_ARGS_END};

static const sti_arg_t s_update_args[] = {
    S_ID_ARG,
    {"version", STI_ARG_INT, STI_REQUIRED, 1, INT64_MAX, NULL, S_VERSION_DOC},
    {"set", STI_ARG_MAP, STI_REQUIRED, 0, 0, s_change_keys,
     "the keys that change (a partial RECORD): nil clears an optional one"},
    STI_ARGS_END,
};

static const sti_arg_t s_leave_args[] = {
    S_ID_ARG,
    {"left_on", STI_ARG_STR, STI_REQUIRED, 0, 0, NULL,
     "YYYY-MM-DD, a real date, not before arrived"},
    {"version", STI_ARG_INT, STI_OPTIONAL, 1, INT64_MAX, NULL, S_VERSION_DOC},
    STI_ARGS_END,
};

static const sti_arg_t s_remove_args[] = {
    S_ID_ARG,
    {"version", STI_ARG_INT, STI_OPTIONAL, 1, INT64_MAX, NULL, S_VERSION_DOC},
    STI_ARGS_END,
};

static const sti_arg_t s_import_args[] = {
    {"rows", STI_ARG_ARRAY, STI_REQUIRED, 0, 0, NULL,
     "the talents, each a RECORD checked on its own (at most 1000, else too_large)"},
    {"request_id", STI_ARG_STR, STI_OPTIONAL, 0, STI_ID_MAX, NULL,
     "makes a retry safe (default: the envelope's id)"},
    STI_ARGS_END,
};

static const sti_arg_t s_reveal_args[] = {
    S_ID_ARG,
    {"reason", STI_ARG_STR, STI_REQUIRED, 1, TALENT_REASON_MAX, NULL,
     "why the data is needed in clear: UTF-8 text without control characters, not blank"},
    STI_ARGS_END,
};

#define S_WRITE (STI_ROLE_OFFICER | STI_OP_WRITE)

static const sti_op_decl_t s_ops[] = {
    {"talent.add", s_talent_add, S_WRITE, s_record_args,
     "registers a talent: every field checked, the document number, phone and e-mail sealed",
     "MASKED: the RECORD with id (T000001, ...) and version 1, every key present (absent ones "
     "nil), id_number, phone and email masked",
     "The body is a RECORD (docs/talent.md, \"The record\"): `{name, gender?, birth_year?, "
     "id_type, id_number, phone?, email?, category, field, employer?: {name, uscc?}, channel: "
     "{kind, station?}, overseas?, arrived, status?, left_on?, notes?}`; an optional key may be "
     "nil. Every answer of sti.talent shows a record MASKED: `id` and `version` added, every key "
     "present (absent ones nil), `id_number`, `phone` and `email` masked (`3301**********1234`, "
     "`138****5678`, `z***@example.com`); only `talent.reveal` shows them in clear. Every read "
     "and change of a record is written to its audit log (`talent.audit`). The content of the "
     "fields is checked all at once: `invalid_argument` with one detail `{index: -1, field, "
     "reason}` per problem (`id_number: check digit is 4, expected 3`, `employer.uscc: ...`, "
     "`channel.station: ...`). `conflict` when the document is registered: the message and a "
     "detail `{field: id_number, reason: \"registered already as T000001\"}`. A retried request "
     "(the same envelope id, within a day) answers the record it made and registers nothing. "
     "The codes (levels, fields, channels) are those of the plan's talent.json as the catalog "
     "in Redis holds it: until a plan with them is loaded (`stictl plan load`), this op and "
     "every other of sti.talent but talent.audit, talent.rekey and events.since answer "
     "`not_found`."},
    {"talent.get", s_talent_get, STI_ROLE_OFFICER, s_get_args,
     "one talent, masked; the read is written to its audit log", "MASKED (as talent.add)",
     "Errors: `not_found`; `unavailable` when the read cannot be written to the audit log "
     "(nothing is answered then)."},
    {"talent.update", s_talent_update, S_WRITE, s_update_args,
     "changes some fields of a talent at the version read", "MASKED at version + 1",
     "`set` is a partial RECORD (talent.add): the keys given change, nil clears an optional "
     "one, `id_type` and `id_number` come together; its errors are named `set.<key>`. The "
     "checks across fields run on the merged record. The event is `talent.left` when the "
     "status becomes left, else `talent.updated`. Errors: `conflict` when `version` is not the "
     "stored one (`talent T000003 is at version 2, not 1`) or the new document is another "
     "record's (a detail on `id_number`); `invalid_argument`; `not_found`."},
    {"talent.leave", s_talent_leave, S_WRITE, s_leave_args,
     "records that a talent has left the programme", "MASKED, status: left",
     "Without `version`, the stored one. Errors: `conflict` (a stale version, or left already: "
     "`talent T000002 has left already, on 2024-06-30`); `invalid_argument` (`left_on` not a "
     "real date, or before `arrived`); `not_found`."},
    {"talent.remove", s_talent_remove, S_WRITE, s_remove_args,
     "erases a talent: the record, its sealed fields, its document hash, its index entries, its "
     "team memberships",
     "{id, removed: true}",
     "Left behind by design: the record's audit log (the id and who did what when) and its "
     "events in the `tal` log (the id and the non-personal fields). Erasing a talent takes it "
     "out of its teams (a team whose leader was erased shows `leader: \"\"` until it is "
     "updated). Without `version`, the stored one. Errors: `not_found`; `conflict` (a stale "
     "version)."},
    {"talent.import", s_talent_import, S_WRITE | STI_ROLE_CLERK, s_import_args,
     "registers many talents, each row on its own",
     "{accepted, rejected, replayed, errors: [{index, field, reason}], ids: [{index, id}]}",
     "`index` counts rows from 0; a refused row does not stop the others; a duplicate document "
     "is `{field: id_number, reason: \"registered already as T...\"}`. The same `request_id` "
     "again registers nothing twice (each row is keyed by `request_id#index`, for a day) and "
     "answers the ids it made, counted in `replayed` as well as in `accepted`. Errors: `too_large` "
     "(more than 1000 rows), `invalid_argument` "
     "(the body)."},
    {"talent.reveal", s_talent_reveal, STI_ROLE_OFFICER | STI_OP_LISTED_ONLY, s_reveal_args,
     "a talent's document number, phone and e-mail in clear, for a stated reason",
     "{id, version, name, id_type, id_number, phone, email} in clear (phone, email nil when not "
     "given)",
     "For officers only: admin is not implied, so a stack without CURVE, whose caller is "
     "`local`/admin, cannot reveal. The audit entry (the caller's name, key and reason) is "
     "written before the answer; if it cannot be, the answer is `unavailable`. Errors: "
     "`forbidden` (any role but officer), `invalid_argument` (`reason`), `not_found`."},
    STI_OPS_END,
};

const sti_op_table_t talent_registry_ops = {"talent_registry", s_ops};
