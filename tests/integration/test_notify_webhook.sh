#!/usr/bin/env bash
# sti-notify end to end over a webhook: rules are checked when added; an
# event matched by a rule reaches a webhook that fails the first three
# attempts with 503 on the fourth, every attempt with one idempotency key;
# a webhook answering 400 makes a dead letter at once, and `stictl delivery
# retry` sends it again under the same key; /metrics counts it all. The
# webhook with a secret checks every signature.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
notify_start notify
sink_start flaky --fail-first 3 --webhook-secret s3cret
sink_start refusing --status 400
flaky=$(sink_port flaky)
refusing=$(sink_port refusing)

# --- rules are checked when added
expect_refused() {  # expect_refused PATTERN ARGS...: stictl rule add fails naming PATTERN
    local pattern=$1; shift
    if nctl rule add "$@" >"$T/out" 2>"$T/err"; then sti_fail "accepted: $*"; fi
    grep -q -- "$pattern" "$T/err" || { cat "$T/err" >&2; sti_fail "no '$pattern' in the refusal of: $*"; }
}
expect_refused "when" bad --when crosses_above:x --to webhook:http://127.0.0.1:1/
expect_refused "unknown condition" bad --when sometimes --to webhook:http://127.0.0.1:1/
expect_refused "unknown indicator 'no_such_thing'" bad --indicator no_such_thing --when any \
    --to webhook:http://127.0.0.1:1/
expect_refused "receiver 1: webhook URL must start with http" bad --when any --to webhook:ftp://x/
expect_refused "receiver 2" bad --when any --to webhook:http://127.0.0.1:1/ --to email:not-an-address
expect_refused "unknown org unit" bad --org nowhere --when any --to webhook:http://127.0.0.1:1/
expect_refused "severity" bad --when any --severity loud --to webhook:http://127.0.0.1:1/

# --- the flaky webhook gets the delivery on the fourth attempt
r1=$(nctl rule add "hitech any" --indicator hitech_enterprises --when any \
    --to "webhook:http://127.0.0.1:$flaky/hook#s3cret")
[ "$r1" = "r-1" ] || sti_fail "rule id $r1"
nctl rule list | grep -q 'hitech any' || sti_fail "rule list does not show the rule"
nctl rule show r-1 | grep -q '#\*\*\*' || sti_fail "rule show does not mask the secret"
nctl rule show r-1 | grep -q 's3cret' && sti_fail "rule show shows the secret"

emit_ind hitech_enterprises linping 2023 750 800 on_track lagging
sti_wait_for 30 lines_at_least "$T/flaky.jsonl" 4
/usr/bin/python3 - "$T/flaky.jsonl" <<'PY' || sti_fail "flaky webhook records are wrong"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["status"] for r in recs] == [503, 503, 503, 200], [r["status"] for r in recs]
keys = {r["headers"]["idempotency-key"] for r in recs}
assert all(r["signature_ok"] for r in recs), [r.get("signature_ok") for r in recs]
assert len(keys) == 1, keys
body = json.loads(recs[-1]["body"])
assert body["delivery_id"] == keys.pop()
assert body["rule"] == {"id": "r-1", "name": "hitech any"}, body["rule"]
ev = body["events"][0]
assert ev["indicator"] == "hitech_enterprises" and ev["new_value"] == 800, ev
assert body["message"]["zh"].startswith("【STI Monitor】高新技术企业"), body["message"]
assert "正常 → 滞后" in body["message"]["zh"]
PY
did=$(nctl --json delivery list --rule r-1 | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
sti_wait_for 10 eval 'test "$(delivery_field "$did" state)" = delivered'
[ "$(delivery_field "$did" attempts)" = 4 ] || sti_fail "attempts $(delivery_field "$did" attempts)"

# --- 400 is final: a dead letter at once, and delivery retry sends it again
nctl rule add "rd any" --indicator rd_expenditure --when any --severity critical \
    --to "webhook:http://127.0.0.1:$refusing/hook" >/dev/null
emit_ind rd_expenditure linping 2023 null 95.5 no_target no_target
sti_wait_for 20 lines_at_least "$T/refusing.jsonl" 1
dead=$(nctl --json delivery list --failed | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
sti_wait_for 10 eval 'test "$(delivery_field "$dead" state)" = dead'
[ "$(delivery_field "$dead" attempts)" = 1 ] || sti_fail "a 400 was tried more than once"
nctl delivery list --failed | grep -q "$dead.*dead" || sti_fail "delivery list --failed misses it"
key=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["headers"]["idempotency-key"])' "$T/refusing.jsonl")
[ "$key" = "$dead" ] || sti_fail "idempotency key $key is not the delivery id $dead"
sti_stop refusing || true
sink_start accepting --port "$refusing"
nctl delivery retry "$dead" | grep -q requeued || sti_fail "delivery retry failed"
sti_wait_for 20 lines_at_least "$T/accepting.jsonl" 1
grep -q "\"idempotency-key\": \"$dead\"" "$T/accepting.jsonl" || sti_fail "the retry used another key"
sti_wait_for 10 eval 'test "$(delivery_field "$dead" state)" = delivered'
if nctl delivery retry "$dead" 2>/dev/null; then sti_fail "retry of a delivered one was accepted"; fi

# --- metrics
metrics=$(curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics")
grep -q 'sti_notify_deliveries_total{result="delivered"} 2' <<<"$metrics" || sti_fail "delivered count: $metrics"
grep -q 'sti_notify_deliveries_total{result="retry"} 3' <<<"$metrics" || sti_fail "retry count"
grep -q 'sti_notify_deliveries_total{result="dead"} 1' <<<"$metrics" || sti_fail "dead count"
grep -q 'sti_notify_alerts_total 2' <<<"$metrics" || sti_fail "alerts count"
metric_has() { curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics" | grep -q "^$1\$"; }
sti_wait_for 10 metric_has 'sti_notify_dead_letters 0'
sti_wait_for 10 metric_has 'sti_notify_queue_depth 0'
sti_stop notify || sti_fail "sti-notify did not exit 0 on SIGTERM"
echo "ok"
