-- indicators_duty.lua: one change of the reporting duties, or one overdue
-- report raised, with its event, in one step (docs/completeness.md). Runs
-- after events_append.lua.
--
-- KEYS: 1-4 the stream ind: log, seq, prev, epoch; 5.. the keys written
-- ARGV: 1 the event guard's floor, 2 its epoch, 3 maxlen,
--       4-9 the event (topic, type, subject, time, source, data),
--       10 the mode:
--         'put':  11 n, then n triples (key index from 5, hash field, value);
--                 an empty value deletes the field
--         'mark': 11 the member to add to the set KEYS[5]
-- Nothing changes and no event is appended when every field already holds
-- its value, or the member is in the set already (a report is raised once).
-- Returns {'ok', seq, epoch}, {'same'}, or {'lost', why}.
local mode = ARGV[10]
if mode == 'mark' then
    if redis.call('SISMEMBER', KEYS[5], ARGV[11]) == 1 then
        return {'same'}
    end
else
    local n = tonumber(ARGV[11])
    local same = true
    for i = 0, n - 1 do
        local key = KEYS[tonumber(ARGV[12 + 3 * i])]
        local now = redis.call('HGET', key, ARGV[13 + 3 * i]) or ''
        if now ~= ARGV[14 + 3 * i] then
            same = false
        end
    end
    if same then
        return {'same'}
    end
end
local epoch, why = sti_events_guard(KEYS[1], KEYS[4], KEYS[2], ARGV[1], ARGV[2])
if not epoch then
    return {'lost', why}
end
if mode == 'mark' then
    redis.call('SADD', KEYS[5], ARGV[11])
else
    for i = 0, tonumber(ARGV[11]) - 1 do
        local key = KEYS[tonumber(ARGV[12 + 3 * i])]
        if ARGV[14 + 3 * i] == '' then
            redis.call('HDEL', key, ARGV[13 + 3 * i])
        else
            redis.call('HSET', key, ARGV[13 + 3 * i], ARGV[14 + 3 * i])
        end
    end
end
local seq = sti_events_append(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[4], ARGV[5], ARGV[6],
                              ARGV[7], ARGV[8], ARGV[9])
return {'ok', seq, epoch}
