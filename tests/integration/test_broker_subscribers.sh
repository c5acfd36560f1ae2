#!/usr/bin/env bash
# Slow subscribers on the event bus: 200 subscribers that never read cost the
# broker a bounded amount of memory (subscriber_queue_bytes each, about half
# in libzmq's queue and half in the kernel's send buffer), given back when
# they leave; subscribers that read nothing for stall_ms are cut off while a
# fast one gets every event.
. "$STI_SOURCE/tests/lib.sh"

if grep -q '^STI_SANITIZE:BOOL=ON' "$STI_BUILD/CMakeCache.txt"; then
    export STI_SANITIZED=1   # RSS is checked in the normal build only
fi
slow() { /usr/bin/python3 "$STI_SOURCE/tests/integration/bus_slow.py" "$STI_EVENTS_PUB" \
    "$STI_EVENTS_SUB" "http://127.0.0.1:$BROKER_HTTP/metrics" "${STI_PIDS[broker]}" "$1" \
    || sti_fail "step $1"; }

sti_start_broker
slow queue
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"

export STI_STALL_MS=1500
sti_start_broker
slow stall
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
