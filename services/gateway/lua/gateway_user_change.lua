-- A new password (which also enables the user and clears its lock-out) or
-- disabling a user; either way every session of the user ends
-- (services/gateway/gateway_store.c).
-- KEYS: 1 the user's hash, 2 the set of its sessions' digests, 3 its
--       lock-out, 4 its count of failed sign-ins
-- ARGV: 1 'password' or 'disable', 2 the password hash, 3 the prefix of a
--       session's key (<ns>:gw:session:)
-- Returns 1, or 0 when there is no such user.
if redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
end
if ARGV[1] == 'password' then
    redis.call('HSET', KEYS[1], 'pwhash', ARGV[2], 'disabled', '0')
    redis.call('DEL', KEYS[3], KEYS[4])
else
    redis.call('HSET', KEYS[1], 'disabled', '1')
end
for _, digest in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    redis.call('DEL', ARGV[3] .. digest)
end
redis.call('DEL', KEYS[2])
return 1
