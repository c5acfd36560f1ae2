-- talent_search.lua: one page of registry ids matching every filter, in id
-- order, after the cursor (the number of the last id of the previous page).
-- KEYS: 1 all ids (zset by number), 2 names (zset, member name NUL id),
--       3.. index sets that must all hold the id
-- ARGV: 1 cursor, 2 limit, 3 name prefix ('' for none)
-- Returns {next cursor (0 when this is the last page), {ids...}}.
local cursor, limit, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

local function number(id)
    return tonumber(string.sub(id, 2)) or 0
end

if #KEYS == 2 and prefix == '' then
    local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. cursor, '+inf', 'LIMIT', 0, limit + 1)
    local next = 0
    if #ids > limit then
        table.remove(ids)
        next = number(ids[#ids])
    end
    return {next, ids}
end

local allowed = nil
if #KEYS > 2 then
    allowed = {}
    for _, id in ipairs(redis.call('SINTER', unpack(KEYS, 3))) do
        allowed[id] = true
    end
end
local found = {}
if prefix ~= '' then
    local members = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. prefix, '[' .. prefix .. '\255')
    for _, member in ipairs(members) do
        local at = string.find(member, '\0', 1, true)
        local id = at and string.sub(member, at + 1)
        if id and (not allowed or allowed[id]) and number(id) > cursor then
            found[#found + 1] = {number(id), id}
        end
    end
else
    for id in pairs(allowed) do
        if number(id) > cursor then
            found[#found + 1] = {number(id), id}
        end
    end
end
table.sort(found, function(a, b) return a[1] < b[1] end)
local page, next = {}, 0
for i = 1, math.min(#found, limit) do
    page[i] = found[i][2]
end
if #found > limit then
    next = found[limit][1]
end
return {next, page}
