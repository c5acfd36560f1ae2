#!/usr/bin/env bash
# The prod overlay's Redis tunnel, with the host's stunnel4 and the overlay's
# own stunnel files (deploy/k8s/overlays/prod/stunnel/*.conf; only ports and
# certificate paths substituted) and the secrets of deploy/k8s/make-secrets
# prod: redis-server on loopback with its ACL file (default user off), a
# Sentinel with its ACL file, the stunnel server in front of both, and a
# stunnel client. sti-ingest and sti-indicators, started through the images'
# entrypoint with their own Redis user and password file as the pods start
# them, find the master through the Sentinel and reach it only through the
# tunnel; a submitted row lands in Redis. The TLS ports answer no plain text;
# a client stunnel with a certificate of another CA is refused, and so is a
# server with one; the preStop hook of a service's stunnel
# (sti-stunnel-drain) waits while the service holds connections and returns
# once it has exited.
. "$STI_SOURCE/tests/lib.sh"
stictl() { command stictl --timeout 15000 "$@"; }
command -v stunnel4 >/dev/null || sti_fail "no stunnel4 (scripts/deps installs it)"
PROD=$STI_SOURCE/deploy/k8s/overlays/prod
# make-secrets makes the users of namespace sti.
export STI_NAMESPACE=sti

"$STI_SOURCE/deploy/k8s/make-secrets" prod "$T/secrets" >"$T/make-secrets.log" 2>&1 \
    || sti_fail "make-secrets prod: $(cat "$T/make-secrets.log")"
# Another CA with its own certificates: what a stranger would present.
"$STI_SOURCE/deploy/k8s/make-secrets" prod "$T/other" >"$T/make-secrets-other.log" 2>&1 \
    || sti_fail "make-secrets prod (other)"
pw() { cat "$T/secrets/redis/$1"; }

# subst SRC DST OLD=>NEW...: the file with each OLD replaced; fails when an
# OLD is not in it (the overlay's file changed shape: update this test).
subst() {
    /usr/bin/python3 - "$@" <<'PY' || sti_fail "cannot adapt $1"
import sys
src, dst, *pairs = sys.argv[1:]
text = open(src).read()
for pair in pairs:
    old, new = pair.split("=>")
    if old not in text:
        sys.exit(f"{src}: no '{old}'")
    text = text.replace(old, new)
open(dst, "w").write(text)
PY
}
declare -A P=()
for name in redis sentinel tls tls_sentinel; do P[$name]=$(sti_spare_port); done

# server_conf NAME CERTS TLS_PORT TLS_SENTINEL_PORT: the stunnel server of
# a Redis pod with its certificate from CERTS/tls, TLS on the two ports, in
# front of this test's Redis and Sentinel.
server_conf() {
    subst "$PROD/stunnel/redis-server.conf" "$T/$1.conf" \
        "/run/tls/server.=>$2/tls/server." "/run/tls/ca.crt=>$T/secrets/tls/ca.crt" \
        "accept = 6380=>accept = 127.0.0.1:$3" "accept = 26380=>accept = 127.0.0.1:$4" \
        "127.0.0.1:6379=>127.0.0.1:${P[redis]}" "127.0.0.1:26379=>127.0.0.1:${P[sentinel]}"
}
# client_conf NAME CERTS TLS_PORT TLS_SENTINEL_PORT: a pod's stunnel client
# with its client certificate from CERTS/tls; every Redis pod is this test's
# stunnel server. Sets C[NAME-redis] and C[NAME-sentinel], its ports for
# sti-redis-0's Redis and Sentinel (the others get spare ports).
declare -A C=()
client_conf() {
    local name=$1 certs=$2 i
    local -a pairs=("/run/tls/client.=>$certs/tls/client." "/run/tls/ca.crt=>$T/secrets/tls/ca.crt")
    for i in 0 1 2; do
        C[$name-redis$i]=$(sti_spare_port)
        C[$name-sentinel$i]=$(sti_spare_port)
        pairs+=("127.0.0.1$((i + 1)):6379=>127.0.0.1:${C[$name-redis$i]}"
                "127.0.0.1$((i + 1)):26379=>127.0.0.1:${C[$name-sentinel$i]}"
                "sti-redis-$i.sti-redis:6380=>127.0.0.1:$3"
                "sti-redis-$i.sti-redis:26380=>127.0.0.1:$4")
    done
    subst "$PROD/stunnel/redis-client.conf" "$T/$name.conf" "${pairs[@]}"
}

mkdir -p "$T/redis"
sti_spawn redis redis-server --port "${P[redis]}" --bind 127.0.0.1 --dir "$T/redis" \
    --aclfile "$T/secrets/users.acl" --appendonly yes --save '' --daemonize no --loglevel warning
admin() { REDISCLI_AUTH=$(pw sti-admin) redis-cli -p "${P[redis]}" --user sti-admin "$@"; }
sti_wait_for 10 admin ping

server_conf tls-server "$T/secrets" "${P[tls]}" "${P[tls_sentinel]}"
client_conf tls-client "$T/secrets" "${P[tls]}" "${P[tls_sentinel]}"
sti_spawn tls-server stunnel4 "$T/tls-server.conf"
sti_spawn tls-client stunnel4 "$T/tls-client.conf"
MASTER_PORT=${C[tls-client-redis0]}
SENTINEL_PORT=${C[tls-client-sentinel0]}

# Through the tunnel, as a service's user; Redis's default user is off.
through() { REDISCLI_AUTH=$(pw sti-ingest) redis-cli -p "$MASTER_PORT" --user sti-ingest "$@"; }
sti_wait_for 10 through ping
out=$(redis-cli -p "$MASTER_PORT" ping 2>&1 || true)
[[ $out == *NOAUTH* ]] || sti_fail "the default user answered through the tunnel: $out"

# The Sentinel, as in a Redis pod: it reaches Redis through the stunnel client
# (sentinel auth-user sti-sentinel), and is reached through the stunnel server.
cat >"$T/sentinel.conf" <<CONF
port ${P[sentinel]}
bind 127.0.0.1
dir $T
aclfile $T/secrets/sentinel.acl
sentinel monitor sti 127.0.0.1 $MASTER_PORT 1
sentinel auth-user sti sti-sentinel
sentinel auth-pass sti $(pw sti-sentinel)
CONF
sti_spawn sentinel redis-server "$T/sentinel.conf" --sentinel
# ask_sentinel USER: the master's address, asked as USER, as a service asks
# (sti_redis sends AUTH USER PASSWORD).
ask_sentinel() {
    REDISCLI_AUTH=$(pw "$1") redis-cli -p "$SENTINEL_PORT" --user "$1" --raw \
        sentinel get-master-addr-by-name sti
}
sti_wait_for 10 ask_sentinel sti-ingest
[ "$(ask_sentinel sti-indicators | tr '\n' ' ')" = "127.0.0.1 $MASTER_PORT " ] \
    || sti_fail "the Sentinel names another master: $(ask_sentinel sti-indicators)"
out=$(REDISCLI_AUTH=$(pw sti-ingest) redis-cli -p "$SENTINEL_PORT" --user sti-ingest sentinel masters 2>&1 || true)
[[ $out == *NOPERM* ]] || sti_fail "a service's user may do more than ask for the master: $out"
out=$(REDISCLI_AUTH=$(pw sti-ingest) redis-cli -p "$SENTINEL_PORT" ping 2>&1 || true)
[[ $out == *WRONGPASS* || $out == *NOAUTH* ]] \
    || sti_fail "the Sentinel's default user took a service's password alone: $out"
out=$(REDISCLI_AUTH=$(cat "$T/other/redis/sti-ingest") redis-cli -p "$SENTINEL_PORT" --user sti-ingest ping 2>&1 || true)
[[ $out == *WRONGPASS* || $out == *NOAUTH* ]] || sti_fail "the Sentinel took a stranger's password: $out"

# The TLS ports answer no plain text, and speak TLS with the server
# certificate of our CA for the pods' names.
for port in "${P[tls]}" "${P[tls_sentinel]}"; do
    out=$(redis-cli -p "$port" ping 2>&1 || true)
    [[ $out != *PONG* && $out != *NOAUTH* && $out != *NOPERM* ]] \
        || sti_fail "the TLS port $port answered plain text: $out"
done
out=$(openssl s_client -connect "127.0.0.1:${P[tls]}" -CAfile "$T/secrets/tls/ca.crt" \
    -cert "$T/secrets/tls/client.crt" -key "$T/secrets/tls/client.key" \
    -verify_hostname sti-redis-1.sti-redis -verify_return_error </dev/null 2>&1 || true)
[[ $out == *"Verify return code: 0 (ok)"* ]] || sti_fail "TLS handshake with the stunnel server: $out"

# A client stunnel with another CA's certificate is refused by the server.
client_conf stranger "$T/other" "${P[tls]}" "${P[tls_sentinel]}"
sti_spawn stranger stunnel4 "$T/stranger.conf"
stranger_refused() {
    local out
    out=$(REDISCLI_AUTH=$(pw sti-ingest) redis-cli -p "${C[stranger-redis0]}" --user sti-ingest ping 2>&1 || true)
    [[ $out != *PONG* ]] || sti_fail "a client certificate of another CA got through: $out"
    grep -q "Rejected by CERT" "$T/tls-server.log"
}
sti_wait_for 10 stranger_refused
# Our client stunnel refuses a server with another CA's certificate.
P[fake_tls]=$(sti_spare_port)
server_conf fake-server "$T/other" "${P[fake_tls]}" "$(sti_spare_port)"
client_conf fooled "$T/secrets" "${P[fake_tls]}" "$(sti_spare_port)"
sti_spawn fake-server stunnel4 "$T/fake-server.conf"
sti_spawn fooled stunnel4 "$T/fooled.conf"
fooled_refused() {
    local out
    out=$(REDISCLI_AUTH=$(pw sti-ingest) redis-cli -p "${C[fooled-redis0]}" --user sti-ingest ping 2>&1 || true)
    [[ $out != *PONG* ]] || sti_fail "our client took a server certificate of another CA: $out"
    grep -q "Rejected by CERT" "$T/fooled.log"
}
sti_wait_for 10 fooled_refused

# The services, started as the pods start them: the entrypoint puts the user
# and the password file into STI_REDIS_URL; the master comes from the
# Sentinel; every connection goes through the stunnel client.
sti_start_broker
service() {   # service NAME: sti-NAME as its pod runs it
    STI_REDIS_URL="redis://127.0.0.1:$MASTER_PORT/0" STI_REDIS_USER="sti-$1" \
        STI_REDIS_PASSWORD_FILE="$T/secrets/redis/sti-$1" \
        STI_REDIS_SENTINELS="127.0.0.1:$SENTINEL_PORT" STI_REDIS_MASTER_NAME=sti \
        sti_spawn "$1" "$STI_SOURCE/docker/entrypoint.sh" "sti-$1" --http-addr 127.0.0.1:0
}
service ingest
service indicators
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
printf 'indicator,org,period,value\nhitech_enterprises,linping,2023,850\n' >"$T/rows.csv"
stictl ingest "$T/rows.csv" | grep -qx "accepted 1, rejected 0" || sti_fail "ingest through the tunnel"
[ "$(admin xlen sti:intake)" = 1 ] || sti_fail "the row is not in sti:intake"
admin xrange sti:intake - + | grep -q hitech_enterprises || sti_fail "sti:intake holds another row"
clients=$(admin client list)
for user in sti-ingest sti-indicators; do
    grep -q "user=$user " <<<"$clients" || sti_fail "no connection of $user: $clients"
done
log=$(admin acl log)
[ -z "$log" ] || sti_fail "Redis refused something: $log"

# sti-stunnel-drain: waits while the services hold connections to the
# tunnel, returns once they are gone. The Sentinel's own link to the master
# goes through the same client here (one host), so it stops first.
sti_stop sentinel
DRAIN=$STI_SOURCE/docker/stunnel-drain.sh
rc=0
timeout 1 "$DRAIN" "$MASTER_PORT" "$SENTINEL_PORT" || rc=$?
[ $rc -eq 124 ] || sti_fail "sti-stunnel-drain returned ($rc) while the services were connected"
sti_stop ingest
sti_stop indicators
sti_wait_for 10 "$DRAIN" "$MASTER_PORT" "$SENTINEL_PORT"
exit 0
