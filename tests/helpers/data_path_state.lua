-- data_path_state.lua: what one Redis holds of the data path, as lines of
-- text for a failed test to print (tests/fault/test_redis_failover.sh): the
-- `ind` seq and epoch hash (a `lost` field says the stream stopped), the
-- event log's entries (first-last seq of each, gaps marked), the intake
-- log's length and its consumer group (last delivered id, lag, pending by
-- consumer). The revisions are counted apart, by revisions_summary.lua
-- (one rule for both layouts). For tests only: it reads the whole log in
-- one call.
-- KEYS: 1 event log, 2 its seq, 3 its epoch hash, 4 intake log
-- ARGV: 1 the consumer group
local out = {}
local function say(line)
    out[#out + 1] = line
end
say('seq ' .. tostring(redis.call('GET', KEYS[2])) .. ', epoch ' ..
    table.concat(redis.call('HGETALL', KEYS[3]), ' '))
local entries, last, events = {}, 0, 0
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
    local id = tonumber(string.match(e[1], '^0%-(%d+)$')) or -1
    local from = id
    for i = 1, #e[2], 2 do
        if e[2][i] == 'first' then
            from = tonumber(e[2][i + 1]) or -1
        end
    end
    local mark = (last > 0 and from ~= last + 1) and '!' or ''
    entries[#entries + 1] = mark .. from .. '-' .. id
    events, last = events + id - from + 1, id
end
say('event log: ' .. #entries .. ' entries, ' .. events .. ' events (! after a gap): ' ..
    table.concat(entries, ' '))
local tail = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
say('intake: ' .. redis.call('XLEN', KEYS[4]) .. ' entries, last ' ..
    (tail[1] and tail[1][1] or '-'))
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[4])
if ok then
    for _, g in ipairs(groups) do
        local fields = {}
        for i = 1, #g, 2 do
            fields[#fields + 1] = g[i] .. ' ' .. tostring(g[i + 1])
        end
        say('group: ' .. table.concat(fields, ', '))
    end
    local summary = redis.call('XPENDING', KEYS[4], ARGV[1])
    local by = {}
    for _, c in ipairs(summary[4] or {}) do
        by[#by + 1] = c[1] .. ' ' .. c[2]
    end
    say('pending: ' .. tostring(summary[1]) .. ' (' .. tostring(summary[2]) .. ' .. ' ..
        tostring(summary[3]) .. ') ' .. table.concat(by, ', '))
else
    say('group: ' .. tostring(groups.err or groups))
end
return out
