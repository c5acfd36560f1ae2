#!/usr/bin/python3
"""behalf_call.py: a request that carries `as`, the person a gateway asks for
(docs/protocol.md, "On someone's behalf"), through CURVE with this client's
key (STI_CURVE_CERT, STI_CURVE_BROKER_KEY, STI_BROKER as for curve_call.py).

    behalf_call.py SERVICE OP BODY AS    prints the reply as JSON; exit 1 on no reply

BODY and AS are JSON texts; AS "-" sends no `as` at all.
"""
import json
import os
import sys
import uuid

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from curve_call import exchange, socket  # noqa: E402


def main():
    service, op, body, as_text = sys.argv[1:5]
    request = {"op": op, "id": uuid.uuid4().hex}
    if as_text != "-":
        request["as"] = json.loads(as_text)
    request["body"] = json.loads(body)
    reply = exchange(socket(), service, msgpack.packb(request, use_bin_type=True))
    if reply is None:
        print("no reply", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(msgpack.unpackb(reply[0], raw=False), ensure_ascii=False))


if __name__ == "__main__":
    main()
