-- notify_add: stores a new rule or silence, and the version bump with it,
-- once per request id: a retried add is answered with the id the first one
-- made, and stores nothing (the id it took with INCR is left unused). A
-- stored add has its audit entry, in the same step.
-- KEYS: the hash (rules or silences), the version, the request key
--       (<ns>:notify:req:<request id>), the audit stream
-- ARGV: id, value, ttl seconds of the request key, with_id ('1' when the
--       request has an id; '0': no request key is read or written),
--       then the audit entry: time (ms), op, who, role, via, request id
-- Returns {1, id} when stored, {0, the id made before} for a retry.
if ARGV[4] == '1' then
    local made = redis.call('GET', KEYS[3])
    if made then
        return {0, made}
    end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[2])
if ARGV[4] == '1' then
    redis.call('SET', KEYS[3], ARGV[1], 'EX', tonumber(ARGV[3]))
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '100000', '*', 'time', ARGV[5], 'op', ARGV[6],
           'id', ARGV[1], 'who', ARGV[7], 'role', ARGV[8], 'via', ARGV[9], 'request', ARGV[10])
return {1, ARGV[1]}
