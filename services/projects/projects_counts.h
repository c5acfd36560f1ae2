/*  projects_counts: the indicators the plan's projects keep current, and
    their values.

    The plan says which indicators its projects feed (projects.json,
    carried in the catalog: docs/plan-format.md), never the code. Each feed
    names an indicator of the catalog, a measure and which projects it
    takes:

      {"indicator": "incubators", "measure": "count",
       "where": {"kind": ["incubator"], "level": [...], "programme": [...],
                 "status": ["completed"]},
       "plus_baseline": true}

    count: the projects that match, whose status at the end of the year
    (the last status change that took effect by 31 December) is one of
    `status` (default completed). With plus_baseline, the plan's baseline
    of the indicator plus the projects that reached one of those statuses
    after the baseline's year: the plan counts what was there, the projects
    add what they built. investment: the investment made in the year's
    periods by the projects that match (and, when `status` is given, were
    in one of them at the end of the year), converted from the service's
    money unit into the indicator's unit.

    Decoding checks everything against the catalog and names the place:
    "feeds[1].indicator: unknown indicator 'x'", an unknown kind, level,
    status or programme, plus_baseline on an indicator without a baseline,
    an investment into an indicator whose unit is not money. A decoded set
    is read-only; the values are pure functions of the projects given.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "projects_codes.h"
#include "sti_catalog.h"

#define PROJECTS_COUNTS_MAX 32 // feeds of one plan

//  What a feed needs of one project.
typedef struct {
    int kind;                                     // PROJECTS_LIST_KIND index
    int level;                                    // PROJECTS_LIST_LEVEL index
    char programme[STI_CODE_MAX];                 // "" when none
    int change_on[PROJECTS_HISTORY_MAX];          // YYYYMMDD each status took effect, oldest first
    int change_to[PROJECTS_HISTORY_MAX];          // the status it became
    size_t change_count;                          // entries of the history
    int invested_year[PROJECTS_INVESTED_MAX];     // the year of each period
    double invested_value[PROJECTS_INVESTED_MAX]; // the amount, in the money unit
    size_t invested_count;                        // periods
} projects_tally_t;

typedef struct _projects_counts_t projects_counts_t;

//  Reads the MessagePack form of a projects.json (as the catalog carries
//  it) and checks it against catalog; money_unit is the unit the service
//  keeps amounts in. Returns a new set the caller destroys, or NULL with a
//  reason in err.
projects_counts_t *projects_counts_decode(const void *data, size_t size,
                                          const sti_catalog_t *catalog, const char *money_unit,
                                          char *err, size_t errlen);
void projects_counts_destroy(projects_counts_t **self_p);

size_t projects_counts_count(const projects_counts_t *self);
//  The source the values are submitted under ("project-registry" unless set).
const char *projects_counts_source(const projects_counts_t *self);
//  The indicator of feed index (borrowed).
const char *projects_counts_indicator(const projects_counts_t *self, size_t index);
//  The value of feed index for year over the projects given.
double projects_counts_value(const projects_counts_t *self, size_t index,
                             const projects_tally_t *projects, size_t count, int year);
//  The status a project had at the end of date (YYYYMMDD), -1 before it had one.
int projects_tally_status_at(const projects_tally_t *project, int date);
