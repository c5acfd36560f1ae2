-- indicators_withdraw.lua: value.withdraw's one step (docs/data-path.md,
-- "Withdrawing a value"): appends the withdrawal to the intake log, where
-- the applier takes it in order with the values, and keeps the reply under
-- the request id, so a retried request is answered as the first time and
-- applied once. A value of an org unit's period that is approved and
-- locked (docs/signoff.md) is not withdrawn: the refusal is audited and
-- sent as an `observation.refused_locked` event instead. Run after
-- events_append.lua's text.
-- KEYS: 1 intake stream, 2 request key ('' name without a request id),
--       3 value hash, 4 the unit's approval hash, 5 the sign-off audit
--       stream, 6 the `ind` event log, 7 its seq, 8 its prev, 9 its epoch
-- ARGV: 1 reply, 2 ttl seconds, 3 with_id ('1' with a request id), 4 the
--       period (the value hash's field), 5 time (ms), 6 who, 7 role, 8 via,
--       9 org, 10 request id, 11 the event's time, 12 its data without
--       the approval (a MessagePack map whose last two values the script
--       appends: approved_by, approved_at), 13 the log's maxlen, 14 the
--       indicator, then the intake entry's fields as XADD takes them
--       (shared/plan/sti_intake.h writes them)
-- Returns {1, stored reply} for a repeat, {2} when the value has no
-- reported value now (nothing appended), {3, approval record} when the
-- period is approved (nothing appended), else {0, ARGV[1]}.
if ARGV[3] == '1' then
    local stored = redis.call('GET', KEYS[2])
    if stored then
        return {1, stored}
    end
end
local approval = redis.call('HGET', KEYS[4], ARGV[4])
if approval then
    local ok, a = pcall(cmsgpack.unpack, approval)
    if ok and type(a) == 'table' and a.state == 'approved' then
        redis.call('XADD', KEYS[5], 'MAXLEN', '~', 100000, '*', 'time', ARGV[5],
                   'op', 'value.withdraw', 'result', 'refused_locked', 'org', ARGV[9],
                   'period', ARGV[4], 'indicator', ARGV[14], 'approved_by', tostring(a.by),
                   'who', ARGV[6], 'role', ARGV[7], 'via', ARGV[8], 'request', ARGV[10])
        local epoch = sti_events_guard(KEYS[6], KEYS[9], KEYS[7], '0', '')
        if epoch then
            local data = ARGV[12] .. cmsgpack.pack('approved_by') .. cmsgpack.pack(tostring(a.by))
                         .. cmsgpack.pack('approved_at') .. cmsgpack.pack(tonumber(a.at) or 0)
            sti_events_append(KEYS[6], KEYS[7], KEYS[8], ARGV[13],
                              'ind._approval.' .. ARGV[9], 'observation.refused_locked',
                              ARGV[9] .. '/' .. ARGV[4], ARGV[11], 'sti-indicators', data)
        end
        return {3, approval}
    end
end
local record = redis.call('HGET', KEYS[3], ARGV[4])
if not record then
    return {2}
end
local ok, value = pcall(cmsgpack.unpack, record)
if not ok or type(value) ~= 'table' or value.r == nil then
    return {2}
end
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 15))
if ARGV[3] == '1' then
    redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
end
return {0, ARGV[1]}
