-- dataset_init.lua: makes the dataset hash when Redis holds none (sti_dataset.h).
-- KEYS: 1 <ns>:dataset
-- ARGV: 1 new id, 2 created (RFC 3339), 3 by
-- Returns 1 when it made the dataset, 0 when one was there.
if redis.call('HEXISTS', KEYS[1], 'id') == 1 then
    return 0
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'created', ARGV[2], 'previous', '',
           'reason', '', 'by', ARGV[3])
return 1
