-- events_log_summary.lua: the event log KEYS[1] read as events, whatever its
-- entries (event entries, id 0-<seq>; batch entries, id 0-<last seq> with
-- fields first and events, docs/events.md). Returns {events, first seq, last
-- seq, gaps between entries} ({0, 0, 0, 0} for an empty log), or an error
-- naming a batch entry whose count does not match its ids. For tests only:
-- it reads the whole log in one call.
local n, first, last, gaps = 0, 0, 0, 0
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
    local id = tonumber(string.match(e[1], '^0%-(%d+)$'))
    local from, count = id, 1
    for i = 1, #e[2], 2 do
        if e[2][i] == 'first' then
            from = tonumber(e[2][i + 1])
        elseif e[2][i] == 'events' then
            count = #cmsgpack.unpack(e[2][i + 1])
        end
    end
    if count ~= id - from + 1 then
        return redis.error_reply('batch entry ' .. e[1] .. ' holds ' .. count .. ' events')
    end
    if first == 0 then
        first = from
    elseif from ~= last + 1 then
        gaps = gaps + 1
    end
    n, last = n + count, id
end
return {n, first, last, gaps}
