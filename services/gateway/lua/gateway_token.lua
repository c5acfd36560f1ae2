-- Adds or revokes an API token (services/gateway/gateway_store.c).
-- KEYS: 1 the hash of token names (name -> digest), 2 the token's hash
--       (add only)
-- ARGV (add): 1 'add', 2 name, 3 role, 4 scope, 5 expires (ms, 0: never),
--       6 created (ms), 7 by, 8 digest
-- ARGV (revoke): 1 'revoke', 2 name, 3 the prefix of a token's key
-- Returns 1, or 0 (add: the name is taken; revoke: no such token).
if ARGV[1] == 'add' then
    if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then
        return 0
    end
    redis.call('HSET', KEYS[1], ARGV[2], ARGV[8])
    redis.call('HSET', KEYS[2], 'name', ARGV[2], 'role', ARGV[3], 'scope', ARGV[4],
        'expires', ARGV[5], 'created', ARGV[6], 'by', ARGV[7])
    if tonumber(ARGV[5]) > 0 then
        redis.call('PEXPIREAT', KEYS[2], ARGV[5])
    end
    return 1
end
local digest = redis.call('HGET', KEYS[1], ARGV[2])
if not digest then
    return 0
end
redis.call('DEL', ARGV[3] .. digest)
redis.call('HDEL', KEYS[1], ARGV[2])
return 1
