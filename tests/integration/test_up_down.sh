#!/usr/bin/env bash
# scripts/up --detach and scripts/down, for real: two stacks side by side
# (different STI_HOME and STI_PORT_BASE; the second with STI_CURVE=on and
# the keys it made for itself), stictl health against each, Redis behind its
# users and passwords, and no process left behind after scripts/down.
. "$STI_SOURCE/tests/lib.sh"

UP=$STI_SOURCE/scripts/up
DOWN=$STI_SOURCE/scripts/down

stacks_down() {
    for home in "$T/a" "$T/b"; do
        [ -d "$home/run" ] && STI_HOME=$home "$DOWN" >/dev/null 2>&1 || true
    done
}
trap 'rc=$?; stacks_down; (exit $rc); sti_cleanup' EXIT

stack_pids() {   # stack_pids HOME: every pid recorded for that stack
    cat "$1"/run/*.pid 2>/dev/null || true
}

# health_check HOME BASE: stictl health shows the broker up and each service
# up exactly when its binary exists; the exit code follows.
health_check() {
    local home=$1 base=$2 rc=0 want=0 service
    # A CURVE stack: stictl uses the operator's key scripts/up made.
    if [ -f "$home/keys/admin_secret" ]; then
        export STI_CURVE_CERT=$home/keys/admin_secret STI_CURVE_BROKER_KEY=$home/keys/broker
    else
        unset STI_CURVE_CERT STI_CURVE_BROKER_KEY
    fi
    STI_BROKER="tcp://127.0.0.1:$base" stictl --timeout 2000 health >"$T/health" 2>&1 || rc=$?
    grep -qx "broker up" "$T/health" || sti_fail "broker not up on $base: $(cat "$T/health")"
    for service in ingest indicators talent notify projects; do
        local state=down
        if [ -x "$STI_BUILD/services/$service/sti-$service" ]; then state=up; else want=1; fi
        grep -qx "sti.$service $state" "$T/health" \
            || sti_fail "wanted 'sti.$service $state': $(cat "$T/health")"
    done
    [ "$rc" -eq "$want" ] || sti_fail "stictl health exited $rc, wanted $want"

    rc=0
    STI_BROKER="tcp://127.0.0.1:$base" stictl --timeout 2000 --json health >"$T/health.json" \
        2>/dev/null || rc=$?
    [ "$rc" -eq "$want" ] || sti_fail "stictl --json health exited $rc, wanted $want"
    /usr/bin/python3 - "$T/health.json" "$STI_BUILD" <<'PY' || sti_fail "bad JSON: $(cat "$T/health.json")"
import json, os, sys
doc = json.load(open(sys.argv[1]))
assert doc["broker"] is True, doc
for name in ("ingest", "indicators", "talent", "notify", "projects"):
    built = os.access(os.path.join(sys.argv[2], "services", name, "sti-" + name), os.X_OK)
    assert doc["services"]["sti." + name] is built, (name, doc)
PY
}

# rcli HOME BASE ARGS...: redis-cli as the operator user of that stack.
rcli() {
    local home=$1 base=$2; shift 2
    REDISCLI_AUTH=$(cat "$home/secrets/redis/sti-admin") redis-cli -p $((base + 3)) --user sti-admin "$@"
}

base_a=$(sti_spare_base 21)
STI_HOME=$T/a STI_PORT_BASE=$base_a "$UP" --detach >"$T/up-a.log" 2>&1 \
    || sti_fail "scripts/up --detach (a) failed: $(cat "$T/up-a.log")"
grep -q "tcp://127.0.0.1:$base_a" "$T/up-a.log" || sti_fail "scripts/up does not say where the broker is"
pids_a=$(stack_pids "$T/a")
[ "$(echo "$pids_a" | wc -w)" -ge 2 ] || sti_fail "stack a recorded too few pids: $pids_a"
health_check "$T/a" "$base_a"
[ "$(rcli "$T/a" "$base_a" config get appendonly | tail -n 1)" = yes ] || sti_fail "AOF is off"
[ "$(rcli "$T/a" "$base_a" config get appendfsync | tail -n 1)" = everysec ] \
    || sti_fail "appendfsync is not everysec"
# Redis has a password: the default user is off, a service user cannot FLUSHALL.
redis-cli -p $((base_a + 3)) ping 2>&1 | grep -q NOAUTH || sti_fail "Redis answers without a password"
out=$(REDISCLI_AUTH=$(cat "$T/a/secrets/redis/sti-ingest") redis-cli -p $((base_a + 3)) \
    --user sti-ingest flushall 2>&1)
echo "$out" | grep -q NOPERM || sti_fail "sti-ingest's Redis user may FLUSHALL: $out"
curl -sf "http://127.0.0.1:$((base_a + 10))/metrics" >/dev/null || sti_fail "broker /metrics"

# A second stack beside the first, in the strict fsync mode.
base_b=$(sti_spare_base 21)
STI_HOME=$T/b STI_PORT_BASE=$base_b STI_REDIS_FSYNC=always STI_CURVE=on "$UP" --detach \
    >"$T/up-b.log" 2>&1 \
    || sti_fail "scripts/up --detach (b) failed: $(cat "$T/up-b.log")"
pids_b=$(stack_pids "$T/b")
health_check "$T/b" "$base_b"
[ "$(rcli "$T/b" "$base_b" config get appendfsync | tail -n 1)" = always ] \
    || sti_fail "STI_REDIS_FSYNC=always was not applied"
# Stack b is CURVE: the broker refuses a client without a key.
grep -q "CURVE on: broker key" "$T/b/log/sti-broker.log" || sti_fail "stack b's broker is not CURVE"
rc=0
STI_CURVE_CERT= STI_CURVE_BROKER_KEY= STI_BROKER="tcp://127.0.0.1:$base_b" stictl --timeout 500 \
    health >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || sti_fail "a plain stictl reached the CURVE broker (rc $rc)"
# The officer key scripts/up made is enrolled: the talent office can work.
STI_CURVE_CERT=$T/b/keys/officer_secret STI_CURVE_BROKER_KEY=$T/b/keys/broker \
    STI_BROKER="tcp://127.0.0.1:$base_b" stictl --timeout 5000 talent stats >"$T/officer.txt" 2>&1 \
    || sti_fail "the officer key of stack b was refused: $(cat "$T/officer.txt")"

# A second up on a running stack refuses.
if STI_HOME=$T/a STI_PORT_BASE=$base_a "$UP" --detach >"$T/up-again.log" 2>&1; then
    sti_fail "scripts/up started a stack twice"
fi
grep -q "already running" "$T/up-again.log" || sti_fail "no clear refusal: $(cat "$T/up-again.log")"

# Down a: nothing of a is left, b still answers.
STI_HOME=$T/a "$DOWN" >"$T/down-a.log" 2>&1 || sti_fail "scripts/down (a) failed"
for pid in $pids_a; do
    ! kill -0 "$pid" 2>/dev/null || sti_fail "pid $pid of stack a survived scripts/down"
done
[ -z "$(ls "$T/a/run")" ] || sti_fail "pid files left: $(ls "$T/a/run")"
health_check "$T/b" "$base_b"

STI_HOME=$T/b "$DOWN" >"$T/down-b.log" 2>&1 || sti_fail "scripts/down (b) failed"
for pid in $pids_b; do
    ! kill -0 "$pid" 2>/dev/null || sti_fail "pid $pid of stack b survived scripts/down"
done
[ -z "$(ls "$T/b/run")" ] || sti_fail "pid files left: $(ls "$T/b/run")"

# The broker is gone: health says so, quickly.
rc=0
STI_CURVE_CERT= STI_CURVE_BROKER_KEY= STI_BROKER="tcp://127.0.0.1:$base_a" stictl --timeout 300 \
    health >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || sti_fail "health after down exited $rc"
echo "ok"
