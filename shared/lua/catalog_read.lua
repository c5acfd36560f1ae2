-- catalog_read.lua: one consistent read of the catalog as it is kept in Redis.
-- KEYS: version, plan, orgs, targets
-- Returns {version, plan or false, {org, value, ...}, {indicator:year, value, ...}}.
return {
    tonumber(redis.call('GET', KEYS[1]) or '0'),
    redis.call('GET', KEYS[2]),
    redis.call('HGETALL', KEYS[3]),
    redis.call('HGETALL', KEYS[4]),
}
