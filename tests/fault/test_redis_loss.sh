#!/usr/bin/env bash
# Fault: Redis with appendfsync everysec, and a Redis that comes back with
# less than it had. Redis runs with the users of scripts/redis-acl.
#
# 1. redis-server is killed with SIGKILL during a load of 10,000 rows sent by
#    a client that retries with request ids. With everysec a crash of the
#    machine may lose the last second; a killed process loses nothing the
#    kernel already has, so here every acknowledged row is applied once.
# 2. Then Redis comes back from an older copy of its files (what a machine
#    crash with everysec, or a restore from a backup, leaves): the event log
#    went back from M to N (the 5 rows of M - N events after the copy). sti-indicators notices within seconds:
#    /readyz fails with the reason, sti_dataset_lost is 1, a write is refused
#    `unavailable` naming the reason, and stictl dataset show says LOST;
#    stictl watch (a subscriber whose cursor is ahead) and sti-notify say that
#    the stream went back instead of waiting; events.since from beyond the
#    log answers the log's true latest.
# 3. stictl dataset accept-loss: the services go on in a new epoch, and the
#    watch says which events of the old epoch are gone and prints the new
#    events that take seqs N+1.. again, none dropped as a duplicate.
. "$STI_SOURCE/tests/lib.sh"
stictl() { command stictl --timeout 15000 "$@"; }

REQUESTS=10
ROWS=1000
TOWNS=100
TOTAL=$((REQUESTS * ROWS))

sti_start_redis_acl everysec
sti_start_broker
STI_REDIS_URL=$(sti_redis_url sti-ingest) sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
IND_HTTP=$(sti_spare_port)
STI_REDIS_URL=$(sti_redis_url sti-indicators) sti_spawn indicators sti-indicators \
    --http-addr "127.0.0.1:$IND_HTTP" --consumer loss-1 --claim-idle-ms 2000 --claim-every-ms 1000
STI_REDIS_URL=$(sti_redis_url sti-notify) sti_spawn notify sti-notify --http-addr 127.0.0.1:0 \
    --streams ind
sti_wait_service sti.ingest
sti_wait_service sti.indicators
sti_wait_service sti.notify

stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
/usr/bin/python3 "$STI_SOURCE/tests/helpers/plan_towns.py" "$STI_BROKER" "$TOWNS" ||
    sti_fail "org units"
sti_spawn watch "$(type -P stictl)" --timeout 15000 --json watch --from 0   # the binary itself, so stopping it stops it

# --- 1. kill -9 under load ---
progress_at_least() { [ "$(cat "$T/progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
sti_spawn submit /usr/bin/python3 "$STI_SOURCE/tests/fault/fault_submit.py" "$STI_BROKER" \
    "$REQUESTS" "$ROWS" "$TOWNS" "$T/progress"
sti_wait_for 100 progress_at_least $(( 2 + RANDOM % (REQUESTS / 2) ))
sti_restart_redis KILL
wait "${STI_PIDS[submit]}" || sti_fail "the submitting client failed"
unset "STI_PIDS[submit]"
seq_is() { [ "$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")" = "$1" ]; }
sti_wait_for 100 seq_is "$TOTAL"
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = "$REQUESTS" ] || sti_fail "intake entries lost"
! grep -q "the dataset lost data" "$T/indicators.log" || sti_fail "a loss was found where there was none"

# --- 2. Redis comes back with less ---
watched() {   # watched SEQ: the watch printed the event SEQ
    grep -q "\"seq\":$1," "$T/watch.log"
}
notified() {   # notified SEQ: sti-notify's cursor is at SEQ (it may lag the watch)
    [ "$(sti_redis_cli GET "$STI_NAMESPACE:notify:cursor:ind")" = "$1" ]
}
sti_wait_for 60 watched "$TOTAL"
sti_wait_for 60 notified "$TOTAL"
nothing_pending() { [ "$(sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -1)" = 0 ]; }
sti_wait_for 20 nothing_pending
fsynced() { sti_redis_cli info persistence | grep -q '^aof_last_bgrewrite_status:ok'; }
sti_redis_cli config set appendfsync always >/dev/null   # the copy below holds everything so far
cp -a "$T/redis/appendonlydir" "$T/older"
sti_redis_cli config set appendfsync everysec >/dev/null
printf 'indicator,org,period,value\n' >"$T/more.csv"
for t in 0 1 2 3 4; do echo "hitech_enterprises,town_00$t,2023,$((100 + t))" >>"$T/more.csv"; done
stictl ingest "$T/more.csv" | grep -qx "accepted 5, rejected 0" || sti_fail "5 more rows"
sti_wait_for 30 eval '[ "$(sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -1)" = 0 ] &&
    [ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = $((REQUESTS + 1)) ]'
MORE=$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")
[ "$MORE" -gt "$TOTAL" ] || sti_fail "the 5 rows made no events"
sti_wait_for 30 watched "$MORE"
sti_wait_for 30 notified "$MORE"

sti_stop redis KILL || true
rm -rf "$T/redis/appendonlydir"
cp -a "$T/older" "$T/redis/appendonlydir"
s_spawn_redis
# Redis 7.0 says loading:0 between the parts of a multi-part AOF too, so the
# copy's seq is waited for (nothing writes while the dataset is lost).
sti_wait_for 20 seq_is "$TOTAL" ||
    sti_fail "the older copy is at seq $(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")"

not_ready() { curl -s "http://127.0.0.1:$IND_HTTP/readyz" | grep -q "not ready: .*went back from seq $MORE to $TOTAL"; }
sti_wait_for 20 not_ready
sti_wait_for 10 eval 'curl -s "http://127.0.0.1:$IND_HTTP/metrics" | grep -qx "sti_dataset_lost 1"'
out=$(stictl target set hitech_enterprises 2025 1000 2>&1) && sti_fail "a write was taken after a loss: $out"
echo "$out" | grep -q "unavailable: .*went back" || sti_fail "the refusal does not say why: $out"
stictl dataset show | grep -q "^state: *LOST: .*went back" || sti_fail "dataset show: $(stictl dataset show)"
sti_wait_for 20 grep -q "stream ind went back from seq $MORE to $TOTAL" "$T/watch.log"
sti_wait_for 20 grep -q "went back from seq $MORE to $TOTAL" "$T/notify.log"
since=$(/usr/bin/python3 "$STI_SOURCE/tests/helpers/ind_client.py" "$STI_BROKER" sti.indicators events.since \
    '{"stream": "ind", "seq": 1000000000}') || sti_fail "events.since: $since"
/usr/bin/python3 -c 'import json, sys; b = json.loads(sys.argv[1])["body"]; sys.exit(b["latest"] != int(sys.argv[2]) or not b["epoch"])' \
    "$since" "$TOTAL" || sti_fail "events.since past the log: $since"

# --- 3. an operator accepts the loss ---
stictl dataset accept-loss --reason "older AOF restored in a test" >/dev/null || sti_fail "accept-loss"
ready() { curl -sf "http://127.0.0.1:$IND_HTTP/readyz" >/dev/null; }
sti_wait_for 20 ready
sti_wait_for 10 eval 'curl -s "http://127.0.0.1:$IND_HTTP/metrics" | grep -qx "sti_dataset_lost 0"'
printf 'indicator,org,period,value\n' >"$T/new.csv"
for t in 5 6 7; do echo "hitech_enterprises,town_00$t,2023,$((200 + t))" >>"$T/new.csv"; done
stictl ingest "$T/new.csv" | grep -qx "accepted 3, rejected 0" || sti_fail "3 new rows"
sti_wait_for 30 grep -q "moved from epoch .* at seq $TOTAL: events $((TOTAL + 1))..$MORE of the old epoch are gone" "$T/watch.log"
new_events_watched() {
    /usr/bin/python3 - "$T/watch.log" "$TOTAL" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
at = max(i for i, l in enumerate(lines) if "moved from epoch" in l)
after = [json.loads(l) for l in lines[at + 1:] if l.startswith("{")]
total = int(sys.argv[2])
seqs = [e["seq"] for e in after]
changed = [e for e in after if e["type"] == "indicator.changed"]
towns = sorted((e["data"]["org"], e["data"]["new"]) for e in changed if e["data"]["org"] != "linping")
# Each row is its town's event, and the submission moves the district's sum
# once: 4 value changes, in seqs from N+1 without a gap (a progress.changed
# may come between).
district = [e for e in changed if e["data"]["org"] == "linping"]
sys.exit(0 if seqs == list(range(total + 1, total + 1 + len(seqs))) and len(changed) == 4 and
         len(district) == 1 and
         towns == [("town_00%d" % (5 + k), 205 + k) for k in range(3)] else 1)
PY
}
sti_wait_for 30 new_events_watched
echo "ok: kill -9 lost nothing; a Redis that came back with less was found, refused writes, told its subscribers, and went on in a new epoch once accepted"
