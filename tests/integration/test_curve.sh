#!/usr/bin/env bash
# CURVE end to end: a broker with STI_CURVE=on and an allow-list, sti-ingest
# and clients with keys made by `stictl keys new`. An unknown key and a client
# without encryption are refused (and counted, and logged); a reader may not
# submit (forbidden, naming the op and the role), a clerk may, and the row's
# submitter is the clerk's name; a key that is not role `service` cannot
# serve, and a service key only the service its certificate names (sti-ingest's
# key is refused as sti.talent; a key that names none is refused); writes are
# rate limited per caller (rate_limited, retry_after_ms); only role service
# may publish events, and only on the streams its certificate lists; only an
# officer gets talent.reveal
# (not a clerk, not an admin), and the audit log names the officer, the key
# and the reason; a key removed from the allow-list stops working on its old
# connection (requests and events) and on new ones; `stictl health` works through CURVE.
. "$STI_SOURCE/tests/lib.sh"
CALL="$STI_SOURCE/tests/helpers/curve_call.py"

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
newkey bus service --stream tst   # a publisher that serves no service
for spec in alice:clerk rita:reader root:admin olga:officer stranger:clerk; do
    newkey "${spec%%:*}" "${spec##*:}"
done
stictl keys show "$K/talent" | grep -q ' talent service service=sti.talent streams=tal$' \
    || sti_fail "stictl keys show: $(stictl keys show "$K/talent")"
for name in ingest talent bus alice rita root olga; do cp "$K/$name" "$ALLOW/"; done

# as NAME CMD...: runs CMD with NAME's key.
as() { local who=$1; shift; STI_CURVE_CERT=$K/${who}_secret "$@"; }
metric() {   # metric NAME_AND_LABELS: the broker's value (0 when absent)
    curl -sf "http://127.0.0.1:$BROKER_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2; f=1} END {if (!f) print 0}'
}
metric_at_least() { [ "$(metric "$1")" -ge "$2" ]; }

sti_start_redis
req=$(sti_spare_port); sub=$(sti_spare_port); pub=$(sti_spare_port); BROKER_HTTP=$(sti_spare_port)
export STI_BROKER="tcp://127.0.0.1:$req" STI_EVENTS_SUB="tcp://127.0.0.1:$sub"
export STI_EVENTS_PUB="tcp://127.0.0.1:$pub"
sti_spawn broker sti-broker --bind "$STI_BROKER" --xpub "$STI_EVENTS_SUB" --xsub "$STI_EVENTS_PUB" \
    --http-addr "127.0.0.1:$BROKER_HTTP" --curve on --curve-cert "$K/broker_secret" \
    --curve-clients "$ALLOW" --curve-reload-ms 100
sti_wait_for 10 curl -sf "http://127.0.0.1:$BROKER_HTTP/healthz"
export STI_CURVE_BROKER_KEY=$K/broker
# A burst of 3 writes, then one every 100 s: the fourth write of a caller is
# limited however long the three before it took (at 0.2 a second, a loaded
# machine let a token come back between them).
as ingest sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0 --write-rate 0.01 --write-burst 3
sti_wait_for 15 as root "$CALL" mmi sti.ingest
grep -q '"CURVE on' "$T/ingest.log" || sti_fail "sti-ingest did not log that CURVE is on"

# stictl through CURVE: the broker and sti.ingest answer.
out=$(as root stictl health) || true
echo "$out" | grep -q "broker up" || sti_fail "stictl health through CURVE: $out"
echo "$out" | grep -q "sti.ingest up" || sti_fail "stictl health through CURVE: $out"
# Without its own key stictl says what is missing.
out=$(STI_CURVE_CERT= stictl health 2>&1) && sti_fail "stictl without a key worked"
echo "$out" | grep -q STI_CURVE_CERT || sti_fail "stictl without a key: $out"

# Events: a service's events on its own streams reach a subscriber; a clerk's
# are dropped, and so are a service key's on a stream its certificate does
# not list (sti-ingest's key lists none, sti-talent's only tal).
# An event that must arrive may take its time (two CURVE handshakes and a
# subscription on a loaded machine): 20 s; one that must not gets 1.5 s.
STI_CALL_TIMEOUT=20000 as root "$CALL" bus "$K/bus_secret" \
    || sti_fail "an event on the key's own stream did not arrive"
STI_CALL_TIMEOUT=20000 as root "$CALL" bus "$K/talent_secret" tal.national \
    || sti_fail "sti-talent's key could not publish tal"
rc=0; STI_CALL_TIMEOUT=1500 as root "$CALL" bus "$K/alice_secret" || rc=$?
[ $rc -eq 3 ] || sti_fail "an event from a clerk's key reached a subscriber (rc $rc)"
metric_at_least 'sti_broker_events_denied_total{reason="role"}' 1 \
    || sti_fail "the clerk's event was not counted"
rc=0; STI_CALL_TIMEOUT=1500 as root "$CALL" bus "$K/ingest_secret" tal.national || rc=$?
[ $rc -eq 3 ] || sti_fail "sti-ingest's key published on stream tal (rc $rc)"
grep -q 'dropped an event on stream tal from key ingest (role service, streams none)' \
    "$T/broker.log" || sti_fail "no log line for the event on another service's stream"
rc=0; STI_CALL_TIMEOUT=1500 as root "$CALL" bus "$K/talent_secret" ind.x.y || rc=$?
[ $rc -eq 3 ] || sti_fail "sti-talent's key published on stream ind (rc $rc)"
metric_at_least 'sti_broker_events_denied_total{reason="stream"}' 2 \
    || sti_fail "the events on other streams were not counted"

# An unknown key is refused, counted and logged.
STI_CALL_TIMEOUT=1000 as stranger "$CALL" call sti.ingest obs.submit '{"rows": []}' 2>/dev/null \
    && sti_fail "an unknown key was answered"
sti_wait_for 5 metric_at_least 'sti_broker_handshakes_refused_total{reason="unknown_key"}' 1
# A client without encryption is refused, counted and logged: libzmq reports
# a mechanism mismatch, or a hang-up when the client saw the mismatch first.
STI_CALL_TIMEOUT=1000 "$CALL" plain sti.ingest || sti_fail "a client without encryption was answered"
plain_refused() {
    [ $(( $(metric 'sti_broker_handshakes_refused_total{reason="no_encryption"}') \
        + $(metric 'sti_broker_handshakes_refused_total{reason="aborted"}') )) -ge 1 ]
}
sti_wait_for 5 plain_refused
grep -q 'refused a peer on requests: unknown_key' "$T/broker.log" || sti_fail "no log line for the unknown key"
grep -Eq 'refused a peer on requests: (no_encryption|aborted)' "$T/broker.log" \
    || sti_fail "no log line for the plain client"

plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    donghu:linping || sti_fail "plan_put failed"
row='{"rows": [{"indicator": "hitech_enterprises", "org": "linping", "period": "2023", "value": 850}], "source": "test"}'

# A message larger than message_max_bytes closes the connection, with CURVE
# too (its frame flags are encrypted: the broker counts until it takes a
# message), before the broker holds it.
STI_CALL_TIMEOUT=20000 as alice "$CALL" big 64 || sti_fail "a 960 MiB message was not cut"
sti_wait_for 5 metric_at_least 'sti_broker_connections_cut_total{reason="message_bytes"}' 1
peak=$(awk '$1 == "VmHWM:" {print $2}' "/proc/${STI_PIDS[broker]}/status")
if ! grep -q '^STI_SANITIZE:BOOL=ON' "$STI_BUILD/CMakeCache.txt"; then
    [ "$peak" -lt 163840 ] || sti_fail "broker peak RSS $peak kB for a message it refused"
fi

# A reader may not submit.
out=$(as rita "$CALL" call sti.ingest obs.submit "$row") || sti_fail "reader: no reply"
/usr/bin/python3 - "$out" <<'PY' || sti_fail "reader: expected forbidden, got $out"
import json, sys
r = json.loads(sys.argv[1])
assert not r["ok"] and r["error"]["code"] == "forbidden", r
assert "obs.submit" in r["error"]["message"] and "reader" in r["error"]["message"], r
PY
# A clerk may; the submitter recorded is the clerk's name.
out=$(as alice "$CALL" call sti.ingest obs.submit "$row") || sti_fail "clerk: no reply"
echo "$out" | grep -q '"accepted": 1' || sti_fail "clerk: expected the row accepted, got $out"
sti_redis_cli XRANGE "$STI_NAMESPACE:intake" - + | grep -qx alice \
    || sti_fail "the intake entry does not name alice as its submitter"

# Writes are rate limited per caller: a burst of 3, then rate_limited.
as alice "$CALL" call sti.ingest obs.submit "$row" >/dev/null || sti_fail "clerk: second write"
as alice "$CALL" call sti.ingest obs.submit "$row" >/dev/null || sti_fail "clerk: third write"
out=$(as alice "$CALL" call sti.ingest obs.submit "$row") || sti_fail "clerk: no reply"
/usr/bin/python3 - "$out" <<'PY' || sti_fail "expected rate_limited with retry_after_ms, got $out"
import json, sys
r = json.loads(sys.argv[1])
e = r["error"]
assert not r["ok"] and e["code"] == "rate_limited", r
d = [d for d in e["details"] if d["field"] == "retry_after_ms"]
assert d and 0 < int(d[0]["reason"]) <= 100000, e
assert "retry after" in e["message"], e
PY
# Another caller has its own bucket (an admin may submit too).
as root "$CALL" call sti.ingest obs.submit "$row" | grep -q '"accepted": 1' \
    || sti_fail "admin: a write of another caller was limited"

# Personal data in clear: only an officer, always audited. The numbers are
# made up (tests/helpers/talent_ids.py builds them with the check algorithm).
as talent sti_spawn talent sti-talent --http-addr 127.0.0.1:0
sti_wait_for 15 as root "$CALL" mmi sti.talent
N1=$("$STI_SOURCE/tests/helpers/talent_ids.py" resident 11)
id=$(as olga stictl talent add --name 周七 --id-type resident --id-number "$N1" \
    --phone 13912340007 --email zhou.seven@example.org --category national --field equipment \
    --channel direct --arrived 2024-02-01) || sti_fail "officer: talent add"
out=$(as olga stictl talent reveal "$id" --reason "visa letter for the provincial office") \
    || sti_fail "officer: reveal failed: $out"
for clear in "id_number: $N1" "phone: 13912340007" "email: zhou.seven@example.org"; do
    echo "$out" | grep -qxF "$clear" || sti_fail "reveal did not show '$clear': $out"
done
out=$(as olga stictl talent show "$id") || sti_fail "officer: talent show"
echo "$out" | grep -q 13912340007 && sti_fail "talent show printed the phone in clear: $out"
forbidden() {   # forbidden WHO ROLE: WHO's reveal is refused, naming the op and ROLE
    local out
    out=$(as "$1" "$CALL" call sti.talent talent.reveal "{\"id\": \"$id\", \"reason\": \"curious\"}") \
        || sti_fail "$1: no reply to talent.reveal"
    /usr/bin/python3 - "$out" "$2" <<'PY' || sti_fail "$1: expected forbidden, got $out"
import json, sys
r = json.loads(sys.argv[1])
assert not r["ok"] and r["error"]["code"] == "forbidden", r
assert "talent.reveal" in r["error"]["message"] and sys.argv[2] in r["error"]["message"], r
PY
}
forbidden alice clerk
forbidden root admin
# A reveal without a reason is refused, naming the field.
out=$(as olga "$CALL" call sti.talent talent.reveal "{\"id\": \"$id\"}") || sti_fail "no reply"
echo "$out" | grep -q '"field": "reason"' || sti_fail "reveal without a reason: $out"
long=$(printf 'x%.0s' $(seq 201))
for body in "{\"id\": \"$id\", \"reason\": \"$long\"}" "{\"id\": \"$id\", \"reason\": \"a\\u0007b\"}" \
    "{\"id\": \"$id\", \"reason\": \"   \"}"; do
    out=$(as olga "$CALL" call sti.talent talent.reveal "$body") || sti_fail "no reply"
    echo "$out" | grep -q '"code": "invalid_argument".*"field": "reason"' \
        || sti_fail "a bad reason was not refused: $out"
done
# The audit log holds the one reveal: the officer's name, key and reason.
out=$(as olga "$CALL" call sti.talent talent.audit "{\"id\": \"$id\"}") || sti_fail "audit: no reply"
/usr/bin/python3 - "$out" "$(sed -n 's/.*public-key = "\(.*\)"/\1/p' "$K/olga")" <<'PY' \
    || sti_fail "the audit log does not show the reveal: $out"
import json, sys
r = json.loads(sys.argv[1])
reveals = [e for e in r["body"]["entries"] if e["op"] == "talent.reveal"]
assert len(reveals) == 1, reveals
e = reveals[0]
assert e["who"] == "olga" and e["key"] == sys.argv[2], e
assert e["reason"] == "visa letter for the provincial office", e
PY
as olga stictl talent audit "$id" | grep -q "talent.reveal.*olga.*reason: visa letter" \
    || sti_fail "stictl talent audit does not show the reveal"
sti_stop talent

# A key that is not role service cannot serve.
as alice sti_spawn rogue sti-ingest --http-addr 127.0.0.1:0
sti_wait_for 10 grep -q 'only role service (or gateway) may serve: key alice (role clerk' "$T/broker.log"
sti_stop rogue
# A service key serves only the service its certificate names: sti-ingest's
# key may not pose as sti.talent (it would get talent.add and talent.reveal),
# and a service key that names no service may not serve at all.
as ingest "$CALL" ready sti.talent || sti_fail "sti-ingest's key was taken as a worker of sti.talent"
grep -q 'a key may serve only the service its certificate names: key ingest (role service, service sti.ingest) as sti.talent' \
    "$T/broker.log" || sti_fail "no log line for the key that posed as sti.talent"
as bus "$CALL" ready sti.ingest || sti_fail "a key that names no service was taken as a worker"
grep -q "names no service .*: key bus (role service, service none) as sti.ingest" "$T/broker.log" \
    || sti_fail "no log line for the key that names no service"
metric_at_least sti_broker_workers_denied_total 3 || sti_fail "the refused workers were not counted"

# Revocation: the old connection is cut once the broker re-read the list...
as rita "$CALL" revoke sti.ingest obs.submit "$row" "$ALLOW/rita" \
    "http://127.0.0.1:$BROKER_HTTP/metrics" || sti_fail "revocation on an old connection"
# A subscriber whose key is revoked is cut off; another one gets events again.
cp "$K/rita" "$ALLOW/rita2"
sti_wait_for 10 as rita "$CALL" mmi sti.ingest
STI_CALL_TIMEOUT=20000 as rita "$CALL" bus-revoke "$K/bus_secret" "$K/root_secret" "$ALLOW/rita2" \
    "http://127.0.0.1:$BROKER_HTTP/metrics" || sti_fail "revocation of a subscriber"
grep -q 'event subscribers are cut off' "$T/broker.log" || sti_fail "no log line for the cut"
# ... and a new connection is refused by zauth.
STI_CALL_TIMEOUT=1000 as rita "$CALL" call sti.ingest obs.submit "$row" 2>/dev/null \
    && sti_fail "a revoked key was answered on a new connection"
sti_wait_for 5 metric_at_least 'sti_broker_handshakes_refused_total{reason="unknown_key"}' 2
# The others still work.
as root "$CALL" mmi sti.ingest || sti_fail "admin after another key's revocation"
exit 0
