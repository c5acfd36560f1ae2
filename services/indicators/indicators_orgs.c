/*  indicators_orgs: the org unit ops. See the header.

    A rename or a retirement is checked on the store's copy of the catalog
    (the unit exists; the root is not retired; a unit with children that
    are not retired is not retired), then stored as the unit's state.
*/
#include "indicators_orgs.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_catalog.h"
#include "sti_time.h"

#define S_FORMER_SEPARATOR "; "

struct _indicators_orgs_t {
    sti_catalog_store_t *store; // borrowed: the catalog in Redis
    sti_events_pub_t *pub;      // borrowed: the `ind` stream
    int64_t maxlen;             // bound of its log
};

indicators_orgs_t *indicators_orgs_new(sti_catalog_store_t *store, sti_events_pub_t *pub,
                                       int64_t maxlen)
{
    assert(store && pub);
    indicators_orgs_t *self = (indicators_orgs_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->pub = pub;
    self->maxlen = maxlen;
    return self;
}

void indicators_orgs_destroy(indicators_orgs_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  Writes the reply {changed} or the error.
static int s_changed_reply(const sti_call_t *call, sti_errcode_t code, bool changed,
                           const char *err)
{
    if (code != STI_ERR_NONE) {
        sti_envelope_reply_error(call->reply, call->request->id, code, err, NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_kv_bool(call->reply, "changed", changed);
    return 0;
}

static int s_org_list(void *object, const sti_call_t *call)
{
    indicators_orgs_t *self = (indicators_orgs_t *)object;
    const sti_catalog_t *catalog = indicators_catalog_read(self->store, call);
    if (!catalog) {
        return 0;
    }
    size_t count = sti_catalog_org_count(catalog);
    sti_writer_t *reply = call->reply;
    sti_envelope_reply_ok(reply, call->request->id);
    sti_writer_map(reply, 1);
    sti_writer_str(reply, "orgs");
    sti_writer_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        const sti_org_unit_t *org = sti_catalog_org_at(catalog, i);
        sti_writer_map(reply, 8);
        sti_writer_kv_str(reply, "code", org->code);
        sti_writer_kv_str(reply, "parent", org->parent[0] ? org->parent : NULL);
        sti_writer_kv_str(reply, "name_zh", org->name_zh);
        sti_writer_kv_str(reply, "name_en", org->name_en);
        sti_writer_kv_str(reply, "former_names", org->former_names);
        sti_writer_kv_bool(reply, "retired", org->retired);
        sti_writer_str(reply, "retired_at");
        org->retired ? sti_writer_int(reply, org->retired_at) : sti_writer_nil(reply);
        sti_writer_kv_str(reply, "retired_reason", org->retired ? org->retired_reason : NULL);
    }
    return 0;
}

static int s_org_add(void *object, const sti_call_t *call)
{
    indicators_orgs_t *self = (indicators_orgs_t *)object;
    char code[STI_CODE_MAX], parent[STI_CODE_MAX], name_zh[STI_NAME_MAX], name_en[STI_NAME_MAX];
    if (indicators_body_str(call, "code", code, sizeof code) ||
        indicators_body_str(call, "parent", parent, sizeof parent) ||
        indicators_body_str(call, "name_zh", name_zh, sizeof name_zh) ||
        indicators_body_str(call, "name_en", name_en, sizeof name_en)) {
        return 0;
    }
    bool changed = false;
    char err[512] = "";
    sti_errcode_t rc = sti_catalog_store_add_org(self->store, code, parent, name_zh, name_en,
                                                 &changed, err, sizeof err);
    return s_changed_reply(call, rc, changed, err);
}

//  The unit code names in the store's copy, as its state to change; or
//  NULL after writing the error reply.
static const sti_org_unit_t *s_unit(indicators_orgs_t *self, const sti_call_t *call,
                                    const char *code, sti_org_unit_t *state)
{
    sti_errcode_t rc;
    char err[512];
    sti_catalog_t *catalog = sti_catalog_store_edit(self->store, &rc, err, sizeof err);
    if (!catalog) {
        sti_envelope_reply_error(call->reply, call->request->id, rc, err, NULL, 0);
        return NULL;
    }
    const sti_org_unit_t *org = sti_catalog_org_find(catalog, code);
    if (!org) {
        snprintf(err, sizeof err, "code: '%s' is not an org unit", code);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, err, NULL, 0);
        return NULL;
    }
    *state = *org;
    return org;
}

//  Writes the org.changed event's data: {org, change, name_zh, name_en,
//  former_names, retired, retired_at, reason, by}.
static void s_event_data(const sti_org_unit_t *state, const char *change, const char *by,
                         sti_writer_t *w)
{
    sti_writer_map(w, 9);
    sti_writer_kv_str(w, "org", state->code);
    sti_writer_kv_str(w, "change", change);
    sti_writer_kv_str(w, "name_zh", state->name_zh);
    sti_writer_kv_str(w, "name_en", state->name_en);
    sti_writer_kv_str(w, "former_names", state->former_names);
    sti_writer_kv_bool(w, "retired", state->retired);
    sti_writer_str(w, "retired_at");
    state->retired ? sti_writer_int(w, state->retired_at) : sti_writer_nil(w);
    sti_writer_kv_str(w, "reason", state->retired ? state->retired_reason : NULL);
    sti_writer_kv_str(w, "by", by);
}

//  Puts state when it differs from org, with its org.changed event
//  (change: renamed, retired, restored); answers {changed}.
static int s_put_state(indicators_orgs_t *self, const sti_call_t *call, const sti_org_unit_t *org,
                       const sti_org_unit_t *state, const char *change)
{
    if (memcmp(org, state, sizeof *org) == 0) {
        sti_catalog_store_drop(self->store);
        return s_changed_reply(call, STI_ERR_NONE, false, "");
    }
    char time[40], topic[STI_EVENTS_TOPIC_MAX + 1], subject[STI_EVENTS_SUBJECT_MAX];
    snprintf(topic, sizeof topic, "ind._org.%s", state->code);
    snprintf(subject, sizeof subject, "%s/%s", state->code, change);
    sti_writer_t *data = sti_writer_new();
    s_event_data(state, change, call->caller->name, data);
    size_t size;
    const void *bytes = sti_writer_data(data, &size);
    const char *topics[1] = {topic}, *subjects[1] = {subject};
    const void *datas[1] = {bytes};
    size_t sizes[1] = {size};
    sti_catalog_events_t events = {.pub = self->pub,
                                   .stream = "ind",
                                   .maxlen = self->maxlen,
                                   .source = "sti-indicators",
                                   .time = sti_time_rfc3339(sti_time_now_ms(), time, sizeof time),
                                   .type = INDICATORS_ORG_EVENT_TYPE,
                                   .version = sti_catalog_store_version(self->store),
                                   .count = 1,
                                   .topics = topics,
                                   .subjects = subjects,
                                   .data = datas,
                                   .sizes = sizes};
    bool changed = false;
    char err[512] = "";
    sti_errcode_t rc =
        sti_catalog_store_put_org_state(self->store, state, &events, &changed, err, sizeof err);
    sti_writer_destroy(&data);
    if (rc == STI_ERR_NONE && events.first > 0) {
        sti_events_pub_appended(self->pub, events.epoch, events.last);
        sti_events_send_logged(self->pub, events.first, events.last);
    }
    return s_changed_reply(call, rc, changed, err);
}

//  Puts the name before in front of former_names ("临平镇 / Linping Town; ...").
static void s_keep_former(sti_org_unit_t *state, const sti_org_unit_t *org)
{
    char former[STI_ORG_FORMER_MAX + 2 * STI_ORG_NAME_MAX + 8];
    const char *zh = org->name_zh, *en = org->name_en;
    snprintf(former, sizeof former, "%s%s%s%s%s", zh, *zh && *en ? " / " : "", en,
             *org->former_names ? S_FORMER_SEPARATOR : "", org->former_names);
    //  Too long: the oldest names go, whole.
    while (strlen(former) >= STI_ORG_FORMER_MAX) {
        char *cut = strrchr(former, ';');
        *(cut ? cut : former + STI_ORG_FORMER_MAX - 1) = 0;
    }
    memcpy(state->former_names, former, strlen(former) + 1);
}

static int s_org_rename(void *object, const sti_call_t *call)
{
    indicators_orgs_t *self = (indicators_orgs_t *)object;
    char code[STI_CODE_MAX], name_zh[STI_NAME_MAX], name_en[STI_NAME_MAX];
    sti_org_unit_t state;
    const sti_org_unit_t *org;
    if (indicators_body_str(call, "code", code, sizeof code) ||
        indicators_body_str(call, "name_zh", name_zh, sizeof name_zh) ||
        indicators_body_str(call, "name_en", name_en, sizeof name_en) ||
        !(org = s_unit(self, call, code, &state))) {
        return 0;
    }
    bool has_en = !sti_node_is_missing(sti_node_get(call->request->body, "name_en"));
    bool has_zh = !sti_node_is_missing(sti_node_get(call->request->body, "name_zh"));
    snprintf(state.name_zh, sizeof state.name_zh, "%s", has_zh ? name_zh : org->name_zh);
    snprintf(state.name_en, sizeof state.name_en, "%s", has_en ? name_en : org->name_en);
    if (strcmp(state.name_zh, org->name_zh) != 0 || strcmp(state.name_en, org->name_en) != 0) {
        s_keep_former(&state, org);
    }
    return s_put_state(self, call, org, &state, "renamed");
}

//  Why code may not be retired, or NULL when it may.
static const char *s_not_retirable(const sti_catalog_t *catalog, const sti_org_unit_t *org,
                                   char *why, size_t cap)
{
    if (!org->parent[0]) {
        snprintf(why, cap, "code: '%s' is the root org unit: it cannot be retired", org->code);
        return why;
    }
    const sti_org_unit_t *children[STI_CATALOG_ORG_UNITS];
    size_t count = sti_catalog_org_children(catalog, org->code, children, STI_CATALOG_ORG_UNITS);
    for (size_t i = 0; i < count && i < STI_CATALOG_ORG_UNITS; i++) {
        if (!children[i]->retired) {
            snprintf(why, cap,
                     "code: '%s' has org unit '%s' under it that is not retired: retire "
                     "that first",
                     org->code, children[i]->code);
            return why;
        }
    }
    return NULL;
}

static int s_org_retire(void *object, const sti_call_t *call)
{
    indicators_orgs_t *self = (indicators_orgs_t *)object;
    char code[STI_CODE_MAX], reason[STI_NAME_MAX], why[300];
    bool undo = false;
    sti_field_error_t ferr;
    sti_org_unit_t state;
    const sti_org_unit_t *org;
    if (indicators_body_str(call, "code", code, sizeof code) ||
        indicators_body_str(call, "reason", reason, sizeof reason) ||
        !(org = s_unit(self, call, code, &state))) {
        return 0;
    }
    if (!sti_node_is_missing(sti_node_get(call->request->body, "undo"))) {
        sti_map_bool(call->request->body, "undo", &undo, &ferr); // checked by the frame
    }
    sti_errcode_t rc;
    char err[512];
    const sti_catalog_t *catalog = sti_catalog_store_edit(self->store, &rc, err, sizeof err);
    if (!undo && !org->retired && s_not_retirable(catalog, org, why, sizeof why)) {
        sti_catalog_store_drop(self->store);
        sti_detail_t detail = {-1, "code", why + 6};
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_CONFLICT, why, &detail, 1);
        return 0;
    }
    if (undo || !org->retired) { // retiring again keeps the first time and reason
        state.retired = !undo;
        state.retired_at = undo ? 0 : sti_time_now_ms();
        snprintf(state.retired_reason, sizeof state.retired_reason, "%s", undo ? "" : reason);
    }
    return s_put_state(self, call, org, &state, undo ? "restored" : "retired");
}

//  --- the declarations ---

static const sti_arg_t s_add_body[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL,
     "the new org unit's code: 1 to 64 of a-z, 0-9, _ and - (checked against the catalog)"},
    {"parent", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL,
     "the code of an org unit already in the catalog"},
    {"name_zh", STI_ARG_STR, STI_OPTIONAL, 0, STI_NAME_MAX - 1, NULL, "its Chinese name"},
    {"name_en", STI_ARG_STR, STI_OPTIONAL, 0, STI_NAME_MAX - 1, NULL, "its English name"},
    STI_ARGS_END,
};

static const sti_arg_t s_rename_body[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the org unit's code"},
    {"name_zh", STI_ARG_STR, STI_OPTIONAL, 0, STI_NAME_MAX - 1, NULL,
     "its new Chinese name (absent: kept)"},
    {"name_en", STI_ARG_STR, STI_OPTIONAL, 0, STI_NAME_MAX - 1, NULL,
     "its new English name (absent: kept)"},
    STI_ARGS_END,
};

static const sti_arg_t s_retire_body[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the org unit's code"},
    {"reason", STI_ARG_STR, STI_REQUIRED, 1, STI_NAME_MAX - 1, NULL,
     "why it is retired (merged into another, dissolved, ...)"},
    {"undo", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL,
     "true: bring a retired unit back (it takes values again)"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"org.list", s_org_list, STI_ROLES_ANY, NULL,
     "every org unit of the catalog, in the order of their codes with parents first",
     "{orgs: [{code, parent (str or nil), name_zh, name_en, former_names, retired, retired_at "
     "(ms or nil), retired_reason (str or nil)}]}",
     "The root (the district) has parent nil. `former_names` lists the names a unit had before "
     "its renames, newest first, `; `-separated (\"\" for none). Errors: `not_found` (no plan is "
     "loaded)."},
    {"org.add", s_org_add, STI_OP_CHANGES, s_add_body, "adds an org unit under another",
     "{changed}",
     "Adding the same unit again (same parent and names) answers `changed: false`. Errors: "
     "`invalid_argument` (a malformed code, or a parent that is not an org unit), `conflict` "
     "(the code exists with another parent or other names), `not_found` (no plan is loaded)."},
    {"org.rename", s_org_rename, STI_OP_CHANGES, s_rename_body,
     "renames an org unit; its code, values, targets and history stay", "{changed}",
     "The names before go to `former_names` (org.list); an `org.changed` event (change "
     "`renamed`, docs/events.md) says so. The same names again answer `changed: false`. Errors: "
     "`not_found` (no plan is loaded, no such org unit), `invalid_argument` (a "
     "name too long or with control characters)."},
    {"org.retire", s_org_retire, STI_OP_CHANGES, s_retire_body,
     "retires an org unit (or brings it back with undo): it takes no new values or targets",
     "{changed}",
     "A retired unit keeps everything it had, readable under its code (series.get, "
     "progress.report); sti-ingest refuses rows for it, naming the unit and when it was retired. "
     "An `org.changed` event (change `retired` or `restored`) says so. Retiring it again "
     "answers `changed: false` and keeps the first time and reason. Errors: "
     "`not_found` (no plan is loaded, no such org unit), `conflict` (the root, or a unit with "
     "org units under it that are not retired)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_orgs_ops = {"indicators_orgs", s_ops};
