-- catalog_put.lua: one change to the catalog, and the version bump with it.
-- KEYS: version, plan, orgs, targets, plan code
-- ARGV: what, ...
--   'plan', code, bytes        stores the plan unless an equal one is there;
--                              a plan of another code is refused
--   'org', code, bytes         adds an org unit unless an equal one is there;
--                              an org unit of the same code and other data is refused
--   'target', field, value     sets a target ('' removes it)
-- Returns {changed (0/1), version} or an error reply 'conflict: ...'.
local what = ARGV[1]
local changed = 0
if what == 'plan' then
    local current = redis.call('GET', KEYS[2])
    if current ~= ARGV[3] then
        local code = redis.call('GET', KEYS[5])
        if code and code ~= ARGV[2] then
            return redis.error_reply('conflict: this namespace holds plan ' .. code)
        end
        redis.call('SET', KEYS[2], ARGV[3])
        redis.call('SET', KEYS[5], ARGV[2])
        changed = 1
    end
elseif what == 'org' then
    local current = redis.call('HGET', KEYS[3], ARGV[2])
    if current and current ~= ARGV[3] then
        return redis.error_reply('conflict: org unit ' .. ARGV[2] .. ' exists with other data')
    end
    if not current then
        redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
        changed = 1
    end
elseif what == 'target' then
    local current = redis.call('HGET', KEYS[4], ARGV[2])
    if ARGV[3] == '' then
        changed = redis.call('HDEL', KEYS[4], ARGV[2])
    elseif current ~= ARGV[3] then
        redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
        changed = 1
    end
else
    return redis.error_reply('catalog_put: unknown change ' .. tostring(what))
end
local version
if changed == 1 then
    version = redis.call('INCR', KEYS[1])
else
    version = tonumber(redis.call('GET', KEYS[1]) or '0')
end
return {changed, version}
