-- events_append_v1.lua: the event log's appender as it was before batch entries
-- (commit 247963d, shared/lua/events_append.lua), kept verbatim below this header
-- so that tests can write a log in that layout (one event entry per event) and
-- show it is still read (tests/integration/test_events_old_log.sh).

-- events_append.lua: appends one event to a stream's event log, atomically
-- with taking its gap-free sequence number (docs/events.md).
--
-- This file defines three local functions and runs nothing, so that a
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
-- The log is a Redis stream whose entry ids are 0-<seq>. The counter is
-- advanced past the log's last id if the two ever disagree (a restored or
-- edited counter), so XADD cannot fail after INCR and leave a hole.

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
            local last = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
            if #last > 0 then
                seq = math.max(seq, tonumber(string.match(last[1][1], '^0%-(%d+)$') or '0'))
            end
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
    local seq = redis.call('INCR', seqkey)
    local last = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
    if #last > 0 then
        local last_seq = tonumber(string.match(last[1][1], '^0%-(%d+)$') or '0')
        if last_seq >= seq then
            seq = last_seq + 1
            redis.call('SET', seqkey, string.format('%d', seq))
        end
    end
    local prev = redis.call('HGET', prevkey, topic)
    if not prev then
        prev = '0'
    end
    local id = string.format('%d', seq)
    redis.call('HSET', prevkey, topic, id)
    redis.call('XADD', log, 'MAXLEN', '~', maxlen, '0-' .. id,
               'topic', topic, 'type', type, 'subject', subject, 'time', time,
               'source', source, 'data', data, 'prev', prev)
    return seq, tonumber(prev)
end

-- The same for many events in one script call, with the redis.call work of
-- one call rather than one per event:
--   local first, last, prevs = sti_events_append_many(log, seqkey, prevkey,
--                                                     maxlen, events)
-- where events is an array of {topic, type, subject, time, source, data}.
-- The events take seqs first..last in array order, exactly as that many
-- sti_events_append calls would (same entries, same prev per topic); 0, 0
-- for an empty array. prevs[i] is the prev of event i (a decimal string),
-- so a caller that built the events can publish them without reading the
-- log back. The counter is advanced once (INCRBY), the last-id
-- guard runs once, the previous seq of each distinct topic is read with
-- HMGET and written back with HSET, and the log is trimmed with the last
-- XADD only.
local function sti_events_append_many(log, seqkey, prevkey, maxlen, events)
    local n = #events
    if n == 0 then
        return 0, 0, {}
    end
    local last_seq = redis.call('INCRBY', seqkey, n)
    local first = last_seq - n + 1
    local tail = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
    if #tail > 0 then
        local log_seq = tonumber(string.match(tail[1][1], '^0%-(%d+)$') or '0')
        if log_seq >= first then
            first = log_seq + 1
            last_seq = first + n - 1
            redis.call('SET', seqkey, string.format('%d', last_seq))
        end
    end
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
    local out = {}
    for i = 1, n do
        local e = events[i]
        local id = string.format('%d', first + i - 1)
        out[i] = prevs[e[1]]
        if i < n then
            redis.call('XADD', log, '0-' .. id, 'topic', e[1], 'type', e[2],
                       'subject', e[3], 'time', e[4], 'source', e[5],
                       'data', e[6], 'prev', prevs[e[1]])
        else
            redis.call('XADD', log, 'MAXLEN', '~', maxlen, '0-' .. id,
                       'topic', e[1], 'type', e[2], 'subject', e[3],
                       'time', e[4], 'source', e[5], 'data', e[6],
                       'prev', prevs[e[1]])
        end
        prevs[e[1]] = id
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
