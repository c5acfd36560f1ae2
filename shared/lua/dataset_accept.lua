-- dataset_accept.lua: an operator's acceptance of a loss (sti_dataset.h): a new
-- dataset id that continues the one Redis holds now ('' when it holds none).
-- KEYS: 1 <ns>:dataset
-- ARGV: 1 new id, 2 created (RFC 3339), 3 reason, 4 by
-- Returns the previous id.
local previous = redis.call('HGET', KEYS[1], 'id') or ''
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'created', ARGV[2], 'previous', previous,
           'reason', ARGV[3], 'by', ARGV[4])
return previous
