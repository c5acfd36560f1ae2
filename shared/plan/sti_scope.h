/*  sti_scope: what a caller's org-unit scope covers.

    A person may be limited to one org unit (a town's clerk: sti_behalf.h,
    the identity's scope): they act for that unit and every unit under it in
    the catalog's org tree (its children, their children, ...), and nothing
    else. An empty scope covers the whole plan.

    The tree is the catalog's (the plan's org_units.json and org.add, kept by
    sti-indicators); the walk up from a unit to the root is bounded by the
    number of units, so a catalog with a cycle (which sti_catalog refuses
    anyway) cannot loop.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_catalog.h"

//  True when org is scope or under it; always for scope "" or NULL; false
//  for an org unit the catalog does not have.
bool sti_scope_covers(const sti_catalog_t *catalog, const char *scope, const char *org);
//  Checks that scope names an org unit of the catalog ("" is fine). Returns
//  0, or -1 with the reason in err.
int sti_scope_check(const sti_catalog_t *catalog, const char *scope, char *err, size_t errlen);
