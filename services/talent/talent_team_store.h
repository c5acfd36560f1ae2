/*  talent_team_store: teams of talents in Redis (docs/keys.md; the ops are
    talent_team_registry's).

    A team is the hash <ns>:tal:team:<id> (data: name, field and employer as
    MessagePack; leader; version) and the set <ns>:tal:team:<id>:members.
    talent_team.lua writes one in one step, checking that the leader and
    members are registered talents and keeping each talent's set of teams
    (<ns>:tal:rec:<talent>:teams), which erasure uses. Team ids are G000001,
    G000002, ... (INCR <ns>:tal:team:next). An add is applied once per
    request id: talent_team.lua keeps the id it made under
    <ns>:tal:team:req:<request id> for a day.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "sti_redis.h"
#include "talent_codes.h"
#include "talent_team.h"

typedef struct _talent_team_store_t talent_team_store_t;

//  What a read or write of a team found.
typedef enum {
    TALENT_TEAM_OK = 0,   // done
    TALENT_TEAM_MISSING,  // no such team
    TALENT_TEAM_STALE,    // the version given is not the stored one (other: the stored one)
    TALENT_TEAM_UNKNOWN,  // the leader or a member is not a registered talent (other: which)
    TALENT_TEAM_REPLAYED, // a retried add: other names the team it made
    TALENT_TEAM_FAILED,   // Redis failed or the stored team is damaged (err says which)
} talent_team_rc_t;

//  On a borrowed Redis. Returns a new object the caller destroys.
talent_team_store_t *talent_team_store_new(sti_redis_t *redis);
void talent_team_store_destroy(talent_team_store_t **self_p);

//  Reads team id into team (its members sorted) and *version; codes check
//  its stored field. Returns OK, MISSING or FAILED with err.
talent_team_rc_t talent_team_store_read(talent_team_store_t *self, const talent_codes_t *codes,
                                        const char *id, talent_team_t *team, int64_t *version,
                                        char *err, size_t errlen);
//  Takes the next team id ("G000001") into id. Returns OK or FAILED with err.
talent_team_rc_t talent_team_store_next_id(talent_team_store_t *self,
                                           char id[TALENT_REGISTRY_ID_MAX + 1], char *err,
                                           size_t errlen);
//  Writes team id: mode "add" (request_id: applied once per id, "" for
//  none) or "update" (expected: the stored version). Returns OK with the
//  new *version, or MISSING, STALE, UNKNOWN or REPLAYED with other (at
//  least TALENT_REGISTRY_ID_MAX + 1 bytes), or FAILED with err.
talent_team_rc_t talent_team_store_write(talent_team_store_t *self, const char *mode,
                                         const char *id, int64_t expected,
                                         const talent_team_t *team, const char *request_id,
                                         int64_t *version, char *other, char *err, size_t errlen);
