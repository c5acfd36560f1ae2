-- ingest_submit.lua: appends one request's accepted rows to the intake log
-- and keeps the reply under the request id, in one step, so that a retried
-- request is answered as the first time and applied once; refuses, in the
-- same step, rows of an org unit's period that is approved and locked
-- (docs/signoff.md), auditing and announcing each such refusal. Run after
-- events_append.lua's text.
-- KEYS: 1 intake stream, 2 request key ('' name when the request has no
--       id), 3 the sign-off audit stream, 4 the `ind` event log, 5 its seq,
--       6 its prev, 7 its epoch, then the approval hash (<ns>:approval:<org>)
--       of each group of pairs (org unit, period) of the rows about to be
--       taken: a group is periods of one org unit, read with one HMGET
-- ARGV: 1 reply, 2 ttl seconds, 3 with_id ('1' when the request has an id),
--       4 check ('1': only look for locks, write nothing: a dry run),
--       5 who, 6 role, 7 via, 8 request id, 9 time (ms), 10 time (RFC 3339),
--       11 the event log's maxlen, 12 n: the number of groups, then per
--       group its number of periods k and the k periods, then m: the
--       refusals to audit, then 5 per refusal
--       (org, period, rows, approved by, event data), then the intake
--       entry's fields as XADD takes them (shared/sti_intake.h writes
--       them, so no field is named here), none when no row was accepted
-- The reply is a MessagePack map whose last value is the entry's id: when
-- an entry is appended, ARGV[1] ends with the key `entry` and the id XADD
-- gives it is appended here; else ARGV[1] is whole (entry nil).
-- Returns {1, stored reply} for a repeat; {2, pair, record, ...} (pairs
-- counted from 0 in the order the groups list them) when a pair is locked: nothing was written, the caller
-- checks the rows again; else {0, the reply}.
if ARGV[3] == '1' and ARGV[4] ~= '1' then
    local stored = redis.call('GET', KEYS[2])
    if stored then
        return {1, stored}
    end
end
local n = tonumber(ARGV[12])
local locked = {2}
local at, pair = 13, 0
for i = 1, n do
    local k = tonumber(ARGV[at])
    local records = redis.call('HMGET', KEYS[7 + i], unpack(ARGV, at + 1, at + k))
    for j = 1, k do
        local record = records[j]
        if record then
            local ok, r = pcall(cmsgpack.unpack, record)
            if ok and type(r) == 'table' and r.state == 'approved' then
                locked[#locked + 1] = pair
                locked[#locked + 1] = record
            end
        end
        pair = pair + 1
    end
    at = at + k + 1
end
if #locked > 1 then
    return locked
end
if ARGV[4] == '1' then
    return {0, ARGV[1]}
end
local m = tonumber(ARGV[at])
local base = at + 5 * m
if m > 0 then
    local events = {}
    for k = 0, m - 1 do
        local a = at + 1 + 5 * k
        local org, period = ARGV[a], ARGV[a + 1]
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', 100000, '*', 'time', ARGV[9],
                   'op', 'obs.submit', 'result', 'refused_locked', 'org', org,
                   'period', period, 'rows', ARGV[a + 2], 'approved_by', ARGV[a + 3],
                   'who', ARGV[5], 'role', ARGV[6], 'via', ARGV[7], 'request', ARGV[8])
        events[#events + 1] = {'ind._approval.' .. org, 'observation.refused_locked',
                               org .. '/' .. period, ARGV[10], 'sti-ingest', ARGV[a + 4]}
    end
    -- A stream stopped after a loss takes no event until an operator
    -- accepts it (docs/operations.md); the audit keeps the refusal.
    local epoch = sti_events_guard(KEYS[4], KEYS[7], KEYS[5], '0', '')
    if epoch then
        sti_events_append_many(KEYS[4], KEYS[5], KEYS[6], ARGV[11], events)
    end
end
local reply = ARGV[1]
if #ARGV > base then
    local entry = redis.call('XADD', KEYS[1], '*', unpack(ARGV, base + 1))
    reply = reply .. cmsgpack.pack(entry)
end
-- A request that appended nothing is not kept: a refusal is answered anew
-- when the same rows come again (the unit may have been restored or
-- reopened since).
if ARGV[3] == '1' and #ARGV > base then
    redis.call('SET', KEYS[2], reply, 'EX', tonumber(ARGV[2]))
end
return {0, reply}
