#!/usr/bin/python3
"""events_log.py PORT KEY [PREFIX]: prints the seq of each event of the event
log KEY (a Redis stream on 127.0.0.1:PORT) whose topic starts with PREFIX, one
a line, in seq order. Reads both kinds of entries (docs/events.md, "In
Redis"): an event entry (id 0-<seq>, fields topic, ...) and a batch entry (id
0-<last seq>, fields first and events: a MessagePack array of [topic, type,
subject, time, source, data, prev], one per seq first..last)."""
import sys

import msgpack
import redis


def events(port, key):
    for entry, fields in redis.Redis(port=port).xrange(key):
        last = int(entry.split(b"-")[1])
        if b"events" in fields:
            packed = msgpack.unpackb(fields[b"events"], raw=True)
            first = int(fields[b"first"])
            assert len(packed) == last - first + 1, entry
            for i, event in enumerate(packed):
                yield first + i, event[0].decode()
        else:
            yield last, fields[b"topic"].decode()


if __name__ == "__main__":
    prefix = sys.argv[3] if len(sys.argv) > 3 else ""
    for seq, topic in events(int(sys.argv[1]), sys.argv[2]):
        if topic.startswith(prefix):
            print(seq)
