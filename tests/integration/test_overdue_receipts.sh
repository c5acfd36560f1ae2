#!/usr/bin/env bash
# The overdue list keeps whether each report was received and follows the
# changes another replica applies (docs/completeness.md, "The overdue
# list's reads"), through stictl against real processes. Two sti-indicators
# share one Redis: the applier (consumer test-2, at broker 1 with
# sti-ingest) applies every value; the answerer (consumer test-1, at broker
# 2, its intake key a log nobody writes) applies nothing and answers the
# overdue list. With the answerer's list warm:
#   - a value added by the applier leaves the list, one withdrawn joins it,
#     and a district's report equal to its towns' sum (the effective value
#     unchanged) leaves it too, each at the answerer's next call;
#   - each of those calls reads one value hash again (one HMGET of a
#     <ns>:val: key, seen through MONITOR), a call after nothing changed
#     none, the first call every hash with a duty;
#   - a clean restart of Redis keeps what is kept and the answer; a restart
#     of the answerer reads every hash again and answers the same.
# The org units and values are made up for the test. Every period counted
# is of 2021-2025, whose due dates (P15D, P2M) lie before today.
. "$STI_SOURCE/tests/lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn applier sti-indicators --http-addr 127.0.0.1:0 --consumer test-2 \
    --overdue-check-ms 0
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"

# Broker 2 and the answerer.
B2_REQ=$(sti_spare_port) B2_SUB=$(sti_spare_port) B2_PUB=$(sti_spare_port)
sti_spawn broker2 sti-broker --bind "tcp://127.0.0.1:$B2_REQ" --xpub "tcp://127.0.0.1:$B2_SUB" \
    --xsub "tcp://127.0.0.1:$B2_PUB" --http-addr "127.0.0.1:$(sti_spare_port)"
start_answerer() {
    STI_BROKER="tcp://127.0.0.1:$B2_REQ" STI_EVENTS_PUB="tcp://127.0.0.1:$B2_PUB" \
        sti_spawn answerer sti-indicators --http-addr 127.0.0.1:0 --consumer test-1 \
        --intake-key nobody-writes-here --overdue-check-ms 0
    STI_BROKER="tcp://127.0.0.1:$B2_REQ" sti_wait_service sti.indicators
}
start_answerer

sti_add_orgs "town_a:镇甲（虚构）:Town A (made up)" "town_b:街道乙（虚构）:Town B (made up)"

# ingest CSV-ROWS...: submits the rows and waits until the applier applied them.
ingest() { sti_ingest --wait "$@"; }
# tech_smes monthly at both towns (town_a misses 2025-03 and 2025-07,
# town_b 2024-12); hitech_enterprises yearly at both towns, and at the
# district every year but 2024 (its sum stands in there).
rows=()
for y in 2021 2022 2023 2024 2025; do
    for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
        [ "$y-$m" = 2025-03 ] || [ "$y-$m" = 2025-07 ] || rows+=("tech_smes,town_a,$y-$m,$((10#$m + 20))")
        [ "$y-$m" = 2024-12 ] || rows+=("tech_smes,town_b,$y-$m,$((10#$m + 40))")
    done
    rows+=("hitech_enterprises,town_a,$y,$((y - 2000))" "hitech_enterprises,town_b,$y,7")
    [ "$y" = 2024 ] || rows+=("hitech_enterprises,linping,$y,$((y - 1900))")
done
ingest "${rows[@]}"

stictl duty rule tech_smes --frequency month --due P15D >/dev/null || sti_fail "rule"
for t in linping:district town_a:town town_b:town; do
    stictl duty type "${t%%:*}" "${t#*:}" >/dev/null || sti_fail "duty type $t"
done
stictl duty assign town tech_smes >/dev/null || sti_fail "assign town"
stictl duty assign district hitech_enterprises >/dev/null || sti_fail "assign district"

# What Redis runs, seen through MONITOR (started again with Redis).
sti_spawn monitor redis-cli -p "$REDIS_PORT" monitor
# mark N: the line of $T/monitor.log where the marker N Redis saw now stands
# (sent again until MONITOR shows it: a monitor just started may not be on yet).
echo_seen() {
    redis-cli -p "$REDIS_PORT" echo "mark-$1" >/dev/null
    grep -q "\"mark-$1\"" "$T/monitor.log"
}
mark() {
    sti_wait_for 10 echo_seen "$1"
    grep -n "\"mark-$1\"" "$T/monitor.log" | head -1 | cut -d: -f1
}
MARKS=0
# overdue READS EXPECTED...: asks the answerer for the overdue list, checks
# that its reports of 2021-2025 are exactly EXPECTED (org/indicator/period)
# and that the call read READS value hashes (HMGET of <ns>:val:...).
overdue() {
    local want_reads=$1 from to reads
    shift
    MARKS=$((MARKS + 2))
    from=$(mark "$((MARKS - 1))")
    STI_BROKER="tcp://127.0.0.1:$B2_REQ" stictl --json completeness --overdue >"$T/overdue.json" ||
        sti_fail "overdue"
    to=$(mark "$MARKS")
    [ -n "$from" ] && [ -n "$to" ] || sti_fail "MONITOR did not show the markers"
    reads=$(sed -n "${from},${to}p" "$T/monitor.log" | grep -c '"HMGET" "[^"]*:val:' || true)
    /usr/bin/python3 - "$T/overdue.json" "$@" <<'PY' || sti_fail "overdue: $(cat "$T/overdue.json")"
import json, sys
rows = json.load(open(sys.argv[1]))["overdue"]
listed = sorted("%s/%s/%s" % (x["org"], x["indicator"], x["period"]) for x in rows
                if x["period"][:4] <= "2025")  # this year's depend on today
assert listed == sorted(sys.argv[2:]), (listed, sorted(sys.argv[2:]))
PY
    [ "$reads" = "$want_reads" ] || sti_fail "overdue read $reads value hashes, not $want_reads"
}

# Cold: every hash with a duty is read (tech_smes at both towns,
# hitech_enterprises at the district); warm: none.
overdue 3 town_a/tech_smes/2025-03 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 \
    linping/hitech_enterprises/2024
overdue 0 town_a/tech_smes/2025-03 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 \
    linping/hitech_enterprises/2024

# A value added by the other replica: its hash is read again, the report leaves the list.
ingest tech_smes,town_a,2025-03,23
overdue 1 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 linping/hitech_enterprises/2024

# A value withdrawn: the report joins the list.
stictl value withdraw tech_smes town_b 2021-05 --reason "示例：报错（虚构）" >/dev/null ||
    sti_fail "withdraw"
withdrawn() { # the applier's own list has it: the withdrawal is applied
    stictl --json completeness --overdue | grep -q '"2021-05"'
}
sti_wait_for 20 withdrawn
overdue 1 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 town_b/tech_smes/2021-05 \
    linping/hitech_enterprises/2024

# The district reports exactly its towns' sum for 2024 (2024 + 7 - 2000 = 31):
# the effective value stays, but it is now the district's own report.
ingest hitech_enterprises,linping,2024,31
overdue 1 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 town_b/tech_smes/2021-05

# Redis stopped cleanly and started again on its files: nothing is read again.
sti_stop redis
sti_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$T/redis" \
    --appendonly yes --appendfsync everysec --save '' --daemonize no --loglevel warning
sti_wait_for 10 redis-cli -p "$REDIS_PORT" ping
sti_wait_for 20 eval 'redis-cli -p "$REDIS_PORT" info persistence | grep -q "^loading:0"'
sti_stop monitor || true
sti_spawn monitor redis-cli -p "$REDIS_PORT" monitor
answers() { STI_BROKER="tcp://127.0.0.1:$B2_REQ" stictl --json completeness --overdue >/dev/null; }
sti_wait_for 20 answers
overdue 0 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 town_b/tech_smes/2021-05

# The answerer restarted: it keeps nothing, reads every hash, answers the same.
sti_stop answerer
start_answerer
overdue 3 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 town_b/tech_smes/2021-05
overdue 0 town_a/tech_smes/2025-07 town_b/tech_smes/2024-12 town_b/tech_smes/2021-05
echo "PASS"
