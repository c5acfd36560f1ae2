#!/usr/bin/python3
"""sti_call.py: one request to an STI Monitor service, sent once through
ind_client.py's client (plain pyzmq and msgpack, not the project's library).

    sti_call.py SERVICE OP [BODY_JSON | -]  broker from $STI_BROKER; - reads stdin

Prints the reply map as one JSON line on stdout: {"id", "ok", "body"} or
{"id", "ok": false, "error": {...}}. Exit 0 when a reply came, 1 when none
came within $STI_CALL_TIMEOUT ms (default 10000). $STI_CALL_ID, when set, is
the request id (else a fresh one). Used by the script tests.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ind_client import Client, NoAnswer  # noqa: E402


def call(endpoint, service, op, body, timeout_ms, request_id=None):
    """Sends {op, id, body} to service once; returns the decoded reply map, or
    None when no (well-formed) reply came within timeout_ms."""
    try:
        return Client(endpoint, timeout_ms=timeout_ms, retries=1).call(service, op, body,
                                                                      request_id)
    except NoAnswer:
        return None


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    text = sys.argv[3] if len(sys.argv) == 4 else "{}"
    body = json.loads(sys.stdin.read() if text == "-" else text)
    reply = call(os.environ.get("STI_BROKER", "tcp://127.0.0.1:5555"), sys.argv[1],
                 sys.argv[2], body, int(os.environ.get("STI_CALL_TIMEOUT", "10000")),
                 os.environ.get("STI_CALL_ID"))
    if reply is None:
        print("no reply", file=sys.stderr)
        return 1
    print(json.dumps(reply, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
