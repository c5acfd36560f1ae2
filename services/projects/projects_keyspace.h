/*  projects_keyspace: every Redis key of sti-projects, one function per key
    family (docs/keys.md, "sti-projects").

    Each builds its key under the namespace of redis with sti_redis_key into
    buf (cap bytes) and returns buf, or NULL when the key does not fit. Only
    the store (projects_store) builds keys; the handlers never see one. The
    prefix is for projects_write.lua, which reaches a project's keys by its
    code.
*/
#pragma once
#include <stddef.h>

#include "sti_redis.h"

//  A project's keys by part: "p" its hash, "m" its milestones (hash), "i"
//  the investment made (hash: period -> amount), "h" its status history
//  (stream): <ns>:prj:<part>:<code>.
char *projects_keyspace_project(sti_redis_t *redis, const char *part, const char *code, char *buf,
                                size_t cap);
//  The keys of the whole registry by name: "all" (every code, a sorted set
//  read by code), "due" (milestones that may become late, scored by due
//  date), "gen" (grows with every change), "fed" (what sti-ingest last
//  accepted): <ns>:prj:<name>.
char *projects_keyspace(sti_redis_t *redis, const char *name, char *buf, size_t cap);
//  <ns>:prj:req:<op>:<request id>, what a write made, kept for its retries.
char *projects_keyspace_request(sti_redis_t *redis, const char *op, const char *request_id,
                                char *buf, size_t cap);
//  <ns>:prj:, the prefix of every key of the registry.
char *projects_keyspace_prefix(sti_redis_t *redis, char *buf, size_t cap);
