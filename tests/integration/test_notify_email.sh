#!/usr/bin/env bash
# sti-notify by e-mail: a rule with an email receiver sends one mail through
# the SMTP sink (with AUTH), whose subject and body decode to the bilingual
# text in UTF-8.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
rm -f "$T/smtp.port"
sti_spawn smtp /usr/bin/python3 "$STI_SOURCE/tests/helpers/smtp_sink.py" --port-file "$T/smtp.port" \
    --record "$T/smtp.jsonl" --user sti --password 'pa ss'
sti_wait_for 10 test -s "$T/smtp.port"
notify_start notify --streams ind --smtp-url "smtp://127.0.0.1:$(cat "$T/smtp.port")" \
    --smtp-from sti-monitor@example.org --smtp-user sti --smtp-password 'pa ss'

nctl rule add "hitech behind plan" --indicator hitech_enterprises --when status_changed \
    --to email:bureau@kjj.example.cn >/dev/null
emit_ind hitech_enterprises linping 2023 null 800 on_track lagging
sti_wait_for 20 lines_at_least "$T/smtp.jsonl" 1
/usr/bin/python3 - "$T/smtp.jsonl" <<'PY' || sti_fail "the mail is not what it should be"
import json, sys
mail = json.loads(open(sys.argv[1]).readline())
assert mail["rcpt_to"] == ["<bureau@kjj.example.cn>"], mail["rcpt_to"]
assert mail["auth_user"] == "sti", mail.get("auth_user")
assert mail["subject"] == "【STI Monitor】hitech behind plan: 高新技术企业 · 临平区 · 2023", mail["subject"]
body = mail["body"]
assert mail["charset"] == "utf-8", mail["charset"]
lines = body.splitlines()
assert lines[0] == "【STI Monitor】高新技术企业 · 临平区 · 2023: 800 家 (目标 2025: 1000 家), 状态 正常 → 滞后", lines[0]
assert lines[1].startswith("[STI Monitor] High-tech enterprises · Linping District · 2023: 800"), lines[1]
assert "规则 / rule: hitech behind plan" in body, body
PY
sti_wait_for 10 eval 'test "$(nctl delivery list | grep -c delivered)" = 1'
echo ok
