#!/usr/bin/env bash
# tests/container/sentinel.sh: runs the prod overlay's Redis + Sentinel set-up
# as the pods run it, with the host's redis-server and stunnel4: three "pods"
# sti-redis-0..2, each a network namespace of its own (its own loopback, an
# eth0 on a bridge; tests/multihost/netns.sh) with the configure.sh of
# deploy/k8s/overlays/prod/redis-sentinel.yaml, Redis and Sentinel on its
# loopback with the ACL files of deploy/k8s/make-secrets prod, and the
# overlay's two stunnel configurations (stunnel/redis-server.conf,
# stunnel/redis-client.conf; only the certificate paths changed), plus a
# "service pod" with only the stunnel client. It checks:
#   - pod 0 starts as the master, pods 1 and 2 replicate it (through the
#     tunnel, as sti-replica), min-replicas-to-write 1, AOF on;
#   - the three Sentinels find each other and agree on the master;
#   - Redis's default user is off, and neither Redis nor the Sentinel can be
#     reached from another pod except through TLS;
#   - from the service pod, what a service does: ask a Sentinel for the
#     master as its own user, then write as that user to the
#     address it got, all through the pod's stunnel client;
#   - after the master is killed the Sentinels promote a replica; pod 0,
#     configured again as at a pod restart, comes back as a replica of the
#     new master; a write on the new master is acknowledged and reaches the
#     replicas, and the service path finds the new master;
#   - Redis refused nothing to the replicas and the Sentinels (ACL LOG empty).
# Exits 0 on success, 1 with the reason and the logs otherwise (0 with
# SKIPPED when the machine cannot make network namespaces).
#   tests/container/sentinel.sh            (as root; STICTL: a built stictl,
#                                           for make-secrets, else build/cli/stictl)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" != --inside ]; then
    # A private mount namespace: /etc/hosts is this test's.
    exec unshare --mount --propagation private "$0" --inside
fi
command -v stunnel4 >/dev/null || { echo "sentinel: FAIL: no stunnel4 (scripts/deps installs it)" >&2; exit 1; }

. "$SRC/tests/multihost/netns.sh"
W=$MH_DIR
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

mh_init
for i in 0 1 2; do
    mh_host "redis$i" "10.99.0.$((i + 1))"
    echo "10.99.0.$((i + 1)) sti-redis-$i.sti-redis"
done >"$W/hosts"
mh_host svc 10.99.0.10
mount --bind "$W/hosts" /etc/hosts

# The secrets as make-secrets makes them, mounted as the StatefulSet does.
"$SRC/deploy/k8s/make-secrets" prod "$W/secrets" >"$W/make-secrets.log" 2>&1 \
    || { cat "$W/make-secrets.log" >&2; fail "make-secrets prod"; }
mkdir -p "$W/auth"
cp "$W/secrets/users.acl" "$W/secrets/sentinel.acl" "$W/secrets/redis/sti-replica" \
    "$W/secrets/redis/sti-sentinel" "$W/auth/"
ADMIN=$(cat "$W/secrets/redis/sti-admin")
INGEST=$(cat "$W/secrets/redis/sti-ingest")

PROD=$SRC/deploy/k8s/overlays/prod
/usr/bin/python3 - "$PROD/redis-sentinel.yaml" "$W/configure.sh" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sti-redis-scripts")
open(sys.argv[2], "w").write(cm["data"]["configure.sh"])
PY
for side in server client; do
    sed "s#/run/tls/#$W/secrets/tls/#" "$PROD/stunnel/redis-$side.conf" >"$W/stunnel-$side.conf"
done
mh_spawn tls-client-svc svc stunnel4 "$W/stunnel-client.conf"

# in_pod N CMD...: CMD in pod N as the operator would run it (kubectl exec).
in_pod() { local i=$1; shift; mh_exec "redis$i" env REDISCLI_AUTH="$ADMIN" "$@"; }
rcli() { local i=$1; shift; in_pod "$i" redis-cli --user sti-admin "$@"; }

# pod N: configure as the init container does, then start Redis, and the
# Sentinel and both stunnels unless they run already (they outlive a Redis
# restart, as containers of the same pod do).
pod() {
    local i=$1 d="$W/pod$1"
    mkdir -p "$d/conf" "$d/data" "$d/bin"
    printf '#!/bin/sh\necho sti-redis-%s\n' "$i" >"$d/bin/hostname"
    chmod +x "$d/bin/hostname"
    sed -e "s#/run/secrets/#$W/auth/#g" -e "s#/run/tls/#$W/secrets/tls/#g" \
        -e "s#/conf/#$d/conf/#g" "$W/configure.sh" >"$d/configure.sh"
    mh_exec "redis$i" env PATH="$d/bin:$PATH" sh "$d/configure.sh" >"$d/configure.log" 2>&1 \
        || { cat "$d/configure.log" >&2; fail "configure.sh in pod $i"; }
    sed -i "s#^dir /data#dir $d/data#" "$d/conf/redis.conf"
    mh_spawn "redis$i" "redis$i" redis-server "$d/conf/redis.conf"
    if [ ! -f "$d/sentinel.conf" ]; then
        cp "$d/conf/sentinel.conf" "$d/sentinel.conf"
        sed -i "s#^dir /tmp#dir $d#" "$d/sentinel.conf"
        mh_spawn "sentinel$i" "redis$i" redis-server "$d/sentinel.conf" --sentinel
        mh_spawn "tls-server$i" "redis$i" stunnel4 "$W/stunnel-server.conf"
        mh_spawn "tls-client$i" "redis$i" stunnel4 "$W/stunnel-client.conf"
    fi
    wait_for 10 rcli "$i" ping
    wait_for 10 rcli "$i" -p 26379 ping
}
master_is() {   # master_is N: every Sentinel names pod N's address, 127.0.0.1(N+1)
    local i
    for i in 0 1 2; do
        [ "$(rcli "$i" -p 26379 --raw sentinel get-master-addr-by-name sti | head -n 1)" = "127.0.0.1$(($1 + 1))" ] || return 1
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
# service_write VALUE: from the service pod, what a service does: the master's
# address from a Sentinel (as sti-ingest), then SET as
# sti-ingest there; every connection goes through the pod's stunnel client.
service_write() {
    local master
    master=$(mh_exec svc env REDISCLI_AUTH="$INGEST" redis-cli -h 127.0.0.11 -p 26379 \
        --user sti-ingest --raw \
        sentinel get-master-addr-by-name sti | head -n 1)
    [ "$(mh_exec svc env REDISCLI_AUTH="$INGEST" redis-cli -h "$master" -p 6379 --user sti-ingest \
        set sti:ingest:probe "$1")" = OK ]
}

for i in 0 1 2; do pod "$i"; done
wait_for 20 replicas_of 0 2
wait_for 20 master_is 0
for i in 0 1 2; do wait_for 30 sentinels_know "$i"; done
[ "$(rcli 0 config get min-replicas-to-write | tail -n 1)" = 1 ] || fail "min-replicas-to-write is not 1"
[ "$(rcli 0 config get appendonly | tail -n 1)" = yes ] || fail "AOF is off"
[ "$(rcli 0 set sti:probe one)" = OK ] || fail "write on the first master"
echo "sentinel: pod 0 master, pods 1 and 2 replicas through the tunnel, three Sentinels agree"

out=$(mh_exec redis0 redis-cli ping 2>&1 || true)
[[ $out == *NOAUTH* ]] || fail "Redis's default user answered: $out"
out=$(mh_exec redis0 redis-cli -p 26379 ping 2>&1 || true)
[[ $out == *NOAUTH* ]] || fail "the Sentinel's default user answered: $out"
for port in 6379 26379; do
    ! mh_exec svc redis-cli -h 10.99.0.1 -p "$port" ping >/dev/null 2>&1 \
        || fail "port $port of a Redis pod answers plain text from another pod"
done
for port in 6380 26380; do
    out=$(mh_exec svc timeout 10 redis-cli -h 10.99.0.1 -p "$port" ping 2>&1 || true)
    [[ $out != *PONG* && $out != *NOAUTH* ]] || fail "the TLS port $port answered plain text: $out"
done
wait_for 10 service_write one
echo "sentinel: default user off; only TLS between pods; a service finds the master and writes as its user"

{ mh_stop redis0 KILL; } 2>/dev/null || true
new=""
found_new() {
    local i
    for i in 1 2; do master_is "$i" && new=$i && return 0; done
    return 1
}
wait_for 60 found_new
echo "sentinel: master killed; the Sentinels promoted pod $new"
pod 0
grep -q "^replicaof 127.0.0.1$((new + 1)) 6379" "$W/pod0/conf/redis.conf" \
    || fail "restarted pod 0 was not configured as a replica of pod $new"
wait_for 30 replicas_of "$new" 2
[ "$(rcli "$new" set sti:probe two)" = OK ] || fail "write on the new master"
replica_has() { [ "$(rcli "$1" get sti:probe)" = two ]; }
wait_for 10 replica_has 0
wait_for 10 service_write two
echo "sentinel: pod 0 back as a replica of pod $new; writes reach it; the service path follows"

for i in 0 1 2; do
    log=$(rcli "$i" acl log)
    [ -z "$log" ] || fail "Redis in pod $i refused something: $log"
done
echo "sentinel: nothing refused to the replicas or the Sentinels (ACL LOG empty)"
