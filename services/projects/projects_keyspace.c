/*  projects_keyspace: the keys of sti-projects. See projects_keyspace.h.

    Every key is "<ns>:prj:..." (the event stream's are "<ns>:events:prj...",
    built by sti_events_log_keys), built by sti_redis_key, which refuses a key
    that does not fit.
*/
#include "projects_keyspace.h"

#include <assert.h>

char *projects_keyspace_project(sti_redis_t *redis, const char *part, const char *code, char *buf,
                                size_t cap)
{
    assert(part && code);
    return sti_redis_key(redis, buf, cap, "prj", part, code, NULL);
}

char *projects_keyspace(sti_redis_t *redis, const char *name, char *buf, size_t cap)
{
    assert(name);
    return sti_redis_key(redis, buf, cap, "prj", name, NULL);
}

char *projects_keyspace_request(sti_redis_t *redis, const char *op, const char *request_id,
                                char *buf, size_t cap)
{
    assert(op && request_id);
    return sti_redis_key(redis, buf, cap, "prj", "req", op, request_id, NULL);
}

char *projects_keyspace_prefix(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "prj", "", NULL);
}
