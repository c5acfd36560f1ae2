#!/usr/bin/python3
"""Hostile peers against sti-broker, with plain pyzmq. Each check talks raw
frames and reads the broker's /metrics; every wait is a bounded poll.

  mdp_hostile.py ENDPOINT METRICS_URL BROKER_PID STEP
  STEP: malformed | refuse | expire | cap | broken
The broker must run with request_timeout_ms about 1000 (expire) and the
default queue caps (cap). Exits 0 when the step holds, 1 with a reason."""
import os
import sys
import time
import urllib.request

import msgpack
import zmq

ENDPOINT, METRICS, PID, STEP = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = zmq.Context()


def fail(why):
    print("FAIL: " + why, file=sys.stderr)
    sys.exit(1)


def metric(name):
    text = urllib.request.urlopen(METRICS, timeout=5).read().decode()
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) == 2 and parts[0] == name:
            return int(parts[1])
    return 0


def wait_until(seconds, what, check):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def proc_status(field):
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB
    fail("no %s for pid %d" % (field, PID))


def dealer():
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 2000  # what was sent before close still goes out
    sock.connect(ENDPOINT)
    return sock


def recv(sock, ms=3000):
    if sock.poll(ms) == 0:
        return None
    return sock.recv_multipart()


def echo_works():
    """A well-formed request is still answered (the broker is alive and sane)."""
    sock = dealer()
    sock.send_multipart([b"", b"MDPC01", b"echo", b"still-there"])
    reply = recv(sock)
    sock.close()
    if not reply or reply[:4] != [b"", b"MDPC01", b"echo", b"still-there"]:
        fail("a normal request after hostile input got %r" % reply)


def step_malformed():
    before = metric("sti_broker_malformed_total")
    sock = dealer()
    bad = [
        [b"", b"MDPC01", b"echo"],               # request with no body frame
        [b"", b"MDPC01"],                        # no service
        [b""],                                   # delimiter only
        [b"garbage"],                            # no delimiter
        [b"", b"XXXX01", b"echo", b"x"],         # unknown header
        [b"", b"MDPW01", b"\x09"],               # unknown worker command
        [b"", b"MDPW01", b"\x02", b"c", b"", b"x"],  # REQUEST is not a worker's command
        [b"", b"MDPW01", b"\x03", b"c"],         # REPLY missing frames
        [b"", b"MDPC01", b"bad name", b"x"],     # invalid service name
        [os.urandom(50), os.urandom(3), os.urandom(7000)],
    ]
    flood = 2000  # random blobs: counted each, logged at most once a second
    for frames in bad:
        sock.send_multipart(frames)
    for _ in range(flood):
        sock.send_multipart([os.urandom(16)])
    sock.close()
    total = len(bad) + flood
    wait_until(10, "malformed count +%d" % total,
               lambda: metric("sti_broker_malformed_total") >= before + total)
    echo_works()


def expect_disconnect(frames_list, what):
    sock = dealer()
    for frames in frames_list:
        sock.send_multipart(frames)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        reply = recv(sock, 200)
        if reply == [b"", b"MDPW01", b"\x05"]:
            sock.close()
            return
    fail(what + ": no DISCONNECT")


def step_refuse():
    expect_disconnect([[b"", b"MDPW01", b"\x01", b"mmi.x"]], "READY mmi.x")
    expect_disconnect([[b"", b"MDPW01", b"\x01", b"bad name"]], "READY with an invalid name")
    expect_disconnect([[b"", b"MDPW01", b"\x03", b"client", b"", b"x"]], "REPLY from an unknown worker")
    expect_disconnect([[b"", b"MDPW01", b"\x04"]], "HEARTBEAT from an unknown worker")
    expect_disconnect([[b"", b"MDPW01", b"\x01", b"twice"], [b"", b"MDPW01", b"\x01", b"twice"]],
                      "READY twice")
    # The mmi.x worker is not registered: MMI says 404.
    sock = dealer()
    sock.send_multipart([b"", b"MDPC01", b"mmi.service", b"mmi.x"])
    reply = recv(sock)
    if reply != [b"", b"MDPC01", b"mmi.service", b"404"]:
        fail("mmi.service mmi.x: %r" % reply)
    echo_works()


def step_expire():
    name = 'sti_broker_requests_dropped_total{reason="expired"}'
    before = metric(name)
    sock = dealer()
    sock.send_multipart([b"", b"MDPC01", b"absent", b"will-expire"])
    wait_until(2, "the request to be queued",
               lambda: metric('sti_broker_queue_depth{service="absent"}') == 1)
    wait_until(5, "the request to expire", lambda: metric(name) == before + 1)
    if metric('sti_broker_queue_depth{service="absent"}') != 0:
        fail("the expired request is still queued")
    if recv(sock, 100) is not None:
        fail("an expired request was answered")
    sock.close()


def step_cap():
    total, size = 30000, 10 * 1024
    name = 'sti_broker_requests_dropped_total{reason="queue_full"}'
    before = metric(name)
    body = b"q" * size
    sock = dealer()
    sock.sndhwm = 1000
    for i in range(total):
        sock.send_multipart([b"", b"MDPC01", b"absent.cap", b"%d" % i, body], copy=False)
    # Every request was either queued or dropped as over the cap.
    wait_until(60, "the broker to take every request",
               lambda: metric('sti_broker_queue_depth{service="absent.cap"}')
               + metric(name) - before
               + metric('sti_broker_requests_dropped_total{reason="expired"}') >= total)
    rss, hwm = proc_status("VmRSS"), proc_status("VmHWM")
    queued_bytes = metric("sti_broker_queued_bytes")
    print("cap: rss %d kB, peak %d kB, queued bytes %d, dropped %d"
          % (rss, hwm, queued_bytes, metric(name) - before))
    if metric(name) - before < total // 2:
        fail("the queue cap did not drop what is over it")
    if queued_bytes > 32 * 1024 * 1024:
        fail("more than 32 MB queued")
    # AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.
    if hwm > 64 * 1024 and not os.environ.get("STI_SANITIZED"):
        fail("broker peak RSS %d kB is over 64 MB" % hwm)
    sock.close()
    echo_works()


def mmi(service):
    sock = dealer()
    sock.send_multipart([b"", b"MDPC01", b"mmi.service", service])
    reply = recv(sock)
    sock.close()
    return reply[3] if reply else None


def step_broken():
    """A worker that sends a malformed REPLY (no body frame, as the ZeroMQ
    guide's mdwrkapi does for an empty answer; or no empty delimiter) is sent
    DISCONNECT and forgotten, and its client gets an error it can see."""
    for variant, tail in (("no body", [b""]), ("no delimiter", [b"answer"])):
        service = b"broken.svc"
        worker = dealer()
        worker.send_multipart([b"", b"MDPW01", b"\x01", service])
        wait_until(5, "the worker to register", lambda: mmi(service) == b"200")
        client = dealer()
        request_id = "req-" + variant.replace(" ", "-")
        envelope = msgpack.packb({"op": "x.get", "id": request_id, "body": None})
        client.send_multipart([b"", b"MDPC01", service, envelope])
        request = recv(worker)
        while request and request[2] == b"\x04":  # heartbeats
            request = recv(worker)
        if not request or request[2] != b"\x02":
            fail("%s: the worker got no REQUEST: %r" % (variant, request))
        worker.send_multipart([b"", b"MDPW01", b"\x03", request[3]] + tail)
        got = recv(worker)
        while got and got[2] == b"\x04":
            got = recv(worker)
        if got != [b"", b"MDPW01", b"\x05"]:
            fail("%s: the worker got no DISCONNECT: %r" % (variant, got))
        reply = recv(client)
        if not reply or reply[:3] != [b"", b"MDPC01", service]:
            fail("%s: the client got no answer: %r" % (variant, reply))
        body = msgpack.unpackb(reply[3], raw=False)
        if body.get("ok") is not False or body["error"]["code"] != "unavailable" \
                or body["id"] != request_id:
            fail("%s: the client's answer: %r" % (variant, body))
        if mmi(service) != b"404":
            fail("%s: mmi.service still says the broken worker is there" % variant)
        worker.close()
        client.close()
    # The broker goes on serving.
    client = dealer()
    client.send_multipart([b"", b"MDPC01", b"echo", b"after-broken"])
    reply = recv(client)
    if not reply or reply[3] != b"after-broken":
        fail("a request after the broken workers: %r" % reply)
    client.close()


{"malformed": step_malformed, "refuse": step_refuse, "expire": step_expire,
 "cap": step_cap, "broken": step_broken}[STEP]()
print("ok: " + STEP)
