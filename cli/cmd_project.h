/*  cmd_project: what the files of `stictl project` share (cmd_project.c:
    add, update, milestone, list, show; cmd_project_io.c: import).

    A project's fields come as flags or as the cells of a table row, both
    as text; stictl_project_fields_write turns them into the map
    sti.projects reads: amounts with their unit ("1.5亿元", "1200"), the
    milestones ("2022-06-30 完成选址", "2023-12-31/2023-11-20 建成投用": due
    date, an optional done date after a slash, then the description), the
    investment made ("2022=800", "2023=0.12亿元"; "2022=" removes a period).
    Everything else is the service's to check.
*/
#pragma once
#include "stictl.h"

#define STICTL_PROJECT_LIST_MAX 100 // milestones or periods one row or command gives

//  The fields of a project as text (NULL: not given).
typedef struct {
    const char *code;                               // the project's code
    const char *name_zh, *name_en;                  // names
    const char *kind, *programme, *level, *org;     // words and codes
    const char *lead;                               // the lead organisation
    const char *start, *end;                        // periods
    const char *investment;                         // "1200", "1.5亿元"
    const char *status, *status_on, *reason;        // a status (change)
    const char *milestone[STICTL_PROJECT_LIST_MAX]; // "DUE[/DONE] DESCRIPTION"
    size_t milestone_count;                         // how many
    const char *invested[STICTL_PROJECT_LIST_MAX];  // "PERIOD=AMOUNT[UNIT]"
    size_t invested_count;                          // how many
    const char *clear[8];                           // keys set to nil (update)
    size_t clear_count;                             // how many
} stictl_project_fields_t;

//  Writes the fields given as one map (the body of project.add, or the
//  keys of project.update besides code and version: extra more pairs the
//  caller writes after). Returns 0, or -1 with the field and the reason
//  when a value does not read (nothing sensible was written: drop it).
int stictl_project_fields_write(const stictl_project_fields_t *fields, size_t extra,
                                sti_writer_t *writer, char *field, size_t field_cap, char *reason,
                                size_t reason_cap);
//  Splits a cell of entries separated by ';', '；' or new lines into list
//  (at most cap entries, trimmed, empty ones skipped), in place in text.
//  Returns how many, or -1 when there are more than cap.
int stictl_project_split(char *text, const char **list, size_t cap);
//  Sends request (destroyed) to sti.projects. Returns 0 when a reply came
//  in *reply (release it), else the exit code after printing why.
int stictl_project_call(stictl_t *ctl, sti_writer_t *request, sti_reply_t *reply);

int stictl_project_import(stictl_t *ctl, int argc, char **argv);
