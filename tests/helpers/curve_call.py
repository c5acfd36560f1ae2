#!/usr/bin/python3
"""curve_call.py: requests to the broker through CURVE, written from
docs/protocol.md with plain pyzmq and msgpack, for the CURVE tests.

Keys come from the environment like every STI client: STI_CURVE_CERT (this
client's CZMQ secret certificate) and STI_CURVE_BROKER_KEY (the broker's
public certificate file, or its Z85 key); the broker from STI_BROKER.

    curve_call.py mmi SERVICE            exit 0 when the service has a worker
    curve_call.py call SERVICE OP BODY   prints the reply as JSON; exit 1 on no reply
    curve_call.py plain SERVICE          no encryption at all: exit 0 when NOT answered
    curve_call.py revoke SERVICE OP BODY CERT METRICS_URL
        on one connection: a call is answered; then CERT (this client's public
        certificate in the allow-list) is removed, and once the broker's
        sti_broker_allowed_keys has dropped, the same connection's next call
        must go unanswered. Exit 0 when so.
    curve_call.py bus-revoke PUB_CERT KEPT_CERT CERT METRICS_URL
        two subscribers, this client's key and KEPT_CERT's, both get events
        published with PUB_CERT's key; then CERT (this client's public
        certificate in the allow-list) is removed, and once the broker has
        made its XPUB again, events reach KEPT_CERT's subscriber (connected
        again by libzmq) and never this client's. Exit 0 when so.
    curve_call.py bus PUB_CERT [TOPIC] an event on TOPIC (default tst.1)
        published with PUB_CERT's key (to STI_EVENTS_PUB) reaches a subscriber
        with this key (on STI_EVENTS_SUB): exit 0 when it arrives, 3 when it
        does not within the timeout
    curve_call.py ready SERVICE        a worker with this key says READY SERVICE:
        exit 0 when the broker answers DISCONNECT, 3 when it takes the worker
        (a HEARTBEAT, or a REQUEST, arrives instead) or says nothing
    curve_call.py big FRAMES           one request of FRAMES frames of 15 MiB: exit 0
        when the broker closes the connection before the timeout, 3 when not
Timeouts: $STI_CALL_TIMEOUT ms per call (default 5000).
"""
import json
import os
import re
import sys
import time
import urllib.request
import uuid

import msgpack
import zmq

TIMEOUT = int(os.environ.get("STI_CALL_TIMEOUT", "5000"))


def cert_keys(path):
    """(public, secret) Z85 keys of a CZMQ certificate file; secret may be None."""
    text = open(path, encoding="utf-8").read()
    public = re.search(r'public-key\s*=\s*"([^"]{40})"', text)
    secret = re.search(r'secret-key\s*=\s*"([^"]{40})"', text)
    return public.group(1), secret.group(1) if secret else None


def socket(curve=True, kind=zmq.DEALER, endpoint=None, cert=None):
    sock = zmq.Context.instance().socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    if curve:
        public, secret = cert_keys(cert or os.environ["STI_CURVE_CERT"])
        broker = os.environ["STI_CURVE_BROKER_KEY"]
        server = broker if len(broker) == 40 and not os.path.exists(broker) else cert_keys(broker)[0]
        sock.curve_publickey = public.encode()
        sock.curve_secretkey = secret.encode()
        sock.curve_serverkey = server.encode()
    sock.connect(endpoint or os.environ["STI_BROKER"])
    return sock


def exchange(sock, service, body_frame):
    """Sends one request; returns the reply's body frames or None on timeout."""
    sock.send_multipart([b"", b"MDPC01", service.encode(), body_frame])
    if not sock.poll(TIMEOUT):
        return None
    frames = sock.recv_multipart()
    assert frames[:3] == [b"", b"MDPC01", service.encode()], frames
    return frames[3:]


def envelope(op, body):
    return msgpack.packb({"op": op, "id": uuid.uuid4().hex, "body": json.loads(body)},
                         use_bin_type=True)


def broker_metric(url, name):
    """The value of an unlabelled metric of the broker, or -1 when absent."""
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    match = re.search(r"^" + re.escape(name) + r" (\d+)", text, re.M)
    return int(match.group(1)) if match else -1


def allowed_keys(url):
    return broker_metric(url, "sti_broker_allowed_keys")


def main():
    what = sys.argv[1]
    if what == "mmi":
        reply = exchange(socket(), "mmi.service", sys.argv[2].encode())
        sys.exit(0 if reply == [b"200"] else 1)
    if what == "call":
        reply = exchange(socket(), sys.argv[2], envelope(sys.argv[3], sys.argv[4]))
        if reply is None:
            print("no reply", file=sys.stderr)
            sys.exit(1)
        print(json.dumps(msgpack.unpackb(reply[0], raw=False), ensure_ascii=False))
        sys.exit(0)
    if what == "plain":
        reply = exchange(socket(curve=False), "mmi.service", sys.argv[2].encode())
        sys.exit(0 if reply is None else 1)
    if what == "revoke":
        service, op, body, cert, url = sys.argv[2:7]
        sock = socket()
        if exchange(sock, service, envelope(op, body)) is None:
            sys.exit("the first call went unanswered")
        before = allowed_keys(url)
        os.remove(cert)
        deadline = time.monotonic() + 10
        while allowed_keys(url) >= before:
            if time.monotonic() > deadline:
                sys.exit("the broker did not reload its allow-list")
            time.sleep(0.05)
        if exchange(sock, service, envelope(op, body)) is not None:
            sys.exit("a revoked key was still answered on its old connection")
        sys.exit(0)
    if what == "bus-revoke":
        pub_cert, kept_cert, cert, url = sys.argv[2:6]
        revoked = socket(kind=zmq.SUB, endpoint=os.environ["STI_EVENTS_SUB"])
        kept = socket(kind=zmq.SUB, endpoint=os.environ["STI_EVENTS_SUB"], cert=kept_cert)
        for sub in (revoked, kept):
            sub.setsockopt(zmq.SUBSCRIBE, b"tst.")
        pub = socket(kind=zmq.PUB, endpoint=os.environ["STI_EVENTS_PUB"], cert=pub_cert)

        def until_kept_gets(tag, seconds, at_least=0.0):
            """Publishes tag until kept got one (and revoked too for tag 1), for at
            least at_least seconds; returns what each subscriber got."""
            got = {revoked: 0, kept: 0}
            start = time.monotonic()
            deadline = start + seconds
            while time.monotonic() < deadline and not (
                    got[kept] and (tag != b"1" or got[revoked])
                    and time.monotonic() - start >= at_least):
                pub.send_multipart([b"tst." + tag, b"hello"])
                for sub in (revoked, kept):
                    while sub.poll(20):
                        if sub.recv_multipart()[0] == b"tst." + tag:
                            got[sub] += 1
            return got

        got = until_kept_gets(b"1", TIMEOUT / 1000)
        if not (got[revoked] and got[kept]):
            sys.exit("before the revocation, the events did not reach both subscribers: %s" % got)
        rebuilt = broker_metric(url, "sti_broker_xpub_rebuilt_total")
        os.remove(cert)
        deadline = time.monotonic() + 10
        while broker_metric(url, "sti_broker_xpub_rebuilt_total") <= rebuilt:
            if time.monotonic() > deadline:
                sys.exit("the broker did not make its XPUB again")
            time.sleep(0.05)
        got = until_kept_gets(b"2", 10, at_least=1.0)
        if not got[kept]:
            sys.exit("the subscriber whose key stayed gets no events after the revocation")
        if got[revoked]:
            sys.exit("a revoked subscriber still got %d events on its old connection" % got[revoked])
        sys.exit(0)
    if what == "bus":
        topic = (sys.argv[3] if len(sys.argv) > 3 else "tst.1").encode()
        sub = socket(kind=zmq.SUB, endpoint=os.environ["STI_EVENTS_SUB"])
        sub.setsockopt(zmq.SUBSCRIBE, topic.split(b".")[0] + b".")
        pub = socket(kind=zmq.PUB, endpoint=os.environ["STI_EVENTS_PUB"], cert=sys.argv[2])
        deadline = time.monotonic() + TIMEOUT / 1000
        while time.monotonic() < deadline:
            pub.send_multipart([topic, b"hello"])  # until the subscription has arrived
            if sub.poll(50):
                assert sub.recv_multipart() == [topic, b"hello"]
                sys.exit(0)
        sys.exit(3)
    if what == "big":
        sock = socket()
        sock.reconnect_ivl = -1  # once cut, the rest is not sent again
        monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        big = b"m" * (15 * 1024 * 1024)
        sock.send_multipart([b"", b"MDPC01", b"sti.ingest"] + [big] * int(sys.argv[2]),
                            copy=False)
        sys.exit(0 if monitor.poll(TIMEOUT) else 3)
    if what == "ready":
        sock = socket()
        sock.send_multipart([b"", b"MDPW01", b"\x01", sys.argv[2].encode()])
        if not sock.poll(TIMEOUT):
            sys.exit(3)
        frames = sock.recv_multipart()
        sys.exit(0 if frames == [b"", b"MDPW01", b"\x05"] else 3)
    sys.exit("unknown command " + what)


if __name__ == "__main__":
    main()
