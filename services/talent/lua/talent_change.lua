-- talent_change.lua: one change of the talent registry (add, update, remove)
-- in one atomic step: the record, its duplicate-index entry, its index sets,
-- the stats counters, the audit entry, the event and the count changes owed
-- to sti-ingest. Runs after events_append.lua (sti_events_append).
--
-- KEYS: 1 record hash, 2 document index (hash: doc hash -> id), 3 all ids
--       (zset by number), 4 names (zset, member name NUL id), 5 stats hash,
--       6 count contributions hash, 7 dirty counts hash, 8 count generation,
--       9 audit stream of the record, 10-12 event log, seq, prev,
--       13 request key (add) or the record's team set, then the old index
--       sets (in the order of the stored idx field), then the new ones, and
--       last the event stream's epoch hash.
-- ARGV: 1 mode (add | update | remove), 2 id, 3 expected version,
--       4 data, 5 id_type, 6 sealed id_number, 7 sealed phone,
--       8 sealed email, 9 doc hash, 10 idx tokens (one per line),
--       11 name member, 12 id number (score), 13 old index key count,
--       14 new index key count, 15 count deltas ("field\ndelta\n..."),
--       16 dirty ("indicator\nyear\n..."), 17 audit op, 18 who, 19 time ms,
--       20 request id, 21 topic, 22 type, 23 subject, 24 event time,
--       25 event data, 26 source, 27 maxlen, 28 request ttl,
--       29 key prefix of teams ("<ns>:tal:team:"), 30 the document's
--       hashes under the old keys (one a line: a record still stored under
--       an old key is a duplicate too), 31 the event guard's floor, 32 its
--       epoch
-- The record keeps the name of its add's request key (field req), so that
-- erasure deletes that key too.
-- Returns {'ok', seq, version, epoch}, {'duplicate', id}, {'stale', version},
-- {'missing'}, {'replayed', id}, or {'lost', why} when the event stream
-- stopped after a loss (sti_events_guard; nothing is changed then).
local mode, id = ARGV[1], ARGV[2]
local n_old, n_new = tonumber(ARGV[13]), tonumber(ARGV[14])
local epoch, why = sti_events_guard(KEYS[10], KEYS[#KEYS], KEYS[11], ARGV[31], ARGV[32])
if not epoch then
    return {'lost', why}
end

local function lines(text)
    local out = {}
    for line in string.gmatch(text, '[^\n]+') do
        out[#out + 1] = line
    end
    return out
end

if mode == 'add' then
    local made = redis.call('GET', KEYS[13])
    if made then
        return {'replayed', made}
    end
    if redis.call('EXISTS', KEYS[1]) == 1 then
        return redis.error_reply('registry id ' .. id .. ' is taken: the id counter is behind')
    end
end

local old_version = redis.call('HGET', KEYS[1], 'version')
if mode ~= 'add' then
    if not old_version then
        return {'missing'}
    end
    if old_version ~= ARGV[3] then
        return {'stale', old_version}
    end
end

if mode ~= 'remove' then
    local hashes = lines(ARGV[30] or '')
    table.insert(hashes, 1, ARGV[9])
    for _, hash in ipairs(hashes) do
        local owner = redis.call('HGET', KEYS[2], hash)
        if owner and owner ~= id then
            return {'duplicate', owner}
        end
    end
end

-- Take the record out of every index it is in.
local version = 1
local request_key = nil
if mode ~= 'add' then
    version = tonumber(old_version) + 1
    local old = redis.call('HMGET', KEYS[1], 'hash', 'namekey', 'idx', 'req')
    request_key = old[4]
    if old[1] then
        redis.call('HDEL', KEYS[2], old[1])
    end
    if old[2] then
        redis.call('ZREM', KEYS[4], old[2])
    end
    local tokens = lines(old[3] or '')
    for i = 1, n_old do
        redis.call('SREM', KEYS[13 + i], id)
    end
    for _, token in ipairs(tokens) do
        if string.sub(token, 1, 9) ~= 'employer:' then
            redis.call('HINCRBY', KEYS[5], token, -1)
        end
    end
    redis.call('DEL', KEYS[1])
end

if mode == 'remove' then
    redis.call('ZREM', KEYS[3], id)
    for _, team in ipairs(redis.call('SMEMBERS', KEYS[13])) do
        redis.call('SREM', ARGV[29] .. team .. ':members', id)
        if redis.call('HGET', ARGV[29] .. team, 'leader') == id then
            redis.call('HSET', ARGV[29] .. team, 'leader', '')
        end
    end
    redis.call('DEL', KEYS[13])
    if request_key then
        redis.call('DEL', request_key)
    end
else
    redis.call('HSET', KEYS[1], 'data', ARGV[4], 'id_type', ARGV[5], 'id_number', ARGV[6],
               'hash', ARGV[9], 'idx', ARGV[10], 'namekey', ARGV[11],
               'version', string.format('%d', version))
    if ARGV[7] ~= '' then
        redis.call('HSET', KEYS[1], 'phone', ARGV[7])
    end
    if ARGV[8] ~= '' then
        redis.call('HSET', KEYS[1], 'email', ARGV[8])
    end
    redis.call('HSET', KEYS[2], ARGV[9], id)
    redis.call('ZADD', KEYS[3], tonumber(ARGV[12]), id)
    redis.call('ZADD', KEYS[4], 0, ARGV[11])
    for i = 1, n_new do
        redis.call('SADD', KEYS[13 + n_old + i], id)
    end
    for _, token in ipairs(lines(ARGV[10])) do
        if string.sub(token, 1, 9) ~= 'employer:' then
            redis.call('HINCRBY', KEYS[5], token, 1)
        end
    end
    if mode == 'add' then
        redis.call('SET', KEYS[13], id, 'EX', tonumber(ARGV[28]))
        request_key = KEYS[13]
    end
    if request_key then
        redis.call('HSET', KEYS[1], 'req', request_key)
    end
end

-- The counts this change moves, and what sti-ingest must be told.
local deltas = lines(ARGV[15])
for i = 1, #deltas - 1, 2 do
    if redis.call('HINCRBY', KEYS[6], deltas[i], tonumber(deltas[i + 1])) == 0 then
        redis.call('HDEL', KEYS[6], deltas[i])
    end
end
local dirty = lines(ARGV[16])
for i = 1, #dirty - 1, 2 do
    local from = redis.call('HGET', KEYS[7], dirty[i])
    if not from or tonumber(dirty[i + 1]) < tonumber(from) then
        redis.call('HSET', KEYS[7], dirty[i], dirty[i + 1])
    end
end
if #dirty > 0 then
    redis.call('INCR', KEYS[8])
end

redis.call('XADD', KEYS[9], '*', 'op', ARGV[17], 'who', ARGV[18], 'time', ARGV[19],
           'request', ARGV[20], 'id', id)
local seq = sti_events_append(KEYS[10], KEYS[11], KEYS[12], ARGV[27], ARGV[21], ARGV[22],
                              ARGV[23], ARGV[24], ARGV[26], ARGV[25])
return {'ok', seq, version, epoch}
