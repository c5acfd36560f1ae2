# Fault: while 100,000 rows (100 requests of 1,000, every row a distinct key)
# are submitted by a client that retries with the same request ids,
# sti-indicators and sti-ingest are each killed with SIGKILL once, at a
# random moment, and restarted. Afterwards: the intake log holds each
# request once, every row is applied exactly once (each value has exactly
# one revision), and the event log holds 1..N with no gap, N = 100,000.
. "$STI_SOURCE/tests/lib.sh"

REQUESTS=${FAULT_REQUESTS:-100}
ROWS=${FAULT_ROWS:-1000}
TOWNS=100
TOTAL=$((REQUESTS * ROWS))
IND="$STI_SOURCE/tests/helpers/ind_client.py"

sti_start_redis
sti_start_broker
start_ingest() {   # periods up to 2029 are made up for this test
    sti_spawn "ingest${1:-}" sti-ingest --http-addr 127.0.0.1:0 --max-period-ahead 5
}
# A stable consumer name: the restarted replica takes back its own pending entries.
start_indicators() {
    sti_spawn "indicators${1:-}" sti-indicators --http-addr 127.0.0.1:0 --consumer fault-1 \
        --claim-idle-ms 2000 --claim-every-ms 1000
}
start_ingest
start_indicators

/usr/bin/python3 "$STI_SOURCE/tests/helpers/plan_towns.py" "$STI_BROKER" "$TOWNS" \
    "$STI_SOURCE/data/plans/linping-2021-2025" || sti_fail "plan and org units"

progress_at_least() { [ "$(cat "$T/progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
kill_indicators_at=$(( REQUESTS / 10 + RANDOM % (REQUESTS * 3 / 10) ))
kill_ingest_at=$(( REQUESTS / 2 + RANDOM % (REQUESTS * 4 / 10) ))
echo "killing sti-indicators after $kill_indicators_at requests, sti-ingest after $kill_ingest_at"

sti_spawn submit /usr/bin/python3 "$STI_SOURCE/tests/fault/fault_submit.py" "$STI_BROKER" \
    "$REQUESTS" "$ROWS" "$TOWNS" "$T/progress"

sti_wait_for 100 progress_at_least "$kill_indicators_at"
sti_stop indicators KILL || true
echo "sti-indicators killed with $(sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -1) entries pending"
start_indicators -restarted
sti_wait_for 100 progress_at_least "$kill_ingest_at"
sti_stop ingest KILL || true
start_ingest -restarted
wait "${STI_PIDS[submit]}" || sti_fail "the submitting client failed"
unset "STI_PIDS[submit]"

seq_is_total() { [ "$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")" = "$TOTAL" ]; }
nothing_pending() {
    [ "$(sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -1)" = 0 ]
}
sti_wait_for 100 seq_is_total
sti_wait_for 20 nothing_pending

intake=$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")
[ "$intake" = "$REQUESTS" ] || sti_fail "intake log holds $intake entries, want $REQUESTS"
events=$(sti_events_log_summary "$STI_NAMESPACE:events:ind")
[ "$events" = "$TOTAL 1 $TOTAL 0" ] ||
    sti_fail "event log (events, first, last, gaps): $events, want $TOTAL 1 $TOTAL 0"
# Every value has exactly one revision.
counts=$(sti_revisions_summary "$STI_NAMESPACE")
[ "$counts" = "$TOTAL 0 $TOTAL" ] ||
    sti_fail "revisions (values, not exactly one, in all): $counts, want $TOTAL 0 $TOTAL"
echo "ok: $TOTAL rows applied once, events 1..$TOTAL"
