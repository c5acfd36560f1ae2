#!/usr/bin/python3
"""Slow subscribers on sti-broker's event bus, with plain pyzmq: subscribers
that never read must cost the broker a bounded amount of memory each, given
back when they leave, and (stall) be cut off when they read nothing for the
broker's subscriber_stall_ms while a fast subscriber goes on getting every
event.

  bus_slow.py XSUB XPUB METRICS_URL BROKER_PID STEP
  STEP: queue | stall
Every wait is a bounded poll. Exits 0 when the step holds, 1 with a reason."""
import os
import sys
import time
import urllib.request

import zmq

XSUB, XPUB, METRICS, PID, STEP = sys.argv[1:6]
PID = int(PID)
SANITIZED = bool(os.environ.get("STI_SANITIZED"))
ctx = zmq.Context()
ctx.setsockopt(zmq.MAX_SOCKETS, 4096)
EVENT = b"e" * 500  # about the size of an indicator.changed event


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


def kb(field):
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    fail("no %s for pid %d" % (field, PID))


def slow_subscribers(count):
    """Subscribers that never read, with the smallest buffers, so that what
    is published for them piles up in the broker. Once cut off, they stay
    away (a real one would connect again, and be cut again)."""
    subs = []
    for _ in range(count):
        sub = ctx.socket(zmq.SUB)
        sub.linger = 0
        sub.reconnect_ivl = -1
        sub.rcvhwm = 1
        sub.rcvbuf = 4096
        sub.setsockopt(zmq.SUBSCRIBE, b"ind.")
        sub.connect(XPUB)
        subs.append(sub)
    return subs


def fast_subscriber():
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.rcvhwm = 100000
    sub.setsockopt(zmq.SUBSCRIBE, b"ind.")
    sub.connect(XPUB)
    return sub


def publisher(fast, slow):
    """A publisher whose events reach every subscriber: it sends warm-up
    events until the fast one and each slow one has one waiting (a slow one
    holds one, its receive limit; nothing is read from it)."""
    pub = ctx.socket(zmq.PUB)
    pub.linger = 0
    pub.sndhwm = 100000
    pub.connect(XSUB)
    xpub = 'sti_broker_connections{socket="xpub"}'
    wait_until(20, "the subscribers to connect", lambda: metric(xpub) >= len(slow) + 1)
    deadline = time.monotonic() + 20
    waiting = list(slow)
    while True:
        pub.send_multipart([b"ind.warmup", b"w"])
        waiting = [sub for sub in waiting if not sub.poll(0)]
        if fast.poll(50) and not waiting:
            break
        if time.monotonic() > deadline:
            fail("warm-up events reached %d of %d slow subscribers"
                 % (len(slow) - len(waiting), len(slow)))
    while fast.poll(100):
        fast.recv_multipart()
    return pub


def publish(pub, fast, count):
    """Publishes count events in bursts of 500, as a service writing a batch
    would, the fast subscriber reading them; returns how many it got."""
    got = 0
    for i in range(count):
        pub.send_multipart([b"ind.x.%d" % i, EVENT])
        if i % 500 == 499:
            while got < i + 1 and fast.poll(1000):
                fast.recv_multipart()
                got += 1
    deadline = time.monotonic() + 10
    while got < count and time.monotonic() < deadline:
        if fast.poll(200):
            fast.recv_multipart()
            got += 1
    return got


def step_queue():
    base = kb("VmRSS")
    fast = fast_subscriber()
    subs = slow_subscribers(200)
    pub = publisher(fast, subs)
    got = publish(pub, fast, 20000)
    if got != 20000:
        fail("the fast subscriber got %d of 20,000 events" % got)
    # The fast subscriber has every event, so the broker has queued each one
    # for every slow subscriber too: what it holds is in its resident set now.
    full, peak = kb("VmRSS"), kb("VmHWM")
    for sub in subs:
        sub.close()
    xpub = 'sti_broker_connections{socket="xpub"}'
    wait_until(20, "the slow subscribers to be gone", lambda: metric(xpub) == 1)
    given_back = lambda: kb("VmRSS") <= base + 8 * 1024
    if not SANITIZED:
        try:
            wait_until(10, "the memory to be given back", given_back)
        except SystemExit:
            pass
    after = kb("VmRSS")
    print("queue: rss %d kB before, %d kB with 200 slow subscribers (peak %d kB), %d kB after"
          % (base, full, peak, after))
    if SANITIZED:
        return
    if peak - base > 48 * 1024:
        fail("200 slow subscribers cost the broker %d kB (peak)" % (peak - base))
    if not given_back():
        fail("the memory of 200 slow subscribers was not given back: %d kB, %d kB before"
             % (after, base))


def step_stall():
    fast = fast_subscriber()
    subs = slow_subscribers(50)
    pub = publisher(fast, subs)
    xpub = 'sti_broker_connections{socket="xpub"}'
    cut = 'sti_broker_connections_cut_total{reason="stalled"}'
    before = metric(cut)
    got = 0
    deadline = time.monotonic() + 30
    i = 0
    # Keep publishing (the fast subscriber reading) until the slow ones are cut.
    while metric(xpub) > 1 and time.monotonic() < deadline:
        for _ in range(200):
            pub.send_multipart([b"ind.y.%d" % i, EVENT])
            i += 1
        while fast.poll(20):
            fast.recv_multipart()
            got += 1
    if metric(xpub) != 1:
        fail("the stalled subscribers were not cut off: %d connections" % metric(xpub))
    wait_until(5, "the cut to be counted", lambda: metric(cut) >= before + 50)
    deadline = time.monotonic() + 10
    while got < i and time.monotonic() < deadline:
        if fast.poll(200):
            fast.recv_multipart()
            got += 1
    if got != i:
        fail("the fast subscriber got %d of %d events" % (got, i))
    for sub in subs:
        sub.close()
    print("stall: 50 stalled subscribers cut, the fast one got all %d events" % i)


{"queue": step_queue, "stall": step_stall}[STEP]()
print("ok: " + STEP)
