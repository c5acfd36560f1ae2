/*  notify_alert: events as alerts tell them. See notify_alert.h.

    Event data comes from another service and is read as hostile: every
    field is optional, type-checked and bounded; a field of the wrong type
    is left out rather than failing the whole event, except that an
    indicator.changed event must name its indicator and org unit, and a
    project event must have data.
*/
#include "notify_alert.h"

#include <stdio.h>
#include <string.h>

static const sti_limits_t s_limits = {64 * 1024, 4096, 64, 4};

//  Copies a string field if it is one and fits; else leaves buf empty.
static void s_str(sti_node_t map, const char *key, char *buf, size_t cap)
{
    sti_field_error_t err;
    sti_node_t node = sti_node_get(map, key);
    buf[0] = 0;
    if (sti_node_type(node) == STI_TYPE_STR && sti_node_str_copy(node, buf, cap, &err) != 0) {
        buf[0] = 0;
    } else if (sti_node_type(node) == STI_TYPE_INT) {
        int64_t value = 0;
        if (sti_node_int(node, &value, &err) == 0) {
            snprintf(buf, cap, "%lld", (long long)value);
        }
    }
}

//  Reads a number field; false when absent or not a finite number.
static bool s_num(sti_node_t map, const char *key, double *out)
{
    sti_field_error_t err;
    sti_node_t node = sti_node_get(map, key);
    sti_type_t type = sti_node_type(node);
    return (type == STI_TYPE_INT || type == STI_TYPE_FLOAT || type == STI_TYPE_UINT) &&
           sti_node_double(node, out, &err) == 0;
}

//  Names a talent event in both languages.
static void s_talent_names(notify_alert_event_t *out)
{
    static const char *const names[][3] = {
        {"talent.registered", "人才登记", "Talent registered"},
        {"talent.updated", "人才信息更新", "Talent updated"},
        {"talent.left", "人才离开", "Talent left"},
        {"talent.removed", "人才记录删除", "Talent record removed"},
    };
    snprintf(out->name_zh, sizeof out->name_zh, "人才事件 %s", out->type);
    snprintf(out->name_en, sizeof out->name_en, "Talent event %s", out->type);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i][0], out->type) == 0) {
            snprintf(out->name_zh, sizeof out->name_zh, "%s", names[i][1]);
            snprintf(out->name_en, sizeof out->name_en, "%s", names[i][2]);
        }
    }
}

//  Fills a talent event: category from the data or the topic, the registry id.
static void s_talent(const sti_event_t *event, sti_node_t data, notify_alert_event_t *out)
{
    s_str(data, "category", out->category, sizeof out->category);
    if (!*out->category && event->topic && strncmp(event->topic, "tal.", 4) == 0) {
        snprintf(out->category, sizeof out->category, "%s", event->topic + 4);
    }
    s_str(data, "org", out->org, sizeof out->org);
    if (!*out->org) {
        snprintf(out->org, sizeof out->org, "%s", out->category);
    }
    s_str(data, "id", out->period, sizeof out->period);
    if (!*out->period) {
        s_str(data, "registry_id", out->period, sizeof out->period);
    }
    s_str(data, "status", out->status_after, sizeof out->status_after);
    s_talent_names(out);
}

//  Fills an org.changed event: the unit by its new names, what changed
//  (renamed, with the name before; retired, with the reason; restored).
static int s_org_event(sti_node_t data, notify_alert_event_t *out, char *err, size_t errlen)
{
    char change[16], former[STI_NAME_MAX];
    s_str(data, "org", out->org, sizeof out->org);
    s_str(data, "change", change, sizeof change);
    s_str(data, "name_zh", out->org_name_zh, sizeof out->org_name_zh);
    s_str(data, "name_en", out->org_name_en, sizeof out->org_name_en);
    s_str(data, "former_names", former, sizeof former);
    s_str(data, "reason", out->reason, sizeof out->reason);
    if (!*out->org) {
        snprintf(err, errlen, "org.changed without org");
        return -1;
    }
    char *more = strchr(former, ';'); // the names before the last rename
    if (more) {
        *more = 0;
    }
    if (strcmp(change, "renamed") == 0) {
        snprintf(out->name_zh, sizeof out->name_zh, "组织更名 (原名 %.200s)", former);
        snprintf(out->name_en, sizeof out->name_en, "Org unit renamed (was %.200s)", former);
    } else if (strcmp(change, "retired") == 0) {
        snprintf(out->name_zh, sizeof out->name_zh, "组织撤销");
        snprintf(out->name_en, sizeof out->name_en, "Org unit retired");
    } else {
        snprintf(out->name_zh, sizeof out->name_zh, "组织恢复");
        snprintf(out->name_en, sizeof out->name_en, "Org unit restored");
    }
    return 0;
}

//  Fills a project event: its kind as the category, its org unit, the
//  subject (the code, or <code>#<milestone>) as the period, and names that
//  say what happened: for a late milestone, the project, the milestone and
//  its due date; for a change of status, the project and its statuses.
static void s_project(const sti_event_t *event, sti_node_t data, notify_alert_event_t *out)
{
    char name_zh[STI_NAME_MAX], name_en[STI_NAME_MAX], code[96], what[256], due[16];
    s_str(data, "kind", out->category, sizeof out->category);
    s_str(data, "org", out->org, sizeof out->org);
    s_str(data, "code", code, sizeof code);
    s_str(data, "name_zh", name_zh, sizeof name_zh);
    s_str(data, "name_en", name_en, sizeof name_en);
    snprintf(out->period, sizeof out->period, "%.79s", event->subject ? event->subject : code);
    bool late = strcmp(out->type, "project.milestone_late") == 0;
    if (late) {
        s_str(data, "description", what, sizeof what);
        s_str(data, "due", due, sizeof due);
        snprintf(out->name_zh, sizeof out->name_zh, "项目里程碑逾期：%.90s — %.80s（截止 %s）",
                 *name_zh ? name_zh : code, what, due);
        snprintf(out->name_en, sizeof out->name_en,
                 "Project milestone late: %.90s — %.80s (due %s)", *name_en ? name_en : code, what,
                 due);
        return;
    }
    s_str(data, "status_before", out->status_before, sizeof out->status_before);
    s_str(data, "status_after", out->status_after, sizeof out->status_after);
    snprintf(out->name_zh, sizeof out->name_zh, "项目状态变更：%.200s", *name_zh ? name_zh : code);
    snprintf(out->name_en, sizeof out->name_en, "Project status changed: %.200s",
             *name_en ? name_en : code);
}

//  Fills a duty.overdue event: the indicator, org unit and period, and
//  names that say which report is overdue, since when, and whom to ask.
static void s_overdue(sti_node_t data, notify_alert_event_t *out)
{
    char ind_zh[STI_NAME_MAX], org_zh[STI_NAME_MAX], due[16], contact[130], phone[130];
    s_str(data, "indicator", out->indicator, sizeof out->indicator);
    s_str(data, "org", out->org, sizeof out->org);
    s_str(data, "period", out->period, sizeof out->period);
    s_str(data, "indicator_name_zh", ind_zh, sizeof ind_zh);
    s_str(data, "org_name_zh", org_zh, sizeof org_zh);
    s_str(data, "due", due, sizeof due);
    s_str(data, "contact_name", contact, sizeof contact);
    s_str(data, "contact_phone", phone, sizeof phone);
    snprintf(out->name_zh, sizeof out->name_zh,
             "逾期未报：%.40s %.60s（%.8s，截止 %.10s）%s%.30s%s%.30s", *org_zh ? org_zh : out->org,
             *ind_zh ? ind_zh : out->indicator, out->period, due, *contact ? "联系人 " : "",
             contact, *phone ? " " : "", phone);
    snprintf(out->name_en, sizeof out->name_en,
             "Report overdue: %.40s %.60s (%.8s, due %.10s)%s%.30s%s%.30s", out->org,
             out->indicator, out->period, due, *contact ? " contact " : "", contact,
             *phone ? " " : "", phone);
}

//  Adds names, unit and the final target from the catalog where the data
//  did not carry them.
static void s_from_catalog(const sti_catalog_t *catalog, notify_alert_event_t *out)
{
    const sti_org_unit_t *org = catalog ? sti_catalog_org_find(catalog, out->org) : NULL;
    if (org) {
        snprintf(out->org_name_zh, sizeof out->org_name_zh, "%s", org->name_zh);
        snprintf(out->org_name_en, sizeof out->org_name_en, "%s", org->name_en);
    }
    const sti_indicator_t *indicator =
        catalog ? sti_catalog_indicator_find(catalog, out->indicator) : NULL;
    if (!indicator) {
        return;
    }
    snprintf(out->name_zh, sizeof out->name_zh, "%s", indicator->name_zh);
    snprintf(out->name_en, sizeof out->name_en, "%s", indicator->name_en);
    if (!*out->unit) {
        snprintf(out->unit, sizeof out->unit, "%s", indicator->unit);
    }
    const sti_target_t *target = sti_catalog_final_target(catalog, indicator, org);
    if (!out->has_target && target) {
        out->has_target = true;
        out->target = target->value;
        snprintf(out->target_year, sizeof out->target_year, "%d", target->year);
    }
}

//  Says that a forecast event's line is about a forecast.
static void s_forecast_names(notify_alert_event_t *out)
{
    char name[STI_NAME_MAX];
    snprintf(name, sizeof name, "%s", *out->name_zh ? out->name_zh : out->indicator);
    snprintf(out->name_zh, sizeof out->name_zh, "预测 %.200s", name);
    snprintf(name, sizeof name, "%s", *out->name_en ? out->name_en : out->indicator);
    snprintf(out->name_en, sizeof out->name_en, "Forecast: %.200s", name);
}

int notify_alert_event_from(const sti_event_t *event, const sti_catalog_t *catalog,
                            notify_alert_event_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", event->id ? event->id : "");
    snprintf(out->type, sizeof out->type, "%s", event->type ? event->type : "");
    sti_reader_t *reader =
        event->data && event->data_size
            ? sti_reader_new(event->data, event->data_size, &s_limits, err, errlen)
            : NULL;
    sti_node_t data = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    if (reader && sti_node_type(data) != STI_TYPE_MAP) {
        snprintf(err, errlen, "data is not a map");
        sti_reader_destroy(&reader);
        return -1;
    }
    if (strncmp(out->type, "talent.", 7) == 0) {
        if (reader) {
            s_talent(event, data, out);
        } else {
            if (event->topic && strncmp(event->topic, "tal.", 4) == 0) {
                snprintf(out->category, sizeof out->category, "%s", event->topic + 4);
            }
            s_talent_names(out);
        }
        sti_reader_destroy(&reader);
        return 0;
    }
    if (strncmp(out->type, "project.", 8) == 0) {
        if (!reader) {
            snprintf(err, errlen, "a project event needs data");
            return -1;
        }
        s_project(event, data, out);
        sti_reader_destroy(&reader);
        return 0;
    }
    if (!reader) {
        snprintf(err, errlen, "an indicator event needs data");
        return -1;
    }
    if (strcmp(out->type, "duty.overdue") == 0) {
        s_overdue(data, out);
        sti_reader_destroy(&reader);
        return 0;
    }
    if (strcmp(out->type, "org.changed") == 0) {
        int rc = s_org_event(data, out, err, errlen);
        sti_reader_destroy(&reader);
        return rc;
    }
    bool progress = strcmp(out->type, "progress.changed") == 0;
    //  A forecast keeps its classes as the statuses and its year as the period.
    bool forecast = strcmp(out->type, "indicator.forecast_changed") == 0;
    s_str(data, "indicator", out->indicator, sizeof out->indicator);
    s_str(data, "org", out->org, sizeof out->org);
    s_str(data, progress || forecast ? "year" : "period", out->period, sizeof out->period);
    s_str(data, "unit", out->unit, sizeof out->unit);
    s_str(data, forecast ? "class_before" : "status_before", out->status_before,
          sizeof out->status_before);
    s_str(data, forecast ? "class_after" : "status_after", out->status_after,
          sizeof out->status_after);
    s_str(data, "target_year", out->target_year, sizeof out->target_year);
    s_str(data, "reason", out->reason, sizeof out->reason);
    out->has_old = s_num(data, "old", &out->old);
    out->has_new = s_num(data,
                         forecast   ? "projection"
                         : progress ? "value"
                                    : "new",
                         &out->new_value);
    out->has_target = s_num(data, "target", &out->target);
    sti_reader_destroy(&reader);
    if (!*out->indicator || !*out->org) {
        snprintf(err, errlen, "indicator event without indicator or org");
        return -1;
    }
    s_from_catalog(catalog, out);
    if (forecast) {
        s_forecast_names(out);
    }
    return 0;
}

static void s_kv(sti_writer_t *writer, const char *key, const char *value, size_t *count)
{
    if (*value) {
        if (writer) {
            sti_writer_kv_str(writer, key, value);
        }
        (*count)++;
    }
}

static void s_kv_num(sti_writer_t *writer, const char *key, bool has, double value, size_t *count)
{
    if (has) {
        if (writer) {
            sti_writer_kv_double(writer, key, value);
        }
        (*count)++;
    }
}

//  Writes the pairs, or with writer NULL only counts them.
static size_t s_pairs(const notify_alert_event_t *e, sti_writer_t *writer)
{
    size_t n = 0;
    s_kv(writer, "id", e->id, &n);
    s_kv(writer, "type", e->type, &n);
    s_kv(writer, "indicator", e->indicator, &n);
    s_kv(writer, "name_zh", e->name_zh, &n);
    s_kv(writer, "name_en", e->name_en, &n);
    s_kv(writer, "org", e->org, &n);
    s_kv(writer, "org_name_zh", e->org_name_zh, &n);
    s_kv(writer, "org_name_en", e->org_name_en, &n);
    s_kv(writer, "period", e->period, &n);
    s_kv_num(writer, "old", e->has_old, e->old, &n);
    s_kv_num(writer, "new", e->has_new, e->new_value, &n);
    s_kv(writer, "unit", e->unit, &n);
    s_kv_num(writer, "target", e->has_target, e->target, &n);
    s_kv(writer, "target_year", e->target_year, &n);
    s_kv(writer, "status_before", e->status_before, &n);
    s_kv(writer, "status_after", e->status_after, &n);
    s_kv(writer, "category", e->category, &n);
    s_kv(writer, "lang", e->lang, &n);
    s_kv(writer, "reason", e->reason, &n);
    return n;
}

void notify_alert_event_write(const notify_alert_event_t *event, sti_writer_t *writer)
{
    sti_writer_map(writer, s_pairs(event, NULL));
    s_pairs(event, writer);
}

int notify_alert_event_read(sti_node_t map, notify_alert_event_t *out)
{
    memset(out, 0, sizeof *out);
    if (sti_node_type(map) != STI_TYPE_MAP) {
        return -1;
    }
    s_str(map, "id", out->id, sizeof out->id);
    s_str(map, "type", out->type, sizeof out->type);
    s_str(map, "indicator", out->indicator, sizeof out->indicator);
    s_str(map, "name_zh", out->name_zh, sizeof out->name_zh);
    s_str(map, "name_en", out->name_en, sizeof out->name_en);
    s_str(map, "org", out->org, sizeof out->org);
    s_str(map, "org_name_zh", out->org_name_zh, sizeof out->org_name_zh);
    s_str(map, "org_name_en", out->org_name_en, sizeof out->org_name_en);
    s_str(map, "period", out->period, sizeof out->period);
    s_str(map, "unit", out->unit, sizeof out->unit);
    s_str(map, "target_year", out->target_year, sizeof out->target_year);
    s_str(map, "status_before", out->status_before, sizeof out->status_before);
    s_str(map, "status_after", out->status_after, sizeof out->status_after);
    s_str(map, "category", out->category, sizeof out->category);
    s_str(map, "lang", out->lang, sizeof out->lang);
    s_str(map, "reason", out->reason, sizeof out->reason);
    out->has_old = s_num(map, "old", &out->old);
    out->has_new = s_num(map, "new", &out->new_value);
    out->has_target = s_num(map, "target", &out->target);
    return 0;
}

static const char *s_or_null(const char *text)
{
    return *text ? text : NULL;
}

void notify_alert_event_view(const notify_alert_event_t *event, notify_event_t *view)
{
    memset(view, 0, sizeof *view);
    view->event_id = s_or_null(event->id);
    view->type = s_or_null(event->type);
    view->indicator = s_or_null(event->indicator);
    view->name_zh = s_or_null(event->name_zh);
    view->name_en = s_or_null(event->name_en);
    view->org_unit = s_or_null(event->org);
    view->org_name_zh = s_or_null(event->org_name_zh);
    view->org_name_en = s_or_null(event->org_name_en);
    view->period = s_or_null(event->period);
    view->has_old_value = event->has_old;
    view->old_value = event->old;
    view->has_new_value = event->has_new;
    view->new_value = event->new_value;
    view->unit = s_or_null(event->unit);
    view->has_target = event->has_target;
    view->target = event->target;
    view->target_period = s_or_null(event->target_year);
    view->status_before = s_or_null(event->status_before);
    view->status_after = s_or_null(event->status_after);
    view->reason = s_or_null(event->reason);
}
