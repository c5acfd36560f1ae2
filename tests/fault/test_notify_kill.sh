#!/usr/bin/env bash
# kill -9 sti-notify while 1,000 alerts are being delivered, start it again:
# every alert reaches the webhook, and no idempotency key is new twice
# (a delivery cut mid-send may arrive again, always with its own key).
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
sink_start hook
notify_start notify --streams ind --senders 4 --claim-lease-ms 1500 --timeout-ms 1000
nctl rule add every --indicator hitech_enterprises --when any \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null

/usr/bin/python3 - >"$T/events.json" <<'PY'
import json
events = [{"topic": "ind.hitech_enterprises.linping", "type": "indicator.changed",
           "subject": "hitech_enterprises/linping/2023",
           "data": {"indicator": "hitech_enterprises", "org": "linping", "period": "2023",
                    "old": None, "new": i, "unit": "家", "status_before": "on_track",
                    "status_after": "on_track"}} for i in range(1, 1001)]
print(json.dumps({"events": events}))
PY
/usr/bin/python3 "$STI_SOURCE/tests/helpers/sti_call.py" sti.indicators emit - <"$T/events.json" \
    | grep -q '"ok": true' || sti_fail "emit failed"

sti_wait_for 60 lines_at_least "$T/hook.jsonl" 150
sti_stop notify KILL || true
cut=$(lines "$T/hook.jsonl")
[ "$cut" -lt 1000 ] || sti_fail "all 1000 were delivered before the kill; the test proves nothing"
notify_start notify --streams ind --senders 4 --claim-lease-ms 1500 --timeout-ms 1000

all_there() {
    /usr/bin/python3 - "$T/hook.jsonl" <<'PY'
import json, sys
values = {json.loads(json.loads(l)["body"])["events"][0]["new_value"] for l in open(sys.argv[1])}
sys.exit(0 if values == set(range(1, 1001)) else 1)
PY
}
sti_wait_for 90 all_there
/usr/bin/python3 - "$T/hook.jsonl" <<'PY' || sti_fail "keys and values do not match one to one"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by_key = collections.defaultdict(set)
for r in recs:
    by_key[r["headers"]["idempotency-key"]].add(json.loads(r["body"])["events"][0]["new_value"])
assert len(by_key) == 1000, len(by_key)                      # one key per alert
assert all(len(v) == 1 for v in by_key.values())             # a key never names two alerts
print("records %d, distinct keys %d, resent after the kill %d" % (len(recs), len(by_key),
      len(recs) - len(by_key)))
PY
echo "killed after $cut records; ok"
