#!/bin/sh
# sti-stunnel-drain PORT...: the preStop hook of a service pod's stunnel
# client. Returns once no connection to one of the PORTs on this pod's
# loopback is open, i.e. once the service beside it has closed its Redis
# and Sentinel connections (it does when it exits), so that Kubernetes stops
# the tunnel after the service, not while the service still finishes what it
# holds after its SIGTERM. The pod's grace period bounds the wait.
# Reads /proc/net/tcp and /proc/net/tcp6 (the pod's network namespace).
# Exits 0 when drained, 2 on bad usage.
set -eu
[ $# -gt 0 ] || { echo "usage: sti-stunnel-drain PORT..." >&2; exit 2; }
hex=""
for port in "$@"; do
    case $port in ''|*[!0-9]*) echo "sti-stunnel-drain: bad port '$port'" >&2; exit 2 ;; esac
    hex="$hex $(printf '%04X' "$port")"
done
# open: true while a socket in state ESTABLISHED (01) has one of the ports
# as its local port (the accepted side of a connection to the tunnel).
open() {
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v ports="$hex" '
        BEGIN { n = split(ports, p, " "); for (i = 1; i <= n; i++) want[p[i]] = 1 }
        $4 == "01" { k = split($2, a, ":"); if (a[k] in want) found = 1 }
        END { exit found ? 0 : 1 }'
}
while open; do
    sleep 1
done
