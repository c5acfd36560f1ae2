/*  notify_reply: the shared answers. See notify_reply.h.
 */
#include "notify_reply.h"

#include <stdio.h>

int notify_reply_unavailable(const sti_call_t *call)
{
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE,
                             "Redis cannot be reached now; try again", NULL, 0);
    return 0;
}

int notify_reply_not_found(const sti_call_t *call, const char *what, const char *id)
{
    char message[256];
    snprintf(message, sizeof message, "no %s %s", what, id);
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, message, NULL, 0);
    return 0;
}

int notify_reply_invalid(const sti_call_t *call, const char *field, const char *reason)
{
    sti_field_error_t err;
    snprintf(err.field, sizeof err.field, "%s", field);
    snprintf(err.reason, sizeof err.reason, "%s", reason);
    sti_envelope_reply_invalid(call->reply, call->request->id, &err);
    return 0;
}

int notify_reply_id(const sti_call_t *call, const char *id)
{
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_kv_str(call->reply, "id", id);
    return 0;
}

notify_audit_t notify_reply_audit(const sti_call_t *call, const char *op)
{
    const sti_identity_t *caller = call->caller;
    return (notify_audit_t){op, caller->name, caller->role, caller->via, call->request->id};
}
