/*  talent_reply: the answers the talent ops share. See talent_reply.h. */
#include "talent_reply.h"

#include <assert.h>
#include <stdio.h>

talent_actor_t talent_reply_actor(const sti_call_t *call)
{
    assert(call && call->caller);
    const sti_identity_t *caller = call->caller;
    talent_actor_t actor = {call->request->op, caller->name[0] ? caller->name : "unknown",
                            call->request->id, caller->key, NULL};
    return actor;
}

void talent_reply_errors(const sti_call_t *call, const talent_errors_t *errors)
{
    assert(call && errors);
    char message[320];
    snprintf(message, sizeof message, "%s: %s%s", errors->count ? errors->items[0].field : "body",
             errors->count ? errors->items[0].reason : "invalid",
             errors->count > 1 || errors->truncated ? " (and more, see details)" : "");
    sti_writer_reset(call->reply);
    sti_envelope_reply_error_begin(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT,
                                   message, errors->count);
    for (size_t i = 0; i < errors->count; i++) {
        sti_envelope_detail(call->reply, -1, errors->items[i].field, errors->items[i].reason);
    }
}

void talent_reply_store(const sti_call_t *call, talent_store_rc_t rc, const char *conflict_id,
                        const char *err)
{
    assert(call && err);
    sti_writer_reset(call->reply);
    if (rc == TALENT_STORE_DUPLICATE) {
        char reason[96];
        snprintf(reason, sizeof reason, "registered already as %s", conflict_id);
        sti_detail_t detail = {-1, "id_number", reason};
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_CONFLICT, err, &detail, 1);
        return;
    }
    sti_errcode_t code = rc == TALENT_STORE_NOT_FOUND ? STI_ERR_NOT_FOUND
                         : rc == TALENT_STORE_STALE   ? STI_ERR_CONFLICT
                                                      : STI_ERR_UNAVAILABLE;
    sti_envelope_reply_error(call->reply, call->request->id, code, err, NULL, 0);
}

void talent_reply_error(const sti_call_t *call, sti_errcode_t code, const char *message)
{
    assert(call && message);
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, code, message, NULL, 0);
}

int talent_reply_id(const sti_call_t *call, sti_node_t body, const char *key,
                    char id[TALENT_REGISTRY_ID_MAX + 1])
{
    assert(call && key && id);
    sti_field_error_t err = {"", ""};
    snprintf(err.field, sizeof err.field, "%s", key);
    if (sti_map_str_copy(body, key, id, TALENT_REGISTRY_ID_MAX + 1, &err) == 0 &&
        talent_check_registry_id(id, err.reason, sizeof err.reason) == 0) {
        return 0;
    }
    sti_writer_reset(call->reply);
    sti_envelope_reply_invalid(call->reply, call->request->id, &err);
    return -1;
}

const talent_codes_t *talent_reply_codes(const sti_call_t *call, talent_store_t *store)
{
    assert(call && store);
    sti_errcode_t code = STI_ERR_INTERNAL;
    char err[512] = "";
    const talent_codes_t *codes = talent_store_codes(store, &code, err, sizeof err);
    if (!codes) {
        talent_reply_error(call, code, err);
    }
    return codes;
}
