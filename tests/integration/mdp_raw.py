#!/usr/bin/python3
"""A Majordomo client and worker written from ZeroMQ RFC 7 / RFC 8 with plain
pyzmq, not the project's library: a REQ client asks the C echo workers
(service given on the command line), a DEALER worker serves "py.echo" to the
same REQ client, and MMI answers 200 / 404 / 501. Exits 0 when every answer
is right, 1 with a reason otherwise."""
import sys
import zmq

TIMEOUT_MS = 5000


def fail(why):
    print("FAIL: " + why, file=sys.stderr)
    sys.exit(1)


def request(client, poller, service, body, worker=None):
    """Sends one request from the REQ client; serves it with worker if given."""
    client.send_multipart([b"MDPC01", service] + body)
    while True:
        events = dict(poller.poll(TIMEOUT_MS))
        if not events:
            fail("no reply for %r" % service)
        if worker is not None and worker in events:
            frames = worker.recv_multipart()
            if frames[:3] == [b"", b"MDPW01", b"\x02"]:
                client_addr, empty, rest = frames[3], frames[4], frames[5:]
                if empty != b"":
                    fail("REQUEST without the empty frame after the client address")
                worker.send_multipart([b"", b"MDPW01", b"\x03", client_addr, b""] + rest + [b"py"])
            elif frames[:3] != [b"", b"MDPW01", b"\x04"]:
                fail("worker got an unexpected message %r" % frames)
        if client in events:
            return client.recv_multipart()


def main():
    endpoint, service = sys.argv[1], sys.argv[2].encode()
    ctx = zmq.Context()
    client = ctx.socket(zmq.REQ)
    client.linger = 0
    client.connect(endpoint)
    poller = zmq.Poller()
    poller.register(client, zmq.POLLIN)

    answered_by = set()
    for i in range(200):
        body = [b"raw-%d" % i]
        reply = request(client, poller, service, body)
        if reply[:3] != [b"MDPC01", service, body[0]] or len(reply) != 4:
            fail("request %d: unexpected reply %r" % (i, reply))
        answered_by.add(reply[3])

    for name, code in ((service, b"200"), (b"no.such.service", b"404")):
        reply = request(client, poller, b"mmi.service", [name])
        if reply != [b"MDPC01", b"mmi.service", code]:
            fail("mmi.service %r: %r" % (name, reply))
    reply = request(client, poller, b"mmi.nothing", [b"x"])
    if reply != [b"MDPC01", b"mmi.nothing", b"501"]:
        fail("mmi.nothing: %r" % reply)

    worker = ctx.socket(zmq.DEALER)
    worker.linger = 0
    worker.connect(endpoint)
    worker.send_multipart([b"", b"MDPW01", b"\x01", b"py.echo"])
    poller.register(worker, zmq.POLLIN)
    for i in range(50):
        reply = request(client, poller, b"py.echo", [b"py-%d" % i, b"second"], worker)
        if reply != [b"MDPC01", b"py.echo", b"py-%d" % i, b"second", b"py"]:
            fail("py.echo %d: %r" % (i, reply))
    reply = request(client, poller, b"mmi.service", [b"py.echo"], worker)
    if reply != [b"MDPC01", b"mmi.service", b"200"]:
        fail("mmi.service py.echo: %r" % reply)
    worker.send_multipart([b"", b"MDPW01", b"\x05"])
    print("ok: %d workers answered the REQ client: %s" % (len(answered_by),
          ", ".join(sorted(n.decode() for n in answered_by))))


if __name__ == "__main__":
    main()
