#!/usr/bin/env bash
# Withdrawing a wrong value, through stictl as a clerk types it: the value
# goes (a new revision, withdrawn, with the reason and who), the district's
# sum and its progress are computed again as if it had never been
# reported, an indicator.changed event says so and a notification rule
# hears it (a webhook to a local sink); the history keeps every revision;
# the same request id again is applied once; nothing reported is not_found.
# Figures: hitech_enterprises' baseline 578 (2020) is the plan's; the town
# values and the target are made up for the test.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }

sti_start_data_path
stictl org add donghu --parent linping --name 东湖街道 >/dev/null
stictl org add nanyuan --parent linping --name 南苑街道 >/dev/null
stictl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target set"
sink_start hook
notify_start notify --streams ind
hook="webhook:http://127.0.0.1:$(sink_port hook)/hook"
stictl rule add "donghu changes" --indicator hitech_enterprises --org donghu --when any \
    --to "$hook" >/dev/null || sti_fail "rule add"
stictl rule add "district status" --indicator hitech_enterprises --org linping \
    --when status_changed --to "$hook" --lang en >/dev/null || sti_fail "rule add en"

# latest ORG: the 2023 value progress shows for hitech_enterprises (null: none).
latest() {
    stictl --json progress --org "$1" --year 2023 | /usr/bin/python3 -c '
import json, sys
row = {r["code"]: r for r in json.load(sys.stdin)["indicators"]}["hitech_enterprises"]
v = row["latest"]
print("%g" % v if v is not None else "none", row["status"])'
}
latest_is() { [ "$(latest "$1")" = "$2" ]; }
# alert_has LANG TEXT: some webhook message in LANG holds TEXT.
alert_has() {
    /usr/bin/python3 - "$T/hook.jsonl" "$1" "$2" <<'PY'
import json, sys
texts = [json.loads(json.loads(l)["body"])["message"][sys.argv[2]] for l in open(sys.argv[1])]
sys.exit(0 if any(sys.argv[3] in t for t in texts) else 1)
PY
}

printf 'indicator,org,period,value\nhitech_enterprises,donghu,2023,500\nhitech_enterprises,nanyuan,2023,350\n' >"$T/rows.csv"
stictl ingest "$T/rows.csv" >/dev/null || sti_fail "ingest"
sti_wait_for 20 latest_is linping "850 on_track"

# The withdrawal: answered with what it withdraws; applied in order.
stictl --request-id fix-1 value withdraw hitech_enterprises donghu 2023 --reason "重复计数" >"$T/out" ||
    sti_fail "withdraw: $(cat "$T/out")"
grep -qx "withdrawn hitech_enterprises donghu 2023 (was 500, revision 1): applied in order with the intake log" "$T/out" ||
    sti_fail "withdraw said: $(cat "$T/out")"
sti_wait_for 20 latest_is linping "350 at_risk"
latest_is donghu "none no_target" || sti_fail "donghu after the withdrawal: $(latest donghu)"

# The event, and the rules that heard it (in Chinese, and in English by the rule's lang).
stictl --json events since 0 --prefix ind.hitech_enterprises.donghu >"$T/events.json"
/usr/bin/python3 - "$T/events.json" <<'PY' || sti_fail "the event: $(cat "$T/events.json")"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
gone = [e for e in events if e["data"].get("origin") == "withdrawn"]
assert len(gone) == 1, events
d = gone[0]["data"]
assert d["old"] == 500 and d["new"] is None and d["reason"] == "重复计数" and d["by"], d
assert d["revision"] == 2 and gone[0]["type"] == "indicator.changed", d
PY
sti_wait_for 20 alert_has zh "高新技术企业 · 东湖街道 · 2023: 500 家 → 已撤回 (原因: 重复计数)"
sti_wait_for 20 alert_has en "High-tech enterprises · Linping District · 2023: 850 → 350 家"
alert_has en "status on_track → at_risk" || sti_fail "the English status line"

# History keeps it: the 500 and the withdrawal with its reason.
stictl --json indicator show hitech_enterprises --org donghu >"$T/show.json" || sti_fail "show"
/usr/bin/python3 - "$T/show.json" <<'PY' || sti_fail "history: $(cat "$T/show.json")"
import json, sys
point = [p for p in json.load(open(sys.argv[1]))["series"]["points"] if p["period"] == "2023"][0]
assert point["value"] is None and point["revision"] == 2, point
revs = point["revisions"]
assert [r["value"] for r in revs] == [500, None], revs
assert revs[1]["origin"] == "withdrawn" and revs[1]["reason"] == "重复计数", revs
PY
stictl indicator show hitech_enterprises --org donghu | grep -q "withdrawn.*(重复计数)" ||
    sti_fail "show (text): $(stictl indicator show hitech_enterprises --org donghu)"

# The same request id again: the first answer, nothing applied twice.
stictl --request-id fix-1 value withdraw hitech_enterprises donghu 2023 --reason "重复计数" >"$T/out" ||
    sti_fail "withdraw again with the same id"
grep -q "was 500, revision 1" "$T/out" || sti_fail "the repeat's answer: $(cat "$T/out")"
# A new request: nothing is reported there any more.
rc=0; stictl value withdraw hitech_enterprises donghu 2023 --reason again 2>"$T/err" || rc=$?
[ $rc -eq 4 ] && grep -q "no reported value to withdraw" "$T/err" || sti_fail "nothing to withdraw: $rc $(cat "$T/err")"
rc=0; stictl --json value withdraw hitech_enterprises donghu 2023 --reason again >"$T/out" 2>/dev/null || rc=$?
[ $rc -eq 4 ] && grep -q '"code":"not_found"' "$T/out" || sti_fail "--json error: $rc $(cat "$T/out")"
rc=0; stictl value withdraw rd_gdp_ratio linping 2023 --reason x 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "derived" "$T/err" || sti_fail "a derived indicator: $rc $(cat "$T/err")"
rc=0; stictl value withdraw hitech_enterprises donghu 2023 2>/dev/null || rc=$?
[ $rc -eq 2 ] || sti_fail "no --reason: exit $rc"

# Reported again: a new revision, the sum follows.
printf 'indicator,org,period,value\nhitech_enterprises,donghu,2023,480\n' >"$T/rows.csv"
stictl ingest "$T/rows.csv" >/dev/null || sti_fail "ingest again"
sti_wait_for 20 latest_is linping "830 lagging"
events_done() { [ "$(stictl --json events since 0 --prefix ind.hitech_enterprises.donghu | wc -l)" -ge 3 ]; }
sti_wait_for 20 events_done
# SIGTERM: every service finishes and exits 0 (a sanitizer report would not).
sti_stop notify || sti_fail "sti-notify did not exit 0 on SIGTERM"
sti_stop indicators || sti_fail "sti-indicators did not exit 0 on SIGTERM"
sti_stop ingest || sti_fail "sti-ingest did not exit 0 on SIGTERM"
echo ok
