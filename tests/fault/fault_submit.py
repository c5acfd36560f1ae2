#!/usr/bin/python3
"""The submitting client of test_ingest_fault.sh: sends REQUESTS obs.submit
requests of ROWS rows each through the broker, every row a distinct key
(hitech_value_added_share and edz_national_rank, neither summable nor an
input of a formula, at org units town_000.., periods 2000, 2000Q1, ...: 3,400 keys a year, so 100,000 rows reach 2029), so
each row is exactly one value change. A request is retried with the same
envelope id and the same request_id until it is answered (Lazy Pirate),
and again (after 50 ms) while the answer is `unavailable` (Redis is away).
After each answered request the count is written to PROGRESS_FILE.
FIRST (default 0) skips the requests before it: request r is always the
same rows under request id fault-<r>, so a test can send requests in parts.

Usage: fault_submit.py BROKER REQUESTS ROWS TOWNS PROGRESS_FILE [FIRST]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from ind_client import Client  # noqa: E402

INDICATORS = ("hitech_value_added_share", "edz_national_rank")


def periods():
    for year in range(2000, 2101):   # beyond this year: the tests allow them (--max-period-ahead)
        yield str(year)
        for q in range(1, 5):
            yield "%dQ%d" % (year, q)
        for m in range(1, 13):
            yield "%d-%02d" % (year, m)


def keys(towns):
    """Every (indicator, org, period) in a fixed order."""
    for period in periods():
        for town in range(towns):
            for indicator in INDICATORS:
                yield indicator, "town_%03d" % town, period


def main():
    broker, requests, rows, towns, progress = sys.argv[1:6]
    requests, rows, towns = int(requests), int(rows), int(towns)
    first = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    client = Client(broker, timeout_ms=2000, retries=200)
    key_iter = keys(towns)
    for _ in range(first * rows):
        next(key_iter)
    for r in range(first, first + requests):
        batch = []
        for i in range(rows):
            indicator, org, period = next(key_iter)
            batch.append({"indicator": indicator, "org": org, "period": period,
                          "value": 1 + (r * rows + i) % 90})
        rid = "fault-%d" % r
        for _ in range(1200):
            reply = client.call("sti.ingest", "obs.submit",
                                {"rows": batch, "request_id": rid, "source": "fault"},
                                request_id=rid)
            if reply.get("ok") or reply["error"]["code"] != "unavailable":
                break
            time.sleep(0.05)  # Redis is restarting: the same request again, soon
        if not reply.get("ok") or reply["body"]["accepted"] != rows:
            print("FAIL: request %d: %r" % (r, reply.get("error") or reply["body"]["errors"][:3]),
                  file=sys.stderr)
            return 1
        with open(progress + ".tmp", "w") as f:
            f.write("%d\n" % (r + 1 - first))
        os.replace(progress + ".tmp", progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
