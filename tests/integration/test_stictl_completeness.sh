#!/usr/bin/env bash
# Reporting duties and completeness (docs/completeness.md) through stictl
# against real processes: a hidden calendar of duties — unit types, their
# indicators, per-unit additions and drops, admin due rules — and values
# submitted, revised and withdrawn gives the completeness figures worked out
# by hand below (per org unit, per indicator, in total, with the reporting
# rate and the rate on time); bad input is refused naming what is wrong and
# writes nothing; a write again changes nothing; every change is a
# duty.changed event (the audit); every missing report is raised once as a
# duty.overdue event, also across a restart of sti-indicators, and
# sti-notify's condition `overdue` turns it into a message.
# The org units, contacts and values are made up for the test. Only periods
# of 2025 are counted, whose due dates under the rules set here lie before
# today (P2M, P20D, P15D: by 2026-03-01 at the latest) or long after it
# (P10Y: 2036), so the figures hold whatever day after 2026-03 the test runs.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"

stictl() { command stictl --timeout 15000 "$@"; }

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
start_indicators() {
    sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer test-1 \
        --overdue-check-ms 200ms
    sti_wait_service sti.indicators
}
start_indicators
sti_wait_service sti.ingest
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
sink_start hook
notify_start notify --streams ind

sti_add_orgs "town_a:镇甲（虚构）:Town A (made up)" "town_b:街道乙（虚构）:Town B (made up)" \
    "plat_x:平台丙（虚构）:Platform C (made up)" "dept_s:部门丁（虚构）:Department D (made up)"

stictl rule add "缺报提醒" --when overdue --org town_b \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null || sti_fail "rule add"

# The values first, so that no report is overdue before its value is in.
ingest() { sti_ingest "$@"; }
ingest hitech_enterprises,town_a,2025,10 tech_smes,town_a,2025Q1,5 tech_smes,town_a,2025Q2,6 \
    hitech_enterprises,town_b,2025,7 hitech_enterprises,plat_x,2025,3 gdp,plat_x,2025,12.5 \
    rd_expenditure,dept_s,2025-01,1 rd_expenditure,dept_s,2025-02,1 rd_expenditure,dept_s,2025-03,1
ingest tech_smes,town_a,2025Q2,8 # a revision: still received when first reported
stictl value withdraw hitech_enterprises town_b 2025 --reason "示例：报错（虚构）" >/dev/null ||
    sti_fail "withdraw"
series_has() { stictl --json indicator show rd_expenditure --org dept_s | grep -q '"2025-03"'; }
sti_wait_for 20 series_has

# The calendar (hidden from the figures below, which are worked out by hand):
#   types: linping district, town_a/town_b town, plat_x platform, dept_s department
#   town: hitech_enterprises (yearly, catalog P2M), tech_smes (rule: quarterly P20D)
#   platform and district: hitech_enterprises; department: nothing
#   town_a adds gdp (rule: yearly P10Y); town_b drops tech_smes;
#   plat_x adds gdp; dept_s adds rd_expenditure (rule: monthly P15D)
# Set in this order (rules, a unit's own duties, types, then what each type
# reports) so that no duty exists for a moment that the calendar drops: the
# overdue check runs all along and would rightly raise it.
stictl duty rule tech_smes --frequency quarter >/dev/null || sti_fail "rule tech_smes"
stictl duty rule gdp --due P10Y >/dev/null || sti_fail "rule gdp"
stictl duty rule rd_expenditure --frequency month --due P15D >/dev/null || sti_fail "rule rd"
stictl duty set town_a --add gdp --contact 张三 --phone 0571-0000001 >/dev/null ||
    sti_fail "set town_a"
stictl duty set town_b --drop tech_smes --contact 李四 --email lisi@example.invalid \
    --dingtalk lisi01 >/dev/null || sti_fail "set town_b"
stictl duty set plat_x --add gdp >/dev/null || sti_fail "set plat_x"
stictl duty set dept_s --add rd_expenditure >/dev/null || sti_fail "set dept_s"
for t in linping:district town_a:town town_b:town plat_x:platform dept_s:department; do
    stictl duty type "${t%%:*}" "${t#*:}" >/dev/null || sti_fail "duty type $t"
done
stictl duty assign town hitech_enterprises tech_smes >/dev/null || sti_fail "assign town"
stictl duty assign platform hitech_enterprises >/dev/null || sti_fail "assign platform"
stictl duty assign district hitech_enterprises >/dev/null || sti_fail "assign district"

stictl --json completeness --period 2025 --reports >"$T/c2025.json" || sti_fail "completeness"
/usr/bin/python3 - "$T/c2025.json" <<'PY' || sti_fail "2025: $(cat "$T/c2025.json")"
import json, sys
r = json.load(open(sys.argv[1]))
def counts(row):
    return [row[k] for k in ("expected", "received", "on_time", "late", "missing", "not_due")]
# By hand. Everything was received today, after every due date but gdp's (2036):
#   town_a: hitech 2025 late; tech_smes Q1, Q2 late, Q3, Q4 missing; gdp not due
#   town_b: hitech withdrawn: missing (tech_smes dropped)
#   plat_x: hitech late; gdp on time
#   dept_s: rd_expenditure 2025-01..03 late, 04..12 missing
#   linping: hitech missing (its value is the children's sum, not a report)
assert counts(r["total"]) == [22, 8, 1, 7, 13, 1], r["total"]
assert abs(r["total"]["rate"] - 8 / 21) < 1e-12 and abs(r["total"]["rate_on_time"] - 1 / 21) < 1e-12
orgs = {o["org"]: o for o in r["orgs"]}
# In catalog order; the catalog reads the org units added at run time from a
# Redis hash (HGETALL), whose order is not the order they were added in once
# the hash outgrows its compact encoding: the set is checked, not the order.
assert sorted(orgs) == sorted(["linping", "town_a", "town_b", "plat_x", "dept_s"]), list(orgs)
assert counts(orgs["town_a"]) == [6, 3, 0, 3, 2, 1], orgs["town_a"]
assert counts(orgs["town_b"]) == [1, 0, 0, 0, 1, 0], orgs["town_b"]
assert counts(orgs["plat_x"]) == [2, 2, 1, 1, 0, 0], orgs["plat_x"]
assert counts(orgs["dept_s"]) == [12, 3, 0, 3, 9, 0], orgs["dept_s"]
assert counts(orgs["linping"]) == [1, 0, 0, 0, 1, 0], orgs["linping"]
assert orgs["town_b"]["type"] == "town" and orgs["town_b"]["contact_name"] == "李四"
assert orgs["town_b"]["contact_dingtalk"] == "lisi01" and orgs["town_b"]["rate"] == 0
# Both names, for a page in either language.
assert orgs["town_b"]["name_zh"] == "街道乙（虚构）" and orgs["town_b"]["name_en"] == "Town B (made up)"
inds = {i["indicator"]: i for i in r["indicators"]}
assert list(inds) == ["rd_expenditure", "hitech_enterprises", "tech_smes", "gdp"], list(inds)
assert counts(inds["hitech_enterprises"]) == [4, 2, 0, 2, 2, 0]
assert counts(inds["tech_smes"]) == [4, 2, 0, 2, 2, 0]
assert counts(inds["gdp"]) == [2, 1, 1, 0, 0, 1] and inds["gdp"]["rate_on_time"] == 1
assert counts(inds["rd_expenditure"]) == [12, 3, 0, 3, 9, 0]
assert inds["tech_smes"]["frequency"] == "quarter" and inds["tech_smes"]["due"] == "P20D"
assert inds["hitech_enterprises"]["due"] == "P2M"
assert inds["gdp"]["name_en"] and inds["gdp"]["name_en"] != inds["gdp"]["name_zh"], inds["gdp"]
rep = {(x["org"], x["indicator"], x["period"]): x for x in r["reports"]}
assert len(rep) == 22
q2 = rep[("town_a", "tech_smes", "2025Q2")]
assert q2["status"] == "late" and q2["due"] == "2025-07-20" and q2["received_at"], q2
assert rep[("town_a", "hitech_enterprises", "2025")]["due"] == "2026-02-28"
assert rep[("dept_s", "rd_expenditure", "2025-12")]["due"] == "2026-01-15"
assert rep[("plat_x", "gdp", "2025")]["status"] == "on_time"
assert rep[("town_a", "gdp", "2025")]["received_at"] is None
PY

# A quarter holds only the quarterly and monthly reports; --org takes the subtree.
stictl --json completeness --period 2025Q2 >"$T/q2.json" || sti_fail "completeness 2025Q2"
stictl --json completeness --period 2025 --org town_a >"$T/town_a.json" || sti_fail "--org"
/usr/bin/python3 - "$T/q2.json" "$T/town_a.json" <<'PY' || sti_fail "Q2 / --org"
import json, sys
q2, town = (json.load(open(p)) for p in sys.argv[1:])
t = q2["total"]
assert [t["expected"], t["received"], t["late"], t["missing"]] == [4, 1, 1, 3], t
assert [o["org"] for o in town["orgs"]] == ["town_a"] and town["total"]["expected"] == 6, town
PY
stictl completeness --period 2025 >"$T/table.txt" || sti_fail "table"
grep -q "^town_b .*街道乙（虚构）.*李四" "$T/table.txt" || sti_fail "table: $(cat "$T/table.txt")"
grep -q "38.1%" "$T/table.txt" || sti_fail "table rate: $(cat "$T/table.txt")"

# The overdue list: the 13 missing reports of 2025, with whom to remind.
stictl --json completeness --overdue --period 2025 >"$T/overdue.json" || sti_fail "--overdue"
/usr/bin/python3 - "$T/overdue.json" <<'PY' || sti_fail "overdue: $(cat "$T/overdue.json")"
import json, sys
rows = json.load(open(sys.argv[1]))["overdue"]
assert len(rows) == 13, len(rows)
b = [r for r in rows if r["org"] == "town_b"]
assert len(b) == 1 and b[0]["contact_email"] == "lisi@example.invalid" and b[0]["days_overdue"] > 0
assert b[0]["org_name_en"] == "Town B (made up)" and b[0]["indicator_name_en"], b[0]
PY
stictl completeness --overdue --period 2025 | grep -q "^逾期未报 overdue reports: 13" ||
    sti_fail "overdue table"

# Bad input: refused naming what is wrong, nothing written.
refused() { # refused EXIT PATTERN COMMAND...: the command exits EXIT and says PATTERN
    local want=$1 pattern=$2 rc=0; shift 2
    stictl "$@" >"$T/bad.out" 2>&1 || rc=$?
    [ $rc -eq "$want" ] && grep -q -- "$pattern" "$T/bad.out" ||
        sti_fail "$* -> $rc: $(cat "$T/bad.out")"
}
stictl --json duty list >"$T/before.json" || sti_fail "duty list"
/usr/bin/python3 -c '
import json, sys
units = {u["org"]: u for u in json.load(open(sys.argv[1]))["units"]}
assert units["town_b"]["name_en"] == "Town B (made up)", units["town_b"]
' "$T/before.json" || sti_fail "duty list: no name_en: $(cat "$T/before.json")"
refused 1 "'no_such' is not an indicator" duty assign town hitech_enterprises no_such
refused 1 "'rd_gdp_ratio' is derived" duty assign town rd_gdp_ratio
refused 1 "listed twice" duty assign town tech_smes tech_smes
refused 4 "'nowhere' is not an org unit" duty type nowhere town
refused 1 "'village' is not a unit type" duty type town_a village
refused 4 "'nowhere' is not an org unit" duty set nowhere --add gdp
refused 1 "contact_name: must not hold control characters" duty set town_a --contact "$(printf 'a\tb')"
refused 1 "due: must be a duration" duty rule gdp --due 2M
refused 1 "frequency: must be year, quarter or month" duty rule gdp --frequency weekly
refused 4 "'no_such' is not an indicator" duty rule no_such --due P1M
refused 1 "period:" completeness --period 2025Q5
refused 4 "'nowhere' is not an org unit" completeness --period 2025 --org nowhere
stictl --json duty list >"$T/after.json" || sti_fail "duty list"
cmp -s "$T/before.json" "$T/after.json" || sti_fail "a refused write changed the duties"

# Again: nothing changes; the same request id again applies once.
stictl duty set town_a --add gdp --contact 张三 --phone 0571-0000001 | grep -q ": unchanged$" ||
    sti_fail "set again"
stictl --request-id dup-1 duty type dept_s street | grep -q ": changed$" || sti_fail "dup-1"
stictl --request-id dup-1 duty type dept_s street | grep -q ": unchanged$" || sti_fail "dup-1 again"
stictl duty type dept_s department >/dev/null || sti_fail "type back"

# The audit: one duty.changed event per change, with who made it.
"$CALL" sti.indicators events.since '{"stream": "ind", "seq": 0, "prefix": "ind._duty."}' \
    >"$T/audit.json"
/usr/bin/python3 - "$T/audit.json" <<'PY' || sti_fail "audit: $(cat "$T/audit.json")"
import json, sys
events = json.load(open(sys.argv[1]))["body"]["events"]
changes = [e for e in events if e["type"] == "duty.changed"]
# 3 rules, 4 unit duties, 5 types, 3 assignments, then dept_s street and back
assert len(changes) == 17, [e["subject"] for e in changes]
assert changes[0]["subject"] == "indicator.rule/tech_smes", changes[0]
assert changes[0]["data"]["rule"] == "quarter P20D" and changes[0]["data"]["by"], changes[0]
town_b = [e for e in changes if e["subject"] == "org.duty/town_b"][0]["data"]
assert town_b["drop"] == "tech_smes" and town_b["contact"].startswith("李四"), town_b
PY

# Overdue events: each missing report of 2025 raised once.
overdue_2025() {
    "$CALL" sti.indicators events.since \
        '{"stream": "ind", "seq": 0, "prefix": "ind._overdue.", "limit": 1000}' >"$T/od.json"
    /usr/bin/python3 - "$T/od.json" "$1" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["body"]["events"]
subjects = [e["subject"] for e in events if e["type"] == "duty.overdue" and "/2025" in e["subject"]]
assert len(subjects) == len(set(subjects)), subjects
sys.exit(0 if len(subjects) == int(sys.argv[2]) else 1)
PY
}
sti_wait_for 20 overdue_2025 13
# A restart raises none of them again; a due date that passes (a rule
# moved into the past: gdp P0D, due 2026-01-01) raises town_a's gdp 2025.
sti_stop indicators || sti_fail "sti-indicators did not stop cleanly: $(cat "$T/indicators.log")"
start_indicators
stictl duty rule gdp --due P0D >/dev/null || sti_fail "rule gdp P0D"
sti_wait_for 20 overdue_2025 14
stictl --json completeness --period 2025 | /usr/bin/python3 -c '
import json, sys
t = json.load(sys.stdin)["total"]
assert [t["on_time"], t["late"], t["missing"], t["not_due"]] == [0, 8, 14, 0], t' ||
    sti_fail "after P0D"

# sti-notify: the rule for town_b tells its one overdue report.
sti_wait_for 20 lines_at_least "$T/hook.jsonl" 1
grep -q "town_b" "$T/hook.jsonl" && grep -q "李四" "$T/hook.jsonl" ||
    sti_fail "message: $(cat "$T/hook.jsonl")"
[ "$(lines "$T/hook.jsonl")" -eq 1 ] || sti_fail "messages: $(cat "$T/hook.jsonl")"
echo "PASS"
