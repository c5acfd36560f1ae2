#!/usr/bin/python3
"""gw_client.py: sti-gateway's HTTP API from Python's standard library only
(http.client, json), as another system would use it (docs/gateway.md).

    s = Session("http://127.0.0.1:5575")
    s.sign_in("admin", password)          # the cookie, and the CSRF token
    status, body, headers = s.call("GET", "/api/v1/progress?year=2025")
    s = Session(url, token="sti_...")     # a machine: Authorization: Bearer
    for event in s.events("ind", prefix="ind.rd_", last_id=None): ...

Every call returns (status, decoded JSON or text, headers as a dict of
lower-case names).
"""
import http.client
import json
import urllib.parse


class Session:
    def __init__(self, url, token=None, timeout=30):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.token = token
        self.cookie = None
        self.csrf = None
        self.timeout = timeout

    def _headers(self, extra=None, write=False):
        headers = {}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if self.cookie:
            headers["Cookie"] = "sti_session=" + self.cookie
            if write and self.csrf:
                headers["X-CSRF-Token"] = self.csrf
        headers.update(extra or {})
        return headers

    def raw(self, method, path, body=None, headers=None):
        """One request; returns (status, bytes, headers)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data, {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()

    def call(self, method, path, body=None, content_type="application/json", headers=None,
             csrf=True):
        """A call of the API: body is JSON-encoded unless it is bytes."""
        extra = dict(headers or {})
        data = body
        if body is not None and not isinstance(body, (bytes, bytearray)):
            data = json.dumps(body).encode()
        if data is not None:
            extra["Content-Type"] = content_type
        status, raw, hdrs = self.raw(method, path, data,
                                     self._headers(extra, write=csrf and method != "GET"))
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text), hdrs
        except ValueError:
            return status, text, hdrs

    def sign_in(self, user, password):
        status, body, headers = self.call("POST", "/api/v1/session",
                                          {"username": user, "password": password})
        if status == 200:
            cookie = headers.get("set-cookie", "")
            self.cookie = cookie.split(";")[0].split("=", 1)[1]
            self.csrf = body["csrf"]
        return status, body, headers

    def events(self, stream="ind", prefix="", last_id=None, query_from=None):
        """Yields ("event", id, data dict), ("comment", text), ("lost", data)
        from GET /api/v1/events until the server ends the stream."""
        query = {"stream": stream, "prefix": prefix}
        if query_from is not None:
            query["from"] = str(query_from)
        headers = self._headers({"Accept": "text/event-stream"})
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        conn.request("GET", "/api/v1/events?" + urllib.parse.urlencode(query), headers=headers)
        resp = conn.getresponse()
        if resp.status != 200:
            raise RuntimeError("events: %d %s" % (resp.status, resp.read()[:300]))
        self.stream_conn = (conn, resp)
        fields = {}
        while True:
            line = resp.readline()  # through the chunked coding, not around it
            if not line:
                return
            line = line.decode("utf-8").rstrip("\n")
            if line.startswith(":"):
                yield ("comment", line[1:].strip())
            elif line == "":
                if "data" in fields:
                    kind = fields.get("event", "event")
                    data = json.loads(fields["data"])
                    if kind == "lost":
                        yield ("lost", data)
                    else:
                        yield ("event", int(fields["id"]), data)
                fields = {}
            else:
                name, _, value = line.partition(":")
                fields[name] = value[1:] if value.startswith(" ") else value

    def close_stream(self):
        """Cuts the event stream now (as a client that goes away would)."""
        pair = getattr(self, "stream_conn", None)
        if pair:
            pair[1].close()
            pair[0].close()
            self.stream_conn = None
