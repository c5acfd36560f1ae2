/*  sti_org_tree: the org units of a catalog, a tree under one root (the
    district), with what operators change on them later: a rename (the
    names before are kept in former_names) and retirement (a retired unit
    takes no new values; its values stay readable under it).

    Units are kept parents before children, found by code through a hash.
    Records are plain structs owned by the tree; pointers to them are
    borrowed and valid until the tree is changed or destroyed. The catalog
    (sti_catalog.h) owns one tree and offers its functions under its own
    names; this module has no other user.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STI_ORG_CODE_MAX 65     // bytes of an org unit's code, with NUL (STI_CODE_MAX)
#define STI_ORG_NAME_MAX 257    // bytes of a name, with NUL (STI_NAME_MAX)
#define STI_ORG_FORMER_MAX 1025 // bytes of former_names, with NUL
#define STI_ORG_UNITS_MAX 10000 // org units of one tree

//  An org unit: the district, a town, a street, a platform.
typedef struct {
    char code[STI_ORG_CODE_MAX];           // [a-z0-9_-]{1,64}
    char parent[STI_ORG_CODE_MAX];         // the parent's code, "" for the root
    char name_zh[STI_ORG_NAME_MAX];        // Chinese name (may be "")
    char name_en[STI_ORG_NAME_MAX];        // English name (may be "")
    char former_names[STI_ORG_FORMER_MAX]; // names before renames, newest first, "; "-separated
    bool retired;                          // takes no new values
    int64_t retired_at;                    // when it was retired, ms since the epoch (0: not)
    char retired_reason[STI_ORG_NAME_MAX]; // why ("" when not retired)
} sti_org_unit_t;

typedef struct _sti_org_tree_t sti_org_tree_t;

//  An empty tree. Never NULL.
sti_org_tree_t *sti_org_tree_new(void);
void sti_org_tree_destroy(sti_org_tree_t **self_p);

//  Adds an org unit (see sti_catalog_org_add). Returns 0, or -1 with err set.
int sti_org_tree_add(sti_org_tree_t *self, const char *code, const char *parent,
                     const char *name_zh, const char *name_en, char *err, size_t errlen);
//  Adds org units given in any order (see sti_catalog_org_add_all).
//  Returns 0, or -1 with err set.
int sti_org_tree_add_all(sti_org_tree_t *self, const sti_org_unit_t *units, size_t count, char *err,
                         size_t errlen);
//  Sets what may change on an existing unit: names, former names, retired,
//  retired_at, retired_reason, from state (its code names the unit; its
//  parent is ignored). Returns 0, or -1 with err set (no such unit, text
//  too long or with control characters).
int sti_org_tree_update(sti_org_tree_t *self, const sti_org_unit_t *state, char *err,
                        size_t errlen);

size_t sti_org_tree_count(const sti_org_tree_t *self);
const sti_org_unit_t *sti_org_tree_at(const sti_org_tree_t *self, size_t index);
const sti_org_unit_t *sti_org_tree_find(const sti_org_tree_t *self, const char *code);
//  The root, or NULL when there is none.
const sti_org_unit_t *sti_org_tree_root(const sti_org_tree_t *self);
//  The parent of code, or NULL for the root or an unknown code.
const sti_org_unit_t *sti_org_tree_parent(const sti_org_tree_t *self, const char *code);
//  Writes up to cap children of code into out, in the order they were
//  added; returns how many there are (0 for an unknown code).
size_t sti_org_tree_children(const sti_org_tree_t *self, const char *code,
                             const sti_org_unit_t **out, size_t cap);
