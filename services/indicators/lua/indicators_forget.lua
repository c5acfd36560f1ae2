-- indicators_forget.lua: forgets consumers of the intake group that hold
-- nothing and have not read for a long time (a replica that is gone: its
-- name was hostname-pid). In one script, so no consumer can read an entry
-- between the check and the removal (that entry would leave the pending
-- list with its consumer, and be lost).
--   KEYS[1] the intake log
--   ARGV[1] the group, ARGV[2] the caller's own consumer name (kept),
--   ARGV[3] idle time in ms past which an empty consumer is forgotten,
--   ARGV[4] most consumers forgotten by one call
-- Returns the names forgotten.
local infos = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
local idle_ms, most = tonumber(ARGV[3]), tonumber(ARGV[4])
local forgotten = {}
for _, info in ipairs(infos) do
    local c = {}
    for i = 1, #info, 2 do
        c[info[i]] = info[i + 1]
    end
    if #forgotten >= most then
        break
    end
    if c.name ~= ARGV[2] and c.pending == 0 and c.idle > idle_ms then
        redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c.name)
        forgotten[#forgotten + 1] = c.name
    end
end
return forgotten
