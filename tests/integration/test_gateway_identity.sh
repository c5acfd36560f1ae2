#!/usr/bin/env bash
# On someone's behalf (shared/platform/sti_behalf.h), end to end through a
# CURVE broker: a key of role gateway asks for a person with `as` {user, role,
# scope}, and the service takes the person as the caller. A clerk scoped to
# one town submits for it (the intake entry names the clerk) and is refused
# for another town (forbidden, naming the scope, per row); a reader cannot
# submit; an officer reveals a talent and the audit entry names the officer;
# the gateway key alone is refused for every op; `as` from any other role is
# refused; a malformed `as` is invalid_argument naming its key; a gateway key
# may serve only the service its certificate names. Org units donghu and
# nanyuan are made up for the test.
. "$STI_SOURCE/tests/lib.sh"
CALL="$STI_SOURCE/tests/helpers/curve_call.py"
BEHALF="$STI_SOURCE/tests/helpers/behalf_call.py"

K=$T/keys
ALLOW=$T/allow
mkdir -p "$ALLOW"
newkey() {   # newkey NAME ROLE [--service S] [--stream S]...
    local name=$1 role=$2; shift 2
    stictl keys new "$name" --role "$role" "$@" --out "$K" >/dev/null \
        || sti_fail "stictl keys new $name --role $role $*"
}
newkey broker service
newkey ingest service --service sti.ingest
newkey talent service --service sti.talent --stream tal
newkey gw gateway --service sti.gateway
newkey alice clerk
newkey root admin
newkey olga officer
stictl keys show "$K/gw" | grep -q ' gw gateway service=sti.gateway streams=$' \
    || sti_fail "stictl keys show: $(stictl keys show "$K/gw")"
for name in ingest talent gw alice root olga; do cp "$K/$name" "$ALLOW/"; done
as() { local who=$1; shift; STI_CURVE_CERT=$K/${who}_secret "$@"; }

sti_start_redis
req=$(sti_spare_port); sub=$(sti_spare_port); pub=$(sti_spare_port); BROKER_HTTP=$(sti_spare_port)
export STI_BROKER="tcp://127.0.0.1:$req" STI_EVENTS_SUB="tcp://127.0.0.1:$sub"
export STI_EVENTS_PUB="tcp://127.0.0.1:$pub"
sti_spawn broker sti-broker --bind "$STI_BROKER" --xpub "$STI_EVENTS_SUB" --xsub "$STI_EVENTS_PUB" \
    --http-addr "127.0.0.1:$BROKER_HTTP" --curve on --curve-cert "$K/broker_secret" \
    --curve-clients "$ALLOW"
sti_wait_for 10 curl -sf "http://127.0.0.1:$BROKER_HTTP/healthz"
export STI_CURVE_BROKER_KEY=$K/broker
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    donghu:linping nanyuan:linping || sti_fail "plan_put failed"
as ingest sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
as talent sti_spawn talent sti-talent --http-addr 127.0.0.1:0
sti_wait_for 15 as root "$CALL" mmi sti.ingest
sti_wait_for 15 as root "$CALL" mmi sti.talent

# check REPLY PYTHON: asserts on the reply r (a dict) with the given Python.
check() {
    /usr/bin/python3 -c "import json, sys; r = json.loads(sys.argv[1]); $2" "$1" \
        || sti_fail "unexpected reply: $1"
}
row() {   # row ORG [VALUE]
    echo "{\"indicator\": \"hitech_enterprises\", \"org\": \"$1\", \"period\": \"2023\", \"value\": ${2:-12}}"
}
clerk='{"user": "carol", "role": "clerk", "scope": "donghu"}'

# The scoped clerk submits for the town: accepted, and carol is the submitter.
out=$(as gw "$BEHALF" sti.ingest obs.submit "{\"rows\": [$(row donghu)]}" "$clerk") \
    || sti_fail "no reply"
check "$out" 'assert r["ok"] and r["body"]["accepted"] == 1, r'
sti_redis_cli XRANGE "$STI_NAMESPACE:intake" - + | grep -qx carol \
    || sti_fail "the intake entry does not name carol as its submitter"
sti_redis_cli XRANGE "$STI_NAMESPACE:intake" - + | grep -qx gw \
    && sti_fail "the intake entry names the gateway"
# For another town (and for the district above it): forbidden, naming the
# scope, a detail per row outside; nothing is kept.
before=$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")
body="{\"rows\": [$(row donghu 13), $(row nanyuan), $(row linping)]}"
out=$(as gw "$BEHALF" sti.ingest obs.submit "$body" "$clerk") || sti_fail "no reply"
check "$out" '
e = r["error"]
assert not r["ok"] and e["code"] == "forbidden", r
assert "outside the scope donghu of carol" in e["message"], e
assert [(d["index"], d["field"]) for d in e["details"]] == [(1, "org"), (2, "org")], e
assert e["details"][0]["reason"] == "org unit nanyuan is outside the scope donghu", e'
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = "$before" ] \
    || sti_fail "rows of a refused request were kept"
# A scope that is not an org unit of the plan refuses everything.
out=$(as gw "$BEHALF" sti.ingest obs.submit "{\"rows\": [$(row donghu)]}" \
    '{"user": "carol", "role": "clerk", "scope": "xihu"}') || sti_fail "no reply"
check "$out" 'assert r["error"]["code"] == "forbidden" and "scope xihu" in r["error"]["message"], r'
# Without a scope the same clerk may submit anywhere.
out=$(as gw "$BEHALF" sti.ingest obs.submit "{\"rows\": [$(row nanyuan)]}" \
    '{"user": "dan", "role": "clerk"}') || sti_fail "no reply"
check "$out" 'assert r["ok"] and r["body"]["accepted"] == 1, r'

# A reader, through the gateway, may not submit; the refusal names the person.
out=$(as gw "$BEHALF" sti.ingest obs.submit "{\"rows\": [$(row donghu)]}" \
    '{"user": "rita", "role": "reader"}') || sti_fail "no reply"
check "$out" 'assert r["error"]["code"] == "forbidden", r
assert r["error"]["message"] == "op obs.submit is not allowed for role reader (caller rita)", r'

# The gateway key alone is refused, for a write and for a query alike.
for op in obs.submit ops.describe; do
    out=$(as gw "$BEHALF" sti.ingest "$op" '{}' -) || sti_fail "no reply"
    check "$out" 'assert r["error"]["code"] == "forbidden" and "never as itself" in r["error"]["message"], r'
done
# `as` from any other role is refused: a clerk, an admin.
for who in alice root; do
    out=$(as "$who" "$BEHALF" sti.ingest obs.submit "{\"rows\": [$(row donghu)]}" "$clerk") \
        || sti_fail "no reply"
    check "$out" 'assert r["error"]["code"] == "forbidden", r
assert "only a key of role gateway may act on behalf" in r["error"]["message"], r'
done
# A malformed `as`: invalid_argument naming the key.
out=$(as gw "$BEHALF" sti.ingest obs.submit '{"rows": []}' '{"user": "x", "role": "service"}') \
    || sti_fail "no reply"
check "$out" 'assert r["error"]["code"] == "invalid_argument" and r["error"]["message"].startswith("as.role:"), r'

# An officer reveals a talent through the gateway: the audit entry names the
# officer and the reason (the key of a person acting through a gateway is nil).
N1=$("$STI_SOURCE/tests/helpers/talent_ids.py" resident 21)
id=$(as olga stictl talent add --name 吴八 --id-type resident --id-number "$N1" \
    --phone 13912340008 --category national --field equipment --channel direct \
    --arrived 2024-03-01) || sti_fail "talent add"
officer='{"user": "omar", "role": "officer"}'
out=$(as gw "$BEHALF" sti.talent talent.reveal "{\"id\": \"$id\", \"reason\": \"residence permit\"}" \
    "$officer") || sti_fail "no reply"
check "$out" "assert r['ok'] and r['body']['id_number'] == '$N1', r"
out=$(as gw "$BEHALF" sti.talent talent.audit "{\"id\": \"$id\"}" "$officer") || sti_fail "no reply"
check "$out" '
reveals = [e for e in r["body"]["entries"] if e["op"] == "talent.reveal"]
assert len(reveals) == 1, r
assert reveals[0]["who"] == "omar" and reveals[0]["reason"] == "residence permit", reveals'
# A clerk through the gateway may not reveal.
out=$(as gw "$BEHALF" sti.talent talent.reveal "{\"id\": \"$id\", \"reason\": \"curious\"}" "$clerk") \
    || sti_fail "no reply"
check "$out" 'assert r["error"]["code"] == "forbidden" and "caller carol" in r["error"]["message"], r'

# A gateway key serves only the service its certificate names.
as gw sti_spawn rogue sti-ingest --http-addr 127.0.0.1:0
sti_wait_for 10 grep -q 'a key may serve only the service its certificate names' "$T/broker.log"
echo "test_gateway_identity: ok"
