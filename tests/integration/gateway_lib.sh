# tests/integration/gateway_lib.sh: what the sti-gateway script tests share
# (sourced after tests/lib.sh). Without CURVE: every caller is local/admin,
# and the gateway's `as` lowers it to the signed-in person.
#
#   gw_setup [FLAGS]     redis, broker, the services, the Linping plan with the
#                        made-up org units donghu and nanyuan, and sti-gateway
#                        with FLAGS; $GW is the API's URL, $GW_HTTP its metrics port
#   gw_token NAME ROLE [--org UNIT]   prints a new API token
#   gw_rss_kb            sti-gateway's resident memory, kB

gw_setup() {
    sti_start_redis
    sti_start_broker
    local service
    for service in ingest indicators talent notify projects; do
        sti_spawn "$service" "sti-$service" --http-addr 127.0.0.1:0
    done
    sti_wait_service sti.indicators
    stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null \
        || sti_fail "plan load failed"
    stictl org add donghu --parent linping --name 东湖 >/dev/null && \
        stictl org add nanyuan --parent linping --name 南苑 \
        >/dev/null || sti_fail "org add failed"
    GW_PORT=$(sti_spare_port)
    GW_HTTP=$(sti_spare_port)
    GW=http://127.0.0.1:$GW_PORT
    sti_spawn gateway sti-gateway --http-addr "127.0.0.1:$GW_HTTP" --listen "127.0.0.1:$GW_PORT" \
        --pwhash-mem-kib 8192 --upload-dir "$T" "$@"
    sti_wait_for 30 curl -sf "$GW/readyz"
}

gw_token() {
    stictl token new "$@" | tail -n 1
}

gw_rss_kb() {
    awk '$1 == "VmRSS:" {print $2}' "/proc/${STI_PIDS[gateway]}/status"
}
