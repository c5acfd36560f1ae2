/*  indicators_dataset: see indicators_dataset.h. */
#include "indicators_dataset.h"

#include <stdio.h>
#include <string.h>

#include "indicators_catalog.h"
#include "sti_codec.h"

//  Writes the dataset and this replica's view of it as the reply body.
static void s_write(sti_service_t *service, const sti_dataset_t *dataset, sti_writer_t *reply)
{
    char why[STI_DATASET_WHY_MAX];
    bool lost = sti_dataset_watch_lost(sti_service_dataset(service), why, sizeof why);
    sti_writer_map(reply, 7);
    sti_writer_kv_str(reply, "id", dataset->id);
    sti_writer_kv_str(reply, "created", dataset->created);
    sti_writer_kv_str(reply, "previous", dataset->previous);
    sti_writer_kv_str(reply, "reason", dataset->reason);
    sti_writer_kv_str(reply, "by", dataset->by);
    sti_writer_kv_bool(reply, "lost", lost);
    sti_writer_kv_str(reply, "why", why);
}

static void s_unavailable(const sti_request_t *request, sti_writer_t *reply)
{
    sti_writer_reset(reply);
    sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                             "the dataset cannot be read or written now", NULL, 0);
}

int indicators_dataset_get(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply)
{
    static const char *const keys[] = {NULL};
    if (indicators_body_check(request, keys, reply)) {
        return 0;
    }
    sti_dataset_t dataset;
    if (sti_dataset_read(sti_service_redis(service), &dataset) != 0) {
        s_unavailable(request, reply);
        return 0;
    }
    sti_envelope_reply_ok(reply, request->id);
    s_write(service, &dataset, reply);
    return 0;
}

//  True for a reason an audit line can hold: 1 to STI_DATASET_REASON_MAX
//  bytes of UTF-8, no control characters, not only spaces.
static bool s_reason_ok(const char *reason, char *why, size_t cap)
{
    size_t len = strlen(reason);
    bool blank = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)reason[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, cap, "must not hold control characters");
            return false;
        }
        blank = blank && c == ' ';
    }
    if (len == 0 || blank || len > STI_DATASET_REASON_MAX) {
        snprintf(why, cap, "must say why, in 1 to %d bytes", STI_DATASET_REASON_MAX);
        return false;
    }
    return true;
}

int indicators_dataset_accept(sti_service_t *service, const sti_request_t *request,
                       sti_writer_t *reply)
{
    static const char *const keys[] = {"reason", NULL};
    if (indicators_body_check(request, keys, reply)) {
        return 0;
    }
    sti_field_error_t ferr = {"reason", ""};
    char reason[STI_DATASET_REASON_MAX * 2];
    if (sti_map_str_copy(request->body, "reason", reason, sizeof reason, &ferr) != 0 ||
        !s_reason_ok(reason, ferr.reason, sizeof ferr.reason)) {
        sti_service_reply_invalid(reply, request, &ferr);
        return 0;
    }
    sti_dataset_t dataset;
    if (sti_dataset_accept_loss(sti_service_redis(service), reason,
                                sti_service_caller(service)->name, &dataset) != 0) {
        s_unavailable(request, reply);
        return 0;
    }
    //  This replica takes the new id at once; the others within a second.
    sti_dataset_watch_update(sti_service_dataset(service), &dataset);
    sti_envelope_reply_ok(reply, request->id);
    s_write(service, &dataset, reply);
    return 0;
}

int indicators_dataset_init(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     char *id, size_t cap)
{
    sti_dataset_t dataset;
    if (sti_dataset_init(sti_service_redis(service), sti_service_caller(service)->name,
                         &dataset) < 0) {
        s_unavailable(request, reply);
        return -1;
    }
    sti_dataset_watch_update(sti_service_dataset(service), &dataset);
    snprintf(id, cap, "%s", dataset.id);
    return 0;
}
