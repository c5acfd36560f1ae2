#!/usr/bin/env bash
# Mistakes that can be fixed, through stictl as an operator types it:
# targets per org unit (a town's own share) and target removal change
# progress, and each change sends progress.changed events that a
# notification rule on status changes hears (a webhook to a local sink);
# org rename keeps the code and the history; a retired unit takes no new
# values or targets, and what it had stays readable.
# Figures: hitech_enterprises' baseline 578 (2020) is the plan's; every other
# number here (targets, town values) is made up for the test.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }

sti_start_data_path
stictl org add donghu --parent linping --name 东湖街道 --name-en "Donghu Street" >/dev/null
stictl org add xingqiao --parent linping --name 星桥街道 >/dev/null
stictl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target set"
sink_start hook
notify_start notify --streams ind
stictl rule add "hitech status" --indicator hitech_enterprises --when status_changed \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null || sti_fail "rule add"
stictl rule add "org changes" --event org.changed --when any \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null || sti_fail "rule add org"

# ingest CSV-ROWS...: submits the rows through stictl ingest.
ingest() { sti_ingest "$@"; }
# status ORG YEAR CODE: the status progress shows (--json).
status() {
    stictl --json progress --org "$1" --year "$2" | /usr/bin/python3 -c '
import json, sys
rows = {r["code"]: r for r in json.load(sys.stdin)["indicators"]}
print(rows[sys.argv[1]]["status"])' "$3"
}
status_is() { [ "$(status "$1" "$2" "$3")" = "$4" ]; }
# alert_has TEXT: some webhook message (zh) holds TEXT.
alert_has() {
    /usr/bin/python3 - "$T/hook.jsonl" "$1" <<'PY'
import json, sys
texts = [json.loads(json.loads(l)["body"])["message"]["zh"] for l in open(sys.argv[1])]
sys.exit(0 if any(sys.argv[2] in t for t in texts) else 1)
PY
}

ingest "hitech_enterprises,linping,2023,850" "hitech_enterprises,donghu,2020,100" \
    "hitech_enterprises,donghu,2023,250"
sti_wait_for 20 status_is linping 2023 hitech_enterprises on_track
sti_wait_for 20 eval '[ "$(lines "$T/hook.jsonl")" -ge 1 ]'  # no_data -> on_track
base=$(lines "$T/hook.jsonl")

# 1. The district's target raised: 2023 falls from on_track to at_risk; the
# change sends progress.changed events (2021 to 2025: completion moved; the
# district's 2020 value is donghu's 100, summed) and the status rule fires
# once, for 2023, in Chinese with the org's name.
stictl target set hitech_enterprises 2025 1400 >"$T/out" || sti_fail "target set 1400"
grep -qx "target hitech_enterprises 2025 1400: changed, 5 progress events, 1 forecast event" "$T/out" ||
    sti_fail "target set: $(cat "$T/out")"
status_is linping 2023 hitech_enterprises at_risk || sti_fail "status after the target change"
sti_wait_for 20 alert_has "高新技术企业 · 临平区 · 2023: 850 家 (目标 2025: 1400 家), 状态 正常 → 有风险"
stictl --json events since 0 --prefix ind.hitech_enterprises.linping >"$T/events.json"
/usr/bin/python3 - "$T/events.json" <<'PY' || sti_fail "progress events: $(cat "$T/events.json")"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
progress = [e for e in events if e["type"] == "progress.changed" and e["data"]["target"] == 1400]
assert [e["subject"] for e in progress] == ["hitech_enterprises/linping/%d" % y
                                            for y in range(2021, 2026)], progress
d = progress[2]["data"]
assert d["status_before"] == "on_track" and d["status_after"] == "at_risk", d
assert d["cause"] == "target.set" and d["target"] == 1400 and d["value"] == 850, d
# The raised target moved the forecast's class too: the plan's early warning.
warned = [e for e in events if e["type"] == "indicator.forecast_changed"
          and e["data"]["cause"] == "target.set" and e["data"]["target"] == 1400]
assert len(warned) == 1 and warned[0]["subject"] == "hitech_enterprises/linping/2025", warned
assert warned[0]["data"]["target"] == 1400, warned[0]
PY
# The same again: nothing changes, no event.
stictl target set hitech_enterprises 2025 1400 >"$T/out" || sti_fail "target set again"
grep -qx "target hitech_enterprises 2025 1400: unchanged" "$T/out" || sti_fail "again: $(cat "$T/out")"

# 1b. A value of an earlier year moves the later years measured at it: the
# district's 2023 revised to 900 sends progress.changed for 2024 and 2025
# (cause value: no value of their own), none for 2023, whose own
# indicator.changed says it. (The first rows sent such events too: 2021
# and 2022 measured at the 2020 sum, 2024 and 2025 at the first 2023.)
ingest "hitech_enterprises,linping,2023,900"
later_moved() {
    stictl --json events since 0 --prefix ind.hitech_enterprises.linping >"$T/events.json"
    /usr/bin/python3 - "$T/events.json" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
moved = [e for e in events if e["type"] == "progress.changed" and e["data"]["cause"] == "value"
         and e["data"]["value"] == 900]
if not moved:
    sys.exit(1)
assert [e["subject"] for e in moved] == ["hitech_enterprises/linping/2024",
                                         "hitech_enterprises/linping/2025"], moved
for e in moved:
    d = e["data"]
    assert d["period"] == "2023" and d["value"] == 900 and d["target"] == 1400, d
    assert abs(d["completion"] - (900 - 578) / (1400 - 578)) < 1e-9, d
    assert abs(d["completion_before"] - (850 - 578) / (1400 - 578)) < 1e-9, d
PY
}
sti_wait_for 20 later_moved

# 2. A town's own target: donghu measured from its own 2020 value (100):
# (250 - 100) / (300 - 100) = 0.75 against 0.6 expected in 2023: on_track.
status_is donghu 2023 hitech_enterprises no_target || sti_fail "donghu before its target"
stictl target set hitech_enterprises 2025 300 --org donghu >"$T/out" || sti_fail "town target"
grep -q "at donghu: changed, 5 progress events" "$T/out" || sti_fail "town target: $(cat "$T/out")"
status_is donghu 2023 hitech_enterprises on_track || sti_fail "donghu after its target"
status_is linping 2023 hitech_enterprises at_risk || sti_fail "the district kept its own target"
sti_wait_for 20 alert_has "高新技术企业 · 东湖街道 · 2023: 250 家 (目标 2025: 300 家), 状态 无目标 → 正常"
stictl --json progress --org donghu --year 2023 | /usr/bin/python3 -c '
import json, sys
row = {r["code"]: r for r in json.load(sys.stdin)["indicators"]}["hitech_enterprises"]
assert row["baseline"] == 100 and row["baseline_period"] == "2020", row
assert row["target"] == 300 and row["target_year"] == 2025, row
assert round(row["completion"], 3) == 0.75, row' || sti_fail "donghu's progress row"
stictl target list --org donghu >"$T/out"
grep -qE '^hitech_enterprises +donghu +东湖街道 +2025 300$' "$T/out" || sti_fail "target list: $(cat "$T/out")"

# 3. Target removal: the town's goes, its status is no_target again, an event says so.
stictl target rm hitech_enterprises 2025 --org donghu >"$T/out" || sti_fail "target rm"
grep -q "at donghu: removed, 5 progress events" "$T/out" || sti_fail "target rm: $(cat "$T/out")"
status_is donghu 2023 hitech_enterprises no_target || sti_fail "donghu after removal"
sti_wait_for 20 alert_has "高新技术企业 · 东湖街道 · 2023: 250 家, 状态 正常 → 无目标"
stictl target rm hitech_enterprises 2025 --org donghu >"$T/out"
grep -q "not set" "$T/out" || sti_fail "target rm again: $(cat "$T/out")"
rc=0; stictl target set hitech_enterprises 2025 5 --org nowhere 2>"$T/err" || rc=$?
[ $rc -eq 4 ] || sti_fail "target at an unknown org: exit $rc"

# 4. Org rename: the code, values and history stay; the name before is kept.
stictl org rename xingqiao --name 星桥新城 --name-en "Xingqiao New Town" >"$T/out"
grep -qx "org xingqiao: renamed" "$T/out" || sti_fail "rename: $(cat "$T/out")"
stictl org rename xingqiao --name 星桥新城 --name-en "Xingqiao New Town" | grep -qx "org xingqiao: unchanged" ||
    sti_fail "rename again"
stictl org list >"$T/out"
grep -qE '^xingqiao +linping +星桥新城 +Xingqiao New Town +曾用名 星桥街道$' "$T/out" ||
    sti_fail "org list after rename: $(cat "$T/out")"
sti_wait_for 20 alert_has "【STI Monitor】组织更名 (原名 星桥街道) · 星桥新城"

# 5. Retire: donghu takes no new values (ingest names it) and no targets;
# its values stay readable; retiring the root is refused; --undo brings it back.
stictl org retire donghu --reason "merged into 临平街道" >"$T/out" || sti_fail "retire"
grep -qx "org donghu: retired" "$T/out" || sti_fail "retire: $(cat "$T/out")"
printf 'indicator,org,period,value\nhitech_enterprises,donghu,2024,260\n' >"$T/rows.csv"
rc=0; stictl ingest "$T/rows.csv" >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] || sti_fail "a row for a retired unit was accepted: $(cat "$T/out")"
grep -q "donghu" "$T/out" && grep -q "retired" "$T/out" || sti_fail "retired row: $(cat "$T/out")"
rc=0; stictl target set hitech_enterprises 2025 300 --org donghu 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "retired" "$T/err" || sti_fail "target at a retired unit: $rc $(cat "$T/err")"
stictl --json indicator show hitech_enterprises --org donghu >"$T/out" || sti_fail "show retired"
grep -q '"value":250' "$T/out" || sti_fail "the retired unit's values: $(cat "$T/out")"
stictl org list | grep -qE '^donghu .*已撤销 [0-9-]+ [0-9:]+ CST: merged into 临平街道$' ||
    sti_fail "org list after retire: $(stictl org list)"
sti_wait_for 20 alert_has "【STI Monitor】组织撤销 · 东湖街道: 原因: merged into 临平街道"
stictl --json events since 0 --prefix ind._org.donghu | grep -q '"change":"retired"' ||
    sti_fail "no org.changed event for the retirement"
rc=0; stictl org retire linping --reason x 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "root" "$T/err" || sti_fail "retiring the root: $rc $(cat "$T/err")"
stictl org retire donghu --undo | grep -qx "org donghu: restored" || sti_fail "undo"
ingest "hitech_enterprises,donghu,2024,260"
grep -q "accepted 1" "$T/ingest.out" || sti_fail "after undo: $(cat "$T/ingest.out")"

# 6. A catalog change: a plan whose baseline for hitech_enterprises differs
# (a copy of the plan with 578 made 600, for the test) moves the district's
# progress; the load says how many progress.changed events it sent.
cp -r "$STI_SOURCE/data/plans/linping-2021-2025" "$T/plan"
sed -i 's/"value": 578,/"value": 600,/' "$T/plan/indicators.json"
grep -q '"value": 600,' "$T/plan/indicators.json" || sti_fail "the plan copy"
stictl plan load "$T/plan" >"$T/out" || sti_fail "plan load (changed): $(cat "$T/out")"
grep -qE "^plan linping-2021-2025: changed, [0-9]+ progress events?$" "$T/out" ||
    sti_fail "plan load: $(cat "$T/out")"
plan_load_event() {
    stictl --json events since 0 --prefix ind.hitech_enterprises.linping | grep -q '"cause":"plan.load"'
}
sti_wait_for 20 plan_load_event
stictl plan load "$T/plan" | grep -qx "plan linping-2021-2025: unchanged" || sti_fail "plan again"
# SIGTERM: every service finishes and exits 0 (a sanitizer report would not).
sti_stop notify || sti_fail "sti-notify did not exit 0 on SIGTERM"
sti_stop indicators || sti_fail "sti-indicators did not exit 0 on SIGTERM"
sti_stop ingest || sti_fail "sti-ingest did not exit 0 on SIGTERM"
echo ok
