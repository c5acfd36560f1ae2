/*  projects_codes: the fixed words of a project, and the small checks every
    part of sti-projects shares.

    A project's kind (platform, research, incubator, other), its level
    (national, provincial, municipal, district) and its status (planned,
    in_progress, completed, suspended, cancelled) are the plan office's
    words, the same for every plan, so they are code here, not plan data.
    Each list has a lookup by name (-1 for none) and a name by index, and a
    text of its names for error messages ("platform, research, incubator,
    other").

    Status changes: completed and cancelled are final; any other status may
    become any other (a project may be suspended and resumed, or stopped).

    Dates are YYYY-MM-DD, real Gregorian dates from 2000-01-01 to
    2100-12-31, held as YYYYMMDD integers; "today" is the UTC date, as for
    every date the platform checks.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define PROJECTS_CODE_MAX 64        // bytes of a project code
#define PROJECTS_NAME_MAX 200       // bytes of a name
#define PROJECTS_LEAD_MAX 200       // bytes of the lead organisation
#define PROJECTS_TEXT_MAX 500       // bytes of a milestone's description or a reason
#define PROJECTS_MILESTONES_MAX 100 // milestones of one project
#define PROJECTS_INVESTED_MAX 240   // periods of investment made of one project
#define PROJECTS_HISTORY_MAX 64     // status changes of one project
#define PROJECTS_DATE_LEN 10        // "YYYY-MM-DD"

typedef enum {
    PROJECTS_LIST_KIND = 0, // platform, research, incubator, other
    PROJECTS_LIST_LEVEL,    // national, provincial, municipal, district
    PROJECTS_LIST_STATUS,   // planned, in_progress, completed, suspended, cancelled
} projects_list_t;

#define PROJECTS_STATUS_PLANNED 0
#define PROJECTS_STATUS_IN_PROGRESS 1
#define PROJECTS_STATUS_COMPLETED 2
#define PROJECTS_STATUS_SUSPENDED 3
#define PROJECTS_STATUS_CANCELLED 4

//  The index of name in list, or -1 when it is not one of its names.
int projects_code_find(projects_list_t list, const char *name);
//  The name at index of list (borrowed), or NULL when out of range.
const char *projects_code_name(projects_list_t list, int index);
//  How many names list has.
int projects_code_count(projects_list_t list);
//  "platform, research, incubator, other": the names for a message (borrowed).
const char *projects_code_names(projects_list_t list);

//  True when a project in status from may move to status to (from != to).
bool projects_status_may_change(int from, int to);
//  True while a project's milestones can be late (planned, in_progress).
bool projects_status_active(int status);

//  True for a project code: 1 to 64 of A-Z a-z 0-9 _ . -, starting with a
//  letter or digit.
bool projects_code_valid(const char *code);
//  True for text without control characters (new lines included).
bool projects_text_clean(const char *text);

//  Reads text as YYYY-MM-DD (a real date, 2000 to 2100) into *ymd.
//  Returns 0, or -1 with a reason in reason.
int projects_date_parse(const char *text, int *ymd, char *reason, size_t cap);
//  Writes ymd as YYYY-MM-DD into buf (cap >= 11). Returns buf.
char *projects_date_format(int ymd, char *buf, size_t cap);
//  Today's date in UTC as YYYYMMDD.
int projects_date_today(void);
//  The day after ymd, as YYYYMMDD.
int projects_date_next(int ymd);
