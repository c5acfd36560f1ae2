#!/usr/bin/env bash
# sti-notify on the real data path: rows submitted with stictl ingest go
# through sti-ingest and sti-indicators, whose indicator.changed events
# sti-notify evaluates: a crossing fires once, with the plan's names and
# target in the message.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

sti_start_redis
sti_start_broker
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer test-1
sti_wait_service sti.ingest
sti_wait_service sti.indicators
nctl target set hitech_enterprises 2025 1000 >/dev/null
sink_start hook
notify_start notify --streams ind
nctl rule add "hitech over 900" --indicator hitech_enterprises --when crosses_above:900 \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null

printf 'indicator,org,period,value\nhitech_enterprises,linping,2023,850\n' >"$T/a.csv"
nctl ingest "$T/a.csv" --source test >/dev/null
printf 'indicator,org,period,value\nhitech_enterprises,linping,2024,950\n' >"$T/b.csv"
nctl ingest "$T/b.csv" --source test >/dev/null
sti_wait_for 30 lines_at_least "$T/hook.jsonl" 1
events_done() { curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics" | awk '$1 == "sti_notify_events_total" {exit !($2 >= 2)}'; }
sti_wait_for 20 events_done
settled() { ! nctl delivery list | grep -q -e queued -e retrying; }
sti_wait_for 20 settled
/usr/bin/python3 - "$T/hook.jsonl" <<'PY' || sti_fail "the alert is wrong"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 1, len(recs)
body = json.loads(recs[0]["body"])
zh = body["message"]["zh"]
assert zh.startswith("【STI Monitor】高新技术企业 · 临平区 · 2024: 950 家 (目标 2025: 1000 家)"), zh
PY
echo ok
