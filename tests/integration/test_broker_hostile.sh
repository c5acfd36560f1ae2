#!/usr/bin/env bash
# Hostile peers against sti-broker: malformed messages are dropped and
# counted (and logged at most once a second), reserved or invalid worker names and protocol errors get
# DISCONNECT, a request for an absent service expires after its deadline,
# the queue cap bounds memory under 30,000 10 kB requests, a worker that sends
# a malformed REPLY is disconnected and its client answered, messages of too
# many bytes or frames close their connection before the broker holds them
# (peak RSS checked), frame headers are followed however TCP splits them, a
# ZMTP 2.0 peer is cut, and a busy worker killed with -9 is dropped.
. "$STI_SOURCE/tests/lib.sh"

export STI_REQUEST_TIMEOUT_MS=1500 STI_HEARTBEAT_MS=300
if grep -q '^STI_SANITIZE:BOOL=ON' "$STI_BUILD/CMakeCache.txt"; then
    export STI_SANITIZED=1   # the RSS bound is checked in the normal build only
fi
sti_start_broker
metrics_url="http://127.0.0.1:$BROKER_HTTP/metrics"
metric() { curl -sf "$metrics_url" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
hostile() { /usr/bin/python3 "$STI_SOURCE/tests/integration/mdp_hostile.py" \
    "$STI_BROKER" "$metrics_url" "${STI_PIDS[broker]}" "$1" || sti_fail "step $1"; }

sti_spawn w1 echo_worker --name w1 --heartbeat-ms 300 echo
sti_wait_for 10 metric_is 'sti_broker_workers_alive{service="echo"}' 1

hostile malformed
# 2,010 malformed messages, each counted, make a line a second at most.
lines=$(grep -c 'dropped a malformed message' "$T/broker.log" || true)
[ "$lines" -ge 1 ] && [ "$lines" -le 15 ] \
    || sti_fail "expected 1 to 15 log lines for 2,010 malformed messages, got $lines"
hostile refuse
hostile expire
hostile cap
hostile broken
hostile multipart
hostile wire

# A busy worker that keeps heartbeating stays; killed with -9, it is dropped.
sti_spawn stall echo_worker --name stall --heartbeat-ms 300 --stall stall.svc
sti_wait_for 10 metric_is 'sti_broker_workers_alive{service="stall.svc"}' 1
# The request is sent with no bound on LINGER: a loaded broker may take more
# than a second to accept a new connection, and closing sooner loses it.
sti_spawn holder /usr/bin/python3 -c '
import sys, zmq
s = zmq.Context().socket(zmq.DEALER); s.linger = -1; s.connect(sys.argv[1])
s.send_multipart([b"", b"MDPC01", b"stall.svc", b"hold"])
s.close()
' "$STI_BROKER"
sti_wait_for 10 grep -q '^stalled$' "$T/stall.log"
stalled_at=$(date +%s%N)
# Three heartbeat intervals and more pass: the busy worker is still there.
elapsed_over() { [ $(( $(date +%s%N) - $1 )) -gt "$2" ]; }
sti_wait_for 10 elapsed_over "$stalled_at" 1500000000
[ "$(metric 'sti_broker_workers_alive{service="stall.svc"}')" = 1 ] \
    || sti_fail "a busy worker that heartbeats was dropped"
expired=$(metric sti_broker_workers_expired_total)
sti_stop stall KILL || true
sti_wait_for 10 metric_is 'sti_broker_workers_alive{service="stall.svc"}' 0
[ "$(metric sti_broker_workers_expired_total)" -gt "$expired" ] || sti_fail "no expiry counted"

# The idle echo worker heartbeats and was never dropped.
[ "$(metric 'sti_broker_workers_alive{service="echo"}')" = 1 ] || sti_fail "the echo worker was dropped"
sti_stop w1 || sti_fail "echo_worker did not exit 0"
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
