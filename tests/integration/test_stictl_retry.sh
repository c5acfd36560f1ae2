#!/usr/bin/env bash
# stictl sends a request again when no answer comes (stictl --help,
# docs/operations.md "stictl: time-outs and retries"):
# - sti-indicators, then sti-ingest, killed with SIGKILL and started again:
#   the broker hands the next request to the dead worker (it waited
#   longest) until its heartbeats run out; the first stictl command after
#   the restart (a read, then a write) still succeeds, the write once;
# - a worker that takes a request and never answers (echo_worker --stall)
#   beside a real one: the read is asked again, the write sent again with
#   the same request id and applied once; that is said on stderr, and stdout
#   holds only the answer;
# - a service that never answers: a read says it did not answer (exit 1); a
#   write says the outcome is unknown and which request id can be retried
#   safely (exit 5; --json: a JSON error object), and the same command with
#   --request-id, once the service is back, is applied once.
. "$STI_SOURCE/tests/lib.sh"
metric() { curl -sf "http://127.0.0.1:$BROKER_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
workers() { metric "sti_broker_workers_alive{service=\"$1\"}"; }
intake() { sti_redis_cli XLEN "$STI_NAMESPACE:intake"; }

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl --timeout 15000 plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
printf 'indicator,org,period,value\nhitech_enterprises,linping,2023,850\n' >"$T/rows.csv"

# kill_restart NAME SERVICE BINARY: SIGKILL, start again, wait until the
# broker holds both the dead worker and the new one.
kill_restart() {
    sti_stop "$1" KILL || true
    sti_spawn "$1-again" "$3" --http-addr 127.0.0.1:0
    sti_wait_for 15 eval "[ \"\$(workers $2)\" = 2 ]"
}
# sent_to_dead SERVICE ERR: when the dead worker was still registered after
# the command, the command's first send went to it: stderr says it sent again.
sent_to_dead() {
    if [ "$(workers "$1")" = 2 ]; then
        grep -q "no answer from $1 in 1000 ms" "$2" || sti_fail "the dead worker had no send: $(cat "$2")"
    fi
}

kill_restart indicators sti.indicators sti-indicators
stictl --json progress --year 2023 >"$T/progress.json" 2>"$T/progress.err" ||
    sti_fail "the first read after a restart failed: $(cat "$T/progress.err")"
grep -q hitech_enterprises "$T/progress.json" || sti_fail "progress: $(cat "$T/progress.json")"
sent_to_dead sti.indicators "$T/progress.err"

kill_restart ingest sti.ingest sti-ingest
before=$(intake)
stictl ingest "$T/rows.csv" >"$T/ingest.out" 2>"$T/ingest.err" ||
    sti_fail "the first write after a restart failed: $(cat "$T/ingest.err")"
[ "$(cat "$T/ingest.out")" = "accepted 1, rejected 0" ] || sti_fail "ingest: $(cat "$T/ingest.out")"
[ "$(intake)" = $((before + 1)) ] || sti_fail "the write was applied $(( $(intake) - before )) times"
sent_to_dead sti.ingest "$T/ingest.err"

# A stalled worker takes the first send. It waits longest once the real
# worker has answered a request after it registered. The killed worker must
# be gone from the broker first (its heartbeats run out), or the count of 2
# below could be the dead one and the new one, before the stalled one is in.
sti_wait_for 15 eval '[ "$(workers sti.indicators)" = 1 ]'
sti_spawn stall-ind echo_worker --stall sti.indicators
sti_wait_for 10 eval '[ "$(workers sti.indicators)" = 2 ]'
stictl org list >/dev/null || sti_fail "org list"
stictl progress --year 2023 >"$T/progress.txt" 2>"$T/progress.err" ||
    sti_fail "a read beside a stalled worker: $(cat "$T/progress.err")"
grep -q '^stalled$' "$T/stall-ind.log" || sti_fail "the stalled worker had no send"
grep -qx "stictl: no answer from sti.indicators in 1000 ms; asking again (2 of 3)" "$T/progress.err" ||
    sti_fail "no word of the read sent again: $(cat "$T/progress.err")"
grep -q hitech_enterprises "$T/progress.txt" && ! grep -q "stictl:" "$T/progress.txt" ||
    sti_fail "stdout: $(cat "$T/progress.txt")"

sti_wait_for 15 eval '[ "$(workers sti.ingest)" = 1 ]'
sti_spawn stall-ing echo_worker --stall sti.ingest
sti_wait_for 10 eval '[ "$(workers sti.ingest)" = 2 ]'
stictl ingest --dry-run "$T/rows.csv" >/dev/null || sti_fail "ingest --dry-run"
before=$(intake)
stictl --request-id batch-7 ingest "$T/rows.csv" >"$T/ingest.out" 2>"$T/ingest.err" ||
    sti_fail "a write beside a stalled worker: $(cat "$T/ingest.err")"
grep -q '^stalled$' "$T/stall-ing.log" || sti_fail "the stalled worker had no send"
grep -qx "stictl: no answer from sti.ingest in 1000 ms; sending obs.submit again with the same request id batch-7 (2 of 3): it is applied once" \
    "$T/ingest.err" || sti_fail "no word of the write sent again: $(cat "$T/ingest.err")"
[ "$(cat "$T/ingest.out")" = "accepted 1, rejected 0" ] || sti_fail "stdout: $(cat "$T/ingest.out")"
[ "$(intake)" = $((before + 1)) ] || sti_fail "the write was applied $(( $(intake) - before )) times"
sti_redis_cli XREVRANGE "$STI_NAMESPACE:intake" + - COUNT 1 | grep -qx batch-7 ||
    sti_fail "the entry does not carry the request id batch-7"

# No one answers sti.notify.
sti_spawn stall-ntf echo_worker --stall sti.notify
sti_wait_service sti.notify
expect_rc() {   # expect_rc WANTED CMD...: runs CMD (stdout, stderr to $T/out, $T/err)
    local want=$1 rc=0; shift
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -eq "$want" ] || sti_fail "'$*' exited $rc, wanted $want; stderr: $(cat "$T/err")"
}
rule=(rule add once --indicator hitech_enterprises --when any --to webhook:http://127.0.0.1:9/)
expect_rc 5 stictl --timeout 1500 --request-id rule-once "${rule[@]}"
grep -q '^stalled$' "$T/stall-ntf.log" || sti_fail "the stalled worker had no send"
[ "$(grep -c "sending rule.add again with the same request id rule-once" "$T/err")" = 2 ] ||
    sti_fail "not sent three times: $(cat "$T/err")"
grep -q "the outcome is unknown; request id rule-once can be retried safely" "$T/err" ||
    sti_fail "the message on a write without an answer: $(cat "$T/err")"
grep -qi "fail" "$T/err" && sti_fail "a write without an answer said it failed: $(cat "$T/err")"
[ ! -s "$T/out" ] || sti_fail "stdout: $(cat "$T/out")"
expect_rc 5 stictl --timeout 600 --json --request-id rule-once "${rule[@]}"
/usr/bin/python3 - "$T/out" <<'PY' || sti_fail "--json: $(cat "$T/out")"
import json, sys
error = json.load(open(sys.argv[1]))["error"]
assert error["code"] == "outcome_unknown" and error["request_id"] == "rule-once", error
assert error["retry_safe"] is True and error["sends"] == 3, error
assert error["service"] == "sti.notify" and error["op"] == "rule.add", error
assert "the outcome is unknown; request id rule-once can be retried safely" in error["message"], error
PY
expect_rc 1 stictl --timeout 600 rule list
grep -q "sti.notify did not answer rule.list" "$T/err" && ! grep -q "outcome" "$T/err" ||
    sti_fail "the message on a read without an answer: $(cat "$T/err")"

# The service back: the same command with the same request id is applied
# once, with the sends still queued at the broker.
sti_spawn notify sti-notify --http-addr 127.0.0.1:0
sti_wait_for 15 eval '[ "$(workers sti.notify)" = 2 ]'
id=$(stictl --request-id rule-once "${rule[@]}") || sti_fail "rule add once more"
[ "$(stictl --request-id rule-once "${rule[@]}")" = "$id" ] || sti_fail "a second run made another rule"
[ "$(stictl rule list | grep -c "^r-")" = 1 ] || sti_fail "rules: $(stictl rule list)"
echo ok
