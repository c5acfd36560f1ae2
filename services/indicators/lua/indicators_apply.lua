-- indicators_apply.lua: applies one batch of intake entries (docs/data-path.md).
--
-- Runs after events_append.lua's text (indicators_apply.c puts it in front),
-- so sti_events_append is a local function of this script. One call:
--   1. checks that every value the batch computed from still holds the bytes
--      the applier read (optimistic concurrency between replicas); if one
--      differs, refuses the whole batch and returns {0, index};
--   2. writes the changed values, appends their revisions, adds new value
--      hashes to the index, appends the events, acknowledges the entries;
--   3. returns {1, first seq, last seq} (0, 0 when no event).
--
-- KEYS: 1 event log, 2 seq, 3 prev, 4 intake stream, 5 value index (zset),
--       then for value j: KEYS[4 + 2j] value hash, KEYS[5 + 2j] revision list
-- ARGV: 1 group, 2 maxlen, 3 source, 4 values, 5 revisions, 6 events, 7 acks,
--       then per value: field, expected bytes ('' when absent), new bytes
--       ('' when unchanged), index member ('' when the hash needs no
--       ZADD: it existed, or another value of this batch adds it);
--       per revision: value number j, revision bytes;
--       per event: topic, subject, time, data;
--       per ack: entry id.
local values = tonumber(ARGV[4])
local revisions = tonumber(ARGV[5])
local events = tonumber(ARGV[6])
local acks = tonumber(ARGV[7])
local a = 8
for j = 1, values do
    local current = redis.call('HGET', KEYS[4 + 2 * j], ARGV[a])
    if (current or '') ~= ARGV[a + 1] then
        return {0, j}
    end
    a = a + 4
end
a = 8
for j = 1, values do
    if ARGV[a + 2] ~= '' then
        redis.call('HSET', KEYS[4 + 2 * j], ARGV[a], ARGV[a + 2])
        if ARGV[a + 3] ~= '' then
            redis.call('ZADD', KEYS[5], 0, ARGV[a + 3])
        end
    end
    a = a + 4
end
for _ = 1, revisions do
    local j = tonumber(ARGV[a])
    redis.call('RPUSH', KEYS[5 + 2 * j], ARGV[a + 1])
    a = a + 2
end
local first, last = 0, 0
for _ = 1, events do
    local seq = sti_events_append(KEYS[1], KEYS[2], KEYS[3], ARGV[2], ARGV[a],
                                  'indicator.changed', ARGV[a + 1], ARGV[a + 2],
                                  ARGV[3], ARGV[a + 3])
    if first == 0 then
        first = seq
    end
    last = seq
    a = a + 4
end
for _ = 1, acks do
    redis.call('XACK', KEYS[4], ARGV[1], ARGV[a])
    a = a + 1
end
return {1, first, last}
