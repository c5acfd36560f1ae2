#!/usr/bin/python3
"""sse_reader.py URL TOKEN: one event stream of sti-gateway (stream ind, every
topic) that reads as fast as it can and resumes with Last-Event-ID whenever
the stream ends (a cut, or the gateway's burst of a replay overflowing it),
as a well-behaved client does. Prints each event's seq on a line of its own,
and "cut" for each cut, until it is killed (test_gateway_hostile.sh)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gw_client import Session  # noqa: E402

session = Session(sys.argv[1], token=sys.argv[2], timeout=60)
last = None
while True:
    try:
        for item in session.events(stream="ind", last_id=last):
            if item[0] == "event":
                last = item[1]
                print(last, flush=True)
            elif item[0] == "comment" and item[1].startswith(("stream", "cut")):
                print(item[1].split(",")[0].split(":")[0], flush=True)
    except (OSError, RuntimeError) as err:
        print("error %s" % err, flush=True)
        time.sleep(0.2)
