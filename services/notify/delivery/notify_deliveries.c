/*  notify_deliveries: the delivery ops. See notify_deliveries.h.

    A listing's rows are written as the store hands them over, into a
    scratch writer, and the reply gets the array header once their count is
    known. The frame has checked each body against its declaration below.
*/
#include "notify_deliveries.h"

#include <assert.h>
#include <czmq.h>
#include <stdlib.h>

#include "notify_queue_list.h"
#include "notify_rule.h"
#include "notify_receiver.h"
#include "notify_reply.h"

#define S_LIST_DEFAULT 100 // deliveries listed when no limit is given
#define S_LIST_MAX 1000    // most deliveries one listing holds

struct _notify_deliveries_t {
    notify_queue_t *queue; // re-drive (borrowed)
    sti_redis_t *redis;    // the listing's reads (borrowed)
    sti_writer_t *rows;    // a listing's rows, without the array header
    size_t count;          // how many rows it holds
};

notify_deliveries_t *notify_deliveries_new(notify_queue_t *queue, sti_redis_t *redis)
{
    notify_deliveries_t *self = calloc(1, sizeof *self);
    assert(self);
    self->queue = queue;
    self->redis = redis;
    self->rows = sti_writer_new();
    return self;
}

void notify_deliveries_destroy(notify_deliveries_t **self_p)
{
    assert(self_p);
    notify_deliveries_t *self = *self_p;
    if (self) {
        sti_writer_destroy(&self->rows);
        free(self);
        *self_p = NULL;
    }
}

//  Writes one delivery's map, its receiver's secret masked.
static void s_row(const notify_delivery_row_t *row, void *arg)
{
    notify_deliveries_t *self = arg;
    sti_writer_t *out = self->rows;
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
    self->count++;
}

static int s_delivery_list(void *object, const sti_call_t *call)
{
    notify_deliveries_t *self = object;
    sti_node_t body = call->request->body;
    sti_field_error_t err;
    bool failed = false;
    char rule[NOTIFY_RULE_ID_MAX] = "";
    int64_t limit = S_LIST_DEFAULT;
    if (!sti_node_is_missing(sti_node_get(body, "failed"))) {
        sti_map_bool(body, "failed", &failed, &err);
    }
    if (!sti_node_is_missing(sti_node_get(body, "limit"))) {
        sti_map_int(body, "limit", &limit, &err);
    }
    if (!sti_node_is_missing(sti_node_get(body, "rule")) &&
        sti_map_str_copy(body, "rule", rule, sizeof rule, &err) != 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &err);
        return 0;
    }
    sti_writer_reset(self->rows);
    self->count = 0;
    if (notify_queue_list(self->redis, failed, *rule ? rule : NULL, (size_t)limit, s_row, self) <
        0) {
        return notify_reply_unavailable(call);
    }
    size_t size;
    const void *rows = sti_writer_data(self->rows, &size);
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_str(call->reply, "deliveries");
    sti_writer_array(call->reply, self->count);
    sti_writer_raw(call->reply, rows, size);
    return 0;
}

static int s_delivery_retry(void *object, const sti_call_t *call)
{
    notify_deliveries_t *self = object;
    char id[NOTIFY_DELIVERY_ID_MAX + 1];
    sti_field_error_t err;
    if (sti_map_str_copy(call->request->body, "id", id, sizeof id, &err) != 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &err);
        return 0;
    }
    int rc = notify_queue_redrive(self->queue, id, zclock_time());
    if (rc == -2) {
        return notify_reply_unavailable(call);
    }
    if (rc == -1) {
        return notify_reply_not_found(call, "delivery", id);
    }
    if (rc == 0) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_CONFLICT,
                                 "the delivery is not a dead letter", NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 2);
    sti_writer_kv_str(call->reply, "id", id);
    sti_writer_kv_bool(call->reply, "requeued", true);
    return 0;
}

static const sti_arg_t s_list_args[] = {
    {"failed", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL,
     "only the failed ones: the dead letters, then those still retrying"},
    {"rule", STI_ARG_STR, STI_OPTIONAL, 0, NOTIFY_RULE_ID_MAX - 1, NULL,
     "only this rule's (its id; \"\": every rule's)"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, S_LIST_MAX, NULL, "at most this many (default 100)"},
    STI_ARGS_END,
};

static const sti_arg_t s_retry_args[] = {
    {"id", STI_ARG_STR, STI_REQUIRED, 0, NOTIFY_DELIVERY_ID_MAX, NULL, "the delivery's id"},
    STI_ARGS_END,
};

//  Listing: every role; re-sending a dead letter: admin only.
static const sti_op_decl_t s_ops[] = {
    {"delivery.list", s_delivery_list, STI_ROLES_ANY, s_list_args,
     "lists deliveries (one alert to one receiver each), newest first",
     "{deliveries: [{id, rule, rule_name, receiver, state, attempts, last_error, last_status, "
     "created, updated, label}]}",
     "`state` is queued, retrying, delivered, dead or silenced; `receiver` has its secret "
     "masked (`#***`); `label` says what the alert is about (`hitech_enterprises/linping/2023`, "
     "`group <gid>: 3 events`); `created` and `updated` in ms since 1970; `last_status` is the "
     "last HTTP or SMTP code (0: none). Delivered and silenced deliveries are listed for "
     "`retention_ms`; dead letters until they are re-driven. At most 10,000 entries are looked "
     "at. Errors: `unavailable`. docs/notify.md, \"The delivery queue\"."},
    {"delivery.retry", s_delivery_retry, STI_OP_WRITE, s_retry_args,
     "queues a dead letter again under the same id", "{id, requeued: true}",
     "Its attempt and age limits start again; `attempts` keeps counting. Errors: `not_found` "
     "(`no delivery ID`), `conflict` when it is not a dead letter, `unavailable`."},
    STI_OPS_END,
};

const sti_op_table_t notify_deliveries_ops = {"notify_deliveries", s_ops};
