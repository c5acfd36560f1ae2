#!/usr/bin/env bash
# A subscriber stopped and restarted twice (resuming from the last seq it
# printed) while events flow ends with every event once and in order.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/events_check.sh"

sti_start_redis
ev_start_broker
sti_spawn server events_server --heartbeat-ms 500 --count 1000 --rate 250 --topics ind.a,ind.b,ind.c
sti_spawn w1 events_watch --from 0
sti_wait_for 30 ev_printed_at_least w1 150
sti_stop w1 || sti_fail "events_watch did not exit 0 on SIGTERM"
sti_spawn w2 events_watch --from "$(ev_last w1)"
sti_wait_for 30 ev_printed_at_least w2 500
sti_stop w2 || sti_fail "events_watch did not exit 0 on SIGTERM"
# The third one starts while events are still being published.
ev_seq_at_least 1000 && sti_fail "the flow ended before the last restart (machine too slow?)"
sti_spawn w3 events_watch --from "$(ev_last w2)" --until 1000
sti_wait_for 60 ev_printed_at_least w3 1000
ev_expect w1 w2 w3 -- 1 1 1000
echo "ok"
