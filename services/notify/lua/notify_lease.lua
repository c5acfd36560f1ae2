-- notify_lease: takes or keeps the lease KEYS[1] for token ARGV[1] for
-- ARGV[2] ms; ARGV[3] = "release" gives it up. Returns 1 while the caller
-- holds it, 0 when another replica does.
local holder = redis.call('GET', KEYS[1])
if ARGV[3] == 'release' then
    if holder == ARGV[1] then
        redis.call('DEL', KEYS[1])
    end
    return 0
end
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
