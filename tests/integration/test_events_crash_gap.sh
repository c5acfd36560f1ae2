#!/usr/bin/env bash
# A publisher that dies between appending to the log and publishing leaves
# events nobody saw on the bus. Here events_server logs 81..100 without
# sending them (the tail of the flow, so no later event shows the gap): the
# heartbeat shows seq 100 and the subscriber fetches them from the log.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/events_check.sh"

sti_start_redis
ev_start_broker
sti_spawn watch events_watch --from 0 --until 100
sti_spawn server events_server --heartbeat-ms 500 --count 100 --rate 200 --log-only 81-100 \
    --topics ind.a,ind.b
sti_wait_for 20 ev_seq_at_least 100
sti_wait_for 30 ev_printed_at_least watch 100
ev_expect watch -- 1 1 100
grep -q 'replayed [0-9]*\.\.100 from the log' "$T/watch.log" \
    || sti_fail "the tail was not replayed from the log"
echo "ok"
