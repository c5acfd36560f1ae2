#!/usr/bin/python3
"""Hostile peers against sti-broker, with plain pyzmq. Each check talks raw
frames and reads the broker's /metrics; every wait is a bounded poll.

  mdp_hostile.py ENDPOINT METRICS_URL BROKER_PID STEP
  STEP: malformed | refuse | expire | cap | broken | multipart | wire
The broker must run with request_timeout_ms about 1000 (expire; the script
reads it from $STI_REQUEST_TIMEOUT_MS) and the default queue caps (cap).
Exits 0 when the step holds, 1 with a reason."""
import os
import socket
import struct
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
    """A request for a service no worker serves is queued, dropped once its
    deadline (request_timeout_ms, from $STI_REQUEST_TIMEOUT_MS) has passed,
    and never answered. The queue depth of 1 is seen only while this side is
    quick enough: on a loaded machine the first look may come after the
    deadline, so what proves the request was held is the time of its expiry,
    never sooner than its deadline after it was sent."""
    name = 'sti_broker_requests_dropped_total{reason="expired"}'
    timeout_s = int(os.environ["STI_REQUEST_TIMEOUT_MS"]) / 1000
    before = metric(name)
    sock = dealer()
    sent_at = time.monotonic()
    sock.send_multipart([b"", b"MDPC01", b"absent", b"will-expire"])
    seen = {"queued": False}

    def queued_or_expired():
        seen["queued"] = seen["queued"] or \
            metric('sti_broker_queue_depth{service="absent"}') == 1
        return seen["queued"] or metric(name) > before

    wait_until(10, "the request to be queued", queued_or_expired)
    wait_until(10 + timeout_s, "the request to expire", lambda: metric(name) >= before + 1)
    held = time.monotonic() - sent_at
    if held < timeout_s:
        fail("the request expired %.2f s after it was sent, before its deadline of %.2f s"
             % (held, timeout_s))
    if metric(name) != before + 1:
        fail("%d requests expired, not 1" % (metric(name) - before))
    print("expire: seen queued %s, expired after %.2f s (deadline %.2f s)"
          % (seen["queued"], held, timeout_s))
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


def heartbeat(worker):
    """Sends a worker's HEARTBEAT (a registered worker that stays silent for
    the broker's liveness, 3 heartbeat intervals, is dropped). Returns True."""
    worker.send_multipart([b"", b"MDPW01", b"\x04"])
    return True


def worker_recv(worker, ms=3000):
    """What the broker sends a worker other than a HEARTBEAT, heartbeating
    meanwhile as a worker must; None after ms."""
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        heartbeat(worker)
        got = recv(worker, 50)
        if got and got[2] != b"\x04":
            return got
    return None


def step_broken():
    """A worker that sends a malformed REPLY (no body frame, as the ZeroMQ
    guide's mdwrkapi does for an empty answer; or no empty delimiter) is sent
    DISCONNECT and forgotten, and its client gets an error it can see."""
    for variant, tail in (("no body", [b""]), ("no delimiter", [b"answer"])):
        service = b"broken.svc"
        worker = dealer()
        worker.send_multipart([b"", b"MDPW01", b"\x01", service])
        wait_until(5, "the worker to register",
                   lambda: heartbeat(worker) and mmi(service) == b"200")
        client = dealer()
        request_id = "req-" + variant.replace(" ", "-")
        envelope = msgpack.packb({"op": "x.get", "id": request_id, "body": None})
        client.send_multipart([b"", b"MDPC01", service, envelope])
        request = worker_recv(worker)
        if not request or request[2] != b"\x02":
            fail("%s: the worker got no REQUEST: %r" % (variant, request))
        worker.send_multipart([b"", b"MDPW01", b"\x03", request[3]] + tail)
        got = worker_recv(worker)
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


def step_multipart():
    """A message's total size and frame count are bounded, not only each
    frame's: three messages of 128 frames of 15 MiB (1.9 GiB each) close
    their connections and the broker's peak RSS stays far below them; so
    does a message of 100,000 empty frames. A message within the bounds
    still goes through."""
    cut_bytes = 'sti_broker_connections_cut_total{reason="message_bytes"}'
    cut_frames = 'sti_broker_connections_cut_total{reason="message_frames"}'
    before_bytes, before_frames = metric(cut_bytes), metric(cut_frames)
    big = b"m" * (15 * 1024 * 1024)
    senders, monitors = [], []

    def sender(frames):
        sock = ctx.socket(zmq.DEALER)
        sock.linger = 0
        sock.reconnect_ivl = -1  # once cut, the rest of the message is not sent again
        monitors.append(sock.get_monitor_socket(zmq.EVENT_DISCONNECTED))
        sock.connect(ENDPOINT)
        sock.send_multipart([b"", b"MDPC01", b"echo"] + frames, copy=False)
        senders.append(sock)

    for i in range(3):
        sender([big] * 128)
    sender([b""] * 100000)
    # Each connection is closed by the broker; meanwhile its peak RSS is read.
    closed = [False] * len(monitors)
    deadline = time.monotonic() + 60
    while not all(closed) and time.monotonic() < deadline:
        for i, monitor in enumerate(monitors):
            closed[i] = closed[i] or monitor.poll(50) != 0
    hwm = proc_status("VmHWM")
    print("multipart: connections closed %s, rss %d kB, peak %d kB"
          % (closed, proc_status("VmRSS"), hwm))
    for sock in senders:
        sock.disable_monitor()
        sock.close()
    for monitor in monitors:
        monitor.close()
    if hwm > 160 * 1024 and not os.environ.get("STI_SANITIZED"):
        fail("broker peak RSS %d kB is over 160 MB for messages it refused" % hwm)
    if not all(closed):
        fail("the broker did not close the connections of the messages over the bounds")
    wait_until(5, "the cuts to be counted", lambda: metric(cut_bytes) >= before_bytes + 3
               and metric(cut_frames) >= before_frames + 1)
    # A cut is counted when the broker refuses its recv; the bytes its
    # message held are let go when libzmq then closes the connection (on
    # its I/O thread, a moment later).
    wait_until(5, "the bytes of the cut messages to be let go",
               lambda: metric("sti_broker_receiving_bytes") == 0)
    # Within the bounds: 50 frames, and a 10 MiB body, are answered.
    client = dealer()
    client.send_multipart([b"", b"MDPC01", b"echo"] + [b"f%d" % i for i in range(50)])
    reply = recv(client)
    if not reply or reply[3:53] != [b"f%d" % i for i in range(50)]:
        fail("a message of 50 frames was not answered: %r" % (reply and reply[:5]))
    body = b"b" * (10 * 1024 * 1024)
    client.send_multipart([b"", b"MDPC01", b"echo", body])
    reply = recv(client, 10000)
    if not reply or reply[3] != body:
        fail("a message of 10 MiB was not answered")
    client.close()
    echo_works()


def raw_zmtp(version=3):
    """A TCP connection that speaks ZMTP by hand: the greeting of version (3:
    NULL, as a DEALER; 2: what libzmq 3 sends)."""
    host, port = ENDPOINT[len("tcp://"):].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if version == 2:
        return sock, b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x01" + b"\x05"  # revision 1, DEALER
    ready = b"\x05READY\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
    return sock, (b"\xff" + b"\x00" * 8 + b"\x7f\x03\x00NULL" + b"\x00" * 16 + b"\x00" * 32
                  + bytes([0x04, len(ready)]) + ready)


def frames_bytes(frames):
    out = b""
    for i, frame in enumerate(frames):
        more = 0x01 if i < len(frames) - 1 else 0
        if len(frame) > 255:
            out += bytes([more | 0x02]) + struct.pack(">Q", len(frame)) + frame
        else:
            out += bytes([more, len(frame)]) + frame
    return out


def read_until(sock, needle, seconds):
    got = b""
    deadline = time.monotonic() + seconds
    while needle not in got and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return got, True
        got += chunk
    return got, False


def step_wire():
    """The broker follows ZMTP frame headers however TCP splits them: a
    request sent one byte at a time (a long frame among them) is answered;
    a ZMTP 2.0 greeting is cut."""
    sock, hello = raw_zmtp()
    payload = b"p" * 300  # more than 255 bytes: an 8-byte size
    stream = hello + frames_bytes([b"", b"MDPC01", b"echo", b"one-byte", payload])
    for i in range(len(stream)):
        sock.send(stream[i:i + 1])
        time.sleep(0.0005)
    got, closed = read_until(sock, payload, 5)
    sock.close()
    if payload not in got or b"one-byte" not in got:
        fail("a request sent a byte at a time was not answered (closed %s)" % closed)
    name = 'sti_broker_connections_cut_total{reason="protocol"}'
    before = metric(name)
    sock, hello = raw_zmtp(version=2)
    sock.send(hello)
    _, closed = read_until(sock, b"never", 5)
    sock.close()
    if not closed:
        fail("a ZMTP 2.0 peer was not cut")
    wait_until(5, "the ZMTP 2.0 peer to be counted", lambda: metric(name) == before + 1)
    echo_works()


{"malformed": step_malformed, "refuse": step_refuse, "expire": step_expire,
 "cap": step_cap, "broken": step_broken, "multipart": step_multipart,
 "wire": step_wire}[STEP]()
print("ok: " + STEP)
