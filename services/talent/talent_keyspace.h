/*  talent_keyspace: every Redis key of sti-talent, one function per key
    family (docs/keys.md, "sti-talent").

    Each builds its key under the namespace of redis with sti_redis_key into
    buf (cap bytes) and returns buf, or NULL when the key does not fit. Only
    the store modules (talent_store, talent_lookup_store, talent_rekey_store,
    talent_count_store, talent_team_store) build keys; handlers never see one.
    The prefixes are for the scripts that reach a talent's or a team's keys
    by id (talent_change.lua, talent_team.lua, talent_keys.lua).
*/
#pragma once
#include <stddef.h>

#include "sti_redis.h"

//  <ns>:tal:next, the last registry number given.
char *talent_keyspace_next(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:tal:rec:<id>, one talent's hash.
char *talent_keyspace_record(sti_redis_t *redis, const char *id, char *buf, size_t cap);
//  <ns>:tal:rec:<id>:teams, the teams a talent is in.
char *talent_keyspace_record_teams(sti_redis_t *redis, const char *id, char *buf, size_t cap);
//  <ns>:tal:rec:, the prefix of talents' keys.
char *talent_keyspace_record_prefix(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:tal:doc, document hash -> registry id.
char *talent_keyspace_documents(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:tal:all, every registry id by its number.
char *talent_keyspace_all(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:tal:names, name NUL id (name-prefix search).
char *talent_keyspace_names(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:tal:idx:<token>, the ids with an index token ("category:top").
char *talent_keyspace_index(sti_redis_t *redis, const char *token, char *buf, size_t cap);
//  <ns>:tal:stats, token -> number of records.
char *talent_keyspace_stats(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:tal:audit:<id>, a talent's audit log.
char *talent_keyspace_audit(sti_redis_t *redis, const char *id, char *buf, size_t cap);
//  <ns>:tal:req:<request id>, the id an add made.
char *talent_keyspace_request(sti_redis_t *redis, const char *request_id, char *buf, size_t cap);
//  The count keys, by part: "count" (contributions), "count:dirty",
//  "count:gen", "count:upto" (talent_counts.h).
char *talent_keyspace_count(sti_redis_t *redis, const char *part, char *buf, size_t cap);
//  <ns>:tal:team:next, the last team number given.
char *talent_keyspace_team_next(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:tal:team:<id>, a team's hash.
char *talent_keyspace_team(sti_redis_t *redis, const char *id, char *buf, size_t cap);
//  <ns>:tal:team:<id>:members, a team's members.
char *talent_keyspace_team_members(sti_redis_t *redis, const char *id, char *buf, size_t cap);
//  <ns>:tal:team:req:<request id>, the team a team.add made ("-" without an id).
char *talent_keyspace_team_request(sti_redis_t *redis, const char *request_id, char *buf,
                                   size_t cap);
//  <ns>:tal:team:, the prefix of teams' keys.
char *talent_keyspace_team_prefix(sti_redis_t *redis, char *buf, size_t cap);
//  The event stream tal's keys, by part: NULL (the log), "seq", "prev",
//  "epoch" (docs/events.md).
char *talent_keyspace_events(sti_redis_t *redis, const char *part, char *buf, size_t cap);
