#!/usr/bin/env bash
# sti-notify over talent events (stream tal, published here by a stand-in for
# sti-talent): a rule for talent.* in one category sends a bilingual message
# for that category's events and none for another's.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
sti_spawn pub_tal events_server --stream tal --service sti.talent
sti_wait_service sti.talent
sink_start hook
notify_start notify --streams ind,tal
nctl rule add "top talent" --event 'talent.*' --category top --when any --severity info \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null
if nctl rule add bad --event 'talent.*' --when achieved --to webhook:http://127.0.0.1:1/ 2>"$T/err"; then
    sti_fail "a talent rule with a value condition was accepted"
fi
grep -q "talent events take only the condition any" "$T/err" || sti_fail "refusal: $(cat "$T/err")"

emit_tal() {  # emit_tal TYPE CATEGORY ID
    /usr/bin/python3 "$STI_SOURCE/tests/helpers/sti_call.py" sti.talent emit "{\"events\": [{
        \"topic\": \"tal.$2\", \"type\": \"$1\", \"subject\": \"$3\",
        \"data\": {\"id\": \"$3\", \"category\": \"$2\", \"field\": \"biomedicine\",
                   \"status\": \"active\"}}]}" >/dev/null
}
emit_tal talent.registered national T-0001
emit_tal talent.registered top T-0002
emit_tal talent.left top T-0003
sti_wait_for 20 lines_at_least "$T/hook.jsonl" 2
events_done() { curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics" | grep -q '^sti_notify_events_total 3$'; }
sti_wait_for 20 events_done
/usr/bin/python3 - "$T/hook.jsonl" <<'PY' || sti_fail "talent messages are wrong"
import json, sys
bodies = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
assert len(bodies) == 2, len(bodies)
zh = sorted(b["message"]["zh"] for b in bodies)
assert zh == ["【STI Monitor】人才登记 · top · T-0002: 状态 active",
              "【STI Monitor】人才离开 · top · T-0003: 状态 active"], zh
assert all(b["severity"] == "info" for b in bodies)
assert "Talent registered" in " ".join(b["message"]["en"] for b in bodies)
PY
echo ok
