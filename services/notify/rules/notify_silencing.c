/*  notify_silencing: the silence ops. See notify_silencing.h.

    The frame has checked each body against its declaration below, so the
    handlers read it without checking its shape again.
*/
#include "notify_silencing.h"

#include <assert.h>
#include <czmq.h>
#include <stdlib.h>

#include "notify_reply.h"

struct _notify_silencing_t {
    notify_rule_store_t *store; // rules and silences (borrowed)
};

notify_silencing_t *notify_silencing_new(notify_rule_store_t *store)
{
    notify_silencing_t *self = calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    return self;
}

void notify_silencing_destroy(notify_silencing_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

static int s_silence_add(void *object, const sti_call_t *call)
{
    notify_silencing_t *self = object;
    notify_silence_t silence;
    sti_field_error_t err;
    int64_t now = zclock_time();
    if (notify_silence_read(call->request->body, &silence, &err) != 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &err);
        return 0;
    }
    if (silence.ends_at_ms <= now) {
        return notify_reply_invalid(call, "ends_at", "must lie in the future");
    }
    if (*silence.rule) {
        if (notify_rule_store_refresh(self->store) != 0) {
            return notify_reply_unavailable(call);
        }
        if (!notify_rule_store_rule_find(self->store, silence.rule)) {
            return notify_reply_invalid(call, "rule", "no such rule");
        }
    }
    notify_audit_t audit = notify_reply_audit(call, "silence.add");
    if (notify_rule_store_silence_add(self->store, &silence, now, &audit) != 0) {
        return notify_reply_unavailable(call);
    }
    return notify_reply_id(call, silence.id);
}

static int s_silence_list(void *object, const sti_call_t *call)
{
    notify_silencing_t *self = object;
    if (notify_rule_store_refresh(self->store) != 0) {
        return notify_reply_unavailable(call);
    }
    size_t count = notify_rule_store_silence_count(self->store);
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_str(call->reply, "silences");
    sti_writer_array(call->reply, count);
    for (size_t i = 0; i < count; i++) {
        notify_silence_write(notify_rule_store_silence_at(self->store, i), call->reply);
    }
    return 0;
}

static int s_silence_remove(void *object, const sti_call_t *call)
{
    notify_silencing_t *self = object;
    char id[NOTIFY_RULE_ID_MAX];
    sti_field_error_t err;
    bool removed = false;
    if (sti_map_str_copy(call->request->body, "id", id, sizeof id, &err) != 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &err);
        return 0;
    }
    notify_audit_t audit = notify_reply_audit(call, "silence.remove");
    if (notify_rule_store_silence_remove(self->store, id, zclock_time(), &audit, &removed) != 0) {
        return notify_reply_unavailable(call);
    }
    if (!removed) {
        return notify_reply_not_found(call, "silence", id);
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_kv_bool(call->reply, "removed", true);
    return 0;
}

static const sti_arg_t s_id_args[] = {
    {"id", STI_ARG_STR, STI_REQUIRED, 0, NOTIFY_RULE_ID_MAX - 1, NULL, "the silence's id: s-<n>"},
    STI_ARGS_END,
};

//  Changing silences: admin only; reading them: every role.
static const sti_op_decl_t s_ops[] = {
    {"silence.add", s_silence_add, STI_OP_WRITE, notify_silence_args,
     "adds a silence: until it ends, the alerts its matchers match are recorded (a delivery in "
     "state silenced), not sent",
     "{id}",
     "The id is `s-<n>`. An alert is held when every matcher given equals the alert's rule id, "
     "indicator, org unit, talent category or rule severity. Refusals (`invalid_argument`): no "
     "matcher at all (field `matchers`), a severity other than info, warning, critical, "
     "`ends_at` not in the future, a rule that does not exist (`rule: no such rule`); `id` "
     "and `created` are unknown keys (the service gives them). Applied once per request id: "
     "the same request sent again (a retry) adds nothing and is answered with the id the "
     "first one made (kept a day). Audited, naming the person (docs/notify.md, \"Who changed "
     "them\"). Errors also: `unavailable`. docs/notify.md, \"Silences\"."},
    {"silence.list", s_silence_list, STI_ROLES_ANY, NULL, "lists every silence, ended or not",
     "{silences: [{id, rule, indicator, org, category, severity, ends_at, comment, created}]}",
     "A matcher not given is \"\"; `ends_at` and `created` in ms since 1970. Errors: "
     "`unavailable`."},
    {"silence.remove", s_silence_remove, STI_OP_WRITE, s_id_args, "removes a silence",
     "{removed: true}",
     "Audited, naming the person (docs/notify.md, \"Who changed them\"). Errors: `not_found` "
     "(`no silence s-3`), `unavailable`."},
    STI_OPS_END,
};

const sti_op_table_t notify_silencing_ops = {"notify_silencing", s_ops};
