#!/usr/bin/env bash
# Implausible values, through stictl ingest as a clerk sends them: a period
# that has not begun is refused (configurable: max_period_ahead), a fraction
# of a count (1000.5 家) is refused, a value far from its series' last
# value is taken with a warning per row (in the reply and in stictl's
# output) and flagged in progress; each refusal names the row, the field
# and the reason. The years are relative to today; the values are made up.
. "$STI_SOURCE/tests/lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }

sti_start_data_path
year=$(date -u +%Y)
next=$((year + 1))

# ingest EXPECTED-EXIT ROWS...: sends the rows; the output is in $T/out.
ingest() {
    local want=$1; shift
    { echo "indicator,org,period,value,unit"; printf '%s\n' "$@"; } >"$T/rows.csv"
    local rc=0
    stictl ingest "$T/rows.csv" >"$T/out" 2>&1 || rc=$?
    [ $rc -eq "$want" ] || sti_fail "ingest exit $rc, wanted $want: $(cat "$T/out")"
}

# Periods that have not begun, fractions of counts: refused, each named.
ingest 3 "hitech_enterprises,linping,$next,900," "hitech_enterprises,linping,2099,900," \
    "hitech_enterprises,linping,${next}Q2,900," "hitech_enterprises,linping,$year,1000.5," \
    "hitech_enterprises,linping,$((year - 1)),900,"
grep -qx "accepted 1, rejected 4" "$T/out" || sti_fail "refusals: $(cat "$T/out")"
grep -q "^row 1: period: $next has not begun (today is $year-" "$T/out" || sti_fail "row 1: $(cat "$T/out")"
grep -q "^row 2: period: 2099 has not begun" "$T/out" || sti_fail "row 2: $(cat "$T/out")"
grep -q "^row 3: period: ${next}Q2 has not begun" "$T/out" || sti_fail "row 3: $(cat "$T/out")"
grep -q "^row 4: value: 1000.5 家 is not a whole number: 家 counts whole organisations" "$T/out" ||
    sti_fail "row 4: $(cat "$T/out")"
# A fraction in a unit that is not a count is fine (亿元, 万人).
ingest 0 "rd_expenditure,linping,2022,26.92,亿元" "talent_total,linping,2022,21.5,万人"
grep -qx "accepted 2, rejected 0" "$T/out" || sti_fail "fractions of money: $(cat "$T/out")"

# A value 16000 times its series' last: taken, with a warning on its row;
# --json lists it under warnings; progress flags it.
ingest 0 "rd_expenditure,linping,2023,440000,亿元" "rd_expenditure,linping,2024,30,亿元"
grep -qx "accepted 2, rejected 0, 1 with a warning" "$T/out" || sti_fail "warning: $(cat "$T/out")"
grep -q "^row 1: value: 440000 is 16344.7 times the last value 26.92 (2022) of this series: accepted, but check the value and its unit (warning)$" "$T/out" ||
    sti_fail "the warning's words: $(cat "$T/out")"
# Once applied, progress flags 2023's value; the 2024 row (30) had nothing
# to compare with when it came: a value is compared with the same period's
# or the one before's stored value, and 2023's was not applied yet.
applied() { stictl --json progress --year 2023 | grep -q '"latest":440000'; }
sti_wait_for 20 applied
stictl --json progress --year 2023 >"$T/p.json"
/usr/bin/python3 - "$T/p.json" <<'PY' || sti_fail "progress flag: $(cat "$T/p.json")"
import json, sys
rows = {r["code"]: r for r in json.load(open(sys.argv[1]))["indicators"]}
assert rows["rd_expenditure"]["flag"].startswith("2023: 440000 is 1.63e+04 times 2022's 26.92"), rows["rd_expenditure"]
assert rows["hitech_enterprises"]["flag"] is None, rows["hitech_enterprises"]
PY
stictl progress --year 2023 >"$T/p.txt"
grep -q "^rd_expenditure .*440000 (2023) !" "$T/p.txt" || sti_fail "the ! mark: $(cat "$T/p.txt")"
grep -q "^! rd_expenditure: 2023: 440000 is 1.63e+04 times 2022's 26.92: check it$" "$T/p.txt" ||
    sti_fail "the note under the table: $(cat "$T/p.txt")"

printf 'indicator,org,period,value\nrd_expenditure,linping,2023,27\n' >"$T/rows.csv"
stictl --json ingest "$T/rows.csv" >"$T/out" || sti_fail "json ingest: $(cat "$T/out")"
# The correction of 2023 is far from the value it replaces: warned too.
/usr/bin/python3 - "$T/out" <<'PY' || sti_fail "--json warnings: $(cat "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["accepted"] == 1 and doc["errors"] == [], doc
w = doc["warnings"]
assert len(w) == 1 and w[0]["row"] == 1 and w[0]["field"] == "value", w
assert "a small fraction of the last value 440000 (2023)" in w[0]["reason"], w
PY
# max_period_ahead 1: next year is taken, the year after is not.
sti_stop ingest
STI_MAX_PERIOD_AHEAD=1 sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_wait_service sti.ingest
ingest 3 "hitech_enterprises,linping,$next,900," "hitech_enterprises,linping,$((next + 1)),900,"
grep -qx "accepted 1, rejected 1" "$T/out" || sti_fail "a year ahead: $(cat "$T/out")"
grep -q "^row 2: period: $((next + 1)) has not begun" "$T/out" || sti_fail "two years ahead: $(cat "$T/out")"
echo ok
