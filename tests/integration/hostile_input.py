#!/usr/bin/python3
"""Hostile input through the wire against sti-broker and every worker
service, with plain pyzmq and msgpack (written from docs/protocol.md, not
the project's library). Every wait is a bounded poll.

  hostile_input.py BROKER_ENDPOINT BROKER_PID SERVICE=PID...

SERVICE is a Majordomo service name (sti.ingest, ...), PID its process.
Checks, in order:
  maxmsg  a ZMTP peer declaring a 1 GB frame is disconnected by the broker
          (ZMQ_MAXMSGSIZE) without the broker allocating it; a 17 MB
          message is cut the same way; a 15 MB request, which the broker
          may forward, gets invalid_argument from each service
  codec   per service: an array header claiming 2^32-1 elements in five
          bytes, nesting 1,000 deep, op / id / body strings that are not
          UTF-8, each as the whole request and inside a valid envelope:
          invalid_argument with a reason (and the id when it was readable)
  blobs   100,000 seeded random blobs ($STI_HOSTILE_BLOBS), shared out over
          the services and sent to all at once, pipelined (a window of
          requests in flight on each, replies read as they come, against a
          deadline): one invalid_argument reply each
  garbage as many seeded random multi-frame messages at the broker itself
After each check every service (and the broker) still answers a good
request, and at the end no process grew by more than 64 MB (VmRSS and VmHWM
from /proc/PID/status, against a baseline taken after one warm-up request)
unless STI_SANITIZED is set (ASan's quarantine holds freed memory), when the
growth is printed only. Exits 0 when everything holds, 1 with a reason."""
import os
import random
import socket
import struct
import sys
import time

import msgpack
import zmq
import zmq.utils.monitor

BROKER = sys.argv[1]
BROKER_PID = int(sys.argv[2])
SERVICES = [(arg.split("=")[0], int(arg.split("=")[1])) for arg in sys.argv[3:]]
BLOBS = int(os.environ.get("STI_HOSTILE_BLOBS", "100000"))
WINDOW = 1000            # requests in flight per service (the broker queues 10,000)
GROWTH_KB = 64 * 1024    # the bound on memory growth
ctx = zmq.Context()


def fail(why):
    print("FAIL: " + why, file=sys.stderr)
    sys.exit(1)


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as file:
        for line in file:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    fail("no %s for pid %d (did it die?)" % (field, pid))


def alive(pid, what):
    try:
        os.kill(pid, 0)
    except OSError:
        fail("%s (pid %d) died" % (what, pid))


def client():
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.rcvhwm = 0
    sock.sndhwm = 0
    sock.connect(BROKER)
    return sock


def pack(value):
    return msgpack.packb(value, use_bin_type=True)


def call(service, body, seconds=10):
    """Sends one raw request body to service; returns the decoded reply map."""
    sock = client()
    sock.send_multipart([b"", b"MDPC01", service.encode(), body])
    if not sock.poll(seconds * 1000):
        sock.close()
        fail("%s did not answer within %d s" % (service, seconds))
    frames = sock.recv_multipart()
    sock.close()
    if len(frames) != 4 or frames[:3] != [b"", b"MDPC01", service.encode()]:
        fail("%s: malformed reply frames %r" % (service, frames[:3]))
    return msgpack.unpackb(frames[3], raw=False)


def expect_invalid(service, body, what, request_id=None):
    reply = call(service, body)
    error = reply.get("error") or {}
    if reply.get("ok") is not False or error.get("code") != "invalid_argument":
        fail("%s, %s: expected invalid_argument, got %r" % (service, what, reply))
    if not error.get("message"):
        fail("%s, %s: invalid_argument without a reason" % (service, what))
    if request_id is not None and reply.get("id") != request_id:
        fail("%s, %s: reply id %r, expected %r" % (service, what, reply.get("id"), request_id))


def still_answers():
    """Every service answers a well-formed request; the broker routes it."""
    alive(BROKER_PID, "sti-broker")
    for service, pid in SERVICES:
        alive(pid, service)
        rid = "probe-%d" % random.getrandbits(32)
        reply = call(service, pack({"op": "hostile.probe", "id": rid}))
        error = reply.get("error") or {}
        if reply.get("id") != rid or error.get("code") != "invalid_argument" or \
                "hostile.probe" not in error.get("message", ""):
            fail("%s: a good request after hostile input got %r" % (service, reply))


# --- maxmsg ---

def recv_exactly(raw, size, seconds=5):
    """size bytes from raw, or fail."""
    data = b""
    raw.settimeout(seconds)
    while len(data) < size:
        try:
            chunk = raw.recv(size - len(data))
        except socket.timeout:
            chunk = b""
        if not chunk:
            fail("the broker closed a raw ZMTP peer during its handshake (%r)" % data)
        data += chunk
    return data


def zmtp_dealer_connect():
    """A raw TCP peer that speaks ZMTP 3.0 (NULL mechanism) as a DEALER, step
    by step: greeting, the broker's greeting, READY, the broker's READY."""
    host, port = BROKER[len("tcp://"):].rsplit(":", 1)
    raw = socket.create_connection((host, int(port)), timeout=5)
    raw.sendall(b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") +
                b"\x00" + b"\x00" * 31)
    recv_exactly(raw, 64)
    prop = b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
    ready = b"\x05READY" + prop
    raw.sendall(b"\x04" + bytes([len(ready)]) + ready)
    flags, size = recv_exactly(raw, 2)
    if flags & 0x02:
        size = struct.unpack(">Q", bytes([size]) + recv_exactly(raw, 7))[0]
    recv_exactly(raw, size)
    return raw


def disconnected(raw, seconds):
    """True when the peer closes the connection within seconds (what it sends is read away)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        raw.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if raw.recv(65536) == b"":
                return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
    return False


def zmtp_frames(*frames):
    """Short ZMTP frames, each but the last with MORE."""
    out = b""
    for i, frame in enumerate(frames):
        out += bytes([1 if i + 1 < len(frames) else 0, len(frame)]) + frame
    return out


def raw_peer_works():
    """The raw peer is a peer the broker accepts: it gets an answer to MMI,
    so a disconnect below is the size's doing, not the handshake's."""
    raw = zmtp_dealer_connect()
    raw.sendall(zmtp_frames(b"", b"MDPC01", b"mmi.service", b"no.such.service"))
    got = b""
    deadline = time.monotonic() + 5
    while b"404" not in got and time.monotonic() < deadline:
        raw.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = raw.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        got += chunk
    raw.close()
    if b"404" not in got:
        fail("a raw ZMTP peer got no MMI answer from the broker: %r" % got[-80:])


def step_maxmsg():
    raw_peer_works()
    hwm_before = status_kb(BROKER_PID, "VmHWM")
    raw = zmtp_dealer_connect()
    # delimiter frame (MORE), then a long frame that declares 2^30 bytes and sends 1 KB of them
    raw.sendall(b"\x01\x00" + b"\x02" + struct.pack(">Q", 1 << 30) + b"x" * 1024)
    if not disconnected(raw, 5):
        fail("the broker kept a peer that declared a 1 GB frame")
    raw.close()
    if status_kb(BROKER_PID, "VmHWM") - hwm_before > GROWTH_KB:
        fail("a declared 1 GB frame grew the broker by %d kB" %
             (status_kb(BROKER_PID, "VmHWM") - hwm_before))
    # 17 MB really sent through libzmq: the broker drops the connection
    sock = client()
    monitor = sock.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
    sock.send_multipart([b"", b"MDPC01", SERVICES[0][0].encode() if SERVICES else b"x",
                         b"\x00" * (17 * 1024 * 1024)])
    deadline = time.monotonic() + 10
    cut = False
    while time.monotonic() < deadline and not cut:
        if monitor.poll(100):
            event = zmq.utils.monitor.recv_monitor_message(monitor)
            cut = event["event"] == zmq.EVENT_DISCONNECTED
    sock.disable_monitor()
    monitor.close()
    sock.close()
    if not cut:
        fail("the broker kept a peer that sent a 17 MB message")
    still_answers()
    # 15 MB passes the broker's cap; each service refuses it with a reason
    big = pack({"op": "x", "id": "big", "body": b"\x00" * (15 * 1024 * 1024)})
    for service, _ in SERVICES:
        expect_invalid(service, big, "a 15 MB request")
    still_answers()


# --- codec ---

def envelope_raw(body_bytes, op=b"\xa8obs.test", rid=b"\xa3r-1"):
    """A request map {op, id, body} whose values are given encoded."""
    return b"\x83" + b"\xa2op" + op + b"\xa2id" + rid + b"\xa4body" + body_bytes


def step_codec():
    array_lie = b"\xdd\xff\xff\xff\xff"
    map_lie = b"\xdf\xff\xff\xff\xff"
    nested = b"\x91" * 1000 + b"\x01"
    nested_maps = b"\x81\xa1k" * 1000 + b"\x01"
    bad_utf8 = [b"\xa2\xc3\x28", b"\xa3\xed\xa0\x80", b"\xa4\xf4\x90\x80\x80", b"\xa2\xc0\xaf"]
    for service, _ in SERVICES:
        cases = [
            (array_lie, "an array of 2^32-1 elements in five bytes", None),
            (map_lie, "a map of 2^32-1 pairs in five bytes", None),
            (nested, "arrays nested 1,000 deep", None),
            (nested_maps, "maps nested 1,000 deep", None),
            (envelope_raw(array_lie), "a body of 2^32-1 elements", None),
            (envelope_raw(nested), "a body nested 1,000 deep", None),
            (b"", "an empty frame", None),
        ]
        for text in bad_utf8:
            cases.append((envelope_raw(b"\xc0", op=text), "an op that is not UTF-8", None))
            cases.append((envelope_raw(b"\xc0", rid=text), "an id that is not UTF-8", None))
            cases.append((envelope_raw(b"\x81\xa1k" + text), "a body string not UTF-8 (unknown op)",
                          "r-1"))
        for body, what, rid in cases:
            expect_invalid(service, body, what, rid)
    still_answers()


# --- blobs ---

def random_blob(rng):
    """Random bytes, half of them starting like a MessagePack container."""
    size = rng.choice((0, 1, 2, 5, 9, 17, 33, 64, 200))
    blob = bytes(rng.getrandbits(8) for _ in range(size))
    if size and rng.random() < 0.5:
        blob = bytes([rng.choice((0x80, 0x81, 0x83, 0x90, 0x93, 0xdc, 0xdd, 0xde, 0xdf, 0xc1))]) + blob
    return blob


def step_blobs():
    """All services at once: a window of requests in flight on each, every
    reply read as soon as it is there, the window refilled in bursts."""
    rng = random.Random(20260101)
    blobs = [random_blob(rng) for _ in range(min(BLOBS, 5000))]
    each = max(1, BLOBS // len(SERVICES))
    socks = {service: client() for service, _ in SERVICES}
    sent = {service: 0 for service in socks}
    received = {service: 0 for service in socks}
    refused = {service: 0 for service in socks}
    poller = zmq.Poller()
    for sock in socks.values():
        poller.register(sock, zmq.POLLIN)
    by_sock = {sock: service for service, sock in socks.items()}
    deadline = time.monotonic() + 120
    while any(received[s] < each for s in socks):
        for service, sock in socks.items():
            name = service.encode()
            while sent[service] < each and sent[service] - received[service] < WINDOW:
                sock.send_multipart([b"", b"MDPC01", name, blobs[sent[service] % len(blobs)]])
                sent[service] += 1
        if time.monotonic() > deadline:
            fail("random blobs: replies %r of %d each before the deadline" % (received, each))
        for sock, _ in poller.poll(1000):
            service = by_sock[sock]
            while True:
                try:
                    frames = sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                received[service] += 1
                #  the reply map is checked in full for one reply in 100
                if received[service] % 100 == 0:
                    reply = msgpack.unpackb(frames[-1], raw=False)
                    error = reply.get("error") or {}
                    if error.get("code") != "invalid_argument" or not error.get("message"):
                        fail("%s: a random blob got %r" % (service, reply))
                if b"invalid_argument" in frames[-1]:
                    refused[service] += 1
    for service, sock in socks.items():
        sock.close()
        if refused[service] != each:
            fail("%s: %d of %d random blobs got invalid_argument" %
                 (service, refused[service], each))
        print("%s: %d random blobs, each refused with invalid_argument" % (service, each))
    still_answers()


# --- garbage at the broker ---

def step_garbage():
    rng = random.Random(7)
    sock = client()
    services = [s.encode() for s, _ in SERVICES] or [b"x"]
    for i in range(BLOBS):
        count = rng.randint(1, 6)
        frames = [bytes(rng.getrandbits(8) for _ in range(rng.choice((0, 1, 6, 20))))
                  for _ in range(count)]
        kind = i % 4
        if kind == 1:
            frames = [b"", b"MDPC01"] + frames[:1]                      # no body
        elif kind == 2:
            frames = [b"", b"MDPW01", bytes([rng.randint(0, 9)])] + frames  # worker commands
        elif kind == 3:
            frames = [b"", b"MDPC01", rng.choice(services) + b"\x00"] + frames
        sock.send_multipart(frames)
    # everything sent has been read once a request behind it is answered
    sock.send_multipart([b"", b"MDPC01", b"mmi.service", services[0]])
    deadline = time.monotonic() + 60
    while True:
        if time.monotonic() > deadline:
            fail("the broker did not get through %d garbage messages in time" % BLOBS)
        if sock.poll(1000):
            frames = sock.recv_multipart()
            if frames[:3] == [b"", b"MDPC01", b"mmi.service"]:
                break
    sock.close()
    print("sti-broker: %d garbage messages dropped" % BLOBS)
    still_answers()


def main():
    still_answers()  # warm-up: the first request allocates what every later one reuses
    pids = [("sti-broker", BROKER_PID)] + [(s, p) for s, p in SERVICES]
    base = {pid: (status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM")) for _, pid in pids}
    for step in (step_maxmsg, step_codec, step_blobs, step_garbage):
        started = time.monotonic()
        step()
        print("%s: %.1f s" % (step.__name__, time.monotonic() - started))
    sanitized = bool(os.environ.get("STI_SANITIZED"))
    for name, pid in pids:
        rss = status_kb(pid, "VmRSS") - base[pid][0]
        hwm = status_kb(pid, "VmHWM") - base[pid][1]
        print("%s: VmRSS grew %d kB, VmHWM %d kB" % (name, rss, hwm))
        if not sanitized and max(rss, hwm) > GROWTH_KB:
            fail("%s grew by more than 64 MB (VmRSS +%d kB, VmHWM +%d kB)" % (name, rss, hwm))


main()
