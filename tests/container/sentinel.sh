#!/usr/bin/env bash
# tests/container/sentinel.sh: runs the prod overlay's Redis + Sentinel set-up
# (the configure.sh of deploy/k8s/overlays/prod/redis-sentinel.yaml, as each
# pod runs it) with the host's redis-server, three "pods" on 127.0.0.11-13 named
# sti-redis-N.sti-redis, in a private network and mount namespace (its own
# loopback and /etc/hosts), and checks:
#   - pod 0 starts as the master, pods 1 and 2 replicate it, min-replicas-to-write 1;
#   - the three Sentinels find each other and agree on the master;
#   - after the master is killed the Sentinels promote a replica; pod 0, configured
#     again as at a pod restart, comes back as a replica of the new master;
#   - a write on the new master is acknowledged and reaches the replicas.
# Exits 0 on success, 1 with the reason and the logs otherwise.
#   tests/container/sentinel.sh            (as root)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" != --inside ]; then
    exec unshare --mount --net --propagation private "$0" --inside
fi

W=$(mktemp -d /tmp/sti-sentinel.XXXXXX)
declare -a PIDS=()
cleanup() {
    local rc=$?
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ $rc -ne 0 ]; then
        for f in "$W"/pod*/*.log; do echo "---- $f" >&2; tail -n 15 "$f" >&2; done
    fi
    rm -rf "$W"
    exit $rc
}
trap cleanup EXIT
fail() { echo "sentinel: FAIL: $*" >&2; exit 1; }
wait_for() {
    local limit=$1 deadline
    shift
    deadline=$(($(date +%s%N) + limit * 1000000000))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -le "$deadline" ] || fail "timed out after ${limit}s waiting for: $*"
        sleep 0.1
    done
}

ip link set lo up
for i in 0 1 2; do echo "127.0.0.1$((i + 1)) sti-redis-$i.sti-redis"; done >"$W/hosts"
mount --bind "$W/hosts" /etc/hosts
mkdir -p "$W/secrets"
head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$W/secrets/redis_password"
export REDISCLI_AUTH
REDISCLI_AUTH=$(cat "$W/secrets/redis_password")

/usr/bin/python3 - "$SRC/deploy/k8s/overlays/prod/redis-sentinel.yaml" "$W/configure.sh" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sti-redis-scripts")
open(sys.argv[2], "w").write(cm["data"]["configure.sh"])
PY

declare -A REDIS_PID=()
# pod N: configure as the init container does, then start Redis and Sentinel.
pod() {
    local i=$1 d="$W/pod$1" ip="127.0.0.1$(($1 + 1))"
    mkdir -p "$d/conf" "$d/data" "$d/bin"
    printf '#!/bin/sh\necho sti-redis-%s\n' "$i" >"$d/bin/hostname"
    chmod +x "$d/bin/hostname"
    sed -e "s#/run/secrets/#$W/secrets/#g" -e "s#/conf/#$d/conf/#g" "$W/configure.sh" >"$d/configure.sh"
    PATH="$d/bin:$PATH" sh "$d/configure.sh" >"$d/configure.log" 2>&1 || fail "configure.sh in pod $i"
    sed -i "s#^dir /data#dir $d/data#" "$d/conf/redis.conf"
    echo "bind $ip" >>"$d/conf/redis.conf"
    redis-server "$d/conf/redis.conf" >"$d/redis.log" 2>&1 &
    REDIS_PID[$i]=$!
    PIDS+=($!)
    if [ ! -f "$d/sentinel.conf" ]; then   # a Sentinel keeps running across a Redis restart
        cp "$d/conf/sentinel.conf" "$d/sentinel.conf"
        sed -i "s#^dir /tmp#dir $d#" "$d/sentinel.conf"
        echo "bind $ip" >>"$d/sentinel.conf"
        redis-server "$d/sentinel.conf" --sentinel >"$d/sentinel.log" 2>&1 &
        PIDS+=($!)
    fi
    wait_for 10 redis-cli -h "$ip" ping
    wait_for 10 redis-cli -h "$ip" -p 26379 ping
}
rcli() { local i=$1; shift; redis-cli -h "127.0.0.1$((i + 1))" "$@"; }
master_is() {   # master_is N: every Sentinel says pod N is the master
    local i
    for i in 0 1 2; do
        [ "$(rcli "$i" -p 26379 --raw sentinel get-master-addr-by-name sti | head -n 1)" = "sti-redis-$1.sti-redis" ] || return 1
    done
}
replicas_of() {   # replicas_of N COUNT: pod N is a master with COUNT replicas in sync
    [ "$(rcli "$1" info replication | grep -c 'state=online')" -eq "$2" ]
}
# sentinels_know N: pod N's Sentinel knows the two other Sentinels and both
# replicas (it learns replicas from the master's INFO, every 10 s; before that
# it could not pick one to promote).
sentinels_know() {
    [ "$(rcli "$1" -p 26379 sentinel sentinels sti | grep -c '^name$')" -eq 2 ] &&
        [ "$(rcli "$1" -p 26379 sentinel replicas sti | grep -c '^name$')" -eq 2 ]
}

for i in 0 1 2; do pod "$i"; done
wait_for 20 replicas_of 0 2
wait_for 20 master_is 0
for i in 0 1 2; do wait_for 30 sentinels_know "$i"; done
[ "$(rcli 0 config get min-replicas-to-write | tail -n 1)" = 1 ] || fail "min-replicas-to-write is not 1"
[ "$(rcli 0 config get appendonly | tail -n 1)" = yes ] || fail "AOF is off"
[ "$(rcli 0 set sti:probe one)" = OK ] || fail "write on the first master"
echo "sentinel: pod 0 master, pods 1 and 2 replicas, three Sentinels agree"

kill -KILL "${REDIS_PID[0]}"
new=""
found_new() {
    local i
    for i in 1 2; do master_is "$i" && new=$i && return 0; done
    return 1
}
wait_for 60 found_new
echo "sentinel: master killed; the Sentinels promoted pod $new"
pod 0
grep -q "^replicaof sti-redis-$new.sti-redis 6379" "$W/pod0/conf/redis.conf" \
    || fail "restarted pod 0 was not configured as a replica of pod $new"
wait_for 30 replicas_of "$new" 2
[ "$(rcli "$new" set sti:probe two)" = OK ] || fail "write on the new master"
replica_has() { [ "$(rcli "$1" get sti:probe)" = two ]; }
wait_for 10 replica_has 0
echo "sentinel: pod 0 back as a replica of pod $new; writes reach it"
