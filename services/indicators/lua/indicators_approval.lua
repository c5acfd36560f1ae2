-- indicators_approval.lua: approval.approve and approval.reopen in one step
-- (docs/signoff.md): the unit's period record, its audit entry and its
-- event, and the reply kept under the request id, so a retry is answered as
-- the first time and applied once. Run after events_append.lua's text.
-- KEYS: 1 the unit's approval hash (<ns>:approval:<org>), 2 the audit stream,
--       3 the request key ('' name without a request id), 4 the intake log,
--       5 the event log, 6 its seq, 7 its prev, 8 its epoch
-- ARGV: 1 'approve' or 'reopen', 2 the period (the hash's field), 3 the new
--       record (MessagePack map {state, org, period, by, role, via, at,
--       reason, request}), 4 with_id ('1' with a request id), 5 ttl seconds,
--       6 the intake log's consumer group, 7 the event log's maxlen, 8 the
--       guard's floor, 9 its epoch, 10 topic, 11 type, 12 subject, 13 time,
--       14 source, 15 event data, 16 audit time (ms), 17 org, 18 who,
--       19 role, 20 via, 21 reason, 22 request id
-- Returns {0, record, epoch, seq} when done, {1, record kept} for a repeat,
-- {2, record now} when already approved, {3, pending, unread} when the
-- intake log holds entries not applied yet (approve), {4} when nothing is
-- approved to reopen, or an error reply 'lost: ...' (the event guard).
if ARGV[4] == '1' then
    local stored = redis.call('GET', KEYS[3])
    if stored then
        return {1, stored}
    end
end
local now = redis.call('HGET', KEYS[1], ARGV[2])
local approved = false
if now then
    local ok, record = pcall(cmsgpack.unpack, now)
    approved = ok and type(record) == 'table' and record.state == 'approved'
end
-- An entry id 'ms-seq' as two numbers, to compare.
local function id_less(a, b)
    local am, as = string.match(a, '^(%d+)-(%d+)$')
    local bm, bs = string.match(b, '^(%d+)-(%d+)$')
    if not am or not bm then
        return false
    end
    am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
    return am < bm or (am == bm and as < bs)
end
-- What the intake log holds that the consumer group has not applied:
-- entries read and not acknowledged, and whether any is not read yet.
local function backlog()
    if redis.call('EXISTS', KEYS[4]) == 0 then
        return 0, 0
    end
    local stream = redis.call('XINFO', 'STREAM', KEYS[4])
    local last = '0-0'
    for i = 1, #stream, 2 do
        if stream[i] == 'last-generated-id' then
            last = stream[i + 1]
        end
    end
    for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[4])) do
        local g = {}
        for i = 1, #group, 2 do
            g[group[i]] = group[i + 1]
        end
        if g['name'] == ARGV[6] then
            local unread = id_less(g['last-delivered-id'], last) and 1 or 0
            return tonumber(g['pending']) or 0, unread
        end
    end
    return 0, (last ~= '0-0') and 1 or 0
end
if ARGV[1] == 'approve' then
    if approved then
        return {2, now}
    end
    local pending, unread = backlog()
    if pending > 0 or unread > 0 then
        return {3, pending, unread}
    end
elseif not approved then
    return {4}
end
local epoch, why = sti_events_guard(KEYS[5], KEYS[8], KEYS[6], ARGV[8], ARGV[9])
if not epoch then
    return redis.error_reply('lost: ' .. why)
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 100000, '*', 'time', ARGV[16],
           'op', 'approval.' .. ARGV[1], 'org', ARGV[17], 'period', ARGV[2],
           'who', ARGV[18], 'role', ARGV[19], 'via', ARGV[20], 'reason', ARGV[21],
           'request', ARGV[22])
local seq = sti_events_append(KEYS[5], KEYS[6], KEYS[7], ARGV[7], ARGV[10], ARGV[11],
                              ARGV[12], ARGV[13], ARGV[14], ARGV[15])
if ARGV[4] == '1' then
    redis.call('SET', KEYS[3], ARGV[3], 'EX', tonumber(ARGV[5]))
end
return {0, ARGV[3], epoch, seq}
