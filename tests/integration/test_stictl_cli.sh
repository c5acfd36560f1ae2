#!/usr/bin/env bash
# stictl's frame: usage errors exit 2, --help works for stictl and every
# command, an unreachable broker gives exit 1 quickly with a clear message.
. "$STI_SOURCE/tests/lib.sh"

expect_rc() {   # expect_rc WANTED CMD...: runs CMD, checks its exit code
    local want=$1 rc=0; shift
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -eq "$want" ] || sti_fail "'$*' exited $rc, wanted $want; stderr: $(cat "$T/err")"
}

# Usage errors.
expect_rc 2 stictl
grep -q "usage: stictl" "$T/err" || sti_fail "stictl alone prints no usage"
expect_rc 2 stictl no-such-command
grep -q "unknown command 'no-such-command'" "$T/err" || sti_fail "unknown command not named"
expect_rc 2 stictl --no-such-flag health
grep -q "unknown flag --no-such-flag" "$T/err" || sti_fail "unknown flag not named"
expect_rc 2 stictl --timeout abc health
expect_rc 2 stictl --timeout 0 health
expect_rc 2 stictl --broker
expect_rc 2 stictl health unexpected-word
expect_rc 2 stictl --broker not-an-endpoint health
grep -q "not a broker endpoint" "$T/err" || sti_fail "bad endpoint not explained"
expect_rc 2 stictl --broker= health
expect_rc 2 stictl --request-id 'a b' health
grep -q -- "--request-id wants" "$T/err" || sti_fail "a bad request id not explained"
expect_rc 2 stictl --request-id "$(printf 'x%.0s' $(seq 101))" health
expect_rc 2 stictl --request-id

# --help for stictl and for every command it lists.
expect_rc 0 stictl --help
grep -q "^commands:" "$T/out" || sti_fail "stictl --help lists no commands"
commands=$(awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}' "$T/out")
[ -n "$commands" ] || sti_fail "no commands found in stictl --help"
for command in $commands; do
    expect_rc 0 stictl "$command" --help
    grep -q "usage: stictl $command" "$T/out" || sti_fail "stictl $command --help prints no usage"
done
echo "$commands" | grep -qx health || sti_fail "health is not listed"

# An unreachable broker: exit 1 within the timeout (plus start-up), clear message.
port=$(sti_spare_port)
start=$(date +%s%N)
expect_rc 1 stictl --broker "tcp://127.0.0.1:$port" --timeout 500 health
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed_ms" -lt 3000 ] || sti_fail "unreachable broker took ${elapsed_ms} ms"
grep -q "did not answer within 500 ms" "$T/err" || sti_fail "no clear message: $(cat "$T/err")"
grep -qx "broker down" "$T/out" || sti_fail "health does not say the broker is down"

# The same through STI_BROKER, with --json.
STI_BROKER="tcp://127.0.0.1:$port" expect_rc 1 stictl --timeout 300 --json health
/usr/bin/python3 - "$T/out" <<'PY' || sti_fail "health --json is wrong: $(cat "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["broker"] is False, doc
assert set(doc["services"]) == {"sti.ingest", "sti.indicators", "sti.talent", "sti.notify",
                                "sti.projects"}, doc
assert not any(doc["services"].values()), doc
PY
echo "ok"
