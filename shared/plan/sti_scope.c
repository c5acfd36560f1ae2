/*  sti_scope: see sti_scope.h. */
#include "sti_scope.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

bool sti_scope_covers(const sti_catalog_t *catalog, const char *scope, const char *org)
{
    assert(catalog && org);
    if (!scope || !*scope) {
        return true;
    }
    const sti_org_unit_t *unit = sti_catalog_org_find(catalog, org);
    size_t steps = sti_catalog_org_count(catalog);
    while (unit && steps-- > 0) {
        if (strcmp(unit->code, scope) == 0) {
            return true;
        }
        unit = sti_catalog_org_parent(catalog, unit->code);
    }
    return false;
}

int sti_scope_check(const sti_catalog_t *catalog, const char *scope, char *err, size_t errlen)
{
    assert(catalog);
    if (scope && *scope && !sti_catalog_org_find(catalog, scope)) {
        snprintf(err, errlen, "the caller's scope %s is not an org unit of the plan", scope);
        return -1;
    }
    return 0;
}
