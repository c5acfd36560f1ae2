-- indicators_apply.lua: applies one batch of intake entries (docs/data-path.md).
--
-- Runs after events_append.lua's text (indicators_apply.c puts it in front),
-- so sti_events_append_many is a local function of this script. One call:
--   1. checks that every value the batch computed from still holds the bytes
--      the applier read (optimistic concurrency between replicas); if one
--      differs, refuses the whole batch and returns {0, index};
--   2. writes the changed values, appends their revisions, adds new value
--      hashes to the index, appends the events, acknowledges the entries;
--   3. returns {1, first seq, last seq, prev of each event...} (0, 0 and
--      no prevs when no event), so the applier publishes the events it
--      built without reading them back from the log.
-- The commands are per hash, not per value: one HMGET and one HSET for all
-- the values of a hash, one ZADD, one XACK, and the events appended together
-- (one counter step, one XADD each), since every redis.call costs microseconds.
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
local CHUNK = 1000 -- arguments per command at most (unpack's limit is 8000)

-- Runs cmd key items... in chunks of CHUNK items (whole groups of `stride`).
local function call_chunked(cmd, key, head, items, stride)
    local per = CHUNK - CHUNK % stride
    for at = 1, #items, per do
        local args = {}
        for k = 1, #head do
            args[#args + 1] = head[k]
        end
        for k = at, math.min(at + per - 1, #items) do
            args[#args + 1] = items[k]
        end
        redis.call(cmd, key, unpack(args))
    end
end

-- The values by hash, in order of first appearance: hashes[i] is the key,
-- byhash[key] the argument positions of its values.
local hashes, byhash = {}, {}
local a = 8
for j = 1, values do
    local key = KEYS[4 + 2 * j]
    local list = byhash[key]
    if not list then
        list = {}
        byhash[key] = list
        hashes[#hashes + 1] = key
    end
    list[#list + 1] = a
    a = a + 4
end
-- 1. The check: one HMGET per hash (in chunks).
for _, key in ipairs(hashes) do
    local list = byhash[key]
    for at = 1, #list, CHUNK do
        local upto = math.min(at + CHUNK - 1, #list)
        local fields = {}
        for k = at, upto do
            fields[#fields + 1] = ARGV[list[k]]
        end
        local current = redis.call('HMGET', key, unpack(fields))
        for k = at, upto do
            local p = list[k]
            if (current[k - at + 1] or '') ~= ARGV[p + 1] then
                return {0, (p - 8) / 4 + 1}
            end
        end
    end
end
-- 2. The writes: one HSET per hash, one ZADD for the new hashes.
local members = {}
for _, key in ipairs(hashes) do
    local pairs_ = {}
    for _, p in ipairs(byhash[key]) do
        if ARGV[p + 2] ~= '' then
            pairs_[#pairs_ + 1] = ARGV[p]
            pairs_[#pairs_ + 1] = ARGV[p + 2]
            if ARGV[p + 3] ~= '' then
                members[#members + 1] = 0
                members[#members + 1] = ARGV[p + 3]
            end
        end
    end
    if #pairs_ > 0 then
        call_chunked('HSET', key, {}, pairs_, 2)
    end
end
if #members > 0 then
    call_chunked('ZADD', KEYS[5], {}, members, 2)
end
-- Revisions: one RPUSH per run of revisions of the same value.
local run, run_j = {}, nil
for _ = 1, revisions do
    local j = tonumber(ARGV[a])
    if j ~= run_j and #run > 0 then
        call_chunked('RPUSH', KEYS[5 + 2 * run_j], {}, run, 1)
        run = {}
    end
    run_j = j
    run[#run + 1] = ARGV[a + 1]
    a = a + 2
end
if #run > 0 then
    call_chunked('RPUSH', KEYS[5 + 2 * run_j], {}, run, 1)
end
-- The events, appended together.
local list = {}
for i = 1, events do
    list[i] = {ARGV[a], 'indicator.changed', ARGV[a + 1], ARGV[a + 2], ARGV[3],
               ARGV[a + 3]}
    a = a + 4
end
local first, last, prevs = sti_events_append_many(KEYS[1], KEYS[2], KEYS[3],
                                                  ARGV[2], list)
-- The acknowledgements, one XACK.
if acks > 0 then
    local ids = {}
    for i = 1, acks do
        ids[i] = ARGV[a + i - 1]
    end
    call_chunked('XACK', KEYS[4], {ARGV[1]}, ids, 1)
end
local out = {1, first, last}
for i = 1, #prevs do
    out[3 + i] = tonumber(prevs[i])
end
return out
