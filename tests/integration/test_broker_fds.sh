#!/usr/bin/env bash
# Descriptors: sti-broker's /healthz, /readyz and /metrics answer while the
# broker holds 1,100 idle connections (more than select() can watch: the
# HTTP server runs in epoll mode).
. "$STI_SOURCE/tests/lib.sh"

PEERS="$STI_SOURCE/tests/helpers/idle_peers.py"
sti_start_broker
# probes: every endpoint answers 200 within 5 s, as a Kubernetes probe would ask.
probes() {
    local path
    for path in healthz readyz metrics; do
        curl -sf -m 5 -o /dev/null "http://127.0.0.1:$BROKER_HTTP/$path" || return 1
    done
}
peers_line() { tail -n 1 "$T/$1.log"; }

sti_spawn peers1100 /usr/bin/python3 "$PEERS" "127.0.0.1:${STI_BROKER##*:}" 1100
sti_wait_for 30 grep -q '"open"' "$T/peers1100.log"
[ "$(peers_line peers1100)" = '{"open": 1100, "closed": 0}' ] \
    || sti_fail "1,100 connections: $(peers_line peers1100)"
probes || sti_fail "the HTTP endpoints do not answer with 1,100 connections open"
sti_stop peers1100 || true

sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
