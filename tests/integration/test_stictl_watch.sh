#!/usr/bin/env bash
# stictl watch: a watch started late gets every event from --from 0 in
# order; a watch stopped (Ctrl-C) and started again with --from its last seq
# while events flow, and through a kill -9 and restart of sti-indicators and
# then of the broker (on the same ports), ends with every event once and in
# order: the seqs seen are 1..N exactly.
# A prefix keeps only its topics; a log trimmed past --from is reported as
# lost (exit 1). stictl events since pages through the same log. With only
# STI_BROKER set, the watch asks the broker where events are, says it, and
# gets them live.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/events_check.sh"   # ev_start_broker: restartable on its ports

STICTL="$STI_BUILD/cli/stictl"
# A loaded machine can take longer than the default 3 s to answer.
stictl() { "$STICTL" --timeout 15000 "$@"; }

sti_start_redis
ev_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer watch-test
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"

# Row I (from 1) is hitech_enterprises at linping for month I from 2001-01:
# a new period each, so each row makes exactly one event.
period() { printf '%d-%02d' $((2001 + ($1 - 1) / 12)) $((($1 - 1) % 12 + 1)); }
# send FROM TO: submits rows FROM..TO with stictl ingest.
send() {
    local i file="$T/rows-$1.csv"
    echo "indicator,org,period,value" >"$file"
    for ((i = $1; i <= $2; i++)); do echo "hitech_enterprises,linping,$(period "$i"),$i" >>"$file"; done
    stictl ingest "$file" >/dev/null
}
events_latest() { sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq"; }
# latest_is N: true once the event log's latest seq is N.
latest_is() { [ "$(events_latest)" = "$1" ]; }
# fed_at_least N: true once the feeder has sent rows up to N.
fed_at_least() { [ "$(cat "$T/fed")" -ge "$1" ]; }
# last_seq_is FILE N: true once the last event line of FILE has seq N.
last_seq_is() { [ "$(seqs "$1" | tail -1)" = "$2" ]; }
# seqs FILE...: the seq of every JSON line of the files, in order, one a line.
seqs() { cat "$@" | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{\"specversion\""):
        print(json.loads(line)["seq"])'; }
# lines_at_least FILE N: true once FILE holds N event lines.
lines_at_least() { [ "$(grep -c '^{"specversion"' "$1" 2>/dev/null)" -ge "$2" ]; }
# exactly FROM TO FILE...: the files' seqs are FROM..TO, each once, in order.
exactly() {
    local from=$1 to=$2; shift 2
    diff <(seqs "$@") <(seq "$from" "$to") >"$T/diff" || sti_fail "seqs are not $from..$to once each: $(head -20 "$T/diff")"
}

# 1. A late watch: 29 events happen, then one of another indicator; a watch
#    started afterwards with --from 0 prints all 30 in order.
send 1 29 || sti_fail "send 1..29"
printf 'indicator,org,period,value\nedz_national_rank,linping,2023,28\n' >"$T/edz.csv"
stictl ingest "$T/edz.csv" >/dev/null || sti_fail "send edz"
sti_wait_for 30 latest_is 30
timeout 60 "$STICTL" --json watch --from 0 --count 30 >"$T/late.out" 2>"$T/late.err" \
    || sti_fail "late watch: $(cat "$T/late.err")"
exactly 1 30 "$T/late.out"
/usr/bin/python3 - "$T/late.out" <<'PY' || sti_fail "late watch lines: $(head -3 "$T/late.out")"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
first, last = events[0], events[-1]
for key in ("specversion", "id", "source", "type", "time", "subject", "topic", "seq", "prev", "data"):
    assert key in first, (key, first)
assert first["id"] == "ind-1" and first["type"] == "indicator.changed", first
assert first["subject"] == "hitech_enterprises/linping/2001-01", first
assert first["data"]["new"] == 1 and first["data"]["old"] is None, first
assert last["topic"] == "ind.edz_national_rank.linping" and last["data"]["new"] == 28, last
PY
grep -q "stopped after seq 30" "$T/late.err" || sti_fail "no resume point: $(cat "$T/late.err")"
timeout 60 "$STICTL" watch edz_national_rank --from 0 --count 1 >"$T/edz.out" 2>&1 \
    || sti_fail "prefix watch: $(cat "$T/edz.out")"
grep -q "^30 .* indicator.changed edz_national_rank/linping/2023 " "$T/edz.out" \
    || sti_fail "prefix watch: $(cat "$T/edz.out")"

# stictl events since pages through the same log.
stictl --json events since 10 --limit 5 >"$T/page.out" 2>"$T/page.err" || sti_fail "events since"
exactly 11 15 "$T/page.out"
grep -q "more: stictl events since 15" "$T/page.err" || sti_fail "no next page: $(cat "$T/page.err")"
stictl events since 25 --prefix ind.edz >"$T/page.out" 2>/dev/null || sti_fail "events since --prefix"
[ "$(cut -d' ' -f1 "$T/page.out")" = 30 ] || sti_fail "events since --prefix: $(cat "$T/page.out")"

# 2. Events flow (a feeder sends 2 rows at a time until told to stop) while
#    watch A is stopped with Ctrl-C and watch B resumes from A's last seq,
#    while sti-indicators is killed with -9 and started again, and while the
#    broker is. A send that fails (the broker is away) is sent again: the
#    same values again change nothing, so row I still makes event I.
feed() {
    local i=31 tries
    while [ ! -e "$T/stop" ] && [ $i -le 900 ]; do
        tries=0
        until send $i $((i + 1)); do
            tries=$((tries + 1))
            [ $tries -lt 20 ] || exit 1
        done
        echo $((i + 1)) >"$T/fed"
        i=$((i + 2))
    done
}
echo 30 >"$T/fed"
sti_spawn feeder feed
sti_spawn watch_a "$STICTL" --timeout 15000 --json watch --from 30
sti_wait_for 60 lines_at_least "$T/watch_a.log" 10
sti_stop watch_a INT || sti_fail "watch A did not exit 0 on Ctrl-C"
a_last=$(seqs "$T/watch_a.log" | tail -1)
grep -q "stopped after seq $a_last\$" "$T/watch_a.log" || sti_fail "watch A's resume point: $(tail -2 "$T/watch_a.log")"
sti_spawn watch_b "$STICTL" --timeout 15000 --json watch --from "$a_last"
sti_wait_for 60 lines_at_least "$T/watch_b.log" 5
sti_stop indicators KILL || true
b_at_kill=$(grep -c '^{"specversion"' "$T/watch_b.log")
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer watch-test
sti_wait_service sti.indicators
fed=$(cat "$T/fed")
sti_wait_for 60 fed_at_least $((fed + 10))
b_at_kill=$(grep -c '^{"specversion"' "$T/watch_b.log")
sti_stop broker KILL || true
ev_start_broker
sti_wait_service sti.ingest
sti_wait_service sti.indicators
fed=$(cat "$T/fed")
sti_wait_for 60 fed_at_least $((fed + 10))
touch "$T/stop"
wait "${STI_PIDS[feeder]}" || sti_fail "the feeder failed"
unset "STI_PIDS[feeder]"
total=$(cat "$T/fed")
sti_wait_for 60 latest_is "$total"
sti_wait_for 60 last_seq_is "$T/watch_b.log" "$total"
[ "$(grep -c '^{"specversion"' "$T/watch_b.log")" -gt "$b_at_kill" ] || sti_fail "watch B saw nothing after the kill"
sti_stop watch_b INT || sti_fail "watch B did not exit 0 on Ctrl-C"
exactly 31 "$total" "$T/watch_a.log" "$T/watch_b.log"

# 3. A log trimmed past --from: the watch says the events are lost, exit 1.
#    Trimming takes whole entries: every entry up to the one holding seq 20
#    (a batch entry holds many seqs; its id is its last).
held20=$(sti_redis_cli XRANGE "$STI_NAMESPACE:events:ind" 0-20 + COUNT 1 | sed -n 1p) # (sed reads it all: no SIGPIPE)
sti_redis_cli XTRIM "$STI_NAMESPACE:events:ind" MINID "0-$((${held20#0-} + 1))" >/dev/null
rc=0
timeout 60 "$STICTL" --timeout 15000 watch --from 5 --count 1 >"$T/lost.out" 2>"$T/lost.err" || rc=$?
[ $rc -eq 1 ] || sti_fail "a trimmed log: exit $rc, wanted 1: $(cat "$T/lost.err")"
grep -q "lost" "$T/lost.err" || sti_fail "a trimmed log is not reported: $(cat "$T/lost.err")"
rc=0; stictl events since 5 >/dev/null 2>"$T/lost.err" || rc=$?
[ $rc -eq 1 ] && grep -q "lost" "$T/lost.err" || sti_fail "events since a trimmed seq: exit $rc: $(cat "$T/lost.err")"

# 4. Only STI_BROKER set: the watch asks the broker for the event address,
#    says which it watches, hears the bus, and gets the events that come.
sti_spawn watch_c env -u STI_EVENTS_SUB "$STICTL" --timeout 15000 --json watch --count 2
sti_wait_for 30 grep -q "the event bus answers" "$T/watch_c.log"
grep -q "stictl watch: events from $STI_EVENTS_SUB (the broker's event address)" "$T/watch_c.log" \
    || sti_fail "the watch does not say it asked the broker: $(cat "$T/watch_c.log")"
send $((total + 1)) $((total + 2)) || sti_fail "send for the watch"
wait "${STI_PIDS[watch_c]}" || sti_fail "the watch with only STI_BROKER: $(cat "$T/watch_c.log")"
unset "STI_PIDS[watch_c]"
exactly $((total + 1)) $((total + 2)) "$T/watch_c.log"
! grep -q "nothing came from" "$T/watch_c.log" || sti_fail "the bus was silent: $(cat "$T/watch_c.log")"
echo "ok"
