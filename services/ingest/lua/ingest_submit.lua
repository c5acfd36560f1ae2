-- ingest_submit.lua: appends one request's accepted rows to the intake log
-- and keeps the reply under the request id, in one step, so that a retried
-- request is answered as the first time and applied once.
-- KEYS: intake stream, request key ('' name when the request has no id)
-- ARGV: reply, ttl seconds, request id, submitter, source, time ms, rows,
--       with_id ('1' when the request has an id)
-- Returns {1, stored reply} for a repeat, else {0, ARGV[1]}.
if ARGV[8] == '1' then
    local stored = redis.call('GET', KEYS[2])
    if stored then
        return {1, stored}
    end
end
if ARGV[7] ~= '' then
    redis.call('XADD', KEYS[1], '*', 'request', ARGV[3], 'submitter', ARGV[4],
               'source', ARGV[5], 'time', ARGV[6], 'rows', ARGV[7])
end
if ARGV[8] == '1' then
    redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
end
return {0, ARGV[1]}
