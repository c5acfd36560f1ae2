#!/usr/bin/env bash
# The reference subscribers of examples/subscribers (Python with pyzmq, Node.js
# with the zeromq npm package) against a real stack: Redis, the broker,
# sti-ingest and sti-indicators with the Linping plan, rows submitted with
# stictl. Each starts after events are in the log (replay from seq 0), goes
# live, lives through a broker restart (killed, started again on its ports),
# is killed with -9 and started again (resuming from the cursor its output
# holds), and ends with every event of its prefix exactly once and in order,
# as the log has them. The figures are made up; the periods have begun.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/events_check.sh"
EXAMPLES=$STI_SOURCE/examples/subscribers

if [ ! -d "$EXAMPLES/node/node_modules/zeromq" ]; then
    (cd "$EXAMPLES/node" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1) \
        || { cat "$T/npm.log" >&2; sti_fail "npm ci in examples/subscribers/node failed (network?)"; }
fi

sti_start_redis
ev_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer test-1
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl --timeout 15000 plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null ||
    sti_fail "plan load"

# feed ROUND: every month of 2024 and 2025 of tech_smes and the years 2021-2025
# of hitech_enterprises at linping, each value new (made-up figures).
ROUND=0
feed() {
    ROUND=$((ROUND + 1))
    {
        echo "indicator,org,period,value"
        local year month
        for year in 2024 2025; do
            for month in 01 02 03 04 05 06 07 08 09 10 11 12; do
                echo "tech_smes,linping,$year-$month,$((1000 + ROUND * 10 + 10#$month))"
            done
        done
        for year in 2021 2022 2023 2024 2025; do
            echo "hitech_enterprises,linping,$year,$((700 + ROUND * 5 + year - 2021))"
        done
    } >"$T/round.csv"
    stictl ingest "$T/round.csv" --source test >/dev/null || sti_fail "ingest of round $ROUND"
}
# The subscribers: py (every event, prefix ind.) and node (ind.tech_smes. only).
start_py() {
    sti_spawn py /usr/bin/python3 "$EXAMPLES/python/sti_subscriber.py" --out "$T/py.jsonl" \
        --prefix ind.
}
start_node() {
    sti_spawn node node "$EXAMPLES/node/sti_subscriber.mjs" --out "$T/node.jsonl" \
        --prefix ind.tech_smes.
}
last_seq() { tail -n 1 "$1" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; t=sys.stdin.read(); print(json.loads(t)["seq"] if t else 0)'; }
written_past() { [ "$(last_seq "$1")" -gt "$2" ]; }
# The seqs of the log whose topic starts with PREFIX, one a line.
log_seqs() {
    /usr/bin/python3 "$STI_SOURCE/tests/helpers/events_log.py" "$REDIS_PORT" "$STI_NAMESPACE:events:ind" "$1"
}
all_in() { [ "$(last_seq "$T/$1.jsonl")" -ge "$(log_seqs "$2" | tail -n 1)" ]; }

# Events in the log before either subscriber starts: they come by replay.
feed
feed
sti_wait_for 30 ev_seq_at_least 40
start_py
start_node
sti_wait_for 60 written_past "$T/py.jsonl" 0
sti_wait_for 60 written_past "$T/node.jsonl" 0

# Live, then the broker killed and started again on its ports while rows go in.
feed
sti_wait_for 30 all_in py ind.
sti_wait_for 30 all_in node ind.tech_smes.
sti_stop broker KILL || true
sti_wait_for 30 eval 'grep -q "nothing heard" "$T/py.log" && grep -q "nothing heard" "$T/node.log"'
ev_start_broker
sti_wait_service sti.ingest
sti_wait_service sti.indicators
feed
for name in py node; do
    kill -0 "${STI_PIDS[$name]}" || sti_fail "$name did not live through the broker restart"
done

# kill -9 of each while events come, more rows while they are away, started again.
feed
sti_stop py KILL || true
sti_stop node KILL || true
py_at=$(last_seq "$T/py.jsonl")
node_at=$(last_seq "$T/node.jsonl")
feed
start_py
start_node
feed
sti_wait_for 60 all_in py ind.
sti_wait_for 60 all_in node ind.tech_smes.
grep -q "resuming after seq $py_at " "$T/py.log" || sti_fail "py did not resume after seq $py_at"
grep -q "resuming after seq $node_at " "$T/node.log" || sti_fail "node did not resume after $node_at"

# Exactly once and in order: the output's seqs are the log's, for each prefix.
check() {   # check NAME PREFIX
    log_seqs "$2" >"$T/$1.want"
    /usr/bin/python3 -c 'import json,sys; [print(json.loads(l)["seq"]) for l in open(sys.argv[1])]' \
        "$T/$1.jsonl" >"$T/$1.got"
    diff "$T/$1.want" "$T/$1.got" >"$T/$1.diff" ||
        { head -n 20 "$T/$1.diff" >&2; sti_fail "$1: not every event of $2 exactly once, in order"; }
    [ "$(wc -l <"$T/$1.want")" -ge 100 ] || sti_fail "$1: too few events to show anything"
}
check py ind.
check node ind.tech_smes.
/usr/bin/python3 - "$T/node.jsonl" <<'PY' || sti_fail "node's events are not tech_smes values"
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["topic"].startswith("ind.tech_smes."), e
    if e["type"] == "indicator.changed":
        assert isinstance(e["data"]["new"], (int, float)) and e["data"]["org"] == "linping", e
PY
echo "test_events_subscribers: ok ($(wc -l <"$T/py.want") and $(wc -l <"$T/node.want") events)"
