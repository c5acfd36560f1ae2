#!/usr/bin/python3
"""webhook_sink: an HTTP receiver on loopback that tests start.

Records every request as one JSON line in --record FILE:
  {"n", "method", "path", "query": {name: value}, "headers": {lower-case name: value},
   "body", "status", "sign_ok"}
and answers by its flags:
  --fail-first N      the first N requests get 503
  --status CODE       every request (after the failures) gets CODE (default 200)
  --retry-after S     adds Retry-After: S to 429 and 503 answers
  --hang              accept and never answer (the client times out)
  --errcode CODE      answer 200 {"errcode": CODE, "errmsg": ...} like a chat robot
  --dingtalk-secret S check DingTalk's timestamp/sign with Python's hmac; a bad sign
                      answers errcode 310000 like DingTalk, and sign_ok is recorded
  --webhook-secret S  check X-STI-Signature over X-STI-Timestamp "." body with
                      Python's hmac and record signature_ok (the answer is unchanged)
It binds 127.0.0.1 on --port (0: any) and writes the port to --port-file once it
listens, so a test polls that file instead of guessing.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 4 * 1024 * 1024


def dingtalk_sign(secret, timestamp):
    text = "%s\n%s" % (timestamp, secret)
    mac = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(min(length, MAX_BODY))
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        with server.lock:
            server.count += 1
            n = server.count
        record = {
            "n": n,
            "method": self.command,
            "path": url.path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        status, payload, extra = self.decide(n, query, record)
        record["status"] = status
        with server.lock, open(server.args.record, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if server.args.hang:
            threading.Event().wait()
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def decide(self, n, query, record):
        args = self.server.args
        extra = []
        if n <= args.fail_first:
            status = 503
        else:
            status = args.status
        if status in (429, 503) and args.retry_after is not None:
            extra.append(("Retry-After", str(args.retry_after)))
        payload = {"ok": status < 300}
        if args.errcode is not None and status == 200:
            payload = {"errcode": args.errcode, "errmsg": "ok" if args.errcode == 0 else "sink"}
        if args.dingtalk_secret is not None:
            expected = dingtalk_sign(args.dingtalk_secret, query.get("timestamp", ""))
            record["sign_expected"] = expected
            record["sign_ok"] = hmac.compare_digest(expected, query.get("sign", ""))
            if not record["sign_ok"] and status == 200:
                payload = {"errcode": 310000, "errmsg": "sign not match"}
        if args.webhook_secret is not None:
            headers = record["headers"]
            signed = (headers.get("x-sti-timestamp", "") + "." + record["body"]).encode()
            expected = "sha256=" + hmac.new(args.webhook_secret.encode(), signed,
                                            hashlib.sha256).hexdigest()
            record["signature_ok"] = hmac.compare_digest(
                expected, headers.get("x-sti-signature", ""))
        return status, payload, extra


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--retry-after", type=int)
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--errcode", type=int)
    parser.add_argument("--dingtalk-secret")
    parser.add_argument("--webhook-secret")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.args = args
    server.lock = threading.Lock()
    server.count = 0
    open(args.record, "a").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as out:
        out.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
