#!/usr/bin/env bash
# Fault: Redis itself is killed. Redis runs as every deployment runs it (the
# users of scripts/redis-acl, the default user off; AOF with appendfsync
# always). While 20,000 rows (20 requests of 1,000) are submitted by a client
# that retries with the same request ids, redis-server is killed with SIGKILL
# at a random moment and started again on its files, and later an AOF rewrite
# runs under the load. Afterwards every acknowledged row is applied exactly
# once (each value one revision), the event log is 1..N, nothing is pending,
# and no service finds the dataset lost; a clean restart of Redis then brings
# back exactly the same keys, and Redis refused nothing of its AOF.
. "$STI_SOURCE/tests/lib.sh"

REQUESTS=${FAULT_REQUESTS:-20}
ROWS=${FAULT_ROWS:-1000}
TOWNS=100
TOTAL=$((REQUESTS * ROWS))

sti_start_redis_acl always
sti_start_broker
STI_REDIS_URL=$(sti_redis_url sti-ingest) sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
STI_REDIS_URL=$(sti_redis_url sti-indicators) sti_spawn indicators sti-indicators \
    --http-addr 127.0.0.1:0 --consumer kill-1 --claim-idle-ms 2000 --claim-every-ms 1000
sti_wait_service sti.ingest
sti_wait_service sti.indicators

/usr/bin/python3 "$STI_SOURCE/tests/helpers/plan_towns.py" "$STI_BROKER" "$TOWNS" \
    "$STI_SOURCE/data/plans/linping-2021-2025" || sti_fail "plan and org units"

progress_at_least() { [ "$(cat "$T/progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
kill_at=$(( 2 + RANDOM % (REQUESTS / 3) ))
rewrite_at=$(( REQUESTS / 2 + RANDOM % (REQUESTS / 4) ))
echo "killing redis-server after $kill_at requests, rewriting the AOF after $rewrite_at"

sti_spawn submit /usr/bin/python3 "$STI_SOURCE/tests/fault/fault_submit.py" "$STI_BROKER" \
    "$REQUESTS" "$ROWS" "$TOWNS" "$T/progress"
sti_wait_for 100 progress_at_least "$kill_at"
sti_restart_redis KILL
echo "redis-server killed and started again with $(sti_redis_cli dbsize) keys"
sti_wait_for 100 progress_at_least "$rewrite_at"
sti_redis_cli bgrewriteaof >/dev/null || sti_fail "BGREWRITEAOF"
wait "${STI_PIDS[submit]}" || sti_fail "the submitting client failed"
unset "STI_PIDS[submit]"
rewrite_done() { sti_redis_cli info persistence | grep -q '^aof_rewrite_in_progress:0'; }
sti_wait_for 30 rewrite_done

seq_is_total() { [ "$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")" = "$TOTAL" ]; }
nothing_pending() {
    [ "$(sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -1)" = 0 ]
}
# check: every request once in the intake log, every row applied once, the
# event log 1..N with no gap, and the dataset not lost.
check() {
    local intake events counts
    intake=$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")
    [ "$intake" = "$REQUESTS" ] || sti_fail "$1: intake log holds $intake entries, want $REQUESTS"
    events=$(sti_events_log_summary "$STI_NAMESPACE:events:ind")
    [ "$events" = "$TOTAL 1 $TOTAL 0" ] ||
        sti_fail "$1: event log (events, first, last, gaps): $events, want $TOTAL 1 $TOTAL 0"
    counts=$(sti_revisions_summary "$STI_NAMESPACE")
    [ "$counts" = "$TOTAL 0 $TOTAL" ] ||
        sti_fail "$1: revisions (values, not exactly one, in all): $counts, want $TOTAL 0 $TOTAL"
    ! grep -q NOPERM "$T/redis.log" || sti_fail "$1: Redis refused part of its AOF"
    for svc in ingest indicators; do
        ! grep -q "the dataset lost data" "$T/$svc.log" || sti_fail "$1: sti-$svc found a loss"
    done
}
sti_wait_for 100 seq_is_total
sti_wait_for 20 nothing_pending
check "after the kill"
keys=$(sti_redis_cli dbsize)

sti_restart_redis TERM
[ "$(sti_redis_cli dbsize)" = "$keys" ] || sti_fail "a clean restart brought back $(sti_redis_cli dbsize) keys, not $keys"
check "after a clean restart"
echo "ok: $TOTAL rows applied once, events 1..$TOTAL, through a kill -9 of Redis, an AOF rewrite and a restart"
