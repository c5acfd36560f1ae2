#!/usr/bin/python3
"""sse_clients.py URL TOKEN COUNT SECONDS: COUNT event-stream clients of
sti-gateway in one process (raw sockets, one selector, standard library),
for SECONDS after they are all connected. Each event's latency is the
arrival time minus the event's `time` (when sti-indicators published it:
one machine, one clock). Prints {"clients", "events", "per_client_rate",
"p50_ms", "p99_ms", "cut"} on stdout; "ready" on stderr once every client
is connected (bench/gateway/run starts the load then). The requests are
HTTP/1.0, so the streams come without chunked framing (read until close)."""
import calendar
import json
import selectors
import socket
import sys
import time
import urllib.parse

url, token, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
parts = urllib.parse.urlsplit(url)
request = ("GET /api/v1/events?stream=ind&prefix=ind. HTTP/1.0\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n" % token).encode()
sel = selectors.DefaultSelector()
buffers = {}
for _ in range(count):
    s = socket.create_connection((parts.hostname, parts.port))
    s.sendall(request)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    buffers[s] = b""
print("ready", file=sys.stderr, flush=True)
latencies, cut = [], 0
days = {}


def stamp_of(line):
    """The seconds since 1970 of the event's "time" (RFC 3339 UTC with ms),
    read without parsing the JSON (the client must not be the bottleneck)."""
    at = line.find(b'"time":"') + 8
    text = line[at:at + 24]
    day = days.get(text[:10])
    if day is None:
        day = days[text[:10]] = calendar.timegm((int(text[:4]), int(text[5:7]), int(text[8:10]),
                                                 0, 0, 0))
    return day + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + float(text[17:23])


end = time.time() + seconds
while time.time() < end:
    for key, _ in sel.select(timeout=0.5):
        s = key.fileobj
        data = s.recv(1 << 16)
        if not data:
            sel.unregister(s)
            continue
        now = time.time()
        buf = buffers[s] + data
        *lines, buffers[s] = buf.split(b"\n")
        for line in lines:
            if line.startswith(b"data: {"):
                latencies.append((now - stamp_of(line)) * 1000)
            elif line.startswith(b": cut"):
                cut += 1
latencies.sort()
n = len(latencies)
print(json.dumps({"clients": count, "events": n,
                  "per_client_rate": round(n / count / seconds, 1),
                  "p50_ms": round(latencies[n // 2], 1) if n else None,
                  "p99_ms": round(latencies[int(n * 0.99)], 1) if n else None, "cut": cut}))
