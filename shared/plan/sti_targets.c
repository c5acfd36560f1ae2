/*  sti_targets: target lists and the org units' targets. See the header.

    The table is a CZMQ hash from "<indicator> <org>" (a space cannot be in
    either code) to a list, which the hash frees.
*/
#include "sti_targets.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#define S_CODE_MAX 64 // bytes of a code the key takes, at most

struct _sti_org_targets_t {
    zhashx_t *lists; // "<indicator> <org>" -> sti_target_list_t
};

int sti_targets_put(sti_target_t *targets, size_t *count, int year, double value)
{
    assert(targets && count);
    size_t i = 0;
    while (i < *count && targets[i].year < year) {
        i++;
    }
    if (i < *count && targets[i].year == year) {
        targets[i].value = value;
        return 0;
    }
    if (*count == STI_INDICATOR_TARGETS) {
        return -1;
    }
    memmove(&targets[i + 1], &targets[i], (*count - i) * sizeof(sti_target_t));
    targets[i] = (sti_target_t){year, value};
    (*count)++;
    return 0;
}

int sti_targets_remove(sti_target_t *targets, size_t *count, int year)
{
    assert(targets && count);
    for (size_t i = 0; i < *count; i++) {
        if (targets[i].year == year) {
            memmove(&targets[i], &targets[i + 1], (*count - i - 1) * sizeof(sti_target_t));
            (*count)--;
            return 0;
        }
    }
    return -1;
}

const sti_target_t *sti_targets_find(const sti_target_t *targets, size_t count, int year)
{
    for (size_t i = 0; targets && i < count; i++) {
        if (targets[i].year == year) {
            return &targets[i];
        }
    }
    return NULL;
}

static void s_free_list(void **item)
{
    free(*item);
    *item = NULL;
}

sti_org_targets_t *sti_org_targets_new(void)
{
    sti_org_targets_t *self = (sti_org_targets_t *)zmalloc(sizeof *self);
    self->lists = zhashx_new();
    zhashx_set_destructor(self->lists, s_free_list);
    return self;
}

void sti_org_targets_destroy(sti_org_targets_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        zhashx_destroy(&(*self_p)->lists);
        free(*self_p);
        *self_p = NULL;
    }
}

sti_target_list_t *sti_org_targets_list(sti_org_targets_t *self, const char *indicator,
                                        const char *org, bool create)
{
    assert(self && indicator && org);
    if (!create && zhashx_size(self->lists) == 0) {
        return NULL; // no org unit has targets (the common case): no key to build
    }
    //  Built by hand, not with snprintf: the applier looks lists up for
    //  every value it settles. Each code is cut at 64 bytes, as before.
    char key[2 * S_CODE_MAX + 2];
    size_t ilen = strnlen(indicator, S_CODE_MAX), olen = strnlen(org, S_CODE_MAX);
    memcpy(key, indicator, ilen);
    key[ilen] = ' ';
    memcpy(key + ilen + 1, org, olen);
    key[ilen + 1 + olen] = 0;
    sti_target_list_t *list = (sti_target_list_t *)zhashx_lookup(self->lists, key);
    if (!list && create) {
        list = (sti_target_list_t *)zmalloc(sizeof *list);
        zhashx_insert(self->lists, key, list);
    }
    return list;
}

void sti_org_targets_each(sti_org_targets_t *self,
                          void (*fn)(void *arg, const char *indicator, const char *org,
                                     const sti_target_list_t *list),
                          void *arg)
{
    assert(self && fn);
    for (sti_target_list_t *list = (sti_target_list_t *)zhashx_first(self->lists); list;
         list = (sti_target_list_t *)zhashx_next(self->lists)) {
        if (list->count == 0) {
            continue;
        }
        char key[160];
        snprintf(key, sizeof key, "%s", (const char *)zhashx_cursor(self->lists));
        char *space = strchr(key, ' ');
        if (space) {
            *space = 0;
            fn(arg, key, space + 1, list);
        }
    }
}
