/*  indicators_duty_book: the reporting duties resolved. See the header.

    The book keeps one calendar per catalog indicator (same order) and one
    entry per org unit that has a type, an override or a contact; every
    unit's duties are slices of one array.
*/
#include "indicators_duty_book.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const indicators_unit_types[] = {"town",       "street",   "platform",
                                             "department", "district", NULL};

bool indicators_unit_type_valid(const char *text)
{
    for (size_t i = 0; indicators_unit_types[i]; i++) {
        if (strcmp(text, indicators_unit_types[i]) == 0) {
            return true;
        }
    }
    return false;
}

struct _indicators_duty_book_t {
    const sti_catalog_t *catalog;          // borrowed
    indicators_duty_rule_t *rules;         // one per catalog indicator, catalog order
    indicators_duty_unit_t *units;         // units with a type, override or contact
    size_t unit_count;                     // how many
    indicators_duty_t *duties;             // every unit's duties, slice by slice
    const indicators_duty_pairs_t *assign; // unit type -> indicators (borrowed)
};

//  The value of field in pairs, or NULL.
static const char *s_value(const indicators_duty_pairs_t *pairs, const char *field)
{
    for (size_t i = 0; i < pairs->count; i++) {
        if (strcmp(pairs->fields[i], field) == 0) {
            return pairs->values[i];
        }
    }
    return NULL;
}

//  Whether code is one of the comma-separated list.
static bool s_listed(const char *list, const char *code)
{
    size_t len = strlen(code);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncmp(p, code, len) == 0) {
            return true;
        }
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

//  Reads the calendars: the catalog's, then an admin's "frequency due".
static void s_rules(indicators_duty_book_t *self, const indicators_duty_pairs_t *overrides)
{
    size_t count = sti_catalog_indicator_count(self->catalog);
    self->rules = (indicators_duty_rule_t *)calloc(count + 1, sizeof *self->rules);
    assert(self->rules);
    for (size_t i = 0; i < count; i++) {
        const sti_indicator_t *ind = sti_catalog_indicator_at(self->catalog, i);
        indicators_duty_rule_t *rule = &self->rules[i];
        char err[160], freq[16] = "", due[STI_DUE_TEXT_MAX] = "";
        const char *set = s_value(overrides, ind->code);
        sti_period_kind_t frequency;
        sti_due_rule_t parsed;
        if (set && sscanf(set, "%15s %15s", freq, due) == 2 &&
            sti_frequency_parse(freq, &frequency, err, sizeof err) == 0 &&
            sti_due_parse(due, &parsed, err, sizeof err) == 0) {
            rule->frequency = frequency;
            rule->rule = parsed;
            snprintf(rule->due, sizeof rule->due, "%s", due);
            rule->overridden = true;
            continue;
        }
        rule->frequency = ind->frequency;
        snprintf(rule->due, sizeof rule->due, "%s",
                 ind->due[0] ? ind->due : sti_due_default(ind->frequency));
        if (sti_due_parse(rule->due, &rule->rule, err, sizeof err)) {
            snprintf(rule->due, sizeof rule->due, "%s", sti_due_default(ind->frequency));
            sti_due_parse(rule->due, &rule->rule, err, sizeof err);
        }
    }
}

//  Whether the unit's org has a type, an override or a contact.
static bool s_known(const indicators_duty_pairs_t *hashes, const char *org)
{
    return s_value(&hashes[INDICATORS_DUTY_TYPE], org) ||
           s_value(&hashes[INDICATORS_DUTY_ADD], org) ||
           s_value(&hashes[INDICATORS_DUTY_DROP], org) ||
           s_value(&hashes[INDICATORS_DUTY_CONTACT], org);
}

//  Fills one unit: type, contact, and its duties from *next on.
static void s_unit(indicators_duty_book_t *self, const indicators_duty_pairs_t *hashes,
                   const sti_org_unit_t *org, indicators_duty_unit_t *unit, size_t *next)
{
    unit->org = org;
    const char *type = s_value(&hashes[INDICATORS_DUTY_TYPE], org->code);
    snprintf(unit->type, sizeof unit->type, "%s", type ? type : "");
    const char *contact = s_value(&hashes[INDICATORS_DUTY_CONTACT], org->code);
    char *fields[4] = {unit->contact_name, unit->contact_phone, unit->contact_email,
                       unit->contact_dingtalk};
    for (size_t f = 0; f < 4 && contact; f++) {
        const char *tab = strchr(contact, '\t');
        size_t n = tab ? (size_t)(tab - contact) : strlen(contact);
        snprintf(fields[f], INDICATORS_CONTACT_MAX, "%.*s", (int)n, contact);
        contact = tab ? tab + 1 : NULL;
    }
    const char *assigned = type ? s_value(&hashes[INDICATORS_DUTY_ASSIGN], type) : NULL;
    const char *add = s_value(&hashes[INDICATORS_DUTY_ADD], org->code);
    const char *drop = s_value(&hashes[INDICATORS_DUTY_DROP], org->code);
    unit->duties = &self->duties[*next];
    for (size_t i = 0; i < sti_catalog_indicator_count(self->catalog) && !org->retired; i++) {
        const sti_indicator_t *ind = sti_catalog_indicator_at(self->catalog, i);
        if (!ind->formula_text[0] && (s_listed(assigned, ind->code) || s_listed(add, ind->code)) &&
            !s_listed(drop, ind->code)) {
            self->duties[*next].indicator = ind;
            self->duties[*next].rule = &self->rules[i];
            (*next)++;
            unit->duty_count++;
        }
    }
}

indicators_duty_book_t *indicators_duty_book_new(const sti_catalog_t *catalog,
                                                 const indicators_duty_pairs_t *hashes)
{
    assert(catalog && hashes);
    indicators_duty_book_t *self = (indicators_duty_book_t *)calloc(1, sizeof *self);
    assert(self);
    self->catalog = catalog;
    self->assign = &hashes[INDICATORS_DUTY_ASSIGN];
    s_rules(self, &hashes[INDICATORS_DUTY_RULE]);
    size_t orgs = sti_catalog_org_count(catalog), known = 0;
    for (size_t i = 0; i < orgs; i++) {
        known += s_known(hashes, sti_catalog_org_at(catalog, i)->code);
    }
    self->units = (indicators_duty_unit_t *)calloc(known + 1, sizeof *self->units);
    self->duties = (indicators_duty_t *)calloc(known * sti_catalog_indicator_count(catalog) + 1,
                                               sizeof *self->duties);
    assert(self->units && self->duties);
    size_t next = 0;
    for (size_t i = 0; i < orgs; i++) {
        const sti_org_unit_t *org = sti_catalog_org_at(catalog, i);
        if (s_known(hashes, org->code)) {
            s_unit(self, hashes, org, &self->units[self->unit_count++], &next);
        }
    }
    return self;
}

void indicators_duty_book_destroy(indicators_duty_book_t **self_p)
{
    assert(self_p);
    indicators_duty_book_t *self = *self_p;
    if (self) {
        free(self->rules);
        free(self->units);
        free(self->duties);
        free(self);
        *self_p = NULL;
    }
}

size_t indicators_duty_book_unit_count(const indicators_duty_book_t *self)
{
    return self->unit_count;
}

const indicators_duty_unit_t *indicators_duty_book_unit_at(const indicators_duty_book_t *self,
                                                           size_t index)
{
    return index < self->unit_count ? &self->units[index] : NULL;
}

const indicators_duty_rule_t *indicators_duty_book_rule(const indicators_duty_book_t *self,
                                                        const sti_indicator_t *indicator)
{
    for (size_t i = 0; i < sti_catalog_indicator_count(self->catalog); i++) {
        if (sti_catalog_indicator_at(self->catalog, i) == indicator) {
            return &self->rules[i];
        }
    }
    return NULL;
}

const char *indicators_duty_book_assigned(const indicators_duty_book_t *self, const char *type)
{
    const char *list = s_value(self->assign, type);
    return list ? list : "";
}
