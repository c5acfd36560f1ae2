/*  projects_record: one project as sti-projects holds it, and the forms it
    is answered in.

    A project has a code, names, a kind, an optional programme (a tag of
    the plan), a level, a responsible org unit, a lead organisation, a start
    and an end (periods: 2021, 2021Q3, 2021-07), a planned investment (in
    the service's money unit, 万元 by default), the investment made per
    period, milestones (due date, description, done date, and whether it
    was reported late) and a status with its history (who, when, from, to,
    the date it took effect, why). The record is a plain value, large
    enough (milestones and history inline) to be allocated; the store fills
    it from Redis and the input checks build the next one from it.

    Two forms are written for answers (MessagePack maps, every key present,
    nil where there is nothing):
      FULL: {code, name_zh, name_en, kind, programme, level, org, lead,
             start, end, investment: {value, unit} | nil, invested: [{period,
             value}], invested_total, status, status_on, version, created,
             updated, milestones: [{id, due, description, done, late}],
             history: [{time, who, from, to, on, reason}]}
      SUMMARY: {code, name_zh, name_en, kind, programme, level, org, start,
             end, investment, status, status_on, milestones, done, late,
             version}
    Dates are YYYY-MM-DD, times RFC 3339 UTC.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "projects_codes.h"
#include "sti_catalog.h"
#include "sti_codec.h"

//  One milestone.
typedef struct {
    int id;                                  // 1, 2, ... in the order added; never reused
    int due;                                 // YYYYMMDD
    int done;                                // YYYYMMDD when done, 0 while not
    bool late;                               // project.milestone_late was raised for it
    char description[PROJECTS_TEXT_MAX + 1]; // what is due
} projects_milestone_t;

//  The investment made in one period.
typedef struct {
    char period[STI_PERIOD_TEXT_MAX]; // "2022", "2022Q3", "2022-07"
    double value;                     // in the money unit
} projects_invested_t;

//  One entry of the status history.
typedef struct {
    int64_t time_ms;                    // when it was recorded
    char who[64];                       // the caller's name
    int from;                           // the status before, -1 for the first entry
    int to;                             // the status after
    int on;                             // YYYYMMDD it took effect
    char reason[PROJECTS_TEXT_MAX + 1]; // why ("" when not given)
} projects_status_change_t;

typedef struct {
    char code[PROJECTS_CODE_MAX + 1];    // "PF-2021-01"
    char name_zh[PROJECTS_NAME_MAX + 1]; // Chinese name
    char name_en[PROJECTS_NAME_MAX + 1]; // English name, "" when none
    int kind;                            // PROJECTS_LIST_KIND index
    char programme[STI_CODE_MAX];        // a project tag of the plan, "" when none
    int level;                           // PROJECTS_LIST_LEVEL index
    char org[STI_CODE_MAX];              // the responsible org unit
    char lead[PROJECTS_LEAD_MAX + 1];    // the lead organisation, "" when none
    char start[STI_PERIOD_TEXT_MAX];     // first period
    char end[STI_PERIOD_TEXT_MAX];       // last period
    bool has_investment;                 // whether investment is known
    double investment;                   // planned, in the money unit
    int status;                          // PROJECTS_LIST_STATUS index
    int status_on;                       // YYYYMMDD the status took effect
    int64_t version;                     // 1 when added, +1 with every change
    int64_t created_ms;                  // when added
    int64_t updated_ms;                  // when last changed
    char digest[65];                     // hash of the row that added it (import)
    int last_milestone;                  // the highest milestone id given
    projects_milestone_t milestones[PROJECTS_MILESTONES_MAX]; // by id
    size_t milestone_count;                                   // how many
    projects_invested_t invested[PROJECTS_INVESTED_MAX];      // by period
    size_t invested_count;                                    // how many
    projects_status_change_t history[PROJECTS_HISTORY_MAX];   // oldest first
    size_t history_count;                                     // how many
} projects_record_t;

//  A new zeroed record (caller frees). Never NULL.
projects_record_t *projects_record_new(void);
//  The milestone with id (borrowed), or NULL.
projects_milestone_t *projects_record_milestone(projects_record_t *self, int id);
//  The investment made in period (borrowed), or NULL.
projects_invested_t *projects_record_invested(projects_record_t *self, const char *period);
//  The sum of the investment made, over every period.
double projects_record_invested_total(const projects_record_t *self);
//  Milestones not done (pending) and of those the ones reported late.
void projects_record_counts(const projects_record_t *self, int *done, int *late);

//  Writes the FULL form; money_unit names the unit of the amounts.
void projects_record_write(const projects_record_t *self, const char *money_unit,
                           sti_writer_t *writer);
//  Writes the SUMMARY form.
void projects_record_write_summary(const projects_record_t *self, sti_writer_t *writer);
//  Writes the data of a project event: {code, name_zh, name_en, kind,
//  programme, level, org, status} plus extra pairs the caller writes
//  after (extra: how many).
void projects_record_write_event(const projects_record_t *self, size_t extra, sti_writer_t *writer);
