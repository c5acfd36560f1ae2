-- Counts a failed sign-in of a user from an address
-- (services/gateway/gateway_store.c); the user's limit-th failure within
-- the window locks the user out for the window.
-- KEYS: 1 the user's failures, 2 the address's failures, 3 the user's lock-out
-- ARGV: 1 the window (ms), 2 the user's limit
-- Returns 1 when the user is locked out now, else 0.
local function count(key)
    local n = redis.call('INCR', key)
    if n == 1 then
        redis.call('PEXPIRE', key, ARGV[1])
    end
    return n
end
count(KEYS[2])
if count(KEYS[1]) >= tonumber(ARGV[2]) then
    redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
    redis.call('DEL', KEYS[1])
    return 1
end
return 0
