-- notify_commit: puts alerts into the delivery queue in one step with
-- whatever made them (docs/notify.md, "The queue").
--
-- ARGV[1] is the mode:
--   "events": a batch of evaluated events. KEYS: lease, cursor, due, index,
--     latest, groups, then one delivery hash per delivery, then a list and a
--     meta hash per group addition. ARGV: mode, token, expected cursor, new
--     cursor, now, retention ms, nd, nl, ng, then nd x 9 delivery fields, nl
--     x 2 latest pairs, ng x 5 group additions (gid, rule, event blob,
--     group_wait, group_interval). Refused (error LEASE / CURSOR) unless the
--     caller holds the stream's lease and the cursor is where it read it.
--   "flush": one group's message. KEYS: groups, meta, list, due, index, then
--     the delivery hashes. ARGV: mode, gid, expected flushes, events taken,
--     now, retention ms, group_interval, nd, then nd x 9 delivery fields.
--     Refused (error FLUSHED) when another replica flushed it first.
--   "plain": deliveries only (stale alerts). KEYS: due, index, then the
--     delivery hashes. ARGV: mode, now, retention ms, nd, then the fields.
-- Returns the number of deliveries created (an existing id is skipped: the
-- delivery id is the idempotency key).

local function add(key, f, now, due, index, retention)
    if redis.call('EXISTS', key) == 1 then
        return 0
    end
    -- f: id, rule, rule_name, severity, receiver, events, state, group, label
    redis.call('HSET', key, 'id', f[1], 'rule', f[2], 'rule_name', f[3], 'severity', f[4],
               'receiver', f[5], 'events', f[6], 'state', f[7], 'group', f[8], 'label', f[9],
               'attempts', 0, 'round_attempts', 0, 'since', now, 'created', now, 'updated', now, 'last_error', '',
               'last_status', 0)
    redis.call('ZADD', index, now, f[1])
    if f[7] == 'queued' then
        redis.call('ZADD', due, now, f[1])
    elseif retention > 0 then
        redis.call('PEXPIRE', key, retention)
    end
    return 1
end

local function add_all(nd, first_key, first_arg, now, due, index, retention)
    local created = 0
    for i = 0, nd - 1 do
        local f = {}
        for j = 1, 9 do
            f[j] = ARGV[first_arg + i * 9 + j - 1]
        end
        created = created + add(KEYS[first_key + i], f, now, due, index, retention)
    end
    return created
end

local mode = ARGV[1]
if mode == 'events' then
    local token, expected, cursor = ARGV[2], tonumber(ARGV[3]), ARGV[4]
    local now, retention = tonumber(ARGV[5]), tonumber(ARGV[6])
    local nd, nl, ng = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
    if redis.call('GET', KEYS[1]) ~= token then
        return redis.error_reply('LEASE the stream is evaluated by another replica')
    end
    if tonumber(redis.call('GET', KEYS[2]) or '0') ~= expected then
        return redis.error_reply('CURSOR moved')
    end
    redis.call('SET', KEYS[2], cursor)
    local created = add_all(nd, 7, 10, now, KEYS[3], KEYS[4], retention)
    local a = 10 + nd * 9
    for i = 0, nl - 1 do
        redis.call('HSET', KEYS[5], ARGV[a + 2 * i], ARGV[a + 2 * i + 1])
    end
    a = a + nl * 2
    local k = 7 + nd
    for i = 0, ng - 1 do
        local gid, rule, blob = ARGV[a + 5 * i], ARGV[a + 5 * i + 1], ARGV[a + 5 * i + 2]
        local wait, interval = tonumber(ARGV[a + 5 * i + 3]), tonumber(ARGV[a + 5 * i + 4])
        local list, meta = KEYS[k + 2 * i], KEYS[k + 2 * i + 1]
        redis.call('RPUSH', list, blob)
        redis.call('HSET', meta, 'rule', rule)
        redis.call('PERSIST', meta)
        if not redis.call('ZSCORE', KEYS[6], gid) then
            local due = now + wait
            local last = tonumber(redis.call('HGET', meta, 'last_flush') or '0')
            if last > 0 and last + interval > due then
                due = last + interval
            end
            redis.call('ZADD', KEYS[6], due, gid)
        end
    end
    return created
elseif mode == 'flush' then
    local gid, expected, taken = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
    local now, retention, interval = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
    local nd = tonumber(ARGV[8])
    if tonumber(redis.call('HGET', KEYS[2], 'flushes') or '0') ~= expected then
        return redis.error_reply('FLUSHED by another replica')
    end
    redis.call('LTRIM', KEYS[3], taken, -1)
    redis.call('HINCRBY', KEYS[2], 'flushes', 1)
    redis.call('HSET', KEYS[2], 'last_flush', now)
    if redis.call('LLEN', KEYS[3]) > 0 then
        redis.call('ZADD', KEYS[1], now + interval, gid)
    else
        redis.call('ZREM', KEYS[1], gid)
        redis.call('PEXPIRE', KEYS[2], math.max(interval, 1000))
    end
    return add_all(nd, 6, 9, now, KEYS[4], KEYS[5], retention)
else
    local now, retention, nd = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
    return add_all(nd, 3, 5, now, KEYS[1], KEYS[2], retention)
end
