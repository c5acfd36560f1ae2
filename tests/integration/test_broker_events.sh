#!/usr/bin/env bash
# The event bus inside sti-broker: a publisher connected to XSUB reaches a
# subscriber connected to XPUB (two-frame events, subscriptions forwarded
# upstream so the publisher filters), and /metrics counts what went through.
. "$STI_SOURCE/tests/lib.sh"

sti_start_broker
metric() { curl -sf "http://127.0.0.1:$BROKER_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

/usr/bin/python3 - "$STI_EVENTS_PUB" "$STI_EVENTS_SUB" <<'PY' || sti_fail "events did not go through the bus"
import sys, time, zmq
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB); pub.linger = 0; pub.connect(sys.argv[1])
sub = ctx.socket(zmq.SUB); sub.linger = 0; sub.connect(sys.argv[2])
sub.setsockopt(zmq.SUBSCRIBE, b"ind.")
# A subscriber misses what was published before its subscription arrived:
# publish until the first event is seen (bounded), then count a known batch.
deadline = time.monotonic() + 10
while True:
    pub.send_multipart([b"ind.warmup", b"w"])
    if sub.poll(50):
        break
    if time.monotonic() > deadline:
        sys.exit("no event reached the subscriber")
while sub.poll(200):
    sub.recv_multipart()
for i in range(100):
    pub.send_multipart([b"tal.other", b"not subscribed"])
    pub.send_multipart([b"ind.x.%d" % i, b"body-%d" % i])
for i in range(100):
    if not sub.poll(5000):
        sys.exit("event %d missing" % i)
    frames = sub.recv_multipart()
    assert frames == [b"ind.x.%d" % i, b"body-%d" % i], frames
assert not sub.poll(200), "an event the subscriber did not ask for arrived"
PY
forwarded=$(metric sti_broker_events_forwarded_total)
subs=$(metric sti_broker_subscriptions_forwarded_total)
[ "${forwarded:-0}" -ge 100 ] || sti_fail "events forwarded: ${forwarded:-none}"
[ "${subs:-0}" -ge 1 ] || sti_fail "subscriptions forwarded: ${subs:-none}"
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
