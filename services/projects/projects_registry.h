/*  projects_registry: the ops of sti.projects that change projects:
    project.add, project.update, project.milestone, project.import.

    Each handler takes the plan's catalog first (the checks need it: until
    a plan is loaded every op answers not_found), answers a request id it
    applied before with the project as it is now (nothing is applied twice),
    reads the project it changes, checks the body (projects_input: every
    problem at once, nothing applied on any), and writes the change in one
    step (projects_writer). docs/ops.md lists the ops, docs/projects.md
    what they mean.
*/
#pragma once
#include "projects_store.h"
#include "projects_writer.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

#define PROJECTS_IMPORT_MAX 1000 // rows of one project.import

typedef struct _projects_registry_t projects_registry_t;

//  The ops over borrowed parts (they outlive it); money_unit: the unit
//  amounts are kept in (borrowed). Returns a new object the caller destroys.
projects_registry_t *projects_registry_new(projects_store_t *store, projects_writer_t *writer,
                                           sti_catalog_store_t *catalog, const char *money_unit);
void projects_registry_destroy(projects_registry_t **self_p);

extern const sti_op_table_t projects_registry_ops;
