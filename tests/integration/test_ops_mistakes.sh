#!/usr/bin/env bash
# The same three mistakes sent to every op of every service, which must all
# answer them in one shape: invalid_argument, the message "KEY: RULE" and the
# one detail {index: -1, field: KEY, reason: RULE}, in the same words.
#
# Redis, the broker and every service (sti-ingest, sti-indicators, sti-talent
# with a talent key file, sti-notify) run with CURVE on, so that talent.reveal,
# which only an officer may call, is reached as an officer (everything else as
# admin): without CURVE every caller is local/admin and that op would answer
# forbidden before its body is looked at. The plan is loaded first.
#
# For each service the test asks ops.describe, then for EVERY op declared:
#   unknown key    {zz_not_declared: 1}          -> "unknown key (known: ...)"
#   missing key    {} (ops with a required key)  -> the first required key,
#                                                   "missing (required)"
#   wrong type     the first key whose type is checked, with a value of
#                  another type (required keys before it given a valid one)
#                  -> that key, and the rule ops.describe states for it
# What cannot be sent to an op (no key declared, no key required) is listed
# below in NOT_CHECKED with the reason, and the test fails when that list
# and the declarations disagree.
. "$STI_SOURCE/tests/lib.sh"
PLAN="$STI_SOURCE/data/plans/linping-2021-2025"
CALL="$STI_SOURCE/tests/helpers/curve_call.py"

# Keys as scripts/up makes them: each service names its service and stream.
K=$T/keys
mkdir -p "$K/allow"
key() {   # key NAME ROLE [--service S] [--stream S]
    local name=$1 role=$2; shift 2
    stictl keys new "$name" --role "$role" "$@" --out "$K" >/dev/null \
        || sti_fail "stictl keys new $name --role $role $*"
    [ "$name" = broker ] || cp "$K/$name" "$K/allow/"
}
key broker service
key root admin
key olga officer
key ingest service --service sti.ingest
key indicators service --service sti.indicators --stream ind
key talent service --service sti.talent --stream tal
key notify service --service sti.notify --stream ntf
as() { local who=$1; shift; STI_CURVE_CERT=$K/${who}_secret "$@"; }

sti_start_redis
req=$(sti_spare_port); sub=$(sti_spare_port); pub=$(sti_spare_port); http=$(sti_spare_port)
export STI_BROKER="tcp://127.0.0.1:$req" STI_EVENTS_SUB="tcp://127.0.0.1:$sub"
export STI_EVENTS_PUB="tcp://127.0.0.1:$pub"
sti_spawn broker sti-broker --bind "$STI_BROKER" --xpub "$STI_EVENTS_SUB" \
    --xsub "$STI_EVENTS_PUB" --http-addr "127.0.0.1:$http" --curve on \
    --curve-cert "$K/broker_secret" --curve-clients "$K/allow"
sti_wait_for 10 curl -sf "http://127.0.0.1:$http/healthz"
export STI_CURVE_BROKER_KEY=$K/broker

head -c 32 /dev/urandom >"$T/talent.key"
chmod 600 "$T/talent.key"
as ingest sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
as indicators sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
as talent sti_spawn talent env -u STI_TALENT_KEY sti-talent --http-addr 127.0.0.1:0 \
    --talent-key-file "$T/talent.key"
as notify sti_spawn notify sti-notify --http-addr 127.0.0.1:0
for service in sti.ingest sti.indicators sti.talent sti.notify; do
    sti_wait_for 15 as root "$CALL" mmi "$service"
done
as root stictl --timeout 15000 plan load "$PLAN" >"$T/plan.txt" \
    || sti_fail "plan load: $(cat "$T/plan.txt")"

STI_CURVE_CERT=$K/root_secret OFFICER_CERT=$K/olga_secret \
/usr/bin/python3 - <<'PY' || sti_fail "the three mistakes"
import os, sys, uuid
import msgpack
sys.path.insert(0, os.environ["STI_SOURCE"] + "/tests/helpers")
from curve_call import exchange, socket

SERVICES = ["sti.ingest", "sti.indicators", "sti.talent", "sti.notify"]
UNKNOWN = "zz_not_declared"
# What no request can show, by op, with the reason. Checked against the
# declarations: an op that gains a key must come off this list.
NO_KEYS = "declares no body key: none can be missing or of a wrong type"
NONE_REQUIRED = "every key is optional: none can be missing"
NOT_CHECKED = {
    ("sti.ingest", "ops.describe"): NO_KEYS,
    ("sti.indicators", "ops.describe"): NO_KEYS,
    ("sti.indicators", "catalog.list"): NO_KEYS,
    ("sti.indicators", "org.list"): NO_KEYS,
    ("sti.indicators", "dataset.get"): NO_KEYS,
    ("sti.indicators", "progress.report"): NONE_REQUIRED,
    ("sti.indicators", "snapshot.get"): NONE_REQUIRED,
    ("sti.indicators", "intake.status"): NONE_REQUIRED,
    ("sti.indicators", "target.list"): NONE_REQUIRED,
    ("sti.indicators", "forecast.report"): NONE_REQUIRED,
    ("sti.indicators", "duty.list"): NONE_REQUIRED,
    ("sti.indicators", "overdue"): NONE_REQUIRED,
    ("sti.indicators", "report.list"): NONE_REQUIRED,
    ("sti.talent", "ops.describe"): NO_KEYS,
    ("sti.talent", "talent.stats"): NO_KEYS,
    ("sti.talent", "talent.search"): NONE_REQUIRED,
    ("sti.talent", "talent.export"): NONE_REQUIRED,
    ("sti.talent", "talent.rekey"): NONE_REQUIRED,
    ("sti.notify", "ops.describe"): NO_KEYS,
    ("sti.notify", "rule.list"): NO_KEYS,
    ("sti.notify", "silence.list"): NO_KEYS,
    ("sti.notify", "delivery.list"): NONE_REQUIRED,
}
WRONG = {"str": 12345, "int": "x", "number": "x", "bool": "x", "map": "x", "array": "x"}

socks = {}
def call(service, op, body, who="root"):
    if who not in socks:
        cert = os.environ["OFFICER_CERT"] if who == "olga" else None
        socks[who] = socket(cert=cert)
    request_id = uuid.uuid4().hex
    frames = exchange(socks[who], service, msgpack.packb(
        {"op": op, "id": request_id, "body": body}, use_bin_type=True))
    assert frames is not None, "%s %s: no reply" % (service, op)
    reply = msgpack.unpackb(frames[0], raw=False)
    assert reply.get("id") == request_id, (service, op, reply)
    return reply

def valid(arg):
    """A value that passes arg's own check (for required keys before the wrong one)."""
    kind, low = arg["type"], arg.get("min", 0)
    if kind == "str":
        return "a" * max(low, 1)
    if kind in ("int", "number"):
        return low
    if kind == "bool":
        return True
    if kind == "map" and not any(k["required"] for k in arg.get("keys", [])):
        return {}
    if kind == "array" and low == 0:
        return []
    raise AssertionError("no valid value for %r: add the op to NOT_CHECKED" % arg)

def expect(service, op, reply, field, reason_ok, what):
    """The one shape of a refused body."""
    where = "%s %s (%s)" % (service, op, what)
    assert reply["ok"] is False, (where, reply)
    error = reply["error"]
    assert sorted(error) == ["code", "details", "message"], (where, error)
    assert error["code"] == "invalid_argument", (where, error)
    details = error["details"]
    assert len(details) == 1 and sorted(details[0]) == ["field", "index", "reason"], (where, error)
    detail = details[0]
    assert detail["index"] == -1 and detail["field"] == field, (where, error)
    assert reason_ok(detail["reason"]), (where, error)
    assert error["message"] == "%s: %s" % (field, detail["reason"]), (where, error)

def known_ok(names):
    """'unknown key (known: a, b, ...)': the declared names in order, maybe cut with '...'."""
    def ok(reason):
        if not (reason.startswith("unknown key (known: ") and reason.endswith(")")):
            return False
        listed = reason[len("unknown key (known: "):-1].split(", ")
        if listed == ["none"]:
            return names == []
        if listed[-1] == "...":
            return listed[:-1] == names[:len(listed) - 1] and len(listed) - 1 < len(names)
        return listed == names
    return ok

found_not_checked = {}
checked = 0
for service in SERVICES:
    doc = call(service, "ops.describe", {})
    assert doc["ok"] and doc["body"]["service"] == service, doc
    ops = doc["body"]["ops"]
    assert any(o["op"] == "ops.describe" for o in ops)
    for op in ops:
        name, args = op["op"], op["body"]
        who = "olga" if op["listed_only"] else "root"
        assert op["listed_only"] is False or "officer" in op["roles"], op
        names = [a["name"] for a in args]

        expect(service, name, call(service, name, {UNKNOWN: 1}, who), UNKNOWN,
               known_ok(names), "unknown key")
        checked += 1

        required = [a for a in args if a["required"]]
        if required:
            expect(service, name, call(service, name, {}, who), required[0]["name"],
                   lambda r: r == "missing (required)", "missing key")
            checked += 1

        typed = [i for i, a in enumerate(args) if a["type"] in WRONG]
        if typed:
            target = args[typed[0]]
            body = {a["name"]: valid(a) for a in args[:typed[0]] if a["required"]}
            body[target["name"]] = WRONG[target["type"]]
            expect(service, name, call(service, name, body, who), target["name"],
                   lambda r, rule=target["rule"]: r == rule, "wrong type")
            checked += 1

        if not args:
            found_not_checked[(service, name)] = NO_KEYS
        elif not required:
            found_not_checked[(service, name)] = NONE_REQUIRED
        assert args == [] or typed, "%s %s: no key of a checked type" % (service, name)

assert found_not_checked == NOT_CHECKED, (
    "NOT_CHECKED disagrees with the declarations: missing %r, extra %r" % (
        {k: v for k, v in found_not_checked.items() if NOT_CHECKED.get(k) != v},
        {k: v for k, v in NOT_CHECKED.items() if found_not_checked.get(k) != v}))
print("%d mistakes answered alike; not sent:" % checked)
for (service, name), why in sorted(NOT_CHECKED.items()):
    print("  %s %s: %s" % (service, name, why))
PY
echo ok
