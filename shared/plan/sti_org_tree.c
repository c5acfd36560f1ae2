/*  sti_org_tree: the org units' tree. See the header.

    Units live in a growing array, parents before children (a unit is added
    only under one already there), with a hash from code to position + 1.
    Each unit is linked to its parent, and its children in the order they
    were added (so in array order), so that finding them costs one lookup
    and their number, not a scan of the tree: the applier walks parents and
    lists children for every value it settles.
*/
#include "sti_org_tree.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "sti_plan_text.h"

//  The links of one unit to its parent and children (positions + 1, 0: none).
typedef struct {
    size_t parent;       // its parent
    size_t first_child;  // its first child
    size_t last_child;   // its last child (where the next one is linked)
    size_t next_sibling; // the next child of its parent
} s_links_t;

struct _sti_org_tree_t {
    sti_org_unit_t *orgs; // org units, parents before children
    s_links_t *links;     // links[i]: the children of orgs[i]
    size_t count;         // in use
    size_t cap;           // allocated
    zhashx_t *index;      // code -> position + 1
};

sti_org_tree_t *sti_org_tree_new(void)
{
    sti_org_tree_t *self = (sti_org_tree_t *)zmalloc(sizeof *self);
    self->index = zhashx_new();
    return self;
}

void sti_org_tree_destroy(sti_org_tree_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        zhashx_destroy(&(*self_p)->index);
        free((*self_p)->orgs);
        free((*self_p)->links);
        free(*self_p);
        *self_p = NULL;
    }
}

//  Checks a unit that is not in the tree yet. Returns 0, 1 when an equal
//  one is there already, or -1 with err set.
static int s_check_new(const sti_org_tree_t *self, const char *code, const char *parent,
                       const char *name_zh, const char *name_en, char *err, size_t errlen)
{
    if (!sti_code_valid(code, true, false)) {
        snprintf(err, errlen, "org unit: code must be 1 to 64 of a-z, 0-9, '_' and '-'");
        return -1;
    }
    if (!sti_text_valid(name_zh, STI_ORG_NAME_MAX) || !sti_text_valid(name_en, STI_ORG_NAME_MAX)) {
        snprintf(err, errlen, "org unit '%s': names must be at most 256 bytes of text", code);
        return -1;
    }
    const sti_org_unit_t *existing = sti_org_tree_find(self, code);
    if (existing) {
        if (strcmp(existing->parent, parent) == 0 && strcmp(existing->name_zh, name_zh) == 0 &&
            strcmp(existing->name_en, name_en) == 0) {
            return 1;
        }
        snprintf(err, errlen, "org unit '%s' already exists%s%s", code,
                 existing->parent[0] ? " under " : " as the root", existing->parent);
        return -1;
    }
    const sti_org_unit_t *root = sti_org_tree_root(self);
    if (!parent[0] && root) {
        snprintf(err, errlen, "org unit '%s': parent: needed (the root is '%s')", code, root->code);
        return -1;
    }
    if (parent[0] && !sti_org_tree_find(self, parent)) {
        snprintf(err, errlen, "org unit '%s': parent: '%.64s' is not an org unit", code, parent);
        return -1;
    }
    if (self->count == STI_ORG_UNITS_MAX) {
        snprintf(err, errlen, "more than %d org units", STI_ORG_UNITS_MAX);
        return -1;
    }
    return 0;
}

//  Links the unit about to be added at position count under parent ("":
//  the root, which has none).
static void s_link(sti_org_tree_t *self, const char *parent)
{
    size_t at = self->count + 1;
    uintptr_t up = parent[0] ? (uintptr_t)zhashx_lookup(self->index, parent) : 0;
    self->links[self->count] = (s_links_t){up, 0, 0, 0};
    if (!up) {
        return;
    }
    s_links_t *links = &self->links[up - 1];
    if (links->last_child) {
        self->links[links->last_child - 1].next_sibling = at;
    } else {
        links->first_child = at;
    }
    links->last_child = at;
}

int sti_org_tree_add(sti_org_tree_t *self, const char *code, const char *parent,
                     const char *name_zh, const char *name_en, char *err, size_t errlen)
{
    assert(self);
    parent = parent ? parent : "";
    name_zh = name_zh ? name_zh : "";
    name_en = name_en ? name_en : "";
    int rc = s_check_new(self, code, parent, name_zh, name_en, err, errlen);
    if (rc != 0) {
        return rc > 0 ? 0 : -1;
    }
    if (self->count == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->orgs = (sti_org_unit_t *)realloc(self->orgs, self->cap * sizeof(sti_org_unit_t));
        self->links = (s_links_t *)realloc(self->links, self->cap * sizeof(s_links_t));
        assert(self->orgs && self->links);
    }
    s_link(self, parent);
    sti_org_unit_t *org = &self->orgs[self->count];
    memset(org, 0, sizeof *org);
    snprintf(org->code, sizeof org->code, "%s", code);
    snprintf(org->parent, sizeof org->parent, "%s", parent);
    snprintf(org->name_zh, sizeof org->name_zh, "%s", name_zh);
    snprintf(org->name_en, sizeof org->name_en, "%s", name_en);
    zhashx_insert(self->index, org->code, (void *)(uintptr_t)(++self->count));
    return 0;
}

//  Adds units[index] after the parents it has among units (state: 0 not
//  yet, 1 on the current chain, 2 added); pending maps code -> index + 1.
static int s_add_chain(sti_org_tree_t *self, const sti_org_unit_t *units, size_t index,
                       zhashx_t *pending, char *state, size_t *chain, char *err, size_t errlen)
{
    size_t depth = 0;
    for (size_t at = index; state[at] == 0;) {
        state[at] = 1;
        chain[depth++] = at;
        const char *parent = units[at].parent;
        uintptr_t next = parent[0] ? (uintptr_t)zhashx_lookup(pending, parent) : 0;
        if (!next || sti_org_tree_find(self, parent)) {
            break; // the root, a unit already in the tree, or unknown (add says so)
        }
        if (state[next - 1] == 1) {
            snprintf(err, errlen, "org unit '%s': parent: '%s' makes a cycle", units[at].code,
                     parent);
            return -1;
        }
        at = next - 1;
    }
    while (depth > 0) {
        const sti_org_unit_t *org = &units[chain[--depth]];
        if (sti_org_tree_add(self, org->code, org->parent, org->name_zh, org->name_en, err,
                             errlen)) {
            return -1;
        }
        state[chain[depth]] = 2;
    }
    return 0;
}

int sti_org_tree_add_all(sti_org_tree_t *self, const sti_org_unit_t *units, size_t count, char *err,
                         size_t errlen)
{
    assert(self && (units || count == 0));
    zhashx_t *pending = zhashx_new();
    char *state = (char *)zmalloc(count + 1);
    size_t *chain = (size_t *)zmalloc((count + 1) * sizeof(size_t));
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (memchr(units[i].code, 0, sizeof units[i].code) == NULL ||
            memchr(units[i].parent, 0, sizeof units[i].parent) == NULL ||
            zhashx_insert(pending, units[i].code, (void *)(uintptr_t)(i + 1)) != 0) {
            snprintf(err, errlen, "org unit '%.64s' is given twice", units[i].code);
            rc = -1;
        }
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
        rc = s_add_chain(self, units, i, pending, state, chain, err, errlen);
    }
    zhashx_destroy(&pending);
    free(state);
    free(chain);
    return rc;
}

int sti_org_tree_update(sti_org_tree_t *self, const sti_org_unit_t *state, char *err, size_t errlen)
{
    assert(self && state);
    uintptr_t at = memchr(state->code, 0, sizeof state->code)
                       ? (uintptr_t)zhashx_lookup(self->index, state->code)
                       : 0;
    if (!at) {
        snprintf(err, errlen, "org unit: '%.64s' is not an org unit", state->code);
        return -1;
    }
    if (!sti_text_valid(state->name_zh, STI_ORG_NAME_MAX) ||
        !sti_text_valid(state->name_en, STI_ORG_NAME_MAX) ||
        !sti_text_valid(state->former_names, STI_ORG_FORMER_MAX) ||
        !sti_text_valid(state->retired_reason, STI_ORG_NAME_MAX)) {
        snprintf(err, errlen, "org unit '%s': names and reason must be text that fits",
                 state->code);
        return -1;
    }
    sti_org_unit_t *org = &self->orgs[at - 1];
    memcpy(org->name_zh, state->name_zh, sizeof org->name_zh);
    memcpy(org->name_en, state->name_en, sizeof org->name_en);
    memcpy(org->former_names, state->former_names, sizeof org->former_names);
    memcpy(org->retired_reason, state->retired_reason, sizeof org->retired_reason);
    org->retired = state->retired;
    org->retired_at = state->retired ? state->retired_at : 0;
    return 0;
}

size_t sti_org_tree_count(const sti_org_tree_t *self)
{
    assert(self);
    return self->count;
}

const sti_org_unit_t *sti_org_tree_at(const sti_org_tree_t *self, size_t index)
{
    assert(self);
    return index < self->count ? &self->orgs[index] : NULL;
}

const sti_org_unit_t *sti_org_tree_find(const sti_org_tree_t *self, const char *code)
{
    assert(self);
    uintptr_t at = code ? (uintptr_t)zhashx_lookup(self->index, code) : 0;
    return at ? &self->orgs[at - 1] : NULL;
}

const sti_org_unit_t *sti_org_tree_root(const sti_org_tree_t *self)
{
    assert(self);
    //  The root is added first and is the only unit without a parent.
    return self->count ? &self->orgs[0] : NULL;
}

const sti_org_unit_t *sti_org_tree_parent(const sti_org_tree_t *self, const char *code)
{
    assert(self);
    uintptr_t at = code ? (uintptr_t)zhashx_lookup(self->index, code) : 0;
    size_t parent = at ? self->links[at - 1].parent : 0;
    return parent ? &self->orgs[parent - 1] : NULL;
}

size_t sti_org_tree_children(const sti_org_tree_t *self, const char *code,
                             const sti_org_unit_t **out, size_t cap)
{
    assert(self && code);
    uintptr_t at = (uintptr_t)zhashx_lookup(self->index, code);
    size_t count = 0;
    for (size_t child = at ? self->links[at - 1].first_child : 0; child;
         child = self->links[child - 1].next_sibling) {
        if (count < cap) {
            out[count] = &self->orgs[child - 1];
        }
        count++;
    }
    return count;
}
