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
#include "sti_log.h"
#include "sti_service.h"

struct _indicators_catalog_t {
    sti_catalog_store_t *store;      // borrowed: the catalog in Redis
    indicators_dataset_t *dataset;   // borrowed: made by the first plan load
    indicators_progress_t *progress; // borrowed: a plan load's progress events
    sti_events_pub_t *pub;           // borrowed: the `ind` stream
};

indicators_catalog_t *indicators_catalog_new(sti_catalog_store_t *store,
                                             indicators_dataset_t *dataset,
                                             indicators_progress_t *progress, sti_events_pub_t *pub)
{
    assert(store && dataset && progress && pub);
    indicators_catalog_t *self = (indicators_catalog_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->dataset = dataset;
    self->progress = progress;
    self->pub = pub;
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

int indicators_reply_fail(const sti_call_t *call, sti_errcode_t code, const char *field,
                          const char *message)
{
    sti_detail_t detail = {-1, field, message};
    sti_envelope_reply_error(call->reply, call->request->id, code, message, field ? &detail : NULL,
                             field ? 1 : 0);
    return 0;
}

const sti_org_unit_t *indicators_org_or_fail(const sti_call_t *call, const sti_catalog_t *catalog,
                                             const char *code)
{
    const sti_org_unit_t *unit = sti_catalog_org_find(catalog, code);
    if (!unit) {
        char message[STI_CODE_MAX + 64];
        snprintf(message, sizeof message, "org: '%.*s' is not an org unit", STI_CODE_MAX, code);
        indicators_reply_fail(call, STI_ERR_NOT_FOUND, "org", message);
    }
    return unit;
}

int indicators_reply_unavailable(const sti_call_t *call, const char *why)
{
    char message[300];
    snprintf(message, sizeof message, "Redis cannot be read now: %s", why);
    sti_writer_reset(call->reply);
    return indicators_reply_fail(call, STI_ERR_UNAVAILABLE, NULL, message);
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

//  Collects a pair of every list of org targets (s_pairs' walk).
typedef struct {
    const sti_catalog_t *catalog;       // the catalog walked
    const sti_indicator_t **indicators; // the pairs' indicators
    const sti_org_unit_t **orgs;        // their org units
    size_t count;                       // pairs so far
    size_t cap;                         // pairs that fit
} s_pairs_t;

static void s_pair_of(void *arg, const char *indicator, const char *org,
                      const sti_target_list_t *list)
{
    (void)list;
    s_pairs_t *pairs = (s_pairs_t *)arg;
    const sti_indicator_t *ind = sti_catalog_indicator_find(pairs->catalog, indicator);
    const sti_org_unit_t *unit = sti_catalog_org_find(pairs->catalog, org);
    if (ind && unit && pairs->count < pairs->cap) {
        pairs->indicators[pairs->count] = ind;
        pairs->orgs[pairs->count++] = unit;
    }
}

//  Reads the progress of before (owned by the caller) at every pair a
//  plan can move: each indicator at the root, each list of org targets.
//  Returns 0, or -1 when Redis failed.
static int s_progress_before(indicators_catalog_t *self, const sti_catalog_t *before)
{
    size_t cap = INDICATORS_PROGRESS_PAIRS_MAX;
    s_pairs_t pairs = {before, calloc(cap, sizeof(void *)), calloc(cap, sizeof(void *)), 0, cap};
    assert(pairs.indicators && pairs.orgs);
    const sti_org_unit_t *root = sti_catalog_org_root(before);
    for (size_t i = 0; root && i < sti_catalog_indicator_count(before) && pairs.count < cap; i++) {
        pairs.indicators[pairs.count] = sti_catalog_indicator_at(before, i);
        pairs.orgs[pairs.count++] = root;
    }
    sti_catalog_org_targets_each(before, s_pair_of, &pairs);
    int rc = indicators_progress_begin(self->progress, before, pairs.indicators, pairs.orgs,
                                       pairs.count);
    if (rc == 0) {
        indicators_progress_before(self->progress, before);
    }
    free(pairs.indicators);
    free(pairs.orgs);
    return rc;
}

//  Appends and publishes the progress.changed and indicator.forecast_changed
//  events of a plan load.
//  Returns how many were sent.
static size_t s_plan_events(indicators_catalog_t *self, const sti_call_t *call)
{
    sti_errcode_t code;
    char err[256];
    const sti_catalog_t *after = sti_catalog_store_get(self->store, &code, err, sizeof err);
    sti_catalog_events_t events = {.pub = self->pub};
    size_t count = after ? indicators_progress_after(self->progress, after, "plan.load",
                                                     call->caller->name, &events)
                         : 0;
    size_t sent = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t seq;
        if (sti_events_publish(self->pub, events.topics[i], events.types[i], events.subjects[i],
                               events.data[i], events.sizes[i], &seq) == 0) {
            sent++;
        }
    }
    if (sent < count) {
        sti_warn("plan.load: %zu of %zu progress events could not be logged", count - sent, count);
    }
    return sent;
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
    sti_errcode_t code;
    char none[256];
    sti_catalog_t *before = sti_catalog_store_take(self->store, &code, none, sizeof none);
    bool compare = before && s_progress_before(self, before) == 0;
    sti_errcode_t rc = sti_catalog_store_put_plan(self->store, plan, &changed, err, sizeof err);
    if (rc != STI_ERR_NONE) {
        sti_envelope_reply_error(call->reply, call->request->id, rc, err, NULL, 0);
    } else {
        size_t events = changed && compare ? s_plan_events(self, call) : 0;
        size_t forecasts = events ? indicators_progress_forecasts(self->progress) : 0;
        forecasts = forecasts < events ? forecasts : events;
        sti_envelope_reply_ok(call->reply, call->request->id);
        sti_writer_map(call->reply, 5);
        sti_writer_kv_str(call->reply, "code", sti_catalog_plan(plan)->code);
        sti_writer_kv_bool(call->reply, "changed", changed);
        sti_writer_kv_str(call->reply, "dataset", dataset);
        sti_writer_kv_int(call->reply, "events", (int64_t)(events - forecasts));
        sti_writer_kv_int(call->reply, "forecast_events", (int64_t)forecasts);
    }
    sti_catalog_destroy(&before);
    sti_catalog_destroy(&plan);
    return 0;
}

//  --- the declarations ---

static const sti_arg_t s_get_body[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the indicator's code"},
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

//  Who may call what (sti_auth.h): reads are for every role; the plan is
//  admin's (0: admin only).
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
    {"plan.load", s_plan_load, STI_OP_CHANGES, s_plan_body,
     "loads the plan's catalog: indicators, units, tags, the root org unit",
     "{code, changed, dataset, events, forecast_events}",
     "The first plan load into a Redis that holds no dataset makes one "
     "(`shared/sti_dataset.h`); `dataset` is its id. stictl loads a plan directory with "
     "`sti_catalog_load_dir` and sends what `sti_catalog_write` writes. Loading an equal plan "
     "again answers `changed: false`; org units beyond the root and targets are not taken from "
     "it. A load that changes progress (a baseline, a direction, a formula) sends "
     "`progress.changed` events (cause `plan.load`; `events` counts them), and one that moves "
     "the class of a forecast an `indicator.forecast_changed` (`forecast_events` counts them), "
     "appended right after the plan is stored. Errors: `invalid_argument` (the catalog does not "
     "check: the "
     "message names the file "
     "section, record and field), `conflict` (the namespace holds a plan of another code). "
     "`plan.load`, `org.*` and `target.*` change state: while the dataset is lost they are "
     "answered `unavailable` with the reason, like every write of every service."},
    STI_OPS_END,
};

const sti_op_table_t indicators_catalog_ops = {"indicators_catalog", s_ops};
