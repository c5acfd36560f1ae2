-- notify_done: records the result of one send of a claimed delivery.
-- KEYS: due, the delivery hash, dead list. ARGV: id, claim token (the
-- lease_until of notify_claim), outcome ("delivered", "retry", "dead"), now,
-- next due (retry), error text, status, retention ms.
-- Returns 0 when the claim is no longer ours (another replica took the
-- delivery after our lease ran out: its result counts), else 1.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then
    return 0
end
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
redis.call('HINCRBY', KEYS[2], 'round_attempts', 1)
redis.call('HSET', KEYS[2], 'updated', ARGV[4], 'last_error', ARGV[6], 'last_status', ARGV[7])
local outcome = ARGV[3]
if outcome == 'delivered' then
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('HSET', KEYS[2], 'state', 'delivered')
    if tonumber(ARGV[8]) > 0 then
        redis.call('PEXPIRE', KEYS[2], ARGV[8])
    end
elseif outcome == 'retry' then
    redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
    redis.call('HSET', KEYS[2], 'state', 'retrying')
else
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('HSET', KEYS[2], 'state', 'dead')
    redis.call('LREM', KEYS[3], 0, ARGV[1])
    redis.call('LPUSH', KEYS[3], ARGV[1])
end
return 1
