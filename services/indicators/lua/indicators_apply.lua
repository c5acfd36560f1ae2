-- indicators_apply.lua: applies one batch of intake entries (docs/data-path.md).
--
-- Runs after events_append.lua's text (indicators_apply.c puts it in front),
-- so sti_events_guard and sti_events_append_many are local functions of this
-- script. One call:
--   0. asks the event stream's guard whether it may append (a stream stopped
--      after a loss refuses: returns {2, why} having written nothing);
--   1. checks that every value the batch computed from still holds the bytes
--      the applier read (optimistic concurrency between replicas); if one
--      differs, refuses the whole batch and returns {0, index};
--   2. writes the changed values, appends their revisions, adds new value
--      hashes to the index, appends the events, acknowledges the entries;
--   3. returns {1, first seq, last seq, epoch, prev of each event...} (0, 0
--      and no prevs when no event), so the applier publishes the events it
--      built without reading them back from the log.
-- The commands are per hash, not per value: one HMGET and one HSET for all
-- the values of a hash, one RPUSH per changed value (all its revisions), one
-- ZADD, one XACK, and the events appended together (one counter step, one
-- XADD each), since every redis.call costs microseconds.
--
-- KEYS: 1 event log, 2 seq, 3 prev, 4 intake stream, 5 value index (zset),
--       6 the event stream's epoch hash,
--       then for value j: KEYS[5 + 2j] value hash, KEYS[6 + 2j] revision list
-- ARGV: 1 group, 2 maxlen, 3 source, 4 values, 5 changes, 6 acks, 7 time
--       (of every event of the call), 8 the guard's floor, 9 its epoch,
--       then per value (6): field, expected bytes ('' when absent), new bytes
--       ('' when unchanged), index member ('' when the hash needs no
--       ZADD: it existed, or another value of this batch adds it), the
--       topic and the subject of its events;
--       per change, in order: value number j, revision bytes, event data,
--       the count n of its extra events, then n times their type, subject
--       and data (each change is one revision and one event, and its extras
--       right after it: an indicator.forecast_changed when it moved a
--       forecast class, a progress.changed for each later year it moved);
--       per ack: entry id.
-- Topic, subject and time are passed once per value or call, not per event:
-- a district's sum changes with almost every row of a window.
local values = tonumber(ARGV[4])
local changes = tonumber(ARGV[5])
local acks = tonumber(ARGV[6])
local time = ARGV[7]
local V0, VS = 10, 6 -- where the values' arguments start, and per value
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
local epoch, why = sti_events_guard(KEYS[1], KEYS[6], KEYS[2], ARGV[8], ARGV[9])
if not epoch then
    return {2, why}
end
local hashes, byhash = {}, {}
local a = V0
for j = 1, values do
    local key = KEYS[5 + 2 * j]
    local list = byhash[key]
    if not list then
        list = {}
        byhash[key] = list
        hashes[#hashes + 1] = key
    end
    list[#list + 1] = a
    a = a + VS
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
                return {0, (p - V0) / VS + 1}
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
-- Revisions: one RPUSH per value, of its revisions in the batch's order.
-- Each value has its own list, so only the order within a list matters; a
-- district's sum changed by many rows of the batch gets them in one call.
-- The events, in order, for one append.
local revs, revised, list = {}, {}, {}
for c = 1, changes do
    local j = tonumber(ARGV[a])
    local revlist = revs[j]
    if not revlist then
        revlist = {}
        revs[j] = revlist
        revised[#revised + 1] = j
    end
    revlist[#revlist + 1] = ARGV[a + 1]
    local v = V0 + VS * (j - 1)
    list[#list + 1] = {ARGV[v + 4], 'indicator.changed', ARGV[v + 5], time, ARGV[3],
                       ARGV[a + 2]}
    local n = tonumber(ARGV[a + 3])
    a = a + 4
    for _ = 1, n do
        list[#list + 1] = {ARGV[v + 4], ARGV[a], ARGV[a + 1], time, ARGV[3], ARGV[a + 2]}
        a = a + 3
    end
end
for _, j in ipairs(revised) do
    call_chunked('RPUSH', KEYS[6 + 2 * j], {}, revs[j], 1)
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
local out = {1, first, last, epoch}
for i = 1, #prevs do
    out[4 + i] = tonumber(prevs[i])
end
return out
