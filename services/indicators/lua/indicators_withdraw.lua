-- indicators_withdraw.lua: value.withdraw's one step (docs/data-path.md,
-- "Withdrawing a value"): appends the withdrawal to the intake log, where
-- the applier takes it in order with the values, and keeps the reply under
-- the request id, so a retried request is answered as the first time and
-- applied once.
-- KEYS: intake stream, request key ('' name without a request id), value hash
-- ARGV: reply, ttl seconds, with_id ('1' with a request id), the period
--       (the value hash's field), then the intake entry's fields as XADD
--       takes them (shared/plan/sti_intake.h writes them)
-- Returns {1, stored reply} for a repeat, {2} when the value has no
-- reported value now (nothing appended), else {0, ARGV[1]}.
if ARGV[3] == '1' then
    local stored = redis.call('GET', KEYS[2])
    if stored then
        return {1, stored}
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
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 5))
if ARGV[3] == '1' then
    redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
end
return {0, ARGV[1]}
