#!/usr/bin/env bash
# stictl ingest: a CSV (with a BOM, quoted fields, embedded commas and
# newlines) and a JSON file of good and bad rows of every kind. The good rows
# are kept, each bad row is named as `row K: FIELD: reason` with K counting
# data rows from 1, exit 3; --json; --dry-run; header-only (exit 2, said) and
# malformed files. (test_stictl_files: .xlsx, GBK, Chinese headers, samples.)
# The figures are made up for the test.
. "$STI_SOURCE/tests/lib.sh"

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_wait_service sti.ingest
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    donghu:linping || sti_fail "plan_put failed"

printf '\xef\xbb\xbfindicator,org,period,value,unit,source,note\n' >"$T/rows.csv"
cat >>"$T/rows.csv" <<'CSV'
hitech_enterprises,linping,2023,850,,,
rd_expenditure,donghu,2023Q2,12000,万元,"Town report, Q2","two
lines"
no_such_indicator,linping,2023,1,,,
hitech_enterprises,nowhere,2023,1,,,
hitech_enterprises,linping,23,1,,,
hitech_enterprises,linping,2023,-1,,,
hitech_value_added_share,linping,2023,101,,,
rd_expenditure,linping,2023,5,美元,,
rd_gdp_ratio,linping,2023,3.6,,,
hitech_enterprises,linping,2023,851,,,
hitech_enterprises,linping,2022,many,,,
hitech_enterprises,linping,2021
CSV

rc=0
stictl ingest "$T/rows.csv" --source test-suite >"$T/out.txt" 2>"$T/err.txt" || rc=$?
[ $rc -eq 3 ] || sti_fail "expected exit 3, got $rc: $(cat "$T/out.txt" "$T/err.txt")"
expect() { grep -qF -- "$1" "$T/out.txt" || sti_fail "missing '$1' in: $(cat "$T/out.txt")"; }
expect "accepted 2, rejected 10"
expect "row 3: indicator:"
expect "row 4: org:"
expect "row 5: period:"
expect "row 6: value:"
expect "row 7: value:"
expect "row 8: unit:"
expect "row 9: indicator:"
expect "row 10: period:"
expect "row 11: value:"
expect "row 12: row: has 3 fields, the header has 7"
[ "$(grep -c '^row ' "$T/out.txt")" = 10 ] || sti_fail "expected 10 refused rows: $(cat "$T/out.txt")"

/usr/bin/python3 - "$REDIS_PORT" "$STI_NAMESPACE" <<'PY' || sti_fail "the kept rows are wrong"
import sys, msgpack, redis
r = redis.Redis(port=int(sys.argv[1]))
entries = r.xrange(sys.argv[2] + ":intake")
assert len(entries) == 1, entries
rows = msgpack.unpackb(entries[0][1][b"rows"], raw=False)
assert rows[0] == ["hitech_enterprises", "linping", "2023", 850.0, "test-suite", ""], rows
assert rows[1][:3] == ["rd_expenditure", "donghu", "2023Q2"] and abs(rows[1][3] - 1.2) < 1e-9, rows
assert rows[1][4:] == ["Town report, Q2", "two\nlines"], rows
PY

# JSON, --json output, --dry-run keeps nothing.
cat >"$T/rows.json" <<'JSON'
[{"indicator": "gdp", "org": "linping", "period": "2023", "value": 1000},
 {"indicator": "gdp", "org": "linping", "period": "2023-13", "value": 1},
 "not a row"]
JSON
rc=0
stictl --json ingest "$T/rows.json" --dry-run >"$T/out.json" || rc=$?
[ $rc -eq 3 ] || sti_fail "json: expected exit 3, got $rc"
/usr/bin/python3 - "$T/out.json" <<'PY' || sti_fail "--json output is wrong: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["accepted"] == 1 and r["rejected"] == 2, r
assert {(e["row"], e["field"]) for e in r["errors"]} == {(2, "period"), (3, "row")}, r
PY
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 1 ] || sti_fail "--dry-run kept rows"

# All good: exit 0.
printf 'indicator,org,period,value\ngdp,linping,2023,1000\n' >"$T/good.csv"
stictl ingest "$T/good.csv" | grep -qx "accepted 1, rejected 0" || sti_fail "a good file"
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 2 ] || sti_fail "the good file was not kept"

# A header only: nothing submitted, said so, exit 2. Bad headers and files: exit 2 with a reason.
printf 'indicator,org,period,value\n' >"$T/header.csv"
rc=0; stictl ingest "$T/header.csv" >"$T/out.txt" 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "has no data rows" "$T/err.txt" && [ ! -s "$T/out.txt" ] \
    || sti_fail "header only: rc $rc $(cat "$T/out.txt" "$T/err.txt")"
printf 'indicator,org,period\n' >"$T/short.csv"
rc=0; stictl ingest "$T/short.csv" 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "needs the columns" "$T/err.txt" || sti_fail "missing column: rc $rc"
/usr/bin/python3 -c 'print(",".join("c%d" % i for i in range(100000)))' >"$T/wide.csv"
rc=0; stictl ingest "$T/wide.csv" 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] || sti_fail "100,000 columns: expected exit 2, got $rc"
printf 'indicator,org,period,value\ngdp,linping,20\x0023,1\n' >"$T/nul.csv"
rc=0; stictl ingest "$T/nul.csv" >"$T/out.txt" || rc=$?
[ $rc -eq 3 ] && grep -q "NUL" "$T/out.txt" || sti_fail "NUL byte: rc $rc $(cat "$T/out.txt")"
rc=0; stictl ingest "$T/missing.csv" 2>/dev/null || rc=$?
[ $rc -eq 2 ] || sti_fail "a missing file: expected exit 2, got $rc"
echo ok
