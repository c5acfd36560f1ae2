#!/usr/bin/env bash
# The broker is killed and restarted on the same ports mid-flow: events
# published while it was away are lost on the bus but the subscriber gets
# them back from the log, so it ends with every event once and in order.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/events_check.sh"

sti_start_redis
ev_start_broker
sti_spawn server events_server --heartbeat-ms 500 --count 1000 --rate 100 --topics ind.a,ind.b
sti_spawn watch events_watch --from 0 --until 1000
sti_wait_for 30 ev_printed_at_least watch 200
sti_stop broker KILL || true
down_at=$(ev_seq)
sti_wait_for 30 ev_seq_at_least $((down_at + 100))   # published into the void
ev_start_broker
sti_wait_for 90 ev_printed_at_least watch 1000
ev_expect watch -- 1 1 1000
grep -q 'replayed .* from the log' "$T/watch.log" || sti_fail "nothing was replayed from the log"
echo "ok"
