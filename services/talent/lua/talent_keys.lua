-- talent_keys.lua: which key each record of the talent registry is stored
-- under, one slice of ids at a time (docs/talent.md, "Rotation").
-- A record's key ids are the one its document hash names (its first two hex
-- digits) and the one byte 1 of each sealed value names. A record is "old"
-- when one of them is not the current key, "unknown" when one of them is a
-- key the service does not hold (it cannot be opened, nor re-keyed).
--
-- KEYS: 1 all ids (zset by id number)
-- ARGV: 1 key prefix of records ("<ns>:tal:rec:"), 2 look after this id
--       number, 3 records to look at, at most, 4 the current key id,
--       5 the known key ids (",1,2,"), 6 ids of old records to return, at
--       most (0: count only)
-- Returns {next, old, unknown, {id, ...}}: next is the number of the last
-- record looked at, or -1 when the slice reached the end of the registry;
-- the ids are records under an old key the service holds.
local current, known, want = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local page = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf', 'WITHSCORES',
                        'LIMIT', 0, tonumber(ARGV[3]))
local old, unknown, found, next = 0, 0, {}, tonumber(ARGV[2])
local reached_end = #page < 2 * tonumber(ARGV[3])
for i = 1, #page - 1, 2 do
    local id = page[i]
    next = tonumber(page[i + 1])
    local values = redis.call('HMGET', ARGV[1] .. id, 'hash', 'id_number', 'phone', 'email')
    local ids = {}
    if values[1] then
        ids[#ids + 1] = tonumber(string.sub(values[1], 1, 2), 16) or 0
    end
    for f = 2, 4 do
        if values[f] and #values[f] >= 2 then
            ids[#ids + 1] = string.byte(values[f], 2)
        end
    end
    local is_old, is_unknown = false, false
    for _, k in ipairs(ids) do
        if k ~= current then
            is_old = true
            if not string.find(known, ',' .. k .. ',', 1, true) then
                is_unknown = true
            end
        end
    end
    if is_old then
        old = old + 1
        if is_unknown then
            unknown = unknown + 1
        elseif want > 0 then
            found[#found + 1] = id
            if #found >= want then
                reached_end = reached_end and i + 1 >= #page
                break
            end
        end
    end
end
if reached_end then
    next = -1
end
return {next, old, unknown, found}
