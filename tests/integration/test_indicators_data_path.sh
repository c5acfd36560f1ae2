# The data path end to end, through raw requests (tests/helpers/ind_client.py):
# plan.load and the catalog ops, the worked example of issue 3 (progress and
# status), derived and aggregated values with their events, series
# revisions, no revision or event for an unchanged value, events.since and
# snapshot.get. Real redis-server, sti-broker, sti-ingest, sti-indicators.
. "$STI_SOURCE/tests/lib.sh"

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer test-1
/usr/bin/python3 "$STI_SOURCE/tests/integration/indicators_scenario.py" "$STI_BROKER" \
    "$STI_SOURCE/data/plans/linping-2021-2025" "$REDIS_PORT" || sti_fail "data path scenario"
# SIGTERM: both services finish and exit 0 (a sanitizer report would not).
sti_stop indicators || sti_fail "sti-indicators did not exit 0 on SIGTERM"
sti_stop ingest || sti_fail "sti-ingest did not exit 0 on SIGTERM"
