/*  projects_input: a request's body, checked against the plan, made into
    the project it asks for.

    The service frame has checked the shape of the body (its keys, their
    types and lengths: the declarations of projects_registry); this module
    checks what depends on the plan and on the project as stored: the kind,
    level and status are known words, the programme is a project tag of the
    plan's catalog, the org unit is one of its org units, periods and dates
    are real and in order, amounts are numbers of a money unit the catalog
    converts to the service's money unit (万元 by default), a status change
    is allowed, a milestone exists. Every problem of a body is reported, not
    only the first, each as a detail {index, field, reason} (index: the row
    of an import, -1 for a single body), and nothing is half taken: on any
    problem the caller gets -1 and writes nothing.

    On success the caller holds the next state of the project, complete:
    the store writes the difference between the current state and it.
*/
#pragma once
#include <stdint.h>

#include "projects_record.h"
#include "sti_catalog.h"
#include "sti_codec.h"
#include "sti_envelope.h"

//  What the checks need besides the body.
typedef struct {
    const sti_catalog_t *catalog; // the plan (tags, org units, units)
    const char *money_unit;       // the unit amounts are kept in ("万元")
    int today;                    // YYYYMMDD, UTC
    const char *who;              // the caller's name, for the history
    int64_t now_ms;               // now, for the history
} projects_input_ctx_t;

//  The problems found, as error details.
typedef struct {
    sti_writer_t *details; // {index, field, reason} maps, without the array header
    size_t count;          // how many
    int64_t index;         // the row the next problems are about (-1: a single body)
    char prefix[32];       // put before the next problems' fields ("milestones.2.")
    char message[480];     // the first problem as "field: reason" (row K: when a row)
} projects_problems_t;

//  Starts an empty list (destroy with projects_problems_fini).
void projects_problems_init(projects_problems_t *self);
void projects_problems_fini(projects_problems_t *self);
//  Adds one problem about field of the current row.
void projects_problem(projects_problems_t *self, const char *field, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

//  project.add / a row of project.import: a whole project. next receives
//  it (version 0, its first history entry, milestones numbered from 1, the
//  digest of the row). Returns 0, or -1 with the problems added.
int projects_input_add(const projects_input_ctx_t *ctx, sti_node_t row, projects_record_t *next,
                       projects_problems_t *problems);
//  project.update: the keys given change current into next (a copy first).
//  Returns 0, or -1 with the problems added.
int projects_input_update(const projects_input_ctx_t *ctx, sti_node_t body,
                          const projects_record_t *current, projects_record_t *next,
                          projects_problems_t *problems);
//  project.milestone: adds a milestone (no `milestone` key: the next id)
//  or changes one. Returns 0, or -1 with the problems added.
int projects_input_milestone(const projects_input_ctx_t *ctx, sti_node_t body,
                             const projects_record_t *current, projects_record_t *next,
                             projects_problems_t *problems);
