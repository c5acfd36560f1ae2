# events_check.sh: what the event tests (test_events_*.sh) share, on top of
# tests/lib.sh. Watchers are events_watch processes started with sti_spawn;
# their lines "<seq> <topic>" land in $T/NAME.log next to their log lines.

# The stream's latest seq in Redis (0 when none).
ev_seq() {
    local s
    s=$(sti_redis_cli GET "$STI_NAMESPACE:events:${1:-ind}:seq")
    echo "${s:-0}"
}
ev_seq_at_least() { [ "$(ev_seq)" -ge "$1" ]; }

# The seqs a watcher printed, one a line.
ev_seqs() { awk '$1 ~ /^[0-9]+$/ && NF == 2 {print $1}' "$T/$1.log"; }
ev_last() {
    local last
    last=$(ev_seqs "$1" | tail -n 1)
    echo "${last:-0}"
}
ev_printed_at_least() { [ "$(ev_last "$1")" -ge "$2" ]; }

# ev_expect NAME... -- FROM STEP TO: the watchers' seqs, concatenated, are
# exactly FROM, FROM+STEP, ..., TO (every event once, in order), and none of
# them was told events were lost.
ev_expect() {
    local names=()
    while [ "$1" != "--" ]; do names+=("$1"); shift; done
    shift
    local got="$T/got.$$" want="$T/want.$$"
    for n in "${names[@]}"; do ev_seqs "$n"; done >"$got"
    seq "$1" "$2" "$3" >"$want"
    if ! diff -q "$want" "$got" >/dev/null; then
        diff "$want" "$got" | head -n 20 >&2
        sti_fail "${names[*]}: expected seqs $1..$3 step $2 once and in order ($(wc -l <"$got") lines)"
    fi
    for n in "${names[@]}"; do
        if grep -q '^lost$' "$T/$n.log"; then sti_fail "$n was told events were lost"; fi
    done
}

# A spare port from the ledger (tests/lib.sh sti_spare_port): no other test
# is handed it for ten minutes, so the broker can be restarted on it.
ev_port() { sti_spare_port; }

# Starts sti-broker on the ports chosen before (EV_*), with a short heartbeat
# so workers notice a restart quickly. Returns 1 if it could not bind.
ev_spawn_broker() {
    sti_spawn broker sti-broker --bind "$STI_BROKER" --xpub "$STI_EVENTS_SUB" \
        --xsub "$STI_EVENTS_PUB" --http-addr "127.0.0.1:$EV_HTTP" --heartbeat-ms 500
    local deadline=$(( $(date +%s) + 10 ))
    until curl -sf "http://127.0.0.1:$EV_HTTP/healthz" >/dev/null 2>&1; do
        if ! kill -0 "${STI_PIDS[broker]}" 2>/dev/null; then
            unset "STI_PIDS[broker]"
            return 1
        fi
        [ "$(date +%s)" -le "$deadline" ] || sti_fail "sti-broker did not answer /healthz"
        sleep 0.05
    done
}

# A broker on fixed ports (so it can be restarted on the same ones): the first
# call chooses them, trying again with others if one was taken meanwhile.
ev_start_broker() {
    if [ -n "${EV_REQ:-}" ]; then
        ev_spawn_broker || sti_fail "sti-broker could not bind its ports again"
        return
    fi
    local attempt
    for attempt in 1 2 3; do
        EV_REQ=$(ev_port); EV_SUB=$(ev_port); EV_PUB=$(ev_port); EV_HTTP=$(ev_port)
        export STI_BROKER="tcp://127.0.0.1:$EV_REQ"
        export STI_EVENTS_SUB="tcp://127.0.0.1:$EV_SUB"
        export STI_EVENTS_PUB="tcp://127.0.0.1:$EV_PUB"
        ev_spawn_broker && return
    done
    sti_fail "sti-broker could not bind spare ports"
}
