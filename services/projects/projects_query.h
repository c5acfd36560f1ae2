/*  projects_query: the ops of sti.projects that read: project.get,
    project.list, and events.since for the stream prj.

    project.list pages through the codes in order and keeps the projects
    that match every filter given (kind, level, status, programme, org
    unit, late milestones), in their SUMMARY form; `next` is the cursor of
    the next page. docs/ops.md lists the ops, docs/projects.md what they mean.
*/
#pragma once
#include "projects_store.h"
#include "sti_service.h"

typedef struct _projects_query_t projects_query_t;

//  The ops over a borrowed store; money_unit: the unit amounts are kept
//  in (borrowed). Returns a new object the caller destroys.
projects_query_t *projects_query_new(projects_store_t *store, const char *money_unit);
void projects_query_destroy(projects_query_t **self_p);

extern const sti_op_table_t projects_query_ops;
