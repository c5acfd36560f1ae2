-- events_append.lua: appends one event to a stream's event log, atomically
-- with taking its gap-free sequence number (docs/events.md).
--
-- This file defines one local function and runs nothing, so that a service's
-- own script can append events the same way: put this file's text in front of
-- the script (at build time, or in C before sti_redis_script), then call
--   local seq, prev = sti_events_append(log, seqkey, prevkey, maxlen,
--                                       topic, type, subject, time, source, data)
-- with the three keys of the stream (<ns>:events:<stream>, ...:seq, ...:prev)
-- declared in the script's KEYS. Returns the event's seq and the seq of the
-- previous event on the same topic (0 for none).
--
-- The log is a Redis stream whose entry ids are 0-<seq>. The counter is
-- advanced past the log's last id if the two ever disagree (a restored or
-- edited counter), so XADD cannot fail after INCR and leave a hole.
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
