#!/usr/bin/env bash
# Every binary reads its settings through the one table (sti_config): a
# value outside its range, or one that does not read as its type (integer,
# duration, size), is refused at start with exit 2 and a message naming the
# setting, the value, where it came from and the allowed range; nothing is
# clamped. Durations and sizes take their units ("1s", "16MiB"), a bare
# number keeps the setting's own unit, and a service given them starts.
# (sti-notify's own settings: test_notify_config.)
. "$STI_SOURCE/tests/lib.sh"

sti_refused sti-broker --queue-bytes 16MB \
    "sti-broker: queue_bytes is '16MB' (flag --queue-bytes): not a size: write 512KiB, 16MiB or 1GiB (a bare number counts bytes); it must be from 1B to 1GiB"
sti_refused sti-broker --subscriber-queue-bytes 1KiB \
    "subscriber_queue_bytes is 1KiB (flag --subscriber-queue-bytes); it must be from 16KiB to 1GiB"
sti_refused sti-broker --message-max-bytes 32MiB --receive-max-bytes 16MiB \
    "receive_max_bytes (16777216) must be at least message_max_bytes (33554432)"
sti_refused sti-ingest --redis-replicas-ms 0 \
    "sti-ingest: redis_replicas_ms is 0 (flag --redis-replicas-ms); it must be from 1ms to 1m"
sti_refused sti-ingest --request-ttl 1500ms \
    "request_ttl is '1500ms' (flag --request-ttl): not a duration of whole seconds"
STI_MAX_ROWS=0 sti_refused sti-ingest "max_rows is 0 (STI_MAX_ROWS); it must be from 1 to 1000000"
sti_refused sti-indicators --block-ms 2m "block_ms is 2m (flag --block-ms); it must be from 0 to 1m"
sti_refused sti-indicators --progress-tolerance 2 \
    "progress_tolerance is 2 (flag --progress-tolerance); it must be from 0 to 1"
sti_refused sti-talent --talent-key-id 256 \
    "talent_key_id is 256 (flag --talent-key-id); it must be from 1 to 255"
echo '{"tick_ms": "5 s"}' >"$T/indicators.json"
sti_refused sti-indicators --config "$T/indicators.json" \
    "tick_ms is '5 s' (config file $T/indicators.json): not a duration"

# --help shows each setting's type and range; --describe-config the same as data.
sti-broker --help >"$T/help"
grep -q -- "--queue-bytes size .*16MiB .*(1B to 1GiB)" "$T/help" || sti_fail "help: $(cat "$T/help")"
sti-ingest --describe-config >"$T/ingest.json"
/usr/bin/python3 - "$T/ingest.json" <<'PY' || sti_fail "describe-config: $(cat "$T/ingest.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["program"] == "sti-ingest", doc
ttl = [s for s in doc["settings"] if s["name"] == "request_ttl"][0]
assert ttl["type"] == "duration_s" and ttl["default"] == "7d", ttl
assert ttl["min"] == 1 and ttl["max"] == 31536000 and ttl["range"] == "1s to 365d", ttl
PY

# Units and bare numbers are taken: the broker and sti-indicators start with them.
sti_start_redis
req=$(sti_spare_port); sub=$(sti_spare_port); pub=$(sti_spare_port); http=$(sti_spare_port)
export STI_BROKER="tcp://127.0.0.1:$req" STI_EVENTS_SUB="tcp://127.0.0.1:$sub"
export STI_EVENTS_PUB="tcp://127.0.0.1:$pub"
sti_spawn broker sti-broker --bind "$STI_BROKER" --xpub "$STI_EVENTS_SUB" \
    --xsub "$STI_EVENTS_PUB" --http-addr "127.0.0.1:$http" --queue-bytes 8MiB \
    --heartbeat-ms 2500 --handshake-ms 10s
sti_wait_for 10 curl -sf "http://127.0.0.1:$http/healthz"
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --block-ms 1s --tick-ms 5 \
    --claim-every-ms 10m --forget-idle-ms 0 --redis-replicas-ms 250ms
sti_wait_service sti.indicators
sti_stop indicators || sti_fail "sti-indicators did not exit 0 on SIGTERM"
echo ok
