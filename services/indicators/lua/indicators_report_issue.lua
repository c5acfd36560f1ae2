-- indicators_report_issue.lua: report.issue in one step (docs/report.md):
-- the record of a report issued, its audit entry, and the reply kept under
-- the request id, so a retry is answered as the first time and records
-- nothing twice.
-- KEYS: 1 the list of reports issued (<ns>:report:issued), 2 the audit
--       stream (<ns>:report:audit), 3 the request key ('-' name without a
--       request id)
-- ARGV: 1 the record (MessagePack map {kind, year, at, made, by, role, via,
--       file, request}), 2 with_id ('1' with a request id), 3 ttl seconds,
--       4 records kept, 5 audit time (ms), 6 kind, 7 year, 8 made (ms),
--       9 file, 10 who, 11 role, 12 via, 13 request id
-- Returns {0, record} when recorded, {1, record kept} for a repeat.
if ARGV[2] == '1' then
    local stored = redis.call('GET', KEYS[3])
    if stored then
        return {1, stored}
    end
end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[4]), -1)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 100000, '*', 'time', ARGV[5], 'op', 'report.issue',
           'kind', ARGV[6], 'year', ARGV[7], 'made', ARGV[8], 'file', ARGV[9], 'who', ARGV[10],
           'role', ARGV[11], 'via', ARGV[12], 'request', ARGV[13])
if ARGV[2] == '1' then
    redis.call('SET', KEYS[3], ARGV[1], 'EX', tonumber(ARGV[3]))
end
return {0, ARGV[1]}
