#!/usr/bin/env bash
# Descriptors and idle connections. sti-broker's /healthz, /readyz and
# /metrics answer while it holds 1,100 idle connections (more than select()
# can watch: the HTTP server polls with epoll) and while 20,000 try to
# connect: it takes max_connections of them (sti_broker_connections), closes
# the others at once (sti_broker_connections_refused_total) and keeps
# descriptors in reserve. A connection that finished its handshake and then
# says nothing (it answers no ZMTP heartbeat), or that never finishes it, is
# closed, and the memory it held is given back.
. "$STI_SOURCE/tests/lib.sh"

PEERS="$STI_SOURCE/tests/helpers/idle_peers.py"
if grep -q '^STI_SANITIZE:BOOL=ON' "$STI_BUILD/CMakeCache.txt"; then
    STI_SANITIZED=1   # RSS is checked in the normal build only
fi
metric() { curl -sf "http://127.0.0.1:$BROKER_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
# probes: every endpoint answers 200 within 5 s, as a Kubernetes probe would ask.
probes() {
    local path
    for path in healthz readyz metrics; do
        curl -sf -m 5 -o /dev/null "http://127.0.0.1:$BROKER_HTTP/$path" || return 1
    done
}
# peers NAME COUNT [--silent]: COUNT idle connections to the broker's requests endpoint.
peers() { sti_spawn "$1" /usr/bin/python3 "$PEERS" "127.0.0.1:${STI_BROKER##*:}" "${@:2}"; }
settled() { grep -q '"open"' "$T/$1.log"; }
# field NAME open|closed: the helper's last count.
field() { tail -n 1 "$T/$1.log" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
rss() { awk '$1 == "VmRSS:" {print $2}' "/proc/${STI_PIDS[broker]}/status"; }
descriptors() { ls "/proc/${STI_PIDS[broker]}/fd" | wc -l; }

sti_start_broker
peers peers1100 1100
sti_wait_for 30 settled peers1100
[ "$(field peers1100 open)" = 1100 ] || sti_fail "1,100 connections: $(tail -n 1 "$T/peers1100.log")"
probes || sti_fail "the HTTP endpoints do not answer with 1,100 connections open"
sti_stop peers1100 || true
sti_wait_for 10 metric_is 'sti_broker_connections{socket="requests"}' 0

# 20,000 connections, from as many processes as their descriptor limit needs.
allowed=$(metric sti_broker_connections_max)
[ "$allowed" -ge 1100 ] || sti_fail "the broker allows only $allowed connections"
per=$(( $(ulimit -Hn) - 100 )); [ "$per" -le 10000 ] || per=10000
n=0 left=20000
while [ "$left" -gt 0 ]; do
    count=$(( left < per ? left : per ))
    peers "many$n" "$count"
    left=$(( left - count )); n=$(( n + 1 ))
done
opened=0 closed=0
for i in $(seq 0 $(( n - 1 ))); do
    sti_wait_for 60 settled "many$i"
    opened=$(( opened + $(field "many$i" open) )); closed=$(( closed + $(field "many$i" closed) ))
done
echo "20,000 connections: $opened open, $closed closed, $(descriptors) descriptors, rss $(rss) kB"
[ "$opened" -eq "$allowed" ] && [ $(( opened + closed )) -eq 20000 ] \
    || sti_fail "20,000 connections: $opened open (allowed $allowed), $closed closed"
for i in 1 2 3 4 5; do
    probes || sti_fail "the HTTP endpoints do not answer with 20,000 connections tried (probe $i)"
done
metric_is 'sti_broker_connections{socket="requests"}' "$allowed" \
    || sti_fail "connections: $(metric 'sti_broker_connections{socket="requests"}')"
[ "$(metric 'sti_broker_connections_refused_total{reason="max_connections"}')" -eq "$closed" ] \
    || sti_fail "refused: $(metric 'sti_broker_connections_refused_total{reason="max_connections"}')"
[ "$(descriptors)" -le $(( allowed + 200 )) ] || sti_fail "$(descriptors) descriptors open"
for i in $(seq 0 $(( n - 1 ))); do sti_stop "many$i" || true; done
sti_wait_for 20 metric_is 'sti_broker_connections{socket="requests"}' 0
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"

# Idle connections are closed: 3,000 that finished the handshake and answer
# no heartbeat, 1,000 that never send a byte.
export STI_ZMTP_PING_MS=300 STI_ZMTP_TIMEOUT_MS=700 STI_HANDSHAKE_MS=1000
sti_start_broker
sti_wait_for 10 metric_is sti_broker_connections_max "$allowed"
before=$(rss)
peers idle 3000
peers silent 1000 --silent
idle_gone() { [ "$(field idle open)" = 0 ] && [ "$(field silent open)" = 0 ]; }
sti_wait_for 30 eval 'settled idle && settled silent && idle_gone'
sti_wait_for 10 metric_is 'sti_broker_connections{socket="requests"}' 0
peak=$(awk '$1 == "VmHWM:" {print $2}' "/proc/${STI_PIDS[broker]}/status")
given_back() { [ "$(rss)" -le $(( before + 8192 )) ]; }
if [ -z "${STI_SANITIZED:-}" ]; then
    sti_wait_for 10 given_back || true
    echo "idle connections: rss $before kB before, peak $peak kB, $(rss) kB after"
    given_back || sti_fail "the memory of closed connections was not given back: $(rss) kB, $before kB before"
fi
probes || sti_fail "the HTTP endpoints do not answer after the idle connections"
sti_stop idle || true
sti_stop silent || true
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
