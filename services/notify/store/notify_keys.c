/*  notify_keys: sti-notify's key names. See notify_keys.h.
 */
#include "notify_keys.h"

char *notify_key_rules(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "rules", NULL);
}

char *notify_key_rules_seq(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "rules", "seq", NULL);
}

char *notify_key_silences(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "silences", NULL);
}

char *notify_key_silences_seq(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "silences", "seq", NULL);
}

char *notify_key_version(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "version", NULL);
}

char *notify_key_audit(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "audit", NULL);
}

char *notify_key_request(sti_redis_t *redis, const char *request_id, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "req", *request_id ? request_id : "-", NULL);
}

char *notify_key_lease(sti_redis_t *redis, const char *stream, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "lease", stream, NULL);
}

char *notify_key_cursor(sti_redis_t *redis, const char *stream, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "cursor", stream, NULL);
}

char *notify_key_latest(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "latest", NULL);
}

char *notify_key_delivery(sti_redis_t *redis, const char *id, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "dlv", id, NULL);
}

char *notify_key_due(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "due", NULL);
}

char *notify_key_index(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "index", NULL);
}

char *notify_key_dead(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "dead", NULL);
}

char *notify_key_groups(sti_redis_t *redis, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "groups", NULL);
}

char *notify_key_group_events(sti_redis_t *redis, const char *gid, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "group", gid, "events", NULL);
}

char *notify_key_group_meta(sti_redis_t *redis, const char *gid, char *buf, size_t cap)
{
    return sti_redis_key(redis, buf, cap, "notify", "group", gid, "meta", NULL);
}
