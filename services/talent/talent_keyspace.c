/*  talent_keyspace: the keys of sti-talent. See talent_keyspace.h.

    Every key is "<ns>:tal:..." (or "<ns>:events:tal..." for the event
    stream), built by sti_redis_key, which refuses a key that does not fit
    and a namespace it does not know.
*/
#include "talent_keyspace.h"

#include <assert.h>
#include <string.h>

char *talent_keyspace_next(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "next", NULL);
}

char *talent_keyspace_record(sti_redis_t *redis, const char *id, char *buf, size_t cap)
{
    assert(id);
    return sti_redis_key(redis, buf, cap, "tal", "rec", id, NULL);
}

char *talent_keyspace_record_teams(sti_redis_t *redis, const char *id, char *buf, size_t cap)
{
    assert(id);
    return sti_redis_key(redis, buf, cap, "tal", "rec", id, "teams", NULL);
}

char *talent_keyspace_record_prefix(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "rec", "", NULL);
}

char *talent_keyspace_documents(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "doc", NULL);
}

char *talent_keyspace_all(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "all", NULL);
}

char *talent_keyspace_names(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "names", NULL);
}

char *talent_keyspace_index(sti_redis_t *redis, const char *token, char *buf, size_t cap)
{
    assert(token);
    return sti_redis_key(redis, buf, cap, "tal", "idx", token, NULL);
}

char *talent_keyspace_stats(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "stats", NULL);
}

char *talent_keyspace_audit(sti_redis_t *redis, const char *id, char *buf, size_t cap)
{
    assert(id);
    return sti_redis_key(redis, buf, cap, "tal", "audit", id, NULL);
}

char *talent_keyspace_request(sti_redis_t *redis, const char *request_id, char *buf, size_t cap)
{
    assert(request_id);
    return sti_redis_key(redis, buf, cap, "tal", "req", request_id, NULL);
}

char *talent_keyspace_count(sti_redis_t *redis, const char *part, char *buf, size_t cap)
{
    assert(part && (strcmp(part, "count") == 0 || strncmp(part, "count:", 6) == 0));
    return sti_redis_key(redis, buf, cap, "tal", part, NULL);
}

char *talent_keyspace_team_next(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "team", "next", NULL);
}

char *talent_keyspace_team(sti_redis_t *redis, const char *id, char *buf, size_t cap)
{
    assert(id);
    return sti_redis_key(redis, buf, cap, "tal", "team", id, NULL);
}

char *talent_keyspace_team_members(sti_redis_t *redis, const char *id, char *buf, size_t cap)
{
    assert(id);
    return sti_redis_key(redis, buf, cap, "tal", "team", id, "members", NULL);
}

char *talent_keyspace_team_request(sti_redis_t *redis, const char *request_id, char *buf,
                                   size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "team", "req",
                         request_id && *request_id ? request_id : "-", NULL);
}

char *talent_keyspace_team_prefix(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "tal", "team", "", NULL);
}

char *talent_keyspace_events(sti_redis_t *redis, const char *part, char *buf, size_t cap)
{
    return part ? sti_redis_key(redis, buf, cap, "events", "tal", part, NULL)
                : sti_redis_key(redis, buf, cap, "events", "tal", NULL);
}
