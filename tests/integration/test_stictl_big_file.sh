#!/usr/bin/env bash
# A big file through stictl, as a clerk types it, with the default rate
# limits: a 500,000-row CSV is interrupted with Ctrl-C (SIGINT) in the
# middle, which prints the committed summary (exit 130); the same command
# again finishes it and --wait returns once every row is applied: 500
# intake entries (nothing appended twice), 500 applied, the backlog back to
# 0 in stictl status and in /metrics; during the backlog sti-indicators
# answers requests (stictl org add, default time-out). Then a low write rate: a file
# of more batches than the burst is waited through (rate_limited answers,
# counted in the metrics) and a dry run of it takes no token at all.
# stictl indicator show --period/--limit/--latest on what was applied, and
# stictl events since past the end. The figures are made up for the test.
. "$STI_SOURCE/tests/lib.sh"

# A loaded machine can take longer than the default 3 s to answer.
stictl() { command stictl --timeout 15000 "$@"; }

sti_start_redis
sti_start_broker
INGEST_HTTP=$(sti_spare_port)
IND_HTTP=$(sti_spare_port)
sti_spawn ingest sti-ingest --http-addr "127.0.0.1:$INGEST_HTTP"
sti_spawn indicators sti-indicators --http-addr "127.0.0.1:$IND_HTTP"
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"

# rows N FILE: N rows of made-up counts; row K's key is the K-th of 13
# indicators x 252 months (2000-01..2020-12) at linping, so a batch of
# 1,000 rows never holds a key twice and the keys repeat as new revisions.
rows() {
    /usr/bin/python3 - "$1" >"$2" <<'PY'
import sys
n = int(sys.argv[1])
inds = ["hitech_enterprises", "tech_smes", "single_champions", "little_giants",
        "hidden_champions", "eagle_enterprises", "chick_enterprises", "incubators",
        "makerspaces_provincial", "incubators_national", "overseas_talent_stations",
        "overseas_talent_bases", "provincial_key_enterprise_institutes"]
periods = ["%d-%02d" % (y, m) for y in range(2000, 2021) for m in range(1, 13)]
out = ["indicator,org,period,value"]
for k in range(n):
    out.append("%s,linping,%s,%d" % (inds[k % 13], periods[(k // 13) % 252], k % 991))
sys.stdout.write("\n".join(out) + "\n")
PY
}
intake_len() { sti_redis_cli XLEN "$STI_NAMESPACE:intake"; }
# metric PORT NAME: the sum of a metric's samples on /metrics.
metric() {
    curl -sf "http://127.0.0.1:$1/metrics" |
        awk -v name="$2" '$1 == name || index($1, name "{") == 1 { sum += $2 } END { print sum + 0 }'
}

# --- 500,000 rows, Ctrl-C in the middle ---
rows 500000 "$T/big.csv"
# Started as itself (not through the function above), so that the signal
# reaches stictl; a background process of a script has SIGINT ignored until
# stictl catches it.
command stictl --timeout 15000 ingest "$T/big.csv" >"$T/first.out" 2>"$T/first.err" &
first=$!
sti_wait_for 120 eval '[ "$(intake_len)" -ge 150 ]'
kill -INT "$first"
rc=0; wait "$first" || rc=$?
[ $rc -eq 130 ] || sti_fail "Ctrl-C: exit $rc, wanted 130: $(cat "$T/first.out" "$T/first.err")"
line=$(head -1 "$T/first.out")
[[ $line =~ ^accepted\ ([0-9]+),\ rejected\ 0(,\ [0-9]+\ with\ a\ warning)?\;\ the\ last\ row\ committed\ is\ row\ ([0-9]+)\;\ interrupted:\ run\ the\ same\ command\ again\ to\ finish:\ nothing\ is\ applied\ twice$ ]] \
    || sti_fail "Ctrl-C summary: '$line'"
committed=${BASH_REMATCH[1]}
[ "${BASH_REMATCH[3]}" = "$committed" ] || sti_fail "the last row committed is not row $committed: $line"
[ $((committed % 1000)) -eq 0 ] && [ "$committed" -ge 150000 ] && [ "$committed" -lt 500000 ] \
    || sti_fail "committed $committed rows"
[ "$(intake_len)" -eq $((committed / 1000)) ] \
    || sti_fail "the summary says $committed rows, the intake log holds $(intake_len) entries"

# The same command again: the committed batches are answered from what
# sti-ingest kept, the rest is sent; --wait returns when all are applied.
# Meanwhile sti-indicators applies a backlog and answers requests: 20
# `stictl org add` with stictl's default time-out (3 s) are all answered.
stictl ingest "$T/big.csv" --wait >"$T/again.out" 2>"$T/again.err" &
again=$!
# The applier may drain the backlog before the 20th (how fast depends on
# the machine): at least 5 must be answered while entries are still
# waiting, each counted once the backlog is seen after its answer.
sti_wait_for 60 eval '[ "$(metric "$IND_HTTP" sti_indicators_backlog_entries)" -gt 20 ]'
during=0
for i in $(seq 1 20); do
    command stictl org add "town$i" --parent linping --name "镇$i" >"$T/org.out" 2>&1 \
        || sti_fail "org add $i during the backlog: $(cat "$T/org.out")"
    [ "$(metric "$IND_HTTP" sti_indicators_backlog_entries)" -gt 0 ] && during=$((during + 1))
done
[ "$during" -ge 5 ] || sti_fail "only $during of the org adds were answered during the backlog"
rc=0; wait "$again" || rc=$?
[ $rc -eq 0 ] || sti_fail "the rerun: exit $rc: $(cat "$T/again.out" "$T/again.err")"
grep -qxE "accepted 500000, rejected 0(, [0-9]+ with a warning)?" "$T/again.out" || sti_fail "rerun: $(cat "$T/again.out")"
grep -qx "applied: sti-indicators has applied every accepted row" "$T/again.out" \
    || sti_fail "--wait: $(cat "$T/again.out")"
grep -q "$committed of the accepted rows were committed by an earlier run" "$T/again.err" \
    || sti_fail "the rerun does not say what was there: $(cat "$T/again.err")"
[ "$(intake_len)" -eq 500 ] || sti_fail "nothing applied twice: $(intake_len) intake entries, not 500"
# Every entry applied once, so every row: 500 entries of 1,000 rows
# acknowledged (rows of an entry read again after a catalog change count
# again in sti_indicators_rows_total, as skipped: at least 500,000).
entries=$(metric "$IND_HTTP" sti_indicators_entries_total)
[ "$entries" -eq 500 ] || sti_fail "sti-indicators applied $entries intake entries, not 500"
applied=$(metric "$IND_HTTP" sti_indicators_rows_total)
[ "$applied" -ge 500000 ] || sti_fail "sti-indicators applied $applied rows, not 500000"
[ "$(sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -n 1)" = 0 ] \
    || sti_fail "entries are still pending after --wait"

# The backlog is 0: in stictl status and, after the next sample, on /metrics.
stictl status >"$T/status.txt" || sti_fail "stictl status: $(cat "$T/status.txt")"
grep -Eq '^sti\.indicators +1 +0 +0 entries .* applied$' "$T/status.txt" \
    || sti_fail "status: $(cat "$T/status.txt")"
grep -Eq '^sti\.ingest +1 +0 ' "$T/status.txt" || sti_fail "status of sti.ingest: $(cat "$T/status.txt")"
stictl --json status >"$T/status.json" || sti_fail "stictl --json status"
/usr/bin/python3 - "$T/status.json" <<'PY' || sti_fail "status --json: $(cat "$T/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["broker"] is True, s
ind = s["services"]["sti.indicators"]
assert ind["workers"] == 1 and ind["queued"] == 0, ind
assert ind["backlog"]["entries"] == 0 and ind["backlog"]["pending"] == 0, ind
assert s["services"]["sti.talent"]["workers"] == 0, s
PY
sti_wait_for 10 eval '[ "$(metric "$IND_HTTP" sti_indicators_backlog_entries)" = 0 ]'

# --- a low write rate: waited through; a dry run takes no token ---
sti_stop ingest
sti_spawn ingest2 sti-ingest --http-addr "127.0.0.1:$INGEST_HTTP" --write-rate 1 --write-burst 1
sti_wait_service sti.ingest
rows 5000 "$T/rated.csv"
rc=0
stictl ingest "$T/rated.csv" --source rated --wait >"$T/rated.out" 2>"$T/rated.err" || rc=$?
[ $rc -eq 0 ] && grep -qxE "accepted 5000, rejected 0(, [0-9]+ with a warning)?" "$T/rated.out" && grep -q "^applied" "$T/rated.out" \
    || sti_fail "a rate-limited file: exit $rc: $(cat "$T/rated.out" "$T/rated.err")"
count_limited() {
    curl -sf "http://127.0.0.1:$INGEST_HTTP/metrics" |
        awk '/^sti_requests_total\{.*code="rate_limited"/ { sum += $2 } END { print sum + 0 }'
}
limited_before=$(count_limited)
[ "$limited_before" -gt 0 ] || sti_fail "no rate_limited answer counted"
stictl ingest "$T/rated.csv" --source rated --dry-run >"$T/dry.out" 2>&1 \
    || sti_fail "dry run: $(cat "$T/dry.out")"
grep -qxE "accepted 5000, rejected 0(, [0-9]+ with a warning)?" "$T/dry.out" || sti_fail "dry run: $(cat "$T/dry.out")"
[ "$(count_limited)" = "$limited_before" ] || sti_fail "a dry run was rate limited"

# --- indicator show: a period filter, --limit, --latest ---
stictl --json indicator show tech_smes --period 2003..2004 --limit 5 --latest >"$T/show.json" \
    || sti_fail "indicator show with filters"
/usr/bin/python3 - "$T/show.json" <<'PY' || sti_fail "indicator show filters: $(head -c 600 "$T/show.json")"
import json, sys
points = json.load(open(sys.argv[1]))["series"]["points"]
assert [p["period"] for p in points] == ["2004-08", "2004-09", "2004-10", "2004-11", "2004-12"], points
assert all(p["revisions"] == [] for p in points), points
PY
stictl indicator show tech_smes --period 2003 >"$T/show.txt" || sti_fail "indicator show --period"
grep -q "series at 临平区 linping (家): 12 periods" "$T/show.txt" || sti_fail "--period 2003: $(head -20 "$T/show.txt")"
rc=0; stictl indicator show tech_smes --period 2003..x >/dev/null 2>"$T/bad.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "to:" "$T/bad.txt" || sti_fail "a bad period: exit $rc $(cat "$T/bad.txt")"

# --- events since past the end ---
latest=$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")
stictl events since $((latest + 5)) >"$T/past.out" 2>"$T/past.err" || sti_fail "events since past the end"
[ ! -s "$T/past.out" ] && grep -q "is past the end of the log, which ends at seq $latest" "$T/past.err" \
    || sti_fail "events since past the end: $(cat "$T/past.err")"
stictl events since "$latest" >/dev/null 2>"$T/at.err" || sti_fail "events since the latest"
grep -q "nothing after seq $latest yet" "$T/at.err" || sti_fail "events since the latest: $(cat "$T/at.err")"
echo "ok"
