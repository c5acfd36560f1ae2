#!/usr/bin/python3
"""ingest_client.py: submits rows to sti.ingest one batch at a time, retrying
each batch with the same request id until it is acknowledged (Lazy Pirate:
a fresh REQ socket per attempt, so a late answer to an earlier attempt is
never taken for the answer to this one). Written from docs/protocol.md and
docs/ops.md with plain pyzmq and msgpack.

    ingest_client.py --broker EP --stop FILE --out FILE [--rows N] [--max-batches N]
                     [--rate N] [--timeout MS] [--batch-deadline S] [--run ID]

Batch k (from 0) holds one row per indicator of INDICATORS, all at org unit
linping, period the k-th month from 2001-01: every row is a distinct key, and
none is an input of a derived indicator or has a parent to sum into, so
applying a row once makes exactly one revision and one event. Stops before
the next batch when FILE --stop exists (or after --max-batches, at most
1,200). Batches start at most --rate a second (a paced load, so that the
months last through a cut of several seconds). Prints
"progress BATCHES" after every 10 acknowledged batches, then one JSON line
{"batches", "rows", "retries", "errors"}; --out gets one line per
acknowledged row: "indicator period". Exit 0 when every batch sent was
acknowledged with every row accepted, 1 otherwise (a batch not acknowledged
within --batch-deadline seconds, or a row refused).
"""
import argparse
import json
import os
import sys
import time
import uuid

import msgpack
import zmq

INDICATORS = [
    "hitech_enterprises", "provincial_key_enterprise_institutes", "tech_smes",
    "single_champions", "little_giants", "hidden_champions", "eagle_enterprises",
    "chick_enterprises", "makerspaces_provincial", "incubators",
]


def period(k):
    """The k-th month from 2001-01, as YYYY-MM."""
    return "%04d-%02d" % (2001 + k // 12, 1 + k % 12)


def attempt(ctx, broker, request, timeout_ms):
    """One attempt: returns the decoded reply map, or None after timeout_ms."""
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(broker)
    try:
        sock.send_multipart([b"MDPC01", b"sti.ingest", msgpack.packb(request, use_bin_type=True)])
        if not sock.poll(timeout_ms):
            return None
        frames = sock.recv_multipart()
    finally:
        sock.close()
    if len(frames) != 3 or frames[0] != b"MDPC01":
        return None
    return msgpack.unpackb(frames[2], raw=False)


def submit(ctx, args, k, stats):
    """Sends batch k until acknowledged. Returns the accepted count, or None."""
    rows = [{"indicator": ind, "org": "linping", "period": period(k), "value": float(1 + (k + i) % 90)}
            for i, ind in enumerate(INDICATORS[:args.rows])]
    request_id = "mh-%s-%d" % (args.run, k)
    deadline = time.monotonic() + args.batch_deadline
    first = True
    while time.monotonic() < deadline:
        if not first:
            stats["retries"] += 1
        first = False
        request = {"op": "obs.submit", "id": uuid.uuid4().hex,
                   "body": {"rows": rows, "request_id": request_id, "source": "multihost"}}
        reply = attempt(ctx, args.broker, request, args.timeout)
        if reply is None:
            continue
        if not reply.get("ok"):
            # unavailable: Redis was out of reach; the same request id again is safe
            stats["errors"].append(reply.get("error", {}).get("code"))
            if reply.get("error", {}).get("code") == "unavailable":
                continue
            return None
        body = reply["body"]
        if body.get("rejected") != 0 or body.get("accepted") != len(rows):
            stats["errors"].append("batch %d: %r" % (k, body))
            return None
        return rows
    stats["errors"].append("batch %d: no answer within %ss" % (k, args.batch_deadline))
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--broker", required=True)
    p.add_argument("--stop", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rows", type=int, default=len(INDICATORS))
    p.add_argument("--max-batches", type=int, default=1200)
    p.add_argument("--rate", type=float, default=40.0)
    p.add_argument("--timeout", type=int, default=1000)
    p.add_argument("--batch-deadline", type=float, default=40.0)
    p.add_argument("--run", default=uuid.uuid4().hex[:8])
    args = p.parse_args()
    args.rows = max(1, min(args.rows, len(INDICATORS)))
    args.max_batches = max(1, min(args.max_batches, 1200))
    ctx = zmq.Context.instance()
    stats = {"batches": 0, "rows": 0, "retries": 0, "errors": []}
    ok = True
    with open(args.out, "w") as out:
        start = time.monotonic()
        for k in range(args.max_batches):
            if os.path.exists(args.stop):
                break
            due = start + k / args.rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            rows = submit(ctx, args, k, stats)
            if rows is None:
                ok = False
                break
            for r in rows:
                out.write("%s %s\n" % (r["indicator"], r["period"]))
            out.flush()
            stats["batches"] += 1
            stats["rows"] += len(rows)
            if stats["batches"] % 10 == 0:
                print("progress %d" % stats["batches"], flush=True)
    print(json.dumps(stats), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
