#!/usr/bin/env bash
# A log written in the layout before batch entries (one event entry per
# event, by the appender of that time: tests/helpers/events_append_v1.lua,
# single appends and its append_many) is read after the upgrade, alone and
# mixed with the batch entries the applier now writes: events.since (stictl
# events since, paged) and the replay of stictl watch --from 0 give every seq
# once and in order with the old events' own fields, and prev continues
# across the two layouts on a topic they share.
. "$STI_SOURCE/tests/lib.sh"

STICTL="$STI_BUILD/cli/stictl"
stictl() { "$STICTL" --timeout 15000 "$@"; }
log="$STI_NAMESPACE:events:ind"

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
sti_stop indicators TERM || sti_fail "sti-indicators did not stop"
base=$(sti_redis_cli GET "$log:seq")
base=${base:-0}

# 1. The old layout, written by the old appender: 12 single appends, then
#    one append_many of 8 (made-up events; data {"note": "old", "n": "07"}).
v1=$(cat "$STI_SOURCE/tests/helpers/events_append_v1.lua")
topic() { [ $(($1 % 3)) = 0 ] && echo ind.hitech_enterprises.linping || echo "ind.old.t$(($1 % 3))"; }
data() { printf '\x82\xa4note\xa3old\xa1n\xa2%02d' "$1"; }
for i in $(seq 1 12); do
    sti_redis_cli EVAL "$v1
        return sti_events_append(KEYS[1], KEYS[2], KEYS[3], '1000000', ARGV[1], 'old.kind',
                                 ARGV[2], '2026-01-01T00:00:00.000Z', 'old-writer', ARGV[3])" \
        3 "$log" "$log:seq" "$log:prev" "$(topic "$i")" "old/$i" "$(data "$i")" >/dev/null ||
        sti_fail "old append $i"
done
args=()
for i in $(seq 13 20); do args+=("$(topic "$i")" "old/$i" "$(data "$i")"); done
sti_redis_cli EVAL "$v1
    local list = {}
    for i = 1, #ARGV, 3 do
        list[#list + 1] = {ARGV[i], 'old.kind', ARGV[i + 1], '2026-01-01T00:00:00.000Z',
                           'old-writer', ARGV[i + 2]}
    end
    local first, last = sti_events_append_many(KEYS[1], KEYS[2], KEYS[3], '1000000', list)
    return last" 3 "$log" "$log:seq" "$log:prev" "${args[@]}" >/dev/null || sti_fail "old append_many"
old=$((base + 20))
[ "$(sti_redis_cli XLEN "$log")" -ge 20 ] || sti_fail "the old layout did not write an entry per event"
last_old_shared=$((base + 18)) # the last old event on ind.hitech_enterprises.linping

# 2. The upgraded applier appends batch entries after them: 30 rows, one
#    event each, on the topic the old events share.
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_wait_service sti.indicators
period() { printf '%d-%02d' $((2001 + ($1 - 1) / 12)) $((($1 - 1) % 12 + 1)); }
{
    echo "indicator,org,period,value"
    for i in $(seq 1 30); do echo "hitech_enterprises,linping,$(period "$i"),$i"; done
} >"$T/rows.csv"
stictl ingest "$T/rows.csv" >/dev/null || sti_fail "ingest"
total=$((old + 30))
latest_is() { [ "$(sti_redis_cli GET "$log:seq")" = "$1" ]; }
sti_wait_for 60 latest_is "$total"
[ "$(sti_events_log_summary "$log")" = "$total 1 $total 0" ] ||
    sti_fail "the mixed log (events, first, last, gaps): $(sti_events_log_summary "$log")"
[ "$(sti_redis_cli XRANGE "$log" - + | grep -cx events)" -gt 0 ] || sti_fail "no batch entry was written"

# seqs FILE: the seq of every JSON event line, one a line.
seqs() { /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{\"specversion\""):
        print(json.loads(line)["seq"])' "$1"; }
# check FILE WHAT: FILE holds seqs 1..total once each in order, the old
# events with their own fields, and the first new event's prev is the last
# old event of its topic.
check() {
    diff <(seqs "$1") <(seq 1 "$total") >"$T/diff" ||
        sti_fail "$2: seqs are not 1..$total once each: $(head -5 "$T/diff")"
    /usr/bin/python3 - "$1" "$base" "$old" "$last_old_shared" "$2" <<'PY' || sti_fail "$2: fields"
import json, sys
path, base, old, shared, what = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
events = {e["seq"]: e for e in (json.loads(l) for l in open(path) if l.startswith('{"specversion"'))}
for i in range(1, 21):
    e = events[base + i]
    want = {"type": "old.kind", "subject": "old/%d" % i, "source": "old-writer",
            "data": {"note": "old", "n": "%02d" % i}}
    assert all(e[k] == v for k, v in want.items()), (what, e)
first_new = events[old + 1]
assert first_new["type"] == "indicator.changed", (what, first_new)
assert first_new["prev"] == shared, (what, first_new["prev"], shared)
PY
}

# 3. events.since, paged by stictl (limit 7: pages end inside batch entries).
: >"$T/since.out"
from=0
while [ "$from" -lt "$total" ]; do
    stictl --json events since "$from" --limit 7 >>"$T/since.out" 2>"$T/since.err" ||
        sti_fail "events since $from: $(cat "$T/since.err")"
    next=$(seqs "$T/since.out" | tail -1)
    [ "$next" -gt "$from" ] || sti_fail "events since $from did not move"
    from=$next
done
check "$T/since.out" "events since"

# 4. The replay of stictl watch from 0 (after the fact: all by replay).
timeout 60 "$STICTL" --timeout 15000 --json watch --from 0 --count "$total" >"$T/watch.out" \
    2>"$T/watch.err" || sti_fail "watch: $(cat "$T/watch.err")"
check "$T/watch.out" "watch --from 0"
echo "ok: $((old - base)) old-layout events and 30 batched ones read back as 1..$total"
