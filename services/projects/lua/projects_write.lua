-- projects_write.lua: one write of the project registry (an add, an
-- update, a milestone, or every row of an import) in one atomic step:
-- every change is checked against what Redis holds first, and only when
-- all pass is any applied, with the history entries, the index of
-- milestones that may become late, the generation the feed of counts
-- follows, the events, and the answer kept under the request id, so that
-- a retried request is answered as the first time and applied once. Runs
-- after events_append.lua (sti_events_guard, sti_events_append).
--
-- KEYS: 1 request key, 2 every code (sorted set), 3 milestones that may
--       become late (sorted set by due date), 4 generation, 5-8 the event
--       stream prj: log, seq, prev, epoch
-- ARGV: 1 key prefix ("<ns>:prj:"), 2 request ttl (s), 3 the changes (a
--       JSON array, below), 4 the event guard's floor, 5 its epoch,
--       6 maxlen, 7 the number of events E, 8 '1' for a dry run (the
--       checks only: nothing is written, the request id is not kept),
--       then E x (topic, type, subject, time, source, data)
-- A change: {code, index, version (0: a new project), digest (new ones),
--   hash: [field, value, ...], m_set, m_del (milestone
--   fields), i_set, i_del (investment made), due_add: [score, member, ...],
--   due_del: [member...], history: [field, value, ...] or []}. Every value
--   is a string (numbers too), so nothing is rounded on the way.
-- A new project whose code exists with the same digest (the same row,
-- imported again) is left as it is and counted unchanged.
-- Returns {'ok', first seq, last seq, epoch, unchanged}, where unchanged
-- lists the indexes left as they were ("1,4"); {'replayed', kept answer};
-- {'conflict' | 'not_found', index, field, reason}; or {'lost', why} when
-- the event stream stopped after a loss (nothing is changed then).
local kept = redis.call('GET', KEYS[1])
if kept then
    return {'replayed', kept}
end
local epoch, why = sti_events_guard(KEYS[5], KEYS[8], KEYS[6], ARGV[4], ARGV[5])
if not epoch then
    return {'lost', why}
end
local prefix = ARGV[1]
local changes = cjson.decode(ARGV[3])

-- Pass 1: every change against what is stored.
local skip = {}
local unchanged = {}
for n, change in ipairs(changes) do
    local key = prefix .. 'p:' .. change.code
    local version = redis.call('HGET', key, 'version')
    local index = tostring(change.index)
    if tonumber(change.version) == 0 then
        if version then
            if redis.call('HGET', key, 'digest') == change.digest then
                skip[n] = true
                unchanged[#unchanged + 1] = index
            else
                return {'conflict', index, 'code', 'project ' .. change.code ..
                        ' exists (stictl project update changes it)'}
            end
        end
    elseif not version then
        return {'not_found', index, 'code', 'no project ' .. change.code}
    elseif tonumber(version) ~= tonumber(change.version) then
        return {'conflict', index, 'version', 'project ' .. change.code .. ' is at version ' ..
                version .. ', not ' .. change.version}
    end
end

if ARGV[8] == '1' then
    return {'ok', 0, 0, epoch, table.concat(unchanged, ',')}
end

-- Pass 2: apply.
local applied = 0
local function each(list, step, fn)
    for i = 1, #list, step do
        fn(i)
    end
end
for n, change in ipairs(changes) do
    if not skip[n] then
        applied = applied + 1
        local p, m, i = prefix .. 'p:' .. change.code, prefix .. 'm:' .. change.code,
                        prefix .. 'i:' .. change.code
        if #change.hash > 0 then redis.call('HSET', p, unpack(change.hash)) end
        if #change.m_set > 0 then redis.call('HSET', m, unpack(change.m_set)) end
        if #change.m_del > 0 then redis.call('HDEL', m, unpack(change.m_del)) end
        if #change.i_set > 0 then redis.call('HSET', i, unpack(change.i_set)) end
        if #change.i_del > 0 then redis.call('HDEL', i, unpack(change.i_del)) end
        each(change.due_add, 2, function(k)
            redis.call('ZADD', KEYS[3], tonumber(change.due_add[k]), change.due_add[k + 1])
        end)
        if #change.due_del > 0 then redis.call('ZREM', KEYS[3], unpack(change.due_del)) end
        if #change.history > 0 then
            redis.call('XADD', prefix .. 'h:' .. change.code, '*', unpack(change.history))
        end
        redis.call('ZADD', KEYS[2], 0, change.code)
    end
end

local first, last = 0, 0
if applied > 0 then
    redis.call('INCR', KEYS[4])
    local count = tonumber(ARGV[7])
    for e = 0, count - 1 do
        local at = 9 + e * 6
        local seq = sti_events_append(KEYS[5], KEYS[6], KEYS[7], ARGV[6], ARGV[at],
                                      ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4],
                                      ARGV[at + 5])
        if first == 0 then first = seq end
        last = seq
    end
end
local answer = table.concat(unchanged, ',')
redis.call('SET', KEYS[1], 'ok:' .. answer, 'EX', tonumber(ARGV[2]))
return {'ok', first, last, epoch, answer}
