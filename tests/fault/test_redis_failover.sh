#!/usr/bin/env bash
# Fault: the Redis primary dies and a replica takes over, as in the prod
# overlay: three Redis (one primary, two replicas, AOF everysec, the users of
# scripts/redis-acl, masteruser sti-replica, min-replicas-to-write 1 with
# min-replicas-max-lag 10) and three Sentinels (quorum 2,
# their own ACL file), the services finding the master through the Sentinels
# and confirming every write on one replica before they acknowledge it
# (STI_REDIS_REPLICAS=1, Redis WAIT). While 10,000 rows are submitted by a
# client that retries with request ids, the primary is killed with SIGKILL;
# the Sentinels promote a replica, and the old primary, started again on its
# files, rejoins as a replica. Afterwards every acknowledged row is applied
# exactly once on the new primary, the event log is 1..N, no service found a
# loss, every Redis holds the same data, and a clean restart of all three
# (each loading its own AOF) changes nothing.
. "$STI_SOURCE/tests/lib.sh"

REQUESTS=10
ROWS=1000
TOWNS=100
TOTAL=$((REQUESTS * ROWS))

"$STI_SOURCE/scripts/redis-acl" --namespace "$STI_NAMESPACE" --sentinel-acl "$T/sentinel.acl" \
    "$T/secrets" "$T/users.acl" || sti_fail "scripts/redis-acl"
pass() { cat "$T/secrets/$1"; }
declare -a RP SP
for i in 0 1 2; do RP[$i]=$(sti_spare_port); SP[$i]=$(sti_spare_port); done

# redis_start I: Redis I on its files; the first start of 1 and 2 replicates 0.
redis_start() {
    local i=$1 conf=$T/redis$1/redis.conf
    mkdir -p "$T/redis$i"
    if [ ! -f "$conf" ]; then
        {
            echo "port ${RP[$i]}"
            echo "bind 127.0.0.1"
            echo "dir $T/redis$i"
            echo "appendonly yes"
            echo "appendfsync everysec"
            echo "save \"\""
            echo "aclfile $T/users.acl"
            echo "masteruser sti-replica"
            echo "masterauth $(pass sti-replica)"
            # As in the prod overlay: a master with no replica (the new one,
            # before the others follow it) refuses writes, which the services
            # answer unavailable and the client sends again.
            echo "min-replicas-to-write 1"
            echo "min-replicas-max-lag 10"
            [ "$i" = 0 ] || echo "replicaof 127.0.0.1 ${RP[0]}"
        } >"$conf"
    fi
    sti_spawn "redis$i" redis-server "$conf"
}
as_admin() {   # as_admin I ARGS...: redis-cli to Redis I as sti-admin
    local i=$1; shift
    REDISCLI_AUTH=$(pass sti-admin) redis-cli -p "${RP[$i]}" --user sti-admin "$@"
}
loaded() { as_admin "$1" info persistence 2>/dev/null | grep -q '^loading:0'; }
sentinel_start() {
    local i=$1
    {
        echo "port ${SP[$i]}"
        echo "bind 127.0.0.1"
        echo "dir $T"
        echo "aclfile $T/sentinel.acl"
        echo "sentinel monitor sti 127.0.0.1 ${RP[0]} 2"
        echo "sentinel auth-user sti sti-sentinel"
        echo "sentinel auth-pass sti $(pass sti-sentinel)"
        echo "sentinel sentinel-user sti-sentinel"
        echo "sentinel sentinel-pass $(pass sti-sentinel)"
        # As in the prod overlay: a master that does not answer for 1 s on a
        # loaded machine (a long script, a fork for a full sync) is not dead,
        # and failing it over then can lose writes a replica confirmed (the
        # old master takes them until it is made a replica).
        echo "sentinel down-after-milliseconds sti 5000"
        echo "sentinel failover-timeout sti 10000"
        echo "sentinel parallel-syncs sti 2"
    } >"$T/sentinel$i.conf"
    sti_spawn "sentinel$i" redis-server "$T/sentinel$i.conf" --sentinel
}
# The master all three Sentinels name, when they agree and it says it is one;
# "" while they do not (a fail-over is settling).
master_port() {
    local i port="" got
    for i in 0 1 2; do
        got=$(REDISCLI_AUTH=$(pass sti-admin) redis-cli -p "${SP[$i]}" --user sti-admin \
            sentinel get-master-addr-by-name sti 2>/dev/null | sed -n 2p)
        [ -n "$got" ] && { [ -z "$port" ] || [ "$port" = "$got" ]; } || return 0
        port=$got
    done
    as_admin "$(index_of "$port")" role 2>/dev/null | head -1 | grep -qx master && echo "$port"
}
in_sync() {   # in_sync I M: Redis I replicates M and has all of it
    local info
    info=$(as_admin "$1" info replication 2>/dev/null | tr -d '\r')
    echo "$info" | grep -q '^role:slave' && echo "$info" | grep -q "^master_port:$2\$" &&
        echo "$info" | grep -q '^master_link_status:up' &&
        [ "$(as_admin "$1" dbsize)" = "$(as_admin "$(index_of "$2")" dbsize)" ]
}
index_of() { local i; for i in 0 1 2; do [ "${RP[$i]}" = "$1" ] && echo "$i"; done; }

# On a failure (sti_fail): what every Redis holds of the data path
# (tests/helpers/data_path_state.lua), against what the test wants, and what
# the services and the Sentinels said about the fail-over.
sti_diagnose() {
    local i ns=$STI_NAMESPACE
    echo "want: ind seq $TOTAL, $REQUESTS intake entries, none pending;" \
        "the Sentinels name port $(master_port), the test reads port ${new:-(none yet)}"
    for i in 0 1 2; do
        echo "redis$i, port ${RP[$i]}: $(as_admin "$i" info replication 2>&1 | tr -d '\r' |
            grep -E '^(role|master_port|master_link_status|master_repl_offset):' | tr '\n' ' ')"
        as_admin "$i" EVAL "$(cat "$STI_SOURCE/tests/helpers/data_path_state.lua")" 4 \
            "$ns:events:ind" "$ns:events:ind:seq" "$ns:events:ind:epoch" "$ns:intake" \
            indicators 2>&1 | sed 's/^/    /'
        echo "    revisions (values, not exactly one, in all):" \
            "$(STI_CLI="as_admin $i" sti_revisions_summary "$ns" 2>&1)"
    done
    echo "sti-indicators and sti-ingest on Redis and the stream:"
    grep -h -E 'redis|stream|dataset|WAIT|replica|claimed' "$T/indicators.log" "$T/ingest.log" |
        tail -n 40
    echo "sentinel0:"
    grep -E '[-+](sdown|odown|switch-master|failover-end|selected-slave|convert-to-slave)' \
        "$T/sentinel0.log" | tail -n 20
}

for i in 0 1 2; do redis_start "$i"; done
for i in 0 1 2; do sti_wait_for 10 loaded "$i"; done
sti_wait_for 20 in_sync 1 "${RP[0]}"
sti_wait_for 20 in_sync 2 "${RP[0]}"
for i in 0 1 2; do sentinel_start "$i"; done
# What decides whether a fail-over can lose an acknowledged write is set as
# in the prod overlay, and stays so: failover-timeout and parallel-syncs are
# not (shorter here, so that the test ends sooner).
overlay=$STI_SOURCE/deploy/k8s/overlays/prod/redis-sentinel.yaml
for key in appendfsync min-replicas-to-write min-replicas-max-lag \
    "sentinel down-after-milliseconds sti"; do
    want=$(grep -E "^ +$key " "$overlay" | head -1 | sed -E "s/^ +$key //")
    got=$(cat "$T/redis0/redis.conf" "$T/sentinel0.conf" | grep -E "^$key " | sed "s/^$key //")
    [ -n "$want" ] && [ "$want" = "$got" ] ||
        sti_fail "$key is '$got' here and '$want' in the prod overlay"
done
sti_wait_for 20 eval '[ "$(master_port)" = "${RP[0]}" ]'

sti_start_broker
export STI_REDIS_SENTINELS="127.0.0.1:${SP[0]},127.0.0.1:${SP[1]},127.0.0.1:${SP[2]}"
export STI_REDIS_MASTER_NAME=sti STI_REDIS_REPLICAS=1 STI_REDIS_REPLICAS_MS=2000
url() { echo "redis://$1:$(pass "$1")@127.0.0.1:${RP[0]}"; }
STI_REDIS_URL=$(url sti-ingest) sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
STI_REDIS_URL=$(url sti-indicators) sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 \
    --consumer failover-1 --claim-idle-ms 2000 --claim-every-ms 1000
sti_wait_service sti.ingest
sti_wait_service sti.indicators
/usr/bin/python3 "$STI_SOURCE/tests/helpers/plan_towns.py" "$STI_BROKER" "$TOWNS" \
    "$STI_SOURCE/data/plans/linping-2021-2025" || sti_fail "plan and org units"

progress_at_least() { [ "$(cat "$T/progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
sti_spawn submit /usr/bin/python3 "$STI_SOURCE/tests/fault/fault_submit.py" "$STI_BROKER" \
    "$REQUESTS" "$ROWS" "$TOWNS" "$T/progress"
sti_wait_for 100 progress_at_least $(( 2 + RANDOM % (REQUESTS / 2) ))
sti_stop redis0 KILL || true
echo "the primary was killed after $(cat "$T/progress") requests"
sti_wait_for 30 eval '[ -n "$(master_port)" ] && [ "$(master_port)" != "${RP[0]}" ]'
redis_start 0   # the old primary comes back on its files and is made a replica
# The Sentinels have settled once every Redis agrees on the master too.
settled() {   # settled [any]: without "any", a master other than the old primary
    local m i
    m=$(master_port)
    [ -n "$m" ] && { [ "${1:-}" = any ] || [ "$m" != "${RP[0]}" ]; } || return 1
    for i in 0 1 2; do
        [ "${RP[$i]}" = "$m" ] || as_admin "$i" info replication 2>/dev/null | tr -d '\r' |
            grep -q "^master_port:$m\$" || return 1
    done
}
sti_wait_for 60 settled
new=$(master_port)
echo "the Sentinels promoted the Redis on port $new"
wait "${STI_PIDS[submit]}" || sti_fail "the submitting client failed"
unset "STI_PIDS[submit]"

rcli() { as_admin "$(index_of "$new")" "$@"; }
# Read from whichever master the Sentinels name now (see below).
seq_is_total() {
    local m
    m=$(master_port)
    [ -n "$m" ] && new=$m && [ "$(rcli GET "$STI_NAMESPACE:events:ind:seq")" = "$TOTAL" ]
}
sti_wait_for 100 seq_is_total
# Every Redis in sync with the master. Under load the Sentinels may fail over
# once more (to the old primary, back from the dead): the master is asked
# again at each try, and the checks below read from whichever it is.
all_in_sync() {
    local m i
    m=$(master_port)
    [ -n "$m" ] || return 1
    for i in 0 1 2; do
        [ "${RP[$i]}" = "$m" ] || in_sync "$i" "$m" || return 1
    done
    new=$m
}
sti_wait_for 60 all_in_sync

check() {
    local intake events counts
    intake=$(rcli XLEN "$STI_NAMESPACE:intake")
    [ "$intake" = "$REQUESTS" ] || sti_fail "$1: intake log holds $intake entries, want $REQUESTS"
    events=$(STI_CLI=rcli sti_events_log_summary "$STI_NAMESPACE:events:ind")
    [ "$events" = "$TOTAL 1 $TOTAL 0" ] ||
        sti_fail "$1: event log (events, first, last, gaps): $events, want $TOTAL 1 $TOTAL 0"
    counts=$(STI_CLI=rcli sti_revisions_summary "$STI_NAMESPACE")
    [ "$counts" = "$TOTAL 0 $TOTAL" ] ||
        sti_fail "$1: revisions (values, not exactly one, in all): $counts, want $TOTAL 0 $TOTAL"
    for i in 0 1 2; do
        [ "$(as_admin "$i" dbsize)" = "$(rcli dbsize)" ] || sti_fail "$1: Redis $i holds other data"
        ! grep -q NOPERM "$T/redis$i.log" || sti_fail "$1: Redis $i refused a command"
    done
    for svc in ingest indicators; do
        ! grep -q "the dataset lost data" "$T/$svc.log" || sti_fail "$1: sti-$svc found a loss"
    done
}
check "after the fail-over"

# Every Redis stopped cleanly and started on its own files.
for i in 0 1 2; do
    as_admin "$i" shutdown >/dev/null 2>&1 || true
    wait "${STI_PIDS[redis$i]}" 2>/dev/null || true
    unset "STI_PIDS[redis$i]"
done
for i in 0 1 2; do redis_start "$i"; done
for i in 0 1 2; do sti_wait_for 30 loaded "$i"; done
# Stopping the master may have made the Sentinels fail over again: whichever
# they settle on must hold the same data.
sti_wait_for 60 settled any
sti_wait_for 60 all_in_sync
check "after a clean restart of every Redis"
echo "the Sentinels switched the master $(grep -c '+switch-master' "$T/sentinel0.log") time(s)"
echo "ok: $TOTAL rows applied once through a fail-over, the old primary rejoined, nothing lost"
