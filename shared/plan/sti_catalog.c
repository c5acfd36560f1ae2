/*  sti_catalog: the plan's catalog in memory. See sti_catalog.h.

    Records live in growing arrays, with a hash from code to position for
    indicators and org units (the lookups ingest makes for every row). Every
    record is checked on the way in, whether it comes from a plan directory,
    from MessagePack or from an operator, so a catalog in memory is always
    consistent once sti_catalog_validate has passed. Reading and writing (JSON
    and MessagePack) are in sti_catalog_io.c; this file holds the model and
    its checks.
*/
#include "sti_catalog.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sti_plan_text.h"

struct _sti_catalog_t {
    sti_plan_t plan;                // the header
    bool has_plan;                  // whether the header is set
    sti_units_t *units;             // the units table
    sti_tag_t *tags;                // tags, in the order added
    size_t tag_count;               // tags in use
    sti_indicator_t *indicators;    // indicators, in the order added
    size_t indicator_count;         // indicators in use
    size_t indicator_cap;           // indicators allocated
    zhashx_t *indicator_index;      // code -> position + 1
    sti_org_tree_t *orgs;           // the org units
    sti_org_targets_t *org_targets; // the targets of org units other than the root
    size_t *derived_order;          // positions of derived indicators, inputs first
    size_t derived_count;           // entries of derived_order
    void *talent;                   // the talent codes (one encoded map), or NULL
    size_t talent_size;             // bytes of talent
    void *projects;                 // the projects' feeds (one encoded map), or NULL
    size_t projects_size;           // bytes of projects
};

sti_catalog_t *sti_catalog_new(void)
{
    sti_catalog_t *self = (sti_catalog_t *)zmalloc(sizeof(sti_catalog_t));
    self->units = sti_units_new();
    self->tags = (sti_tag_t *)zmalloc(STI_CATALOG_TAGS * sizeof(sti_tag_t));
    self->indicator_index = zhashx_new();
    self->orgs = sti_org_tree_new();
    self->org_targets = sti_org_targets_new();
    return self;
}

void sti_catalog_destroy(sti_catalog_t **self_p)
{
    assert(self_p);
    sti_catalog_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->indicator_count; i++) {
            sti_formula_destroy(&self->indicators[i].formula);
        }
        sti_units_destroy(&self->units);
        zhashx_destroy(&self->indicator_index);
        sti_org_tree_destroy(&self->orgs);
        sti_org_targets_destroy(&self->org_targets);
        free(self->tags);
        free(self->indicators);
        free(self->derived_order);
        free(self->talent);
        free(self->projects);
        free(self);
        *self_p = NULL;
    }
}

//  --- checks ---

int sti_catalog_set_plan(sti_catalog_t *self, const sti_plan_t *plan, char *err, size_t errlen)
{
    assert(self && plan);
    const char *field = NULL;
    if (!sti_code_valid(plan->code, true, false)) {
        field = "code: must be 1 to 64 of a-z, 0-9, '_' and '-'";
    } else if (!sti_text_valid(plan->name_zh, STI_NAME_MAX) ||
               !sti_text_valid(plan->name_en, STI_NAME_MAX) ||
               (!plan->name_zh[0] && !plan->name_en[0])) {
        field = "name_zh, name_en: one is needed, each at most 256 bytes of text";
    } else if (plan->start_year < STI_PERIOD_MIN_YEAR || plan->end_year > STI_PERIOD_MAX_YEAR ||
               plan->start_year > plan->end_year) {
        field = "start_year, end_year: must be years within 2000–2100, start <= end";
    } else if (plan->baseline_year < STI_PERIOD_MIN_YEAR || plan->baseline_year > plan->end_year) {
        field = "baseline_year: must be a year from 2000 up to end_year";
    } else if (!sti_text_valid(plan->issued_by, STI_NAME_MAX) ||
               !sti_text_valid(plan->issued_on, 16) || !sti_text_valid(plan->note, STI_TEXT_MAX)) {
        field = "issued_by, issued_on, note: too long or not text";
    }
    if (field) {
        snprintf(err, errlen, "plan: %s", field);
        return -1;
    }
    self->plan = *plan;
    self->has_plan = true;
    return 0;
}

int sti_catalog_add_unit(sti_catalog_t *self, const sti_unit_t *unit, char *err, size_t errlen)
{
    assert(self && unit);
    return sti_units_add(self->units, unit, err, errlen);
}

int sti_catalog_add_tag(sti_catalog_t *self, const sti_tag_t *tag, char *err, size_t errlen)
{
    assert(self && tag);
    if (!sti_code_valid(tag->code, false, true)) {
        snprintf(err, errlen, "tag: code must be 1 to 64 of a-z, 0-9 and '_', from a letter");
        return -1;
    }
    if (!sti_code_valid(tag->kind, false, true) || strlen(tag->kind) >= STI_CATEGORY_MAX) {
        snprintf(err, errlen, "tag '%s': kind: must be 1 to 32 of a-z, 0-9 and '_'", tag->code);
        return -1;
    }
    if (!sti_text_valid(tag->name_zh, STI_NAME_MAX) ||
        !sti_text_valid(tag->name_en, STI_NAME_MAX) || !sti_text_valid(tag->source, STI_NAME_MAX) ||
        (!tag->name_zh[0] && !tag->name_en[0])) {
        snprintf(err, errlen, "tag '%s': name_zh, name_en: one is needed, at most 256 bytes each",
                 tag->code);
        return -1;
    }
    if (sti_catalog_tag_find(self, tag->code)) {
        snprintf(err, errlen, "tag '%s' is defined twice", tag->code);
        return -1;
    }
    if (self->tag_count == STI_CATALOG_TAGS) {
        snprintf(err, errlen, "more than %d tags", STI_CATALOG_TAGS);
        return -1;
    }
    self->tags[self->tag_count++] = *tag;
    return 0;
}

//  Checks a value against the indicator's unit; field names what it is.
static int s_check_value(const sti_catalog_t *self, const sti_indicator_t *indicator,
                         const char *field, double value, char *err, size_t errlen)
{
    char reason[160];
    const sti_unit_t *unit = sti_units_find(self->units, indicator->unit);
    if (unit && sti_unit_check(unit, value, reason, sizeof reason)) {
        snprintf(err, errlen, "indicator '%s': %s: %s", indicator->code, field, reason);
        return -1;
    }
    return 0;
}

//  Checks names, unit, category and enums of an indicator.
static int s_check_fields(const sti_catalog_t *self, const sti_indicator_t *ind, char *err,
                          size_t errlen)
{
    const char *field = NULL;
    if (!sti_text_valid(ind->name_zh, STI_NAME_MAX) ||
        !sti_text_valid(ind->name_en, STI_NAME_MAX) || (!ind->name_zh[0] && !ind->name_en[0])) {
        field = "name_zh, name_en: one is needed, each at most 256 bytes of text";
    } else if (!sti_code_valid(ind->category, false, true) || strlen(ind->category) >= 33) {
        field = "category: must be 1 to 32 of a-z, 0-9 and '_', from a letter";
    } else if ((unsigned)ind->direction > STI_DIRECTION_DOWN ||
               (unsigned)ind->kind > STI_KIND_FLOW ||
               (unsigned)ind->aggregation > STI_AGGREGATION_NONE) {
        field = "direction, kind or aggregation out of range";
    } else if (!sti_text_valid(ind->baseline_source, STI_TEXT_MAX) ||
               !sti_text_valid(ind->baseline_note, STI_TEXT_MAX)) {
        field = "baseline: source_line and baseline_note must be at most 1024 bytes of text";
    } else if (ind->has_baseline && !sti_period_valid(&ind->baseline_period)) {
        field = "baseline: period is not valid";
    } else if (ind->tag_count > STI_INDICATOR_TAGS || ind->target_count > STI_INDICATOR_TARGETS) {
        field = "tags or targets: too many";
    }
    if (field) {
        snprintf(err, errlen, "indicator '%s': %s", ind->code, field);
        return -1;
    }
    if (!sti_units_find(self->units, ind->unit)) {
        snprintf(err, errlen, "indicator '%s': unit: '%.15s' is not a unit of this plan", ind->code,
                 ind->unit);
        return -1;
    }
    if (ind->has_baseline &&
        s_check_value(self, ind, "baseline: value", ind->baseline_value, err, errlen)) {
        return -1;
    }
    return 0;
}

//  Checks tags (known, not repeated) and targets (valid years, increasing).
static int s_check_tags_targets(const sti_catalog_t *self, const sti_indicator_t *ind, char *err,
                                size_t errlen)
{
    for (size_t i = 0; i < ind->tag_count; i++) {
        if (!sti_catalog_tag_find(self, ind->tags[i])) {
            snprintf(err, errlen, "indicator '%s': tags: '%.64s' is not a tag of this plan",
                     ind->code, ind->tags[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(ind->tags[i], ind->tags[j]) == 0) {
                snprintf(err, errlen, "indicator '%s': tags: '%s' is given twice", ind->code,
                         ind->tags[i]);
                return -1;
            }
        }
    }
    for (size_t i = 0; i < ind->target_count; i++) {
        const sti_target_t *target = &ind->targets[i];
        if (target->year < STI_PERIOD_MIN_YEAR || target->year > STI_PERIOD_MAX_YEAR ||
            (i > 0 && target->year <= ind->targets[i - 1].year)) {
            snprintf(err, errlen,
                     "indicator '%s': targets: years must be within 2000–2100, "
                     "each once, in order",
                     ind->code);
            return -1;
        }
        if (s_check_value(self, ind, "targets", target->value, err, errlen)) {
            return -1;
        }
    }
    return 0;
}

int sti_catalog_add_indicator(sti_catalog_t *self, const sti_indicator_t *indicator, char *err,
                              size_t errlen)
{
    assert(self && indicator);
    if (!sti_code_valid(indicator->code, false, true)) {
        snprintf(err, errlen, "indicator: code must be 1 to 64 of a-z, 0-9 and '_', from a letter");
        return -1;
    }
    if (sti_catalog_indicator_find(self, indicator->code)) {
        snprintf(err, errlen, "indicator '%s' is defined twice", indicator->code);
        return -1;
    }
    if (self->indicator_count == STI_CATALOG_INDICATORS) {
        snprintf(err, errlen, "more than %d indicators", STI_CATALOG_INDICATORS);
        return -1;
    }
    sti_due_rule_t rule;
    char why[160];
    if (indicator->due[0] && sti_due_parse(indicator->due, &rule, why, sizeof why)) {
        snprintf(err, errlen, "indicator '%s': due: %s", indicator->code, why);
        return -1;
    }
    if (s_check_fields(self, indicator, err, errlen) ||
        s_check_tags_targets(self, indicator, err, errlen)) {
        return -1;
    }
    sti_formula_t *formula = NULL;
    if (strnlen(indicator->formula_text, sizeof indicator->formula_text) ==
        sizeof indicator->formula_text) {
        snprintf(err, errlen, "indicator '%s': formula: longer than %d bytes", indicator->code,
                 STI_FORMULA_MAX_LEN);
        return -1;
    }
    if (indicator->formula_text[0]) {
        char reason[160];
        formula = sti_formula_parse(indicator->formula_text, reason, sizeof reason);
        if (!formula) {
            snprintf(err, errlen, "indicator '%s': formula: %s", indicator->code, reason);
            return -1;
        }
    }
    if (self->indicator_count == self->indicator_cap) {
        self->indicator_cap = self->indicator_cap ? self->indicator_cap * 2 : 32;
        self->indicators = (sti_indicator_t *)realloc(
            self->indicators, self->indicator_cap * sizeof(sti_indicator_t));
        assert(self->indicators);
    }
    sti_indicator_t *copy = &self->indicators[self->indicator_count];
    *copy = *indicator;
    copy->formula = formula;
    zhashx_insert(self->indicator_index, copy->code, (void *)(uintptr_t)(++self->indicator_count));
    return 0;
}

//  Orders derived indicators so that each comes after the derived ones it
//  reads (depth-first; state 1 = on the current path, 2 = placed).
static int s_order(sti_catalog_t *self, size_t index, char *state, char *err, size_t errlen)
{
    sti_indicator_t *ind = &self->indicators[index];
    if (state[index] == 2 || !ind->formula) {
        return 0;
    }
    if (state[index] == 1) {
        snprintf(err, errlen, "indicator '%s': formula: a cycle of formulas passes through it",
                 ind->code);
        return -1;
    }
    state[index] = 1;
    for (size_t i = 0; i < sti_formula_input_count(ind->formula); i++) {
        const char *input = sti_formula_input(ind->formula, i);
        uintptr_t at = (uintptr_t)zhashx_lookup(self->indicator_index, input);
        if (at == 0) {
            snprintf(err, errlen, "indicator '%s': formula: input '%s' is not an indicator",
                     ind->code, input);
            return -1;
        }
        if (s_order(self, at - 1, state, err, errlen)) {
            return -1;
        }
    }
    state[index] = 2;
    self->derived_order[self->derived_count++] = index;
    return 0;
}

int sti_catalog_validate(sti_catalog_t *self, char *err, size_t errlen)
{
    assert(self);
    if (!self->has_plan) {
        snprintf(err, errlen, "plan: the header is missing");
        return -1;
    }
    free(self->derived_order);
    self->derived_order = (size_t *)zmalloc((self->indicator_count + 1) * sizeof(size_t));
    self->derived_count = 0;
    char *state = (char *)zmalloc(self->indicator_count + 1);
    int rc = 0;
    for (size_t i = 0; i < self->indicator_count && rc == 0; i++) {
        rc = s_order(self, i, state, err, errlen);
    }
    free(state);
    if (rc) {
        self->derived_count = 0;
    }
    return rc;
}

//  --- org units ---

int sti_catalog_org_add(sti_catalog_t *self, const char *code, const char *parent,
                        const char *name_zh, const char *name_en, char *err, size_t errlen)
{
    assert(self);
    return sti_org_tree_add(self->orgs, code, parent, name_zh, name_en, err, errlen);
}

int sti_catalog_org_add_all(sti_catalog_t *self, const sti_org_unit_t *units, size_t count,
                            char *err, size_t errlen)
{
    assert(self);
    return sti_org_tree_add_all(self->orgs, units, count, err, errlen);
}

int sti_catalog_org_update(sti_catalog_t *self, const sti_org_unit_t *state, char *err,
                           size_t errlen)
{
    assert(self);
    return sti_org_tree_update(self->orgs, state, err, errlen);
}

size_t sti_catalog_org_count(const sti_catalog_t *self)
{
    assert(self);
    return sti_org_tree_count(self->orgs);
}

const sti_org_unit_t *sti_catalog_org_at(const sti_catalog_t *self, size_t index)
{
    assert(self);
    return sti_org_tree_at(self->orgs, index);
}

const sti_org_unit_t *sti_catalog_org_find(const sti_catalog_t *self, const char *code)
{
    assert(self);
    return sti_org_tree_find(self->orgs, code);
}

const sti_org_unit_t *sti_catalog_org_root(const sti_catalog_t *self)
{
    assert(self);
    return sti_org_tree_root(self->orgs);
}

const sti_org_unit_t *sti_catalog_org_parent(const sti_catalog_t *self, const char *code)
{
    assert(self);
    return sti_org_tree_parent(self->orgs, code);
}

size_t sti_catalog_org_children(const sti_catalog_t *self, const char *code,
                                const sti_org_unit_t **out, size_t cap)
{
    assert(self);
    return sti_org_tree_children(self->orgs, code, out, cap);
}

//  --- targets ---

//  The list a target of indicator code at org goes to (the root: the
//  indicator's own), made when create. Returns 0, or -1 with err set.
static int s_target_list(sti_catalog_t *self, const char *code, const char *org, bool create,
                         sti_indicator_t **ind_out, sti_target_t **targets, size_t **count,
                         char *err, size_t errlen)
{
    uintptr_t at = code ? (uintptr_t)zhashx_lookup(self->indicator_index, code) : 0;
    if (!at) {
        snprintf(err, errlen, "indicator: '%.64s' is not an indicator", code ? code : "");
        return -1;
    }
    sti_indicator_t *ind = *ind_out = &self->indicators[at - 1];
    const sti_org_unit_t *unit = org && *org ? sti_org_tree_find(self->orgs, org) : NULL;
    if (org && *org && !unit) {
        snprintf(err, errlen, "org: '%.64s' is not an org unit", org);
        return -1;
    }
    if (!unit || !unit->parent[0]) {
        *targets = ind->targets;
        *count = &ind->target_count;
        return 0;
    }
    sti_target_list_t *list = sti_org_targets_list(self->org_targets, code, org, create);
    *targets = list ? list->targets : NULL;
    *count = list ? &list->count : NULL;
    return 0;
}

int sti_catalog_org_target_set(sti_catalog_t *self, const char *code, const char *org, int year,
                               double value, char *err, size_t errlen)
{
    assert(self);
    sti_indicator_t *ind;
    sti_target_t *targets;
    size_t *count;
    if (s_target_list(self, code, org, false, &ind, &targets, &count, err, errlen)) {
        return -1;
    }
    if (year < STI_PERIOD_MIN_YEAR || year > STI_PERIOD_MAX_YEAR) {
        snprintf(err, errlen, "year: %d is outside %d–%d", year, STI_PERIOD_MIN_YEAR,
                 STI_PERIOD_MAX_YEAR);
        return -1;
    }
    char reason[160];
    const sti_unit_t *unit = sti_units_find(self->units, ind->unit);
    if (!isfinite(value) || (unit && sti_unit_check(unit, value, reason, sizeof reason))) {
        snprintf(err, errlen, "value: %s", isfinite(value) ? reason : "must be a finite number");
        return -1;
    }
    s_target_list(self, code, org, true, &ind, &targets, &count, err, errlen);
    if (sti_targets_put(targets, count, year, value)) {
        snprintf(err, errlen, "year: indicator '%s' has %d targets already", code,
                 STI_INDICATOR_TARGETS);
        return -1;
    }
    return 0;
}

int sti_catalog_org_target_clear(sti_catalog_t *self, const char *code, const char *org, int year)
{
    assert(self);
    sti_indicator_t *ind;
    sti_target_t *targets;
    size_t *count;
    char err[160];
    if (s_target_list(self, code, org, false, &ind, &targets, &count, err, sizeof err) ||
        !targets) {
        return -1;
    }
    return sti_targets_remove(targets, count, year);
}

int sti_catalog_target_set(sti_catalog_t *self, const char *code, int year, double value, char *err,
                           size_t errlen)
{
    return sti_catalog_org_target_set(self, code, NULL, year, value, err, errlen);
}

int sti_catalog_target_clear(sti_catalog_t *self, const char *code, int year)
{
    return sti_catalog_org_target_clear(self, code, NULL, year);
}

const sti_target_t *sti_catalog_targets(const sti_catalog_t *self, const sti_indicator_t *indicator,
                                        const sti_org_unit_t *org, size_t *count)
{
    assert(self && indicator && count);
    if (!org || !org->parent[0]) {
        *count = indicator->target_count;
        return indicator->targets;
    }
    const sti_target_list_t *list =
        sti_org_targets_list(self->org_targets, indicator->code, org->code, false);
    *count = list ? list->count : 0;
    return list ? list->targets : NULL;
}

void sti_catalog_org_targets_each(const sti_catalog_t *self,
                                  void (*fn)(void *arg, const char *indicator, const char *org,
                                             const sti_target_list_t *list),
                                  void *arg)
{
    assert(self);
    sti_org_targets_each(self->org_targets, fn, arg);
}

const sti_target_t *sti_indicator_target(const sti_indicator_t *indicator, int year)
{
    assert(indicator);
    return sti_targets_find(indicator->targets, indicator->target_count, year);
}

const sti_target_t *sti_indicator_final_target(const sti_indicator_t *indicator)
{
    assert(indicator);
    return indicator->target_count ? &indicator->targets[indicator->target_count - 1] : NULL;
}

const sti_target_t *sti_catalog_final_target(const sti_catalog_t *self,
                                             const sti_indicator_t *indicator,
                                             const sti_org_unit_t *org)
{
    size_t count;
    const sti_target_t *targets = sti_catalog_targets(self, indicator, org, &count);
    return count ? &targets[count - 1] : NULL;
}

//  Fills a progress input from a target list and a baseline.
static void s_progress_fill(const sti_indicator_t *indicator, const sti_target_t *targets,
                            size_t count, bool has_baseline, double baseline, int year,
                            bool has_value, double value, double tolerance,
                            sti_progress_input_t *input)
{
    memset(input, 0, sizeof *input);
    input->direction = indicator->direction;
    input->year = year;
    input->has_baseline = has_baseline;
    input->baseline_year = indicator->baseline_period.year;
    input->baseline = baseline;
    const sti_target_t *final = count ? &targets[count - 1] : NULL;
    input->has_target = final != NULL;
    input->target_year = final ? final->year : 0;
    input->target = final ? final->value : 0;
    const sti_target_t *own = sti_targets_find(targets, count, year);
    input->has_year_target = own != NULL;
    input->year_target = own ? own->value : 0;
    input->has_value = has_value;
    input->value = value;
    input->tolerance = tolerance;
}

void sti_catalog_progress_input(const sti_catalog_t *self, const sti_indicator_t *indicator,
                                const sti_org_unit_t *org, int year, bool has_value, double value,
                                const double *org_baseline, double tolerance,
                                sti_progress_input_t *input)
{
    assert(self && indicator && input);
    bool root = !org || !org->parent[0];
    size_t count;
    const sti_target_t *targets = sti_catalog_targets(self, indicator, org, &count);
    bool has_baseline = indicator->has_baseline && (root || org_baseline);
    double baseline = root ? indicator->baseline_value : org_baseline ? *org_baseline : 0;
    s_progress_fill(indicator, targets, count, has_baseline, baseline, year, has_value, value,
                    tolerance, input);
}

void sti_indicator_progress_input(const sti_indicator_t *indicator, int year, bool has_value,
                                  double value, double tolerance, sti_progress_input_t *input)
{
    assert(indicator && input);
    s_progress_fill(indicator, indicator->targets, indicator->target_count, indicator->has_baseline,
                    indicator->baseline_value, year, has_value, value, tolerance, input);
}

//  --- the parts only one service reads (talent codes, project feeds) ---

//  Keeps a copy of data, which must be one encoded map, in *part. Returns 0,
//  or -1 with "<name>: must be a map (<what>)" in err.
static int s_set_part(void **part, size_t *part_size, const char *name, const char *what,
                      const void *data, size_t size, char *err, size_t errlen)
{
    char reason[160];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, reason, sizeof reason);
    bool map = reader && sti_node_type(sti_reader_root(reader)) == STI_TYPE_MAP;
    sti_reader_destroy(&reader);
    if (!map) {
        snprintf(err, errlen, "%s: must be a map (%s)", name, what);
        return -1;
    }
    free(*part);
    *part = zmalloc(size);
    memcpy(*part, data, size);
    *part_size = size;
    return 0;
}

int sti_catalog_set_talent(sti_catalog_t *self, const void *data, size_t size, char *err,
                           size_t errlen)
{
    assert(self && data);
    return s_set_part(&self->talent, &self->talent_size, "talent", "the talent codes", data, size,
                      err, errlen);
}

const void *sti_catalog_talent(const sti_catalog_t *self, size_t *size)
{
    assert(self && size);
    *size = self->talent_size;
    return self->talent;
}

int sti_catalog_set_projects(sti_catalog_t *self, const void *data, size_t size, char *err,
                             size_t errlen)
{
    assert(self && data);
    return s_set_part(&self->projects, &self->projects_size, "projects", "the project feeds", data,
                      size, err, errlen);
}

const void *sti_catalog_projects(const sti_catalog_t *self, size_t *size)
{
    assert(self && size);
    *size = self->projects_size;
    return self->projects;
}

//  --- lookups ---

const sti_plan_t *sti_catalog_plan(const sti_catalog_t *self)
{
    assert(self);
    return self->has_plan ? &self->plan : NULL;
}

const sti_units_t *sti_catalog_units(const sti_catalog_t *self)
{
    assert(self);
    return self->units;
}

size_t sti_catalog_indicator_count(const sti_catalog_t *self)
{
    assert(self);
    return self->indicator_count;
}

const sti_indicator_t *sti_catalog_indicator_at(const sti_catalog_t *self, size_t index)
{
    assert(self);
    return index < self->indicator_count ? &self->indicators[index] : NULL;
}

const sti_indicator_t *sti_catalog_indicator_find(const sti_catalog_t *self, const char *code)
{
    assert(self);
    uintptr_t at = code ? (uintptr_t)zhashx_lookup(self->indicator_index, code) : 0;
    return at ? &self->indicators[at - 1] : NULL;
}

size_t sti_catalog_tag_count(const sti_catalog_t *self)
{
    assert(self);
    return self->tag_count;
}

const sti_tag_t *sti_catalog_tag_at(const sti_catalog_t *self, size_t index)
{
    assert(self);
    return index < self->tag_count ? &self->tags[index] : NULL;
}

const sti_tag_t *sti_catalog_tag_find(const sti_catalog_t *self, const char *code)
{
    assert(self);
    for (size_t i = 0; code && i < self->tag_count; i++) {
        if (strcmp(self->tags[i].code, code) == 0) {
            return &self->tags[i];
        }
    }
    return NULL;
}

size_t sti_catalog_dependents(const sti_catalog_t *self, const char *code,
                              const sti_indicator_t **out, size_t cap)
{
    assert(self && code);
    //  Walk derived indicators inputs-first; one depends on code when it
    //  reads code or a derived indicator already found to depend on it.
    const sti_indicator_t *found[STI_CATALOG_INDICATORS];
    size_t count = 0;
    for (size_t k = 0; k < self->derived_count; k++) {
        const sti_indicator_t *ind = &self->indicators[self->derived_order[k]];
        bool depends = sti_formula_uses(ind->formula, code);
        for (size_t j = 0; j < count && !depends; j++) {
            depends = sti_formula_uses(ind->formula, found[j]->code);
        }
        if (depends) {
            if (count < cap) {
                out[count] = ind;
            }
            found[count++] = ind;
        }
    }
    return count;
}
