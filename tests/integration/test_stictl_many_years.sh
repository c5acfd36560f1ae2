#!/usr/bin/env bash
# Completeness, the overdue list and forecast.report over several years of
# values, some revised and one withdrawn, through stictl against real
# processes. These answers read only the fields they need (the periods of
# the reports; the latest period and the baseline of each hash), so they are
# checked against figures worked out by hand and against progress.report,
# which reads every value of a hash:
#   - the overdue list of every year holds exactly the missing reports of
#     2021-2025 worked out by hand, and the same as the missing reports of
#     each year's completeness;
#   - a revised report was received when it was first reported;
#   - forecast.report of an org unit takes the latest period that has a
#     value (not the withdrawn one after it, not a month of a flow
#     indicator, not a period after the plan's end) and the unit's own
#     baseline, as progress.report does.
# The org units, values and targets are made up for the test. Every period
# counted is of 2021-2025, whose due dates (P15D, P2M) lie before today.
. "$STI_SOURCE/tests/lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }

sti_start_data_path
sti_add_orgs "town_a:镇甲（虚构）:Town A (made up)" "town_b:街道乙（虚构）:Town B (made up)"

# ingest CSV-ROWS...: submits the rows and waits until they are applied.
ingest() { sti_ingest --wait "$@"; }
# town_a: tech_smes (stock) in 2020 (its baseline), every month of
# 2021-2023, 2024-03 (withdrawn below) and 2026-01 (after the plan's end);
# rd_expenditure (flow) in 2020-2022 and months of 2023 (not whole years).
# town_b: hitech_enterprises in 2020, 2021, 2022, 2023Q4 and 2024-06.
rows=(tech_smes,town_a,2020,100 tech_smes,town_a,2024-03,300 tech_smes,town_a,2026-01,400
    rd_expenditure,town_a,2020,2 rd_expenditure,town_a,2021,2.5 rd_expenditure,town_a,2022,3
    hitech_enterprises,town_b,2020,20 hitech_enterprises,town_b,2021,22
    hitech_enterprises,town_b,2022,25 hitech_enterprises,town_b,2023Q4,27
    hitech_enterprises,town_b,2024-06,30)
for y in 2021 2022 2023; do
    for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
        rows+=("tech_smes,town_a,$y-$m,$((100 + (y - 2021) * 12 + 10#$m))")
    done
done
for m in 01 02 03 04 05 06; do rows+=("rd_expenditure,town_a,2023-$m,0.4"); done
ingest "${rows[@]}"
before_revision=$(date +%s%3N)
ingest tech_smes,town_a,2022-05,130 hitech_enterprises,town_b,2024-06,31 # revisions
stictl value withdraw tech_smes town_a 2024-03 --reason "示例：报错（虚构）" >/dev/null ||
    sti_fail "withdraw"
withdrawn() { # progress reads the whole hash: its latest is 2023-12 once 2024-03 is withdrawn
    stictl --json progress --year 2025 --org town_a | /usr/bin/python3 -c '
import json, sys
row = {r["code"]: r for r in json.load(sys.stdin)["indicators"]}["tech_smes"]
sys.exit(0 if row["latest_period"] == "2023-12" else 1)'
}
sti_wait_for 20 withdrawn

# The duties: tech_smes monthly (P15D), hitech_enterprises yearly (the
# catalog's P2M), of both towns.
stictl duty rule tech_smes --frequency month --due P15D >/dev/null || sti_fail "rule"
for t in town_a town_b; do stictl duty type "$t" town >/dev/null || sti_fail "type $t"; done
stictl duty assign town tech_smes hitech_enterprises >/dev/null || sti_fail "assign"

for y in 2021 2022 2023 2024 2025; do
    stictl --json completeness --period "$y" --reports >"$T/c$y.json" || sti_fail "completeness $y"
done
stictl --json completeness --overdue >"$T/overdue.json" || sti_fail "overdue"
/usr/bin/python3 - "$T" "$before_revision" <<'PY' || sti_fail "completeness/overdue"
import datetime, json, sys
d, before = sys.argv[1], int(sys.argv[2])
years = {y: json.load(open("%s/c%d.json" % (d, y))) for y in range(2021, 2026)}
def counts(y, org):
    row = {o["org"]: o for o in years[y]["orgs"]}[org]
    return [row[k] for k in ("expected", "received", "missing", "not_due")]
# By hand: town_a reported tech_smes every month of 2021-2023 and nothing
# else (2024-03 withdrawn); town_b hitech_enterprises 2021 and 2022 (2023Q4
# and 2024-06 are no yearly report).
for y in (2021, 2022):
    assert counts(y, "town_a") == [13, 12, 1, 0], (y, counts(y, "town_a"))
    assert counts(y, "town_b") == [13, 1, 12, 0], (y, counts(y, "town_b"))
assert counts(2023, "town_a") == [13, 12, 1, 0] and counts(2023, "town_b") == [13, 0, 13, 0]
for y in (2024, 2025):
    assert counts(y, "town_a") == [13, 0, 13, 0] and counts(y, "town_b") == [13, 0, 13, 0], y
missing = set()
for y, r in years.items():
    missing |= {(x["org"], x["indicator"], x["period"]) for x in r["reports"]
                if x["status"] == "missing"}
listed = {(x["org"], x["indicator"], x["period"]) for x in json.load(open(d + "/overdue.json"))["overdue"]}
listed = {x for x in listed if x[2][:4] <= "2025"}
assert len(missing) == 5 + 12 * 2 + 3 + 60 == 92, len(missing)
assert listed == missing, (sorted(listed - missing), sorted(missing - listed))
assert ("town_a", "tech_smes", "2024-03") in listed
# The revised report was received when it was first reported.
rep = {(x["org"], x["indicator"], x["period"]): x for x in years[2022]["reports"]}
def ms(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
revised = rep[("town_a", "tech_smes", "2022-05")]
assert revised["status"] == "late" and ms(revised["received_at"]) < before, (revised, before)
PY

# What the overdue list keeps of the values read holds only until a value
# is applied: a report that comes in leaves the list, one withdrawn joins it.
overdue_has() { # overdue_has YES|NO ORG INDICATOR PERIOD
    stictl --json completeness --overdue | /usr/bin/python3 -c '
import json, sys
want, key = sys.argv[1] == "YES", tuple(sys.argv[2:])
rows = {(x["org"], x["indicator"], x["period"]) for x in json.load(sys.stdin)["overdue"]}
sys.exit(0 if (key in rows) == want else 1)' "$@"
}
overdue_has YES town_a tech_smes 2024-01 || sti_fail "2024-01 not overdue"
overdue_has NO town_a tech_smes 2023-01 || sti_fail "2023-01 overdue"
ingest tech_smes,town_a,2024-01,137
overdue_has NO town_a tech_smes 2024-01 || sti_fail "2024-01 still overdue once received"
stictl value withdraw tech_smes town_a 2023-01 --reason "示例：重报（虚构）" >/dev/null ||
    sti_fail "withdraw 2023-01"
sti_wait_for 20 overdue_has YES town_a tech_smes 2023-01

# forecast.report against progress.report, which reads whole hashes.
stictl target set tech_smes 2025 200 --org town_a >/dev/null || sti_fail "target"
stictl target set rd_expenditure 2025 4 --org town_a >/dev/null || sti_fail "target"
stictl target set hitech_enterprises 2025 40 --org town_b >/dev/null || sti_fail "target"
stictl target set tech_smes 2025 1000 >/dev/null || sti_fail "target" # the district's
stictl --json forecast >"$T/forecast.json" || sti_fail "forecast"
for org in linping town_a town_b; do
    stictl --json progress --year 2025 --org "$org" >"$T/progress_$org.json" ||
        sti_fail "progress $org"
done
/usr/bin/python3 - "$T" <<'PY' || sti_fail "forecast: $(cat "$T/forecast.json")"
import json, sys
d = sys.argv[1]
rows = {(r["org"], r["indicator"]): r for r in json.load(open(d + "/forecast.json"))["forecasts"]}
latest = {("town_a", "tech_smes"): ("2024-01", 137), ("town_a", "rd_expenditure"): ("2022", 3),
          ("town_b", "hitech_enterprises"): ("2024-06", 31)}
for (org, code), (period, value) in latest.items():
    row = rows[(org, code)]
    assert (row["latest_period"], row["latest"]) == (period, value), row
    assert row["baseline_period"] == "2020" and row["forecast_class"] != "no_target", row
# Every row of these org units (the district's too: sums of the towns'
# values) as progress.report gives it.
checked = 0
for org in ("linping", "town_a", "town_b"):
    progress = {p["code"]: p for p in json.load(open("%s/progress_%s.json" % (d, org)))["indicators"]}
    for (row_org, code), row in rows.items():
        if row_org != org:
            continue
        p = progress[code]
        for key in ("baseline", "baseline_period", "latest", "latest_period",
                    "forecast_year", "forecast_class", "projection", "score", "method", "rate",
                    "required_rate"):
            assert row[key] == p[key], (key, row, p)
        checked += 1
assert checked == 4, checked
PY
echo "PASS"
