-- talent_counts_done.lua: sti.ingest accepted the counts of generation
-- ARGV[1] up to year ARGV[2]. Clears the dirty marks unless a change came
-- since (then the next tick sends the new counts), and records the year.
-- KEYS: 1 dirty counts hash, 2 count generation, 3 year submitted up to
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
    redis.call('DEL', KEYS[1])
end
redis.call('SET', KEYS[3], ARGV[2])
return 1
