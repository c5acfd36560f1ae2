-- indicators_apply.lua: applies one batch of intake entries (docs/data-path.md).
--
-- Runs after events_append.lua's text (indicators_apply.c puts it in front),
-- so sti_events_guard and sti_events_append_packed are local functions of
-- this script. One call:
--   0. asks the event stream's guard whether it may append (a stream stopped
--      after a loss refuses: returns {2, why} having written nothing);
--   1. checks that every value the batch computed from still holds the bytes
--      the applier read (optimistic concurrency between replicas); if one
--      differs, refuses the whole batch and returns {0, hash number};
--   2. writes the changed values, appends their revisions, adds new value
--      hashes to the index, appends the events, acknowledges the entries;
--   3. returns {1, first seq, last seq, epoch, prev of each topic...} (0, 0
--      and no prevs when no event), so the applier works out each event's
--      prev and publishes the events it built without reading them back.
-- The commands are per hash, not per value: one HMGET and one HSET for all
-- the values of a hash, one RPUSH per value with a revision list (all its
-- revisions of the batch; a value's only revision is kept in its record
-- and needs none: docs/data-path.md), one
-- ZADD, one XACK, and the events appended together (one counter step, one
-- XADD per batch entry), since every redis.call costs microseconds. The
-- applier orders the arguments so that each command takes a run of ARGV as
-- it is (unpack(ARGV, from, to)), and packs the events' batch entries
-- itself (sti_events_pack): nothing here is done per event, and per value
-- only the comparison of the check.
--
-- KEYS: 1 event log, 2 seq, 3 prev, 4 intake stream, 5 value index (zset),
--       6 the event stream's epoch hash, then the H value hashes
--       (KEYS[6 + h]), then the R revision lists (KEYS[6 + H + r]).
-- ARGV: 1 group, 2 maxlen, 3 H, 4 R, 5 topics T, 6 entries E, 7 events N,
--       8 acks A, 9 the guard's floor, 10 its epoch; then
--       per hash: m (values checked), p (values written), the index member
--       ('' when the hash needs no ZADD), m fields, the m bytes expected
--       ('' when absent), p times field and new bytes;
--       per revision list: c, then its c revisions in order;
--       per topic, in the order of their first events: topic, the 0-based
--       index of its last event;
--       per batch entry: its events, the topics it starts, its packed events;
--       per ack: entry id.
local H, R = tonumber(ARGV[3]), tonumber(ARGV[4])
local T, E, N, A = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local CHUNK = 1000 -- arguments per command at most (unpack's limit is 8000)

-- Runs cmd key head ARGV[from..to] in chunks of CHUNK (whole groups of stride).
local function call_run(cmd, key, head, from, to, stride)
    local per = CHUNK - CHUNK % stride
    for at = from, to, per do
        local upto = math.min(at + per - 1, to)
        if head then
            redis.call(cmd, key, head, unpack(ARGV, at, upto))
        else
            redis.call(cmd, key, unpack(ARGV, at, upto))
        end
    end
end

local epoch, why = sti_events_guard(KEYS[1], KEYS[6], KEYS[2], ARGV[9], ARGV[10])
if not epoch then
    return {2, why}
end
-- 1. The check: one HMGET per hash (in chunks).
local starts = {}
local a = 11
for h = 1, H do
    local m, p = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
    local fields = a + 3
    starts[h] = a
    for at = 0, m - 1, CHUNK do
        local upto = math.min(at + CHUNK, m) - 1
        local current = redis.call('HMGET', KEYS[6 + h], unpack(ARGV, fields + at, fields + upto))
        for k = at, upto do
            if (current[k - at + 1] or '') ~= ARGV[fields + m + k] then
                return {0, h}
            end
        end
    end
    a = fields + 2 * m + 2 * p
end
-- 2. The writes: one HSET per hash, one ZADD for the new hashes.
local members = {}
for h = 1, H do
    local s = starts[h]
    local m, p = tonumber(ARGV[s]), tonumber(ARGV[s + 1])
    if p > 0 then
        local from = s + 3 + 2 * m
        call_run('HSET', KEYS[6 + h], nil, from, from + 2 * p - 1, 2)
    end
    if ARGV[s + 2] ~= '' then
        members[#members + 1] = 0
        members[#members + 1] = ARGV[s + 2]
    end
end
for at = 1, #members, CHUNK do
    redis.call('ZADD', KEYS[5], unpack(members, at, math.min(at + CHUNK - 1, #members)))
end
-- Revisions: one RPUSH per value, of its revisions in the batch's order.
for r = 1, R do
    local c = tonumber(ARGV[a])
    call_run('RPUSH', KEYS[6 + H + r], nil, a + 1, a + c, 1)
    a = a + 1 + c
end
-- The events, packed by the applier.
local topics, lasts = {}, {}
for t = 1, T do
    topics[t] = ARGV[a]
    lasts[t] = tonumber(ARGV[a + 1])
    a = a + 2
end
local entries = {}
for e = 1, E do
    entries[e] = {tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2]}
    a = a + 3
end
local first, last, prevs = sti_events_append_packed(KEYS[1], KEYS[2], KEYS[3], ARGV[2], N,
                                                    topics, lasts, entries)
-- The acknowledgements, one XACK.
if A > 0 then
    call_run('XACK', KEYS[4], ARGV[1], a, a + A - 1, 1)
end
local out = {1, first, last, epoch}
for t = 1, #prevs do
    out[4 + t] = tonumber(prevs[t])
end
return out
