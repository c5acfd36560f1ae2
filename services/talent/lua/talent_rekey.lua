-- talent_rekey.lua: one record of the talent registry moved to the current
-- key in one atomic step: its sealed values and document hash replaced, its
-- duplicate-index entry moved from the old hash to the new one, and an audit
-- entry (op talent.rekey, who; no personal data). The record is replaced
-- only when it is still exactly what was read (version, hash and sealed
-- values), so a change that came in between is never overwritten; the
-- version stays (the record's content is unchanged, so a client holding it
-- is not refused) and no event is sent.
--
-- KEYS: 1 record hash, 2 document index (hash: doc hash -> id), 3 audit stream
-- ARGV: 1 id, 2 version read, 3 hash read, 4-6 sealed id_number, phone,
--       email read ('' when absent), 7 new hash, 8-10 new sealed values
--       ('' when absent), 11 audit op, 12 who, 13 time ms, 14 request id
-- Returns {'ok'}, {'missing'}, {'stale', version} (changed since it was
-- read) or {'duplicate', id} (another record holds the new hash).
local now = redis.call('HMGET', KEYS[1], 'version', 'hash', 'id_number', 'phone', 'email')
if not now[1] then
    return {'missing'}
end
if now[1] ~= ARGV[2] or (now[2] or '') ~= ARGV[3] or (now[3] or '') ~= ARGV[4] or
    (now[4] or '') ~= ARGV[5] or (now[5] or '') ~= ARGV[6] then
    return {'stale', now[1]}
end
local owner = redis.call('HGET', KEYS[2], ARGV[7])
if owner and owner ~= ARGV[1] then
    return {'duplicate', owner}
end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[1] then
    redis.call('HDEL', KEYS[2], ARGV[3])
end
redis.call('HSET', KEYS[2], ARGV[7], ARGV[1])
redis.call('HSET', KEYS[1], 'hash', ARGV[7], 'id_number', ARGV[8])
if ARGV[9] ~= '' then
    redis.call('HSET', KEYS[1], 'phone', ARGV[9])
end
if ARGV[10] ~= '' then
    redis.call('HSET', KEYS[1], 'email', ARGV[10])
end
redis.call('XADD', KEYS[3], '*', 'op', ARGV[11], 'who', ARGV[12], 'time', ARGV[13],
           'request', ARGV[14], 'id', ARGV[1])
return {'ok'}
