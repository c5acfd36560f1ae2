#!/usr/bin/env bash
# A client and a worker written from RFC 7 / RFC 8 with plain pyzmq (REQ
# client, DEALER worker) work with sti-broker, and MMI answers 200/404/501.
. "$STI_SOURCE/tests/lib.sh"

sti_start_broker
metric() { curl -sf "http://127.0.0.1:$BROKER_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
sti_spawn w1 echo_worker --name w1 raw.echo
sti_spawn w2 echo_worker --name w2 raw.echo
sti_wait_for 10 metric_is 'sti_broker_workers_alive{service="raw.echo"}' 2

/usr/bin/python3 "$STI_SOURCE/tests/integration/mdp_raw.py" "$STI_BROKER" raw.echo \
    || sti_fail "the raw MDP client or worker failed"
# The py.echo worker said DISCONNECT on its way out.
sti_wait_for 10 metric_is 'sti_broker_workers_alive{service="py.echo"}' 0
[ "$(metric sti_broker_malformed_total)" = 0 ] || sti_fail "well-formed traffic counted as malformed"
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
