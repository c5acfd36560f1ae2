/*  indicators_duties: the reporting duty ops. See the header.

    Lists of indicators are kept as "a,b,c" (codes are [a-z][a-z0-9_]*, so
    never hold a comma), a contact as its four fields joined by tabs (the
    fields may hold no control characters).
*/
#include "indicators_duties.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_catalog.h"
#include "indicators_duty_book.h"
#include "sti_time.h"

#define S_LIST_MAX (STI_CATALOG_INDICATORS * STI_CODE_MAX) // bytes of "a,b,c"
#define S_BAD_MAX 32                                       // bad elements named at most

struct _indicators_duties_t {
    sti_catalog_store_t *catalog;   // borrowed
    indicators_duty_store_t *store; // borrowed
};

indicators_duties_t *indicators_duties_new(sti_catalog_store_t *catalog,
                                           indicators_duty_store_t *store)
{
    assert(catalog && store);
    indicators_duties_t *self = (indicators_duties_t *)calloc(1, sizeof *self);
    assert(self);
    self->catalog = catalog;
    self->store = store;
    return self;
}

void indicators_duties_destroy(indicators_duties_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  The problems of one list of indicator codes, as details.
typedef struct {
    sti_detail_t details[S_BAD_MAX]; // {index, field, reason}
    char reasons[S_BAD_MAX][160];    // their texts
    size_t count;                    // how many
} s_problems_t;

static void s_problem(s_problems_t *problems, int64_t index, const char *field, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static void s_problem(s_problems_t *problems, int64_t index, const char *field, const char *fmt,
                      ...)
{
    if (problems->count < S_BAD_MAX) {
        size_t i = problems->count++;
        va_list args;
        va_start(args, fmt);
        vsnprintf(problems->reasons[i], sizeof problems->reasons[i], fmt, args);
        va_end(args);
        problems->details[i] = (sti_detail_t){index, field, problems->reasons[i]};
    }
}

//  Whether code is one of list "a,b,c".
static bool s_in_list(const char *list, const char *code)
{
    size_t len = strlen(code);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncmp(p, code, len) == 0) {
            return true;
        }
        p += n + (comma != NULL);
    }
    return false;
}

//  Reads the body's array key of indicator codes into list "a,b,c",
//  checking each against catalog (an indicator, reported, not twice).
static void s_codes(const sti_call_t *call, const sti_catalog_t *catalog, const char *key,
                    char *list, s_problems_t *problems)
{
    sti_node_t array = sti_node_get(call->request->body, key);
    size_t count = sti_node_size(array), at = 0;
    list[0] = 0;
    for (size_t i = 0; i < count; i++) {
        char code[STI_CODE_MAX];
        sti_field_error_t fe;
        if (sti_node_str_copy(sti_node_at(array, i), code, sizeof code, &fe)) {
            s_problem(problems, (int64_t)i, key, "%s", "must be an indicator code");
            continue;
        }
        const sti_indicator_t *ind = sti_catalog_indicator_find(catalog, code);
        if (!ind) {
            s_problem(problems, (int64_t)i, key, "'%s' is not an indicator of the catalog", code);
        } else if (ind->formula_text[0]) {
            s_problem(problems, (int64_t)i, key,
                      "'%s' is derived (computed from a formula), not reported", code);
        } else if (s_in_list(list, code)) {
            s_problem(problems, (int64_t)i, key, "'%s' is listed twice", code);
        } else {
            at += (size_t)snprintf(list + at, S_LIST_MAX - at, "%s%s", at ? "," : "", code);
        }
    }
}

//  Answers the problems, if any. Returns true when it did.
static bool s_refused(const sti_call_t *call, const s_problems_t *problems)
{
    if (problems->count == 0) {
        return false;
    }
    char message[256];
    snprintf(message, sizeof message, "%s.%lld: %s", problems->details[0].field,
             (long long)problems->details[0].index, problems->details[0].reason);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT, message,
                             problems->details, problems->count);
    return true;
}

//  Writes the change with its duty.changed event {change, subject, by,
//  fields...} and answers {changed}.
static int s_put(indicators_duties_t *self, const sti_call_t *call, const char *change,
                 const char *subject, const indicators_duty_put_t *puts, size_t count)
{
    char time[40], topic[STI_EVENTS_TOPIC_MAX + 1], subj[STI_EVENTS_SUBJECT_MAX];
    snprintf(topic, sizeof topic, "ind._duty.%s", subject);
    snprintf(subj, sizeof subj, "%s/%s", change, subject);
    sti_writer_t *data = sti_writer_new();
    sti_writer_map(data, 3 + count);
    sti_writer_kv_str(data, "change", change);
    sti_writer_kv_str(data, "subject", subject);
    sti_writer_kv_str(data, "by", call->caller->name);
    static const char *const names[INDICATORS_DUTY_HASHES] = {"type", "assigned", "add",
                                                              "drop", "contact",  "rule"};
    for (size_t i = 0; i < count; i++) {
        sti_writer_kv_str(data, names[puts[i].hash], puts[i].value);
    }
    size_t size;
    const void *bytes = sti_writer_data(data, &size);
    indicators_duty_event_t event = {topic, INDICATORS_DUTY_EVENT_TYPE,
                                     subj,  sti_time_rfc3339(sti_time_now_ms(), time, sizeof time),
                                     bytes, size};
    bool changed = false;
    char err[512] = "";
    int rc = indicators_duty_store_put(self->store, puts, count, &event, &changed, err, sizeof err);
    sti_writer_destroy(&data);
    if (rc) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE, err, NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 1);
    sti_writer_kv_bool(call->reply, "changed", changed);
    return 0;
}

//  The org unit the body's "org" names, or NULL after answering not_found.
static const sti_org_unit_t *s_org(const sti_call_t *call, const sti_catalog_t *catalog, char *code,
                                   size_t cap)
{
    if (indicators_body_str(call, "org", code, cap)) {
        return NULL;
    }
    const sti_org_unit_t *org = sti_catalog_org_find(catalog, code);
    if (!org) {
        char err[160];
        snprintf(err, sizeof err, "org: '%s' is not an org unit (stictl org list)", code);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, err, NULL, 0);
    }
    return org;
}

//  Checks a unit type; answers invalid_argument when it is not one.
static bool s_type_ok(const sti_call_t *call, const char *type)
{
    if (indicators_unit_type_valid(type)) {
        return true;
    }
    char err[200];
    snprintf(err, sizeof err,
             "type: '%.32s' is not a unit type (town, street, platform, department, district)",
             type);
    sti_detail_t detail = {-1, "type", err + 6};
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT, err, &detail,
                             1);
    return false;
}

static int s_set_type(void *object, const sti_call_t *call)
{
    indicators_duties_t *self = (indicators_duties_t *)object;
    char code[STI_CODE_MAX], type[INDICATORS_UNIT_TYPE_MAX];
    const sti_catalog_t *catalog = indicators_catalog_read(self->catalog, call);
    if (!catalog || !s_org(call, catalog, code, sizeof code) ||
        indicators_body_str(call, "type", type, sizeof type) || !s_type_ok(call, type)) {
        return 0;
    }
    indicators_duty_put_t put = {INDICATORS_DUTY_TYPE, code, type};
    return s_put(self, call, "org.type", code, &put, 1);
}

static int s_assign(void *object, const sti_call_t *call)
{
    indicators_duties_t *self = (indicators_duties_t *)object;
    char type[INDICATORS_UNIT_TYPE_MAX];
    const sti_catalog_t *catalog = indicators_catalog_read(self->catalog, call);
    if (!catalog || indicators_body_str(call, "type", type, sizeof type) ||
        !s_type_ok(call, type)) {
        return 0;
    }
    char *list = (char *)malloc(S_LIST_MAX);
    assert(list);
    s_problems_t problems = {.count = 0};
    s_codes(call, catalog, "indicators", list, &problems);
    int rc = 0;
    if (!s_refused(call, &problems)) {
        indicators_duty_put_t put = {INDICATORS_DUTY_ASSIGN, type, list};
        rc = s_put(self, call, "type.assign", type, &put, 1);
    }
    free(list);
    return rc;
}

//  Joins the contact's four fields by tabs into buf, refusing control
//  characters. Returns 0, or -1 with the problem noted.
static int s_contact(const sti_call_t *call, char *buf, size_t cap, s_problems_t *problems)
{
    static const char *const keys[] = {"contact_name", "contact_phone", "contact_email",
                                       "contact_dingtalk"};
    size_t at = 0;
    bool any = false;
    buf[0] = 0;
    for (size_t k = 0; k < 4; k++) {
        char value[INDICATORS_CONTACT_MAX];
        if (indicators_body_str(call, keys[k], value, sizeof value)) {
            return -1;
        }
        for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                s_problem(problems, -1, keys[k], "%s", "must not hold control characters");
                break;
            }
        }
        any = any || value[0];
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", k ? "\t" : "", value);
    }
    if (!any) {
        buf[0] = 0;
    }
    return 0;
}

static int s_duty_set(void *object, const sti_call_t *call)
{
    indicators_duties_t *self = (indicators_duties_t *)object;
    char code[STI_CODE_MAX], contact[4 * INDICATORS_CONTACT_MAX];
    const sti_catalog_t *catalog = indicators_catalog_read(self->catalog, call);
    if (!catalog || !s_org(call, catalog, code, sizeof code)) {
        return 0;
    }
    char *add = (char *)malloc(S_LIST_MAX), *drop = (char *)malloc(S_LIST_MAX);
    assert(add && drop);
    s_problems_t problems = {.count = 0};
    s_codes(call, catalog, "add", add, &problems);
    s_codes(call, catalog, "drop", drop, &problems);
    int rc = 0;
    if (s_contact(call, contact, sizeof contact, &problems) == 0 && !s_refused(call, &problems)) {
        if (sti_catalog_org_find(catalog, code)->retired) {
            char err[160];
            snprintf(err, sizeof err, "org: '%s' is retired and reports nothing", code);
            sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT, err,
                                     NULL, 0);
        } else {
            indicators_duty_put_t puts[3] = {{INDICATORS_DUTY_ADD, code, add},
                                             {INDICATORS_DUTY_DROP, code, drop},
                                             {INDICATORS_DUTY_CONTACT, code, contact}};
            rc = s_put(self, call, "org.duty", code, puts, 3);
        }
    }
    free(add);
    free(drop);
    return rc;
}

//  Reads duty.rule's body into "frequency due" ("" when neither is given).
//  Returns 0, or -1 after answering.
static int s_rule_text(const sti_call_t *call, const sti_indicator_t *ind, char *text, size_t cap)
{
    char freq[16], due[STI_DUE_TEXT_MAX], reason[160];
    sti_period_kind_t frequency = ind->frequency;
    sti_due_rule_t rule;
    if (indicators_body_str(call, "frequency", freq, sizeof freq) ||
        indicators_body_str(call, "due", due, sizeof due)) {
        return -1;
    }
    const char *field = NULL;
    if (freq[0] && sti_frequency_parse(freq, &frequency, reason, sizeof reason)) {
        field = "frequency";
    } else if (due[0] && sti_due_parse(due, &rule, reason, sizeof reason)) {
        field = "due";
    }
    if (field) {
        char err[256];
        snprintf(err, sizeof err, "%s: %s", field, reason);
        sti_detail_t detail = {-1, field, reason};
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT, err,
                                 &detail, 1);
        return -1;
    }
    text[0] = 0;
    if (freq[0] || due[0]) {
        snprintf(text, cap, "%s %s", sti_frequency_name(frequency),
                 due[0] ? due : sti_due_default(frequency));
    }
    return 0;
}

static int s_rule(void *object, const sti_call_t *call)
{
    indicators_duties_t *self = (indicators_duties_t *)object;
    char code[STI_CODE_MAX], text[64];
    const sti_catalog_t *catalog = indicators_catalog_read(self->catalog, call);
    if (!catalog || indicators_body_str(call, "indicator", code, sizeof code)) {
        return 0;
    }
    const sti_indicator_t *ind = sti_catalog_indicator_find(catalog, code);
    if (!ind) {
        char err[160];
        snprintf(err, sizeof err, "indicator: '%s' is not an indicator of the catalog", code);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, err, NULL, 0);
        return 0;
    }
    if (s_rule_text(call, ind, text, sizeof text)) {
        return 0;
    }
    indicators_duty_put_t put = {INDICATORS_DUTY_RULE, code, text};
    return s_put(self, call, "indicator.rule", code, &put, 1);
}

//  Writes one unit of duty.list.
static void s_write_unit(const indicators_duty_unit_t *unit, sti_writer_t *w)
{
    sti_writer_map(w, 10);
    sti_writer_kv_str(w, "org", unit->org->code);
    sti_writer_kv_str(w, "name_zh", unit->org->name_zh);
    sti_writer_kv_str(w, "name_en", unit->org->name_en);
    sti_writer_kv_str(w, "type", unit->type[0] ? unit->type : NULL);
    sti_writer_kv_bool(w, "retired", unit->org->retired);
    sti_writer_kv_str(w, "contact_name", unit->contact_name);
    sti_writer_kv_str(w, "contact_phone", unit->contact_phone);
    sti_writer_kv_str(w, "contact_email", unit->contact_email);
    sti_writer_kv_str(w, "contact_dingtalk", unit->contact_dingtalk);
    sti_writer_str(w, "indicators");
    sti_writer_array(w, unit->duty_count);
    for (size_t d = 0; d < unit->duty_count; d++) {
        const indicators_duty_t *duty = &unit->duties[d];
        sti_writer_map(w, 4);
        sti_writer_kv_str(w, "indicator", duty->indicator->code);
        sti_writer_kv_str(w, "frequency", sti_frequency_name(duty->rule->frequency));
        sti_writer_kv_str(w, "due", duty->rule->due);
        sti_writer_kv_bool(w, "rule_set", duty->rule->overridden);
    }
}

static int s_list(void *object, const sti_call_t *call)
{
    indicators_duties_t *self = (indicators_duties_t *)object;
    char org[STI_CODE_MAX], err[512];
    indicators_duty_pairs_t hashes[INDICATORS_DUTY_HASHES];
    const sti_catalog_t *catalog = indicators_catalog_read(self->catalog, call);
    if (!catalog || indicators_body_str(call, "org", org, sizeof org)) {
        return 0;
    }
    if (indicators_duty_store_read(self->store, hashes, err, sizeof err)) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE, err, NULL, 0);
        return 0;
    }
    indicators_duty_book_t *book = indicators_duty_book_new(catalog, hashes);
    size_t units = indicators_duty_book_unit_count(book), shown = 0;
    for (size_t i = 0; i < units; i++) {
        shown += !org[0] || strcmp(indicators_duty_book_unit_at(book, i)->org->code, org) == 0;
    }
    sti_writer_t *w = call->reply;
    sti_envelope_reply_ok(w, call->request->id);
    sti_writer_map(w, 2);
    sti_writer_str(w, "types");
    size_t types = 0;
    while (indicators_unit_types[types]) {
        types++;
    }
    sti_writer_array(w, types);
    for (size_t t = 0; t < types; t++) {
        sti_writer_map(w, 2);
        sti_writer_kv_str(w, "type", indicators_unit_types[t]);
        sti_writer_kv_str(w, "indicators",
                          indicators_duty_book_assigned(book, indicators_unit_types[t]));
    }
    sti_writer_str(w, "units");
    sti_writer_array(w, shown);
    for (size_t i = 0; i < units; i++) {
        const indicators_duty_unit_t *unit = indicators_duty_book_unit_at(book, i);
        if (!org[0] || strcmp(unit->org->code, org) == 0) {
            s_write_unit(unit, w);
        }
    }
    indicators_duty_book_destroy(&book);
    return 0;
}

//  --- the declarations ---

static const sti_arg_t s_code_element[] = {
    {NULL, STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL, "an indicator's code"},
    STI_ARGS_END,
};

#define S_CODES(key, doc)                                                                          \
    {                                                                                              \
        key, STI_ARG_ARRAY, STI_OPTIONAL, 0, STI_CATALOG_INDICATORS, s_code_element, doc           \
    }
#define S_CONTACT(key, doc)                                                                        \
    {                                                                                              \
        key, STI_ARG_STR, STI_OPTIONAL, 0, INDICATORS_CONTACT_MAX - 1, NULL, doc                   \
    }

static const sti_arg_t s_type_body[] = {
    {"org", STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL, "the org unit's code"},
    {"type", STI_ARG_STR, STI_REQUIRED, 1, INDICATORS_UNIT_TYPE_MAX - 1, NULL,
     "town, street, platform, department or district"},
    STI_ARGS_END,
};

static const sti_arg_t s_assign_body[] = {
    {"type", STI_ARG_STR, STI_REQUIRED, 1, INDICATORS_UNIT_TYPE_MAX - 1, NULL,
     "town, street, platform, department or district"},
    S_CODES("indicators", "the indicators every unit of the type reports (replaces the list)"),
    STI_ARGS_END,
};

static const sti_arg_t s_set_body[] = {
    {"org", STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL, "the org unit's code"},
    S_CODES("add", "indicators it reports besides its type's"),
    S_CODES("drop", "indicators of its type it does not report"),
    S_CONTACT("contact_name", "the responsible contact's name"),
    S_CONTACT("contact_phone", "their phone"),
    S_CONTACT("contact_email", "their e-mail"),
    S_CONTACT("contact_dingtalk", "their DingTalk user id"),
    STI_ARGS_END,
};

static const sti_arg_t s_rule_body[] = {
    {"indicator", STI_ARG_STR, STI_REQUIRED, 1, STI_CODE_MAX - 1, NULL, "the indicator's code"},
    {"frequency", STI_ARG_STR, STI_OPTIONAL, 0, 15, NULL, "year, quarter or month"},
    {"due", STI_ARG_STR, STI_OPTIONAL, 0, STI_DUE_TEXT_MAX - 1, NULL,
     "time after the period's end, ISO 8601: P2M, P20D, P1M15D"},
    STI_ARGS_END,
};

static const sti_arg_t s_list_body[] = {
    {"org", STI_ARG_STR, STI_OPTIONAL, 0, STI_CODE_MAX - 1, NULL, "only this org unit"},
    STI_ARGS_END,
};

#define S_WRITE_NOTE                                                                               \
    "Appends a `duty.changed` event (who, what, the new values) in the same step; setting what "   \
    "is there already answers `changed: false` and appends nothing, so a retry applies once. "

static const sti_op_decl_t s_ops[] = {
    {"org.set_type", s_set_type, STI_OP_CHANGES, s_type_body,
     "sets an org unit's unit type, which decides the indicators it reports by default",
     "{changed}",
     S_WRITE_NOTE "Errors: `not_found` (no such org unit), `invalid_argument` (not a unit type)."},
    {"duty.assign", s_assign, STI_OP_CHANGES, s_assign_body,
     "sets the indicators every org unit of a unit type reports", "{changed}",
     S_WRITE_NOTE "Every code must be a reported indicator of the catalog; each one that is not "
                  "(unknown, derived, listed twice) is a detail `{index, field, reason}` and "
                  "nothing is written. An empty list assigns nothing."},
    {"duty.set", s_duty_set, STI_OP_CHANGES, s_set_body,
     "sets an org unit's own duties: indicators added to or dropped from its type's, and its "
     "responsible contact (replaces what was set)",
     "{changed}",
     S_WRITE_NOTE "Codes are checked as `duty.assign` checks them; contact fields may hold no "
                  "control characters. Errors: `not_found` (no such org unit), "
                  "`invalid_argument`."},
    {"duty.rule", s_rule, STI_OP_CHANGES, s_rule_body,
     "sets how often an indicator is reported and by when, over the catalog's (neither key: "
     "back to the catalog's)",
     "{changed}",
     S_WRITE_NOTE "`due` without `frequency` keeps the catalog's frequency; `frequency` without "
                  "`due` takes the frequency's default (year P2M, quarter P20D, month P15D). "
                  "Errors: `not_found` (no such indicator), `invalid_argument`."},
    {"duty.list", s_list, STI_ROLES_ANY, s_list_body,
     "the unit types' indicators and every org unit's duties and contact",
     "{types: [{type, indicators}], units: [{org, name_zh, name_en, type, retired, contact_name, "
     "contact_phone, contact_email, contact_dingtalk, indicators: [{indicator, frequency, due, "
     "rule_set}]}]}",
     "Units with a type, duties of their own or a contact, in catalog order; a retired unit "
     "reports nothing. `indicators` of a type is \"a,b,c\"."},
    STI_OPS_END,
};

const sti_op_table_t indicators_duties_ops = {"indicators_duties", s_ops};
