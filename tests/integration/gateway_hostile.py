#!/usr/bin/python3
"""Hostile clients of sti-gateway, each checked for what the gateway does
with it, while a well-behaved client keeps being served
(test_gateway_hostile.sh). Standard library only.

Usage: gateway_hostile.py HOST PORT TOKEN CHECK
CHECK: body | header | json | utf8 | slowloris | idle COUNT | sse-never-read COUNT
Exits 0 when the check holds, 1 naming what did not.
"""
import http.client
import json
import socket
import sys
import time

HOST, PORT, TOKEN, CHECK = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
AUTH = "Authorization: Bearer %s\r\n" % TOKEN


def fail(why):
    print("FAIL: " + why, file=sys.stderr)
    sys.exit(1)


def healthy():
    """A well-behaved client is answered: the API with the token."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    conn.request("GET", "/api/v1/orgs", headers={"Authorization": "Bearer " + TOKEN})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    if resp.status != 200:
        fail("a good request got %d %r" % (resp.status, body[:200]))


def connect():
    s = socket.create_connection((HOST, PORT), timeout=10)
    return s


def status_of(s, limit=65536):
    """Reads the answer's status line (and what follows, up to limit)."""
    data = b""
    s.settimeout(10)
    try:
        while b"\r\n\r\n" not in data and len(data) < limit:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return int(line.split()[1]) if line.startswith("HTTP/1.1 ") else 0, data


def post(path, body, content_type="application/json"):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    conn.request("POST", path, body=body, headers={"Authorization": "Bearer " + TOKEN,
                                                   "Content-Type": content_type})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def check_body():
    # 1 GB announced: refused before it is read.
    s = connect()
    s.sendall(("POST /api/v1/observations HTTP/1.1\r\nHost: x\r\n%sContent-Type: text/csv\r\n"
               "Content-Length: 1073741824\r\n\r\n" % AUTH).encode())
    started = time.monotonic()
    try:
        s.sendall(b"x" * (1 << 20))
    except OSError:
        pass
    status, data = status_of(s)
    s.close()
    if status != 413 or b"too_large" not in data or time.monotonic() - started > 10:
        fail("a 1 GB body: %d %r" % (status, data[-300:]))
    # Chunked, without a length, past body_max (16 MiB): the connection is cut.
    s = connect()
    s.sendall(("POST /api/v1/observations HTTP/1.1\r\nHost: x\r\n%sContent-Type: text/csv\r\n"
               "Transfer-Encoding: chunked\r\n\r\n" % AUTH).encode())
    chunk = b"100000\r\n" + b"y" * 0x100000 + b"\r\n"
    cut = False
    try:
        for _ in range(64):
            s.sendall(chunk)
    except OSError:
        cut = True
    if not cut:
        status, _ = status_of(s)
        cut = status == 0 or status == 413
    s.close()
    if not cut:
        fail("a chunked body past the limit was taken")
    healthy()


def check_header():
    # A 100 MB header: refused (or the connection closed) long before it all came.
    s = connect()
    s.sendall(("GET /api/v1/orgs HTTP/1.1\r\nHost: x\r\n%sX-Big: " % AUTH).encode())
    sent = 0
    try:
        while sent < 100 << 20:
            s.sendall(b"z" * (1 << 20))
            sent += 1 << 20
    except OSError:
        pass
    status, _ = status_of(s)
    s.close()
    if sent >= 100 << 20 and status not in (0, 400, 413, 431):
        fail("a 100 MB header was read whole and answered %d" % status)
    if status == 200:
        fail("a 100 MB header was answered 200")
    healthy()


def check_json():
    deep = b"[" * 1000000 + b"]" * 1000000
    status, data = post("/api/v1/orgs", deep)
    if status != 400 or b"nested deeper" not in data:
        fail("10^6-deep JSON: %d %r" % (status, data[:300]))
    status, data = post("/api/v1/observations", deep)
    if status != 400:
        fail("10^6-deep JSON to observations: %d %r" % (status, data[:300]))
    healthy()


def check_utf8():
    for path in ("/api/v1/orgs", "/api/v1/observations"):
        status, data = post(path, b'{"code": "x\xff\xfe", "parent": "linping", "rows": []}')
        if status != 400 or b"not UTF-8" not in data:
            fail("invalid UTF-8 in JSON to %s: %d %r" % (path, status, data[:300]))
    status, data = post("/api/v1/observations",
                        b"indicator,org,period,value\nhitech\xff,donghu,2023,1\n", "text/csv")
    if status not in (200, 400) or (status == 200 and json.loads(data)["accepted"] != 0):
        fail("invalid UTF-8 in CSV: %d %r" % (status, data[:300]))
    healthy()


def check_slowloris():
    # The headers one byte a second: cut after header_timeout_s (10 s).
    s = connect()
    request = ("GET /api/v1/orgs HTTP/1.1\r\nHost: x\r\n%s" % AUTH).encode() * 4
    started = time.monotonic()
    closed = False
    for byte in request:
        try:
            s.sendall(bytes([byte]))
            s.settimeout(1.0)
            if s.recv(1) == b"":
                closed = True
                break
        except socket.timeout:
            continue
        except OSError:
            closed = True
            break
        if time.monotonic() - started > 30:
            break
    took = time.monotonic() - started
    s.close()
    if not closed or took > 15:
        fail("a slowloris client was kept %.1f s (closed: %s)" % (took, closed))
    healthy()


def check_sse_never_read(count):
    """count event streams that never read: each is cut, none holds the gateway."""
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((HOST, PORT))
        s.sendall(("GET /api/v1/events?stream=ind HTTP/1.1\r\nHost: x\r\n%s\r\n" % AUTH).encode())
        socks.append(s)
    print(json.dumps({"open": len(socks)}), flush=True)
    sys.stdin.readline()   # the test publishes events meanwhile, then says go on
    healthy()
    for s in socks:
        s.close()


def main():
    checks = {"body": check_body, "header": check_header, "json": check_json,
              "utf8": check_utf8, "slowloris": check_slowloris}
    if CHECK in checks:
        checks[CHECK]()
    elif CHECK == "sse-never-read":
        check_sse_never_read(int(sys.argv[5]))
    else:
        fail("unknown check " + CHECK)


if __name__ == "__main__":
    main()
