/*  indicators_dataset: see indicators_dataset.h.

    The frame checks the bodies against the declarations at the end of
    this file; what a reason may hold beyond its length (no control
    characters, not only spaces) is checked here.
*/
#include "indicators_dataset.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _indicators_dataset_t {
    sti_redis_t *redis;         // borrowed
    sti_dataset_watch_t *watch; // borrowed: what this replica knows
};

indicators_dataset_t *indicators_dataset_new(sti_redis_t *redis, sti_dataset_watch_t *watch)
{
    assert(redis && watch);
    indicators_dataset_t *self = (indicators_dataset_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->watch = watch;
    return self;
}

void indicators_dataset_destroy(indicators_dataset_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  Writes the dataset and this replica's view of it as the reply body.
static void s_write(indicators_dataset_t *self, const sti_dataset_t *dataset, sti_writer_t *reply)
{
    char why[STI_DATASET_WHY_MAX];
    bool lost = sti_dataset_watch_lost(self->watch, why, sizeof why);
    sti_writer_map(reply, 7);
    sti_writer_kv_str(reply, "id", dataset->id);
    sti_writer_kv_str(reply, "created", dataset->created);
    sti_writer_kv_str(reply, "previous", dataset->previous);
    sti_writer_kv_str(reply, "reason", dataset->reason);
    sti_writer_kv_str(reply, "by", dataset->by);
    sti_writer_kv_bool(reply, "lost", lost);
    sti_writer_kv_str(reply, "why", why);
}

static int s_unavailable(const sti_call_t *call)
{
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE,
                             "the dataset cannot be read or written now", NULL, 0);
    return 0;
}

static int s_dataset_get(void *object, const sti_call_t *call)
{
    indicators_dataset_t *self = (indicators_dataset_t *)object;
    sti_dataset_t dataset;
    if (sti_dataset_read(self->redis, &dataset) != 0) {
        return s_unavailable(call);
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    s_write(self, &dataset, call->reply);
    return 0;
}

//  True for a reason an audit line can hold: no control characters, not
//  only spaces (its length the frame checked).
static bool s_reason_ok(const char *reason, size_t len, char *why, size_t cap)
{
    bool blank = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)reason[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, cap, "must not hold control characters");
            return false;
        }
        blank = blank && c == ' ';
    }
    if (blank) {
        snprintf(why, cap, "must say why, in 1 to %d bytes", STI_DATASET_REASON_MAX);
        return false;
    }
    return true;
}

static int s_dataset_accept(void *object, const sti_call_t *call)
{
    indicators_dataset_t *self = (indicators_dataset_t *)object;
    sti_field_error_t ferr = {"reason", ""};
    char reason[STI_DATASET_REASON_MAX + 1];
    if (sti_map_str_copy(call->request->body, "reason", reason, sizeof reason, &ferr) != 0 ||
        !s_reason_ok(reason, strlen(reason), ferr.reason, sizeof ferr.reason)) {
        snprintf(ferr.field, sizeof ferr.field, "reason");
        sti_envelope_reply_invalid(call->reply, call->request->id, &ferr);
        return 0;
    }
    sti_dataset_t dataset;
    if (sti_dataset_accept_loss(self->redis, reason, call->caller->name, &dataset) != 0) {
        return s_unavailable(call);
    }
    //  This replica takes the new id at once; the others within a second.
    sti_dataset_watch_update(self->watch, &dataset);
    sti_envelope_reply_ok(call->reply, call->request->id);
    s_write(self, &dataset, call->reply);
    return 0;
}

int indicators_dataset_init(indicators_dataset_t *self, const sti_call_t *call, char *id,
                            size_t cap)
{
    assert(self && call && id);
    sti_dataset_t dataset;
    if (sti_dataset_init(self->redis, call->caller->name, &dataset) < 0) {
        s_unavailable(call);
        return -1;
    }
    sti_dataset_watch_update(self->watch, &dataset);
    snprintf(id, cap, "%s", dataset.id);
    return 0;
}

static const sti_arg_t s_accept_body[] = {
    {"reason", STI_ARG_STR, STI_REQUIRED, 1, STI_DATASET_REASON_MAX, NULL,
     "why the loss is accepted: kept with the new dataset (no control characters, not only "
     "spaces)"},
    STI_ARGS_END,
};

#define S_DATASET "{id, created, previous, reason, by, lost, why}"

//  dataset.accept_loss is not marked as changing state: it is the way out
//  of a loss, when every other change is refused. Admin only (0).
static const sti_op_decl_t s_ops[] = {
    {"dataset.get", s_dataset_get, STI_ROLES_ANY, NULL,
     "the dataset Redis holds, and whether this replica finds it lost", S_DATASET,
     "`id` is `\"\"` when Redis holds none; `why` says how the answering replica finds it lost. "
     "Errors: `unavailable` (the dataset cannot be read now)."},
    {"dataset.accept_loss", s_dataset_accept, 0, s_accept_body,
     "goes on after Redis lost data, with what it holds: a new dataset", S_DATASET,
     "A new dataset id whose `previous` is the one Redis held, with `reason` and `by` (the "
     "caller) kept with it. Answers while the dataset is lost, when every other change is "
     "refused. [operations.md](operations.md), \"When Redis loses data\". Errors: "
     "`invalid_argument` (a reason with control characters or only spaces), `unavailable` (the "
     "dataset cannot be written now)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_dataset_ops = {"indicators_dataset", s_ops};
