-- catalog_put.lua: one change to the catalog, and the version bump with it,
-- and, when the change is one, the events it causes (progress.changed).
--
-- Runs after events_append.lua's text (sti_catalog_store puts it in front),
-- so sti_events_guard and sti_events_append_many are local functions here.
-- KEYS: version, plan, orgs, targets, org states, plan code
--       [, event log, its seq, its prev, its epoch: when events come]
-- ARGV: what, ...
--   'plan', code, bytes        stores the plan unless an equal one is there;
--                              a plan of another code is refused
--   'org', code, bytes         adds an org unit unless an equal one is there;
--                              an org unit of the same code and other data is refused
--   'target', field, value     sets a target ('' removes it)
--   'state', code, bytes       sets an org unit's state (names, retirement)
--   then, with events: the catalog version the events were computed from
--   (the change is refused with 'conflict: stale' when Redis holds another),
--   maxlen, source, time, the guard's floor and epoch, the number of
--   events, and per event: topic, type, subject, data
-- Returns {changed (0/1), version[, epoch, first seq, last seq]} or an
-- error reply 'conflict: ...' or 'lost: ...' (the event stream's guard).
local what = ARGV[1]
local changed = 0
local events = #KEYS > 6
local epoch = ''
if events then
    if tostring(redis.call('GET', KEYS[1]) or '0') ~= ARGV[4] then
        return redis.error_reply('conflict: stale: the catalog changed meanwhile')
    end
    local why
    epoch, why = sti_events_guard(KEYS[7], KEYS[10], KEYS[8], ARGV[8], ARGV[9])
    if not epoch then
        return redis.error_reply('lost: ' .. why)
    end
end
if what == 'plan' then
    local current = redis.call('GET', KEYS[2])
    if current ~= ARGV[3] then
        local code = redis.call('GET', KEYS[6])
        if code and code ~= ARGV[2] then
            return redis.error_reply('conflict: this namespace holds plan ' .. code)
        end
        redis.call('SET', KEYS[2], ARGV[3])
        redis.call('SET', KEYS[6], ARGV[2])
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
elseif what == 'target' or what == 'state' then
    local key = what == 'target' and KEYS[4] or KEYS[5]
    local current = redis.call('HGET', key, ARGV[2])
    if ARGV[3] == '' then
        changed = redis.call('HDEL', key, ARGV[2])
    elseif current ~= ARGV[3] then
        redis.call('HSET', key, ARGV[2], ARGV[3])
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
if not events then
    return {changed, version}
end
local first, last = 0, 0
local count = tonumber(ARGV[10])
if changed == 1 and count > 0 then
    local list = {}
    for i = 1, count do
        local a = 10 + 4 * (i - 1)
        list[i] = {ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[7], ARGV[6], ARGV[a + 4]}
    end
    first, last = sti_events_append_many(KEYS[7], KEYS[8], KEYS[9], ARGV[5], list)
end
return {changed, version, epoch, first, last}
