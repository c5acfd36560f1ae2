-- projects_late.lua: one milestone that passed its due date undone, raised
-- once: the milestone is marked late, taken out of the index of
-- milestones that may become late, and the event project.milestone_late
-- is appended, in one step, so that of any number of replicas that find it
-- due one raises it. Runs after events_append.lua.
--
-- KEYS: 1 the project's hash, 2 its milestones, 3 milestones that may become
--       late, 4-7 the event stream prj: log, seq, prev, epoch
-- ARGV: 1 the member (<code>#<id>), 2 the milestone's id, 3 its due date as
--       read (YYYYMMDD), 4 the event guard's floor, 5 its epoch, 6 maxlen,
--       7-12 the event (topic, type, subject, time, source, data)
-- A milestone done, reported already, of a project gone or no longer
-- planned or in progress is only taken out of the index; one whose due
-- date changed since it was read is left (the index has its new date).
-- Returns {'ok', seq, epoch}, {'skip'}, or {'lost', why}.
local epoch, why = sti_events_guard(KEYS[4], KEYS[7], KEYS[5], ARGV[4], ARGV[5])
if not epoch then
    return {'lost', why}
end
local id = ARGV[2]
local status = redis.call('HGET', KEYS[1], 'status')
local m = redis.call('HMGET', KEYS[2], id .. '.due', id .. '.done', id .. '.late')
if not status or (status ~= 'planned' and status ~= 'in_progress') or not m[1] or
        (m[2] and m[2] ~= '0') or m[3] then
    redis.call('ZREM', KEYS[3], ARGV[1])
    return {'skip'}
end
if m[1] ~= ARGV[3] then
    return {'skip'}
end
redis.call('HSET', KEYS[2], id .. '.late', '1')
redis.call('ZREM', KEYS[3], ARGV[1])
local seq = sti_events_append(KEYS[4], KEYS[5], KEYS[6], ARGV[6], ARGV[7], ARGV[8], ARGV[9],
                              ARGV[10], ARGV[11], ARGV[12])
return {'ok', seq, epoch}
