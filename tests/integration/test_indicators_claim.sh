# Entries a dead replica left pending are claimed (XAUTOCLAIM) by another
# replica once idle longer than the claim time, and applied once; the
# replica's metrics count what it did. A replica restarted under the same
# consumer name re-reads its own pending entries at once.
. "$STI_SOURCE/tests/lib.sh"
IND="$STI_SOURCE/tests/helpers/ind_client.py"
PLAN="$STI_SOURCE/data/plans/linping-2021-2025"

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
HTTP=$(sti_spare_port)
start_indicators() {
    sti_spawn indicators sti-indicators --http-addr "127.0.0.1:$HTTP" --consumer "$1" \
        --claim-idle-ms "${2:-300}" --claim-every-ms 100
    sti_wait_for 10 curl -sf "http://127.0.0.1:$HTTP/healthz"
}
start_indicators replica-b
/usr/bin/python3 - "$STI_BROKER" "$PLAN" <<'PY' || sti_fail "plan.load"
import os, sys
sys.path.insert(0, os.environ["STI_SOURCE"] + "/tests/helpers")
from ind_client import Client, plan_catalog
Client(sys.argv[1]).ok("sti.indicators", "plan.load", {"plan": plan_catalog(sys.argv[2])})
PY
group_exists() { sti_redis_cli XINFO GROUPS "$STI_NAMESPACE:intake" | grep -q indicators; }
sti_wait_for 10 group_exists
sti_stop indicators || sti_fail "sti-indicators did not stop on SIGTERM"

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

# A replica named "ghost" reads two entries and dies before applying them.
submit tech_smes 2023 700
submit incubators 2023 12
read=$(sti_redis_cli XREADGROUP GROUP indicators ghost COUNT 10 STREAMS "$STI_NAMESPACE:intake" ">" | grep -c -- '-' || true)
[ "$(pending)" = 2 ] || sti_fail "the ghost holds $(pending) entries, want 2 ($read)"

start_indicators replica-b
sti_wait_for 20 value_is tech_smes 2023 700
sti_wait_for 20 value_is incubators 2023 12
sti_wait_for 10 eval 'test "$(pending)" = 0'
[ "$(sti_redis_cli GET "$STI_NAMESPACE:events:ind:seq")" = 2 ] || sti_fail "events: want 2"

# replica-b reads an entry and is killed before applying it; restarted under
# the same name it re-reads its own pending entry at once.
sti_stop indicators KILL || true
submit tech_smes 2024 710
sti_redis_cli XREADGROUP GROUP indicators replica-b COUNT 10 STREAMS "$STI_NAMESPACE:intake" ">" >/dev/null
[ "$(pending)" = 1 ] || sti_fail "replica-b holds $(pending) entries, want 1"
start_indicators replica-b 600000 # no claiming: it must take back its own
sti_wait_for 10 value_is tech_smes 2024 710
sti_wait_for 10 eval 'test "$(pending)" = 0'

metrics=$(curl -sf "http://127.0.0.1:$HTTP/metrics")
echo "$metrics" | grep -q '^sti_indicators_rows_total{result="applied"} 1$' ||
    sti_fail "rows applied metric: $(echo "$metrics" | grep sti_indicators_)"
echo "$metrics" | grep -q '^sti_indicators_events_total 1$' || sti_fail "events metric"
echo "$metrics" | grep -q '^sti_indicators_batches_total 1$' || sti_fail "batches metric"
echo "$metrics" | grep -q '^sti_indicators_pending_entries 0$' || sti_fail "pending metric"
echo "ok"
