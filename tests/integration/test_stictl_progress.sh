#!/usr/bin/env bash
# The worked example of issue 3 through stictl alone: plan load, target set,
# values submitted with stictl ingest, progress read with stictl progress.
# hitech_enterprises (baseline 578 in 2020, target 1000 in 2025) in 2023:
# 850 on_track (completion 0.645, expected 0.600), 800 lagging, 700 at_risk,
# 1000 achieved; edz_national_rank (down, baseline 42, target 30) at 28:
# achieved. The text table lines its columns up across Chinese names.
. "$STI_SOURCE/tests/lib.sh"

# A loaded machine can take longer than the default 3 s to answer.
stictl() { command stictl --timeout 15000 "$@"; }

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_wait_service sti.ingest
sti_wait_service sti.indicators

stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
stictl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target set hitech"
stictl target set edz_national_rank 2025 30 >/dev/null || sti_fail "target set edz"

# progress_is CODE LATEST: true once --json progress for 2023 shows LATEST for CODE.
progress_is() {
    stictl --json progress --year 2023 >"$T/progress.json" || return 1
    /usr/bin/python3 - "$T/progress.json" "$1" "$2" <<'PY'
import json, sys
rows = {r["code"]: r for r in json.load(open(sys.argv[1]))["indicators"]}
sys.exit(0 if rows[sys.argv[2]]["latest"] == float(sys.argv[3]) else 1)
PY
}

# submit CODE VALUE: sends the 2023 value through stictl ingest and waits until it is applied.
submit() {
    printf 'indicator,org,period,value\n%s,linping,2023,%s\n' "$1" "$2" >"$T/rows.csv"
    stictl ingest "$T/rows.csv" | grep -qx "accepted 1, rejected 0" || sti_fail "ingest $1 $2"
    sti_wait_for 20 progress_is "$1" "$2"
}

# check CODE COMPLETION EXPECTED STATUS: the last --json progress for that row.
check() {
    /usr/bin/python3 - "$T/progress.json" "$@" <<'PY' || sti_fail "progress of $1: $(cat "$T/progress.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
code, completion, expected, status = sys.argv[2:6]
assert doc["year"] == 2023 and doc["org"] == "linping", doc
row = {r["code"]: r for r in doc["indicators"]}[code]
want = {"code", "unit", "baseline", "latest", "latest_period", "target", "target_year",
        "completion", "expected_completion", "status"}
assert want <= set(row), row
assert row["latest_period"] == "2023" and row["target_year"] == 2025, row
assert round(row["completion"], 3) == float(completion), row
assert round(row["expected_completion"], 3) == float(expected), row
assert row["status"] == status, row
PY
}

submit hitech_enterprises 850
check hitech_enterprises 0.645 0.600 on_track
/usr/bin/python3 - "$T/progress.json" <<'PY' || sti_fail "hitech row: $(cat "$T/progress.json")"
import json, sys
row = {r["code"]: r for r in json.load(open(sys.argv[1]))["indicators"]}["hitech_enterprises"]
assert row["unit"] == "家" and row["baseline"] == 578 and row["target"] == 1000, row
PY
submit hitech_enterprises 800
check hitech_enterprises 0.526 0.600 lagging
submit hitech_enterprises 700
check hitech_enterprises 0.289 0.600 at_risk
submit hitech_enterprises 1000
check hitech_enterprises 1.000 0.600 achieved
submit edz_national_rank 28
check edz_national_rank 1.167 0.600 achieved

# The text table: the rows, with each column starting at the same display
# column on every line (a CJK character takes two).
stictl progress --year 2023 >"$T/table.txt" || sti_fail "progress (text)"
/usr/bin/python3 - "$T/table.txt" <<'PY' || sti_fail "the table: $(cat "$T/table.txt")"
import sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines[0] == "progress in 2023 at linping 临平区", lines[0]
head = lines[1]
def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
def column(line, text):
    at = line.index(text)
    return width(line[:at])
rows = {line.split()[0]: line for line in lines[2:]}
hitech, edz = rows["hitech_enterprises"], rows["edz_national_rank"]
assert "高新技术企业" in hitech and "1000 (2023)" in hitech and "1000 (2025)" in hitech, hitech
assert "已完成" in hitech and "100.0%" in hitech and "60.0%" in hitech, hitech
assert "28 (2023)" in edz and "30 (2025)" in edz and "已完成" in edz, edz
# The last column: nothing is signed off here (docs/signoff.md).
assert hitech.rstrip().endswith("未审核") and edz.rstrip().endswith("未审核"), (hitech, edz)
for line, unit, status in ((hitech, "家", "已完成"), (edz, "位", "已完成")):
    assert column(line, " " + unit + " ") + 1 == column(head, "UNIT"), (line, head)
    assert column(line, status) == column(head, "STATUS"), (line, head)
for line in lines[2:]:
    last = line.rstrip()
    assert width(last[:len(last) - len(last.split()[-1])]) == column(head, "APPROVAL"), (line, head)
PY

# Bad arguments, and an unknown org unit.
rc=0; stictl progress --year 1999 2>/dev/null || rc=$?
[ $rc -eq 2 ] || sti_fail "--year 1999: exit $rc, wanted 2"
rc=0; stictl progress --org nowhere 2>"$T/err" || rc=$?
[ $rc -eq 4 ] || [ $rc -eq 1 ] || sti_fail "--org nowhere: exit $rc"
grep -q nowhere "$T/err" || sti_fail "--org nowhere: $(cat "$T/err")"
echo "ok"
