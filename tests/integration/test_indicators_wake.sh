# sti-indicators applies a new intake entry as soon as it comes, through the
# blocking read on its second Redis connection, not at its next tick: with
# --tick-ms 60000 every row below would otherwise wait a minute. The read
# comes back after its connection is killed, and a stop leaves nothing pending.
. "$STI_SOURCE/tests/lib.sh"
IND="$STI_SOURCE/tests/helpers/ind_client.py"
PLAN="$STI_SOURCE/data/plans/linping-2021-2025"

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer wake-1 \
    --tick-ms 60000 --claim-every-ms 600000
sti_wait_service sti.indicators
/usr/bin/python3 - "$STI_BROKER" "$PLAN" <<'PY' || sti_fail "plan.load"
import os, sys
sys.path.insert(0, os.environ["STI_SOURCE"] + "/tests/helpers")
from ind_client import Client, plan_catalog
Client(sys.argv[1]).ok("sti.indicators", "plan.load", {"plan": plan_catalog(sys.argv[2])})
PY

submit() { # indicator period value
    /usr/bin/python3 "$IND" "$STI_BROKER" sti.ingest obs.submit \
        "{\"rows\": [{\"indicator\": \"$1\", \"org\": \"linping\", \"period\": \"$2\", \"value\": $3}], \"request_id\": \"$1-$2-$3\"}" \
        >/dev/null || sti_fail "obs.submit $*"
}
value_is() { # indicator period value
    /usr/bin/python3 "$IND" "$STI_BROKER" sti.indicators series.get \
        "{\"indicator\": \"$1\", \"org\": \"linping\"}" |
        /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); sys.exit(0 if any(p['period']=='$2' and p['value']==$3 for p in r['body']['points']) else 1)"
}
pending() { sti_redis_cli XPENDING "$STI_NAMESPACE:intake" indicators | head -1; }
blocked() { sti_redis_cli CLIENT LIST | grep 'flags=b ' | grep -o 'id=[0-9]*' | cut -d= -f2; }
# The conditions polled, each evaluated anew on every try.
blocking() { [ -n "$(blocked)" ]; }
blocking_anew() { local now; now=$(blocked); [ -n "$now" ] && [ "$now" != "$1" ]; }
none_pending() { [ "$(pending)" = 0 ]; }

# The blocking read is in flight once the log is drained.
sti_wait_for 10 blocking
submit tech_smes 2023 700
sti_wait_for 5 value_is tech_smes 2023 700
submit tech_smes 2023 710
sti_wait_for 5 value_is tech_smes 2023 710
sti_wait_for 5 none_pending

# Its connection killed, the applier reconnects and blocks again. The read
# comes back empty every block_ms and is sent again on the same connection,
# so its id is taken in a poll, in a moment when it is blocked.
blocked_id() { id=$(blocked); [ -n "$id" ]; }
sti_wait_for 10 blocked_id
sti_redis_cli CLIENT KILL ID "$id" >/dev/null || sti_fail "CLIENT KILL"
sti_wait_for 10 blocking_anew "$id"
submit tech_smes 2023 720
sti_wait_for 5 value_is tech_smes 2023 720
[ "$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")" -ge 3 ] || sti_fail "events missing"

# A stop while the read is in flight: exit 0, nothing left pending.
sti_stop indicators || sti_fail "sti-indicators did not exit 0 on SIGTERM"
[ "$(pending)" = 0 ] || sti_fail "$(pending) entries left pending"
sti_stop ingest || sti_fail "sti-ingest did not exit 0 on SIGTERM"
echo "ok"
