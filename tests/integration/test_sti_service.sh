#!/usr/bin/env bash
# The sti_service frame with real Redis, a real broker and a raw MDP client:
# /readyz follows the worker and Redis, every request gets exactly one reply
# (malformed, unknown op, failing handler included), the service's own
# settings go through the same load, metrics count by op and code, SIGTERM
# exits 0, and stictl health sees the service.
. "$STI_SOURCE/tests/lib.sh"

sti_start_redis
sti_start_broker
http=$(sti_spare_port)
sti_spawn service frame_service --service sti.ingest --greeting bonjour \
    --http-addr "127.0.0.1:$http" --tick-ms 1 2>/dev/null && true
# Unknown flags are refused: that spawn (with --tick-ms) must have exited 2.
sti_wait_for 10 bash -c "! kill -0 ${STI_PIDS[service]} 2>/dev/null"
rc=0; sti_stop service || rc=$?
[ "$rc" -eq 2 ] || sti_fail "an unknown flag gave exit $rc, wanted 2"

sti_spawn service frame_service --service sti.ingest --greeting bonjour --http-addr "127.0.0.1:$http"
sti_wait_for 10 curl -sf "http://127.0.0.1:$http/healthz"
sti_wait_for 15 curl -sf "http://127.0.0.1:$http/readyz"

/usr/bin/python3 - "$STI_BROKER" <<'PY' || sti_fail "requests through the frame"
import sys, zmq, msgpack
ctx = zmq.Context()
sock = ctx.socket(zmq.REQ)
sock.setsockopt(zmq.RCVTIMEO, 5000)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(sys.argv[1])

def call(body):
    sock.send_multipart([b"MDPC01", b"sti.ingest", body])
    frames = sock.recv_multipart()
    assert frames[0] == b"MDPC01" and frames[1] == b"sti.ingest", frames
    assert len(frames) == 3, frames
    return msgpack.unpackb(frames[2], raw=False)

r = call(msgpack.packb({"op": "echo", "id": "r1", "body": {"x": [1, 2]}}))
assert r == {"id": "r1", "ok": True, "body": {"greeting": "bonjour", "body": {"x": [1, 2]}}}, r
r = call(msgpack.packb({"op": "nope", "id": "r2", "body": None}))
assert r["id"] == "r2" and r["ok"] is False, r
assert r["error"]["code"] == "invalid_argument" and r["error"]["message"] == "unknown op nope", r
r = call(b"\xc1garbage")
assert r["id"] == "" and r["error"]["code"] == "invalid_argument", r
r = call(msgpack.packb({"op": 5, "id": "r3"}))
assert r["id"] == "r3" and r["error"]["code"] == "invalid_argument", r
r = call(msgpack.packb({"op": "fail", "id": "r4"}))
assert r["id"] == "r4" and r["error"]["code"] == "internal", r
r = call(msgpack.packb({"op": "silent", "id": "r5"}))
assert r["id"] == "r5" and r["error"]["code"] == "internal", r
r = call(msgpack.packb({"op": "broken", "id": "r5b"}))
assert r["id"] == "r5b" and r["error"]["code"] == "internal", r
r = call(msgpack.packb({"op": "missing", "id": "r6"}))
assert r["error"]["code"] == "not_found" and len(r["error"]["details"]) == 2, r
r = call(msgpack.packb({"op": "ticks", "id": "r7"}))
assert r["ok"] and r["body"] >= 1, r
# Two frames are not one request: still exactly one reply.
sock.send_multipart([b"MDPC01", b"sti.ingest", msgpack.packb({"op": "echo", "id": "r8"}), b"x"])
frames = sock.recv_multipart()
r = msgpack.unpackb(frames[2], raw=False)
assert r["id"] == "r8" and r["error"]["message"] == "a request is one frame, got 2", r
PY

metrics=$(curl -sf "http://127.0.0.1:$http/metrics")
for line in 'sti_requests_total{op="echo",code="ok"} 1' \
            'sti_requests_total{op="_unknown",code="invalid_argument"} 1' \
            'sti_requests_total{op="_malformed",code="invalid_argument"} 3' \
            'sti_requests_total{op="fail",code="internal"} 1' \
            'sti_requests_total{op="missing",code="not_found"} 1' \
            'sti_requests_total{op="broken",code="internal"} 1' \
            'sti_redis_up 1' 'sti_redis_connects_total 1' 'sti_broker_connected 1'; do
    grep -qxF "$line" <<<"$metrics" || sti_fail "metrics lack '$line': $metrics"
done
[ "$(grep -c '^# TYPE sti_requests_total counter$' <<<"$metrics")" -eq 1 ] || sti_fail "TYPE repeated"

# stictl sees the service, an error reply prints code and details.
rc=0; stictl --timeout 2000 health >"$T/health" || rc=$?
grep -qx "sti.ingest up" "$T/health" || sti_fail "health: $(cat "$T/health")"
[ "$rc" -eq 1 ] || sti_fail "health with services down exited $rc"

# Redis going away makes the service not ready; coming back makes it ready.
sti_stop redis
sti_wait_for 15 bash -c "! curl -sf http://127.0.0.1:$http/readyz"
curl -sf "http://127.0.0.1:$http/healthz" >/dev/null || sti_fail "healthz failed without Redis"
mkdir -p "$T/redis"
sti_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$T/redis" \
    --appendonly yes --save '' --daemonize no --loglevel warning
sti_wait_for 30 curl -sf "http://127.0.0.1:$http/readyz"
curl -sf "http://127.0.0.1:$http/metrics" | grep -qx 'sti_redis_connects_total 2' ||
    sti_fail "the reconnect is not counted: $(curl -sf "http://127.0.0.1:$http/metrics" | grep connects)"

# Without CURVE every caller is local/admin (the log says so), an admin-only
# op answers, and a write-limited op answers rate_limited after the burst,
# but not a dry run of an op that has one.
grep -q '"CURVE off' "$T/service.log" || sti_fail "the frame did not log that CURVE is off"
sti_spawn limited frame_service --service sti.limits --write-rate 0.1 --write-burst 2
sti_wait_service sti.limits
/usr/bin/python3 - "$STI_BROKER" <<'PY' || sti_fail "roles and rate limits in the frame"
import sys, zmq, msgpack
sock = zmq.Context().socket(zmq.REQ)
sock.setsockopt(zmq.RCVTIMEO, 5000)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(sys.argv[1])
def call(op, i):
    sock.send_multipart([b"MDPC01", b"sti.limits", msgpack.packb({"op": op, "id": i, "body": None})])
    return msgpack.unpackb(sock.recv_multipart()[2], raw=False)
assert call("admin.only", "a")["ok"]
assert call("write", "w1")["ok"] and call("write", "w2")["ok"]
r = call("write", "w3")
assert not r["ok"] and r["error"]["code"] == "rate_limited", r
assert r["error"]["details"][0]["field"] == "retry_after_ms", r
assert 0 < int(r["error"]["details"][0]["reason"]) <= 10000, r
assert call("echo", "e")["ok"]  # other ops are not limited
def check(i, dry_run):
    sock.send_multipart([b"MDPC01", b"sti.limits",
                         msgpack.packb({"op": "check", "id": i, "body": {"dry_run": dry_run}})])
    return msgpack.unpackb(sock.recv_multipart()[2], raw=False)
# A dry run is not a write: it takes no token, however many come.
for n in range(10):
    assert check("d%d" % n, True)["ok"], n
r = check("c1", False)
assert not r["ok"] and r["error"]["code"] == "rate_limited", r
PY
sti_stop limited

# SIGTERM: exits 0, promptly.
start=$(date +%s)
rc=0; sti_stop service TERM || rc=$?
[ "$rc" -eq 0 ] || sti_fail "SIGTERM gave exit $rc"
[ $(( $(date +%s) - start )) -le 5 ] || sti_fail "SIGTERM took too long"
echo ok
