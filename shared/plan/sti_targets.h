/*  sti_targets: target lists, and the targets of org units other than the
    root.

    A target is the value an indicator should reach in a year. A list holds
    at most STI_INDICATOR_TARGETS of them, one a year, ordered by year; the
    last is the final target. The root org unit's list is the indicator's own
    (sti_indicator_t in sti_catalog.h); every other org unit's lists are kept
    in a sti_org_targets_t, keyed by indicator and org unit code, which the
    catalog owns. Nothing here checks values against units: the catalog does
    that before it stores one.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define STI_INDICATOR_TARGETS 32 // targets of one list (one per year)

//  A target: the value an indicator should reach in a year.
typedef struct {
    int year;     // the year
    double value; // the value, in the indicator's unit
} sti_target_t;

//  One list: an indicator's targets at one org unit.
typedef struct {
    sti_target_t targets[STI_INDICATOR_TARGETS]; // ordered by year
    size_t count;                                // how many
} sti_target_list_t;

//  Sets (or replaces) the target of year in targets[0..*count). Returns 0,
//  or -1 when the list is full (a new year and STI_INDICATOR_TARGETS there).
int sti_targets_put(sti_target_t *targets, size_t *count, int year, double value);
//  Removes the target of year. Returns 0, or -1 if there was none.
int sti_targets_remove(sti_target_t *targets, size_t *count, int year);
//  The target of year, or NULL.
const sti_target_t *sti_targets_find(const sti_target_t *targets, size_t count, int year);

typedef struct _sti_org_targets_t sti_org_targets_t;

//  An empty table. Never NULL.
sti_org_targets_t *sti_org_targets_new(void);
void sti_org_targets_destroy(sti_org_targets_t **self_p);
//  The list of indicator at org, or NULL when it has none; with create, an
//  empty list is made for it. Borrowed: valid until the table is destroyed.
sti_target_list_t *sti_org_targets_list(sti_org_targets_t *self, const char *indicator,
                                        const char *org, bool create);
//  Calls fn(arg, indicator, org, list) for every list that holds a target,
//  in no particular order.
void sti_org_targets_each(sti_org_targets_t *self,
                          void (*fn)(void *arg, const char *indicator, const char *org,
                                     const sti_target_list_t *list),
                          void *arg);
