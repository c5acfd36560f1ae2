# tests/lib.sh: what every script test (integration, fault) stands on.
#
#   . "$STI_SOURCE/tests/lib.sh"
#   sti_start_redis            # throw-away redis-server on a spare port: $REDIS_PORT, $STI_REDIS_URL
#   sti_start_redis_acl [FSYNC] # the same with the users of scripts/redis-acl (as deployed):
#                              # sti_redis_url USER, sti_redis_admin ARGS (redis-cli as sti-admin)
#   sti_restart_redis [SIGNAL] # stops Redis (TERM: clean; KILL) and starts it again on its files
#   sti_start_broker           # sti-broker on spare ports: $STI_BROKER, $STI_EVENTS_PUB, $STI_EVENTS_SUB
#   sti_spawn NAME CMD...      # starts a process in the background, logs to $T/NAME.log, records its pid
#   sti_wait_for SECONDS CMD.. # bounded poll: runs CMD every 50 ms until it succeeds
#   sti_fail MESSAGE           # prints the message (and sti_diagnose, if defined) and the logs, exits 1
#   sti_refused BIN ARGS.. PAT # BIN refuses to start (exit 2) saying PAT (bad settings)
#   sti_start_data_path        # redis, broker, sti-ingest, sti-indicators (consumer test-1),
#                              # and the Linping plan loaded with stictl
#
# Everything started is stopped (and the temp dir removed) when the test exits,
# however it exits.
set -euo pipefail

: "${STI_BUILD:?STI_BUILD must point at the build directory}"
: "${STI_SOURCE:?STI_SOURCE must point at the source directory}"
T=$(mktemp -d /tmp/sti-test.XXXXXX)
export STI_NAMESPACE=${STI_NAMESPACE:-stitest}
export STI_LOG_LEVEL=${STI_LOG_LEVEL:-info}
# sti-talent refuses to start without a secret: tests get a throw-away one.
export STI_TALENT_KEY=${STI_TALENT_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export PATH="$STI_BUILD/cli:$STI_BUILD/tests:$PATH"
for d in "$STI_BUILD"/services/*/; do PATH="$d:$PATH"; done
declare -A STI_PIDS=()

sti_cleanup() {
    local rc=$?
    for name in "${!STI_PIDS[@]}"; do
        kill -TERM "${STI_PIDS[$name]}" 2>/dev/null || true
    done
    for name in "${!STI_PIDS[@]}"; do
        local pid=${STI_PIDS[$name]} i
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ $rc -ne 0 ] && [ -z "${STI_KEEP:-}" ]; then
        sti_dump_logs
    fi
    [ -n "${STI_KEEP:-}" ] || rm -rf "$T"
    exit $rc
}
trap sti_cleanup EXIT
trap 'exit 130' INT TERM

sti_dump_logs() {
    for f in "$T"/*.log; do
        [ -f "$f" ] || continue
        echo "---- $(basename "$f") (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done
}

# sti_fail MESSAGE: prints it and exits 1. A test that defines sti_diagnose
# gets it run first (once; stderr), to say what state it failed in while
# the processes it started still run.
sti_fail() {
    echo "FAIL: $*" >&2
    if [ -z "${STI_DIAGNOSED:-}" ] && declare -F sti_diagnose >/dev/null; then
        STI_DIAGNOSED=1
        echo "---- diagnosis" >&2
        sti_diagnose >&2 || true
    fi
    exit 1
}

# A TCP port nobody listens on now, below the kernel's range for outgoing
# connections (32768-60999 here), so no client socket can take it first. A
# port handed out in the last ten minutes, by this test or by another one
# running beside it (ctest -j), is not handed out again, even if nothing
# listens on it yet: its taker may not have bound it so far. The ledger is a
# file under /tmp, locked while it is read and written.
sti_spare_port() {
    sti_spare_base 1
}

# sti_spare_base N: the first of N consecutive spare ports (as sti_spare_port
# says), e.g. an STI_PORT_BASE for scripts/up, whose stack takes base ..
# base+20 and base+21.. for scaled replicas.
sti_spare_base() {
    /usr/bin/python3 - "$1" <<'PY'
import fcntl, os, random, socket, sys, time
count = int(sys.argv[1])
with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "sti-test-ports"), "a+") as ledger:
    fcntl.flock(ledger, fcntl.LOCK_EX)
    ledger.seek(0)
    now = time.time()
    given = {}
    for line in ledger.read().split("\n"):
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and now - float(parts[1]) < 600:
            given[int(parts[0])] = parts[1]
    for _ in range(500):
        base = random.randrange(20000, 32000 - count)
        ports = range(base, base + count)
        if any(port in given for port in ports):
            continue
        socks = []
        try:
            for port in ports:
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        for port in ports:
            given[port] = "%.0f" % now
        ledger.seek(0)
        ledger.truncate()
        ledger.write("".join("%d %s\n" % item for item in given.items()))
        print(base)
        break
    else:
        raise SystemExit("no spare ports")
PY
}

# sti_wait_for SECONDS CMD...: true once CMD succeeds, fails the test after
# SECONDS x STI_WAIT_SCALE (default 3): the bounds are for a quiet machine, and
# a sanitizer build on a loaded one is several times slower; a larger bound
# costs nothing when the condition comes true. CMD runs anew on every try, but
# its arguments are expanded once, by the caller: poll a value with a
# function, or with eval '[ "$(value)" = 0 ]' (single quotes), never with
# test "$(value)" = 0, which compares the first value for ever.
sti_wait_for() {
    local limit=$(( $1 * ${STI_WAIT_SCALE:-3} )); shift
    local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s%N)" -gt "$deadline" ]; then
            sti_fail "timed out after ${limit}s waiting for: $*"
        fi
        sleep 0.05
    done
}

# sti_refused BINARY ARGS... PATTERN: BINARY with ARGS (and a Redis no one
# listens on) must refuse to start, exit 2, and say PATTERN on stderr: how a
# setting out of its range or malformed is refused (docs/settings.md).
sti_refused() {
    local pattern=${*: -1}
    local args=("${@:1:$#-1}")
    local rc=0
    STI_HTTP_ADDR=127.0.0.1:0 STI_REDIS_URL=redis://127.0.0.1:1 \
        timeout 20 "${args[@]}" >"$T/refused.out" 2>"$T/refused.err" || rc=$?
    [ "$rc" = 2 ] || { cat "$T/refused.err" >&2; sti_fail "exit $rc (not 2) for: ${args[*]}"; }
    grep -qF -- "$pattern" "$T/refused.err" ||
        { cat "$T/refused.err" >&2; sti_fail "no '$pattern' for: ${args[*]}"; }
}

sti_spawn() {
    local name=$1; shift
    "$@" >"$T/$name.log" 2>&1 &
    STI_PIDS[$name]=$!
}

# Stops one process started by sti_spawn: sti_stop NAME [SIGNAL]. Returns its exit code.
sti_stop() {
    local name=$1 sig=${2:-TERM} pid=${STI_PIDS[$1]} rc=0
    kill "-$sig" "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    unset "STI_PIDS[$name]"
    return $rc
}

sti_start_redis() {
    REDIS_PORT=$(sti_spare_port)
    mkdir -p "$T/redis"
    sti_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$T/redis" \
        --appendonly yes --appendfsync everysec --save '' --daemonize no --loglevel warning
    export STI_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
    sti_wait_for 10 redis-cli -p "$REDIS_PORT" ping
}

# The event log KEY read as events, whatever its entries
# (tests/helpers/events_log_summary.lua): prints "<events> <first seq> <last
# seq> <gaps>". STI_CLI names another redis-cli function to ask through.
sti_events_log_summary() {
    ${STI_CLI:-sti_redis_cli} EVAL "$(cat "$STI_SOURCE/tests/helpers/events_log_summary.lua")" 1 "$1" |
        tr '\n' ' ' | sed 's/ $//'
}

# sti_revisions_summary NS [INDICATOR ORG PERIOD]...: the revisions of the
# values of namespace NS, or of the values named, whichever layout holds
# them (tests/helpers/revisions_summary.lua): prints "<values with a
# revision> <of them not exactly one> <revisions>". STI_CLI as above.
sti_revisions_summary() {
    ${STI_CLI:-sti_redis_cli} EVAL "$(cat "$STI_SOURCE/tests/helpers/revisions_summary.lua")" 0 "$@" |
        tr '\n' ' ' | sed 's/ $//'
}

sti_redis_cli() {
    if [ -n "${REDIS_ACL:-}" ]; then
        REDISCLI_AUTH=$(cat "$T/secrets/sti-admin") redis-cli -p "$REDIS_PORT" --user sti-admin "$@"
    else
        redis-cli -p "$REDIS_PORT" "$@"
    fi
}

# Redis as every deployment runs it: the ACL file of scripts/redis-acl (the
# default user off), AOF with appendfsync FSYNC (everysec by default).
# sti_redis_cli runs as sti-admin then.
sti_start_redis_acl() {
    REDIS_FSYNC=${1:-everysec}
    "$STI_SOURCE/scripts/redis-acl" --namespace "$STI_NAMESPACE" "$T/secrets" "$T/users.acl" \
        || sti_fail "scripts/redis-acl failed"
    REDIS_PORT=$(sti_spare_port)
    REDIS_ACL=1
    mkdir -p "$T/redis"
    s_spawn_redis
    export STI_REDIS_URL=   # each process gets its own user's URL: sti_redis_url USER
}

s_spawn_redis() {
    sti_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$T/redis" \
        --aclfile "$T/users.acl" --appendonly yes --appendfsync "$REDIS_FSYNC" --save '' \
        --daemonize no --loglevel notice
    sti_wait_for 10 eval '[ "$(sti_redis_cli ping 2>/dev/null)" = PONG ]'
    sti_wait_for 60 eval 'sti_redis_cli info persistence | grep -q "^loading:0"'
}

sti_redis_url() { echo "redis://$1:$(cat "$T/secrets/$1")@127.0.0.1:$REDIS_PORT"; }

# sti_restart_redis [SIGNAL]: TERM (the default) is a clean stop, which
# writes the AOF out; KILL loses what was not yet written. Then Redis starts
# again on the same files, port and users, and is waited for until it has
# loaded them.
sti_restart_redis() {
    sti_stop redis "${1:-TERM}" || true
    s_spawn_redis
}

sti_start_broker() {
    local req pub sub http
    req=$(sti_spare_port); sub=$(sti_spare_port); pub=$(sti_spare_port); http=$(sti_spare_port)
    export STI_BROKER="tcp://127.0.0.1:$req"
    export STI_EVENTS_SUB="tcp://127.0.0.1:$sub"
    export STI_EVENTS_PUB="tcp://127.0.0.1:$pub"
    BROKER_HTTP=$http
    sti_spawn broker sti-broker --bind "tcp://127.0.0.1:$req" --xpub "tcp://127.0.0.1:$sub" \
        --xsub "tcp://127.0.0.1:$pub" --http-addr "127.0.0.1:$http"
    sti_wait_for 10 curl -sf "http://127.0.0.1:$http/healthz"
}

# True once the broker says a worker for the service is registered (MMI).
sti_service_up() {
    /usr/bin/python3 - "$STI_BROKER" "$1" <<'PY'
import sys, zmq
s = zmq.Context().socket(zmq.REQ)
s.setsockopt(zmq.LINGER, 0)
s.connect(sys.argv[1])
s.send_multipart([b"MDPC01", b"mmi.service", sys.argv[2].encode()])
sys.exit(0 if s.poll(2000) and s.recv_multipart()[2:] == [b"200"] else 1)
PY
}

# sti_wait_service NAME: waits (bounded) until NAME has a worker at the broker.
sti_wait_service() {
    sti_wait_for 15 sti_service_up "$1"
}

# The data path as a clerk's stictl meets it: Redis, the broker, sti-ingest
# and sti-indicators (consumer test-1), the Linping plan loaded.
sti_start_data_path() {
    sti_start_redis
    sti_start_broker
    sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
    sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 --consumer test-1
    sti_wait_service sti.ingest
    sti_wait_service sti.indicators
    stictl --timeout 15000 plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null ||
        sti_fail "plan load"
}

# sti_ingest [--wait] CSV-ROWS...: submits rows "indicator,org,period,value"
# through stictl ingest (with --wait, until the applier applied them); a
# refusal fails the test with stictl's output.
sti_ingest() {
    local wait=()
    if [ "$1" = --wait ]; then
        wait=(--wait)
        shift
    fi
    { echo "indicator,org,period,value"; printf '%s\n' "$@"; } >"$T/rows.csv"
    stictl ingest "$T/rows.csv" "${wait[@]}" >"$T/ingest.out" 2>&1 ||
        sti_fail "ingest: $(cat "$T/ingest.out")"
}

# sti_add_orgs CODE:NAME_ZH:NAME_EN...: adds each org unit under linping.
sti_add_orgs() {
    local org code name_zh name_en
    for org in "$@"; do
        IFS=: read -r code name_zh name_en <<<"$org"
        stictl org add "$code" --parent linping --name "$name_zh" --name-en "$name_en" \
            >/dev/null || sti_fail "org add $org"
    done
}
