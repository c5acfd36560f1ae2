#!/usr/bin/python3
"""redis_grep.py: looks for texts in every key of a Redis, names and values.

    redis_grep.py PORT [--allow REGEX]... NEEDLE...

SCANs every key and DUMPs its value (with rdbcompression off, so strings are
not LZF-compressed), then prints "KEY: NEEDLE" for every key whose name or
value holds a needle, except keys matching an --allow regex. Exit 1 when
something was found. Plain sockets and RESP, written for the tests.
"""
import re
import socket
import sys


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(65536)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise SystemExit("redis error: %s" % rest.decode())
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            return [self._reply() for _ in range(int(rest))]
        raise SystemExit("unexpected reply %r" % line)

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._reply()


def main():
    args = sys.argv[1:]
    port, allow, needles = int(args[0]), [], []
    i = 1
    while i < len(args):
        if args[i] == "--allow":
            allow.append(re.compile(args[i + 1]))
            i += 2
        else:
            needles.append(args[i].encode())
            i += 1
    r = Redis(port)
    r.call("CONFIG", "SET", "rdbcompression", "no")
    cursor, found = b"0", 0
    while True:
        cursor, keys = r.call("SCAN", cursor, "COUNT", 1000)
        for key in keys:
            if any(a.search(key.decode("utf-8", "replace")) for a in allow):
                continue
            value = r.call("DUMP", key) or b""
            for needle in needles:
                if needle in key or needle in value:
                    print("%s: %s" % (key.decode("utf-8", "replace"), needle.decode("utf-8", "replace")))
                    found += 1
        if cursor == b"0":
            break
    r.call("CONFIG", "SET", "rdbcompression", "yes")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
