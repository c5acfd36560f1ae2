#!/usr/bin/python3
"""idle_peers.py: many idle connections to a ZeroMQ endpoint, for the tests
of the broker's limits. Raw TCP with the ZMTP 3.0 NULL handshake written
here (the greeting and a READY command as a DEALER), so that one process
holds thousands of connections without a libzmq socket for each.

    idle_peers.py HOST:PORT COUNT [--silent] [--no-pong]

Opens COUNT connections (at most 256 being set up at once), each from a
loopback address 127.0.0.2..127.0.0.9 so the test does not run short of
local ports. With the handshake (the default) a connection counts as open
once the broker's greeting and READY have arrived; --silent sends nothing
at all, and counts a connection as open once TCP connected. A connection
the broker closes counts as closed. When every connection is settled it
prints one line, {"open": N, "closed": M}, then keeps the open ones and
reads what arrives (answering nothing, so ZMTP heartbeats go unanswered),
and on each later close prints {"open": N, "closed": M} again, until it
is killed (SIGTERM closes everything and exits 0)."""
import json
import resource
import selectors
import signal
import socket
import struct
import sys

host, port = sys.argv[1].rsplit(":", 1)
port = int(port)
count = int(sys.argv[2])
silent = "--silent" in sys.argv[3:]

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

GREETING = (b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL" + b"\x00" * 16
            + b"\x00" + b"\x00" * 31)
PROPERTY = b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
READY = b"\x05READY" + PROPERTY
HELLO = GREETING + bytes([0x04, len(READY)]) + READY
NEEDED = 64 + 2 + len(READY)  # the broker's greeting and its READY (same size)

sel = selectors.EpollSelector()
state = {}  # socket -> bytes received so far (or -1 once connected, silent)
started = opened = closed = setting_up = 0
settled = False
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def report():
    print(json.dumps({"open": opened, "closed": closed}), flush=True)


def start_one(i):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.%d" % (2 + i % 8), 0))
    sock.setblocking(False)
    try:
        sock.connect((host, port))
    except BlockingIOError:
        pass
    state[sock] = None  # connecting
    sel.register(sock, selectors.EVENT_WRITE)


def settle(sock):
    """The connection is no longer being set up."""
    global setting_up
    setting_up -= 1


def close(sock, was_open):
    global closed, opened
    got = state[sock]
    if got is None or (got != -1 and got < NEEDED):
        settle(sock)
    sel.unregister(sock)
    sock.close()
    del state[sock]
    closed += 1
    if was_open:
        opened -= 1


def on_event(sock, mask):
    global opened
    got = state[sock]
    if got is None:  # connect finished
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
            close(sock, False)
            return
        if silent:
            state[sock] = -1
            opened += 1
            settle(sock)
            sel.modify(sock, selectors.EVENT_READ)
            return
        try:
            sock.send(HELLO)
        except OSError:
            close(sock, False)
            return
        state[sock] = 0
        sel.modify(sock, selectors.EVENT_READ)
        return
    try:
        data = sock.recv(65536)
    except OSError:
        data = b""
    if not data:
        close(sock, got == -1 or got >= NEEDED)
        return
    if got != -1:
        if got < NEEDED <= got + len(data):
            opened += 1
            settle(sock)
        state[sock] = got + len(data)


while True:
    while started < count and setting_up < 256:
        start_one(started)
        started += 1
        setting_up += 1
    before = (opened, closed)
    for key, mask in sel.select(timeout=1.0):
        on_event(key.fileobj, mask)
    if not settled and started == count and setting_up == 0:
        settled = True
        report()
    elif settled and (opened, closed) != before:
        report()
