#!/usr/bin/env bash
# sti-notify restarts and replicas: events published while sti-notify was
# down are evaluated after it starts again; with two replicas each event is
# evaluated by one of them (one delivery per event, none twice); when the
# replica evaluating the stream is killed, the other takes over where it
# stopped.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
sink_start hook
notify_start a --streams ind
HTTP_A=$NOTIFY_HTTP
nctl rule add every --indicator hitech_enterprises --when any \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null

emit_n() {  # emit_n FIRST COUNT: COUNT events with values FIRST, FIRST+1, ...
    local i
    for i in $(seq "$1" $(( $1 + $2 - 1 ))); do
        emit_ind hitech_enterprises linping 2023 null "$i" on_track on_track
    done
}
unique_keys() {
    /usr/bin/python3 - "$T/hook.jsonl" "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
keys = [r["headers"]["idempotency-key"] for r in recs]
values = sorted(json.loads(r["body"])["events"][0]["new_value"] for r in recs)
want = int(sys.argv[2])
assert len(keys) == want and len(set(keys)) == want, (len(keys), len(set(keys)))
assert values == list(range(1, want + 1)), values
PY
}

emit_n 1 1
sti_wait_for 20 lines_at_least "$T/hook.jsonl" 1
sti_stop a || sti_fail "sti-notify did not exit 0 on SIGTERM"

# --- published while it is down, evaluated after it starts again
emit_n 2 5
notify_start a --streams ind
sti_wait_for 30 lines_at_least "$T/hook.jsonl" 6
unique_keys 6 || sti_fail "after the restart"

# --- two replicas: each event once
NOTIFY_HTTP=
notify_start b --streams ind
HTTP_B=$NOTIFY_HTTP
emit_n 7 20
sti_wait_for 30 lines_at_least "$T/hook.jsonl" 26
held() { curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "sti_notify_stream_evaluated{stream=\"ind\"}" {print $2}'; }
[ "$(( $(held "$HTTP_A") + $(held "$HTTP_B") ))" = 1 ] || sti_fail "both or neither replica evaluate ind"
holder=a; [ "$(held "$HTTP_A")" = 1 ] || holder=b

# --- the evaluating replica dies: the other takes over
sti_stop "$holder" KILL || true
emit_n 27 5
sti_wait_for 30 lines_at_least "$T/hook.jsonl" 31
settled() { ! nctl delivery list --limit 1000 | grep -q -e queued -e retrying; }
sti_wait_for 20 settled
unique_keys 31 || sti_fail "after the evaluating replica died"
echo ok
