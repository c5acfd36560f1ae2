#!/usr/bin/python3
"""talent_keyscan.py: which key ids the talent registry's stored values name.

    talent_keyscan.py PORT NAMESPACE

Reads every record hash <ns>:tal:rec:T... (the key id is byte 1 of each
sealed value: id_number, phone, email; and the first two hex digits of its
`hash` field) and every field of the duplicate index <ns>:tal:doc (the
first two hex digits of the hash text), and prints one JSON line:
{"records": N, "values": {"1": n, "2": m}, "index": {"1": n}} (key ids in
decimal, counting values and index entries). Plain sockets and RESP
(redis_grep.Redis), written for the tests.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from redis_grep import Redis  # noqa: E402


def main():
    port, ns = int(sys.argv[1]), sys.argv[2]
    r = Redis(port)
    values, index, records = {}, {}, 0
    cursor = b"0"
    while True:
        cursor, keys = r.call("SCAN", cursor, "MATCH", "%s:tal:rec:T*" % ns, "COUNT", 1000)
        for key in keys:
            if key.count(b":") != 3 or r.call("TYPE", key) != b"hash":
                continue
            records += 1
            fields = r.call("HMGET", key, "hash", "id_number", "phone", "email")
            if fields[0] is not None:
                k = str(int(fields[0][:2], 16))
                values[k] = values.get(k, 0) + 1
            for sealed in fields[1:]:
                if sealed is not None:
                    k = str(sealed[1])
                    values[k] = values.get(k, 0) + 1
        if cursor == b"0":
            break
    for field in r.call("HKEYS", "%s:tal:doc" % ns):
        k = str(int(field[:2], 16))
        index[k] = index.get(k, 0) + 1
    print(json.dumps({"records": records, "values": values, "index": index}, sort_keys=True))


if __name__ == "__main__":
    main()
