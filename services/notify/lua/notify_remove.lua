-- notify_remove: removes a rule or a silence, with the version bump and
-- the audit entry in the same step; nothing when there is no such id.
-- KEYS: the hash (rules or silences), the version, the audit stream
-- ARGV: id, then the audit entry: time (ms), op, who, role, via, request id
-- Returns 1 when removed, 0 when there was no such id.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
    return 0
end
redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'time', ARGV[2], 'op', ARGV[3],
           'id', ARGV[1], 'who', ARGV[4], 'role', ARGV[5], 'via', ARGV[6], 'request', ARGV[7])
return 1
