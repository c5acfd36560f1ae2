#!/usr/bin/python3
"""A raw Majordomo client for the tests of sti-ingest and sti-indicators,
written from ZeroMQ RFC 7 and docs/protocol.md with plain pyzmq and msgpack
(not the project's C library): requests are {op, id, body} envelopes,
replies {id, ok, body | error}. Retries with a fresh socket and the same
envelope id (Lazy Pirate) until a deadline.

As a module: Client(endpoint).call(service, op, body) returns the reply map.
From the shell: ind_client.py ENDPOINT SERVICE OP [JSON_BODY] prints the
reply as JSON and exits 0 when ok, 1 when the service answered an error,
2 when nothing answered.
"""
import json
import os
import sys
import uuid

import msgpack
import zmq


class NoAnswer(Exception):
    pass


class Client:
    def __init__(self, endpoint, timeout_ms=3000, retries=20):
        self.endpoint = endpoint
        self.timeout_ms = timeout_ms
        self.retries = retries
        self.ctx = zmq.Context.instance()
        self.sock = None

    def _open(self):
        if self.sock is not None:
            self.sock.close(0)
        self.sock = self.ctx.socket(zmq.REQ)
        self.sock.linger = 0
        self.sock.connect(self.endpoint)

    def call(self, service, op, body=None, request_id=None):
        """Sends one request (retrying); returns the decoded reply map."""
        envelope = msgpack.packb({"op": op, "id": request_id or uuid.uuid4().hex,
                                  "body": body if body is not None else {}},
                                 use_bin_type=True)
        for _ in range(self.retries):
            if self.sock is None:
                self._open()
            self.sock.send_multipart([b"MDPC01", service.encode(), envelope])
            if self.sock.poll(self.timeout_ms, zmq.POLLIN):
                frames = self.sock.recv_multipart()
                if len(frames) != 3 or frames[0] != b"MDPC01":
                    raise NoAnswer("malformed reply %r" % frames[:2])
                return msgpack.unpackb(frames[2], raw=False, strict_map_key=False)
            self._open()
        raise NoAnswer("%s %s: no answer" % (service, op))

    def ok(self, service, op, body=None, request_id=None):
        """As call, but returns the body and raises on an error reply."""
        reply = self.call(service, op, body, request_id)
        if not reply.get("ok"):
            raise AssertionError("%s %s failed: %r" % (service, op, reply.get("error")))
        return reply["body"]


def plan_catalog(directory):
    """The plan directory's five files merged into one catalog map."""
    merged = {}
    for name in ("plan", "units", "tags", "org_units", "indicators"):
        with open(os.path.join(directory, name + ".json"), encoding="utf-8") as f:
            data = json.load(f)
        merged[name] = data if name == "plan" else data[name]
    return merged


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, service, op = sys.argv[1:4]
    body = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    try:
        reply = Client(endpoint, retries=3).call(service, op, body)
    except NoAnswer as e:
        print(str(e), file=sys.stderr)
        return 2
    print(json.dumps(reply, ensure_ascii=False, default=repr))
    return 0 if reply.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
