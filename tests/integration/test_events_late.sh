#!/usr/bin/env bash
# A subscriber that starts late, while events flow, gets everything from
# seq 1 once and in order; one with a prefix gets exactly its topic's events.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/events_check.sh"

sti_start_redis
ev_start_broker
sti_spawn server events_server --heartbeat-ms 500 --count 600 --rate 300 --topics ind.a.x,ind.b.y
sti_wait_for 20 ev_seq_at_least 200
sti_spawn all events_watch --from 0 --until 600
sti_spawn odd events_watch --from 0 --prefix ind.a. --until 599
sti_wait_for 60 ev_printed_at_least all 600
sti_wait_for 60 ev_printed_at_least odd 599
ev_expect all -- 1 1 600
ev_expect odd -- 1 2 599
# A subscriber at the live point sees only what comes after it: once the
# heartbeat told it the stream is at 600, a second publisher adds 601..650.
sti_spawn live events_watch --from live --until 650
sti_wait_for 20 grep -q '^cursor 600$' "$T/live.log"
sti_spawn server2 events_server --service sti.events-test2 --count 50 --rate 500 --topics ind.c
sti_wait_for 30 ev_printed_at_least live 650
ev_expect live -- 601 1 650
echo "ok"
