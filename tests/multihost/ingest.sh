# tests/multihost/ingest.sh: the data path across simulated hosts, sourced
# by tests/multihost/run after its echo scenario (uses netns.sh's mh_* and
# run's SRC, BUILD, say).
#
#   host redis  10.77.0.6: redis-server (AOF on)
#   host broker 10.77.0.2: sti-broker (a fresh one; the echo scenario's has stopped)
#   hosts w1 10.77.0.3, w2 10.77.0.4: one sti-ingest and one sti-indicators each
#   host client 10.77.0.5: ingest_client.py, batches of 10 rows, each batch
#                          retried with its request id until acknowledged
# While rows flow, w1's cable is pulled; once the broker has dropped w1's
# workers and w2 has carried more batches, it is plugged back; once w1's
# workers have registered again, a few more batches, then the client stops.
# Then: the intake group drained, every acknowledged row has exactly one
# revision, the values are exactly the acknowledged rows, and the event log
# "ind" holds one event per row with sequence numbers 1..N, no gap.

mh_ingest_scenario() {
    local redis=10.77.0.6 broker=10.77.0.2 ns=mh
    local redis_url="redis://$redis:6379/0" stop="$MH_DIR/client.stop" acked="$MH_DIR/acked.txt"
    local ctl=("$BUILD/cli/stictl" --broker "tcp://$broker:5555" --timeout 5000)
    local exe
    for exe in services/ingest/sti-ingest services/indicators/sti-indicators cli/stictl; do
        [ -x "$BUILD/$exe" ] || mh_fail "$BUILD/$exe missing (build first)"
    done
    command -v redis-server >/dev/null || mh_fail "no redis-server"

    mh_host redis $redis
    mh_spawn redis redis redis-server --bind "$redis 127.0.0.1" --port 6379 --protected-mode no \
        --dir "$MH_DIR" --appendonly yes --save '' --loglevel warning
    rcli() { mh_exec redis redis-cli -h 127.0.0.1 -p 6379 "$@"; }
    mh_wait_for 10 rcli ping
    mh_spawn broker2 broker "$BUILD/services/broker/sti-broker" --bind "tcp://$broker:5555" \
        --xpub "tcp://$broker:5556" --xsub "tcp://$broker:5557" --http-addr 127.0.0.1:8080
    mh_wait_for 10 mh_exec broker curl -sf http://127.0.0.1:8080/healthz

    local common=(--broker "tcp://$broker:5555" --events-pub "tcp://$broker:5557"
                  --events-sub "tcp://$broker:5556" --redis-url "$redis_url" --namespace $ns)
    # The client's made-up periods run from 2001-01, one month a batch, so a
    # long run reaches months that have not begun: sti-ingest refuses those
    # unless max_period_ahead allows them (100 years: any batch the client sends).
    local w
    for w in w1 w2; do
        mh_spawn "ingest-$w" "$w" "$BUILD/services/ingest/sti-ingest" "${common[@]}" \
            --http-addr 127.0.0.1:8081 --write-rate 0 --max-period-ahead 100
        mh_spawn "indicators-$w" "$w" "$BUILD/services/indicators/sti-indicators" "${common[@]}" \
            --http-addr 127.0.0.1:8082 --consumer "$w" --claim-idle-ms 2000 --claim-every-ms 500
    done
    alive() {   # alive SERVICE N: the broker counts N workers of SERVICE
        [ "$(metric "sti_broker_workers_alive{service=\"$1\"}")" = "$2" ]
    }
    both_are() { alive sti.ingest "$1" && alive sti.indicators "$1"; }
    mh_wait_for 20 both_are 2
    mh_exec client "${ctl[@]}" plan load "$SRC/data/plans/linping-2021-2025" >"$MH_DIR/plan.log" 2>&1 \
        || mh_fail "stictl plan load: $(cat "$MH_DIR/plan.log")"
    say "ingest: Redis, broker, w1 and w2 (sti-ingest + sti-indicators each) up, plan loaded"

    mh_spawn client client /usr/bin/python3 "$SRC/tests/multihost/ingest_client.py" \
        --broker "tcp://$broker:5555" --stop "$stop" --out "$acked" --timeout 1000
    batches() { grep -c '^progress' "$MH_DIR/client.log" 2>/dev/null || true; }
    client_done() { ! kill -0 "${MH_PIDS[client]}" 2>/dev/null; }
    at_least() { [ "$(batches)" -ge "$1" ] || client_done; }
    # wait_batches N: waits (bounded) until N x 10 batches are acknowledged; a
    # client that stopped before (a batch refused, or never acknowledged)
    # fails the test at once, saying why.
    wait_batches() {
        mh_wait_for 30 at_least "$1"
        client_done && mh_fail "the client stopped after $(($(batches) * 10)) batches:" \
            "$(tail -n 1 "$MH_DIR/client.log")"
        return 0
    }
    wait_batches 3
    mh_link w1 down
    local cut_at
    cut_at=$(batches)
    say "ingest: w1 unplugged after $((cut_at * 10)) batches"
    mh_wait_for 30 both_are 1
    wait_batches $((cut_at + 3))
    mh_link w1 up
    say "ingest: w1 plugged back after $(($(batches) * 10)) batches (the broker had dropped it)"
    mh_wait_for 30 both_are 2
    local back_at
    back_at=$(batches)
    wait_batches $((back_at + 3))
    touch "$stop"
    mh_wait_for 60 client_done
    local rc=0 summary
    wait "${MH_PIDS[client]}" || rc=$?
    unset "MH_PIDS[client]"
    summary=$(grep '^{' "$MH_DIR/client.log" | tail -n 1)
    [ $rc -eq 0 ] || mh_fail "the client exited $rc: $summary"
    say "ingest: client: $summary"

    # Every acknowledged row applied: the group has read and acknowledged everything.
    drained() {
        local info
        info=$(rcli XINFO GROUPS "$ns:intake" | tr '\n' ' ')
        [[ "$info" =~ pending\ 0\ .*lag\ 0 ]]
    }
    mh_wait_for 30 drained
    local rows
    rows=$(wc -l <"$acked")
    [ "$rows" -gt 0 ] || mh_fail "no row acknowledged"

    # Exactly once: each acknowledged row's value has one revision, in its
    # list or its record (tests/helpers/revisions_summary.lua).
    local counts
    # shellcheck disable=SC2046 # the acknowledged rows, as (indicator, org, period) triples
    counts=$(rcli EVAL "$(cat "$SRC/tests/helpers/revisions_summary.lua")" 0 "$ns" \
        $(awk '{print $1, "linping", $2}' "$acked") | tr '\n' ' ' | sed 's/ $//')
    [ "$counts" = "$rows 0 $rows" ] \
        || mh_fail "revisions of the acknowledged rows (values, not exactly one, in all): $counts"
    # The values are exactly the acknowledged rows: nothing else was applied.
    local values=0 n key
    while read -r key; do
        n=$(rcli HLEN "$key")
        values=$((values + n))
    done < <(rcli --scan --pattern "$ns:val:*")
    [ "$values" -eq "$rows" ] || mh_fail "$values values in Redis, $rows rows acknowledged"
    # One event per row, sequence 1..N without a gap (event and batch entries
    # read as events: tests/helpers/events_log_summary.lua).
    local seq events
    seq=$(rcli GET "$ns:events:ind:seq")
    events=$(rcli EVAL "$(cat "$SRC/tests/helpers/events_log_summary.lua")" 1 "$ns:events:ind" |
        tr '\n' ' ' | sed 's/ $//')
    [ "$seq" = "$rows" ] && [ "$events" = "$rows 1 $rows 0" ] \
        || mh_fail "event log: seq $seq, (events, first, last, gaps) $events; $rows rows acknowledged"
    say "ingest: $rows rows acknowledged, each applied exactly once; events 1..$rows, no gap"

    local name
    for name in ingest-w1 ingest-w2 indicators-w1 indicators-w2 broker2 redis; do
        [ -n "${MH_PIDS[$name]:-}" ] || continue
        rc=0
        mh_stop "$name" TERM || rc=$?
        [ $rc -eq 0 ] || mh_fail "$name exited $rc after SIGTERM"
    done
    say "ingest scenario passed"
}
