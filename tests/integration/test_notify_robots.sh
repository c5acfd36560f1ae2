#!/usr/bin/env bash
# sti-notify to chat robots: a DingTalk robot in signed mode (the sink checks
# the timestamp and sign with Python's hmac) and a WeCom robot both get the
# bilingual text of the alert.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
sink_start ding --errcode 0 --dingtalk-secret SECabc123
sink_start wecom --errcode 0
notify_start notify --streams ind
nctl rule add robots --indicator hitech_enterprises --when status_changed --severity critical \
    --to "dingtalk:http://127.0.0.1:$(sink_port ding)/robot/send?access_token=t0k#SECabc123" \
    --to "wecom:http://127.0.0.1:$(sink_port wecom)/cgi-bin/webhook/send?key=k3y" >/dev/null
emit_ind hitech_enterprises linping 2023 750 800 on_track lagging
sti_wait_for 20 lines_at_least "$T/ding.jsonl" 1
sti_wait_for 20 lines_at_least "$T/wecom.jsonl" 1
/usr/bin/python3 - "$T/ding.jsonl" "$T/wecom.jsonl" <<'PY' || sti_fail "robot messages are wrong"
import json, sys
ding = json.loads(open(sys.argv[1]).readline())
wecom = json.loads(open(sys.argv[2]).readline())
assert ding["sign_ok"], ding["query"]
assert ding["query"]["access_token"] == "t0k"
for rec in (ding, wecom):
    body = json.loads(rec["body"])
    assert body["msgtype"] == "text", body
    text = body["text"]["content"]
    assert text.startswith("【STI Monitor】高新技术企业 · 临平区 · 2023: 750 → 800 家"), text
    assert "级别 / severity: critical" in text, text
assert wecom["query"]["key"] == "k3y"
PY
settled() { [ "$(nctl delivery list | grep -c delivered)" = 2 ]; }
sti_wait_for 20 settled
echo ok
