/*  notify_ops: the request ops of sti.notify. See notify_ops.h.

    The frame hands every handler the service's ctx, which is the
    configuration struct; the ops' own state is bound once at start
    (notify_ops_bind), as there is one per process.
*/
#include "notify_ops.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_queue.h"
#include "notify_queue_list.h"
#include "notify_receiver.h"
#include "notify_rule_store.h"
#include "sti_auth.h"
#include "sti_catalog_store.h"

#define S_LIST_DEFAULT 100 // deliveries listed when no limit is given
#define S_LIST_MAX 1000    // most deliveries one listing holds

struct _notify_ops_t {
    sti_redis_t *redis;           // borrowed
    notify_rule_store_t *store;        // rules and silences
    notify_queue_t *queue;        // re-drive
    sti_catalog_store_t *catalog; // to check indicator codes
    sti_writer_t *value;          // scratch
};

static notify_ops_t *s_ops;

notify_ops_t *notify_ops_new(sti_redis_t *redis)
{
    notify_ops_t *self = calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->store = notify_rule_store_new(redis);
    self->queue = notify_queue_new(redis, 0);
    self->catalog = sti_catalog_store_new(redis);
    self->value = sti_writer_new();
    return self;
}

void notify_ops_destroy(notify_ops_t **self_p)
{
    assert(self_p);
    notify_ops_t *self = *self_p;
    if (self) {
        notify_rule_store_destroy(&self->store);
        notify_queue_destroy(&self->queue);
        sti_catalog_store_destroy(&self->catalog);
        sti_writer_destroy(&self->value);
        if (s_ops == self) {
            s_ops = NULL;
        }
        free(self);
        *self_p = NULL;
    }
}

void notify_ops_bind(notify_ops_t *self)
{
    s_ops = self;
}

static int s_unavailable(sti_writer_t *reply, const sti_request_t *request)
{
    sti_writer_reset(reply);
    sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                             "Redis cannot be reached now; try again", NULL, 0);
    return 0;
}

static int s_invalid(sti_writer_t *reply, const sti_request_t *request, const char *field,
                     const char *reason)
{
    sti_field_error_t err;
    snprintf(err.field, sizeof err.field, "%s", field);
    snprintf(err.reason, sizeof err.reason, "%s", reason);
    sti_service_reply_invalid(reply, request, &err);
    return 0;
}

//  Checks the rule's codes against the catalog. Returns 0, or -1 with err.
static int s_check_catalog(notify_ops_t *self, const notify_rule_t *rule, sti_field_error_t *err)
{
    if (rule->indicator_count == 0 && !*rule->prefix && rule->org_count == 0) {
        return 0;
    }
    sti_errcode_t code;
    char reason[256];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, &code, reason, sizeof reason);
    if (!catalog) {
        snprintf(err->field, sizeof err->field, rule->indicator_count ? "indicators" : "orgs");
        snprintf(err->reason, sizeof err->reason, "cannot be checked: %.120s", reason);
        return -1;
    }
    for (size_t i = 0; i < rule->indicator_count; i++) {
        if (!sti_catalog_indicator_find(catalog, rule->indicators[i])) {
            snprintf(err->field, sizeof err->field, "indicators");
            snprintf(err->reason, sizeof err->reason, "unknown indicator '%s'", rule->indicators[i]);
            return -1;
        }
    }
    bool found = !*rule->prefix;
    for (size_t i = 0; !found && i < sti_catalog_indicator_count(catalog); i++) {
        found = strncmp(sti_catalog_indicator_at(catalog, i)->code, rule->prefix,
                        strlen(rule->prefix)) == 0;
    }
    if (!found) {
        snprintf(err->field, sizeof err->field, "prefix");
        snprintf(err->reason, sizeof err->reason, "no indicator starts with '%s'", rule->prefix);
        return -1;
    }
    for (size_t i = 0; !notify_rule_talent(rule) && i < rule->org_count; i++) {
        if (!sti_catalog_org_find(catalog, rule->orgs[i])) {
            snprintf(err->field, sizeof err->field, "orgs");
            snprintf(err->reason, sizeof err->reason, "unknown org unit '%s'", rule->orgs[i]);
            return -1;
        }
    }
    return 0;
}

static void s_reply_id(sti_writer_t *reply, const sti_request_t *request, const char *id)
{
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 1);
    sti_writer_kv_str(reply, "id", id);
}

static int s_rule_add(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    (void)ctx;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    assert(rule);
    sti_field_error_t err;
    int rc = 0;
    if (notify_rule_read(request->body, rule, &err) != 0 || s_check_catalog(s_ops, rule, &err)) {
        sti_service_reply_invalid(reply, request, &err);
    } else if (*rule->id || rule->created_ms) {
        s_invalid(reply, request, *rule->id ? "id" : "created", "is given by the service");
    } else if (notify_rule_store_rule_add(s_ops->store, rule, zclock_time(), request->id) != 0) {
        rc = s_unavailable(reply, request);
    } else {
        s_reply_id(reply, request, rule->id);
    }
    free(rule);
    return rc;
}

//  Reads {id} from the body into id. Returns 0, or -1 after replying.
static int s_read_id(const sti_request_t *request, sti_writer_t *reply, char *id, size_t cap)
{
    static const char *const keys[] = {"id", NULL};
    sti_field_error_t err;
    if (sti_node_type(request->body) != STI_TYPE_MAP || sti_map_only(request->body, keys, &err) ||
        sti_map_str_copy(request->body, "id", id, cap, &err)) {
        if (sti_node_type(request->body) != STI_TYPE_MAP) {
            snprintf(err.field, sizeof err.field, "body");
            snprintf(err.reason, sizeof err.reason, "must be a map {id}");
        }
        sti_service_reply_invalid(reply, request, &err);
        return -1;
    }
    return 0;
}

static int s_not_found(sti_writer_t *reply, const sti_request_t *request, const char *what,
                       const char *id)
{
    char message[256];
    snprintf(message, sizeof message, "no %s %s", what, id);
    sti_writer_reset(reply);
    sti_envelope_reply_error(reply, request->id, STI_ERR_NOT_FOUND, message, NULL, 0);
    return 0;
}

static int s_rule_list(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                       void *ctx)
{
    (void)service;
    (void)ctx;
    if (notify_rule_store_refresh(s_ops->store) != 0) {
        return s_unavailable(reply, request);
    }
    size_t count = notify_rule_store_rule_count(s_ops->store);
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 1);
    sti_writer_str(reply, "rules");
    sti_writer_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        notify_rule_write(notify_rule_store_rule_at(s_ops->store, i), reply, true);
    }
    return 0;
}

static int s_rule_get(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx)
{
    (void)service;
    (void)ctx;
    char id[NOTIFY_RULE_ID_MAX];
    if (s_read_id(request, reply, id, sizeof id) != 0) {
        return 0;
    }
    if (notify_rule_store_refresh(s_ops->store) != 0) {
        return s_unavailable(reply, request);
    }
    const notify_rule_t *rule = notify_rule_store_rule_find(s_ops->store, id);
    if (!rule) {
        return s_not_found(reply, request, "rule", id);
    }
    sti_envelope_reply_ok(reply, request->id);
    notify_rule_write(rule, reply, true);
    return 0;
}

//  rule.remove and silence.remove.
static int s_remove(const sti_request_t *request, sti_writer_t *reply, bool rule)
{
    char id[NOTIFY_RULE_ID_MAX];
    bool removed = false;
    if (s_read_id(request, reply, id, sizeof id) != 0) {
        return 0;
    }
    int rc = rule ? notify_rule_store_rule_remove(s_ops->store, id, &removed)
                  : notify_rule_store_silence_remove(s_ops->store, id, &removed);
    if (rc != 0) {
        return s_unavailable(reply, request);
    }
    if (!removed) {
        return s_not_found(reply, request, rule ? "rule" : "silence", id);
    }
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 1);
    sti_writer_kv_bool(reply, "removed", true);
    return 0;
}

static int s_rule_remove(sti_service_t *service, const sti_request_t *request,
                         sti_writer_t *reply, void *ctx)
{
    (void)service;
    (void)ctx;
    return s_remove(request, reply, true);
}

static int s_silence_remove(sti_service_t *service, const sti_request_t *request,
                            sti_writer_t *reply, void *ctx)
{
    (void)service;
    (void)ctx;
    return s_remove(request, reply, false);
}

static int s_silence_add(sti_service_t *service, const sti_request_t *request,
                         sti_writer_t *reply, void *ctx)
{
    (void)service;
    (void)ctx;
    notify_silence_t silence;
    sti_field_error_t err;
    int64_t now = zclock_time();
    if (notify_silence_read(request->body, &silence, &err) != 0) {
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    if (*silence.id || silence.created_ms) {
        return s_invalid(reply, request, *silence.id ? "id" : "created", "is given by the service");
    }
    if (silence.ends_at_ms <= now) {
        return s_invalid(reply, request, "ends_at", "must lie in the future");
    }
    if (*silence.rule) {
        if (notify_rule_store_refresh(s_ops->store) != 0) {
            return s_unavailable(reply, request);
        }
        if (!notify_rule_store_rule_find(s_ops->store, silence.rule)) {
            return s_invalid(reply, request, "rule", "no such rule");
        }
    }
    if (notify_rule_store_silence_add(s_ops->store, &silence, now, request->id) != 0) {
        return s_unavailable(reply, request);
    }
    s_reply_id(reply, request, silence.id);
    return 0;
}

static int s_silence_list(sti_service_t *service, const sti_request_t *request,
                          sti_writer_t *reply, void *ctx)
{
    (void)service;
    (void)ctx;
    if (notify_rule_store_refresh(s_ops->store) != 0) {
        return s_unavailable(reply, request);
    }
    size_t count = notify_rule_store_silence_count(s_ops->store);
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 1);
    sti_writer_str(reply, "silences");
    sti_writer_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        notify_silence_write(notify_rule_store_silence_at(s_ops->store, i), reply);
    }
    return 0;
}

//  The rows of a listing, written as they come.
typedef struct {
    sti_writer_t *writer; // the rows' maps, without the array header
    size_t count;         // how many
} s_rows_t;

//  Writes one delivery's map, its receiver's secret masked.
static void s_row(const notify_delivery_row_t *row, void *arg)
{
    s_rows_t *rows = arg;
    sti_writer_t *out = rows->writer;
    notify_receiver_t receiver;
    char err[256], shown[NOTIFY_TARGET_MAX + 64];
    sti_writer_map(out, 11);
    sti_writer_kv_str(out, "id", row->id);
    sti_writer_kv_str(out, "rule", row->rule);
    sti_writer_kv_str(out, "rule_name", row->rule_name);
    sti_writer_kv_str(out, "receiver",
                      notify_receiver_parse(row->receiver, &receiver, err, sizeof err) == 0
                          ? notify_receiver_describe(&receiver, shown, sizeof shown)
                          : "(unreadable)");
    sti_writer_kv_str(out, "state", row->state);
    sti_writer_kv_int(out, "attempts", row->attempts);
    sti_writer_kv_str(out, "last_error", row->last_error);
    sti_writer_kv_int(out, "last_status", row->last_status);
    sti_writer_kv_int(out, "created", row->created);
    sti_writer_kv_int(out, "updated", row->updated);
    sti_writer_kv_str(out, "label", row->label);
    rows->count++;
}

static int s_delivery_list(sti_service_t *service, const sti_request_t *request,
                           sti_writer_t *reply, void *ctx)
{
    (void)service;
    (void)ctx;
    static const char *const keys[] = {"failed", "rule", "limit", NULL};
    sti_node_t body = request->body;
    sti_field_error_t err = {"body", "must be a map {failed, rule, limit}"};
    bool failed = false;
    char rule[NOTIFY_RULE_ID_MAX] = "";
    int64_t limit = S_LIST_DEFAULT;
    bool is_map = sti_node_type(body) == STI_TYPE_MAP;
    if (!is_map || sti_map_only(body, keys, &err) ||
        (!sti_node_is_missing(sti_node_get(body, "failed")) &&
         sti_map_bool(body, "failed", &failed, &err)) ||
        (!sti_node_is_missing(sti_node_get(body, "rule")) &&
         sti_map_str_copy(body, "rule", rule, sizeof rule, &err)) ||
        (!sti_node_is_missing(sti_node_get(body, "limit")) &&
         sti_map_int(body, "limit", &limit, &err))) {
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    if (limit < 1 || limit > S_LIST_MAX) {
        return s_invalid(reply, request, "limit", "must be from 1 to 1000");
    }
    sti_writer_reset(s_ops->value);
    s_rows_t rows = {s_ops->value, 0};
    if (notify_queue_list(s_ops->redis, failed, *rule ? rule : NULL, (size_t)limit, s_row,
                          &rows) < 0) {
        return s_unavailable(reply, request);
    }
    size_t size;
    const void *data = sti_writer_data(s_ops->value, &size);
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 1);
    sti_writer_str(reply, "deliveries");
    sti_writer_array(reply, rows.count);
    sti_writer_raw(reply, data, size);
    return 0;
}

static int s_delivery_retry(sti_service_t *service, const sti_request_t *request,
                            sti_writer_t *reply, void *ctx)
{
    (void)service;
    (void)ctx;
    char id[NOTIFY_DELIVERY_ID_MAX + 1];
    if (s_read_id(request, reply, id, sizeof id) != 0) {
        return 0;
    }
    int rc = notify_queue_redrive(s_ops->queue, id, zclock_time());
    if (rc == -2) {
        return s_unavailable(reply, request);
    }
    if (rc == -1) {
        return s_not_found(reply, request, "delivery", id);
    }
    if (rc == 0) {
        sti_writer_reset(reply);
        sti_envelope_reply_error(reply, request->id, STI_ERR_CONFLICT,
                                 "the delivery is not a dead letter", NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 2);
    sti_writer_kv_str(reply, "id", id);
    sti_writer_kv_bool(reply, "requeued", true);
    return 0;
}

//  Changing rules and silences and re-sending dead letters: admin only.
static const sti_op_t s_table[] = {
    {"rule.add", s_rule_add, STI_OP_WRITE},
    {"rule.list", s_rule_list, STI_ROLES_ANY},
    {"rule.get", s_rule_get, STI_ROLES_ANY},
    {"rule.remove", s_rule_remove, STI_OP_WRITE},
    {"silence.add", s_silence_add, STI_OP_WRITE},
    {"silence.list", s_silence_list, STI_ROLES_ANY},
    {"silence.remove", s_silence_remove, STI_OP_WRITE},
    {"delivery.list", s_delivery_list, STI_ROLES_ANY},
    {"delivery.retry", s_delivery_retry, STI_OP_WRITE},
    {NULL, NULL, 0},
};

const sti_op_t *notify_ops_table(void)
{
    return s_table;
}
