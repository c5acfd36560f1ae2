#!/usr/bin/env bash
# scripts/up --scale indicators=3: three sti-indicators, each with its own
# pid file, HTTP port and consumer name; the line scripts/up prints puts
# `stictl` (linked into $STI_HOME/bin) on the PATH for this stack, and
# `stictl status` counts the three workers (four with a replica started by
# hand whose pid is in $STI_HOME/run); scripts/down stops every one of them
# and leaves no process and no pid file behind.
. "$STI_SOURCE/tests/lib.sh"

UP=$STI_SOURCE/scripts/up
DOWN=$STI_SOURCE/scripts/down
HOME_S=$T/s

trap 'rc=$?; [ -d "$HOME_S/run" ] && STI_HOME=$HOME_S "$DOWN" >/dev/null 2>&1; (exit $rc); sti_cleanup' EXIT

base=$(sti_spare_base 40)
STI_HOME=$HOME_S STI_PORT_BASE=$base "$UP" --detach --scale indicators=3 >"$T/up.log" 2>&1 \
    || sti_fail "scripts/up --scale indicators=3: $(tail -20 "$T/up.log")"

# Three replicas, each its own process, port and consumer name.
for name in sti-indicators sti-indicators@2 sti-indicators@3; do
    [ -f "$HOME_S/run/$name.pid" ] || sti_fail "no pid file for $name: $(ls "$HOME_S/run")"
    pid=$(cat "$HOME_S/run/$name.pid")
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sti-indicators ] || sti_fail "$name (pid $pid) is not running"
done
for port in $((base + 12)) $((base + 21)) $((base + 22)); do
    sti_wait_for 20 curl -sf "http://127.0.0.1:$port/readyz"
done
rcli() { REDISCLI_AUTH=$(cat "$HOME_S/secrets/redis/sti-admin") redis-cli -p $((base + 3)) --user sti-admin "$@"; }
consumers() { rcli XINFO CONSUMERS "${STI_NAMESPACE}:intake" indicators | grep -c '^indicators-[123]$'; }
sti_wait_for 20 eval '[ "$(consumers)" = 3 ]'

# The last line of scripts/up puts stictl on the PATH, for this stack.
line=$(tail -n 1 "$T/up.log")
[[ $line == "export PATH=\"$HOME_S/bin:\$PATH\" STI_BROKER=tcp://127.0.0.1:$base" ]] \
    || sti_fail "the last line of scripts/up: '$line'"
[ "$(cat "$HOME_S/env")" = "$line" ] || sti_fail "$HOME_S/env: $(cat "$HOME_S/env")"
eval "$line"
[ "$(command -v stictl)" = "$HOME_S/bin/stictl" ] || sti_fail "stictl on the PATH is $(command -v stictl)"
workers_are() {
    stictl --json status >"$T/status.json" 2>/dev/null || return 1
    /usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))
sys.exit(0 if s["services"]["sti.indicators"]["workers"] == int(sys.argv[2]) else 1)' "$T/status.json" "$1"
}
sti_wait_for 20 workers_are 3

# A replica started by hand, its pid written where scripts/down looks.
INDICATORS_URL="redis://sti-indicators:$(cat "$HOME_S/secrets/redis/sti-indicators")@127.0.0.1:$((base + 3))"
STI_REDIS_URL=$INDICATORS_URL STI_EVENTS_PUB=tcp://127.0.0.1:$((base + 2)) \
    setsid sti-indicators --http-addr 127.0.0.1:0 --consumer by-hand \
    </dev/null >>"$HOME_S/log/sti-indicators@hand.log" 2>&1 &
echo $! >"$HOME_S/run/sti-indicators@hand.pid"
hand=$!
sti_wait_for 20 workers_are 4

pids=$(cat "$HOME_S"/run/*.pid)
[ "$(echo "$pids" | wc -w)" -eq 11 ] || sti_fail "pids recorded: $(ls "$HOME_S/run")"
STI_HOME=$HOME_S "$DOWN" >"$T/down.log" 2>&1 || sti_fail "scripts/down: $(cat "$T/down.log")"
for pid in $pids; do
    ! kill -0 "$pid" 2>/dev/null || sti_fail "pid $pid survived scripts/down: $(cat "$T/down.log")"
done
! kill -0 "$hand" 2>/dev/null || sti_fail "the replica started by hand survived scripts/down"
[ -z "$(ls "$HOME_S/run")" ] || sti_fail "pid files left: $(ls "$HOME_S/run")"
grep -q "stopped sti-indicators@3" "$T/down.log" && grep -q "stopped sti-indicators@hand" "$T/down.log" \
    || sti_fail "scripts/down does not name the replicas: $(cat "$T/down.log")"
echo "ok"
