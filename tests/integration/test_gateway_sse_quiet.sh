#!/usr/bin/env bash
# Event streams opened on a quiet stream (the gateway has seen no event of
# it since it started) wait for the stream instead of asking its log again
# and again: 20 streams open, then over 3 s Redis counts the reads of the
# event logs (XRANGE, XREVRANGE), which must stay under one a stream (each
# asked events.since once a second before, 60 in that time). Then a row is
# submitted and every stream gets its events: the wait ends with the first
# one. The 3 s are a window to count in, not a wait for a condition. The
# figures are made up.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"

gw_setup
TOKEN=$(gw_token quiet --role reader)
{
    echo "indicator,org,period,value,unit"
    echo "rd_expenditure,donghu,2025,123,万元"
} >"$T/rows.csv"

/usr/bin/python3 - "$GW_PORT" "$TOKEN" "$REDIS_PORT" "$T/rows.csv" <<'PY' || sti_fail "quiet streams: see above"
import socket, subprocess, sys, time

port, token, redis_port, rows = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
STREAMS, WINDOW_S = 20, 3.0

def log_reads():
    out = subprocess.run(["redis-cli", "-p", redis_port, "INFO", "commandstats"],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(line.split("calls=")[1].split(",")[0]) for line in out.splitlines()
               if line.startswith(("cmdstat_xrange:", "cmdstat_xrevrange:")))

def read_until(sock, got, marker, deadline):
    while marker not in got and time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        got += chunk
    return got

request = ("GET /api/v1/events?stream=ind&prefix=ind.rd_ HTTP/1.0\r\nHost: x\r\n"
           f"Authorization: Bearer {token}\r\n\r\n").encode()
streams = []
deadline = time.monotonic() + 30
for _ in range(STREAMS):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(request)
    streams.append([sock, b""])
for stream in streams:
    stream[1] = read_until(stream[0], stream[1], b": stream ind", deadline)
    if b": stream ind" not in stream[1]:
        sys.exit(f"a stream was not opened: {stream[1][:200]!r}")
time.sleep(0.5)  # the first events.since of each (its start) is answered
before = log_reads()
time.sleep(WINDOW_S)
reads = log_reads() - before
print(f"{STREAMS} quiet streams read the event logs {reads} times in {WINDOW_S} s")
if reads >= STREAMS:
    sys.exit(f"quiet streams kept asking the log: {reads} reads in {WINDOW_S} s")
subprocess.run(["stictl", "ingest", rows, "--source", "test"], check=True,
               stdout=subprocess.DEVNULL)
deadline = time.monotonic() + 30
for sock, got in streams:
    got = read_until(sock, got, b"data: {", deadline)
    if b"data: {" not in got or b"rd_expenditure" not in got:
        sys.exit(f"a stream did not get the row's event: {got[-300:]!r}")
    sock.close()
print(f"every one of the {STREAMS} streams got the row's event")
PY
