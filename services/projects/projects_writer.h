/*  projects_writer: the project registry in Redis, written; with
    projects_store (the reads) the only modules of sti-projects that talk
    to Redis.

    A write (projects_writer_write) is worked out in C from the current and
    the next state of each project it touches (projects_change) and applied
    by one EVALSHA of projects_write.lua: everything or nothing, checked
    against the versions read, and kept under the op and request id for
    request_ttl seconds (a week by default), so a retried request is
    answered as the first time and applied once.

    Raising late milestones (projects_writer_late) takes the milestones due
    before today from their index and runs projects_late.lua on each, which
    marks it and appends project.milestone_late at most once, however many
    replicas look. Events are published once the script appended them; a
    stream stopped after a loss refuses the write (nothing is changed).
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "projects_change.h"
#include "projects_store.h"
#include "sti_events.h"

typedef struct _projects_writer_t projects_writer_t;

//  The outcome of a write.
typedef struct {
    projects_store_rc_t rc; // OK, REPLAYED, NOT_FOUND, CONFLICT or FAILED
    int64_t index;          // the change refused (NOT_FOUND, CONFLICT), else -1
    char field[32];         // the field it is about
    char reason[320];       // why (a refusal or a failure)
    char unchanged[4096];   // OK, REPLAYED: the indexes left as they were, "1,4" ("" none)
} projects_write_result_t;

//  The writer on a borrowed connection, store and publisher (pub may be
//  NULL: events are logged, not sent). Returns a new object the caller destroys.
projects_writer_t *projects_writer_new(sti_redis_t *redis, projects_store_t *store,
                                       sti_events_pub_t *pub, int64_t request_ttl_s);
void projects_writer_destroy(projects_writer_t **self_p);

//  What the request id of op made, if it was applied: REPLAYED (with the
//  unchanged indexes in result), NOT_FOUND when it was not, or FAILED.
projects_store_rc_t projects_writer_replayed(projects_writer_t *self, const char *op,
                                             const char *request_id,
                                             projects_write_result_t *result);
//  Applies count changes as one write of op under request_id.
void projects_writer_write(projects_writer_t *self, const char *op, const char *request_id,
                           const projects_change_t *changes, size_t count,
                           projects_write_result_t *result);
//  The same for changes already encoded (projects_change_encode's array
//  text, built row by row) that raise no events. dry_run: only the checks
//  against what is stored run (nothing is written, the id is not kept).
void projects_writer_write_encoded(projects_writer_t *self, const char *op, const char *request_id,
                                   const char *changes, bool dry_run,
                                   projects_write_result_t *result);
//  Raises the milestones due before today (YYYYMMDD) that are not done, at
//  most max of them. Returns how many were raised, or -1 when Redis failed.
int projects_writer_late(projects_writer_t *self, int today, size_t max);
