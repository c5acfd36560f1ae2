/*  projects_store: the project registry in Redis, read (docs/keys.md,
    "sti-projects"). projects_writer writes it; these two are the only
    modules of sti-projects that talk to Redis.

    A project is a hash of its fields, a hash of its milestones, a hash of
    the investment made per period and a stream of its status changes; a
    sorted set holds every code, another the milestones that may become
    late by due date; a counter (the generation) grows with every write.
    What Redis holds is read as hostile: a field that does not parse makes
    the read fail, never a crash. A project is read in one round trip (four
    pipelined commands).
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "projects_counts.h"
#include "projects_record.h"
#include "sti_redis.h"

typedef struct _projects_store_t projects_store_t;

typedef enum {
    PROJECTS_STORE_OK = 0,    // done
    PROJECTS_STORE_NOT_FOUND, // no such project (or nothing kept for a request id)
    PROJECTS_STORE_CONFLICT,  // a stale version, a project that exists
    PROJECTS_STORE_REPLAYED,  // the request id was applied before: its answer
    PROJECTS_STORE_FAILED,    // Redis failed, or the event stream stopped after a loss
} projects_store_rc_t;

//  The store on a borrowed connection. Returns a new store the caller destroys.
projects_store_t *projects_store_new(sti_redis_t *redis);
void projects_store_destroy(projects_store_t **self_p);

//  Reads project code into record. Returns OK, NOT_FOUND or FAILED (err set).
projects_store_rc_t projects_store_read(projects_store_t *self, const char *code,
                                        projects_record_t *record, char *err, size_t errlen);
//  Up to cap codes after `after` ("" for the first), in order, into codes
//  (each PROJECTS_CODE_MAX + 1 bytes). Returns how many, or -1 when Redis failed.
int projects_store_codes(projects_store_t *self, const char *after,
                         char (*codes)[PROJECTS_CODE_MAX + 1], size_t cap);

//  Called with each project read (borrowed for the call).
typedef void(projects_store_fn)(void *arg, const projects_record_t *record);
//  Reads the projects of codes (count of them) in one round trip and calls
//  fn for each in turn (a code with no project is passed over). Returns 0,
//  or -1 when Redis failed (fn is not called after the failure).
int projects_store_each(projects_store_t *self, char (*codes)[PROJECTS_CODE_MAX + 1], size_t count,
                        projects_store_fn *fn, void *arg);

//  Everything the feeds need of every project, into *projects (caller
//  frees) and *count, read at one generation (*gen). Returns 0, or -1 when
//  Redis failed or the registry changed while it was read (try again).
int projects_store_tally(projects_store_t *self, projects_tally_t **projects, size_t *count,
                         uint64_t *gen);
//  The generation now (0 before the first change). Returns 0 or -1.
int projects_store_gen(projects_store_t *self, uint64_t *gen);
//  What sti-ingest accepted last (the feed's own mark, "" for nothing) into
//  buf; and setting it. Return 0 or -1.
int projects_store_fed(projects_store_t *self, char *buf, size_t cap);
int projects_store_set_fed(projects_store_t *self, const char *mark);
