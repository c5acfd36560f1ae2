#!/usr/bin/env bash
# The plan's early warning (预警, docs/forecast.md) through stictl against real
# processes: the projection of a worked series equals a hand computation to
# 1e-9 (stictl forecast --json and progress --json); a new value that moves
# the forecast's class raises exactly one indicator.forecast_changed event,
# right after its indicator.changed (gap-free seqs), and one notification by
# a rule with the condition forecast_miss (a webhook to a local sink); a
# value that leaves the class as it is raises none; a target set raises its own.
# Figures: hitech_enterprises' baseline 578 (2020) and the plan's end 2025 are
# the plan's; the target 1000 and the values 800 (2022), 700 and 705 (2023)
# are made up for the test.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }

sti_start_data_path
stictl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target set"
sink_start hook
notify_start notify --streams ind
stictl rule add "hitech 预警" --indicator hitech_enterprises --when forecast_miss \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null || sti_fail "rule add"

# ingest CSV-ROWS...: submits the rows through stictl ingest.
ingest() { sti_ingest "$@"; }
forecast_json() { stictl --json forecast --indicator hitech_enterprises --org linping; }
class_is() {
    forecast_json | /usr/bin/python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["forecasts"][0]["forecast_class"] == sys.argv[1] else 1)' "$1"
}
# forecast_events: the indicator.forecast_changed events values made (cause
# value; the target set above made one too: no_target -> insufficient_data),
# one JSON a line.
forecast_events() {
    stictl --json events since 0 --limit 1000 | grep '"indicator.forecast_changed"' |
        grep '"cause":"value"' || true
}
forecast_events_are() { [ "$(forecast_events | wc -l)" -eq "$1" ]; }

# Before any value: one value (the baseline) is not enough.
class_is insufficient_data || sti_fail "no value: $(forecast_json)"

# 1. 2022: 800 — (800/578)^(1/2) - 1 a year reaches 1302.7 by 2025: expected_to_meet.
ingest "hitech_enterprises,linping,2022,800"
sti_wait_for 20 class_is expected_to_meet
sti_wait_for 20 forecast_events_are 1

# 2. 2023: 700 — the worked series; the class falls to needs_acceleration.
ingest "hitech_enterprises,linping,2023,700"
sti_wait_for 20 class_is needs_acceleration
forecast_json >"$T/forecast.json"
/usr/bin/python3 - "$T/forecast.json" <<'PY' || sti_fail "projection: $(cat "$T/forecast.json")"
import json, sys
reply = json.load(open(sys.argv[1]))
row = reply["forecasts"][0]
# By hand (docs/forecast.md): v0 = 578 (2020), vt = 700 (2023), T = 2025, target 1000.
v0, t0, vt, t, T, target = 578.0, 2020, 700.0, 2023, 2025, 1000.0
rate = (vt / v0) ** (1.0 / (t - t0)) - 1
projection = vt * (1 + rate) ** (T - t)
score = (projection - v0) / (target - v0)
required = (target / vt) ** (1.0 / (T - t)) - 1
def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))
assert reply["year"] == 2025 and row["forecast_year"] == 2025, reply
assert row["org_name_zh"] == "临平区" and row["org_name_en"] == "Linping District", row
assert row["latest"] == 700 and row["latest_period"] == "2023", row
assert row["baseline"] == 578 and row["baseline_period"] == "2020", row
assert row["method"] == "cagr", row
assert close(row["rate"], rate), (row["rate"], rate)
assert close(row["projection"], projection), (row["projection"], projection)
assert close(row["projection"], 795.3253789536205), row["projection"]
assert close(row["score"], score), (row["score"], score)
assert close(row["required_rate"], required), (row["required_rate"], required)
PY
# progress shows the same forecast.
stictl --json progress --year 2023 | /usr/bin/python3 -c '
import json, sys
row = {r["code"]: r for r in json.load(sys.stdin)["indicators"]}["hitech_enterprises"]
assert row["forecast_class"] == "needs_acceleration" and row["forecast_year"] == 2025, row
assert abs(row["projection"] - 795.3253789536205) < 1e-6, row' || sti_fail "progress --json"
stictl progress --year 2023 | grep '^hitech_enterprises' | grep -q '需加快' ||
    sti_fail "progress: $(stictl progress --year 2023)"
stictl forecast | grep '^hitech_enterprises' | grep -q '需加快' ||
    sti_fail "forecast: $(stictl forecast)"

# Exactly one more forecast event, right after the value's own event.
sti_wait_for 20 forecast_events_are 2
stictl --json events since 0 --limit 1000 >"$T/events.jsonl"
/usr/bin/python3 - "$T/events.jsonl" <<'PY' || sti_fail "events: $(cat "$T/events.jsonl")"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
seqs = [e["seq"] for e in events]
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
forecasts = [e for e in events if e["type"] == "indicator.forecast_changed"]
set_, first, second = forecasts
assert set_["data"]["cause"] == "target.set", set_
assert set_["data"]["class_before"] == "no_target", set_
assert set_["data"]["class_after"] == "insufficient_data", set_
assert first["data"]["class_before"] == "insufficient_data", first
assert first["data"]["class_after"] == "expected_to_meet", first
data = second["data"]
assert data["class_before"] == "expected_to_meet", data
assert data["class_after"] == "needs_acceleration", data
assert second["subject"] == "hitech_enterprises/linping/2025", second
assert second["topic"] == "ind.hitech_enterprises.linping", second
assert data["period"] == "2023" and data["value"] == 700 and data["cause"] == "value", data
before = next(e for e in events if e["seq"] == second["seq"] - 1)
assert before["type"] == "indicator.changed" and before["data"]["new"] == 700, before
assert second["prev"] == before["seq"], (second, before)
PY

# One notification, by the forecast_miss rule (the first change, to
# expected_to_meet, is no miss).
sti_wait_for 20 lines_at_least "$T/hook.jsonl" 1

# 3. A revision that leaves the class as it is: no forecast event, no alert.
ingest "hitech_enterprises,linping,2023,705"
revised() {
    stictl --json events since 0 --limit 1000 | grep -q '"new":705'
}
sti_wait_for 20 revised
seq=$(stictl --json events since 0 --limit 1000 | tail -1 |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["seq"])')
evaluated() { curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics" | grep -q "^sti_notify_events_total $seq\$"; }
sti_wait_for 20 evaluated
forecast_events_are 2 || sti_fail "a revision in the same class sent a forecast event"
[ "$(lines "$T/hook.jsonl")" -eq 1 ] || sti_fail "alerts: $(cat "$T/hook.jsonl")"
/usr/bin/python3 - "$T/hook.jsonl" <<'PY' || sti_fail "alert: $(cat "$T/hook.jsonl")"
import json, sys
body = json.loads(json.loads(open(sys.argv[1]).readline())["body"])
event = body["events"][0]
assert body["rule"]["name"] == "hitech 预警", body["rule"]
assert event["type"] == "indicator.forecast_changed", event
assert event["status_before"] == "expected_to_meet", event
assert event["status_after"] == "needs_acceleration", event
assert event["period"] == "2025", event
assert "预测 高新技术企业 · 临平区 · 2025: 795.33 家 (目标 2025: 1000 家), 状态 预计达标 → 需加快" \
    in body["message"]["zh"], body["message"]
PY

# Mistakes: an unknown indicator or org unit is not_found (exit 4).
rc=0
stictl forecast --indicator nothing_such 2>"$T/err" || rc=$?
[ "$rc" -eq 4 ] || sti_fail "unknown indicator: exit $rc"
grep -q "nothing_such" "$T/err" || sti_fail "unknown indicator: $(cat "$T/err")"
if stictl forecast --org nowhere 2>"$T/err"; then sti_fail "unknown org accepted"; fi
grep -q "nowhere" "$T/err" || sti_fail "unknown org: $(cat "$T/err")"
echo "ok"
