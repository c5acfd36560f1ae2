-- notify_claim: takes up to ARGV[3] deliveries whose due time (score in the
-- sorted set KEYS[1]) is at most ARGV[1], and pushes their due time to
-- ARGV[1] + ARGV[2] (the lease): if the claimer dies, they come due again.
-- Returns {lease_until, id, id, ...}; lease_until is the claim's token.
local now, lease, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
local until_ms = now + lease
local out = {until_ms}
for _, id in ipairs(ids) do
    redis.call('ZADD', KEYS[1], until_ms, id)
    out[#out + 1] = id
end
return out
