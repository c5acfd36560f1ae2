-- indicators_report_issue.lua: report.issue in one step (docs/report.md):
-- the record of a report issued, its audit entry, its report.issued event
-- (docs/events.md), and the reply kept under the request id, so a retry is
-- answered as the first time and records nothing twice. Runs after
-- events_append.lua.
-- KEYS: 1-4 the stream ind: log, seq, prev, epoch; 5 the list of reports
--       issued (<ns>:report:issued), 6 the audit stream (<ns>:report:audit),
--       7 the request key ('-' name without a request id)
-- ARGV: 1 the event guard's floor, 2 its epoch, 3 maxlen, 4-9 the event
--       (topic, type, subject, time, source, data), 10 the record
--       (MessagePack map {kind, year, at, made, by, role, via, file,
--       request}), 11 with_id ('1' with a request id), 12 ttl seconds,
--       13 records kept, 14 audit time (ms), 15 kind, 16 year, 17 made (ms),
--       18 file, 19 who, 20 role, 21 via, 22 request id
-- Returns {0, record, seq, epoch} when recorded, {1, record kept} for a
-- repeat, {2, why} when the event stream takes no events (nothing written).
if ARGV[11] == '1' then
    local stored = redis.call('GET', KEYS[7])
    if stored then
        return {1, stored}
    end
end
local epoch, why = sti_events_guard(KEYS[1], KEYS[4], KEYS[2], ARGV[1], ARGV[2])
if not epoch then
    return {2, why}
end
redis.call('RPUSH', KEYS[5], ARGV[10])
redis.call('LTRIM', KEYS[5], -tonumber(ARGV[13]), -1)
redis.call('XADD', KEYS[6], 'MAXLEN', '~', 100000, '*', 'time', ARGV[14], 'op', 'report.issue',
           'kind', ARGV[15], 'year', ARGV[16], 'made', ARGV[17], 'file', ARGV[18], 'who', ARGV[19],
           'role', ARGV[20], 'via', ARGV[21], 'request', ARGV[22])
local seq = sti_events_append(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[4], ARGV[5], ARGV[6],
                              ARGV[7], ARGV[8], ARGV[9])
if ARGV[11] == '1' then
    redis.call('SET', KEYS[7], ARGV[10], 'EX', tonumber(ARGV[12]))
end
return {0, ARGV[10], seq, epoch}
