#!lua flags=no-writes
-- catalog_read.lua: one consistent read of the catalog as it is kept in Redis.
-- KEYS: version, plan, orgs, targets, org states
-- Only reads (the shebang): sti_redis runs it with EVALSHA_RO, so a service
-- whose Redis user may only read the catalog (ACL %R~) may run it.
-- Returns {version, plan or false, {org, value, ...}, {target field, value, ...},
--          {org, state, ...}}.
return {
    tonumber(redis.call('GET', KEYS[1]) or '0'),
    redis.call('GET', KEYS[2]),
    redis.call('HGETALL', KEYS[3]),
    redis.call('HGETALL', KEYS[4]),
    redis.call('HGETALL', KEYS[5]),
}
