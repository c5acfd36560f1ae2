#!/usr/bin/python3
"""A reference subscriber of an STI Monitor event stream over ZeroMQ,
written from docs/events.md alone ("The subscriber's algorithm").

    sti_subscriber.py --out FILE [--sub ADDR] [--broker ADDR] [--stream ind]
                      [--service sti.indicators] [--prefix ind.]

Writes every event of the stream whose topic starts with --prefix to FILE,
one JSON line each: {"epoch", "seq", "topic", "type", "subject", "data"}.
The output is its own cursor: at start the last complete line says the
epoch and seq to resume after, so the line and the cursor are stored in one
write and each event is written exactly once, through kill -9 and broker
restarts. (Storing the cursor apart from the output would give
at-least-once.) Without a line it starts at seq 0: everything the log holds.

Needs Debian's python3-zmq and python3-msgpack (/usr/bin/python3).
Addresses default to STI_EVENTS_SUB and STI_BROKER. Stops on SIGTERM/SIGINT.
"""
import argparse, json, os, signal, sys, time, uuid
import msgpack, zmq

CALL_TIMEOUT_MS, CALL_TRIES, QUIET_S = 1500, 2, 3.0


def log(message):
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


class Output:
    """The JSON lines file, and the cursor its last line holds."""

    def __init__(self, path):
        self.epoch, self.seq = None, 0
        if os.path.exists(path):
            with open(path, "rb") as f:
                text = f.read()
            complete = text[: text.rfind(b"\n") + 1]   # a line cut short by a crash goes
            if len(complete) != len(text):
                os.truncate(path, len(complete))
            if complete:
                last = json.loads(complete.splitlines()[-1])
                self.epoch, self.seq = last["epoch"], last["seq"]
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, epoch, event):
        line = {"epoch": epoch, "seq": event["seq"], "topic": event["topic"],
                "type": event["type"], "subject": event.get("subject"), "data": event.get("data")}
        os.write(self.fd, (json.dumps(line, ensure_ascii=False) + "\n").encode())


class Subscriber:
    def __init__(self, args):
        self.args, self.ctx = args, zmq.Context()
        self.out = Output(args.out)
        self.cursor, self.epoch = self.out.seq, self.out.epoch
        log(f"resuming after seq {self.cursor} (epoch {self.epoch or 'not known yet'})")
        self.sub = self.ctx.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.RCVHWM, 100000)
        self.sub.setsockopt(zmq.MAXMSGSIZE, 2 << 20)
        self.sub.connect(args.sub)
        self.sub.setsockopt(zmq.SUBSCRIBE, (args.stream + ".").encode())   # all of it (step 1)
        self.pending, self.next_try, self.heard = True, 0.0, time.monotonic()

    def call(self, op, body):
        """A Majordomo request with Lazy Pirate retries: the reply, or None."""
        request = msgpack.packb({"op": op, "id": uuid.uuid4().hex, "body": body})
        for _ in range(CALL_TRIES):
            sock = self.ctx.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 0)
            sock.connect(self.args.broker)
            sock.send_multipart([b"", b"MDPC01", self.args.service.encode(), request])
            if sock.poll(CALL_TIMEOUT_MS):
                reply = sock.recv_multipart()[-1]
                sock.close()
                return msgpack.unpackb(reply, raw=False)
            sock.close()
        return None

    def emit(self, epoch, event):
        if event["topic"].startswith(self.args.prefix):
            self.out.write(epoch, event)

    def catch_up(self):
        """Step 5. Returns False when the service did not answer (try again later)."""
        while True:
            asked = self.cursor
            reply = self.call("events.since", {"stream": self.args.stream, "seq": asked,
                                               "prefix": self.args.prefix, "limit": 1000})
            if not reply or not reply.get("ok"):
                log(f"events.since: {reply and reply.get('error') or 'no answer'}; again in 1 s")
                return False
            body = reply["body"]
            if self.epoch and body["epoch"] and body["epoch"] != self.epoch:
                if self.cursor > body["epoch_start"]:
                    log(f"new epoch: events {body['epoch_start'] + 1}..{self.cursor} are gone")
                    self.cursor = body["epoch_start"]
                self.epoch = body["epoch"]
                continue
            self.epoch = self.epoch or body["epoch"] or None
            if body["first"] > self.cursor + 1:
                log(f"events {self.cursor + 1}..{body['first'] - 1} are gone from the log: "
                    "rebuild from a snapshot (snapshot.get)")
                self.cursor = body["first"] - 1
                continue
            if body["latest"] < self.cursor:
                log(f"the stream went back to {body['latest']}: waiting for a new epoch")
                return True
            for event in body["events"]:
                self.emit(event.get("epoch") or body["epoch"], event)
            self.cursor = body["upto"]
            if self.cursor >= body["latest"] or self.cursor == asked:
                return True

    def on_message(self, topic, body):
        event = msgpack.unpackb(body, raw=False)
        self.heard = time.monotonic()
        if topic.endswith(b".$hb"):                                    # step 4
            if (event["epoch"] and self.epoch and event["epoch"] != self.epoch) or \
                    event["seq"] > self.cursor:
                self.pending = True
            elif event["seq"] < self.cursor:
                log(f"heartbeat at seq {event['seq']}, below the cursor {self.cursor}")
            return
        if self.pending or (event.get("epoch") and self.epoch and event["epoch"] != self.epoch):
            self.pending = True                                        # the replay brings it
        elif event["seq"] == self.cursor + 1:                          # step 3
            self.cursor = event["seq"]
            self.emit(event.get("epoch") or self.epoch, event)
        elif event["seq"] > self.cursor + 1:
            self.pending = True

    def run(self):
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        quiet_said = False
        while not stop:
            now = time.monotonic()
            if self.pending and now >= self.next_try:
                self.pending = not self.catch_up()
                self.next_try = time.monotonic() + 1.0
            if self.sub.poll(250):
                topic, body = self.sub.recv_multipart()
                self.on_message(topic, body)
                quiet_said = False
            elif time.monotonic() - self.heard > QUIET_S:
                # No heartbeat: the broker or the publisher is away. The SUB socket
                # reconnects by itself; ask the log now and then meanwhile.
                if not quiet_said:
                    log(f"nothing heard for {QUIET_S:.0f} s: the bus is down; asking the log")
                    quiet_said = True
                self.pending, self.heard = True, time.monotonic()
        self.sub.close()
        self.ctx.term()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--sub", default=os.environ.get("STI_EVENTS_SUB", "tcp://127.0.0.1:5556"))
    p.add_argument("--broker", default=os.environ.get("STI_BROKER", "tcp://127.0.0.1:5555"))
    p.add_argument("--stream", default="ind")
    p.add_argument("--service", default="sti.indicators")
    p.add_argument("--prefix", default="")
    Subscriber(p.parse_args()).run()


if __name__ == "__main__":
    main()
