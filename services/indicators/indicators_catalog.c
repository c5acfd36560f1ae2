/*  indicators_catalog: the catalog ops. See the header.

    Requests are checked field by field (unknown keys refused, types and
    sizes checked) before the store is touched; the store checks the
    content against the catalog and says what is wrong.
*/
#include "indicators_catalog.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sti_service.h"

int indicators_body_check(const sti_request_t *request, const char *const *keys,
                          sti_writer_t *reply)
{
    sti_field_error_t err = {"body", ""};
    sti_type_t type = sti_node_type(request->body);
    if (type == STI_TYPE_MISSING || type == STI_TYPE_NIL) {
        return 0;
    }
    if (type != STI_TYPE_MAP) {
        snprintf(err.reason, sizeof err.reason, "must be a map");
    } else if (sti_map_only(request->body, keys, &err) == 0) {
        return 0;
    }
    sti_service_reply_invalid(reply, request, &err);
    return -1;
}

//  The current catalog, or NULL after writing the error reply.
static const sti_catalog_t *s_catalog(sti_catalog_store_t *store, const sti_request_t *request,
                                      sti_writer_t *reply)
{
    sti_errcode_t code;
    char err[512];
    const sti_catalog_t *catalog = sti_catalog_store_get(store, &code, err, sizeof err);
    if (!catalog) {
        sti_envelope_reply_error(reply, request->id, code, err, NULL, 0);
    }
    return catalog;
}

//  Reads a required string field into buf. Returns 0, or -1 after replying.
static int s_str(const sti_request_t *request, const char *key, char *buf, size_t cap,
                 sti_writer_t *reply)
{
    sti_field_error_t err = {"", ""};
    if (sti_node_type(request->body) != STI_TYPE_MAP ||
        sti_map_str_copy(request->body, key, buf, cap, &err)) {
        if (sti_node_type(request->body) != STI_TYPE_MAP) {
            snprintf(err.field, sizeof err.field, "%s", key);
            snprintf(err.reason, sizeof err.reason, "missing");
        }
        sti_service_reply_invalid(reply, request, &err);
        return -1;
    }
    return 0;
}

//  Reads an optional string field (missing or nil: ""). Returns 0 or -1.
static int s_opt_str(const sti_request_t *request, const char *key, char *buf, size_t cap,
                     sti_writer_t *reply)
{
    sti_type_t type = sti_node_type(sti_node_get(request->body, key));
    buf[0] = 0;
    if (type == STI_TYPE_MISSING || type == STI_TYPE_NIL) {
        return 0;
    }
    return s_str(request, key, buf, cap, reply);
}

//  Writes the reply {changed} or the store's error.
static int s_changed_reply(const sti_request_t *request, sti_errcode_t code, bool changed,
                           const char *err, sti_writer_t *reply)
{
    if (code != STI_ERR_NONE) {
        sti_envelope_reply_error(reply, request->id, code, err, NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 1);
    sti_writer_kv_bool(reply, "changed", changed);
    return 0;
}

int indicators_catalog_list(sti_catalog_store_t *store, const sti_request_t *request,
                            sti_writer_t *reply)
{
    static const char *const keys[] = {NULL};
    const sti_catalog_t *catalog;
    if (indicators_body_check(request, keys, reply) ||
        !(catalog = s_catalog(store, request, reply))) {
        return 0;
    }
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 3);
    sti_writer_str(reply, "plan");
    sti_writer_map(reply, 6);
    sti_writer_kv_str(reply, "code", plan ? plan->code : "");
    sti_writer_kv_str(reply, "name_zh", plan ? plan->name_zh : "");
    sti_writer_kv_str(reply, "name_en", plan ? plan->name_en : "");
    sti_writer_kv_int(reply, "start_year", plan ? plan->start_year : 0);
    sti_writer_kv_int(reply, "end_year", plan ? plan->end_year : 0);
    sti_writer_kv_int(reply, "baseline_year", plan ? plan->baseline_year : 0);
    sti_writer_str(reply, "version");
    sti_writer_uint(reply, sti_catalog_store_version(store));
    size_t count = sti_catalog_indicator_count(catalog);
    sti_writer_str(reply, "indicators");
    sti_writer_array(reply, count);
    for (size_t i = 0; i < count; i++) {
        sti_catalog_write_indicator(sti_catalog_indicator_at(catalog, i), STI_INDICATOR_AS_SHOWN,
                                    reply);
    }
    return 0;
}

int indicators_catalog_get(sti_catalog_store_t *store, const sti_request_t *request,
                           sti_writer_t *reply)
{
    static const char *const keys[] = {"indicator", NULL};
    char code[STI_CODE_MAX];
    const sti_catalog_t *catalog;
    if (indicators_body_check(request, keys, reply) ||
        s_str(request, "indicator", code, sizeof code, reply) ||
        !(catalog = s_catalog(store, request, reply))) {
        return 0;
    }
    const sti_indicator_t *indicator = sti_catalog_indicator_find(catalog, code);
    if (!indicator) {
        char message[128];
        snprintf(message, sizeof message, "indicator '%s' is not in the catalog", code);
        sti_envelope_reply_error(reply, request->id, STI_ERR_NOT_FOUND, message, NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(reply, request->id);
    sti_catalog_write_indicator(indicator, STI_INDICATOR_AS_SHOWN, reply);
    return 0;
}

int indicators_org_list(sti_catalog_store_t *store, const sti_request_t *request,
                        sti_writer_t *reply)
{
    static const char *const keys[] = {NULL};
    const sti_catalog_t *catalog;
    if (indicators_body_check(request, keys, reply) ||
        !(catalog = s_catalog(store, request, reply))) {
        return 0;
    }
    size_t count = sti_catalog_org_count(catalog);
    sti_envelope_reply_ok(reply, request->id);
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

int indicators_org_add(sti_catalog_store_t *store, const sti_request_t *request,
                       sti_writer_t *reply)
{
    static const char *const keys[] = {"code", "parent", "name_zh", "name_en", NULL};
    char code[STI_CODE_MAX], parent[STI_CODE_MAX], name_zh[STI_NAME_MAX], name_en[STI_NAME_MAX];
    if (indicators_body_check(request, keys, reply) ||
        s_str(request, "code", code, sizeof code, reply) ||
        s_str(request, "parent", parent, sizeof parent, reply) ||
        s_opt_str(request, "name_zh", name_zh, sizeof name_zh, reply) ||
        s_opt_str(request, "name_en", name_en, sizeof name_en, reply)) {
        return 0;
    }
    bool changed = false;
    char err[512] = "";
    sti_errcode_t code_rc =
        sti_catalog_store_add_org(store, code, parent, name_zh, name_en, &changed, err, sizeof err);
    return s_changed_reply(request, code_rc, changed, err, reply);
}

int indicators_target_set(sti_catalog_store_t *store, const sti_request_t *request,
                          sti_writer_t *reply)
{
    static const char *const keys[] = {"indicator", "year", "value", NULL};
    char code[STI_CODE_MAX];
    int64_t year = 0;
    double value = 0;
    sti_field_error_t err = {"", ""};
    if (indicators_body_check(request, keys, reply) ||
        s_str(request, "indicator", code, sizeof code, reply)) {
        return 0;
    }
    if (sti_map_int(request->body, "year", &year, &err) ||
        sti_map_double(request->body, "value", &value, &err)) {
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    if (year < STI_PERIOD_MIN_YEAR || year > STI_PERIOD_MAX_YEAR) {
        snprintf(err.field, sizeof err.field, "year");
        snprintf(err.reason, sizeof err.reason, "%lld is outside %d–%d", (long long)year,
                 STI_PERIOD_MIN_YEAR, STI_PERIOD_MAX_YEAR);
        sti_service_reply_invalid(reply, request, &err);
        return 0;
    }
    bool changed = false;
    char message[512] = "";
    sti_errcode_t rc = sti_catalog_store_set_target(store, code, (int)year, value, &changed,
                                                    message, sizeof message);
    return s_changed_reply(request, rc, changed, message, reply);
}

int indicators_plan_load(sti_catalog_store_t *store, const char *dataset,
                         const sti_request_t *request, sti_writer_t *reply)
{
    static const char *const keys[] = {"plan", NULL};
    sti_field_error_t ferr = {"plan", ""};
    if (indicators_body_check(request, keys, reply)) {
        return 0;
    }
    sti_node_t plan_node = sti_node_get(request->body, "plan");
    if (sti_node_type(plan_node) != STI_TYPE_MAP) {
        snprintf(ferr.reason, sizeof ferr.reason, "must be a map (the catalog)");
        sti_service_reply_invalid(reply, request, &ferr);
        return 0;
    }
    char err[512];
    sti_catalog_t *plan = sti_catalog_read(plan_node, err, sizeof err);
    if (!plan) {
        char message[600];
        snprintf(message, sizeof message, "plan: %s", err);
        sti_detail_t detail = {-1, "plan", err};
        sti_envelope_reply_error(reply, request->id, STI_ERR_INVALID_ARGUMENT, message, &detail, 1);
        return 0;
    }
    bool changed = false;
    sti_errcode_t rc = sti_catalog_store_put_plan(store, plan, &changed, err, sizeof err);
    if (rc != STI_ERR_NONE) {
        sti_envelope_reply_error(reply, request->id, rc, err, NULL, 0);
    } else {
        sti_envelope_reply_ok(reply, request->id);
        sti_writer_map(reply, 3);
        sti_writer_kv_str(reply, "code", sti_catalog_plan(plan)->code);
        sti_writer_kv_bool(reply, "changed", changed);
        sti_writer_kv_str(reply, "dataset", dataset);
    }
    sti_catalog_destroy(&plan);
    return 0;
}
