# tests/multihost/netns.sh: simulated hosts for multi-host tests, sourced.
#
#   mh_init                    # a switch: namespace with a bridge; cleanup on exit;
#                              # exits 0 saying SKIPPED when namespaces cannot be made
#   mh_host NAME ADDR          # a "host": namespace NAME, eth0 = ADDR/24 on the switch
#   mh_exec NAME CMD...        # runs CMD on host NAME
#   mh_spawn NAME HOST CMD...  # background process on HOST, log $MH_DIR/NAME.log, pid in MH_PIDS
#   mh_link NAME up|down       # plugs / unplugs host NAME's cable at the switch
#   mh_stop NAME [SIG]         # signals a spawned process, waits, returns its exit code
#
# Each host is a network namespace with its own loopback and one veth pair to
# a bridge in a switch namespace, so every packet stays inside the namespaces
# this test made (no address, route or interface in the root namespace).
# Unplugging a cable (link down on the switch side) drops everything to and
# from that host without resetting its TCP connections, like a cut link.
# Everything started and every namespace made is removed when the test exits,
# however it exits; namespaces a killed earlier run left are removed first.
set -euo pipefail

MH_PREFIX="sti-mh-$$"
MH_DIR=$(mktemp -d /tmp/sti-multihost.XXXXXX)
MH_SWITCH="$MH_PREFIX-sw"
declare -A MH_PIDS=()
declare -a MH_NETNS=()

mh_cleanup() {
    local rc=$? name pid ns
    for name in "${!MH_PIDS[@]}"; do kill -TERM "${MH_PIDS[$name]}" 2>/dev/null || true; done
    for name in "${!MH_PIDS[@]}"; do
        pid=${MH_PIDS[$name]}
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for ns in "${MH_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    if [ $rc -ne 0 ]; then
        for f in "$MH_DIR"/*.log; do
            [ -f "$f" ] || continue
            echo "---- $(basename "$f") (last 30 lines)" >&2
            tail -n 30 "$f" >&2
        done
    fi
    rm -rf "$MH_DIR"
    exit $rc
}

mh_fail() {
    echo "tests/multihost: FAIL: $*" >&2
    exit 1
}

# mh_wait_for SECONDS CMD...: polls CMD every 50 ms, fails after SECONDS.
mh_wait_for() {
    local limit=$1 deadline
    shift
    deadline=$(($(date +%s%N) + limit * 1000000000))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -le "$deadline" ] || mh_fail "timed out after ${limit}s waiting for: $*"
        sleep 0.05
    done
}

mh_init() {
    local ns owner
    trap mh_cleanup EXIT
    trap 'exit 130' INT TERM
    # Namespaces of earlier runs whose process is gone.
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^sti-mh-' || true); do
        owner=${ns#sti-mh-}
        owner=${owner%%-*}
        kill -0 "$owner" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
    done
    if ! ip netns add "$MH_SWITCH" 2>"$MH_DIR/netns.err"; then
        echo "tests/multihost: SKIPPED: this machine cannot make network namespaces ($(cat "$MH_DIR/netns.err"))"
        exit 0
    fi
    MH_NETNS+=("$MH_SWITCH")
    if ! ip -n "$MH_SWITCH" link add br0 type bridge 2>"$MH_DIR/netns.err"; then
        echo "tests/multihost: SKIPPED: this machine cannot make a bridge ($(cat "$MH_DIR/netns.err"))"
        exit 0
    fi
    ip -n "$MH_SWITCH" link set br0 up
}

mh_host() {
    local name=$1 addr=$2 ns="$MH_PREFIX-$1"
    ip netns add "$ns"
    MH_NETNS+=("$ns")
    ip -n "$MH_SWITCH" link add "p-$name" type veth peer name eth0 netns "$ns"
    ip -n "$MH_SWITCH" link set "p-$name" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
}

mh_exec() {
    local name=$1
    shift
    ip netns exec "$MH_PREFIX-$name" "$@"
}

mh_spawn() {
    local name=$1 host=$2
    shift 2
    ip netns exec "$MH_PREFIX-$host" "$@" >"$MH_DIR/$name.log" 2>&1 &
    MH_PIDS[$name]=$!
}

mh_link() {
    ip -n "$MH_SWITCH" link set "p-$1" "$2"
}

mh_stop() {
    local name=$1 sig=${2:-TERM} pid=${MH_PIDS[$1]} rc=0
    kill "-$sig" "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    unset "MH_PIDS[$name]"
    return $rc
}
