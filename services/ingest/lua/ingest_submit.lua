-- ingest_submit.lua: appends one request's accepted rows to the intake log
-- and keeps the reply under the request id, in one step, so that a retried
-- request is answered as the first time and applied once.
-- KEYS: intake stream, request key ('' name when the request has no id)
-- ARGV: reply, ttl seconds, with_id ('1' when the request has an id), then
--       the intake entry's fields as XADD takes them (name, value, ...;
--       shared/sti_intake.h writes them, so no field is named here), none
--       when no row was accepted (nothing is appended)
-- The reply is a MessagePack map whose last value is the entry's id: when
-- an entry is appended, ARGV[1] ends with the key `entry` and the id XADD
-- gives it is appended here; else ARGV[1] is whole (entry nil).
-- Returns {1, stored reply} for a repeat, else {0, the reply}.
if ARGV[3] == '1' then
    local stored = redis.call('GET', KEYS[2])
    if stored then
        return {1, stored}
    end
end
local reply = ARGV[1]
if #ARGV > 3 then
    local entry = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
    reply = reply .. cmsgpack.pack(entry)
end
-- A request that appended nothing is not kept: a refusal is answered anew
-- when the same rows come again (the unit may have been restored since).
if ARGV[3] == '1' and #ARGV > 3 then
    redis.call('SET', KEYS[2], reply, 'EX', tonumber(ARGV[2]))
end
return {0, reply}
