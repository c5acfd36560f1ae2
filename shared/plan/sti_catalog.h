/*  sti_catalog: the plan's catalog in memory.

    A catalog holds one plan: its header, units, tags, org units (a tree
    under one root, the district), indicators (reported, or derived by a
    formula over other indicators of the same org unit and period), the
    targets operators set (the root org unit's are the indicator's own; any
    other org unit's are kept beside, sti_targets.h), the talent registry's
    codes when the plan has them (talent.json, kept as given: sti-talent
    checks them, see services/talent/talent_codes.h), and the indicators the
    plan's projects feed when it has them (projects.json, kept as given:
    sti-projects checks them, see services/projects/projects_counts.h). It
    is loaded from a plan directory
    (docs/plan-format.md), checked in full, and can be written to MessagePack
    and read back, so services keep it in Redis and share it.

    Every load checks everything: unknown fields are refused, every unit and
    tag an indicator names must exist, every input of a formula must be an
    indicator, and formulas must not form a cycle. Errors name the file, the
    indicator (or unit, tag, org unit) and the field.

    Records (sti_indicator_t, sti_org_unit_t, sti_tag_t, sti_plan_t) are
    plain structs owned by the catalog; pointers to them are borrowed and
    valid until the catalog is changed or destroyed. A catalog is not
    thread-safe.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_codec.h"
#include "sti_due.h"
#include "sti_formula.h"
#include "sti_org_tree.h"
#include "sti_period.h"
#include "sti_progress.h"
#include "sti_targets.h"
#include "sti_units.h"

#define STI_CODE_MAX 65       // bytes of a code (indicator, tag, org unit, plan), with NUL
#define STI_NAME_MAX 257      // bytes of a name, with NUL
#define STI_TEXT_MAX 1025     // bytes of a source line or note, with NUL
#define STI_CATEGORY_MAX 33   // bytes of a category, with NUL
#define STI_INDICATOR_TAGS 16 // tags on one indicator
#define STI_CATALOG_INDICATORS 1024
#define STI_CATALOG_TAGS 256
#define STI_CATALOG_ORG_UNITS STI_ORG_UNITS_MAX
#define STI_PLAN_FILE_MAX (1024 * 1024) // bytes of one file of a plan directory

typedef enum {
    STI_KIND_STOCK = 0, // a level at a point in time (a count, a ratio)
    STI_KIND_FLOW,      // accumulates over a year (spending, investment)
} sti_kind_t;

typedef enum {
    STI_AGGREGATION_SUM = 0, // a parent's value is the sum of its children's
    STI_AGGREGATION_NONE,    // does not add up across org units
} sti_aggregation_t;

//  The plan's header.
typedef struct {
    char code[STI_CODE_MAX];      // "linping-2021-2025"
    char name_zh[STI_NAME_MAX];   // Chinese name
    char name_en[STI_NAME_MAX];   // English name
    int start_year;               // first year of the plan
    int end_year;                 // last year of the plan
    int baseline_year;            // the year the plan's baselines describe
    char issued_by[STI_NAME_MAX]; // who issued it (may be "")
    char issued_on[16];           // when, YYYY-MM-DD (may be "")
    char note[STI_TEXT_MAX];      // free text (may be "")
} sti_plan_t;

//  A tag: one of the plan's fields or projects.
typedef struct {
    char code[STI_CODE_MAX];     // [a-z][a-z0-9_]*
    char kind[STI_CATEGORY_MAX]; // what sort of tag ("field", "project")
    char name_zh[STI_NAME_MAX];  // Chinese name
    char name_en[STI_NAME_MAX];  // English name
    char source[STI_NAME_MAX];   // where in the plan it comes from (may be "")
} sti_tag_t;

//  An indicator.
typedef struct {
    char code[STI_CODE_MAX];                    // [a-z][a-z0-9_]*, usable in formulas
    char name_zh[STI_NAME_MAX];                 // Chinese name
    char name_en[STI_NAME_MAX];                 // English name
    char unit[STI_UNIT_CODE_MAX];               // the unit values are kept in
    char category[STI_CATEGORY_MAX];            // the plan's grouping ("input", "talent")
    sti_direction_t direction;                  // up: higher is better; down: lower is
    sti_kind_t kind;                            // stock or flow
    sti_aggregation_t aggregation;              // sum or none
    bool has_baseline;                          // whether the plan quotes a baseline
    sti_period_t baseline_period;               // the baseline's period
    double baseline_value;                      // the baseline, in unit
    char baseline_source[STI_TEXT_MAX];         // the plan's sentence, verbatim
    char baseline_note[STI_TEXT_MAX];           // why there is no baseline, or ""
    char formula_text[STI_FORMULA_MAX_LEN + 1]; // "" for a reported indicator
    sti_formula_t *formula;                     // the parsed formula, or NULL; owned by the catalog
    char tags[STI_INDICATOR_TAGS][STI_CODE_MAX]; // tag codes
    size_t tag_count;                            // how many tags
    sti_target_t targets[STI_INDICATOR_TARGETS]; // targets, ordered by year
    size_t target_count;                         // how many targets
    sti_period_kind_t frequency;                 // how often it is reported (default: year)
    char due[STI_DUE_TEXT_MAX];                  // its due rule, "P2M" (default: the frequency's)
} sti_indicator_t;

typedef struct _sti_catalog_t sti_catalog_t;

//  --- building and loading ---

//  An empty catalog (no plan, no units). Never NULL.
sti_catalog_t *sti_catalog_new(void);
void sti_catalog_destroy(sti_catalog_t **self_p);

//  Sets the plan's header after checking it. Returns 0, or -1 with err set.
int sti_catalog_set_plan(sti_catalog_t *self, const sti_plan_t *plan, char *err, size_t errlen);
//  Adds a unit (see sti_units_add). Returns 0, or -1 with err set.
int sti_catalog_add_unit(sti_catalog_t *self, const sti_unit_t *unit, char *err, size_t errlen);
//  Adds a tag after checking it. Returns 0, or -1 with err set.
int sti_catalog_add_tag(sti_catalog_t *self, const sti_tag_t *tag, char *err, size_t errlen);
//  Adds a copy of an indicator after checking its own fields (code, names,
//  unit and tags known, formula_text parses; the formula field is ignored).
//  Formula inputs are checked by sti_catalog_validate. Returns 0, or -1 with
//  err set.
int sti_catalog_add_indicator(sti_catalog_t *self, const sti_indicator_t *indicator, char *err,
                              size_t errlen);
//  Checks what needs the whole catalog: a plan header is set, every formula
//  input is an indicator, no cycles; orders derived indicators for
//  sti_catalog_dependents. Call after adding indicators. Returns 0, or -1.
int sti_catalog_validate(sti_catalog_t *self, char *err, size_t errlen);

//  --- org units ---

//  Adds an org unit: code [a-z0-9_-]{1,64}; parent NULL or "" only for the
//  first (the root), else an existing unit. Adding a unit that exists with
//  the same parent and names changes nothing and succeeds. Returns 0, or -1
//  with err set.
int sti_catalog_org_add(sti_catalog_t *self, const char *code, const char *parent,
                        const char *name_zh, const char *name_en, char *err, size_t errlen);
//  Adds org units given in any order (as read from a Redis hash): each
//  parent must be in the catalog or among units, and parents must not form a
//  cycle. Returns 0, or -1 with err set (units added before the problem stay).
int sti_catalog_org_add_all(sti_catalog_t *self, const sti_org_unit_t *units, size_t count,
                            char *err, size_t errlen);
//  Sets what may change on an org unit: names, former names, retirement
//  (sti_org_tree_update). Returns 0, or -1 with err set.
int sti_catalog_org_update(sti_catalog_t *self, const sti_org_unit_t *state, char *err,
                           size_t errlen);
size_t sti_catalog_org_count(const sti_catalog_t *self);
const sti_org_unit_t *sti_catalog_org_at(const sti_catalog_t *self, size_t index);
const sti_org_unit_t *sti_catalog_org_find(const sti_catalog_t *self, const char *code);
//  The root org unit, or NULL when there is none.
const sti_org_unit_t *sti_catalog_org_root(const sti_catalog_t *self);
//  The parent of an org unit, or NULL for the root or an unknown code.
const sti_org_unit_t *sti_catalog_org_parent(const sti_catalog_t *self, const char *code);
//  Writes up to cap children of code into out, in the order they were
//  added; returns how many there are (0 for an unknown code).
size_t sti_catalog_org_children(const sti_catalog_t *self, const char *code,
                                const sti_org_unit_t **out, size_t cap);

//  --- targets ---

//  Sets (or replaces) the target of indicator code at org unit org (NULL,
//  "" or the root: the indicator's own) for year. The value must be finite
//  and pass the unit's checks. Returns 0, or -1 with err set (no such
//  indicator or org unit, a year outside 2000–2100, a value the unit does
//  not allow, 32 targets there already).
int sti_catalog_org_target_set(sti_catalog_t *self, const char *code, const char *org, int year,
                               double value, char *err, size_t errlen);
//  Removes a target of indicator code at org. Returns 0, or -1 if there was none.
int sti_catalog_org_target_clear(sti_catalog_t *self, const char *code, const char *org, int year);
//  The root's: sti_catalog_org_target_set and _clear with org NULL.
int sti_catalog_target_set(sti_catalog_t *self, const char *code, int year, double value, char *err,
                           size_t errlen);
int sti_catalog_target_clear(sti_catalog_t *self, const char *code, int year);
//  The targets of indicator at org (NULL or the root: the indicator's
//  own), ordered by year, *count of them (borrowed; NULL when none).
const sti_target_t *sti_catalog_targets(const sti_catalog_t *self, const sti_indicator_t *indicator,
                                        const sti_org_unit_t *org, size_t *count);
//  The final target of indicator at org (the one of the latest year), or NULL.
const sti_target_t *sti_catalog_final_target(const sti_catalog_t *self,
                                             const sti_indicator_t *indicator,
                                             const sti_org_unit_t *org);
//  Calls fn for every list of targets of an org unit other than the root.
void sti_catalog_org_targets_each(const sti_catalog_t *self,
                                  void (*fn)(void *arg, const char *indicator, const char *org,
                                             const sti_target_list_t *list),
                                  void *arg);
//  The root's target for year, or NULL.
const sti_target_t *sti_indicator_target(const sti_indicator_t *indicator, int year);
//  The root's final target (the one of the latest year), or NULL.
const sti_target_t *sti_indicator_final_target(const sti_indicator_t *indicator);
//  Fills a progress input for year from the indicator's baseline and the
//  root's targets, with V = value when has_value.
void sti_indicator_progress_input(const sti_indicator_t *indicator, int year, bool has_value,
                                  double value, double tolerance, sti_progress_input_t *input);
//  The same at org unit org: the root as sti_indicator_progress_input;
//  elsewhere the org unit's own targets, measured from org_baseline (the
//  unit's own value of the indicator's baseline period, which only the
//  caller can know; NULL when it has none: no_target).
void sti_catalog_progress_input(const sti_catalog_t *self, const sti_indicator_t *indicator,
                                const sti_org_unit_t *org, int year, bool has_value, double value,
                                const double *org_baseline, double tolerance,
                                sti_progress_input_t *input);

//  --- lookups ---

const sti_plan_t *sti_catalog_plan(const sti_catalog_t *self);
const sti_units_t *sti_catalog_units(const sti_catalog_t *self);
size_t sti_catalog_indicator_count(const sti_catalog_t *self);
const sti_indicator_t *sti_catalog_indicator_at(const sti_catalog_t *self, size_t index);
const sti_indicator_t *sti_catalog_indicator_find(const sti_catalog_t *self, const char *code);
size_t sti_catalog_tag_count(const sti_catalog_t *self);
const sti_tag_t *sti_catalog_tag_at(const sti_catalog_t *self, size_t index);
const sti_tag_t *sti_catalog_tag_find(const sti_catalog_t *self, const char *code);
//  The derived indicators whose value depends on indicator code, directly or
//  through other derived indicators, in an order in which each comes after
//  every derived indicator it reads. Writes up to cap into out; returns how
//  many there are. Valid after sti_catalog_validate.
size_t sti_catalog_dependents(const sti_catalog_t *self, const char *code,
                              const sti_indicator_t **out, size_t cap);

//  --- the talent codes ---

//  Sets the plan's talent codes: a copy of data, which must be one encoded
//  MessagePack map (talent.json). Returns 0, or -1 with err set.
int sti_catalog_set_talent(sti_catalog_t *self, const void *data, size_t size, char *err,
                           size_t errlen);
//  The plan's talent codes as one encoded MessagePack map (borrowed, size
//  in *size), or NULL when the plan has none.
const void *sti_catalog_talent(const sti_catalog_t *self, size_t *size);

//  --- the project feeds ---

//  Sets the indicators the plan's projects feed: a copy of data, which must
//  be one encoded MessagePack map (projects.json). Returns 0, or -1 with err set.
int sti_catalog_set_projects(sti_catalog_t *self, const void *data, size_t size, char *err,
                             size_t errlen);
//  The project feeds as one encoded MessagePack map (borrowed, size in
//  *size), or NULL when the plan has none.
const void *sti_catalog_projects(const sti_catalog_t *self, size_t *size);
