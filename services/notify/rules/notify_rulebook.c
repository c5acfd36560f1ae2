/*  notify_rulebook: the rule ops. See notify_rulebook.h.

    The frame has checked each body against its declaration below, so the
    handlers read it without checking its shape again.
*/
#include "notify_rulebook.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_reply.h"

struct _notify_rulebook_t {
    notify_rule_store_t *store;   // rules and silences (borrowed)
    sti_catalog_store_t *catalog; // indicator codes and org units (borrowed)
};

notify_rulebook_t *notify_rulebook_new(notify_rule_store_t *store, sti_catalog_store_t *catalog)
{
    notify_rulebook_t *self = calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    return self;
}

void notify_rulebook_destroy(notify_rulebook_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

//  Checks the rule's codes against the catalog. Returns 0, or -1 with err.
static int s_check_catalog(notify_rulebook_t *self, const notify_rule_t *rule,
                           sti_field_error_t *err)
{
    if (rule->indicator_count == 0 && !*rule->prefix && rule->org_count == 0) {
        return 0;
    }
    sti_errcode_t code;
    char reason[256];
    const sti_catalog_t *catalog =
        sti_catalog_store_get(self->catalog, &code, reason, sizeof reason);
    if (!catalog) {
        snprintf(err->field, sizeof err->field, rule->indicator_count ? "indicators" : "orgs");
        snprintf(err->reason, sizeof err->reason, "cannot be checked: %.120s", reason);
        return -1;
    }
    for (size_t i = 0; i < rule->indicator_count; i++) {
        if (!sti_catalog_indicator_find(catalog, rule->indicators[i])) {
            snprintf(err->field, sizeof err->field, "indicators");
            snprintf(err->reason, sizeof err->reason, "unknown indicator '%s'",
                     rule->indicators[i]);
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

static int s_rule_add(void *object, const sti_call_t *call)
{
    notify_rulebook_t *self = object;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    assert(rule);
    notify_audit_t audit = notify_reply_audit(call, "rule.add");
    sti_field_error_t err;
    if (notify_rule_read(call->request->body, rule, &err) != 0 ||
        s_check_catalog(self, rule, &err) != 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &err);
    } else if (notify_rule_store_rule_add(self->store, rule, zclock_time(), &audit) != 0) {
        notify_reply_unavailable(call);
    } else {
        notify_reply_id(call, rule->id);
    }
    free(rule);
    return 0;
}

static int s_rule_list(void *object, const sti_call_t *call)
{
    notify_rulebook_t *self = object;
    if (notify_rule_store_refresh(self->store) != 0) {
        return notify_reply_unavailable(call);
    }
    size_t count = notify_rule_store_rule_count(self->store);
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_str(call->reply, "rules");
    sti_writer_array(call->reply, count);
    for (size_t i = 0; i < count; i++) {
        notify_rule_write(notify_rule_store_rule_at(self->store, i), call->reply, true);
    }
    return 0;
}

//  Copies the body's id (checked: at most NOTIFY_RULE_ID_MAX - 1 bytes).
//  Returns 0, or -1 after answering (a NUL byte in it).
static int s_read_id(const sti_call_t *call, char id[NOTIFY_RULE_ID_MAX])
{
    sti_field_error_t err;
    if (sti_map_str_copy(call->request->body, "id", id, NOTIFY_RULE_ID_MAX, &err) != 0) {
        sti_envelope_reply_invalid(call->reply, call->request->id, &err);
        return -1;
    }
    return 0;
}

static int s_rule_get(void *object, const sti_call_t *call)
{
    notify_rulebook_t *self = object;
    char id[NOTIFY_RULE_ID_MAX];
    if (s_read_id(call, id) != 0) {
        return 0;
    }
    if (notify_rule_store_refresh(self->store) != 0) {
        return notify_reply_unavailable(call);
    }
    const notify_rule_t *rule = notify_rule_store_rule_find(self->store, id);
    if (!rule) {
        return notify_reply_not_found(call, "rule", id);
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    notify_rule_write(rule, call->reply, true);
    return 0;
}

static int s_rule_remove(void *object, const sti_call_t *call)
{
    notify_rulebook_t *self = object;
    char id[NOTIFY_RULE_ID_MAX];
    bool removed = false;
    if (s_read_id(call, id) != 0) {
        return 0;
    }
    notify_audit_t audit = notify_reply_audit(call, "rule.remove");
    if (notify_rule_store_rule_remove(self->store, id, zclock_time(), &audit, &removed) != 0) {
        return notify_reply_unavailable(call);
    }
    if (!removed) {
        return notify_reply_not_found(call, "rule", id);
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_kv_bool(call->reply, "removed", true);
    return 0;
}

static const sti_arg_t s_id_args[] = {
    {"id", STI_ARG_STR, STI_REQUIRED, 0, NOTIFY_RULE_ID_MAX - 1, NULL, "the rule's id: r-<n>"},
    STI_ARGS_END,
};

#define S_RULE_REPLY                                                                               \
    "{id, name, event, indicators, prefix, orgs, categories, when, severity, lang, to, "           \
    "group_by, "                                                                                   \
    "group_wait, group_interval, repeat_interval, created}"

//  Changing rules: admin only; reading them: every role.
static const sti_op_decl_t s_ops[] = {
    {"rule.add", s_rule_add, STI_OP_WRITE, notify_rule_args,
     "adds a rule: the events it looks at, its condition, its severity, its receivers and how "
     "its alerts are grouped",
     "{id}",
     "The id is `r-<n>`. The rule is checked in full before it is kept: besides its shape, the "
     "codes (`[A-Za-z0-9_.-]`), the event, the condition, the severity, every receiver and the "
     "labels, and its indicators, prefix and org units against the catalog. A refusal is "
     "`invalid_argument` naming the field and the reason: a bad condition (`when: unknown "
     "condition 'x' (...)`), an unknown indicator or org unit (`indicators: unknown indicator "
     "'x'`, `orgs: unknown org unit 'x'`; `cannot be checked` when no plan is loaded), a prefix "
     "no indicator has, a bad receiver (`to: receiver 2: webhook URL must start with http:// or "
     "https://`), a severity other than info, warning, critical, a label other than indicator, "
     "org, period, category, a duration out of range (0 to 30 days); `id` and `created` are "
     "unknown keys (the service gives them). Applied once per request id: the same request sent "
     "again (a retry) "
     "adds nothing and is answered with the id the first one made (kept a day). Audited, naming "
     "the person (docs/notify.md, \"Who changed them\"). Errors also: "
     "`unavailable`. docs/notify.md, \"Rules\"."},
    {"rule.list", s_rule_list, STI_ROLES_ANY, NULL, "lists every rule", "{rules: [RULE]}",
     "RULE is " S_RULE_REPLY ": the map of `rule.add` with every key, `id` and `created` (ms "
     "since 1970); durations in ms; the receivers' secrets shown as `#***`. Errors: "
     "`unavailable`."},
    {"rule.get", s_rule_get, STI_ROLES_ANY, s_id_args, "answers one rule", "RULE",
     "RULE as in `rule.list` (secrets shown as `#***`). Errors: `not_found` (`no rule r-7`), "
     "`unavailable`."},
    {"rule.remove", s_rule_remove, STI_OP_WRITE, s_id_args, "removes a rule", "{removed: true}",
     "Deliveries already queued for it are still sent; alerts waiting in its groups are "
     "dropped when the group is due. Audited, naming the person (docs/notify.md, \"Who changed "
     "them\"). Errors: `not_found` (`no rule r-7`), `unavailable`."},
    STI_OPS_END,
};

const sti_op_table_t notify_rulebook_ops = {"notify_rulebook", s_ops};
