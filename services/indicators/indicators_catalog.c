/*  indicators_catalog: the catalog ops. See the header.

    The frame checks every body against the declarations at the end of this
    file before a handler runs; the store checks the content against the
    catalog (a parent that is not an org unit, a value the unit does not
    allow) and says what is wrong.
*/
#include "indicators_catalog.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog_io.h"
#include "sti_service.h"

struct _indicators_catalog_t {
    sti_catalog_store_t *store;    // borrowed: the catalog in Redis
    indicators_dataset_t *dataset; // borrowed: made by the first plan load
};

indicators_catalog_t *indicators_catalog_new(sti_catalog_store_t *store,
                                             indicators_dataset_t *dataset)
{
    assert(store && dataset);
    indicators_catalog_t *self = (indicators_catalog_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->dataset = dataset;
    return self;
}

void indicators_catalog_destroy(indicators_catalog_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

const sti_catalog_t *indicators_catalog_read(sti_catalog_store_t *store, const sti_call_t *call)
{
    assert(store && call);
    sti_errcode_t code;
    char err[512];
    const sti_catalog_t *catalog = sti_catalog_store_get(store, &code, err, sizeof err);
    if (!catalog) {
        sti_envelope_reply_error(call->reply, call->request->id, code, err, NULL, 0);
    }
    return catalog;
}

int indicators_body_str(const sti_call_t *call, const char *key, char *buf, size_t cap)
{
    assert(call && key && buf && cap);
    buf[0] = 0;
    sti_node_t node = sti_node_get(call->request->body, key);
    sti_field_error_t err = {"", ""};
    if (sti_node_is_missing(node)) {
        return 0;
    }
    if (sti_node_str_copy(node, buf, cap, &err) != 0) {
        snprintf(err.field, sizeof err.field, "%s", key);
        sti_envelope_reply_invalid(call->reply, call->request->id, &err);
        return -1;
    }
    return 0;
}

//  Writes the reply {changed} or the store's error.
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

//  Writes "units": [{code, name_en, family, factor, allow_negative, min, max}]
//  (min and max nil when the unit has none), so that a client can offer the
//  units a value may be given in (stictl template).
static void s_write_units(const sti_units_t *units, sti_writer_t *w)
{
    size_t count = sti_units_size(units);
    sti_writer_str(w, "units");
    sti_writer_array(w, count);
    for (size_t i = 0; i < count; i++) {
        const sti_unit_t *unit = sti_units_at(units, i);
        sti_writer_map(w, 7);
        sti_writer_kv_str(w, "code", unit->code);
        sti_writer_kv_str(w, "name_en", unit->name_en);
        sti_writer_kv_str(w, "family", unit->family);
        sti_writer_kv_double(w, "factor", unit->factor);
        sti_writer_kv_bool(w, "allow_negative", unit->allow_negative);
        sti_writer_str(w, "min");
        unit->has_min ? sti_writer_double(w, unit->min) : sti_writer_nil(w);
        sti_writer_str(w, "max");
        unit->has_max ? sti_writer_double(w, unit->max) : sti_writer_nil(w);
    }
}

static int s_catalog_list(void *object, const sti_call_t *call)
{
    indicators_catalog_t *self = (indicators_catalog_t *)object;
    const sti_catalog_t *catalog = indicators_catalog_read(self->store, call);
    if (!catalog) {
        return 0;
    }
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    sti_writer_t *reply = call->reply;
    sti_envelope_reply_ok(reply, call->request->id);
    sti_writer_map(reply, 4);
    sti_writer_str(reply, "plan");
    sti_writer_map(reply, 6);
    sti_writer_kv_str(reply, "code", plan ? plan->code : "");
    sti_writer_kv_str(reply, "name_zh", plan ? plan->name_zh : "");
    sti_writer_kv_str(reply, "name_en", plan ? plan->name_en : "");
    sti_writer_kv_int(reply, "start_year", plan ? plan->start_year : 0);
    sti_writer_kv_int(reply, "end_year", plan ? plan->end_year : 0);
    sti_writer_kv_int(reply, "baseline_year", plan ? plan->baseline_year : 0);
    sti_writer_str(reply, "version");
    sti_writer_uint(reply, sti_catalog_store_version(self->store));
    size_t count = sti_catalog_indicator_count(catalog);
    sti_writer_str(reply, "indicators");
    sti_writer_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        sti_catalog_write_indicator(sti_catalog_indicator_at(catalog, i), STI_INDICATOR_AS_SHOWN,
                                    reply);
    }
    s_write_units(sti_catalog_units(catalog), reply);
    return 0;
}

static int s_catalog_get(void *object, const sti_call_t *call)
{
    indicators_catalog_t *self = (indicators_catalog_t *)object;
    char code[STI_CODE_MAX];
    const sti_catalog_t *catalog;
    if (indicators_body_str(call, "indicator", code, sizeof code) ||
        !(catalog = indicators_catalog_read(self->store, call))) {
        return 0;
    }
    const sti_indicator_t *indicator = sti_catalog_indicator_find(catalog, code);
    if (!indicator) {
        char message[128];
        snprintf(message, sizeof message, "indicator '%s' is not in the catalog", code);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, message, NULL,
                                 0);
        return 0;
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_catalog_write_indicator(indicator, STI_INDICATOR_AS_SHOWN, call->reply);
    return 0;
}

static int s_org_list(void *object, const sti_call_t *call)
{
    indicators_catalog_t *self = (indicators_catalog_t *)object;
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
        sti_writer_map(reply, 4);
        sti_writer_kv_str(reply, "code", org->code);
        sti_writer_kv_str(reply, "parent", org->parent[0] ? org->parent : NULL);
        sti_writer_kv_str(reply, "name_zh", org->name_zh);
        sti_writer_kv_str(reply, "name_en", org->name_en);
    }
    return 0;
}

static int s_org_add(void *object, const sti_call_t *call)
{
    indicators_catalog_t *self = (indicators_catalog_t *)object;
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

static int s_target_set(void *object, const sti_call_t *call)
{
    indicators_catalog_t *self = (indicators_catalog_t *)object;
    char code[STI_CODE_MAX];
    int64_t year = 0;
    double value = 0;
    sti_field_error_t err;
    if (indicators_body_str(call, "indicator", code, sizeof code)) {
        return 0;
    }
    sti_map_int(call->request->body, "year", &year, &err);      // checked by the frame
    sti_map_double(call->request->body, "value", &value, &err); // checked by the frame
    bool changed = false;
    char message[512] = "";
    sti_errcode_t rc = sti_catalog_store_set_target(self->store, code, (int)year, value, &changed,
                                                    message, sizeof message);
    return s_changed_reply(call, rc, changed, message);
}

//  The first plan load into a Redis that holds no dataset makes one.
static int s_plan_load(void *object, const sti_call_t *call)
{
    indicators_catalog_t *self = (indicators_catalog_t *)object;
    char dataset[STI_DATASET_ID_LEN + 1];
    if (indicators_dataset_init(self->dataset, call, dataset, sizeof dataset) != 0) {
        return 0;
    }
    char err[512];
    sti_catalog_t *plan =
        sti_catalog_read(sti_node_get(call->request->body, "plan"), err, sizeof err);
    if (!plan) {
        char message[600];
        snprintf(message, sizeof message, "plan: %s", err);
        sti_detail_t detail = {-1, "plan", err};
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT, message,
                                 &detail, 1);
        return 0;
    }
    bool changed = false;
    sti_errcode_t rc = sti_catalog_store_put_plan(self->store, plan, &changed, err, sizeof err);
    if (rc != STI_ERR_NONE) {
        sti_envelope_reply_error(call->reply, call->request->id, rc, err, NULL, 0);
    } else {
        sti_envelope_reply_ok(call->reply, call->request->id);
        sti_writer_map(call->reply, 3);
        sti_writer_kv_str(call->reply, "code", sti_catalog_plan(plan)->code);
        sti_writer_kv_bool(call->reply, "changed", changed);
        sti_writer_kv_str(call->reply, "dataset", dataset);
    }
    sti_catalog_destroy(&plan);
    return 0;
}

//  --- the declarations ---

static const sti_arg_t s_get_body[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the indicator's code"},
    STI_ARGS_END,
};

static const sti_arg_t s_org_body[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL,
     "the new org unit's code: 1 to 64 of a-z, 0-9, _ and - (checked against the catalog)"},
    {"parent", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL,
     "the code of an org unit already in the catalog"},
    {"name_zh", STI_ARG_STR, STI_OPTIONAL, 0, STI_NAME_MAX - 1, NULL, "its Chinese name"},
    {"name_en", STI_ARG_STR, STI_OPTIONAL, 0, STI_NAME_MAX - 1, NULL, "its English name"},
    STI_ARGS_END,
};

static const sti_arg_t s_target_body[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the indicator's code"},
    {"year", STI_ARG_INT, STI_REQUIRED, STI_PERIOD_MIN_YEAR, STI_PERIOD_MAX_YEAR, NULL,
     "the target's year"},
    {"value", STI_ARG_NUMBER, STI_REQUIRED, 0, 0, NULL,
     "the target, in the indicator's unit (finite, allowed by the unit)"},
    STI_ARGS_END,
};

static const sti_arg_t s_plan_body[] = {
    {"plan", STI_ARG_MAP, STI_REQUIRED, 0, 0, NULL,
     "the catalog: what sti_catalog_write writes, or the five files of a plan directory "
     "merged into one map {plan, units, tags, org_units, indicators}"},
    STI_ARGS_END,
};

#define S_INDICATOR                                                                                \
    "{code, name_zh, name_en, unit, category, direction, kind, aggregation, formula (str or "      \
    "nil), "                                                                                       \
    "inputs: [codes], baseline: {period, value, source_line} or nil, targets: [{year, value}], "   \
    "tags: [codes]}"

//  Who may call what (sti_auth.h): reads are for every role; the catalog,
//  org units, targets and the plan are admin's (0: admin only).
static const sti_op_decl_t s_ops[] = {
    {"catalog.list", s_catalog_list, STI_ROLES_ANY, NULL,
     "the plan's header, every indicator and every unit of the catalog",
     "{plan: {code, name_zh, name_en, start_year, end_year, baseline_year}, version, "
     "indicators: [INDICATOR], units: [UNIT]} where INDICATOR = " S_INDICATOR
     " and UNIT = {code, name_en, family, factor, allow_negative, min (number or nil), "
     "max (number or nil)}",
     "`version` is `<ns>:catalog:version` of the catalog read. `units` is the plan's units "
     "table (docs/plan-format.md): a value may be submitted in any unit of its indicator's "
     "unit's family. `direction` is `up` or `down`, "
     "`kind` `stock` or `flow`, `aggregation` `sum` or `none`; numbers are MessagePack floats. "
     "Errors: `not_found` (no plan is loaded), `internal` (the stored catalog does not "
     "decode)."},
    {"catalog.get", s_catalog_get, STI_ROLES_ANY, s_get_body, "one indicator of the catalog",
     S_INDICATOR,
     "As in catalog.list. Errors: `not_found` (no plan is loaded, or no such "
     "indicator)."},
    {"org.list", s_org_list, STI_ROLES_ANY, NULL, "every org unit of the catalog",
     "{orgs: [{code, parent (str or nil), name_zh, name_en}]}",
     "The root (the district) has parent nil. Errors: `not_found` (no plan is loaded)."},
    {"org.add", s_org_add, STI_OP_CHANGES, s_org_body, "adds an org unit under another",
     "{changed}",
     "Adding the same unit again (same parent and names) answers `changed: false`. Errors: "
     "`invalid_argument` (a malformed code, or a parent that is not an org unit), `conflict` "
     "(the code exists with another parent or other names), `not_found` (no plan is loaded)."},
    {"target.set", s_target_set, STI_OP_CHANGES, s_target_body,
     "sets an indicator's target for a year (again: replaces it)", "{changed}",
     "Errors: `not_found` (no plan is loaded, or no such indicator), `invalid_argument` (a "
     "value the indicator's unit does not allow)."},
    {"plan.load", s_plan_load, STI_OP_CHANGES, s_plan_body,
     "loads the plan's catalog: indicators, units, tags, the root org unit",
     "{code, changed, dataset}",
     "The first plan load into a Redis that holds no dataset makes one "
     "(`shared/sti_dataset.h`); `dataset` is its id. stictl loads a plan directory with "
     "`sti_catalog_load_dir` and sends what `sti_catalog_write` writes. Loading an equal plan "
     "again answers `changed: false`; org units beyond the root and targets are not taken from "
     "it. Errors: `invalid_argument` (the catalog does not check: the message names the file "
     "section, record and field), `conflict` (the namespace holds a plan of another code). "
     "`org.add`, `target.set` and `plan.load` change state: while the dataset is lost they are "
     "answered `unavailable` with the reason, like every write of every service."},
    STI_OPS_END,
};

const sti_op_table_t indicators_catalog_ops = {"indicators_catalog", s_ops};
