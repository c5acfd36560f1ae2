-- notify_redrive: sends a dead letter again. KEYS: the delivery hash, due,
-- dead list. ARGV: id, now. The delivery keeps its id (the idempotency key)
-- and its attempt count; its age for the retry limit starts again now.
-- Returns 1, 0 when the delivery is not dead, -1 when there is none.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
    return -1
end
if state ~= 'dead' then
    return 0
end
redis.call('HSET', KEYS[1], 'state', 'queued', 'since', ARGV[2], 'round_attempts', 0,
           'updated', ARGV[2])
redis.call('PERSIST', KEYS[1])
redis.call('LREM', KEYS[3], 0, ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
