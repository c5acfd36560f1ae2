-- events_append.lua: appends one event to a stream's event log, atomically
-- with taking its gap-free sequence number (docs/events.md).
--
-- This file defines local functions and runs nothing, so that a
-- service's own script can append events the same way: put this file's text
-- in front of the script (at build time, or in C before sti_redis_script),
-- then, before the script writes anything,
--   local epoch, why = sti_events_guard(log, epochkey, seqkey, floor, floor_epoch)
--   if not epoch then return {'lost', why} end   -- (or the script's own form)
-- and then
--   local seq, prev = sti_events_append(log, seqkey, prevkey, maxlen,
--                                       topic, type, subject, time, source, data)
-- with the stream's keys (<ns>:events:<stream>, ...:seq, ...:prev and
-- ...:epoch) declared in the script's KEYS. sti_events_append returns the
-- event's seq and the seq of the previous event on the same topic (0 for none).
--
-- The log is a Redis stream of two kinds of entries (docs/events.md, "In
-- Redis"): an event entry, id 0-<seq>, fields topic, type, subject, time,
-- source, data, prev (what sti_events_append writes); and a batch entry, id
-- 0-<last seq>, fields first (its first seq) and events (one MessagePack
-- array holding, for each seq first..last in order, the array [topic, type,
-- subject, time, source, data, prev]), which sti_events_append_many writes
-- for up to STI_EVENTS_PER_ENTRY events (and about STI_EVENTS_ENTRY_BYTES)
-- in one XADD; sti_events_append_packed writes batch entries that the
-- caller packed in C, whose prevs are relative or nil with a field prevs
-- (below). Either way an entry's id
-- is the last seq it holds, so the log's last id is the stream's last logged
-- seq, and XRANGE from 0-<seq> starts at the entry that holds seq. The
-- counter is advanced past the log's last id if the two ever disagree (a
-- restored or edited counter), so XADD cannot fail after INCR and leave a
-- hole. Trimming keeps every seq above the latest minus maxlen (MINID ~,
-- whole entries, so a few more may stay).
local STI_EVENTS_PER_ENTRY = 256
local STI_EVENTS_ENTRY_BYTES = 1048576 -- a batch entry closes past this many bytes

-- The log's last seq if the log holds seq from or a later one, else nil. Reads
-- the log only from 0-<from> on (XREVRANGE + 0-<from> COUNT 1): when the log
-- ends before from, the common case, Redis answers an empty array and no
-- entry is read or copied (a batch entry may be up to a MiB); else the last
-- entry, whose id is the log's last seq (either kind of entry, and the event
-- entries of a log written before batch entries: every id is 0-<last seq>).
local function sti_events_last_from(log, from)
    local tail = redis.call('XREVRANGE', log, '+', string.format('0-%d', from), 'COUNT', 1)
    if #tail == 0 then
        return nil
    end
    return tonumber(string.match(tail[1][1], '^0%-(%d+)$') or '0')
end

-- Takes n seqs from the counter: INCRBY, then, if the log already holds the
-- first of them (the counter was restored or edited behind the log), moves
-- past the log's last seq and writes the counter. Returns the first and last
-- seq taken (n >= 1), exact whatever the counter held.
local function sti_events_reserve(log, seqkey, n)
    local last = redis.call('INCRBY', seqkey, n)
    local first = last - n + 1
    local log_seq = sti_events_last_from(log, first)
    if log_seq then
        first = log_seq + 1
        last = first + n - 1
        redis.call('SET', seqkey, string.format('%d', last))
    end
    return first, last
end

-- The MINID that keeps the last maxlen seqs of a log whose last seq is seq.
local function sti_events_minid(seq, maxlen)
    local low = seq - (tonumber(maxlen) or 0)
    return string.format('0-%d', low > 0 and low or 0)
end

-- The guard: the stream's epoch key is a hash {id, start, lost} (id: the
-- dataset the stream's seqs belong to, start: the stream's seq when that
-- epoch began, lost: why the stream stopped after a loss). floor is the
-- highest seq the calling publisher has seen of epoch floor_epoch ('' for
-- none). When Redis holds less than that in both the counter and the log
-- (it lost the tail of its data; a counter alone behind the log is only
-- advanced, see below) or
-- the epoch the publisher knew has gone (Redis lost everything), appending
-- would hand out seqs that subscribers already hold for other events: the
-- guard marks the stream lost instead, and every later append of any
-- publisher is refused until an operator accepts the loss and the stream
-- moves to a new epoch (docs/operations.md). Returns the epoch id ('' for
-- none), or nil and the reason.
local function sti_events_guard(log, epochkey, seqkey, floor, floor_epoch)
    local e = redis.call('HMGET', epochkey, 'id', 'lost')
    if e[2] then
        return nil, e[2]
    end
    local epoch = e[1] or ''
    local why = nil
    if floor_epoch ~= '' and epoch == '' then
        why = 'the event log lost its epoch ' .. floor_epoch .. ' (Redis lost its data)'
    elseif epoch == floor_epoch then
        local seq = tonumber(redis.call('GET', seqkey) or '0')
        local low = tonumber(floor) or 0
        if seq < low then
            seq = sti_events_last_from(log, seq + 1) or seq -- the larger of the two
        end
        if seq < low then
            why = string.format('the event log went back from seq %d to %d (Redis lost ' ..
                                'the tail of its data)', low, seq)
        end
    end
    if why then
        redis.call('HSET', epochkey, 'lost', why)
        return nil, why
    end
    return epoch, nil
end

local function sti_events_append(log, seqkey, prevkey, maxlen,
                                 topic, type, subject, time, source, data)
    local seq = sti_events_reserve(log, seqkey, 1)
    local prev = redis.call('HGET', prevkey, topic)
    if not prev then
        prev = '0'
    end
    local id = string.format('%d', seq)
    redis.call('HSET', prevkey, topic, id)
    redis.call('XADD', log, 'MINID', '~', sti_events_minid(seq, maxlen), '0-' .. id,
               'topic', topic, 'type', type, 'subject', subject, 'time', time,
               'source', source, 'data', data, 'prev', prev)
    return seq, tonumber(prev)
end

-- The same for many events in one script call, with the redis.call work of
-- one call rather than one per event:
--   local first, last, prevs = sti_events_append_many(log, seqkey, prevkey,
--                                                     maxlen, events)
-- where events is an array of {topic, type, subject, time, source, data}.
-- The events take seqs first..last in array order, with the same prev per
-- topic as that many sti_events_append calls would give; 0, 0 for an empty
-- array. prevs[i] is the prev of event i (a decimal string), so a caller
-- that built the events can publish them without reading the log back. The
-- seqs are taken once (sti_events_reserve), the previous seq of each
-- distinct topic is read with HMGET and written back with HSET, and the
-- events are logged in batch entries of at most
-- STI_EVENTS_PER_ENTRY events, one XADD each (an event alone in its entry is
-- written as an event entry); the last XADD trims the log.
local function sti_events_append_many(log, seqkey, prevkey, maxlen, events)
    local n = #events
    if n == 0 then
        return 0, 0, {}
    end
    local first, last_seq = sti_events_reserve(log, seqkey, n)
    -- The distinct topics, read and written in chunks (unpack's limit).
    local chunk = 1000
    local topics, prevs = {}, {}
    for i = 1, n do
        local topic = events[i][1]
        if prevs[topic] == nil then
            prevs[topic] = false
            topics[#topics + 1] = topic
        end
    end
    for at = 1, #topics, chunk do
        local upto = math.min(at + chunk - 1, #topics)
        local got = redis.call('HMGET', prevkey, unpack(topics, at, upto))
        for k = at, upto do
            prevs[topics[k]] = got[k - at + 1] or '0'
        end
    end
    local out, batch, batch_first, bytes = {}, {}, first, 0
    for i = 1, n do
        local e = events[i]
        local seq = first + i - 1
        out[i] = prevs[e[1]]
        batch[#batch + 1] = {e[1], e[2], e[3], e[4], e[5], e[6], tonumber(out[i])}
        prevs[e[1]] = string.format('%d', seq)
        bytes = bytes + #e[1] + #e[2] + #e[3] + #e[4] + #e[5] + #e[6]
        if #batch == STI_EVENTS_PER_ENTRY or bytes >= STI_EVENTS_ENTRY_BYTES or i == n then
            local args = {log}
            if i == n then
                args = {log, 'MINID', '~', sti_events_minid(seq, maxlen)}
            end
            args[#args + 1] = string.format('0-%d', seq)
            if #batch == 1 then
                for k, name in ipairs({'topic', 'type', 'subject', 'time', 'source', 'data'}) do
                    args[#args + 1] = name
                    args[#args + 1] = e[k]
                end
                args[#args + 1] = 'prev'
                args[#args + 1] = out[i]
            else
                args[#args + 1] = 'first'
                args[#args + 1] = string.format('%d', batch_first)
                args[#args + 1] = 'events'
                args[#args + 1] = cmsgpack.pack(batch)
            end
            redis.call('XADD', unpack(args))
            batch, batch_first, bytes = {}, seq + 1, 0
        end
    end
    for at = 1, #topics, chunk do
        local pairs_ = {}
        for k = at, math.min(at + chunk - 1, #topics) do
            pairs_[#pairs_ + 1] = topics[k]
            pairs_[#pairs_ + 1] = prevs[topics[k]]
        end
        redis.call('HSET', prevkey, unpack(pairs_))
    end
    return first, last_seq, out
end

-- The same for events the caller packed into batch entries
-- (shared/wire/sti_events_pack.h), with no work per event here:
--   local first, last, prevs = sti_events_append_packed(log, seqkey, prevkey,
--       maxlen, n, topics, lasts, entries)
-- n is the number of events; topics the append's topics in the order of
-- their first events, lasts[t] the 0-based index of topic t's last event;
-- entries an array of {events, topics started, packed events} in order.
-- The events take seqs first..last; each entry is XADDed as a batch entry
-- with a field `prevs` that holds, space-separated, the previous seq (before
-- this append) of each topic it starts, which its events' nil prevs stand
-- for (their other prevs are relative: -d is d seqs back). prevs[t] is
-- topic t's previous seq (a decimal string, '0' for none), from which the
-- caller works out each event's prev. The seqs (sti_events_reserve) and
-- trimming are as in sti_events_append_many.
local function sti_events_append_packed(log, seqkey, prevkey, maxlen, n, topics, lasts, entries)
    if n == 0 then
        return 0, 0, {}
    end
    local first, last_seq = sti_events_reserve(log, seqkey, n)
    local chunk = 1000
    local prevs = {}
    for at = 1, #topics, chunk do
        local upto = math.min(at + chunk - 1, #topics)
        local got = redis.call('HMGET', prevkey, unpack(topics, at, upto))
        for k = at, upto do
            prevs[k] = got[k - at + 1] or '0'
        end
    end
    local seq, started = first - 1, 0
    for i, entry in ipairs(entries) do
        local count, news = entry[1], entry[2]
        seq = seq + count
        local args = {log}
        if i == #entries then
            args = {log, 'MINID', '~', sti_events_minid(last_seq, maxlen)}
        end
        args[#args + 1] = string.format('0-%d', seq)
        args[#args + 1] = 'first'
        args[#args + 1] = string.format('%d', seq - count + 1)
        args[#args + 1] = 'events'
        args[#args + 1] = entry[3]
        args[#args + 1] = 'prevs'
        args[#args + 1] = table.concat(prevs, ' ', started + 1, started + news)
        started = started + news
        redis.call('XADD', unpack(args))
    end
    for at = 1, #topics, chunk do
        local pairs_ = {}
        for k = at, math.min(at + chunk - 1, #topics) do
            pairs_[#pairs_ + 1] = topics[k]
            pairs_[#pairs_ + 1] = string.format('%d', first + lasts[k])
        end
        redis.call('HSET', prevkey, unpack(pairs_))
    end
    return first, last_seq, prevs
end
