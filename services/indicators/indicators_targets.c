/*  indicators_targets: the target ops. See the header.

    One change: read the catalog (the store's copy, to change in memory),
    read the pair's values, compute progress, change the copy, compute
    progress again, and put the change with the events that differ. The
    put is refused when the catalog's version moved since it was read:
    then all of it is done again (at most S_ATTEMPTS times).
*/
#include "indicators_targets.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_catalog.h"
#include "sti_log.h"
#include "sti_time.h"

#define S_ATTEMPTS 3 // tries of one change against concurrent catalog changes

struct _indicators_targets_t {
    sti_catalog_store_t *store;      // borrowed: the catalog
    indicators_progress_t *progress; // borrowed: the events' computation
    sti_events_pub_t *pub;           // borrowed: the `ind` stream
    int64_t maxlen;                  // bound of its log
};

//  What one call asks.
typedef struct {
    char indicator[STI_CODE_MAX]; // the indicator's code
    char org[STI_CODE_MAX];       // the org unit's code ("": the root)
    int year;                     // the target's year
    bool set;                     // set (else remove)
    double value;                 // the value set
} s_change_t;

indicators_targets_t *indicators_targets_new(sti_catalog_store_t *store,
                                             indicators_progress_t *progress, sti_events_pub_t *pub,
                                             int64_t maxlen)
{
    assert(store && progress && pub);
    indicators_targets_t *self = (indicators_targets_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->progress = progress;
    self->pub = pub;
    self->maxlen = maxlen;
    return self;
}

void indicators_targets_destroy(indicators_targets_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  Finds the change's indicator and org unit in catalog. Returns 0, or -1
//  with code and err set.
static int s_find(const sti_catalog_t *catalog, const s_change_t *change,
                  const sti_indicator_t **indicator, const sti_org_unit_t **org,
                  sti_errcode_t *code, char *err, size_t errlen)
{
    *indicator = sti_catalog_indicator_find(catalog, change->indicator);
    *org =
        change->org[0] ? sti_catalog_org_find(catalog, change->org) : sti_catalog_org_root(catalog);
    *code = STI_ERR_NOT_FOUND;
    if (!*indicator) {
        snprintf(err, errlen, "indicator: '%s' is not in the catalog", change->indicator);
        return -1;
    }
    if (!*org) {
        snprintf(err, errlen, "org: '%s' is not an org unit", change->org);
        return -1;
    }
    if (change->set && (*org)->retired) {
        *code = STI_ERR_INVALID_ARGUMENT;
        snprintf(err, errlen, "org: '%s' (%s) is retired: it takes no new targets", (*org)->code,
                 (*org)->name_zh[0] ? (*org)->name_zh : (*org)->name_en);
        return -1;
    }
    return 0;
}

//  One attempt at the change. Returns the put's outcome (conflict "stale:
//  ..." asks for another attempt); events->count says how many went out.
static sti_errcode_t s_attempt(indicators_targets_t *self, const s_change_t *change, const char *by,
                               sti_catalog_events_t *events, bool *changed, char *err,
                               size_t errlen)
{
    sti_errcode_t code;
    sti_catalog_t *catalog = sti_catalog_store_edit(self->store, &code, err, errlen);
    const sti_indicator_t *indicator;
    const sti_org_unit_t *org;
    if (!catalog || s_find(catalog, change, &indicator, &org, &code, err, errlen)) {
        sti_catalog_store_drop(self->store);
        return code;
    }
    if (indicators_progress_begin(self->progress, catalog, &indicator, &org, 1)) {
        sti_catalog_store_drop(self->store);
        snprintf(err, errlen, "Redis cannot be read now");
        return STI_ERR_UNAVAILABLE;
    }
    indicators_progress_before(self->progress, catalog);
    const char *org_code = org->parent[0] ? org->code : NULL;
    if (change->set) {
        if (sti_catalog_org_target_set(catalog, indicator->code, org_code, change->year,
                                       change->value, err, errlen)) {
            sti_catalog_store_drop(self->store);
            return STI_ERR_INVALID_ARGUMENT;
        }
    } else {
        sti_catalog_org_target_clear(catalog, indicator->code, org_code, change->year);
    }
    events->version = sti_catalog_store_version(self->store);
    indicators_progress_after(self->progress, catalog, change->set ? "target.set" : "target.remove",
                              by, events);
    return sti_catalog_store_put_target(self->store, indicator->code, org_code, change->year,
                                        change->set ? &change->value : NULL, events, changed, err,
                                        errlen);
}

//  Makes the change and answers {changed, events}.
static int s_change(indicators_targets_t *self, const sti_call_t *call, const s_change_t *change)
{
    char time[40], err[512] = "";
    sti_time_rfc3339(sti_time_now_ms(), time, sizeof time);
    sti_catalog_events_t events = {.pub = self->pub,
                                   .stream = "ind",
                                   .maxlen = self->maxlen,
                                   .source = "sti-indicators",
                                   .time = time};
    bool changed = false;
    sti_errcode_t code = STI_ERR_INTERNAL;
    for (int attempt = 0; attempt < S_ATTEMPTS; attempt++) {
        code = s_attempt(self, change, call->caller->name, &events, &changed, err, sizeof err);
        if (code != STI_ERR_CONFLICT || strncmp(err, "stale", 5) != 0) {
            break;
        }
    }
    if (code != STI_ERR_NONE) {
        sti_envelope_reply_error(call->reply, call->request->id, code, err, NULL, 0);
        return 0;
    }
    size_t sent = 0;
    if (events.first > 0 && events.last >= events.first) {
        sent = (size_t)(events.last - events.first + 1);
        sti_events_pub_appended(self->pub, events.epoch, events.last);
        if (sti_events_send_logged(self->pub, events.first, events.last)) {
            sti_warn("progress events %llu..%llu are logged but not sent",
                     (unsigned long long)events.first, (unsigned long long)events.last);
        }
    }
    size_t forecasts = sent ? indicators_progress_forecasts(self->progress) : 0;
    forecasts = forecasts < sent ? forecasts : sent;
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 3);
    sti_writer_kv_bool(call->reply, "changed", changed);
    sti_writer_kv_int(call->reply, "events", (int64_t)(sent - forecasts));
    sti_writer_kv_int(call->reply, "forecast_events", (int64_t)forecasts);
    return 0;
}

//  Reads the body of target.set or target.remove.
static int s_read(const sti_call_t *call, bool set, s_change_t *change)
{
    memset(change, 0, sizeof *change);
    change->set = set;
    int64_t year = 0;
    sti_field_error_t err;
    if (indicators_body_str(call, "indicator", change->indicator, sizeof change->indicator) ||
        indicators_body_str(call, "org", change->org, sizeof change->org)) {
        return -1;
    }
    sti_map_int(call->request->body, "year", &year, &err); // checked by the frame
    change->year = (int)year;
    if (set) {
        sti_map_double(call->request->body, "value", &change->value, &err); // checked by the frame
    }
    return 0;
}

static int s_target_set(void *object, const sti_call_t *call)
{
    s_change_t change;
    return s_read(call, true, &change) ? 0 : s_change(object, call, &change);
}

static int s_target_remove(void *object, const sti_call_t *call)
{
    s_change_t change;
    return s_read(call, false, &change) ? 0 : s_change(object, call, &change);
}

//  Writes one {indicator, org, year, value} per target of the list.
static size_t s_write_list(sti_writer_t *w, const char *indicator, const char *org,
                           const sti_target_t *targets, size_t count)
{
    for (size_t i = 0; w && i < count; i++) {
        sti_writer_map(w, 4);
        sti_writer_kv_str(w, "indicator", indicator);
        sti_writer_kv_str(w, "org", org);
        sti_writer_kv_int(w, "year", targets[i].year);
        sti_writer_kv_double(w, "value", targets[i].value);
    }
    return count;
}

//  What target.list walks: the filter, and the writer (NULL: count only).
typedef struct {
    char indicator[STI_CODE_MAX]; // only this indicator ("": all)
    char org[STI_CODE_MAX];       // only this org unit ("": all)
    sti_writer_t *writer;         // where to write, or NULL
    size_t count;                 // targets seen
} s_list_t;

static void s_list_org(void *arg, const char *indicator, const char *org,
                       const sti_target_list_t *list)
{
    s_list_t *walk = (s_list_t *)arg;
    if ((!walk->indicator[0] || strcmp(walk->indicator, indicator) == 0) &&
        (!walk->org[0] || strcmp(walk->org, org) == 0)) {
        walk->count += s_write_list(walk->writer, indicator, org, list->targets, list->count);
    }
}

//  Walks every target that passes the filter: the root's, then the others'.
static void s_list_walk(const sti_catalog_t *catalog, s_list_t *walk)
{
    const sti_org_unit_t *root = sti_catalog_org_root(catalog);
    const char *root_code = root ? root->code : "";
    for (size_t i = 0; i < sti_catalog_indicator_count(catalog); i++) {
        const sti_indicator_t *ind = sti_catalog_indicator_at(catalog, i);
        if ((!walk->indicator[0] || strcmp(walk->indicator, ind->code) == 0) &&
            (!walk->org[0] || strcmp(walk->org, root_code) == 0)) {
            walk->count +=
                s_write_list(walk->writer, ind->code, root_code, ind->targets, ind->target_count);
        }
    }
    sti_catalog_org_targets_each(catalog, s_list_org, walk);
}

static int s_target_list(void *object, const sti_call_t *call)
{
    indicators_targets_t *self = (indicators_targets_t *)object;
    s_list_t walk = {"", "", NULL, 0};
    const sti_catalog_t *catalog;
    if (indicators_body_str(call, "indicator", walk.indicator, sizeof walk.indicator) ||
        indicators_body_str(call, "org", walk.org, sizeof walk.org) ||
        !(catalog = indicators_catalog_read(self->store, call))) {
        return 0;
    }
    s_list_walk(catalog, &walk);
    size_t count = walk.count;
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_str(call->reply, "targets");
    sti_writer_array(call->reply, count);
    walk.writer = call->reply;
    walk.count = 0;
    s_list_walk(catalog, &walk);
    return 0;
}

//  --- the declarations ---

#define S_ORG_ARG(what)                                                                            \
    {                                                                                              \
        "org", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL,                               \
            "the org unit whose " what " it is (default: the root, the district)"                  \
    }

static const sti_arg_t s_set_body[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the indicator's code"},
    {"year", STI_ARG_INT, STI_REQUIRED, STI_PERIOD_MIN_YEAR, STI_PERIOD_MAX_YEAR, NULL,
     "the target's year"},
    {"value", STI_ARG_NUMBER, STI_REQUIRED, 0, 0, NULL,
     "the target, in the indicator's unit (finite, allowed by the unit)"},
    S_ORG_ARG("target"),
    STI_ARGS_END,
};

static const sti_arg_t s_remove_body[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 0, STI_CODE_MAX - 1, NULL, "the indicator's code"},
    {"year", STI_ARG_INT, STI_REQUIRED, STI_PERIOD_MIN_YEAR, STI_PERIOD_MAX_YEAR, NULL,
     "the target's year"},
    S_ORG_ARG("target"),
    STI_ARGS_END,
};

static const sti_arg_t s_list_body[] = {
    {"indicator", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL,
     "only this indicator's targets"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL, "only this org unit's"},
    STI_ARGS_END,
};

#define S_EVENTS_NOTE                                                                              \
    "`events` is the number of `progress.changed` events (docs/events.md) the change sent: one "   \
    "per year of the plan up to this one whose status, completion or expected completion at the "  \
    "org unit changed; `forecast_events` the number of `indicator.forecast_changed` events (one "  \
    "when the class of the org unit's forecast to the plan's end changed: docs/forecast.md). "     \
    "They are logged in the same step as the change. "

static const sti_op_decl_t s_ops[] = {
    {"target.set", s_target_set, STI_OP_CHANGES, s_set_body,
     "sets an indicator's target for a year at an org unit (again: replaces it)",
     "{changed, events, forecast_events}",
     "Without `org`, or with the root's code, the target is the district's (the plan's own); "
     "any other org unit's target is its share of the plan, and its progress is measured from "
     "its own value of the indicator's baseline period. " S_EVENTS_NOTE
     "Errors: `not_found` (no plan is loaded, no such indicator or org unit), "
     "`invalid_argument` (a value the indicator's unit does not allow, a retired org unit)."},
    {"target.remove", s_target_remove, STI_OP_CHANGES, s_remove_body,
     "removes an indicator's target for a year at an org unit",
     "{changed, events, forecast_events}",
     "Removing a target that is not there answers `changed: false`. " S_EVENTS_NOTE
     "Errors: `not_found` (no plan is loaded, no such indicator or org unit)."},
    {"target.list", s_target_list, STI_ROLES_ANY, s_list_body, "the targets set, at every org unit",
     "{targets: [{indicator, org, year, value}]}",
     "The root's first, in catalog order, then the other org units' in no particular order. "
     "Errors: `not_found` (no plan is loaded)."},
    STI_OPS_END,
};

const sti_op_table_t indicators_targets_ops = {"indicators_targets", s_ops};
