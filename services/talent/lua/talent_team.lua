-- talent_team.lua: adds or updates a team in one step, checking that its
-- leader and members are registered talents, and keeps each talent's set of
-- teams (so erasing a talent takes it out of its teams).
-- An add is applied once per request id: the request key keeps the team id
-- it made, and the same request again gets {'replayed', that id} and
-- changes nothing (the id it was given is left unused).
-- KEYS: 1 team hash, 2 team members set, 3 request key of an add
--       ("<ns>:tal:team:req:<request id>")
-- ARGV: 1 mode (add | update), 2 team id, 3 expected version, 4 data,
--       5 leader, 6 record key prefix ("<ns>:tal:rec:"), 7 seconds the
--       request key is kept ('0': the add has no request id, no key),
--       8.. members
-- Returns {'ok', version}, {'missing'}, {'stale', version},
-- {'unknown', talent id} or {'replayed', team id}.
local mode, team, prefix, request_ttl = ARGV[1], ARGV[2], ARGV[6], tonumber(ARGV[7])
local version = 1
if mode == 'add' and request_ttl > 0 then
    local made = redis.call('GET', KEYS[3])
    if made then
        return {'replayed', made}
    end
end
if mode == 'update' then
    local stored = redis.call('HGET', KEYS[1], 'version')
    if not stored then
        return {'missing'}
    end
    if stored ~= ARGV[3] then
        return {'stale', stored}
    end
    version = tonumber(stored) + 1
elseif redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.error_reply('team id ' .. team .. ' is taken: the id counter is behind')
end
for i = 5, #ARGV do
    if i ~= 6 and i ~= 7 and ARGV[i] ~= '' and redis.call('EXISTS', prefix .. ARGV[i]) == 0 then
        return {'unknown', ARGV[i]}
    end
end
if mode == 'update' then
    local old_leader = redis.call('HGET', KEYS[1], 'leader')
    if old_leader and old_leader ~= '' then
        redis.call('SREM', prefix .. old_leader .. ':teams', team)
    end
    for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        redis.call('SREM', prefix .. member .. ':teams', team)
    end
    redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'data', ARGV[4], 'leader', ARGV[5],
           'version', string.format('%d', version))
if ARGV[5] ~= '' then
    redis.call('SADD', prefix .. ARGV[5] .. ':teams', team)
end
for i = 8, #ARGV do
    redis.call('SADD', KEYS[2], ARGV[i])
    redis.call('SADD', prefix .. ARGV[i] .. ':teams', team)
end
if mode == 'add' and request_ttl > 0 then
    redis.call('SET', KEYS[3], team, 'EX', request_ttl)
end
return {'ok', version}
