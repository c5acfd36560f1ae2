-- Opens a session (services/gateway/gateway_store.c): its hash, with the
-- idle time as its TTL, and its digest in the user's set, which forgets
-- the sessions that have ended.
-- KEYS: 1 the session's hash, 2 the set of the user's sessions' digests
-- ARGV: 1 user, 2 role, 3 scope, 4 csrf, 5 ends (ms since 1970), 6 idle (ms),
--       7 the session's digest, 8 the prefix of a session's key, 9 the
--       longest a session lasts (ms)
for _, digest in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if redis.call('EXISTS', ARGV[8] .. digest) == 0 then
        redis.call('SREM', KEYS[2], digest)
    end
end
redis.call('HSET', KEYS[1], 'user', ARGV[1], 'role', ARGV[2], 'scope', ARGV[3],
    'csrf', ARGV[4], 'ends', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SADD', KEYS[2], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[9])
return 1
