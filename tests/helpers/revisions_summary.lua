-- revisions_summary.lua: how many revisions the values of namespace ARGV[1]
-- have, whichever of the two layouts holds them (docs/keys.md): a value's
-- revisions are its list <ns>:rev:<i>:<o>:<p>, plus one when its record in
-- <ns>:val:<i>:<o> (field <p>) has an "o" (a value's only revision, kept in
-- the record and then no list). Returns {values with at least one revision,
-- of them those whose count is not exactly one, revisions in all}. With
-- ARGV[2..] as (indicator, org unit, period) triples, only those values are
-- counted, each as often as it is named (a missing one has no revision).
-- For tests only: it reads every value hash (KEYS) in one call.
local ns = ARGV[1]
local values, not_one, revisions = 0, 0, 0
local function count(series, period, record)
    local n = redis.call('LLEN', ns .. ':rev:' .. series .. ':' .. period)
    if record and cmsgpack.unpack(record).o ~= nil then
        n = n + 1
    end
    if n > 0 then
        values = values + 1
        if n ~= 1 then
            not_one = not_one + 1
        end
    end
    revisions = revisions + n
end
if #ARGV == 1 then
    -- <ns>:val:* leaves out <ns>:vals, the index of the value hashes.
    for _, key in ipairs(redis.call('KEYS', ns .. ':val:*')) do
        local series = string.sub(key, #ns + 6)
        local fields = redis.call('HGETALL', key)
        for f = 1, #fields, 2 do
            count(series, fields[f], fields[f + 1])
        end
    end
else
    for a = 2, #ARGV, 3 do
        local series = ARGV[a] .. ':' .. ARGV[a + 1]
        count(series, ARGV[a + 2], redis.call('HGET', ns .. ':val:' .. series, ARGV[a + 2]))
    end
end
return {values, not_one, revisions}
