#!/usr/bin/env bash
# Fault: Redis stays up, but the services' connections to it break in the
# middle of what they do.
#
# 1. While 10,000 rows (10 requests of 1,000) are submitted by a client that
#    retries with the same request ids, Redis closes every connection of
#    sti-ingest and sti-indicators (CLIENT KILL USER), again each time a
#    request was answered since: a submission's reads or write may be cut,
#    and sti-ingest writes it again on a new connection rather than answer
#    unavailable.
# 2. With sti-indicators stopped (SIGSTOP), 10,000 more rows are accepted;
#    then it goes on, and its connections are closed: first while Redis
#    holds its first apply script (CLIENT PAUSE WRITE), then again each time
#    it has applied more of the backlog since (up to 30 times): a window's
#    reads, its apply script, its WAIT or the events it publishes may be cut.
#
# Afterwards every acknowledged row is applied exactly once, the event log
# is 1..N with no gap, nothing is pending, no service finds the dataset
# lost, and a subscriber (stictl watch) printed every event once, in order,
# without being told events were lost.
# 3. With Redis holding writes (CLIENT PAUSE WRITE), sti-ingest's submit
#    script waits in Redis and its connection is closed: one `stictl
#    ingest` is still answered accepted (sti-ingest sent the script again).
# 4. A read (stictl progress) right after Redis closed sti-indicators'
#    connections is answered, not refused unavailable.
. "$STI_SOURCE/tests/lib.sh"

REQUESTS=10   # each phase
ROWS=1000
TOWNS=100
TOTAL=$((2 * REQUESTS * ROWS))

sti_start_redis_acl everysec
sti_start_broker
STI_REDIS_URL=$(sti_redis_url sti-ingest) sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
STI_REDIS_URL=$(sti_redis_url sti-indicators) sti_spawn indicators sti-indicators \
    --http-addr 127.0.0.1:0 --consumer cut-1 --claim-idle-ms 2000 --claim-every-ms 1000
sti_wait_service sti.ingest
sti_wait_service sti.indicators

/usr/bin/python3 "$STI_SOURCE/tests/helpers/plan_towns.py" "$STI_BROKER" "$TOWNS" \
    "$STI_SOURCE/data/plans/linping-2021-2025" || sti_fail "plan and org units"
start_seq=$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")
start_seq=${start_seq:-0}
read -r values_before odd_before revisions_before <<<"$(sti_revisions_summary "$STI_NAMESPACE")"
sti_spawn watch "$(type -P stictl)" --timeout 15000 --json watch --from "$start_seq"

# cut USER...: closes every connection of the users; prints how many.
cut() {
    local n=0 user
    for user in "$@"; do
        n=$((n + $(sti_redis_cli CLIENT KILL USER "$user")))
    done
    echo "$n"
}
progress_at_least() { [ "$(cat "$T/progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
seq_now() { sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq"; }

# --- 1. cut sti-ingest's connections while requests come ---
sti_spawn submit /usr/bin/python3 "$STI_SOURCE/tests/fault/fault_submit.py" "$STI_BROKER" \
    "$REQUESTS" "$ROWS" "$TOWNS" "$T/progress"
progress() { cat "$T/progress" 2>/dev/null || echo 0; }
cuts=0
while at=$(progress) && [ "$at" -lt $((REQUESTS - 1)) ]; do   # one read: it may jump by several
    cuts=$((cuts + $(cut sti-ingest sti-indicators)))
    sti_wait_for 100 eval '[ "$(progress)" -gt "$at" ]'   # a request answered since
done
wait "${STI_PIDS[submit]}" || sti_fail "the submitting client failed"
unset "STI_PIDS[submit]"
cut_in_use=$(grep -c "connection lost" "$T/ingest.log" || true)
[ "$cut_in_use" -gt 0 ] || sti_fail "no connection of sti-ingest was cut while in use"
echo "phase 1: cut $cuts connections, $cut_in_use of sti-ingest's noticed in use"

# --- 2. cut the applier while it works through a backlog ---
kill -STOP "${STI_PIDS[indicators]}"
sti_spawn submit /usr/bin/python3 "$STI_SOURCE/tests/fault/fault_submit.py" "$STI_BROKER" \
    "$REQUESTS" "$ROWS" "$TOWNS" "$T/progress" "$REQUESTS"
wait "${STI_PIDS[submit]}" || sti_fail "the submitting client failed (backlog)"
unset "STI_PIDS[submit]"
# The first cut is made while Redis holds the first window's apply script
# (CLIENT PAUSE WRITE), so one lands in the middle of a window however fast
# the backlog drains; the rest as it goes.
sti_redis_cli CLIENT PAUSE 20000 WRITE >/dev/null
kill -CONT "${STI_PIDS[indicators]}"
applying() {
    sti_redis_cli CLIENT LIST | grep "cmd=evalsha user=sti-indicators " | grep -q "flags=[a-zA-Z]*b"
}
sti_wait_for 10 applying
applier_cuts=$(cut sti-indicators)
sti_redis_cli CLIENT UNPAUSE >/dev/null
for _ in $(seq 1 30); do
    at=$(seq_now)
    [ "$at" -lt "$((start_seq + TOTAL))" ] || break
    applier_cuts=$((applier_cuts + $(cut sti-indicators)))
    sti_wait_for 100 eval '[ "$(seq_now)" -gt "$at" ]'   # it applied more since
done
[ "$applier_cuts" -gt 0 ] || sti_fail "no connection of the applier was cut during the backlog"
echo "phase 2: cut $applier_cuts connections of sti-indicators while it applied"
cuts=$((cuts + applier_cuts))

seq_is_total() {
    [ "$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")" = "$((start_seq + TOTAL))" ]
}
nothing_pending() {
    [ "$(sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -1)" = 0 ]
}
sti_wait_for 100 seq_is_total
sti_wait_for 20 nothing_pending
intake=$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")
[ "$intake" = "$((2 * REQUESTS))" ] || sti_fail "intake log holds $intake entries, want $((2 * REQUESTS))"
events=$(sti_events_log_summary "$STI_NAMESPACE:events:ind")
[ "$events" = "$((start_seq + TOTAL)) 1 $((start_seq + TOTAL)) 0" ] ||
    sti_fail "event log (events, first, last, gaps): $events, want 1..$((start_seq + TOTAL)) without gaps"
read -r values_after odd_after revisions_after <<<"$(sti_revisions_summary "$STI_NAMESPACE")"
[ "$((values_after - values_before)) $((odd_after - odd_before)) $((revisions_after - revisions_before))" = "$TOTAL 0 $TOTAL" ] ||
    sti_fail "revisions (values, not exactly one, in all) went from $values_before $odd_before $revisions_before to $values_after $odd_after $revisions_after: want $TOTAL more values of one revision each"
for svc in ingest indicators; do
    ! grep -q "the dataset lost data" "$T/$svc.log" || sti_fail "sti-$svc found a loss"
done
# A submission whose write was cut is written again on a new connection (its
# request id makes that safe): no client was told to send again.
! grep -q "could not be kept" "$T/ingest.log" || sti_fail "sti-ingest refused a submission that was cut"

watched_all() { grep -q "\"seq\":$((start_seq + TOTAL))," "$T/watch.log"; }
sti_wait_for 60 watched_all
/usr/bin/python3 - "$T/watch.log" "$start_seq" "$TOTAL" <<'PY' || sti_fail "the watch missed, repeated or reordered events"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
start, total = int(sys.argv[2]), int(sys.argv[3])
seqs = [json.loads(l)["seq"] for l in lines if l.startswith("{")]
told = [l for l in lines if not l.startswith("{") and
        any(w in l for w in ("are lost", "are gone", "went back"))]
after = [s for s in seqs if s > start]
if after != list(range(start + 1, start + total + 1)) or told:
    print("seqs after %d: %d, first %s, last %s; told: %s" %
          (start, len(after), after[:3], after[-3:], told[:3]), file=sys.stderr)
    sys.exit(1)
PY
# --- 3. a submission's write cut before Redis ran it ---
# Writes are held (CLIENT PAUSE WRITE), so sti-ingest's submit script waits
# in Redis; its connection is closed then. sti-ingest sends it again on a
# new connection, and the clerk's one `stictl ingest` is answered accepted.
printf 'indicator,org,period,value\nhitech_value_added_share,town_001,2024,12.5\n' >"$T/cut.csv"
sti_redis_cli CLIENT PAUSE 20000 WRITE >/dev/null
sti_spawn held stictl --timeout 30000 ingest "$T/cut.csv"
held() { sti_redis_cli CLIENT LIST | grep "user=sti-ingest" | grep -q "flags=[a-zA-Z]*b"; }
sti_wait_for 10 held
sti_redis_cli CLIENT KILL USER sti-ingest >/dev/null
sti_redis_cli CLIENT UNPAUSE >/dev/null
rc=0; wait "${STI_PIDS[held]}" || rc=$?
unset "STI_PIDS[held]"
grep -qx "accepted 1, rejected 0" "$T/held.log" || sti_fail "the cut submission: exit $rc, $(cat "$T/held.log")"
grep -q "could not be kept" "$T/ingest.log" && sti_fail "sti-ingest refused the cut submission"

# --- 4. a read right after the connections were closed ---
# (A read that meets a closed connection is run again on a new one:
# sti_service_ops, unit test test_read_run_again.)
sti_redis_cli CLIENT KILL USER sti-indicators >/dev/null
stictl --timeout 15000 progress >"$T/read.out" 2>&1 ||
    sti_fail "the first read after a cut: $(cat "$T/read.out")"

echo "ok: $TOTAL rows applied once and every event watched once, through $cuts connections cut"
