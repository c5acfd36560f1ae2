#!/usr/bin/env bash
# Broker + two echo workers + 10,000 sequential requests (Lazy Pirate client):
# both workers take a share; one worker is killed with -9 after ~3,000
# requests; every request still gets exactly one answer and nothing hangs.
. "$STI_SOURCE/tests/lib.sh"

sti_start_broker
metric() { curl -sf "http://127.0.0.1:$BROKER_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
sti_spawn w1 echo_worker --name w1 echo
sti_spawn w2 echo_worker --name w2 echo
sti_wait_for 10 metric_is 'sti_broker_workers_alive{service="echo"}' 2

sti_spawn load mdp_load -n 10000 --timeout 1000 --retries 5 --progress 500
sti_wait_for 60 grep -q '^progress 3000$' "$T/load.log"
sti_stop w1 KILL || true

load_pid=${STI_PIDS[load]}
sti_wait_for 120 bash -c "! kill -0 $load_pid"
rc=0; wait "$load_pid" || rc=$?
unset "STI_PIDS[load]"
summary=$(grep '^{' "$T/load.log" || true)
echo "$summary"
[ "$rc" = 0 ] || sti_fail "mdp_load exited $rc"
/usr/bin/python3 - "$summary" <<'PY' || sti_fail "the summary is not what it should be"
import json, sys
s = json.loads(sys.argv[1])
assert s["sent"] == 10000 and s["answers"] == 10000, s
assert s["missing"] == 0 and s["duplicates"] == 0 and s["mismatched"] == 0, s
w = s["workers"]
assert w.get("w1", 0) >= 1000 and w.get("w2", 0) >= 1000, w
assert w["w1"] + w["w2"] == 10000, w
PY
sti_stop w2 || sti_fail "echo_worker did not exit 0 on SIGTERM"
sti_stop broker || sti_fail "sti-broker did not exit 0 on SIGTERM"
echo "ok"
