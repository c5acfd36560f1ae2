#!/usr/bin/env bash
# A broker that did not run for a while (stopped with SIGSTOP here; on a
# loaded machine, starved of CPU) does not drop the workers whose heartbeats
# wait unread in its socket: its loop runs the tick before it reads them, and
# time it did not run is not the workers' silence. A worker that heartbeats
# all along keeps its registration and gets the next request; one that went
# silent is still dropped.
. "$STI_SOURCE/tests/lib.sh"

# 500 ms heartbeats: a worker silent for 1.5 s is dead, which a test process
# on a loaded machine does not come near while it heartbeats every 100 ms.
export STI_HEARTBEAT_MS=500
sti_start_broker
/usr/bin/python3 - "$STI_BROKER" "http://127.0.0.1:$BROKER_HTTP/metrics" "${STI_PIDS[broker]}" <<'PY' \
    || sti_fail "a paused broker dropped a worker that heartbeated"
import os, signal, sys, time, urllib.request
import zmq

endpoint, metrics, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = zmq.Context()
HEARTBEAT, DISCONNECT, REQUEST = b"\x04", b"\x05", b"\x02"


def metric(name):
    text = urllib.request.urlopen(metrics, timeout=5).read().decode()
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) == 2 and parts[0] == name:
            return int(parts[1])
    return 0


def fail(why):
    os.kill(pid, signal.SIGCONT)
    sys.exit("FAIL: " + why)


def dealer():
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(endpoint)
    return sock


def worker(service):
    sock = dealer()
    sock.send_multipart([b"", b"MDPW01", b"\x01", service])
    return sock


def beat(sock, seconds, until=None):
    """Heartbeats every 100 ms for seconds (or until until() holds), reading
    what the broker sends: returns the commands received, in order."""
    got = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until()):
        sock.send_multipart([b"", b"MDPW01", HEARTBEAT])
        while sock.poll(100):
            got.append(sock.recv_multipart()[2])
    return got


expired_name = "sti_broker_workers_expired_total"
alive = lambda s: metric('sti_broker_workers_alive{service="%s"}' % s)
steady = worker(b"pause.steady")
silent = worker(b"pause.silent")
beat(steady, 10, until=lambda: alive("pause.steady") == 1 and alive("pause.silent") == 1)
if alive("pause.steady") != 1 or alive("pause.silent") != 1:
    fail("the workers did not register")
expired = metric(expired_name)

# Stopped for 4 s, more than twice the liveness (3 x 500 ms); the steady
# worker heartbeats on, the silent one says nothing.
os.kill(pid, signal.SIGSTOP)
beat(steady, 4)
os.kill(pid, signal.SIGCONT)
# Once the broker has sent two heartbeats after it ran again, it has read
# what the steady worker sent while it was stopped.
resumed = []
deadline = time.monotonic() + 30
while resumed.count(HEARTBEAT) < 2 and DISCONNECT not in resumed and time.monotonic() < deadline:
    resumed += beat(steady, 0.1)
if DISCONNECT in resumed:
    fail("the steady worker was sent DISCONNECT after the pause: %r" % resumed)
if resumed.count(HEARTBEAT) < 2:
    fail("no heartbeats from the broker after the pause: %r" % resumed)
if alive("pause.steady") != 1 or metric(expired_name) != expired:
    fail("the steady worker was dropped: alive %d, expired %d -> %d"
         % (alive("pause.steady"), expired, metric(expired_name)))
# It keeps its registration: the next request is handed to it.
client = dealer()
client.send_multipart([b"", b"MDPC01", b"pause.steady", b"after-pause"])
request = None
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    steady.send_multipart([b"", b"MDPW01", HEARTBEAT])
    if steady.poll(100):
        frames = steady.recv_multipart()
        if frames[2] == REQUEST:
            request = frames
            break
if not request or request[-1] != b"after-pause":
    fail("the steady worker did not get the request after the pause: %r" % request)
# The silent worker is dropped, after the pause as before it.
beat(steady, 30, until=lambda: alive("pause.silent") == 0)
if alive("pause.silent") != 0 or metric(expired_name) != expired + 1:
    fail("the silent worker was not dropped: alive %d, expired %d -> %d"
         % (alive("pause.silent"), expired, metric(expired_name)))
print("ok: the steady worker kept after a pause of 4 s, the silent one dropped")
PY
grep -q 'the broker did not run for' "$T/broker.log" || sti_fail "no log line for the pause"
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
