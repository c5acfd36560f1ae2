#!/usr/bin/python3
"""smtp_sink: an SMTP server on loopback that tests start.

Speaks enough ESMTP for libcurl (EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT,
DATA, RSET, NOOP, QUIT; no STARTTLS) and records every accepted message as one
JSON line in --record FILE:
  {"n", "mail_from", "rcpt_to": [...], "auth_user", "data", "subject", "body",
   "content_type", "message_id"}
where data is the message as received, dot-unstuffed, and subject and body are
what Python's email package decodes from it (RFC 2047 words, base64). Flags:
  --user U --password P  offer AUTH and require it before MAIL
  --rcpt-reply "550 no such user"  answer every RCPT with that reply
  --starttls             offer STARTTLS with a throw-away self-signed certificate
                         (made with the openssl command in the port file's
                         directory); records "tls": true for mail sent over it
It binds 127.0.0.1 on --port (0: any) and writes the port to --port-file once it
listens.
"""
import argparse
import base64
import email
import email.policy
import json
import os
import socketserver
import ssl
import subprocess
import threading

MAX_LINE = 4096
MAX_DATA = 8 * 1024 * 1024


class Session(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def line(self):
        data = self.rfile.readline(MAX_LINE + 2)
        if not data:
            raise EOFError
        return data.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self):
        self.state = {"mail_from": None, "rcpt_to": [], "auth_user": None, "tls": False}
        self.reply("220 smtp_sink ESMTP")
        try:
            while self.command(self.line()):
                pass
        except (EOFError, ConnectionError):
            pass

    def command(self, text):
        verb = text.split(" ", 1)[0].upper()
        arg = text[len(verb):].strip()
        args = self.server.args
        if verb == "EHLO":
            self.reply("250-smtp_sink")
            if args.starttls and not self.state["tls"]:
                self.reply("250-STARTTLS")
            if args.user:
                self.reply("250-AUTH PLAIN LOGIN")
            self.reply("250-8BITMIME")
            self.reply("250 SIZE %d" % MAX_DATA)
        elif verb == "HELO":
            self.reply("250 smtp_sink")
        elif verb == "STARTTLS" and args.starttls and not self.state["tls"]:
            self.reply("220 ready to start TLS")
            self.connection = self.server.tls.wrap_socket(self.request, server_side=True)
            self.rfile = self.connection.makefile("rb")
            self.wfile = self.connection.makefile("wb")
            self.state = {"mail_from": None, "rcpt_to": [], "auth_user": None, "tls": True}
        elif verb == "AUTH":
            self.auth(arg)
        elif verb == "MAIL":
            if args.user and not self.state["auth_user"]:
                self.reply("530 authentication required")
            else:
                self.state["mail_from"] = arg.split(":", 1)[-1].strip().split(" ")[0]
                self.state["rcpt_to"] = []
                self.reply("250 ok")
        elif verb == "RCPT":
            if args.rcpt_reply:
                self.reply(args.rcpt_reply)
            else:
                self.state["rcpt_to"].append(arg.split(":", 1)[-1].strip().split(" ")[0])
                self.reply("250 ok")
        elif verb == "DATA":
            if not self.state["rcpt_to"]:
                self.reply("503 no recipients")
            else:
                self.data()
        elif verb in ("RSET", "NOOP"):
            self.reply("250 ok")
        elif verb == "QUIT":
            self.reply("221 bye")
            return False
        else:
            self.reply("502 unknown command")
        return True

    def auth(self, arg):
        args = self.server.args
        parts = arg.split(" ")
        mechanism = parts[0].upper()
        if mechanism == "PLAIN":
            token = parts[1] if len(parts) > 1 else (self.reply("334 "), self.line())[1]
            fields = base64.b64decode(token).split(b"\0")
            user, password = fields[-2].decode(), fields[-1].decode()
        elif mechanism == "LOGIN":
            self.reply("334 VXNlcm5hbWU6")
            user = base64.b64decode(self.line()).decode()
            self.reply("334 UGFzc3dvcmQ6")
            password = base64.b64decode(self.line()).decode()
        else:
            self.reply("504 unsupported mechanism")
            return
        if user == args.user and password == args.password:
            self.state["auth_user"] = user
            self.reply("235 authenticated")
        else:
            self.reply("535 authentication failed")

    def data(self):
        self.reply("354 end with <CRLF>.<CRLF>")
        lines, size = [], 0
        while True:
            text = self.line()
            if text == ".":
                break
            if text.startswith("."):
                text = text[1:]
            size += len(text) + 2
            if size > MAX_DATA:
                self.reply("552 too big")
                return
            lines.append(text)
        server = self.server
        with server.lock:
            server.count += 1
            record = dict(self.state, n=server.count, data="\r\n".join(lines) + "\r\n")
            record.update(decode(record["data"]))
            with open(server.args.record, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.reply("250 queued as %d" % record["n"])


def decode(data):
    """What a mail reader would show: the decoded subject and body."""
    message = email.message_from_string(data, policy=email.policy.default)
    return {
        "subject": str(message["subject"]),
        "body": message.get_content(),
        "content_type": message.get_content_type(),
        "charset": message.get_content_charset(),
        "message_id": str(message["message-id"]),
        "date": str(message["date"]),
    }


def tls_context(directory):
    """A server context with a fresh self-signed certificate for localhost."""
    cert = os.path.join(directory, "sink-cert.pem")
    key = os.path.join(directory, "sink-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--rcpt-reply")
    parser.add_argument("--starttls", action="store_true")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Session)
    server.args = args
    if args.starttls:
        server.tls = tls_context(os.path.dirname(os.path.abspath(args.port_file)))
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
