-- Adds a user unless its name is taken (services/gateway/gateway_store.c).
-- KEYS: 1 the set of user names, 2 the user's hash
-- ARGV: 1 name, 2 display, 3 role, 4 scope, 5 password hash, 6 created (ms)
-- Returns 1 (added) or 0 (the name is taken).
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
    return 0
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'display', ARGV[2], 'role', ARGV[3], 'scope', ARGV[4],
    'pwhash', ARGV[5], 'disabled', '0', 'created', ARGV[6])
return 1
