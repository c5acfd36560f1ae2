#!/usr/bin/env node
// A reference subscriber of an STI Monitor event stream over ZeroMQ, written
// from docs/events.md alone ("The subscriber's algorithm"), with the npm
// packages zeromq (6.x, its Linux x64 binary is inside the package) and
// @msgpack/msgpack. The Python one beside it does the same, line for line.
//
//   node sti_subscriber.mjs --out FILE [--sub ADDR] [--broker ADDR]
//        [--stream ind] [--service sti.indicators] [--prefix ind.]
//
// Writes every event whose topic starts with --prefix to FILE, one JSON line
// each: {"epoch", "seq", "topic", "type", "subject", "data"}. The output is its
// own cursor: at start its last complete line says where to resume, so the
// line and the cursor are stored in one write and each event is written exactly
// once, through kill -9 and broker restarts (a cursor stored apart from the
// output would give at-least-once). Addresses default to STI_EVENTS_SUB and
// STI_BROKER. Stops on SIGTERM/SIGINT.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { decode, encode } from "@msgpack/msgpack";
import * as zmq from "zeromq";

const CALL_TIMEOUT_MS = 1500, CALL_TRIES = 2, QUIET_MS = 3000;
const { values: args } = parseArgs({
    options: {
        out: { type: "string" },
        sub: { type: "string", default: process.env.STI_EVENTS_SUB ?? "tcp://127.0.0.1:5556" },
        broker: { type: "string", default: process.env.STI_BROKER ?? "tcp://127.0.0.1:5555" },
        stream: { type: "string", default: "ind" },
        service: { type: "string", default: "sti.indicators" },
        prefix: { type: "string", default: "" },
    },
});
if (!args.out) {
    console.error("usage: sti_subscriber.mjs --out FILE [--sub ADDR] [--broker ADDR] ...");
    process.exit(2);
}
const log = (message) => console.error(new Date().toISOString().slice(11, 19), message);

// The output file, and the cursor its last complete line holds.
let cursor = 0, epoch = null;
if (fs.existsSync(args.out)) {
    const text = fs.readFileSync(args.out);
    const complete = text.lastIndexOf(0x0a) + 1; // a line cut short by a crash goes
    if (complete !== text.length) fs.truncateSync(args.out, complete);
    const lines = text.subarray(0, complete).toString().split("\n").filter(Boolean);
    if (lines.length) ({ seq: cursor, epoch } = JSON.parse(lines[lines.length - 1]));
}
const out = fs.openSync(args.out, "a");
log(`resuming after seq ${cursor} (epoch ${epoch ?? "not known yet"})`);
const emit = (eventEpoch, e) => {
    if (!e.topic.startsWith(args.prefix)) return;
    const line = { epoch: eventEpoch, seq: e.seq, topic: e.topic, type: e.type,
                   subject: e.subject ?? null, data: e.data ?? null };
    fs.writeSync(out, JSON.stringify(line) + "\n");
};

// A Majordomo request with Lazy Pirate retries: the reply, or null.
async function call(op, body) {
    const request = encode({ op, id: randomUUID(), body });
    for (let i = 0; i < CALL_TRIES; i++) {
        const sock = new zmq.Dealer({ linger: 0, receiveTimeout: CALL_TIMEOUT_MS });
        sock.connect(args.broker);
        try {
            await sock.send(["", "MDPC01", args.service, request]);
            const frames = await sock.receive();
            return decode(frames[frames.length - 1]);
        } catch (err) {
            if (err.code !== "EAGAIN") throw err; // EAGAIN: no answer in time
        } finally {
            sock.close();
        }
    }
    return null;
}

// Step 5. Returns false when the service did not answer (try again later).
async function catchUp() {
    for (;;) {
        const asked = cursor;
        const reply = await call("events.since",
            { stream: args.stream, seq: asked, prefix: args.prefix, limit: 1000 });
        if (!reply?.ok) {
            log(`events.since: ${JSON.stringify(reply?.error ?? "no answer")}; again in 1 s`);
            return false;
        }
        const b = reply.body;
        if (epoch && b.epoch && b.epoch !== epoch) {
            if (cursor > b.epoch_start) {
                log(`new epoch: events ${b.epoch_start + 1}..${cursor} are gone`);
                cursor = b.epoch_start;
            }
            epoch = b.epoch;
            continue;
        }
        epoch = epoch || b.epoch || null;
        if (b.first > cursor + 1) {
            log(`events ${cursor + 1}..${b.first - 1} are gone from the log: rebuild from a snapshot (snapshot.get)`);
            cursor = b.first - 1;
            continue;
        }
        if (b.latest < cursor) {
            log(`the stream went back to ${b.latest}: waiting for a new epoch`);
            return true;
        }
        for (const e of b.events) emit(e.epoch || b.epoch, e);
        cursor = b.upto;
        if (cursor >= b.latest || cursor === asked) return true;
    }
}

let pending = true, nextTry = 0, heard = Date.now(), quietSaid = false, stop = false;
function onMessage(topic, body) {
    const e = decode(body);
    heard = Date.now();
    if (topic.toString().endsWith(".$hb")) { // step 4
        if ((e.epoch && epoch && e.epoch !== epoch) || e.seq > cursor) pending = true;
        else if (e.seq < cursor) log(`heartbeat at seq ${e.seq}, below the cursor ${cursor}`);
        return;
    }
    if (pending || (e.epoch && epoch && e.epoch !== epoch)) pending = true; // the replay brings it
    else if (e.seq === cursor + 1) { // step 3
        cursor = e.seq;
        emit(e.epoch || epoch, e);
    } else if (e.seq > cursor + 1) pending = true;
}

const sub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 100000,
                                 maxMessageSize: 2 << 20, receiveTimeout: 250 });
sub.connect(args.sub);
sub.subscribe(args.stream + "."); // all of the stream, heartbeats too (step 1)
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => { stop = true; });
while (!stop) {
    if (pending && Date.now() >= nextTry) {
        pending = !(await catchUp());
        nextTry = Date.now() + 1000;
    }
    try {
        const [topic, body] = await sub.receive();
        onMessage(topic, body);
        quietSaid = false;
    } catch (err) {
        if (err.code !== "EAGAIN") throw err;
        if (Date.now() - heard > QUIET_MS) {
            // No heartbeat: the broker or the publisher is away. The SUB socket
            // reconnects by itself; ask the log now and then meanwhile.
            if (!quietSaid) log("nothing heard for 3 s: the bus is down; asking the log");
            quietSaid = true;
            pending = true;
            heard = Date.now();
        }
    }
}
sub.close();
