-- events_epoch.lua: moves an event stream to a new epoch (docs/events.md).
-- KEYS: 1 the stream's epoch hash (<ns>:events:<stream>:epoch), 2 its seq key
-- ARGV: 1 the epoch id the caller found on the stream ('' for none),
--       2 the new epoch id (the dataset's id),
--       3 (optional) the seq the Redis replicas are known to hold: the epoch
--       moves only while the stream's seq is that one (its start must be a
--       seq a fail-over cannot take back; a write since, try again later)
-- Only when the stream is still at ARGV[1] (another replica may have moved it
-- first): the new epoch starts at the stream's current seq, and the mark of
-- a loss is cleared, and so is the confirmed mark (the new epoch is confirmed
-- afresh: until a publisher marks it, events.since does not answer). Returns
-- {epoch id, start} as the stream has them after.
local e = redis.call('HMGET', KEYS[1], 'id', 'start')
local start = redis.call('GET', KEYS[2]) or '0'
if (e[1] or '') == ARGV[1] and (ARGV[3] == nil or tonumber(start) == tonumber(ARGV[3])) then
    redis.call('HSET', KEYS[1], 'id', ARGV[2], 'start', start)
    redis.call('HDEL', KEYS[1], 'lost', 'confirmed')
    return {ARGV[2], tonumber(start)}
end
return {e[1] or '', tonumber(e[2] or '0')}
