/*  projects_change: what a write does to Redis, worked out in C from the
    current and the next state of each project it touches, and the events
    it raises. No I/O: projects_store runs it through its scripts.

    A change (projects_write.lua's input) lists, for one project, every
    field of its hash, the milestone and investment fields set or removed,
    the index of milestones that may become late (a milestone is there while
    it is not done, not reported late and its project is planned or in
    progress), and the history entry when the status changed. Every value
    is a string, numbers written in full ("%.17g"), so Lua rounds nothing.

    Events: a change of status of a stored project raises
    project.status_changed; a milestone that passed its due date undone
    raises project.milestone_late (projects_late.lua). Their topic is
    prj.<kind>.<code>, their data the project's event map
    (projects_record_write_event) plus what happened (docs/events.md).
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "projects_record.h"
#include "sti_event_codec.h"

//  One project a write touches.
typedef struct {
    const projects_record_t *current; // as read (NULL for a new project)
    const projects_record_t *next;    // as it is to be
    int64_t index;                    // its row (import), else 0
} projects_change_t;

//  One event, ready for the script (data owned: projects_change_event_free).
typedef struct {
    char topic[STI_EVENTS_TOPIC_MAX + 1]; // prj.<kind>.<code>
    const char *type;                     // "project.status_changed", ...
    char subject[PROJECTS_CODE_MAX + 16]; // <code>, or <code>#<milestone>
    char time[32];                        // RFC 3339 UTC
    void *data;                           // the event's data, MessagePack
    size_t size;                          // bytes of data
} projects_event_t;

//  The changes as projects_write.lua takes them: a JSON array text the
//  caller frees. now_ms stamps the version's update.
char *projects_change_encode(const projects_change_t *changes, size_t count, int64_t now_ms);
//  One change as an element of that array: a new cJSON object the caller
//  adds to an array (or deletes), for a write built row by row.
cJSON *projects_change_object(const projects_change_t *change, int64_t now_ms);
//  The events of the changes into events (cap of them). Returns how many.
size_t projects_change_events(const projects_change_t *changes, size_t count,
                              projects_event_t *events, size_t cap);
//  The project.milestone_late event of a milestone into event.
void projects_change_late_event(const projects_record_t *record,
                                const projects_milestone_t *milestone, projects_event_t *event);
void projects_change_event_free(projects_event_t *event);
//  The index member of a milestone, "<code>#<id>", into buf. Returns buf.
char *projects_change_member(const char *code, int id, char *buf, size_t cap);
