/*  sti_catalog_io: reading a catalog from a plan directory or MessagePack,
    and writing it to MessagePack. See sti_catalog.h.

    Both ways go through one reader: a plan directory's JSON files are parsed
    with cJSON (each at most STI_PLAN_FILE_MAX bytes), turned into MessagePack
    and read with the codec's typed getters, exactly as a catalog kept in
    Redis is. Every map is checked for unknown keys first. Each record is
    then added through the checks of sti_catalog.c, and sti_catalog_validate
    checks formulas across the catalog. An error names the file (for a
    directory), the record and the field. The talent codes (talent.json,
    optional) and the project feeds (projects.json, optional) are two more
    parts, kept as the maps they are: only sti-talent and sti-projects read
    them, and check them (services/talent/talent_codes.h,
    services/projects/projects_counts.h).
*/
#include "sti_catalog_io.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_REASON 320 // bytes of one reason

typedef enum {
    S_PLAN,
    S_UNITS,
    S_TAGS,
    S_ORG_UNITS,
    S_INDICATORS,
    S_TALENT,
    S_PROJECTS
} s_section_t;

//  Writes "<what>: <field>: <reason>" (or without the field) into err; returns -1.
static int s_fail(char *err, size_t errlen, const char *what, const sti_field_error_t *fe)
{
    if (fe->field[0]) {
        snprintf(err, errlen, "%s: %s: %s", what, fe->field, fe->reason);
    } else {
        snprintf(err, errlen, "%s: %s", what, fe->reason);
    }
    return -1;
}

//  Copies an optional string field ("" when missing or nil). Returns 0 or -1.
static int s_opt_str(sti_node_t map, const char *key, char *buf, size_t cap, sti_field_error_t *fe)
{
    sti_node_t node = sti_node_get(map, key);
    buf[0] = 0;
    if (sti_node_is_missing(node) || sti_node_type(node) == STI_TYPE_NIL) {
        return 0;
    }
    snprintf(fe->field, sizeof fe->field, "%s", key);
    return sti_node_str_copy(node, buf, cap, fe);
}

//  Reads an integer field that must fit an int. Returns 0 or -1.
static int s_map_year(sti_node_t map, const char *key, int *out, sti_field_error_t *fe)
{
    int64_t value;
    if (sti_map_int(map, key, &value, fe)) {
        return -1;
    }
    if (value < 0 || value > 9999) {
        snprintf(fe->reason, sizeof fe->reason, "must be a year");
        return -1;
    }
    *out = (int)value;
    return 0;
}

static int s_read_plan(sti_catalog_t *cat, sti_node_t node, char *err, size_t errlen)
{
    static const char *keys[] = {
        "code",          "name_zh",   "name_en",   "start_year", "end_year",
        "baseline_year", "issued_by", "issued_on", "note",       NULL};
    sti_field_error_t fe = {"", ""};
    sti_plan_t plan;
    memset(&plan, 0, sizeof plan);
    if (sti_map_only(node, keys, &fe) ||
        sti_map_str_copy(node, "code", plan.code, sizeof plan.code, &fe) ||
        s_opt_str(node, "name_zh", plan.name_zh, sizeof plan.name_zh, &fe) ||
        s_opt_str(node, "name_en", plan.name_en, sizeof plan.name_en, &fe) ||
        s_map_year(node, "start_year", &plan.start_year, &fe) ||
        s_map_year(node, "end_year", &plan.end_year, &fe) ||
        s_map_year(node, "baseline_year", &plan.baseline_year, &fe) ||
        s_opt_str(node, "issued_by", plan.issued_by, sizeof plan.issued_by, &fe) ||
        s_opt_str(node, "issued_on", plan.issued_on, sizeof plan.issued_on, &fe) ||
        s_opt_str(node, "note", plan.note, sizeof plan.note, &fe)) {
        return s_fail(err, errlen, "plan", &fe);
    }
    return sti_catalog_set_plan(cat, &plan, err, errlen);
}

//  A name for record i in messages: "<kind> '<code>'" or "<kind> #i".
static void s_name(sti_node_t node, const char *kind, size_t index, char *buf, size_t cap)
{
    char code[STI_CODE_MAX];
    sti_field_error_t fe;
    if (sti_map_str_copy(node, "code", code, sizeof code, &fe) == 0 && code[0]) {
        snprintf(buf, cap, "%s '%s'", kind, code);
    } else {
        snprintf(buf, cap, "%s #%zu", kind, index + 1);
    }
}

static int s_read_unit(sti_catalog_t *cat, sti_node_t node, const char *what, char *err,
                       size_t errlen)
{
    static const char *keys[] = {"code",    "name_en", "family", "factor", "allow_negative",
                                 "integer", "min",     "max",    NULL};
    sti_field_error_t fe = {"", ""};
    sti_unit_t unit;
    memset(&unit, 0, sizeof unit);
    if (sti_map_only(node, keys, &fe) ||
        sti_map_str_copy(node, "code", unit.code, sizeof unit.code, &fe) ||
        s_opt_str(node, "name_en", unit.name_en, sizeof unit.name_en, &fe) ||
        sti_map_str_copy(node, "family", unit.family, sizeof unit.family, &fe) ||
        sti_map_double(node, "factor", &unit.factor, &fe) ||
        sti_map_bool(node, "allow_negative", &unit.allow_negative, &fe)) {
        return s_fail(err, errlen, what, &fe);
    }
    if (!sti_node_is_missing(sti_node_get(node, "integer")) &&
        sti_map_bool(node, "integer", &unit.integer, &fe)) {
        return s_fail(err, errlen, what, &fe);
    }
    unit.has_min = !sti_node_is_missing(sti_node_get(node, "min"));
    unit.has_max = !sti_node_is_missing(sti_node_get(node, "max"));
    if ((unit.has_min && sti_map_double(node, "min", &unit.min, &fe)) ||
        (unit.has_max && sti_map_double(node, "max", &unit.max, &fe))) {
        return s_fail(err, errlen, what, &fe);
    }
    return sti_catalog_add_unit(cat, &unit, err, errlen);
}

static int s_read_tag(sti_catalog_t *cat, sti_node_t node, const char *what, char *err,
                      size_t errlen)
{
    static const char *keys[] = {"code", "kind", "name_zh", "name_en", "source", NULL};
    sti_field_error_t fe = {"", ""};
    sti_tag_t tag;
    memset(&tag, 0, sizeof tag);
    if (sti_map_only(node, keys, &fe) ||
        sti_map_str_copy(node, "code", tag.code, sizeof tag.code, &fe) ||
        sti_map_str_copy(node, "kind", tag.kind, sizeof tag.kind, &fe) ||
        s_opt_str(node, "name_zh", tag.name_zh, sizeof tag.name_zh, &fe) ||
        s_opt_str(node, "name_en", tag.name_en, sizeof tag.name_en, &fe) ||
        s_opt_str(node, "source", tag.source, sizeof tag.source, &fe)) {
        return s_fail(err, errlen, what, &fe);
    }
    return sti_catalog_add_tag(cat, &tag, err, errlen);
}

static int s_read_org(sti_catalog_t *cat, sti_node_t node, const char *what, char *err,
                      size_t errlen)
{
    static const char *keys[] = {"code", "parent", "name_zh", "name_en", NULL};
    sti_field_error_t fe = {"", ""};
    sti_org_unit_t org;
    memset(&org, 0, sizeof org);
    if (sti_map_only(node, keys, &fe) ||
        sti_map_str_copy(node, "code", org.code, sizeof org.code, &fe) ||
        s_opt_str(node, "parent", org.parent, sizeof org.parent, &fe) ||
        s_opt_str(node, "name_zh", org.name_zh, sizeof org.name_zh, &fe) ||
        s_opt_str(node, "name_en", org.name_en, sizeof org.name_en, &fe)) {
        return s_fail(err, errlen, what, &fe);
    }
    if (org.parent[0] && !sti_catalog_org_find(cat, org.parent)) {
        snprintf(err, errlen, "%s: parent: '%s' is not an org unit listed before it", what,
                 org.parent);
        return -1;
    }
    return sti_catalog_org_add(cat, org.code, org.parent, org.name_zh, org.name_en, err, errlen);
}

//  Reads direction, kind and aggregation. Returns 0 or -1 with fe set.
static int s_read_enums(sti_node_t node, sti_indicator_t *ind, sti_field_error_t *fe)
{
    char text[8];
    if (sti_map_str_copy(node, "direction", text, sizeof text, fe) ||
        sti_direction_parse(text, &ind->direction)) {
        snprintf(fe->reason, sizeof fe->reason, "must be \"up\" or \"down\"");
        return -1;
    }
    if (sti_map_str_copy(node, "kind", text, sizeof text, fe) ||
        (strcmp(text, "stock") != 0 && strcmp(text, "flow") != 0)) {
        snprintf(fe->reason, sizeof fe->reason, "must be \"stock\" or \"flow\"");
        return -1;
    }
    ind->kind = strcmp(text, "flow") == 0 ? STI_KIND_FLOW : STI_KIND_STOCK;
    if (sti_map_str_copy(node, "aggregation", text, sizeof text, fe) ||
        (strcmp(text, "sum") != 0 && strcmp(text, "none") != 0)) {
        snprintf(fe->reason, sizeof fe->reason, "must be \"sum\" or \"none\"");
        return -1;
    }
    ind->aggregation = strcmp(text, "none") == 0 ? STI_AGGREGATION_NONE : STI_AGGREGATION_SUM;
    return 0;
}

//  Reads the baseline: nil (then baseline_note is required) or {period, value, source_line}.
static int s_read_baseline(sti_node_t node, sti_indicator_t *ind, sti_field_error_t *fe)
{
    static const char *keys[] = {"period", "value", "source_line", NULL};
    sti_node_t baseline = sti_node_get(node, "baseline");
    snprintf(fe->field, sizeof fe->field, "baseline");
    if (sti_node_is_missing(baseline)) {
        snprintf(fe->reason, sizeof fe->reason, "missing (null when the plan quotes none)");
        return -1;
    }
    if (s_opt_str(node, "baseline_note", ind->baseline_note, sizeof ind->baseline_note, fe)) {
        return -1;
    }
    if (sti_node_type(baseline) == STI_TYPE_NIL) {
        if (!ind->baseline_note[0]) {
            snprintf(fe->field, sizeof fe->field, "baseline_note");
            snprintf(fe->reason, sizeof fe->reason, "needed when baseline is null: say why");
            return -1;
        }
        return 0;
    }
    char period[16], reason[128];
    if (sti_map_only(baseline, keys, fe) ||
        sti_map_str_copy(baseline, "period", period, sizeof period, fe) ||
        sti_map_double(baseline, "value", &ind->baseline_value, fe) ||
        sti_map_str_copy(baseline, "source_line", ind->baseline_source, sizeof ind->baseline_source,
                         fe)) {
        char field[48];
        snprintf(field, sizeof field, "%.47s", fe->field);
        snprintf(fe->field, sizeof fe->field, "baseline.%.47s", field);
        return -1;
    }
    if (sti_period_parse(period, strlen(period), &ind->baseline_period, reason, sizeof reason)) {
        snprintf(fe->field, sizeof fe->field, "baseline.period");
        snprintf(fe->reason, sizeof fe->reason, "%s", reason);
        return -1;
    }
    ind->has_baseline = true;
    return 0;
}

//  Reads tags (array of strings) and targets (array of {year, value}), both optional.
static int s_read_lists(sti_node_t node, sti_indicator_t *ind, sti_field_error_t *fe)
{
    static const char *keys[] = {"year", "value", NULL};
    sti_node_t tags = sti_node_get(node, "tags");
    sti_node_t targets = sti_node_get(node, "targets");
    snprintf(fe->field, sizeof fe->field, "tags");
    if (!sti_node_is_missing(tags) && sti_node_type(tags) != STI_TYPE_ARRAY) {
        snprintf(fe->reason, sizeof fe->reason, "must be an array of tag codes");
        return -1;
    }
    if (sti_node_size(tags) > STI_INDICATOR_TAGS) {
        snprintf(fe->reason, sizeof fe->reason, "more than %d", STI_INDICATOR_TAGS);
        return -1;
    }
    ind->tag_count = sti_node_size(tags);
    for (size_t i = 0; i < ind->tag_count; i++) {
        if (sti_node_str_copy(sti_node_at(tags, i), ind->tags[i], STI_CODE_MAX, fe)) {
            return -1;
        }
    }
    snprintf(fe->field, sizeof fe->field, "targets");
    if (!sti_node_is_missing(targets) && sti_node_type(targets) != STI_TYPE_ARRAY) {
        snprintf(fe->reason, sizeof fe->reason, "must be an array of {year, value}");
        return -1;
    }
    if (sti_node_size(targets) > STI_INDICATOR_TARGETS) {
        snprintf(fe->reason, sizeof fe->reason, "more than %d", STI_INDICATOR_TARGETS);
        return -1;
    }
    ind->target_count = sti_node_size(targets);
    for (size_t i = 0; i < ind->target_count; i++) {
        sti_node_t target = sti_node_at(targets, i);
        if (sti_map_only(target, keys, fe) ||
            s_map_year(target, "year", &ind->targets[i].year, fe) ||
            sti_map_double(target, "value", &ind->targets[i].value, fe)) {
            snprintf(fe->field, sizeof fe->field, "targets");
            return -1;
        }
    }
    return 0;
}

//  Reads the reporting duty's calendar: frequency (default year) and due
//  rule (default the frequency's, sti_due_default). Returns 0 or -1 with fe set.
static int s_read_duty(sti_node_t node, sti_indicator_t *ind, sti_field_error_t *fe)
{
    char text[STI_DUE_TEXT_MAX] = "";
    sti_due_rule_t rule;
    ind->frequency = STI_PERIOD_YEAR;
    if (s_opt_str(node, "frequency", text, sizeof text, fe) ||
        (text[0] && sti_frequency_parse(text, &ind->frequency, fe->reason, sizeof fe->reason))) {
        snprintf(fe->field, sizeof fe->field, "frequency");
        return -1;
    }
    if (s_opt_str(node, "due", ind->due, sizeof ind->due, fe) ||
        (ind->due[0] && sti_due_parse(ind->due, &rule, fe->reason, sizeof fe->reason))) {
        snprintf(fe->field, sizeof fe->field, "due");
        return -1;
    }
    if (!ind->due[0]) {
        snprintf(ind->due, sizeof ind->due, "%s", sti_due_default(ind->frequency));
    }
    return 0;
}

static int s_read_indicator(sti_catalog_t *cat, sti_node_t node, const char *what, char *err,
                            size_t errlen)
{
    static const char *keys[] = {"code",      "name_zh",   "name_en",  "unit",
                                 "direction", "category",  "kind",     "aggregation",
                                 "formula",   "tags",      "baseline", "baseline_note",
                                 "targets",   "frequency", "due",      NULL};
    sti_field_error_t fe = {"", ""};
    sti_indicator_t *ind = (sti_indicator_t *)zmalloc(sizeof(sti_indicator_t));
    int rc = -1;
    if (sti_map_only(node, keys, &fe) ||
        sti_map_str_copy(node, "code", ind->code, sizeof ind->code, &fe) ||
        s_opt_str(node, "name_zh", ind->name_zh, sizeof ind->name_zh, &fe) ||
        s_opt_str(node, "name_en", ind->name_en, sizeof ind->name_en, &fe) ||
        sti_map_str_copy(node, "unit", ind->unit, sizeof ind->unit, &fe) ||
        sti_map_str_copy(node, "category", ind->category, sizeof ind->category, &fe) ||
        s_read_enums(node, ind, &fe) ||
        s_opt_str(node, "formula", ind->formula_text, sizeof ind->formula_text, &fe) ||
        s_read_baseline(node, ind, &fe) || s_read_lists(node, ind, &fe) ||
        s_read_duty(node, ind, &fe)) {
        s_fail(err, errlen, what, &fe);
    } else {
        rc = sti_catalog_add_indicator(cat, ind, err, errlen);
    }
    free(ind);
    return rc;
}

//  Reads one section (the plan map, or an array of records) into cat.
static int s_read_section(sti_catalog_t *cat, s_section_t section, sti_node_t node, char *err,
                          size_t errlen)
{
    static const char *kinds[] = {"plan", "unit", "tag", "org unit", "indicator"};
    if (section == S_TALENT || section == S_PROJECTS) {
        bool talent = section == S_TALENT;
        size_t size = 0;
        void *bytes = sti_node_type(node) == STI_TYPE_MAP ? sti_node_encode(node, &size) : NULL;
        int rc = !bytes   ? -1
                 : talent ? sti_catalog_set_talent(cat, bytes, size, err, errlen)
                          : sti_catalog_set_projects(cat, bytes, size, err, errlen);
        if (!bytes) {
            snprintf(err, errlen, "%s",
                     talent ? "talent: must be a map (the talent codes)"
                            : "projects: must be a map (the project feeds)");
        }
        free(bytes);
        return rc;
    }
    if (section == S_PLAN) {
        if (sti_node_type(node) != STI_TYPE_MAP) {
            snprintf(err, errlen, "plan: must be a map");
            return -1;
        }
        return s_read_plan(cat, node, err, errlen);
    }
    if (sti_node_type(node) != STI_TYPE_ARRAY) {
        snprintf(err, errlen, "%ss: must be an array", kinds[section]);
        return -1;
    }
    for (size_t i = 0; i < sti_node_size(node); i++) {
        sti_node_t record = sti_node_at(node, i);
        char what[96];
        s_name(record, kinds[section], i, what, sizeof what);
        int rc = section == S_UNITS       ? s_read_unit(cat, record, what, err, errlen)
                 : section == S_TAGS      ? s_read_tag(cat, record, what, err, errlen)
                 : section == S_ORG_UNITS ? s_read_org(cat, record, what, err, errlen)
                                          : s_read_indicator(cat, record, what, err, errlen);
        if (rc) {
            return -1;
        }
    }
    return 0;
}

sti_catalog_t *sti_catalog_read(sti_node_t root, char *err, size_t errlen)
{
    static const char *keys[] = {"format",     "plan",   "units",    "tags", "org_units",
                                 "indicators", "talent", "projects", NULL};
    static const char *sections[] = {"plan", "units", "tags", "org_units", "indicators"};
    sti_field_error_t fe = {"", ""};
    if (sti_map_only(root, keys, &fe)) {
        s_fail(err, errlen, "catalog", &fe);
        return NULL;
    }
    int64_t format = 1;
    if (!sti_node_is_missing(sti_node_get(root, "format")) &&
        (sti_map_int(root, "format", &format, &fe) || format != 1)) {
        snprintf(err, errlen, "catalog: format: must be 1");
        return NULL;
    }
    sti_catalog_t *cat = sti_catalog_new();
    for (int s = S_PLAN; s <= S_INDICATORS; s++) {
        sti_node_t node = sti_node_get(root, sections[s]);
        if (sti_node_is_missing(node) && s != S_TAGS) {
            snprintf(err, errlen, "catalog: %s: missing", sections[s]);
            sti_catalog_destroy(&cat);
            return NULL;
        }
        if (!sti_node_is_missing(node) && s_read_section(cat, (s_section_t)s, node, err, errlen)) {
            sti_catalog_destroy(&cat);
            return NULL;
        }
    }
    sti_node_t talent = sti_node_get(root, "talent");
    sti_node_t projects = sti_node_get(root, "projects");
    if ((!sti_node_is_missing(talent) && s_read_section(cat, S_TALENT, talent, err, errlen)) ||
        (!sti_node_is_missing(projects) &&
         s_read_section(cat, S_PROJECTS, projects, err, errlen)) ||
        sti_catalog_validate(cat, err, errlen)) {
        sti_catalog_destroy(&cat);
    }
    return cat;
}

sti_catalog_t *sti_catalog_decode(const void *data, size_t size, char *err, size_t errlen)
{
    char reason[S_REASON];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, reason, sizeof reason);
    if (!reader) {
        snprintf(err, errlen, "catalog: %s", reason);
        return NULL;
    }
    sti_catalog_t *cat = sti_catalog_read(sti_reader_root(reader), err, errlen);
    sti_reader_destroy(&reader);
    return cat;
}

//  --- a plan directory ---

//  Writes a cJSON value as MessagePack. Integral numbers become integers, so
//  that years read as integers; depth is bounded by the reader afterwards.
static void s_json_to_msgpack(const cJSON *item, sti_writer_t *w, int depth)
{
    if (depth > (int)STI_CODEC_MAX_DEPTH + 1) {
        sti_writer_nil(w); // too deep: the reader refuses the nesting anyway
        return;
    }
    if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
        size_t count = (size_t)cJSON_GetArraySize(item);
        if (cJSON_IsObject(item)) {
            sti_writer_map(w, count);
        } else {
            sti_writer_array(w, count);
        }
        for (const cJSON *child = item->child; child; child = child->next) {
            if (cJSON_IsObject(item)) {
                sti_writer_str(w, child->string);
            }
            s_json_to_msgpack(child, w, depth + 1);
        }
    } else if (cJSON_IsString(item)) {
        sti_writer_str(w, item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;
        if (v == floor(v) && fabs(v) < 9007199254740992.0) {
            sti_writer_int(w, (int64_t)v);
        } else {
            sti_writer_double(w, v);
        }
    } else if (cJSON_IsBool(item)) {
        sti_writer_bool(w, cJSON_IsTrue(item));
    } else {
        sti_writer_nil(w);
    }
}

//  Reads dir/name (at most STI_PLAN_FILE_MAX bytes). Returns a new buffer
//  the caller frees, or NULL with err set.
static char *s_read_file(const char *dir, const char *name, size_t *size, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        return NULL;
    }
    char *text = (char *)zmalloc(STI_PLAN_FILE_MAX + 2);
    *size = fread(text, 1, STI_PLAN_FILE_MAX + 1, file);
    bool failed = ferror(file) != 0;
    fclose(file);
    if (failed || *size > STI_PLAN_FILE_MAX) {
        snprintf(err, errlen, "%s: %s", name, failed ? "cannot be read" : "larger than 1 MiB");
        free(text);
        return NULL;
    }
    return text;
}

//  Parses one file and reads it into cat: plan.json is the plan map, the
//  others a map with one key (the section's name) holding an array.
static int s_load_file(sti_catalog_t *cat, const char *dir, s_section_t section, char *err,
                       size_t errlen)
{
    static const char *files[] = {"plan.json",      "units.json",      "tags.json",
                                  "org_units.json", "indicators.json", "talent.json",
                                  "projects.json"};
    static const char *keys[] = {NULL, "units", "tags", "org_units", "indicators", NULL, NULL};
    const char *name = files[section];
    size_t size = 0;
    char *text = s_read_file(dir, name, &size, err, errlen);
    if (!text) {
        return -1;
    }
    if (memchr(text, 0, size)) {
        snprintf(err, errlen, "%s: contains a NUL byte", name);
        free(text);
        return -1;
    }
    //  A UTF-8 byte order mark, as some editors write, is skipped.
    size_t skip = size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    const char *end = NULL;
    //  The length takes in the NUL after the text, which must end the JSON.
    cJSON *json = cJSON_ParseWithLengthOpts(text + skip, size - skip + 1, &end, true);
    if (!json) {
        size_t line = 1;
        for (const char *p = text; end && p < end && p < text + size; p++) {
            line += *p == '\n';
        }
        snprintf(err, errlen, "%s: not valid JSON (line %zu)", name, line);
        free(text);
        return -1;
    }
    free(text);
    sti_writer_t *writer = sti_writer_new();
    s_json_to_msgpack(json, writer, 0);
    cJSON_Delete(json);
    size_t bytes;
    const void *data = sti_writer_data(writer, &bytes);
    char reason[S_REASON];
    int rc = -1;
    sti_reader_t *reader = sti_reader_new(data, bytes, NULL, reason, sizeof reason);
    if (reader) {
        sti_node_t root = sti_reader_root(reader);
        const char *only[] = {keys[section], NULL};
        sti_field_error_t fe = {"", ""};
        if (keys[section] && sti_map_only(root, only, &fe)) {
            snprintf(reason, sizeof reason, "%s: %s", fe.field[0] ? fe.field : "top level",
                     fe.reason);
        } else if (keys[section] && sti_node_is_missing(sti_node_get(root, keys[section]))) {
            snprintf(reason, sizeof reason, "%s: missing", keys[section]);
        } else {
            sti_node_t node = keys[section] ? sti_node_get(root, keys[section]) : root;
            rc = s_read_section(cat, section, node, reason, sizeof reason);
        }
    }
    if (rc) {
        snprintf(err, errlen, "%s: %s", name, reason);
    }
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    return rc;
}

sti_catalog_t *sti_catalog_load_dir(const char *dir, char *err, size_t errlen)
{
    assert(dir);
    sti_catalog_t *cat = sti_catalog_new();
    char path[4096];
    snprintf(path, sizeof path, "%s/talent.json", dir);
    bool talent = access(path, F_OK) == 0; // optional: a plan without a talent registry
    for (int s = S_PLAN; s <= (talent ? S_TALENT : S_INDICATORS); s++) {
        if (s_load_file(cat, dir, (s_section_t)s, err, errlen)) {
            sti_catalog_destroy(&cat);
            return NULL;
        }
    }
    snprintf(path, sizeof path, "%s/projects.json", dir);
    //  Optional too: a plan whose projects feed no indicator.
    if (access(path, F_OK) == 0 && s_load_file(cat, dir, S_PROJECTS, err, errlen)) {
        sti_catalog_destroy(&cat);
        return NULL;
    }
    char reason[S_REASON];
    if (!sti_catalog_org_root(cat)) {
        snprintf(err, errlen, "org_units.json: org_units: the root org unit is missing");
        sti_catalog_destroy(&cat);
    } else if (sti_catalog_validate(cat, reason, sizeof reason)) {
        snprintf(err, errlen, "indicators.json: %s", reason);
        sti_catalog_destroy(&cat);
    }
    return cat;
}

//  --- MessagePack writing ---

static void s_write_plan(const sti_plan_t *plan, sti_writer_t *w)
{
    sti_writer_map(w, 9);
    sti_writer_kv_str(w, "code", plan->code);
    sti_writer_kv_str(w, "name_zh", plan->name_zh);
    sti_writer_kv_str(w, "name_en", plan->name_en);
    sti_writer_kv_int(w, "start_year", plan->start_year);
    sti_writer_kv_int(w, "end_year", plan->end_year);
    sti_writer_kv_int(w, "baseline_year", plan->baseline_year);
    sti_writer_kv_str(w, "issued_by", plan->issued_by);
    sti_writer_kv_str(w, "issued_on", plan->issued_on);
    sti_writer_kv_str(w, "note", plan->note);
}

static void s_write_units(const sti_units_t *units, sti_writer_t *w)
{
    sti_writer_array(w, sti_units_size(units));
    for (size_t i = 0; i < sti_units_size(units); i++) {
        const sti_unit_t *unit = sti_units_at(units, i);
        sti_writer_map(w, 5 + unit->integer + unit->has_min + unit->has_max);
        sti_writer_kv_str(w, "code", unit->code);
        sti_writer_kv_str(w, "name_en", unit->name_en);
        sti_writer_kv_str(w, "family", unit->family);
        sti_writer_kv_double(w, "factor", unit->factor);
        sti_writer_kv_bool(w, "allow_negative", unit->allow_negative);
        if (unit->integer) {
            sti_writer_kv_bool(w, "integer", true);
        }
        if (unit->has_min) {
            sti_writer_kv_double(w, "min", unit->min);
        }
        if (unit->has_max) {
            sti_writer_kv_double(w, "max", unit->max);
        }
    }
}

static void s_write_tags_orgs(const sti_catalog_t *self, sti_writer_t *w)
{
    sti_writer_str(w, "tags");
    sti_writer_array(w, sti_catalog_tag_count(self));
    for (size_t i = 0; i < sti_catalog_tag_count(self); i++) {
        const sti_tag_t *tag = sti_catalog_tag_at(self, i);
        sti_writer_map(w, 5);
        sti_writer_kv_str(w, "code", tag->code);
        sti_writer_kv_str(w, "kind", tag->kind);
        sti_writer_kv_str(w, "name_zh", tag->name_zh);
        sti_writer_kv_str(w, "name_en", tag->name_en);
        sti_writer_kv_str(w, "source", tag->source);
    }
    sti_writer_str(w, "org_units");
    sti_writer_array(w, sti_catalog_org_count(self));
    for (size_t i = 0; i < sti_catalog_org_count(self); i++) {
        const sti_org_unit_t *org = sti_catalog_org_at(self, i);
        sti_writer_map(w, 4);
        sti_writer_kv_str(w, "code", org->code);
        sti_writer_kv_str(w, "parent", org->parent[0] ? org->parent : NULL);
        sti_writer_kv_str(w, "name_zh", org->name_zh);
        sti_writer_kv_str(w, "name_en", org->name_en);
    }
}

void sti_catalog_write_indicator(const sti_indicator_t *ind, sti_indicator_form_t form,
                                 sti_writer_t *w)
{
    assert(ind && w);
    static const char *kinds[] = {"stock", "flow"};
    static const char *aggregations[] = {"sum", "none"};
    bool shown = form == STI_INDICATOR_AS_SHOWN;
    bool formula = shown || ind->formula_text[0] != 0;
    bool note = !shown && ind->baseline_note[0] != 0;
    sti_writer_map(w, 13 + formula + shown + note);
    sti_writer_kv_str(w, "code", ind->code);
    sti_writer_kv_str(w, "name_zh", ind->name_zh);
    sti_writer_kv_str(w, "name_en", ind->name_en);
    sti_writer_kv_str(w, "unit", ind->unit);
    sti_writer_kv_str(w, "direction", sti_direction_name(ind->direction));
    sti_writer_kv_str(w, "category", ind->category);
    sti_writer_kv_str(w, "kind", kinds[ind->kind]);
    sti_writer_kv_str(w, "aggregation", aggregations[ind->aggregation]);
    sti_writer_kv_str(w, "frequency", sti_frequency_name(ind->frequency));
    sti_writer_kv_str(w, "due", ind->due[0] ? ind->due : sti_due_default(ind->frequency));
    if (formula) {
        sti_writer_kv_str(w, "formula", !shown || ind->formula ? ind->formula_text : NULL);
    }
    if (shown) {
        size_t inputs = ind->formula ? sti_formula_input_count(ind->formula) : 0;
        sti_writer_str(w, "inputs");
        sti_writer_array(w, inputs);
        for (size_t i = 0; i < inputs; i++) {
            sti_writer_str(w, sti_formula_input(ind->formula, i));
        }
    }
    sti_writer_str(w, "tags");
    sti_writer_array(w, ind->tag_count);
    for (size_t i = 0; i < ind->tag_count; i++) {
        sti_writer_str(w, ind->tags[i]);
    }
    sti_writer_str(w, "baseline");
    if (ind->has_baseline) {
        char period[STI_PERIOD_TEXT_MAX];
        sti_period_format(&ind->baseline_period, period, sizeof period);
        sti_writer_map(w, 3);
        sti_writer_kv_str(w, "period", period);
        sti_writer_kv_double(w, "value", ind->baseline_value);
        sti_writer_kv_str(w, "source_line", ind->baseline_source);
    } else {
        sti_writer_nil(w);
    }
    if (note) {
        sti_writer_kv_str(w, "baseline_note", ind->baseline_note);
    }
    sti_writer_str(w, "targets");
    sti_writer_array(w, ind->target_count);
    for (size_t i = 0; i < ind->target_count; i++) {
        sti_writer_map(w, 2);
        sti_writer_kv_int(w, "year", ind->targets[i].year);
        sti_writer_kv_double(w, "value", ind->targets[i].value);
    }
}

void sti_catalog_write(const sti_catalog_t *self, sti_writer_t *writer)
{
    assert(self && writer);
    size_t talent_size = 0, projects_size = 0;
    const void *talent = sti_catalog_talent(self, &talent_size);
    const void *projects = sti_catalog_projects(self, &projects_size);
    sti_writer_map(writer, 6 + (talent != NULL) + (projects != NULL));
    sti_writer_kv_int(writer, "format", 1);
    sti_writer_str(writer, "plan");
    if (sti_catalog_plan(self)) {
        s_write_plan(sti_catalog_plan(self), writer);
    } else {
        sti_writer_nil(writer);
    }
    sti_writer_str(writer, "units");
    s_write_units(sti_catalog_units(self), writer);
    s_write_tags_orgs(self, writer);
    sti_writer_str(writer, "indicators");
    sti_writer_array(writer, sti_catalog_indicator_count(self));
    for (size_t i = 0; i < sti_catalog_indicator_count(self); i++) {
        sti_catalog_write_indicator(sti_catalog_indicator_at(self, i), STI_INDICATOR_AS_PLAN,
                                    writer);
    }
    if (talent) {
        sti_writer_str(writer, "talent");
        sti_writer_raw(writer, talent, talent_size);
    }
    if (projects) {
        sti_writer_str(writer, "projects");
        sti_writer_raw(writer, projects, projects_size);
    }
}
