#!/usr/bin/env bash
# Fault, scripted: the replica that the Sentinel promotes did not get the
# applier's last Lua calls. A primary, one replica and one Sentinel (quorum
# 1); the services confirm every write on the replica (STI_REDIS_REPLICAS=1,
# a WAIT of at most 2 s: sti-indicators answers nothing during one, and a
# longer one outlasts stictl's 3 s wait for an answer), sti-indicators
# applies in windows of 200 rows.
#   1. Request 0 is submitted and applied everywhere (events 1..ROWS).
#   2. sti-indicators is stopped (SIGSTOP); request 1 is submitted and
#      delivered to its consumer: sti-ingest acknowledged it, and the replica
#      holds it, pending.
#   3. The replica is cut off (it can no longer authenticate to the primary,
#      and its link is killed), and sti-indicators goes on: it applies request
#      1 on the primary alone, and no WAIT confirms it. Heartbeats come
#      meanwhile: none may name a seq beyond ROWS, or subscribers would fetch
#      events that the fail-over takes back (and the event stream would stop
#      for good once the replica, with less, is promoted); nor may
#      events.since hand out one, though the primary holds them.
#   4. Midway, the Sentinel fails over to the replica. The old primary stays
#      a master for a while (until the Sentinel makes it a replica); the
#      applier's WAIT there times out, and its next window goes to the new
#      primary, which lacks the earlier windows of request 1 but holds its
#      entry pending.
# Nothing acknowledged was lost, so sti-indicators must apply all of request
# 1 on the new primary: the event log ends as 1..2*ROWS with no gap, every
# value has one revision, nothing is pending, and no service reports a loss.
. "$STI_SOURCE/tests/lib.sh"

ROWS=1000
TOWNS=10
PA=$(sti_spare_port) PB=$(sti_spare_port) PS=$(sti_spare_port)
ns=$STI_NAMESPACE

mkdir -p "$T/a" "$T/b"
sti_spawn redisA redis-server --port "$PA" --bind 127.0.0.1 --dir "$T/a" --appendonly yes \
    --save '' --loglevel notice
sti_spawn redisB redis-server --port "$PB" --bind 127.0.0.1 --dir "$T/b" --appendonly yes \
    --save '' --loglevel notice --replicaof 127.0.0.1 "$PA"
a() { redis-cli -p "$PA" "$@"; }
b() { redis-cli -p "$PB" "$@"; }
info() { redis-cli -p "$1" info replication 2>/dev/null | tr -d '\r' | grep -q "^$2\$"; }
sti_wait_for 20 info "$PB" master_link_status:up
{
    echo "port $PS"
    echo "bind 127.0.0.1"
    echo "dir $T"
    echo "sentinel monitor sti 127.0.0.1 $PA 1"
    # The master stays up (the fail-over is asked for), so down-after only
    # bounds how long a replica may have been cut off and still be promoted
    # (ten times it): the cut below lasts while windows time out, 2 s each.
    echo "sentinel down-after-milliseconds sti 10000"
    echo "sentinel failover-timeout sti 10000"
} >"$T/sentinel.conf"
sti_spawn sentinel redis-server "$T/sentinel.conf" --sentinel
master() { redis-cli -p "$PS" sentinel get-master-addr-by-name sti 2>/dev/null | sed -n 2p; }
sti_wait_for 20 eval '[ "$(master)" = "$PA" ]'
sti_wait_for 20 eval '[ "$(redis-cli -p "$PS" sentinel replicas sti | grep -c "^127.0.0.1:$PB$")" = 1 ]'

sti_start_broker
export STI_REDIS_URL="redis://127.0.0.1:$PA" STI_REDIS_SENTINELS="127.0.0.1:$PS"
export STI_REDIS_MASTER_NAME=sti STI_REDIS_REPLICAS=1 STI_REDIS_REPLICAS_MS=2000
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer lost-1 \
    --claim-idle-ms 2000 --claim-every-ms 1000 --batch-rows 200
sti_wait_service sti.ingest
sti_wait_service sti.indicators
/usr/bin/python3 "$STI_SOURCE/tests/helpers/plan_towns.py" "$STI_BROKER" "$TOWNS" \
    "$STI_SOURCE/data/plans/linping-2021-2025" || sti_fail "plan and org units"
submit() {   # submit R: request R of fault_submit.py, acknowledged
    /usr/bin/python3 "$STI_SOURCE/tests/fault/fault_submit.py" "$STI_BROKER" 1 "$ROWS" "$TOWNS" \
        "$T/progress" "$1" || sti_fail "request $1 was not acknowledged"
}
seq_of() { redis-cli -p "$1" GET "$ns:events:ind:seq"; }
sti_diagnose() {   # on a failure: what the replica holds, what sti-indicators said
    echo "want: ind seq $((2 * ROWS)) on the replica (port $PB), in the end its master"
    b EVAL "$(cat "$STI_SOURCE/tests/helpers/data_path_state.lua")" 4 "$ns:events:ind" \
        "$ns:events:ind:seq" "$ns:events:ind:epoch" "$ns:intake" indicators
    echo "revisions (values, not exactly one, in all):" \
        "$(STI_CLI=b sti_revisions_summary "$ns" 2>&1)"
    grep -h -E 'redis|stream|dataset|WAIT|replica' "$T/indicators.log" | tail -n 20
}

# 1. Request 0, applied on both.
submit 0
sti_wait_for 60 eval '[ "$(seq_of "$PA")" = "$ROWS" ] && [ "$(seq_of "$PB")" = "$ROWS" ]'

# 2. Request 1 acknowledged and delivered (pending on the replica too), not
# applied yet. sti-indicators' own blocking read may have taken it already.
kill -STOP "${STI_PIDS[indicators]}"
submit 1
[ "$(b XLEN "$ns:intake")" = 2 ] || sti_fail "the replica lacks request 1's intake entry"
a XREADGROUP GROUP indicators lost-1 COUNT 10 STREAMS "$ns:intake" '>' >/dev/null
sti_wait_for 20 eval '[ "$(b XPENDING "$ns:intake" indicators | head -1)" = 1 ]'

# 3. The replica cut off; request 1 applied on the primary alone.
b CONFIG SET masteruser sti-nobody >/dev/null
b CONFIG SET masterauth not-a-password >/dev/null
a CLIENT KILL TYPE replica >/dev/null
sti_wait_for 20 info "$PB" master_link_status:down
sti_wait_for 20 info "$PA" connected_slaves:0
kill -CONT "${STI_PIDS[indicators]}"
sti_wait_for 60 eval '[ "$(seq_of "$PA")" -gt "$ROWS" ]'
# A subscriber catching up from 0 gets events 1..ROWS and no further: the
# seqs after are the primary's alone, and the fail-over hands them out again.
since=$(/usr/bin/python3 - "$STI_BROKER" <<'PY'
import os, sys
sys.path.insert(0, os.environ["STI_SOURCE"] + "/tests/helpers")
from ind_client import Client
# Each of the applier's windows waits 2 s for the replica that never comes;
# requests are answered between windows.
c = Client(sys.argv[1], timeout_ms=5000, retries=6)
count, upto, seq = 0, 0, 0
while True:
    r = c.ok("sti.indicators", "events.since", {"stream": "ind", "seq": seq, "limit": 1000})
    count += len(r["events"])
    upto = max([upto] + [e["seq"] for e in r["events"]])
    if r["upto"] == seq:
        break
    seq = r["upto"]
print(count, upto, seq)
PY
) || sti_fail "events.since failed"
[ "$since" = "$ROWS $ROWS $ROWS" ] ||
    sti_fail "events.since (events, last seq, upto): $since, want $ROWS $ROWS $ROWS (the replica has $ROWS; the primary's epoch: $(a HGETALL "$ns:events:ind:epoch" | tr "\n" " "))"

# Two heartbeats from now: the second was read from Redis after request 1
# was partly applied there. Prints the largest seq they named, or "none".
heartbeats() {
    /usr/bin/python3 - "$STI_EVENTS_SUB" <<'PY'
import sys, time
import msgpack, zmq
sub = zmq.Context().socket(zmq.SUB)
sub.setsockopt(zmq.LINGER, 0)
sub.setsockopt(zmq.SUBSCRIBE, b"ind.$hb")
sub.connect(sys.argv[1])
seen, most, deadline = 0, 0, time.time() + 60
while seen < 2 and time.time() < deadline:
    if sub.poll(1000):
        body = msgpack.unpackb(sub.recv_multipart()[1], raw=False)
        seen, most = seen + 1, max(most, body["seq"])
print(most if seen == 2 else "none")
PY
}
hb=$(heartbeats)
[ "$hb" != none ] || sti_fail "no heartbeat of ind in 60 s"
[ "$hb" -le "$ROWS" ] ||
    sti_fail "a heartbeat named seq $hb, which no replica holds (the replica has $ROWS)"

[ "$(seq_of "$PB")" = "$ROWS" ] || sti_fail "the replica got the application of request 1"
[ "$(seq_of "$PA")" -lt "$((2 * ROWS))" ] || sti_fail "request 1 was applied before the fail-over"

# 4. The fail-over, midway through request 1.
redis-cli -p "$PS" SENTINEL FAILOVER sti >/dev/null
sti_wait_for 60 eval '[ "$(master)" = "$PB" ] && info "$PB" role:master'
sti_wait_for 60 eval '[ "$(seq_of "$PB")" = "$((2 * ROWS))" ]'
a REPLICAOF 127.0.0.1 "$PB" >/dev/null   # if the Sentinel has not yet
summary=$(STI_CLI=b sti_events_log_summary "$ns:events:ind")
[ "$summary" = "$((2 * ROWS)) 1 $((2 * ROWS)) 0" ] ||
    sti_fail "event log (events, first, last, gaps): $summary, want $((2 * ROWS)) 1 $((2 * ROWS)) 0"
sti_wait_for 30 eval '[ "$(b XPENDING "$ns:intake" indicators | head -1)" = 0 ]'
counts=$(STI_CLI=b sti_revisions_summary "$ns")
[ "$counts" = "$((2 * ROWS)) 0 $((2 * ROWS))" ] ||
    sti_fail "revisions (values, not exactly one, in all): $counts, want $((2 * ROWS)) 0 $((2 * ROWS))"
[ -z "$(b HGET "$ns:events:ind:epoch" lost)" ] || sti_fail "the ind stream was stopped as lost"
sti_wait_for 60 eval 'info "$PA" master_link_status:up && [ "$(a dbsize)" = "$(b dbsize)" ]'
for svc in ingest indicators; do
    ! grep -q "the dataset lost data" "$T/$svc.log" || sti_fail "sti-$svc found a loss"
done
echo "ok: the windows the promoted replica lacked were applied again; the log is 1..$((2 * ROWS))"
