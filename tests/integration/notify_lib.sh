# tests/integration/notify_lib.sh: what the sti-notify script tests share
# (sourced after tests/lib.sh).
#
#   notify_setup               redis, broker, the Linping plan, a publisher of stream ind
#                              (tests/helpers/events_server as sti.indicators)
#   notify_start NAME [FLAGS]  sti-notify with short back-offs; $NOTIFY_HTTP is its port
#   sink_start NAME [FLAGS]    tests/helpers/webhook_sink.py; sink_port NAME prints its port
#   emit_ind IND ORG PERIOD OLD NEW BEFORE AFTER   one indicator.changed event (OLD may be null)
#   lines FILE                 lines in a record file (0 when missing)
#   emit_alerts N              N indicator.changed events of one value (new 1..N)
#   hook_has_all FILE N        the record FILE holds the alerts of emit_alerts N
#   hook_keys_one_to_one FILE N   N idempotency keys, none naming two alerts
#   nctl ARGS                  stictl against the test broker

notify_setup() {
    sti_start_redis
    sti_start_broker
    plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
        donghu:linping nanyuan:linping >/dev/null
    sti_spawn pub_ind events_server --stream ind --service sti.indicators
    sti_wait_service sti.indicators
}

notify_start() {
    local name=$1; shift
    NOTIFY_HTTP=${NOTIFY_HTTP:-$(sti_spare_port)}
    sti_spawn "$name" sti-notify --http-addr "127.0.0.1:$NOTIFY_HTTP" --backoff-ms 100 \
        --backoff-max-ms 400 --poll-ms 50 --eval-lease-ms 3000 --group-flush-ms 50 \
        --timeout-ms 5000 --connect-timeout-ms 2000 --claim-lease-ms 8000 "$@"
    sti_wait_service sti.notify
    sti_wait_for 15 curl -sf "http://127.0.0.1:$NOTIFY_HTTP/readyz"
}

sink_start() {
    local name=$1; shift
    rm -f "$T/$name.port"
    sti_spawn "$name" /usr/bin/python3 "$STI_SOURCE/tests/helpers/webhook_sink.py" \
        --port-file "$T/$name.port" --record "$T/$name.jsonl" "$@"
    sti_wait_for 10 test -s "$T/$name.port"
}

sink_port() {
    cat "$T/$1.port"
}

lines() {
    if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

lines_at_least() {
    [ "$(lines "$1")" -ge "$2" ]
}

nctl() {
    stictl --broker "$STI_BROKER" "$@"
}

emit_ind() {
    local ind=$1 org=$2 period=$3 old=$4 new=$5 before=$6 after=$7
    /usr/bin/python3 "$STI_SOURCE/tests/helpers/sti_call.py" sti.indicators emit "{\"events\": [{\"topic\": \"ind.$ind.$org\",
        \"type\": \"indicator.changed\", \"subject\": \"$ind/$org/$period\",
        \"data\": {\"indicator\": \"$ind\", \"org\": \"$org\", \"period\": \"$period\",
        \"old\": $old, \"new\": $new, \"unit\": \"家\", \"revision\": 1, \"origin\": \"reported\",
        \"status_before\": \"$before\", \"status_after\": \"$after\", \"completion\": 0.5,
        \"target\": 1000, \"target_year\": 2025}}]}" >/dev/null
}

# delivery_state ID: the state of one delivery, from stictl delivery list --json.
delivery_field() {
    nctl --json delivery list --limit 1000 | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    if d["id"] == sys.argv[1]:
        print(d[sys.argv[2]])
' "$1" "$2"
}

# emit_alerts N: N indicator.changed events of hitech_enterprises at linping
# (new values 1..N), emitted at once through the test publisher.
emit_alerts() {
    /usr/bin/python3 - "$1" >"$T/events.json" <<'PY'
import json, sys
events = [{"topic": "ind.hitech_enterprises.linping", "type": "indicator.changed",
           "subject": "hitech_enterprises/linping/2023",
           "data": {"indicator": "hitech_enterprises", "org": "linping", "period": "2023",
                    "old": None, "new": i, "unit": "家", "status_before": "on_track",
                    "status_after": "on_track"}} for i in range(1, int(sys.argv[1]) + 1)]
print(json.dumps({"events": events}))
PY
    /usr/bin/python3 "$STI_SOURCE/tests/helpers/sti_call.py" sti.indicators emit - \
        <"$T/events.json" | grep -q '"ok": true' || sti_fail "emit failed"
}

# hook_has_all FILE N: the webhook's record FILE holds the alerts of new
# values 1..N (emit_alerts), each at least once.
hook_has_all() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
values = {json.loads(json.loads(l)["body"])["events"][0]["new_value"] for l in open(sys.argv[1])}
sys.exit(0 if values == set(range(1, int(sys.argv[2]) + 1)) else 1)
PY
}

# hook_keys_one_to_one FILE N: N idempotency keys, none naming two alerts;
# prints how many records were sent again under a key already seen.
hook_keys_one_to_one() {
    /usr/bin/python3 - "$1" "$2" <<'PY' || sti_fail "keys and values do not match one to one"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by_key = collections.defaultdict(set)
for r in recs:
    by_key[r["headers"]["idempotency-key"]].add(json.loads(r["body"])["events"][0]["new_value"])
assert len(by_key) == int(sys.argv[2]), len(by_key)          # one key per alert
assert all(len(v) == 1 for v in by_key.values())             # a key never names two alerts
print("records %d, distinct keys %d, sent again %d" % (len(recs), len(by_key),
      len(recs) - len(by_key)))
PY
}
