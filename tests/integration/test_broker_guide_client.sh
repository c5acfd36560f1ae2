#!/usr/bin/env bash
# A client written as the ZeroMQ guide's mdclient2 (send everything, then
# read) gets a reply for every request: what does not fit the queue is
# answered with the broker's refusal naming queue_max, the rest by the worker.
. "$STI_SOURCE/tests/lib.sh"

SENT=300 QUEUE_MAX=100
export STI_QUEUE_MAX=$QUEUE_MAX
sti_start_broker
unset STI_QUEUE_MAX
metric() { curl -sf "http://127.0.0.1:$BROKER_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }

sti_spawn client /usr/bin/python3 "$STI_SOURCE/tests/integration/mdp_guide_client.py" \
    "$STI_BROKER" guide.echo "$SENT" "$QUEUE_MAX"
# No worker yet: the broker queues QUEUE_MAX and refuses the rest.
sti_wait_for 30 metric_is 'sti_broker_queue_depth{service="guide.echo"}' "$QUEUE_MAX"
sti_wait_for 30 metric_is 'sti_broker_requests_dropped_total{reason="queue_full"}' \
    $((SENT - QUEUE_MAX))
sti_spawn w1 echo_worker --name w1 guide.echo
# The client gives up by itself after 30 s without a reply.
wait "${STI_PIDS[client]}" || sti_fail "the guide-style client did not get every reply: $(cat "$T/client.log")"
unset "STI_PIDS[client]"
grep -q "refused $((SENT - QUEUE_MAX)) answered $QUEUE_MAX" "$T/client.log" \
    || sti_fail "unexpected counts: $(cat "$T/client.log")"
sti_stop w1 || true
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
